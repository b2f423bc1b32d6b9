// SPDX-License-Identifier: GPL-2.0
/*
 * Per-netns handle tables: credential and context objects, their owners,
 * limits and expiry. The per-netns state itself, and what happens when an
 * owner's socket closes, are net.c's.
 *
 * A handle is a u64: a random 32-bit generation in the high half and the
 * object's xarray index (xa_alloc_cyclic, never 0) in the low half. Both are
 * checked on lookup, so a stale handle does not reach a new object that got
 * the same slot. Objects are refcounted: the table holds one reference while
 * the object is linked, every caller working on it holds another (taken
 * under RCU with refcount_inc_not_zero). Unlinking (delete, owner gone,
 * netns exit) happens once (the DEAD bit), drops the table's reference and
 * wipes secrets at once; the memory goes after an RCU grace period.
 */

#include <linux/key.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <kunit/visibility.h>

#include "credssp.h"

unsigned int credssp_max_owner_contexts = 1024;
module_param_named(max_owner_contexts, credssp_max_owner_contexts, uint, 0644);
MODULE_PARM_DESC(max_owner_contexts, "Contexts per owner socket");
EXPORT_SYMBOL_IF_KUNIT(credssp_max_owner_contexts);

unsigned int credssp_max_net_contexts = 8192;
module_param_named(max_net_contexts, credssp_max_net_contexts, uint, 0644);
MODULE_PARM_DESC(max_net_contexts, "Contexts per network namespace");

unsigned int credssp_max_owner_creds = 64;
module_param_named(max_owner_creds, credssp_max_owner_creds, uint, 0644);
MODULE_PARM_DESC(max_owner_creds, "Credential handles per owner socket");

/*
 * A netns-wide cap on credentials, as max_net_contexts is for contexts:
 * without it a user-namespace root holds max_owner_creds credentials per
 * socket and opens as many sockets as its file limit allows. 1024 is 16
 * sockets at the per-socket default; an acceptor needs one credential.
 */
unsigned int credssp_max_net_creds = 1024;
module_param_named(max_net_creds, credssp_max_net_creds, uint, 0644);
MODULE_PARM_DESC(max_net_creds, "Credential handles per network namespace");

unsigned int credssp_helper_timeout_ms = 10000;
module_param_named(helper_timeout_ms, credssp_helper_timeout_ms, uint, 0644);
MODULE_PARM_DESC(helper_timeout_ms, "Time the helper has for one call (ms)");

unsigned int credssp_handshake_timeout_ms = 60000;
module_param_named(handshake_timeout_ms, credssp_handshake_timeout_ms, uint,
		   0644);
MODULE_PARM_DESC(handshake_timeout_ms,
		 "Time from the first ACCEPT to SEC_E_OK (ms)");

unsigned int credssp_max_lifetime = 36000;
module_param_named(max_lifetime, credssp_max_lifetime, uint, 0644);
MODULE_PARM_DESC(max_lifetime, "Seconds an established context lives");

/**
 * credssp_now - the current time for expiries
 *
 * Return: Unix seconds (CLOCK_REALTIME).
 */
u64 credssp_now(void)
{
	return ktime_get_real_seconds();
}

/**
 * credssp_handle_make - build a handle from a generation and an index
 * @gen: random generation of the object
 * @index: its xarray index, never 0
 *
 * Return: the u64 handle.
 */
u64 credssp_handle_make(u32 gen, u32 index)
{
	return (u64)gen << 32 | index;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_handle_make);

/**
 * credssp_handle_index - the xarray index of a handle
 * @id: the handle
 *
 * Return: its low 32 bits.
 */
u32 credssp_handle_index(u64 id)
{
	return lower_32_bits(id);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_handle_index);

/**
 * credssp_handle_gen - the generation of a handle
 * @id: the handle
 *
 * Return: its high 32 bits.
 */
