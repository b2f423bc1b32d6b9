// SPDX-License-Identifier: GPL-2.0
/*
 * The family on Linux 6.1 (genl-compat.h; Kbuild builds this file for 6.1
 * only): netlink-gen.c's split operations
 * become struct genl_ops, one per command (6.1 refuses two entries of one
 * command, so a command's do and dump halves are merged), and each
 * command's pre_doit is called by the family's.
 */

#include <linux/slab.h>
#include <net/genetlink.h>

#include "credssp.h"

static struct genl_ops credssp_compat_ops[CREDSSP_CMD_MAX];

static const struct genl_split_ops *credssp_compat_split(u8 cmd, u8 cap)
{
	unsigned int i;

	for (i = 0; i < credssp_nl_spec.n_split_ops; i++) {
		const struct genl_split_ops *s = &credssp_nl_spec.split_ops[i];

		if (s->cmd == cmd && (s->flags & cap))
			return s;
	}
	return NULL;
}

static int credssp_compat_pre_doit(const struct genl_ops *ops,
				   struct sk_buff *skb, struct genl_info *info)
{
	const struct genl_split_ops *s;

	s = credssp_compat_split(ops->cmd, GENL_CMD_CAP_DO);
	return s && s->pre_doit ? s->pre_doit(s, skb, info) : 0;
}

/**
 * credssp_genl_compat_init - make the 6.1 family from netlink-gen.c's
 *
 * Return: 0, or -E2BIG if the generated table has more commands than
 * CREDSSP_CMD_MAX (it cannot: both come from the spec).
 */
int credssp_genl_compat_init(void)
{
	struct genl_family *f = &credssp_nl_family;
	unsigned int i, j, n = 0;

	for (i = 0; i < credssp_nl_spec.n_split_ops; i++) {
		const struct genl_split_ops *s = &credssp_nl_spec.split_ops[i];
		struct genl_ops *o = NULL;

		for (j = 0; j < n; j++)
			if (credssp_compat_ops[j].cmd == s->cmd)
				o = &credssp_compat_ops[j];
		if (!o) {
			if (n == ARRAY_SIZE(credssp_compat_ops))
				return -E2BIG;
			o = &credssp_compat_ops[n++];
			o->cmd = s->cmd;
		}
		if (s->flags & GENL_CMD_CAP_DO) {
			o->doit = s->doit;
			o->policy = s->policy;
			o->maxattr = s->maxattr;
		}
		if (s->flags & GENL_CMD_CAP_DUMP) {
			o->start = s->start;
			o->dumpit = s->dumpit;
			o->done = s->done;
		}
		o->flags |= s->flags & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM);
	}
	strscpy(f->name, credssp_nl_spec.name, sizeof(f->name));
	f->version = credssp_nl_spec.version;
	f->netnsok = credssp_nl_spec.netnsok;
	f->parallel_ops = credssp_nl_spec.parallel_ops;
	f->module = credssp_nl_spec.module;
	f->mcgrps = credssp_nl_spec.mcgrps;
	f->n_mcgrps = credssp_nl_spec.n_mcgrps;
	f->ops = credssp_compat_ops;
	f->n_ops = n;
	f->pre_doit = credssp_compat_pre_doit;
	f->resv_start_op = 0;	/* every command strictly validated */
	return 0;
}

/* The family itself, filled in at load. */
struct genl_family credssp_nl_family;
