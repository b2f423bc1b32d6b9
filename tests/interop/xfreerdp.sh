#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The engine against the real xfreerdp (FreeRDP 2.11, freerdp2-x11), through
# the host-only front (build/front). What it proves:
#
# - Raw NTLMSSP, TSRequest version 6, client nonce in every message,
#   AUTHENTICATE and pubKeyAuth in one TSRequest, TLS 1.3: the engine reaches
#   SEC_E_OK with the principal gss-ntlmssp reports (KCREDSSP\alice), package
#   NTLM without SPNEGO, peer and negotiated version 6, and the delegated
#   password decrypted from authInfo is exactly "Passw0rd!".
# - The exported kTLS keys are right in both directions, checked the way
#   the kernel will use them (the front's own AEAD record code, no SSL
#   object): rx decrypts the client's next record, its MCS Connect-Initial
#   (03 00 .. 02 f0 80 7f 65); tx encrypts an MCS Connect-Response that
#   xfreerdp decrypts and rejects for its contents ("gcc_read_conference_
#   create_response failed"), never with a TLS error.
# - The tx check can fail: the same record with one tag bit flipped makes
#   xfreerdp report "bad record mac" and send a fatal bad_record_mac alert,
#   which the front decrypts with the rx keys.
# - A wrong password: gss-ntlmssp refuses, the engine returns
#   SEC_E_LOGON_DENIED and sends errorCode STATUS_LOGON_FAILURE, and xfreerdp
#   exits 134 (XF_EXIT_LOGON_FAILURE) after logging that NTSTATUS.
# - A certificate and key from files (--cert/--key) with an EC P-256 key
#   (pubKeyAuth over the X9.62 point), and one server credential serving two
#   connections in a row (--count 2).
#
# xfreerdp's /auth-only does not stop after CredSSP (it runs the RDP
# connection sequence), so against the front it always ends with 147
# (transport closed) when authentication succeeded; success is judged by the
# front's result and by what xfreerdp logs about our record.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/interop.sh"

it_init
it_need xfreerdp
it_xvfb
users=$it_dir/ntlm-users
"$it_repo/tests/lib/ntlm-users.sh" hash "$users" KCREDSSP alice 'Passw0rd!' ||
	it_setup_error="cannot write the NTLM user file"

xf=(xfreerdp /v:127.0.0.1:@PORT@ /u:alice /d:KCREDSSP /cert:ignore /sec:nla /auth-only)
decrypted_ours='gcc_read_conference_create_response failed'
bad_mac='bad record mac'

# A good password: SEC_E_OK, identity and password, rx and tx keys.
it_run ntlm --ntlm-users "$users" -- "${xf[@]}" '/p:Passw0rd!'
it_case "xfreerdp NTLM: SEC_E_OK as KCREDSSP\\alice, password Passw0rd!, version 6"
it_want status SEC_E_OK
it_want package NTLM
it_want spnego no
it_want principal 'KCREDSSP\alice'
it_want peer_version 6
it_want version 6
it_want cred_type password
it_want domain KCREDSSP
it_want user alice
it_want password 'Passw0rd!'
it_want tls_version 1.3
it_end
it_case "xfreerdp NTLM: rx keys decrypt the MCS Connect-Initial"
it_want mcs ok
it_end
it_case "xfreerdp NTLM: tx keys: xfreerdp decrypts our record (exit 147 after it)"
it_want tx sent
it_want tx_reply alert:warning:close_notify
it_want_log "$decrypted_ours"
it_want_no_log "$bad_mac"
it_want_rc 147
it_want_front_exit 0
it_end

# Negative control of the tx check: one flipped tag bit.
it_run corrupt --ntlm-users "$users" --tx-corrupt -- "${xf[@]}" '/p:Passw0rd!'
it_case "xfreerdp NTLM: a record with a bad tag is refused with bad_record_mac"
it_want status SEC_E_OK
it_want mcs ok
it_want tx sent_corrupt
it_want tx_reply alert:fatal:bad_record_mac
it_want_log "$bad_mac"
it_want_no_log "$decrypted_ours"
it_end

# A wrong password: errorCode STATUS_LOGON_FAILURE, exit 134.
it_run wrong --ntlm-users "$users" -- "${xf[@]}" /p:wrong-password
it_case "xfreerdp NTLM wrong password: SEC_E_LOGON_DENIED, xfreerdp exits 134"
it_want status SEC_E_LOGON_DENIED
it_want_rc 134
it_want_log 'STATUS_LOGON_FAILURE \[0xC000006D\]'
it_want_front_exit 1
it_end

# The server identity from files, with an EC P-256 key: pubKeyAuth binds
# the X9.62 point; and one server credential serving two contexts in a row.
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=localhost -keyout "$it_dir/ec-key.pem" -out "$it_dir/ec-cert.pem" \
	>"$it_dir/openssl.log" 2>&1; then
	ec=(--cert "$it_dir/ec-cert.pem" --key "$it_dir/ec-key.pem")
else
	it_setup_error="${it_setup_error:+$it_setup_error; }openssl req: $(tail -n 3 "$it_dir/openssl.log")"
	ec=()
fi
it_run ec-twice --ntlm-users "$users" "${ec[@]}" --count 2 -- bash -c \
	'"$@"; "$@"; exit $?' xf "${xf[@]}" '/p:Passw0rd!'
it_case "xfreerdp NTLM, EC P-256 certificate, two connections: SEC_E_OK and kTLS keys twice"
n_ok=$(grep -c '^status=SEC_E_OK$' "$it_res" 2>/dev/null)
n_mcs=$(grep -c '^mcs=ok$' "$it_res" 2>/dev/null)
{ [ "$n_ok" = 2 ] && [ "$n_mcs" = 2 ]; } || it_fail "want 2 x SEC_E_OK and mcs=ok, got $n_ok and $n_mcs"
[ "$(grep -c "$decrypted_ours" "$it_clog")" = 2 ] ||
	it_fail "xfreerdp did not decrypt our record twice"
it_want password 'Passw0rd!'
it_want_rc 147
it_want_front_exit 0
it_end

tap_done
