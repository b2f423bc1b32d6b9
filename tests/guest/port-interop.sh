#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/port-interop.sh KVER [VM.SH OPTION...]: the port test of the
# SSPI porting header (issue 13), TAP. build/sspi_port_server is Microsoft's
# "Using SSPI with a Windows Sockets Server" sample ported to <sspi.h>
# (tests/front/sspi_port_server.c lists every change); in the guest it runs
# as uid 4010 without CAP_NET_ADMIN, holding the server credential that
# credsspd.conf's [credential rdp-port] grants to that uid
# (tests/guest/port-server.sh), and serves from the host, through QEMU's
# port forward:
#
#   1. xfreerdp (NTLM, KCREDSSP\alice)       server with CAP_SETUID+CAP_SETGID
#   2. build/ktls/ktls_client --rdp --port-test (NTLM, KCREDSSP\alice)
#   3. ktls_client, the server's message tampered (negative control)
#   4. xfreerdp, the server's message tampered (negative control)
#   5. ktls_client, the server without any capability
#
# Per client: SEC_E_OK with the principal; QueryContextAttributes SIZES
# (cbMaxToken the package's), NAMES, STREAM_SIZES (TLS 1.3 records);
# ImpersonateSecurityContext turns the thread into alice (euid, fsuid,
# fsgid, a new file's owner, her account name) and RevertSecurityContext
# back into portsrv (4010); DecryptMessage of the client's first record is
# its MCS Connect-Initial (TPKT + X.224 Data TPDU + BER 7f 65);
# EncryptMessage of the sample's message ("This is your server speaking"
# and 64 random bits, in an X.224 Data TPDU). Who proves the client decrypted it:
#   - ktls_client (OpenSSL) prints the text it decrypted and replies quoting
#     it; the printed text must be the server's, random bits included, and
#     the server's DecryptMessage of the reply must give that quote exactly. Tampered (3): the client's TLS stack must refuse the record
#     and no reply come.
#   - xfreerdp does not say what it read; what it does say: given our
#     record it fails parsing the MCS Connect-Response (its MCS layer got
#     our plaintext: "This is..." is no BER), given the tampered one (4) it
#     fails in TLS instead and never reaches MCS. Both directions are thus
#     proven with ktls_client, and with xfreerdp DecryptMessage plus the
#     client's own account of where it failed.
# Without capabilities (5) ImpersonateSecurityContext must fail
# (SEC_E_NO_IMPERSONATION) and the thread stay portsrv: CAP_SETUID and
# CAP_SETGID are needed, and they are all the server has (CapEff c0).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
KCREDSSP_FRONT=/bin/true # the host front is not used here
export KCREDSSP_CACHE=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}
. "$here/../lib/interop.sh"

kver=${1:-6.12}
shift
vmargs=("$@")
if [[ " ${vmargs[*]} " == *" --debian "* ]]; then
	kdir=$(cd "$it_repo" && scripts/debian-kernel.sh --kdir "$kver" 2>/dev/null)
	moddir=build/kmod-kdir$(tr / - <<<"$kdir")/kmod
else
	moddir=build/kmod-$kver$([[ " ${vmargs[*]} " == *" --debug "* ]] && echo -debug)/kmod
fi

it_init
it_need xfreerdp
it_xvfb
client=$it_repo/build/ktls/ktls_client
server=$it_repo/build/sspi_port_server
for f in "$client" "$server" "$it_repo/build/credsspd" "$it_repo/$moddir/credssp.ko"; do
	[ -e "$f" ] || it_setup_error=${it_setup_error:-"no $f (make ktls build/sspi_port_server credsspd module)"}
done

# credsspd: the NTLM user KCREDSSP\alice, a default credential (the admin's)
# and [credential rdp-port] with a certificate of its own, granted to 4010.
"$it_repo/tests/lib/ntlm-users.sh" hash "$it_dir/ntlm-users" KCREDSSP alice 'Passw0rd!' ||
	it_setup_error="cannot write the NTLM user file"
for c in default rdp-port; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$c" \
		-keyout "$it_dir/$c.key" -out "$it_dir/$c.pem" >"$it_dir/openssl.log" 2>&1 ||
		it_setup_error="openssl req failed"
done
printf '%s\n' "certificate = $it_dir/default.pem" "key = $it_dir/default.key" \
	"ntlm_user_file = $it_dir/ntlm-users" "workers = 2" "log = stderr" \
	"[credential rdp-port]" "certificate = $it_dir/rdp-port.pem" "key = $it_dir/rdp-port.key" \
	"allow_users = 4010" >"$it_dir/credsspd.conf"
