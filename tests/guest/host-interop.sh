#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/host-interop.sh KVER [--debug]: real RDP clients on the host
# authenticate through the kernel path in the guest (TAP).
#
#   host:  Xvfb, a throwaway KDC (tests/lib/kdc.sh), the clients xfreerdp,
#          xfreerdp3 and rdesktop, one after the other, to 127.0.0.1:PORT
#   guest: credssp.ko, credsspd (sanitized) with a certificate, the
#          TERMSRV/localhost keytab and an NTLM user file, and
#          build/sspi_front: a listener written against libcredssp's SSPI
#          porting header (tests/guest/kernel-front.sh), reached through
#          QEMU's port forward
#
# Each client must reach SEC_E_OK with the right principal and package, the
# delegated password must come back through QueryContextAttributes
# (SECPKG_ATTR_CREDS), the context's key must be in .credssp (keyctl show,
# described credssp:ctx=<id>;user=<principal>;pkg=<package>) and refuse
# keyctl read as root, and the client's first RDP PDU must follow as a TLS
# application data record; a wrong NTLM password must make xfreerdp exit 134.
# Then the kernel's statistics must count what happened and no context may
# be left. A client that cannot run fails its case.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
KCREDSSP_FRONT=/bin/true # the host front is not used here
# it_init points HOME at a temporary directory: keep the kernel cache.
export KCREDSSP_CACHE=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}
. "$here/../lib/interop.sh"

kver=${1:-6.12}
shift
vmargs=("$@")
moddir=build/kmod-$kver$([ "${1:-}" = --debug ] && echo -debug)/kmod

it_init
it_need xfreerdp xfreerdp3 rdesktop
it_xvfb
it_kdc localhost
realm=KCREDSSP.TEST
it_credsspd_conf "$it_dir" "# rdesktop speaks TSRequest version 2" "min_version = 2"
yes yes 2>/dev/null | head -n 100 >"$it_dir/yes"

# The cases, in the order the front serves them.
xf=(/v:127.0.0.1:@PORT@ /u:alice /d:KCREDSSP /cert:ignore /sec:nla /auth-only)
port=$(it_free_port)

vm_rc=none
if [ -z "$it_setup_error" ]; then
	# 90 s when all is well: a guest still running at 480 s is stuck
	# (vm.sh then says where).
	(cd "$it_repo" && exec scripts/vm.sh --kernel "$kver" "${vmargs[@]}" --forward "$port" \
		--results "$it_dir" --timeout 480 -- \
		tests/guest/kernel-front.sh "$moddir" "$it_dir" "$port" 100) \
		>"$it_dir/vm.log" 2>&1 &
	vm_pid=$!
	it_guest_wait "$it_dir/port" || it_setup_error="the guest front did not start: $it_guest_why"
fi

# client NAME ENV... -- COMMAND...: run one client, keep its first result block.
client() {
	local n name=$1 envs=() a cmd=()
	shift
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	for a in "$@"; do cmd+=("${a//@PORT@/$port}"); done
	it_clog=$it_dir/$name.client.log it_res=$it_dir/$name.result it_flog=$it_dir/front.log
	it_rc=none it_frc=none it_ms=0
	: >"$it_clog"
	if [ -n "$it_setup_error" ]; then
		echo "setup: $it_setup_error" >"$it_clog"
		# the whole story once, in the first case
		it_setup_error="${it_setup_error%%$'\n'*} (more in the first case)"
		return
	fi
	local before after
	before=$(grep -c '^end=' "$it_dir/results" 2>/dev/null)
	env "${envs[@]}" timeout -k 5 60 "${cmd[@]}" <"$it_dir/yes" >"$it_clog" 2>&1
	it_rc=$?
	# A client may connect more than once (xfreerdp3 does): wait until the
	# front has no connection open, then judge the first of the new ones.
	for _ in $(seq 200); do
		after=$(grep -c '^end=' "$it_dir/results" 2>/dev/null)
		[ "$after" -gt "${before:-0}" ] && [ "$(grep -c '^conn=' "$it_dir/results")" = "$after" ] && break
		sleep 0.1
	done
	n=$((${before:-0} + 1))
	sed -n "/^conn=$n\$/,/^end=$n\$/p" "$it_dir/results" 2>/dev/null >"$it_res"
	echo "# $name: client exit $it_rc, status $(it_get status)"
}

# A refused logon: what credsspd said about it (the acceptor's reason).
helper_log_if_refused() {
	[ "$(it_get status)" = SEC_E_OK ] ||
		it_fail "credsspd: $(grep -v '^$' "$it_dir/credsspd.log" 2>/dev/null | tail -n 6)"
}

