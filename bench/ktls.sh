#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/ktls.sh MODDIR: the kTLS throughput benchmark, run INSIDE the guest
# (`make bench-ktls` boots the plain 6.12 kernel with scripts/vm.sh). Not a
# test: it measures and prints, in one guest run,
#
#   openssl        a userspace OpenSSL TLS server: SSL_write() of 64 KiB
#   ktls-send      CredSSP through credssp.ko + credsspd, KTLS_ATTACH, then
#                  send() of 64 KiB buffers (the kernel encrypts)
#   ktls-sendfile  the same, then sendfile() of a tmpfs file
#   speed          `openssl speed -evp aes-128-gcm -bytes 16384`: the
#                  cipher alone, one core, as the limit
#
# all TLS 1.3 TLS_AES_128_GCM_SHA256 (version and cipher configurable:
# KTLS_BENCH_TLS, KTLS_BENCH_CIPHER), KTLS_BENCH_BYTES (default 32 MiB)
# server to client, KTLS_BENCH_ROUNDS rounds (default 3) of the three
# transports interleaved. The client is the same OpenSSL program
# (build/bench/ktls_client --bench, SSL_read of 64 KiB) in every case; its
# receive rate (first to last byte) is the throughput, and the server's own
# CPU time per byte shows what the server saves. Prints the medians and the
# ratios. Under TCG the absolute numbers mean little; the ratios are the
# result (see bench/README).
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
moddir=${1:?usage: bench/ktls.sh MODDIR}
bytes=${KTLS_BENCH_BYTES:-33554432}
rounds=${KTLS_BENCH_ROUNDS:-3}
tls=${KTLS_BENCH_TLS:-1.3}
cipher=${KTLS_BENCH_CIPHER:-TLS_AES_128_GCM_SHA256}
speed_alg=${KTLS_BENCH_SPEED:-aes-128-gcm}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

tmp=$(mktemp -d /tmp/ktls-bench.XXXXXX)
helper=
cleanup() {
	[ -z "$helper" ] || kill "$helper" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
die() {
	echo "ktls.sh: $*" >&2
	exit 1
}

grep -q '^credssp ' /proc/modules || insmod "$moddir/credssp.ko" || die "insmod failed"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || die "openssl req failed"
"$repo/tests/lib/ntlm-users.sh" hash "$tmp/ntlm-users" CONTOSO alice 'Passw0rd!' || die "user file"
cat >"$tmp/credsspd.conf" <<CONF
certificate = $tmp/cert.pem
key = $tmp/key.pem
ntlm_user_file = $tmp/ntlm-users
workers = 1
log = stderr
CONF
"$repo/build/credsspd" -F -c "$tmp/credsspd.conf" >"$tmp/credsspd.log" 2>&1 &
helper=$!
for _ in $(seq 600); do
	"$repo/build/credsspctl" -j status 2>/dev/null | grep -q '"helper": 1' && break
	sleep 0.1
done
head -c "$bytes" /dev/urandom >"$tmp/data" || die "cannot write the tmpfs file"

# run MODE: one transfer; prints "RATE SERVER_CPU"
run() {
	local mode=$1 d=$tmp/run port _ extra=() plain=()
	rm -rf "$d"
	mkdir -p "$d"
	case $mode in
	openssl) extra=(--cert "$tmp/cert.pem" --key "$tmp/key.pem" --tls "$tls" --cipher "$cipher") ;;
	ktls-sendfile) extra=(--file "$tmp/data") ;;
	esac
	[ "$mode" = openssl ] && plain=(--plain)
	"$repo/build/bench/ktls_bench" --mode "$mode" --port-file "$d/port" --bytes "$bytes" \
		"${extra[@]}" >"$d/server.out" 2>"$d/server.err" &
	local spid=$!
	for _ in $(seq 300); do
		[ -s "$d/port" ] && break
		sleep 0.05
	done
	port=$(cat "$d/port")
	"$repo/build/bench/ktls_client" --port "$port" --tls "$tls" --cipher "$cipher" --send 0 \
		--recv "$bytes" --bench "${plain[@]}" \
		>"$d/client.out" 2>"$d/client.err" || die "$mode: client: $(cat "$d/client.err")"
	wait "$spid" || die "$mode: server: $(cat "$d/server.err")"
	echo "$(sed -n 's/^rate=\([0-9.]*\).*/\1/p' "$d/client.out")" \
		"$(sed -n 's/^server_cpu=\([0-9.]*\).*/\1/p' "$d/server.out")"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mbps() { awk -v r="$1" 'BEGIN { printf "%.2f", r / 1048576 }'; }

echo "# kTLS benchmark: $(uname -r), $(nproc) vCPUs (QEMU TCG), TLS $tls $cipher," \
	"$((bytes / 1048576)) MiB server to client, $rounds rounds"
modes="openssl ktls-send ktls-sendfile"
for r in $(seq "$rounds"); do
	for m in $modes; do
		read -r rate cpu < <(run "$m") || die "$m failed"
		set -- "$rate" "$cpu"
		echo "round $r $m: $(mbps "$1") MiB/s at the client, server CPU $2 s"
		echo "$1" >>"$tmp/rate.$m"
		echo "$2" >>"$tmp/cpu.$m"
	done
done
speed=$(openssl speed -evp "$speed_alg" -bytes 16384 -seconds 3 2>/dev/null |
	awk 'END { v = $NF; sub(/k$/, "", v); print v * 1000 }')
echo "openssl speed -evp $speed_alg (16 KiB blocks, one core): $(mbps "$speed") MiB/s"
echo
printf '%-14s %12s %16s %14s %14s\n' transport "MiB/s" "server CPU ns/B" "vs openssl" "vs speed"
base=$(median <"$tmp/rate.openssl")
for m in $modes; do
	rate=$(median <"$tmp/rate.$m")
	cpu=$(median <"$tmp/cpu.$m")
	awk -v m="$m" -v r="$rate" -v c="$cpu" -v b="$bytes" -v base="$base" -v s="$speed" \
		'BEGIN { printf "%-14s %12.2f %16.2f %14.2f %14.2f\n", m, r / 1048576, c * 1e9 / b, r / base, r / s }'
done
kill "$helper"
wait "$helper" 2>/dev/null
helper=
