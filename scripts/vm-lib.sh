# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Sourced in the guest by scripts/vm-init.sh and scripts/vm-systemd.sh
# (and the command service the latter writes), once vm.sh's env file was read.
#   vm_shares ROOT  mount the repository and the caller's directory
#                   (read-only) and the results directory (writable) at
#                   their own paths under ROOT ("" for /)
#   vm_run CTL      run CTL/cmd as vm.sh wrote it, its output on /dev/hvc0
#                   (byte for byte), its exit status into CTL/rc; if it
#                   still runs after VM_STALL s (CTL/env), vm_stall_dump
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

vm_stall_dump() {
	{
		read -r self _ </proc/self/stat # this shell (read is a builtin)
		echo "at $(cut -d ' ' -f 1 /proc/uptime) s of the guest's uptime"
		ps -e -o pid=,ppid=,stat=,etimes=,wchan:24=,args= | grep -v ' \[.*\]$'
		for p in /proc/[0-9]*; do
			[ "${p#/proc/}" != "$self" ] || continue
			c=$(cat "$p/comm" 2>/dev/null) || continue
			# a kernel thread has no command line (and proc files no size)
			[ -n "$(tr -d '\0' <"$p/cmdline" 2>/dev/null)" ] || continue
			# a parent waiting for its children, a sleep, the dump itself
			[ "$(cat "$p/wchan" 2>/dev/null)" = do_wait ] && continue
			case "$c" in sleep|ps|cat|grep|tr|sed) continue ;; esac
			echo "${p#/proc/} $c:"
			sed 's/^/    /' "$p/stack" 2>/dev/null
		done
	} >"$1/stall" 2>&1
	echo w >/proc/sysrq-trigger
}

vm_run() {
	echo "vm-init: running command" >/dev/kmsg
	stall=$(sed -n 's/^VM_STALL=//p' "$1/env")
	watch=
	if [ -n "$stall" ]; then
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
