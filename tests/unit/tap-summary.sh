#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host unit tests of scripts/tap-summary.py, the counter behind the summary
# line of `make check`: each fixture must give exactly the expected counts
# and exit status.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
summary="$here/../../scripts/tap-summary.py"

# expect FIXTURE "P passed, F failed, S skipped" EXIT
expect() {
	local out rc=0 last
	out=$("$summary" -q "$here/fixtures/$1") || rc=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	[ "$last" = "$2" ] && [ $rc -eq "$3" ]
	tap_result $? "tap-summary $1: $2, exit $3" "got '$last', exit $rc"
}

expect kunit-pass.ktap "4 passed, 0 failed, 0 skipped" 0
expect kunit-fail.ktap "2 passed, 1 failed, 1 skipped" 1
expect kunit-crash.ktap "1 passed, 3 failed, 0 skipped" 1
expect kunit-params.ktap "3 passed, 1 failed, 0 skipped" 1
expect kselftest.tap "2 passed, 1 failed, 1 skipped" 1
expect truncated.tap "2 passed, 3 failed, 0 skipped" 1
expect suite-failed-alone.ktap "1 passed, 1 failed, 0 skipped" 1
expect empty.tap "0 passed, 1 failed, 0 skipped" 1

# Several files add up to one line; a missing file is a failure.
out=$("$summary" -q "$here/fixtures/kunit-pass.ktap" "$here/fixtures/kselftest.tap" \
	"$here/fixtures/no-such-file.tap" | tail -n 1)
[ "$out" = "6 passed, 2 failed, 1 skipped" ]
tap_result $? "tap-summary adds files and counts a missing one" "got '$out'"
tap_done
