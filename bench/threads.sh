#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/threads.sh [-n N] [-r ROUNDS] [-t "1 2 4 8"] [-w WORKERS] [-b BUILD] [-f FRONT]
#
# N threads accepting at once through one sspi.h session (issue 13, item 7),
# in Debian's own 6.12 guest (QEMU TCG): BUILD/sspi_front --threads T, whose
# threads all call AcceptSecurityContext & co. through libcredssp's one
# process-wide session, serves N complete CredSSP authentications (NTLM,
# TLS 1.3 TLS_AES_128_GCM_SHA256, TSRequest v6) of the project's client,
# BUILD/bench/ktls_client --rdp (X.224 first, OpenSSL + GSSAPI NTLM, one
# process per authentication), T clients at once (xargs -P T), through this
# tree's credssp.ko (built for Debian's 6.12: make module KDIR=...) and
# BUILD/credsspd with WORKERS workers. For each T it prints
#
#   auth/s   authentications that reached SEC_E_OK / the batch's wall time
#            (first client started to the listener's exit)
#   ratio    auth/s against T = 1 of the same round set
#   median / p90  the clients' connect-to-close time per authentication
#
# and one RESULT line per T. Rounds alternate the order of the T values
# (ascending, then descending), after one unmeasured authentication.
# Not a test: it measures and prints (bench/README, "threads").
#
#   -n N        authentications per T and round (default 16)
#   -r ROUNDS   rounds (default 1)
#   -t LIST     thread counts (default "1 2 4 8")
#   -w WORKERS  credsspd workers (default 4)
#   -b BUILD    build directory (default build/bench-accept: make bench-threads)
#   -f FRONT    the listener binary (default BUILD/sspi_front), e.g. one
#               linked with another libcredssp to compare
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
n=16
rounds=1
list="1 2 4 8"
workers=4
build=build/bench-accept
front=
guest=0
moddir=

usage() { sed -n '4,32p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
	case "$1" in
	-n) n=${2:?}; shift 2 ;;
	-r) rounds=${2:?}; shift 2 ;;
	-t) list=${2:?}; shift 2 ;;
	-w) workers=${2:?}; shift 2 ;;
	-b) build=${2:?}; shift 2 ;;
	-f) front=${2:?}; shift 2 ;;
	--in-guest) guest=1; shift ;;
	--moddir) moddir=${2:?}; shift 2 ;;
	-h|--help) usage 0 ;;
	*) echo "threads.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
cd "$repo" || exit 2
b=$repo/$build
front=${front:-$b/sspi_front}
if [ -z "${moddir:-}" ]; then # on the host: Debian's headers are cached there
	kdir=$(scripts/debian-kernel.sh --kdir 6.12 2>/dev/null) || kdir=/nonexistent
	moddir=$repo/build/kmod-kdir$(tr / - <<<"$kdir")/kmod
fi
for f in "$moddir/credssp.ko" "$b/credsspd" "$b/credsspctl" "$front" "$b/bench/ktls_client"; do
	[ -e "$f" ] || { echo "threads.sh: no $f (make bench-threads builds them)" >&2; exit 2; }
done
[[ $n =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ ]] || usage

if [ $guest = 0 ]; then
	limit=$((300 + n * rounds * $(wc -w <<<"$list") * 6))
	exec scripts/vm.sh --kernel 6.12 --debian --timeout "$limit" -- \
		"$here/threads.sh" --in-guest -n "$n" -r "$rounds" -t "$list" -w "$workers" \
		-b "$build" -f "$front" --moddir "$moddir"
fi

