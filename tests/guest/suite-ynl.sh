#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The "credssp" family driven by an independent client: the YNL CLI of
# linux-source-6.12 (tools/net/ynl/cli.py, copied to build/ynl by `make ynl`)
# reading Documentation/netlink/specs/credssp.yaml. Run by tests/guest/run.sh
# with credssp.ko loaded and no helper registered; prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

# The CLI prints the kernel's extack message of a successful reply (SSPI
# failures carry one) as a "Netlink warning" block before the JSON: keep the
# JSON lines of a success, everything of a failure.
ynl() {
	local out rc=0
	out=$(/usr/bin/python3 "$repo/build/ynl/cli.py" --spec "$repo/Documentation/netlink/specs/credssp.yaml" \
		--schema "$repo/build/ynl/genetlink-legacy.yaml" --output-json "$@" 2>&1) || rc=$?
	if [ $rc = 0 ]; then grep -E '^[[{]' <<<"$out"; else echo "$out"; fi
	return $rc
}
# jget JSON EXPR: evaluate a Python expression on the reply j.
jget() { /usr/bin/python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

SECPKG_NOT_FOUND=$((0x80090305))
INVALID_HANDLE=$((0x80100003))
NO_AUTHORITY=$((0x80090311))
UNSUPPORTED=$((0x80090302))

status_matches_keyring() {
	local out want
	out=$(ynl --do get-status) || { echo "$out"; return 1; }
	want=$(printf '%d' "0x$(awk '/ keyring   \.credssp: /{print $1}' /proc/keys)")
	[ "$(jget "$out" 'j["keyring"]')" = "$want" ] &&
		[ "$(jget "$out" 'j["helper"]')" = 0 ] &&
		[ "$(jget "$out" 'j["token-max"]')" = 65000 ] &&
		[ "$(jget "$out" 'j["limit-owner-contexts"] > 0')" = True ] || { echo "$out"; return 1; }
}

acquire_ok() {
	local out
	out=$(ynl --do acquire-cred --json '{"package": "CredSSP", "cred-use": 1}') || { echo "$out"; return 1; }
	[ "$(jget "$out" 'j["sec-status"]')" = 0 ] &&
		[ "$(jget "$out" 'j["cred-id"] != 0')" = True ] &&
		[ "$(jget "$out" 'j["expiry"]')" = 18446744073709551615 ] || { echo "$out"; return 1; }
}

status_is() { # STATUS OP JSON
	local want=$1 out
	shift
	out=$(ynl --do "$@") || { echo "$out"; return 1; }
	[ "$(jget "$out" 'j["sec-status"]')" = "$want" ] || { echo "$out"; return 1; }
}

# A netlink-level error, with the kernel's extack message in the reply.
nl_error_with_msg() { # ERRNO_NAME OP JSON
	local want=$1 out
	shift
	if out=$(ynl --do "$@" 2>&1); then
		echo "succeeded: $out"
		return 1
	fi
	grep -q "Netlink error: $want" <<<"$out" && grep -q "'msg'" <<<"$out" || { echo "$out"; return 1; }
}

# Registering as the helper and asking for the status on the same socket
# shows a helper; once the CLI's socket is closed the kernel has dropped it.
helper_follows_socket() {
	local out
	out=$(ynl --multi helper-register '{"version": 2}' --multi get-status '{}') || { echo "$out"; return 1; }
	[ "$(jget "$out" '[r for r in j if r and "helper" in r][0]["helper"]')" = 1 ] || { echo "$out"; return 1; }
	out=$(ynl --do get-status) || return 1
	[ "$(jget "$out" 'j["helper"]')" = 0 ] || { echo "after close: $out"; return 1; }
}

# Handles belong to the socket: the YNL library keeps one socket per family
# object, so a second object is another owner.
one_socket_then_another() {
	/usr/bin/python3 - "$repo" <<'PY'
import sys
repo = sys.argv[1]
sys.path.insert(0, repo + "/build/ynl")
from lib import YnlFamily
from lib.ynl import NlMsgs
spec = repo + "/Documentation/netlink/specs/credssp.yaml"
schema = repo + "/build/ynl/genetlink-legacy.yaml"
a = YnlFamily(spec, schema)
b = YnlFamily(spec, schema)


def outcome(ynl):
    """ACCEPT is asynchronous: do() returns at its ACK; read the outcome."""
    op = ynl.ops["accept"]
    for msg in NlMsgs(ynl.sock.recv(65536), attr_space=op.attr_set):
        decoded = ynl.nlproto.decode(ynl, msg, op)
        return ynl._decode(decoded.raw_attrs, op.attr_set.name)


r = a.do("acquire-cred", {"package": "CredSSP", "cred-use": 1})
assert r["sec-status"] == 0, r
cred = r["cred-id"]
r = a.do("accept", {"cred-id": cred, "input": bytes.fromhex("160301000100")})
if r is None:  # the usual order: the ACK, then the outcome
    r = outcome(a)
assert r["sec-status"] == 0x80090311, r
assert "ctx-id" not in r, r
assert r["message"], r
# Refused before it is queued: the reply comes before the ACK.
r = b.do("accept", {"cred-id": cred, "input": b"\x16"})
assert r["sec-status"] == 0x80100003, r
r = b.do("free-cred", {"cred-id": cred})
assert r["sec-status"] == 0x80100003, r
r = a.do("free-cred", {"cred-id": cred})
assert r["sec-status"] == 0, r
PY
}

unprivileged_refused() {
	local out
	if out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		/usr/bin/python3 "$repo/build/ynl/cli.py" --spec "$repo/Documentation/netlink/specs/credssp.yaml" \
		--schema "$repo/build/ynl/genetlink-legacy.yaml" --do get-status 2>&1); then
		echo "succeeded: $out"
		return 1
	fi
	grep -q "Operation not permitted" <<<"$out" || { echo "$out"; return 1; }
}

tap_check "ynl get-status: keyring serial as /proc/keys, no helper, limits" status_matches_keyring
tap_check "ynl acquire-cred CredSSP inbound: SEC_E_OK, a handle, no expiry" acquire_ok
tap_check "ynl acquire-cred Negotiate: SEC_E_SECPKG_NOT_FOUND" \
	status_is $SECPKG_NOT_FOUND acquire-cred --json '{"package": "Negotiate", "cred-use": 1}'
tap_check "ynl acquire-cred outbound: SEC_E_UNSUPPORTED_FUNCTION" \
	status_is $UNSUPPORTED acquire-cred --json '{"package": "CredSSP", "cred-use": 2}'
tap_check "ynl free-cred of an unknown handle: SEC_E_INVALID_HANDLE" \
	status_is $INVALID_HANDLE free-cred --json '{"cred-id": 4294967297}'
tap_check "ynl accept with an unknown credential: SEC_E_INVALID_HANDLE" \
	status_is $INVALID_HANDLE accept --json '{"cred-id": 4294967297, "input": "1603"}'
tap_check "ynl accept without a credential: EINVAL with an extack message" \
	nl_error_with_msg "Invalid argument" accept --json '{"input": "1603"}'
tap_check "ynl library, one socket: acquire + accept without a helper: SEC_E_NO_AUTHENTICATING_AUTHORITY; another socket: SEC_E_INVALID_HANDLE" \
	one_socket_then_another
no_contexts() { [ "$(ynl --dump get-ctx)" = '[]' ]; }
tap_check "ynl get-ctx dump: no contexts" no_contexts
tap_check "ynl helper-register: the helper lives as long as its socket" helper_follows_socket
tap_check "ynl as an unprivileged user: EPERM" unprivileged_refused
tap_done
