#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/peers.sh [-n "C:N ..."] [-r ROUNDS] [-w WORKERS] [-b BUILD] [-s "SERVERS"]
#
# Issue 15, items 1 and 5: kcredssp against FreeRDP's own server, as RDP
# NLA servers, in one run of Debian's own 6.12 kernel image (QEMU TCG,
# scripts/vm.sh --debian). Authentications per second and server CPU per
# authentication at concurrency C (default 1, 8 and 64) of
#
#   socket   BUILD/credssp-gate: credssp_accept_socket(), socket mode (the
#            kernel reads the records, installs kTLS), one child process
#            per connection; --max-conns 64, --max-per-source 0 (every
#            client comes from QEMU's 10.0.2.2)
#   token    BUILD/sspi_front --threads C: AcceptSecurityContext through
#            lib/sspi.h, token mode
#   shadow2  freerdp-shadow-cli (FreeRDP 2, Debian's freerdp2-shadow-x11),
#            x11 subsystem on an Xvfb in the guest, /sec:nla /sam-file:
#   shadow3  freerdp-shadow-cli3 (FreeRDP 3, bookworm-backports'
#            freerdp3-shadow-x11), the same
#
# socket and token run with this tree's credssp.ko (built against Debian's
# headers) and BUILD/credsspd (WORKERS workers, default 4; bench/lib.sh:
# RSA-2048 self-signed certificate, NTLM user file with CONTOSO\alice).
# The shadow servers get the same certificate and key (copied to
# $XDG_CONFIG_HOME/freerdp/shadow/shadow.crt and shadow.key, where both
# versions look: neither has a /cert: option) and a WinPR SAM file with
# the NT hash of the same user file ("alice:CONTOSO::NTHASH:::").
#
# The client, the same for every server: xfreerdp (FreeRDP 2) on the host,
# under Xvfb (it needs a display even with +auth-only), through QEMU's port
# forwards, /u:alice /d:CONTOSO /p:Passw0rd! /sec:nla /cert:ignore
# +auth-only, NTLM (an empty krb5.conf, no KDC); one process per
# authentication, C at once (xargs -P C), N per batch (default 1:2 8:8
# 64:64). The client logs its connection states (WLOG_FILTER=
# com.freerdp.core.connection:DEBUG) through a small wrapper ($it_dir/nla.py)
# that counts the authentication when the client moves from
# CONNECTION_STATE_NLA to CONNECTION_STATE_MCS_CONNECT (the server's
# pubKeyAuth verified, authInfo sent; a wrong password never gets there).
# With +auth-only FreeRDP's client would go on to MCS, licensing,
# capabilities and finalization, which the shadow servers serve and our
# listeners do not (they close after the client's MCS Connect-Initial):
# the wrapper kills the client as soon as a shadow server has answered the
# Connect-Initial ("--> CONNECTION_STATE_MCS_ATTACH_USER"), so every server
# does X.224, TLS, CredSSP and reads one MCS Connect-Initial. (Killing it
# right after authInfo would end socket mode in SEC_E_INTERNAL_ERROR: kTLS
# cannot be installed on a connection the client has already closed.)
# A client that does not get there is a failure, counted and reported with
# its last error line, never dropped. The server's own count is printed
# too (srv_ok: SEC_E_OK result blocks of the listener; for shadow2 its
# "SEC_I_COMPLETE_NEEDED" log lines, the NTLM accept done; shadow3 logs
# nothing per authentication at its default level: "-").
#
# Per batch, the guest starts the server, waits until it listens, and takes
# its CPU counters; the host runs the clients; the guest then waits until
# the listener has served N connections (socket, token) and takes them
# again. Per authentication (authentications the client saw succeed):
#
#   auth/s   ok / the batch's wall time on the host (first client started
#            to the last one's exit)
#   proc     the server's processes, utime + stime from /proc/PID/stat (all
#            threads): credsspd + the listener and its children (socket,
#            token); freerdp-shadow-cli (shadow2, shadow3)
#   kthr     the guest's kworker threads (workqueues: socket mode's worker
#            and the asynchronous ACCEPT calls run there), utime + stime of
#            those alive at both ends of the batch
#   irq      the guest's irq + softirq time (/proc/stat: the network stack)
#   server   proc + kthr + irq, the same sum for every server
#   net      server less the server's idle rate (ms per s, from its idle
#            batch) times the batch's wall time: what the authentications
#            added (the shadow servers capture their screen all the time)
#   busy     all busy time of the guest (/proc/stat: user nice system irq
#            softirq steal): also Xvfb (the shadow servers' screen, 320x240),
#            other kernel work and this script's loop in the guest
#   xvfb     the guest's Xvfb, utime + stime (not in server)
#
# proc and kthr are the scheduler's run time of the tasks; irq and busy
# are /proc/stat's tick counts, which lose ticks under TCG when the host
# is busy: the two do not add up, but each is taken alike for every server.
#
# Before the rounds, each server once idle for 10 s (its CPU per second
# with no client) and one unmeasured authentication. ROUNDS (default 2)
# rounds; a round runs every C, ascending on odd rounds and descending on
# even ones, and for each C every server, in the order of SERVERS on odd
# rounds and reversed on even ones. Prints every batch, then per server
# and C the medians over the rounds and the ratios of auth/s and of server
# CPU per authentication to shadow2 and shadow3 at the same C, and one
# RESULT line per server and C (bench/plot.py draws them). Not a test: it
# measures and prints (bench/README, "peers").
#
#   -n SPEC     "C:N ..." concurrencies and authentications per batch
#   -r ROUNDS   rounds (default 2)
#   -w WORKERS  credsspd workers (default 4)
#   -b BUILD    build directory, relative to the repository (default
#               build/bench-accept; `make bench-peers` builds it)
#   -s SERVERS  a subset of "socket token shadow2 shadow3", in that order
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
spec="1:2 8:8 64:64"
rounds=2
workers=4
build=build/bench-accept
servers="socket token shadow2 shadow3"
guest=0

