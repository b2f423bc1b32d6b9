/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credsspd's workers: a pool of threads that take requests from the
 * kernel's queue and run engine steps, and the table of engine contexts
 * keyed by the kernel's context id.
 *
 * The kernel queues the requests; each worker has its own registered
 * netlink socket, takes one request at a time with HELPER_NEXT (so one
 * slow Kerberos accept does not hold up other contexts) and answers a STEP
 * with HELPER_DONE on the same socket, the only one the kernel accepts the
 * answer from. The main thread watches the HELPER_READY notifications and
 * kicks the workers (pool_kick()), which then take until the queue is
 * empty. A FREE drops the context at once, or, when a worker is running a
 * step of it, marks it so that the worker drops it when the step ends.
 * Takes are serialised (one HELPER_NEXT and its bookkeeping at a time), so
 * the table sees requests in the kernel's order: a FREE never overtakes
 * the STEP that created its context. The kernel has at most one STEP in
 * flight per context.
 */
#ifndef CREDSSPD_WORKER_H
#define CREDSSPD_WORKER_H

#include <stddef.h>

#include "netlink.h"

struct cssp_cred;
struct pool;

/* A server credential: "" names the default one, else a [credential NAME] section. */
struct pool_cred {
	const char *name;
	struct cssp_cred *cred;
};

/*
 * Opens one netlink socket per worker; starts no thread yet. @creds (the
 * default first, @n_creds >= 1) must outlive the pool. NULL with @err on
 * failure.
 */
struct pool *pool_new(const struct pool_cred *creds, size_t n_creds, unsigned int workers,
		      char *err, size_t errlen);
/* The credential a context's first step names, or NULL if none is. */
struct cssp_cred *pool_find_cred(const struct pool *p, const char *name);
/*
 * Register every worker's socket as a helper socket (after the main
 * socket made the process the helper, before privileges are dropped).
 * 0 or a negative errno.
 */
int pool_register(struct pool *p);
/* Start the threads (after privileges were dropped: threads inherit them). 0 or -1. */
int pool_start(struct pool *p);
/* Make every worker take requests until the kernel's queue is empty. */
void pool_kick(struct pool *p);
/* Stop and join the threads, drop every context, free @p. */
void pool_free(struct pool *p);

#endif /* CREDSSPD_WORKER_H */
