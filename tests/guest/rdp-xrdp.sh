#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/rdp-xrdp.sh KVER [--debug | --debian]: NLA for xrdp through credssp-rdpd
# (TAP). Real clients on the host (under Xvfb) connect through QEMU's port
# forward to credssp-rdpd in the guest, in front of Debian's own xrdp
# (tests/guest/rdp-guest.sh sets the guest up).
#
#   - xfreerdp (NTLM), xfreerdp3 (NTLM and Kerberos) and rdesktop (Kerberos)
#     reach a desktop session as the authenticated local user alice with no
#     login dialog: xrdp-sesman logs her in, processes of alice in the guest,
#     credssp-rdpd's audit line, xrdp saw INFO_AUTOLOGON with alice, and a
#     screenshot of the client's window shows her session, not xrdp's login
#     dialog;
#   - with --debian (Debian's own kernel and its modules): single sign-on
#     onward, alice's session lists a share of the kernel's SMB server
#     (ksmbd) through a cifs multiuser mount with the NLA password
#     (pam_cifscreds in xrdp-sesman's PAM stack), which she could not before;
#   - a wrong password: the client exits 134 (STATUS_LOGON_FAILURE) and xrdp
#     never sees a connection;
#   - a client offering only TLS (/sec:tls) or only RDP (/sec:rdp): refused,
#     RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER, xrdp never sees it;
#   - after NLA, a Connect-Initial whose serverSelectedProtocol says
#     PROTOCOL_RDP (a downgrade): refused, nobody logged in;
#   - after NLA as alice, delegated credentials naming user01: refused,
#     nobody logged in, both by the front (credsspd configured to pass them
#     on) and, with credsspd's default policy as installed, by credsspd
#     itself (the client gets STATUS_LOGON_FAILURE);
#   - 10 users at once: 10 NLA single sign-ons handed to xrdp by the
#     front, then 10 logins by xrdp-sesman, 10 sessions running, with all
#     10 clients still connected (two cases: the front's part and xrdp's).
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
# On Debian's own kernel (--debian: its modules, ksmbd and cifs among them)
# the single sign-on goes on into the kernel's SMB server and client, unless
# KCREDSSP_RDP_SMB=0 (Debian's 6.1: its cifs fails the multiuser mount of
# ksmbd's share, "failed to connect to IPC (rc=-2)", where 6.12's goes on).
smb=0
if [ "${1:-}" = --debian ]; then
	smb=${KCREDSSP_RDP_SMB:-1}
	kdir=$(cd "$here/../.." && scripts/debian-kernel.sh --kdir "$kver" 2>/dev/null) || kdir=/nonexistent
	moddir=$build/kmod-kdir$(tr / - <<<"$kdir")
fi
export KCREDSSP_RDP_SMB=$smb

it_init
it_need xfreerdp xfreerdp3 rdesktop xrdp xrdp-sesman /usr/lib/xorg/Xorg xwd
if [ $smb = 1 ]; then
	it_need ksmbd.mountd mount.cifs
	[ -f /lib/x86_64-linux-gnu/security/pam_cifscreds.so ] || it_setup_error="pam_cifscreds (cifs-utils) is not installed"
fi
[ -f /usr/lib/xorg/modules/drivers/xrdpdev_drv.so ] || it_setup_error="xorgxrdp is not installed"
for f in kmod/credssp.ko; do
	[ -f "$it_repo/$moddir/$f" ] || it_setup_error="no $moddir/$f (make module KVER=$kver)"
done
for f in credssp-rdpd credsspd credsspctl ktls/ktls_client; do
	[ -x "$it_repo/$build/$f" ] || it_setup_error="no $build/$f (make rdpd credsspd lib ktls)"
done
it_xvfb
it_kdc localhost
realm=KCREDSSP.TEST
# credsspd passes on delegated credentials that name another user than the
# one who logged on (by default it denies the logon: the engine's other-user
# tests), so that case 3c shows the front's own refusal; case 3d then
# restarts it with the default policy (rdp-guest.sh) and shows credsspd's.
it_credsspd_conf "$it_dir" "# rdesktop speaks TSRequest version 2" "min_version = 2" \
	"allow_other_delegated_user = yes"
# user01..user10, for ten sessions at once (rdp-guest.sh makes the accounts)
for i in $(seq -w 1 10); do
	"$it_repo/tests/lib/ntlm-users.sh" hash "$it_dir/ntlm-users" KCREDSSP "user$i" 'Passw0rd!' ||
		it_setup_error="cannot write the NTLM user file"
