#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/check.sh all|host|guest [KVER]: the test runner behind `make check`,
# `make check-host` and `make check-guest`.
#
#   host   build the userspace parts, host unit tests (ASan + UBSan), a bounded
#          run of every fuzzer (KCREDSSP_FUZZ_SECONDS each, default 30), real
#          RDP clients against the engine (tests/interop), style gates
#   guest  for KVER (default 6.12): guest kernels, credssp.ko build and sparse,
#          tests of scripts/vm.sh (plain kernel), then the guest suites
#          (lifecycle, kselftests, KUnit) in one boot of the debug kernel
#   fuzz   only the fuzzers, e.g. KCREDSSP_FUZZ_SECONDS=3600 (make fuzz-run)
#   all    host, then guest for 6.12 and 6.1
#
# Every step writes TAP into build/results/; the counts come from those files
# (scripts/tap-summary.py) and the last line printed is
# "N passed, N failed, N skipped". Exits non-zero if anything failed.
#
# The guest suites run on the debug kernel (KASAN, lockdep, kmemleak) unless
# KCREDSSP_CHECK_DEBUG=0.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
. tests/lib/tap.sh
mode=${1:-all}
debug=${KCREDSSP_CHECK_DEBUG:-1}
results=build/results
files=()

# Known one-time allocations inside the libraries the engine uses.
[ -f tests/unit/lsan.supp ] &&
	export LSAN_OPTIONS="suppressions=$repo/tests/unit/lsan.supp:print_suppressions=0"

say() { printf '\n=== %s\n' "$*"; }

# step NAME TAPFILE COMMAND...: run a TAP-producing command, keep its output.
step() {
	local name=$1 file=$results/$2
	shift 2
	say "$name"
	mkdir -p "$(dirname "$file")"
	"$@" 2>&1 | tee "$file"
	files+=("$file")
}

# build_step NAME TAPFILE COMMAND...: a command that must succeed, as one test.
build_step() {
	local name=$1 file=$2
	shift 2
	step "$name" "$file" run_one "$name" "$@"
}
run_one() {
	local name=$1 log rc=0
	shift
	tap_n=0 tap_failures=0 # one test per file
	log=$("$@" 2>&1) || rc=$?
	tap_result $rc "$name" "$(tail -n 30 <<<"$log")"
	tap_done
}

# sparse output has no exit status: any warning or error fails.
sparse_clean() {
	local out
	out=$(make --no-print-directory sparse KVER="$1" ${2:+DEBUG=1} 2>&1) || { echo "$out"; return 1; }
	! grep -E ': (warning|error):' <<<"$out"
}

