# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the guest halves of bench/accept.sh, bench/threads.sh,
# bench/ctx_scale.sh and bench/peers.sh, which define die() and clean up
# $helper and $tmp on exit.
#
# bench_module KO: load credssp.ko from KO.
bench_module() {
	insmod "$1" || die "insmod $1 failed"
}

# bench_credsspd KO BUILD TREE WORKERS: load credssp.ko from KO, write a
# self-signed RSA-2048 certificate and TREE's NTLM user file (CONTOSO\alice)
# into $tmp, start BUILD/credsspd with WORKERS workers (its pid in $helper)
# and wait until it has registered.
# shellcheck disable=SC2154 # $tmp is the caller's
bench_credsspd() {
	local ko=$1 b=$2 tree=$3 workers=$4
	bench_module "$ko"
	chmod 755 "$tmp"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || die "openssl req failed"
	"$tree/tests/lib/ntlm-users.sh" hash "$tmp/ntlm-users" CONTOSO alice 'Passw0rd!' ||
		die "user file"
	chmod 644 "$tmp/ntlm-users"
	cat >"$tmp/credsspd.conf" <<CONF
certificate = $tmp/cert.pem
key = $tmp/key.pem
ntlm_user_file = $tmp/ntlm-users
workers = $workers
CONF
	"$b/credsspd" -F -c "$tmp/credsspd.conf" >"$tmp/credsspd.log" 2>&1 &
	helper=$!
	for _ in $(seq 600); do
		"$b/credsspctl" -j status 2>/dev/null | grep -q '"helper": 1' && break
		kill -0 "$helper" 2>/dev/null || break
		sleep 0.1
	done
	"$b/credsspctl" -j status 2>/dev/null | grep -q '"helper": 1' ||
		die "credsspd did not register: $(tail -5 "$tmp/credsspd.log")"
}

# proc_cpu PID: utime + stime of PID (all its threads, also the exited
# ones), in ticks; proc_cpu_all PID adds cutime + cstime (its children that
# it has waited for).
proc_cpu() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
proc_cpu_all() { awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat"; }

# guest_cpu: "KERNEL BUSY IRQ" ticks of the whole guest from /proc/stat's
# cpu line (user nice system idle iowait irq softirq steal): KERNEL is
# system + irq + softirq, BUSY all but idle and iowait, IRQ irq + softirq.
guest_cpu() { awk '/^cpu / { print $4 + $7 + $8, $2 + $3 + $4 + $7 + $8 + $9, $7 + $8 }' /proc/stat; }

# kworker_cpu: "PID TICKS" of every kworker thread (the kernel's
# workqueues), utime + stime.
kworker_cpu() {
	awk 'FNR == 1 && /^[0-9]+ \(kworker\// { sub(/^.*\) /, ""); print FILENAME, $12 + $13 }' \
		/proc/[0-9]*/stat 2>/dev/null | sed 's|^/proc/\([0-9]*\)/stat|\1|'
}

# pct P: the P-th percentile (nearest rank) of the numbers on stdin.
pct() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print v[i] + 0 }'; }
