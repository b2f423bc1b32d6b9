#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Our CredSSP on the wire, read by an independent dissector: tshark
# (Wireshark 4.0) decodes the whole exchange between real clients and the
# engine (through the host-only front, build/front) with the client's TLS
# key log. What it proves, for each client shape:
#
# - Every TSRequest in both directions is recognised and parsed as CredSSP
#   by Wireshark's own ASN.1 dissector; the capture has no malformed packet,
#   no expert error and no expert warning but TCP's sequence analysis (the
#   RST to xfreerdp3's retry, a retransmission on lo), in both passes (the
#   RDP negotiation before TLS and the MCS PDUs after CredSSP included).
# - The exact sequence of TSRequests, direction by direction, and what each
#   carries as tshark decodes it: version; negoTokens and the token inside
#   as the NTLMSSP, SPNEGO and Kerberos dissectors read it (NTLM message
#   types 1/2/3; SPNEGO mechTypes, negResult, supportedMech, mechListMIC;
#   Kerberos TGT-REQ 16, AP-REQ 14 (rdesktop's with the KRB-CRED 22 of
#   its delegated TGT), AP-REP 15); pubKeyAuth (NTLM sealed with its
#   verifier, or an RFC 4121 wrap token with its RRC); authInfo; errorCode;
#   clientNonce. The server never sends a clientNonce and always
#   sends its own version (6, also to rdesktop's version 2); the client's
#   nonce is the same in all its messages; the NTLM AUTHENTICATE is
#   KCREDSSP\alice (or KCREDSSP.TEST\alice).
# - Kerberos: with the service and krbtgt keys, tshark decrypts the AP-REQ
#   (client alice@KCREDSSP.TEST), our AP-REP, both pubKeyAuth wrap tokens
#   and authInfo (TSPasswordCreds user alice). Our pubKeyAuth is the right
#   binding, computed here from the certificate in the capture and the
#   client's nonce: SHA256("CredSSP Server-To-Client Binding Hash\0" ||
#   nonce || SubjectPublicKey) for v6, SubjectPublicKey + 1 for v2 (and the
#   client's value is its counterpart, as a control).
# - After CredSSP, tshark decrypts the client's MCS Connect-Initial and the
#   front's MCS Connect-Response, which the front encrypted with the kTLS
#   keys the engine exported, not with OpenSSL (TLS 1.3, and TLS 1.2 with
#   AES-GCM's explicit nonce and ChaCha20-Poly1305). Negative control: the
#   same record with one tag bit flipped (front --tx-corrupt) is the one
#   record tshark cannot decrypt.
# - The capture is complete: stream 0 ends with both FINs (or a RST after
#   an errorCode) in it.
#
# Key logs: xfreerdp3 writes one itself (/tls:secrets-file:PATH). xfreerdp
# (FreeRDP 2.11) has no such option and OpenSSL 3.0 ignores SSLKEYLOGFILE,
# so it runs with an LD_PRELOAD shim (tests/lib/keylog-preload.c, built
# here) that installs SSL_CTX_set_keylog_callback. rdesktop uses GnuTLS,
# which honours SSLKEYLOGFILE.
#
# Capture: as root, `tshark -i lo -f "tcp port PORT" -w FILE`, started once
# the front listens and before the client (it_pre_client), polled until it
# reports "Capture started" and the file has its header, stopped with SIGINT
# half a second after the client and the front are done (longer than
# dumpcap's 250 ms read timeout). Dissection with Wireshark 4.0.17: TCP ->
# TLS by the TLS heuristic, TLS -> CredSSP by the CredSSP heuristic, and
# `-d tls.port==PORT,tpkt` so that the MCS PDUs after CredSSP decode as
# TPKT/X.224/T.125; a second pass with `--enable-heuristic tpkt_tcp` decodes
# the X.224/RDP negotiation before TLS (in that pass TLS is lost: this
# Wireshark's RDP dissector does not switch to TLS after RDP_NEG_RSP, even
# on port 3389). `-d tcp.port==PORT,tpkt` is ambiguous ("matched 2
# dissectors") and also loses TLS.
#
# A missing tool or client, or a capture that cannot start, is `not ok`,
# never a skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/interop.sh"

