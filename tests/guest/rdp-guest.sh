#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/rdp-guest.sh MODDIR DIR PORT BUILD: the guest half of
# tests/guest/rdp-xrdp.sh. A local account alice (password Passw0rd!, in
# copies of /etc/passwd, shadow and group bind-mounted over the read-only
# host files), credssp.ko (MODDIR/kmod) and credsspd (DIR/credsspd.conf),
# Debian's own xrdp and xrdp-sesman, unmodified, configured with copies of
# /etc/xrdp/{xrdp,sesman}.ini: xrdp listens on the unix socket
# /run/xrdp/rdpd.socket with security_layer=rdp and crypt_level=none. Then
# BUILD/credssp-rdpd in front of it on 0.0.0.0:PORT (its log:
# DIR/rdpd.log). DIR/ready once everything listens; until DIR/stop exists,
# the processes of the guest (user, pid, command) in DIR/ps.txt and the
# xrdp and xrdp-sesman logs in DIR/, refreshed every second. Exit 0, or 2
# when something could not start.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib/guest.sh"
moddir=$1 dir=$2 port=$3 build=${4:-build}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99:detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=99:print_stacktrace=1}
[ -f "$dir/kdc/krb5.conf" ] && export KRB5_CONFIG=$dir/kdc/krb5.conf
export KRB5RCACHEDIR=$dir

fail() {
	echo "rdp-guest: $*" | tee -a "$dir/guest-setup.log" >&2
	exit 2
}

# The account xrdp-sesman's PAM stack logs in (pam_unix reads /etc/shadow).
mkdir -p /tmp/etc /tmp/home/alice
cp /etc/passwd /etc/shadow /etc/group /tmp/etc/
echo "alice:x:5001:5001:alice:/tmp/home/alice:/bin/bash" >>/tmp/etc/passwd
echo "alice:$(openssl passwd -6 'Passw0rd!'):19000:0:99999:7:::" >>/tmp/etc/shadow
echo "alice:x:5001:" >>/tmp/etc/group
for f in passwd shadow group; do
	mount --bind "/tmp/etc/$f" "/etc/$f" || fail "cannot bind /etc/$f"
done
chown 5001:5001 /tmp/home/alice
chmod 0700 /tmp/home/alice
# The X server of the session (xorgxrdp's Xorg, run by xrdp-sesman as alice)
# puts its sockets there: root's, sticky, as on a booted system.
mkdir -p /tmp/.X11-unix /tmp/.ICE-unix
chmod 1777 /tmp /tmp/.X11-unix /tmp/.ICE-unix

insmod "$moddir/kmod/credssp.ko" || fail "insmod credssp.ko"
start_credsspd "$dir/credsspd.conf" "$dir/credsspd.log" || fail "credsspd did not register"
helper=$credsspd_pid

mkdir -p /run/xrdp /var/run/xrdp
# Only [Globals]' port: the session sections' port=-1 is what makes xrdp go
# through xrdp-sesman (xrdp_mm_connect(): use_sesman when port is "-1");
# rewriting it too made libxup connect to "unix://..." as a TCP port, in a
# loop, and sesman never heard of the user.
sed -e '/^\[Globals\]/,/^\[/{s|^port=.*|port=unix://./run/xrdp/rdpd.socket|}' \
	-e '/^\[Globals\]/,/^\[/{s/^security_layer=.*/security_layer=rdp/}' \
	-e '/^\[Globals\]/,/^\[/{s/^crypt_level=.*/crypt_level=none/}' \
	-e 's|^LogFile=xrdp.log|LogFile=/var/log/xrdp.log|' \
	-e 's/^LogLevel=INFO/LogLevel=DEBUG/' -e 's/^EnableSyslog=true/EnableSyslog=false/' \
	/etc/xrdp/xrdp.ini >/tmp/xrdp.ini
grep -q '^port=unix://./run/xrdp/rdpd.socket' /tmp/xrdp.ini &&
	[ "$(sed -n '/^\[Xorg\]/,/^\[/p' /tmp/xrdp.ini | grep -c '^port=-1')" = 1 ] ||
	fail "cannot configure xrdp.ini: $(grep -n '^port=\|^\[' /tmp/xrdp.ini)"
sed -e 's|^LogFile=xrdp-sesman.log|LogFile=/var/log/xrdp-sesman.log|' \
	-e 's/^LogLevel=INFO/LogLevel=DEBUG/' -e 's/^EnableSyslog=true/EnableSyslog=false/' \
	/etc/xrdp/sesman.ini >/tmp/sesman.ini
xrdp-sesman -n -c /tmp/sesman.ini >"$dir/sesman.out" 2>&1 &
sesman=$!
xrdp -n -c /tmp/xrdp.ini >"$dir/xrdp.out" 2>&1 &
xrdp=$!
for _ in $(seq 300); do
	[ -S /run/xrdp/rdpd.socket ] && break
	sleep 0.1
done
[ -S /run/xrdp/rdpd.socket ] || fail "xrdp does not listen: $(tail -n 5 /var/log/xrdp.log)"

cat >/tmp/credssp-rdpd.conf <<CONF
listen = 0.0.0.0:$port
backend = unix:/run/xrdp/rdpd.socket
session = Xorg
handshake_timeout = 240
step_timeout = 120
failed_logons = 50
debug = yes
CONF
cp /tmp/credssp-rdpd.conf "$dir/credssp-rdpd.conf"
"$repo/$build/credssp-rdpd" -c /tmp/credssp-rdpd.conf >"$dir/rdpd.log" 2>&1 &
rdpd=$!
for _ in $(seq 100); do
	grep -q '^ready' "$dir/rdpd.log" && break
	sleep 0.1
done
grep -q '^ready' "$dir/rdpd.log" || fail "credssp-rdpd did not start: $(cat "$dir/rdpd.log")"
touch "$dir/ready"

snapshot() {
	ps -eo user:16,pid,args >"$dir/ps.tmp" && mv "$dir/ps.tmp" "$dir/ps.txt"
	cp /var/log/xrdp.log "$dir/xrdp.log" 2>/dev/null
	cp /var/log/xrdp-sesman.log "$dir/xrdp-sesman.log" 2>/dev/null
	# the session's own logs: Xorg's, and the session script's
	for f in /tmp/home/alice/.xorgxrdp.*.log /tmp/home/alice/.xsession-errors; do
		[ -f "$f" ] && cp "$f" "$dir/alice$(basename "$f")" 2>/dev/null
	done
}
for _ in $(seq 1800); do
	snapshot
	[ -e "$dir/stop" ] && break
	sleep 1
done
snapshot
kill "$rdpd"
wait "$rdpd"
echo "credssp-rdpd exit $?" >>"$dir/rdpd.log"
kill "$xrdp" "$sesman" 2>/dev/null
sleep 1
kill "$helper"
wait "$helper"
rmmod credssp || exit 3
exit 0
