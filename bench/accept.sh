#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/accept.sh [-n N] [-r ROUNDS] [-w WORKERS] [-b BUILD] [-m MODES] TREE
#
# The accept paths of credssp.ko + credsspd, in the plain 6.12 guest (QEMU
# TCG): N complete CredSSP authentications per mode and round, NTLM, TLS 1.3
# TLS_AES_128_GCM_SHA256, TSRequest v6, each a new TCP connection of the
# project's OpenSSL + GSSAPI CredSSP client (tests/ktls/ktls_client.c,
# BUILD/bench/ktls_client), against
#
#   token   BUILD/sspi_front: AcceptSecurityContext through libcredssp's
#           SSPI header, token mode (CREDSSP_CMD_ACCEPT per message)
#   socket  BUILD/credssp-gate: credssp_accept_socket(), socket mode
#           (CREDSSP_CMD_ACCEPT_SOCKET: the kernel reads the records)
#   tls     the baseline: a bare TLS 1.3 handshake by one userspace process,
#           `openssl s_server` (same certificate, suite and group, no
#           session tickets, as credsspd), the client with --plain; no
#           CredSSP, no kernel module, no helper
#
# the first two long-lived listeners (--count) of TREE's libcredssp, with
# TREE's credssp.ko and credsspd. Both speak X.224 first; the client does
# not, so a small relay in the guest (python3) sends the Connection Request
# (PROTOCOL_HYBRID), eats the Confirm, then copies bytes both ways, and
# times each connection from the client's connect to the listener's close.
# The relay is in the tls mode's path too, without the X.224 exchange.
# Not a test: it measures and prints. Per mode it reports
#
#   auth/s     N / the batch's wall time (client start-up included)
#   median/p90 wall time per authentication (the relay's time: connect to
#              the listener's close, after its post-SEC_E_OK queries)
#   credsspd   CPU time of the helper per authentication (/proc/PID/stat)
#   listener   CPU time of sspi_front / credssp-gate per authentication
#   kernel     system + irq + softirq time of the whole guest per
#              authentication (/proc/stat; also the clients' kernel time)
#   total      all busy CPU time of the guest per authentication
#
# Rounds alternate the order of the modes (token first on odd rounds),
# after one unmeasured warm-up authentication per mode. The absolute TCG
# times mean little: compare trees by ratios, alternating runs of the old
# and the new tree (bench/README).
#
# TREE is a checkout whose binaries are built (make BUILD=build/bench-accept
# SAN= module credsspd lib build/bench-accept/sspi_front gates
# build/bench-accept/bench/ktls_client KVER=6.12, or `make bench-accept`).
# Run on the host, the script boots the guest with this repository's
# scripts/vm.sh and runs itself there.
#
#   -n N        authentications per mode and round (default 50)
#   -r ROUNDS   rounds (default 1)
#   -w WORKERS  credsspd workers (default 2, as the guest suites)
#   -b BUILD    the build directory, relative to TREE (default
#               build/bench-accept)
#   -m MODES    "token socket tls" (default), or some of them
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
n=50
rounds=1
workers=2
build=build/bench-accept
modes="token socket tls"
guest=0

usage() { sed -n '4,54p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
	case "$1" in
	-n) n=${2:?}; shift 2 ;;
	-r) rounds=${2:?}; shift 2 ;;
	-w) workers=${2:?}; shift 2 ;;
	-b) build=${2:?}; shift 2 ;;
	-m) modes=${2:?}; shift 2 ;;
	--in-guest) guest=1; shift ;;
	-h|--help) usage 0 ;;
	-*) echo "accept.sh: unknown option '$1'" >&2; usage ;;
	*) break ;;
	esac
