#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/demo.sh (make demo): on a fresh Debian 12 machine, install what is
# needed, build the guest kernel and credssp.ko, boot the guest, load the
# module and show what it registers; then a real RDP client (xfreerdp)
# authenticates against the CredSSP engine on the host. KVER selects the
# kernel (default 6.12).
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

# The CredSSP engine authenticates a real client, natively on the host for
# now (through the test front; in the kernel path once credsspd exists).
(
	set +e # the test helpers check every status themselves
	. tests/lib/tap.sh
	. tests/lib/interop.sh
	it_init
	it_need xfreerdp
	it_xvfb
	tests/lib/ntlm-users.sh hash "$it_dir/users" KCREDSSP alice 'Passw0rd!'
	echo
	echo "demo: xfreerdp (FreeRDP 2) connects to the CredSSP engine on 127.0.0.1 as KCREDSSP\\alice"
	it_run demo --ntlm-users "$it_dir/users" -- xfreerdp /v:127.0.0.1:@PORT@ /u:alice \
		/d:KCREDSSP '/p:Passw0rd!' /cert:ignore /sec:nla /auth-only >/dev/null
	if [ "$(it_get status)" != SEC_E_OK ]; then
		echo "demo: authentication failed: $(it_get status)" >&2
		exit 1
	fi
	echo "    status:      $(it_get status)"
	echo "    who:         $(it_get principal) ($(it_get package), CredSSP version $(it_get version))"
	echo "    TLS:         $(it_get tls_version) $(it_get tls_cipher)"
	echo "    delegated:   $(it_get cred_type) credentials for $(it_get domain)\\$(it_get user)"
	echo "    after auth:  the client's MCS Connect-Initial decrypted with the exported kTLS" \
		"keys: $(it_get mcs)"
)
echo
echo "demo: done. Next: credsspd and the kernel path, kTLS, the keyring (see README)."
