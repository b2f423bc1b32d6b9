// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/credssp.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/credssp.h>

/* Common nested types */
const struct nla_policy credssp_grant_nl_policy[CREDSSP_A_G_GID + 1] = {
	[CREDSSP_A_G_NAME] = { .type = NLA_NUL_STRING, .len = CREDSSP_CRED_NAME_MAX, },
	[CREDSSP_A_G_UID] = { .type = NLA_U32, },
	[CREDSSP_A_G_GID] = { .type = NLA_U32, },
};

const struct nla_policy credssp_keys_nl_policy[CREDSSP_A_K_REC_SEQ + 1] = {
	[CREDSSP_A_K_CIPHER] = { .type = NLA_U32, },
	[CREDSSP_A_K_KEY] = { .type = NLA_BINARY, },
	[CREDSSP_A_K_SALT] = { .type = NLA_BINARY, },
	[CREDSSP_A_K_IV] = { .type = NLA_BINARY, },
	[CREDSSP_A_K_REC_SEQ] = { .type = NLA_BINARY, },
};

/* CREDSSP_CMD_ACQUIRE_CRED - do */
static const struct nla_policy credssp_acquire_cred_nl_policy[CREDSSP_A_PRINCIPAL + 1] = {
	[CREDSSP_A_PACKAGE] = { .type = NLA_NUL_STRING, .len = CREDSSP_PACKAGE_NAME_MAX, },
	[CREDSSP_A_CRED_USE] = { .type = NLA_U32, },
	[CREDSSP_A_PRINCIPAL] = { .type = NLA_NUL_STRING, .len = CREDSSP_PRINCIPAL_MAX, },
};

/* CREDSSP_CMD_FREE_CRED - do */
static const struct nla_policy credssp_free_cred_nl_policy[CREDSSP_A_CRED_ID + 1] = {
	[CREDSSP_A_CRED_ID] = { .type = NLA_U64, },
};

/* CREDSSP_CMD_ACCEPT - do */
static const struct nla_policy credssp_accept_nl_policy[CREDSSP_A_OPTIONS + 1] = {
	[CREDSSP_A_CRED_ID] = { .type = NLA_U64, },
	[CREDSSP_A_CTX_ID] = { .type = NLA_U64, },
	[CREDSSP_A_REQ_FLAGS] = { .type = NLA_U32, },
	[CREDSSP_A_DATA_REP] = { .type = NLA_U32, },
	[CREDSSP_A_INPUT] = { .type = NLA_BINARY, },
	[CREDSSP_A_OUTPUT_SIZE] = { .type = NLA_U32, },
	[CREDSSP_A_OPTIONS] = { .type = NLA_U32, },
};

/* CREDSSP_CMD_DELETE_CTX - do */
static const struct nla_policy credssp_delete_ctx_nl_policy[CREDSSP_A_CTX_ID + 1] = {
	[CREDSSP_A_CTX_ID] = { .type = NLA_U64, },
};

/* CREDSSP_CMD_QUERY_CTX - do */
static const struct nla_policy credssp_query_ctx_nl_policy[CREDSSP_A_QUERY_ATTR + 1] = {
	[CREDSSP_A_CTX_ID] = { .type = NLA_U64, },
	[CREDSSP_A_QUERY_ATTR] = { .type = NLA_U32, },
};

/* CREDSSP_CMD_GET_CTX - do */
static const struct nla_policy credssp_get_ctx_nl_policy[CREDSSP_A_CI_ID + 1] = {
	[CREDSSP_A_CI_ID] = { .type = NLA_U64, },
};

/* CREDSSP_CMD_HELPER_REGISTER - do */
static const struct nla_policy credssp_helper_register_nl_policy[CREDSSP_A_H_GRANT + 1] = {
	[CREDSSP_A_H_VERSION] = { .type = NLA_U32, },
	[CREDSSP_A_H_GRANT] = NLA_POLICY_NESTED(credssp_grant_nl_policy),
};