usage() { sed -n '4,96p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
	case "$1" in
	-n) spec=${2:?}; shift 2 ;;
	-r) rounds=${2:?}; shift 2 ;;
	-w) workers=${2:?}; shift 2 ;;
	-b) build=${2:?}; shift 2 ;;
	-s) servers=${2:?}; shift 2 ;;
	--in-guest) guest=1; shift; break ;;
	-h | --help) usage 0 ;;
	*) echo "peers.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
[[ $rounds =~ ^[1-9][0-9]*$ && $workers =~ ^[1-9][0-9]*$ ]] || usage
for cn in $spec; do
	if ! [[ $cn =~ ^[1-9][0-9]*:[1-9][0-9]*$ ]] || [ "${cn%%:*}" -gt 64 ]; then
		echo "peers.sh: bad -n entry '$cn' (C:N, C at most 64)" >&2
		usage
	fi
done
for s in $servers; do
	case $s in socket | token | shadow2 | shadow3) ;; *) echo "peers.sh: unknown server '$s'" >&2; usage ;; esac
done
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
hz=$(getconf CLK_TCK)

# ---- in the guest: credsspd, Xvfb, and one server per batch on request ----
# Requests come from the host through the shared directory DIR: cmd.K
# ("SERVER N C"), answered by ready.K (listening, counters taken), then
# done.K from the host (its clients are finished), answered by cpu.K
# ("PROC KTHR IRQ BUSY XVFB SRV_OK", seconds); "stop" ends the guest half.
if [ $guest = 1 ]; then
	moddir=$1 dir=$2
	shift 2
	declare -A port
	for s in socket token shadow2 shadow3; do
		port[$s]=$1
		shift
	done
	b=$repo/$build
	tmp=$(mktemp -d /tmp/peers-bench.XXXXXX) || { echo "peers.sh: mktemp failed" >&2; exit 2; }
	helper=
	xvfb=
	spid=
	# shellcheck disable=SC2317 # the EXIT trap runs it
	cleanup() {
		[ -z "$spid" ] || kill "$spid" 2>/dev/null || :
		[ -z "$xvfb" ] || kill "$xvfb" 2>/dev/null || :
		[ -z "$helper" ] || kill "$helper" 2>/dev/null || :
		rm -rf "$tmp"
	}
	trap cleanup EXIT
	die() {
		echo "peers.sh (guest): $*" >&2
		echo "$*" >"$dir/guest-error"
		exit 1
	}
	# nap SECONDS: sleep without a process (a read that times out)
	mkfifo "$tmp/nap"
	exec {napfd}<>"$tmp/nap"
	nap() { read -rt "$1" -u "$napfd" || :; }
	# wait_file FILE [TENTHS]: until FILE exists (1 if it did not in time)
	wait_file() {
		local i
		for ((i = 0; i < ${2:-36000}; i++)); do
			[ -e "$1" ] && return 0
			nap 0.1
		done
		return 1
	}

	bench_credsspd "$moddir/credssp.ko" "$b" "$repo" "$workers"
	mkdir -p "$tmp/config/freerdp/shadow" "$tmp/home"
	cp "$tmp/cert.pem" "$tmp/config/freerdp/shadow/shadow.crt"
	cp "$tmp/key.pem" "$tmp/config/freerdp/shadow/shadow.key"
	# The WinPR SAM line from the NT hash of credsspd's user file.
	awk -F: '{ sub(/^.*\\/, "", $1); printf "%s:CONTOSO::%s:::\n", $1, tolower($4) }' \
		"$tmp/ntlm-users" >"$tmp/sam"
	Xvfb -displayfd 3 -nolisten tcp -noreset -screen 0 320x240x24 3>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
	xvfb=$!
	for ((i = 0; i < 600; i++)); do
		[ -s "$tmp/display" ] && break
		kill -0 "$xvfb" 2>/dev/null || break
		nap 0.1
	done
	grep -q '^[0-9]' "$tmp/display" || die "Xvfb did not start: $(tail -3 "$tmp/xvfb.log")"
	display=:$(head -n 1 "$tmp/display")
	{
		echo "# guest: $(uname -r), $(nproc) vCPUs (QEMU TCG), credsspd workers=$workers;" \
			"$(dpkg-query -W -f '${Package} ${Version}, ' freerdp2-shadow-x11 freerdp3-shadow-x11 2>/dev/null)"
		echo "# TLS as each server negotiates it with a Python client offering TLS 1.2 and 1.3 (port: selected protocol, version, cipher, key):"
	} >"$dir/guest.txt"

	# serve SERVER N C: start SERVER in the background ($spid), wait until
	# it listens. The listeners stop by themselves after N connections; a
	# subshell records their CPU with `times` once they exit.
	serve() {
		local s=$1 n=$2 c=$3 w=$tmp/run p=${port[$1]}
		rm -rf "$w"
		mkdir -p "$w"
		[ "$n" -gt 0 ] || n=1
		case $s in
		socket)
			(
				"$b/credssp-gate" --host 0.0.0.0 --port "$p" --count "$n" --timeout $((300 + n * 60)) \
					--max-conns 64 --max-per-source 0 --result "$w/result" --stop-file "$w/stop" \
					>"$w/log" 2>&1 || :
				times >"$w/times"
			) &
			;;
		token)
			(
				"$b/sspi_front" --host 0.0.0.0 --port "$p" --count "$n" --threads "$c" \
					--timeout $((300 + n * 60)) --result "$w/result" --stop-file "$w/stop" \
					>"$w/log" 2>&1 || :
				times >"$w/times"
			) &
			;;
		shadow2 | shadow3)
			local bin=freerdp-shadow-cli
			[ "$s" = shadow3 ] && bin=freerdp-shadow-cli3
			DISPLAY=$display HOME=$tmp/home XDG_CONFIG_HOME=$tmp/config \
				"$bin" /port:"$p" /sec:nla /sam-file:"$tmp/sam" >"$w/log" 2>&1 &
			;;
		esac
		spid=$!
		for _ in $(seq 600); do
			ss -Hltn "sport = :$p" | grep -q LISTEN && return 0
			kill -0 "$spid" 2>/dev/null || break
			nap 0.1
		done
		die "$s did not start: $(tail -5 "$w/log"; tail -5 "$tmp/xvfb.log")"
	}
	# The server's CPU in ticks: of the shadow server's process, or of
	# the listener subshell's children (from `times`) once it has exited.
	server_cpu() {
		if [ "$1" = shadow2 ] || [ "$1" = shadow3 ]; then
			proc_cpu "$spid"
		elif [ -s "$tmp/run/times" ]; then
			awk -v hz="$hz" 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%d\n", s * hz + 0.5 }' "$tmp/run/times"
		else # still running: the subshell's child, the listener
			proc_cpu_all "$(pgrep -P "$spid" | head -n 1)"
		fi
	}
	snap() { # snap FILE: "HELPER SERVER KERNEL BUSY IRQ XVFB" ticks, and the kthreads
		echo "$(proc_cpu "$helper") $(server_cpu "$s") $(guest_cpu) $(proc_cpu "$xvfb")" >"$1"
		kworker_cpu >"$1.k"
	}

	# What each server negotiates: X.224 (SSL | HYBRID), then TLS.
	for s in socket token shadow2 shadow3; do
		serve "$s" 1 1
		/usr/bin/python3 - "${port[$s]}" <<-'PY' >>"$dir/guest.txt" 2>&1 || :
			import socket, ssl, subprocess, sys
			s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
			s.sendall(bytes.fromhex("030000130ee000000000000100080003000000"))
			h = s.recv(4)
			cc = s.recv((h[2] << 8 | h[3]) - 4)
			ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
			ctx.check_hostname = False
			ctx.verify_mode = ssl.CERT_NONE
			t = ctx.wrap_socket(s)
			x = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-text"],
			                   input=t.getpeercert(True), capture_output=True).stdout.decode()
			k = [l.strip() for l in x.splitlines() if "Public-Key:" in l]
			print("#   %s: protocol %d, %s, %s, %s" % (sys.argv[1], cc[11], t.version(), t.cipher()[0], k[0] if k else "?"))
		PY
		sed -i "s/^#   ${port[$s]}:/#   $s:/" "$dir/guest.txt"
		touch "$tmp/run/stop"
		[ "${s#shadow}" = "$s" ] || kill "$spid"
		wait "$spid" 2>/dev/null || :
		spid=
	done
	touch "$dir/guest-ready"

	for ((k = 1; ; k++)); do
		until [ -e "$dir/cmd.$k" ] || [ -e "$dir/stop" ]; do nap 0.2; done
		[ -e "$dir/cmd.$k" ] || break
		read -r s n c <"$dir/cmd.$k"
		serve "$s" "$n" "$c"
		snap "$tmp/snap0"
		: >"$dir/ready.$k"
		wait_file "$dir/done.$k" || die "no done.$k"
		if [ "${s#shadow}" = "$s" ]; then
			# The listener stops after N connections: wait until it has
			# exited (at most 120 s, or 10 s after its N-th result block),
			# else stop it (--stop-file, then SIGTERM after 10 s) and say
			# so: its CPU then includes that wait.
			full=
			for ((i = 0; n > 0 && i < 1200; i++)); do
				kill -0 "$spid" 2>/dev/null || break
				if [ -z "$full" ] && [ "$(grep -c '^end=' "$tmp/run/result" 2>/dev/null)" -ge "$n" ]; then
					full=$i
				fi
				[ -n "$full" ] && [ $((i - full)) -ge 100 ] && break
				nap 0.1
			done
			if kill -0 "$spid" 2>/dev/null; then
				[ "$n" = 0 ] || echo "# $s: the listener had not exited after $((i / 10)) s," \
					"$(grep -c '^end=' "$tmp/run/result" 2>/dev/null) of $n result blocks: stopped" >>"$dir/notes"
				touch "$tmp/run/stop"
				for ((i = 0; i < 100; i++)); do
					kill -0 "$spid" 2>/dev/null || break
					nap 0.1
				done
				pkill -TERM -P "$spid" || :
			fi
			wait "$spid" 2>/dev/null || :
			ok=$(grep -c '^status=SEC_E_OK$' "$tmp/run/result" 2>/dev/null || :)
		elif [ "$s" = shadow2 ]; then
			ok=$(grep -c 'SEC_I_COMPLETE_NEEDED' "$tmp/run/log" 2>/dev/null || :)
		else # FreeRDP 3 logs no NTLM step at its default level: unknown
			ok=-1
		fi
		snap "$tmp/snap1"
		if [ "${s#shadow}" != "$s" ]; then
			kill "$spid"
			wait "$spid" 2>/dev/null || :
		fi
		spid=
		kthr=$(awk 'NR == FNR { a[$1] = $2; next } $1 in a { s += $2 - a[$1] } END { print s + 0 }' \
			"$tmp/snap0.k" "$tmp/snap1.k")
		# PROC (helper + server) KTHR IRQ BUSY XVFB in seconds, SRV_OK
		paste "$tmp/snap0" "$tmp/snap1" | awk -v hz="$hz" -v kt="$kthr" -v ok="${ok:-0}" -v s="$s" '{
			h = $7 - $1; if (s ~ /^shadow/) h = 0
			printf "%.4f %.4f %.4f %.4f %.4f %d\n", (h + $8 - $2) / hz, kt / hz, ($11 - $5) / hz,
				($10 - $4) / hz, ($12 - $6) / hz, ok }' >"$dir/cpu.$k.tmp"
		cp "$tmp/run/log" "$dir/server.$k.log" 2>/dev/null || :
		mv "$dir/cpu.$k.tmp" "$dir/cpu.$k"
	done
	kill "$helper"
	wait "$helper" 2>/dev/null || :
	helper=
	exit 0
