#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/nlfuzz.sh MODDIR [ARGS...]: the netlink fuzzer
# (build/tests/credssp_nlfuzz, tests/selftests/credssp_nlfuzz.c) alone in
# the guest: load credssp.ko from MODDIR, run the fuzzer with ARGS (e.g.
# --messages 1000000 --seed N), unload. `make fuzz-netlink` runs it in the
# debug guest; its TAP goes to $VM_RESULTS/nlfuzz.tap. scripts/vm.sh fails
# the run (exit 125) on any kernel report, the fuzzer on any of its checks.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
moddir=${1:?usage: nlfuzz.sh MODDIR [ARGS...]}
shift
out=${VM_RESULTS:-/tmp}
insmod "$moddir/credssp.ko" || exit 1
"$repo/build/tests/credssp_nlfuzz" "$@" 2>&1 | tee "$out/nlfuzz.tap"
rc=${PIPESTATUS[0]}
rmmod credssp || rc=1
exit "$rc"
