#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# credsspd fails closed, loudly (issue 16, deliverable 2), on the host:
# `credsspd -t` loads the server credential as the daemon does at start and
# must refuse a missing, empty or malformed NTLM user file, and an empty or
# malformed keytab, exiting non-zero with the reason and "every logon is
# denied"; the same files made right pass. Needs build/credsspd (make
# credsspd) and openssl; prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/lib/tap.sh"
daemon=$repo/build/credsspd
tmp=$(mktemp -d /tmp/kcredssp-failclosed-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

setup() {
	[ -x "$daemon" ] || { echo "no $daemon (make credsspd)"; return 1; }
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=srv.kcredssp.test -days 2 \
		-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 &&
		"$repo/tests/lib/ntlm-users.sh" hash "$tmp/users.good" CONTOSO alice 'Passw0rd!'
}
tap_check "setup: certificate, key, a user file" setup || { tap_done; exit; }

# run NAME USERS [KEYTAB]: credsspd -t with that user file (and keytab); its output in $tmp/out.
run() {
	{
		echo "certificate = $tmp/cert.pem"
		echo "key = $tmp/key.pem"
		echo "ntlm_user_file = $2"
		[ -z "${3:-}" ] || echo "keytab = $3"
	} >"$tmp/$1.conf"
	"$daemon" -t -c "$tmp/$1.conf" >"$tmp/out" 2>&1
}

# refused NAME WHY USERS [KEYTAB]: exit 1, the reason and the consequence in the message.
refused() {
	local name=$1 why=$2 rc=0
	shift 2
	run "$name" "$@" || rc=$?
	[ "$rc" -eq 1 ] && grep -qF -- "$why" "$tmp/out" &&
		grep -qF "every logon is denied" "$tmp/out" || {
		echo "exit $rc, want 1 and \"$why\":"
		cat "$tmp/out"
		return 1
	}
}

accepted() {
	run "$@" && grep -q "configuration OK" "$tmp/out" || { cat "$tmp/out"; return 1; }
}

tap_check "a good user file: configuration OK" accepted good "$tmp/users.good"
tap_check "a missing user file is refused" refused missing "cannot read the NTLM user file" \
	"$tmp/nothing"
: >"$tmp/users.empty"
tap_check "an empty user file is refused" refused empty "is empty" "$tmp/users.empty"
printf '# alice was here\n\n' >"$tmp/users.comments"
tap_check "a user file of comments is refused" refused comments "has no user line" \
	"$tmp/users.comments"
{
	cat "$tmp/users.good"
	echo 'CONTOSO\bob:0:FC525C9683E8FE067095BA2DDC971889'
} >"$tmp/users.cut"
tap_check "a cut smbpasswd line (gss-ntlmssp would skip it) is refused" refused cut \
	"malformed at line 2" "$tmp/users.cut"
: >"$tmp/empty.keytab"
tap_check "an empty keytab is refused" refused kt-empty "the keytab $tmp/empty.keytab is empty" \
	"$tmp/users.good" "$tmp/empty.keytab"
echo "not a keytab" >"$tmp/bad.keytab"
tap_check "a keytab that is not one is refused" refused kt-bad "not an MIT keytab" \
	"$tmp/users.good" "$tmp/bad.keytab"
tap_done
