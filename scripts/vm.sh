#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/vm.sh [OPTIONS] -- COMMAND [ARG]...
#
# Boot the kcredssp test guest under QEMU TCG with the host root over
# virtio-9p (read-only) and run COMMAND as root in the guest, in the caller's
# working directory. COMMAND's output is streamed; vm.sh exits with COMMAND's
# exit status, except:
#   124  the guest did not finish within the timeout: vm.sh prints what the
#        guest's processes were waiting in (a dump the guest takes itself
#        shortly before the timeout) and the console's last lines
#   125  the guest died without a status (panic, oops, boot failure), or the
#        kernel reported a WARN, BUG, oops, KASAN, lockdep, hung-task or
#        kmemleak problem while COMMAND itself succeeded
#   143  vm.sh was sent SIGTERM (130: SIGINT, 129: SIGHUP): the guest is
#        stopped too
# The kernel console log is kept in build/vm/console-VARIANT.log
# (VARIANT: 6.12, 6.12-debug, 6.12-debian, ...); the log of a failed run as
# console-VARIANT.log.failed (a report) or .timeout.
#
# Options:
#   --kernel 6.12|6.1   guest kernel version (default 6.12, or $VM_KERNEL)
#   --debug             the debug kernel (KASAN, lockdep, kmemleak)
#   --debian            Debian's own kernel image of that version instead of
#                       one built here (scripts/debian-kernel.sh): bookworm's
#                       linux-image-amd64 (6.1), bookworm-backports' (6.12),
#                       with its own modules under /lib/modules
#   --systemd           with --debian: systemd as PID 1 on a writable root
#                       (overlayfs over the host root, tmpfs upper: nothing
#                       reaches the host), scripts/vm-systemd.sh
#   --forward PORT[:GUESTPORT]
#                       forward TCP PORT on host loopback to the guest's PORT
#                       (or GUESTPORT) (repeatable)
#   --results DIR       share host DIR, writable, at the same path in the guest
#   --timeout SECONDS   give up after SECONDS (default 900, or $VM_TIMEOUT)
#   --mem MIB           guest memory (default 1024)
# Variables named KCREDSSP_* and KVER are passed to COMMAND; VM_RESULTS is set
# to the results directory when there is one. VM_APPEND adds to the guest
# kernel's command line (e.g. kmemleak=off, to measure what kmemleak costs).
# VM_STALL (when the guest dumps what its processes wait in, in seconds of
# its uptime; default 45 s before the timeout) and VM_BOOT_LIMIT (seconds
# for a boot to reach the command; default 300, and only under the timeout)
# are for tests.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
kernel=${VM_KERNEL:-6.12}
debug=0
debian=0
systemd=0
forwards=()
results=
timeout=${VM_TIMEOUT:-900}
mem=

usage() { sed -n '4,34p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?}; shift 2 ;;
	--debug) debug=1; shift ;;
	--debian) debian=1; shift ;;
	--systemd) systemd=1; shift ;;
	--forward) [[ ${2:-} =~ ^[0-9]+(:[0-9]+)?$ ]] || { echo "vm.sh: bad port '${2:-}'" >&2; exit 2; }
		forwards+=("$2"); shift 2 ;;
	--results) results=$(realpath -m "${2:?}"); shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	*) echo "vm.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || { echo "vm.sh: no COMMAND given" >&2; usage; }
case "$kernel" in
6.12) tag=/dev/root ;;	# 6.12 looks the channel up by the full root= name
6.1) tag=root ;;	# 6.1 strips the /dev/ prefix
*) echo "vm.sh: unsupported kernel '$kernel'" >&2; exit 2 ;;
esac
[ -n "$mem" ] || mem=1024
[ $debug = 1 ] && [ $debian = 1 ] &&
	{ echo "vm.sh: --debug and --debian exclude each other" >&2; exit 2; }
[ $systemd = 1 ] && [ $debian = 0 ] && { echo "vm.sh: --systemd needs --debian" >&2; exit 2; }

p9=trans=virtio,version=9p2000.L,msize=262144
# The guest's clock. Under TCG the TSC reads the host's TSC and keeps the
# host's time; the timer ticks are lost whenever the host is busy (two guests
# and the clients on 2 cores), so jiffies fall behind (11% in one CI run). The
# kernel's clocksource watchdog blames the TSC, switches to refined-jiffies and
# the guest's clock lags: Kerberos authenticators from the host then fail the
# acceptor's clock-skew check. Trust the TSC.
clock="tsc=reliable${VM_APPEND:+ $VM_APPEND}"
if [ $debian = 1 ]; then
	# Debian's kernel has 9p and virtio as modules: its initramfs loads them,
	# mounts the root share (tag "root"), shows the "modules" share over
	# /lib/modules and goes on into vm-init.sh like the kernels built here.
	ddir=$("$here/debian-kernel.sh" "$kernel")
	init=vm-init.sh
	[ $systemd = 0 ] || init=vm-systemd.sh
	image=$ddir/root/boot/vmlinuz-$(cat "$ddir/release")
	tag=root
	boot=(-initrd "$ddir/initrd.img"
		-append "console=ttyS0 $clock panic=-1 oops=panic vminit=$here/$init"
		-fsdev "local,id=modules,path=$ddir/root/lib/modules,readonly=on,security_model=none"
		-device virtio-9p-pci,fsdev=modules,mount_tag=modules)
	variant=$kernel-debian$([ $systemd = 1 ] && echo -systemd || true)
