#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/rdp-xrdp.sh KVER [--debug]: NLA for xrdp through credssp-rdpd
# (TAP). Real clients on the host (under Xvfb) connect through QEMU's port
# forward to credssp-rdpd in the guest, in front of Debian's own xrdp
# (tests/guest/rdp-guest.sh sets the guest up).
#
#   - xfreerdp (NTLM) reaches a desktop session as the authenticated local
#     user alice with no login dialog: processes of alice in the guest
#     (xorgxrdp's Xorg), xrdp-sesman's log, credssp-rdpd's audit line, and
#     xrdp saw INFO_AUTOLOGON with alice;
#   - a wrong password: the client exits 134 (STATUS_LOGON_FAILURE) and xrdp
#     never sees a connection;
#   - a client offering only TLS (/sec:tls) or only RDP (/sec:rdp): refused,
#     RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER, xrdp never sees it;
#   - 10 clients at once: 10 NLA single sign-ons handed to xrdp by the
#     front, then 10 logins of alice by xrdp-sesman with all 10 clients
#     still connected (two cases: the front's part and xrdp's).
# A client that cannot run fails its case (never skipped).
# KCREDSSP_RDP_BUILD: the build directory (default build).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
KCREDSSP_FRONT=/bin/true # the host front is not used here
export KCREDSSP_CACHE=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}
. "$here/../lib/interop.sh"

kver=${1:-6.12}
shift
vmargs=("$@")
build=${KCREDSSP_RDP_BUILD:-build}
moddir=$build/kmod-$kver$([ "${1:-}" = --debug ] && echo -debug)

it_init
it_need xfreerdp xrdp xrdp-sesman /usr/lib/xorg/Xorg
[ -f /usr/lib/xorg/modules/drivers/xrdpdev_drv.so ] || it_setup_error="xorgxrdp is not installed"
for f in kmod/credssp.ko; do
	[ -f "$it_repo/$moddir/$f" ] || it_setup_error="no $moddir/$f (make module KVER=$kver)"
done
for f in credssp-rdpd credsspd credsspctl; do
	[ -x "$it_repo/$build/$f" ] || it_setup_error="no $build/$f (make rdpd credsspd lib)"
done
it_xvfb
it_kdc localhost
it_credsspd_conf "$it_dir"
port=$(it_free_port)
# /timeout: FreeRDP's TcpAckTimeout, 9 s by default, bounds both the TCP
# user timeout of its socket and the whole MCS + activation sequence ("Timeout
# waiting for activation"): a TCG guest starting Xorg (GLX alone takes a
# minute there) with ten xrdp processes is slower than that.
xf=(/v:127.0.0.1:$port /u:alice /d:KCREDSSP /cert:ignore /timeout:180000)

vm_rc=none
if [ -z "$it_setup_error" ]; then
	(cd "$it_repo" && scripts/vm.sh --kernel "$kver" "${vmargs[@]}" --forward "$port" \
		--results "$it_dir" --timeout 1800 --mem 2048 -- \
		tests/guest/rdp-guest.sh "$moddir" "$it_dir" "$port" "$build") \
		>"$it_dir/vm.log" 2>&1 &
	vm_pid=$!
	for _ in $(seq 2400); do
		[ -e "$it_dir/ready" ] && break
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.25
	done
	[ -e "$it_dir/ready" ] ||
		it_setup_error="the guest did not start: $(tail -n 20 "$it_dir/vm.log"; cat "$it_dir/guest-setup.log" 2>/dev/null)"
fi

# Logins of alice by sesman in xrdp's log (xrdp_mm: "login successful for
# user alice on display N"; xrdp_wm_log_msg() logs it twice, once with its
# own name in front: that line is not counted).
xrdp_logins() {
	local n
	n=$(grep -c '\] login successful for user alice' "$it_dir/xrdp.log" 2>/dev/null)
	echo "${n:-0}"
}

# Lines of xrdp's log saying a connection negotiated its security layer.
xrdp_conns() {
	local n
	n=$(grep -c 'Security protocol: configured' "$it_dir/xrdp.log" 2>/dev/null)
	echo "${n:-0}"
}

audit_count() {
	local n
	n=$(grep -c 'audit: ' "$it_dir/rdpd.log" 2>/dev/null)
	echo "${n:-0}"
}