done
yes yes 2>/dev/null | head -n 100 >"$it_dir/yes"
port=$(it_free_port)
# /timeout: FreeRDP's TcpAckTimeout, 9 s by default, bounds both the TCP
# user timeout of its socket and the whole MCS + activation sequence ("Timeout
# waiting for activation"): a TCG guest starting Xorg (20-50 s there) with
# ten xrdp processes is slower than that.
xf=(/v:127.0.0.1:$port /u:alice /d:KCREDSSP /cert:ignore /timeout:180000)

vm_rc=none
if [ -z "$it_setup_error" ]; then
	(cd "$it_repo" && exec scripts/vm.sh --kernel "$kver" "${vmargs[@]}" --forward "$port" \
		--results "$it_dir" --timeout 1800 --mem 3072 -- \
		tests/guest/rdp-guest.sh "$moddir" "$it_dir" "$port" "$build") \
		>"$it_dir/vm.log" 2>&1 &
	vm_pid=$!
	it_guest_wait "$it_dir/ready" ||
		it_setup_error="the guest did not start: $(cat "$it_dir/guest-setup.log" 2>/dev/null)$it_guest_why"
fi

# Logins of alice by sesman in xrdp's log (xrdp_mm: "login successful for
# user alice on display N"; xrdp_wm_log_msg() logs it twice, once with its
# own name in front: that line is not counted).
xrdp_logins() { it_count '\] login successful for user alice' "$it_dir/xrdp.log"; }

# ... and of anybody.
any_logins() { it_count '\] login successful for user ' "$it_dir/xrdp.log"; }

# Lines of xrdp's log saying a connection negotiated its security layer.
xrdp_conns() { it_count 'Security protocol: configured' "$it_dir/xrdp.log"; }

# Login windows xrdp drew (xrdp_wm_init(), LogLevel=DEBUG).
xrdp_login_windows() { it_count 'draw login window' "$it_dir/xrdp.log"; }

# xrdp_log_fresh: until the guest took two whole snapshots of its logs
# after this call (it counts them in snap-gen), at most 60 s. The copy of
# xrdp's log then holds every line xrdp wrote before the call, the previous
# case's connection included: waiting for the copy to stop growing for a
# while was not enough, a snapshot takes seconds on a loaded machine. If
# the snapshots stopped, the case fails: no count from a stale copy, neither
# a baseline nor a verdict, can be trusted.
xrdp_log_fresh() {
	local g0 g
	g0=$(cat "$it_dir/snap-gen" 2>/dev/null) || g0=0
	for _ in $(seq 600); do
		g=$(cat "$it_dir/snap-gen" 2>/dev/null) || g=0
		[ "${g:-0}" -ge $((${g0:-0} + 2)) ] && return 0
		sleep 0.1
	done
	it_fail "no fresh copy of xrdp's log to look in: the guest's snapshots stopped ($g0 -> $g in 60 s)"
}

audit_count() { it_count 'audit: ' "$it_dir/rdpd.log"; }

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