port=$(it_free_port)
echo "$port" >"$it_dir/port.in"

vm_rc=none
t_vm=$SECONDS
if [ -z "$it_setup_error" ]; then
	(cd "$it_repo" && exec scripts/vm.sh --kernel "$kver" "${vmargs[@]}" --forward "$port" \
		--results "$it_dir" --timeout 900 -- tests/guest/port-server.sh "$moddir" "$it_dir") \
		>"$it_dir/vm.log" 2>&1 &
	vm_pid=$!
fi

# wait_phase NAME: until the guest's server of phase NAME listens.
wait_phase() {
	[ -n "$it_setup_error" ] && return 1
	it_guest_wait "$it_dir/port.$1" && return 0
	it_setup_error="the guest's server ($1) did not start: $it_guest_why"
	return 1
}

# client NAME PHASE N -- COMMAND...: run one client; its server result block
# (connection N of PHASE) goes to $it_res, its output to $it_clog.
client() {
	local name=$1 phase=$2 n=$3 a cmd=()
	shift 4
	for a in "$@"; do cmd+=("${a//@PORT@/$port}"); done
	it_clog=$it_dir/$name.client.log it_res=$it_dir/$name.result
	it_flog=$it_dir/server.$phase.log it_rc=none it_frc=none it_ms=0
	: >"$it_clog"
	: >"$it_res"
	wait_phase "$phase" || { echo "setup: $it_setup_error" >"$it_clog"; return; }
	local t0
	t0=$(it_now)
	timeout -k 5 120 "${cmd[@]}" </dev/null >"$it_clog" 2>&1
	it_rc=$?
	it_ms=$(($(it_now) - t0))
	# The server ends its block with end=N once the connection closed.
	for _ in $(seq 300); do
		grep -qx "end=$n" "$it_flog" 2>/dev/null && break
		sleep 0.1
	done
	sed -n "/^conn=$n\$/,/^end=$n\$/p" "$it_flog" | grep -E '^[a-z0-9_]+=' >"$it_res"
	echo "# $name: client exit $it_rc, $it_ms ms, status $(it_get status)"
}

# The checks every authenticated client gets, before the record exchange.
want_auth() {
	it_want process_uid 4010
	# CAP_SETGID (6) and CAP_SETUID (7) only, or nothing: never CAP_NET_ADMIN (12)
	it_want process_capeff "$1"
	it_want x224_hybrid yes
	it_want acquire SEC_E_OK
	it_want status SEC_E_OK
	it_want principal 'KCREDSSP\alice'
	it_want sizes_max_token "package's"
	it_want stream_sizes 5/17/16384
}
want_impersonation() {
	it_want self_ids "euid=4010 fsuid=4010 egid=4010 fsgid=4010"
	it_want self_file_owner 4010:4010
	it_want impersonate SEC_E_OK
	it_want impersonated_ids "euid=5001 fsuid=5001 egid=5001 fsgid=5001"
	it_want impersonated_file_owner 5001:5001
	it_want impersonated_user alice
	it_want revert SEC_E_OK
	it_want reverted_ids "euid=4010 fsuid=4010 egid=4010 fsgid=4010"
	it_want reverted_file_owner 4010:4010
	it_want reverted_user portsrv
}
want_first_record() {
	it_want first_record SEC_E_OK
	it_want first_record_rdp mcs_connect_initial
	it_want encrypt SEC_E_OK
	it_want ciphertext_differs yes
}

xf=(xfreerdp /v:127.0.0.1:@PORT@ /u:alice /d:KCREDSSP '/p:Passw0rd!' /cert:ignore /sec:nla
	/auth-only /log-level:DEBUG)
