// SPDX-License-Identifier: GPL-2.0
/*
 * The upcall channel to the helper daemon (credsspd), one per netns, in
 * net/handshake's shape: the kernel queues, the helper pulls.
 *
 * The helper's sockets register (HELPER_REGISTER, CAP_NET_ADMIN). Each
 * ACCEPT step, and each request to drop a context's engine state, is
 * queued on the netns (bounded: a step beyond CREDSSP_HELPER_QUEUE_MAX
 * fails at once); a request going into an empty queue multicasts
 * HELPER_READY to the "helper" group. A registered socket takes the first
 * queued request with HELPER_NEXT, whose reply is the request, and answers
 * a STEP with exactly one HELPER_DONE from the same socket: having taken
 * the request is the only authority the answer needs, so the helper can
 * drop every capability once its sockets are registered. Nothing is pushed
 * at the helper, so nothing is lost when its receive buffer overruns, and
 * no doit waits for anything.
 *
 * The caller of a step waits for the answer holding no lock (the STEP sits
 * on its stack and on the netns's queue, then on its list of taken
 * requests); whoever takes the request off its list - the HELPER_DONE, the
 * socket that took it closing, the last helper socket closing, the context
 * being deleted, or the waiter itself on timeout - is the one that
 * completes it.
 *
 * Everything in HELPER_DONE is checked as hostile input before the caller
 * sees it.
 */

#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/tls.h>
#include <kunit/visibility.h>

#include "credssp.h"

/*
 * STEPs queued or taken per netns. Each context has at most one step in
 * flight, so this bounds what a slow or stuck helper lets pile up below
 * max_net_contexts; a step beyond it fails at once.
 */
#define CREDSSP_HELPER_QUEUE_MAX	1024

/**
 * credssp_helper_present - whether a helper serves a netns
 * @cn: the netns
 * @pid: where to store its pid as the current task sees it, or NULL
 *
 * Return: true if a helper is registered.
 */
bool credssp_helper_present(struct credssp_net *cn, pid_t *pid)
{
	bool present;

	spin_lock(&cn->lock);
	present = cn->helper.pid;
	if (present && pid)
		*pid = pid_vnr(cn->helper.pid);
	spin_unlock(&cn->lock);
	return present;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_helper_present);

/*
 * The index of the helper socket with @portid (and @sk, unless NULL: the
 * release notifier knows the portid only), or -1.
 */
static int credssp_helper_sock(struct credssp_net *cn, u32 portid,
			       const void *sk)
{
	unsigned int i;

	lockdep_assert_held(&cn->lock);
	for (i = 0; i < cn->helper.n_socks; i++)
		if (cn->helper.socks[i].portid == portid &&
		    (!sk || cn->helper.socks[i].sk == sk))
			return i;
	return -1;
}

/**
 * credssp_helper_register - make a socket a helper socket of its netns
 * @cn: the netns
 * @c: the socket, of the current thread group
 * @grants: the named credentials it serves (grant.c), or NULL to keep the
 *	set; taken over on success, the caller's to free on failure
 *
 * The first registration makes the sender's thread group the helper;
 * further sockets of that thread group register while it still has
 * CAP_NET_ADMIN (the command needs it), and then drops it: only a
 * registered socket may take requests. The helper lasts until its last
 * registered socket closes.
 *
 * Return: 0 (also for a socket registered already), -EBUSY if another
 * process is the helper, -ENOSPC past CREDSSP_HELPER_SOCKS_MAX sockets,
 * -ENODEV if the netns is going away.
 */
int credssp_helper_register(struct credssp_net *cn,
			    const struct credssp_caller *c,
			    struct credssp_grants *grants)
{
	struct credssp_helper *h = &cn->helper;
	int err = 0;

	spin_lock(&cn->lock);
	if (cn->dying) {
		err = -ENODEV;
	} else if (!h->pid) {
		h->gen++;
		h->pid = get_pid(task_tgid(current));
		h->socks[0] = *c;
		h->n_socks = 1;
	} else if (h->pid != task_tgid(current)) {
		err = -EBUSY;
	} else if (credssp_helper_sock(cn, c->portid, c->sk) >= 0) {
		/* Registered already. */
	} else if (h->n_socks == ARRAY_SIZE(h->socks)) {
		err = -ENOSPC;
	} else {
		h->socks[h->n_socks++] = *c;
	}
	if (!err && grants)
		credssp_grants_replace_locked(cn, grants);
	spin_unlock(&cn->lock);
	return err;
}

