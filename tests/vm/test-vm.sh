#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/test-vm.sh [--debug] KVER: tests of scripts/vm.sh itself, as TAP.
# It must pass COMMAND's exit status through, stream output, run in the
# caller's directory, share a writable results directory, forward ports, and
# fail when the guest kernel WARNs or oopses even if COMMAND succeeded.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"
opts=()
[ "${1:-}" = --debug ] && { opts+=(--debug); shift; }
kver=${1:?usage: test-vm.sh [--debug] KVER}
vm() { "$repo/scripts/vm.sh" --kernel "$kver" "${opts[@]}" "$@"; }

# expect_rc NAME WANT COMMAND...: vm.sh must exit WANT.
expect_rc() {
	local name=$1 want=$2 rc=0 out
	shift 2
	out=$(vm "$@" 2>&1) || rc=$?
	[ $rc -eq "$want" ]
	tap_result $? "$name (exit $want)" "$(printf 'exit %d\n%s' $rc "$(tail -n 15 <<<"$out")")"
}

expect_rc "vm.sh -- true" 0 -- true
expect_rc "vm.sh -- false" 1 -- false
expect_rc "exit status passes through" 7 -- sh -c 'exit 7'

# Output, working directory and the results share in one boot. The caller's
# directory is under /tmp, which the guest covers with a tmpfs: it must
# still be there.
res=$(mktemp -d)
cwdir=$(mktemp -d)
trap 'rm -rf "$res" "$cwdir"' EXIT
echo marker >"$cwdir/marker"
cd "$cwdir"
out=$(vm --results "$res" -- sh -c 'echo "out:$(pwd):$(cat marker)"; echo guest >"$VM_RESULTS/file"' 2>&1)
cd "$repo"
grep -qx "out:$cwdir:marker" <<<"$out"
tap_result $? "output streamed, caller's directory kept (under /tmp)" "$out"
[ "$(cat "$res/file" 2>/dev/null)" = guest ]
tap_result $? "results directory writable from the guest" "$out"

# A WARN fails the run even though COMMAND succeeds (LKDTM provokes it).
warn='echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT; echo survived'
out=$(vm -- sh -c "$warn" 2>&1)
rc=$?
[ $rc -eq 125 ] && grep -q survived <<<"$out" && grep -q 'WARNING:' <<<"$out"
tap_result $? "kernel WARN fails a successful command (exit 125)" "exit $rc: $(tail -n 5 <<<"$out")"

# An oops panics the guest: no status, non-zero.
expect_rc "kernel oops fails the run" 125 -- sh -c \
	'echo EXCEPTION >/sys/kernel/debug/provoke-crash/DIRECT; exit 0'

expect_rc "timeout" 124 --timeout 30 -- sleep 600

# --forward: a server in the guest answers on host loopback.
port=$((20000 + RANDOM % 20000))
vm --forward "$port" --timeout 120 -- /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1); s.settimeout(90)
c, _ = s.accept(); c.sendall(b"hello-from-guest\n"); c.close()' "$port" >/dev/null 2>&1 &
vmpid=$!
got=$(/usr/bin/python3 - "$port" <<'PY'
import socket, sys, time
deadline = time.time() + 100
while time.time() < deadline:
    try:
        c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        data = c.recv(64)
        c.close()
        if data:
            print(data.decode().strip())
            break
    except OSError:
        pass
    time.sleep(0.5)
PY
)
wait $vmpid
rc=$?
[ "$got" = hello-from-guest ] && [ $rc -eq 0 ]
tap_result $? "--forward reaches a guest server from host loopback" "got '$got', vm.sh exit $rc"
tap_done
