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

cli=("$repo/build/ynl/cli.py" --spec "$repo/Documentation/netlink/specs/credssp.yaml")

# Under TCG every Python start-up costs seconds (importing jsonschema alone
# about ten in the debug guest): the CLI runs twice (get-status, and
# unprivileged); every other check runs in one Python process through the
# YNL library the CLI is a front for, on the same spec, and prints one JSON
# line per check: {"ok": ..., "detail": ...}. The spec's validation against
# the genetlink schema is the host's (scripts/ynl-gen.sh --check).

# The CLI prints the kernel's extack message of a successful reply (SSPI
# failures carry one) as a "Netlink warning" block before the JSON: keep the
# JSON lines of a success, everything of a failure.
cli_status_matches_keyring() {
	local out rc=0 want
	out=$(/usr/bin/python3 "${cli[@]}" --no-schema --output-json --do get-status 2>&1) || rc=$?
	[ $rc = 0 ] || { echo "$out"; return 1; }
	want=$(printf '%d' "0x$(awk '/ keyring   \.credssp: /{print $1}' /proc/keys)")
	# One JSON object on one line (json.dumps): its fields by pattern.
	out=$(grep -E '^[[{]' <<<"$out")
	grep -Eq "[{ ]\"keyring\": $want[,}]" <<<"$out" && grep -Eq '[{ ]"helper": 0[,}]' <<<"$out" &&
		grep -Eq '[{ ]"token-max": 65000[,}]' <<<"$out" &&
		grep -Eq '[{ ]"limit-owner-contexts": [1-9][0-9]*[,}]' <<<"$out" || { echo "$out"; return 1; }
}

unprivileged_refused() {
	local out
	if out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		/usr/bin/python3 "${cli[@]}" --no-schema --do get-status 2>&1); then
		echo "succeeded: $out"
		return 1
	fi
	grep -q "Operation not permitted" <<<"$out" || { echo "$out"; return 1; }
}

tap_check "ynl get-status: keyring serial as /proc/keys, no helper, limits" cli_status_matches_keyring

