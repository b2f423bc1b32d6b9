/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dropping privileges after start-up: no new privileges, optionally another
 * user, and no capability at all (effective, permitted, inheritable,
 * ambient and bounding sets empty). The helper needs CAP_NET_ADMIN only to
 * register its sockets; HELPER_NEXT and HELPER_DONE need none. Call before
 * any other thread exists: capabilities are per thread and new threads
 * inherit them (privs_check_threads() verifies every thread).
 */
#ifndef CREDSSPD_PRIVS_H
#define CREDSSPD_PRIVS_H

#include <stddef.h>
#include <stdint.h>

/* Look @user up (NULL: stay). 0, or -1 with a message in @err. */
int privs_lookup(const char *user, char *err, size_t errlen);

/* Drop to @user (NULL: keep the uid) with no capability. 0 or -1 with @err. */
int privs_drop(const char *user, char *err, size_t errlen);

/* Check that no thread of the process has a capability left. 0 or -1 with @err. */
int privs_check_threads(char *err, size_t errlen);

/* The calling thread's effective, permitted and inheritable capability sets (low 64 bits). */
int privs_get(uint64_t *eff, uint64_t *prm, uint64_t *inh);

#endif /* CREDSSPD_PRIVS_H */
