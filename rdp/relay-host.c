// SPDX-License-Identifier: GPL-2.0
/*
 * What rdp/relay.c needs of credssp-rdpd (rdpd.c): its configuration,
 * logging (stderr, debug lines dropped) and the step deadline. Linked
 * instead of rdpd.c by the programs that run the relay on its own: the
 * unit test tests/unit/rdp_relay.c and the benchmark bench/ktls_bench.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "config.h"
#include "rdpd.h"
#include "x224.h"

struct rdpd_config rdpd_cfg;
volatile int rdpd_stopping;

void rdpd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio >= LOG_DEBUG)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct timespec rdpd_step_deadline(const struct rdpd_conn *c)
{
	(void)c;
	return x224_deadline(rdpd_cfg.step_timeout);
}