lib_checks() {
	/usr/bin/python3 - "$repo" <<'PY'
import errno, json, sys, time, traceback
repo = sys.argv[1]
sys.path.insert(0, repo + "/build/ynl")
from lib import YnlFamily, NlError
from lib.ynl import NlMsgs
spec = repo + "/Documentation/netlink/specs/credssp.yaml"

SECPKG_NOT_FOUND = 0x80090305
INVALID_HANDLE = 0x80090301  # winerror.h SEC_E_INVALID_HANDLE
NO_AUTHORITY = 0x80090311
UNSUPPORTED = 0x80090302


def family():
    return YnlFamily(spec, "")


a = family()


def check(fn):
    try:
        fn()
        print(json.dumps({"ok": True}), flush=True)
    except Exception:
        print(json.dumps({"ok": False, "detail": traceback.format_exc()}), flush=True)


def acquire_ok():
    r = a.do("acquire-cred", {"package": "CredSSP", "cred-use": 1})
    assert r["sec-status"] == 0 and r["cred-id"] != 0, r
    assert r["expiry"] == 18446744073709551615, r
    r = a.do("free-cred", {"cred-id": r["cred-id"]})
    assert r["sec-status"] == 0, r


def status_is(want, op, vals):
    def fn():
        r = a.do(op, vals)
        assert r["sec-status"] == want, r
    return fn


def einval_with_msg():
    # A netlink-level error, with the kernel's extack message in the reply.
    try:
        r = a.do("accept", {"input": bytes.fromhex("1603")})
    except NlError as e:
        assert e.error == errno.EINVAL, str(e)
        assert e.nl_msg.extack and e.nl_msg.extack.get("msg"), str(e)
        return
    raise AssertionError(f"succeeded: {r}")


def outcome(ynl):
    """ACCEPT is asynchronous: do() returns at its ACK; read the outcome."""
    op = ynl.ops["accept"]
    for msg in NlMsgs(ynl.sock.recv(65536), attr_space=op.attr_set):
        decoded = ynl.nlproto.decode(ynl, msg, op)
        return ynl._decode(decoded.raw_attrs, op.attr_set.name)


# Handles belong to the socket: the YNL library keeps one socket per family
# object, so a second object is another owner.
def one_socket_then_another():
    b = family()
    r = a.do("acquire-cred", {"package": "CredSSP", "cred-use": 1})
    assert r["sec-status"] == 0, r
    cred = r["cred-id"]
    r = a.do("accept", {"cred-id": cred, "input": bytes.fromhex("160301000100")})
    if r is None:  # the usual order: the ACK, then the outcome
        r = outcome(a)
    assert r["sec-status"] == NO_AUTHORITY, r
    assert "ctx-id" not in r, r
    assert r["message"], r
    # Refused before it is queued: the reply comes before the ACK.
    r = b.do("accept", {"cred-id": cred, "input": b"\x16"})
    assert r["sec-status"] == INVALID_HANDLE, r
    r = b.do("free-cred", {"cred-id": cred})
    assert r["sec-status"] == INVALID_HANDLE, r
    r = a.do("free-cred", {"cred-id": cred})
    assert r["sec-status"] == 0, r
    b.sock.close()


def no_contexts():
    r = a.dump("get-ctx", {})
    assert r == [], r


# Registering as the helper and asking for the status on the same socket
# shows a helper; once that socket is closed the kernel has dropped it.
def helper_follows_socket():
    c = family()
    r = c.do_multi([("helper-register", {"version": 2}, []), ("get-status", {}, [])])
    assert [x for x in r if x and "helper" in x][0]["helper"] == 1, r
    c.sock.close()
    r = a.do("get-status", {})
    assert r["helper"] == 0, f"after close: {r}"


check(acquire_ok)
check(status_is(SECPKG_NOT_FOUND, "acquire-cred", {"package": "Negotiate", "cred-use": 1}))
check(status_is(UNSUPPORTED, "acquire-cred", {"package": "CredSSP", "cred-use": 2}))
check(status_is(INVALID_HANDLE, "free-cred", {"cred-id": 4294967297}))
check(status_is(INVALID_HANDLE, "accept", {"cred-id": 4294967297, "input": bytes.fromhex("1603")}))
check(einval_with_msg)
check(one_socket_then_another)
check(no_contexts)
check(helper_follows_socket)
PY
}

names=(
	"ynl acquire-cred CredSSP inbound: SEC_E_OK, a handle, no expiry"
	"ynl acquire-cred Negotiate: SEC_E_SECPKG_NOT_FOUND"
	"ynl acquire-cred outbound: SEC_E_UNSUPPORTED_FUNCTION"
	"ynl free-cred of an unknown handle: SEC_E_INVALID_HANDLE"
	"ynl accept with an unknown credential: SEC_E_INVALID_HANDLE"
	"ynl accept without a credential: EINVAL with an extack message"
	"ynl library, one socket: acquire + accept without a helper: SEC_E_NO_AUTHENTICATING_AUTHORITY; another socket: SEC_E_INVALID_HANDLE"
	"ynl get-ctx dump: no contexts"
	"ynl helper-register: the helper lives as long as its socket"
)
out=$(lib_checks 2>&1)
rc=$?
# One JSON line per check, in order; whatever else was printed is the detail
# of the first check without a line (a crash of the whole process).
mapfile -t lines <<<"$(grep -E '^\{"ok": ' <<<"$out")"
rest=$(grep -vE '^\{"ok": ' <<<"$out")
for i in "${!names[@]}"; do
	line=${lines[$i]:-}
	case "$line" in
	'{"ok": true}') tap_result 0 "${names[$i]}" ;;
	'{"ok": false'*) tap_result 1 "${names[$i]}" \
		"$(/usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1])["detail"])' "$line")" ;;
	*) tap_result 1 "${names[$i]}" "no result (python exit $rc): $rest"; rest= ;;
	esac
done
tap_check "ynl as an unprivileged user: EPERM" unprivileged_refused
tap_done