/* Take @req off the queue or the taken list. */
static void credssp_req_unlink_locked(struct credssp_net *cn,
				      struct credssp_helper_req *req)
{
	lockdep_assert_held(&cn->lock);
	list_del_init(&req->node);
	if (req->op == CREDSSP_HELPER_OP_STEP)
		cn->n_steps--;
}

/* Take @req off its list and end it: a STEP's waiter wakes, a FREE goes. */
static void credssp_req_end_locked(struct credssp_net *cn,
				   struct credssp_helper_req *req,
				   enum credssp_req_end end)
{
	credssp_req_unlink_locked(cn, req);
	if (req->op != CREDSSP_HELPER_OP_STEP) {
		kfree(req);
		return;
	}
	req->end = end;
	complete(&req->done);
}

/*
 * The helper has no socket left: forget it and end every request, taken
 * or queued (a queued FREE is moot: the engine contexts went with it).
 * Return: the helper's pid, for the caller to put.
 */
static struct pid *credssp_helper_forget_locked(struct credssp_net *cn)
{
	struct credssp_helper_req *req, *tmp;
	struct pid *pid = cn->helper.pid;

	lockdep_assert_held(&cn->lock);
	cn->helper.pid = NULL;
	cn->helper.n_socks = 0;
	/* The grants are the helper's: nobody unprivileged gets in now. */
	credssp_grants_replace_locked(cn, NULL);
	list_for_each_entry_safe(req, tmp, &cn->reqs, node)
		credssp_req_end_locked(cn, req, CREDSSP_REQ_LOST);
	list_for_each_entry_safe(req, tmp, &cn->queue, node)
		credssp_req_end_locked(cn, req, CREDSSP_REQ_LOST);
	return pid;
}

/**
 * credssp_helper_release - a netlink socket of the netns closed
 * @cn: the netns
 * @portid: its portid
 *
 * If it was a helper socket, the requests it took fail at once
 * (CREDSSP_REQ_LOST); if it was the helper's last, the netns has no helper
 * any more and every queued request fails too.
 */
void credssp_helper_release(struct credssp_net *cn, u32 portid)
{
	struct credssp_helper *h = &cn->helper;
	struct credssp_helper_req *req, *tmp;
	struct pid *pid = NULL;
	int i;

	spin_lock(&cn->lock);
	i = credssp_helper_sock(cn, portid, NULL);
	if (i >= 0) {
		h->socks[i] = h->socks[--h->n_socks];
		list_for_each_entry_safe(req, tmp, &cn->reqs, node)
			if (req->taker.portid == portid)
				credssp_req_end_locked(cn, req,
						       CREDSSP_REQ_LOST);
		if (!h->n_socks)
			pid = credssp_helper_forget_locked(cn);
	}
	spin_unlock(&cn->lock);
	put_pid(pid);
}

/**
 * credssp_helper_fail_all - forget the helper and fail every call
 * @cn: the netns, marked dying
 */
void credssp_helper_fail_all(struct credssp_net *cn)
{
	struct pid *pid;

	spin_lock(&cn->lock);
	pid = credssp_helper_forget_locked(cn);
	spin_unlock(&cn->lock);
	put_pid(pid);
}

/**
 * credssp_helper_cancel - abandon a call in flight
 * @cn: the netns
 * @req: the request, which its context's lock keeps alive
 *
 * The waiter wakes up and finds its context deleted or failed. If a
 * HELPER_DONE already took the request, that completes it. A first step
 * no helper socket took leaves no engine state to free.
 */
void credssp_helper_cancel(struct credssp_net *cn, struct credssp_helper_req *req)
{
	lockdep_assert_held(&req->ctx->lock);
	spin_lock(&cn->lock);
	if (!list_empty(&req->node)) {
		if (req->first && !req->taken)
			clear_bit(CREDSSP_F_HELPER_STATE, &req->ctx->flags);
		credssp_req_end_locked(cn, req, CREDSSP_REQ_ABANDONED);
	}
	spin_unlock(&cn->lock);
}

