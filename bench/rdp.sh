#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/rdp.sh [-r ROUNDS] [-b BUILD]: the time from TCP connect to the
# first session PDU, credssp-rdpd + xrdp against xrdp alone with
# security_layer=tls, in one run of Debian's own 6.12 kernel image (`make
# bench-rdp`). Not a test: it measures and prints.
#
# The guest (tests/guest/rdp-guest.sh, as tests/guest/rdp-xrdp.sh runs it):
# Debian's own xrdp 0.9.21 and xrdp-sesman, unmodified, xrdp on a unix
# socket (security_layer=rdp, crypt_level=none) behind BUILD's
# credssp-rdpd, credssp.ko and credsspd; and next to it a second xrdp
# (same package, same xrdp.ini but for port=PORT2 and security_layer=tls,
# with credsspd's RSA-2048 certificate and key) on TCP, in a mount
# namespace of its own (its /run/xrdp: its pid file).
#
# The client, on the host (under Xvfb, through QEMU's port forwards):
# xfreerdp3 (FreeRDP 3) as alice (Passw0rd!), NTLM only (an empty
# krb5.conf),
#
#   front   /sec:nla, NTLM (no krb5.conf): X.224 HYBRID, TLS and CredSSP in
#           the guest's kernel (socket mode) + credsspd, kTLS, the front's
#           MCS checks, backend X.224 and Client Info rewrite, then xrdp
#   tls     /sec:tls straight to the second xrdp: X.224 SSL, TLS in xrdp
#
# "First session PDU": the server's Demand Active PDU, the first Share
# Control PDU, which xrdp sends right after licensing (capabilities
# exchange: everything before it is connection set-up, everything after it
# the session). The time is taken from the client's own log
# (WLOG_LEVEL=DEBUG), each line time-stamped by this script as it arrives
# (FreeRDP's own time stamps take the seconds from time() and the
# milliseconds from GetTickCount(): they do not subtract): from "connecting
# to peer" (freerdp_tcp_default_connect(), right before connect()) to
# "type=PDU_TYPE_DEMAND_ACTIVE" (rdp_read_share_control_header()); also the
# part up to "--> CONNECTION_STATE_MCS_CREATE_REQUEST" (the security layer
# done: TLS, and CredSSP for front; from CONNECTION_STATE_NEGO for tls, from
# CONNECTION_STATE_NLA for front). The client is
# killed then: no capabilities confirmed, no login by xrdp-sesman, no
# session started, each connection alike.
#
# One unmeasured connection of each kind, then ROUNDS (default 11) rounds
# of one connection of each kind, the order alternating (front first on
# odd rounds), 2 s apart. Prints each connection's times, then the median,
# minimum and maximum per kind of the three times (security layer done,
# first session PDU, and the time between them) and the ratios front / tls
# of the medians.
#
#   -r ROUNDS   rounds (default 11)
#   -b BUILD    the build directory, relative to the repository (default
#               build/bench-rdp: `make bench-rdp` builds it without
#               sanitizers, credssp.ko for Debian's 6.12). In the guest it is
#               bind-mounted over build/, where tests/guest/rdp-guest.sh
#               and tests/lib/guest.sh look for credsspd and credsspctl.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
rounds=11
build=build/bench-rdp
guest=0

usage() { sed -n '4,53p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
	case "$1" in
	-r) rounds=${2:?}; shift 2 ;;
	-b) build=${2:?}; shift 2 ;;
	--in-guest) guest=1; shift; break ;;
	-h | --help) usage 0 ;;
	*) echo "rdp.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || usage
