// SPDX-License-Identifier: GPL-2.0
/*
 * The module's state in each network namespace (struct credssp_net): its
 * set-up and tear-down with the namespace and with the module, and the end
 * of everything a netlink socket owned when it closes.
 */

#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <kunit/visibility.h>

#include "credssp.h"

static unsigned int credssp_net_id __read_mostly;
/*
 * True from the return of register_pernet_subsys() until just before
 * unregister_pernet_subsys(). register_pernet_subsys() stores
 * credssp_net_id before it has set the state up in any netns (it then
 * walks them one by one, and net_generic() has no bounds check), and on a
 * reload the old id points at the previous load's freed state: until this
 * is set, credssp_pernet() must not read net_generic() at all. Nothing that
 * calls credssp_pernet() is registered before the pernet operations
 * (credssp_pernet_init(), main.c), so this is a second line of defence, and
 * the one that covers in-kernel callers.
 */
static bool credssp_pernet_ready;
static DEFINE_MUTEX(credssp_nets_lock);
static LIST_HEAD(credssp_nets);

/**
 * credssp_pernet - the module's state in a network namespace
 * @net: the namespace
 *
 * Return: the state, or NULL while the module is not (or no longer) set up
 * in @net.
 */
struct credssp_net *credssp_pernet(const struct net *net)
{
	struct credssp_net *cn;

	/* Pairs with the smp_store_release() in credssp_pernet_init(). */
	if (!smp_load_acquire(&credssp_pernet_ready))
		return NULL;
	cn = net_generic(net, credssp_net_id);
	/* Published last by credssp_net_init(). */
	if (!cn || !smp_load_acquire(&cn->net))
		return NULL;
	return cn;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_pernet);

/* Unlink every object of @cn whose owner passes @match. */
static void credssp_unlink_all(struct credssp_net *cn,
			       bool (*match)(const struct credssp_caller *,
					     u32),
			       u32 portid)
{
	struct credssp_cred *cred;
	struct credssp_ctx *ctx;
	unsigned long index;

	rcu_read_lock();
	xa_for_each(&cn->ctxs, index, ctx) {
		if (!match(&ctx->oid, portid) ||
		    !refcount_inc_not_zero(&ctx->ref))
			continue;
		rcu_read_unlock();
		credssp_ctx_unlink(ctx);
		credssp_ctx_put(ctx);
		rcu_read_lock();
	}
	xa_for_each(&cn->creds, index, cred) {
		if (!match(&cred->oid, portid) ||
		    !refcount_inc_not_zero(&cred->ref))
			continue;
		rcu_read_unlock();
		credssp_cred_unlink(cred);
		credssp_cred_put(cred);
		rcu_read_lock();
	}
	rcu_read_unlock();
}

static bool credssp_match_portid(const struct credssp_caller *oid, u32 portid)
{
	return oid->sk && oid->portid == portid;
}

static bool credssp_match_all(const struct credssp_caller *oid, u32 portid)
{
	return true;
}

/*
 * A netlink socket closed. The notification carries (net, portid) only; any
 * handle of a socket with that portid in this netns is deleted. (A socket
 * that bound the same portid in the window before this notifier, see
 * credssp_owner_match(), may lose handles it made in that window too: it
 * gets SEC_E_INVALID_HANDLE for them, never another socket's objects.)
 */
