// SPDX-License-Identifier: GPL-2.0
/*
 * Asynchronous calls of netlink consumers: ACCEPT, ACCEPT_SOCKET and
 * KTLS_ATTACH.
 *
 * Every generic netlink handler runs under genetlink's global cb_lock, which
 * genl_register_family() and genl_unregister_family() take for writing: a
 * handler that waited for the helper or for a client would hold up every
 * family's registration, and behind that writer every generic netlink user
 * of the machine. So no handler of this module waits. The ACCEPT,
 * ACCEPT_SOCKET and KTLS_ATTACH handlers (the last takes the socket's lock,
 * which its owner may hold indefinitely) check the request, make what the
 * call needs and
 * queue a struct credssp_call; the handler returns at once (its ACK, when
 * asked for, is sent then; a fast outcome may come before it: callers
 * accept either order). The outcome is a message of the same command,
 * with the request's sequence number, unicast to the requesting socket:
 * exactly one per queued call, sent by the token-mode worker here or by the
 * socket-mode completion (sock.c).
 *
 * A call is on its netns's list (credssp_net.calls) until its outcome is
 * sent, so that CANCEL (same socket, same sequence number) and the socket's
 * close can find it. Cancelling ends the wait rather than the call: a token
 * call's context is deleted (the helper step is abandoned), a socket-mode
 * call is aborted; the outcome still comes, and says what happened.
 *
 * Limits: max_net_calls calls in flight per netns (the rest are refused at
 * once with SEC_E_INSUFFICIENT_MEMORY). Token-mode workers wait for the
 * helper at most helper_timeout_ms and only in a netns that has a helper.
 *
 * Outcomes go to the caller's portid. A socket that binds that portid after
 * the caller closed, before the NETLINK_URELEASE notifier marked its calls
 * gone, may receive one: its context id and output token (TLS records),
 * never a secret.
 *
 * Locks: credssp_call_lock, then credssp_net.lock.
 */

#include <linux/file.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "credssp.h"

unsigned int credssp_max_net_calls = 256;
module_param_named(max_net_calls, credssp_max_net_calls, uint, 0644);
MODULE_PARM_DESC(max_net_calls,
		 "ACCEPT and ACCEPT_SOCKET calls in flight per network namespace");

/*
 * As for socket mode (sock.c): calls of network namespaces owned by other
 * user namespaces run on their own workqueue, so that they can never take
 * every worker from the initial user namespace's services.
 */
static struct workqueue_struct *credssp_call_wq;
static struct workqueue_struct *credssp_call_uns_wq;
static DEFINE_SPINLOCK(credssp_call_lock);	/* @credssp_call_exiting */
static bool credssp_call_exiting;

struct credssp_call {
	struct list_head node;		/* credssp_net.calls, under its lock */
	refcount_t ref;
	struct credssp_net *cn;
	struct net *net;		/* a reference: @cn lives while it does */
	struct credssp_caller caller;
	u32 seq;
	u8 cmd;
	size_t size;			/* of this allocation */
	bool gone;			/* the caller's socket closed */
	bool cancelled;
	struct work_struct work;
	/* ACCEPT */
	struct credssp_cred *cred;	/* a reference, or NULL */
	struct credssp_ctx *ctx;	/* later calls: a reference */
	struct credssp_ctx *target;	/* the context a cancel deletes */
	struct credssp_accept_args a;
	/* ACCEPT_SOCKET, KTLS_ATTACH */
	struct socket *sock;		/* from sockfd_lookup(), its file held */
	struct credssp_ctx *ktls_ctx;	/* KTLS_ATTACH's, a reference */
	struct credssp_sock_req *sreq;	/* a reference, set by sock.c */
	u8 input[];
};

/**
 * credssp_call_new - a call of a netlink request, on its netns's list
 * @skb: the request
 * @info: its parsed form
 * @cn: the netns
 * @input_len: bytes of input to keep (ACCEPT's token)
 *
 * Return: the call (two references: the handler's and the outcome's), or
 * ERR_PTR(-EBUSY) over max_net_calls, -ENODEV for a netns going away,
 * -ENOMEM.
 */
