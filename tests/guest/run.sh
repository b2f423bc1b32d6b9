#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/run.sh [--lifecycle|--userspace] MODDIR: the guest suites, run
# inside the test guest by `make check-guest` (scripts/vm.sh --results DIR --
# tests/guest/run.sh ...). MODDIR holds credssp.ko, credssp_kunit.ko,
# credssp_genl_toy.ko, credssp_sock_hold.ko and ../samples/kgate's
# credssp_gate.ko built for the running kernel.
# Writes one TAP file per suite into $VM_RESULTS and streams them.
#
# The suites are in two sets, each run on the kernel that serves its purpose:
#   kernel     (no option) the kselftest programs, KUnit and the suites that
#              drive credssp.ko's own interfaces (netlink, sockets, kTLS, the
#              keyring, unload): on the debug kernel (KASAN, lockdep,
#              kmemleak), where a fault in the module's code shows.
#   userspace  (--userspace) the suites whose subject is a daemon of ours
#              (credsspd, the gates, credssp-rdpd, credsspctl) under
#              faults, floods and deadlines: on Debian's own kernel. They
#              are process-heavy: a process start costs about 6 times as
#              much on the debug kernel under TCG (measured: /bin/true 590
#              ms there, 100 ms on Debian's), which made them most of the
#              CI time. The kernel paths they reach (a helper's death, a
#              deadline in socket mode, a full accept queue) are driven on
#              the debug kernel by the kselftests (credssp_sock's
#              helper_dies and deadline_during_helper_step, credssp_sspi's
#              helper_dies_* and helper_never_answers, ...).
# --lifecycle runs only the module's load and unload (lifecycle.tap).
# --list [--userspace] prints the names of the TAP files a run writes
# (without .tap; KUnit's is kunit.ktap), for scripts/check.sh to expect.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
userspace_suites=(suite-credsspd suite-faults suite-gates suite-lib)
is_userspace() { [[ " ${userspace_suites[*]} " == *" $1 "* ]]; }
set_=kernel
if [ "${1:-}" = --list ]; then
	if [ "${2:-}" = --userspace ]; then
		printf '%s\n' lifecycle "${userspace_suites[@]}" unload
		exit 0
	fi
	echo lifecycle
	for t in "$repo"/tests/selftests/*.c; do echo "selftest-$(basename "$t" .c)"; done
	for t in "$here"/suite-*.sh; do
		is_userspace "$(basename "$t" .sh)" || basename "$t" .sh
	done
	printf '%s\n' kunit unload
	exit 0
fi
case "${1:-}" in
--lifecycle) set_=lifecycle; shift ;;
--userspace) set_=userspace; shift ;;
esac
moddir=${1:?usage: run.sh [--lifecycle|--userspace] MODDIR | --list [--userspace]}
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
	for i in {1..50}; do
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

if [ $set_ = lifecycle ]; then
	{ echo "# $(uname -r)"; lifecycle; unload; tap_done; } | tee "$out/lifecycle.tap"
	exit 0
fi

{ lifecycle; tap_done; } | tee "$out/lifecycle.tap"

# How long each program and suite took, for the CI time budget (console only).
took() { echo "# run.sh: $1 took $(($SECONDS - $2)) s"; }

# run_suite NAME: tests/guest/NAME.sh, run with credssp.ko loaded; it
# writes TAP to stdout and leaves the module loaded.
run_suite() {
	local t0=$SECONDS
	MODDIR=$moddir "$here/$1.sh" 2>&1 | tee "$out/$1.tap"
	took "$1" $t0
}

if [ $set_ = userspace ]; then
	for s in "${userspace_suites[@]}"; do run_suite "$s"; done
	{ unload; tap_done; } | tee "$out/unload.tap"
	exit 0
fi

# kselftest programs (tests/selftests/*.c), one TAP file each.
# credssp_genl_lock loads and unloads this module (a genl family, no more).
export CREDSSP_TOY_KO="$(realpath -m "$moddir")/credssp_genl_toy.ko"
export CREDSSP_HOLD_KO="$(realpath -m "$moddir")/credssp_sock_hold.ko"
for t in "$repo"/tests/selftests/*.c; do
	name=$(basename "$t" .c)
	t0=$SECONDS
	"$repo/build/tests/$name" 2>&1 | tee "$out/selftest-$name.tap"
	took "selftest $name" $t0
done

for t in "$here"/suite-*.sh; do
	name=$(basename "$t" .sh)
	is_userspace "$name" || run_suite "$name"
done

if insmod "$moddir/credssp_kunit.ko"; then
	cat /sys/kernel/debug/kunit/credssp/results >"$out/kunit.ktap"
	rmmod credssp_kunit
else
	echo "not ok 1 insmod credssp_kunit.ko" >"$out/kunit.ktap"
fi
cat "$out/kunit.ktap"

{ unload; tap_done; } | tee "$out/unload.tap"
