#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/debian-kernel.sh [--kdir|--release] VERSION
#
# Debian's own kernel for the test guest, nothing built: bookworm's
# linux-image-amd64 for 6.1, bookworm-backports' for 6.12. The image, its
# headers (linux-headers-REL-amd64, -common, linux-kbuild) are fetched with
# `apt-get download` and unpacked with `dpkg -x` into a cache outside the
# repository, keyed by the package version:
#   ~/.cache/kcredssp/debian-kernel/PKGVERSION/
#     root/boot/vmlinuz-REL, root/lib/modules/REL (with modules.dep),
#     root/usr/src/linux-headers-REL (a KDIR for out-of-tree modules)
#     initrd.img  mounts the 9p root, shows root/lib/modules over the
#                 guest's /lib/modules, then runs the init given on the
#                 kernel command line as vminit=PATH (see scripts/vm.sh)
# A second call returns at once. Prints the cache directory; with --kdir the
# headers directory (make KDIR=...), with --release the kernel release.
#
# Needs apt's package lists to carry the version (scripts/deps.sh adds
# bookworm-backports) and busybox-static for the initramfs.
# Environment: KCREDSSP_CACHE (default ~/.cache/kcredssp).
set -euo pipefail

RECIPE=1	# bump when the steps below change what they produce
here=$(cd "$(dirname "$0")" && pwd)
print=dir
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) print=kdir; shift ;;
	--release) print=release; shift ;;
	-h|--help) sed -n '4,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "debian-kernel.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
ver=${1:-6.12}
case "$ver" in
6.12|6.1) ;;
*) echo "debian-kernel.sh: unsupported kernel version '$ver' (6.12 or 6.1)" >&2; exit 2 ;;
esac

cache=${KCREDSSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kcredssp}/debian-kernel
mkdir -p "$cache"

# The newest linux-image-amd64 of this series that apt knows (bookworm or
# bookworm-security for 6.1, bookworm-backports for 6.12).
pkgver=
while read -r v; do
	if [ -z "$pkgver" ] || dpkg --compare-versions "$v" gt "$pkgver"; then pkgver=$v; fi
done < <(apt-cache madison linux-image-amd64 2>/dev/null |
	awk -F'|' -v v="$ver" '{ gsub(/ /, "", $2); if (index($2, v ".") == 1) print $2 }')
if [ -z "$pkgver" ]; then
	# Offline or no package lists: the newest complete cache entry will do.
	pkgver=$(for d in "$cache/$ver".*/.complete; do
			[ ! -e "$d" ] || basename "$(dirname "$d")"
		done | sort -V | tail -n 1)
	[ -n "$pkgver" ] || {
		echo "debian-kernel.sh: apt knows no linux-image-amd64 $ver.x; run scripts/deps.sh" >&2
		exit 1
	}
fi
dir=$cache/$pkgver