fi

# ---- on the host ----
kdir=$(cd "$repo" && scripts/debian-kernel.sh --kdir 6.12 2>/dev/null) || kdir=/nonexistent
moddir=$repo/build/kmod-kdir$(tr / - <<<"$kdir")/kmod
for f in "$moddir/credssp.ko" "$repo/$build/credsspd" "$repo/$build/credsspctl" \
	"$repo/$build/credssp-gate" "$repo/$build/sspi_front"; do
	[ -e "$f" ] || { echo "peers.sh: no $f (make bench-peers builds it)" >&2; exit 2; }
done
set +u # tests/lib/*.sh are not written for nounset
# shellcheck source=tests/lib/tap.sh
. "$repo/tests/lib/tap.sh"
KCREDSSP_FRONT=/bin/true # no host front
# Debian's kernel from the usual cache, not from it_init's temporary HOME
export KCREDSSP_CACHE=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}
# shellcheck source=tests/lib/interop.sh
. "$repo/tests/lib/interop.sh"
it_init
it_need xfreerdp Xvfb freerdp-shadow-cli freerdp-shadow-cli3
[ -z "$it_setup_error" ] && it_xvfb
set -u
[ -z "$it_setup_error" ] || { echo "peers.sh: $it_setup_error" >&2; exit 2; }
declare -A port
for s in socket token shadow2 shadow3; do
	p=$(it_free_port)
	while [[ " ${port[*]} " == *" $p "* ]]; do p=$((p + 1)); done
	port[$s]=$p
