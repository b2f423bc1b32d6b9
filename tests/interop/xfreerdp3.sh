#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The engine against the real xfreerdp3 (FreeRDP 3.10, freerdp3-x11),
# through the host-only front (build/front), with NTLM and Kerberos against
# a throwaway KDC (tests/lib/kdc.sh). What it proves:
#
# - Raw NTLMSSP (no ticket: xfreerdp3 falls back to "direct NTLM"), v6:
#   SEC_E_OK as KCREDSSP\alice, no SPNEGO, password exactly "Passw0rd!".
#   A wrong password: SEC_E_LOGON_DENIED, errorCode, xfreerdp3 exits 134.
# - SPNEGO around NTLM (the client holds a TGT, the server has no keytab:
#   MIT's SPNEGO acceptor counter-proposes NTLM, the client's AUTHENTICATE
#   comes with a mechListMIC, pubKeyAuth in a TSRequest of its own):
#   SEC_E_OK, package NTLM with spnego=yes.
# - Kerberos in SPNEGO (/auth-pkg-list:!ntlm, host name localhost matching
#   TERMSRV/localhost, the client gets its TGT with the password): SEC_E_OK
#   as alice@KCREDSSP.TEST, password "Passw0rd!"; the server's pubKeyAuth
#   in the SSPI layout (RRC 28) is accepted by the client.
# - Kerberos with a wrong password and an empty ccache: the KDC refuses the
#   AS-REQ, so the server never sees a token: xfreerdp3 exits 132 (NLA
#   failure, no errorCode) and closes TLS after the handshake, which the
#   engine reports as SEC_E_INVALID_TOKEN (an alert where a TSRequest was
#   due). With NTLM allowed too, the client falls back to NTLM, the server
#   refuses it: SEC_E_LOGON_DENIED and exit 134.
# - The kTLS keys of every session: rx decrypts the client's MCS
#   Connect-Initial; tx encrypts an MCS Connect-Response that xfreerdp3
#   decrypts and rejects for its contents (never a TLS error); with a
#   flipped tag bit it reports "bad record mac" instead (negative control).
# - TLS 1.2 (/tls:enforce:1.2) with AES-128-GCM, AES-256-GCM and
#   ChaCha20-Poly1305: the TLS 1.2 key block, explicit GCM nonces and
#   ChaCha nonces of the exported keys, in both directions.
#
# xfreerdp3's /auth-only runs the RDP connection sequence after CredSSP;
# against FreeRDP's own server it exits 131, against the front (which stops
# after one record) 147. Success is judged by the front and by what
# xfreerdp3 logs about our record.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/interop.sh"

it_init
it_need xfreerdp3
it_xvfb
it_kdc localhost
realm=KCREDSSP.TEST
users=$it_dir/ntlm-users
"$it_repo/tests/lib/ntlm-users.sh" hash "$users" KCREDSSP alice 'Passw0rd!' &&
	"$it_repo/tests/lib/ntlm-users.sh" hash "$users" "$realm" alice 'Passw0rd!' ||
	it_setup_error="cannot write the NTLM user file"
empty_krb5=$KRB5_CONFIG
no_ccache=FILE:$it_dir/no-ccache

common=(/cert:ignore /sec:nla /auth-only)
decrypted_ours='gcc_read_conference_create_response failed'
bad_mac='bad record mac'

# it_tx_ok: the client decrypted our record; rc 147 after it.
tx_ok() {
	it_want mcs ok
	it_want tx sent
	it_want tx_reply alert:warning:close_notify
	it_want_log "$decrypted_ours"
	it_want_no_log "$bad_mac"
	it_want_rc 147
	it_want_front_exit 0
}

# --- Raw NTLM: no Kerberos configuration at all, an IP address. ---
it_client_env=(KRB5_CONFIG="$empty_krb5" KRB5CCNAME="$no_ccache")
it_run ntlm --ntlm-users "$users" -- xfreerdp3 /v:127.0.0.1:@PORT@ /u:alice /d:KCREDSSP \
	'/p:Passw0rd!' "${common[@]}"
it_case "xfreerdp3 raw NTLM: SEC_E_OK as KCREDSSP\\alice, password Passw0rd!, version 6"
it_want status SEC_E_OK
it_want package NTLM
it_want spnego no
it_want principal 'KCREDSSP\alice'
it_want peer_version 6
it_want version 6
it_want domain KCREDSSP
it_want user alice
it_want password 'Passw0rd!'
it_end
it_case "xfreerdp3 raw NTLM: kTLS keys (MCS Connect-Initial in, our record out)"
tx_ok
it_end