it_init
it_need tshark dumpcap openssl xxd cc
it_xvfb
it_kdc localhost
realm=KCREDSSP.TEST
users=$it_dir/ntlm-users
"$it_repo/tests/lib/ntlm-users.sh" hash "$users" KCREDSSP alice 'Passw0rd!' &&
	"$it_repo/tests/lib/ntlm-users.sh" hash "$users" "$realm" alice 'Passw0rd!' ||
	it_setup_error="${it_setup_error:+$it_setup_error; }cannot write the NTLM user file"
empty_krb5=$KRB5_CONFIG
no_ccache=FILE:$it_dir/no-ccache
tshark_timeout=30

# tshark's keytab: the service keys and krbtgt (so that it also checks the
# KDC's PAC checksums instead of warning that it cannot).
wire_keytab=$it_dir/wire.keytab
if [ -n "$it_kdc_dir" ] && ! "$it_repo/tests/lib/kdc.sh" kadmin "$it_kdc_dir" \
	"ktadd -k $wire_keytab -norandkey krbtgt/$realm TERMSRV/localhost" >"$it_dir/ktadd.log" 2>&1; then
	it_setup_error="${it_setup_error:+$it_setup_error; }ktadd: $(tail -n 3 "$it_dir/ktadd.log")"
fi

# The key log shim for FreeRDP 2 (OpenSSL).
shim=$it_dir/keylog-preload.so
if ! cc -O2 -Wall -Werror -shared -fPIC -o "$shim" "$it_repo/tests/lib/keylog-preload.c" -ldl \
	>"$it_dir/shim.log" 2>&1; then
	it_setup_error="${it_setup_error:+$it_setup_error; }key log shim: $(tail -n 5 "$it_dir/shim.log")"
fi

# --- Capture: started by it_run once the front listens (it_pre_client). ---
cap_pid=
cap_file=
cap_err=
cap_ms=0
cap_rc=none

# cap_halt: SIGINT to tshark (through timeout, which forwards it to its
# process group: tshark and dumpcap), then SIGKILL to that group if it is
# still there after 5 seconds; sets $cap_rc.
cap_halt() {
	local i
	[ -n "$cap_pid" ] || return 0
	kill -INT "$cap_pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$cap_pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$cap_pid" 2>/dev/null && kill -KILL -- -"$cap_pid" 2>/dev/null
	wait "$cap_pid"
	cap_rc=$?
	cap_pid=
}
trap 'cap_halt; it_cleanup' EXIT

# cap_start PORT: tshark on lo for PORT into $cap_file; returns once it
# captures ("Capture started" and a file with its header).
cap_start() {
	local port=$1 t0
	t0=$(it_now)
	rm -f "$cap_file"
	: >"$cap_err"
	timeout -k 5 $((it_client_timeout + 60)) tshark -n -i lo -f "tcp port $port" -w "$cap_file" \
		</dev/null >/dev/null 2>"$cap_err" &
	cap_pid=$!
	while [ $(($(it_now) - t0)) -lt 10000 ]; do
		if grep -q 'Capture started' "$cap_err" && [ -s "$cap_file" ]; then
			cap_ms=$(($(it_now) - t0))
			return 0
		fi
		kill -0 "$cap_pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "tshark did not start capturing: $(grep -v 'could be dangerous' "$cap_err" | tail -n 5)"
	cap_halt
	return 1
}

# cap_stop: after the client and the front are done, give dumpcap time to
# get the last packets (longer than its 250 ms read timeout), then stop it.
cap_stop() {
	[ -n "$cap_pid" ] || return 0
	sleep 0.5
	cap_halt
}
it_pre_client=(cap_start)

# --- Dissection. ---
# One line per frame from each pass, tab-separated, multiple occurrences
# joined with ','. The awk programs below find columns by field name.
tls_fields=(frame.number tcp.stream tcp.dstport tcp.flags.fin tcp.flags.reset frame.protocols
	_ws.expert.severity _ws.expert.group _ws.expert.message tls.record.length
	tls.record.content_type tls.handshake.certificate
	t125.ConnectMCSPDU credssp.version credssp.negoToken ntlmssp.messagetype spnego.MechType
	spnego.negResult spnego.supportedMech kerberos.msg_type spnego.mechListMIC
	credssp.pubKeyAuth ntlmssp.verf.vers spnego.krb5.tok_id spnego.krb5.cfx_rrc
	spnego.krb5.send_by_acceptor credssp.authInfo credssp.errorCode credssp.clientNonce
	ntlmssp.auth.username ntlmssp.auth.domain kerberos.CNameString kerberos.crealm
	credssp.decr_PublicKeyAuth credssp.userName)
