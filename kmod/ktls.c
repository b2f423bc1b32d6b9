// SPDX-License-Identifier: GPL-2.0
/*
 * kTLS: install an established context's TLS keys on the connection's
 * socket. Placeholder until the implementation lands (issue 5).
 */

#include <linux/errno.h>
#include <net/genetlink.h>
#include <net/credssp.h>

#include "credssp.h"

/**
 * credssp_ktls_attach - install a context's TLS keys on a socket (kTLS)
 * @ctx: an established context
 * @sock: the connected TCP socket its records travel on
 *
 * Return: 0, or a negative errno (see CREDSSP_CMD_KTLS_ATTACH).
 */
int credssp_ktls_attach(struct credssp_ctx *ctx, struct socket *sock)
{
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_GPL(credssp_ktls_attach);

int credssp_sock_check(struct socket *sock, struct net *net,
		       struct netlink_ext_ack *extack)
{
	return -EOPNOTSUPP;
}

const struct nla_policy credssp_ktls_attach_policy[CREDSSP_A_MAX + 1] = {
	[CREDSSP_A_CTX_ID] = { .type = NLA_U64 },
	[CREDSSP_A_SOCK_FD] = { .type = NLA_U32 },
};

int credssp_nl_ktls_attach_doit(struct sk_buff *skb, struct genl_info *info)
{
	return -EOPNOTSUPP;
}
