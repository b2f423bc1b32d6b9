#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/demo.sh (make demo): on a fresh Debian 12 machine, install what is
# needed, build the guest kernel and credssp.ko, boot the guest, load the
# module and show what it registers. KVER selects the kernel (default 6.12).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kver=${KVER:-6.12}

if [ "$(id -u)" = 0 ]; then
	scripts/deps.sh
else
	scripts/deps.sh || { echo "demo: run as root (or install the packages above first)" >&2; exit 1; }
fi
echo "demo: building the $kver guest kernel (cached after the first time) and credssp.ko"
make --no-print-directory module userspace KVER="$kver" >/dev/null
echo "demo: booting the guest"
scripts/vm.sh --kernel "$kver" -- bash -c '
set -e
mod=build/kmod-'"$kver"'/kmod
echo
echo "guest: Linux $(uname -r), loading credssp.ko"
insmod $mod/credssp.ko
echo
echo "The generic netlink family that services and credsspd talk to:"
genl ctrl get name credssp | sed "s/^/    /"
echo
echo "The keyring that will hold delegated credentials (/proc/keys):"
grep " \.credssp: " /proc/keys | sed "s/^/    /"
serial=0x$(awk "/ keyring   \\.credssp: /{print \$1}" /proc/keys)
echo
echo "keyctl show $serial:"
keyctl show $serial | sed "s/^/    /"
echo
echo "What the module says through its family (CREDSSP_CMD_GET_STATUS):"
build/tests/credssp_genl 2>&1 | grep -E "^(ok|not ok)" | sed "s/^/    /"
echo
rmmod credssp
echo "guest: credssp.ko unloaded cleanly"
'
echo
echo "demo: done. Next: the CredSSP engine and real RDP clients (see README)."
