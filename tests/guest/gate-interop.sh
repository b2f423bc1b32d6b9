#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/gate-interop.sh KVER [--debug]: real RDP clients on the host
# authenticate at the RDP NLA gates in the guest, through socket mode (TAP).
#
#   host:  Xvfb, a throwaway KDC (tests/lib/kdc.sh), the clients xfreerdp,
#          xfreerdp3 and rdesktop, one after the other, to 127.0.0.1:PORT
#   guest: credssp.ko, credsspd (sanitized) with a certificate, the
#          TERMSRV/localhost keytab and an NTLM user file, then the gates
#          (tests/guest/gate-guest.sh): credssp_gate.ko (in the kernel),
#          then build/credssp-gate (libcredssp), on the forwarded port
#
# For each gate: xfreerdp (NTLM), xfreerdp3 (NTLM), xfreerdp3 (Kerberos)
# and rdesktop (Kerberos) must reach SEC_E_OK with the right principal and
# package, kTLS must be installed (TLS 1.2 or 1.3) and the client's MCS
# Connect-Initial must be read in plaintext through it, and the context must
# have a delegated-credentials key in .credssp; a wrong NTLM password
# must end in SEC_E_LOGON_DENIED and make xfreerdp exit 134; xfreerdp in
# Restricted Admin mode must authenticate and delegate nothing. The kernel gate
# must keep its established contexts (and keys) until rmmod, leave none after
# it (keys revoked), and rmmod must cancel a handshake in flight at once.
# Clients that connect again after authenticating (xfreerdp3) are judged by
# their first connection. A client that cannot run fails its case.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
KCREDSSP_FRONT=/bin/true # the host front is not used here
export KCREDSSP_CACHE=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}
. "$here/../lib/interop.sh"

kver=${1:-6.12}
shift
vmargs=("$@")
moddir=build/kmod-$kver$([ "${1:-}" = --debug ] && echo -debug)
# KCREDSSP_GATE_MODDIR: another build of credssp.ko and credssp_gate.ko.
moddir=${KCREDSSP_GATE_MODDIR:-$moddir}

it_init
it_need xfreerdp xfreerdp3 rdesktop
[ -f "$it_repo/$moddir/samples/kgate/credssp_gate.ko" ] || [ -f "$moddir/samples/kgate/credssp_gate.ko" ] ||
	it_setup_error="no credssp_gate.ko in $moddir (make module KVER=$kver)"
[ -x "$it_repo/build/credssp-gate" ] || it_setup_error="no build/credssp-gate (make gates)"
it_xvfb
it_kdc localhost
realm=KCREDSSP.TEST
it_credsspd_conf "$it_dir" "# rdesktop speaks TSRequest version 2" "min_version = 2"
yes yes 2>/dev/null | head -n 100 >"$it_dir/yes"

xf=(/v:127.0.0.1:@PORT@ /u:alice /d:KCREDSSP /cert:ignore /sec:nla /auth-only)
port=$(it_free_port)

vm_rc=none
if [ -z "$it_setup_error" ]; then
	(cd "$it_repo" && exec scripts/vm.sh --kernel "$kver" "${vmargs[@]}" --forward "$port" \
		--results "$it_dir" --timeout 1500 -- \
		tests/guest/gate-guest.sh "$moddir" "$it_dir" "$port") \
		>"$it_dir/vm.log" 2>&1 &
	vm_pid=$!
fi

# wait_gate GATE: until the guest says the gate listens.
wait_gate() {
	[ -n "$it_setup_error" ] && return
	it_guest_wait "$it_dir/port-$1" && return
	it_setup_error="the $1 gate did not start: $(cat "$it_dir/$1-insmod.log" 2>/dev/null)$it_guest_why"
}

