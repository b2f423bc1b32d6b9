#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/suite-faults.sh: the real credsspd dies or stops in the
# middle of real handshakes, in socket mode and in token mode (TAP). Run by
# tests/guest/run.sh with credssp.ko loaded (MODDIR); leaves the module
# loaded, no helper.
#
# build/sock_client (a real OpenSSL + gss-ntlmssp CredSSP client against
# the kernel's socket mode, or with --token a token-mode server calling
# credssp_accept() per record; tests/front/sock_client.c) runs a handshake
# and, before its N-th message, signals credsspd, for every N of a handshake:
#   SIGKILL: the server's call fails within 1 s of the death, nothing is
#            left of its context, and a restarted credsspd serves a new
#            handshake to SEC_E_OK;
#   SIGSTOP: socket mode: the call fails at its deadline (6 s from its
#            start: a handshake reaches its 4th message in about 3 s on a
#            loaded TCG guest), not before the stop and no later than 1 s
#            after the deadline; token mode: the step the stopped helper
#            never takes fails with SEC_E_NO_AUTHENTICATING_AUTHORITY at
#            helper_timeout_ms (set to 6 s here), within 1 s of it;
#            after SIGCONT the same credsspd serves a new handshake to
#            SEC_E_OK.
# At the end: no context left, as many keys in .credssp as at the start, no
# sanitizer report from any credsspd. kmemleak is checked for the whole
# guest run by scripts/vm.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/lib/tap.sh"
. "$repo/tests/lib/guest.sh"
client=$repo/build/sock_client
deadline_ms=6000

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=99:print_stacktrace=1}

tmp=$(mktemp -d /tmp/faults-suite.XXXXXX) || { echo "Bail out! mktemp failed"; exit 1; }
helper=
param=/sys/module/credssp/parameters/helper_timeout_ms
helper_timeout0=
cleanup() {
	[ -z "$helper" ] || { kill -CONT "$helper"; kill "$helper"; } 2>/dev/null
	[ -z "$helper_timeout0" ] || echo "$helper_timeout0" >"$param"
	rm -rf "$tmp"
}
trap cleanup EXIT

grep -q '^credssp ' /proc/modules || insmod "${MODDIR:?}/credssp.ko"

credsspd_conf "$tmp" faults-suite

# check NAME FUNCTION ARGS...: tap_check, but in this shell (the functions
# below start and stop credsspd and keep its pid).
check() {
	local name=$1 rc=0
	shift
	"$@" >"$tmp/check.out" 2>&1 || rc=$?
	grep '^# ' "$tmp/check.out"
	tap_result $rc "$name" "$([ $rc -eq 0 ] || { grep -v '^# ' "$tmp/check.out"; echo "(exit $rc)"; })"
}

n_logs=0
# helper_start: a new credsspd, registered (its log: $tmp/credsspd-N.log).
helper_start() {
	n_logs=$((n_logs + 1))
	start_credsspd "$tmp/credsspd.conf" "$tmp/credsspd-$n_logs.log"
	helper=$credsspd_pid
	helper_registered || { echo "credsspd did not register: $(tail -n 5 "$tmp/credsspd-$n_logs.log")"; return 1; }
}

keys_now() { grep -c ' credssp: credssp:ctx=' /proc/keys; }

# run_client ARGS...: sock_client's key=value lines in $tmp/out; its exit status.
run_client() {
	timeout 120 "$client" "$@" >"$tmp/out" 2>&1
}
val() { sed -n "s/^$1=//p" "$tmp/out" | head -n 1; }

# A handshake that succeeds: SEC_E_OK, and how many messages it takes.
keys0=$(keys_now)
steps=0
first_ok() {
	helper_start || return 1
	run_client || { cat "$tmp/out"; return 1; }
	steps=$(val client_steps)
	echo "# a handshake: $steps client messages"
	[ "${steps:-0}" -ge 3 ]
}
check "credsspd registers; a real handshake reaches SEC_E_OK" first_ok

