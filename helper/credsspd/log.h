/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credsspd's log: stderr or syslog, from any thread. Never pass a secret
 * (password, key, token bytes); principals are fine at info level.
 */
#ifndef CREDSSPD_LOG_H
#define CREDSSPD_LOG_H

#include <stdbool.h>
#include <syslog.h>

#include "config.h"

void log_setup(enum credsspd_log target, bool debug);
void log_close(void);
bool log_debug_enabled(void);

__attribute__((format(printf, 2, 3))) void log_msg(int prio, const char *fmt, ...);

#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* CREDSSPD_LOG_H */