else
	kopt=()
	[ $debug = 1 ] && kopt=(--debug)
	kdir=$("$here/kernel.sh" "${kopt[@]}" "$kernel")
	image=$kdir/arch/x86/boot/bzImage
	boot=(-append "console=ttyS0 $clock panic=-1 oops=panic root=/dev/root rootfstype=9p rootflags=$p9,cache=loose ro init=$here/vm-init.sh")
	variant=$kernel$([ $debug = 1 ] && echo -debug || true)
fi

ctl=$(mktemp -d "${TMPDIR:-/tmp}/kcredssp-vm.XXXXXX")
trap 'rm -rf "$ctl"' EXIT
logdir=$repo/build/vm
mkdir -p "$logdir"
log=$logdir/console-$variant.log
: >"$log"

# The guest mounts tmpfs over /tmp, /run, /root, ...: the repository and the
# caller's directory, wherever they are, are shared again at their own paths
# (read-only), and the results directory on top (writable).
cwd_share=
case "$PWD/" in
"$repo"/*) ;;
*) cwd_share=$PWD ;;
esac
{
	printf 'VM_REPO=%q\n' "$repo"
	printf 'VM_CWD=%q\n' "$cwd_share"
	printf 'VM_RESULTS=%q\n' "$results"
	printf 'VM_NET=%q\n' "${#forwards[@]}"
	# When the guest dumps its processes' state (vm-lib.sh vm_run), in
	# seconds of its uptime: before vm.sh's timeout stops it.
	printf 'VM_STALL=%q\n' "${VM_STALL:-$((timeout > 90 ? timeout - 45 : timeout / 2))}"
} >"$ctl/env"
{
	while IFS= read -r var; do
		printf 'export %s=%q\n' "$var" "${!var}"
	done < <(compgen -v | grep -E '^(KCREDSSP_[A-Za-z0-9_]*|KVER)$' || true)
	[ -n "$results" ] && printf 'export VM_RESULTS=%q\n' "$results"
	printf 'export VM_KERNEL=%q\n' "$kernel"
	printf 'cd %q || exit 125\n' "$PWD"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$ctl/cmd"

qemu=(qemu-system-x86_64 -accel tcg -machine q35 -cpu max -smp 2 -m "$mem"
	-nodefaults -display none -no-reboot
	-kernel "$image" "${boot[@]}"
	-chardev "file,id=con,path=$log" -serial chardev:con
	-device virtio-serial-pci
	-chardev stdio,id=out,signal=off -device virtconsole,chardev=out
	-fsdev "local,id=rootfs,path=/,readonly=on,security_model=none,multidevs=remap"
	-device "virtio-9p-pci,fsdev=rootfs,mount_tag=$tag"
	-fsdev "local,id=ctl,path=$ctl,security_model=none"
	-device virtio-9p-pci,fsdev=ctl,mount_tag=ctl
	-fsdev "local,id=repo,path=$repo,readonly=on,security_model=none,multidevs=remap"
	-device virtio-9p-pci,fsdev=repo,mount_tag=repo
	-device virtio-rng-pci)
if [ -n "$cwd_share" ]; then
	qemu+=(-fsdev "local,id=cwd,path=$cwd_share,readonly=on,security_model=none,multidevs=remap"
		-device virtio-9p-pci,fsdev=cwd,mount_tag=cwd)
fi
if [ -n "$results" ]; then
	mkdir -p "$results"
	qemu+=(-fsdev "local,id=results,path=$results,security_model=none"
		-device virtio-9p-pci,fsdev=results,mount_tag=results)
fi
if [ ${#forwards[@]} -gt 0 ]; then
	fwd=
	for p in "${forwards[@]}"; do fwd+=",hostfwd=tcp:127.0.0.1:${p%%:*}-:${p##*:}"; done
	qemu+=(-netdev "user,id=net0,restrict=off$fwd" -device virtio-net-pci,netdev=net0)
fi

# A kernel that dies, hangs or reports a problem before vm-init ran the
# command (the TCG debug kernel reported a KASAN wild-memory-access in
# identify_cpu() at 0.1 s in one boot of five on a loaded machine, and in
# do_raw_spin_lock() at 0.09 s in a CI run; vm-init checks dmesg first and
# reboots) never ran anything of ours: it is booted once more, and says so.
# A boot takes 4-25 s (console time to "vm-init: running command", two guests
# on 2 cores): one that has not got there in $boot_limit s is taken as hung.
# A second early death, hang or report, or any report after the command
# started, fails as usual.
# shellcheck source=scripts/vm-lib.sh
. "$here/vm-lib.sh"
boot_limit=${VM_BOOT_LIMIT:-300}
booted() { grep -q 'vm-init: running command' "$log"; }
qpid=
# Stopped from outside (a test that gave up on the guest): stop QEMU too,
# rather than leave it running until its timeout.
stop_qemu() {
	local p
	# QEMU's timeout, even when the signal came before $! was read
	for p in $qpid $(jobs -p); do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	exit "$1"
}
trap 'stop_qemu 143' TERM
trap 'stop_qemu 129' HUP
trap 'stop_qemu 130' INT
for boot in 1 2; do
	status=0
	rm -f "$ctl/early-report" "$ctl/boot-hang"
	timeout -k 10 "$timeout" "${qemu[@]}" </dev/null &
	qpid=$!
	# (a timeout at or under the limit is a timeout, not a hung boot)
	if [ "$boot_limit" -lt "$timeout" ]; then
		start=$SECONDS
		while [ $((SECONDS - start)) -lt "$boot_limit" ] && kill -0 "$qpid" 2>/dev/null &&
			! booted; do
			sleep 1
		done
		if kill -0 "$qpid" 2>/dev/null && ! booted; then
			: >"$ctl/boot-hang"
			kill -TERM "$qpid" 2>/dev/null || true
		fi
	fi
	wait "$qpid" || status=$?
	qpid=
	# The command started after all, as QEMU was being stopped: it may have
	# written to the results share, so no second boot (it would find those
	# files); it failed without a status.
	! booted || rm -f "$ctl/boot-hang"
	if [ "$boot" = 1 ] && [ -f "$ctl/boot-hang" ]; then
		cp "$log" "$log.boot-hang"
		echo "vm.sh: the kernel did not reach vm-init's command in ${boot_limit}s" \
			"(console log $log.boot-hang): booting once more" >&2
		tail -n 3 "$log" >&2
		: >"$log"
		continue
	fi
	if [ "$boot" = 1 ] && [ ! -f "$ctl/rc" ] && [ $status != 124 ] && [ $status != 137 ] &&
		{ [ -f "$ctl/early-report" ] || ! booted; }; then
		cp "$log" "$log.early-death"
		echo "vm.sh: the kernel died or reported a problem before the command ran" \
			"(console log $log.early-death): booting once more" >&2
		grep -E "$vm_report_re" "$log" | head -3 >&2 || true
		: >"$log"
		continue
	fi
	break
done
trap - TERM HUP INT
if [ -f "$ctl/boot-hang" ]; then
	echo "vm.sh: the kernel did not reach vm-init's command in ${boot_limit}s, twice;" \
		"console log: $log" >&2
	tail -n 20 "$log" >&2
	exit 125
fi
if [ -f "$ctl/early-report" ]; then
	echo "vm.sh: the kernel reported problems while booting, twice; console log: $log" >&2
	head -n 20 "$ctl/early-report" >&2
	exit 125
fi
if [ $status = 124 ] || [ $status = 137 ]; then
	cp "$log" "$log.timeout"
	echo "vm.sh: guest timed out after ${timeout}s; console log: $log.timeout" >&2
	if [ -s "$ctl/stall" ]; then
		echo "vm.sh: what the guest's processes waited in, $(head -n 1 "$ctl/stall"):" >&2
		sed -n '2,61p' "$ctl/stall" >&2
	fi
	echo "vm.sh: the console's last lines:" >&2
	tail -n 15 "$log" >&2
	exit 124
fi

reports=$(grep -E "$vm_report_re" "$log" || true)
if [ -s "$ctl/kmemleak" ]; then
	reports+=$'\n'"kmemleak: $(grep -c 'unreferenced object' "$ctl/kmemleak") unreferenced objects"
	cat "$ctl/kmemleak" >>"$log"
fi
if [ ! -f "$ctl/rc" ]; then
	echo "vm.sh: guest ended without a status (qemu exit $status); console log: $log" >&2
	[ -n "$reports" ] && printf '%s\n' "$reports" >&2
	tail -n 30 "$log" >&2
	exit 125
fi
rc=$(cat "$ctl/rc")
if [ -n "$reports" ]; then
	# the next boot of this variant would overwrite it
	cp "$log" "$log.failed"
	echo "vm.sh: the guest kernel reported problems; console log: $log.failed" >&2
	printf '%s\n' "$reports" | head -20 >&2 || true
	[ "$rc" = 0 ] && rc=125
fi
exit "$rc"
