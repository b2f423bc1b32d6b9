#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/demo.sh (make demo): on a fresh Debian 12 machine, install what is
# needed (scripts/deps.sh), build the guest kernel (cached in
# ~/.cache/kcredssp), credssp.ko, the in-kernel RDP NLA gate credssp_gate.ko,
# credsspd and credsspctl; boot the test guest with the module, credsspd and
# the gate; start a real Kerberos KDC on the host; then real RDP clients on
# the host authenticate at the gate in the guest:
#   xfreerdp  (FreeRDP 2) with NTLM,
#   xfreerdp3 (FreeRDP 3) with Kerberos,
# and the demo shows who authenticated with which package (/proc/credssp_gate),
# the contexts the kernel holds (credsspctl contexts) and the .credssp
# keyring of delegated credentials (keyctl show).
#
# KVER selects the guest kernel (6.12 or 6.1; default 6.12).
# KCREDSSP_GATE_MODDIR: use that build of credssp.ko and credssp_gate.ko
# (a directory with kmod/ and samples/kgate/) instead of building them.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kver=${KVER:-6.12}
export KCREDSSP_CACHE=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}

say() { printf '%s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

scripts/deps.sh || die "run as root (or install the packages above first)"

say "demo: building the $kver guest kernel (cached after the first time), credssp.ko, credssp_gate.ko, credsspd and credsspctl"
moddir=${KCREDSSP_GATE_MODDIR:-build/kmod-$kver}
mkdir -p build
if [ -z "${KCREDSSP_GATE_MODDIR:-}" ]; then
	make --no-print-directory -j2 module KVER="$kver" >build/demo-build.log 2>&1 ||
		die "building the module failed: $(tail -n 20 build/demo-build.log)"
fi
make --no-print-directory -j2 credsspd build/credsspctl >>build/demo-build.log 2>&1 ||
	die "building credsspd and credsspctl failed: $(tail -n 20 build/demo-build.log)"
rm -f build/demo-build.log
[ -f "$moddir/samples/kgate/credssp_gate.ko" ] || die "no $moddir/samples/kgate/credssp_gate.ko"

# The host side: a scratch directory, an X display for the clients (FreeRDP
# needs one even with /auth-only), a throwaway realm KCREDSSP.TEST with
# alice and TERMSRV/localhost. Everything is stopped and removed on exit.
KCREDSSP_FRONT=/bin/true # the interop helpers' host front is not used
set +e # the helpers check every status themselves
. tests/lib/tap.sh
. tests/lib/interop.sh
it_init
it_need xfreerdp xfreerdp3 Xvfb krb5kdc
it_xvfb
it_kdc localhost
[ -z "$it_setup_error" ] || die "$it_setup_error"
set -e
realm=$it_realm
it_credsspd_conf "$it_dir"
[ -z "$it_setup_error" ] || die "$it_setup_error"
say "demo: a Kerberos KDC for realm $realm runs on the host (krb5kdc, principals alice and TERMSRV/localhost)"

port=$(it_free_port)
say "demo: booting the guest (Linux $kver under QEMU): credssp.ko, credsspd, then credssp_gate.ko on port $port"
KCREDSSP_GATE_PROBE=0 scripts/vm.sh --kernel "$kver" --forward "$port" --results "$it_dir" --timeout 900 -- \
	tests/guest/gate-guest.sh "$moddir" "$it_dir" "$port" kernel >"$it_dir/vm.log" 2>&1 &
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
	[ -s "$it_dir/port-kernel" ] && break
	kill -0 "$vm_pid" 2>/dev/null || break
	sleep 0.25
done
[ -s "$it_dir/port-kernel" ] ||
	die "the gate did not start: $(tail -n 20 "$it_dir/vm.log"; cat "$it_dir/kernel-insmod.log" 2>/dev/null)"
say "demo: the gate listens in the guest kernel; the host reaches it at 127.0.0.1:$port"

# connect NAME ENV... -- CLIENT...: run a client, wait until the gate has
# recorded its connection, then say what it saw about it.
connect() {
	local name=$1 envs=() rc n
	shift
	n=$(grep -c '^end=' "$it_dir/results-kernel" 2>/dev/null || true)
	n=$((${n:-0} + 1))
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	say ""
	say "demo: $name connects: $*"
	set +e
	env "${envs[@]}" timeout -k 5 60 "$@" </dev/null >"$it_dir/$name.log" 2>&1
	rc=$?
	set -e
	for _ in $(seq 100); do
		[ "$(grep -c '^end=' "$it_dir/results-kernel" 2>/dev/null)" -ge "$n" ] && break
		sleep 0.1
	done
	sleep 1 # xfreerdp3 connects a second time after authenticating
	awk -v n="$n" '/^conn=/ { k++ } k == n' "$it_dir/results-kernel" >"$it_dir/$name.result"
	local status principal package tls cipher mcs
	status=$(sed -n 's/^status=//p' "$it_dir/$name.result")
	principal=$(sed -n 's/^principal=//p' "$it_dir/$name.result")
	package=$(sed -n 's/^package=//p' "$it_dir/$name.result")
	tls=$(sed -n 's/^tls_version=//p' "$it_dir/$name.result")
	cipher=$(sed -n 's/^cipher=//p' "$it_dir/$name.result")
	mcs=$(sed -n 's/^mcs=//p' "$it_dir/$name.result")
	case $tls in 0x0304) tls="TLS 1.3" ;; 0x0303) tls="TLS 1.2" ;; esac
	if [ "$status" != SEC_E_OK ]; then
		say "    the gate refused it: ${status:-no record} (client exit $rc)"
		grep -v '\[INFO\]' "$it_dir/$name.log" | tail -n 10 | sed 's/^/    client: /'
		return 1
	fi
	say "    authenticated: $principal, with $package inside CredSSP (SEC_E_OK)"
	say "    the kernel installed kTLS on the connection: $tls, $cipher"
	if [ "$mcs" = yes ]; then
		say "    the gate then read the client's first RDP PDU (MCS Connect-Initial) in plaintext through kTLS"
	else
		say "    but no MCS Connect-Initial could be read through kTLS"
		return 1
	fi
	say "    (the gate only authenticates: it closes the connection, so the client exits $rc)"
}