x224_fields=(frame.number tcp.stream tcp.dstport frame.protocols _ws.expert.severity
	_ws.expert.group _ws.expert.message rdp.neg_type rdp.negReq.requestedProtocols rdp.negReq.selectedProtocol)

# ts PASS FIELD...: tshark on the capture with the key log, the keytab and
# the decode-as of PASS (tls: TLS, CredSSP, MCS; x224: RDP negotiation).
ts() {
	local pass=$1 f args=()
	shift
	if [ "$pass" = x224 ]; then
		args=(--enable-heuristic tpkt_tcp)
	else
		args=(-d "tls.port==$it_port,tpkt")
	fi
	for f in "$@"; do
		args+=(-e "$f")
	done
	timeout "$tshark_timeout" tshark -n -r "$cap_file" -o "tls.keylog_file:$keylog" \
		-o kerberos.decrypt:TRUE -o "kerberos.file:$wire_keytab" \
		-T fields -E separator=/t -E aggregator=, -E occurrence=a "${args[@]}" \
		2> >(grep -v 'could be dangerous' >&2)
}

# col FILE AWK_PROGRAM: awk over a pass's lines, where v("field") is the
# frame's value of that field and client() is true for frames sent by the
# client (to the front's port).
col() {
	local file=$1 names
	shift
	if [ "$file" = "$run.x224" ]; then names=${x224_fields[*]}; else names=${tls_fields[*]}; fi
	awk -F'\t' -v port="$it_port" -v names="$names" '
	BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) c[a[i]] = i }
	function v(name) { return $(c[name]) }
	function client() { return v("tcp.dstport") == port }
	'"$1" "$file"
}

# shape: the TSRequests as tshark decodes them, one line each, e.g.
#   c v6 nego:ntlm1 nonce | s v6 nego:ntlm2 | c v6 nego:ntlm3 pubKeyAuth:ntlm-seal nonce
shape() {
	col "$run.frames" '
	function num(x,   n, a, i, s) {
		n = split(x, a, ",")
		for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") (a[i] + 0)
		return s
	}
	v("credssp.version") != "" {
		s = (client() ? "c" : "s") " v" v("credssp.version")
		if (v("credssp.negoToken") != "") {
			s = s " nego"
			if (v("ntlmssp.messagetype") != "") s = s ":ntlm" num(v("ntlmssp.messagetype"))
			if (v("spnego.MechType") != "") s = s ":spnego-init[" v("spnego.MechType") "]"
			if (v("spnego.negResult") != "") s = s ":spnego(" v("spnego.negResult") ")"
			if (v("spnego.supportedMech") != "") s = s "[" v("spnego.supportedMech") "]"
			if (v("kerberos.msg_type") != "") s = s ":krb5(" v("kerberos.msg_type") ")"
			if (v("spnego.mechListMIC") != "") s = s ":mic"
		}
		if (v("credssp.pubKeyAuth") != "") {
			s = s " pubKeyAuth"
			if (v("ntlmssp.verf.vers") != "") s = s ":ntlm-seal"
			if (v("spnego.krb5.tok_id") != "")
				s = s ":krb5[" v("spnego.krb5.tok_id") ",rrc=" v("spnego.krb5.cfx_rrc") \
					",acceptor=" v("spnego.krb5.send_by_acceptor") "]"
		}
		if (v("credssp.authInfo") != "") s = s " authInfo"
		if (v("credssp.errorCode") != "") {
			e = v("credssp.errorCode") + 0
			s = s sprintf(" errorCode=0x%08x", e < 0 ? e + 4294967296 : e)
		}
		if (v("credssp.clientNonce") != "") s = s " nonce"
		print s
	}'
}

