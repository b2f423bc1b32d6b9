// SPDX-License-Identifier: GPL-2.0
/*
 * A context's life and state, in one place: creation, lookup, references,
 * the handshake deadline and the expiry, every state change, the helper
 * step in flight, and every read of what the context holds (the helper's
 * result, the keys, the delegated credentials and their key). ctx->lock
 * is taken here only; the other files ask through the functions below.
 *
 *   HANDSHAKE --step_apply(SEC_E_OK)--> ESTABLISHED --expiry--> EXPIRED
 *       |
 *       +--fail / deadline / unlink--> FAILED
 *
 * Secrets (keys, credentials, a kept result) are wiped when the context
 * leaves HANDSHAKE for anything but ESTABLISHED, when it expires, and when
 * it is unlinked; the memory goes after an RCU grace period.
 */

#include <linux/jiffies.h>
#include <linux/key.h>
#include <linux/pid.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>
#include <uapi/linux/tls.h>

#include "credssp.h"

/*
 * KUnit only (never set otherwise): a task whose last credssp_ctx_put()
 * frees the context before returning, after a grace period, instead of
 * leaving that to call_rcu(). A write to the context after the caller
 * dropped what may be the last reference (review F3) is then a certain
 * KASAN report instead of a race that needs a preemption at the wrong
 * instruction. That task's puts must be in process context with no lock
 * held.
 */
struct task_struct *credssp_test_sync_free_task;
EXPORT_SYMBOL_IF_KUNIT(credssp_test_sync_free_task);

static void credssp_ctx_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct credssp_ctx, rcu));
}

/*
 * The longest the expiry work sleeps while it has a context to watch.
 * Expiries are wall-clock seconds and the work sleeps in jiffies, so a step
 * of the clock or a suspend can bring an expiry nearer than the work
 * planned for. Nothing expired is usable meanwhile (every call checks the
 * times itself); its secrets are wiped about a minute late at most.
 */
#define CREDSSP_EXPIRE_MAX_SLEEP	(60 * HZ)

/*
 * credssp_expire_at - have the expiry work run by @when (jiffies), unless
 * it is due sooner. Whole seconds, so that the deadlines of a busy second
 * share one walk of the table: the work runs at most about once a second,
 * as often as a context is due, and never while no context is.
 *
 * The timer wheel fires a timer of a long delay up to an eighth of it late
 * (its coarser levels), 4 s of a minute: a long sleep ends that much early
 * instead, and the walk then arms the work again for what is left, so that
 * a deadline is applied within about a second of it.
 */
static void credssp_expire_at(struct credssp_net *cn, unsigned long when)
{
	unsigned long now, delay;

	spin_lock(&cn->lock);
	now = jiffies;
	if (time_after(when, now + CREDSSP_EXPIRE_MAX_SLEEP))
		when = now + CREDSSP_EXPIRE_MAX_SLEEP;
	when = round_jiffies_up(when);
	if (!cn->dying &&
	    (!cn->expire_armed || time_before(when, cn->expire_next))) {
		cn->expire_armed = true;
		cn->expire_next = when;
		delay = time_after(when, now) ? when - now : 0;
		if (delay > 4 * HZ)
			delay -= delay >> 3;
		mod_delayed_work(system_wq, &cn->expire_work, delay);
	}
	spin_unlock(&cn->lock);
}

/*
 * The jiffies at which @expiry (wall-clock seconds) comes, no further on
 * than the work sleeps (which also keeps the product in range).
 */
static unsigned long credssp_expiry_jiffies(u64 expiry)
{
	u64 now = credssp_now(), max_s = CREDSSP_EXPIRE_MAX_SLEEP / HZ;

	return jiffies + (expiry > now ? min_t(u64, expiry - now, max_s) : 0) * HZ;
}

/**
 * credssp_ctx_put - drop a reference to a context
 * @ctx: the context, or NULL
 */