struct credssp_call *credssp_call_new(struct sk_buff *skb,
				      struct genl_info *info,
				      struct credssp_net *cn, u32 input_len)
{
	struct credssp_call *call;
	int err = 0;

	/* Up to CREDSSP_TOKEN_MAX of input: not necessarily contiguous. */
	call = kvzalloc(struct_size(call, input, input_len),
			GFP_KERNEL_ACCOUNT);
	if (!call)
		return ERR_PTR(-ENOMEM);
	refcount_set(&call->ref, 2);
	call->size = struct_size(call, input, input_len);
	call->cn = cn;
	call->net = get_net(genl_info_net(info));
	credssp_info_caller(skb, info, &call->caller);
	call->seq = info->snd_seq;
	call->cmd = info->genlhdr->cmd;

	spin_lock(&cn->lock);
	if (cn->dying)
		err = -ENODEV;
	else if (cn->n_calls >= READ_ONCE(credssp_max_net_calls))
		err = -EBUSY;
	else
		cn->n_calls++;
	if (!err)
		list_add_tail(&call->node, &cn->calls);
	spin_unlock(&cn->lock);
	if (err) {
		put_net(call->net);
		kvfree(call);
		return ERR_PTR(err);
	}
	return call;
}

/**
 * credssp_call_input - where the call keeps its input
 * @call: the call
 *
 * Return: the buffer of the length given to credssp_call_new().
 */
u8 *credssp_call_input(struct credssp_call *call)
{
	return call->input;
}

static void credssp_call_free(struct credssp_call *call)
{
	struct credssp_accept_args *a = &call->a;

	kfree_sensitive(a->output);
	credssp_ctx_put(a->new_ctx);
	credssp_ctx_put(call->target);
	credssp_ctx_put(call->ctx);
	credssp_ctx_put(call->ktls_ctx);
	credssp_cred_put(call->cred);
	if (call->sreq)
		credssp_sock_req_put(call->sreq);
	if (call->sock)
		sockfd_put(call->sock);
	put_net(call->net);
	kvfree_sensitive(call, call->size);
}

/**
 * credssp_call_put - drop a reference to a call
 * @call: the call, or NULL
 */
void credssp_call_put(struct credssp_call *call)
{
	if (call && refcount_dec_and_test(&call->ref))
		credssp_call_free(call);
}

enum credssp_call_end {
	CREDSSP_CALL_REPLY,		/* send the outcome */
	CREDSSP_CALL_CANCELLED,		/* send it: the call was cancelled */
	CREDSSP_CALL_GONE,		/* the caller's socket closed */
};

/*
 * Off the list: no cancel finds it any more. A cancel that found it before
 * decides the outcome (it deletes the context), even of a step that
 * succeeded: a caller never gets SEC_E_OK for a context a cancel deletes.
 */
static enum credssp_call_end credssp_call_unlist(struct credssp_call *call)
{
	struct credssp_net *cn = call->cn;
	enum credssp_call_end end = CREDSSP_CALL_REPLY;

	spin_lock(&cn->lock);
	list_del_init(&call->node);
	cn->n_calls--;
	if (call->gone)
		end = CREDSSP_CALL_GONE;
	else if (call->cancelled)
		end = CREDSSP_CALL_CANCELLED;
	spin_unlock(&cn->lock);
	return end;
}

/**
 * credssp_call_abandon - take back a call that was never queued
 * @call: from credssp_call_new(), both references still held
 *
 * Nothing is sent: the handler replies itself.
 */
void credssp_call_abandon(struct credssp_call *call)
{
	(void)credssp_call_unlist(call);
	refcount_dec(&call->ref);
	credssp_call_put(call);
}