# sso_case NAME SHOT PRINCIPAL PACKAGE ENV... -- CLIENT...: the client
# reaches alice's desktop session through the front with no login dialog:
# credssp-rdpd's audit line names PRINCIPAL and PACKAGE and maps it to alice,
# xrdp saw INFO_AUTOLOGON for alice and logged her in through xrdp-sesman
# (a new "login successful" line: a second client reconnects to her session),
# xrdp drew no login window, alice's session runs in the guest, and the
# client's window on the host (a screenshot, DIR/SHOT.png) shows her session
# and none of xrdp's login dialog.
sso_case() {
	local name=$1 shot=$2 principal=$3 package=$4 envs=() cpid a0 l0 w0 ok= colours=
	shift 4
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	case_start "$name through credssp-rdpd reaches alice's xrdp session as $principal ($package), no login dialog"
	it_clog=$it_dir/$shot.client.log it_rc=none
	[ -z "$it_setup_error" ] || { it_end; return; }
	a0=$(audit_count) l0=$(xrdp_logins) w0=$(xrdp_login_windows)
	env "${envs[@]}" timeout -k 5 600 "$@" <"$it_dir/yes" >"$it_clog" 2>&1 &
	cpid=$!
	# until xrdp logged alice in and the client shows her session (5 min)
	for _ in $(seq 600); do
		if [ "$(xrdp_logins)" -gt "$l0" ] && colours=$(it_shot "$shot"); then
			it_shows_session "$colours" && { ok=1; break; }
		fi
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.5
	done
	echo "# $shot: screenshot $it_dir/$shot.png: ${colours:-none}"
	cp "$it_dir/ps.txt" "$it_dir/$shot.ps.txt" 2>/dev/null
	grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) |
		grep -qF "principal=\"$principal\" package=$package user=alice result=ok" ||
		it_fail "no ok audit line for $principal ($package): $(grep 'audit: ' "$it_dir/rdpd.log" | tail -n 3)"
	[ "$(xrdp_logins)" -gt "$l0" ] ||
		it_fail "xrdp did not log sesman's login of alice: $(tail -n 20 "$it_dir/xrdp.log" 2>/dev/null)"
	grep -q 'Client requested auto logon' "$it_dir/xrdp.log" ||
		it_fail "xrdp did not see INFO_AUTOLOGON: $(tail -n 20 "$it_dir/xrdp.log" 2>/dev/null)"
	grep -q 'Client supplied username: alice' "$it_dir/xrdp.log" ||
		it_fail "xrdp did not see user alice"
	grep -qi 'alice' "$it_dir/xrdp-sesman.log" ||
		it_fail "xrdp-sesman's log does not name alice: $(tail -n 20 "$it_dir/xrdp-sesman.log" 2>/dev/null)"
	# xrdp_wm_init() logs this (LogLevel=DEBUG) when it draws its login window
	[ "$(xrdp_login_windows)" = "$w0" ] || it_fail "xrdp showed its login dialog"
	awk '$1 == "alice" && /xterm|Xorg/' "$it_dir/ps.txt" 2>/dev/null | grep -q . ||
		it_fail "no process of alice in the guest: $(tail -n 30 "$it_dir/ps.txt" 2>/dev/null)"
	[ -n "$ok" ] || it_fail "the client's window does not show alice's session (${colours:-no screenshot})"
	! it_shows_login "$colours" ||
		it_fail "the client's window shows xrdp's login dialog ($colours)"
	kill "$cpid" 2>/dev/null
	wait "$cpid"
	it_rc=$?
	it_end
}

# 1. single sign-on into a desktop session, with each client and package
sso_case "xfreerdp (NTLM)" sso 'KCREDSSP\alice' NTLM -- \
	xfreerdp "${xf[@]}" '/p:Passw0rd!' /sec:nla
sso_case "xfreerdp3 (NTLM)" sso3-ntlm 'KCREDSSP\alice' NTLM \
	KRB5_CONFIG="$it_dir/krb5-empty.conf" KRB5CCNAME="FILE:$it_dir/no-ccache" -- \
	xfreerdp3 "${xf[@]}" '/p:Passw0rd!' /sec:nla
sso_case "xfreerdp3 (Kerberos)" sso3-krb "alice@$realm" Kerberos \
	KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="FILE:$it_dir/no-ccache" -- \
	xfreerdp3 /v:localhost:"$port" /u:alice /d:"$realm" '/p:Passw0rd!' '/auth-pkg-list:!ntlm' \
	/cert:ignore /sec:nla /timeout:180000
sso_case "rdesktop (Kerberos)" sso-rdesktop "alice@$realm" Kerberos \
	KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="$it_tgt" -- \
	rdesktop -u alice -d "$realm" -p 'Passw0rd!' -g 1024x768 localhost:"$port"

# 1b. single sign-on onward: alice's session reached ksmbd's share through
# the cifs multiuser mount with the password NLA delegated (pam_cifscreds),
# which she could not before.
if [ $smb = 1 ]; then
	case_start "single sign-on onward: alice's session lists a ksmbd share through a cifs multiuser mount with the NLA password (pam_cifscreds), which she could not before"
	it_clog=$it_dir/alice.smb-ls.txt it_rc=none
	if [ -z "$it_setup_error" ]; then
		echo "# before any login, alice: $(head -n 1 "$it_dir/smb-before.txt" 2>/dev/null)"
		echo "# in her session: $(head -n 3 "$it_dir/alice.smb-ls.txt" 2>/dev/null | tr '\n' ' ')"
		grep -q 'hello-from-ksmbd.txt' "$it_dir/smb-before.txt" 2>/dev/null &&
			it_fail "alice listed the share before logging in: the test proves nothing"
		[ -s "$it_dir/smb-before.txt" ] || it_fail "no listing attempt before the login"
		grep -qx 'hello-from-ksmbd.txt' "$it_dir/alice.smb-ls.txt" 2>/dev/null ||
			it_fail "alice's session did not list the share: $(cat "$it_dir/alice.smb-ls.txt" 2>/dev/null; tail -n 5 "$it_dir/alice.xsession-errors" 2>/dev/null)"
	fi
	it_end