/* CREDSSP_CMD_HELPER_DONE - do */
static const struct nla_policy credssp_helper_done_nl_policy[CREDSSP_A_H_CREDS_BINDING + 1] = {
	[CREDSSP_A_H_REQ_ID] = { .type = NLA_U64, },
	[CREDSSP_A_H_SEC_STATUS] = { .type = NLA_U32, },
	[CREDSSP_A_H_OUTPUT] = { .type = NLA_BINARY, },
	[CREDSSP_A_H_CONSUMED] = { .type = NLA_U32, },
	[CREDSSP_A_H_RET_FLAGS] = { .type = NLA_U32, },
	[CREDSSP_A_H_EXPIRY] = { .type = NLA_U64, },
	[CREDSSP_A_H_PACKAGE] = { .type = NLA_U32, },
	[CREDSSP_A_H_SPNEGO] = { .type = NLA_FLAG, },
	[CREDSSP_A_H_PRINCIPAL] = { .type = NLA_BINARY, },
	[CREDSSP_A_H_VERSION_NEGOTIATED] = { .type = NLA_U32, },
	[CREDSSP_A_H_PEER_VERSION] = { .type = NLA_U32, },
	[CREDSSP_A_H_TLS_VERSION] = { .type = NLA_U32, },
	[CREDSSP_A_H_TLS_CIPHER] = { .type = NLA_BINARY, },
	[CREDSSP_A_H_CREDS] = { .type = NLA_BINARY, },
	[CREDSSP_A_H_KEYS_TX] = NLA_POLICY_NESTED(credssp_keys_nl_policy),
	[CREDSSP_A_H_KEYS_RX] = NLA_POLICY_NESTED(credssp_keys_nl_policy),
	[CREDSSP_A_H_CREDS_BINDING] = NLA_POLICY_MAX(NLA_U32, 3),
};

/* CREDSSP_CMD_KTLS_ATTACH - do */
static const struct nla_policy credssp_ktls_attach_nl_policy[CREDSSP_A_SOCK_FD + 1] = {
	[CREDSSP_A_CTX_ID] = { .type = NLA_U64, },
	[CREDSSP_A_SOCK_FD] = { .type = NLA_U32, },
};

/* CREDSSP_CMD_ACCEPT_SOCKET - do */
static const struct nla_policy credssp_accept_socket_nl_policy[CREDSSP_A_TIMEOUT_MS + 1] = {
	[CREDSSP_A_CRED_ID] = { .type = NLA_U64, },
	[CREDSSP_A_SOCK_FD] = { .type = NLA_U32, },
	[CREDSSP_A_REQ_FLAGS] = { .type = NLA_U32, },
	[CREDSSP_A_OPTIONS] = { .type = NLA_U32, },
	[CREDSSP_A_TIMEOUT_MS] = { .type = NLA_U32, },
};

/* CREDSSP_CMD_CANCEL - do */
static const struct nla_policy credssp_cancel_nl_policy[CREDSSP_A_SEQ + 1] = {
	[CREDSSP_A_SEQ] = { .type = NLA_U32, },
};

/* CREDSSP_CMD_ENCRYPT - do */
static const struct nla_policy credssp_encrypt_nl_policy[CREDSSP_A_INPUT + 1] = {
	[CREDSSP_A_CTX_ID] = { .type = NLA_U64, },
	[CREDSSP_A_INPUT] = { .type = NLA_BINARY, },
};

/* CREDSSP_CMD_DECRYPT - do */
static const struct nla_policy credssp_decrypt_nl_policy[CREDSSP_A_INPUT + 1] = {
	[CREDSSP_A_CTX_ID] = { .type = NLA_U64, },
	[CREDSSP_A_INPUT] = { .type = NLA_BINARY, },
};