/*
 * Ring the helper's doorbell: the queue is no longer empty. Sent when a
 * request goes into an empty queue, so a helper takes until -ENOENT; one
 * that misses it (receive buffer overrun) finds the work by its timer.
 */
static void credssp_helper_notify(struct credssp_net *cn)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&credssp_nl_family, cn->net,
				CREDSSP_NLGRP_HELPER))
		return;
	skb = genlmsg_new(0, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &credssp_nl_family, 0,
			  CREDSSP_CMD_HELPER_READY);
	if (!hdr) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&credssp_nl_family, cn->net, skb, 0,
				CREDSSP_NLGRP_HELPER, GFP_KERNEL);
}

/**
 * credssp_helper_free - tell the helper to drop a context's engine state
 * @cn: the netns
 * @ctx_id: the context
 * @gen: the helper registration that holds the state
 *
 * Queues a FREE, which needs no HELPER_DONE; nothing is queued if that
 * helper is gone (its engine contexts went with it). FREEs do not count
 * against the queue's bound: there is at most one per context whose step
 * the helper took, and dropping one would leak that engine context.
 *
 * Context: process context, may sleep; no spinlock held.
 */
void credssp_helper_free(struct credssp_net *cn, u64 ctx_id, u32 gen)
{
	struct credssp_helper_req *req;
	bool notify = false;

	/* A few dozen bytes, and losing it leaks the helper's state. */
	req = kzalloc(sizeof(*req), GFP_KERNEL | __GFP_NOFAIL);
	INIT_LIST_HEAD(&req->node);
	req->op = CREDSSP_HELPER_OP_FREE;
	req->ctx_id = ctx_id;
	req->gen = gen;
	spin_lock(&cn->lock);
	if (!cn->dying && cn->helper.pid && cn->helper.gen == gen) {
		req->id = ++cn->next_req_id;
		notify = list_empty(&cn->queue);
		list_add_tail(&req->node, &cn->queue);
		req = NULL;
	}
	spin_unlock(&cn->lock);
	kfree(req);
	if (notify)
		credssp_helper_notify(cn);
}

/**
 * credssp_helper_queue - queue a STEP for the helper
 * @req: the step, on its waiter's stack (credssp_helper_step_init())
 * @helper_gen: the helper that holds the context's engine state (later
 *	steps), updated to the helper that takes a first step
 * @notify: set if the queue was empty: the caller rings the doorbell with
 *	credssp_helper_wait()
 * @outcome: how the handshake ends if the step fails at once
 *
 * Called by ctx.c under the context's lock, so that whoever unlinks the
 * context finds the step linked to it, or finds the context dead first.
 *
 * Return: SEC_E_OK when queued, SEC_E_NO_AUTHENTICATING_AUTHORITY (no
 * helper, or not the one holding the state) or SEC_E_INSUFFICIENT_MEMORY
 * (the queue is full).
 */
u32 credssp_helper_queue(struct credssp_helper_req *req, u32 *helper_gen,
			 bool *notify, enum credssp_outcome *outcome)
{
	struct credssp_net *cn = req->ctx->cn;
	u32 status = SEC_E_OK;

	spin_lock(&cn->lock);
	if (cn->dying || !cn->helper.pid ||
	    (!req->first && cn->helper.gen != *helper_gen)) {
		*outcome = CREDSSP_OUTCOME_HELPER_LOST;
		status = SEC_E_NO_AUTHENTICATING_AUTHORITY;
	} else if (cn->n_steps >= CREDSSP_HELPER_QUEUE_MAX) {
		pr_warn_ratelimited("helper queue full (%u requests), a step fails\n",
				    cn->n_steps);
		*outcome = CREDSSP_OUTCOME_OTHER_ERROR;
		status = SEC_E_INSUFFICIENT_MEMORY;
	} else {
		*helper_gen = cn->helper.gen;
		req->gen = cn->helper.gen;
		req->id = ++cn->next_req_id;
		*notify = list_empty(&cn->queue);
		list_add_tail(&req->node, &cn->queue);
		cn->n_steps++;
	}
	spin_unlock(&cn->lock);
	return status;
}

