#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The engine against the real rdesktop 1.9 (GnuTLS, MIT GSSAPI), through the
# host-only front (build/front), with a throwaway KDC (tests/lib/kdc.sh).
# rdesktop speaks CredSSP version 2 with a raw krb5 token (no SPNEGO), no
# nonce, a separate pubKeyAuth round trip (echo + 1), BER lengths written
# 82 xx xx, and NUL-terminated UTF-16 credentials. What it proves:
#
# - With --min-version 2: SEC_E_OK as alice@KCREDSSP.TEST, package Kerberos,
#   spnego=no, peer and negotiated version 2, the delegated password with
#   rdesktop's trailing NUL stripped is exactly "Passw0rd!", domain
#   KCREDSSP.TEST and user alice likewise; the acceptor made an AP-REP.
# - The kTLS keys, against an independent TLS stack (GnuTLS): rx decrypts
#   the MCS Connect-Initial; tx encrypts an MCS Connect-Response that
#   rdesktop decrypts and rejects for its contents
#   ("mcs_recv_connect_response(), result=14"), after which it sends an
#   X.224 Disconnect Request that the front decrypts too; with a flipped tag
#   bit rdesktop says "Decryption has failed" instead (negative control).
#   Also in TLS 1.2 (rdesktop -V 1.2): AES-GCM explicit nonces.
# - Wrong password: rdesktop never uses -p for Kerberos, only the ticket in
#   its ccache. With a TGT and a wrong -p it authenticates and the server
#   receives the wrong password in authInfo: SEC_E_OK, password as typed
#   (CredSSP does not check delegated passwords; whoever uses them does).
#   Without a TGT rdesktop stops after the TLS handshake ("Failed to
#   initialize NLA") and closes TLS: the engine sees an alert where a
#   TSRequest was due, SEC_E_INVALID_TOKEN. A ticket the server cannot
#   decrypt (keytab with the right kvno and a wrong key): SEC_E_LOGON_DENIED
#   (version 2 has no errorCode: rdesktop just sees the connection close).
# - The default minimum version (5) refuses rdesktop's version 2 at its
#   first TSRequest, before any mechanism runs: SEC_E_LOGON_DENIED, and the
#   acceptor's Kerberos trace shows no AP-REQ processed.
#
# rdesktop does not stop after CredSSP; it ends by itself (exit 76,
# EX_PROTOCOL) once it has rejected our record, within the client timeout.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/interop.sh"

it_init
it_need rdesktop
it_xvfb
it_kdc localhost
realm=KCREDSSP.TEST
export KRB5_CONFIG=$it_krb5_conf
no_ccache=FILE:$it_dir/no-ccache
# The certificate prompt ("Do you trust this certificate (yes/no)?").
yes yes 2>/dev/null | head -n 100 >"$it_dir/yes"
it_stdin=$it_dir/yes
wrong_keytab=$it_dir/wrong.keytab
"$it_repo/tests/lib/kdc.sh" wrongkey "$it_kdc_dir" "TERMSRV/localhost@$realm" "$wrong_keytab" \
	>"$it_dir/wrongkey.log" 2>&1 || it_setup_error="${it_setup_error:+$it_setup_error; }wrongkey: $(tail -n 3 "$it_dir/wrongkey.log")"

rd=(rdesktop -u alice -d "$realm" localhost:@PORT@)
decrypted_ours='mcs_recv_connect_response\(\), result=14'
bad_mac='Decryption has failed'
it_client_env=(KRB5CCNAME="$it_tgt" KRB5_TRACE=/dev/null)

tx_ok() {
	it_want mcs ok
	it_want tx sent
	it_want tx_reply_record 'type=23 len=11 head=0300000b06800000000000'
	it_want tx_reply alert:warning:close_notify
	it_want_log "$decrypted_ours"
	it_want_no_log "$bad_mac"
	it_want_rc 76
	it_want_front_exit 0
}