fail=0
connect xfreerdp -- xfreerdp /v:127.0.0.1:"$port" /u:alice /d:KCREDSSP '/p:Passw0rd!' \
	/cert:ignore /sec:nla /auth-only || fail=1
connect xfreerdp3 KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="FILE:$it_dir/no-ccache" -- \
	xfreerdp3 /v:localhost:"$port" /u:alice /d:"$realm" '/p:Passw0rd!' '/auth-pkg-list:!ntlm' \
	/cert:ignore /sec:nla /auth-only || fail=1

: >"$it_dir/stop-kernel"
set +e
wait "$vm_pid"
vm_rc=$?
set -e

say ""
say "demo: what the gate recorded, one line per connection (/proc/credssp_gate;"
say "      FreeRDP 3 connects a second time after authenticating, hence two xfreerdp3 lines):"
sed 's/^/    /' "$it_dir/kernel-proc.txt" 2>/dev/null
say ""
say "demo: the established contexts the gate keeps, owned by the kernel (credsspctl contexts):"
sed 's/^/    /' "$it_dir/kernel-contexts.txt" 2>/dev/null
say ""
say "demo: the keyring of delegated credentials (keyctl show .credssp):"
sed 's/^/    /' "$it_dir/kernel-keys.txt" 2>/dev/null
say ""
if [ "$vm_rc" != 0 ]; then
	say "demo: the guest did not end cleanly (vm.sh exit $vm_rc):"
	tail -n 20 "$it_dir/vm.log" | sed 's/^/    /'
	fail=1
else
	say "demo: credssp_gate.ko unloaded (its contexts deleted), credsspd stopped, credssp.ko unloaded"
fi
[ $fail = 0 ] || die "FAILED"
say "demo: done"
