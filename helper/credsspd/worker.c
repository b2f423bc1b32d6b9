// SPDX-License-Identifier: GPL-2.0
/* credsspd's worker threads and engine context table (see worker.h). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/credssp.h>
#include <openssl/crypto.h>

#include "audit.h"
#include "engine.h"
#include "log.h"
#include "worker.h"

/* "every logon is denied" at most once a minute, with how many were held back */
#define DENIED_LOG_INTERVAL 60

#define TABLE_BITS 12
#define TABLE_SIZE (1U << TABLE_BITS)

struct entry {
	struct entry *next;
	uint64_t ctx_id;
	struct cssp_ctx *ctx;
	bool busy;  /* a STEP of it was taken and runs: the job owns the engine context */
	bool freed; /* FREE came meanwhile: out of the table, the job's worker frees it */
};

struct job {
	uint64_t req_id, ctx_id;
	char cred_name[CREDSSP_CRED_NAME_MAX + 1]; /* a first step's, "" for the default */
	bool first;
	uint32_t req_flags, options;
	uint8_t *input;
	size_t input_len;
	struct entry *entry; /* NULL: answer @status without stepping */
	uint32_t status;
};

struct worker {
	struct pool *pool;
	pthread_t thread;
	bool started;
	struct cnl nl;
	unsigned int index;
};

struct pool {
	const struct pool_cred *creds; /* [0] the default, then the named ones */
	size_t n_creds;
	pthread_mutex_t take_lock; /* one HELPER_NEXT and its bookkeeping at a time */
	pthread_mutex_t lock;	   /* kick, stop, the table, every entry's busy/freed */
	pthread_cond_t cond;
	unsigned long kick; /* bumped by pool_kick() */
	bool stop;
	struct entry *table[TABLE_SIZE];
	unsigned int n_workers;
	struct worker workers[];
};

static unsigned int slot(uint64_t id)
{
	return (unsigned int)((id * 0x9E3779B97F4A7C15ULL) >> (64 - TABLE_BITS));
}

static struct entry **find(struct pool *p, uint64_t id)
{
	struct entry **pe;

	for (pe = &p->table[slot(id)]; *pe; pe = &(*pe)->next)
		if ((*pe)->ctx_id == id)
			return pe;
	return NULL;
}

/* The audit line of an attempt that ended (credsspd.rst, "Audit"). */
static void log_attempt(uint64_t ctx_id, struct cssp_ctx *ctx, bool abandoned, uint32_t status,
			const struct cssp_result *result)
{
	struct audit_attempt a = {
		.ctx_id = ctx_id,
		.abandoned = abandoned,
		.status = status,
		.package = ctx ? cssp_ctx_package(ctx) : CSSP_PACKAGE_NONE,
		.claimed = ctx ? cssp_ctx_claimed_principal(ctx) : NULL,
		.result = result,
	};
	char line[1024];

	audit_format(line, sizeof(line), &a);
	log_msg(status == CREDSSP_SEC_STATUS_OK && !abandoned ? LOG_INFO : LOG_NOTICE, "%s", line);
}

/*
 * A logon failed for want of an authority: if the credential's files are
 * bad, say so (every logon fails until they are fixed), at most once a
 * DENIED_LOG_INTERVAL.
 */
static void log_fail_closed(struct pool *p)
{
	static struct audit_ratelimit rl = AUDIT_RATELIMIT_INIT;
	unsigned long held;
	char why[512];

	/* The files checked (keytab, NTLM users) are every credential's. */
	if (!cssp_cred_check(p->creds[0].cred, why, sizeof(why)))
		return;
	if (audit_ratelimit(&rl, DENIED_LOG_INTERVAL, time(NULL), &held))
		log_err("every logon is denied: %s (%lu such messages held back)", why, held);
}

static void entry_free(struct entry *e)
{
	cssp_ctx_free(e->ctx);
	free(e);
}

static void job_free(struct job *j)
{
	if (j->input)
		OPENSSL_cleanse(j->input, j->input_len);
	free(j->input);
	free(j);
}