tmp=$(mktemp -d /tmp/threads-bench.XXXXXX) || { echo "threads.sh: mktemp failed" >&2; exit 2; }
helper=
cleanup() {
	[ -z "$helper" ] || kill "$helper" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
die() {
	echo "threads.sh: $*" >&2
	exit 1
}
now() { date +%s%N; }

# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_credsspd "$moddir/credssp.ko" "$b" "$repo" "$workers"

# batch T COUNT TAG: COUNT authentications, T threads and T clients at once.
batch() {
	local t=$1 count=$2 tag=$3 d=$tmp/run port t0 t1 ok
	rm -rf "$d"
	mkdir -p "$d"
	"$front" --host 127.0.0.1 --port 0 --port-file "$d/port" --count "$count" \
		--threads "$t" --timeout $((120 + count * 30)) --result "$d/result" \
		>"$d/listener.log" 2>&1 &
	local lpid=$!
	for _ in $(seq 300); do
		[ -s "$d/port" ] && break
		sleep 0.05
	done
	[ -s "$d/port" ] || die "the listener did not start: $(cat "$d/listener.log")"
	port=$(cat "$d/port")
	export port d b
	t0=$(now)
	# shellcheck disable=SC2016 # expanded by sh -c, from the environment
	seq "$count" | xargs -P "$t" -I{} sh -c \
		'"$b/bench/ktls_client" --rdp --port "$port" >"$d/client.{}" 2>&1'
	wait "$lpid"
	t1=$(now)
	ok=$(grep -c '^status=SEC_E_OK$' "$d/result" 2>/dev/null)
	[ "$ok" = "$count" ] || {
		echo "threads.sh: T=$t: $ok of $count authentications reached SEC_E_OK" >&2
		grep -E '^(status|io)=' "$d/result" | grep -v SEC_E_OK | sort | uniq -c | head -5 >&2
	}
	[ "$tag" = warm ] && return
	echo "$t $(((t1 - t0) / 1000)) $ok" >>"$tmp/batch"
	sed -n "s/^closed elapsed_ms=//p" "$d"/client.* >>"$tmp/lat.$t"
}

echo "# threads benchmark: $(git -C "$repo" describe --always --dirty 2>/dev/null)," \
	"$(basename "$front"), $(uname -r), $(nproc) vCPUs (QEMU TCG)," \
	"credsspd workers=$workers, N=$n per thread count and round, $rounds round(s)"
batch 1 1 warm
: >"$tmp/batch"
for r in $(seq "$rounds"); do
	order=$list
	[ $((r % 2)) = 0 ] && order=$(tr ' ' '\n' <<<"$list" | tac | xargs)
	for t in $order; do
		batch "$t" "$n" measured
		echo "round $r T=$t: $(tail -n 1 "$tmp/batch" | awk '{ printf "wall %.1f s, %d ok", $2 / 1e6, $3 }')"
	done
done

echo
printf '%-7s %6s %9s %8s %8s %10s %10s\n' threads auths "wall s" "auth/s" ratio "median ms" "p90 ms"
base=$(awk -v t="$(awk '{print $1; exit}' <<<"$list")" '$1 == t { w += $2; ok += $3 } END { if (w) printf "%.6f", ok / (w / 1e6) }' "$tmp/batch")
for t in $list; do
	awk -v t="$t" -v base="$base" -v med="$(pct 50 <"$tmp/lat.$t")" -v p90="$(pct 90 <"$tmp/lat.$t")" '
		$1 == t { w += $2; ok += $3 }
		END { r = ok / (w / 1e6); printf "%-7d %6d %9.1f %8.3f %8.2f %10.0f %10.0f\n", t, ok, w / 1e6, r,
			base ? r / base : 0, med, p90 }' "$tmp/batch"
done
for t in $list; do
	awk -v t="$t" -v base="$base" '$1 == t { w += $2; ok += $3 }
		END { r = ok / (w / 1e6); printf "RESULT threads=%d auths=%d rate=%.4f ratio=%.3f\n", t, ok, r, base ? r / base : 0 }' \
		"$tmp/batch"
done
kill "$helper"
wait "$helper" 2>/dev/null
helper=
grep -E 'Sanitizer|runtime error' "$tmp/credsspd.log" >&2
exit 0
