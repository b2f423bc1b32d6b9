# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared pieces of the real-client tests (tests/interop/*.sh), sourced after
# tests/lib/tap.sh. Each test script gets its own temporary directory, its
# own Xvfb display, its own front (build/front) on a free loopback port and,
# if it asks, its own KDC; everything is stopped by the EXIT trap.
#
#   it_init                       temp dir ($it_dir), EXIT trap, the front binary
#   it_xvfb                       start Xvfb on a free display ($DISPLAY)
#   it_kdc [HOST]                 start a realm (tests/lib/kdc.sh), $it_kdc_dir
#   it_credsspd_conf DIR [LINE...]
#                                 NTLM users, certificate and credsspd.conf
#                                 in DIR for credsspd in the guest
#   it_run NAME FRONT_ARGS -- CLIENT...
#                                 run the front and one client against it;
#                                 the client's command line may use @PORT@.
#                                 Sets $it_rc (client exit), $it_frc (front
#                                 exit), $it_res (result file), $it_clog,
#                                 $it_flog, $it_ms (wall time in ms),
#                                 $it_port (the front's port)
#   it_pre_client=(COMMAND...)    optional: run as COMMAND... PORT once the
#                                 front listens, before the client (e.g. to
#                                 start a capture); if it fails, the front
#                                 is stopped, the client does not run and
#                                 it_run returns 1
#   it_guest_wait FILE            until the guest ($vm_pid: scripts/vm.sh,
#                                 its output in $it_dir/vm.log) wrote FILE
#                                 (not empty) or ended: vm.sh's timeout
#                                 bounds the wait. 1 if it ended first, with
#                                 what vm.sh said in $it_guest_why (after a
#                                 timeout: what the guest's processes waited
#                                 in, and its console's last lines)
#   it_get KEY                    a value from $it_res
#   it_count PATTERN FILE         lines of FILE matching PATTERN (grep), 0
#                                 when FILE is missing
#   it_shot NAME                  a screenshot of $DISPLAY in
#                                 $it_dir/NAME.png; prints its colour shares
#                                 (tests/lib/screen.py: "session=S login=L")
#   it_shows_session COLOURS      at least half of it is the session
#   it_shows_login COLOURS        1% or more of it is xrdp's login dialog
#   it_case NAME; it_want...; it_end
#                                 one TAP test made of several expectations
#
# A client or tool that cannot run makes the test `not ok`, never a skip.
#
# Environment: KCREDSSP_FRONT (a front binary to use; default: build/front,
# brought up to date with make), KCREDSSP_KEEP=1 keeps the temporary
# directory, KCREDSSP_CLIENT_TIMEOUT (default 30 seconds per client).

it_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
it_front=${KCREDSSP_FRONT:-$it_repo/build/front}
it_client_timeout=${KCREDSSP_CLIENT_TIMEOUT:-30}
it_dir=
it_xvfb_pid=
it_kdc_dir=
it_front_pid=
it_setup_error=
it_client_env=()
it_pre_client=()
it_port=

it_cleanup() {
	if [ -n "$it_front_pid" ]; then
		kill "$it_front_pid" 2>/dev/null
		wait "$it_front_pid" 2>/dev/null
	fi
	if [ -n "$it_xvfb_pid" ]; then
		kill "$it_xvfb_pid" 2>/dev/null
		wait "$it_xvfb_pid" 2>/dev/null
	fi
	[ -z "$it_kdc_dir" ] || "$it_repo/tests/lib/kdc.sh" stop "$it_kdc_dir" >/dev/null 2>&1
	if [ -n "$it_dir" ] && [ -d "$it_dir" ]; then
		if [ "${KCREDSSP_KEEP:-0}" = 1 ]; then
			echo "# kept $it_dir"
		else
			rm -rf "$it_dir"
		fi
	fi
}

# Milliseconds since the epoch.
it_now() {
	date +%s%3N
}

it_init() {
	it_dir=$(mktemp -d /tmp/kcredssp-interop.XXXXXX) || exit 1
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$it_dir/home" "$it_dir/state"
	# Clients and the front see only our files: no system krb5.conf, no ccache.
	: >"$it_dir/krb5-empty.conf"
	export HOME=$it_dir/home XDG_CONFIG_HOME=$it_dir/home/.config
	export KRB5_CONFIG=$it_dir/krb5-empty.conf KRB5CCNAME=FILE:$it_dir/no-ccache
	export KRB5RCACHEDIR=$it_dir
	unset KRB5_KTNAME KRB5_CLIENT_KTNAME NTLM_USER_FILE GSSNTLMSSP_DEBUG
	# The front's sanitizers: any report fails the case (it_end looks for
	# them). Library allocations known to stay are listed in the unit tests'
	# suppressions, if there are any (scripts/check.sh sets the same).
	if [ -z "${LSAN_OPTIONS:-}" ] && [ -f "$it_repo/tests/unit/lsan.supp" ]; then
		export LSAN_OPTIONS="suppressions=$it_repo/tests/unit/lsan.supp:print_suppressions=0"
	fi
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	# Never a stale front: (re)build it unless one was named.
	if [ -z "${KCREDSSP_FRONT:-}" ]; then
		make -s -C "$it_repo" front >"$it_dir/make.log" 2>&1 ||
			it_setup_error="cannot build the front: $(tail -n 20 "$it_dir/make.log")"
	fi
	[ -x "$it_front" ] || it_setup_error=${it_setup_error:-"no front at $it_front"}
}

