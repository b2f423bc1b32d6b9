#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/suite-gates.sh: the RDP NLA gates (Documentation/gate.rst)
# under a flood of idle connections (TAP). Run by tests/guest/run.sh with the
# module loaded (MODDIR); loads it itself if it is not. Starts credsspd
# (sanitized) with a certificate and an NTLM user file, then for each gate,
# credssp_gate.ko (MODDIR/../samples/kgate), build/credssp-gate and the RDP
# NLA front build/credssp-rdpd (its backend absent: a client it
# authenticated ends at the backend's connect, which its audit line says):
#
#   flood     the gate with its default limits (64 connections, 4 per
#             source) and an X.224 deadline of 180 s, so that the attackers
#             hold their connections all along. The good client is the
#             project's real CredSSP client, build/ktls/ktls_client --rdp
#             (OpenSSL TLS 1.3, NTLM through MIT GSSAPI + gss-ntlmssp,
#             TSRequest v6, X.224 first, an MCS Connect-Initial after
#             authInfo), from 127.0.0.1: one warm-up, then three runs
#             alone; then 500 idle TCP connections from 127.0.0.2 (every
#             other one sends the first 6 bytes of a Connection Request and
#             stops), of which the gate must close 496 at accept
#             (REFUSED_SOURCE; credssp-rdpd: "max_per_source reached") and
#             hold 4; then three runs of the good client. Every run must
#             authenticate (the gate's record of its connection: SEC_E_OK,
#             MCS Connect-Initial read through kTLS; credssp-rdpd's audit
#             line: principal CONTOSO\alice, then the absent backend),
#             and the median of the three under the flood must be within
#             1000 ms of the median alone (each run's time: the client's,
#             from before connect() to the gate's close). The 4 attackers
#             must still be held at the end.
#   deadline  the gate with an X.224 deadline of 2 s: a client that sends
#             nothing, one that sends 6 bytes and stops, one that sends a
#             valid Connection Request a byte every 0.4 s: the gate closes
#             each 1.5 to 3.5 s after its connect, recorded as X224_TIMEOUT
#             (credssp-rdpd: its step_timeout of 2 s, "X.224 Connection
#             Request: TIMEOUT").
#
# Then no context may be left and credsspd must exit cleanly. Leaves the
# module loaded, no helper.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/lib/tap.sh"
. "$repo/tests/lib/guest.sh"
py=/usr/bin/python3 # the guest's /root (pyenv) is a tmpfs
attackers=500
slack_ms=1000
# credssp-gate and the client are built with ASan and UBSan.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=99:print_stacktrace=1}