# --- Kerberos, version 2, TLS 1.3. ---
export KRB5_TRACE=$it_dir/krb5.trace
it_run krb5 --keytab "$it_keytab" --min-version 2 -- "${rd[@]}" -p 'Passw0rd!'
unset KRB5_TRACE
it_case "rdesktop Kerberos v2: SEC_E_OK as alice@$realm, password Passw0rd! (NUL stripped)"
it_want status SEC_E_OK
it_want package Kerberos
it_want spnego no
it_want principal "alice@$realm"
it_want peer_version 2
it_want version 2
it_want cred_type password
it_want domain "$realm"
it_want user alice
it_want password 'Passw0rd!'
grep -q 'Creating AP-REP' "$it_dir/krb5.trace" 2>/dev/null || it_fail "no AP-REP in the acceptor's trace"
it_end
it_case "rdesktop Kerberos v2: kTLS keys against GnuTLS (TLS 1.3)"
it_want tls_version 1.3
tx_ok
it_end

it_run krb5-tls12 --keytab "$it_keytab" --min-version 2 -- "${rd[@]}" -p 'Passw0rd!' -V 1.2
it_case "rdesktop Kerberos v2, TLS 1.2: SEC_E_OK and kTLS keys against GnuTLS"
it_want status SEC_E_OK
it_want password 'Passw0rd!'
it_want tls_version 1.2
tx_ok
it_end

it_run corrupt --keytab "$it_keytab" --min-version 2 --tx-corrupt -- "${rd[@]}" -p 'Passw0rd!'
it_case "rdesktop: a record with a bad tag fails to decrypt"
it_want status SEC_E_OK
it_want mcs ok
it_want tx sent_corrupt
it_want_log "$bad_mac"
it_want_no_log "$decrypted_ours"
it_end

# --- Wrong password, wrong key. ---
it_run wrong-tgt --keytab "$it_keytab" --min-version 2 -- "${rd[@]}" -p wrong-password
it_case "rdesktop with a TGT and a wrong -p: SEC_E_OK, the wrong password delegated as typed"
it_want status SEC_E_OK
it_want principal "alice@$realm"
it_want password wrong-password
it_want mcs ok
it_end

it_client_env=(KRB5CCNAME="$no_ccache" KRB5_TRACE=/dev/null)
it_run wrong-no-tgt --keytab "$it_keytab" --min-version 2 -- "${rd[@]}" -p wrong-password
it_case "rdesktop without a TGT: no NLA, TLS closed after the handshake: SEC_E_INVALID_TOKEN"
it_want_log 'Failed to initialize NLA'
it_want status SEC_E_INVALID_TOKEN
it_want_front_exit 1
it_end
it_client_env=(KRB5CCNAME="$it_tgt" KRB5_TRACE=/dev/null)

it_run wrong-key --keytab "$wrong_keytab" --min-version 2 -- "${rd[@]}" -p 'Passw0rd!'
it_case "rdesktop, server keytab with a wrong key: SEC_E_LOGON_DENIED"
it_want status SEC_E_LOGON_DENIED
it_want_front_exit 1
it_end

# --- Version 2 against the default minimum (5). ---
export KRB5_TRACE=$it_dir/krb5-v2.trace
it_run v2-refused --keytab "$it_keytab" -- "${rd[@]}" -p 'Passw0rd!'
unset KRB5_TRACE
it_case "rdesktop v2 against minimum version 5: SEC_E_LOGON_DENIED before any mechanism"
it_want status SEC_E_LOGON_DENIED
it_want_front_exit 1
[ -e "$it_dir/krb5-v2.trace" ] || it_fail "the acceptor wrote no Kerberos trace"
if grep -qE 'AP-REQ|AP-REP' "$it_dir/krb5-v2.trace" 2>/dev/null; then
	it_fail "the acceptor processed a Kerberos token: $(grep -m1 -E 'AP-REQ|AP-REP' "$it_dir/krb5-v2.trace")"
fi
# Version 2 has no errorCode: nothing is sent back.
grep 'step' "$it_flog" | tail -n 1 | grep -q -- '-> SEC_E_LOGON_DENIED, out 0,' ||
	it_fail "want SEC_E_LOGON_DENIED with no output: $(grep 'step' "$it_flog" | tail -n 1)"
it_end

tap_done