# Frames with a malformed packet, an expert error, or a warning other than
# TCP's sequence analysis, or a segment not captured.
expert_bad='
	{
		n = split(v("_ws.expert.severity"), sev, ",")
		split(v("_ws.expert.group"), grp, ",")
		bad = v("frame.protocols") ~ /_ws\.malformed/ || v("_ws.expert.message") ~ /(not|wasn.t) captured/
		for (i = 1; i <= n; i++)
			if (sev[i] == 8388608 || (sev[i] == 6291456 && grp[i] != 33554432))
				bad = 1
		if (bad)
			print "frame " v("frame.number") ": " v("frame.protocols") " " v("_ws.expert.message")
	}'

# check_common: what every case asserts besides its shape.
check_common() {
	local bad streams ends n neg undec pass
	# No malformed packet, no expert error, no expert warning but TCP's
	# sequence analysis (a RST, a retransmission on lo), and none of those
	# saying that a segment was not captured.
	for pass in frames x224; do
		bad=$(col "$run.$pass" "$expert_bad" | head -n 5)
		[ -z "$bad" ] || it_fail "$pass pass: malformed packet or expert error/warning: $bad"
	done
	# Every TLS record of stream 0 was decrypted (TLS 1.3: its inner content
	# type is known) and its application data decoded (CredSSP, or TPKT).
	undec=$(col "$run.frames" '
		v("tcp.stream") == 0 && v("tls.record.length") != "" &&
		(split(v("tls.record.content_type"), a, ",") < split(v("tls.record.length"), b, ",") ||
		 (v("tls.record.content_type") ~ /(^|,)23(,|$)/ && v("frame.protocols") !~ /:(credssp|tpkt)/)) {
			print v("frame.number") }' | tr '\n' ' ')
	if [ "$want_undecoded" = 0 ]; then
		[ -z "$undec" ] || it_fail "TLS application data not decrypted or not decoded in frames: $undec"
	else
		[ "$(printf '%s' "$undec" | wc -w)" = "$want_undecoded" ] ||
			it_fail "want $want_undecoded undecodable TLS record frames, got '$undec'"
	fi
	# One CredSSP connection (xfreerdp3 retries after the front closed: RST).
	streams=$(col "$run.frames" 'v("credssp.version") != "" { print v("tcp.stream") }' |
		sort -u | tr '\n' ' ')
	[ "$streams" = "0 " ] || it_fail "CredSSP in TCP streams '$streams', want stream 0 only"
	# The capture is complete: stream 0 ends in it.
	ends=$(col "$run.frames" '
		v("tcp.stream") == 0 && v("tcp.flags.fin") == 1 { fin[client()] = 1 }
		v("tcp.stream") == 0 && v("tcp.flags.reset") == 1 { rst = 1 }
		END { print (fin[0] && fin[1]) ? "fin" : rst ? "rst" : "none" }')
	[ "$ends" = "$want_end" ] || it_fail "end of stream 0 in the capture: want $want_end, got $ends"
	# The client's nonce, if any, is the same in all its messages.
	n=$(col "$run.frames" 'client() && v("credssp.clientNonce") != "" { print v("credssp.clientNonce") }' |
		sort -u | wc -l)
	[ "$n" -le 1 ] || it_fail "the client sent $n different clientNonce values"
	# The RDP negotiation: the client asks for TLS|CredSSP, we select CredSSP.
	neg=$(col "$run.x224" 'v("rdp.neg_type") != "" {
		print (client() ? "c" : "s"), v("rdp.neg_type") + 0,
			v("rdp.negReq.requestedProtocols") v("rdp.negReq.selectedProtocol") }' | tr '\n' ';')
	[ "$neg" = "c 1 0x00000003;s 2 0x00000002;" ] ||
		it_fail "RDP negotiation: want request 0x3 and response CredSSP 0x2, got '$neg'"
}

# check_mcs: tshark decrypted the MCS PDUs after CredSSP, the client's (its
# TLS stack) and ours (the front, with the engine's exported kTLS keys).
check_mcs() {
	local got
	got=$(col "$run.frames" 'v("t125.ConnectMCSPDU") != "" {
		print (client() ? "c" : "s"), v("t125.ConnectMCSPDU") }' | tr '\n' ';')
	[ "$got" = "c 101;s 102;" ] ||
		it_fail "MCS after CredSSP: want Connect-Initial (101) in, Connect-Response (102) out, got '$got'"
}

# check_ntlm_user DOMAIN\USER: the NTLM AUTHENTICATE as tshark reads it.
check_ntlm_user() {
	local user
	user=$(col "$run.frames" 'v("ntlmssp.auth.username") != "" {
		print v("ntlmssp.auth.domain") "\\" v("ntlmssp.auth.username") }')
	[ "$user" = "$1" ] || it_fail "NTLMSSP AUTHENTICATE: want '$1', got '$user'"
}

# check_krb5 VERSION USER_HEX: the AP-REQ's client, the decrypted
# pubKeyAuth values against the binding computed here, authInfo's user.
check_krb5() {
	local ver=$1 user_hex=$2 got spk nonce want_c want_s got_c got_s off hl l
	got=$(col "$run.frames" 'client() && v("kerberos.CNameString") != "" {
		print v("kerberos.CNameString") "@" v("kerberos.crealm") }' | head -n 1)
	[ "$got" = "alice,alice@$realm,$realm" ] || [ "$got" = "alice,alice,alice@$realm,$realm,$realm" ] ||
		it_fail "AP-REQ decrypted with the keytab: want alice@$realm (ticket, authenticator), got '$got'"
	got=$(col "$run.frames" 'client() && v("credssp.userName") != "" { print v("credssp.userName") }')
	[ "$got" = "$user_hex" ] || it_fail "authInfo decrypted: TSPasswordCreds userName want $user_hex, got '$got'"
	# The server's certificate from the capture, its SubjectPublicKey.
	col "$run.frames" 'v("tls.handshake.certificate") != "" { print v("tls.handshake.certificate") }' |
		head -n 1 | cut -d, -f1 | xxd -r -p >"$run.cert.der"
	if ! openssl x509 -inform DER -in "$run.cert.der" -pubkey -noout 2>"$run.openssl.err" |
		openssl pkey -pubin -outform DER -out "$run.spki.der" 2>>"$run.openssl.err"; then
		it_fail "no server certificate in the capture: $(head -n 3 "$run.openssl.err")"
		return
	fi
	# SubjectPublicKeyInfo = SEQUENCE { algorithm, BIT STRING subjectPublicKey }.
	read -r off hl l < <(openssl asn1parse -inform DER -in "$run.spki.der" |
		awk '/d=1/ && /BIT STRING/ { sub(/:.*/, "", $1); h = $0; sub(/.*hl=/, "", h); sub(/ .*/, "", h)
			n = $0; sub(/.* l= */, "", n); sub(/ .*/, "", n); print $1, h, n }')
	tail -c +$((off + hl + 2)) "$run.spki.der" | head -c $((l - 1)) >"$run.spk"
	spk=$(xxd -p "$run.spk" | tr -d '\n')
	got_c=$(col "$run.frames" 'client() && v("credssp.decr_PublicKeyAuth") != "" { print v("credssp.decr_PublicKeyAuth") }')
	got_s=$(col "$run.frames" '!client() && v("credssp.decr_PublicKeyAuth") != "" { print v("credssp.decr_PublicKeyAuth") }')
	if [ "$ver" = 2 ]; then
		# Versions 2-4: the key itself, the server's with its first byte + 1.
		want_c=$spk
		want_s=$(printf '%02x' $(((0x${spk:0:2} + 1) & 0xff)))${spk:2}
	else
		nonce=$(col "$run.frames" 'client() && v("credssp.clientNonce") != "" { print v("credssp.clientNonce") }' |
			head -n 1)
		want_c=$({ printf 'CredSSP Client-To-Server Binding Hash\0'; printf '%s' "$nonce" | xxd -r -p
			cat "$run.spk"; } | openssl dgst -sha256 -r | cut -d' ' -f1)
		want_s=$({ printf 'CredSSP Server-To-Client Binding Hash\0'; printf '%s' "$nonce" | xxd -r -p
			cat "$run.spk"; } | openssl dgst -sha256 -r | cut -d' ' -f1)
	fi
	{ [ -n "$spk" ] && [ "$got_c" = "$want_c" ]; } ||
		it_fail "client pubKeyAuth decrypted by tshark: want ${want_c:0:40}..., got '${got_c:0:40}...'"
	{ [ -n "$spk" ] && [ "$got_s" = "$want_s" ]; } ||
		it_fail "our pubKeyAuth decrypted by tshark: want ${want_s:0:40}..., got '${got_s:0:40}...'"
}

# run_case NAME FRONT_ARGS... -- CLIENT...: one connection, captured and
# dissected; the client must write its TLS key log to $it_dir/NAME.keys.
run_case() {
	local attempt
	for attempt in 1 2; do
		run_case_once "$@"
		if [ -n "$run_setup" ] || [ "$cap_rc" != 0 ] || [ ! -s "$run.frames" ] ||
			col "$run.frames" 'v("frame.protocols") ~ /:(tls|tpkt)(:|$)/ { f = 1 } END { exit !f }'; then
			return
		fi
		# Seen once under a loaded CI run (xfreerdp3, TLS 1.2, the client
		# and the front done, the stream complete with its FINs): frames,
		# none of them TLS or TPKT. What tshark made of them, then again.
		echo "# $1: tshark found neither TLS nor TPKT in the $(grep -c . "$run.frames") frames" \
			"of a complete capture (front port $it_port); protocols and ports:" \
			"$(col "$run.frames" '{ print v("frame.protocols") " " v("tcp.dstport") }' |
				sort | uniq -c | sort -rn | head -n 5 | tr -s ' ' | tr '\n' ';')"
		[ "$attempt" = 2 ] || echo "# $1: capturing the connection again, once"
	done
}
run_case_once() {
	local name=$1 t0 a client=
	shift
	for a in "$@"; do
		[ "$client" = -- ] && { client=$a; break; }
		[ "$a" = -- ] && client=--
	done
	run=$it_dir/$name
	keylog=$run.keys
	cap_file=$run.pcapng
	cap_err=$run.tshark.log
	cap_rc=none cap_ms=0 run_setup='' got_shape='' t_dissect=0
	rm -f "$keylog"
	: >"$run.frames"
	: >"$run.x224"
	: >"$run.err"
	t0=$(it_now)
	if ! command -v "$client" >/dev/null 2>&1; then
		run_setup="$client is not installed"
		it_res=$run.result it_clog=$run.client.log it_flog=$run.front.log it_rc=none it_frc=none it_ms=0
		: >"$it_clog"
		: >"$it_flog"
		rm -f "$it_res"
	elif ! it_run "$name" "$@"; then
		run_setup=$(tail -n 5 "$it_clog")
	fi
	cap_stop
	t_run=$(($(it_now) - t0))
	t0=$(it_now)
	if [ -z "$run_setup" ] && [ "$cap_rc" = 0 ]; then
		ts tls "${tls_fields[@]}" >"$run.frames" 2>>"$run.err" &&
			ts x224 "${x224_fields[@]}" >"$run.x224" 2>>"$run.err" &&
			got_shape=$(shape)
	fi
	t_dissect=$(($(it_now) - t0))
}

# case_begin TITLE: a TAP case, with the failures every case shares.
case_begin() {
	it_case "$1"
	want_end=fin want_undecoded=0
	[ -z "$run_setup" ] || it_fail "not run: $run_setup"
	[ -n "$run_setup" ] || [ "$cap_rc" = 0 ] ||
		it_fail "tshark capture exit $cap_rc: $(grep -v 'could be dangerous' "$cap_err" | tail -n 3)"
	[ -n "$run_setup" ] || [ -s "$keylog" ] || it_fail "no TLS key log from the client ($keylog)"
	[ ! -s "$run.err" ] || it_fail "tshark: $(head -n 5 "$run.err")"
}

# want_shape EXPECTED...: the TSRequests in order, one argument each.
want_shape() {
	local want
	want=$(printf '%s\n' "$@")
	[ "$got_shape" = "$want" ] ||
		it_fail "TSRequests: want"$'\n'"$want"$'\n'"got"$'\n'"${got_shape:-(none)}"
}

# case_end NAME: the common checks, the timings, the TAP line.
case_end() {
	[ -s "$run.frames" ] && check_common
	echo "# $1: capture ready in ${cap_ms} ms, client ${it_ms} ms, run with capture ${t_run} ms," \
		"dissection ${t_dissect} ms, $(grep -c . "$run.frames") frames"
	it_end
}

common=(/cert:ignore /sec:nla /auth-only)
ntlm_shape=(
	'c v6 nego:ntlm1 nonce'
	's v6 nego:ntlm2'
	'c v6 nego:ntlm3 pubKeyAuth:ntlm-seal nonce'
	's v6 pubKeyAuth:ntlm-seal'
	'c v6 authInfo nonce'
)
krb5=1.2.840.113554.1.2.2
ntlm=1.3.6.1.4.1.311.2.2.10
u2u=$krb5.3

# --- xfreerdp3, raw NTLM (no Kerberos configuration, an IP address). ---
it_client_env=(KRB5_CONFIG="$empty_krb5" KRB5CCNAME="$no_ccache")
# x3 NAME TLS_OPTIONS PASSWORD (one /tls: option: a second one resets the first)
x3() {
	run_case "$1" --ntlm-users "$users" -- xfreerdp3 /v:127.0.0.1:@PORT@ /u:alice /d:KCREDSSP \
		"/p:$3" "${common[@]}" "/tls:${2:+$2,}secrets-file:$it_dir/$1.keys"
}
x3 x3-ntlm '' 'Passw0rd!'
case_begin "xfreerdp3 raw NTLM v6: 3 TSRequests in, 2 out, NTLM 1/2/3, MCS both ways, nothing malformed"
it_want status SEC_E_OK
want_shape "${ntlm_shape[@]}"
check_ntlm_user 'KCREDSSP\alice'
check_mcs
case_end x3-ntlm

x3 x3-ntlm-wrong '' wrong-password
case_begin "xfreerdp3 raw NTLM, wrong password: our errorCode TSRequest (0xc000006d) decodes"
it_want status SEC_E_LOGON_DENIED
want_shape "${ntlm_shape[@]:0:3}" 's v6 errorCode=0xc000006d'
check_ntlm_user 'KCREDSSP\alice'
want_end=rst # the front closes with the client's close_notify unread
case_end x3-ntlm-wrong

for suite in ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305; do
	x3 "x3-tls12-$suite" "enforce:1.2,ciphers:$suite" 'Passw0rd!'
	case_begin "xfreerdp3 raw NTLM v6, TLS 1.2 $suite: decoded, MCS both ways"
	it_want status SEC_E_OK
	it_want tls_version 1.2
	want_shape "${ntlm_shape[@]}"
	check_mcs
	case_end "x3-tls12-$suite"
done

# Negative control of the MCS check: the front flips a bit of its record's
# tag; tshark cannot decrypt it (xfreerdp3 says bad_record_mac).
run_case x3-corrupt --ntlm-users "$users" --tx-corrupt -- xfreerdp3 /v:127.0.0.1:@PORT@ /u:alice \
	/d:KCREDSSP '/p:Passw0rd!' "${common[@]}" "/tls:secrets-file:$it_dir/x3-corrupt.keys"
case_begin "xfreerdp3, negative control: our record with a flipped tag bit is not decrypted by tshark"
it_want status SEC_E_OK
it_want tx sent_corrupt
want_shape "${ntlm_shape[@]}"
got=$(col "$run.frames" 'v("t125.ConnectMCSPDU") != "" { print (client() ? "c" : "s"), v("t125.ConnectMCSPDU") }' |
	tr '\n' ';')
[ "$got" = "c 101;" ] || it_fail "MCS: want the client's Connect-Initial only, got '$got'"
want_undecoded=1 # our record (the client's bad_record_mac alert after it decrypts)
case_end x3-corrupt

# --- xfreerdp3, SPNEGO(NTLM): the client has a TGT, the server no keytab. ---
it_client_env=(KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="$it_tgt")
run_case x3-spnego-ntlm --ntlm-users "$users" -- xfreerdp3 /v:localhost:@PORT@ /u:alice \
	/d:"$realm" '/p:Passw0rd!' "${common[@]}" "/tls:secrets-file:$it_dir/x3-spnego-ntlm.keys"
case_begin "xfreerdp3 SPNEGO(NTLM) v6: 5 TSRequests in, 4 out, SPNEGO and NTLM decoded"
it_want status SEC_E_OK
it_want spnego yes
want_shape \
	"c v6 nego:spnego-init[$u2u,$krb5,$ntlm]:krb5(16) nonce" \
	"s v6 nego:spnego(3)[$ntlm]" \
	'c v6 nego:ntlm1 nonce' \
	's v6 nego:ntlm2:spnego(1)' \
	'c v6 nego:ntlm3:mic nonce' \
	's v6 nego:spnego(0):mic' \
	'c v6 pubKeyAuth:ntlm-seal nonce' \
	's v6 pubKeyAuth:ntlm-seal' \
	'c v6 authInfo nonce'
check_ntlm_user "$realm\\alice"
check_mcs
case_end x3-spnego-ntlm

# --- xfreerdp3, Kerberos in SPNEGO (TGT from the password). ---
export KRB5_CONFIG=$it_krb5_conf # the front's acceptor too
it_client_env=(KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="$no_ccache")
run_case x3-krb5 --keytab "$it_keytab" -- xfreerdp3 /v:localhost:@PORT@ /u:alice /d:"$realm" \
	'/p:Passw0rd!' '/auth-pkg-list:!ntlm' "${common[@]}" "/tls:secrets-file:$it_dir/x3-krb5.keys"
case_begin "xfreerdp3 SPNEGO(Kerberos) v6: AP-REQ/AP-REP, RRC 28 wrap, our pubKeyAuth hash decrypts right"
it_want status SEC_E_OK
want_shape \
	"c v6 nego:spnego-init[$u2u,$krb5]:krb5(16) nonce" \
	"s v6 nego:spnego(3)[$krb5]" \
	'c v6 nego:krb5(14) nonce' \
	's v6 nego:spnego(1):krb5(15):mic' \
	'c v6 nego:spnego(0):mic pubKeyAuth:krb5[0x0404,0x0405,rrc=28,acceptor=0,0] nonce' \
	's v6 pubKeyAuth:krb5[0x0405,rrc=28,acceptor=1]' \
	'c v6 authInfo nonce'
check_krb5 6 61006c00690063006500
check_mcs
case_end x3-krb5

# --- rdesktop, raw Kerberos v2 (GnuTLS: SSLKEYLOGFILE). ---
yes yes 2>/dev/null | head -n 100 >"$it_dir/yes"
it_stdin=$it_dir/yes
it_client_env=(KRB5CCNAME="$it_tgt" KRB5_TRACE=/dev/null SSLKEYLOGFILE="$it_dir/rdesktop.keys")
run_case rdesktop --keytab "$it_keytab" --min-version 2 -- rdesktop -u alice -d "$realm" \
	-p 'Passw0rd!' localhost:@PORT@
case_begin "rdesktop raw Kerberos v2: 3 TSRequests in, 2 out (ours v6), our pubKeyAuth (key + 1) decrypts right"
it_want status SEC_E_OK
want_shape \
	'c v2 nego:krb5(14,22)' \
	's v6 nego:krb5(15)' \
	'c v2 pubKeyAuth:krb5[0x0405,rrc=0,acceptor=0]' \
	's v6 pubKeyAuth:krb5[0x0405,rrc=28,acceptor=1]' \
	'c v2 authInfo'
check_krb5 2 61006c006900630065000000
check_mcs
case_end rdesktop
it_stdin=

# --- xfreerdp (FreeRDP 2), raw NTLM, key log through the LD_PRELOAD shim. ---
export KRB5_CONFIG=$empty_krb5
it_client_env=(KRB5_CONFIG="$empty_krb5" KRB5CCNAME="$no_ccache" LD_PRELOAD="$shim"
	KCREDSSP_KEYLOG="$it_dir/x2-ntlm.keys")
run_case x2-ntlm --ntlm-users "$users" -- xfreerdp /v:127.0.0.1:@PORT@ /u:alice /d:KCREDSSP \
	'/p:Passw0rd!' "${common[@]}"
case_begin "xfreerdp (FreeRDP 2) raw NTLM v6: 3 TSRequests in, 2 out, MCS both ways"
it_want status SEC_E_OK
want_shape "${ntlm_shape[@]}"
check_ntlm_user 'KCREDSSP\alice'
check_mcs
case_end x2-ntlm

tap_done