# A bounded libFuzzer run from the checked-in seed corpus; any crash,
# sanitizer report or leak fails it.
fuzz_seconds=${KCREDSSP_FUZZ_SECONDS:-30}
run_fuzzer() {
	local bin=$1 name corpus
	name=$(basename "$bin")
	corpus=build/fuzz-corpus/$name
	mkdir -p "$corpus"
	[ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null
	run_one "$name: ${fuzz_seconds}s, no crash or leak" \
		"$bin" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build/fuzz-corpus/"$name"- "$corpus"
}

fuzz() {
	build_step "build fuzzers" host/fuzz-build.tap make --no-print-directory fuzz
	for t in build/fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		step "fuzz: $t (${fuzz_seconds}s)" "host/$(basename "$t").tap" run_fuzzer "$t"
	done
}

host() {
	rm -rf "$results/host"
	build_step "build userspace" host/build.tap make --no-print-directory userspace
	local t
	for t in tests/unit/*.sh build/unit/*; do
		[ -x "$t" ] || continue
		step "unit: $t" "host/unit-$(basename "$t" .sh).tap" "$t"
	done
	step "spec: the uapi header and kernel policies are what ynl-gen makes of the YNL spec" \
		host/ynl-gen.tap scripts/ynl-gen.sh --check
	# A real system's headers, as DKMS builds it: Debian's distribution kernel.
	local hdr
	hdr=/usr/src/$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null | cut -d' ' -f1)
	build_step "credssp.ko against Debian's headers ($(basename "$hdr"))" host/kdir.tap \
		make --no-print-directory module KDIR="$hdr"
	fuzz
	# Real RDP clients (xfreerdp, xfreerdp3, rdesktop) against the engine
	# through the host-only test front, under Xvfb, with a throwaway KDC.
	build_step "build the test front" host/front-build.tap make --no-print-directory front
	for t in tests/interop/*.sh; do
		step "interop: $t" "host/interop-$(basename "$t" .sh).tap" "$t"
	done
	step "style: checkpatch, clang-format" host/style.tap scripts/style.sh
}

guest() {
	local kver=$1 dbg=() mk=() dir=$results/guest-$1
	[ "$debug" = 1 ] && { dbg=(--debug); mk=(DEBUG=1); }
	rm -rf "$dir"
	build_step "guest kernel $kver" "guest-$kver/kernel.tap" scripts/kernel.sh "$kver"
	[ "$debug" = 1 ] && build_step "debug guest kernel $kver" "guest-$kver/kernel-debug.tap" \
		scripts/kernel.sh --debug "$kver"
	build_step "credssp.ko and test programs for $kver" "guest-$kver/module.tap" \
		make --no-print-directory module selftests credsspd lib ynl build/sspi_front ktls sock gates \
		KVER="$kver" "${mk[@]}"
	build_step "sparse C=2 on $kver" "guest-$kver/sparse.tap" sparse_clean "$kver" "${mk[@]}"
	# vm.sh's own tests boot many times: the plain kernel is enough for them.
	step "scripts/vm.sh on $kver" "guest-$kver/vm.tap" tests/vm/test-vm.sh "$kver"

	local moddir tap=$dir/suites
	moddir=build/kmod-$kver$([ "$debug" = 1 ] && echo -debug)/kmod
	say "guest suites on $kver"
	mkdir -p "$tap"
	local rc=0
	# One boot runs every suite: about 10 minutes on a debug kernel under
	# TCG; the timeout only stops a hung guest.
	scripts/vm.sh --kernel "$kver" "${dbg[@]}" --timeout 2400 --results "$tap" -- \
		tests/guest/run.sh "$moddir" || rc=$?
	(tap_result $rc "guest run on $kver: clean exit, no kernel report" \
		"vm.sh exit $rc, console log build/vm/console-$kver$([ "$debug" = 1 ] && echo -debug).log"
	 tap_done) >"$dir/vm-run.tap"
	files+=("$dir/vm-run.tap")
	# Real RDP clients on the host through credssp.ko + credsspd in the guest.
	step "real clients through the kernel on $kver" "guest-$kver/host-interop.tap" \
		tests/guest/host-interop.sh "$kver" "${dbg[@]}"
	# The same clients against the RDP NLA gates (kernel and userspace) in socket mode.
	step "real clients through the RDP NLA gates on $kver" "guest-$kver/gate-interop.tap" \
		tests/guest/gate-interop.sh "$kver" "${dbg[@]}"
	# Each suite promised a plan; a suite file that never appeared is a failure.
	local s
	local suites=(lifecycle) t
	for t in tests/selftests/*.c; do suites+=("selftest-$(basename "$t" .c)"); done
	for t in tests/guest/suite-*.sh; do
		[ -e "$t" ] && suites+=("$(basename "$t" .sh)")
	done
	suites+=(kunit unload)
	for s in "${suites[@]}"; do
		files+=("$tap/$s.tap")
		[ -e "$tap/$s.tap" ] || [ ! -e "$tap/$s.ktap" ] || files[-1]=$tap/$s.ktap
	done
}

case "$mode" in
host) host ;;
fuzz) fuzz ;;
guest) guest "${2:-6.12}" ;;
all) host; guest 6.12; guest 6.1 ;;
*) echo "usage: check.sh all|host|fuzz|guest [KVER]" >&2; exit 2 ;;
esac

say "summary"
scripts/tap-summary.py "${files[@]}"