/*
 * Wait for the answer to the queued @req. Return: whether the waiter took
 * the request off its list itself (nobody answered), with *@left the
 * result of the wait.
 */
static bool credssp_step_wait(struct credssp_net *cn, struct credssp_helper_req *req,
			      long *left)
{
	unsigned long timeout;
	bool mine;

	timeout = msecs_to_jiffies(READ_ONCE(credssp_helper_timeout_ms));
	*left = wait_for_completion_killable_timeout(&req->done, timeout);

	spin_lock(&cn->lock);
	mine = !list_empty(&req->node);
	if (mine)
		credssp_req_unlink_locked(cn, req);
	spin_unlock(&cn->lock);
	/* Someone else took it off and completes it; wait for that. */
	if (!mine && *left <= 0)
		wait_for_completion(&req->done);
	return mine;
}

/**
 * credssp_helper_step_init - prepare one ACCEPT step for the helper
 * @req: the step, on the caller's stack
 * @ctx: the context, referenced, BUSY held by the caller
 * @input: the input token, the caller's until the step ends
 * @input_len: its length
 * @req_flags: the caller's ASC_REQ_*
 * @first: the context's first step
 */
void credssp_helper_step_init(struct credssp_helper_req *req,
			      struct credssp_ctx *ctx, const u8 *input,
			      u32 input_len, u32 req_flags, bool first)
{
	*req = (struct credssp_helper_req) {
		.op = CREDSSP_HELPER_OP_STEP,
		.ctx = ctx,
		.ctx_id = ctx->id,
		.input = input,
		.input_len = input_len,
		.req_flags = req_flags,
		.options = ctx->options,	/* fixed for the context's life */
		/* The context holds its credential: the name outlives the step. */
		.cred_name = first && ctx->cred ? ctx->cred->name : "",
		.first = first,
	};
	INIT_LIST_HEAD(&req->node);
	init_completion(&req->done);
}

/**
 * credssp_helper_wait - wait for the helper's answer to a queued step
 * @req: the step, queued (credssp_ctx_step_queue())
 * @notify: ring the helper's doorbell first (the queue was empty)
 * @resp: the helper's validated result, when it answered
 * @outcome: how the handshake ends if no result comes back
 *
 * Sleeps until a helper socket took the step and answered,
 * helper_timeout_ms passes, the helper (or the socket that took the step)
 * goes away, the context is deleted or fails, or a fatal signal arrives.
 * The caller then unlinks the step from its context
 * (credssp_ctx_step_end()), telling it whether the helper never saw a
 * first step.
 *
 * Return: the result's status if *@resp is set; otherwise
 * SEC_E_NO_AUTHENTICATING_AUTHORITY (helper lost, timeout),
 * SEC_E_INTERNAL_ERROR (a bad reply, or a fatal signal) or
 * SEC_E_INVALID_HANDLE (abandoned: the caller checks why).
 */
u32 credssp_helper_wait(struct credssp_helper_req *req, bool notify,
			struct credssp_result **resp,
			enum credssp_outcome *outcome)
{
	struct credssp_ctx *ctx = req->ctx;
	struct credssp_net *cn = ctx->cn;
	long left;

	*resp = NULL;
	if (notify)
		credssp_helper_notify(cn);
	if (credssp_step_wait(cn, req, &left)) {
		/* A first step no helper socket took: the helper holds nothing. */
		req->unseen = req->first && !req->taken;
		*outcome = left < 0 ? CREDSSP_OUTCOME_ABANDONED : CREDSSP_OUTCOME_TIMEOUT;
		return left < 0 ? SEC_E_INTERNAL_ERROR :
			SEC_E_NO_AUTHENTICATING_AUTHORITY;
	}
	switch (req->end) {
	case CREDSSP_REQ_DONE:
		*resp = req->res;
		return req->res->status;
	case CREDSSP_REQ_BAD:
		*outcome = CREDSSP_OUTCOME_OTHER_ERROR;
		return SEC_E_INTERNAL_ERROR;
	case CREDSSP_REQ_LOST:
		/*
		 * The socket that took the step closed. If the helper lives
		 * on, it may hold this context's engine state: tell it now
		 * (the caller frees nothing after a lost helper).
		 */
		if (test_and_clear_bit(CREDSSP_F_HELPER_STATE, &ctx->flags))
			credssp_helper_free(cn, ctx->id, ctx->helper_gen);
		*outcome = CREDSSP_OUTCOME_HELPER_LOST;
		return SEC_E_NO_AUTHENTICATING_AUTHORITY;
	default:
		*outcome = CREDSSP_OUTCOME_ABANDONED;
		return SEC_E_INVALID_HANDLE;
	}
}