u32 credssp_handle_gen(u64 id)
{
	return upper_32_bits(id);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_handle_gen);

/**
 * credssp_owner_match - whether a caller owns an object
 * @owner: the object's owner identity
 * @caller: the caller
 *
 * The sending socket closes a race that the portid alone leaves open:
 * netlink_release() frees the portid (netlink_remove()) before it runs the
 * NETLINK_URELEASE notifier that deletes the socket's handles, so a new
 * socket may bind the same portid in between and present the old socket's
 * handle ids. The old struct sock stays allocated until after the notifier
 * returns, so the new socket cannot have the same address: comparing the
 * pointer (never dereferencing it) tells the two apart.
 *
 * Return: true if @caller is @owner.
 */
bool credssp_owner_match(const struct credssp_caller *owner,
			 const struct credssp_caller *caller)
{
	return owner->portid == caller->portid && owner->sk == caller->sk;
}

static struct credssp_owner *credssp_owner_find(struct credssp_net *cn,
						const struct credssp_caller *c)
{
	struct credssp_owner *o;

	lockdep_assert_held(&cn->lock);
	if (!c->sk)
		return &cn->kernel;
	list_for_each_entry(o, &cn->owners, node)
		if (credssp_owner_match(&o->id, c))
			return o;
	return NULL;
}

static void credssp_owner_maybe_free(struct credssp_net *cn,
				     struct credssp_owner *o,
				     struct credssp_owner **to_free)
{
	lockdep_assert_held(&cn->lock);
	if (o == &cn->kernel || o->n_ctx || o->n_cred)
		return;
	list_del(&o->node);
	*to_free = o;
}

static void credssp_owner_free(struct credssp_owner *o)
{
	if (!o)
		return;
	put_pid(o->pid);
	kfree(o);
}

/*
 * Account one more object to @caller in @cn, creating the owner record if
 * needed. The netns limit (max_net_contexts, max_net_creds) applies to
 * every owner, the kernel's included; the per-owner limit to netlink
 * owners only (the kernel owner is bounded by the netns limit alone). An
 * owner without a record yet holds 0 objects and is checked like any other,
 * so a limit of 0 refuses its first object too. (Over netlink the owner of
 * a new context normally has a record already, for its credential; it has
 * none when that credential was freed by another thread in between.)
 *
 * The owner record is allocated with GFP_KERNEL_ACCOUNT: the caller
 * triggers it, so it is charged to the caller's memory cgroup.
 *
 * Return: the owner, or NULL (limit reached or netns dying).
 */
static struct credssp_owner *credssp_owner_charge(struct credssp_net *cn,
						  const struct credssp_caller *c,
						  bool ctx)
{
	struct credssp_owner *spare = NULL, *o;
	unsigned int net_limit, owner_limit, held;

	if (c->sk) {
		spare = kzalloc(sizeof(*spare), GFP_KERNEL_ACCOUNT);
		if (!spare)
			return NULL;
		spare->id = *c;
		spare->pid = get_pid(task_tgid(current));
	}

	spin_lock(&cn->lock);
	if (cn->dying)
		goto fail;
	o = credssp_owner_find(cn, c);
	if (ctx) {
		net_limit = READ_ONCE(credssp_max_net_contexts);
		owner_limit = READ_ONCE(credssp_max_owner_contexts);
		held = o ? o->n_ctx : 0;
		if (cn->n_ctx >= net_limit)
			goto fail;
	} else {
		net_limit = READ_ONCE(credssp_max_net_creds);
		owner_limit = READ_ONCE(credssp_max_owner_creds);
		held = o ? o->n_cred : 0;
		if (cn->n_cred >= net_limit)
			goto fail;
	}
	if (o != &cn->kernel && held >= owner_limit)
		goto fail;
	if (!o) {
		o = spare;
		spare = NULL;
		list_add(&o->node, &cn->owners);
	}
	if (ctx) {
		o->n_ctx++;
		cn->n_ctx++;
	} else {
		o->n_cred++;
		cn->n_cred++;
	}
	spin_unlock(&cn->lock);
	credssp_owner_free(spare);
	return o;

fail:
	spin_unlock(&cn->lock);
	credssp_owner_free(spare);
	return NULL;
}