static int credssp_netlink_notify(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct credssp_owner *o;
	struct credssp_net *cn;
	bool found = false;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !n->portid)
		return NOTIFY_DONE;
	cn = credssp_pernet(n->net);
	if (!cn)
		return NOTIFY_DONE;

	credssp_helper_release(cn, n->portid);
	credssp_call_release(cn, n->portid);

	spin_lock(&cn->lock);
	list_for_each_entry(o, &cn->owners, node)
		if (o->id.portid == n->portid)
			found = true;
	spin_unlock(&cn->lock);
	if (found)
		credssp_unlink_all(cn, credssp_match_portid, n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block credssp_netlink_notifier = {
	.notifier_call = credssp_netlink_notify,
};

static int __net_init credssp_net_init(struct net *net)
{
	struct credssp_net *cn = net_generic(net, credssp_net_id);

	spin_lock_init(&cn->lock);
	xa_init_flags(&cn->creds, XA_FLAGS_ALLOC1);
	xa_init_flags(&cn->ctxs, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&cn->owners);
	INIT_LIST_HEAD(&cn->queue);
	INIT_LIST_HEAD(&cn->reqs);
	INIT_LIST_HEAD(&cn->calls);
	INIT_LIST_HEAD(&cn->kernel.node);
	INIT_DELAYED_WORK(&cn->expire_work, credssp_expire_work);
	mutex_lock(&credssp_nets_lock);
	list_add(&cn->all, &credssp_nets);
	mutex_unlock(&credssp_nets_lock);
	/* Last: credssp_pernet() sees the state once this is set. */
	smp_store_release(&cn->net, net);
	return 0;
}

static void credssp_net_shutdown(struct credssp_net *cn)
{
	spin_lock(&cn->lock);
	cn->dying = true;
	spin_unlock(&cn->lock);
	credssp_helper_fail_all(cn);
}

static void __net_exit credssp_net_exit(struct net *net)
{
	struct credssp_net *cn = net_generic(net, credssp_net_id);

	credssp_net_shutdown(cn);
	cancel_delayed_work_sync(&cn->expire_work);
	credssp_unlink_all(cn, credssp_match_all, 0);
	/* A last put from a waiter may have re-armed nothing: dying is set. */
	cancel_delayed_work_sync(&cn->expire_work);
	WARN_ON(!list_empty(&cn->owners));
	WARN_ON(!list_empty(&cn->queue));
	WARN_ON(!list_empty(&cn->reqs));
	/* Each call holds a reference on the netns. */
	WARN_ON(!list_empty(&cn->calls));
	xa_destroy(&cn->creds);
	xa_destroy(&cn->ctxs);
	mutex_lock(&credssp_nets_lock);
	list_del(&cn->all);
	mutex_unlock(&credssp_nets_lock);
}

static struct pernet_operations credssp_net_ops = {
	.init = credssp_net_init,
	.exit = credssp_net_exit,
	.id = &credssp_net_id,
	.size = sizeof(struct credssp_net),
};

/**
 * credssp_pernet_init - set up the per-netns state and the socket notifier
 *
 * ORDER: the per-netns state first, in every netns, and only then the
 * NETLINK_URELEASE notifier (and, in main.c, the genl family): those are
 * what call credssp_pernet(), and register_pernet_subsys() publishes
 * credssp_net_id before it has initialised a single netns. net/handshake
 * registers its pernet operations last, which is safe only because it is
 * built in; a module that is loaded while namespaces exist, or reloaded
 * (the id comes back, pointing at the freed state of the last load), is not.
 *
 * Return: 0 on success, or a negative errno.
 */
int credssp_pernet_init(void)
{
	int err;

	err = register_pernet_subsys(&credssp_net_ops);
	if (err) {
		/*
		 * The id is freed but still stored: clear it, and nothing
		 * reads it anyway while credssp_pernet_ready is false.
		 */
		credssp_net_id = 0;
		return err;
	}
	/* Every netns has its state now, new ones get it at creation. */
	smp_store_release(&credssp_pernet_ready, true);
	err = netlink_register_notifier(&credssp_netlink_notifier);
	if (err) {
		WRITE_ONCE(credssp_pernet_ready, false);
		unregister_pernet_subsys(&credssp_net_ops);
	}
	return err;
}

/**
 * credssp_pernet_shutdown - fail every helper call in every netns
 *
 * Called on module unload before the family goes, so that no command is
 * left waiting for a helper while genl_unregister_family() waits for it.
 */
void credssp_pernet_shutdown(void)
{
	struct credssp_net *cn;

	mutex_lock(&credssp_nets_lock);
	list_for_each_entry(cn, &credssp_nets, all)
		credssp_net_shutdown(cn);
	mutex_unlock(&credssp_nets_lock);
}

/**
 * credssp_pernet_exit - delete every object of every netns
 */
void credssp_pernet_exit(void)
{
	/*
	 * The notifier first: it must not run on state being freed (the genl
	 * family, the other caller of credssp_pernet(), is gone already).
	 * Unregistering waits for a notifier call in progress.
	 */
	netlink_unregister_notifier(&credssp_netlink_notifier);
	WRITE_ONCE(credssp_pernet_ready, false);
	unregister_pernet_subsys(&credssp_net_ops);
	rcu_barrier();
}
