// SPDX-License-Identifier: GPL-2.0
/*
 * Socket mode: authenticate a connected TCP socket in the kernel, then
 * install kTLS on it (Documentation/socket-mode.rst).
 *
 * One request per socket, in a hash keyed by the struct sock. A worker on an
 * unbound workqueue reads the client's TLS records one whole record at a
 * time (never a byte past the current one), feeds them to the same SSPI path
 * as token mode (credssp_sspi_accept()), writes every output token, and on
 * SEC_E_OK installs kTLS (credssp_ktls_attach()) before it completes.
 *
 * Completion follows net/handshake: credssp_accept_sock() returning 0 means
 * exactly one call of the done callback, unless credssp_accept_sock_cancel()
 * returns true first. Whoever sets CREDSSP_SOCK_COMPLETED first decides:
 * the worker (the callback runs) or the canceller (it does not, and the
 * worker cleans up silently). A canceller that wins waits until the worker
 * has let go of the socket, so the consumer may close it at once.
 *
 * The worker never blocks in the socket: it uses MSG_DONTWAIT and waits on
 * the socket's wait queue (wait_woken()), which data, buffer space, the
 * deadline and aborts (cancel, module unload, deadline work) all wake.
 */

#include <linux/errno.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/credssp.h>

#include "credssp.h"

#define CREDSSP_REC_HDR		5
/* TLSCiphertext.length: 2^14 plus the largest expansion TLS 1.2 allows. */
#define CREDSSP_REC_MAX		(16384 + 2048)
#define CREDSSP_REC_CHANGE_CIPHER_SPEC	20
#define CREDSSP_REC_APPLICATION_DATA	23

enum {
	CREDSSP_SOCK_COMPLETED,		/* the callback's fate is decided */
};

struct credssp_sock_req {
	struct hlist_node node;		/* credssp_sock_hash */
	refcount_t ref;
	unsigned long flags;		/* CREDSSP_SOCK_* */
	struct socket *sock;		/* the consumer's, for the whole call */
	struct sock *sk;		/* a reference */
	struct credssp_ctx *ctx;	/* under @lock; the worker's reference */
	struct credssp_caller caller;
	unsigned long deadline;		/* jiffies */
	u32 req_flags;
	spinlock_t lock;		/* @ctx, @abort_status, @finished */
	u32 abort_status;		/* why the call was aborted, or 0 */
	bool finished;			/* the worker waits no more */
	credssp_sock_done_t done;	/* in-kernel consumers */
	credssp_sock_end_t end;		/* the netlink doit */
	void *data;
	struct work_struct work;
	struct delayed_work timeout;
	struct completion released;	/* the worker let go of the socket */
};

/*
 * Two workqueues, so that socket-mode calls of network namespaces owned by
 * other user namespaces (reachable without privilege where unprivileged
 * user namespaces are allowed) can never take every worker from the initial
 * user namespace's services and in-kernel consumers (the RDP gate).
 */
static struct workqueue_struct *credssp_sock_wq;
static struct workqueue_struct *credssp_sock_uns_wq;
static DEFINE_SPINLOCK(credssp_sock_lock);	/* the hash, @exiting */
static DEFINE_HASHTABLE(credssp_sock_hash, 8);
static bool credssp_sock_exiting;

static const struct credssp_caller credssp_sock_kernel = {};

static struct credssp_sock_req *credssp_sock_find(const struct sock *sk)
{
	struct credssp_sock_req *req;

	lockdep_assert_held(&credssp_sock_lock);
	hash_for_each_possible(credssp_sock_hash, req, node, (unsigned long)sk)
		if (req->sk == sk)
			return req;
	return NULL;
}

/**
 * credssp_sock_req_get - take a reference to a socket-mode request
 * @req: the request, referenced by the caller
 */
void credssp_sock_req_get(struct credssp_sock_req *req)
{
	refcount_inc(&req->ref);
}

/**
 * credssp_sock_req_put - drop a reference to a socket-mode request
 * @req: the request
 */
void credssp_sock_req_put(struct credssp_sock_req *req)
{
	if (refcount_dec_and_test(&req->ref))
		kfree(req);
}

