#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/ktls.sh MODDIR: the kTLS throughput benchmarks, run INSIDE the guest
# (`make bench-ktls` boots the plain 6.12 kernel with scripts/vm.sh, `make
# bench-relay` Debian's own 6.12). Not a test: it measures and prints, in
# one guest run, the transports of KTLS_BENCH_MODES (build/bench/ktls_bench
# --mode), by default
#
#   openssl        a userspace OpenSSL TLS server: SSL_write() of 64 KiB
#   ktls-send      CredSSP through credssp.ko + credsspd, KTLS_ATTACH, then
#                  send() of 64 KiB buffers (the kernel encrypts)
#   ktls-sendfile  the same, then sendfile() of a tmpfs file
#   speed          `openssl speed -evp aes-128-gcm -bytes 16384`: the
#                  cipher alone, one core, as the limit
#
# or, KTLS_BENCH_MODES="relay-openssl relay-splice relay-copy" (make
# bench-relay), credssp-rdpd's post-authentication relay between the client
# and a backend on a unix socket against a userspace OpenSSL relay (see
# bench/ktls_bench.c), in each direction of KTLS_BENCH_DIRS (default "down
# up": backend to client, client to backend).
#
# All TLS 1.3 TLS_AES_128_GCM_SHA256 (version and cipher configurable:
# KTLS_BENCH_TLS, KTLS_BENCH_CIPHER), KTLS_BENCH_BYTES (default 32 MiB),
# KTLS_BENCH_ROUNDS rounds (default 3) of the transports interleaved. The
# client is the same OpenSSL program (build/bench/ktls_client --bench,
# SSL_read of 64 KiB, SSL_write of 40000 bytes) in every case; its receive
# rate (first to last byte) is the throughput, or the backend's for
# relays upward; the server's own CPU time per byte shows what the server
# saves. Prints the medians and the ratios to the first transport. Under
# TCG the absolute numbers mean little; the ratios are the result (see
# bench/README). KTLS_BENCH_BUILD: the build directory (default build).
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
moddir=${1:?usage: bench/ktls.sh MODDIR}
bytes=${KTLS_BENCH_BYTES:-33554432}
rounds=${KTLS_BENCH_ROUNDS:-3}
tls=${KTLS_BENCH_TLS:-1.3}
cipher=${KTLS_BENCH_CIPHER:-TLS_AES_128_GCM_SHA256}
speed_alg=${KTLS_BENCH_SPEED:-aes-128-gcm}
modes=${KTLS_BENCH_MODES:-openssl ktls-send ktls-sendfile}
build=$repo/${KTLS_BENCH_BUILD:-build}
case $modes in
relay-*) dirs=${KTLS_BENCH_DIRS:-down up} ;;
*) dirs=down ;;
esac
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

# On a kernel with modules (Debian's), the x86 ciphers: udev loads
# aesni_intel at boot for a CPU that has AES-NI, this guest has no udev, and
# without it kTLS's gcm(aes) is gcm_base(ctr(aes-generic),...), AES in C;
# the x86_64 ChaCha20 and Poly1305 likewise, for TLS_CHACHA20_POLY1305_SHA256.
for m in aesni_intel ghash_clmulni_intel chacha_x86_64 poly1305_x86_64; do
	modprobe -q "$m" 2>/dev/null
done
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
"$build/credsspd" -F -c "$tmp/credsspd.conf" >"$tmp/credsspd.log" 2>&1 &
helper=$!
for _ in $(seq 600); do
	"$build/credsspctl" -j status 2>/dev/null | grep -q '"helper": 1' && break
	sleep 0.1
done
head -c "$bytes" /dev/urandom >"$tmp/data" || die "cannot write the tmpfs file"