void credssp_ctx_put(struct credssp_ctx *ctx)
{
	if (!ctx || !refcount_dec_and_test(&ctx->ref))
		return;
	credssp_result_free(ctx->kept);
	credssp_result_free(ctx->res);
	/* Unlinking dropped the key: a context is unlinked before its end. */
	WARN_ON_ONCE(ctx->key);
	key_put(ctx->key);
	credssp_cred_put(ctx->cred);
	put_pid(ctx->owner_pid);
	if (IS_ENABLED(CONFIG_KUNIT) &&
	    unlikely(READ_ONCE(credssp_test_sync_free_task) == current)) {
		might_sleep();
		synchronize_rcu();
		kfree(ctx);
		return;
	}
	call_rcu(&ctx->rcu, credssp_ctx_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_ctx_put);

/**
 * credssp_ctx_new - create a linked context in HANDSHAKE
 * @cn: the netns
 * @caller: its owner
 * @cred: its credential (the context takes a reference)
 * @options: CREDSSP_OPT_*, fixed for its life
 * @deadline: the end of its handshake, in jiffies (credssp_ctx_timeout())
 * @ctxp: the context, with a reference for the caller besides the table's,
 *	and CREDSSP_F_BUSY set for the caller
 *
 * Return: SEC_E_OK, or SEC_E_INSUFFICIENT_MEMORY (limit or allocation).
 */
u32 credssp_ctx_new(struct credssp_net *cn,
		    const struct credssp_caller *caller,
		    struct credssp_cred *cred, u32 options,
		    unsigned long deadline, struct credssp_ctx **ctxp)
{
	struct credssp_ctx *ctx;
	u32 index;
	int err;

	/* Caller-triggered: charged to its memory cgroup. */
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return SEC_E_INSUFFICIENT_MEMORY;
	ctx->owner = credssp_owner_charge(cn, caller, true);
	if (!ctx->owner) {
		kfree(ctx);
		return SEC_E_INSUFFICIENT_MEMORY;
	}
	refcount_set(&ctx->ref, 2);
	spin_lock_init(&ctx->lock);
	ctx->cn = cn;
	ctx->oid = *caller;
	ctx->owner_pid = get_pid(ctx->owner->pid);
	ctx->gen = get_random_u32();
	__set_bit(CREDSSP_F_BUSY, &ctx->flags);
	ctx->state = CREDSSP_CTX_STATE_HANDSHAKE;
	ctx->options = options;
	ctx->created = credssp_now();
	ctx->deadline = deadline;
	refcount_inc(&cred->ref);
	ctx->cred = cred;

	err = xa_alloc_cyclic(&cn->ctxs, &index, NULL, xa_limit_32b,
			      &cn->next_ctx, GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		credssp_owner_uncharge(cn, ctx->owner, true);
		credssp_cred_put(cred);
		put_pid(ctx->owner_pid);
		kfree(ctx);
		return SEC_E_INSUFFICIENT_MEMORY;
	}
	ctx->id = credssp_handle_make(ctx->gen, index);
	xa_store(&cn->ctxs, index, ctx, GFP_KERNEL);
	credssp_expire_at(cn, deadline);
	pr_debug("ctx %llx created\n", ctx->id);
	*ctxp = ctx;
	return SEC_E_OK;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_ctx_new);

/**
 * credssp_ctx_lookup - find a context by handle
 * @cn: the netns
 * @id: the handle
 * @caller: who asks; NULL skips the owner check (admin views)
 *
 * Return: the context with a reference, or NULL (unknown, foreign or
 * deleted).
 */
struct credssp_ctx *credssp_ctx_lookup(struct credssp_net *cn, u64 id,
				       const struct credssp_caller *caller)
{
	struct credssp_ctx *ctx;

	rcu_read_lock();
	ctx = xa_load(&cn->ctxs, credssp_handle_index(id));
	if (!ctx || ctx->gen != credssp_handle_gen(id) ||
	    test_bit(CREDSSP_F_DEAD, &ctx->flags) ||
	    (caller && !credssp_owner_match(&ctx->oid, caller)) ||
	    !refcount_inc_not_zero(&ctx->ref))
		ctx = NULL;
	rcu_read_unlock();
	return ctx;
}

/*
 * Wipe @ctx's secrets. Return: its key, which the caller drops with
 * credssp_key_drop() once it released the lock.
 */
static struct key *credssp_ctx_wipe_locked(struct credssp_ctx *ctx)
{
	struct key *key = ctx->key;

	lockdep_assert_held(&ctx->lock);
	ctx->key = NULL;
	credssp_result_free(ctx->kept);
	ctx->kept = NULL;
	if (ctx->res) {
		kfree_sensitive(ctx->res->creds);
		ctx->res->creds = NULL;
		ctx->res->creds_len = 0;
		memzero_explicit(&ctx->res->tx, sizeof(ctx->res->tx));
		memzero_explicit(&ctx->res->rx, sizeof(ctx->res->rx));
		ctx->res->has_keys = false;
	}
	return key;
}

/*
 * End @ctx's handshake (locked) in @state; @outcome counts once per
 * context. A context not in HANDSHAKE is left alone.
 */
static void credssp_ctx_leave_handshake(struct credssp_ctx *ctx,
					enum credssp_ctx_state state,
					enum credssp_outcome outcome)
{
	lockdep_assert_held(&ctx->lock);
	if (ctx->state != CREDSSP_CTX_STATE_HANDSHAKE)
		return;
	ctx->state = state;
	if (outcome < CREDSSP_NR_OUTCOMES && ctx->package < CREDSSP_NR_PACKAGES)
		atomic64_inc(&ctx->cn->stats[outcome][ctx->package]);
	/* No key yet: it comes with ESTABLISHED (credssp_accept_success()). */
	if (state != CREDSSP_CTX_STATE_ESTABLISHED)
		WARN_ON_ONCE(credssp_ctx_wipe_locked(ctx));
}

/**
 * credssp_ctx_unlink - delete a context
 * @ctx: the context
 *
 * Removes it from the table, abandons a helper call in flight (its waiter
 * gets SEC_E_INVALID_HANDLE), wipes its secrets, revokes and unlinks its
 * delegated-credentials key, tells the helper to drop its engine context,
 * and drops the table's reference.
 *
 * Context: process context, may sleep; no spinlock held.
 * Return: true if this call unlinked it, false if it already was.
 */
bool credssp_ctx_unlink(struct credssp_ctx *ctx)
{
	struct credssp_net *cn = ctx->cn;
	struct key *key;

	if (test_and_set_bit(CREDSSP_F_DEAD, &ctx->flags))
		return false;
	xa_erase(&cn->ctxs, credssp_handle_index(ctx->id));

	spin_lock(&ctx->lock);
	credssp_ctx_leave_handshake(ctx, CREDSSP_CTX_STATE_FAILED,
				    CREDSSP_OUTCOME_ABANDONED);
	if (ctx->req)
		credssp_helper_cancel(cn, ctx->req);
	key = credssp_ctx_wipe_locked(ctx);
	spin_unlock(&ctx->lock);
	credssp_key_drop(key);

	if (test_and_clear_bit(CREDSSP_F_HELPER_STATE, &ctx->flags))
		credssp_helper_free(cn, ctx->id, ctx->helper_gen);
	credssp_owner_uncharge(cn, ctx->owner, true);
	pr_debug("ctx %llx deleted\n", ctx->id);
	credssp_ctx_put(ctx);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_ctx_unlink);

/*
 * credssp_ctx_past_expiry_locked - whether @ctx is established and past its
 * expiry: EXPIRED in all but name until credssp_ctx_check_time() or the
 * expiry work (which may come up to a second late: credssp_now() counts
 * whole seconds) makes it so. What only looks at a context and must not
 * sleep (credssp_ctx_view(), credssp_ctx_key()) treats it as expired.
 */
static bool credssp_ctx_past_expiry_locked(const struct credssp_ctx *ctx)
{
	lockdep_assert_held(&ctx->lock);
	return ctx->state == CREDSSP_CTX_STATE_ESTABLISHED &&
	       ctx->expiry != CREDSSP_TIME_NEVER &&
	       credssp_now() >= ctx->expiry;
}

/*
 * __credssp_ctx_check_time - credssp_ctx_check_time(), and when @ctx is next
 * due (@due, jiffies) if it still has a deadline or an expiry ahead: that
 * is what @due_set says.
 */
static bool __credssp_ctx_check_time(struct credssp_ctx *ctx,
				     unsigned long *due, bool *due_set)
{
	bool changed = false, free_helper = false;
	struct key *key = NULL;

	*due_set = false;
	if (test_bit(CREDSSP_F_DEAD, &ctx->flags))
		return false;
	spin_lock(&ctx->lock);
	if (ctx->state == CREDSSP_CTX_STATE_HANDSHAKE &&
	    time_after_eq(jiffies, ctx->deadline)) {
		ctx->timed_out = true;
		credssp_ctx_leave_handshake(ctx, CREDSSP_CTX_STATE_FAILED,
					    CREDSSP_OUTCOME_TIMEOUT);
		if (ctx->req)
			credssp_helper_cancel(ctx->cn, ctx->req);
		free_helper = true;
		changed = true;
	} else if (ctx->state == CREDSSP_CTX_STATE_HANDSHAKE) {
		*due = ctx->deadline;
		*due_set = true;
	} else if (ctx->state == CREDSSP_CTX_STATE_ESTABLISHED &&
		   ctx->expiry != CREDSSP_TIME_NEVER) {
		if (credssp_ctx_past_expiry_locked(ctx)) {
			ctx->state = CREDSSP_CTX_STATE_EXPIRED;
			key = credssp_ctx_wipe_locked(ctx);
			changed = true;
		} else {
			*due = credssp_expiry_jiffies(ctx->expiry);
			*due_set = true;
		}
	}
	spin_unlock(&ctx->lock);
	credssp_key_drop(key);
	if (free_helper &&
	    test_and_clear_bit(CREDSSP_F_HELPER_STATE, &ctx->flags))
		credssp_helper_free(ctx->cn, ctx->id, ctx->helper_gen);
	return changed;
}

/**
 * credssp_ctx_check_time - apply the handshake deadline and the expiry
 * @ctx: the context, referenced
 *
 * A HANDSHAKE context past its deadline fails (outcome TIMEOUT; a helper
 * call in flight is abandoned and the helper told to drop its state); an
 * ESTABLISHED context past its expiry becomes EXPIRED, its keys and
 * credentials wiped, its delegated-credentials key revoked and unlinked.
 *
 * Context: process context, may sleep; no spinlock held.
 * Return: true if the context changed state.
 */
bool credssp_ctx_check_time(struct credssp_ctx *ctx)
{
	unsigned long due;
	bool due_set;

	return __credssp_ctx_check_time(ctx, &due, &due_set);
}

/*
 * One delayed work per netns rather than a timer per context: it runs in
 * process context where telling the helper (HOP_FREE, a GFP_KERNEL netlink
 * message) is allowed, and there is nothing to cancel per context. It runs
 * only when a context is due (credssp_expire_at(): by a new context's
 * deadline, an established one's expiry, and the earliest time the walk
 * below leaves), so 100 000 idle established contexts cost one walk a
 * minute, not one a second. Calls on a context check its times themselves,
 * so the work's granularity never lets an expired context be used.
 *
 * The work disarms itself before it walks: a context created or
 * established during the walk arms it again (credssp_expire_at() lowers
 * the time only), and the walk's own earliest time is added after it.
 */
void credssp_expire_work(struct work_struct *work)
{
	struct credssp_net *cn = container_of(to_delayed_work(work),
					      struct credssp_net, expire_work);
	unsigned long next = 0, due;
	bool any = false, due_set;
	struct credssp_ctx *ctx;
	unsigned long index;

	spin_lock(&cn->lock);
	cn->expire_armed = false;
	spin_unlock(&cn->lock);

	rcu_read_lock();
	xa_for_each(&cn->ctxs, index, ctx) {
		if (!refcount_inc_not_zero(&ctx->ref))
			continue;
		rcu_read_unlock();
		__credssp_ctx_check_time(ctx, &due, &due_set);
		if (due_set && (!any || time_before(due, next))) {
			next = due;
			any = true;
		}
		credssp_ctx_put(ctx);
		cond_resched();
		rcu_read_lock();
	}
	rcu_read_unlock();

	if (any)
		credssp_expire_at(cn, next);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_expire_work);

/**
 * credssp_ctx_timeout - the time a handshake starting now has
 * @timeout_ms: the caller's bound, or 0; it may shorten
 *	handshake_timeout_ms, never extend it
 *
 * Return: the time in jiffies; the deadline is jiffies plus that.
 */
unsigned long credssp_ctx_timeout(unsigned int timeout_ms)
{
	unsigned int ms = READ_ONCE(credssp_handshake_timeout_ms);

	if (timeout_ms && timeout_ms < ms)
		ms = timeout_ms;
	return msecs_to_jiffies(ms);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_ctx_timeout);

/* Why a call on @ctx, which is not in a live HANDSHAKE, fails. */
static u32 credssp_ctx_state_status(struct credssp_ctx *ctx)
{
	lockdep_assert_held(&ctx->lock);
	if (test_bit(CREDSSP_F_DEAD, &ctx->flags))
		return SEC_E_INVALID_HANDLE;
	if (ctx->state == CREDSSP_CTX_STATE_FAILED && ctx->timed_out)
		return SEC_E_CONTEXT_EXPIRED;
	return SEC_E_OUT_OF_SEQUENCE;
}

/**
 * credssp_ctx_in_handshake_locked - whether a context is live in HANDSHAKE
 * @ctx: the context, locked
 *
 * For helper.c, which links a step to the context under the same lock.
 *
 * Return: true if a step may run on it.
 */
bool credssp_ctx_in_handshake_locked(struct credssp_ctx *ctx)
{
	lockdep_assert_held(&ctx->lock);
	return !test_bit(CREDSSP_F_DEAD, &ctx->flags) &&
		ctx->state == CREDSSP_CTX_STATE_HANDSHAKE;
}

/**
 * credssp_ctx_status - why a call on a context cannot run a step now
 * @ctx: the context, referenced
 *
 * Return: SEC_E_OK in a live HANDSHAKE; otherwise SEC_E_INVALID_HANDLE
 * (deleted), SEC_E_CONTEXT_EXPIRED (failed by its deadline) or
 * SEC_E_OUT_OF_SEQUENCE.
 */
u32 credssp_ctx_status(struct credssp_ctx *ctx)
{
	u32 status = SEC_E_OK;

	spin_lock(&ctx->lock);
	if (!credssp_ctx_in_handshake_locked(ctx))
		status = credssp_ctx_state_status(ctx);
	spin_unlock(&ctx->lock);
	return status;
}

/**
 * credssp_ctx_step_begin - start an AcceptSecurityContext step
 * @ctx: the context, referenced, BUSY held by the caller
 * @input_len: the length of the call's input
 * @kept: receives the result a previous call kept (credssp_ctx_keep()),
 *	or NULL: the step then needs the helper
 * @why: the reason of a failure
 *
 * A step that needs the helper counts against max_handshake_steps; the one
 * past it fails the handshake.
 *
 * Return: SEC_E_OK, a status of credssp_ctx_status(),
 * SEC_E_INVALID_PARAMETER (a repeat after SEC_E_BUFFER_TOO_SMALL with
 * another input), or SEC_E_INVALID_TOKEN (too many steps; the context is
 * FAILED).
 */
u32 credssp_ctx_step_begin(struct credssp_ctx *ctx, u32 input_len,
			   struct credssp_result **kept,
			   enum credssp_reason *why)
{
	unsigned int max_steps = READ_ONCE(credssp_max_handshake_steps);
	u32 status = SEC_E_OK;

	*kept = NULL;
	spin_lock(&ctx->lock);
	if (!credssp_ctx_in_handshake_locked(ctx)) {
		status = credssp_ctx_state_status(ctx);
		*why = status == SEC_E_CONTEXT_EXPIRED ? CREDSSP_R_DEADLINE :
		       CREDSSP_R_NOT_IN_HANDSHAKE;
	} else if (ctx->kept && input_len != ctx->kept_input_len) {
		*why = CREDSSP_R_REPEAT_INPUT;
		status = SEC_E_INVALID_PARAMETER;
	} else if (ctx->kept) {
		*kept = ctx->kept;
		ctx->kept = NULL;
	} else if (max_steps && ctx->steps >= max_steps) {
		/* The bound on the helper's work for one handshake. */
		credssp_ctx_leave_handshake(ctx, CREDSSP_CTX_STATE_FAILED,
					    CREDSSP_OUTCOME_INVALID_TOKEN);
		*why = CREDSSP_R_TOO_MANY_STEPS;
		status = SEC_E_INVALID_TOKEN;
	} else {
		ctx->steps++;
	}
	spin_unlock(&ctx->lock);
	return status;
}

/**
 * credssp_ctx_keep - keep a result whose token did not fit
 * @ctx: the context, referenced, BUSY held
 * @res: the result; kept on SEC_E_OK, the caller's otherwise
 * @input_len: the input the repeat must bring again
 *
 * Return: SEC_E_OK, or a status of credssp_ctx_status().
 */
u32 credssp_ctx_keep(struct credssp_ctx *ctx, struct credssp_result *res,
		     u32 input_len)
{
	u32 status = SEC_E_OK;

	spin_lock(&ctx->lock);
	if (credssp_ctx_in_handshake_locked(ctx)) {
		ctx->kept = res;
		ctx->kept_input_len = input_len;
	} else {
		status = credssp_ctx_state_status(ctx);
	}
	spin_unlock(&ctx->lock);
	return status;
}

/**
 * credssp_ctx_set_package - record the inner package the helper chose
 * @ctx: the context, referenced
 * @package: CREDSSP_PACKAGE_*; 0 (not known yet) changes nothing
 */
void credssp_ctx_set_package(struct credssp_ctx *ctx, u32 package)
{
	if (!package)
		return;
	spin_lock(&ctx->lock);
	ctx->package = package;
	spin_unlock(&ctx->lock);
}

/**
 * credssp_ctx_step_apply - apply a step that succeeded
 * @ctx: the context, referenced, BUSY held
 * @resp: the result (SEC_I_CONTINUE_NEEDED or SEC_E_OK); on SEC_E_OK the
 *	context takes it and *@resp becomes NULL
 * @key: the delegated-credentials key made for a SEC_E_OK result, or NULL;
 *	taken with it
 * @expiry: the established context's expiry
 *
 * Return: SEC_E_OK if applied; otherwise a status of credssp_ctx_status()
 * and the caller keeps @resp and @key.
 */
u32 credssp_ctx_step_apply(struct credssp_ctx *ctx,
			   struct credssp_result **resp, struct key *key,
			   u64 expiry)
{
	struct credssp_result *res = *resp;
	u32 status = SEC_E_OK;
	bool arm = false;

	spin_lock(&ctx->lock);
	if (!credssp_ctx_in_handshake_locked(ctx)) {
		status = credssp_ctx_state_status(ctx);
		goto unlock;
	}
	if (res->package)
		ctx->package = res->package;
	if (res->status == SEC_E_OK) {
		ctx->expiry = expiry;
		ctx->res = res;
		ctx->key = key;
		if (key)
			ctx->key_creds_type = res->creds[1];
		ctx->creds_binding = res->creds_binding;
		*resp = NULL;
		credssp_ctx_leave_handshake(ctx, CREDSSP_CTX_STATE_ESTABLISHED,
					    CREDSSP_OUTCOME_OK);
		/* The helper dropped its engine context after SEC_E_OK. */
		clear_bit(CREDSSP_F_HELPER_STATE, &ctx->flags);
		arm = expiry != CREDSSP_TIME_NEVER;
	}
unlock:
	spin_unlock(&ctx->lock);
	if (arm)
		credssp_expire_at(ctx->cn, credssp_expiry_jiffies(expiry));
	return status;
}

/**
 * credssp_ctx_fail - end a context's handshake in FAILED
 * @ctx: the context, referenced
 * @outcome: how it ended, for the statistics
 *
 * A context no longer in HANDSHAKE is left alone.
 */
void credssp_ctx_fail(struct credssp_ctx *ctx, enum credssp_outcome outcome)
{
	spin_lock(&ctx->lock);
	credssp_ctx_leave_handshake(ctx, CREDSSP_CTX_STATE_FAILED, outcome);
	spin_unlock(&ctx->lock);
}

/**
 * credssp_ctx_step_queue - queue a step for the helper, linked to a context
 * @ctx: the context, referenced, BUSY held
 * @req: the step (credssp_helper_step_init())
 * @notify: see credssp_helper_queue()
 * @outcome: how the handshake ends if the step fails at once
 *
 * The step is linked as ctx->req under the context's lock, together with
 * the HELPER_STATE bit: whoever unlinks the context or fails it by its
 * deadline sees both and abandons the step, or sees neither and the step
 * finds the context dead here.
 *
 * Return: SEC_E_OK when queued, SEC_E_INVALID_HANDLE (the context is no
 * longer in its handshake), or a status of credssp_helper_queue().
 */
u32 credssp_ctx_step_queue(struct credssp_ctx *ctx,
			   struct credssp_helper_req *req, bool *notify,
			   enum credssp_outcome *outcome)
{
	u32 status;

	spin_lock(&ctx->lock);
	if (!credssp_ctx_in_handshake_locked(ctx)) {
		*outcome = CREDSSP_OUTCOME_ABANDONED;
		status = SEC_E_INVALID_HANDLE;
		goto unlock;
	}
	status = credssp_helper_queue(req, &ctx->helper_gen, notify, outcome);
	if (status)
		goto unlock;
	ctx->req = req;
	/* The helper may hold engine state from now on. */
	set_bit(CREDSSP_F_HELPER_STATE, &ctx->flags);
unlock:
	spin_unlock(&ctx->lock);
	return status;
}

/**
 * credssp_ctx_step_end - unlink a step that ended from its context
 * @ctx: the context
 * @req: the step, answered or given up (credssp_helper_wait())
 */
void credssp_ctx_step_end(struct credssp_ctx *ctx,
			  struct credssp_helper_req *req)
{
	spin_lock(&ctx->lock);
	ctx->req = NULL;
	if (req->unseen)
		clear_bit(CREDSSP_F_HELPER_STATE, &ctx->flags);
	spin_unlock(&ctx->lock);
}

/**
 * credssp_ctx_view - a consistent copy of what a context shows
 * @ctx: the context, referenced
 * @v: the copy
 * @principal: receives the authenticated principal ("" before), or NULL
 * @size: size of @principal
 *
 * No secret is copied: the principal, the TLS parameters, the state, the
 * times and the key's serial. The principal goes straight to where the
 * caller wants it, so that @v stays small enough for the stack.
 */
void credssp_ctx_view(struct credssp_ctx *ctx, struct credssp_ctx_view *v,
		      char *principal, size_t size)
{
	const struct credssp_result *res;
	bool past;

	memset(v, 0, sizeof(*v));
	if (principal && size)
		principal[0] = '\0';
	spin_lock(&ctx->lock);
	v->dead = test_bit(CREDSSP_F_DEAD, &ctx->flags);
	past = credssp_ctx_past_expiry_locked(ctx);
	v->state = past ? CREDSSP_CTX_STATE_EXPIRED : ctx->state;
	v->package = ctx->package;
	v->creds_binding = ctx->creds_binding;
	v->created = ctx->created;
	v->expiry = ctx->expiry;
	res = ctx->res;
	v->done = res && (ctx->state == CREDSSP_CTX_STATE_ESTABLISHED ||
			  ctx->state == CREDSSP_CTX_STATE_EXPIRED);
	if (v->done) {
		if (principal && size)
			strscpy(principal, res->principal, size);
		if (res->tls_cipher)
			strscpy(v->tls_cipher, res->tls_cipher,
				sizeof(v->tls_cipher));
		v->ret_flags = res->ret_flags;
		v->version = res->version;
		v->tls_version = res->tls_version;
		v->cipher = res->tx.cipher;
		if (res->creds && !past)
			v->creds_type = res->creds[1];
	}
	/*
	 * Kept after SECPKG_ATTR_CREDS took the payload: the key's type. Past
	 * the expiry it is a key being revoked, no longer the context's.
	 */
	if (ctx->key && !past) {
		v->key = key_serial(ctx->key);
		v->creds_type = ctx->key_creds_type;
	}
	spin_unlock(&ctx->lock);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_ctx_view);

/* Why the established context's result cannot be used now. */
static u32 credssp_ctx_established_status(struct credssp_ctx *ctx)
{
	lockdep_assert_held(&ctx->lock);
	if (test_bit(CREDSSP_F_DEAD, &ctx->flags))
		return SEC_E_INVALID_HANDLE;
	/* Past the expiry too: the caller's check of the time was a while ago. */
	if (ctx->state == CREDSSP_CTX_STATE_EXPIRED ||
	    credssp_ctx_past_expiry_locked(ctx))
		return SEC_E_CONTEXT_EXPIRED;
	if (ctx->state != CREDSSP_CTX_STATE_ESTABLISHED || !ctx->res)
		return SEC_E_OUT_OF_SEQUENCE;
	return SEC_E_OK;
}

/**
 * credssp_ctx_take_creds - hand over the delegated credentials, once
 * @ctx: the context, referenced
 * @data: the payload, the caller's to free with kfree_sensitive()
 * @len: its length
 * @binding: whom the credentials name (enum credssp_creds_binding)
 *
 * The context forgets the payload; its key (if any) lives on.
 *
 * Return: SEC_E_OK, SEC_E_NO_CREDENTIALS (nothing delegated, or taken
 * already), SEC_E_INVALID_HANDLE, SEC_E_CONTEXT_EXPIRED or
 * SEC_E_OUT_OF_SEQUENCE.
 */
u32 credssp_ctx_take_creds(struct credssp_ctx *ctx, void **data, u32 *len,
			   u32 *binding)
{
	u32 status;

	*data = NULL;
	*len = 0;
	*binding = CREDSSP_CREDS_BINDING_NONE;
	spin_lock(&ctx->lock);
	status = credssp_ctx_established_status(ctx);
	if (status)
		goto unlock;
	if (!ctx->res->creds) {
		status = SEC_E_NO_CREDENTIALS;
		goto unlock;
	}
	*data = ctx->res->creds;
	*len = ctx->res->creds_len;
	*binding = ctx->creds_binding;
	ctx->res->creds = NULL;
	ctx->res->creds_len = 0;
unlock:
	spin_unlock(&ctx->lock);
	return status;
}

/* Why the keys cannot be taken (ctx locked): 0, or an errno with @why. */
static int credssp_ctx_keys_status(struct credssp_ctx *ctx,
				   enum credssp_reason *why)
{
	switch (credssp_ctx_established_status(ctx)) {
	case SEC_E_OK:
		break;
	case SEC_E_INVALID_HANDLE:
		*why = CREDSSP_R_CTX_DELETED;
		return -ENOENT;
	case SEC_E_CONTEXT_EXPIRED:
		*why = CREDSSP_R_CTX_EXPIRED;
		return -EKEYEXPIRED;
	default:
		*why = CREDSSP_R_NOT_ESTABLISHED;
		return -EINVAL;
	}
	if (!ctx->res->has_keys) {
		*why = CREDSSP_R_KEYS_TAKEN;
		return -EALREADY;
	}
	return 0;
}

/* Apply the expiry, then lock: why the keys cannot be used, or 0. */
static int credssp_ctx_keys_lock(struct credssp_ctx *ctx,
				 enum credssp_reason *why)
	__acquires(&ctx->lock)
{
	credssp_ctx_check_time(ctx);
	spin_lock(&ctx->lock);
	return credssp_ctx_keys_status(ctx, why);
}

/**
 * credssp_ctx_keys_check - whether an established context has its keys
 * @ctx: the context, referenced
 * @why: the reason of a failure
 *
 * Applies the expiry first. Nothing is taken.
 *
 * Return: 0, -ENOENT (deleted), -EKEYEXPIRED, -EINVAL (not established) or
 * -EALREADY (the keys were taken).
 */
int credssp_ctx_keys_check(struct credssp_ctx *ctx, enum credssp_reason *why)
{
	int err;

	err = credssp_ctx_keys_lock(ctx, why);
	spin_unlock(&ctx->lock);
	return err;
}

/*
 * Wipe one direction's key material, and only that: the cipher and the
 * lengths are not secret, and SECPKG_ATTR_STREAM_SIZES and SIZES compute
 * the record overhead from the cipher (and res->tls_version, which is not
 * touched either) for as long as the context is established, kTLS or not.
 */
static void credssp_ctx_wipe_keys(struct credssp_tls_keys *k)
{
	memzero_explicit(k->key, sizeof(k->key));
	memzero_explicit(k->salt, sizeof(k->salt));
	memzero_explicit(k->iv, sizeof(k->iv));
	memzero_explicit(k->rec_seq, sizeof(k->rec_seq));
}

/**
 * credssp_ctx_take_keys - take an established context's TLS keys out
 * @ctx: the context, referenced
 * @tx: receives the transmit direction's keys
 * @rx: receives the receive direction's keys
 * @tls_version: receives the session's TLS version
 * @why: the reason of a failure
 *
 * The keys are wiped in the context: no other caller gets them until
 * credssp_ctx_return_keys() gives them back. The caller wipes its copies.
 *
 * Return: as credssp_ctx_keys_check().
 */
int credssp_ctx_take_keys(struct credssp_ctx *ctx, struct credssp_tls_keys *tx,
			  struct credssp_tls_keys *rx, u32 *tls_version,
			  enum credssp_reason *why)
{
	struct credssp_result *res;
	int err;

	err = credssp_ctx_keys_lock(ctx, why);
	if (err)
		goto unlock;
	res = ctx->res;
	*tls_version = res->tls_version;
	*tx = res->tx;
	*rx = res->rx;
	credssp_ctx_wipe_keys(&res->tx);
	credssp_ctx_wipe_keys(&res->rx);
	res->has_keys = false;
unlock:
	spin_unlock(&ctx->lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_ctx_take_keys);

/**
 * credssp_ctx_return_keys - give back keys that were not installed
 * @ctx: the context they were taken from
 * @tx: the transmit keys
 * @rx: the receive keys
 *
 * Only into the same context, still established and without keys; the
 * caller wipes its copies either way.
 */
void credssp_ctx_return_keys(struct credssp_ctx *ctx,
			     const struct credssp_tls_keys *tx,
			     const struct credssp_tls_keys *rx)
{
	spin_lock(&ctx->lock);
	if (!credssp_ctx_established_status(ctx) && !ctx->res->has_keys) {
		ctx->res->tx = *tx;
		ctx->res->rx = *rx;
		ctx->res->has_keys = true;
	}
	spin_unlock(&ctx->lock);
}

/* The all-ones sequence number is never used: it could not advance. */
static bool credssp_ctx_seq_last(const u8 *seq)
{
	return !memchr_inv(seq, 0xff, 8);
}

/**
 * credssp_ctx_record_keys - the keys of one record, for record.c
 * @ctx: the context, referenced
 * @tx: the transmit direction (ENCRYPT), else the receive one (DECRYPT)
 * @k: receives the direction's keys, with the sequence number (and for a
 *	TLS 1.2 AES-GCM transmit key, the explicit nonce) of the record
 * @tls_version: receives the session's TLS version
 * @why: the reason of a failure
 *
 * Transmit: the sequence number (and explicit nonce) is taken, advanced
 * in the context at once, so that no two records ever share a nonce, even
 * one that fails or is never sent. Receive: nothing changes until the
 * record authenticates (credssp_ctx_record_done()). Either way a later
 * KTLS_ATTACH takes the numbers as they then are.
 *
 * Return: as credssp_ctx_keys_check(), or -EOVERFLOW (no sequence number
 * left).
 */
int credssp_ctx_record_keys(struct credssp_ctx *ctx, bool tx,
			    struct credssp_tls_keys *k, u32 *tls_version,
			    enum credssp_reason *why)
{
	struct credssp_tls_keys *d;
	int err;

	err = credssp_ctx_keys_lock(ctx, why);
	if (err)
		goto unlock;
	d = tx ? &ctx->res->tx : &ctx->res->rx;
	if (credssp_ctx_seq_last(d->rec_seq)) {
		*why = CREDSSP_R_REC_SEQ_END;
		err = -EOVERFLOW;
		goto unlock;
	}
	*k = *d;
	*tls_version = ctx->res->tls_version;
	if (tx) {
		credssp_seq_inc(d->rec_seq, sizeof(d->rec_seq));
		if (ctx->res->tls_version == TLS_1_2_VERSION &&
		    d->cipher != TLS_CIPHER_CHACHA20_POLY1305)
			credssp_seq_inc(d->iv, 8);
	}
unlock:
	spin_unlock(&ctx->lock);
	return err;
}

/**
 * credssp_ctx_record_done - a received record authenticated: advance
 * @ctx: the context
 * @rec_seq: the sequence number it was opened with
 * @why: the reason of a failure
 *
 * Only if the receive sequence number is still @rec_seq: of two calls that
 * opened the same record, one succeeds (no replay through a race).
 *
 * Return: 0, or -EAGAIN (another call took that number, or KTLS_ATTACH took
 * the keys) with @why set.
 */
int credssp_ctx_record_done(struct credssp_ctx *ctx, const u8 *rec_seq,
			    enum credssp_reason *why)
{
	struct credssp_tls_keys *d;
	int err = -EAGAIN;

	spin_lock(&ctx->lock);
	if (credssp_ctx_established_status(ctx) || !ctx->res->has_keys)
		goto unlock;
	d = &ctx->res->rx;
	if (memcmp(d->rec_seq, rec_seq, sizeof(d->rec_seq)))
		goto unlock;
	credssp_seq_inc(d->rec_seq, sizeof(d->rec_seq));
	err = 0;
unlock:
	spin_unlock(&ctx->lock);
	if (err)
		*why = CREDSSP_R_REC_RACE;
	return err;
}

/**
 * credssp_ctx_key - the delegated-credentials key of a context
 * @ctx: a context handle of an in-kernel consumer
 *
 * The key's payload is a struct user_key_payload (<keys/user-type.h>)
 * holding the version 1 delegated credentials payload of
 * <uapi/linux/credssp.h>; read it under down_read(&key->sem) with
 * user_key_payload_locked(), or under RCU with user_key_payload_rcu(), after
 * key_validate(). The key lives until the context is deleted, expires, or
 * its owner goes away: it is then revoked (the payload is wiped, readers see
 * NULL), invalidated (key_validate() fails) and unlinked, and freed once the
 * last reference is dropped. SECPKG_ATTR_CREDS does not end it.
 *
 * Context: any context that may take a spinlock.
 * Return: a reference to the key (release it with key_put()), or NULL if
 * the client delegated nothing (restricted admin), the context is not
 * established, or it already ended (also when its expiry has come and the
 * expiry work has not yet made it EXPIRED).
 */
struct key *credssp_ctx_key(struct credssp_ctx *ctx)
{
	struct key *key = NULL;

	if (!ctx)
		return NULL;
	spin_lock(&ctx->lock);
	if (ctx->key && credssp_ctx_established_status(ctx) == SEC_E_OK)
		key = key_get(ctx->key);
	spin_unlock(&ctx->lock);
	return key;
}
EXPORT_SYMBOL_GPL(credssp_ctx_key);
