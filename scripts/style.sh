#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Style gates, as TAP: checkpatch.pl --strict and kernel-doc (from the 6.12
# kernel source) on every kernel file (kmod/, uapi/, include/, samples/kgate/), clang-format (the checked-in
# .clang-format) on every userspace C file. One test per file.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
. tests/lib/tap.sh

ksrc=$(scripts/kernel.sh --source 6.12) || exit 1
# kernel-doc warns on stderr but exits 0: any output fails.
kdoc_clean() {
	local out
	out=$("$ksrc/scripts/kernel-doc" -none -Wall "$1" 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
}

# Generated files (ynl-gen) are checked by scripts/ynl-gen.sh --check, and
# only checkpatch: their enums document what the spec documents.
generated=" uapi/linux/credssp.h kmod/netlink-gen.c kmod/netlink-gen.h "
while IFS= read -r f; do
	[[ $generated == *" $f "* ]] || tap_check "kernel-doc $f" kdoc_clean "$f"
	tap_check "checkpatch --strict $f" \
		"$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse --show-types -f "$f"
done < <(git ls-files --cached --others --exclude-standard 'kmod/*.[ch]' 'uapi/*.h' 'include/*.h' \
	'samples/kgate/*.[ch]')

while IFS= read -r f; do
	tap_check "clang-format $f" clang-format --dry-run --Werror "$f"
done < <(git ls-files --cached --others --exclude-standard 'helper/*.[ch]' 'lib/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]' \
	'samples/ugate/*.[ch]' 'rdp/*.[ch]')
tap_done