# [want=N] client NAME ENV... -- COMMAND...: run one client against the
# current gate ($gate), keep the result block of its first connection. The
# gate records a connection when it ends, and a client may connect more
# than once (xfreerdp3 authenticates a second time after /auth-only, and
# may exit before the gate has finished that second handshake): N, the
# connections the client makes (default 1), must be recorded, and then no
# more for half a second. Any other number is a failure of the client's
# case (gi_records_error): a record the wait did not account for could be
# another client's, and be taken for this one's, or come late and be taken
# for the next client's.
client() {
	local name=$gate-$1 envs=() a cmd=() results=$it_dir/results-$gate n before after last stable
	local t0 seen want=${want:-1}
	shift
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	for a in "$@"; do cmd+=("${a//@PORT@/$port}"); done
	it_clog=$it_dir/$name.client.log it_res=$it_dir/$name.result it_flog=$it_dir/$gate-gate.log
	it_rc=none it_frc=none it_ms=0 gi_records_error=
	: >"$it_clog"
	: >"$it_res"
	if [ -n "$it_setup_error" ]; then
		echo "setup: $it_setup_error" >"$it_clog"
		return
	fi
	before=$(grep -c '^end=' "$results" 2>/dev/null)
	before=${before:-0}
	env "${envs[@]}" timeout -k 5 60 "${cmd[@]}" <"$it_dir/yes" >"$it_clog" 2>&1
	it_rc=$?
	last=-1 stable=0 t0=$(it_now) seen=
	for _ in $(seq 600); do
		after=$(grep -c '^end=' "$results" 2>/dev/null)
		after=${after:-0}
		[ "$after" = "$last" ] || seen+=" $((after - before))@$(($(it_now) - t0))ms"
		if [ "$after" -ge $((before + want)) ] && [ "$after" = "$last" ]; then
			stable=$((stable + 1))
			[ $stable -ge 5 ] && break
		else
			stable=0
		fi
		last=$after
		sleep 0.1
	done
	[ "$after" -eq $((before + want)) ] ||
		gi_records_error="$((after - before)) connections recorded after $name, want $want:$seen"
	n=$((before + 1))
	# The n-th block of the file (the kernel gate's numbers may start anywhere).
	awk -v n="$n" '/^conn=/ { k++ } k == n { print } /^end=/ && k == n { exit }' "$results" >"$it_res"
	echo "# $name: client exit $it_rc, status $(it_get status), principal $(it_get principal)," \
		"package $(it_get package), tls $(it_get tls_version), mcs $(it_get mcs);" \
		"records (count@ms after its exit):$seen"
}

# The client's records were as many as it makes.
records_ok() { [ -z "$gi_records_error" ] || it_fail "$gi_records_error"; }

ok_case() { # NAME PRINCIPAL PACKAGE
	it_case "$gate gate: $1 authenticates as $2 ($3) by socket mode, MCS Connect-Initial read through kTLS"
	records_ok
	it_want status SEC_E_OK
	it_want principal "$2"
	it_want package "$3"
	it_want mcs yes
	[[ $(it_get key) =~ ^[1-9][0-9]*$ ]] || it_fail "key: want the serial of a delegated-credentials key, got '$(it_get key)'"
	case $(it_get tls_version) in
	0x0303 | 0x0304) ;;
	*) it_fail "tls_version: want 0x0303 or 0x0304, got '$(it_get tls_version)'" ;;
	esac
	it_end
}

x224_case() {
	it_res=$it_dir/none it_clog=$it_dir/x224-$gate.txt it_flog=$it_dir/none it_ms=0 it_rc=none
	it_case "$gate gate: X.224 Connection Confirm selects PROTOCOL_HYBRID (Restricted Admin when required, after a correlation info too), RDP_NEG_FAILURE without it"
	[ -z "$it_setup_error" ] &&
		! diff <(printf '%s\n' "hybrid 0203080002000000" "restricted_admin 020b080002000000" \
			"correlation_info 0203080002000000" "tls_only 0300080005000000" \
			"no_neg_req 0300080005000000") "$it_dir/x224-$gate.txt" >"$it_dir/x224-$gate.diff" 2>&1 &&
		it_fail "$(cat "$it_dir/x224-$gate.diff")"
	it_end
}