# run MODE DIR: one transfer (DIR down: server to client); prints "RATE SERVER_CPU"
run() {
	local mode=$1 dir=$2 d=$tmp/run port _ extra=() plain=() rate
	local io=(--send 0 --recv "$bytes")
	rm -rf "$d"
	mkdir -p "$d"
	case $mode in
	openssl | relay-openssl) extra=(--cert "$tmp/cert.pem" --key "$tmp/key.pem" --tls "$tls" --cipher "$cipher") ;;
	ktls-sendfile) extra=(--file "$tmp/data") ;;
	esac
	case $mode in openssl | relay-openssl) plain=(--plain) ;; esac
	[ "$dir" = up ] && io=(--send "$bytes" --recv 0)
	"$build/bench/ktls_bench" --mode "$mode" --dir "$dir" --port-file "$d/port" --bytes "$bytes" \
		"${extra[@]}" >"$d/server.out" 2>"$d/server.err" &
	local spid=$!
	for _ in $(seq 300); do
		[ -s "$d/port" ] && break
		sleep 0.05
	done
	port=$(cat "$d/port")
	# a failed transfer is reported and left out of the medians
	if ! "$build/bench/ktls_client" --port "$port" --tls "$tls" --cipher "$cipher" "${io[@]}" \
		--bench "${plain[@]}" >"$d/client.out" 2>"$d/client.err"; then
		kill "$spid" 2>/dev/null
		wait "$spid"
		echo "$mode $dir: client: $(cat "$d/client.err"); server: $(cat "$d/server.err")" >&2
		echo fail
		return
	fi
	wait "$spid" || { echo "$mode $dir: server: $(cat "$d/server.err")" >&2; echo fail; return; }
	rate=$(sed -n 's/^rate=\([0-9.]*\).*/\1/p' "$d/client.out")
	[ "$dir" = up ] && rate=$(sed -n 's/^backend_rate=\([0-9.]*\).*/\1/p' "$d/server.out")
	echo "$rate" "$(sed -n 's/^server_cpu=\([0-9.]*\).*/\1/p' "$d/server.out")"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mbps() { awk -v r="$1" 'BEGIN { printf "%.2f", r / 1048576 }'; }

echo "# kTLS benchmark: $(uname -r), $(nproc) vCPUs (QEMU TCG), TLS $tls $cipher," \
	"$((bytes / 1048576)) MiB, $rounds rounds, directions: $dirs"
for r in $(seq "$rounds"); do
	for dir in $dirs; do
		for m in $modes; do
			read -r rate cpu < <(run "$m" "$dir") || die "$m $dir failed"
			[ "$rate" = fail ] && { echo "round $r $m $dir: FAILED"; continue; }
			set -- "$rate" "$cpu"
			echo "round $r $m $dir: $(mbps "$1") MiB/s at the receiver, server CPU $2 s"
			echo "$1" >>"$tmp/rate.$m.$dir"
			echo "$2" >>"$tmp/cpu.$m.$dir"
		done
	done
done
speed=$(openssl speed -evp "$speed_alg" -bytes 16384 -seconds 3 2>/dev/null |
	awk 'END { v = $NF; sub(/k$/, "", v); print v * 1000 }')
echo "openssl speed -evp $speed_alg (16 KiB blocks, one core): $(mbps "$speed") MiB/s"
# the AEAD kTLS got: the highest priority of its name in /proc/crypto
aead='gcm(aes)'
case $cipher in *CHACHA*) aead='rfc7539(chacha20,poly1305)' ;; esac
echo "# the kernel's $aead: $(awk -v a="$aead" '/^name/ { n = $3 } /^driver/ { d = $3 }
	/^priority/ && n == a { print $3, d }' /proc/crypto | sort -n | tail -n 1 | awk '{ print $2 }')"
echo "# kernel modules: $(lsmod 2>/dev/null | awk 'NR > 1 && /tls|aes|gcm|ghash|chacha|poly/ { printf "%s ", $1 }')"

first=${modes%% *}
for dir in $dirs; do
	echo
	[ "$dirs" = down ] || echo "direction $dir ($([ "$dir" = down ] && echo "backend/server to client" || echo "client to backend"))"
	printf '%-14s %12s %16s %14s %14s %14s\n' transport "MiB/s" "server CPU ns/B" "vs $first" \
		"CPU vs $first" "vs speed"
	base=$(median <"$tmp/rate.$first.$dir")
	basecpu=$(median <"$tmp/cpu.$first.$dir")
	for m in $modes; do
		if [ ! -s "$tmp/rate.$m.$dir" ] || [ ! -s "$tmp/rate.$first.$dir" ]; then
			printf '%-14s no successful round (or none of %s)\n' "$m" "$first"
			continue
		fi
		rate=$(median <"$tmp/rate.$m.$dir")
		cpu=$(median <"$tmp/cpu.$m.$dir")
		awk -v m="$m" -v r="$rate" -v c="$cpu" -v b="$bytes" -v base="$base" -v bc="$basecpu" \
			-v s="$speed" 'BEGIN { printf "%-14s %12.2f %16.2f %14.2f %14.2f %14.2f\n", m, r / 1048576, c * 1e9 / b, r / base, c / bc, r / s }'
	done
done
kill "$helper"
wait "$helper" 2>/dev/null
helper=