fi

# 2. a wrong password
case_start "xfreerdp with a wrong password: exit 134 (STATUS_LOGON_FAILURE), xrdp never sees a connection"
it_clog=$it_dir/wrong.client.log it_rc=none
if [ -z "$it_setup_error" ]; then
	xrdp_log_fresh
	n0=$(xrdp_conns) a0=$(audit_count)
	timeout -k 5 300 xfreerdp "${xf[@]}" /p:wrong-password /sec:nla /auth-only >"$it_clog" 2>&1
	it_rc=$?
	wait_audit "$a0"
	xrdp_log_fresh
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
		xrdp_log_fresh
		n0=$(xrdp_conns) a0=$(audit_count)
		timeout -k 5 300 xfreerdp "${xf[@]}" '/p:Passw0rd!' /sec:$sec /auth-only >"$it_clog" 2>&1
		it_rc=$?
		wait_audit "$a0"
		xrdp_log_fresh
		[ "$it_rc" != 0 ] || it_fail "the client succeeded"
		grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) | grep -q 'result=refused reason="the client did not offer PROTOCOL_HYBRID' ||
			it_fail "no refusal audit line: $(grep 'audit: ' "$it_dir/rdpd.log" | tail -n 2)"
		[ "$(xrdp_conns)" = "$n0" ] || it_fail "xrdp saw a connection"
	fi
	it_end
done

# 3b. a downgrade after NLA: the project's own CredSSP client
# (build/ktls/ktls_client --rdp: X.224 for SSL | HYBRID, NTLM as
# KCREDSSP\alice, authInfo delegating her password) then sends the MCS
# Connect-Initial xfreerdp sent to xrdp (tests/unit/rdp_codec.c's vector),
# whose Client Core Data says serverSelectedProtocol PROTOCOL_RDP: the front
# refuses it and nobody is logged in.
case_start "serverSelectedProtocol PROTOCOL_RDP in the Connect-Initial after NLA (a downgrade): refused, nobody logged in"
it_clog=$it_dir/downgrade.client.log it_rc=none
if [ -z "$it_setup_error" ]; then
	ci_hex=$(sed -n '/^static const char connect_initial_hex\[\] =/,/;$/p' "$it_repo/tests/unit/rdp_codec.c" |
		grep -o '"[0-9a-f]*"' | tr -d '"\n')
	l0=$(xrdp_logins) a0=$(audit_count)
	timeout -k 5 300 "$it_repo/build/ktls/ktls_client" --port "$port" --user 'KCREDSSP\alice' \
		--rdp --mcs-hex "$ci_hex" >"$it_clog" 2>&1
	it_rc=$?
	wait_audit "$a0"
	[ "${#ci_hex}" -gt 800 ] || it_fail "no Connect-Initial vector in tests/unit/rdp_codec.c (${#ci_hex} hex digits)"
	grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) | grep -F 'principal="KCREDSSP\alice" package=NTLM ' |
		grep -qF 'result=refused reason="downgrade: serverSelectedProtocol 0x0 in the client' ||
		it_fail "no downgrade refusal: $(grep 'audit: ' "$it_dir/rdpd.log" | tail -n 2)"
	it_want_rc 0
	xrdp_log_fresh
	[ "$(xrdp_logins)" = "$l0" ] || it_fail "xrdp logged alice in"
fi
it_end

# other_user_attempt: once xrdp's log settled, the project's own client logs
# on as KCREDSSP\alice and delegates her password under the name
# KCREDSSP\user01 (ktls_client --deleg-user; no real client can: each binds
# the delegated name to the one it logs on with), into $it_clog and $it_rc,
# and waits for the front's audit line; l0, a0 and c0 are xrdp's logins,
# the front's audit lines and xrdp's connections before it.
other_user_attempt() {
	xrdp_log_fresh
	l0=$(any_logins) a0=$(audit_count) c0=$(xrdp_conns)
	timeout -k 5 300 "$it_repo/build/ktls/ktls_client" --port "$port" --user 'KCREDSSP\alice' \
		--deleg-user 'KCREDSSP\user01' --rdp >"$it_clog" 2>&1
	it_rc=$?
	wait_audit "$a0"
}

