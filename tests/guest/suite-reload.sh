#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/guest/suite-reload.sh: credssp.ko loaded and unloaded over and over
# while generic netlink sockets open and close in many network namespaces
# (review F2), run by tests/guest/run.sh in the guest with credssp.ko loaded
# (MODDIR = its directory).
#
# Every NETLINK_GENERIC socket that closes, in any netns, runs credssp.ko's
# NETLINK_URELEASE notifier, which looks up the module's state in that
# netns. register_pernet_subsys() publishes the pernet id before it has set
# the state up in every netns, and on a reload the id comes back pointing at
# the state the last unload freed: a notifier registered before the pernet
# operations read past a netns's net_generic array, or freed memory. The
# module now sets the state up first and registers the notifier and the
# family after it. genl-churn.py makes KCREDSSP_RELOAD_NETNS namespaces
# (default 100) and closes sockets in them as fast as it can while this
# loops rmmod/insmod for KCREDSSP_RELOAD_SECS seconds (default 15). Any
# kernel report fails the suite (and the whole guest run: scripts/vm.sh
# exits 125). Prints TAP; leaves the module loaded.
set -u
here=$(cd "$(dirname "$0")" && pwd)
moddir=${MODDIR:?run me from tests/guest/run.sh}
nets=${KCREDSSP_RELOAD_NETNS:-40}
secs=${KCREDSSP_RELOAD_SECS:-15}
. "$here/../lib/tap.sh"

tmp=$(mktemp -d) || { echo "Bail out! mktemp failed"; exit 1; }
churn=
cleanup() {
	touch "$tmp/stop"
	[ -z "$churn" ] || wait "$churn" 2>/dev/null
	[ -d /sys/module/credssp ] || insmod "$moddir/credssp.ko"
	rm -rf "$tmp"
}
trap cleanup EXIT

kernel_reports() {
	dmesg | tail -n +"$((dmesg_lines + 1))" |
		grep -E 'BUG:|WARNING:|Oops|general protection fault|UBSAN:|kernel BUG' || true
}

dmesg_lines=$(dmesg | wc -l)
t0=$SECONDS
"$here/genl-churn.py" "$nets" "$(nproc)" "$tmp/stop" >"$tmp/churn" 2>&1 &
churn=$!
for _ in {1..600}; do
	grep -q '^ready' "$tmp/churn" && break
	kill -0 "$churn" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q '^ready' "$tmp/churn"; then
	tap_result 1 "$nets netns churning generic netlink sockets" "$(cat "$tmp/churn")"
	tap_done
	exit
fi
tap_result 0 "$nets netns churning generic netlink sockets"
echo "# $nets netns made in $((SECONDS - t0)) s"

cycles=0
err=
end=$((SECONDS + secs))
while [ $SECONDS -lt $end ]; do
	out=$(rmmod credssp 2>&1) || { err="rmmod: $out"; break; }
	out=$(insmod "$moddir/credssp.ko" 2>&1) || { err="insmod: $out"; break; }
	cycles=$((cycles + 1))
	[ -z "$(kernel_reports)" ] || break
done
touch "$tmp/stop"
wait "$churn"
rc=$?
churn=
echo "# $cycles reloads in ${secs} s; genl-churn: $(tail -n 1 "$tmp/churn")"
tap_result "$([ -z "$err" ] && [ $cycles -gt 0 ] && echo 0 || echo 1)" \
	"rmmod/insmod credssp.ko for ${secs} s with sockets closing in every netns" "$err"
tap_check "the churn ran to the end" test $rc = 0
tap_check "no kernel report (KASAN, WARN, oops) during the reloads" \
	sh -c "out=\$(dmesg | tail -n +$((dmesg_lines + 1)) |
		grep -E -A30 'BUG:|WARNING:|Oops|general protection fault|UBSAN:|kernel BUG');
		[ -z \"\$out\" ] || { printf '%s\n' \"\$out\" | head -40; false; }"
[ -d /sys/module/credssp ] || insmod "$moddir/credssp.ko"
tap_check "credssp.ko loaded, its family resolves" genl ctrl get name credssp
tap_done