run_clients() {
	x224_case
	client xfreerdp-ntlm -- xfreerdp "${xf[@]}" '/p:Passw0rd!'
	ok_case xfreerdp 'KCREDSSP\alice' NTLM
	client xfreerdp-wrong -- xfreerdp "${xf[@]}" /p:wrong-password
	it_case "$gate gate: xfreerdp with a wrong password: SEC_E_LOGON_DENIED, exit 134"
	records_ok
	it_want status SEC_E_LOGON_DENIED
	it_want mcs no
	it_want_rc 134
	it_want_log 'STATUS_LOGON_FAILURE \[0xC000006D\]'
	it_end
	want=2 client xfreerdp3-ntlm KRB5_CONFIG="$it_dir/krb5-empty.conf" KRB5CCNAME="FILE:$it_dir/no-ccache" -- \
		xfreerdp3 "${xf[@]}" '/p:Passw0rd!'
	ok_case xfreerdp3 'KCREDSSP\alice' NTLM
	want=2 client xfreerdp3-kerberos KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="FILE:$it_dir/no-ccache" -- \
		xfreerdp3 /v:localhost:@PORT@ /u:alice /d:"$realm" '/p:Passw0rd!' '/auth-pkg-list:!ntlm' \
		/cert:ignore /sec:nla /auth-only
	ok_case xfreerdp3 "alice@$realm" Kerberos
	client rdesktop-kerberos KRB5_CONFIG="$it_krb5_conf" KRB5CCNAME="$it_tgt" -- \
		rdesktop -u alice -d "$realm" -p 'Passw0rd!' localhost:@PORT@
	ok_case rdesktop "alice@$realm" Kerberos
	client xfreerdp-restricted-admin -- xfreerdp "${xf[@]}" '/p:Passw0rd!' /restricted-admin
	it_case "$gate gate: xfreerdp in Restricted Admin mode authenticates as KCREDSSP\\alice (CREDSSP_OPT_RESTRICTED_ADMIN), no credentials delegated"
	records_ok
	it_want status SEC_E_OK
	it_want principal 'KCREDSSP\alice'
	it_want restricted_admin yes
	it_want key 0
	it_want mcs yes
	it_end
}

gate=kernel
wait_gate kernel
run_clients
: >"$it_dir/stop-kernel"
it_res=$it_dir/none it_clog=$it_dir/kernel-contexts.txt it_flog=$it_dir/none it_ms=0 it_rc=none
# The guest writes kernel.rc after rmmod credssp_gate.
for _ in $(seq 600); do
	[ -s "$it_dir/kernel.rc" ] && break
	[ -n "$it_setup_error" ] && break
	kill -0 "${vm_pid:-0}" 2>/dev/null || break
	sleep 0.25
done
it_case "kernel gate: /proc/credssp_gate has every connection, established contexts kept until rmmod, none after it; rmmod cancels a stalled handshake at once"
[ "$(cat "$it_dir/kernel.rc" 2>/dev/null)" = 0 ] || it_fail "rmmod credssp_gate: rc $(cat "$it_dir/kernel.rc" 2>/dev/null)"
grep -q '^confirm 030000130ed00000123400020[0-9a-f]0800020000' "$it_dir/kernel-stall.log" 2>/dev/null ||
	it_fail "the stalled client got no Connection Confirm: $(head -c 500 "$it_dir/kernel-stall.log" 2>&1)"
rmmod_ms=$(cat "$it_dir/kernel-rmmod-ms" 2>/dev/null)
echo "# rmmod credssp_gate with a stalled handshake: ${rmmod_ms:-?} ms"
[ "${rmmod_ms:-99999}" -lt 5000 ] || it_fail "rmmod credssp_gate took ${rmmod_ms:-?} ms (want < 5000)"
grep -q 'stopped after [0-9]* connections, 1 handshakes cancelled' "$it_dir/kernel-dmesg.txt" 2>/dev/null ||
	it_fail "rmmod did not cancel the stalled handshake: $(cat "$it_dir/kernel-dmesg.txt" 2>&1)"