# other_user_reached_nobody: after it, xrdp logged nobody in and saw no
# connection.
other_user_reached_nobody() {
	xrdp_log_fresh
	[ "$(any_logins)" = "$l0" ] || it_fail "xrdp logged somebody in"
	[ "$(xrdp_conns)" = "$c0" ] || it_fail "xrdp saw a connection"
}

# 3c. delegated credentials for another user: the project's own client logs
# on as KCREDSSP\alice and delegates a password under the name KCREDSSP\user01
# (no real client can: each binds the delegated name to the one it logs on
# with). The front refuses; xrdp logs in neither.
case_start "delegated credentials naming another user (user01) after NLA as alice: refused, nobody logged in"
it_clog=$it_dir/other-user.client.log it_rc=none
if [ -z "$it_setup_error" ]; then
	other_user_attempt
	grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) | grep -F 'principal="KCREDSSP\alice" package=NTLM ' |
		grep -qF 'result=refused reason="the delegated credentials name another user than the principal"' ||
		it_fail "no refusal of user01's credentials: $(grep 'audit: ' "$it_dir/rdpd.log" | tail -n 2)"
	grep -q 'delegated=password binding=other-user' "$it_dir/credsspd.log" ||
		it_fail "credsspd did not pass the credentials on as other-user: $(grep 'auth ' "$it_dir/credsspd.log" | tail -n 1)"
	it_want_rc 0
	other_user_reached_nobody
fi
it_end

# 3d. the same with credsspd's default policy (no allow_other_delegated_user,
# as the package installs it): credsspd itself denies the logon, the client
# gets errorCode STATUS_LOGON_FAILURE instead of a session, the front audits
# CredSSP's SEC_E_LOGON_DENIED and never reaches xrdp. The password is
# alice's own: only the delegated name is wrong.
case_start "delegated credentials naming another user (user01) after NLA as alice, credsspd's default policy: credsspd denies the logon (STATUS_LOGON_FAILURE), xrdp never sees it"
it_clog=$it_dir/other-user-default.client.log it_rc=none
if [ -z "$it_setup_error" ]; then
	: >"$it_dir/credsspd-default"
	for _ in $(seq 300); do
		[ -s "$it_dir/credsspd-restarted" ] && break
		sleep 0.2
	done
	grep -qx ok "$it_dir/credsspd-restarted" 2>/dev/null ||
		it_fail "credsspd did not restart with the default policy: $(cat "$it_dir/credsspd-restarted" 2>/dev/null; tail -n 5 "$it_dir/credsspd-default.log" 2>/dev/null)"
	other_user_attempt
	it_want_rc 1
	it_want_log 'the server refused the authInfo: errorCode 0xc000006d'
	grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) |
		grep -qF 'result=failed reason="CredSSP: SEC_E_LOGON_DENIED' ||
		it_fail "no SEC_E_LOGON_DENIED audit line: $(grep 'audit: ' "$it_dir/rdpd.log" | tail -n 2)"
	grep -F 'claimed="KCREDSSP\alice" status=SEC_E_LOGON_DENIED' "$it_dir/credsspd-default.log" | grep -q . ||
		it_fail "credsspd did not deny alice's logon: $(grep 'auth ' "$it_dir/credsspd-default.log" | tail -n 1)"
	other_user_reached_nobody
fi
it_end

