# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared pieces of the scripts that run in the guest (tests/guest/*.sh),
# sourced with credssp.ko loaded or about to be:
#
#   start_credsspd CONF LOG       build/credsspd -F -c CONF in the background
#                                 (stdout and stderr to LOG), its pid in
#                                 $credsspd_pid; then credsspd_wait
#   credsspd_wait PID [TRIES]     wait until `credsspctl -j status` shows the
#                                 helper registered: every 0.1 s, TRIES times
#                                 (default 600), not after PID has exited;
#                                 0 once registered, 1 if not
#   start_ready OUT TRIES CMD...  CMD in the background (stdout and stderr to
#                                 OUT, emptied first; its pid in $holder)
#                                 until OUT has a line "ready", checked every
#                                 0.1 s, TRIES times; if not, prints OUT and
#                                 returns 1
#   timed_rmmod LIMIT_MS          rmmod credssp in less than LIMIT_MS ms (the
#                                 time goes to $tmp/rmmod_ms: the caller's
#                                 temporary directory)
#   credsspd_conf DIR CN          a throwaway certificate (CN), the NTLM user
#                                 CONTOSO\alice (Passw0rd!: what the guest's
#                                 own clients log on with) and
#                                 DIR/credsspd.conf (2 workers) using them;
#                                 on failure prints why and returns 1
#   ntlm_credsspd DIR             credsspd_conf DIR localhost, then
#                                 start_credsspd with it (log
#                                 DIR/credsspd.log); on failure prints why
#                                 and returns 1
#   no_contexts                   credsspctl counts no context (else says
#                                 how many and returns 1)
#   credsspd_stop_tap PID LOG     stop credsspd PID: a TAP result (tap.sh),
#                                 ok when it exits 0 (no sanitizer report)

guest_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# sleep without a process start, as in tap.sh
enable -f /usr/lib/bash/sleep sleep 2>/dev/null || true
credsspd_pid=

helper_registered() {
	[[ $("$guest_repo/build/credsspctl" -j status 2>/dev/null) == *'"helper": 1'* ]]
}

# The loops below count with arithmetic, not $(seq): a process start costs
# 0.2-0.7 s on the debug kernels under TCG.
credsspd_wait() {
	local pid=$1 tries=${2:-600} t
	for ((t = 0; t < tries; t++)); do
		helper_registered && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	helper_registered
}

start_credsspd() {
	"$guest_repo/build/credsspd" -F -c "$1" >"$2" 2>&1 &
	credsspd_pid=$!
	credsspd_wait "$credsspd_pid"
}

start_ready() {
	local out=$1 tries=$2 t
	shift 2
	: >"$out"
	"$@" >"$out" 2>&1 &
	holder=$!
	for ((t = 0; t < tries; t++)); do
		grep -q '^ready' "$out" && return 0
		kill -0 "$holder" 2>/dev/null || break
		sleep 0.1
	done
	cat "$out"
	return 1
}

timed_rmmod() {
	local t0 t1
	t0=$(date +%s%N)
	rmmod credssp || return 1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >"${tmp:?}/rmmod_ms"
	[ $(((t1 - t0) / 1000000)) -lt "$1" ]
}

credsspd_conf() {
	local dir=$1 cn=$2
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$cn" \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" >"$dir/openssl.log" 2>&1 ||
		{ echo "openssl req failed: $(tail -n 5 "$dir/openssl.log")"; return 1; }
	"$guest_repo/tests/lib/ntlm-users.sh" hash "$dir/ntlm-users" CONTOSO alice 'Passw0rd!' ||
		{ echo "cannot write the NTLM user file"; return 1; }
	chmod 644 "$dir/ntlm-users" "$dir/key.pem"
	printf '%s\n' "certificate = $dir/cert.pem" "key = $dir/key.pem" \
		"ntlm_user_file = $dir/ntlm-users" "workers = 2" >"$dir/credsspd.conf"
}

ntlm_credsspd() {
	credsspd_conf "$1" localhost || return 1
	start_credsspd "$1/credsspd.conf" "$1/credsspd.log" ||
		{ echo "credsspd did not register: $(tail -n 20 "$1/credsspd.log")"; return 1; }
}

no_contexts() {
	local n
	n=$("$guest_repo/build/credsspctl" -j status | sed -n 's/.*"contexts": \([0-9]*\).*/\1/p')
	[ "$n" = 0 ] || { echo "contexts: $n"; return 1; }
}

credsspd_stop_tap() {
	local rc=0
	kill "$1"
	wait "$1" || rc=$?
	tap_result "$rc" "credsspd exits cleanly (no sanitizer report)" "exit $rc: $(tail -n 30 "$2")"
}
