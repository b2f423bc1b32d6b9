#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/demo.sh (make demo): on a fresh Debian 12 machine, install what is
# needed (scripts/deps.sh), fetch Debian's own kernel for the guest
# (scripts/debian-kernel.sh, cached in ~/.cache/kcredssp: nothing to build),
# build credssp.ko against its headers, credsspd and credssp-rdpd; boot the
# test guest on that kernel with credssp.ko, credsspd, Debian's own xrdp (unmodified, listening
# on a unix socket only) and credssp-rdpd, the RDP NLA front, in front of it;
# start a real Kerberos KDC on the host; then real RDP clients on the host
# log into a desktop session in the guest through the front, with no login
# dialog (NLA single sign-on: the delegated password logs the user in):
#   xfreerdp  (FreeRDP 2) with NTLM,
#   xfreerdp3 (FreeRDP 3) with Kerberos.
# For each, the demo saves a screenshot of the client's window
# (build/demo/*.png) and prints its path, the front's audit line and
# xrdp's login of the user.
#
# KVER selects the guest kernel (6.12 or 6.1; default 6.12).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kver=${KVER:-6.12}
export KCREDSSP_CACHE=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}

say() { printf '%s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

scripts/deps.sh || die "run as root (or install the packages above first)"

say "demo: fetching Debian's $kver kernel for the guest (cached after the first time); building credssp.ko against its headers, credsspd and credssp-rdpd"
mkdir -p build
scripts/debian-kernel.sh "$kver" >build/demo-build.log 2>&1 ||
	die "fetching Debian's kernel failed: $(tail -n 20 build/demo-build.log)"
kdir=$(scripts/debian-kernel.sh --kdir "$kver")
moddir=build/kmod-kdir$(tr / - <<<"$kdir")
make --no-print-directory -j2 module KDIR="$kdir" >>build/demo-build.log 2>&1 &&
	make --no-print-directory -j2 credsspd lib rdpd >>build/demo-build.log 2>&1 ||
	die "building failed: $(tail -n 20 build/demo-build.log)"
rm -f build/demo-build.log

# The host side: a scratch directory, an X display for the clients, a
# throwaway realm KCREDSSP.TEST with alice and TERMSRV/localhost. Everything
# is stopped and removed on exit; the screenshots stay in build/demo/.
KCREDSSP_FRONT=/bin/true # the interop helpers' host front is not used
set +e # the helpers check every status themselves
. tests/lib/tap.sh
. tests/lib/interop.sh
it_init
it_need xfreerdp xfreerdp3 Xvfb krb5kdc xwd
it_xvfb
it_kdc localhost
[ -z "$it_setup_error" ] || die "$it_setup_error"
set -e
realm=$it_realm
it_credsspd_conf "$it_dir"
[ -z "$it_setup_error" ] || die "$it_setup_error"
say "demo: a Kerberos KDC for realm $realm runs on the host (krb5kdc, principals alice and TERMSRV/localhost)"

port=$(it_free_port)
say "demo: booting the guest (Debian's Linux $kver under QEMU): credssp.ko, credsspd, xrdp, then credssp-rdpd on port $port"
scripts/vm.sh --kernel "$kver" --debian --forward "$port" --results "$it_dir" --timeout 1200 --mem 2048 -- \
	tests/guest/rdp-guest.sh "$moddir" "$it_dir" "$port" build >"$it_dir/vm.log" 2>&1 &
vm_pid=$!
demo_cleanup() {
	local rc=$?
	set +e
	kill "$vm_pid" 2>/dev/null && wait "$vm_pid" 2>/dev/null
	it_cleanup
	exit $rc
}
trap demo_cleanup EXIT
for _ in $(seq 2400); do
	[ -e "$it_dir/ready" ] && break
	kill -0 "$vm_pid" 2>/dev/null || break
	sleep 0.25
done
[ -e "$it_dir/ready" ] ||
	die "the guest did not start: $(tail -n 20 "$it_dir/vm.log"; cat "$it_dir/guest-setup.log" 2>/dev/null)"
say "demo: xrdp (security_layer=rdp, unix socket only) and credssp-rdpd listen in the guest; the host reaches the front at 127.0.0.1:$port"
say "      alice is a local account of the guest (password Passw0rd!); her session is a green terminal"

# connect NAME ENV... -- CLIENT...: run a client; once xrdp logged alice in
# and the client's window shows her session, save a screenshot, say what the
# front and xrdp saw, and disconnect.
connect() {
	local name=$1 envs=() cpid logins audits colours= ok=
	shift
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	say ""
	say "demo: $name connects: $*"
	logins=$(it_count '\] login successful for user alice' "$it_dir/xrdp.log")
	audits=$(it_count 'audit: ' "$it_dir/rdpd.log")
	env "${envs[@]}" timeout -k 5 600 "$@" </dev/null >"$it_dir/$name.log" 2>&1 &
	cpid=$!
	for _ in $(seq 600); do
		if [ "$(it_count '\] login successful for user alice' "$it_dir/xrdp.log")" -gt "$logins" ] &&
			colours=$(it_shot "$name") && cp "$it_dir/$name.png" "build/demo/$name.png" &&
			it_shows_session "$colours"; then
			ok=1
			break
		fi
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.5
	done
	grep 'audit: ' "$it_dir/rdpd.log" | tail -n +$((audits + 1)) | sed 's/^/    credssp-rdpd: /'
	grep '\] login successful for user alice' "$it_dir/xrdp.log" | tail -n +$((logins + 1)) |
		sed 's/^/    xrdp: /'
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null || true
	if [ -z "$ok" ]; then
		say "    no session on the client's screen (${colours:-no screenshot}):"
		grep -v '\[INFO\]' "$it_dir/$name.log" | tail -n 10 | sed 's/^/    client: /'
		return 1
	fi
	say "    alice's desktop session, without a login dialog: screenshot $repo/build/demo/$name.png"
}

mkdir -p build/demo
fail=0
connect xfreerdp-ntlm -- xfreerdp /v:127.0.0.1:"$port" /u:alice /d:KCREDSSP '/p:Passw0rd!' \
	/cert:ignore /sec:nla /timeout:180000 || fail=1
connect xfreerdp3-kerberos KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="FILE:$it_dir/no-ccache" -- \
	xfreerdp3 /v:localhost:"$port" /u:alice /d:"$realm" '/p:Passw0rd!' '/auth-pkg-list:!ntlm' \
	/cert:ignore /sec:nla /timeout:180000 || fail=1

say ""
say "demo: alice's processes in the guest (the session xrdp-sesman started for her):"
awk '$1 == "alice"' "$it_dir/ps.txt" 2>/dev/null | head -n 8 | sed 's/^/    /'
: >"$it_dir/stop"
set +e
wait "$vm_pid"
vm_rc=$?
set -e
say ""
if [ "$vm_rc" != 0 ]; then
	say "demo: the guest did not end cleanly (vm.sh exit $vm_rc):"
	tail -n 20 "$it_dir/vm.log" | sed 's/^/    /'
	fail=1
else
	say "demo: credssp-rdpd, xrdp and credsspd stopped, credssp.ko unloaded"
fi
[ $fail = 0 ] || die "FAILED"
say "demo: done"