# 4. ten users at once: the front's part (10 concurrent NLA + single sign-on
# handoffs to xrdp), then xrdp's (xrdp-sesman logs each in, each has a
# session of their own: their processes in the guest).
xrdp_sesman_errors() { it_count '\] Error connecting to sesman' "$it_dir/xrdp.log"; }
ten_logins() { it_count '\] login successful for user user[0-9][0-9] ' "$it_dir/xrdp.log"; }
# ten_client NN LOG: xfreerdp as userNN in the background, its pid in
# $ten_pid, LOG in ${ten_log[NN]}
declare -A ten_log
ten_client() {
	timeout -k 5 900 xfreerdp /v:127.0.0.1:$port /u:user$1 /d:KCREDSSP /cert:ignore \
		/timeout:180000 '/p:Passw0rd!' /sec:nla >"$2" 2>&1 &
	ten_pid=$! ten_log[$1]=$2
}
# ten_missing: the users of user01..user10 with no Xorg in the guest's ps
# (all of them while there is no ps yet)
ten_missing() {
	[ -s "$it_dir/ps.txt" ] || { seq -f 'user%02g' 1 10; return; }
	awk '/Xorg/ { up[$1] = 1 }
		END { for (i = 1; i <= 10; i++) { u = sprintf("user%02d", i); if (!(u in up)) print u } }' \
		"$it_dir/ps.txt"
}
# ten_settle N USER...: until each USER's newest connection (after
# ${conn0[USER]} logins) and session (after ${sess0[USER]}) settled: xrdp
# gave up connecting to the session's X server (xrdp_conn_state), or it
# connected and then sesman ended the session (sesman_ended) or 20 s passed
# (the X server answered, so sesman's wait for it does not end the session
# later). A connection still trying is waited for even when sesman ended
# its session: the process goes on for up to 30 s, and once the display
# is taken again it connects to the new session's X server, which then
# drops the connection its new client has (CI 2026-12-06: a reconnected
# user10 logged off 12 s in). N times 0.5 s at most.
ten_settle() {
	local n=$1 _ u waiting
	shift
	declare -A seen=()
	for _ in $(seq "$n"); do
		waiting=0
		for u in "$@"; do
			case $(xrdp_conn_state "$u" "${conn0[$u]}") in
			gave-up) continue ;;
			connected)
				sesman_ended "$u" "${sess0[$u]}" && continue
				: "${seen[$u]:=$SECONDS}"
				[ $((SECONDS - seen[$u])) -ge 20 ] && continue
				;;
			esac
			waiting=1
		done
		[ $waiting = 0 ] && return
		sleep 0.5
	done
}
# ten_mark USER: what ten_settle and the retries count from for USER
declare -A sess0 conn0
ten_mark() {
	sess0[$1]=$(sesman_sessions "$1")
	conn0[$1]=$(it_count "\] login successful for user $1 " "$it_dir/xrdp.log")
}
# sesman_display USER: the display of USER's last session in xrdp-sesman's log
sesman_display() {
	sed -n "s/.*Session started successfully for user $1 on display \([0-9]*\).*/\1/p" \
		"$it_dir/xrdp-sesman.log" 2>/dev/null | tail -n 1
}
# sesman_story USER: what xrdp-sesman logged of USER and of USER's display
sesman_story() {
	local d
	d=$(sesman_display "$1")
	grep -E "user:? $1( |\$)|username $1([ ,]|\$)|display :?${d:-none}([^0-9]|\$)" \
		"$it_dir/xrdp-sesman.log" 2>/dev/null | tail -n 12
}
# sesman_sessions USER: how many sessions xrdp-sesman started for USER
sesman_sessions() { it_count "Session started successfully for user $1 on display " "$it_dir/xrdp-sesman.log"; }
# sesman_ended USER [N]: xrdp-sesman ended USER's newest session, one
# after the first N of USER's: a "Terminating X server (pid P) on display D"
# follows its "Session started successfully for user USER on display D".
# In xrdp 0.9.21 (sesman/session.c) a session lasts as long as its window
# manager: the session's process waits for it, then logs that line and
# stops the X server. Under TCG load the window manager is mostly the one
# that gave up: it waits 10 s for the X server, hard-coded (40 polls of
# 250 ms in wait_for_xserver(): "Timed out waiting for X server on display
# D"), then starts nothing. A display is taken again only once its session
# process has gone, after that line: a later one on D is a later session's.
sesman_ended() {
	awk -v u="$1" -v n0="${2:-0}" '
		match($0, /Session started successfully for user [^ ]+ on display [0-9]+/) {
			split(substr($0, RSTART, RLENGTH), w, " ")
			if (w[6] == u) {
				n++
				d = w[9]
				ended = 0
			}
		}
		match($0, /Terminating X server \(pid [0-9]+\) on display [0-9]+/) {
			split(substr($0, RSTART, RLENGTH), w, " ")
			if (n && w[8] == d)
				ended = 1
		}
		END { exit !(ended && n > n0) }' "$it_dir/xrdp-sesman.log" 2>/dev/null
}
# xrdp_conn_state USER [N]: how xrdp's process of USER's newest connection
# (after the first N logins of USER) fares with the session's X server:
# pending, connected, gave-up, or none. After sesman's "login successful
# for user USER on display D", xrdp connects to the X server's xorgxrdp
# socket: in xrdp 0.9.21 (xup/xup.c, lib_mod_connect()) 60 attempts 0.5 s
# apart, then "connection problem, giving up" and the client is
# disconnected (ERRINFO_LOGOFF_BY_USER), the session left running; or
# "connected ok". Its lines are told apart by their process id
# (EnableProcessId, rdp-guest.sh).
xrdp_conn_state() {
	awk -v u="$1" -v n0="${2:-0}" '
		{ pid = match($0, /\[pid:[0-9]+ /) ? substr($0, RSTART + 5, RLENGTH - 6) : "" }
		/\] login successful for user / {
			match($0, /login successful for user [^ ]+ /)
			split(substr($0, RSTART, RLENGTH), w, " ")
			if (w[5] == u) {
				n++
				p = pid
				st = "pending"
			}
		}
		n && pid == p && /xrdp_wm_log_msg: connection problem, giving up/ { st = "gave-up" }
		n && pid == p && /xrdp_wm_log_msg: connected ok/ { st = "connected" }
		END { print (n > n0 ? st : "none") }' "$it_dir/xrdp.log" 2>/dev/null
}
# sesman_timeouts: how many times xrdp-sesman timed out waiting for an X
# server; xrdp_giveups: how many times xrdp gave up connecting to one
sesman_timeouts() { it_count 'Timed out waiting for X server on display ' "$it_dir/xrdp-sesman.log"; }
xrdp_giveups() { it_count 'xrdp_wm_log_msg: connection problem, giving up' "$it_dir/xrdp.log"; }

