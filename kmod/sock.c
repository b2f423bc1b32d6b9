// SPDX-License-Identifier: GPL-2.0
/*
 * Socket mode: authenticate a connected TCP socket in the kernel, then
 * install kTLS on it. Placeholder until the implementation lands (issue 5).
 */

#include <linux/errno.h>
#include <net/genetlink.h>
#include <net/credssp.h>

#include "credssp.h"

/**
 * credssp_accept_sock - start a socket-mode accept
 * @args: the socket, credential, deadline and completion
 *
 * Return: 0 if @args->done will be called exactly once, or a negative errno
 * (and no callback).
 */
int credssp_accept_sock(const struct credssp_sock_args *args)
{
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_GPL(credssp_accept_sock);

/**
 * credssp_accept_sock_cancel - cancel a socket-mode accept
 * @sk: the socket passed to credssp_accept_sock()
 *
 * Return: true if the accept was cancelled and its callback will not run;
 * false if it already completed (the callback ran or is running).
 */
bool credssp_accept_sock_cancel(struct sock *sk)
{
	return false;
}
EXPORT_SYMBOL_GPL(credssp_accept_sock_cancel);

int credssp_sock_init(void)
{
	return 0;
}

void credssp_sock_exit(void)
{
}

const struct nla_policy credssp_accept_socket_policy[CREDSSP_A_MAX + 1] = {
	[CREDSSP_A_CRED_ID] = { .type = NLA_U64 },
	[CREDSSP_A_SOCK_FD] = { .type = NLA_U32 },
	[CREDSSP_A_REQ_FLAGS] = { .type = NLA_U32 },
	[CREDSSP_A_OPTIONS] = { .type = NLA_U32 },
	[CREDSSP_A_TIMEOUT_MS] = { .type = NLA_U32 },
};

int credssp_nl_accept_socket_doit(struct sk_buff *skb, struct genl_info *info)
{
	return -EOPNOTSUPP;
}
