#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # functions run through check()
#
# tests/guest/install-guest.sh DIR: the guest half of
# tests/guest/install-debian.sh, under systemd as PID 1 on Debian's own
# kernel (scripts/vm.sh --debian --systemd: a writable overlay root). Runs
# README.md's "Install on Debian" commands as they are written there, checks
# what they made, touches DIR/ready and waits (up to 15 minutes) for
# DIR/clients-done while the host's RDP clients log in, copying
# credssp-rdpd's journal to DIR/rdpd.journal each second; then runs the
# README's purge command and checks that nothing is left. Each check is a
# line "STATUS NAME" in DIR/checks (STATUS 0 passed), its output in
# DIR/check-N.log; the host turns them into TAP.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=$1
cd "$repo" || exit 2
# apt-get without a terminal (debconf would try three frontends first).
export DEBIAN_FRONTEND=noninteractive
n=0
: >"$dir/checks"

# check NAME COMMAND...: run one check, record it.
check() {
	local name=$1 rc=0
	shift
	n=$((n + 1))
	"$@" >"$dir/check-$n.log" 2>&1 || rc=$?
	printf '%s %s\n' "$rc" "$name" >>"$dir/checks"
	echo "guest: [$rc] $name"
	return $rc
}

# readme_block NAME: the sh block after "<!-- install-test: NAME -->".
readme_block() {
	awk -v m="<!-- install-test: $1 -->" '
		$0 == m { on = 1; next }
		on && /^```sh$/ { body = 1; next }
		body && /^```$/ { exit }
		body { print }' README.md
}

run_block() {
	local f=/tmp/readme-$1.sh
	readme_block "$1" >"$f"
	[ -s "$f" ] || { echo "README.md has no install-test block '$1'"; return 1; }
	cat "$f"
	echo "----"
	bash -ex "$f"
}

# The RDP user: a local account, as the README says.
check "a local account alice (the RDP user)" \
	bash -c "useradd -m -s /bin/bash alice && echo 'alice:Passw0rd!' | chpasswd"
check "README.md's install commands succeed" run_block install
rel=$(uname -r)
# The release is matched as a fixed string (6.12's has a '+'), the module
# compressed as the kernel's own are (6.12: .ko.xz).
dkms_installed() {
	local path
	dkms status credssp | grep -F "$rel" | grep ': installed' || return 1
	path=$(modinfo -n credssp) && echo "$path" &&
		case $path in
		"/lib/modules/$rel/updates/dkms/credssp.ko" | "/lib/modules/$rel/updates/dkms/credssp.ko."[gxz]*) ;;
		*) return 1 ;;
		esac
}
check "DKMS built credssp.ko for Debian's kernel $rel and installed it" dkms_installed
check "credssp.ko was loaded on demand (genl family alias) when credsspd started" \
	bash -c "test -d /sys/module/credssp && lsmod | grep -w '^credssp'"
helper_ok() {
	local pid s
	systemctl is-active credsspd || return 1
	pid=$(systemctl show -p MainPID --value credsspd)
	ps -o user=,pid=,args= -p "$pid"
	[ "$(ps -o user= -p "$pid")" = _credssp ] || return 1
	for t in /proc/"$pid"/task/*; do
		s=$(grep -E '^Cap(Eff|Prm|Inh|Amb|Bnd):' "$t/status")
		echo "$t: $(tr '\n' ' ' <<<"$s")"
		! grep -qv '0000000000000000$' <<<"$s" || return 1
	done
	credsspctl status
}
check "credsspd.service runs as _credssp with no capability in any thread, registered" helper_ok
check "credssp-rdpd.socket listens on port 3389, xrdp on the front's backend socket" \
	bash -c "systemctl is-active credssp-rdpd.socket && ss -Hltn 'sport = :3389' | grep -q . &&
		test -S /run/xrdp/credssp-rdpd.socket"

echo ready >"$dir/ready"
for _ in {1..900}; do
	journalctl -u credssp-rdpd -o cat >"$dir/rdpd.journal.tmp" 2>&1 &&
		mv "$dir/rdpd.journal.tmp" "$dir/rdpd.journal"
	[ -e "$dir/clients-done" ] && break
	sleep 1
done
journalctl -u credssp-rdpd -u credsspd -u xrdp -u xrdp-sesman -o short-monotonic \
	>"$dir/journal.txt" 2>&1

check "README.md's purge command succeeds" run_block purge
leftovers() {
	local left=0
	for p in /etc/credssp /usr/src/credssp-* /var/lib/dkms/credssp /usr/sbin/credsspd \
		/usr/sbin/credssp-rdpd /usr/sbin/credsspctl /usr/lib/sysusers.d/credsspd.conf \
		/lib/systemd/system/credsspd.service /lib/systemd/system/credssp-rdpd.service \
		/lib/systemd/system/credssp-rdpd.socket /sys/module/credssp; do
		[ ! -e "$p" ] || { echo "left: $p"; left=1; }
	done
	find /lib/modules /etc/systemd /var/lib/systemd -name '*credssp*' ! -name 'kcredssp-vm*' |
		grep . && left=1
	getent passwd _credssp && left=1
	getent group _credssp && left=1
	grep -i credssp /proc/keys && left=1
	dpkg -l | grep -i credssp | grep -v '^un\|^pn' && left=1
	return "$left"
}
check "nothing left: files, units, user and group, module (loaded or on disk), keys, dpkg entries" \
	leftovers
exit 0