exec 9>"$cache/.$pkgver.lock"
flock 9
if [ ! -f "$dir/.complete" ] || [ "$(cat "$dir/.complete")" != "$RECIPE" ]; then
	start=$SECONDS
	echo "debian-kernel.sh: fetching Debian's kernel $pkgver into $dir" >&2
	rm -rf "$dir"
	mkdir -p "$dir/debs" "$dir/root"
	cd "$dir/debs"
	dl() { apt-get download -q "$@" >/dev/null 2>"$dir/download.log" ||
		{ cat "$dir/download.log" >&2; exit 1; }; }
	dep() { dpkg-deb -f "$1" Depends | tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' | grep -E "$2" | head -n 1; }
	# The metapackages name the versioned packages.
	dl "linux-image-amd64=$pkgver" "linux-headers-amd64=$pkgver"
	image=$(dep linux-image-amd64_*.deb '^linux-image-.*-amd64$')
	headers=$(dep linux-headers-amd64_*.deb '^linux-headers-.*-amd64$')
	dl "$image=$pkgver" "$headers=$pkgver"
	common=$(dep "$headers"_*.deb '^linux-headers-.*-common$')
	kbuild=$(dep "$headers"_*.deb '^linux-kbuild-')
	dl "$common=$pkgver" "$kbuild=$pkgver"
	rm -f linux-image-amd64_*.deb linux-headers-amd64_*.deb
	for deb in *.deb; do dpkg -x "$deb" "$dir/root"; done
	rel=${headers#linux-headers-}
	echo "$rel" >"$dir/release"
	root=$dir/root
	# The headers refer to each other by absolute path: point them at the cache.
	sed -i "s|/usr/src/|$root/usr/src/|g" "$root/usr/src/linux-headers-$rel/Makefile"
	ln -sfn "$root/usr/src/linux-headers-$rel" "$root/lib/modules/$rel/build"
	# The packages leave modules.dep to their postinst.
	depmod -b "$root" "$rel"
	rm -rf "$dir/debs" "$dir/download.log"

	# The initramfs: busybox, the modules that reach the 9p root and the
	# consoles, in dependency order, and an init that mounts the root.
	stage=$dir/initrd
	mkdir -p "$stage/bin" "$stage/mod" "$stage/dev" "$stage/proc" "$stage/newroot"
	cp /bin/busybox "$stage/bin/busybox"
	! ldd /bin/busybox >/dev/null 2>&1 ||
		{ echo "debian-kernel.sh: /bin/busybox is not static; install busybox-static" >&2; exit 1; }
	ln -s busybox "$stage/bin/sh"
	: >"$stage/mod/order"
	modprobe -d "$root" -S "$rel" --show-depends -a virtio_pci virtio_console 9pnet_virtio 9p \
		virtio_net virtio_rng |
		awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
		name=$(basename "$ko")
		case "$name" in
		*.xz) xz -dc "$ko" >"$stage/mod/${name%.xz}"; name=${name%.xz} ;;
		*.zst) zstd -qdc "$ko" >"$stage/mod/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$ko" "$stage/mod/$name" ;;
		esac
		echo "$name" >>"$stage/mod/order"
	done
	grep -q '^9p\.ko$' "$stage/mod/order" || grep -qx 'CONFIG_9P_FS=y' "$root/boot/config-$rel" ||
		{ echo "debian-kernel.sh: no 9p module in $rel" >&2; exit 1; }
	cat >"$stage/init" <<'INIT'
#!/bin/sh
# initramfs of the kcredssp test guest on Debian's kernel (scripts/debian-kernel.sh)
export PATH=/bin
fail() { echo "initramfs: $*" >/dev/console; busybox sync; busybox reboot -f; }
busybox mount -t proc proc /proc
busybox mount -t devtmpfs devtmpfs /dev
while read -r m; do busybox insmod "/mod/$m" || fail "insmod $m"; done </mod/order
p9=trans=virtio,version=9p2000.L,msize=262144
busybox mount -t 9p -o "$p9,cache=loose,ro" root /newroot || fail "no 9p root"
# The host root has the host kernel's modules: show this kernel's instead.
busybox mount -t 9p -o "$p9,ro" modules /newroot/lib/modules || fail "no modules share"
[ -n "${vminit:-}" ] || fail "no vminit= on the command line"
busybox umount /proc
busybox umount /dev
exec busybox switch_root /newroot "$vminit"
INIT
	chmod 755 "$stage/init"
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$dir/initrd.img"
	rm -rf "$stage"
	echo "$RECIPE" >"$dir/.complete"
	echo "debian-kernel.sh: Debian's kernel $rel ready in $((SECONDS - start)) s" >&2
fi
flock -u 9

rel=$(cat "$dir/release")
case "$print" in
dir) echo "$dir" ;;
kdir) echo "$dir/root/usr/src/linux-headers-$rel" ;;
release) echo "$rel" ;;
esac
