// SPDX-License-Identifier: GPL-2.0
/*
 * The kselftest harness runs each test in a child that ends with _exit(),
 * which skips LeakSanitizer's exit-time check. Unit tests are linked with
 * -Wl,--wrap=_exit so that every child checks for leaks first: a leak
 * prints its report and fails the test (KSFT_FAIL).
 */
#include <sanitizer/lsan_interface.h>

void __real__exit(int status) __attribute__((noreturn));
void __wrap__exit(int status) __attribute__((noreturn));

void __wrap__exit(int status)
{
	if (__lsan_do_recoverable_leak_check() && status == 0)
		status = 1;
	__real__exit(status);
}