ok_case() { # NAME PRINCIPAL PACKAGE
	it_case "$1 through credssp.ko + credsspd: SEC_E_OK as $2 ($3), password delegated"
	helper_log_if_refused
	it_want status SEC_E_OK
	it_want principal "$2"
	it_want package "$3"
	it_want password 'Passw0rd!'
	it_want next_record application_data
	it_want lifespan_ok yes
	# The delegated credentials' key, while the context lived: in .credssp,
	# described without secrets, unreadable even by root.
	local ctx desc
	ctx=$(it_get ctx)
	desc="credssp:ctx=$ctx;user=$2;pkg=$3"
	it_want key_desc "$desc"
	it_want key_perm 09090000
	it_want key_read refused
	[ -n "$ctx" ] && sed -n "/^# ctx=$ctx /,/^# keyctl read exit/p" "$it_dir/keys.txt" 2>/dev/null |
		grep -qF -- "credssp: $desc" ||
		it_fail "keyctl show of .credssp: no key '$desc' ($(cat "$it_dir/keys.txt" 2>/dev/null | tail -n 8))"
	[ -n "$ctx" ] && sed -n "/^# ctx=$ctx /,/^# keyctl read exit/p" "$it_dir/keys.txt" 2>/dev/null |
		grep -qE '^# keyctl read exit [1-9]' ||
		it_fail "keyctl read of the key did not fail"
	it_end
}

client xfreerdp-ntlm -- xfreerdp "${xf[@]}" '/p:Passw0rd!'
ok_case xfreerdp 'KCREDSSP\alice' NTLM
client xfreerdp-wrong -- xfreerdp "${xf[@]}" /p:wrong-password
it_case "xfreerdp wrong password through the kernel: SEC_E_LOGON_DENIED, exit 134"
it_want status SEC_E_LOGON_DENIED
it_want_rc 134
it_want_log 'STATUS_LOGON_FAILURE \[0xC000006D\]'
it_end
client xfreerdp3-ntlm KRB5_CONFIG="$it_dir/krb5-empty.conf" KRB5CCNAME="FILE:$it_dir/no-ccache" -- \
	xfreerdp3 "${xf[@]}" '/p:Passw0rd!'
ok_case xfreerdp3 'KCREDSSP\alice' NTLM
client xfreerdp3-kerberos KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="FILE:$it_dir/no-ccache" -- \
	xfreerdp3 /v:localhost:@PORT@ /u:alice /d:"$realm" '/p:Passw0rd!' '/auth-pkg-list:!ntlm' \
	/cert:ignore /sec:nla /auth-only
ok_case xfreerdp3 "alice@$realm" Kerberos
client rdesktop-kerberos KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="$it_tgt" -- \
	rdesktop -u alice -d "$realm" -p 'Passw0rd!' localhost:@PORT@
ok_case rdesktop "alice@$realm" Kerberos

: >"$it_dir/stop"
if [ -n "${vm_pid:-}" ]; then
	wait "$vm_pid"
	vm_rc=$?
fi
it_res=$it_dir/none it_clog=$it_dir/vm.log it_ms=0
it_case "guest: the front served every client, credsspd and credssp.ko unloaded cleanly (vm.sh exit 0), the guest's clock kept the host's"
[ "$vm_rc" = 0 ] || it_fail "vm.sh exit $vm_rc: $(tail -n 15 "$it_dir/vm.log"; tail -n 5 "$it_dir/credsspd.log" 2>/dev/null)"
# Kerberos allows 5 minutes of skew; a guest clock that drifts (scripts/vm.sh:
# the clocksource) fails the Kerberos cases long before that: say so here.
guest_clock=$(cat "$it_dir/guest-clock" 2>/dev/null)
skew=$(($(date +%s) - ${guest_clock:-0}))
[ "${skew#-}" -le 60 ] || it_fail "the guest's clock is ${skew} s behind the host's"
it_end
it_case "credsspctl stats: at least 2 NTLM and 2 Kerberos OK, 1 LOGON_DENIED; no context left"
stats=$(cat "$it_dir/stats.json" 2>/dev/null)
/usr/bin/python3 - "$stats" "$(cat "$it_dir/contexts.json" 2>/dev/null)" <<'PY' || it_fail "stats $stats"
import json, sys
s = json.loads(sys.argv[1])
c = json.loads(sys.argv[2])
n = {}
for h in s["handshakes"]:
    n[(h["outcome"], h["package"])] = h["count"]
ok_ntlm = sum(v for (o, p), v in n.items() if o.lower() == "ok" and p.lower() == "ntlm")
ok_krb = sum(v for (o, p), v in n.items() if o.lower() == "ok" and p.lower() == "kerberos")
denied = sum(v for (o, p), v in n.items() if o.lower() == "logon_denied")
assert ok_ntlm >= 2 and ok_krb >= 2 and denied == 1, n
assert c == [] or c == {"contexts": []}, c
PY
it_end
tap_done
