#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/deb.sh [OUTDIR]: the Debian packages of this tree (debian/), built
# with `dpkg-buildpackage -us -uc -b` in a copy of the tree (dpkg-buildpackage
# writes its results beside the source, which must not be the checkout's
# parent), then checked with lintian. OUTDIR (default build/debian) ends up
# with the .deb files, the .changes and lintian.txt (empty when clean).
# Build dependencies: scripts/deps.sh. Exit status: dpkg-buildpackage's,
# else 1 if lintian reported a tag.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$repo/build/debian}")
version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
src=$out/src/kcredssp-$version

rm -rf "$out"
mkdir -p "$src"
# The tree as it is (uncommitted changes included), without build outputs.
tar -C "$repo" --exclude=./build --exclude=./.git --exclude='./debian/tmp' \
	--exclude='./debian/.debhelper' -cf - . | tar -C "$src" -xf -
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	exit 1
}
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
rm -rf "$out/src"
# Every tag, info and pedantic included; those that stay are explained in
# debian/*.lintian-overrides.
# Its stderr (e.g. a warning about running as root) is not a tag.
lintian -I --pedantic "$out"/kcredssp_"$version"_*.changes >"$out/lintian.txt" \
	2>"$out/lintian.err" || true
cat "$out/lintian.txt"
ls "$out"/*.deb
[ ! -s "$out/lintian.txt" ]