case_start "10 xfreerdp clients at once through credssp-rdpd, user01..user10: 10 NLA single sign-ons handed to xrdp"
it_clog=$it_dir/ten-01.client.log it_rc=none
ten_ran=
if [ -z "$it_setup_error" ] && [ "${KCREDSSP_RDP_TEN:-1}" = 1 ]; then
	ten_ran=1
	a0=$(audit_count) l0=$(ten_logins) e0=$(xrdp_sesman_errors) x0=$(sesman_timeouts) q0=$(xrdp_giveups)
	for i in $(seq -w 1 10); do
		ten_mark "user$i"
	done
	pids=()
	for i in $(seq -w 1 10); do
		ten_client "$i" "$it_dir/ten-$i.client.log"
		pids+=("$ten_pid")
	done
	for _ in $(seq 1200); do
		[ "$(grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) | grep -c 'result=')" -ge 10 ] && break
		sleep 0.5
	done
	oks=0
	for i in $(seq -w 1 10); do
		grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)) |
			grep -qF "principal=\"KCREDSSP\\user$i\" package=NTLM user=user$i result=ok" &&
			oks=$((oks + 1))
	done
	echo "# 10 at once: $oks single sign-ons at the front"
	[ "$oks" = 10 ] || it_fail "want an ok audit line for each of user01..user10, got $oks: $(grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((a0 + 1)))"
elif [ -z "$it_setup_error" ]; then
	it_fail "KCREDSSP_RDP_TEN=0: not run"
fi
it_end

# KCREDSSP_RDP_SESSIONS=0 (CI on Debian's 6.1): the ten NLA single sign-ons
# above run, xrdp's own part does not: ten Xorg sessions starting at once.
# That is xrdp-sesman's and Xorg's work, the same on both kernels; on 6.1
# under a loaded CI run 6 of the 10 sessions were logged off while starting
# (ERRINFO_LOGOFF_BY_USER, 2026-12-05), on 6.12 it passes. Reported as a
# skip with this reason, never as a pass.
ten_sessions="the same 10 clients: xrdp-sesman logs each user in, 10 sessions run at once, the 10 clients stay connected"
if [ "${KCREDSSP_RDP_SESSIONS:-1}" = 0 ] && [ -n "$ten_ran" ]; then
	tap_skip "$ten_sessions" "KCREDSSP_RDP_SESSIONS=0: xrdp's ten Xorg sessions at once run on 6.12 (the 10 single sign-ons above ran here)"
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	ten_ran=skipped
fi
case_start "$ten_sessions"
it_clog=$it_dir/ten-01.client.log it_rc=none
if [ "$ten_ran" = skipped ]; then
	: # reported above
