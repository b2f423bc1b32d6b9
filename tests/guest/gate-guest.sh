#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/gate-guest.sh MODDIR DIR PORT [GATES]: the guest half of
# tests/guest/gate-interop.sh and of scripts/demo.sh. Loads credssp.ko
# (MODDIR/kmod) and starts credsspd with DIR/credsspd.conf, then serves the
# RDP NLA gates of GATES (default "kernel user"), one after the other, on
# 0.0.0.0:PORT (the host reaches it through QEMU's port forward). Before
# the host's clients, each gate answers Connection Requests of several
# shapes (DIR/x224-<gate>.txt: the RDP_NEG_* part of each Confirm), unless
# KCREDSSP_GATE_PROBE=0. KCREDSSP_GATE_WAIT: seconds to wait for the host
# (900).
#
#   kernel  insmod MODDIR/samples/kgate/credssp_gate.ko port=PORT; writes
#           DIR/port-kernel once it listens and keeps DIR/results-kernel up
#           to date: /proc/credssp_gate as one key=value block per
#           connection (conn=N ... end=N). Once DIR/stop-kernel exists it
#           saves DIR/kernel-proc.txt, DIR/kernel-contexts.txt (credsspctl
#           contexts, with the contexts the gate keeps), DIR/kernel-keys.txt
#           (keyctl show of the .credssp keyring), opens one more
#           connection that stalls inside its first TLS record, rmmod
#           credssp_gate (its time in ms to DIR/kernel-rmmod-ms, its kernel
#           messages to DIR/kernel-dmesg.txt) and saves
#           DIR/kernel-contexts-after.json (none may be left) and
#           DIR/kernel-proc-keys-after.txt (/proc/keys).
#   user    build/credssp-gate (libcredssp's socket mode), result blocks in
#           DIR/results-user; DIR/port-user once it listens; stops once
#           DIR/stop-user exists.
#
# Then saves `credsspctl -j stats` to DIR/stats.json, stops credsspd and
# unloads credssp.ko. Exit: 0, 2 setup failed, 3 an rmmod failed; each
# gate's own status goes to DIR/<gate>.rc.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib/guest.sh"
moddir=$1 dir=$2 port=$3 gates=${4:-kernel user}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=99:print_stacktrace=1}
wait_s=${KCREDSSP_GATE_WAIT:-900}
probe=${KCREDSSP_GATE_PROBE:-1}

# The acceptor reads the realm configuration the host side wrote.
[ -f "$dir/kdc/krb5.conf" ] && export KRB5_CONFIG=$dir/kdc/krb5.conf
export KRB5RCACHEDIR=$dir
insmod "$moddir/kmod/credssp.ko" || exit 2
start_credsspd "$dir/credsspd.conf" "$dir/credsspd.log"
helper=${credsspd_pid:?}
rc=0

# /proc/credssp_gate lines as result blocks, written atomically.
proc_blocks() {
	awk '{ print "conn=" $1; for (i = 2; i <= NF; i++) { sub(/^tls=/, "tls_version=", $i); print $i }
	       print "end=" $1 }' /proc/credssp_gate >"$dir/results-kernel.tmp" 2>/dev/null &&
		mv "$dir/results-kernel.tmp" "$dir/results-kernel"
}

keyring_show() {
	local serial
	serial=$(awk '$9 == ".credssp:" { print $1; exit }' /proc/keys)
	if [ -n "$serial" ]; then
		keyctl show "0x$serial"
	else
		echo "no .credssp keyring in /proc/keys"
	fi
}

# x224_probe GATE RECORDS PATTERN: Connection Requests of several shapes;
# the Connection Confirm of each (its RDP_NEG_* part, hex) to
# DIR/x224-GATE.txt. Each probe waits until the gate has recorded the one
# before (one more line of RECORDS matching PATTERN): the gates serve at
# most 4 connections at once from one address.
x224_probe() {
	/usr/bin/python3 - "$port" "$2" "$3" >"$dir/x224-$1.txt" 2>&1 <<'PY'
import re, socket, sys, time
def records():
    try:
        return sum(1 for l in open(sys.argv[2]) if re.match(sys.argv[3], l))
    except OSError:
        return 0
def cr(neg):
    x = bytes([0xe0, 0, 0, 0, 0, 0]) + b"Cookie: mstshash=alice\r\n" + neg
    return bytes([3, 0]) + (5 + len(x)).to_bytes(2, "big") + bytes([len(x)]) + x
def neg(flags, proto):
    return bytes([1, flags, 8, 0]) + proto.to_bytes(4, "little")
corr = bytes([6, 0, 0x24, 0]) + bytes(range(1, 17)) + bytes(16)
for name, req in (("hybrid", cr(neg(0, 3))),
                  ("restricted_admin", cr(neg(1, 11))),
                  ("correlation_info", cr(neg(8, 3) + corr)),
                  ("tls_only", cr(neg(0, 1))),
                  ("no_neg_req", cr(b""))):
    before = records()
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
    s.sendall(req)
    r = b""
    while len(r) < 19:
        d = s.recv(19 - len(r))
        if not d:
            break
        r += d
    print(name, r[11:].hex())
    s.close()
    t0 = time.monotonic()
    while records() <= before and time.monotonic() - t0 < 30:
        time.sleep(0.05)
PY
}