kc=("$client" --port @PORT@ --rdp --port-test --user 'KCREDSSP\alice')
# The server's message: the sample's words and 64 random bits, which the
# client can know only by decrypting the record; it must print them and the
# server must decrypt them back from its reply.
want_echo() {
	local msg
	msg=$(it_get message)
	[[ "$msg" =~ ^This\ is\ your\ server\ speaking\ \#[0-9a-f]{16}$ ]] ||
		it_fail "the server's message: '$msg'"
	grep -qxF "server_message=$msg" "$it_clog" ||
		it_fail "the client did not print the server's message '$msg'"
	it_want reply SEC_E_OK
	it_want reply_text "This is your client speaking; you said: $msg"
	it_want reply_echoes_message yes
}

# xfreerdp's own account of the record it got: its MCS layer failed on our
# PDU (it decrypted it), or TLS failed (it did not).
xf_mcs='\[ERROR\]\[com.freerdp.core.rdp\] - mcs_recv_connect_response failure'
xf_tls='BIO_read returned an error: .*(bad record mac|decryption failed)'

client xfreerdp granted 1 -- "${xf[@]}"
it_case "xfreerdp (NTLM) through the ported sample as uid 4010 with CAP_SETUID+CAP_SETGID: SEC_E_OK, queries, impersonation of alice, its MCS Connect-Initial decrypted, our PDU reached its MCS layer"
want_auth 00000000000000c0
want_impersonation
want_first_record
it_want_log "$xf_mcs"
it_want_no_log "$xf_tls"
it_end

client ktls-client granted 2 -- "${kc[@]}"
it_case "CredSSP client (ktls_client): SEC_E_OK, impersonation, both directions: it decrypts our message and our DecryptMessage of its reply quotes it"
want_auth 00000000000000c0
want_impersonation
want_first_record
it_want_rc 0
want_echo
it_want served yes
it_end

client ktls-client-tampered granted 3 -- "${kc[@]}"
it_case "negative control: one bit of our record flipped, the CredSSP client refuses it and never replies"
want_auth 00000000000000c0
it_want tampered yes
it_want_rc 1
it_want_no_log "^server_message="
it_want_log "SSL_read of the server's message"
[ "$(it_get reply)" != SEC_E_OK ] || it_fail "the server decrypted a reply after a tampered record"
it_want served no
it_end

client xfreerdp-tampered granted 4 -- "${xf[@]}"
it_case "negative control: one bit of our record flipped, xfreerdp fails in TLS, not in MCS"
want_auth 00000000000000c0
it_want tampered yes
it_want_no_log "$xf_mcs"
it_want_log "$xf_tls"
it_end

client ktls-client-nocaps nocaps 1 -- "${kc[@]}"
it_case "the server without capabilities: authenticates, but ImpersonateSecurityContext fails and the thread stays portsrv"
want_auth 0000000000000000
it_want impersonate SEC_E_NO_IMPERSONATION
it_want impersonated_ids "euid=4010 fsuid=4010 egid=4010 fsgid=4010"
it_want impersonated_file_owner 4010:4010
it_want revert SEC_E_OK
it_want reverted_ids "euid=4010 fsuid=4010 egid=4010 fsgid=4010"
want_echo
it_end

if [ -n "${vm_pid:-}" ]; then
	wait "$vm_pid"
	vm_rc=$?
fi
echo "# guest run: $((SECONDS - t_vm)) s"
it_res=$it_dir/none it_clog=$it_dir/vm.log it_flog=$it_dir/none it_rc=$vm_rc it_ms=0
it_case "guest: both server runs ended as expected (granted: 1, a tampered client failed; nocaps: 1, no impersonation), nothing left in the scratch directory, credsspd and credssp.ko stopped cleanly"
[ "$vm_rc" = 0 ] || it_fail "vm.sh exit $vm_rc: $(tail -n 15 "$it_dir/vm.log")"
[ "$(cat "$it_dir/rc.granted" 2>/dev/null)" = 1 ] || it_fail "granted server exit $(cat "$it_dir/rc.granted" 2>/dev/null)"
[ "$(cat "$it_dir/rc.nocaps" 2>/dev/null)" = 1 ] || it_fail "nocaps server exit $(cat "$it_dir/rc.nocaps" 2>/dev/null)"
for p in granted nocaps; do
	[ "$(cat "$it_dir/scratch.$p.txt" 2>/dev/null)" = "total 0" ] ||
		it_fail "scratch after $p: $(cat "$it_dir/scratch.$p.txt" 2>/dev/null)"
	! grep -qE 'Sanitizer|runtime error' "$it_dir/server.$p.log" ||
		it_fail "sanitizer report in the $p server: $(grep -m3 -E 'Sanitizer|runtime error' "$it_dir/server.$p.log")"
done
grep -qx 'credsspd exit 0' "$it_dir/credsspd.log" ||
	it_fail "credsspd: $(tail -n 5 "$it_dir/credsspd.log" 2>/dev/null)"
grep -q '"contexts": \[\]\|^\[\]$' "$it_dir/contexts.json" 2>/dev/null ||
	it_fail "contexts left: $(cat "$it_dir/contexts.json" 2>/dev/null)"
it_end
tap_done
