#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# credsspctl and the SSPI porting header against credssp.ko, in the guest.
# Run by tests/guest/run.sh with credssp.ko loaded and no helper registered
# (live contexts come from build/lib/hold and its scripted helper); prints
# TAP. The library itself is tested by build/tests/libcredssp (kselftest).
# shellcheck disable=SC2015 # a && b || { report; return 1; } is meant
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

ctl=$repo/build/credsspctl
hold=$repo/build/lib/hold
py=/usr/bin/python3

# field NAME: the value of NAME in `credsspctl status`
field() { "$ctl" status | awk -v k="$1" '$1 == k { print $2 }'; }

status_idle() {
	local out
	out=$("$ctl" status) || return 1
	grep -Eq '^helper +0$' <<<"$out" && grep -Eq '^contexts +0$' <<<"$out" &&
		grep -Eq '^creds +0$' <<<"$out" && grep -Eq '^token_max +65000$' <<<"$out" ||
		{ echo "$out"; return 1; }
}

keyring_matches() {
	local want
	want=$(awk '/ keyring   \.credssp: /{print $1}' /proc/keys)
	[ -n "$want" ] && want=$((16#$want)) && [ "$(field keyring)" = "$want" ] || { "$ctl" status; echo "want $want"; return 1; }
}

# Under TCG a Python start-up costs seconds: the JSON checks are deferred.
# defer NAME CODE CMD...: run CMD now (it must succeed); at the end one
# Python process parses each output as JSON (j) and runs CODE (assert
# statements or one expression that must be true) with env holding CTX_IDS,
# CTX_OK and HOLDER as they were. Their TAP lines come last.
tmp=$(mktemp -d /tmp/lib-suite.XXXXXX) || { echo "Bail out! mktemp failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
export tmp
defer() {
	local f=$tmp/deferred.${EPOCHREALTIME/./}
	printf '%s' "$1" >"$f.name"
	printf '%s' "$2" >"$f.code"
	shift 2
	printf '%s\n' "CTX_IDS=${CTX_IDS:-}" "CTX_OK=${CTX_OK:-}" "HOLDER=${HOLDER:-}" >"$f.env"
	"$@" >"$f.out" 2>&1
	echo $? >"$f.rc"
}
run_deferred() {
	local f out
	out=$($py - "$tmp" <<'PY' 2>&1
import glob, json, sys
for name in sorted(glob.glob(sys.argv[1] + "/deferred.*.name")):
    base = name[:-len(".name")]
    out = open(base + ".out").read()
    rc = int(open(base + ".rc").read())
    env = dict(l.split("=", 1) for l in open(base + ".env").read().splitlines())
    code = open(base + ".code").read()
    try:
        assert rc == 0, f"exit {rc}"
        j = json.loads(out)
        try:
            ok = eval(compile(code, name, "eval"), {"j": j, "env": env})
            assert ok, "false"
        except SyntaxError:
            exec(compile(code, name, "exec"), {"j": j, "env": env})
        print(base, "ok")
    except Exception as e:
        print(base, "fail", json.dumps(f"{type(e).__name__}: {e}; output: {out}"))
PY
)
	for f in "$tmp"/deferred.*.name; do
		[ -e "$f" ] || continue
		f=${f%.name}
		case "$(grep -F "$f " <<<"$out")" in
		"$f ok") tap_result 0 "$(cat "$f.name")" ;;
		"$f fail"*) tap_result 1 "$(cat "$f.name")" "$(grep -F "$f fail" <<<"$out")" ;;
		*) tap_result 1 "$(cat "$f.name")" "no result: $out" ;;
		esac
	done
}

# fails_with CODE PATTERN CMD...: exit status CODE and PATTERN on stderr
fails_with() {
	local code=$1 pat=$2 rc=0 err
	shift 2
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	[ $rc -eq "$code" ] && grep -q -- "$pat" <<<"$err" || { echo "exit $rc: $err"; return 1; }
}

tap_check "credsspctl status: no helper, no contexts, no creds" status_idle
tap_check "credsspctl status: keyring serial as in /proc/keys" keyring_matches
defer "credsspctl status -j is JSON" True "$ctl" status -j
defer "credsspctl status -j: helper 0, limits" \
	'j["helper"] == 0 and j["max_owner_contexts"] > 0 and j["token_max"] == 65000' "$ctl" -j status