/* Ops table for credssp */
static const struct genl_split_ops credssp_nl_ops[] = {
	{
		.cmd		= CREDSSP_CMD_GET_STATUS,
		.pre_doit	= credssp_nl_admin_pre_doit,
		.doit		= credssp_nl_get_status_doit,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_ACQUIRE_CRED,
		.pre_doit	= credssp_nl_pre_doit,
		.doit		= credssp_nl_acquire_cred_doit,
		.policy		= credssp_acquire_cred_nl_policy,
		.maxattr	= CREDSSP_A_PRINCIPAL,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_FREE_CRED,
		.pre_doit	= credssp_nl_pre_doit,
		.doit		= credssp_nl_free_cred_doit,
		.policy		= credssp_free_cred_nl_policy,
		.maxattr	= CREDSSP_A_CRED_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_ACCEPT,
		.pre_doit	= credssp_nl_pre_doit,
		.doit		= credssp_nl_accept_doit,
		.policy		= credssp_accept_nl_policy,
		.maxattr	= CREDSSP_A_OPTIONS,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_DELETE_CTX,
		.pre_doit	= credssp_nl_pre_doit,
		.doit		= credssp_nl_delete_ctx_doit,
		.policy		= credssp_delete_ctx_nl_policy,
		.maxattr	= CREDSSP_A_CTX_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_QUERY_CTX,
		.pre_doit	= credssp_nl_pre_doit,
		.doit		= credssp_nl_query_ctx_doit,
		.policy		= credssp_query_ctx_nl_policy,
		.maxattr	= CREDSSP_A_QUERY_ATTR,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_GET_CTX,
		.pre_doit	= credssp_nl_admin_pre_doit,
		.doit		= credssp_nl_get_ctx_doit,
		.policy		= credssp_get_ctx_nl_policy,
		.maxattr	= CREDSSP_A_CI_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= CREDSSP_CMD_GET_CTX,
		.start	= credssp_nl_dump_start,
		.dumpit	= credssp_nl_get_ctx_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= CREDSSP_CMD_HELPER_REGISTER,
		.doit		= credssp_nl_helper_register_doit,
		.policy		= credssp_helper_register_nl_policy,
		.maxattr	= CREDSSP_A_H_GRANT,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_HELPER_DONE,
		.doit		= credssp_nl_helper_done_doit,
		.policy		= credssp_helper_done_nl_policy,
		.maxattr	= CREDSSP_A_H_CREDS_BINDING,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_KTLS_ATTACH,
		.pre_doit	= credssp_nl_pre_doit,
		.doit		= credssp_nl_ktls_attach_doit,
		.policy		= credssp_ktls_attach_nl_policy,
		.maxattr	= CREDSSP_A_SOCK_FD,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_ACCEPT_SOCKET,
		.pre_doit	= credssp_nl_pre_doit,
		.doit		= credssp_nl_accept_socket_doit,
		.policy		= credssp_accept_socket_nl_policy,
		.maxattr	= CREDSSP_A_TIMEOUT_MS,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_CANCEL,
		.pre_doit	= credssp_nl_pre_doit,
		.doit		= credssp_nl_cancel_doit,
		.policy		= credssp_cancel_nl_policy,
		.maxattr	= CREDSSP_A_SEQ,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= CREDSSP_CMD_HELPER_NEXT,
		.doit	= credssp_nl_helper_next_doit,
		.flags	= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_ENCRYPT,
		.pre_doit	= credssp_nl_pre_doit,
		.doit		= credssp_nl_encrypt_doit,
		.policy		= credssp_encrypt_nl_policy,
		.maxattr	= CREDSSP_A_INPUT,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= CREDSSP_CMD_DECRYPT,
		.pre_doit	= credssp_nl_pre_doit,
		.doit		= credssp_nl_decrypt_doit,
		.policy		= credssp_decrypt_nl_policy,
		.maxattr	= CREDSSP_A_INPUT,
		.flags		= GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group credssp_nl_mcgrps[] = {
	[CREDSSP_NLGRP_HELPER] = { "helper", },
};

struct genl_family credssp_nl_family __ro_after_init = {
	.name		= CREDSSP_FAMILY_NAME,
	.version	= CREDSSP_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= credssp_nl_ops,
	.n_split_ops	= ARRAY_SIZE(credssp_nl_ops),
	.mcgrps		= credssp_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(credssp_nl_mcgrps),
};
