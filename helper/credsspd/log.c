// SPDX-License-Identifier: GPL-2.0
/* credsspd's log: one line per message, to stderr or syslog. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static enum credsspd_log log_target = CREDSSPD_LOG_STDERR;
static bool log_dbg;

void log_setup(enum credsspd_log target, bool debug)
{
	log_target = target;
	log_dbg = debug;
	if (target == CREDSSPD_LOG_SYSLOG)
		openlog("credsspd", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void log_close(void)
{
	if (log_target == CREDSSPD_LOG_SYSLOG)
		closelog();
}

bool log_debug_enabled(void)
{
	return log_dbg;
}

void log_msg(int prio, const char *fmt, ...)
{
	static const char *const names[] = {"emerg",   "alert",	 "crit", "error",
					    "warning", "notice", "info", "debug"};
	char line[1024];
	va_list ap;

	if (prio == LOG_DEBUG && !log_dbg)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_target == CREDSSPD_LOG_SYSLOG)
		syslog(prio, "%s", line);
	else
		fprintf(stderr, "credsspd: %s: %s\n", names[prio & 7], line);
}