/* Wake the worker if it waits on the socket. */
static void credssp_sock_wake(struct sock *sk)
{
	struct socket_wq *wq;

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (wq)
		wake_up_interruptible_all(&wq->wait);
	rcu_read_unlock();
}

/**
 * credssp_sock_req_abort - make a socket-mode request end soon
 * @req: the request, referenced by the caller
 * @status: why (the first reason given wins)
 *
 * The worker stops at its next wait or helper call; a helper call in
 * flight ends. SEC_E_CONTEXT_EXPIRED fails the context by its deadline
 * (the context's deadline is the request's), anything else deletes it.
 * Never waits for the worker: its completion still runs, once.
 *
 * Context: process context, may sleep (the context is deleted).
 */
void credssp_sock_req_abort(struct credssp_sock_req *req, u32 status)
{
	struct credssp_ctx *ctx;

	might_sleep();
	spin_lock(&req->lock);
	if (!req->abort_status)
		req->abort_status = status;
	ctx = req->ctx;
	if (ctx)
		refcount_inc(&ctx->ref);
	/*
	 * Only while the worker may wait: once it is finished the socket may
	 * be released by its consumer at any time.
	 */
	if (!req->finished)
		credssp_sock_wake(req->sk);
	spin_unlock(&req->lock);

	if (ctx) {
		if (status == SEC_E_CONTEXT_EXPIRED)
			credssp_ctx_check_time(ctx);
		else
			credssp_ctx_unlink(ctx);
		credssp_ctx_put(ctx);
	}
}

static void credssp_sock_timeout(struct work_struct *work)
{
	struct credssp_sock_req *req = container_of(to_delayed_work(work),
						    struct credssp_sock_req,
						    timeout);

	credssp_sock_req_abort(req, SEC_E_CONTEXT_EXPIRED);
}

static u32 credssp_sock_aborted(struct credssp_sock_req *req)
{
	u32 status;

	spin_lock(&req->lock);
	status = req->abort_status;
	spin_unlock(&req->lock);
	return status;
}

/*
 * Wait for activity on the socket, an abort or the deadline.
 * Return: 0 (try again), -ECANCELED or -ETIMEDOUT.
 */
static int credssp_sock_wait(struct credssp_sock_req *req,
			     struct wait_queue_entry *wait)
{
	long left;

	if (credssp_sock_aborted(req))
		return -ECANCELED;
	left = (long)(req->deadline - jiffies);
	if (left <= 0)
		return -ETIMEDOUT;
	wait_woken(wait, TASK_INTERRUPTIBLE, left);
	return 0;
}

/* Read exactly @len bytes. Return: 0, -EPIPE (peer closed) or an error. */
static int credssp_sock_recv(struct credssp_sock_req *req,
			     struct wait_queue_entry *wait, u8 *buf, u32 len)
{
	u32 got = 0;
	int n, err;

	while (got < len) {
		struct kvec iov = { .iov_base = buf + got, .iov_len = len - got };
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };

		n = kernel_recvmsg(req->sock, &msg, &iov, 1, len - got,
				   MSG_DONTWAIT);
		if (n > 0) {
			got += n;
			continue;
		}
		if (!n)
			return -EPIPE;
		if (n != -EAGAIN)
			return n;
		err = credssp_sock_wait(req, wait);
		if (err)
			return err;
	}
	return 0;
}

/* Write all of @data. Return: 0 or an error. */
static int credssp_sock_send(struct credssp_sock_req *req,
			     struct wait_queue_entry *wait, const u8 *data,
			     u32 len)
{
	int n, err;

	while (len) {
		struct kvec iov = { .iov_base = (void *)data, .iov_len = len };
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };

		n = kernel_sendmsg(req->sock, &msg, &iov, 1, len);
		if (n > 0) {
			data += n;
			len -= n;
			continue;
		}
		if (n != -EAGAIN)
			return n ?: -EIO;
		err = credssp_sock_wait(req, wait);
		if (err)
			return err;
	}
	return 0;
}

