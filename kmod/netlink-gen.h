/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/credssp.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_CREDSSP_GEN_H
#define _LINUX_CREDSSP_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/credssp.h>

/* Common nested types */
extern const struct nla_policy credssp_grant_nl_policy[CREDSSP_A_G_GID + 1];
extern const struct nla_policy credssp_keys_nl_policy[CREDSSP_A_K_REC_SEQ + 1];

int credssp_nl_admin_pre_doit(const struct genl_split_ops *ops,
			      struct sk_buff *skb, struct genl_info *info);
int credssp_nl_pre_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
			struct genl_info *info);
int credssp_nl_dump_start(struct netlink_callback *cb);

int credssp_nl_get_status_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_acquire_cred_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_free_cred_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_accept_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_delete_ctx_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_query_ctx_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_get_ctx_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_get_ctx_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int credssp_nl_helper_register_doit(struct sk_buff *skb,
				    struct genl_info *info);
int credssp_nl_helper_done_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_ktls_attach_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_accept_socket_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_cancel_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_helper_next_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_encrypt_doit(struct sk_buff *skb, struct genl_info *info);
int credssp_nl_decrypt_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	CREDSSP_NLGRP_HELPER,
};

extern struct genl_family credssp_nl_family;

#endif /* _LINUX_CREDSSP_GEN_H */