done
total=0
for cn in $spec; do total=$((total + ${cn#*:})); done
# Under TCG an authentication costs about 1 s of guest CPU; FreeRDP's more.
limit=$((1800 + total * rounds * 4 * 6))
(cd "$repo" && exec scripts/vm.sh --kernel 6.12 --debian --mem 2048 --timeout "$limit" \
	--forward "${port[socket]}" --forward "${port[token]}" --forward "${port[shadow2]}" \
	--forward "${port[shadow3]}" --results "$it_dir" -- \
	bench/peers.sh -b "$build" -w "$workers" --in-guest "$moddir" "$it_dir" \
	"${port[socket]}" "${port[token]}" "${port[shadow2]}" "${port[shadow3]}") \
	>"$it_dir/vm.log" 2>&1 &
vm_pid=$!
# stop_guest: the guest's loop ends at "stop"; a guest that does not end
# within 60 s is stopped through vm.sh's timeout(1), which passes SIGTERM
# on to its QEMU.
stop_guest() {
	local i
	: >"$it_dir/stop"
	for ((i = 0; i < 600; i++)); do
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$vm_pid" 2>/dev/null; then
		pkill -TERM -P "$vm_pid" -x timeout || :
	fi
	wait "$vm_pid" 2>/dev/null || :
	vm_pid=
}
trap '[ -z "$vm_pid" ] || stop_guest; it_cleanup' EXIT
# guest_wait FILE: until the guest writes FILE (exit if it died or failed)
guest_wait() {
	while [ ! -e "$1" ]; do
		if [ -e "$it_dir/guest-error" ] || ! kill -0 "$vm_pid" 2>/dev/null; then
			echo "peers.sh: the guest failed: $(cat "$it_dir/guest-error" 2>/dev/null)" >&2
			tail -n 20 "$it_dir/vm.log" >&2
			exit 1
		fi
		sleep 0.1
	done
}
guest_wait "$it_dir/guest-ready"

# nla.py LOG CLIENT...: runs the client with its connection state
# changes logged (WLOG_FILTER, line-buffered through stdbuf) into LOG;
# "CONNECTION_STATE_NLA --> CONNECTION_STATE_MCS_CONNECT" is NLA done (the
# server's pubKeyAuth verified, authInfo sent, the MCS Connect-Initial
# next). The client is killed once the server has answered that
# Connect-Initial (the shadow servers: "--> ..._MCS_ATTACH_USER"), or ends
# by itself when the server closes after reading it (credssp-gate,
# sspi_front). Prints "ok" (NLA done), or "exit RC" / "timeout".
cat >"$it_dir/nla.py" <<'PY'
import os, subprocess, sys, threading
log, cmd = sys.argv[1], sys.argv[2:]
env = dict(os.environ, WLOG_FILTER="com.freerdp.core.connection:DEBUG")
p = subprocess.Popen(["stdbuf", "-oL", "-eL"] + cmd, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, text=True, errors="replace", env=env)
timer = threading.Timer(600, p.kill)
timer.daemon = True
timer.start()
result = None
with open(log, "w") as out:
    for line in p.stdout:
        out.write(line)
        if "CONNECTION_STATE_NLA --> CONNECTION_STATE_MCS_CONNECT" in line:
            result = "ok"
        elif result and "--> CONNECTION_STATE_MCS_ATTACH_USER" in line:
            break
p.kill()
rc = p.wait()
print(result or ("timeout" if not timer.is_alive() else "exit %d" % rc))
PY
now() { date +%s%N; }
k=0
# batch SERVER C N ROUND: N authentications, C at once; ROUND "idle" (no
# client, 10 s), "warm" (not kept) or a number: appends "SERVER C ROUND
# WALL OK FAIL PROC KTHR IRQ BUSY XVFB SRV_OK" to $it_dir/batches.
batch() {
	local s=$1 c=$2 n=$3 r=$4 d t0 t1 ok fail
	k=$((k + 1))
	d=$it_dir/b$k
	mkdir -p "$d"
	echo "$s $n $c" >"$it_dir/cmd.$k.tmp"
	mv "$it_dir/cmd.$k.tmp" "$it_dir/cmd.$k"
	guest_wait "$it_dir/ready.$k"
	t0=$(now)
	if [ "$r" = idle ]; then
		sleep 10
	else
		export d p=${port[$s]} it_dir
		# shellcheck disable=SC2016 # expanded by sh -c, from the environment
		seq "$n" | xargs -P "$c" -I{} sh -c '/usr/bin/python3 "$it_dir/nla.py" "$d/client.{}" \
			xfreerdp /v:127.0.0.1:"$p" /u:alice /d:CONTOSO /p:Passw0rd! /cert:ignore /sec:nla \
			+auth-only >"$d/rc.{}"' || :
	fi
	t1=$(now)
	: >"$it_dir/done.$k"
	guest_wait "$it_dir/cpu.$k"
	ok=$(cat "$d"/rc.* 2>/dev/null | grep -c '^ok$' || :)
	fail=$((n - ok))
	if [ "$fail" -gt 0 ]; then
		echo "# $s C=$c round $r: $fail of $n authentications failed:" \
			"$(cat "$d"/rc.* | grep -v '^ok$' | sort | uniq -c | xargs)"
		for f in "$d"/rc.*; do
			[ "$(cat "$f")" = ok ] && continue
			echo "#   last error: $(grep ERROR "$d/client.${f##*.}" | tail -n 1)"
			break
		done
	fi
	if [ -s "$it_dir/notes" ]; then
		cat "$it_dir/notes"
		rm -f "$it_dir/notes"
	fi
	[ "$r" = warm ] && return
	echo "$s $c $r $(((t1 - t0) / 1000)) $ok $fail $(cat "$it_dir/cpu.$k")" >>"$it_dir/batches"
	[ "$r" = idle ] ||
		awk '{ printf "round %s C=%-2s %-7s wall %7.1f s, %3d ok, %d failed, %6.3f auth/s, server %6.0f ms/auth, busy %6.0f ms/auth, srv_ok %d\n",
			$3, $2, $1, $4 / 1e6, $5, $6, $5 / ($4 / 1e6), $5 ? ($7 + $8 + $9) * 1e3 / $5 : 0, $5 ? $10 * 1e3 / $5 : 0, $12 }' \
			<<<"$(tail -n 1 "$it_dir/batches")"
}

cat "$it_dir/guest.txt"
echo "# host: $(xfreerdp --version 2>/dev/null | head -n 1); $(git -C "$repo" describe --always --dirty 2>/dev/null);" \
	"C:N $spec, $rounds round(s), servers: $servers"
: >"$it_dir/batches"
for s in $servers; do
	batch "$s" 1 0 idle
	batch "$s" 1 1 warm
done
awk '$3 == "idle" { w = $4 / 1e6; printf "# idle, no client, %.0f s: %-7s server %5.1f ms CPU per s (proc %5.1f, kthr %5.1f, irq %5.1f), busy %5.1f, xvfb %5.1f\n",
	w, $1, ($7 + $8 + $9) * 1e3 / w, $7 * 1e3 / w, $8 * 1e3 / w, $9 * 1e3 / w, $10 * 1e3 / w, $11 * 1e3 / w }' "$it_dir/batches"
reversed() { tr ' ' '\n' <<<"$1" | tac | xargs; }
for r in $(seq "$rounds"); do
	cs=$spec ss=$servers
	[ $((r % 2)) = 0 ] && cs=$(reversed "$spec") ss=$(reversed "$servers")
	for cn in $cs; do
		for s in $ss; do
			batch "$s" "${cn%%:*}" "${cn#*:}" "$r"
		done
	done
done
stop_guest

# Medians over the rounds, per server and C (CPU in seconds per auth):
# "RATE SERVER PROC KTHR IRQ BUSY XVFB NET OK FAIL SRV_OK RATE_MIN RATE_MAX";
# NET is SERVER less the server's idle rate (its idle batch) times the
# batch's wall time.
stats() {
	local s=$1 c=$2 col out='' ir
	ir=$(awk -v s="$s" '$1 == s && $3 == "idle" { print ($7 + $8 + $9) / ($4 / 1e6); exit }' "$it_dir/batches")
	# shellcheck disable=SC2016 # awk expressions
	for col in '$5 / ($4 / 1e6)' '($7 + $8 + $9) / $5' '$7 / $5' '$8 / $5' '$9 / $5' '$10 / $5' '$11 / $5' \
		'($7 + $8 + $9 - ir * $4 / 1e6) / $5'; do
		out+="$(awk -v s="$s" -v c="$c" -v ir="${ir:-0}" \
			"\$1 == s && \$2 == c && \$3 != \"idle\" && \$5 > 0 { print $col }" "$it_dir/batches" | pct 50) "
	done
	echo "$out$(awk -v s="$s" -v c="$c" '$1 == s && $2 == c && $3 != "idle" { ok += $5; f += $6; so += $12; if ($12 < 0) unk = 1; r = $5 / ($4 / 1e6)
		if (n++ == 0 || r < lo) lo = r; if (r > hi) hi = r } END { printf "%d %d %d %.4f %.4f", ok, f, unk ? -1 : so, lo, hi }' "$it_dir/batches")"
}
echo
echo "medians over $rounds round(s); CPU in ms per authentication (server = proc + kthr + irq; net = server less its idle rate x wall)"
printf '%-8s %3s %4s %4s %6s %21s %7s %7s %6s %6s %6s %7s %6s %11s %11s\n' server C ok fail srv_ok "auth/s [min-max]" \
	server net proc kthr irq busy xvfb "vs shadow2" "vs shadow3"
