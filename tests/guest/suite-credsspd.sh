#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/suite-credsspd.sh: credsspd against credssp.ko in the guest
# (TAP). Run by tests/guest/run.sh with the module loaded (MODDIR); loads it
# itself if it is not. Checks registration (GET_STATUS shows the helper and
# its pid), that a second instance is refused with EBUSY, the privileges
# left after start-up (no capability in any set of any thread, no new
# privileges, the configured user), also while clients authenticate
# (build/sock_client, socket mode), SIGHUP, SIGTERM (clean exit, the kernel
# drops the helper at once) and a restart registering again. Leaves the
# module loaded, no helper. CREDSSP_BUILD names another build directory.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/lib/tap.sh"
build=${CREDSSP_BUILD:-$repo/build}
daemon=$build/credsspd
client=$build/sock_client

# A sanitizer report fails the daemon's exit status; keep the reports apart.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=99:print_stacktrace=1}

tmp=$(mktemp -d /tmp/credsspd-suite.XXXXXX) || { echo "Bail out! mktemp failed"; exit 1; }
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

grep -q '^credssp ' /proc/modules || insmod "${MODDIR:?}/credssp.ko"

# GET_STATUS over a raw NETLINK_GENERIC socket: prints "HELPER HELPER_PID"
# (-1 when the attribute is missing), exits non-zero on a netlink error.
genl_status() {
	python3 - <<'PY'
import os, socket, struct

NETLINK_GENERIC, GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLM_F_REQUEST, NLM_F_ACK, NLMSG_ERROR = 1, 4, 2
CREDSSP_CMD_GET_STATUS, A_HELPER, A_HELPER_PID = 1, 1, 5
seq = 0


def attrs(buf):
    out, off = {}, 0
    while off + 4 <= len(buf):
        ln, typ = struct.unpack_from("HH", buf, off)
        if ln < 4:
            break
        out[typ & 0x3FFF] = buf[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


def request(sk, family, cmd, payload=b""):
    global seq
    seq += 1
    body = struct.pack("BBH", cmd, 1, 0) + payload
    sk.send(struct.pack("IHHII", 16 + len(body), family, NLM_F_REQUEST | NLM_F_ACK, seq, 0)
            + body)
    reply = None
    while True:
        data = sk.recv(65536)
        off = 0
        while off + 16 <= len(data):
            ln, typ, _, rseq, _ = struct.unpack_from("IHHII", data, off)
            msg = data[off + 16:off + ln]
            off += (ln + 3) & ~3
            if rseq != seq:
                continue
            if typ == NLMSG_ERROR:
                err = struct.unpack_from("i", msg)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                return reply
            reply = attrs(msg[4:])


sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
sk.bind((0, 0))
name = b"credssp\0"
nla = struct.pack("HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
nla += b"\0" * (-len(nla) % 4)
family = struct.unpack("H", request(sk, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, nla)[CTRL_ATTR_FAMILY_ID])[0]
st = request(sk, family, CREDSSP_CMD_GET_STATUS)
helper = st[A_HELPER][0] if A_HELPER in st else -1
pid = struct.unpack("I", st[A_HELPER_PID])[0] if A_HELPER_PID in st else -1
print(helper, pid)
PY
}

# status_is HELPER [PID]: GET_STATUS reports that (PID checked when given).
status_is() {
	local s
	s=$(genl_status) || return 1
	set -- "$1" "${2:-}" $s
	[ "$3" = "$1" ] || { echo "HELPER is $3, want $1"; return 1; }
	[ -z "$2" ] || [ "$4" = "$2" ] || { echo "HELPER_PID is $4, want $2"; return 1; }
}

# wait_status HELPER [PID]: up to 60 s (a sanitized daemon under TCG starts slowly).
wait_status() {
	local _
	for _ in {1..300}; do
		status_is "$@" >/dev/null 2>&1 && return 0
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	status_is "$@"
}

# start CONF LOG: run the daemon in the background, pid in $pid.
start() {
	"$daemon" -F -c "$1" >"$2" 2>&1 &
	pid=$!
}

# stop SIGNAL: signal the daemon and wait for it; its exit status in $stopped.
stop() {
	kill -"$1" "$pid"
	wait "$pid"
	stopped=$?
	pid=
}

status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# caps_none PID: effective, permitted, bounding, inheritable and ambient
# sets empty (HELPER_NEXT and HELPER_DONE need no capability); no new privs.
caps_none() {
	local f
	for f in CapEff CapPrm CapBnd CapInh CapAmb; do
		[ "$(status_field "$1" $f)" = 0000000000000000 ] ||
			{ echo "$f $(status_field "$1" $f)"; return 1; }
	done
	[ "$(status_field "$1" NoNewPrivs)" = 1 ] || { echo "NoNewPrivs not set"; return 1; }
}

# thread_caps_bad PID: "TASK FIELD=VALUE" for each thread whose CapEff or
# CapPrm is not 0 (capabilities are per thread).
thread_caps_bad() {
	local t
	for t in /proc/"$1"/task/*; do
		awk -v t="${t##*/}" '($1 == "CapEff:" || $1 == "CapPrm:") &&
			$2 != "0000000000000000" { printf " %s %s%s", t, $1, $2 }' \
			"$t/status" 2>/dev/null
	done
}

# every_thread_caps PID: the workers too.
every_thread_caps() {
	local t n=0 bad
	bad=$(thread_caps_bad "$1")
	[ -z "$bad" ] || { echo "capabilities:$bad"; return 1; }
	for t in /proc/"$1"/task/*; do
		n=$((n + 1))
	done
	# main thread + 2 workers at least
	[ $n -ge 3 ] || { echo "$n threads"; return 1; }
}

# caps_while_clients PID: three clients authenticate one after the other
# (socket mode, SEC_E_OK through PID) while every thread of PID is sampled
# every 50 ms: CapEff and CapPrm stay 0 throughout.
caps_while_clients() {
	local cpid rc=0 samples=0 bad= b i
	[ -x "$client" ] || { echo "no $client (make sock)"; return 1; }
	(
		for i in 1 2 3; do
			timeout 120 "$client" >"$tmp/client$i.out" 2>&1 || exit 1
		done
	) &
	cpid=$!
	while kill -0 "$cpid" 2>/dev/null; do
		b=$(thread_caps_bad "$1")
		bad=$bad$b
		samples=$((samples + 1))
		sleep 0.05
	done
	wait "$cpid" || rc=$?
	[ $rc -eq 0 ] || { echo "a client failed:"; tail -n 5 "$tmp"/client*.out; return 1; }
	grep -q 'SEC_E_OK' "$tmp/client3.out" || { cat "$tmp/client3.out"; return 1; }
	[ -z "$bad" ] || { echo "capabilities:$bad"; return 1; }
	[ $samples -ge 3 ] || { echo "$samples samples"; return 1; }
	echo "# $samples samples of every thread while 3 clients authenticated"
}

uid_is() {
	set -- "$2" $(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$1/status")
	[ "$2 $3 $4 $5" = "$1 $1 $1 $1" ] || { echo "Uid: $2 $3 $4 $5, want $1"; return 1; }
}

no_sanitizer_report() {
	! grep -E 'Sanitizer|runtime error' "$1"
}

# ---- set-up: a throwaway server credential and NTLM user -----------------
chmod 755 "$tmp"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-days 2 -subj /CN=credsspd-suite >/dev/null 2>&1
"$repo/tests/lib/ntlm-users.sh" hash "$tmp/ntlm-users" CONTOSO alice 'Passw0rd!'
chmod 644 "$tmp/ntlm-users"
cat >"$tmp/credsspd.conf" <<EOF2
# credsspd suite
certificate = $tmp/cert.pem
key = $tmp/key.pem
ntlm_user_file = $tmp/ntlm-users
workers = 2
debug = yes
EOF2
sed 's/^workers = 2$/workers = 65/' "$tmp/credsspd.conf" >"$tmp/bad.conf"

tap_check "credsspd -t accepts the configuration" "$daemon" -t -c "$tmp/credsspd.conf"
bad_config() {
	local out rc=0
	out=$("$daemon" -t -c "$tmp/bad.conf" 2>&1) || rc=$?
	[ $rc -eq 1 ] || { echo "exit $rc"; return 1; }
	echo "$out" | grep -qF "$tmp/bad.conf:5: workers: expected an integer from 1 to 64" ||
		{ echo "$out"; return 1; }
}
tap_check "credsspd -t: a bad value fails with file:line" bad_config

tap_check "no helper before start" status_is 0

# ---- first instance -----------------------------------------------------
start "$tmp/credsspd.conf" "$tmp/log1"
pid1=$pid
tap_check "credsspd registers: GET_STATUS HELPER=1, HELPER_PID=its pid" wait_status 1 "$pid1"
tap_check "no capability left (effective, permitted, bounding, inheritable, ambient), NoNewPrivs" \
	caps_none "$pid1"
tap_check "every thread: CapEff=CapPrm=0" every_thread_caps "$pid1"
tap_check "every thread: CapEff=CapPrm=0 while clients authenticate (SEC_E_OK)" \
	caps_while_clients "$pid1"

second_refused() {
	local out rc=0
	out=$(timeout 60 "$daemon" -F -c "$tmp/credsspd.conf" 2>&1) || rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] || { echo "exit $rc: $out"; return 1; }
	echo "$out" | grep -q "another helper is already registered" || { echo "$out"; return 1; }
}
tap_check "a second instance exits non-zero with the EBUSY message" second_refused
tap_check "the first instance still serves" status_is 1 "$pid1"

sighup() {
	kill -HUP "$pid1" && sleep 1 && kill -0 "$pid1" &&
		grep -q "SIGHUP: reloading is not supported" "$tmp/log1"
}
tap_check "SIGHUP is logged and does not stop it" sighup

stop TERM
tap_result $([ "$stopped" -eq 0 ]; echo $?) "SIGTERM: exit status 0" "exit $stopped; $(cat "$tmp/log1")"
tap_check "no helper after SIGTERM" status_is 0
tap_check "no sanitizer report from the first instance" no_sanitizer_report "$tmp/log1"

# ---- restart, then SIGINT ------------------------------------------------
start "$tmp/credsspd.conf" "$tmp/log2"
tap_check "a restarted credsspd registers again" wait_status 1 "$pid"
stop INT
tap_result $([ "$stopped" -eq 0 ]; echo $?) "SIGINT: exit status 0" "exit $stopped; $(cat "$tmp/log2")"
tap_check "no helper after SIGINT" status_is 0
tap_check "no sanitizer report from the restarted instance" no_sanitizer_report "$tmp/log2"

# ---- user = nobody --------------------------------------------------------
# Leak checking cannot run after a uid change (the process is no longer
# dumpable, LeakSanitizer cannot trace it): off for this instance only.
nobody_uid=$(id -u nobody 2>/dev/null)
if [ -n "$nobody_uid" ]; then
	sed 's/^workers = 2$/workers = 2\nuser = nobody/' "$tmp/credsspd.conf" >"$tmp/user.conf"
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 start "$tmp/user.conf" "$tmp/log3"
	tap_check "user = nobody: registers" wait_status 1 "$pid"
	tap_check "user = nobody: runs as nobody" uid_is "$pid" "$nobody_uid"
	tap_check "user = nobody: no capability" caps_none "$pid"
	stop TERM
	tap_result $([ "$stopped" -eq 0 ]; echo $?) "user = nobody: SIGTERM, exit status 0" \
		"exit $stopped; $(cat "$tmp/log3")"
	tap_check "no helper at the end" status_is 0
else
	tap_result 1 "user nobody exists in the guest"
fi

# ---- named credentials for unprivileged services (the access model) ------
# [credential web]: its own certificate, granted to uid 4001 and gid 4100.
# Unprivileged sock_client servers (setpriv drops every capability) acquire
# it by name and authenticate a real client with its certificate; others,
# and the granted user inside a user namespace, are refused.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/web.key" -out "$tmp/web.pem" \
	-days 2 -subj /CN=credsspd-suite-web >/dev/null 2>&1
cat "$tmp/credsspd.conf" - >"$tmp/named.conf" <<EOF2
[credential web]
certificate = $tmp/web.pem
key = $tmp/web.key
allow_users = 4001
allow_groups = 4100
EOF2
sed 's/^allow_users = 4001$/allow_users = no-such-user-kcs/' "$tmp/named.conf" >"$tmp/nouser.conf"
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'; }
web_fp=$(fp "$tmp/web.pem")
default_fp=$(fp "$tmp/cert.pem")

named_check() {
	local out
	out=$("$daemon" -t -c "$tmp/named.conf" 2>&1) || { echo "$out"; return 1; }
	echo "$out" | grep -qF "credential web: $tmp/web.pem; users 4001(4001); groups 4100(4100)" ||
		{ echo "$out"; return 1; }
}
tap_check "credsspd -t lists the named credential and who may acquire it" named_check
nouser_check() {
	local out rc=0
	out=$("$daemon" -t -c "$tmp/nouser.conf" 2>&1) || rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -qF "[credential web]: allow_users: no user 'no-such-user-kcs'" ||
		{ echo "exit $rc: $out"; return 1; }
}
tap_check "credsspd -t: an unknown user in allow_users fails closed" nouser_check

# as UID GID GROUPS CMD...: CMD with those ids and no capability at all.
as() {
	local uid=$1 gid=$2 groups=--clear-groups
	[ -z "$3" ] || groups=--groups=$3
	shift 3
	setpriv --reuid "$uid" --regid "$gid" "$groups" --inh-caps=-all --bounding-set=-all -- "$@"
}
# client_is OUT RESULT [FINGERPRINT] [MESSAGE]
client_is() {
	grep -qx "result=$2" "$1" &&
		{ [ -z "${3:-}" ] || grep -qx "server_cert=$3" "$1"; } &&
		{ [ -z "${4:-}" ] || grep -qF "$4" "$1"; } || { cat "$1"; return 1; }
}
granted_user() {
	as 4001 4001 "" timeout 120 "$client" --cred web >"$tmp/g1.out" 2>&1
	client_is "$tmp/g1.out" ok "$web_fp"
}
granted_group() {
	as 4002 4002 4100 timeout 120 "$client" --cred web >"$tmp/g2.out" 2>&1
	client_is "$tmp/g2.out" ok "$web_fp"
}
other_user() {
	as 4003 4003 "" timeout 120 "$client" --cred web >"$tmp/g3.out" 2>&1
	client_is "$tmp/g3.out" FAILED "" "server_status=SEC_E_NO_CREDENTIALS" &&
		client_is "$tmp/g3.out" FAILED "" "needs CAP_NET_ADMIN or a credential granted"
}
no_name() {
	as 4001 4001 "" timeout 120 "$client" >"$tmp/g4.out" 2>&1
	client_is "$tmp/g4.out" FAILED "" "name a credential granted to you"
}
in_userns() {
	as 4001 4001 "" unshare --user --map-root-user timeout 120 "$client" --cred web \
		>"$tmp/g5.out" 2>&1
	client_is "$tmp/g5.out" FAILED "" "server_status=SEC_E_NO_CREDENTIALS"
}
admin_default() {
	timeout 120 "$client" >"$tmp/g6.out" 2>&1
	client_is "$tmp/g6.out" ok "$default_fp"
}
# The capability checks the clients' processes make, seen by a kprobe event
# on cap_capable(), where every capable() variant ends (Debian's kernels
# have kprobe events; the debug kernels built here do not, and this suite
# runs on Debian's): CAP_NET_ADMIN (12) checks without CAP_OPT_NOAUDIT (2)
# in their options, by sock_client. An LSM confining a service that holds
# the capability logs each such check it refuses, so a granted caller must
# make none (credssp_nl_granted() asks the grant first); a caller refused
# anyway makes one, which also shows that the probe sees them.
tracefs=/sys/kernel/tracing
# audited_net_admin OUT CMD...: CMD (its output in OUT) under the probe;
# the trace in $tmp/cap.trace, the count of those checks in
# $tmp/audited.count (the event's filter keeps CAP_NET_ADMIN's only).
audited_net_admin() {
	local rc=0 ev=$tracefs/events/kprobes/kcs_cap
	echo 'p:kprobes/kcs_cap cap_capable cap=$arg3:s32 opts=$arg4:u32' \
		>>"$tracefs/kprobe_events" || return 1
	echo 0 >"$tracefs/tracing_on"
	: >"$tracefs/trace"
	echo 'cap == 12' >"$ev/filter"
	echo 1 >"$tracefs/options/stacktrace"
	echo 1 >"$ev/enable"
	echo 1 >"$tracefs/tracing_on"
	"${@:2}" >"$1" 2>&1 || rc=$?
	echo 0 >"$ev/enable"
	echo 0 >"$tracefs/options/stacktrace"
	cp "$tracefs/trace" "$tmp/cap.trace"
	awk '$1 ~ /^sock_client-/ && / kcs_cap: / {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^cap=/) c = substr($i, 5)
			if ($i ~ /^opts=/) o = substr($i, 6)
		}
		if (c == 12 && int(o / 2) % 2 == 0) n++
	} END { print n + 0 }' "$tmp/cap.trace" >"$tmp/audited.count"
	echo '-:kprobes/kcs_cap' >>"$tracefs/kprobe_events"
	return $rc
}
quiet_grant() {
	local granted refused
	mountpoint -q "$tracefs" || mount -t tracefs nodev "$tracefs" ||
		{ echo "no tracefs"; return 1; }
	audited_net_admin "$tmp/q1.out" as 4001 4001 "" timeout 120 "$client" --cred web
	granted=$(cat "$tmp/audited.count")
	cp "$tmp/cap.trace" "$tmp/cap.granted"
	client_is "$tmp/q1.out" ok "$web_fp" || return 1
	audited_net_admin "$tmp/q2.out" as 4003 4003 "" timeout 120 "$client" --cred web
	refused=$(cat "$tmp/audited.count")
	client_is "$tmp/q2.out" FAILED "" "server_status=SEC_E_NO_CREDENTIALS" || return 1
	echo "# audited CAP_NET_ADMIN checks: granted uid 4001 $granted, refused uid 4003 $refused"
	[ "$granted" = 0 ] && [ "$refused" -ge 1 ] ||
		{ grep -v '^#' "$tmp/cap.granted" | head -n 60; return 1; }
}
start "$tmp/named.conf" "$tmp/log4"
tap_check "named credentials: registers" wait_status 1 "$pid"
tap_check "uid 4001 (granted, no capability) authenticates a client with web's certificate" \
	granted_user
tap_check "uid 4001's commands make no audited CAP_NET_ADMIN check (an LSM would log a denial at each); uid 4003's refused one does" \
	quiet_grant
tap_check "uid 4002 in group 4100 (granted) authenticates with web's certificate" granted_group
tap_check "uid 4003 (nothing granted) is refused: SEC_E_NO_CREDENTIALS and why" other_user
tap_check "uid 4001 without a credential name is refused (the default is the admin's)" no_name
tap_check "uid 4001 as root of its own user namespace is refused" in_userns
tap_check "root still gets the default credential's certificate" admin_default
stop TERM
tap_result $([ "$stopped" -eq 0 ]; echo $?) "named credentials: SIGTERM, exit status 0" \
	"exit $stopped; $(cat "$tmp/log4")"
tap_check "no sanitizer report from the named-credentials instance" no_sanitizer_report "$tmp/log4"
after_helper() {
	as 4001 4001 "" timeout 120 "$client" --cred web >"$tmp/g7.out" 2>&1
	client_is "$tmp/g7.out" FAILED "" "server_status=SEC_E_NO_CREDENTIALS"
}
tap_check "with the helper gone, so are its grants" after_helper

tap_done
