// SPDX-License-Identifier: GPL-2.0
/*
 * The "credssp" generic netlink family. The ABI is documented at the top of
 * include/uapi/linux/credssp.h (uapi/linux/credssp.h in this tree).
 *
 * The family is netnsok and parallel_ops: every command acts on the sender's
 * network namespace, and no command runs under the global genl mutex, so a
 * command that waits for the helper can never keep the helper's own reply
 * from being processed.
 */

#include <linux/key.h>
#include <net/genetlink.h>
#include <kunit/visibility.h>
#include <uapi/linux/credssp.h>

#include "credssp.h"

VISIBLE_IF_KUNIT struct genl_family credssp_genl_family;

/**
 * credssp_nl_fill_status - write a CREDSSP_CMD_GET_STATUS reply
 * @skb: message to fill
 * @portid: netlink port of the requester
 * @seq: sequence number of the request
 *
 * Return: 0 on success, -EMSGSIZE if @skb has no room for the reply.
 */
int credssp_nl_fill_status(struct sk_buff *skb, u32 portid, u32 seq)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &credssp_genl_family, 0,
			  CREDSSP_CMD_GET_STATUS);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_s32(skb, CREDSSP_A_STATUS_KEYRING,
			key_serial(credssp_keyring()))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_nl_fill_status);

static int credssp_nl_get_status_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	err = credssp_nl_fill_status(msg, info->snd_portid, info->snd_seq);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static const struct genl_ops credssp_genl_ops[] = {
	{
		/* No policy: strict validation rejects every attribute. */
		.cmd = CREDSSP_CMD_GET_STATUS,
		.doit = credssp_nl_get_status_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

VISIBLE_IF_KUNIT struct genl_family credssp_genl_family __ro_after_init = {
	.name = CREDSSP_GENL_NAME,
	.version = CREDSSP_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = credssp_genl_ops,
	.n_ops = ARRAY_SIZE(credssp_genl_ops),
	.resv_start_op = 0,	/* every command is strictly validated */
	.netnsok = true,
	.parallel_ops = true,
};
EXPORT_SYMBOL_IF_KUNIT(credssp_genl_family);

/**
 * credssp_genl_init - register the "credssp" family
 *
 * Return: 0 on success, or a negative errno from genl_register_family().
 */
int credssp_genl_init(void)
{
	return genl_register_family(&credssp_genl_family);
}

/**
 * credssp_genl_exit - unregister the "credssp" family
 */
void credssp_genl_exit(void)
{
	genl_unregister_family(&credssp_genl_family);
}
