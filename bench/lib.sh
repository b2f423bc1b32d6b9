# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the guest halves of bench/accept.sh, bench/threads.sh and
# bench/ctx_scale.sh, which define die() and clean up $helper and $tmp on
# exit.
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