static void credssp_owner_uncharge(struct credssp_net *cn,
				   struct credssp_owner *o, bool ctx)
{
	struct credssp_owner *to_free = NULL;

	spin_lock(&cn->lock);
	if (ctx) {
		o->n_ctx--;
		cn->n_ctx--;
	} else {
		o->n_cred--;
		cn->n_cred--;
	}
	credssp_owner_maybe_free(cn, o, &to_free);
	spin_unlock(&cn->lock);
	credssp_owner_free(to_free);
}

/**
 * credssp_result_free - wipe and free a helper result
 * @res: the result, or NULL
 */
void credssp_result_free(struct credssp_result *res)
{
	if (!res)
		return;
	kfree_sensitive(res->output);
	kfree_sensitive(res->creds);
	kfree_sensitive(res);	/* the keys */
}

/* Credentials */

static void credssp_cred_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct credssp_cred, rcu));
}

/**
 * credssp_cred_put - drop a reference to a credential
 * @cred: the credential, or NULL
 */
void credssp_cred_put(struct credssp_cred *cred)
{
	if (cred && refcount_dec_and_test(&cred->ref))
		call_rcu(&cred->rcu, credssp_cred_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_cred_put);

/**
 * credssp_cred_new - create a linked credential
 * @cn: the netns
 * @caller: its owner
 * @credp: the credential, with a reference for the caller besides the
 *	table's
 *
 * Return: SEC_E_OK, or SEC_E_INSUFFICIENT_MEMORY (limit or allocation).
 */
u32 credssp_cred_new(struct credssp_net *cn,
		     const struct credssp_caller *caller,
		     struct credssp_cred **credp)
{
	struct credssp_cred *cred;
	u32 index;
	int err;

	/* Caller-triggered: charged to its memory cgroup. */
	cred = kzalloc(sizeof(*cred), GFP_KERNEL_ACCOUNT);
	if (!cred)
		return SEC_E_INSUFFICIENT_MEMORY;
	cred->owner = credssp_owner_charge(cn, caller, false);
	if (!cred->owner) {
		kfree(cred);
		return SEC_E_INSUFFICIENT_MEMORY;
	}
	refcount_set(&cred->ref, 2);
	cred->cn = cn;
	cred->oid = *caller;
	cred->gen = get_random_u32();
	/* Reserve the slot (lookups see NULL), then publish the object. */
	err = xa_alloc_cyclic(&cn->creds, &index, NULL, xa_limit_32b,
			      &cn->next_cred, GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		credssp_owner_uncharge(cn, cred->owner, false);
		kfree(cred);
		return SEC_E_INSUFFICIENT_MEMORY;
	}
	cred->id = credssp_handle_make(cred->gen, index);
	xa_store(&cn->creds, index, cred, GFP_KERNEL);
	pr_debug("cred %llx created\n", cred->id);
	*credp = cred;
	return SEC_E_OK;
}

/**
 * credssp_cred_lookup - find a credential by handle
 * @cn: the netns
 * @id: the handle
 * @caller: who asks; NULL skips the owner check
 *
 * Return: the credential with a reference, or NULL (unknown, foreign or
 * deleted).
 */
struct credssp_cred *credssp_cred_lookup(struct credssp_net *cn, u64 id,
					 const struct credssp_caller *caller)
{
	struct credssp_cred *cred;

	rcu_read_lock();
	cred = xa_load(&cn->creds, credssp_handle_index(id));
	if (!cred || cred->gen != credssp_handle_gen(id) ||
	    test_bit(CREDSSP_F_DEAD, &cred->flags) ||
	    (caller && !credssp_owner_match(&cred->oid, caller)) ||
	    !refcount_inc_not_zero(&cred->ref))
		cred = NULL;
	rcu_read_unlock();
	return cred;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_cred_lookup);

/**
 * credssp_cred_unlink - remove a credential from its table
 * @cred: the credential
 *
 * Contexts made with it keep their own reference.
 *
 * Return: true if this call unlinked it, false if it already was.
 */
bool credssp_cred_unlink(struct credssp_cred *cred)
{
	struct credssp_net *cn = cred->cn;

	if (test_and_set_bit(CREDSSP_F_DEAD, &cred->flags))
		return false;
	xa_erase(&cn->creds, credssp_handle_index(cred->id));
	credssp_owner_uncharge(cn, cred->owner, false);
	pr_debug("cred %llx deleted\n", cred->id);
	credssp_cred_put(cred);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_cred_unlink);

/* Contexts */

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
 * @ctxp: the context, with a reference for the caller besides the table's,
 *	and CREDSSP_F_BUSY set for the caller
 *
 * Return: SEC_E_OK, or SEC_E_INSUFFICIENT_MEMORY (limit or allocation).
 */
u32 credssp_ctx_new(struct credssp_net *cn,
		    const struct credssp_caller *caller,
		    struct credssp_cred *cred, struct credssp_ctx **ctxp)
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
	ctx->created = credssp_now();
	ctx->deadline = jiffies +
		msecs_to_jiffies(READ_ONCE(credssp_handshake_timeout_ms));
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
	schedule_delayed_work(&cn->expire_work, HZ);
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

/**
 * credssp_ctx_leave_handshake - end a context's handshake
 * @ctx: the context, locked
 * @state: its new state
 * @outcome: how the handshake ended, for the statistics
 *
 * Counts the outcome once per context; a context not in HANDSHAKE is left
 * alone.
 */
void credssp_ctx_leave_handshake(struct credssp_ctx *ctx,
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
	bool changed = false, free_helper = false;
	struct key *key = NULL;

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
	} else if (ctx->state == CREDSSP_CTX_STATE_ESTABLISHED &&
		   ctx->expiry != CREDSSP_TIME_NEVER &&
		   credssp_now() >= ctx->expiry) {
		ctx->state = CREDSSP_CTX_STATE_EXPIRED;
		key = credssp_ctx_wipe_locked(ctx);
		changed = true;
	}
	spin_unlock(&ctx->lock);
	credssp_key_drop(key);
	if (free_helper &&
	    test_and_clear_bit(CREDSSP_F_HELPER_STATE, &ctx->flags))
		credssp_helper_free(ctx->cn, ctx->id, ctx->helper_gen);
	return changed;
}

/*
 * One delayed work per netns rather than a timer per context: the scan is
 * cheap at the limits (a few thousand contexts once a second), it runs in
 * process context where telling the helper (HOP_FREE, a GFP_KERNEL netlink
 * message) is allowed, and there is nothing to cancel per context. Calls on
 * a context check its times themselves, so the work's granularity never
 * lets an expired context be used.
 */
void credssp_expire_work(struct work_struct *work)
{
	struct credssp_net *cn = container_of(to_delayed_work(work),
					      struct credssp_net, expire_work);
	struct credssp_ctx *ctx;
	unsigned long index;
	bool again;

	rcu_read_lock();
	xa_for_each(&cn->ctxs, index, ctx) {
		if (!refcount_inc_not_zero(&ctx->ref))
			continue;
		rcu_read_unlock();
		credssp_ctx_check_time(ctx);
		credssp_ctx_put(ctx);
		cond_resched();
		rcu_read_lock();
	}
	rcu_read_unlock();

	spin_lock(&cn->lock);
	again = cn->n_ctx && !cn->dying;
	spin_unlock(&cn->lock);
	if (again)
		schedule_delayed_work(&cn->expire_work, HZ);
}
