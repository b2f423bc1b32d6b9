#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# lib/sspi.h as a porting header, compiled the ways a Windows server's
# sources are: C11 and C++17 with -Wall -Wextra -Werror, after a windows.h
# compatibility layer (tests/unit/sspi/mock-windows.h), with the `unsigned
# long` variables of Microsoft's samples. The programs are linked with
# build/libcredssp.a (make lib) and run (no credssp.ko on the host: calls
# that reach the kernel fail, as the programs expect). Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/lib/tap.sh"

src=$here/sspi
lib=$repo/build/libcredssp.a
tmp=$(mktemp -d /tmp/sspi-headers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cflags=(-Wall -Wextra -Werror -I"$repo/lib" -I"$repo/uapi")
# shellcheck disable=SC2207 # pkg-config's words
libs=($(pkg-config --libs libnl-genl-3.0 krb5) -lpthread)

# build_run NAME COMPILER ARGS...: compile and link into $tmp/NAME, run it.
build_run() {
	local name=$1
	shift
	"$@" -o "$tmp/$name" "$lib" "${libs[@]}" && "$tmp/$name"
}

# refused PATTERN COMPILER ARGS...: the compiler must fail, saying PATTERN.
refused() {
	local pat=$1 out
	shift
	if out=$("$@" -fsyntax-only 2>&1); then
		echo "compiled, but must not"
		return 1
	fi
	grep -q -- "$pat" <<<"$out" || { echo "$out"; return 1; }
}

# alone STD LANG [DEFINE...]: sspi.h as the only include
alone() {
	local std=$1 lang=$2
	shift 2
	echo '#include <sspi.h>' | "${lang}" -std="$std" "${cflags[@]}" -pedantic "$@" -x \
		"$([ "$lang" = g++ ] && echo c++ || echo c)" -fsyntax-only -
}

if [ ! -e "$lib" ]; then
	tap_result 1 "build/libcredssp.a exists (make lib)"
	tap_done
	exit
fi

tap_check "sspi.h alone: gcc -std=c11 -pedantic" alone c11 gcc
tap_check "sspi.h alone: gcc -std=c11 -pedantic -DUNICODE" alone c11 gcc -DUNICODE
tap_check "sspi.h alone: g++ -std=c++17 -pedantic" alone c++17 g++
tap_check "sspi.h alone: g++ -std=c++17 -pedantic -DUNICODE" alone c++17 g++ -DUNICODE
tap_check "C++17, UNICODE: W names, u\"\" strings, unsigned long and ULONG, NULL/nullptr, table calls" \
	build_run cxx g++ -std=c++17 "${cflags[@]}" -DUNICODE "$src/cxx.cc"
tap_check "C11: unsigned long out-variables, direct and through the table" \
	build_run ulong gcc -std=c11 "${cflags[@]}" -pedantic "$src/ulong.c"
tap_check "C11 after a windows.h compatibility layer: its types and macros, no clash" \
	build_run wincompat gcc -std=c11 "${cflags[@]}" "$src/wincompat.c"
tap_check "C++17 after a windows.h compatibility layer" \
	build_run wincompat-cxx g++ -std=c++17 "${cflags[@]}" -x c++ "$src/wincompat.c" -x none
tap_check "a compatibility layer whose ULONG is 64 bits is refused by name" \
	refused "ULONG must be 32-bit" gcc -std=c11 "${cflags[@]}" -DMOCK_LP64_ULONG \
	"$src/wincompat.c"
tap_check "the same in C++" \
	refused "ULONG must be 32-bit" g++ -std=c++17 "${cflags[@]}" -DMOCK_LP64_ULONG -x c++ \
	"$src/wincompat.c"
tap_check "CREDSSP_SSPI_STRICT_ULONG: unsigned long variables are a type error again" \
	refused "incompatible pointer type" gcc -std=c11 "${cflags[@]}" \
	-DCREDSSP_SSPI_STRICT_ULONG "$src/ulong.c"
tap_done