static bool credssp_sock_rec_ok(const u8 *hdr, u32 *len)
{
	*len = (u32)hdr[3] << 8 | hdr[4];
	return hdr[0] >= CREDSSP_REC_CHANGE_CIPHER_SPEC &&
	       hdr[0] <= CREDSSP_REC_APPLICATION_DATA && hdr[1] == 3 &&
	       *len <= CREDSSP_REC_MAX;
}

/*
 * Append the client's next TLS record to @buf (holding *@len bytes).
 * Return: 0; -EBADMSG with only the bad header appended; -EMSGSIZE when
 * the input would exceed CREDSSP_TOKEN_MAX; or a socket error.
 */
static int credssp_sock_read_record(struct credssp_sock_req *req,
				    struct wait_queue_entry *wait, u8 *buf,
				    u32 *len)
{
	u32 body;
	int err;

	if (*len + CREDSSP_REC_HDR > CREDSSP_TOKEN_MAX)
		return -EMSGSIZE;
	err = credssp_sock_recv(req, wait, buf + *len, CREDSSP_REC_HDR);
	if (err)
		return err;
	if (!credssp_sock_rec_ok(buf + *len, &body)) {
		*len += CREDSSP_REC_HDR;
		return -EBADMSG;
	}
	if (*len + CREDSSP_REC_HDR + body > CREDSSP_TOKEN_MAX)
		return -EMSGSIZE;
	err = credssp_sock_recv(req, wait, buf + *len + CREDSSP_REC_HDR, body);
	if (err)
		return err;
	*len += CREDSSP_REC_HDR + body;
	return 0;
}

/* The status of a socket error, and the outcome it gives the context. */
static u32 credssp_sock_err_status(struct credssp_sock_req *req, int err,
				   enum credssp_reason *why,
				   enum credssp_outcome *outcome)
{
	*outcome = CREDSSP_OUTCOME_ABANDONED;
	switch (err) {
	case -ECANCELED:
		*why = CREDSSP_R_ABORTED;
		return credssp_sock_aborted(req);
	case -ETIMEDOUT:
		*outcome = CREDSSP_OUTCOME_TIMEOUT;
		*why = CREDSSP_R_DEADLINE;
		return SEC_E_CONTEXT_EXPIRED;
	case -EPIPE:
	case -ECONNRESET:
	case -ECONNABORTED:
	case -ENOTCONN:
	case -ESHUTDOWN:
		*why = CREDSSP_R_CLIENT_CLOSED;
		return SEC_E_INCOMPLETE_MESSAGE;
	case -EMSGSIZE:
		*outcome = CREDSSP_OUTCOME_INVALID_TOKEN;
		*why = CREDSSP_R_TOO_LARGE;
		return SEC_E_INVALID_TOKEN;
	case -ENOMEM:
		*outcome = CREDSSP_OUTCOME_OTHER_ERROR;
		*why = CREDSSP_R_NOMEM;
		return SEC_E_INSUFFICIENT_MEMORY;
	default:
		*outcome = CREDSSP_OUTCOME_OTHER_ERROR;
		*why = CREDSSP_R_SOCK_ERROR;
		return SEC_E_INTERNAL_ERROR;
	}
}

/* The state of one socket-mode handshake, between its steps. */
struct credssp_sock_hs {
	u8 *buf;			/* the client's records not consumed */
	u32 len;
	bool need_read;
	bool bad;			/* the last record was not TLS */
	bool sock_fail;			/* failed on the socket's side */
	enum credssp_outcome outcome;	/* of a socket-side failure */
	enum credssp_reason why;
};

/*
 * Where the handshake goes after a step that returned @status with @a:
 * drop what the engine consumed and decide whether to read. Return:
 * SEC_I_CONTINUE_NEEDED to go on, or the handshake's final status; a
 * socket-side failure sets @hs->outcome.
 */
