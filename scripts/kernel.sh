#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/kernel.sh [--debug] VERSION
# scripts/kernel.sh --source VERSION
#
# Build the test guest kernel VERSION (6.12 or 6.1) from Debian's
# linux-source-VERSION package: tinyconfig + scripts/kconfig/base.config
# (+ debug.config with --debug). The build is cached outside the repository,
# keyed by the source package version, the fragments and the compiler, so a
# second call returns at once. Prints the kernel build directory (usable as
# KDIR for out-of-tree modules; the image is arch/x86/boot/bzImage in it).
#
# With --source, only extracts the source tree and prints its directory.
#
# Environment: KCREDSSP_CACHE (default ~/.cache/kcredssp), JOBS (default nproc).
set -euo pipefail

RECIPE=1	# bump when the build steps below change what they produce
here=$(cd "$(dirname "$0")" && pwd)
debug=0
source_only=0
while [ $# -gt 0 ]; do
	case "$1" in
	--debug) debug=1; shift ;;
	--source) source_only=1; shift ;;
	-h|--help) sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "kernel.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
ver=${1:-6.12}
case "$ver" in
6.12|6.1) ;;
*) echo "kernel.sh: unsupported kernel version '$ver' (6.12 or 6.1)" >&2; exit 2 ;;
esac

tarball=/usr/src/linux-source-$ver.tar.xz
pkgver=$(dpkg-query -W -f='${Version}' "linux-source-$ver" 2>/dev/null || true)
if [ -z "$pkgver" ] || [ ! -f "$tarball" ]; then
	echo "kernel.sh: linux-source-$ver is not installed; run scripts/deps.sh" >&2
	exit 1
fi

frags=("$here/kconfig/base.config")
[ $debug = 1 ] && frags+=("$here/kconfig/debug.config")
key=$( { echo "recipe $RECIPE $ver $pkgver"; gcc --version | head -1; cat "${frags[@]}"; } |
	sha256sum | cut -c1-16)
variant=$ver$([ $debug = 1 ] && echo -debug || true)

cache=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}
src=$cache/src/linux-source-$ver-$pkgver
out=$cache/kernel/$variant-$key
mkdir -p "$cache/src" "$cache/kernel"

# One extractor per source tree and one builder per variant at a time; a
# second caller waits and reuses what the first made.
exec 8>"$src.lock"
flock 8
if [ ! -f "$src/.kcredssp-extracted" ]; then
	echo "kernel.sh: extracting $tarball" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
	touch "$src/.kcredssp-extracted"
fi
flock -u 8
if [ $source_only = 1 ]; then
	echo "$src"
	exit 0
fi

exec 9>"$cache/kernel/.$variant.lock"
flock 9
if [ -f "$out/.kcredssp-complete" ]; then
	echo "$out"
	exit 0
fi
# One kernel build at a time, whatever the variant: each uses every core
# (make check may ask for the next one while the first still builds).
exec 7>"$cache/kernel/.build.lock"
flock 7

rm -rf "$out"
mkdir -p "$out"
log=$out/build.log
echo "kernel.sh: building $variant ($key) in $out, log in $log" >&2
start=$(date +%s)
{
	make -C "$src" O="$out" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}"
	make -C "$src" O="$out" olddefconfig
} >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }

# Kconfig silently drops options whose dependencies are missing: refuse that.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" ||
			{ echo "kernel.sh: $line did not survive olddefconfig" >&2; bad=1; } ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		! grep -q "^$sym=" "$out/.config" ||
			{ echo "kernel.sh: $sym should be unset" >&2; bad=1; } ;;
	esac
done < <(cat "${frags[@]}")
[ $bad = 0 ] || exit 1

make -C "$src" O="$out" -j"${JOBS:-$(nproc)}" bzImage modules >>"$log" 2>&1 ||
	{ tail -40 "$log" >&2; exit 1; }
echo "kernel.sh: built $variant in $(( $(date +%s) - start )) s" >&2
touch "$out/.kcredssp-complete"
echo "$out"
