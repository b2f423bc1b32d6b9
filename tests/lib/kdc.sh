#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A throwaway MIT Kerberos realm for tests. Nothing under /etc or /var is
# read or written: every file lives in DIR and the tools are pointed at it
# with KRB5_CONFIG and KRB5_KDC_PROFILE.
#
#   tests/lib/kdc.sh start DIR [HOSTNAME]   create the realm in DIR, start krb5kdc
#   tests/lib/kdc.sh stop DIR               stop the KDC that start left running for
#                                           DIR (the files stay)
#   tests/lib/kdc.sh kadmin DIR QUERY...    run kadmin.local -q QUERY in the realm
#   tests/lib/kdc.sh keytab DIR PRINC FILE  create PRINC if needed, give it new random
#                                           keys (aes256, aes128) and add them to FILE
#                                           (other keytabs of PRINC go stale)
#   tests/lib/kdc.sh wrongkey DIR PRINC FILE  add to FILE a key for PRINC with
#                                           its current kvno but not its real
#                                           key (decrypting a ticket fails)
#
# start creates, in DIR (which must exist or be creatable, and whose path may
# not contain whitespace or quotes):
#   krb5.conf, kdc.conf      client and KDC profiles; the KDC listens on
#                            127.0.0.1:PORT (UDP and TCP), PORT picked free
#   principal*, stash        the KDC database and its master key stash
#   termsrv.keytab           TERMSRV/HOSTNAME keys (aes256 and aes128)
#   env                      "export NAME=VALUE" lines: KRB5_CONFIG,
#                            KRB5_KDC_PROFILE, KRB5CCNAME (FILE:DIR/ccache),
#                            KRB5_KTNAME (the keytab), KRB5RCACHEDIR (DIR),
#                            KCREDSSP_REALM, KCREDSSP_KDC_PORT, KCREDSSP_HOST
#   krb5kdc.pid, kdc.log     the running KDC
#   ccache                   a TGT of alice (start checks the KDC with kinit)
# Principals: alice@KCREDSSP.TEST (password Passw0rd!), TERMSRV/HOSTNAME.
# With KCREDSSP_KDC_OWNER=PID in the environment, the KDC also stops when
# process PID exits.
# HOSTNAME defaults to localhost; name resolution is off (rdns = false,
# dns_canonicalize_hostname = false, qualify_shortname = ""), so any name
# works without DNS. start exits non-zero with a message on any failure and
# leaves no KDC running in that case.
set -u

REALM=KCREDSSP.TEST
MASTER_PW='kcredssp-master-key'
USER_PW='Passw0rd!'
ENCTYPES='aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal'

die() {
	echo "kdc.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: $0 start DIR [HOSTNAME] | stop DIR | kadmin DIR QUERY... |
	keytab DIR PRINC FILE | wrongkey DIR PRINC FILE"
}

need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found (install krb5-kdc, krb5-admin-server, krb5-user)"
}

# A port free for both TCP and UDP on 127.0.0.1 right now.
free_port() {
	python3 - <<'EOF'
import random, socket
for _ in range(200):
    port = random.randint(20000, 60000)
    ok = True
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            ok = False
        finally:
            s.close()
    if ok:
        print(port)
        break
EOF
}

write_profiles() {
	local dir=$1 host=$2 port=$3

	cat >"$dir/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
	qualify_shortname = ""
	udp_preference_limit = 1
	forwardable = true
	default_ccache_name = FILE:$dir/ccache

[realms]
	$REALM = {
		kdc = 127.0.0.1:$port
	}

[domain_realm]
	$host = $REALM
	.kcredssp.test = $REALM
	kcredssp.test = $REALM

[logging]
	default = FILE:$dir/krb5lib.log
EOF

	cat >"$dir/kdc.conf" <<EOF
[kdcdefaults]
	kdc_listen = 127.0.0.1:$port
	kdc_tcp_listen = 127.0.0.1:$port

[realms]
	$REALM = {
		database_name = $dir/principal
		key_stash_file = $dir/stash
		acl_file = $dir/kadm5.acl
		kdc_listen = 127.0.0.1:$port
		kdc_tcp_listen = 127.0.0.1:$port
		max_life = 10h 0m 0s
		max_renewable_life = 1d 0h 0m 0s
		master_key_type = aes256-cts-hmac-sha1-96
		supported_enctypes = $ENCTYPES
	}

[logging]
	kdc = FILE:$dir/kdc.log
	admin_server = FILE:$dir/kadmin.log
	default = FILE:$dir/krb5lib.log
EOF
	: >"$dir/kadm5.acl"

	cat >"$dir/env" <<EOF
export KRB5_CONFIG=$dir/krb5.conf
export KRB5_KDC_PROFILE=$dir/kdc.conf
export KRB5CCNAME=FILE:$dir/ccache
export KRB5_KTNAME=FILE:$dir/termsrv.keytab
export KRB5RCACHEDIR=$dir
export KCREDSSP_REALM=$REALM
export KCREDSSP_KDC_PORT=$port
export KCREDSSP_HOST=$host
EOF
}