elif [ -n "$ten_ran" ]; then
	# until every login of xrdp ended one way or the other (10 min)
	for _ in $(seq 1200); do
		[ $(($(ten_logins) - l0 + $(xrdp_sesman_errors) - e0)) -ge "$oks" ] && break
		sleep 0.5
	done
	# until each user's session and connection settled (ten X servers
	# start at once under TCG: 5 min)
	ten_settle 600 $(seq -f 'user%02g' 1 10)
	xrdp_log_fresh
	# Ten Xorgs starting at once under TCG on a loaded host can take longer
	# than xrdp gives them: 10 s for sesman, which then ends the session
	# (sesman_ended), 30 s for xrdp's connection to the X server, which
	# then drops the client (xrdp_conn_state gave-up; CI 2026-12-06, two
	# clients after 41 s). A user whose newest session or connection ended
	# so reconnects, alone with the others, and must then have a session
	# while the rest still run theirs. The host may still be loaded
	# (2026-12-06: a reconnected user07 logged off after 14 s), so up to
	# three rounds, each judged by the logs (ten_settle). Named here.
	retried=() rounds=0
	while [ $rounds -lt 3 ]; do
		again=()
		for u in $(seq -f 'user%02g' 1 10); do
			sesman_ended "$u" "${sess0[$u]}" ||
				[ "$(xrdp_conn_state "$u" "${conn0[$u]}")" = gave-up ] || continue
			i=${u#user}
			ten_mark "$u"
			kill "${pids[10#$i - 1]}" 2>/dev/null
			wait "${pids[10#$i - 1]}" 2>/dev/null
			ten_client "$i" "$it_dir/ten-$i.again$rounds.client.log"
			pids[10#$i - 1]=$ten_pid
			again+=("$u")
		done
		[ ${#again[@]} -gt 0 ] || break
		rounds=$((rounds + 1))
		retried+=("round $rounds: ${again[*]};")
		ten_settle 360 "${again[@]}"
	done
	[ $rounds = 0 ] ||
		echo "# xrdp-sesman ended the sessions of these users, or xrdp gave up connecting to their X server ($(($(sesman_timeouts) - x0)) times sesman waited 10 s for one in vain, $(($(xrdp_giveups) - q0)) times xrdp 30 s); they reconnected: ${retried[*]}"
	sleep 2
	xrdp_log_fresh
	missing=$(ten_missing)
	sessions=$((10 - $(wc -w <<<"$missing")))
	logins=$(($(ten_logins) - l0)) errs=$(($(xrdp_sesman_errors) - e0))
	live=0 gone=()
	declare -A gone_rc=()
	for i in $(seq -w 1 10); do
		if kill -0 "${pids[10#$i - 1]}" 2>/dev/null; then
			live=$((live + 1))
		else
			wait "${pids[10#$i - 1]}"
			gone_rc[$i]=$?
			gone+=("$i")
		fi
	done
	echo "# 10 at once: $logins logins by xrdp-sesman, $errs xrdp \"Error connecting to sesman\", sessions of $sessions users running, $live clients still connected"
	[ "$logins" -ge 10 ] ||
		it_fail "want 10 logins of user01..user10 in xrdp's log, got $logins and $errs \"Error connecting to sesman\" (xrdp 0.9.21 gives up after 4 connects of 3 s, sesman listens with a backlog of 2 and logs in one user at a time)"
	[ "$sessions" = 10 ] ||
		it_fail "want the sessions of 10 users in the guest, got $sessions; xrdp-sesman's log of each one missing: $(for u in $missing; do
			echo "$u (display $(sesman_display "$u")):"
			sesman_story "$u"
		done)"
	[ "$live" = 10 ] || it_fail "$((10 - live)) clients exited: $(for i in "${gone[@]}"; do
		echo "user$i's xfreerdp, exit ${gone_rc[$i]} (${ten_log[$i]}):"
		grep -v 'freerdp.utils' "${ten_log[$i]}" | tail -n 4
		echo "xrdp's connection to the X server: $(xrdp_conn_state "user$i" "${conn0[user$i]}"); xrdp-sesman's log of user$i (display $(sesman_display "user$i")):"
		sesman_story "user$i"
	done)"
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
elif [ -z "$it_setup_error" ]; then
	it_fail "the 10 clients did not run"
fi
[ "$ten_ran" = skipped ] || it_end

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