nproc=$(grep -c . "$it_dir/kernel-proc.txt" 2>/dev/null)
[ "${nproc:-0}" -ge 5 ] || it_fail "/proc/credssp_gate: want >= 5 lines, got ${nproc:-0}"
/usr/bin/python3 - "$it_dir/kernel-contexts.json" "$it_dir/kernel-contexts-after.json" <<'PY' || it_fail "contexts: $(cat "$it_dir/kernel-contexts.json" "$it_dir/kernel-contexts-after.json" 2>&1 | head -c 2000)"
import json, sys
def ctxs(path):
    c = json.load(open(path))
    return c["contexts"] if isinstance(c, dict) else c
before = ctxs(sys.argv[1])
kept = [x for x in before if x.get("owner_portid", 1) == 0]
assert len(kept) >= 4, ("want >= 4 kernel-owned contexts kept by the gate", before)
after = ctxs(sys.argv[2])
assert after == [], ("left after rmmod credssp_gate", after)
PY
# Every key the gate recorded is in .credssp while its context is kept, and
# revoked (or gone) once rmmod deleted the contexts.
keys_out=$(/usr/bin/python3 - "$it_dir/kernel-proc.txt" "$it_dir/kernel-keys.txt" "$it_dir/kernel-proc-keys-after.txt" 2>&1 <<'PY'
import sys
keys = [int(w[4:]) for line in open(sys.argv[1])
        if "status=SEC_E_OK" in line and "restricted_admin=no" in line
        for w in line.split() if w.startswith("key=")]
assert keys and all(keys), ("no key recorded", keys)
shown = {int(l.split()[0]) for l in open(sys.argv[2]) if "credssp:ctx=" in l}
assert set(keys) <= shown, ("recorded keys not in keyctl show .credssp", keys, shown)
for l in open(sys.argv[3]):
    f = l.split()
    if int(f[0], 16) in keys:
        assert "R" in f[1], ("key still valid after rmmod credssp_gate", l)
PY
) || it_fail "keys: $(tail -n 3 <<<"$keys_out") / $(head -c 1500 "$it_dir/kernel-keys.txt" 2>&1)"
it_end

gate=user
wait_gate user
run_clients
: >"$it_dir/stop-user"

if [ -n "${vm_pid:-}" ]; then
	wait "$vm_pid"
	vm_rc=$?
fi
it_res=$it_dir/none it_clog=$it_dir/vm.log it_flog=$it_dir/user-gate.log it_ms=0
it_case "guest: both gates served every client (credssp-gate: no sanitizer report), credsspd and credssp.ko unloaded cleanly (vm.sh exit 0)"
[ "$vm_rc" = 0 ] || it_fail "vm.sh exit $vm_rc: $(tail -n 15 "$it_dir/vm.log"; tail -n 5 "$it_dir/credsspd.log" 2>/dev/null)"
# credssp-gate exits 1: the probes and the wrong password did not authenticate.
[ "$(cat "$it_dir/user.rc" 2>/dev/null)" = 1 ] ||
	it_fail "credssp-gate exit $(cat "$it_dir/user.rc" 2>/dev/null), want 1: $(tail -n 20 "$it_dir/user-gate.log" 2>/dev/null)"
/usr/bin/python3 - "$it_dir/user-contexts-after.json" <<'PY' || it_fail "contexts left after the userspace gate: $(head -c 1000 "$it_dir/user-contexts-after.json" 2>&1)"
import json, sys
c = json.load(open(sys.argv[1]))
assert (c["contexts"] if isinstance(c, dict) else c) == []
PY
it_end
tap_done