defer "credsspctl contexts -j with no context: []" 'j == []' "$ctl" contexts -j
defer "credsspctl stats -j is JSON" True "$ctl" stats -j
tap_check "credsspctl stats (table)" "$ctl" stats
tap_check "credsspctl delete 12345 fails cleanly (exit 1)" \
	fails_with 1 "SEC_E_INVALID_HANDLE" "$ctl" delete 12345
tap_check "credsspctl show 12345 fails cleanly (exit 1)" fails_with 1 "no context" "$ctl" show 12345
tap_check "credsspctl show junk: usage error (exit 2)" fails_with 2 "not a context id" "$ctl" show 12x
tap_check "credsspctl frobnicate: usage error (exit 2)" fails_with 2 "unknown command" "$ctl" frobnicate

# Live contexts from build/lib/hold, which runs the checks below (exported
# to bash) with CTX_IDS and CTX_OK set: one established, the rest
# authenticating. One holder for all of them (each costs seconds under TCG):
# held_checks CHECK... writes each check's status and output to
# $tmp/held.CHECK.
export ctl py
count_rows() { "$ctl" contexts | grep -c '^0x'; }
three_rows() { [ "$(count_rows)" = 3 ] || { "$ctl" contexts; return 1; }; }
contexts_json() {
	HOLDER=$PPID defer "credsspctl contexts -j: valid JSON, the holder's pid, states" '
ids = set(int(i) for i in env["CTX_IDS"].split())
mine = [c for c in j if c["id"] in ids]
assert len(mine) == 3, j
assert all(c["owner_pid"] == int(env["HOLDER"]) for c in mine), j
assert sorted(c["state"] for c in mine) == ["established", "handshake", "handshake"], j
' "$ctl" contexts -j
}
show_ok() {
	local out
	out=$("$ctl" show "$CTX_OK") || return 1
	grep -q '^principal *TEST\\alice$' <<<"$out" && grep -q '^tls *TLS1.3$' <<<"$out" &&
		grep -q '^package *NTLM$' <<<"$out" && grep -q '^state *established$' <<<"$out" ||
		{ echo "$out"; return 1; }
}
show_json() {
	local out
	out=$("$ctl" -j show "$CTX_OK") || return 1
	grep -qF '"TEST\\alice"' <<<"$out" || { echo "$out"; return 1; }
	defer "credsspctl show -j ID: JSON" '
assert j["principal"] == "TEST\\alice" and j["id"] == int(env["CTX_OK"]), j
assert j["tls_cipher"] == "TLS_AES_128_GCM_SHA256" and j["package"] == "NTLM", j
assert j["state"] == "established" and j["version"] == 6, j
' "$ctl" -j show "$CTX_OK"
}
status_held() {
	local out
	out=$("$ctl" status) || return 1
	grep -Eq '^contexts +3$' <<<"$out" && grep -Eq '^creds +1$' <<<"$out" &&
		grep -Eq '^helper +1$' <<<"$out" || { echo "$out"; return 1; }
}
admin_delete() {
	# shellcheck disable=SC2086 # split the ids
	set -- $CTX_IDS
	"$ctl" delete "$2" || return 1
	! "$ctl" show "$2" 2>/dev/null || return 1
	[ "$(count_rows)" = 2 ] || { "$ctl" contexts; return 1; }
	"$ctl" delete "0x$(printf %x "$1")" # the hex form too
}
vg() {
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$@"
}
ctl_vg() {
	vg "$ctl" contexts -j >/dev/null && vg "$ctl" -j show "$CTX_OK" >/dev/null &&
		vg "$ctl" stats >/dev/null
}
held_checks() {
	local c
	for c in "$@"; do
		"$c" >"$tmp/held.$c" 2>&1
		echo $? >"$tmp/held.$c.rc"
	done
}
export -f count_rows three_rows contexts_json show_ok show_json status_held admin_delete \
	vg ctl_vg held_checks defer
# The contexts being authenticated expire after handshake_timeout_ms (60 s):
# the valgrind runs (seconds each) get a holder of their own, further down.
"$hold" 3 bash -c 'held_checks three_rows contexts_json show_ok show_json status_held admin_delete' \
	>"$tmp/hold.out" 2>&1