done
[ $# = 1 ] || usage
tree=$(realpath "$1")
b=$tree/$build
for f in kmod-6.12/kmod/credssp.ko credsspd credsspctl sspi_front credssp-gate bench/ktls_client; do
	[ -e "$b/$f" ] || { echo "accept.sh: no $b/$f (build TREE first, see --help)" >&2; exit 2; }
done
[[ $n =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ ]] || usage

if [ $guest = 0 ]; then
	# About 2-4 s per authentication under TCG, with room to spare.
	limit=$((300 + n * rounds * $(wc -w <<<"$modes") * 8))
	KCREDSSP_BENCH_DESC=$(git -C "$tree" describe --always --dirty 2>/dev/null || echo '?')
	export KCREDSSP_BENCH_DESC
	exec "$repo/scripts/vm.sh" --kernel 6.12 --timeout "$limit" -- \
		"$here/accept.sh" --in-guest -n "$n" -r "$rounds" -w "$workers" -b "$build" \
		-m "$modes" "$tree"
fi

py=/usr/bin/python3 # the guest's /root (pyenv) is a tmpfs
tmp=$(mktemp -d /tmp/accept-bench.XXXXXX)
helper=
relay=
cleanup() {
	[ -z "$relay" ] || kill "$relay" 2>/dev/null
	[ -z "$helper" ] || kill "$helper" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
die() {
	echo "accept.sh: $*" >&2
	exit 1
}

# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_credsspd "$b/kmod-6.12/kmod/credssp.ko" "$b" "$tree" "$workers"

# The X.224 relay: listens on RELAY_PORT_FILE's port; per client, connects
# to the port in UPSTREAM_FILE, sends an X.224 Connection Request for
# PROTOCOL_SSL | PROTOCOL_HYBRID, checks the Confirm (RDP_NEG_RSP), then
# copies both ways; appends the seconds from accept() to the upstream's EOF.
# "PORT raw" in UPSTREAM_FILE: no X.224 exchange (the tls mode).
cat >"$tmp/relay.py" <<'PY'
import os, select, socket, sys, time
port_file, up_file, times_file = sys.argv[1:4]
CR = bytes.fromhex("03000013" "0ee00000000000" "0100080003000000")
def exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise OSError("short X.224 confirm")
        b += d
    return b
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(8)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
while True:
    c, _ = ls.accept()
    t0 = time.monotonic()
    t1 = None
    try:
        with open(up_file) as f:
            up = f.read().split()
        u = socket.create_connection(("127.0.0.1", int(up[0])))
        for s in (c, u):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if up[1:] != ["raw"]:
            u.sendall(CR)
            h = exact(u, 4)
            cc = exact(u, (h[2] << 8 | h[3]) - 4)
            if len(cc) != 15 or cc[7] != 2:
                raise OSError("no RDP_NEG_RSP")
        peer = {c: u, u: c}
        live = [c, u]
        while live:
            r, _, _ = select.select(live, [], [], 600)
            if not r:
                break
            for s in r:
                try:
                    d = s.recv(65536)
                except OSError:  # a reset is an end too
                    d = b""
                if d:
                    try:
                        peer[s].sendall(d)
                    except OSError:
                        pass
                    continue
                if s is u and t1 is None:
                    t1 = time.monotonic()
                try:
                    peer[s].shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                live.remove(s)
        u.close()
    except OSError as e:
        print("relay:", e, file=sys.stderr, flush=True)
    c.close()
    with open(times_file, "a") as f:
        f.write("%.6f\n" % ((t1 or time.monotonic()) - t0) if t1 else "fail\n")
PY
: >"$tmp/upstream"
"$py" "$tmp/relay.py" "$tmp/relay-port" "$tmp/upstream" "$tmp/conn-times" \
	>"$tmp/relay.log" 2>&1 &
relay=$!
for _ in $(seq 300); do
	[ -s "$tmp/relay-port" ] && break
	sleep 0.1
done
[ -s "$tmp/relay-port" ] || die "relay did not start: $(cat "$tmp/relay.log")"
rport=$(cat "$tmp/relay-port")

hz=$(getconf CLK_TCK)
now() { date +%s%N; }
# free_port: a TCP port nobody listens on (the kernel's pick, released)
free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_listen PORT: until a socket listens on 127.0.0.1:PORT (15 s), seen
# in /proc/net/tcp: a test connection would be one of s_server's -naccept
wait_listen() {
	local _ hex
	hex=$(printf '0100007F:%04X' "$1")
	for _ in $(seq 150); do
		awk -v a="$hex" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp && return 0
		sleep 0.1
	done
	return 1
}

# batch MODE COUNT TAG: COUNT authentications through MODE's listener;
# appends the per-connection times to $tmp/times.MODE (unless TAG is warm)
# and one "WALL HELPER LISTENER KERNEL TOTAL OK" line (seconds) to
# $tmp/batch.MODE
batch() {
	local mode=$1 count=$2 tag=$3 d=$tmp/run bin lpid i t0 t1 h0 h1 k0 k1 a0 a1 ok lcpu
	local plain=() port=
	rm -rf "$d"
	mkdir -p "$d"
	case $mode in
	token) bin=$b/sspi_front ;;
	socket) bin=$b/credssp-gate ;;
	tls) plain=(--plain) ;;
	*) die "unknown mode $mode" ;;
	esac
	# The listener in a subshell whose `times` gives its CPU time (s_server's
	# port picked outside it: python's start-up is not the listener's).
	[ "$mode" != tls ] || port=$(free_port)
	(
		if [ "$mode" = tls ]; then
			echo "$port raw" >"$d/port"
			openssl s_server -accept "127.0.0.1:$port" \
				-cert "$tmp/cert.pem" -key "$tmp/key.pem" -tls1_3 \
				-ciphersuites TLS_AES_128_GCM_SHA256 -num_tickets 0 -naccept "$count" \
				-quiet </dev/null >"$d/listener.log" 2>&1
		else
			"$bin" --host 127.0.0.1 --port 0 --port-file "$d/port" --count "$count" \
				--timeout $((120 + count * 60)) --result "$d/result" >"$d/listener.log" 2>&1
		fi
		rc=$?
		times >"$d/times"
		exit $rc
	) &
	lpid=$!
	for _ in $(seq 300); do
		[ -s "$d/port" ] && break
		sleep 0.05
	done
	[ -s "$d/port" ] || die "$mode: the listener did not start: $(cat "$d/listener.log")"
	cp "$d/port" "$tmp/upstream"
	[ "$mode" != tls ] || wait_listen "$(cut -d' ' -f1 "$d/port")" ||
		die "tls: openssl s_server did not listen: $(cat "$d/listener.log")"
	: >"$tmp/conn-times"
	h0=$(proc_cpu "$helper")
	read -r k0 a0 _ <<<"$(guest_cpu)"
	t0=$(now)
	for i in $(seq "$count"); do
		"$b/bench/ktls_client" --port "$rport" "${plain[@]}" --send 16 --recv 0 >"$d/client.$i" 2>&1
	done
	wait "$lpid"
	t1=$(now)
	read -r k1 a1 _ <<<"$(guest_cpu)"
	h1=$(proc_cpu "$helper")
	if [ "$mode" = tls ]; then
		ok=$(grep -l '^result=ok$' "$d"/client.* 2>/dev/null | wc -l)
	else
		ok=$(grep -c '^status=SEC_E_OK$' "$d/result" 2>/dev/null)
	fi
	[ "$ok" = "$count" ] || {
		echo "accept.sh: $mode: $ok of $count authentications reached SEC_E_OK" >&2
		grep -v '^status=SEC_E_OK$' "$d/result" | grep -E '^(status|error|io)=' | sort |
			uniq -c | head -5 >&2
		tail -3 "$d/client.$count" >&2
	}
	# times: "0m0.01s 0m0.00s" (the subshell), then its children's user and system
	lcpu=$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } print s }' "$d/times")
	[ "$tag" = warm ] && return
	grep -v fail "$tmp/conn-times" >>"$tmp/times.$mode"
	awk -v w="$(((t1 - t0) / 1000))" -v h=$((h1 - h0)) -v l="$lcpu" -v k=$((k1 - k0)) \
		-v a=$((a1 - a0)) -v hz="$hz" -v ok="$ok" \
		'BEGIN { printf "%.6f %.4f %.4f %.4f %.4f %d\n", w / 1e6, h / hz, l, k / hz, a / hz, ok }' \
		>>"$tmp/batch.$mode"
}

