#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/kernel-front.sh MODDIR DIR PORT COUNT: the guest half of
# tests/interop/kernel.sh. Loads credssp.ko, starts credsspd with
# DIR/credsspd.conf, then build/sspi_front (libcredssp's SSPI API) on
# 0.0.0.0:PORT for COUNT connections, writing DIR/port once it listens (until DIR/stop exists) and a
# result block per connection to DIR/results (with the context's key in .credssp: keyctl show,
# describe and read of it while the context lives go to DIR/keys.txt). Then saves `credsspctl -j
# stats` and `contexts` to DIR, stops credsspd and unloads the module.
# Exit: 0, or 2 when the front could not run, 3 when rmmod failed; the
# front's own status (1: a connection did not authenticate) is in DIR/front.rc.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib/guest.sh"
moddir=$1 dir=$2 port=$3 count=$4
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=99:print_stacktrace=1}

# The acceptor reads the realm configuration the host side wrote.
[ -f "$dir/kdc/krb5.conf" ] && export KRB5_CONFIG=$dir/kdc/krb5.conf
export KRB5RCACHEDIR=$dir
# Where it got to goes to vm.sh's output: what the host shows if the front
# never listens.
insmod "$moddir/credssp.ko" || exit 2
echo "kernel-front: credssp.ko loaded"
if ! start_credsspd "$dir/credsspd.conf" "$dir/credsspd.log"; then
	echo "kernel-front: credsspd did not register: $(tail -n 20 "$dir/credsspd.log")"
	exit 2
fi
helper=${credsspd_pid:?}
echo "kernel-front: credsspd registered"
"$repo/build/credsspctl" status >"$dir/status-before.txt" 2>&1
echo "kernel-front: sspi_front starts"
rc=0
"$repo/build/sspi_front" --host 0.0.0.0 --port "$port" --port-file "$dir/port" \
	--count "$count" --stop-file "$dir/stop" --timeout "${KCREDSSP_FRONT_TIMEOUT:-600}" --result "$dir/results" \
	--keys-file "$dir/keys.txt" 2>"$dir/front.log" || rc=$?
# 1 means some connection did not authenticate: the host judges each one.
echo "$rc" >"$dir/front.rc"
echo "kernel-front: sspi_front exit $rc"
[ "$rc" = 1 ] && rc=0
date +%s >"$dir/guest-clock" # the host compares it with its own
"$repo/build/credsspctl" -j stats >"$dir/stats.json" 2>&1
"$repo/build/credsspctl" -j contexts >"$dir/contexts.json" 2>&1
kill "$helper"
wait "$helper"
echo "credsspd exit $?" >>"$dir/credsspd.log"
rmmod credssp || rc=3
exit $rc
