#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages (TAP), on the host: built by scripts/deb.sh
# (dpkg-buildpackage -us -uc -b, lintian), their contents, and their systemd
# units: `systemd-analyze verify` on the units as installed (a root made of
# the packages and the host's own units), and `systemd-analyze security
# --offline=yes` exposure at or under each service's bound.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
# shellcheck source=tests/lib/tap.sh
. tests/lib/tap.sh

debdir=build/debian
# Exposure bounds: credsspd's from issue 14; credssp-rdpd's where it stands
# (it listens on the network and keeps CAP_NET_ADMIN as a consumer).
declare -A bound=([credsspd.service]=2.0 [credssp-rdpd.service]=2.0)
packages=(credssp-dkms credsspd libcredssp1 libcredssp-dev credsspctl credssp-rdpd)

tap_check "dpkg-buildpackage -us -uc -b and lintian: no tag left (scripts/deb.sh)" \
	scripts/deb.sh "$debdir"
deb() {
	local f=("$debdir/$1"_*.deb)
	[ ! -e "${f[0]}" ] || echo "${f[0]}"
}
for p in "${packages[@]}"; do
	tap_check "package $p built" test -n "$(deb "$p")"
done

root=$debdir/root
rm -rf "$root"
mkdir -p "$root/lib/systemd"
for p in "${packages[@]}"; do
	[ -z "$(deb "$p")" ] || dpkg-deb -x "$(deb "$p")" "$root"
done

conf_user() {
	dpkg-deb --ctrl-tarfile "$(deb credsspd)" | tar -xOf - ./conffiles |
		grep -qx /etc/credssp/credsspd.conf &&
		grep -qx "user = _credssp" "$root/etc/credssp/credsspd.conf" &&
		grep -q "^u _credssp " "$root/usr/lib/sysusers.d/credsspd.conf"
}
tap_check "credsspd.conf is a conffile and names the package's user" conf_user
# The test builds carry ASan and UBSan; the packages must not.
not_sanitized() {
	local f bad=
	for f in "$root"/usr/sbin/* "$root"/usr/lib/*/libcredssp.so.1; do
		! objdump -p "$f" | grep -qE 'NEEDED +lib(asan|ubsan)' || bad+=" $f"
	done
	[ -z "$bad" ] || { echo "sanitized:$bad"; return 1; }
}
tap_check "binaries built without the sanitizers" not_sanitized
tap_check "credssp-dkms: dkms.conf of this version, credssp.ko only" \
	grep -qx 'PACKAGE_VERSION="'"$(dpkg-parsechangelog -S Version | cut -d- -f1)"'"' \
	"$root"/usr/src/credssp-*/dkms.conf

# systemd-analyze verify looks for the ExecStart binaries and the
# dependencies in --root, and the man pages of Documentation= through man.
cp -a /lib/systemd/system "$root/lib/systemd/host-units"
cp -an "$root"/lib/systemd/host-units/. "$root/lib/systemd/system/"
verify() {
	local msg
	msg=$(MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" "$@" 2>&1) || {
		echo "$msg"; return 1; }
	[ -z "$msg" ] || { echo "$msg"; return 1; }
}
for u in credsspd.service credssp-rdpd.service credssp-rdpd.socket; do
	tap_check "systemd-analyze verify $u" verify "$root/lib/systemd/system/$u"
done
# exposure UNIT MAX: pass if systemd-analyze's overall exposure is at most MAX.
exposure() {
	local unit=$1 max=$2 line v
	line=$(systemd-analyze security --offline=yes "$root/lib/systemd/system/$unit" 2>&1 |
		grep 'Overall exposure level')
	v=$(sed -n 's/.*: \([0-9.]*\) .*/\1/p' <<<"$line")
	[ -n "$v" ] && awk -v v="$v" -v m="$max" 'BEGIN { exit !(v + 0 <= m + 0) }'
	tap_result $? "systemd-analyze security $unit: exposure ${v:-?} (at most $max)" "$line"
}
for u in "${!bound[@]}"; do
	exposure "$u" "${bound[$u]}"
done
tap_done