static u32 credssp_sock_advance(struct credssp_sock_hs *hs, u32 status,
				const struct credssp_accept_args *a)
{
	u32 consumed;

	switch (status) {
	case SEC_E_INCOMPLETE_MESSAGE:
		hs->need_read = true;
		return SEC_I_CONTINUE_NEEDED;
	case SEC_I_CONTINUE_NEEDED:
		consumed = hs->len - (a->has_extra ? a->extra : 0);
		if (!consumed && !a->output_len) {
			/* No progress: the engine wants more. */
			hs->need_read = true;
			return status;
		}
		memmove(hs->buf, hs->buf + consumed, hs->len - consumed);
		hs->len -= consumed;
		hs->need_read = !hs->len;
		return status;
	case SEC_E_OK:
		if (a->has_extra && a->extra) {
			/* Read past CredSSP: kTLS would miss them. */
			hs->why = CREDSSP_R_TRAILING;
			hs->sock_fail = true;
			return SEC_E_INTERNAL_ERROR;
		}
		return SEC_E_OK;
	default:
		hs->why = a->why ?: CREDSSP_R_AUTH_FAILED;
		return status;
	}
}

/*
 * One step: the engine's answer to the records in @hs, sent to the
 * client. Return: as credssp_sock_advance().
 */
static u32 credssp_sock_step(struct credssp_sock_req *req,
			     struct wait_queue_entry *wait,
			     struct credssp_sock_hs *hs)
{
	struct credssp_accept_args a = {
		.req_flags = req->req_flags,
		.data_rep = SECURITY_NATIVE_DREP,
		.input = hs->buf,
		.input_len = hs->len,
		.output_size = CREDSSP_TOKEN_MAX,
	};
	u32 status;
	int err = 0;

	status = credssp_sspi_accept(req->ctx->cn, &req->caller, NULL,
				     req->ctx, &a);
	if (hs->bad && (status == SEC_E_OK || status == SEC_I_CONTINUE_NEEDED ||
			status == SEC_E_INCOMPLETE_MESSAGE)) {
		kfree_sensitive(a.output);
		hs->why = CREDSSP_R_NOT_TLS;
		hs->outcome = CREDSSP_OUTCOME_INVALID_TOKEN;
		hs->sock_fail = true;
		return SEC_E_INVALID_TOKEN;
	}
	if (a.output_len)
		err = credssp_sock_send(req, wait, a.output, a.output_len);
	kfree_sensitive(a.output);
	if (err && (status == SEC_E_OK || status == SEC_I_CONTINUE_NEEDED)) {
		hs->sock_fail = true;
		return credssp_sock_err_status(req, err, &hs->why,
					       &hs->outcome);
	}
	return credssp_sock_advance(hs, status, &a);
}

/*
 * The handshake: records in, tokens out, until SEC_E_OK or a failure.
 * One record per step, even when more are queued: the record after the
 * client's authInfo is kTLS's, and nothing tells that authInfo is the last
 * CredSSP record before the helper says SEC_E_OK. Each step is a helper
 * round trip, so their number is bounded (max_handshake_steps, ctx.c).
 * Return: the status, with @why; the context is left to the caller.
 */
static u32 credssp_sock_handshake(struct credssp_sock_req *req,
				  struct wait_queue_entry *wait, u8 *buf,
				  enum credssp_reason *why)
{
	struct credssp_sock_hs hs = {
		.buf = buf,
		.need_read = true,
		.outcome = CREDSSP_OUTCOME_OTHER_ERROR,
	};
	u32 status;
	int err;

	do {
		if (hs.need_read) {
			err = credssp_sock_read_record(req, wait, buf, &hs.len);
			/* Not TLS: let the engine answer it (a TLS alert). */
			hs.bad = err == -EBADMSG;
			if (err && !hs.bad) {
				hs.sock_fail = true;
				status = credssp_sock_err_status(req, err,
								 &hs.why,
								 &hs.outcome);
				break;
			}
		}
		status = credssp_sock_aborted(req);
		if (status) {
			*why = CREDSSP_R_ABORTED;
			return status;
		}
		status = credssp_sock_step(req, wait, &hs);
	} while (status == SEC_I_CONTINUE_NEEDED);

