#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every build and test dependency of kcredssp with apt, idempotently.
# Adds Debian's bookworm-backports suite when it is missing (bookworm only),
# for linux-source-6.12 and freerdp3-x11, and for Debian's 6.12 kernel image
# that scripts/debian-kernel.sh fetches with `apt-get download` (busybox-static
# builds its initramfs; pahole lets modules build against 6.12's headers).
# Quiet when everything is present.
set -euo pipefail

# Packages from the release itself.
PKGS=(
	build-essential gcc make bc flex bison libelf-dev cpio xz-utils kmod
	pkg-config git perl python3 python3-yaml python3-jsonschema bash-builtins
	qemu-system-x86 iproute2 procps
	linux-source-6.1 linux-headers-amd64
	libssl-dev openssl libkrb5-dev gss-ntlmssp gss-ntlmssp-dev
	libnl-3-dev libnl-genl-3-dev libkeyutils-dev keyutils
	krb5-kdc krb5-admin-server krb5-user
	freerdp2-x11 rdesktop xvfb xauth tshark
	xrdp xorgxrdp xterm x11-apps ksmbd-tools cifs-utils
	sparse clang clang-format libclang-rt-14-dev
	busybox-static pahole
	debhelper dh-dkms dkms lintian
)
# Packages taken from bookworm-backports.
BPO_PKGS=(linux-source-6.12 freerdp3-x11)

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

need=($(missing "${PKGS[@]}"))
need_bpo=($(missing "${BPO_PKGS[@]}"))
if [ ${#need[@]} -eq 0 ] && [ ${#need_bpo[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: must run as root to install: ${need[*]} ${need_bpo[*]}" >&2
	echo "deps.sh: run 'sudo scripts/deps.sh'" >&2
	exit 1
fi

. /etc/os-release
export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -q -y -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef
     -o Dpkg::Options::=--force-confold)

if [ ${#need_bpo[@]} -gt 0 ]; then
	if [ "${VERSION_CODENAME:-}" != bookworm ]; then
		# Newer releases (trixie) carry these in the main suite.
		need+=("${need_bpo[@]}")
		need_bpo=()
	elif ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "deps.sh: adding the bookworm-backports suite"
		cat >/etc/apt/sources.list.d/bookworm-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	fi
fi

echo "deps.sh: installing ${need[*]} ${need_bpo[*]}"
"${APT[@]}" update >/dev/null
if [ ${#need[@]} -gt 0 ]; then
	"${APT[@]}" install --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ${#need_bpo[@]} -gt 0 ]; then
	"${APT[@]}" install --no-install-recommends -t bookworm-backports "${need_bpo[@]}" >/dev/null
fi
left=($(missing "${PKGS[@]}" "${BPO_PKGS[@]}"))
if [ ${#left[@]} -gt 0 ]; then
	echo "deps.sh: still missing after install: ${left[*]}" >&2
	exit 1
fi
echo "deps.sh: all dependencies installed"