static void request_free(struct pool *p, const struct cnl_request *req)
{
	struct entry **pe, *e;

	pthread_mutex_lock(&p->lock);
	pe = find(p, req->ctx_id);
	if (!pe) {
		pthread_mutex_unlock(&p->lock);
		log_debug("ctx %" PRIx64 ": FREE of an unknown context", req->ctx_id);
		return;
	}
	e = *pe;
	*pe = e->next;
	if (e->busy) {
		e->freed = true;
		e = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	log_debug("ctx %" PRIx64 ": freed%s", req->ctx_id, e ? "" : " (after its step)");
	/* In the table and not stepping: no final status came, the kernel gave up on it. */
	if (e) {
		log_attempt(e->ctx_id, e->ctx, true, 0, NULL);
		entry_free(e);
	}
}

/* A STEP taken from the kernel: its job, or NULL (out of memory: the kernel's timeout fails it). */
static struct job *request_step(struct pool *p, const struct cnl_request *req)
{
	struct job *j = calloc(1, sizeof(*j));
	struct entry **pe, *e = NULL;

	if (!j || (req->input_len && !(j->input = malloc(req->input_len)))) {
		log_err("ctx %" PRIx64 ": out of memory, request %" PRIu64 " not answered",
			req->ctx_id, req->req_id);
		free(j);
		return NULL;
	}
	j->req_id = req->req_id;
	j->ctx_id = req->ctx_id;
	j->first = req->first;
	memcpy(j->cred_name, req->cred_name, sizeof(j->cred_name));
	j->req_flags = req->req_flags;
	j->options = req->options;
	j->input_len = req->input_len;
	if (req->input_len)
		memcpy(j->input, req->input, req->input_len);
	j->status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;

	pthread_mutex_lock(&p->lock);
	pe = find(p, req->ctx_id);
	if (req->first) {
		if (pe) {
			log_err("ctx %" PRIx64 ": first step of a context that exists",
				req->ctx_id);
		} else if ((e = calloc(1, sizeof(*e)))) {
			e->ctx_id = req->ctx_id;
			e->busy = true;
			e->next = p->table[slot(e->ctx_id)];
			p->table[slot(e->ctx_id)] = e;
		} else {
			j->status = CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
		}
	} else if (!pe) {
		log_warn("ctx %" PRIx64 ": step of an unknown context", req->ctx_id);
	} else if ((*pe)->busy) {
		log_err("ctx %" PRIx64 ": step while another step runs", req->ctx_id);
	} else {
		e = *pe;
		e->busy = true;
	}
	j->entry = e;
	pthread_mutex_unlock(&p->lock);
	return j;
}

static void send_done(struct worker *w, const struct job *j, const struct cnl_done *d)
{
	char ext[256];
	int ret = cnl_send_done(&w->nl, d, ext, sizeof(ext));

	if (ret == -ENOENT)
		log_debug("ctx %" PRIx64 ": request %" PRIu64 " no longer awaited by the kernel",
			  j->ctx_id, j->req_id);
	else if (ret)
		log_warn("ctx %" PRIx64 ": HELPER_DONE refused: %s%s%s", j->ctx_id, strerror(-ret),
			 ext[0] ? ": " : "", ext);
}

/* A context's engine state, made with the credential its first step names. */
static struct cssp_ctx *new_ctx(struct pool *p, const struct job *j, uint32_t *fail)
{
	struct cssp_ctx_options opts = {
		.req_flags = j->req_flags,
		.restricted_admin = j->options & CREDSSP_OPT_RESTRICTED_ADMIN,
	};
	struct cssp_cred *cred = pool_find_cred(p, j->cred_name);

	if (!cred) {
		/* The kernel grants only what this credsspd registered. */
		log_err("ctx %" PRIx64 ": no credential named \"%s\"", j->ctx_id, j->cred_name);
		*fail = CREDSSP_SEC_STATUS_NO_CREDENTIALS;
		return NULL;
	}
	return cssp_ctx_new(cred, &opts);
}

static void run_job(struct worker *w, struct job *j)
{
	struct pool *p = w->pool;
	struct entry *e = j->entry;
	struct cnl_done d = {.req_id = j->req_id, .status = j->status};
	struct cssp_step step = {0};
	uint32_t fail = CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
	bool final = true, abandoned;

	if (!e) {
		send_done(w, j, &d);
		return;
	}
	if (j->first)
		e->ctx = new_ctx(p, j, &fail);
	if (!e->ctx) {
		d.status = fail;
	} else {
		d.status = cssp_ctx_step(e->ctx, j->input, j->input_len, &step);
		d.output = step.output.data;
		d.output_len = step.output.len;
		d.consumed = (uint32_t)step.consumed;
		d.ret_flags = step.attrs;
		d.package = cnl_package(cssp_ctx_package(e->ctx));
		d.has_package = d.package != CREDSSP_PACKAGE_NONE;
		if (d.status == CREDSSP_SEC_STATUS_OK) {
			d.result = cssp_ctx_result(e->ctx);
			if (!d.result) {
				d.status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
				d.output_len = 0;
			}
		}
		if (d.output_len > CREDSSP_TOKEN_MAX) {
			log_err("ctx %" PRIx64 ": output of %zu bytes is too large", j->ctx_id,
				d.output_len);
			d.status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
			d.output_len = 0;
			d.result = NULL;
		}
		final = d.status != CREDSSP_SEC_STATUS_CONTINUE_NEEDED &&
			d.status != CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE;
	}
	if (final)
		log_attempt(j->ctx_id, e->ctx, false, d.status, d.result);
	else
		log_debug("ctx %" PRIx64 ": %s, %zu bytes out", j->ctx_id,
			  cssp_status_name(d.status), d.output_len);
	if (d.status == CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY)
		log_fail_closed(p);
	/*
	 * Settle the context before answering: the kernel may send this
	 * context's next STEP as soon as it has the answer. A final context
	 * leaves the table (nothing else reaches it, d.result may point into
	 * it) and is freed after the answer; a continuing one is released.
	 */
	pthread_mutex_lock(&p->lock);
	if (final && !e->freed) {
		struct entry **pe = find(p, e->ctx_id);

		if (pe)
			*pe = e->next;
	}
	e->busy = false;
	abandoned = !final && e->freed; /* FREE came during this step: the kernel gave up */
	if (!final && !e->freed)
		e = NULL;
	pthread_mutex_unlock(&p->lock);
	send_done(w, j, &d);
	cssp_buf_free(&step.output);
	if (abandoned)
		log_attempt(j->ctx_id, e->ctx, true, 0, NULL);
	/* The engine wipes the result (keys, credentials) as it frees the context. */
	if (e)
		entry_free(e);
}

/*
 * Take one request: 1 with a STEP's job in *@jp (NULL if it could not be
 * set up), 1 for a FREE done, 0 when the queue is empty, -1 on an error.
 */
static int take(struct worker *w, struct job **jp)
{
	struct pool *p = w->pool;
	struct cnl_request req;
	int ret;

	*jp = NULL;
	pthread_mutex_lock(&p->take_lock);
	ret = cnl_next(&w->nl, &req);
	if (!ret) {
		if (req.op == CREDSSP_HELPER_OP_STEP)
			*jp = request_step(p, &req);
		else if (req.op == CREDSSP_HELPER_OP_FREE)
			request_free(p, &req);
		else
			log_warn("ignoring helper request op %u", req.op);
	}
	pthread_mutex_unlock(&p->take_lock);
	if (ret == -ENOENT)
		return 0;
	if (ret == -EBADMSG)
		return 1; /* logged; the kernel's timeout fails it */
	if (ret) {
		log_err("worker %u: HELPER_NEXT: %s", w->index, strerror(-ret));
		return -1;
	}
	return 1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	unsigned long seen = 0;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (!p->stop && p->kick == seen)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		seen = p->kick;
		pthread_mutex_unlock(&p->lock);
		/* Until the queue is empty: HELPER_READY comes only when it fills again. */
		while (take(w, &j) > 0) {
			if (!j)
				continue;
			run_job(w, j);
			job_free(j);
		}
	}
}