hold_rc=$?
# held NAME CHECK: the result of CHECK in a holder's session.
held() {
	local rc
	rc=$(cat "$tmp/held.$2.rc" 2>/dev/null) ||
		{ tap_result 1 "$1" "no result; hold exit $hold_rc: $(cat "$tmp/hold.out")"; return; }
	tap_result "$rc" "$1" "$([ "$rc" = 0 ] || printf '%s\n(exit %s)' "$(cat "$tmp/held.$2")" "$rc")"
}
held "credsspctl contexts: three rows" three_rows
held "credsspctl contexts -j: the holder's pid, states (JSON checked at the end)" contexts_json
held "credsspctl show ID: principal, TLS, package, state" show_ok
held "credsspctl show -j ID: backslash escaped" show_json
held "credsspctl status while held: contexts 3, creds 1, helper 1" status_held
held "credsspctl delete ID: another session's context, by the admin" admin_delete
tap_result "$hold_rc" "hold: the session closed cleanly" "$(cat "$tmp/hold.out")"
tap_check "after the holder closed: contexts 0, creds 0" status_idle
defer "credsspctl stats -j counts the established handshake" \
	'any(s["outcome"] == "ok" and s["package"] == "NTLM" and s["count"] >= 1 for s in j["handshakes"])' \
	"$ctl" stats -j

# The SSPI porting header: a Windows-style server, no helper (its own TAP).
out=$("$repo/build/lib/sspi_port" 2>&1)
rc=$?
tap_result $rc "sspi_port: Windows-style server with sspi.h names ($(grep -c '^ok' <<<"$out") checks)" \
	"$(grep -v '^ok' <<<"$out")"

# The porting layer through a handshake with the scripted helper; its
# principal TEST\alice maps to a local account alice (uid 5001, and a
# supplementary group), made in a mount namespace of the run's own for
# ImpersonateSecurityContext. (The valgrind run below has no alice: there
# ImpersonateSecurityContext must answer SEC_E_NO_IMPERSONATION.)
mkdir -p "$tmp/etc"
{ cat /etc/passwd; echo "alice:x:5001:5001:alice:/nonexistent:/usr/sbin/nologin"; } >"$tmp/etc/passwd"
{ cat /etc/group; echo "alice:x:5001:"; echo "sspi-t:x:5002:alice"; } >"$tmp/etc/group"
as_alice_exists() {
	unshare -m sh -c 'mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group &&
		shift && exec "$@"' sh "$tmp/etc" "$@"
}
out=$(as_alice_exists "$repo/build/lib/sspi_handshake" 2>&1)
rc=$?
tap_result $rc "sspi_handshake: SecBufferDesc handshake to SEC_E_OK, queries, impersonation, calls in parallel ($(grep -c '^ok' <<<"$out") checks)" \
	"$(grep -v '^ok' <<<"$out")"

# No leak, no invalid access in the library (valgrind, if installed).
if command -v valgrind >/dev/null; then
	tap_check "valgrind: sspi_handshake" vg "$repo/build/lib/sspi_handshake"
	tap_check "valgrind: credsspctl contexts -j, show -j, stats with live contexts" \
		"$hold" 2 bash -c ctl_vg
else
	tap_skip "valgrind" "not installed"
fi

# Permissions: without CAP_NET_ADMIN
if command -v setpriv >/dev/null; then
	tap_check "credsspctl status without CAP_NET_ADMIN: exit 4, clear message" \
		fails_with 4 "needs CAP_NET_ADMIN" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$ctl" status
else
	tap_skip "credsspctl without CAP_NET_ADMIN" "no setpriv"
fi

# Module not loaded: exit 3 and the message; then load it again.
if [ -z "${MODDIR:-}" ]; then
	tap_skip "credsspctl without credssp.ko" "MODDIR not set"
elif rmmod credssp; then
	tap_check "credsspctl without credssp.ko: exit 3, clear message" \
		fails_with 3 "credssp.ko is not loaded (genl family credssp not found)" "$ctl" status
	tap_check "reload credssp.ko" insmod "$MODDIR/credssp.ko"
else
	tap_result 1 "rmmod credssp for the not-loaded check"
fi

run_deferred
tap_done