# A client or tool must exist: otherwise every case fails (never skipped).
it_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			it_setup_error="${it_setup_error:+$it_setup_error; }$t is not installed"
	done
}

# it_free_port: a TCP port free on the host's loopback now (for QEMU's
# --forward to a guest listener).
it_free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

it_guest_wait() {
	it_guest_why=
	while ! [ -s "$1" ]; do
		if ! kill -0 "$vm_pid" 2>/dev/null; then
			[ -s "$1" ] && return 0
			it_guest_why="the guest ended first: $(tail -n 90 "$it_dir/vm.log")"
			return 1
		fi
		sleep 0.25
	done
}

it_count() {
	local n
	n=$(grep -c -- "$1" "$2" 2>/dev/null) || true
	echo "${n:-0}"
}

# The client's window covers the display (no window manager, both 1024x768).
it_shot() {
	xwd -root -silent >"$it_dir/$1.xwd" 2>/dev/null &&
		/usr/bin/python3 "$it_repo/tests/lib/screen.py" "$it_dir/$1.xwd" "$it_dir/$1.png"
}

it_shows_session() {
	awk -v c="$1" 'BEGIN { split(c, a, /[= ]/); exit !(a[2] >= 0.5) }'
}

it_shows_login() {
	awk -v c="$1" 'BEGIN { split(c, a, /[= ]/); exit !(a[4] >= 0.01) }'
}

# Xvfb on the first free display, found by the server itself (-displayfd).
it_xvfb() {
	local i fifo=$it_dir/xvfb.display

	command -v Xvfb >/dev/null 2>&1 || {
		it_setup_error="${it_setup_error:+$it_setup_error; }Xvfb is not installed"
		return 1
	}
	: >"$fifo"
	Xvfb -displayfd 3 -nolisten tcp -screen 0 1024x768x24 3>"$fifo" \
		>"$it_dir/xvfb.log" 2>&1 &
	it_xvfb_pid=$!
	for i in $(seq 100); do
		if [ -s "$fifo" ] && grep -q '^[0-9][0-9]*$' "$fifo"; then
			DISPLAY=:$(head -n 1 "$fifo")
			export DISPLAY
			return 0
		fi
		kill -0 "$it_xvfb_pid" 2>/dev/null || break
		sleep 0.1
	done
	it_setup_error="${it_setup_error:+$it_setup_error; }Xvfb did not start: $(tail -n 5 "$it_dir/xvfb.log")"
	return 1
}

# A throwaway realm with alice and TERMSRV/HOST (default localhost).
it_kdc() {
	it_kdc_dir=$it_dir/kdc
	it_realm=KCREDSSP.TEST
	it_keytab=$it_kdc_dir/termsrv.keytab
	it_krb5_conf=$it_kdc_dir/krb5.conf
	it_tgt=FILE:$it_kdc_dir/ccache
	if ! "$it_repo/tests/lib/kdc.sh" start "$it_kdc_dir" "${1:-localhost}" \
		>"$it_dir/kdc-start.log" 2>&1; then
		it_setup_error="${it_setup_error:+$it_setup_error; }KDC: $(tail -n 5 "$it_dir/kdc-start.log")"
		return 1
	fi
}

