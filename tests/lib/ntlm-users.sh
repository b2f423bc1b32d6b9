#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Write gss-ntlmssp user files (the NTLM user source of a server credential,
# cssp_gss_config.ntlm_user_file) for tests.
#
#   tests/lib/ntlm-users.sh hash  FILE DOMAIN USER PASSWORD   append an NT-hash line
#   tests/lib/ntlm-users.sh plain FILE DOMAIN USER PASSWORD   append a plaintext line
#
# File format, as parsed by gss-ntlmssp 1.2 (src/gss_creds.c,
# get_user_file_creds()); lines of at most 1023 bytes, '#' starts a comment
# line, the first line that matches the user wins:
#
#   DOMAIN:USER:PASSWORD
#       Heimdal's format, three fields: the password in clear text, up to the
#       end of the line. A password containing ':' turns the line into the
#       other format: use a hash line for those.
#
#   [DOMAIN\]USER:UID:LM_HASH:NT_HASH:FLAGS:...
#       Samba's smbpasswd format, extended with an optional "DOMAIN\" prefix;
#       at least five ':'-separated fields (fields after NT_HASH are ignored
#       but the ':' after NT_HASH is required). NT_HASH is 32 hex digits,
#       MD4(UTF-16LE(password)). LM_HASH is read only when the LM
#       compatibility level allows LM (LM_COMPAT_LEVEL < 3; the default is 3),
#       so "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" keeps LM off for good: if LM were
#       ever enabled that line fails to load rather than accepting LM.
#       The product prefers this form: no clear-text password on disk.
#
# Matching is case-insensitive for DOMAIN and USER. A line without a domain
# (smbpasswd without "DOMAIN\") matches the user in any domain, and a client
# that sends no domain matches a line of any domain; the server then reports
# the name without a domain. Hex digits are written in upper case, which
# every gss-ntlmssp version parses.
set -eu

die() {
	echo "ntlm-users.sh: $*" >&2
	exit 1
}

[ $# -eq 5 ] || die "usage: $0 hash|plain FILE DOMAIN USER PASSWORD"
mode=$1 file=$2 domain=$3 user=$4 password=$5
case $domain$user in *[:\\]*) die "DOMAIN and USER may not contain ':' or '\\'" ;; esac

case $mode in
hash)
	nt=$(printf '%s' "$password" | iconv -f UTF-8 -t UTF-16LE |
		openssl dgst -md4 -provider legacy -provider default -r | cut -d' ' -f1 |
		tr 'a-f' 'A-F') || die "cannot compute the NT hash (openssl legacy provider?)"
	[ ${#nt} -eq 32 ] || die "cannot compute the NT hash (openssl legacy provider?)"
	printf '%s\\%s:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[U          ]:LCT-00000000:\n' \
		"$domain" "$user" "$nt" >>"$file"
	;;
plain)
	case $password in *:* | *$'\n'*) die "a clear-text password may not contain ':' or a newline" ;; esac
	printf '%s:%s:%s\n' "$domain" "$user" "$password" >>"$file"
	;;
*) die "unknown mode $mode" ;;
esac
