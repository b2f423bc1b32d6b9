// SPDX-License-Identifier: GPL-2.0
/*
 * Per-netns handle tables: handles, credential objects, the owners of
 * credentials and contexts, and their limits. Contexts themselves are
 * ctx.c's; the per-netns state, and what happens when an owner's socket
 * closes, are net.c's.
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

/*
 * Helper steps one handshake may take: the work a client can make the
 * helper do with one connection. A CredSSP handshake takes about 6 (TLS,
 * then the SPNEGO legs and authInfo), a few more when a large Kerberos
 * ticket spans several TLS records; without a bound a client sending a
 * 64 KiB TSRequest one byte per TLS record bought some 2900 round trips.
 */
unsigned int credssp_max_handshake_steps = 64;
module_param_named(max_handshake_steps, credssp_max_handshake_steps, uint,
		   0644);
MODULE_PARM_DESC(max_handshake_steps,
		 "Helper steps one handshake may take (0: no limit)");

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

/**
 * credssp_owner_known - whether a socket owns handles in a netns
 * @cn: the netns
 * @c: the socket
 *
 * Return: true if @c holds a credential or a context of @cn.
 */
bool credssp_owner_known(struct credssp_net *cn, const struct credssp_caller *c)
{
	bool known;

	spin_lock(&cn->lock);
	known = c->sk && credssp_owner_find(cn, c);
	spin_unlock(&cn->lock);
	return known;
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
struct credssp_owner *credssp_owner_charge(struct credssp_net *cn,
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

void credssp_owner_uncharge(struct credssp_net *cn, struct credssp_owner *o,
			    bool ctx)
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
 * @name: the named credential (grant.c), or NULL for the default
 * @credp: the credential, with a reference for the caller besides the
 *	table's
 *
 * Return: SEC_E_OK, or SEC_E_INSUFFICIENT_MEMORY (limit or allocation).
 */
u32 credssp_cred_new(struct credssp_net *cn,
		     const struct credssp_caller *caller, const char *name,
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
	if (name)
		strscpy(cred->name, name, sizeof(cred->name));
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
