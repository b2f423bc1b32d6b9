#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/port-server.sh MODDIR DIR: the guest half of
# tests/guest/port-interop.sh (the SSPI port test). Loads credssp.ko, starts
# credsspd with DIR/credsspd.conf (its [credential rdp-port] is granted to
# uid 4010), then runs build/sspi_port_server on 0.0.0.0:PORT (DIR/port.in)
# as uid 4010, in two phases, one after the other:
#
#   granted  CAP_SETUID and CAP_SETGID only (ambient, bounding set the same,
#            no new privileges): the SSPI equivalent of a service's
#            SeImpersonatePrivilege; 4 clients (DIR/count.granted), the 3rd
#            and 4th with their server message tampered (negative controls)
#   nocaps   no capability at all: 1 client; ImpersonateSecurityContext must
#            fail
#
# The local accounts exist only in this script's mount namespace (the guest
# boots the host's root: its /etc/passwd is never touched): alice (5001,
# groups alice and sspi-port 5002), whom the principal KCREDSSP\alice maps
# to, and portsrv (4010), the service. Each phase writes DIR/port.PHASE once
# it listens, its output (key=value result lines) to DIR/server.PHASE.log
# and its exit status to DIR/rc.PHASE. Then `credsspctl -j stats` and
# `contexts` go to DIR, credsspd stops and the module is unloaded.
# Exit: 0, 2 set-up failed, 3 rmmod failed.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/guest.sh
. "$repo/tests/lib/guest.sh"
moddir=$1 dir=$2
port=$(cat "$dir/port.in") || exit 2
# Leak checking cannot follow the server's uid changes (impersonation makes
# the process undumpable: LeakSanitizer cannot trace it); the rest stays on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99}:detect_leaks=0
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=99:print_stacktrace=1}

tmp=$(mktemp -d /tmp/port-server.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
mkdir -m 755 "$tmp/etc"
mkdir -m 1777 "$tmp/scratch"
{ cat /etc/passwd; echo "alice:x:5001:5001:alice:/nonexistent:/usr/sbin/nologin"
  echo "portsrv:x:4010:4010:SSPI port test:/nonexistent:/usr/sbin/nologin"; } >"$tmp/etc/passwd"
{ cat /etc/group; echo "alice:x:5001:"; echo "sspi-port:x:5002:alice"; echo "portsrv:x:4010:"; } \
	>"$tmp/etc/group"
chmod 644 "$tmp/etc/passwd" "$tmp/etc/group"

insmod "$moddir/credssp.ko" || exit 2
start_credsspd "$dir/credsspd.conf" "$dir/credsspd.log" || exit 2
helper=${credsspd_pid:?}

# phase NAME COUNT TAMPER CAPS: the server as uid 4010 with CAPS (setpriv's
# capability list, e.g. +setuid,+setgid, or empty), in a mount namespace
# where alice and portsrv exist.
phase() {
	local name=$1 count=$2 tamper=$3 caps=$4 rc=0 inh=-all amb=-all bnd=-all
	[ -z "$caps" ] || { inh=-all,$caps; amb=-all,$caps; bnd=-all,$caps; }
	# shellcheck disable=SC2016 # $1 is the inner shell's
	unshare -m sh -c 'mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group &&
		shift && exec "$@"' sh "$tmp/etc" \
		setpriv --reuid 4010 --regid 4010 --clear-groups --no-new-privs \
		--inh-caps="$inh" --ambient-caps="$amb" --bounding-set="$bnd" -- \
		"$repo/build/sspi_port_server" --port "$port" --credential rdp-port \
		--scratch "$tmp/scratch" --count "$count" --tamper-from "$tamper" --timeout 300 \
		--port-file "$tmp/scratch/port.$name" >"$dir/server.$name.log" 2>&1 &
	local pid=$!
	# The port file is the server's (uid 4010): copy it into the shared directory.
	for _ in {1..600}; do
		[ -s "$tmp/scratch/port.$name" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cp "$tmp/scratch/port.$name" "$dir/port.$name" 2>/dev/null
	wait "$pid" || rc=$?
	echo "$rc" >"$dir/rc.$name"
	# Nothing the impersonated thread made may be left (each is removed).
	rm -f "$tmp/scratch/port.$name"
	ls -ln "$tmp/scratch" >"$dir/scratch.$name.txt" 2>&1
}
phase granted 4 3 +setuid,+setgid
phase nocaps 1 0 ""

date +%s >"$dir/guest-clock"
"$repo/build/credsspctl" -j stats >"$dir/stats.json" 2>&1
"$repo/build/credsspctl" -j contexts >"$dir/contexts.json" 2>&1
kill "$helper"
wait "$helper"
echo "credsspd exit $?" >>"$dir/credsspd.log"
rmmod credssp || exit 3
exit 0