	*why = hs.why;
	if (!hs.sock_fail)
		return status;
	/* Socket-side failures: the helper never ended the handshake. */
	if (hs.outcome == CREDSSP_OUTCOME_TIMEOUT)
		credssp_ctx_check_time(req->ctx);
	else
		credssp_ctx_fail(req->ctx, hs.outcome);
	return status;
}

static void credssp_sock_work(struct work_struct *work)
{
	struct credssp_sock_req *req = container_of(work,
						    struct credssp_sock_req,
						    work);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct wait_queue_head *wq_head = sk_sleep(req->sk);
	struct credssp_ctx *ctx = req->ctx;
	enum credssp_reason why = CREDSSP_R_NONE;
	bool cancelled;
	u32 status, aborted;
	u8 *buf;
	int err;

	add_wait_queue(wq_head, &wait);
	buf = kvmalloc(CREDSSP_TOKEN_MAX, GFP_KERNEL);
	if (req->end && credssp_sock_check(req->sock, NULL, &why)) {
		/* The netlink handler only took a lockless snapshot. */
		status = SEC_E_INTERNAL_ERROR;
	} else if (!buf) {
		status = SEC_E_INSUFFICIENT_MEMORY;
		why = CREDSSP_R_NOMEM;
	} else {
		status = credssp_sock_handshake(req, &wait, buf, &why);
	}
	if (buf)
		kvfree_sensitive(buf, CREDSSP_TOKEN_MAX);
	remove_wait_queue(wq_head, &wait);
	cancel_delayed_work_sync(&req->timeout);
	spin_lock(&req->lock);
	req->finished = true;
	spin_unlock(&req->lock);

	/* Not for a cancelled call: its consumer gave the socket up. */
	if (status == SEC_E_OK && !test_bit(CREDSSP_SOCK_COMPLETED,
					    &req->flags)) {
		err = credssp_ktls_install(ctx, req->sock, NULL, &why, NULL,
					   NULL);
		if (err) {
			pr_debug("ctx %llx: kTLS attach failed (%d)\n",
				 ctx->id, err);
			status = SEC_E_INTERNAL_ERROR;
		}
	}
	spin_lock(&req->lock);
	req->ctx = NULL;
	aborted = req->abort_status;
	spin_unlock(&req->lock);
	/*
	 * No abort reaches the context from here on. One that came before
	 * explains the failure it caused and, even after the handshake
	 * succeeded, decides the outcome (it may be deleting the context
	 * right now): a caller never gets SEC_E_OK with a deleted context.
	 * kTLS may be on the socket by then; after a failure the consumer
	 * closes it.
	 */
	if (aborted) {
		if (status == SEC_E_OK)
			why = CREDSSP_R_ABORTED;
		status = aborted;
	}
	spin_lock(&credssp_sock_lock);
	hash_del(&req->node);
	spin_unlock(&credssp_sock_lock);

	cancelled = test_and_set_bit(CREDSSP_SOCK_COMPLETED, &req->flags);
	if (status != SEC_E_OK || cancelled) {
		credssp_ctx_unlink(ctx);
		credssp_ctx_put(ctx);
		ctx = NULL;
	}
	/* From here on the socket is the consumer's alone. */
	complete_all(&req->released);
	if (!cancelled) {
		if (req->end)
			req->end(req->data, status, ctx, why);
		else
			req->done(req->data, status, ctx);
	}
	sock_put(req->sk);
	credssp_sock_req_put(req);
}

/**
 * credssp_sock_start - start a socket-mode accept
 * @s: the socket, credential, caller and completion
 * @status: the SECURITY_STATUS behind -ENOMEM from the context table, or 0
 * @reqp: receives the request with a reference for the caller, or NULL
 *
 * The context is made here, in the caller's task, before the request is
 * published: once it is in the hash, only the worker ends it (a cancel or
 * an unload finds it there and aborts it, never frees it). Publishing,
 * the unload check, the deadline and the worker are one critical section,
 * so that credssp_sock_exit() either sees the request or refuses it.
 *
 * Return: 0 (one completion to come), or a negative errno and no
 * completion: see credssp_accept_sock().
 */