: >"$it_dir/results"
for cn in $spec; do
	c=${cn%%:*}
	read -r r2 v2 _ _ _ _ _ n2 _ <<<"$(stats shadow2 "$c")"
	read -r r3 v3 _ _ _ _ _ n3 _ <<<"$(stats shadow3 "$c")"
	for s in $servers; do
		read -r rate srv proc kthr irq busy xv net ok fail so lo hi <<<"$(stats "$s" "$c")"
		awk -v s="$s" -v c="$c" -v rate="$rate" -v srv="$srv" -v proc="$proc" -v kthr="$kthr" -v irq="$irq" \
			-v busy="$busy" -v xv="$xv" -v net="$net" -v ok="$ok" -v fail="$fail" -v so="$so" -v lo="$lo" \
			-v hi="$hi" -v r2="$r2" -v v2="$v2" -v n2="$n2" -v r3="$r3" -v v3="$v3" -v n3="$n3" \
			-v rounds="$rounds" -v res="$it_dir/results" 'BEGIN {
			x2 = r2 > 0 ? sprintf("%.2f/%.2f", rate / r2, v2 > 0 ? srv / v2 : 0) : "-"
			x3 = r3 > 0 ? sprintf("%.2f/%.2f", rate / r3, v3 > 0 ? srv / v3 : 0) : "-"
			so_s = so < 0 ? "-" : so
			printf("%-8s %3d %4d %4d %6s %6.3f [%.3f-%.3f] %7.0f %7.0f %6.0f %6.0f %6.0f %7.0f %6.0f %11s %11s\n",
				s, c, ok, fail, so_s, rate, lo, hi, srv * 1e3, net * 1e3, proc * 1e3, kthr * 1e3, irq * 1e3,
				busy * 1e3, xv * 1e3, x2, x3)
			printf("RESULT server=%s conc=%d rounds=%d auths=%d failed=%d srv_ok=%s rate=%.4f rate_min=%.4f rate_max=%.4f server_ms=%.1f net_ms=%.1f proc_ms=%.1f kthr_ms=%.1f irq_ms=%.1f busy_ms=%.1f xvfb_ms=%.1f rate_vs_shadow2=%.3f rate_vs_shadow3=%.3f cpu_vs_shadow2=%.3f cpu_vs_shadow3=%.3f net_vs_shadow2=%.3f net_vs_shadow3=%.3f\n",
				s, c, rounds, ok, fail, so_s, rate, lo, hi, srv * 1e3, net * 1e3, proc * 1e3, kthr * 1e3,
				irq * 1e3, busy * 1e3, xv * 1e3, r2 > 0 ? rate / r2 : 0, r3 > 0 ? rate / r3 : 0,
				v2 > 0 ? srv / v2 : 0, v3 > 0 ? srv / v3 : 0, n2 > 0 ? net / n2 : 0, n3 > 0 ? net / n3 : 0) >>res }'
	done
done
echo "(vs shadowN: the ratio of auth/s / the ratio of server CPU per auth, against shadowN at the same C)"
echo
cat "$it_dir/results"
