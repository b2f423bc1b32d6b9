// SPDX-License-Identifier: GPL-2.0
/*
 * Named server credentials, and who may acquire them without CAP_NET_ADMIN.
 *
 * An admin names a server credential in credsspd.conf ([credential NAME]:
 * its certificate, key and the users and groups it is granted to). The
 * helper hands the set to the kernel when it registers (HELPER_REGISTER's
 * GRANT attributes); a registration that carries grants replaces the set
 * whole, and the set ends with the helper. An unprivileged process may
 * then reach the consumer commands only if some name is granted to it, and
 * ACQUIRE_CRED only for a name granted to it.
 *
 * Who "it" is: a task's fsuid, fsgid and supplementary groups, as the
 * kernel's file permission checks count them, and only for a task in the
 * user namespace that owns the network namespace: a process that made
 * itself a user namespace is nobody here, whatever ids it maps. The
 * netlink side (netlink.c) asks for both identities of a command, the
 * sending task and the opener of the sending socket, as
 * netlink_ns_capable() does for capabilities: a socket handed to a
 * granted setuid or setgid program does not make its opener granted. A
 * granted socket's handles are its own, as for every caller (table.c).
 *
 * The set is read under RCU and replaced under credssp_net.lock.
 */

#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <kunit/visibility.h>

#include "credssp.h"

/* One named credential: @ids holds @n_uids kuids, then @n_gids kgids. */
struct credssp_grant {
	char name[CREDSSP_CRED_NAME_MAX + 1];
	u16 n_uids;
	u16 n_gids;
	u32 ids[];
};

struct credssp_grants {
	struct rcu_head rcu;
	unsigned int n;
	struct credssp_grant *g[CREDSSP_GRANTS_MAX];
};

/**
 * credssp_cred_name_ok - whether @name is a credential name
 * @name: NUL-terminated
 *
 * Return: true for 1 to CREDSSP_CRED_NAME_MAX letters, digits, '.', '_'
 * and '-', not starting with '.' or '-'.
 */
bool credssp_cred_name_ok(const char *name)
{
	size_t i, n = strnlen(name, CREDSSP_CRED_NAME_MAX + 1);

	if (!n || n > CREDSSP_CRED_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum(name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_cred_name_ok);

/**
 * credssp_grants_free - free a set of grants (not published)
 * @gs: the set, or NULL
 */
void credssp_grants_free(struct credssp_grants *gs)
{
	unsigned int i;

	if (!gs)
		return;
	for (i = 0; i < gs->n; i++)
		kfree(gs->g[i]);
	kfree(gs);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_grants_free);

static void credssp_grants_free_rcu(struct rcu_head *head)
{
	credssp_grants_free(container_of(head, struct credssp_grants, rcu));
}

/* The grant named @name in @gs, or NULL. */
static const struct credssp_grant *
credssp_grant_find(const struct credssp_grants *gs, const char *name)
{
	unsigned int i;

	for (i = 0; gs && i < gs->n; i++)
		if (!strcmp(gs->g[i]->name, name))
			return gs->g[i];
	return NULL;
}

/* One GRANT nest, validated by its policy; appended to @gs. */
static int credssp_grant_parse_one(struct credssp_grants *gs,
				   const struct nlattr *nest,
				   struct netlink_ext_ack *extack)
{
	struct credssp_grant *g;
	const struct nlattr *a;
	unsigned int n = 0, u = 0, k = 0;
	int rem;

	nla_for_each_nested(a, nest, rem)
		if (nla_type(a) == CREDSSP_A_G_UID || nla_type(a) == CREDSSP_A_G_GID)
			n++;
	if (n > CREDSSP_GRANT_IDS_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "more ids than GRANT_IDS_MAX");
		return -E2BIG;
	}
	if (gs->n == CREDSSP_GRANTS_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "more grants than GRANTS_MAX");
		return -E2BIG;
	}
	g = kzalloc(struct_size(g, ids, n), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	gs->g[gs->n++] = g;	/* freed with @gs on failure */
	nla_for_each_nested(a, nest, rem)
		if (nla_type(a) == CREDSSP_A_G_UID)
			u++;
	nla_for_each_nested(a, nest, rem) {
		u32 id;

		switch (nla_type(a)) {
		case CREDSSP_A_G_NAME:
			nla_strscpy(g->name, a, sizeof(g->name));
			break;
		case CREDSSP_A_G_UID:
			id = __kuid_val(make_kuid(&init_user_ns, nla_get_u32(a)));
			if (id == (u32)-1)
				goto bad_id;
			g->ids[g->n_uids++] = id;
			break;
		case CREDSSP_A_G_GID:
			id = __kgid_val(make_kgid(&init_user_ns, nla_get_u32(a)));
			if (id == (u32)-1)
				goto bad_id;
			g->ids[u + k++] = id;
			g->n_gids = k;
			break;
		}
	}
	if (!credssp_cred_name_ok(g->name)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "grant without a valid NAME");
		return -EINVAL;
	}
	if (credssp_grant_find(gs, g->name) != g) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a NAME granted twice");
		return -EINVAL;
	}
	return 0;