int credssp_sock_start(const struct credssp_sock_start *s, u32 *status,
		       struct credssp_sock_req **reqp)
{
	struct credssp_cred *cred = s->cred;
	struct credssp_net *cn = cred->cn;
	struct workqueue_struct *wq;
	struct credssp_sock_req *req;
	unsigned long delay;
	enum credssp_reason why;
	struct sock *sk;
	u32 st;
	int err;

	*status = 0;
	if (!s->sock || !s->sock->sk)
		return -ENOTSOCK;
	sk = s->sock->sk;
	/*
	 * A snapshot for a netlink caller (its handler must not wait for
	 * the socket lock); the worker checks again under the lock.
	 */
	err = credssp_sock_check_locked(s->sock, cn->net, &why, !s->end);
	if (err)
		return err;
	err = credssp_ktls_probe(cn->net, 0, &why);
	if (err)
		return err;

	req = kzalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);
	if (!req)
		return -ENOMEM;
	refcount_set(&req->ref, reqp ? 2 : 1);
	spin_lock_init(&req->lock);
	init_completion(&req->released);
	INIT_WORK(&req->work, credssp_sock_work);
	INIT_DELAYED_WORK(&req->timeout, credssp_sock_timeout);
	req->sock = s->sock;
	req->sk = sk;
	req->caller = *s->caller;
	req->req_flags = s->req_flags;
	req->done = s->done;
	req->end = s->end;
	req->data = s->data;
	/* The caller may shorten the handshake deadline, never extend it. */
	delay = credssp_ctx_timeout(s->timeout_ms);
	req->deadline = jiffies + delay;
	wq = cn->net->user_ns == &init_user_ns ? credssp_sock_wq :
	     credssp_sock_uns_wq;

	st = credssp_ctx_new(cn, s->caller, cred, s->options, req->deadline,
			     &req->ctx);
	if (st) {
		*status = st;
		kfree(req);
		return -ENOMEM;
	}
	/* credssp_sspi_accept() takes it for each step. */
	clear_bit_unlock(CREDSSP_F_BUSY, &req->ctx->flags);

	spin_lock(&credssp_sock_lock);
	if (credssp_sock_exiting)
		err = -ENODEV;
	else if (credssp_sock_find(sk))
		err = -EBUSY;
	if (err) {
		spin_unlock(&credssp_sock_lock);
		credssp_ctx_unlink(req->ctx);
		credssp_ctx_put(req->ctx);
		kfree(req);
		return err;
	}
	hash_add(credssp_sock_hash, &req->node, (unsigned long)sk);
	sock_hold(sk);
	if (reqp)
		*reqp = req;
	/* Not on @wq: its timer may fire while that drains. */
	schedule_delayed_work(&req->timeout, delay);
	queue_work(wq, &req->work);
	spin_unlock(&credssp_sock_lock);
	return 0;
}

/**
 * credssp_accept_sock - start a socket-mode accept
 * @args: the socket, credential, deadline and completion
 *
 * Authenticates the client on @args->sock in a kernel worker: reads its TLS
 * records, answers them, and on success installs kTLS (TX and RX) on the
 * socket, then calls @args->done with the established context, owned by
 * the consumer (free it with credssp_delete_ctx()). Documentation/
 * socket-mode.rst describes the contract.
 *
 * Context: process context, may sleep.
 * Return: 0 if @args->done will be called exactly once (unless
 * credssp_accept_sock_cancel() returns true first), or a negative errno and
 * no callback: -EINVAL (no callback, credential, bad flags or options),
 * -ENOTSOCK, -EPROTONOSUPPORT, -ENOTCONN, -EEXIST, -EXDEV (the socket is
 * not in the credential's netns), -ENOPROTOOPT (no kTLS), -EBUSY (a
 * socket-mode accept is already running on the socket), -ENOMEM (memory or
 * context limit), -ENODEV (module unloading).
 */
