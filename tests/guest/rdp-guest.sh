#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/rdp-guest.sh MODDIR DIR PORT BUILD: the guest half of
# tests/guest/rdp-xrdp.sh. Local accounts alice and user01..user10
# (password Passw0rd!, in copies of /etc/passwd, shadow and group
# bind-mounted over the read-only host files), credssp.ko (MODDIR/kmod)
# and credsspd (DIR/credsspd.conf), Debian's own xrdp and xrdp-sesman,
# unmodified, configured with copies of /etc/xrdp/{xrdp,sesman}.ini: xrdp
# listens on the unix socket /run/xrdp/rdpd.socket with security_layer=rdp
# and crypt_level=none. Then
# BUILD/credssp-rdpd in front of it on 0.0.0.0:PORT (its log:
# DIR/rdpd.log). DIR/ready once everything listens; until DIR/stop exists,
# the processes of the guest (user, pid, command) in DIR/ps.txt and the
# xrdp and xrdp-sesman logs in DIR/, refreshed every second. Once
# DIR/credsspd-default exists, credsspd is restarted with DIR/credsspd.conf
# less its allow_other_delegated_user line (the default policy, as
# installed; its log DIR/credsspd-default.log) and DIR/credsspd-restarted
# says "ok" or "failed". Exit 0, or 2 when something could not start.
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

# The accounts xrdp-sesman's PAM stack logs in (pam_unix reads /etc/shadow),
# in copies of /etc/passwd, shadow and group bind-mounted over the host's.
# Each one's session (Xsession runs ~/.xsession) is a full-screen terminal
# of a colour xrdp's login dialog never shows, naming the account it runs
# as (the host's screenshots are judged by that colour; the demo shows the
# text). With the SMB part, it first lists the cifs multiuser mount with
# whatever credentials the session has (pam_cifscreds: the NLA password).
mkdir -p /tmp/etc
cp /etc/passwd /etc/shadow /etc/group /tmp/etc/
cat >/tmp/etc/xsession <<'XSESSION'
[ -d /tmp/smb ] && ls /tmp/smb >"$HOME/.smb-ls.txt" 2>&1
exec xterm -geometry 400x200+0+0 -bg '#307850' -fg white -fn fixed -e sh -c \
	'echo "kcredssp: NLA single sign-on, signed in as $(id -un) on $(hostname)"; exec sleep 100000'