gate_kernel() {
	if ! insmod "$moddir/samples/kgate/credssp_gate.ko" port="$port" 2>"$dir/kernel-insmod.log"; then
		echo 2 >"$dir/kernel.rc"
		return 2
	fi
	: >"$dir/results-kernel"
	if [ "$probe" = 1 ]; then
		x224_probe kernel /proc/credssp_gate .
		# The host counts records from here: wait until the probes are in.
		for _ in {1..100}; do
			[ "$(grep -c . /proc/credssp_gate)" -ge 5 ] && break
			sleep 0.1
		done
		proc_blocks
	fi
	echo "$port" >"$dir/port-kernel"
	for _ in $(seq $((wait_s * 5))); do
		proc_blocks
		[ -e "$dir/stop-kernel" ] && break
		sleep 0.2
	done
	proc_blocks
	cat /proc/credssp_gate >"$dir/kernel-proc.txt"
	"$repo/build/credsspctl" contexts >"$dir/kernel-contexts.txt" 2>&1
	"$repo/build/credsspctl" -j contexts >"$dir/kernel-contexts.json" 2>&1
	keyring_show >"$dir/kernel-keys.txt" 2>&1
	# A client stalled inside its first TLS record: rmmod must cancel its
	# socket-mode accept (credssp_accept_sock_cancel) without waiting for
	# the handshake deadline.
	/usr/bin/python3 - "$port" >"$dir/kernel-stall.log" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
x = bytes([0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0])
s.sendall(bytes([3, 0, 0, 5 + len(x), len(x)]) + x)
print("confirm", s.recv(19).hex(), flush=True)
s.sendall(bytes([0x16, 3, 1, 0, 100]))  # a record header; its body never comes
time.sleep(120)
PY
	stall=$!
	for _ in {1..100}; do
		grep -q '^confirm' "$dir/kernel-stall.log" && break
		sleep 0.1
	done
	sleep 1
	t0=$(date +%s%N)
	if ! rmmod credssp_gate; then
		echo 3 >"$dir/kernel.rc"
		kill "$stall"
		return 3
	fi
	echo $((($(date +%s%N) - t0) / 1000000)) >"$dir/kernel-rmmod-ms"
	dmesg | grep 'credssp_gate: ' >"$dir/kernel-dmesg.txt"
	kill "$stall"
	wait "$stall" 2>/dev/null
	"$repo/build/credsspctl" -j contexts >"$dir/kernel-contexts-after.json" 2>&1
	cat /proc/keys >"$dir/kernel-proc-keys-after.txt"
	echo 0 >"$dir/kernel.rc"
}

gate_user() {
	local r=0 g
	"$repo/build/credssp-gate" --host 0.0.0.0 --port "$port" --port-file "$dir/port-user.tmp" \
		--count 100 --stop-file "$dir/stop-user" --timeout "$wait_s" \
		--result "$dir/results-user" 2>"$dir/user-gate.log" &
	g=$!
	for _ in {1..100}; do
		[ -s "$dir/port-user.tmp" ] && break
		sleep 0.1
	done
	if [ "$probe" = 1 ]; then
		x224_probe user "$dir/results-user" '^end=' 
		for _ in {1..100}; do
			[ "$(grep -c '^end=' "$dir/results-user" 2>/dev/null)" -ge 5 ] && break
			sleep 0.1
		done
	fi
	mv "$dir/port-user.tmp" "$dir/port-user"
	wait "$g" || r=$?
	echo "$r" >"$dir/user.rc"
	"$repo/build/credsspctl" -j contexts >"$dir/user-contexts-after.json" 2>&1
}

for g in $gates; do
	case $g in
	kernel) gate_kernel || rc=$? ;;
	user) gate_user ;;
	*) echo "gate-guest: unknown gate $g" >&2; rc=2 ;;
	esac
done
"$repo/build/credsspctl" -j stats >"$dir/stats.json" 2>&1
kill "$helper"
wait "$helper"
echo "credsspd exit $?" >>"$dir/credsspd.log"
rmmod credssp || rc=3
exit $rc
