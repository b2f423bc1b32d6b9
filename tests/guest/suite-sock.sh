#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/suite-sock.sh: socket mode (CREDSSP_CMD_ACCEPT_SOCKET) beyond
# the selftests, run by tests/guest/run.sh in the guest with credssp.ko
# loaded (MODDIR = its directory):
#   1. module unload while a socket-mode call waits for its client, and
#      while it waits for the helper: the caller gets its answer
#      (SEC_E_NO_AUTHENTICATING_AUTHORITY) promptly, nothing is left, the
#      module loads again;
#   2. end to end with the real credsspd and a real OpenSSL + GSSAPI CredSSP
#      client (build/sock_client): SEC_E_OK, then the client's next record,
#      sent in the same segment as authInfo, read in plaintext through kTLS;
#      a wrong password gives SEC_E_LOGON_DENIED and the client its
#      errorCode.
# Prints TAP; leaves the module loaded.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
moddir=${MODDIR:?run me from tests/guest/run.sh}
sock=$repo/build/tests/credssp_sock
client=$repo/build/sock_client
daemon=$repo/build/credsspd
ctl=$repo/build/credsspctl
. "$here/../lib/tap.sh"
. "$here/../lib/guest.sh" # start_ready, credsspd_wait, timed_rmmod, credsspd_conf
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=99:print_stacktrace=1}

tmp=$(mktemp -d /tmp/sock-suite.XXXXXX) || { echo "Bail out! mktemp failed"; exit 1; }
holder=
helper=
cleanup() {
	[ -z "$holder" ] || kill -9 "$holder" 2>/dev/null
	[ -z "$helper" ] || kill "$helper" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

loaded() { [ -d /sys/module/credssp ]; }
reload() { loaded || insmod "$moddir/credssp.ko"; }
SEC_E_NO_AUTHENTICATING_AUTHORITY=0x80090311

# inflight [--helper]: the in-flight call program, up to "ready".
start_inflight() { start_ready "$tmp/out" 200 "$sock" --inflight "$@"; }

# answered: the caller's call ended with no errno and NO_AUTHENTICATING_AUTHORITY.
answered() {
	local line
	for _ in {1..100}; do
		grep -q '^inflight' "$tmp/out" && break
		sleep 0.1
	done
	line=$(grep '^inflight' "$tmp/out") || { cat "$tmp/out"; return 1; }
	set -- $line
	[ "$2" = 0 ] && [ "$3" = "$SEC_E_NO_AUTHENTICATING_AUTHORITY" ] ||
		{ echo "$line"; return 1; }
}

unload_inflight() {
	local what=$1
	shift
	if start_inflight "$@"; then
		tap_result 0 "socket-mode call in flight ($what)"
		tap_check "rmmod with a socket-mode call in flight ($what) within 10 s" \
			timed_rmmod 10000
		[ -s "$tmp/rmmod_ms" ] && echo "# rmmod took $(cat "$tmp/rmmod_ms") ms"
		tap_check "the caller got SEC_E_NO_AUTHENTICATING_AUTHORITY ($what)" answered
		sed -n 's/^inflight/# in-flight ACCEPT_SOCKET returned (errno, status, ms)/p' \
			"$tmp/out"
		tap_check "family gone after the unload ($what)" \
			sh -c '! genl ctrl get name credssp'
		wait "$holder" 2>/dev/null
		holder=
		tap_check "insmod again ($what)" reload
	else
		tap_result 1 "socket-mode call in flight ($what)" "$(cat "$tmp/out")"
		[ -z "$holder" ] || kill -9 "$holder" 2>/dev/null
		holder=
		reload
	fi
}

# ---- 1. unload in flight ------------------------------------------------
reload
unload_inflight "waiting for the client"
unload_inflight "waiting for the helper" --helper

# ---- 2. end to end with credsspd ----------------------------------------
contexts_zero() {
	"$ctl" -j status | grep -q '"contexts": 0' || { "$ctl" status; return 1; }
}

chmod 755 "$tmp"
credsspd_conf "$tmp" sock-suite
"$daemon" -F -c "$tmp/credsspd.conf" >"$tmp/credsspd.log" 2>&1 &
helper=$!
registered() { credsspd_wait "$helper" 300 || { cat "$tmp/credsspd.log"; false; }; }
tap_check "credsspd registers" registered

e2e() {
	local out rc=0
	out=$("$client" "$@" 2>&1) || rc=$?
	echo "$out" | sed 's/^/# /'
	[ $rc -eq 0 ]
}
tap_check "real client, TSRequest v6: SEC_E_OK, kTLS, the next record exact" e2e
tap_check "real client, TSRequest v5: SEC_E_OK, kTLS, the next record exact" e2e --version 5
tap_check "wrong password: SEC_E_LOGON_DENIED, errorCode to the client" e2e --deny
tap_check "no context left after the end-to-end runs" contexts_zero

kill "$helper"
wait "$helper"
tap_result $? "credsspd exits cleanly" "$(tail -20 "$tmp/credsspd.log")"
helper=
tap_check "no sanitizer report from credsspd" \
	sh -c "! grep -E 'Sanitizer|runtime error' '$tmp/credsspd.log'"

reload
tap_check "module loaded at the end" loaded
tap_done
