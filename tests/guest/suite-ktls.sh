#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/suite-ktls.sh: kTLS attach with the real helper (TAP). Run by
# tests/guest/run.sh with the module loaded (MODDIR); loads it itself if it
# is not. Starts credsspd (sanitized) with a fresh certificate and an NTLM
# user file, then for each TLS version and cipher credssp.ko's kTLS can take
# (TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 / AES256-GCM-SHA384 /
# CHACHA20-POLY1305, TLS 1.3 TLS_AES_128_GCM_SHA256 / TLS_AES_256_GCM_SHA384
# / TLS_CHACHA20_POLY1305_SHA256), once each, runs build/ktls/ktls_front
# (token mode through libcredssp, whole TLS records only: TLS 1.2 AES128-GCM,
# TLS 1.3 AES256-GCM; the *-sspi mode below: the other four) against build/ktls/ktls_client
# (OpenSSL + MIT GSSAPI/gss-ntlmssp, raw NTLM, TSRequest v6). Each case must
# reach SEC_E_OK, refuse an attach during the handshake (-EINVAL), attach
# the session's version and cipher (reply and getsockopt(SOL_TLS)), refuse a
# second attach (-EALREADY), carry the client's data (written right after
# authInfo, a 7-byte record then 16 KiB records) and the server's (a 1-byte
# record, then 10000-byte ones) byte for byte both ways at the real record
# sequence numbers (the AEAD checks them), and close with close_notify both
# ways; the record sequence numbers installed must be those of the exchange
# (TLS 1.2: TX 3, RX 4; TLS 1.3: TX 2, RX 3, no tickets). Then no context
# may be left. The kernel-side refusals (-EBADF,
# -ENOTSOCK, -EPROTONOSUPPORT, -ENOTCONN, -EEXIST, -EXDEV, -ENOENT, ...) are
# in tests/selftests/credssp_ktls.c. The *-sspi cases run the front as a
# ported Windows server (<sspi.h>: AcceptSecurityContext, then the first
# client records through DecryptMessage and the first server records
# through EncryptMessage, in the kernel, incomplete, tampered and EXTRA
# cases on the way; another netlink session's ENCRYPT/DECRYPT of the
# context refused with SEC_E_INVALID_HANDLE) and attach kTLS after them: the sequence numbers
# installed must count those records (TLS 1.2: TX 5, RX 7; TLS 1.3: TX 4,
# RX 6) and the rest of the data must pass byte for byte through kTLS.
# Leaves the module loaded, no helper.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/lib/tap.sh"
. "$repo/tests/lib/guest.sh"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=99:print_stacktrace=1}

