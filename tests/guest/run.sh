#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/run.sh [--lifecycle] MODDIR: the guest suites, run inside the
# test guest by `make check-guest` (scripts/vm.sh --results DIR -- tests/guest/run.sh ...).
# MODDIR holds credssp.ko, credssp_kunit.ko, credssp_genl_toy.ko and
# credssp_sock_hold.ko built for the running kernel.
# Writes one TAP file per suite into $VM_RESULTS and streams them.
# With --lifecycle, only the module's load and unload (lifecycle.tap), for a
# kernel without KUnit or the test programs' build: Debian's own.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
lifecycle_only=0
[ "${1:-}" = --lifecycle ] && { lifecycle_only=1; shift; }
moddir=${1:?usage: run.sh [--lifecycle] MODDIR}
out=${VM_RESULTS:?run me through scripts/vm.sh --results DIR}
. "$here/../lib/tap.sh"

family_listed() { genl ctrl get name credssp >/dev/null 2>&1; }
keyring_listed() { grep -q ' keyring   \.credssp: ' /proc/keys; }
keyring_serial() { awk '/ keyring   \.credssp: /{print "0x" $1}' /proc/keys; }
keyring_described() {
	local d
	d=$(keyctl rdescribe "$(keyring_serial)") || return 1
	[ "$d" = "keyring;0;0;1f0b0000;.credssp" ] || { echo "got $d"; return 1; }
}
# Key garbage collection is asynchronous: give it a moment.
keyring_gone() {
	local i
	for i in $(seq 50); do
		keyring_listed || return 0
		sleep 0.1
	done
	return 1
}

# 1. Module lifecycle as an admin sees it.
lifecycle() {
	tap_check "insmod credssp.ko" insmod "$moddir/credssp.ko"
	tap_check "genl family credssp registered" family_listed
	tap_check ".credssp keyring in /proc/keys" keyring_listed
	tap_check "keyctl describe .credssp: root-owned, possessor-only writes" \
		keyring_described
}

# 2. Unload leaves nothing behind.
unload() {
	tap_check "rmmod credssp" rmmod credssp
	tap_check "genl family gone after rmmod" sh -c '! genl ctrl get name credssp'
	tap_check ".credssp keyring gone after rmmod" keyring_gone
	tap_check "reload and unload again" sh -c \
		"insmod '$moddir/credssp.ko' && rmmod credssp"
}

if [ $lifecycle_only = 1 ]; then
	{ echo "# $(uname -r)"; lifecycle; unload; tap_done; } | tee "$out/lifecycle.tap"
	exit 0
fi

{ lifecycle; tap_done; } | tee "$out/lifecycle.tap"

# kselftest programs (tests/selftests/*.c), one TAP file each.
# credssp_genl_lock loads and unloads this module (a genl family, no more).
export CREDSSP_TOY_KO="$(realpath -m "$moddir")/credssp_genl_toy.ko"
export CREDSSP_HOLD_KO="$(realpath -m "$moddir")/credssp_sock_hold.ko"
# How long each program and suite took, for the CI time budget (console only).
took() { echo "# run.sh: $1 took $(($SECONDS - $2)) s"; }

for t in "$repo"/tests/selftests/*.c; do
	name=$(basename "$t" .c)
	t0=$SECONDS
	"$repo/build/tests/$name" 2>&1 | tee "$out/selftest-$name.tap"
	took "selftest $name" $t0
done

# Suites in shell (tests/guest/suite-*.sh), run with credssp.ko loaded; each
# writes TAP to stdout and leaves the module loaded.
for t in "$here"/suite-*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	t0=$SECONDS
	MODDIR=$moddir "$t" 2>&1 | tee "$out/$name.tap"
	took "$name" $t0
done

if insmod "$moddir/credssp_kunit.ko"; then
	cat /sys/kernel/debug/kunit/credssp/results >"$out/kunit.ktap"
	rmmod credssp_kunit
else
	echo "not ok 1 insmod credssp_kunit.ko" >"$out/kunit.ktap"
fi
cat "$out/kunit.ktap"

{ unload; tap_done; } | tee "$out/unload.tap"