XSESSION
hash=$(openssl passwd -6 'Passw0rd!')
add_account() { # NAME UID
	echo "$1:x:$2:$2:$1:/tmp/home/$1:/bin/bash" >>/tmp/etc/passwd
	echo "$1:$hash:19000:0:99999:7:::" >>/tmp/etc/shadow
	echo "$1:x:$2:" >>/tmp/etc/group
	mkdir -p "/tmp/home/$1"
	cp /tmp/etc/xsession "/tmp/home/$1/.xsession"
	chown -R "$2:$2" "/tmp/home/$1"
	chmod 0700 "/tmp/home/$1"
}
# alice (Passw0rd!); user01..user10, the same: ten sessions at once are ten
# users (xrdp-sesman's Default policy gives a user one session, and its
# other policies cannot tell connections apart on xrdp's unix socket).
add_account alice 5001
for i in $(seq -w 1 10); do
	add_account "user$i" $((5100 + 10#$i))
done
for f in passwd shadow group; do
	mount --bind "/tmp/etc/$f" "/etc/$f" || fail "cannot bind /etc/$f"
done
# The X server of the session (xorgxrdp's Xorg, run by xrdp-sesman as alice)
# puts its sockets there: root's, sticky, as on a booted system.
mkdir -p /tmp/.X11-unix /tmp/.ICE-unix
# ... and runs without GLX (xorgxrdp's xorg.conf loads it): under TCG its
# software GL provider takes about 14 s of CPU at each X server's start,
# which ten sessions starting at once share with each other's start-up,
# past the 10 s xrdp-sesman waits for an X server (rdp-xrdp.sh,
# sesman_ended). The sessions here run an xterm; no client of GL is
# tested. (glamoregl stays: libxorgxrdp.so needs its symbols.)
sed -e 's/^\( *\)Load "glx"$/\1Disable "glx"/' \
	/etc/X11/xrdp/xorg.conf >/tmp/etc/xrdp-xorg.conf &&
	grep -q '^ *Disable "glx"$' /tmp/etc/xrdp-xorg.conf &&
	mount --bind /tmp/etc/xrdp-xorg.conf /etc/X11/xrdp/xorg.conf ||
	fail "cannot write xorg.conf without GLX: $(grep -n 'Load\|Disable' /tmp/etc/xrdp-xorg.conf)"
chmod 1777 /tmp /tmp/.X11-unix /tmp/.ICE-unix

# Single sign-on onward (KCREDSSP_RDP_SMB=1, on a Debian kernel with its
# modules): the kernel's own SMB server, ksmbd, shares /tmp/share (a file
# of alice's in it) to alice (password Passw0rd!, in ksmbd's own user
# database) and to "mounter"; root mounts it with cifs as mounter, with
# "multiuser": every other local user reaches the share with the
# credentials in their own keyrings, or not at all. xrdp-sesman's PAM stack
# gets pam_keyinit (a session keyring per login) and pam_cifscreds (auth:
# keeps the password PAM was given; session: adds it as alice's key for
# 127.0.0.1). Before any login, alice cannot list the share
# (DIR/smb-before.txt); her session lists it (her ~/.smb-ls.txt, copied to
# DIR/alice.smb-ls.txt by the snapshot loop).
smb_setup() {
	modprobe ksmbd && modprobe cifs || return 1
	mkdir -p /tmp/ksmbd /tmp/share /tmp/smb
	echo "written by alice's share" >/tmp/share/hello-from-ksmbd.txt
	cat >/tmp/ksmbd/ksmbd.conf <<'KSMBD'
[global]
	bind interfaces only = yes
	interfaces = lo
[share]
	path = /tmp/share
	read only = yes
	valid users = alice mounter
KSMBD
	ksmbd.adduser -c /tmp/ksmbd/ksmbd.conf -i /tmp/ksmbd/users.db -a alice -p 'Passw0rd!' &&
		ksmbd.adduser -c /tmp/ksmbd/ksmbd.conf -i /tmp/ksmbd/users.db -a mounter -p 'M0unter!' &&
		ksmbd.mountd -c /tmp/ksmbd/ksmbd.conf -u /tmp/ksmbd/users.db >"$dir/ksmbd.log" 2>&1 ||
		return 1
	for _ in {1..50}; do
		mount -t cifs //127.0.0.1/share /tmp/smb \
			-o multiuser,sec=ntlmssp,vers=3.0,username=mounter,password='M0unter!' \
			2>>"$dir/smb-mount.log" && break
		sleep 0.2
	done
	mountpoint -q /tmp/smb || return 1
	setpriv --reuid 5001 --regid 5001 --clear-groups ls /tmp/smb >"$dir/smb-before.txt" 2>&1
	sed -e '/^@include common-auth/a auth optional pam_cifscreds.so' \
		-e '/^@include common-session/i session optional pam_keyinit.so force revoke' \
		-e '/^@include common-session/a session optional pam_cifscreds.so host=127.0.0.1' \
		/etc/pam.d/xrdp-sesman >/tmp/etc/pam-xrdp-sesman &&
		mount --bind /tmp/etc/pam-xrdp-sesman /etc/pam.d/xrdp-sesman
}
if [ "${KCREDSSP_RDP_SMB:-0}" = 1 ]; then
	smb_setup || fail "ksmbd and the cifs multiuser mount: $(cat "$dir/ksmbd.log" "$dir/smb-mount.log" 2>/dev/null | tail -n 10)"
fi
# Every login is a round of PAM calls, and Linux-PAM's libpam opens an audit
# netlink socket at each one (pam_authenticate, pam_acct_mgmt, pam_setcred,
# pam_open_session, pam_close_session, pam_end: _pam_auditlog()). The test
# kernel has no CONFIG_AUDIT, so each socket(AF_NETLINK, SOCK_RAW,
# NETLINK_AUDIT) makes netlink_create() request_module("net-pf-16-proto-9"):
# the kernel spawns /sbin/modprobe, which here runs under TCG off the 9p root
# and finds nothing (EPROTONOSUPPORT). strace of one PAM login of alice with
# Debian's /etc/pam.d/xrdp-sesman in the guest: 6 such socket() calls, 0.4 to
# 0.8 s each with the guest otherwise idle, nearly all of the time of each
# PAM call (a pam_unix-only stack measured the same: the PAM modules --
# pam_systemd, pam_env, pam_cap -- are not what is slow). With ten xrdp
# connections (and Xorg) busy, sesman took 8-12 s per login, one login at a
# time (0.9.21, listen backlog 2): xrdp's 4 connects of 3 s ran out for
# half of the ten. An empty kernel.modprobe makes request_module() fail at
# once (-ENOENT, kernel/module/kmod.c): nothing in this guest loads a
# module on demand (credssp.ko is insmod-ed, TLS is built in; the debug
# kernel's release has no /lib/modules/ directory on this root: modprobe
# never finds anything there).
# Debian's kernel has CONFIG_AUDIT and its modules (kTLS's tls.ko, the
# AEAD ciphers, ksmbd, cifs) are loaded on demand as on any Debian system:
# only the kernels built here get module loading switched off.
if [ ! -d "/lib/modules/$(uname -r)/kernel" ]; then
	echo >/proc/sys/kernel/modprobe || fail "cannot clear kernel.modprobe"
fi
# One PAM login of alice through Debian's unmodified stack, timed per call
# (DIR/pam-timing.log): the account works, and how long sesman will take.
cat >/tmp/pamtime.py <<'PAMTIME'
import ctypes, sys, time
pam = ctypes.CDLL("libpam.so.0")
class Msg(ctypes.Structure): _fields_=[("msg_style",ctypes.c_int),("msg",ctypes.c_char_p)]
class Resp(ctypes.Structure): _fields_=[("resp",ctypes.c_char_p),("resp_retcode",ctypes.c_int)]
CONV=ctypes.CFUNCTYPE(ctypes.c_int,ctypes.c_int,ctypes.POINTER(ctypes.POINTER(Msg)),ctypes.POINTER(ctypes.POINTER(Resp)),ctypes.c_void_p)
class Conv(ctypes.Structure): _fields_=[("conv",CONV),("appdata",ctypes.c_void_p)]
libc=ctypes.CDLL(None); libc.calloc.restype=ctypes.c_void_p; libc.strdup.restype=ctypes.c_void_p
service, user, pw = sys.argv[1], sys.argv[2], sys.argv[3]
def conv(n, msgs, resp, _):
    r = libc.calloc(n, ctypes.sizeof(Resp))
    arr = ctypes.cast(r, ctypes.POINTER(Resp))
    for i in range(n):
        if msgs[i].contents.msg_style in (1, 2):
            arr[i].resp = ctypes.cast(libc.strdup(pw.encode()), ctypes.c_char_p)
    resp[0] = arr
    return 0
c = Conv(CONV(conv), None); h = ctypes.c_void_p()
t = time.monotonic()
def step(name, rc):
    global t
    now = time.monotonic(); print("pam %s %s rc=%d %.3fs" % (service, name, rc, now - t), flush=True); t = now
step("start", pam.pam_start(service.encode(), user.encode(), ctypes.byref(c), ctypes.byref(h)))
step("authenticate", pam.pam_authenticate(h, 0))
step("acct_mgmt", pam.pam_acct_mgmt(h, 0))
step("setcred", pam.pam_setcred(h, 2))
step("open_session", pam.pam_open_session(h, 0))
step("close_session", pam.pam_close_session(h, 0))
step("end", pam.pam_end(h, 0))
PAMTIME
python3 /tmp/pamtime.py xrdp-sesman alice 'Passw0rd!' >"$dir/pam-timing.log" 2>&1
grep -q '^pam xrdp-sesman authenticate rc=0' "$dir/pam-timing.log" ||
	fail "alice cannot log in with PAM: $(cat "$dir/pam-timing.log")"

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
	-e 's/^#EnableProcessId=false/EnableProcessId=true/' \
	/etc/xrdp/xrdp.ini >/tmp/xrdp.ini
# (the process id in each line of xrdp's log: which connection's process,
# one per client, logged what; rdp-xrdp.sh's xrdp_conn_state)
grep -q '^port=unix://./run/xrdp/rdpd.socket' /tmp/xrdp.ini &&
	grep -q '^EnableProcessId=true' /tmp/xrdp.ini &&
	[ "$(sed -n '/^\[Xorg\]/,/^\[/p' /tmp/xrdp.ini | grep -c '^port=-1')" = 1 ] ||
	fail "cannot configure xrdp.ini: $(grep -n '^port=\|^\[' /tmp/xrdp.ini)"
sed -e 's|^LogFile=xrdp-sesman.log|LogFile=/var/log/xrdp-sesman.log|' \
	-e 's/^LogLevel=INFO/LogLevel=DEBUG/' -e 's/^EnableSyslog=true/EnableSyslog=false/' \
	/etc/xrdp/sesman.ini >/tmp/sesman.ini
xrdp-sesman -n -c /tmp/sesman.ini >"$dir/sesman.out" 2>&1 &
sesman=$!
xrdp -n -c /tmp/xrdp.ini >"$dir/xrdp.out" 2>&1 &
xrdp=$!
for _ in {1..300}; do
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
for _ in {1..100}; do
	grep -q '^ready' "$dir/rdpd.log" && break
	sleep 0.1
done
grep -q '^ready' "$dir/rdpd.log" || fail "credssp-rdpd did not start: $(cat "$dir/rdpd.log")"
echo ready >"$dir/ready"

gen=0
snapshot() {
	ps -eo user:16,pid,args >"$dir/ps.tmp" && mv "$dir/ps.tmp" "$dir/ps.txt"
	copy /var/log/xrdp.log "$dir/xrdp.log"
	copy /var/log/xrdp-sesman.log "$dir/xrdp-sesman.log"
	# the session's own logs: Xorg's, and the session script's
	for f in /tmp/home/alice/.xorgxrdp.*.log /tmp/home/alice/.xsession-errors \
		/tmp/home/alice/.smb-ls.txt; do
		[ -f "$f" ] && copy "$f" "$dir/alice$(basename "$f")"
	done
	# the host waits on this count for copies newer than its question
	gen=$((gen + 1))
	echo $gen >"$dir/snap-gen.tmp" && mv -f "$dir/snap-gen.tmp" "$dir/snap-gen"
}
# copy SRC DST: replace DST whole (a rename), so that the host never reads a
# copy half written: cp truncates first, and a count taken then is low (a
# "xrdp never sees it" case took one as its baseline and then saw the
# previous case's connection lines come back).
copy() {
	cp "$1" "$2.tmp" 2>/dev/null && mv -f "$2.tmp" "$2"
}
# restart_credsspd: the same module, a new credsspd with the default
# delegation policy (a restarted helper serves new handshakes).
restart_credsspd() {
	kill "$helper"
	wait "$helper"
	grep -v '^allow_other_delegated_user' "$dir/credsspd.conf" >/tmp/credsspd-default.conf
	if start_credsspd /tmp/credsspd-default.conf "$dir/credsspd-default.log"; then
		helper=$credsspd_pid
		echo ok >"$dir/credsspd-restarted"
	else
		echo failed >"$dir/credsspd-restarted"
	fi
}
for _ in {1..1800}; do
	snapshot
	[ -e "$dir/stop" ] && break
	[ -e "$dir/credsspd-default" ] && [ ! -e "$dir/credsspd-restarted" ] && restart_credsspd
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