# ---- in the guest: rdp-guest.sh's set-up, and xrdp with security_layer=tls ----
if [ $guest = 1 ]; then
	moddir=$1 dir=$2 port=$3 port2=$4
	mount --bind "$repo/$build" "$repo/build" || { echo "rdp.sh: cannot bind $build" >&2; exit 2; }
	"$repo/tests/guest/rdp-guest.sh" "$moddir" "$dir" "$port" build &
	setup=$!
	for _ in $(seq 2400); do
		[ -e "$dir/ready" ] && break
		kill -0 "$setup" 2>/dev/null || exit 2
		sleep 0.25
	done
	sed -e "/^\[Globals\]/,/^\[/{s|^port=.*|port=$port2|}" \
		-e '/^\[Globals\]/,/^\[/{s/^security_layer=.*/security_layer=tls/}' \
		-e "/^\[Globals\]/,/^\[/{s|^certificate=.*|certificate=$dir/cert.pem|}" \
		-e "/^\[Globals\]/,/^\[/{s|^key_file=.*|key_file=$dir/key.pem|}" \
		-e 's|^LogFile=xrdp.log|LogFile=/var/log/xrdp-tls.log|' \
		-e 's/^EnableSyslog=true/EnableSyslog=false/' /etc/xrdp/xrdp.ini >/tmp/xrdp-tls.ini
	unshare -m sh -c 'mount -t tmpfs tmpfs /run/xrdp && exec xrdp -n -c /tmp/xrdp-tls.ini' \
		>"$dir/xrdp-tls.out" 2>&1 &
	xrdp2=$!
	for _ in $(seq 300); do
		ss -ltn "sport = :$port2" | grep -q LISTEN && break
		sleep 0.1
	done
	echo "# guest: $(uname -r), $(nproc) vCPUs; $(xrdp -v 2>&1 | head -n 1)" >"$dir/guest.txt"
	touch "$dir/ready2"
	wait "$setup"
	rc=$?
	kill "$xrdp2" 2>/dev/null
	cp /var/log/xrdp-tls.log "$dir/" 2>/dev/null
	exit $rc
fi

# ---- on the host ----
kdir=$(cd "$repo" && scripts/debian-kernel.sh --kdir 6.12 2>/dev/null) || kdir=/nonexistent
moddir=build/kmod-kdir$(tr / - <<<"$kdir")
for f in credssp-rdpd credsspd credsspctl "${moddir#build/}/kmod/credssp.ko"; do
	[ -e "$repo/$build/$f" ] || { echo "rdp.sh: no $build/$f (make bench-rdp-build)" >&2; exit 2; }
done
. "$repo/tests/lib/tap.sh"
KCREDSSP_FRONT=/bin/true # no host front
# Debian's kernel from the usual cache, not from it_init's temporary HOME
export KCREDSSP_CACHE=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}
. "$repo/tests/lib/interop.sh"
it_init
it_need xfreerdp3 xrdp stdbuf
[ -z "$it_setup_error" ] && it_xvfb
[ -z "$it_setup_error" ] && it_kdc localhost
[ -z "$it_setup_error" ] && it_credsspd_conf "$it_dir"
[ -z "$it_setup_error" ] || { echo "rdp.sh: $it_setup_error" >&2; exit 2; }
port=$(it_free_port)
port2=$(it_free_port)
[ "$port" != "$port2" ] || port2=$((port + 1))
(cd "$repo" && KCREDSSP_RDP_SMB=0 scripts/vm.sh --kernel 6.12 --debian --forward "$port" \
	--forward "$port2" --results "$it_dir" --timeout 3000 --mem 3072 -- \
	bench/rdp.sh -b "$build" --in-guest "$moddir" "$it_dir" "$port" "$port2") >"$it_dir/vm.log" 2>&1 &
vm_pid=$!
for _ in $(seq 4800); do
	[ -e "$it_dir/ready2" ] && break
	kill -0 "$vm_pid" 2>/dev/null || break
	sleep 0.25
done
[ -e "$it_dir/ready2" ] || {
	echo "rdp.sh: the guest did not start: $(tail -n 20 "$it_dir/vm.log")" >&2
	kill "$vm_pid" 2>/dev/null
	exit 2
}

# The client's log lines, time-stamped on arrival; prints "CONNECT_TO_SECURE
# CONNECT_TO_DEMAND_ACTIVE" in seconds, or "fail".
cat >"$it_dir/stamp.py" <<'PY'
import subprocess, sys, threading, time
log, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(["stdbuf", "-oL", "-eL"] + cmd, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, text=True, errors="replace")
timer = threading.Timer(300, p.kill)
timer.daemon = True
timer.start()
t = {}
with open(log, "w") as out:
    for line in p.stdout:
        now = time.monotonic()
        out.write("%.6f %s" % (now, line))
        if "connecting to peer" in line and "connect" not in t:
            t["connect"] = now
        elif "--> CONNECTION_STATE_MCS_CREATE_REQUEST" in line:
            t["secure"] = now
        elif "type=PDU_TYPE_DEMAND_ACTIVE" in line:
            t["demand"] = now
            break
