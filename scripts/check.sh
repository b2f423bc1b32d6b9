#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/check.sh all|host|guest [KVER]|debian [KVER]: the test runner behind `make check`,
# `make check-host` and `make check-guest`.
#
#   host   build the userspace parts, host unit tests (ASan + UBSan), a bounded
#          run of every fuzzer (KCREDSSP_FUZZ_SECONDS each, default 5), real
#          RDP clients against the engine (tests/interop), the Debian packages
#          and their systemd units (tests/pkg), style gates
#   guest  for KVER (default 6.12): Debian's own kernel image of KVER (fetched,
#          not built: scripts/debian-kernel.sh), credssp.ko against its
#          headers, tests of scripts/vm.sh, the module's load and unload and
#          the suites of our daemons (tests/guest/run.sh --userspace) on it;
#          then the debug kernel built here, credssp.ko and sparse for it, the
#          kernel's suites (lifecycle, kselftests, KUnit, suite-*) in one boot
#          of it, and real clients through it
#   debian only the Debian-kernel part of guest for KVER
#   fuzz   only the fuzzers, e.g. KCREDSSP_FUZZ_SECONDS=3600 (make fuzz-run)
#   all    guest 6.1 (Debian's part, then the debug part); alongside it
#          the Debian part of 6.12 but for its daemons' suites, the host
#          part, then 6.12's debug part (that output comes after 6.1's);
#          the debug kernels build in the background meanwhile, and no guest
#          suite starts before they are built. The daemons' suites and the
#          SSPI port test run once, on Debian's 6.1 (bookworm's kernel)
#
# Every step writes TAP into build/results/; the counts come from those files
# (scripts/tap-summary.py) and the last line printed is
# "N passed, N failed, N skipped". Exits non-zero if anything failed.
#
# The kernel's suites run on the debug kernel (KASAN, lockdep, kmemleak) unless
# KCREDSSP_CHECK_DEBUG=0 (then on the plain kernel built here); the daemons'
# suites on Debian's kernel (tests/guest/run.sh says why).
#
# Each stage's header shows the time since the start ("=== [  123 s] ...");
# a table of the stages' durations comes before the summary.
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

t0=$SECONDS
times=()
say() { printf '\n=== [%5d s] %s\n' $((SECONDS - t0)) "$*"; }
# What the guest stages run besides credssp.ko (make targets).
guest_progs=(selftests credsspd lib ynl build/sspi_front build/sspi_port_server ktls sock gates rdpd)
# took NAME START: record how long a stage took since START ($SECONDS).
took() {
	local s=$((SECONDS - $2))
	printf '=== %s: %d s\n' "$1" "$s"
	times+=("$(printf '%6d s  %s' "$s" "$1")")
}

# step NAME TAPFILE COMMAND...: run a TAP-producing command, keep its output.
step() {
	local name=$1 file=$results/$2 start=$SECONDS
	shift 2
	say "$name"
	mkdir -p "$(dirname "$file")"
	"$@" 2>&1 | tee "$file"
	files+=("$file")
	took "$name" "$start"
}

# build_step NAME TAPFILE COMMAND...: a command that must succeed, as one test.
build_step() {
	local name=$1 file=$2
	shift 2
	step "$name" "$file" run_one "$name" "$@"
}
# run_one NAME COMMAND...: COMMAND as the one test of a TAP file; its output
# stays in run_one_log for the caller.
run_one() {
	local name=$1 rc=0
	shift
	tap_n=0 tap_failures=0 # one test per file
	run_one_log=$("$@" 2>&1) || rc=$?
	tap_result $rc "$name" "$(tail -n 30 <<<"$run_one_log")"
	tap_done
}

# sparse output has no exit status: any warning or error fails.
sparse_clean() {
	local out
	out=$(make --no-print-directory sparse KVER="$1" ${2:+DEBUG=1} 2>&1) || { echo "$out"; return 1; }
	! grep -E ': (warning|error):' <<<"$out"
}

