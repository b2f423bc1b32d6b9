#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/test-vm.sh [--debug|--debian] KVER: tests of scripts/vm.sh itself,
# as TAP. It must pass COMMAND's exit status through, stream output, run in the
# caller's directory, share a writable results directory, forward ports,
# fail when the guest kernel WARNs or oopses even if COMMAND succeeded, say
# what a guest that timed out waited in, boot once more when a boot hangs,
# and stop QEMU when it is stopped.
# The kernels built here provoke the WARN and the oops with LKDTM; Debian's
# has no LKDTM: tests/vm/provoke/ is built against its headers instead.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"
opts=()
case "${1:-}" in --debug|--debian) opts+=("$1"); shift ;; esac
kver=${1:?usage: test-vm.sh [--debug|--debian] KVER}
vm() { "$repo/scripts/vm.sh" --kernel "$kver" "${opts[@]}" "$@"; }

# provoke warn|oops: the guest command that makes the kernel WARN or oops.
mkdir -p "$repo/build"
provoke_dir=$(mktemp -d "$repo/build/vm-provoke.XXXXXX")
trap 'rm -rf "$provoke_dir"' EXIT
if [ "${opts[0]:-}" = --debian ]; then
	cp "$here/provoke/Kbuild" "$here/provoke/kcredssp_provoke.c" "$provoke_dir/"
	kdir=$("$repo/scripts/debian-kernel.sh" --kdir "$kver") &&
		make -C "$kdir" M="$provoke_dir" modules >"$provoke_dir/build.log" 2>&1
	tap_result $? "build tests/vm/provoke against Debian's $kver headers" \
		"$(tail -n 15 "$provoke_dir/build.log" 2>/dev/null)"
	provoke() { echo "insmod $provoke_dir/kcredssp_provoke.ko what=$1"; }
else
	provoke() {
		case "$1" in
		warn) echo "echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT" ;;
		oops) echo "echo EXCEPTION >/sys/kernel/debug/provoke-crash/DIRECT" ;;
		esac
	}
fi

# expect_rc NAME WANT COMMAND...: vm.sh must exit WANT.
expect_rc() {
	local name=$1 want=$2 rc=0 out
	shift 2
	out=$(vm "$@" 2>&1) || rc=$?
	[ $rc -eq "$want" ]
	tap_result $? "$name (exit $want)" "$(printf 'exit %d\n%s' $rc "$(tail -n 15 <<<"$out")")"
}

# Output, working directory, the results share and a status other than 0
# (passed through, not mapped; 0 is checked with --forward below) in one
# boot: each costs 15-20 s under TCG. The caller's directory is under /tmp,
# which the guest covers with a tmpfs: it must still be there.
res=$(mktemp -d)
cwdir=$(mktemp -d)
trap 'rm -rf "$res" "$cwdir" "$provoke_dir"' EXIT
echo marker >"$cwdir/marker"
cd "$cwdir"
rc=0
out=$(vm --results "$res" -- sh -c 'echo "out:$(pwd):$(cat marker)"; echo guest >"$VM_RESULTS/file"; exit 7' 2>&1) || rc=$?
cd "$repo"
[ $rc -eq 7 ]
tap_result $? "exit status passes through (exit 7)" "exit $rc: $(tail -n 15 <<<"$out")"
grep -qx "out:$cwdir:marker" <<<"$out"
tap_result $? "output streamed, caller's directory kept (under /tmp)" "$out"
[ "$(cat "$res/file" 2>/dev/null)" = guest ]
tap_result $? "results directory writable from the guest" "$out"

# A WARN fails the run even though COMMAND succeeds.
warn="$(provoke warn); echo survived"
out=$(vm -- sh -c "$warn" 2>&1)
rc=$?
[ $rc -eq 125 ] && grep -q survived <<<"$out" && grep -q 'WARNING:' <<<"$out"
tap_result $? "kernel WARN fails a successful command (exit 125)" "exit $rc: $(tail -n 5 <<<"$out")"

# An oops panics the guest: no status, non-zero.
expect_rc "kernel oops fails the run" 125 -- sh -c "$(provoke oops); exit 0"

# A guest that hangs is stopped at the timeout, and says what it waited in:
# the guest's own dump (here 1 s into the command).
out=$(VM_STALL=1 vm --timeout 30 -- sleep 600 2>&1)
rc=$?
[ $rc -eq 124 ] && grep -q "what the guest's processes waited in" <<<"$out" &&
	grep -Eq ' hrtimer_nanosleep +sleep 600$' <<<"$out"
tap_result $? "timeout (exit 124), with what the guest's processes waited in" \
	"exit $rc: $(tail -n 25 <<<"$out")"

# A boot that never reaches the command is booted once more, then fails.
out=$(VM_BOOT_LIMIT=1 vm -- true 2>&1)
rc=$?
[ $rc -eq 125 ] && grep -q 'booting once more' <<<"$out" &&
	grep -q "did not reach vm-init's command in 1s, twice" <<<"$out"
tap_result $? "a boot that hangs: booted once more, then exit 125" "exit $rc: $out"

# SIGTERM stops the guest too, not only vm.sh: its QEMU (vm.sh -> timeout
# -> qemu) must be gone once vm.sh is.
"$repo/scripts/vm.sh" --kernel "$kver" "${opts[@]}" --timeout 300 -- sleep 600 >/dev/null 2>&1 &
vmpid=$!
qemu=
for _ in $(seq 100); do
	qemu=$(pgrep -P "$(pgrep -d , -P $vmpid)" qemu-system-x86 2>/dev/null | head -n 1)
	[ -n "$qemu" ] && break
	sleep 0.2
done
kill -TERM $vmpid
wait $vmpid
rc=$?
left=no
[ -n "$qemu" ] && kill -0 "$qemu" 2>/dev/null && left="yes (pid $qemu)"
[ $rc -eq 143 ] && [ -n "$qemu" ] && [ "$left" = no ]
tap_result $? "SIGTERM stops vm.sh (exit 143) and its QEMU" "exit $rc, QEMU ${qemu:-not found} left: $left"

# --forward: a server in the guest answers on host loopback.
port=$((20000 + RANDOM % 20000))
vm --forward "$port" --timeout 120 -- /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1); s.settimeout(90)
c, _ = s.accept(); c.sendall(b"hello-from-guest\n"); c.close()' "$port" >/dev/null 2>&1 &
vmpid=$!
# Before the guest listens, QEMU accepts on the host and closes at once (an
# empty read: try again); once it listens, the one answer may take long on a
# loaded machine, and a client that gave up on it would leave the guest's
# server served and gone: wait for it (a CI run failed with 5 s).
got=$(/usr/bin/python3 - "$port" <<'PY'
import socket, sys, time
deadline = time.time() + 100
while time.time() < deadline:
    try:
        c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
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
tap_result $? "--forward reaches a guest server from host loopback, a successful command (exit 0)" "got '$got', vm.sh exit $rc"
tap_done
