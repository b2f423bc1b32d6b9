#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/ctx_scale.sh [-b BUILD] [-m MEM] [--moddir DIR] [--] [CTX_SCALE ARGS]
#
# The kernel's context handling at scale (issue 15, item 3), in Debian's
# own 6.12 guest (QEMU TCG): loads this tree's credssp.ko (built against
# Debian's headers: make module KDIR=...), prints the guest's kernel and the
# sizes of the structures a context holds (pahole, from credssp.ko's DWARF
# and the kernel's BTF), then runs BUILD/bench/ctx_scale, which is its own
# helper and consumer: N established contexts (default 100 000), accept
# latency at 1, 10, ... live contexts, slab per context, freeing them all,
# and the counts back at their baseline (bench/README, "ctx_scale").
# Not a test: it measures and prints.
#
#   -b BUILD   where bench/ctx_scale is (default build: make bench-ctx)
#   -m MEM     guest memory in MiB (default 2048)
#   --moddir DIR  where credssp.ko is (default: this tree's build for
#              Debian's 6.12 headers), e.g. another tree's, to compare
#   CTX_SCALE ARGS  passed on: [-n N] [-b BATCH] [-s SOCKETS] [-f delete|close]
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=build
mem=2048
guest=0
moddir=

usage() { sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
	case "$1" in
	-b) build=${2:?}; shift 2 ;;
	-m) mem=${2:?}; shift 2 ;;
	--in-guest) guest=1; shift ;;
	--moddir) moddir=${2:?}; shift 2 ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
cd "$repo" || exit 2
b=$repo/$build
if [ -z "$moddir" ]; then # on the host: Debian's headers are cached there
	kdir=$(scripts/debian-kernel.sh --kdir 6.12 2>/dev/null) || kdir=/nonexistent
	moddir=$repo/build/kmod-kdir$(tr / - <<<"$kdir")/kmod
fi
for f in "$moddir/credssp.ko" "$b/bench/ctx_scale"; do
	[ -e "$f" ] || { echo "ctx_scale.sh: no $f (make bench-ctx builds them)" >&2; exit 2; }
done

if [ $guest = 0 ]; then
	exec scripts/vm.sh --kernel 6.12 --debian --mem "$mem" --timeout 5400 -- \
		"$here/ctx_scale.sh" --in-guest -b "$build" --moddir "$moddir" -- "$@"
fi

# shellcheck disable=SC2317 # called by bench_module (lib.sh)
die() {
	echo "ctx_scale.sh: $*" >&2
	exit 1
}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_module "$moddir/credssp.ko"

echo "# ctx_scale: $(git -C "$repo" describe --always --dirty 2>/dev/null), $(uname -r)," \
	"$(nproc) vCPU(s) (QEMU TCG), $((mem)) MiB"
# The structures behind one established context, as this build lays them out.
if command -v pahole >/dev/null; then
	for s in credssp_ctx credssp_result; do
		pahole -C "$s" "$moddir/credssp.ko" 2>/dev/null | grep -E '^struct|/\* size:' |
			tr -s ' \t' ' ' | sed 's/^/# /'
	done
	for s in key user_key_payload xa_node assoc_array_node; do
		pahole -C "$s" /sys/kernel/btf/vmlinux 2>/dev/null | grep -E '^struct|/\* size:' |
			tr -s ' \t' ' ' | sed 's/^/# /'
	done
fi
# SLUB merges caches of the same shape: where the key type's objects go.
if [ -L /sys/kernel/slab/key_jar ]; then
	t=$(basename "$(readlink /sys/kernel/slab/key_jar)")
	echo "# key_jar is merged into $t with:" \
		"$(find /sys/kernel/slab -maxdepth 1 -lname "*$t" -printf '%f ' | sort)"
fi
"$b/bench/ctx_scale" "$@"
rc=$?
grep -c . /proc/keys | sed 's/^/# keys in \/proc\/keys at the end: /'
exit $rc
