#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the kcredssp test guest (see scripts/vm.sh). The root is the host's
# root over virtio-9p, read-only. This script mounts the writable pieces, runs
# the command that vm.sh left in the control share with its output on
# /dev/hvc0, records its exit status there, checks kmemleak when the kernel
# has it, and reboots, which makes QEMU (-no-reboot) exit.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# Before the tmpfs mounts below: this script may live under /tmp (a CI clone).
# shellcheck source=scripts/vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
# What udev would add: bash's process substitution needs /dev/fd.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug
for d in /tmp /run /var/tmp /var/log /var/lib/krb5kdc /root; do
	[ -d "$d" ] && mount -t tmpfs -o mode=1777 tmpfs "$d"
done
chmod 0700 /root

p9='trans=virtio,version=9p2000.L,msize=262144'
mkdir -p /run/vm
mount -t 9p -o "$p9" ctl /run/vm || { echo "vm-init: no control share" >/dev/console; echo b >/proc/sysrq-trigger; }
. /run/vm/env
# The repository and the caller's directory may lie under a tmpfs just mounted.
vm_shares ""

hostname kcredssp-guest
ip link set lo up
if [ -n "$VM_NET" ] && ip link show eth0 >/dev/null 2>&1; then
	ip link set eth0 up
	ip addr add 10.0.2.15/24 dev eth0
	ip route add default via 10.0.2.2
fi

kmemleak=/sys/kernel/debug/kmemleak
if [ -e $kmemleak ]; then
	# Only what the command leaks counts: stop the background scan and
	# forget everything allocated so far.
	echo scan=off >$kmemleak
	echo clear >$kmemleak
fi

# A report while the kernel booted, before anything of ours ran (the TCG
# debug kernels report a KASAN wild-memory-access in early boot now and then
# on a loaded machine: identify_cpu(), do_raw_spin_lock() at 0.09 s): vm.sh
# boots once more instead of failing a command that never ran on it.
if dmesg | grep -Eq "$vm_report_re"; then
	dmesg | grep -E "$vm_report_re" >/run/vm/early-report
	echo "vm-init: the kernel reported a problem while booting, before the command" >/dev/console
	sync
	echo b >/proc/sysrq-trigger
fi

# The command's output reaches the host byte for byte: no \n -> \r\n.
vm_run /run/vm

if [ -e $kmemleak ]; then
	# A scan reports unreferenced objects older than 5 s: let the last
	# allocations of the command age first.
	sleep 5
	echo scan >$kmemleak
	cat $kmemleak >/run/vm/kmemleak
fi
sync
echo b >/proc/sysrq-trigger