bad_id:
	NL_SET_ERR_MSG_ATTR(extack, a, "not a valid id");
	return -EINVAL;
}

/**
 * credssp_grants_parse - the GRANT attributes of a HELPER_REGISTER
 * @nlh: the request
 * @hdrlen: the family header's length (GENL_HDRLEN)
 * @gsp: the new set, or NULL if the request has no GRANT
 * @extack: why it was refused
 *
 * Each GRANT was validated against its nested policy by genetlink; this
 * checks the rest: a valid name, given once, a known id, the limits.
 *
 * Return: 0 (*@gsp set, unpublished: the caller publishes or frees it),
 * -EINVAL, -E2BIG or -ENOMEM.
 */
int credssp_grants_parse(const struct nlmsghdr *nlh, int hdrlen,
			 struct credssp_grants **gsp,
			 struct netlink_ext_ack *extack)
{
	struct credssp_grants *gs = NULL;
	const struct nlattr *a;
	int rem, err = 0;

	*gsp = NULL;
	nlmsg_for_each_attr(a, nlh, hdrlen, rem) {
		if (nla_type(a) != CREDSSP_A_H_GRANT)
			continue;
		if (!gs) {
			gs = kzalloc(sizeof(*gs), GFP_KERNEL);
			if (!gs)
				return -ENOMEM;
		}
		err = credssp_grant_parse_one(gs, a, extack);
		if (err) {
			credssp_grants_free(gs);
			return err;
		}
	}
	*gsp = gs;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_grants_parse);

/**
 * credssp_grants_replace_locked - publish a new set of grants
 * @cn: the netns
 * @gs: the set (now the netns's), or NULL for none
 *
 * The old set is freed after a grace period.
 */
void credssp_grants_replace_locked(struct credssp_net *cn,
				   struct credssp_grants *gs)
{
	struct credssp_grants *old;

	lockdep_assert_held(&cn->lock);
	old = rcu_replace_pointer(cn->grants, gs, lockdep_is_held(&cn->lock));
	if (old)
		call_rcu(&old->rcu, credssp_grants_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_grants_replace_locked);

/* @gid is @cred's fsgid or one of its supplementary groups. */
static bool credssp_cred_in_group(const struct cred *cred, kgid_t gid)
{
	const struct group_info *gi = cred->group_info;
	int i;

	if (gid_eq(cred->fsgid, gid))
		return true;
	for (i = 0; gi && i < gi->ngroups; i++)
		if (gid_eq(gi->gid[i], gid))
			return true;
	return false;
}

/* Whether @g is granted to @cred (of the netns owner's user namespace). */
static bool credssp_grant_permits(const struct credssp_grant *g,
				  const struct cred *cred)
{
	unsigned int i;

	for (i = 0; i < g->n_uids; i++)
		if (uid_eq(cred->fsuid, KUIDT_INIT(g->ids[i])))
			return true;
	for (i = 0; i < g->n_gids; i++)
		if (credssp_cred_in_group(cred, KGIDT_INIT(g->ids[g->n_uids + i])))
			return true;
	return false;
}

/**
 * credssp_grant_check - may an identity acquire a named credential
 * @cn: the netns
 * @name: the credential's name, or NULL for any granted one
 * @cred: the identity (a task's or a socket opener's credentials); NULL
 *	asks only whether the helper serves @name
 *
 * Return: 0; -ENOENT if the helper serves no credential @name (or, for a
 * NULL @name, grants @cred none); -EACCES if @name is not granted to @cred.
 */
int credssp_grant_check(struct credssp_net *cn, const char *name,
			const struct cred *cred)
{
	const struct credssp_grants *gs;
	const struct credssp_grant *g;
	bool mine;
	unsigned int i;
	int err = -ENOENT;

	mine = cred && cred->user_ns == cn->net->user_ns;
	rcu_read_lock();
	gs = rcu_dereference(cn->grants);
	if (!name) {
		for (i = 0; mine && gs && i < gs->n && err; i++)
			if (credssp_grant_permits(gs->g[i], cred))
				err = 0;
	} else {
		g = credssp_grant_find(gs, name);
		if (g)
			err = !cred || (mine && credssp_grant_permits(g, cred)) ?
			      0 : -EACCES;
	}
	rcu_read_unlock();
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_grant_check);
