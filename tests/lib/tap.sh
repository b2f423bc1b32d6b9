# SPDX-License-Identifier: GPL-2.0
# Minimal TAP 13 producer for shell tests (sourced). Each tap_check runs one
# command as a test; the plan is printed at the end by tap_done, whose exit
# status is 1 if any test failed.

tap_n=0
tap_failures=0

# The tests poll in steps of 0.1 s. On the debug kernels under TCG a process
# start costs 0.2-0.7 s, so /bin/sleep made each step several times longer
# than asked (39 sleeps took 25 s of suite-ktls's 120): bash-builtins'
# loadable sleep runs in the shell (scripts/deps.sh installs it; without it
# the polls are only slower). A trapped signal ends it early.
enable -f /usr/lib/bash/sleep sleep 2>/dev/null || true

# tap_result STATUS NAME [DETAIL]: record a result (STATUS 0 = pass).
tap_result() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n $2"
	else
		tap_failures=$((tap_failures + 1))
		echo "not ok $tap_n $2"
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/# /'
	fi
}

# tap_check NAME COMMAND [ARG]...: pass if COMMAND exits 0.
tap_check() {
	local name=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	tap_result $rc "$name" "$([ $rc -eq 0 ] || printf '%s\n(exit %d)' "$out" $rc)"
}

# tap_skip NAME REASON
tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $1 # SKIP $2"
}

tap_done() {
	echo "1..$tap_n"
	[ $tap_failures -eq 0 ]
}