# wait_audit N: until credssp-rdpd wrote more than N audit lines (60 s).
wait_audit() {
	for _ in $(seq 600); do
		[ "$(audit_count)" -gt "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

case_start() { # NAME
	it_case "$1"
	it_res=$it_dir/none it_flog=$it_dir/rdpd.log it_ms=0 it_frc=none
}

# 1. single sign-on into a desktop session
case_start "xfreerdp (NTLM) through credssp-rdpd reaches an xrdp session as alice, no login dialog"
it_clog=$it_dir/sso.client.log it_rc=none
if [ -z "$it_setup_error" ]; then
	a0=$(audit_count)
	timeout -k 5 600 xfreerdp "${xf[@]}" '/p:Passw0rd!' /sec:nla >"$it_clog" 2>&1 &
	cpid=$!
	ok=
	for _ in $(seq 1200); do
		if awk '$1 == "alice" && /Xorg|xrdp-chansrv|xterm|Xsession/' "$it_dir/ps.txt" 2>/dev/null |
			grep -q .; then
			ok=1
			break
		fi
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.5
	done
	sleep 5
	cp "$it_dir/ps.txt" "$it_dir/sso.ps.txt" 2>/dev/null
	if command -v import >/dev/null 2>&1; then
		import -window root "$it_dir/sso.png" 2>/dev/null && echo "# screenshot: $it_dir/sso.png"
	fi
	[ -n "$ok" ] || it_fail "no process of alice in the guest: $(cat "$it_dir/ps.txt" 2>/dev/null | tail -n 30)"
	grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) | grep -q 'principal="KCREDSSP\\alice" package=NTLM user=alice result=ok' ||
		it_fail "no ok audit line for KCREDSSP\\alice: $(grep 'audit: ' "$it_dir/rdpd.log" | tail -n 3)"
	grep -q 'Client requested auto logon' "$it_dir/xrdp.log" ||
		it_fail "xrdp did not see INFO_AUTOLOGON: $(tail -n 20 "$it_dir/xrdp.log" 2>/dev/null)"
	grep -q 'Client supplied username: alice' "$it_dir/xrdp.log" ||
		it_fail "xrdp did not see user alice"
	grep -qi 'alice' "$it_dir/xrdp-sesman.log" ||
		it_fail "xrdp-sesman's log does not name alice: $(tail -n 20 "$it_dir/xrdp-sesman.log" 2>/dev/null)"
	grep -q 'login successful for user alice' "$it_dir/xrdp.log" ||
		it_fail "xrdp did not log sesman's login of alice: $(tail -n 20 "$it_dir/xrdp.log" 2>/dev/null)"
	# xrdp_wm_init() logs this (LogLevel=DEBUG) when it draws its login window
	grep -q 'draw login window' "$it_dir/xrdp.log" && it_fail "xrdp showed its login dialog"
	kill "$cpid" 2>/dev/null
	wait "$cpid"
	it_rc=$?
fi
it_end

# 2. a wrong password
case_start "xfreerdp with a wrong password: exit 134 (STATUS_LOGON_FAILURE), xrdp never sees a connection"
it_clog=$it_dir/wrong.client.log it_rc=none
if [ -z "$it_setup_error" ]; then
	n0=$(xrdp_conns) a0=$(audit_count)
	timeout -k 5 300 xfreerdp "${xf[@]}" /p:wrong-password /sec:nla /auth-only >"$it_clog" 2>&1
	it_rc=$?
	wait_audit "$a0"
	sleep 2
	it_want_rc 134
	it_want_log 'STATUS_LOGON_FAILURE'
	grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) | grep -q 'result=failed reason="CredSSP: SEC_E_LOGON_DENIED' ||
		it_fail "no SEC_E_LOGON_DENIED audit line: $(grep 'audit: ' "$it_dir/rdpd.log" | tail -n 2)"
	[ "$(xrdp_conns)" = "$n0" ] || it_fail "xrdp saw a connection ($n0 -> $(xrdp_conns))"
fi
it_end

# 3. clients that do not offer HYBRID
for sec in tls rdp; do
	case_start "xfreerdp /sec:$sec (no PROTOCOL_HYBRID): refused with HYBRID_REQUIRED_BY_SERVER, xrdp never sees it"
	it_clog=$it_dir/sec-$sec.client.log it_rc=none
	if [ -z "$it_setup_error" ]; then
		n0=$(xrdp_conns) a0=$(audit_count)
		timeout -k 5 300 xfreerdp "${xf[@]}" '/p:Passw0rd!' /sec:$sec /auth-only >"$it_clog" 2>&1
		it_rc=$?
		wait_audit "$a0"
		[ "$it_rc" != 0 ] || it_fail "the client succeeded"
		grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) | grep -q 'result=refused reason="the client did not offer PROTOCOL_HYBRID' ||
			it_fail "no refusal audit line: $(grep 'audit: ' "$it_dir/rdpd.log" | tail -n 2)"
		[ "$(xrdp_conns)" = "$n0" ] || it_fail "xrdp saw a connection"
	fi
	it_end