int credssp_accept_sock(const struct credssp_sock_args *args)
{
	struct credssp_sock_start s;
	u32 status;

	might_sleep();
	if (!args || !args->done || !args->cred ||
	    test_bit(CREDSSP_F_DEAD, &args->cred->flags) ||
	    !credssp_req_flags_ok(args->req_flags) ||
	    (args->options & ~CREDSSP_OPT_MASK))
		return -EINVAL;
	s = (struct credssp_sock_start) {
		.sock = args->sock,
		.cred = args->cred,
		.caller = &credssp_sock_kernel,
		.timeout_ms = args->timeout_ms,
		.req_flags = args->req_flags,
		.options = args->options,
		.done = args->done,
		.data = args->data,
	};
	return credssp_sock_start(&s, &status, NULL);
}
EXPORT_SYMBOL_GPL(credssp_accept_sock);

/**
 * credssp_accept_sock_cancel - cancel a socket-mode accept
 * @sk: the socket passed to credssp_accept_sock()
 *
 * On true the handshake is abandoned, its context deleted, and the kernel
 * no longer uses the socket when this returns (the consumer may close it).
 * On false the callback has run or is about to run: wait for it.
 *
 * Context: process context, may sleep (until the worker lets go of the
 * socket, which is prompt).
 * Return: true if the accept was cancelled and its callback will not run;
 * false if there is no accept on @sk or it already completed (the callback
 * ran or is running).
 */
bool credssp_accept_sock_cancel(struct sock *sk)
{
	struct credssp_sock_req *req;

	might_sleep();
	spin_lock(&credssp_sock_lock);
	req = credssp_sock_find(sk);
	/* Netlink callers' requests end through CANCEL, never here. */
	if (!req || req->end ||
	    test_and_set_bit(CREDSSP_SOCK_COMPLETED, &req->flags)) {
		spin_unlock(&credssp_sock_lock);
		return false;
	}
	refcount_inc(&req->ref);
	spin_unlock(&credssp_sock_lock);

	credssp_sock_req_abort(req, SEC_E_INVALID_HANDLE);
	wait_for_completion(&req->released);
	credssp_sock_req_put(req);
	return true;
}
EXPORT_SYMBOL_GPL(credssp_accept_sock_cancel);

/**
 * credssp_sock_init - set up socket mode
 *
 * Return: 0, or -ENOMEM.
 */
int credssp_sock_init(void)
{
	credssp_sock_wq = alloc_workqueue("credssp_sock", WQ_UNBOUND,
					  WQ_MAX_ACTIVE);
	if (!credssp_sock_wq)
		return -ENOMEM;
	credssp_sock_uns_wq = alloc_workqueue("credssp_sock_uns", WQ_UNBOUND,
					      WQ_MAX_ACTIVE);
	if (!credssp_sock_uns_wq) {
		destroy_workqueue(credssp_sock_wq);
		return -ENOMEM;
	}
	credssp_sock_exiting = false;
	return 0;
}

/**
 * credssp_sock_exit - end every socket-mode accept and refuse new ones
 *
 * Each running accept completes with SEC_E_NO_AUTHENTICATING_AUTHORITY
 * (its callback runs, so a netlink caller gets its outcome message) before
 * this returns.
 */
void credssp_sock_exit(void)
{
	struct credssp_sock_req *req, *found;
	int bkt;

	spin_lock(&credssp_sock_lock);
	credssp_sock_exiting = true;
	spin_unlock(&credssp_sock_lock);

	for (;;) {
		found = NULL;
		spin_lock(&credssp_sock_lock);
		hash_for_each(credssp_sock_hash, bkt, req, node) {
			spin_lock(&req->lock);
			if (!req->abort_status)
				found = req;
			spin_unlock(&req->lock);
			if (found)
				break;
		}
		if (found)
			refcount_inc(&found->ref);
		spin_unlock(&credssp_sock_lock);
		if (!found)
			break;
		credssp_sock_req_abort(found, SEC_E_NO_AUTHENTICATING_AUTHORITY);
		credssp_sock_req_put(found);
	}
	/* Waits for every worker (each cancels its own deadline work). */
	destroy_workqueue(credssp_sock_uns_wq);
	destroy_workqueue(credssp_sock_wq);
	credssp_sock_uns_wq = NULL;
	credssp_sock_wq = NULL;
}
