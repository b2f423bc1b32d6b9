/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dropping privileges after start-up: no new privileges, optionally another
 * user, and CAP_NET_ADMIN as the only capability left (HELPER_DONE needs it
 * in the initial user namespace). Call before any other thread exists:
 * capabilities are per thread and new threads inherit them.
 */
#ifndef CREDSSPD_PRIVS_H
#define CREDSSPD_PRIVS_H

#include <stddef.h>
#include <stdint.h>

/* Look @user up (NULL: stay). 0, or -1 with a message in @err. */
int privs_lookup(const char *user, char *err, size_t errlen);

/* Drop to @user (NULL: keep the uid) with CAP_NET_ADMIN only. 0 or -1 with @err. */
int privs_drop(const char *user, char *err, size_t errlen);

/* The calling thread's effective, permitted and inheritable capability sets (low 64 bits). */
int privs_get(uint64_t *eff, uint64_t *prm, uint64_t *inh);

#endif /* CREDSSPD_PRIVS_H */