it_run ntlm-wrong --ntlm-users "$users" -- xfreerdp3 /v:127.0.0.1:@PORT@ /u:alice /d:KCREDSSP \
	/p:wrong-password "${common[@]}"
it_case "xfreerdp3 raw NTLM wrong password: SEC_E_LOGON_DENIED, exit 134"
it_want status SEC_E_LOGON_DENIED
it_want_rc 134
it_want_front_exit 1
it_end

it_run corrupt --ntlm-users "$users" --tx-corrupt -- xfreerdp3 /v:127.0.0.1:@PORT@ /u:alice \
	/d:KCREDSSP '/p:Passw0rd!' "${common[@]}"
it_case "xfreerdp3: a record with a bad tag is refused with bad_record_mac"
it_want status SEC_E_OK
it_want tx sent_corrupt
it_want tx_reply alert:fatal:bad_record_mac
it_want_log "$bad_mac"
it_want_no_log "$decrypted_ours"
it_end

# --- TLS 1.2, each AEAD suite kTLS carries. ---
for suite in ECDHE-RSA-AES128-GCM-SHA256:51 ECDHE-RSA-AES256-GCM-SHA384:52 \
	ECDHE-RSA-CHACHA20-POLY1305:54; do
	name=${suite%:*} type=${suite#*:}
	it_run "tls12-$name" --ntlm-users "$users" -- xfreerdp3 /v:127.0.0.1:@PORT@ /u:alice \
		/d:KCREDSSP '/p:Passw0rd!' "${common[@]}" "/tls:enforce:1.2,ciphers:$name"
	it_case "xfreerdp3 TLS 1.2 $name: SEC_E_OK and kTLS keys"
	it_want status SEC_E_OK
	it_want password 'Passw0rd!'
	it_want tls_version 1.2
	it_get ktls | grep -q "^cipher_type=$type " || it_fail "ktls: want cipher_type=$type, got '$(it_get ktls)'"
	tx_ok
	it_end
done

# --- SPNEGO(NTLM): the client has a TGT, the server no keytab. ---
it_client_env=(KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="$it_tgt")
it_run spnego-ntlm --ntlm-users "$users" -- xfreerdp3 /v:localhost:@PORT@ /u:alice /d:"$realm" \
	'/p:Passw0rd!' "${common[@]}"
it_case "xfreerdp3 SPNEGO(NTLM): SEC_E_OK as $realm\\alice, spnego=yes, password Passw0rd!"
it_want status SEC_E_OK
it_want package NTLM
it_want spnego yes
it_want principal "$realm\\alice"
it_want version 6
it_want password 'Passw0rd!'
it_end
it_case "xfreerdp3 SPNEGO(NTLM): kTLS keys"
tx_ok
it_end

# --- Kerberos: the client gets its TGT with the password (empty ccache). ---
export KRB5_CONFIG=$it_krb5_conf # the front's acceptor too
it_client_env=(KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="$no_ccache")
it_run krb5 --keytab "$it_keytab" -- xfreerdp3 /v:localhost:@PORT@ /u:alice /d:"$realm" \
	'/p:Passw0rd!' '/auth-pkg-list:!ntlm' "${common[@]}"
it_case "xfreerdp3 Kerberos: SEC_E_OK as alice@$realm, spnego=yes, password Passw0rd!"
it_want status SEC_E_OK
it_want package Kerberos
it_want spnego yes
it_want principal "alice@$realm"
it_want peer_version 6
it_want version 6
it_want domain "$realm"
it_want user alice
it_want password 'Passw0rd!'
it_end
it_case "xfreerdp3 Kerberos: kTLS keys"
tx_ok
it_end

it_run krb5-wrong --keytab "$it_keytab" -- xfreerdp3 /v:localhost:@PORT@ /u:alice /d:"$realm" \
	/p:wrong-password '/auth-pkg-list:!ntlm' "${common[@]}"
it_case "xfreerdp3 Kerberos wrong password: the KDC refuses, exit 132, no SEC_E_OK"
it_want_rc 132
it_want_log 'krb5glue_get_init_creds|Decrypt integrity check failed|Preauthentication failed'
it_want status SEC_E_INVALID_TOKEN
it_want_front_exit 1
it_end

it_run krb5-wrong-ntlm --keytab "$it_keytab" --ntlm-users "$users" -- xfreerdp3 \
	/v:localhost:@PORT@ /u:alice /d:"$realm" /p:wrong-password "${common[@]}"
it_case "xfreerdp3 Kerberos wrong password, NTLM fallback: SEC_E_LOGON_DENIED, exit 134"
it_want status SEC_E_LOGON_DENIED
it_want_rc 134
it_want_front_exit 1
it_end

tap_done
