#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/ynl-gen.sh [--check]: generate the "credssp" family's uapi header
# and the kernel's policies and operations table from the YNL spec, with the
# kernel tree's own generator (tools/net/ynl/ynl-gen-c.py of linux-source-6.12):
#
#   Documentation/netlink/specs/credssp.yaml
#     -> uapi/linux/credssp.h             (--mode uapi)
#     -> kmod/netlink-gen.h, netlink-gen.c (--mode kernel)
#
# The spec is validated against the kernel's genetlink schema on the way.
# --check regenerates into a temporary directory and prints TAP: one test
# per file, failing (with the diff) if the checked-in file differs.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
check=0
[ "${1:-}" = --check ] && check=1
ksrc=$("$repo"/scripts/kernel.sh --source 6.12)
gen=$ksrc/tools/net/ynl/ynl-gen-c.py

# ynl-gen-c.py reads the schema from the spec's ../ directory and names the
# spec by its path below the nearest directory holding a MAINTAINERS file:
# give it a tree shaped like the kernel's.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tree/Documentation/netlink/specs" "$tmp/out"
: >"$tmp/tree/MAINTAINERS"
cp "$ksrc/Documentation/netlink/genetlink.yaml" "$tmp/tree/Documentation/netlink/"
cp "$repo/Documentation/netlink/specs/credssp.yaml" "$tmp/tree/Documentation/netlink/specs/"

run() { # MODE FLAG OUT
	(cd "$tmp/tree" && python3 "$gen" --mode "$1" "$2" \
		--spec Documentation/netlink/specs/credssp.yaml -o "$tmp/out/$(basename "$3")")
}
files=(uapi/linux/credssp.h kmod/netlink-gen.h kmod/netlink-gen.c)
run uapi --header uapi/linux/credssp.h
run kernel --header kmod/netlink-gen.h
run kernel --source kmod/netlink-gen.c

if [ "$check" = 0 ]; then
	for f in "${files[@]}"; do cp "$tmp/out/$(basename "$f")" "$repo/$f"; done
	exit 0
fi
n=0 failed=0
echo "1..${#files[@]}"
for f in "${files[@]}"; do
	n=$((n + 1))
	if d=$(diff -u "$repo/$f" "$tmp/out/$(basename "$f")"); then
		echo "ok $n - $f is what ynl-gen makes of the spec"
	else
		echo "not ok $n - $f is what ynl-gen makes of the spec (run scripts/ynl-gen.sh)"
		sed 's/^/# /' <<<"$d" | head -n 40
		failed=$((failed + 1))
	fi
done
[ "$failed" = 0 ]
