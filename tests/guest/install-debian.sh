#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/install-debian.sh [KVER]: the Debian packages installed as an
# admin would, on Debian's own kernel KVER (default 6.1) under systemd (TAP).
#
#   host:  the packages (scripts/deb.sh, unless build/debian has them and
#          KCREDSSP_INSTALL_REBUILD=0), Xvfb and xfreerdp
#   guest: scripts/vm.sh --debian --systemd (overlayfs root: the host root is
#          never written), tests/guest/install-guest.sh: README.md's "Install
#          on Debian" commands verbatim (apt-get installs the packages, DKMS
#          builds credssp.ko against the kernel's headers, certificate, NTLM
#          user, xrdp behind credssp-rdpd, the units started), then checks
#
# Then xfreerdp (NTLM) on the host logs in through QEMU's port forward to
# port 3389 of the guest: credssp.ko + credsspd + credssp-rdpd + xrdp, as
# installed and configured, nothing else: credssp-rdpd's audit line in the
# journal says single sign-on of KCREDSSP\alice as alice; a wrong password
# makes xfreerdp exit 134 (STATUS_LOGON_FAILURE). Then README.md's purge
# command, and nothing may be left behind.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
KCREDSSP_FRONT=/bin/true # the host front is not used here
export KCREDSSP_CACHE=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}
. "$here/../lib/interop.sh"

kver=${1:-6.1}
it_init
it_need xfreerdp
cd "$it_repo" || exit 1
if [ "${KCREDSSP_INSTALL_REBUILD:-1}" = 1 ] || ! ls build/debian/credsspd_*.deb >/dev/null 2>&1; then
	scripts/deb.sh >"$it_dir/deb.log" 2>&1 ||
		it_setup_error="scripts/deb.sh failed: $(tail -n 20 "$it_dir/deb.log")"
fi
it_xvfb
port=$(it_free_port)
xf=(/v:127.0.0.1:$port /u:alice /d:KCREDSSP /cert:ignore /sec:nla /timeout:180000)

vm_rc=none
if [ -z "$it_setup_error" ]; then
	scripts/vm.sh --kernel "$kver" --debian --systemd --forward "$port:3389" --results "$it_dir" \
		--timeout 2400 --mem 2048 -- tests/guest/install-guest.sh "$it_dir" \
		>"$it_dir/vm.log" 2>&1 &
	vm_pid=$!
	it_guest_wait "$it_dir/ready" ||
		it_setup_error="the guest did not get ready: $it_guest_why"
fi

audits() {
	local n
	n=$(grep -c 'audit: ' "$it_dir/rdpd.journal" 2>/dev/null)
	echo "${n:-0}"
}
# client NAME ARGS...: one xfreerdp run until credssp-rdpd's next audit line
# (then the client is stopped: the session itself is xrdp's business).
client() {
	local name=$1 a0 cpid
	shift
	it_clog=$it_dir/$name.client.log it_res=$it_dir/none it_flog=$it_dir/none it_ms=0 it_frc=none
	it_rc=none
	[ -n "$it_setup_error" ] && return
	a0=$(audits)
	timeout -k 5 600 xfreerdp "${xf[@]}" "$@" >"$it_clog" 2>&1 &
	cpid=$!
	for _ in $(seq 2400); do
		[ "$(audits)" -gt "$a0" ] && break
		kill -0 "$cpid" 2>/dev/null || { [ "$(audits)" -gt "$a0" ] || sleep 2; }
		sleep 0.25
	done
	if kill -0 "$cpid" 2>/dev/null; then
		kill "$cpid" 2>/dev/null
		wait "$cpid"
		it_rc=killed
	else
		wait "$cpid"
		it_rc=$?
	fi
	grep 'audit: ' "$it_dir/rdpd.journal" 2>/dev/null | tail -n +$((a0 + 1)) | head -n 1 \
		>"$it_dir/$name.audit"
	echo "# $name: client exit $it_rc, audit: $(cat "$it_dir/$name.audit")"
}

client sso '/p:Passw0rd!'
client wrong /p:wrong-password
: >"$it_dir/clients-done"
if [ -n "${vm_pid:-}" ]; then
	wait "$vm_pid"
	vm_rc=$?
fi

# The guest's checks, in order.
i=0
while read -r rc name; do
	i=$((i + 1))
	tap_result "$rc" "guest: $name" "$(tail -n 30 "$it_dir/check-$i.log" 2>/dev/null)"
done < <(cat "$it_dir/checks" 2>/dev/null)
[ "$i" -gt 0 ] || tap_result 1 "guest: its checks ran" "$(tail -n 30 "$it_dir/vm.log")"

it_case "xfreerdp (NTLM) through the installed credssp-rdpd: single sign-on of KCREDSSP\\alice as alice, handed to xrdp"
it_clog=$it_dir/sso.client.log
grep -q 'principal="KCREDSSP\\alice" package=NTLM user=alice result=ok' "$it_dir/sso.audit" ||
	it_fail "audit: want result=ok for KCREDSSP\\alice, got '$(cat "$it_dir/sso.audit" 2>/dev/null)'"
it_end
it_case "xfreerdp with a wrong password: STATUS_LOGON_FAILURE, exit 134, audit result=failed"
it_clog=$it_dir/wrong.client.log
it_want_rc 134
it_want_log 'STATUS_LOGON_FAILURE \[0xC000006D\]'
grep -q 'result=failed' "$it_dir/wrong.audit" ||
	it_fail "audit: want result=failed, got '$(cat "$it_dir/wrong.audit" 2>/dev/null)'"
it_end
tap_result "$([ "$vm_rc" = 0 ] && echo 0 || echo 1)" \
	"scripts/vm.sh --debian --systemd on $kver: clean exit, no kernel report" \
	"vm.sh exit $vm_rc: $(tail -n 20 "$it_dir/vm.log")"
cp "$it_dir"/journal.txt "$it_repo/build/vm/install-journal-$kver.txt" 2>/dev/null
tap_done