# Environment for every krb5 tool: only DIR's files.
with_env() {
	local dir=$1
	shift
	env KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf" \
		KRB5CCNAME="FILE:$dir/ccache" KRB5_KTNAME="FILE:$dir/termsrv.keytab" \
		KRB5RCACHEDIR="$dir" "$@"
}

kadmin_q() {
	local dir=$1
	shift
	with_env "$dir" kadmin.local -r "$REALM" -q "$*" >>"$dir/kadmin.out" 2>&1 ||
		die "kadmin.local -q '$*' failed: $(tail -n 5 "$dir/kadmin.out")"
	# kadmin.local exits 0 even when the query fails; look for its error words.
	if tail -n 3 "$dir/kadmin.out" | grep -qiE 'error|failed|while|cannot|unknown'; then
		die "kadmin.local -q '$*' failed: $(tail -n 3 "$dir/kadmin.out")"
	fi
}

stop_kdc() {
	local dir=$1 pid

	[ -f "$dir/krb5kdc.pid" ] || return 0
	pid=$(cat "$dir/krb5kdc.pid")
	rm -f "$dir/krb5kdc.pid"
	case $pid in '' | *[!0-9]*) return 0 ;; esac
	# Only our krb5kdc: a krb5kdc process whose profile is DIR's.
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = krb5kdc ] &&
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null |
		grep -qxF "KRB5_KDC_PROFILE=$dir/kdc.conf"; then
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || return 0
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
	fi
	return 0
}

# With KCREDSSP_KDC_OWNER=PID, stop the KDC when that process is gone (a
# test that dies without running its cleanup leaves no KDC behind).
watch_owner() {
	local dir=$1 owner=${KCREDSSP_KDC_OWNER:-} pid

	case $owner in '' | *[!0-9]*) return 0 ;; esac
	pid=$(cat "$dir/krb5kdc.pid")
	(
		while kill -0 "$owner" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do
			sleep 1
		done
		stop_kdc "$dir"
	) >/dev/null 2>&1 </dev/null &
}