# A bounded libFuzzer run from the checked-in seed corpus; any crash,
# sanitizer report or leak fails it. KCREDSSP_FUZZ_RUNS=N runs each fuzzer
# for N executions instead of KCREDSSP_FUZZ_SECONDS; the executions and
# their rate go into the TAP file as comments (make fuzz-run's figures).
fuzz_seconds=${KCREDSSP_FUZZ_SECONDS:-5}
fuzz_runs=${KCREDSSP_FUZZ_RUNS:-}
run_fuzzer() {
	local bin=$1 name corpus rc=0 what args seeds=()
	name=$(basename "$bin")
	corpus=build/fuzz-corpus/$name
	mkdir -p "$corpus"
	# read too (recursively: the named seeds and grown/, scripts/fuzz-corpus.sh);
	# what the run finds goes to $corpus
	[ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
	if [ -n "$fuzz_runs" ]; then
		what="$fuzz_runs executions" args=(-runs="$fuzz_runs")
	else
		what="${fuzz_seconds}s" args=(-max_total_time="$fuzz_seconds")
	fi
	run_one "$name: $what, no crash or leak, no file left behind" fuzz_tidy "$bin" "${args[@]}" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build/fuzz-corpus/"$name"- "$corpus" "${seeds[@]}" ||
		rc=$?
	grep -E '^(Done [0-9]+ runs|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb))' \
		<<<"$run_one_log" | sed 's/^/# /'
	return $rc
}

# fuzz_tidy FUZZER ARG...: the fuzzer, then whatever temporary directory
# of ours it left (tests/fuzz/fuzz_cred.h, fuzz_ntlm_users.c: removed at
# exit) fails it and is removed.
fuzz_temps() { compgen -G '/tmp/kcredssp-fuzz-*'; compgen -G '/dev/shm/kcredssp-fuzz-*'; }
fuzz_tidy() {
	local before rc=0 left
	before=$(fuzz_temps)
	"$@" || rc=$?
	left=$(comm -13 <(sort <<<"$before") <(fuzz_temps | sort))
	[ -z "$left" ] && return $rc
	echo "left behind: $left"
	rm -rf $left
	return 1
}

fuzz() {
	build_step "build fuzzers" host/fuzz-build.tap make --no-print-directory fuzz
	for t in build/fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		[ -z "${KCREDSSP_FUZZERS:-}" ] || [[ " $KCREDSSP_FUZZERS " = *" $(basename "$t") "* ]] || continue
		step "fuzz: $t (${fuzz_runs:-${fuzz_seconds}s}${fuzz_runs:+ runs})" \
			"host/$(basename "$t").tap" run_fuzzer "$t"
	done
}

# host [--no-interop]: the host part; --no-interop leaves out host_interop
# (`all` runs it in the other lane). The caller empties $results/host.
host() {
	build_step "build userspace" host/build.tap make --no-print-directory userspace
	local t
	for t in tests/unit/*.sh build/unit/*; do
		[ -x "$t" ] || continue
		step "unit: $t" "host/unit-$(basename "$t" .sh).tap" "$t"
	done
	# The Debian packages (dpkg-buildpackage, lintian) and their systemd units
	# (systemd-analyze verify and security): tests/pkg/, about 45 s.
	for t in tests/pkg/*.sh; do
		step "packaging: $t" "host/pkg-$(basename "$t" .sh).tap" "$t"
	done
	step "spec: the uapi header and kernel policies are what ynl-gen makes of the YNL spec" \
		host/ynl-gen.tap scripts/ynl-gen.sh --check
	step "kmod: layered files, ctx->lock in ctx.c only, no function over 80 lines" \
		host/kmod-layers.tap scripts/kmod-layers.py
	# A real system's headers, as DKMS builds it: Debian's distribution kernel.
	# In a whole run (all) the 6.1 lane builds against the same package,
	# unpacked by scripts/debian-kernel.sh (which names the complete unpacked
	# tree it boots), when bookworm's kernel of that image is the one
	# installed here: that build is this one (43 s of the other lane), and
	# this step says so as a skip.
	# (debian-kernel.sh's tree: CACHE/debian-kernel/VERSION/root/usr/src/...)
	local hdr pkg ver lane_kdir=
	pkg=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null | cut -d' ' -f1)
	hdr=/usr/src/$pkg
	ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)
	[ "$mode" != all ] || lane_kdir=$(debian_kdir 6.1)
	local name="credssp.ko against Debian's headers ($pkg)"
	if [ -n "$pkg" ] && [ -n "$ver" ] && [[ $lane_kdir == */debian-kernel/"$ver"/root"$hdr" ]]; then
		step "$name" host/kdir.tap printf 'ok 1 %s # SKIP %s\n1..1\n' "$name" \
			"the same package ($ver) as the 6.1 lane's build (guest-6.1/debian-module.tap)"
	else
		build_step "$name" host/kdir.tap make --no-print-directory module KDIR="$hdr"
	fi
	[ "${1:-}" = --no-interop ] || host_interop
	step "style: checkpatch, clang-format" host/style.tap scripts/style.sh
}