/* The attributes HELPER_NEXT's reply holds for @req. */
static size_t credssp_req_size(const struct credssp_helper_req *req)
{
	return 2 * nla_total_size_64bit(sizeof(u64)) +
		3 * nla_total_size(sizeof(u32)) + nla_total_size(0) +
		nla_total_size(req->input_len) +
		(req->cred_name ? nla_total_size(strlen(req->cred_name) + 1) : 0);
}

static int credssp_req_fill(struct sk_buff *skb, const struct credssp_helper_req *req)
{
	if (nla_put_u64_64bit(skb, CREDSSP_A_H_REQ_ID, req->id,
			      CREDSSP_A_H_PAD) ||
	    nla_put_u32(skb, CREDSSP_A_H_OP, req->op) ||
	    nla_put_u64_64bit(skb, CREDSSP_A_H_CTX_ID, req->ctx_id,
			      CREDSSP_A_H_PAD))
		return -EMSGSIZE;
	if (req->op != CREDSSP_HELPER_OP_STEP)
		return 0;
	if ((req->first && nla_put_flag(skb, CREDSSP_A_H_FIRST)) ||
	    nla_put_u32(skb, CREDSSP_A_H_REQ_FLAGS, req->req_flags) ||
	    nla_put_u32(skb, CREDSSP_A_H_OPTIONS, req->options) ||
	    (req->input_len &&
	     nla_put(skb, CREDSSP_A_H_INPUT, req->input_len, req->input)) ||
	    (req->cred_name && req->cred_name[0] &&
	     nla_put_string(skb, CREDSSP_A_H_CRED_NAME, req->cred_name)))
		return -EMSGSIZE;
	return 0;
}

/*
 * Under cn->lock: the first queued request, if @c is a helper socket and
 * @room bytes hold it; else NULL with *@err (-EPERM, -ENOENT), or with
 * *@need set to the room it needs.
 */
static struct credssp_helper_req *
credssp_next_pick(struct credssp_net *cn, const struct credssp_caller *c,
		  size_t room, size_t *need, int *err,
					     struct netlink_ext_ack *extack)
{
	struct credssp_helper_req *req;

	lockdep_assert_held(&cn->lock);
	*need = 0;
	if (credssp_helper_sock(cn, c->portid, c->sk) < 0) {
		NL_SET_ERR_MSG(extack, "not a registered helper socket");
		*err = -EPERM;
		return NULL;
	}
	req = list_first_entry_or_null(&cn->queue, struct credssp_helper_req, node);
	if (!req) {
		NL_SET_ERR_MSG(extack, "no request queued");
		*err = -ENOENT;
		return NULL;
	}
	if (credssp_req_size(req) > room) {
		*need = credssp_req_size(req);
		return NULL;
	}
	return req;
}

/*
 * HELPER_NEXT's reply (request @id, or the FREE @fr) was not delivered:
 * put the request back first in line, unless it ended meanwhile.
 */
static void credssp_next_undo(struct credssp_net *cn,
			      const struct credssp_caller *c, u64 id,
			      struct credssp_helper_req *fr)
{
	struct credssp_helper_req *req;
	bool notify = false;