done

# 4. ten at once: the front's part (10 concurrent NLA + single sign-on
# handoffs to xrdp), then xrdp's (xrdp-sesman logs alice in 10 times).
xrdp_sesman_errors() {
	local n
	n=$(grep -c '\] Error connecting to sesman' "$it_dir/xrdp.log" 2>/dev/null)
	echo "${n:-0}"
}

case_start "10 xfreerdp clients at once through credssp-rdpd: 10 NLA single sign-ons handed to xrdp"
it_clog=$it_dir/ten-1.client.log it_rc=none
ten_ran=
if [ -z "$it_setup_error" ] && [ "${KCREDSSP_RDP_TEN:-1}" = 1 ]; then
	ten_ran=1
	a0=$(audit_count) l0=$(xrdp_logins) e0=$(xrdp_sesman_errors)
	s0=$(grep -c 'session: username alice' "$it_dir/xrdp-sesman.log")
	pids=()
	for i in $(seq 10); do
		timeout -k 5 900 xfreerdp "${xf[@]}" '/p:Passw0rd!' /sec:nla >"$it_dir/ten-$i.client.log" 2>&1 &
		pids+=($!)
	done
	for _ in $(seq 1200); do
		[ "$(grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) | grep -c 'result=')" -ge 10 ] && break
		sleep 0.5
	done
	oks=$(grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) | grep -c 'user=alice result=ok')
	echo "# 10 at once: $oks single sign-ons at the front"
	[ "$oks" = 10 ] || it_fail "want 10 ok audit lines, got $oks: $(grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)))"
elif [ -z "$it_setup_error" ]; then
	it_fail "KCREDSSP_RDP_TEN=0: not run"
fi
it_end

case_start "the same 10 clients: xrdp-sesman logs alice in 10 times, the 10 clients stay connected"
it_clog=$it_dir/ten-1.client.log it_rc=none
if [ -n "$ten_ran" ]; then
	# until every login of xrdp ended one way or the other (10 min)
	for _ in $(seq 1200); do
		[ $(($(xrdp_logins) - l0 + $(xrdp_sesman_errors) - e0)) -ge "$oks" ] && break
		sleep 0.5
	done
	sleep 5
	logins=$(($(xrdp_logins) - l0)) errs=$(($(xrdp_sesman_errors) - e0))
	live=0
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && live=$((live + 1)); done
	echo "# 10 at once: $logins logins of alice by xrdp-sesman, $errs xrdp \"Error connecting to sesman\", $live clients still connected"
	[ "$logins" -ge 10 ] ||
		it_fail "want 10 logins of alice in xrdp's log, got $logins and $errs \"Error connecting to sesman\" (xrdp 0.9.21 gives up after 4 connects of 3 s, sesman listens with a backlog of 2 and logs in one user at a time: $(($(grep -c 'session: username alice' "$it_dir/xrdp-sesman.log") - s0)) sessions of alice reconnected in its log)"
	[ "$live" = 10 ] || it_fail "$((10 - live)) clients exited: $(tail -n 3 "$it_dir"/ten-*.client.log | grep -v '^$' | grep -v 'freerdp.utils' | head -n 30)"
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
elif [ -z "$it_setup_error" ]; then
	it_fail "the 10 clients did not run"
fi
it_end

: >"$it_dir/stop"
if [ -n "${vm_pid:-}" ]; then
	wait "$vm_pid"
	vm_rc=$?
fi
case_start "guest: credssp-rdpd, xrdp, credsspd and credssp.ko stopped cleanly (vm.sh exit 0, no sanitizer report)"
it_clog=$it_dir/vm.log it_rc=none
[ "$vm_rc" = 0 ] || it_fail "vm.sh exit $vm_rc: $(tail -n 15 "$it_dir/vm.log")"
grep -q 'credssp-rdpd exit 0' "$it_dir/rdpd.log" 2>/dev/null || it_fail "credssp-rdpd: $(tail -n 5 "$it_dir/rdpd.log" 2>/dev/null)"
it_end
tap_done
