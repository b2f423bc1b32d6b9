#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/suite-kernel.sh: credssp.ko lifecycle with live state, run by
# tests/guest/run.sh in the guest with credssp.ko loaded (MODDIR = its
# directory). A netlink socket does not pin the module: rmmod must succeed
# while a process holds handles (a handshaking context with helper state, an
# established one with a delegated-credentials key, a credential), and while
# an ACCEPT waits for the helper; everything is freed, the keyring goes, and
# the module loads again. Leaks and KASAN reports fail the whole guest run
# (scripts/vm.sh exits 125 on any kernel report). Prints TAP; leaves the
# module loaded.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
moddir=${MODDIR:?run me from tests/guest/run.sh}
hold=$repo/build/tests/credssp_sspi
. "$here/../lib/tap.sh"
. "$here/../lib/guest.sh" # start_ready, timed_rmmod LIMIT_MS (the time to $tmp/rmmod_ms)

tmp=$(mktemp -d) || { echo "Bail out! mktemp failed"; exit 1; }
holder=
cleanup() {
	[ -z "$holder" ] || kill -9 "$holder" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

loaded() { [ -d /sys/module/credssp ]; }
family_listed() { genl ctrl get name credssp >/dev/null 2>&1; }
keyring_listed() { grep -q ' keyring   \.credssp: ' /proc/keys; }
keyring_empty() { grep -qE ' keyring   \.credssp: empty' /proc/keys; }
# The .credssp keyring holds one key per context with delegated credentials.
keyring_holds_keys() {
	grep -qE ' keyring   \.credssp: [1-9]' /proc/keys &&
		grep -qE ' credssp   credssp:ctx=0x[0-9a-f]{16};user=' /proc/keys || { cat /proc/keys; false; }
}
# After rmmod: no delegated-credentials key left, not even a dead one.
no_cred_keys() {
	for _ in {1..50}; do
		grep -q 'credssp:ctx=' /proc/keys || return 0
		sleep 0.1
	done
	cat /proc/keys
	return 1
}

no_ctx_keys() {
	for _ in {1..50}; do
		keyring_empty && return 0
		sleep 0.1
	done
	cat /proc/keys
	return 1
}

wait_gone() {
	for _ in {1..50}; do
		keyring_listed || return 0
		sleep 0.1
	done
	cat /proc/keys
	return 1
}

# start_holder [--inflight]: the live-state program, up to "ready".
start_holder() { start_ready "$tmp/out" 100 "$hold" --hold "$@"; }

stop_holder() {
	[ -z "$holder" ] || { kill -9 "$holder"; wait "$holder" 2>/dev/null; }
	holder=
}

reload() {
	loaded || insmod "$moddir/credssp.ko"
}

rmmod_diag() { [ -s "$tmp/rmmod_ms" ] && echo "# rmmod took $(cat "$tmp/rmmod_ms") ms"; }

# 1. Live handles, no call in flight.
if start_holder; then
	tap_result 0 "holder made live contexts, a credential and a helper"
	tap_check "the established context's key is in the .credssp keyring" keyring_holds_keys
	tap_check "rmmod with live handles succeeds promptly" timed_rmmod 3000
	rmmod_diag
	tap_check "family gone" sh -c '! genl ctrl get name credssp'
	tap_check ".credssp keyring gone" wait_gone
	tap_check "keys revoked on unload: no credssp key in /proc/keys" no_cred_keys
	tap_check "holder survives the unload" kill -0 "$holder"
	stop_holder
	tap_check "insmod again" reload
	tap_check "family back" family_listed
	tap_check "keyring back" keyring_listed
else
	tap_result 1 "holder made live contexts, a credential and a helper" "$(cat "$tmp/out")"
	stop_holder
	reload
fi

# 2. The same with an ACCEPT waiting for the helper.
if [ -w /sys/module/credssp/parameters/helper_timeout_ms ]; then
	old_tmo=$(cat /sys/module/credssp/parameters/helper_timeout_ms)
	echo 3000 >/sys/module/credssp/parameters/helper_timeout_ms
else
	old_tmo=
fi
if start_holder --inflight; then
	tap_result 0 "holder with an ACCEPT in flight"
	tap_check "rmmod with a call in flight completes" timed_rmmod 15000
	rmmod_diag
	for _ in {1..100}; do
		grep -q '^inflight' "$tmp/out" && break
		sleep 0.1
	done
	tap_check "the waiting caller got an answer" grep '^inflight' "$tmp/out"
	sed -n 's/^inflight/# in-flight ACCEPT returned/p' "$tmp/out"
	tap_check ".credssp keyring gone (in flight)" wait_gone
	tap_check "no credssp key after the in-flight unload" no_cred_keys
	stop_holder
	tap_check "insmod after in-flight unload" reload
else
	tap_result 1 "holder with an ACCEPT in flight" "$(cat "$tmp/out")"
	stop_holder
	reload
fi
[ -z "$old_tmo" ] || echo "$old_tmo" >/sys/module/credssp/parameters/helper_timeout_ms 2>/dev/null

# 3. Holder killed: its handles go with its sockets; module unloads clean.
if start_holder; then
	stop_holder
	tap_check "owner gone: .credssp keyring empty" no_ctx_keys
	tap_check "owner gone: its keys left /proc/keys" no_cred_keys
	tap_check "rmmod after owners went away" rmmod credssp
	tap_check "insmod again (final)" reload
else
	tap_result 1 "holder for the owner-gone case" "$(cat "$tmp/out")"
	stop_holder
	reload
fi

# Leave the module loaded for the suites that follow.
reload
tap_check "module loaded at the end" loaded
tap_done