# Real RDP clients (xfreerdp, xfreerdp3, rdesktop) against the engine
# through the host-only test front, under Xvfb, with a throwaway KDC (about
# 65 s).
host_interop() {
	local t
	build_step "build the test front" host/front-build.tap make --no-print-directory front
	for t in tests/interop/*.sh; do
		step "interop: $t" "host/interop-$(basename "$t" .sh).tap" "$t"
	done
}

# vm_run NAME RESULTS TAPNAME KVER VMOPTION... -- COMMAND...: run COMMAND in
# the guest with RESULTS shared; RESULTS/../TAPNAME.tap records vm.sh's exit
# (a clean exit and no kernel report).
vm_run() {
	local name=$1 res=$2 tapname=$3 kver=$4 start=$SECONDS rc=0 variant
	shift 4
	say "$name"
	mkdir -p "$res"
	scripts/vm.sh --kernel "$kver" --results "$res" "$@" || rc=$?
	variant=$kver
	case " $* " in *" --debug "*) variant+=-debug ;; *" --debian "*) variant+=-debian ;; esac
	(tap_result $rc "$name: clean exit, no kernel report" \
		"vm.sh exit $rc, console log build/vm/console-$variant.log (.failed: the run that reported)"
	 tap_done) >"$(dirname "$res")/$tapname.tap"
	files+=("$(dirname "$res")/$tapname.tap")
	took "$name" "$start"
}

# guest KVER: both parts; guest_debian and guest_debug write into the same
# results directory, emptied by guest_clean.
guest_clean() { rm -rf "$results/guest-$1"; }
# all_stages KVER: whether KVER's lane runs the stages kept to one lane for CI
# time: vm.sh's own tests (the 6.12 one; every lane with
# KCREDSSP_CHECK_VM_ALL=1).
all_stages() { [ "$1" = 6.12 ] || [ "${KCREDSSP_CHECK_VM_ALL:-0}" = 1 ]; }
guest() {
	guest_clean "$1"
	guest_debian "$1"
	guest_userspace "$1"
	guest_debug "$1"
}

# debian_kdir KVER: the headers of Debian's KVER (scripts/debian-kernel.sh);
# debian_moddir KVER: where `make module KDIR=` puts credssp.ko for them.
debian_kdir() { scripts/debian-kernel.sh --kdir "$1" 2>/dev/null || echo /nonexistent; }
debian_moddir() { echo "build/kmod-kdir$(debian_kdir "$1" | tr / -)/kmod"; }

guest_debian() {
	local kver=$1 dir=$results/guest-$1 kdir
	# Debian's own kernel image (fetched once, cached): vm.sh's own tests boot
	# many times, and credssp.ko must load on a kernel people run.
	build_step "Debian's kernel image $kver" "guest-$kver/debian-kernel.tap" \
		scripts/debian-kernel.sh "$kver"
	kdir=$(debian_kdir "$kver")
	build_step "credssp.ko against Debian's $kver headers" "guest-$kver/debian-module.tap" \
		make --no-print-directory module KDIR="$kdir"
	# vm.sh's own tests (about 2 minutes) on the 6.12 lane only, for CI
	# time: the 6.1 image boots through the same initramfs code just below.
	! all_stages "$kver" ||
		step "scripts/vm.sh on Debian's $kver" "guest-$kver/vm.tap" tests/vm/test-vm.sh --debian "$kver"
	vm_run "credssp.ko on Debian's $kver" "$dir/debian" debian-run "$kver" --debian -- \
		tests/guest/run.sh --lifecycle "$(debian_moddir "$kver")"
	files+=("$dir/debian/lifecycle.tap")
}

# expect_suites DIR [--userspace]: the TAP files a run of tests/guest/run.sh
# writes into DIR; one that never appeared is a failure (a suite promised a
# plan).
expect_suites() {
	local s
	while IFS= read -r s; do
		files+=("$1/$s.tap")
		[ -e "$1/$s.tap" ] || [ ! -e "$1/$s.ktap" ] || files[-1]=$1/$s.ktap
	done < <(tests/guest/run.sh --list ${2:+"$2"})
}

# guest_userspace KVER: the suites whose subject is a daemon of ours
# (credsspd, the gates, credssp-rdpd, credsspctl: tests/guest/run.sh
# --userspace), on Debian's own KVER with credssp.ko built against its
# headers. After the kernel builds: they time deadlines and floods.
guest_userspace() {
	local kver=$1 dir=$results/guest-$1
	vm_run "userspace suites on Debian's $kver" "$dir/userspace" userspace-run "$kver" --debian \
		--timeout 1500 -- tests/guest/run.sh --userspace "$(debian_moddir "$kver")"
	expect_suites "$dir/userspace" --userspace
	# The SSPI port test: Microsoft's sockets server sample on sspi.h, run
	# unprivileged (a named credential, CAP_SETUID+CAP_SETGID to
	# impersonate) against xfreerdp and ktls_client from the host.
	step "the SSPI port test on Debian's $kver" "guest-$kver/port-interop.tap" \
		tests/guest/port-interop.sh "$kver" --debian
}

guest_debug() {
	local kver=$1 dbg=() mk=() dir=$results/guest-$1
	[ "$debug" = 1 ] && { dbg=(--debug); mk=(DEBUG=1); }
	if [ "$debug" = 1 ]; then
		build_step "debug guest kernel $kver" "guest-$kver/kernel-debug.tap" \
			scripts/kernel.sh --debug "$kver"
	else
		build_step "guest kernel $kver" "guest-$kver/kernel.tap" scripts/kernel.sh "$kver"
	fi
	build_step "credssp.ko and test programs for $kver" "guest-$kver/module.tap" \
		make --no-print-directory module "${guest_progs[@]}" KVER="$kver" "${mk[@]}"
	build_step "sparse C=2 on $kver" "guest-$kver/sparse.tap" sparse_clean "$kver" "${mk[@]}"

	local moddir tap=$dir/suites
	moddir=build/kmod-$kver$([ "$debug" = 1 ] && echo -debug)/kmod
	# One boot runs every suite: about 10 minutes on a debug kernel under
	# TCG; the timeout only stops a hung guest.
	vm_run "guest suites on $kver" "$tap" vm-run "$kver" "${dbg[@]}" --timeout 2400 -- \
		tests/guest/run.sh "$moddir"
	expect_suites "$tap"
	# Real RDP clients on the host through credssp.ko + credsspd in the guest.
	step "real clients through the kernel on $kver" "guest-$kver/host-interop.tap" \
		tests/guest/host-interop.sh "$kver" "${dbg[@]}"
	# The same clients against the RDP NLA gates (kernel and userspace) in socket mode.
	step "real clients through the RDP NLA gates on $kver" "guest-$kver/gate-interop.tap" \
		tests/guest/gate-interop.sh "$kver" "${dbg[@]}"
	# NLA in front of Debian's xrdp: credssp-rdpd, single sign-on into a
	# session and on into ksmbd through a cifs mount. On Debian's own kernel
	# (its ksmbd and cifs modules; the kernel's socket mode is proven on the
	# debug kernels by the gates above), on both kernels (about 155 s each
	# in CI); on 6.1 without the SMB part (6.1's cifs cannot mount ksmbd's
	# share there) and without xrdp's ten Xorg sessions at once (reported as
	# a skip; rdp-xrdp.sh says why).
	[ "$kver" = 6.1 ] && export KCREDSSP_RDP_SMB=0 KCREDSSP_RDP_SESSIONS=0
	step "real clients through credssp-rdpd into xrdp on Debian's $kver" "guest-$kver/rdp-xrdp.tap" \
		tests/guest/rdp-xrdp.sh "$kver" --debian
	unset KCREDSSP_RDP_SMB KCREDSSP_RDP_SESSIONS
}

# The kernels the guest stages need, built in the background one at a time
# (scripts/kernel.sh serializes builds; a stage asking for a kernel waits for
# it); nothing to do when they are cached. kernels_wait returns once the
# builder is done: the guest suites time some operations (rmmod within 3 s)
# and do not share the CPU with a kernel build.
kernels_bg() {
	local v fd
	if [ "$debug" = 1 ]; then v=(--debug); else v=(); fi
	exec {fd}>"$results/kernels-bg.lock"
	flock "$fd"
	{ scripts/kernel.sh "${v[@]}" 6.12 && scripts/kernel.sh "${v[@]}" 6.1; } \
		>"$results/kernels-bg.log" 2>&1 &
	exec {fd}>&- # the builder holds the lock until it ends
}
kernels_wait() {
	[ -e "$results/kernels-bg.lock" ] || return 0
	say "waiting for the kernels building in the background ($results/kernels-bg.log)"
	flock "$results/kernels-bg.lock" true
}
kernels_building() {
	[ -e "$results/kernels-bg.lock" ] && ! flock -n "$results/kernels-bg.lock" true
}

# The fuzzers' smoke run (about 60 s) goes in the main lane while the
# kernels still build (a cold cache), else in whichever lane ends its guest
# stages first.
fuzz_claim() { mkdir "$results/fuzz.claim" 2>/dev/null; }

# lane NAME FUNCTION...: run the stages in the background, their output in
# $results/lane-NAME.log; lane_join NAME waits, prints that output and takes
# over its results and times.
declare -A lane_pid
lane() {
	local name=$1
	shift
	rm -f "$results/lane-$name".*
	(
		files=() times=()
		for f in "$@"; do eval "$f"; done
		printf '%s\n' "${files[@]}" >"$results/lane-$name.files"
		printf '%s\n' "${times[@]}" >"$results/lane-$name.times"
	) >"$results/lane-$name.log" 2>&1 </dev/null &
	lane_pid[$name]=$!
}
lane_join() {
	local name=$1 f
	wait "${lane_pid[$name]}"
	say "output of the stages that ran alongside ($name), from $results/lane-$name.log"
	cat "$results/lane-$name.log"
	while IFS= read -r f; do [ -z "$f" ] || files+=("$f"); done <"$results/lane-$name.files"
	while IFS= read -r f; do [ -z "$f" ] || times+=("$f   (alongside)"); done <"$results/lane-$name.times"
}

mkdir -p "$results"
case "$mode" in
host) rm -rf "$results/host"; host; fuzz ;;
fuzz) fuzz ;;
guest) guest "${2:-6.12}" ;;
debian) guest_clean "${2:-6.12}"; guest_debian "${2:-6.12}" ;;
all)
	# Two lanes on two cores: a guest under TCG or a fuzzer keeps about one
	# core busy. The userspace both lanes use is built first (two makes must
	# not write the same files); the kernels build in the background.
	# The daemons' suites (tests/guest/run.sh --userspace) and the SSPI port
	# test run once, on Debian's 6.1, the kernel of a bookworm system: what
	# they test is our daemons (the kernel's side of the same calls runs in
	# both kernels' debug suites), and twice they cost 850 s of a 1925 s
	# warm run. The host part (unit tests, packaging, style: about 230 s)
	# and the host's interop tests (about 80 s) run in the 6.12 lane, which
	# waits for the kernels there on a cold cache; the fuzzers' smoke run
	# (about 60 s) in whichever lane is free first. Warm, 2026-12-05, before
	# this split: the 6.1 lane ended at 1925 s, the 6.12 lane at 1910 s;
	# after it, the same evening: 2164 s, every stage the two runs share
	# 7-120% slower (the guest suites 7-10%, vm.sh's tests 86%), and 128 s
	# of rdp-xrdp's reconnections (xrdp-sesman gave up on 5 of 10 X servers);
	# later that night, the machine as quiet as for the first: 1765 s.
	# 2026-12-06, gate-interop's waits cut (205 -> 152 s a kernel alone):
	# 1817 s on a slower evening (the guest suites 600 s instead of 546).
	# Later that day, the guest's Xorg without GLX and rdp-xrdp's ten
	# sessions settled by xrdp's and sesman's logs: 1729 s (rdp-xrdp 243 s
	# on 6.1, 338 s on 6.12 with its ten sessions). 2026-12-06 morning:
	# 1783 s; then, with sleep a bash builtin in the guests' polls, suite-ktls
	# at one case per version and cipher, one boot less in vm.sh's tests and
	# the duplicate headers build skipped: 1628 s (guest suites 502/484 s).
	rm -f "$results/kernels-bg.lock"
	kernels_bg
	say "build userspace for every stage"
	make --no-print-directory -k -j"$(nproc)" userspace fuzz front "${guest_progs[@]}" >/dev/null 2>&1
	guest_clean 6.12
	guest_clean 6.1
	rm -rf "$results/fuzz.claim" "$results/host"
	lane alongside "guest_debian 6.12" host_interop "host --no-interop" kernels_wait \
		"guest_debug 6.12" "! fuzz_claim || fuzz"
	guest_debian 6.1
	! kernels_building || ! fuzz_claim || fuzz
	kernels_wait
	guest_userspace 6.1
	guest_debug 6.1
	! fuzz_claim || fuzz
	lane_join alongside
	;;
*) echo "usage: check.sh all|host|fuzz|guest [KVER]|debian [KVER]" >&2; exit 2 ;;
esac

say "time per stage"
printf '%s\n' "${times[@]}"
printf '%6d s  in all\n' $((SECONDS - t0))
say "summary"
scripts/tap-summary.py "${files[@]}"