# Start krb5kdc on PORT; 0 once kinit alice works, 1 if the KDC died or never
# answered (the caller may retry on another port).
try_start() {
	local dir=$1 port=$2 pid

	# A simple command, not a function: the background child execs env,
	# which execs krb5kdc, so $! is the KDC itself.
	env KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf" \
		krb5kdc -n -r "$REALM" >>"$dir/kdc.out" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$dir/krb5kdc.pid"
	for _ in $(seq 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			rm -f "$dir/krb5kdc.pid"
			return 1
		fi
		if printf '%s\n' "$USER_PW" |
			with_env "$dir" kinit "alice@$REALM" >>"$dir/kinit.out" 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	stop_kdc "$dir"
	return 1
}

cmd_start() {
	local dir=${1:-} host=${2:-localhost} port

	[ -n "$dir" ] || usage
	case $dir in *[[:space:]\'\"\\]*) die "DIR may not contain whitespace or quotes: $dir" ;; esac
	case $host in '' | *[!A-Za-z0-9.-]*) die "bad HOSTNAME: $host" ;; esac
	for t in krb5kdc kdb5_util kadmin.local kinit python3; do need "$t"; done
	mkdir -p "$dir" || die "cannot create $dir"
	dir=$(cd "$dir" && pwd) || die "cannot enter $dir"
	[ ! -f "$dir/krb5kdc.pid" ] || die "a KDC already runs for $dir (stop it first)"
	rm -f "$dir"/principal* "$dir/stash" "$dir/termsrv.keytab" "$dir/ccache" \
		"$dir"/*.log "$dir"/*.out

	port=$(free_port)
	[ -n "$port" ] || die "no free port found"
	write_profiles "$dir" "$host" "$port"

	with_env "$dir" kdb5_util -r "$REALM" create -s -P "$MASTER_PW" >"$dir/kdb5_util.out" 2>&1 ||
		die "kdb5_util create failed: $(tail -n 5 "$dir/kdb5_util.out")"
	kadmin_q "$dir" "addprinc -pw $USER_PW alice@$REALM"
	kadmin_q "$dir" "addprinc -randkey TERMSRV/$host@$REALM"
	kadmin_q "$dir" "ktadd -k $dir/termsrv.keytab -e ${ENCTYPES// /,} TERMSRV/$host@$REALM"
	[ -s "$dir/termsrv.keytab" ] || die "ktadd wrote no keytab"

	for _ in 1 2 3 4 5; do
		if try_start "$dir" "$port"; then
			watch_owner "$dir"
			echo "kdc.sh: realm $REALM on 127.0.0.1:$port, env in $dir/env"
			return 0
		fi
		# Lost the port to someone else (or the KDC failed): try another.
		port=$(free_port)
		[ -n "$port" ] || break
		write_profiles "$dir" "$host" "$port"
	done
	die "krb5kdc did not start or kinit failed; see $dir/kdc.log, $dir/kdc.out, $dir/kinit.out:
$(tail -n 5 "$dir/kdc.out" "$dir/kinit.out" 2>/dev/null)"
}

cmd_stop() {
	local dir=${1:-}

	[ -n "$dir" ] || usage
	[ -d "$dir" ] || return 0
	stop_kdc "$(cd "$dir" && pwd)"
}

cmd_kadmin() {
	local dir=${1:-}

	{ [ -n "$dir" ] && [ $# -ge 2 ]; } || usage
	dir=$(cd "$dir" && pwd) || die "no such DIR"
	shift
	kadmin_q "$dir" "$*"
}

cmd_keytab() {
	local dir=${1:-} princ=${2:-} file=${3:-}

	{ [ -n "$dir" ] && [ -n "$princ" ] && [ -n "$file" ]; } || usage
	dir=$(cd "$dir" && pwd) || die "no such DIR"
	if ! with_env "$dir" kadmin.local -r "$REALM" -q "getprinc $princ" 2>&1 |
		grep -q '^Principal:'; then
		kadmin_q "$dir" "addprinc -randkey $princ"
	fi
	kadmin_q "$dir" "ktadd -k $file -e ${ENCTYPES// /,} $princ"
}

cmd_wrongkey() {
	local dir=${1:-} princ=${2:-} file=${3:-} kvno

	{ [ -n "$dir" ] && [ -n "$princ" ] && [ -n "$file" ]; } || usage
	dir=$(cd "$dir" && pwd) || die "no such DIR"
	kvno=$(with_env "$dir" kadmin.local -r "$REALM" -q "getprinc $princ" 2>/dev/null |
		sed -n 's/^Key: vno \([0-9]*\),.*/\1/p' | head -n 1)
	[ -n "$kvno" ] || die "no principal $princ"
	need ktutil
	printf 'addent -password -p %s -k %s -e aes256-cts-hmac-sha1-96\n%s\nwkt %s\nquit\n' \
		"$princ" "$kvno" 'not-the-real-key' "$file" |
		with_env "$dir" ktutil >>"$dir/ktutil.out" 2>&1 || die "ktutil failed"
	[ -s "$file" ] || die "ktutil wrote no keytab"
}

case ${1:-} in
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
kadmin) shift; cmd_kadmin "$@" ;;
keytab) shift; cmd_keytab "$@" ;;
wrongkey) shift; cmd_wrongkey "$@" ;;
*) usage ;;
esac
