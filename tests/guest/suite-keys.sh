#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/suite-keys.sh: the delegated-credentials keys as an
# administrator sees them (Documentation/keyring.rst), run by
# tests/guest/run.sh in the guest with credssp.ko loaded. A holder process
# (credssp_sspi --hold: the fake helper, a handshaking context and an
# established one with delegated credentials) provides the state;
# credsspctl, keyctl(1) and /proc/keys must agree on the established
# context's key, nobody may read or forge it, and it must go with its owner.
# Prints TAP; leaves the module loaded.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
hold=$repo/build/tests/credssp_sspi
ctl=$repo/build/credsspctl
py=/usr/bin/python3
. "$here/../lib/tap.sh"
. "$here/../lib/guest.sh"

tmp=$(mktemp -d) || { echo "Bail out! mktemp failed"; exit 1; }
holder=
cleanup() {
	[ -z "$holder" ] || kill -9 "$holder" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

start_holder() { start_ready "$tmp/out" 100 "$hold" --hold; }

# Fields of the holder's contexts from credsspctl -j contexts (the holder's pid).
holder_ctx() { # STATE FIELD
	"$ctl" -j contexts | "$py" -c '
import json, sys
pid, state, field = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for c in json.load(sys.stdin):
    if c["owner_pid"] == pid and c["state"] == state:
        v = c[field]
        print("0x%016x" % v if field == "id" else v)
        break' "$holder" "$1" "$2"
}

if ! start_holder; then
	tap_result 1 "holder made an established context with delegated credentials" "$(cat "$tmp/out")"
	tap_done
	exit
fi
tap_result 0 "holder made an established context with delegated credentials"

keyring=$("$ctl" -j status | "$py" -c 'import json, sys; print(json.load(sys.stdin)["keyring"])')
id=$(holder_ctx established id)
key=$(holder_ctx established key)
hs_key=$(holder_ctx handshake key)
desc="credssp:ctx=$id;user=KCREDSSP\\alice;pkg=NTLM"
echo "# keyring $keyring, context $id, key $key"

tap_check "credsspctl -j contexts: the established context has a key serial" \
	test "${key:-0}" -gt 0
tap_check "credsspctl -j contexts: the handshaking context has none" test "$hs_key" = 0
tap_check "credsspctl -j contexts: creds_type password" \
	test "$(holder_ctx established creds_type)" = password
tap_check "credsspctl contexts: KEY column" \
	sh -c "'$ctl' contexts | awk '\$1 == \"$id\" { print \$7 }' | grep -qx -- '$key'"
tap_check "credsspctl show: key" \
	sh -c "'$ctl' show $id | grep -qE '^key +$key\$'"

# /proc/keys: serial flags usage timeout perm uid gid type description
proc_ok() {
	local l
	l=$(grep -E "^$(printf '%08x' "$key") " /proc/keys) || return 1
	# shellcheck disable=SC2086 # split into the columns
	set -- $l
	[ "$5" = 09090000 ] && [ "$6" = 0 ] && [ "$7" = 0 ] && [ "$8" = credssp ] &&
		[ "$9" = "$desc" ] && [ "$4" != perm ] || { echo "$l"; return 1; }
}
tap_check "/proc/keys: type credssp, mask 09090000, owner root, a timeout, the description" proc_ok
tap_check "keyctl show of .credssp lists it" \
	sh -c "keyctl show $keyring | grep -qF -- 'credssp: $desc'"
tap_check "keyctl rdescribe: credssp;0;0;09090000;<description>" \
	test "$(keyctl rdescribe "$key" 2>&1)" = "credssp;0;0;09090000;$desc"
tap_check "keyctl search in .credssp finds it" \
	test "$(keyctl search "$keyring" credssp "$desc" 2>&1)" = "$key"
tap_check "keyctl read fails for root" sh -c "! keyctl read $key"
tap_check "keyctl pipe fails for root" sh -c "! keyctl pipe $key"
tap_check "keyctl print fails for root" sh -c "! keyctl print $key"
tap_check "nobody (uid 65534) can neither read nor describe it" \
	sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups keyctl read $key &&
		! setpriv --reuid=65534 --regid=65534 --clear-groups keyctl rdescribe $key"
tap_check "root cannot revoke, invalidate, unlink or re-permission it" \
	sh -c "! keyctl revoke $key && ! keyctl invalidate $key &&
		! keyctl unlink $key $keyring && ! keyctl setperm $key 0x3f3f3f3f &&
		! keyctl timeout $key 1"
printf '\001\001\000\000' >"$tmp/payload"
tap_check "keyctl padd credssp is refused for root (EPERM)" \
	sh -c "keyctl padd credssp 'credssp:ctx=1;user=X\\y;pkg=NTLM' @s <'$tmp/payload' 2>&1 |
		grep -q 'Operation not permitted'"
tap_check "keyctl padd credssp into .credssp is refused" \
	sh -c "! keyctl padd credssp '$desc' $keyring <'$tmp/payload'"
tap_check "still there, unchanged" \
	test "$(keyctl rdescribe "$key" 2>&1)" = "credssp;0;0;09090000;$desc"

# The owner goes: the key leaves .credssp and then /proc/keys.
{
	kill -9 "$holder"
	wait "$holder"
} 2>/dev/null
holder=
gone() {
	for _ in {1..80}; do
		if ! keyctl rdescribe "$key" >/dev/null 2>&1 &&
			! grep -qE "^$(printf '%08x' "$key") " /proc/keys; then
			return 0
		fi
		sleep 0.1
	done
	keyctl show "$keyring"
	cat /proc/keys
	return 1
}
tap_check "owner killed: the key left .credssp" \
	sh -c "! keyctl show $keyring | grep -qF -- '$desc'"
tap_check "owner killed: the key left /proc/keys" gone
tap_done
