#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/fuzz-corpus.sh [FUZZER...]: keep what a long fuzzing run found
# (make fuzz-run leaves it in build/fuzz-corpus/NAME) in the tree. For each
# fuzzer (default: every build/fuzz/fuzz_*), libFuzzer's -merge=1 minimizes
# the named seeds of tests/fuzz/corpus/NAME/ together with the run's corpus
# and the inputs found before (tests/fuzz/corpus/NAME/grown/); the inputs of
# that minimal set which are not a named seed replace grown/. The named
# seeds stay as they are: each says what it is. libFuzzer reads a corpus
# directory recursively, so the smoke run of make check starts from both.
# A corpus that is a symlink is shared with another fuzzer (fuzz_tsrequest
# and fuzz_tsrequest_plain): its grown/ only gains inputs, so that neither
# fuzzer's minimization drops what only the other needs.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzzers=("$@")
if [ ${#fuzzers[@]} = 0 ]; then
	for f in build/fuzz/fuzz_*; do fuzzers+=("$(basename "$f")"); done
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for name in "${fuzzers[@]}"; do
	bin=build/fuzz/$name seeds=tests/fuzz/corpus/$name run=build/fuzz-corpus/$name
	[ -x "$bin" ] || { echo "fuzz-corpus.sh: no $bin (make fuzz)" >&2; exit 1; }
	[ -d "$run" ] || { echo "fuzz-corpus.sh: $name: no $run (make fuzz-run first)" >&2; continue; }
	mkdir -p "$tmp/$name" "$seeds/grown"
	"$bin" -merge=1 "$tmp/$name" "$seeds" "$run" >"$tmp/$name.log" 2>&1 ||
		{ tail -n 20 "$tmp/$name.log" >&2; exit 1; }
	# the named seeds, by content
	find "$seeds/" -maxdepth 1 -type f -exec sha1sum {} + | cut -d' ' -f1 | sort >"$tmp/$name.named"
	[ -L "$seeds" ] || rm -f "$seeds"/grown/*
	for f in "$tmp/$name"/*; do
		[ -f "$f" ] || continue
		sum=$(sha1sum "$f" | cut -d' ' -f1)
		grep -qx "$sum" "$tmp/$name.named" || cp "$f" "$seeds/grown/$sum"
	done
	echo "$name: $(find "$seeds/" -maxdepth 1 -type f | wc -l) named seeds," \
		"$(find "$seeds/grown" -type f | wc -l) grown inputs" \
		"($(cat "$seeds"/grown/* 2>/dev/null | wc -c) bytes)"
done
