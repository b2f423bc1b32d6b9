# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Sourced in the guest by scripts/vm-init.sh and scripts/vm-systemd.sh
# (and the command service the latter writes), once vm.sh's env file was read.
#   vm_shares ROOT  mount the repository and the caller's directory
#                   (read-only) and the results directory (writable) at
#                   their own paths under ROOT ("" for /)
#   vm_run CTL      run CTL/cmd as vm.sh wrote it, its output on /dev/hvc0
#                   (byte for byte), its exit status into CTL/rc; if it
#                   still runs at VM_STALL s of uptime (CTL/env),
#                   vm_stall_dump
#   vm_stall_dump CTL
#                   what every process waits in (ps, wchan, the kernel
#                   stacks of all but parents in wait() and sleeps) into
#                   CTL/stall, the blocked tasks (SysRq w) to the console:
#                   vm.sh shows both when it times the guest out
#   vm_report_re    what in a kernel log is a report (vm.sh reads it too)
vm_report_re='WARNING:|BUG:|kernel BUG|Oops|Kernel panic|general protection fault|UBSAN:|INFO: task .* blocked|rcu: INFO|detected stall|possible circular locking|inconsistent lock state'

vm_shares() {
	p9='trans=virtio,version=9p2000.L,msize=262144'
	mkdir -p "$1$VM_REPO"
	mount -t 9p -o "$p9,ro,cache=loose" repo "$1$VM_REPO"
	if [ -n "$VM_CWD" ]; then
		mkdir -p "$1$VM_CWD"
		mount -t 9p -o "$p9,ro,cache=loose" cwd "$1$VM_CWD"
	fi
	if [ -n "$VM_RESULTS" ]; then
		mkdir -p "$1$VM_RESULTS"
		mount -t 9p -o "$p9" results "$1$VM_RESULTS"
	fi
}

# Builtins only, after ps: on a debug kernel under TCG a process start costs
# 0.2-0.7 s, and the dump has at most the 45 s before vm.sh's timeout.
vm_stall_dump() {
	echo w >/proc/sysrq-trigger
	{
		read -r self _ </proc/self/stat # this shell
		read -r up _ </proc/uptime
		echo "at $up s of the guest's uptime"
		ps -e -o pid=,ppid=,stat=,etimes=,wchan:24=,args= | grep -v ' \[.*\]$'
		for p in /proc/[0-9]*; do
			[ "${p#/proc/}" != "$self" ] || continue
			# a kernel thread has no executable
			[ -e "$p/exe" ] || continue
			c= w=
			read -r c <"$p/comm" 2>/dev/null
			read -r w <"$p/wchan" 2>/dev/null
			# a parent waiting for its children, a sleep, the dump itself
			[ "$w" != do_wait ] || continue
			case "$c" in sleep|ps|grep) continue ;; esac
			echo "${p#/proc/} $c:"
			while read -r l; do echo "    $l"; done <"$p/stack" 2>/dev/null
		done
	} >"$1/stall" 2>&1
}

vm_run() {
	echo "vm-init: running command" >/dev/kmsg
	# VM_STALL: when to dump, in seconds of the guest's uptime (vm.sh's
	# timeout counts from QEMU's start, and the clock keeps the host's).
	stall=$(sed -n 's/^VM_STALL=//p' "$1/env")
	watch=
	if [ -n "$stall" ]; then
		read -r up _ </proc/uptime
		stall=$((stall - ${up%.*}))
		[ "$stall" -ge 1 ] || stall=1
		(sleep "$stall" && vm_stall_dump "$1") &
		watch=$!
	fi
	{
		stty -opost -echo <&1
		HOME=/root TERM=dumb /bin/bash "$1/cmd" </dev/null
	} >/dev/hvc0 2>&1
	echo $? >"$1/rc"
	[ -z "$watch" ] || kill "$watch" 2>/dev/null
	echo "vm-init: command exited with $(cat "$1/rc")" >/dev/kmsg
}