	spin_lock(&cn->lock);
	if (fr && !cn->dying && cn->helper.pid && cn->helper.gen == fr->gen) {
		notify = list_empty(&cn->queue);
		list_add(&fr->node, &cn->queue);
		fr = NULL;
	} else if (!fr) {
		list_for_each_entry(req, &cn->reqs, node) {
			if (req->id != id || !credssp_owner_match(&req->taker, c))
				continue;
			req->taken = false;
			req->taker.portid = 0;
			req->taker.sk = NULL;
			notify = list_empty(&cn->queue);
			list_move(&req->node, &cn->queue);
			break;
		}
	}
	spin_unlock(&cn->lock);
	kfree(fr);
	if (notify)
		credssp_helper_notify(cn);
}

/**
 * credssp_helper_next - hand the first queued request to a helper socket
 * @cn: the netns
 * @skb: the HELPER_NEXT message
 * @info: its parsed form
 *
 * The reply is the request (CREDSSP_A_H_*). A STEP is then the sending
 * socket's to answer with HELPER_DONE; a FREE needs no answer. If the
 * reply cannot be delivered, the request goes back to the queue's head.
 *
 * Return: 0, -EPERM if the socket is not a registered helper socket,
 * -ENOENT if nothing is queued, -ENOMEM, or the error of the reply's
 * delivery.
 */
int credssp_helper_next(struct credssp_net *cn, struct sk_buff *skb,
			struct genl_info *info)
{
	struct credssp_helper_req *req, *fr = NULL;
	struct sk_buff *msg = NULL;
	struct credssp_caller c;
	size_t room = 0, need;
	void *hdr;
	int err = 0;
	u64 id;

	credssp_info_caller(skb, info, &c);
	for (;;) {
		spin_lock(&cn->lock);
		req = credssp_next_pick(cn, &c, room, &need, &err,
					info->extack);
		if (req || !need)
			break;
		spin_unlock(&cn->lock);
		nlmsg_free(msg);
		msg = genlmsg_new(need, GFP_KERNEL);
		if (!msg)
			return -ENOMEM;
		room = need;
	}
	/* Filled under the lock: a STEP's input is its waiter's until then. */
	hdr = req ? genlmsg_put_reply(msg, info, &credssp_nl_family, 0,
				      info->genlhdr->cmd) : NULL;
	if (req && (!hdr || credssp_req_fill(msg, req)))
		err = -EMSGSIZE;
	if (err) {
		spin_unlock(&cn->lock);
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	id = req->id;
	list_del_init(&req->node);
	if (req->op == CREDSSP_HELPER_OP_STEP) {
		req->taken = true;
		req->taker = c;
		list_add_tail(&req->node, &cn->reqs);
	} else {
		fr = req;
	}
	spin_unlock(&cn->lock);

	err = genlmsg_reply(msg, info);
	if (err)
		credssp_next_undo(cn, &c, id, fr);
	else
		kfree(fr);
	return err;
}

/**
 * credssp_helper_done_take - find the step a HELPER_DONE answers
 * @cn: the netns
 * @c: the sending socket
 * @id: the request id it names
 *
 * The sending socket must be the one that took the request (HELPER_NEXT):
 * that is the whole authorisation, no capability is needed. The step is
 * taken off the list: the caller must end it with credssp_helper_done_end().
 *
 * Return: the step, or NULL if @c took no such request or it is no longer
 * awaited.
 */
struct credssp_helper_req *credssp_helper_done_take(struct credssp_net *cn,
						    const struct credssp_caller *c,
						    u64 id)
{
	struct credssp_helper_req *req, *found = NULL;

	spin_lock(&cn->lock);
	list_for_each_entry(req, &cn->reqs, node) {
		if (req->id == id && credssp_owner_match(&req->taker, c)) {
			credssp_req_unlink_locked(cn, req);
			found = req;
			break;
		}
	}
	spin_unlock(&cn->lock);
	return found;
}

/**
 * credssp_helper_done_end - end a step with the helper's answer
 * @req: from credssp_helper_done_take()
 * @res: the validated result (the waiter takes it), or NULL for an answer
 *	that failed a check (the waiter gets SEC_E_INTERNAL_ERROR)
 */
void credssp_helper_done_end(struct credssp_helper_req *req,
			     struct credssp_result *res)
{
	req->res = res;
	req->end = res ? CREDSSP_REQ_DONE : CREDSSP_REQ_BAD;
	complete(&req->done);
}
