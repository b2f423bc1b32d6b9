#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test guest under `scripts/vm.sh --debian --systemd`, run by
# the initramfs of scripts/debian-kernel.sh on the host root (9p, read-only,
# with Debian's modules over /lib/modules). It makes a writable root,
# overlayfs over that root with a tmpfs upper (and the same over
# /lib/modules, where DKMS installs), so that nothing the guest writes
# reaches the host: QEMU exports the root read-only, and every write lands
# in the guest's memory. Then systemd runs as PID 1 and starts
# kcredssp-vm.target: sysinit.target (journald, udev, sysusers, tmpfiles)
# and kcredssp-vm.service, which runs the command as vm-init.sh does (its
# output on /dev/hvc0, its status to the control share) and reboots. Other
# services the host root enables (xrdp, krb5-kdc, ...) are not started
# unless the command starts them; timers never are.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
die() {
	echo "vm-systemd: $*" >/dev/console
	echo b >/proc/sysrq-trigger
}

# Before the tmpfs on /tmp below: this script may live under /tmp (a CI clone).
# shellcheck source=scripts/vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
modprobe overlay || die "no overlay module"
mount -t tmpfs -o mode=0755 tmpfs /tmp || die "no tmpfs"
o=/tmp/ovl
mkdir -p $o/up $o/work $o/mup $o/mwork $o/root
mount -t overlay -o "lowerdir=/,upperdir=$o/up,workdir=$o/work" overlay $o/root ||
	die "cannot mount the overlay root"
mount -t overlay -o "lowerdir=/lib/modules,upperdir=$o/mup,workdir=$o/mwork" overlay \
	$o/root/lib/modules || die "cannot mount the overlay /lib/modules"

r=$o/root
p9='trans=virtio,version=9p2000.L,msize=262144'
mkdir -p $r/vm/ctl
mount -t 9p -o "$p9" ctl $r/vm/ctl || die "no control share"
# shellcheck disable=SC1091 # written by vm.sh
. $r/vm/ctl/env
vm_shares $r

# The guest's own configuration, in the upper layer only.
echo kcredssp-guest >$r/etc/hostname
# A booted Debian system has no policy-rc.d (container images add one that
# stops maintainer scripts from starting and stopping services).
rm -f $r/usr/sbin/policy-rc.d
# /tmp and /var/tmp are not emptied at boot: the results share may be there.
mkdir -p $r/etc/tmpfiles.d
ln -sf /dev/null $r/etc/tmpfiles.d/tmp.conf
: >$r/etc/machine-id
s=$r/etc/systemd/system
mkdir -p $s
cat >$s/kcredssp-vm.target <<UNIT
[Unit]
Description=kcredssp test guest
Requires=sysinit.target kcredssp-vm.service
After=sysinit.target
AllowIsolate=yes
UNIT
cat >$r/vm/run.sh <<RUN
#!/bin/sh
# kcredssp-vm.service: the command, as vm-init.sh runs it.
. "$(dirname "$0")/vm-lib.sh"
vm_run /vm/ctl
sync
echo b >/proc/sysrq-trigger
RUN
chmod 755 $r/vm/run.sh
cat >$s/kcredssp-vm.service <<UNIT
[Unit]
Description=kcredssp test guest command
After=sysinit.target systemd-journald.service

[Service]
Type=oneshot
ExecStart=/vm/run.sh
UNIT
if [ "${VM_NET:-0}" != 0 ]; then
	# QEMU's user network on the one NIC, whatever udev named it.
	cat >$r/vm/net.sh <<'NET'
#!/bin/sh
udevadm settle -t 60
ip link set lo up
dev=$(ls /sys/class/net | grep -vx lo | head -n 1)
ip link set "$dev" up && ip addr add 10.0.2.15/24 dev "$dev" && ip route add default via 10.0.2.2
NET
	chmod 755 $r/vm/net.sh
	cat >$s/kcredssp-vm-net.service <<UNIT
[Unit]
Description=kcredssp test guest network (QEMU user networking)
After=systemd-udevd.service systemd-udev-trigger.service
Before=kcredssp-vm.service
[Service]
Type=oneshot
ExecStart=/vm/net.sh
UNIT
	echo "Wants=kcredssp-vm-net.service" >>$s/kcredssp-vm.target
fi

umount /proc/sys/fs/binfmt_misc 2>/dev/null
cd $r || die "no new root"
mount -n --move . / || die "cannot move the overlay root to /"
exec chroot . /lib/systemd/systemd --unit=kcredssp-vm.target --log-target=kmsg --show-status=false
