# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Sourced in the guest by scripts/vm-init.sh and scripts/vm-systemd.sh
# (and the command service the latter writes), once vm.sh's env file was read.
#   vm_shares ROOT  mount the repository and the caller's directory
#                   (read-only) and the results directory (writable) at
#                   their own paths under ROOT ("" for /)
#   vm_run CTL      run CTL/cmd as vm.sh wrote it, its output on /dev/hvc0
#                   (byte for byte), its exit status into CTL/rc
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

vm_run() {
	echo "vm-init: running command" >/dev/kmsg
	{
		stty -opost -echo <&1
		HOME=/root TERM=dumb /bin/bash "$1/cmd" </dev/null
	} >/dev/hvc0 2>&1
	echo $? >"$1/rc"
	echo "vm-init: command exited with $(cat "$1/rc")" >/dev/kmsg
}