# fault MODE SIG N: signal credsspd before the client's N-th message.
fault() {
	local mode=$1 sig=$2 n=$3 ms call tmo=60000 m=()
	# KILL: a deadline far away, the death must end the call. STOP: the
	# deadline must (token mode: helper_timeout_ms, set below).
	[ "$sig" = KILL ] || tmo=$deadline_ms
	[ "$mode" = socket ] || m=(--token)
	run_client "${m[@]}" --timeout-ms $tmo --fault-at "$n" --fault "kill -$sig $helper"
	sed 's/^/# /' "$tmp/out" | grep -E 'server_status|server_message|_ms=|result'
	[ "$(val result)" = faulted ] || { echo "result: $(val result)"; return 1; }
	ms=$(val fault_to_end_ms) call=$(val server_call_ms)
	[ "${ms:--1}" -ge 0 ] || { echo "the call ended before the fault ($ms ms)"; return 1; }
	if [ "$sig" = KILL ]; then
		[ "$ms" -lt 1000 ] || { echo "the call ended $ms ms after the death"; return 1; }
	elif [ "$mode" = token ]; then
		[ "$(val server_status)" = SEC_E_NO_AUTHENTICATING_AUTHORITY ] &&
			[ "$ms" -ge $((deadline_ms - 100)) ] && [ "$ms" -lt $((deadline_ms + 1000)) ] ||
			{ echo "the step failed $ms ms after the stop (helper_timeout_ms $deadline_ms)"; return 1; }
	else
		[ "$(val server_status)" = SEC_E_CONTEXT_EXPIRED ] &&
			[ "${call:-0}" -lt $((deadline_ms + 1000)) ] ||
			{ echo "the call took $call ms (deadline $deadline_ms ms)"; return 1; }
	fi
	no_contexts
}

# recover MODE SIG: the helper serves again (KILL: a new one; STOP: the
# same, continued).
recover() {
	local m=()
	[ "$1" = socket ] || m=(--token)
	if [ "$2" = KILL ]; then
		wait "$helper" 2>/dev/null
		helper_start || return 1
	else
		kill -CONT "$helper" || return 1
	fi
	run_client "${m[@]}" || { cat "$tmp/out"; return 1; }
	[ "$(val server_status)" = SEC_E_OK ]
}

token_ok() {
	run_client --token || { cat "$tmp/out"; return 1; }
	[ "$(val server_status)" = SEC_E_OK ] && [ "$(val client_steps)" = "$steps" ]
}
# KCREDSSP_FAULT_MODES: the modes to fault (default both).
modes=${KCREDSSP_FAULT_MODES:-socket token}
[[ " $modes " != *" token "* ]] ||
	check "token mode: the same handshake reaches SEC_E_OK in as many messages" token_ok
helper_timeout0=$(cat "$param")

for mode in $modes; do
	# A stopped helper fails a token-mode step at helper_timeout_ms (set to
	# the deadline for token mode only: in socket mode the call's own
	# deadline must end it, and a helper timeout just as long raced it, so
	# that a CI run on Debian's kernel saw "no helper answered" at 6.1 s).
	if [ "$mode" = token ]; then
		echo "$deadline_ms" >"$param"
	else
		echo "$helper_timeout0" >"$param"
	fi
	for sig in KILL STOP; do
		for n in $(seq "${steps:-0}"); do
			check "$mode mode: SIG$sig of credsspd before the client's message $n of $steps: the call fails within $([ $sig = KILL ] && echo "1 s" || echo "its deadline + 1 s"), no context left" \
				fault "$mode" "$sig" "$n"
			check "$mode mode: after SIG$sig at message $n: $([ $sig = KILL ] && echo "a restarted" || echo "the continued") credsspd serves a handshake to SEC_E_OK" \
				recover "$mode" "$sig"
		done
	done
done
[ -z "$helper_timeout0" ] || echo "$helper_timeout0" >"$param"
helper_timeout0=

credsspd_stop_tap "$helper" "$tmp/credsspd-$n_logs.log"
helper=
tap_check "no context left" no_contexts
keys_back() {
	local i
	for i in {1..50}; do # key garbage collection is asynchronous
		[ "$(keys_now)" = "$keys0" ] && return 0
		sleep 0.1
	done
	echo "keys in .credssp: $(keys_now), at the start $keys0"
	return 1
}
tap_check "as many keys in .credssp as at the start" keys_back
tap_check "no sanitizer report from any credsspd" \
	sh -c "! grep -l -E 'Sanitizer|runtime error' $tmp/credsspd-*.log"
tap_done