echo "# accept benchmark: $tree (${KCREDSSP_BENCH_DESC:-?})," \
	"$(uname -r), $(nproc) vCPUs (QEMU TCG), credsspd workers=$workers," \
	"N=$n per mode and round, $rounds round(s), NTLM, TLS 1.3"
for m in $modes; do
	batch "$m" 1 warm
done
for r in $(seq "$rounds"); do
	order=$modes
	[ $((r % 2)) = 0 ] && order=$(tr ' ' '\n' <<<"$modes" | tac | xargs)
	for m in $order; do
		batch "$m" "$n" measured
		echo "round $r $m: $(tail -n 1 "$tmp/batch.$m" | awk '{ printf "wall %.1f s, %d ok", $1, $6 }')"
	done
done

echo
printf '%-7s %6s %8s %9s %9s %11s %11s %11s %11s\n' mode auths "auth/s" "median ms" "p90 ms" \
	"credsspd ms" "listener ms" "kernel ms" "total ms"
for m in $modes; do
	med=$(pct 50 <"$tmp/times.$m")
	p90=$(pct 90 <"$tmp/times.$m")
	awk -v m="$m" -v med="$med" -v p90="$p90" '
		{ w += $1; h += $2; l += $3; k += $4; a += $5; ok += $6 }
		END { printf "%-7s %6d %8.3f %9.1f %9.1f %11.1f %11.1f %11.1f %11.1f\n", m, ok, ok / w,
			med * 1e3, p90 * 1e3, h * 1e3 / ok, l * 1e3 / ok, k * 1e3 / ok, a * 1e3 / ok }' \
		"$tmp/batch.$m"
done
# The whole path against the bare handshake (issue 15's goal: 1.3x).
if [[ " $modes " = *" tls "* ]]; then
	for m in $modes; do
		[ "$m" = tls ] && continue
		awk -v m="$m" 'FNR == 1 { f++ } { w[f] += $1; a[f] += $5; ok[f] += $6 }
			END { printf "%s against tls: total CPU per authentication %.2fx, authentications per second %.2fx\n",
				m, (a[1] / ok[1]) / (a[2] / ok[2]), (ok[1] / w[1]) / (ok[2] / w[2]) }' \
			"$tmp/batch.$m" "$tmp/batch.tls"
	done
fi
# One machine-readable line per mode, for comparing trees.
for m in $modes; do
	awk -v m="$m" -v med="$(pct 50 <"$tmp/times.$m")" -v p90="$(pct 90 <"$tmp/times.$m")" '
		{ w += $1; h += $2; l += $3; k += $4; a += $5; ok += $6 }
		END { printf "RESULT mode=%s auths=%d rate=%.4f median=%.4f p90=%.4f helper=%.4f listener=%.4f kernel=%.4f total=%.4f\n",
			m, ok, ok / w, med, p90, h / ok, l / ok, k / ok, a / ok }' "$tmp/batch.$m"
done
kill "$relay" 2>/dev/null
relay=
kill "$helper"
wait "$helper" 2>/dev/null
helper=
grep -E 'Sanitizer|runtime error' "$tmp/credsspd.log" >&2
exit 0