tmp=$(mktemp -d /tmp/ktls-suite.XXXXXX) || { echo "Bail out! mktemp failed"; exit 1; }
helper=
cleanup() {
	[ -z "$helper" ] || { kill "$helper" 2>/dev/null; wait "$helper" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT

grep -q '^credssp ' /proc/modules || insmod "${MODDIR:?}/credssp.ko"

setup_error=
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >"$tmp/openssl.log" 2>&1 ||
	setup_error="openssl req failed"
"$repo/tests/lib/ntlm-users.sh" hash "$tmp/ntlm-users" CONTOSO alice 'Passw0rd!' ||
	setup_error="cannot write the NTLM user file"
chmod 644 "$tmp/ntlm-users" "$tmp/key.pem" 2>/dev/null
cat >"$tmp/credsspd.conf" <<CONF
certificate = $tmp/cert.pem
key = $tmp/key.pem
ntlm_user_file = $tmp/ntlm-users
workers = 2
log = stderr
CONF

if [ -z "$setup_error" ]; then
	start_credsspd "$tmp/credsspd.conf" "$tmp/credsspd.log" ||
		setup_error="credsspd did not register: $(tail -n 20 "$tmp/credsspd.log")"
	helper=${credsspd_pid:?}
fi
tap_result "$([ -z "$setup_error" ] && echo 0 || echo 1)" \
	"credsspd registered (certificate, NTLM user file)" "$setup_error"

# words ARRAY FILE: each KEY=VALUE word of FILE into the associative ARRAY
# (the last one of a KEY wins). Builtins only: under TCG every process costs
# a large fraction of a second, and each case checks some twenty values.
words() {
	local -n _w=$1
	local line w
	_w=()
	while IFS=' ' read -r -a line; do
		for w in "${line[@]}"; do
			[[ $w == *=* ]] && _w[${w%%=*}]=${w#*=}
		done
	done <"$2"
}

# sspi_checks ARRAY: what the --sspi front printed, as a reason or nothing
sspi_checks() {
	local -n _f=$1
	local w=
	[ "${_f[header_short]:-}/${_f[missing]:-}" = SEC_E_INCOMPLETE_MESSAGE/2 ] ||
		w="$w; 3-byte record: ${_f[header_short]:-}/${_f[missing]:-}"
	[ "${_f[body_missing]:-}" = 1 ] || w="$w; short body missing ${_f[body_missing]:-}"
	[ "${_f[tampered]:-}" = SEC_E_DECRYPT_FAILURE ] || w="$w; tampered ${_f[tampered]:-}"
	[ "${_f[extra]:-0}" -gt 0 ] || w="$w; no SECBUFFER_EXTRA"
	[ "${_f[sspi_received]:-}/${_f[sspi_sent]:-}" = 32775/10001 ] ||
		w="$w; DecryptMessage/EncryptMessage bytes ${_f[sspi_received]:-}/${_f[sspi_sent]:-}"
	[ "${_f[other_encrypt]:-}/${_f[other_decrypt]:-}" = SEC_E_INVALID_HANDLE/SEC_E_INVALID_HANDLE ] ||
		w="$w; another session's ENCRYPT/DECRYPT: ${_f[other_encrypt]:-}/${_f[other_decrypt]:-}"
	[ "${_f[encrypt_after_attach]:-}" = SEC_E_UNSUPPORTED_FUNCTION ] ||
		w="$w; EncryptMessage after kTLS: ${_f[encrypt_after_attach]:-}"
	echo "$w"
}

# one NAME TLS CIPHER VERSION KTLS_CIPHER [--sspi]: its files are $tmp/NAME.*
# (no directory: every process costs, see words())
one() {
	local name=$1 tls=$2 cipher=$3 version=$4 kcipher=$5 sspi=${6:-} d=$tmp/$1 frc=0 crc=0 port= first= why=
	local sendn=70001 recvn=50001 seqs=2/3
	[ "$tls" = 1.2 ] && seqs=3/4
	if [ -n "$sspi" ]; then
		seqs=4/6
		[ "$tls" = 1.2 ] && seqs=5/7
	fi
	if [ -n "$setup_error" ]; then
		tap_result 1 "$name" "setup: $setup_error"
		return
	fi
	timeout -k 5 240 "$repo/build/ktls/ktls_front" --port-file "$d.port" --version "$version" \
		--cipher "$kcipher" --recv "$sendn" --send "$recvn" $sspi >"$d.front.out" \
		2>"$d.front.err" &
	local fpid=$! t
	for ((t = 0; t < 300; t++)); do
		[ -s "$d.port" ] && break
		sleep 0.1
	done
	{ read -r port <"$d.port"; } 2>/dev/null
	timeout -k 5 240 "$repo/build/ktls/ktls_client" --port "${port:-1}" --tls "$tls" \
		--cipher "$cipher" --send "$sendn" --recv "$recvn" >"$d.client.out" \
		2>"$d.client.err" || crc=$?
	wait "$fpid" || frc=$?
	local -A fo=() co=()
	words fo "$d.front.out"
	words co "$d.client.out"
	[ "$frc" = 0 ] || why="front exit $frc: $(tail -n 5 "$d.front.err")"
	[ "$crc" = 0 ] || why="$why${why:+; }client exit $crc: $(tail -n 5 "$d.client.err")"
	[ "${fo[status]:-}" = SEC_E_OK ] || why="$why; status ${fo[status]:-}"
	[ "${fo[attach_before_ok]:-}" = EINVAL ] || why="$why; attach during the handshake not EINVAL"
	[ "${fo[version]:-}" = "$version" ] || why="$why; version ${fo[version]:-}"
	[ "${fo[cipher]:-}" = "$kcipher" ] || why="$why; cipher ${fo[cipher]:-}"
	[ "${fo[attach_again]:-}" = EALREADY ] || why="$why; second attach not EALREADY"
	[ "${fo[received]:-}" = "$sendn" ] || why="$why; server received ${fo[received]:-}"
	[ "${co[received]:-}" = "$recvn" ] || why="$why; client received ${co[received]:-}"
	# The helper counted the records after the handshake: TLS 1.2 counts the
	# Finished; then CHALLENGE, pubKeyAuth out and NEGOTIATE, AUTHENTICATE,
	# authInfo in. TLS 1.3 has no NewSessionTicket to count (none is sent).
	[ "${fo[tx_seq]:-}/${fo[rx_seq]:-}" = "$seqs" ] ||
		why="$why; sequence numbers at attach ${fo[tx_seq]:-}/${fo[rx_seq]:-}, want $seqs"
	[ "${fo[close_notify]:-}" = both ] || why="$why; no close_notify at the server"
	[ "${co[close_notify]:-}" = both ] || why="$why; no close_notify at the client"
	[ "${co[result]:-}" = ok ] || why="$why; client result"
	[ "${fo[result]:-}" = ok ] || why="$why; front result"
	[ -z "$sspi" ] || why="$why$(sspi_checks fo)"
	{ read -r first <"$d.client.out"; } 2>/dev/null
	echo "# $name: $first; server: tx_seq ${fo[tx_seq]:-} rx_seq ${fo[rx_seq]:-} at attach, tx_seq ${fo[tx_end_seq]:-} at the end"
	tap_result "$([ -z "$why" ] && echo 0 || echo 1)" \
		"$name: SEC_E_OK, kTLS $version/$kcipher, ${sendn}+${recvn} bytes both ways, close_notify" \
		"${why#; }"
}

# Each version and cipher once, each mode with both versions: the kernel
# fills one crypto_info per version and cipher, the same in both modes. (Four
# more cases ran a version and cipher in the other mode too: some 8 s each
# on a debug kernel under TCG for nothing the kernel does differently.)
one tls12-aes128gcm 1.2 ECDHE-RSA-AES128-GCM-SHA256 0x0303 51
one tls13-aes256gcm 1.3 TLS_AES_256_GCM_SHA384 0x0304 52
one tls12-aes256gcm-sspi 1.2 ECDHE-RSA-AES256-GCM-SHA384 0x0303 52 --sspi
one tls12-chacha20-sspi 1.2 ECDHE-RSA-CHACHA20-POLY1305 0x0303 54 --sspi
one tls13-aes128gcm-sspi 1.3 TLS_AES_128_GCM_SHA256 0x0304 51 --sspi
one tls13-chacha20-sspi 1.3 TLS_CHACHA20_POLY1305_SHA256 0x0304 54 --sspi

# Every context was deleted by its front (and its session closed).
tap_check "no context left" no_contexts

if [ -n "$helper" ]; then
	credsspd_stop_tap "$helper" "$tmp/credsspd.log"
	helper=
fi
tap_done