# it_credsspd_conf DIR [LINE...]: what credsspd in the guest serves with, in
# DIR: ntlm-users (KCREDSSP\alice, Passw0rd!), a self-signed certificate
# cert.pem (CN=localhost) and its key.pem, and credsspd.conf naming them and
# $it_keytab (it_kdc first), with the LINEs after ntlm_user_file. Sets
# it_setup_error when a file cannot be made.
it_credsspd_conf() {
	local dir=$1
	shift
	"$it_repo/tests/lib/ntlm-users.sh" hash "$dir/ntlm-users" KCREDSSP alice 'Passw0rd!' ||
		it_setup_error="cannot write the NTLM user file"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" >"$dir/openssl.log" 2>&1 ||
		it_setup_error="openssl req failed"
	{
		printf '%s\n' "certificate = $dir/cert.pem" "key = $dir/key.pem" "keytab = $it_keytab" \
			"ntlm_user_file = $dir/ntlm-users"
		[ $# -eq 0 ] || printf '%s\n' "$@"
		printf '%s\n' "workers = 2" "log = stderr"
	} >"$dir/credsspd.conf"
}

# it_run NAME FRONT_ARGS... -- CLIENT_COMMAND...
# The front gets --state-dir (one certificate per script), --port 0 and a
# bounded --timeout; the client runs under timeout with stdin from
# $it_stdin (default /dev/null). Extra environment for the client only:
# the array it_client_env (NAME=VALUE...).
it_run() {
	local name=$1 fargs=() cargs=() a port i t0 t1 ftimeout
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		fargs+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	it_res=$it_dir/$name.result
	it_clog=$it_dir/$name.client.log
	it_flog=$it_dir/$name.front.log
	it_rc=none it_frc=none it_ms=0 it_port=
	rm -f "$it_res" "$it_dir/port"
	: >"$it_clog"
	: >"$it_flog"
	if [ -n "$it_setup_error" ]; then
		echo "setup: $it_setup_error" >"$it_clog"
		return 1
	fi
	ftimeout=$((it_client_timeout + 15))
	timeout -k 5 $((ftimeout + 10)) "$it_front" --port 0 --port-file "$it_dir/port" \
		--state-dir "$it_dir/state" --timeout "$ftimeout" --result "$it_res" \
		"${fargs[@]}" 2>"$it_flog" &
	it_front_pid=$!
	for i in $(seq 200); do
		[ -s "$it_dir/port" ] && break
		kill -0 "$it_front_pid" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -s "$it_dir/port" ]; then
		wait "$it_front_pid"
		it_frc=$?
		it_front_pid=
		echo "setup: the front did not start (exit $it_frc)" >>"$it_clog"
		return 1
	fi
	port=$(cat "$it_dir/port")
	it_port=$port
	if [ ${#it_pre_client[@]} -gt 0 ] && ! "${it_pre_client[@]}" "$port" >>"$it_clog" 2>&1; then
		echo "setup: '${it_pre_client[*]} $port' failed" >>"$it_clog"
		kill "$it_front_pid" 2>/dev/null
		wait "$it_front_pid"
		it_frc=$?
		it_front_pid=
		return 1
	fi
	for a in "$@"; do
		cargs+=("${a//@PORT@/$port}")
	done
	t0=$(it_now)
	env "${it_client_env[@]}" timeout -k 5 "$it_client_timeout" "${cargs[@]}" \
		<"${it_stdin:-/dev/null}" >"$it_clog" 2>&1
	it_rc=$?
	t1=$(it_now)
	wait "$it_front_pid"
	it_frc=$?
	it_front_pid=
	it_ms=$((t1 - t0))
	echo "# $name: client exit $it_rc, front exit $it_frc, status $(it_get status), ${it_ms} ms"
	return 0
}

# The first value of KEY in the result file.
it_get() {
	[ -f "$it_res" ] || return 0
	sed -n "s/^$1=//p" "$it_res" | head -n 1
}

# One TAP test from several expectations.
it_case() {
	it_case_name=$1
	it_case_errors=
}

it_fail() {
	it_case_errors="${it_case_errors}$*"$'\n'
}

# it_want KEY VALUE: the result file says KEY=VALUE.
it_want() {
	local got
	got=$(it_get "$1")
	[ "$got" = "$2" ] || it_fail "$1: want '$2', got '$got'"
}

# it_want_rc CODE...: the client exited with one of CODE.
it_want_rc() {
	local c
	for c in "$@"; do
		[ "$it_rc" = "$c" ] && return 0
	done
	it_fail "client exit: want $*, got $it_rc"
}

# it_want_log PATTERN / it_want_no_log PATTERN: in the client's output (grep -E).
it_want_log() {
	grep -qE -- "$1" "$it_clog" || it_fail "client log: no line matching '$1'"
}

it_want_no_log() {
	! grep -qE -- "$1" "$it_clog" || it_fail "client log: unexpected '$(grep -m1 -E -- "$1" "$it_clog")'"
}

# it_want_front_exit CODE: 0 all authenticated, 1 not (the front's own verdict).
it_want_front_exit() {
	[ "$it_frc" = "$1" ] || it_fail "front exit: want $1, got $it_frc"
}

it_end() {
	local detail=
	if [ -n "$it_setup_error" ]; then
		it_fail "setup: $it_setup_error"
	fi
	# Sanitizer reports in the front fail every case that ran it.
	if [ -s "$it_flog" ] && grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$it_flog"; then
		it_fail "sanitizer report in the front: $(grep -m1 -E 'ERROR: |runtime error:' "$it_flog")"
	fi
	if [ -n "$it_case_errors" ]; then
		detail=$(
			printf '%s' "$it_case_errors"
			echo "client exit $it_rc, front exit $it_frc, ${it_ms} ms"
			[ -f "$it_res" ] && sed 's/^password=.*/password=<set>/' "$it_res" | sed 's/^/result: /'
			[ -s "$it_flog" ] && grep -v '^[a-z_]*=' "$it_flog" | tail -n 15 | sed 's/^/front: /'
			grep -v -e '\[INFO\]' -e 'winpr_log_backtrace' "$it_clog" | tail -n 15 | sed 's/^/client: /'
		)
	fi
	[ -z "$it_case_errors" ]
	tap_result $? "$it_case_name" "$detail"
}
