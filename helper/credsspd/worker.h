/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credsspd's workers: a pool of threads running engine steps, and the table
 * of engine contexts keyed by the kernel's context id.
 *
 * The main thread reads HELPER_REQUESTs and calls pool_request(): a STEP is
 * queued for any worker (so one slow Kerberos accept does not hold up other
 * contexts); a FREE drops the context at once, or, when a worker is running
 * a step of it, marks it so that the worker drops it when the step ends.
 * The kernel has at most one STEP in flight per context. Each worker sends
 * its HELPER_DONEs on its own netlink socket.
 */
#ifndef CREDSSPD_WORKER_H
#define CREDSSPD_WORKER_H

#include <stddef.h>

#include "netlink.h"

struct cssp_cred;
struct pool;

/* Opens one netlink socket per worker; starts no thread yet. NULL with @err on failure. */
struct pool *pool_new(struct cssp_cred *cred, unsigned int workers, char *err, size_t errlen);
/* Start the threads (after privileges were dropped: threads inherit them). 0 or -1. */
int pool_start(struct pool *p);
/* From the main thread: one HELPER_REQUEST (its input is copied). */
void pool_request(const struct cnl_request *req, void *pool);
/* Stop and join the threads, drop every context and queued request, free @p. */
void pool_free(struct pool *p);

#endif /* CREDSSPD_WORKER_H */