/* An outcome message of @call's command with room for @size bytes. */
static struct sk_buff *credssp_call_start(struct credssp_call *call,
					  size_t size, void **hdr)
{
	struct sk_buff *skb;

	skb = genlmsg_new(size, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, call->caller.portid, call->seq,
			   &credssp_nl_family, 0, call->cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static struct sk_buff *credssp_call_msg(struct credssp_call *call,
					size_t size, u32 status,
					const char *text, void **hdr)
{
	struct sk_buff *skb;

	skb = credssp_call_start(call, size + nla_total_size(sizeof(u32)) +
				 nla_total_size(text ? strlen(text) + 1 : 0),
				 hdr);
	if (!skb)
		return NULL;
	if (nla_put_u32(skb, CREDSSP_A_SEC_STATUS, status) ||
	    (status != SEC_E_OK && status != SEC_I_CONTINUE_NEEDED && text &&
	     nla_put_string(skb, CREDSSP_A_MESSAGE, text))) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/* Unicast the outcome. Return: 0, or an error: the caller never learns it. */
static int credssp_call_send(struct credssp_call *call, struct sk_buff *skb,
			     void *hdr)
{
	genlmsg_end(skb, hdr);
	return genlmsg_unicast(call->net, skb, call->caller.portid);
}

/*
 * The full outcome could not be built (a large output and no memory): the
 * caller still gets one, small, so that its wait ends.
 */
static void credssp_call_send_nomem(struct credssp_call *call)
{
	struct sk_buff *skb;
	void *hdr;

	skb = credssp_call_msg(call, 0, SEC_E_INSUFFICIENT_MEMORY,
			       "out of memory for the outcome", &hdr);
	if (skb)
		credssp_call_send(call, skb, hdr);
}

static int credssp_call_accept_reply(struct credssp_call *call, u32 status,
				     struct credssp_ctx *ctx)
{
	struct credssp_accept_args *a = &call->a;
	struct sk_buff *skb;
	void *hdr;

	if (status != SEC_E_OK && status != SEC_I_CONTINUE_NEEDED &&
	    call->cancelled && !a->why)
		a->why = CREDSSP_R_CANCELLED;
	skb = credssp_call_msg(call, nla_total_size(a->output_len) + 128,
			       status, credssp_reason_text(a->why, status),
			       &hdr);
	if (!skb) {
		credssp_call_send_nomem(call);
		return -ENOMEM;
	}
	if ((ctx && nla_put_u64_64bit(skb, CREDSSP_A_CTX_ID, ctx->id,
				      CREDSSP_A_PAD)) ||
	    (a->output && nla_put(skb, CREDSSP_A_OUTPUT, a->output_len,
				  a->output)) ||
	    (status == SEC_E_BUFFER_TOO_SMALL &&
	     nla_put_u32(skb, CREDSSP_A_OUTPUT_NEEDED, a->output_needed)) ||
	    (a->has_extra && nla_put_u32(skb, CREDSSP_A_EXTRA, a->extra)) ||
	    ((status == SEC_E_OK || status == SEC_I_CONTINUE_NEEDED) &&
	     nla_put_u32(skb, CREDSSP_A_RET_FLAGS, a->ret_flags)) ||
	    (status == SEC_E_OK &&
	     nla_put_u64_64bit(skb, CREDSSP_A_EXPIRY, a->expiry,
			       CREDSSP_A_PAD))) {
		nlmsg_free(skb);
		credssp_call_send_nomem(call);
		return -EMSGSIZE;
	}
	return credssp_call_send(call, skb, hdr);
}

static void credssp_call_accept_work(struct work_struct *work)
{
	struct credssp_call *call = container_of(work, struct credssp_call,
						 work);
	struct credssp_accept_args *a = &call->a;
	struct credssp_ctx *ctx;
	u32 status;

	enum credssp_call_end end;

	status = credssp_sspi_accept(call->cn, &call->caller, call->cred,
				     call->ctx, a);
	ctx = call->ctx ?: a->new_ctx;
	end = credssp_call_unlist(call);
	if (end == CREDSSP_CALL_CANCELLED &&
	    (status == SEC_E_OK || status == SEC_I_CONTINUE_NEEDED ||
	     status == SEC_E_BUFFER_TOO_SMALL)) {
		status = SEC_E_INVALID_HANDLE;
		a->why = CREDSSP_R_CANCELLED;
		kfree_sensitive(a->output);
		a->output = NULL;
		a->output_len = 0;
		a->has_extra = false;
		if (!call->ctx)
			ctx = NULL;	/* a first call: no handle to report */
	}
	/*
	 * A caller that cannot learn the outcome cannot go on with the
	 * context either (nor, on a first call, learn its handle): delete it
	 * rather than leave it to its owner's close.
	 */
	if (end != CREDSSP_CALL_GONE &&
	    !credssp_call_accept_reply(call, status, ctx))
		ctx = NULL;
	if (ctx)
		credssp_ctx_unlink(ctx);
	credssp_call_put(call);
}

/**
 * credssp_call_queue_accept - run an ACCEPT off the netlink handler
 * @call: from credssp_call_new(), its input copied in
 * @cred: the credential given, or NULL (the call takes the reference)
 * @ctx: the context of a later call, or NULL (the call takes the reference)
 * @a: the arguments; on a first call @a->new_ctx holds the context from
 *	credssp_sspi_accept_new() (the call takes it)
 *
 * Drops the handler's reference to @call: the handler must not touch it
 * afterwards.
 *
 * Return: 0 (one outcome message to come), or -ENODEV when the module is
 * unloading (nothing queued; the references given stay the handler's).
 */
int credssp_call_queue_accept(struct credssp_call *call,
			      struct credssp_cred *cred,
			      struct credssp_ctx *ctx,
			      struct credssp_accept_args *a)
{
	struct credssp_ctx *target = ctx ?: a->new_ctx;
	bool cancelled;

	spin_lock(&credssp_call_lock);
	if (credssp_call_exiting) {
		spin_unlock(&credssp_call_lock);
		return -ENODEV;
	}
	refcount_inc(&target->ref);
	spin_lock(&call->cn->lock);
	call->cred = cred;
	call->ctx = ctx;
	call->target = target;
	call->a = *a;
	cancelled = call->cancelled || call->gone;
	spin_unlock(&call->cn->lock);
	INIT_WORK(&call->work, credssp_call_accept_work);
	queue_work(call->net->user_ns == &init_user_ns ? credssp_call_wq :
		   credssp_call_uns_wq, &call->work);
	spin_unlock(&credssp_call_lock);
	/* A cancel that came before @target was known: apply it now. */
	if (cancelled)
		credssp_ctx_unlink(target);
	credssp_call_put(call);
	return 0;
}

/* KTLS_ATTACH's outcome: 0 or the errno, what was installed or why not. */
static void credssp_call_ktls_reply(struct credssp_call *call, int err,
				    u32 version, u32 cipher,
				    enum credssp_reason why)
{
	const char *text = err ? credssp_reason_text(why, 0) : NULL;
	struct sk_buff *skb;
	void *hdr;

	skb = credssp_call_start(call, 3 * nla_total_size(sizeof(u32)) +
				 (text ? nla_total_size(strlen(text) + 1) : 0),
				 &hdr);
	if (!skb)
		return;
	if (nla_put_s32(skb, CREDSSP_A_ERROR, err) ||
	    (err ? nla_put_string(skb, CREDSSP_A_MESSAGE, text) :
	     nla_put_u32(skb, CREDSSP_A_TLS_VERSION, version) ||
	     nla_put_u32(skb, CREDSSP_A_TLS_CIPHER, cipher))) {
		nlmsg_free(skb);
		return;
	}
	credssp_call_send(call, skb, hdr);
}

static void credssp_call_ktls_work(struct work_struct *work)
{
	struct credssp_call *call = container_of(work, struct credssp_call,
						 work);
	enum credssp_reason why = CREDSSP_R_NONE;
	u32 version = 0, cipher = 0;
	int err;

	/* A cancel does not stop it: the install is prompt once it has the lock. */
	err = credssp_ktls_install(call->ktls_ctx, call->sock, call->net, &why,
				   &version, &cipher);
	if (credssp_call_unlist(call) != CREDSSP_CALL_GONE)
		credssp_call_ktls_reply(call, err, version, cipher, why);
	credssp_call_put(call);
}

/**
 * credssp_call_queue_ktls - run a KTLS_ATTACH off the netlink handler
 * @call: from credssp_call_new()
 * @ctx: the context, referenced (the call takes the reference)
 * @sock: the socket, from sockfd_lookup() (the call takes its file)
 *
 * Drops the handler's reference to @call.
 *
 * Return: 0 (one outcome message to come), or -ENODEV when the module is
 * unloading (nothing queued; the references given stay the handler's).
 */
int credssp_call_queue_ktls(struct credssp_call *call, struct credssp_ctx *ctx,
			    struct socket *sock)
{
	spin_lock(&credssp_call_lock);
	if (credssp_call_exiting) {
		spin_unlock(&credssp_call_lock);
		return -ENODEV;
	}
	/* Not ->target: a cancel leaves a kTLS call alone. */
	call->ktls_ctx = ctx;
	call->sock = sock;
	INIT_WORK(&call->work, credssp_call_ktls_work);
	queue_work(call->net->user_ns == &init_user_ns ? credssp_call_wq :
		   credssp_call_uns_wq, &call->work);
	spin_unlock(&credssp_call_lock);
	credssp_call_put(call);
	return 0;
}

/**
 * credssp_call_sock_started - an ACCEPT_SOCKET call is running
 * @call: its call; the handler's reference is dropped here
 * @sock: the socket, from sockfd_lookup(): the call releases it when it
 *	ends, so that the socket outlives the worker even if its fd is closed
 * @sreq: the socket-mode request, referenced for the call
 *
 * A cancel that came while the request was being started aborts it now.
 */
void credssp_call_sock_started(struct credssp_call *call, struct socket *sock,
			       struct credssp_sock_req *sreq)
{
	bool cancelled;

	call->sock = sock;

	spin_lock(&call->cn->lock);
	call->sreq = sreq;
	cancelled = call->cancelled || call->gone;
	spin_unlock(&call->cn->lock);
	if (cancelled)
		credssp_sock_req_abort(sreq, SEC_E_INVALID_HANDLE);
	credssp_call_put(call);
}

/**
 * credssp_call_sock_end - the completion of an ACCEPT_SOCKET call
 * @data: the call
 * @status: the outcome
 * @ctx: on SEC_E_OK the established context, referenced, or NULL
 * @why: why it failed
 *
 * Runs in the socket-mode worker, after the kernel let go of the socket.
 */
void credssp_call_sock_end(void *data, u32 status, struct credssp_ctx *ctx,
			   enum credssp_reason why)
{
	struct credssp_call *call = data;
	struct credssp_ctx_view v = {};
	struct sk_buff *skb = NULL;
	bool sent = false;
	void *hdr;

	if (status != SEC_E_OK && call->cancelled)
		why = CREDSSP_R_CANCELLED;
	if (ctx)
		credssp_ctx_view(ctx, &v, NULL, 0);
	if (credssp_call_unlist(call) != CREDSSP_CALL_GONE)
		skb = credssp_call_msg(call,
				       2 * nla_total_size_64bit(sizeof(u64)) +
				       nla_total_size(sizeof(u32)), status,
				       credssp_reason_text(why, status), &hdr);
	if (skb && ctx &&
	    (nla_put_u64_64bit(skb, CREDSSP_A_CTX_ID, ctx->id, CREDSSP_A_PAD) ||
	     nla_put_u32(skb, CREDSSP_A_RET_FLAGS, v.ret_flags) ||
	     nla_put_u64_64bit(skb, CREDSSP_A_EXPIRY, v.expiry,
			       CREDSSP_A_PAD))) {
		nlmsg_free(skb);
		skb = NULL;
	}
	if (skb)
		sent = !credssp_call_send(call, skb, hdr);
	else if (!call->gone)
		credssp_call_send_nomem(call);
	if (ctx) {
		/* The caller would never learn the handle: the context goes. */
		if (!sent)
			credssp_ctx_unlink(ctx);
		credssp_ctx_put(ctx);	/* the worker's reference */
	}
	credssp_call_put(call);
}

/* Find the caller's call for (@portid, @seq), or any call of @portid. */
static struct credssp_call *credssp_call_find(struct credssp_net *cn,
					      const struct credssp_caller *c,
					      u32 seq, bool any)
{
	struct credssp_call *call;

	lockdep_assert_held(&cn->lock);
	list_for_each_entry(call, &cn->calls, node) {
		if (any ? call->caller.portid == c->portid && !call->gone :
		    credssp_owner_match(&call->caller, c) &&
		    call->seq == seq && !call->cancelled)
			return call;
	}
	return NULL;
}

/* End the wait of @call; a reference is held. */
static void credssp_call_stop(struct credssp_call *call)
{
	struct credssp_sock_req *sreq;
	struct credssp_ctx *target;

	spin_lock(&call->cn->lock);
	target = call->target;
	if (target)
		refcount_inc(&target->ref);
	sreq = call->sreq;
	if (sreq)
		credssp_sock_req_get(sreq);
	spin_unlock(&call->cn->lock);
	if (target) {
		credssp_ctx_unlink(target);
		credssp_ctx_put(target);
	}
	if (sreq) {
		credssp_sock_req_abort(sreq, SEC_E_INVALID_HANDLE);
		credssp_sock_req_put(sreq);
	}
}

/**
 * credssp_call_cancel - CANCEL: end the wait of one of the caller's calls
 * @cn: the netns
 * @caller: the requesting socket
 * @seq: the sequence number of the call's request
 *
 * Return: true if the call was in flight (its outcome follows, and says
 * whether it still completed), false if there is none.
 */
bool credssp_call_cancel(struct credssp_net *cn,
			 const struct credssp_caller *caller, u32 seq)
{
	struct credssp_call *call;

	spin_lock(&cn->lock);
	call = credssp_call_find(cn, caller, seq, false);
	if (call) {
		call->cancelled = true;
		refcount_inc(&call->ref);
	}
	spin_unlock(&cn->lock);
	if (!call)
		return false;
	credssp_call_stop(call);
	credssp_call_put(call);
	return true;
}

/**
 * credssp_call_release - a netlink socket of the netns closed
 * @cn: the netns
 * @portid: its portid
 *
 * Its calls end without an outcome message: socket-mode calls are aborted
 * (their contexts, owned by the socket, go with its other handles).
 */
void credssp_call_release(struct credssp_net *cn, u32 portid)
{
	const struct credssp_caller c = { .portid = portid };
	struct credssp_call *call;

	for (;;) {
		spin_lock(&cn->lock);
		call = credssp_call_find(cn, &c, 0, true);
		if (call) {
			call->gone = true;
			refcount_inc(&call->ref);
		}
		spin_unlock(&cn->lock);
		if (!call)
			return;
		credssp_call_stop(call);
		credssp_call_put(call);
	}
}

/**
 * credssp_call_init - set up asynchronous calls
 *
 * Return: 0, or -ENOMEM.
 */
int credssp_call_init(void)
{
	credssp_call_wq = alloc_workqueue("credssp_call", WQ_UNBOUND, 0);
	if (!credssp_call_wq)
		return -ENOMEM;
	credssp_call_uns_wq = alloc_workqueue("credssp_call_uns", WQ_UNBOUND,
					      0);
	if (!credssp_call_uns_wq) {
		destroy_workqueue(credssp_call_wq);
		return -ENOMEM;
	}
	credssp_call_exiting = false;
	return 0;
}

/**
 * credssp_call_exit - refuse new calls and wait for the queued ones
 *
 * Called after the helpers' calls were failed (credssp_pernet_shutdown()),
 * so every queued ACCEPT ends promptly and sends its outcome.
 */
void credssp_call_exit(void)
{
	spin_lock(&credssp_call_lock);
	credssp_call_exiting = true;
	spin_unlock(&credssp_call_lock);
	destroy_workqueue(credssp_call_uns_wq);
	destroy_workqueue(credssp_call_wq);
	credssp_call_uns_wq = NULL;
	credssp_call_wq = NULL;
}