tmp=$(mktemp -d /tmp/gates-suite.XXXXXX) || { echo "Bail out! mktemp failed"; exit 1; }
chmod 755 "$tmp"
helper=
ugate=
rdpd=
attack=
cleanup() {
	[ -z "$attack" ] || kill "$attack" 2>/dev/null
	[ -z "$ugate" ] || kill "$ugate" 2>/dev/null
	[ -z "$rdpd" ] || kill "$rdpd" 2>/dev/null
	grep -q '^credssp_gate ' /proc/modules && rmmod credssp_gate
	[ -z "$helper" ] || { kill "$helper" 2>/dev/null; wait "$helper" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT

grep -q '^credssp ' /proc/modules || insmod "${MODDIR:?}/credssp.ko"
kgate=${MODDIR:?}/../samples/kgate/credssp_gate.ko
client=$repo/build/ktls/ktls_client

setup_error=
for f in "$kgate" "$repo/build/credssp-gate" "$repo/build/credssp-rdpd" "$client"; do
	[ -e "$f" ] || setup_error="$setup_error${setup_error:+; }no $f"
done
if [ -z "$setup_error" ]; then
	ntlm_credsspd "$tmp" >"$tmp/setup.err" || setup_error=$(cat "$tmp/setup.err")
	helper=$credsspd_pid
fi
tap_result "$([ -z "$setup_error" ] && echo 0 || echo 1)" \
	"credsspd registered (certificate, NTLM user file); the gates, the front and the client built" \
	"$setup_error"

free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The gate's result blocks (the kernel gate's /proc lines as blocks, saved
# by stop_gate once it is unloaded).
records() {
	local proc=/proc/credssp_gate
	if [ "$gate" = kernel ]; then
		[ -e $proc ] || proc=$tmp/kernel.proc
		awk '{ print "conn=" $1; for (i = 2; i <= NF; i++) print $i; print "end=" $1 }' "$proc"
	else
		cat "$tmp/user.result"
	fi
}

# record PEER: the block of the connection from PEER (ADDR:PORT), one line
# (credssp-rdpd: its audit line).
record() {
	if [ "$gate" = rdpd ]; then
		grep -F "audit: peer=$1 " "$tmp/rdpd.log" | tail -n 1
		return
	fi
	records | awk -v p="peer=$1" '/^conn=/ { b = "" } { b = b " " $0 } $0 == p { f = 1 }
		/^end=/ && f { print b; exit }'
}

# start_gate X224_SECONDS: the current gate ($gate) on $port.
start_gate() {
	port=$(free_port)
	if [ "$gate" = rdpd ]; then
		# the X.224 read is one step: step_timeout is its deadline
		printf '%s\n' "listen = 127.0.0.1:$port" "backend = unix:$tmp/no-backend.socket" \
			"max_per_source = 4" "step_timeout = $1" "handshake_timeout = $(($1 * 2))" \
			"failed_logons = 100000" >"$tmp/rdpd.conf"
		: >"$tmp/rdpd.log"
		"$repo/build/credssp-rdpd" -c "$tmp/rdpd.conf" >>"$tmp/rdpd.log" 2>&1 &
		rdpd=$!
		for _ in {1..300}; do
			grep -q 'listening (' "$tmp/rdpd.log" && return 0
			kill -0 "$rdpd" 2>/dev/null || break
			sleep 0.1
		done
		echo "credssp-rdpd did not start: $(tail -n 5 "$tmp/rdpd.log")"
		return 1
	fi
	if [ "$gate" = kernel ]; then
		insmod "$kgate" port="$port" x224_timeout_ms=$(($1 * 1000)) 2>"$tmp/insmod.log" ||
			{ echo "insmod credssp_gate.ko: $(cat "$tmp/insmod.log")"; return 1; }
		return 0
	fi
	rm -f "$tmp/user.port" "$tmp/user.stop" "$tmp/user.result"
	"$repo/build/credssp-gate" --host 127.0.0.1 --port "$port" --port-file "$tmp/user.port" \
		--count 100000 --timeout 900 --x224-timeout "$1" --stop-file "$tmp/user.stop" \
		--result "$tmp/user.result" 2>>"$tmp/user.log" &
	ugate=$!
	for _ in {1..300}; do
		[ -s "$tmp/user.port" ] && return 0
		kill -0 "$ugate" 2>/dev/null || break
		sleep 0.1
	done
	echo "credssp-gate did not start: $(tail -n 5 "$tmp/user.log")"
	return 1
}

# stop_gate: its exit status (the kernel gate: rmmod's) to $gate_rc.
stop_gate() {
	gate_rc=0
	if [ "$gate" = rdpd ]; then
		kill -TERM "$rdpd"
		wait "$rdpd" || gate_rc=$?
		rdpd=
		return
	fi
	if [ "$gate" = kernel ]; then
		cat /proc/credssp_gate >"$tmp/kernel.proc"
		rmmod credssp_gate || gate_rc=$?
		dmesg | grep 'credssp_gate: stopped after' | tail -n 1 >"$tmp/kernel.stopped"
		return
	fi
	: >"$tmp/user.stop"
	wait "$ugate" || gate_rc=$?
	ugate=
}

# good: one run of the good client from 127.0.0.1; its time in ms to $ms,
# why it failed to $why (empty when it authenticated).
good() {
	local out=$tmp/good.out rc=0 lport rec
	ms=
	why=
	timeout -k 5 120 "$client" --port "$port" --rdp >"$out" 2>"$tmp/good.err" || rc=$?
	ms=$(sed -n 's/^closed elapsed_ms=\([0-9]*\)$/\1/p' "$out")
	lport=$(sed -n 's/^local_port=//p' "$out")
	[ "$rc" = 0 ] && grep -q '^result=ok$' "$out" && [ -n "$ms" ] ||
		{ why="client exit $rc: $(tail -n 5 "$tmp/good.err")"; return 1; }
	rec=$(record "127.0.0.1:$lport")
	if [ "$gate" = rdpd ]; then
		[[ $rec == *' principal="CONTOSO\alice" package=NTLM user=alice result=failed reason="backend unix: '* ]] ||
			{ why="credssp-rdpd's audit of 127.0.0.1:$lport: ${rec:-none}"; return 1; }
		return 0
	fi
	[[ " $rec " == *" status=SEC_E_OK "* && " $rec " == *" mcs=yes "* ]] ||
		{ why="the gate's record of 127.0.0.1:$lport: ${rec:-none}"; return 1; }
}

# runs N: N runs of the good client; their times to $times, the median to
# $median; failures to $why.
runs() {
	local i t=() w=
	for i in $(seq "$1"); do
		good || w="$w${w:+; }run $i: $why"
		t+=("${ms:-999999}")
	done
	times=${t[*]}
	median=$(printf '%s\n' "${t[@]}" | sort -n | sed -n "$((($1 + 1) / 2))p")
	why=$w
}

# The attacker: N connections from 127.0.0.2, every other one with the first
# 6 bytes of a Connection Request, then idle. Prints "ready open=K" once at
# most HOLD are still open (the gate closed the others) or after 120 s, and
# "end open=K" on SIGTERM.
cat >"$tmp/attack.py" <<'PY'
import signal, socket, sys, time
port, n, hold = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(n):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.connect(("127.0.0.1", port))
    if i % 2:
        s.send(bytes([3, 0, 0, 19, 14, 0xe0]))
    socks.append(s)
def still_open():
    k = 0
    for s in socks:
        try:
            k += s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
        except BlockingIOError:
            k += 1
        except OSError:
            pass
    return k
t0 = time.monotonic()
while still_open() > hold and time.monotonic() - t0 < 120:
    time.sleep(0.2)
print("ready open=%d" % still_open(), flush=True)
def end(*_):
    print("end open=%d" % still_open(), flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, end)
while True:
    signal.pause()
PY

flood() {
	local why_all= base base_times flooded ready ended refused
	if ! start_gate 180 >"$tmp/start.err"; then
		tap_result 1 "$gate gate: flood" "$(cat "$tmp/start.err")"
		return
	fi
	runs 1 # warm-up
	[ -z "$why" ] || why_all="warm-up: $why"
	runs 3
	base=$median base_times=$times
	[ -z "$why" ] || why_all="$why_all${why_all:+; }alone: $why"
	start_ready "$tmp/attack.out" 1200 "$py" "$tmp/attack.py" "$port" "$attackers" 4 >/dev/null
	attack=$holder
	ready=$(sed -n 's/^ready open=//p' "$tmp/attack.out")
	[ "$ready" = 4 ] ||
		why_all="$why_all${why_all:+; }the gate holds ${ready:-?} of $attackers connections from 127.0.0.2, want 4: $(tail -n 3 "$tmp/attack.out")"
	runs 3
	flooded=$median
	[ -z "$why" ] || why_all="$why_all${why_all:+; }under the flood: $why"
	kill "$attack"
	wait "$attack" 2>/dev/null
	attack=
	ended=$(sed -n 's/^end open=//p' "$tmp/attack.out")
	[ "$ended" = 4 ] ||
		why_all="$why_all${why_all:+; }${ended:-?} attackers held at the end, want 4"
	echo "# $gate gate: good client alone ${base} ms (median of $base_times), with $attackers" \
		"idle connections from 127.0.0.2 ${flooded} ms (median of $times)"
	[ "${flooded:-999999}" -le $((${base:-0} + slack_ms)) ] ||
		why_all="$why_all${why_all:+; }under the flood ${flooded} ms, alone ${base} ms: more than $slack_ms ms slower"
	stop_gate
	if [ "$gate" = kernel ]; then
		refused=$(sed -n 's/.* \([0-9]*\) refused (max_per_source)$/\1/p' "$tmp/kernel.stopped")
	elif [ "$gate" = rdpd ]; then
		refused=$(grep -c 'audit: peer=127\.0\.0\.2:[0-9]* .* result=refused reason="max_per_source reached"$' "$tmp/rdpd.log")
		[ "$gate_rc" = 0 ] || why_all="$why_all${why_all:+; }credssp-rdpd exit $gate_rc"
	else
		refused=$(grep -c '^status=REFUSED_SOURCE$' "$tmp/user.result")
		# the refused connections make credssp-gate exit 1
		[ "$gate_rc" = 1 ] || why_all="$why_all${why_all:+; }credssp-gate exit $gate_rc, want 1"
	fi
	[ "$refused" = $((attackers - 4)) ] ||
		why_all="$why_all${why_all:+; }${refused:-?} connections refused at accept, want $((attackers - 4))"
	[ "$gate_rc" = 0 ] || [ "$gate" = user ] || why_all="$why_all${why_all:+; }rmmod credssp_gate: $gate_rc"
	tap_result "$([ -z "$why_all" ] && echo 0 || echo 1)" \
		"$gate gate: $attackers idle connections from one source, 4 held, $((attackers - 4)) refused at accept; the good client from another authenticates within $slack_ms ms of its time alone" \
		"$why_all"
}

# The X.224 deadline: three slow clients, each timed from its connect to
# the gate's close.
cat >"$tmp/slow.py" <<'PY'
import select, socket, sys, time
port = int(sys.argv[1])
cr = bytes.fromhex("030000130ee000000000000100080003000000")
conns = []
for i, kind in enumerate(("silent", "six-bytes", "trickle")):
    s = socket.socket()
    s.bind(("127.0.0.%d" % (3 + i), 0))
    s.connect(("127.0.0.1", port))
    if kind == "six-bytes":
        s.send(cr[:6])
    conns.append([kind, s, time.monotonic(), None, 6 if kind == "six-bytes" else 0])
while any(c[3] is None for c in conns):
    now = time.monotonic()
    if now - min(c[2] for c in conns) > 20:
        break
    for c in conns:
        if c[0] == "trickle" and c[3] is None and c[4] < len(cr) and now - c[2] >= 0.4 * c[4]:
            try:
                c[1].send(cr[c[4]:c[4] + 1])
                c[4] += 1
            except OSError:
                pass
    r, _, _ = select.select([c[1] for c in conns if c[3] is None], [], [], 0.1)
    for c in conns:
        if c[1] in r:
            try:
                d = c[1].recv(64)
            except OSError:
                d = b""
            if not d:
                c[3] = time.monotonic()
for c in conns:
    ms = "none" if c[3] is None else "%d" % ((c[3] - c[2]) * 1000)
    print("%s peer=%s:%d closed_ms=%s sent=%d" % (c[0], *c[1].getsockname(), ms, c[4]))
PY

deadline() {
	local why_all= kind peer ms sent rec
	if ! start_gate 2 >"$tmp/start.err"; then
		tap_result 1 "$gate gate: X.224 deadline" "$(cat "$tmp/start.err")"
		return
	fi
	"$py" "$tmp/slow.py" "$port" >"$tmp/slow.out" 2>&1
	stop_gate
	[ "$gate" = kernel ] && [ "$gate_rc" != 0 ] && why_all="rmmod credssp_gate: $gate_rc"
	[ "$gate" = rdpd ] && [ "$gate_rc" != 0 ] && why_all="credssp-rdpd exit $gate_rc"
	while read -r kind peer ms sent; do
		peer=${peer#peer=} ms=${ms#closed_ms=}
		echo "# $gate gate: $kind client closed after $ms ms (${sent#sent=} bytes sent)"
		[[ $ms =~ ^[0-9]+$ ]] && [ "$ms" -ge 1500 ] && [ "$ms" -le 3500 ] ||
			why_all="$why_all${why_all:+; }$kind: closed after $ms ms, want 1500 to 3500"
	done <"$tmp/slow.out"
	[ "$(grep -c closed_ms "$tmp/slow.out")" = 3 ] || why_all="$why_all; $(cat "$tmp/slow.out")"
	for kind in silent six-bytes trickle; do
		peer=$(sed -n "s/^$kind peer=\([^ ]*\) .*/\1/p" "$tmp/slow.out")
		rec=$(record "$peer")
		if [ "$gate" = rdpd ]; then
			[[ $rec == *' result=failed reason="X.224 Connection Request: TIMEOUT"'* ]] ||
				why_all="$why_all${why_all:+; }$kind: credssp-rdpd's audit ${rec:-none}, want an X.224 TIMEOUT"
			continue
		fi
		[[ " $rec " == *" status=X224_TIMEOUT "* ]] ||
			why_all="$why_all${why_all:+; }$kind: the gate's record ${rec:-none}, want status=X224_TIMEOUT"
	done
	tap_result "$([ -z "$why_all" ] && echo 0 || echo 1)" \
		"$gate gate: X.224 deadline 2 s: silent, 6 bytes, a byte every 0.4 s: closed in 1.5 to 3.5 s, X224_TIMEOUT" \
		"${why_all#; }"
}

for gate in ${KCREDSSP_GATES:-kernel user rdpd}; do
	if [ -n "$setup_error" ]; then
		tap_result 1 "$gate gate: flood" "setup: $setup_error"
		tap_result 1 "$gate gate: X.224 deadline" "setup: $setup_error"
		continue
	fi
	flood
	deadline
done

tap_check "no context left" no_contexts
tap_check "no sanitizer report from credssp-gate or credssp-rdpd" \
	sh -c "! grep -E 'Sanitizer|runtime error' '$tmp/user.log' '$tmp/rdpd.log'"

if [ -n "$helper" ]; then
	credsspd_stop_tap "$helper" "$tmp/credsspd.log"
	helper=
fi
tap_done