void pool_kick(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->kick++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

struct cssp_cred *pool_find_cred(const struct pool *p, const char *name)
{
	for (size_t i = 0; i < p->n_creds; i++)
		if (!strcmp(p->creds[i].name, name))
			return p->creds[i].cred;
	return NULL;
}

struct pool *pool_new(const struct pool_cred *creds, size_t n_creds, unsigned int workers,
		      char *err, size_t errlen)
{
	struct pool *p = calloc(1, sizeof(*p) + workers * sizeof(p->workers[0]));
	unsigned int i;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->creds = creds;
	p->n_creds = n_creds;
	pthread_mutex_init(&p->take_lock, NULL);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (i = 0; i < workers; i++) {
		p->workers[i].pool = p;
		p->workers[i].index = i;
		if (cnl_open(&p->workers[i].nl, err, errlen)) {
			pool_free(p);
			return NULL;
		}
		p->n_workers++;
	}
	return p;
}

int pool_register(struct pool *p)
{
	unsigned int i;
	int ret;

	for (i = 0; i < p->n_workers; i++) {
		ret = cnl_register(&p->workers[i].nl, NULL, 0);
		if (ret)
			return ret;
	}
	return 0;
}

int pool_start(struct pool *p)
{
	unsigned int i;
	int ret;

	for (i = 0; i < p->n_workers; i++) {
		ret = pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]);
		if (ret) {
			log_err("cannot start worker %u: %s", i, strerror(ret));
			return -1;
		}
		p->workers[i].started = true;
	}
	return 0;
}

void pool_free(struct pool *p)
{
	struct entry *e;
	unsigned int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->n_workers; i++) {
		if (p->workers[i].started)
			pthread_join(p->workers[i].thread, NULL);
		cnl_close(&p->workers[i].nl);
	}
	for (i = 0; i < TABLE_SIZE; i++) {
		while ((e = p->table[i])) {
			p->table[i] = e->next;
			entry_free(e);
		}
	}
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->take_lock);
	free(p);
}