p.kill()
p.wait()
timer.cancel()
if len(t) == 3:
    print("%.6f %.6f" % (t["secure"] - t["connect"], t["demand"] - t["connect"]))
else:
    print("fail")
PY
common=(/u:alice /p:Passw0rd! /cert:ignore /timeout:180000 /log-level:DEBUG)
# conn KIND N: one connection; appends its times to $it_dir/times.KIND
conn() {
	local kind=$1 n=$2 r args
	case $kind in
	front) args=(/v:127.0.0.1:"$port" /d:KCREDSSP /sec:nla) ;;
	tls) args=(/v:127.0.0.1:"$port2" /sec:tls) ;;
	esac
	r=$(KRB5_CONFIG="$it_dir/krb5-empty.conf" KRB5CCNAME="FILE:$it_dir/no-ccache" \
		/usr/bin/python3 "$it_dir/stamp.py" "$it_dir/$kind.$n.log" \
		xfreerdp3 "${args[@]}" "${common[@]}")
	if [ "$r" = fail ]; then
		echo "# $kind $n: no Demand Active: $(grep -E 'ERROR|WARN' "$it_dir/$kind.$n.log" | tail -n 3)"
	else
		[ "$n" = warm ] || echo "$r" >>"$it_dir/times.$kind"
		awk -v k="$kind" -v n="$n" -v s="${r% *}" -v d="${r#* }" \
			'BEGIN { printf "%-5s %3s: security layer %7.1f ms, first session PDU %7.1f ms\n", k, n, s * 1e3, d * 1e3 }'
	fi
	sleep 2
}

cat "$it_dir/guest.txt"
echo "# host: xfreerdp3 $(xfreerdp3 --version 2>/dev/null | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -n 1)," \
	"$rounds rounds, front: NLA (NTLM) through credssp-rdpd; tls: xrdp security_layer=tls"
conn front warm
conn tls warm
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		conn front "$r"
		conn tls "$r"
	else
		conn tls "$r"
		conn front "$r"
	fi
done
: >"$it_dir/stop"
wait "$vm_pid"
echo "# guest exit $?"

median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# stat KIND COLUMN: "MEDIAN MIN MAX" in ms of the column (1 security layer,
# 2 first session PDU, 3 the difference: after the security layer)
stat() {
	awk -v c="$2" '{ print c == 3 ? $2 - $1 : $c }' "$it_dir/times.$1" | sort -g >"$it_dir/col"
	echo "$(median <"$it_dir/col") $(head -n 1 "$it_dir/col") $(tail -n 1 "$it_dir/col")" |
		awk '{ printf "%.1f %.1f %.1f", $1 * 1e3, $2 * 1e3, $3 * 1e3 }'
}
echo
echo "median [min-max] in ms, from connect()"
printf '%-6s %3s %24s %24s %24s\n' kind n "security layer done" "first session PDU" "between the two"
for k in front tls; do
	[ -s "$it_dir/times.$k" ] || { echo "$k: no measurement"; continue; }
	printf '%-6s %3d' "$k" "$(wc -l <"$it_dir/times.$k")"
	for c in 1 2 3; do
		read -r med lo hi < <(stat "$k" "$c")
		printf ' %24s' "$med [$lo-$hi]"
		echo "$med" >"$it_dir/med.$k.$c"
	done
	echo
done
if [ -s "$it_dir/med.front.2" ] && [ -s "$it_dir/med.tls.2" ]; then
	awk -v f1="$(cat "$it_dir/med.front.1")" -v f2="$(cat "$it_dir/med.front.2")" \
		-v f3="$(cat "$it_dir/med.front.3")" -v t1="$(cat "$it_dir/med.tls.1")" \
		-v t2="$(cat "$it_dir/med.tls.2")" -v t3="$(cat "$it_dir/med.tls.3")" 'BEGIN {
		printf "front / tls (medians): first session PDU %.2f, security layer %.2f, between %.2f\n",
			f2 / t2, f1 / t1, f3 / t3 }'
fi
