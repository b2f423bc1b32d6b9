// SPDX-License-Identifier: GPL-2.0
/*
 * The "credssp" generic netlink family: its handlers. The contract is
 * Documentation/netlink/credssp.rst; the family, its policies and its
 * operations table are generated from Documentation/netlink/specs/credssp.yaml
 * into netlink-gen.c (scripts/ynl-gen.sh).
 *
 * The family is netnsok and parallel_ops: every command acts on the sender's
 * network namespace, and no handler waits: ACCEPT and ACCEPT_SOCKET queue
 * their call (call.c) and answer later.
 *
 * Every command is strictly validated, and this file only parses, checks
 * ownership and formats: the SSPI semantics are in sspi.c, shared with the
 * in-kernel API.
 */

#include <linux/key.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <kunit/visibility.h>

#include "credssp.h"

struct credssp_net *credssp_info_net(struct genl_info *info)
{
	struct credssp_net *cn = credssp_pernet(genl_info_net(info));

	if (!cn)
		NL_SET_ERR_MSG(info->extack, "credssp not set up in this netns");
	return cn;
}

/*
 * A missing attribute: name it in the ACK (GENL_REQ_ATTR_CHECK) and say so
 * in words too. Return: whether it is missing.
 */
bool credssp_missing(struct genl_info *info, int attr, const char *text)
{
	if (!GENL_REQ_ATTR_CHECK(info, attr))
		return false;
	credssp_set_msg(info->extack, text);
	return true;
}

/* Start a reply carrying the SSPI status. */
struct sk_buff *credssp_reply_new(struct genl_info *info, size_t size,
				  u32 status, void **hdr)
{
	struct sk_buff *msg;

	msg = genlmsg_new(size + nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, &credssp_nl_family, 0,
				 info->genlhdr->cmd);
	if (!*hdr || nla_put_u32(msg, CREDSSP_A_SEC_STATUS, status)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int credssp_reply_send(struct sk_buff *msg, void *hdr, struct genl_info *info)
{
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* A reply with nothing but the status (and an extack message on failure). */
int credssp_reply_status(struct genl_info *info, u32 status,
			 const char *msg_text)
{
	struct sk_buff *msg;
	void *hdr;

	if (status != SEC_E_OK)
		credssp_set_msg(info->extack,
				msg_text ?: credssp_reason_text(CREDSSP_R_NONE,
								 status));
	msg = credssp_reply_new(info, 0, status, &hdr);
	if (!msg)
		return -ENOMEM;
	return credssp_reply_send(msg, hdr, info);
}

/* GET_STATUS */

/**
 * credssp_nl_fill_status - write a CREDSSP_CMD_GET_STATUS reply
 * @skb: message to fill
 * @net: the namespace described
 * @portid: netlink port of the requester
 * @seq: sequence number of the request
 *
 * Return: 0 on success, -EMSGSIZE if @skb has no room for the reply.
 */
int credssp_nl_fill_status(struct sk_buff *skb, struct net *net, u32 portid,
			   u32 seq)
{
	struct credssp_net *cn = credssp_pernet(net);
	unsigned int n_ctx = 0, n_cred = 0;
	bool helper = false;
	pid_t pid = 0;
	void *hdr;
	int o, p;

	hdr = genlmsg_put(skb, portid, seq, &credssp_nl_family, 0,
			  CREDSSP_CMD_GET_STATUS);
	if (!hdr)
		return -EMSGSIZE;

	if (cn) {
		helper = credssp_helper_present(cn, &pid);
		spin_lock(&cn->lock);
		n_ctx = cn->n_ctx;
		n_cred = cn->n_cred;
		spin_unlock(&cn->lock);
	}
	if (nla_put_s32(skb, CREDSSP_A_STATUS_KEYRING,
			key_serial(credssp_keyring())) ||
	    nla_put_u8(skb, CREDSSP_A_STATUS_HELPER, helper) ||
	    (helper && nla_put_u32(skb, CREDSSP_A_STATUS_HELPER_PID, pid)) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_CONTEXTS, n_ctx) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_CREDS, n_cred) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_LIMIT_OWNER_CONTEXTS,
			READ_ONCE(credssp_max_owner_contexts)) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_LIMIT_NET_CONTEXTS,
			READ_ONCE(credssp_max_net_contexts)) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_LIMIT_OWNER_CREDS,
			READ_ONCE(credssp_max_owner_creds)) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_HELPER_TIMEOUT_MS,
			READ_ONCE(credssp_helper_timeout_ms)) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_HANDSHAKE_TIMEOUT_MS,
			READ_ONCE(credssp_handshake_timeout_ms)) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_MAX_LIFETIME,
			READ_ONCE(credssp_max_lifetime)) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_TOKEN_MAX, CREDSSP_TOKEN_MAX) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_LIMIT_NET_CREDS,
			READ_ONCE(credssp_max_net_creds)) ||
	    nla_put_u32(skb, CREDSSP_A_STATUS_MAX_HANDSHAKE_STEPS,
			READ_ONCE(credssp_max_handshake_steps)))
		goto cancel;

	for (o = 1; cn && o < CREDSSP_NR_OUTCOMES; o++) {
		for (p = 0; p < CREDSSP_NR_PACKAGES; p++) {
			u64 count = atomic64_read(&cn->stats[o][p]);
			struct nlattr *nest;

			if (!count)
				continue;
			nest = nla_nest_start(skb, CREDSSP_A_STATUS_STAT);
			if (!nest ||
			    nla_put_u32(skb, CREDSSP_A_STAT_OUTCOME, o) ||
			    nla_put_u32(skb, CREDSSP_A_STAT_PACKAGE, p) ||
			    nla_put_u64_64bit(skb, CREDSSP_A_STAT_COUNT, count,
					      CREDSSP_A_STAT_PAD))
				goto cancel;
			nla_nest_end(skb, nest);
		}
	}
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_nl_fill_status);

/* CAP_NET_ADMIN in the user namespace that owns the netns of @skb. */
static bool credssp_nl_admin(struct sk_buff *skb, struct genl_info *info)
{
	return netlink_ns_capable(skb, genl_info_net(info)->user_ns,
				  CAP_NET_ADMIN);
}

/*
 * Whether a command may use the named credential @name (NULL: any one
 * granted): the helper must serve @name, and each of the command's two
 * identities, the sending task and the opener of the sending socket (as
 * netlink_ns_capable() checks both), must be granted it (grant.c) or have
 * CAP_NET_ADMIN over the netns. A socket handed to a granted setuid
 * program, or opened by one and handed back, gets nothing its other side
 * could not.
 *
 * The grant is asked first, the capability only of an identity it does
 * not cover: a capability check an LSM refuses is audited (only
 * ns_capable_noaudit() is not, and it serves the task alone), so a granted
 * service confined without CAP_NET_ADMIN must not log a denial at every
 * command. Return: 0, -ENOENT or -EACCES.
 */
static int credssp_nl_granted(struct sk_buff *skb, struct genl_info *info,
			      struct credssp_net *cn, const char *name)
{
	struct user_namespace *ns = genl_info_net(info)->user_ns;
	struct sock *sk = NETLINK_CB(skb).sk;
	struct file *f = sk && sk->sk_socket ? sk->sk_socket->file : NULL;
	int err = name ? credssp_grant_check(cn, name, NULL) : 0;

	if (!err) {
		err = credssp_grant_check(cn, name, current_cred());
		if (err && ns_capable_noaudit(ns, CAP_NET_ADMIN))
			err = 0;
	}
	if (!err && f) {
		err = credssp_grant_check(cn, name, f->f_cred);
		if (err && file_ns_capable(f, ns, CAP_NET_ADMIN))
			err = 0;
	}
	return err;
}

/**
 * credssp_nl_admin_pre_doit - the permission of the admin's view
 * @ops: the command (GET_STATUS, GET_CTX)
 * @skb: the request
 * @info: its parsed form
 *
 * CAP_NET_ADMIN in the user namespace that owns the sender's network
 * namespace: what GENL_UNS_ADMIN_PERM checked, which a genetlink YNL spec
 * cannot name. The helper commands check their own (helper.c).
 *
 * Return: 0, or -EPERM.
 */
int credssp_nl_admin_pre_doit(const struct genl_split_ops *ops,
			      struct sk_buff *skb, struct genl_info *info)
{
	return credssp_nl_admin(skb, info) ? 0 : -EPERM;
}

/**
 * credssp_nl_pre_doit - the permission of the SSPI commands
 * @ops: the command
 * @skb: the request
 * @info: its parsed form
 *
 * CAP_NET_ADMIN as credssp_nl_admin_pre_doit(), a named credential granted
 * to the sender and to its socket's opener (credssp_nl_granted()), or
 * handles the sending socket owns already (so
 * that it can still free them when the helper, and with it the grants, has
 * gone). Past this, a caller reaches only the handles its socket owns
 * (table.c), and ACQUIRE_CRED checks the name it asks for.
 *
 * Return: 0, or -EPERM.
 */
int credssp_nl_pre_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
			struct genl_info *info)
{
	struct credssp_caller caller;
	struct credssp_net *cn;

	/* the audited check last: only a caller refused anyway gets a record */
	cn = credssp_pernet(genl_info_net(info));
	if (cn && !credssp_nl_granted(skb, info, cn, NULL))
		return 0;
	credssp_info_caller(skb, info, &caller);
	if (cn && credssp_owner_known(cn, &caller))
		return 0;
	if (credssp_nl_admin(skb, info))
		return 0;
	NL_SET_ERR_MSG(info->extack,
		       "needs CAP_NET_ADMIN or a credential granted to this user");
	return -EPERM;
}

/**
 * credssp_nl_dump_start - the permission of a dump (GET_CTX)
 * @cb: the dump
 *
 * Return: 0, or -EPERM (as credssp_nl_pre_doit()).
 */
int credssp_nl_dump_start(struct netlink_callback *cb)
{
	if (!netlink_ns_capable(cb->skb, sock_net(cb->skb->sk)->user_ns,
				CAP_NET_ADMIN))
		return -EPERM;
	return 0;
}

/*
 * A command that takes no attributes has no policy, and genetlink parses
 * nothing for a split operation without one: refuse what strict validation
 * would have refused (GET_STATUS, HELPER_NEXT).
 */
static int credssp_nl_no_attrs(struct genl_info *info)
{
	if (nlmsg_attrlen(info->nlhdr, GENL_HDRLEN)) {
		NL_SET_ERR_MSG(info->extack, "this command takes no attributes");
		return -EINVAL;
	}
	return 0;
}

int credssp_nl_get_status_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	int err;

	err = credssp_nl_no_attrs(info);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	err = credssp_nl_fill_status(msg, genl_info_net(info),
				     info->snd_portid, info->snd_seq);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* ACQUIRE_CRED, FREE_CRED */

/*
 * The named credential of an ACQUIRE_CRED (its PRINCIPAL), if the caller
 * may have it. Return: NULL, with *@name set (NULL for the default
 * credential); or the words of a SEC_E_NO_CREDENTIALS refusal.
 */
static const char *credssp_nl_cred_name(struct sk_buff *skb,
					struct genl_info *info,
					struct credssp_net *cn,
					const char **name)
{
	struct nlattr *attr = info->attrs[CREDSSP_A_PRINCIPAL];

	*name = attr ? nla_data(attr) : NULL;	/* NUL-terminated: policy */
	if (!*name)
		return credssp_nl_admin(skb, info) ? NULL :
		       "name a credential granted to you";
	if (!credssp_cred_name_ok(*name))
		return "not a credential name";
	switch (credssp_nl_granted(skb, info, cn, *name)) {
	case 0:
		return NULL;
	case -EACCES:
		return "that credential is not granted to you";
	default:
		return "the helper serves no credential of that name";
	}
}

int credssp_nl_acquire_cred_doit(struct sk_buff *skb, struct genl_info *info)
{
	char package[CREDSSP_PACKAGE_NAME_MAX + 1];
	struct credssp_caller caller;
	struct credssp_cred *cred;
	struct credssp_net *cn;
	const char *name, *why;
	struct sk_buff *msg;
	u64 expiry;
	u32 status;
	void *hdr;

	if (credssp_missing(info, CREDSSP_A_PACKAGE, "PACKAGE required") ||
	    credssp_missing(info, CREDSSP_A_CRED_USE, "CRED_USE required"))
		return -EINVAL;
	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	why = credssp_nl_cred_name(skb, info, cn, &name);
	if (why)
		return credssp_reply_status(info, SEC_E_NO_CREDENTIALS, why);
	credssp_info_caller(skb, info, &caller);
	nla_strscpy(package, info->attrs[CREDSSP_A_PACKAGE], sizeof(package));

	status = credssp_sspi_acquire(cn, &caller, package,
				      nla_get_u32(info->attrs[CREDSSP_A_CRED_USE]),
				      name, &cred, &expiry);
	if (status != SEC_E_OK)
		return credssp_reply_status(info, status, NULL);

	msg = credssp_reply_new(info, 2 * nla_total_size_64bit(sizeof(u64)),
				status, &hdr);
	if (!msg ||
	    nla_put_u64_64bit(msg, CREDSSP_A_CRED_ID, cred->id,
			      CREDSSP_A_PAD) ||
	    nla_put_u64_64bit(msg, CREDSSP_A_EXPIRY, expiry, CREDSSP_A_PAD)) {
		nlmsg_free(msg);
		credssp_cred_unlink(cred);
		credssp_cred_put(cred);
		return -ENOMEM;
	}
	credssp_cred_put(cred);
	return credssp_reply_send(msg, hdr, info);
}

int credssp_nl_free_cred_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct credssp_caller caller;
	struct credssp_cred *cred;
	struct credssp_net *cn;
	u32 status = SEC_E_INVALID_HANDLE;

	if (credssp_missing(info, CREDSSP_A_CRED_ID, "CRED_ID required"))
		return -EINVAL;
	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	credssp_info_caller(skb, info, &caller);
	cred = credssp_cred_lookup(cn,
				   nla_get_u64(info->attrs[CREDSSP_A_CRED_ID]),
				   &caller);
	if (cred) {
		if (credssp_cred_unlink(cred))
			status = SEC_E_OK;
		credssp_cred_put(cred);
	}
	return credssp_reply_status(info, status, NULL);
}

/* ACCEPT */

/*
 * The CRED_ID of an ACCEPT or ACCEPT_SOCKET, owned by the caller and, for a
 * call that makes a new context (@new_ctx), still granted if named: a
 * grant is checked at ACQUIRE_CRED and again for every new context, so
 * that a grant the admin took back (credsspd restarted with another list,
 * or stopped) stops new handshakes of handles acquired before. Return: the
 * credential, referenced; or NULL with the reply sent in *@err.
 */
static struct credssp_cred *credssp_nl_call_cred(struct sk_buff *skb,
						 struct genl_info *info,
						 struct credssp_net *cn,
						 const struct credssp_caller *c,
						 bool new_ctx, int *err)
{
	struct credssp_cred *cred;

	cred = credssp_cred_lookup(cn, nla_get_u64(info->attrs[CREDSSP_A_CRED_ID]),
				   c);
	if (!cred) {
		*err = credssp_reply_status(info, SEC_E_INVALID_HANDLE,
					    "no such credential handle");
		return NULL;
	}
	if (new_ctx && cred->name[0] &&
	    credssp_nl_granted(skb, info, cn, cred->name)) {
		credssp_cred_put(cred);
		*err = credssp_reply_status(info, SEC_E_NO_CREDENTIALS,
					    "that credential is no longer granted to you");
		return NULL;
	}
	return cred;
}

/*
 * A call that is refused before it is queued gets its reply here, in the
 * doit: the same message the outcome would be, with the request's sequence
 * number, before the ACK.
 */
static int credssp_call_refused(struct genl_info *info, int err)
{
	if (err == -EBUSY)
		return credssp_reply_status(info, SEC_E_INSUFFICIENT_MEMORY,
					    credssp_reason_text(CREDSSP_R_TOO_MANY_CALLS, 0));
	if (err == -ENODEV)
		return credssp_reply_status(info,
					    SEC_E_NO_AUTHENTICATING_AUTHORITY,
					    credssp_reason_text(CREDSSP_R_UNLOADING, 0));
	return err;
}

/*
 * ACCEPT never waits here: it is checked, its context made (first call),
 * and queued (call.c); the outcome comes as a later message.
 */
/*
 * An ACCEPT request's attributes into @a (the input still in the message)
 * and @ctx_id (0 for a first call). Only the wire is checked here.
 */
static int credssp_nl_accept_args(struct genl_info *info,
				  struct credssp_accept_args *a, u64 *ctx_id)
{
	struct nlattr **tb = info->attrs;

	*ctx_id = tb[CREDSSP_A_CTX_ID] ? nla_get_u64(tb[CREDSSP_A_CTX_ID]) : 0;
	if (!*ctx_id && !tb[CREDSSP_A_CRED_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[CREDSSP_A_CTX_ID],
				    "the first ACCEPT needs CRED_ID");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, CREDSSP_A_CRED_ID);
		return -EINVAL;
	}
	a->data_rep = SECURITY_NATIVE_DREP;
	if (tb[CREDSSP_A_REQ_FLAGS])
		a->req_flags = nla_get_u32(tb[CREDSSP_A_REQ_FLAGS]);
	if (tb[CREDSSP_A_DATA_REP])
		a->data_rep = nla_get_u32(tb[CREDSSP_A_DATA_REP]);
	if (tb[CREDSSP_A_OPTIONS] && !*ctx_id)
		a->options = nla_get_u32(tb[CREDSSP_A_OPTIONS]);
	if (tb[CREDSSP_A_OUTPUT_SIZE])
		a->output_size = nla_get_u32(tb[CREDSSP_A_OUTPUT_SIZE]);
	if (tb[CREDSSP_A_INPUT]) {
		if (nla_len(tb[CREDSSP_A_INPUT]) > CREDSSP_TOKEN_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[CREDSSP_A_INPUT],
					    "INPUT longer than CREDSSP_TOKEN_MAX");
			return -EINVAL;
		}
		a->input = nla_data(tb[CREDSSP_A_INPUT]);
		a->input_len = nla_len(tb[CREDSSP_A_INPUT]);
	}
	return 0;
}

int credssp_nl_accept_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct credssp_accept_args a = {};
	struct nlattr **tb = info->attrs;
	struct credssp_cred *cred = NULL;
	struct credssp_ctx *ctx = NULL;
	struct credssp_caller caller;
	struct credssp_call *call;
	struct credssp_net *cn;
	u64 ctx_id;
	u32 status;
	int err;

	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	credssp_info_caller(skb, info, &caller);
	err = credssp_nl_accept_args(info, &a, &ctx_id);
	if (err)
		return err;

	/* Arguments first: nothing is looked up or created for a bad call. */
	status = credssp_sspi_accept_check(&a);
	if (status)
		return credssp_reply_status(info, status,
					    credssp_reason_text(a.why, status));
	if (tb[CREDSSP_A_CRED_ID]) {
		cred = credssp_nl_call_cred(skb, info, cn, &caller, !ctx_id, &err);
		if (!cred)
			return err;
	}
	if (ctx_id) {
		ctx = credssp_ctx_lookup(cn, ctx_id, &caller);
		if (!ctx) {
			credssp_cred_put(cred);
			return credssp_reply_status(info, SEC_E_INVALID_HANDLE,
						    "no such context handle");
		}
	}

	call = credssp_call_new(skb, info, cn, a.input_len);
	if (IS_ERR(call)) {
		err = credssp_call_refused(info, PTR_ERR(call));
		goto out;
	}
	if (a.input_len) {
		memcpy(credssp_call_input(call), a.input, a.input_len);
		a.input = credssp_call_input(call);
	}
	if (!ctx) {
		status = credssp_sspi_accept_new(cn, &caller, cred, &a);
		if (status) {
			credssp_call_abandon(call);
			err = credssp_reply_status(info, status,
						   credssp_reason_text(a.why,
								       status));
			goto out;
		}
	}
	err = credssp_call_queue_accept(call, cred, ctx, &a);
	if (!err)
		return 0;	/* the references are the call's */
	if (a.new_ctx) {
		credssp_ctx_unlink(a.new_ctx);
		credssp_ctx_put(a.new_ctx);
	}
	credssp_call_abandon(call);
	err = credssp_call_refused(info, err);
out:
	credssp_ctx_put(ctx);
	credssp_cred_put(cred);
	return err;
}

/* ACCEPT_SOCKET */

static const char *credssp_sock_errmsg(int err)
{
	switch (err) {
	case -EBADF:
		return "SOCK_FD is not an open file";
	case -ENOTSOCK:
		return "SOCK_FD is not a socket";
	case -EPROTONOSUPPORT:
		return "not a TCP stream socket";
	case -ENOTCONN:
		return "the TCP connection is not established";
	case -EEXIST:
		return "the socket already has an upper layer protocol";
	case -EXDEV:
		return "the socket belongs to another network namespace";
	case -ENOPROTOOPT:
		return "no kTLS in this kernel";
	case -EBUSY:
		return "the socket is already in socket mode";
	case -ENODEV:
		return "credssp is unloading";
	default:
		return "cannot start socket mode";
	}
}

static int credssp_sock_nl_err(struct genl_info *info, int err)
{
	NL_SET_BAD_ATTR(info->extack, info->attrs[CREDSSP_A_SOCK_FD]);
	credssp_set_msg(info->extack, credssp_sock_errmsg(err));
	return err;
}

/*
 * ACCEPT_SOCKET starts socket mode (sock.c) and returns; the outcome
 * message comes when the handshake ends (credssp_call_sock_end()). The
 * call holds the socket's file until then.
 */
int credssp_nl_accept_socket_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct credssp_sock_req *sreq = NULL;
	struct nlattr **tb = info->attrs;
	struct credssp_sock_start s = {};
	struct credssp_caller caller;
	struct credssp_call *call;
	struct credssp_cred *cred;
	struct credssp_net *cn;
	struct socket *sock;
	u32 status;
	int err;

	if (credssp_missing(info, CREDSSP_A_CRED_ID, "CRED_ID required") ||
	    credssp_missing(info, CREDSSP_A_SOCK_FD, "SOCK_FD required"))
		return -EINVAL;
	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	credssp_info_caller(skb, info, &caller);
	if (tb[CREDSSP_A_REQ_FLAGS])
		s.req_flags = nla_get_u32(tb[CREDSSP_A_REQ_FLAGS]);
	if (tb[CREDSSP_A_OPTIONS])
		s.options = nla_get_u32(tb[CREDSSP_A_OPTIONS]);
	if (tb[CREDSSP_A_TIMEOUT_MS])
		s.timeout_ms = nla_get_u32(tb[CREDSSP_A_TIMEOUT_MS]);
	if (!credssp_req_flags_ok(s.req_flags))
		return credssp_reply_status(info, SEC_E_UNSUPPORTED_FUNCTION,
					    "fContextReq flag not supported by CredSSP");
	if (s.options & ~CREDSSP_OPT_MASK)
		return credssp_reply_status(info, SEC_E_INVALID_PARAMETER,
					    "unknown option");

	cred = credssp_nl_call_cred(skb, info, cn, &caller, true, &err);
	if (!cred)
		return err;
	sock = sockfd_lookup((int)nla_get_u32(tb[CREDSSP_A_SOCK_FD]), &err);
	if (!sock) {
		err = credssp_sock_nl_err(info, err);
		goto out_cred;
	}
	if (sock->sk && !net_eq(sock_net(sock->sk), genl_info_net(info))) {
		err = credssp_sock_nl_err(info, -EXDEV);
		goto out_sock;
	}
	call = credssp_call_new(skb, info, cn, 0);
	if (IS_ERR(call)) {
		err = credssp_call_refused(info, PTR_ERR(call));
		goto out_sock;
	}

	s.sock = sock;
	s.cred = cred;
	s.caller = &caller;
	s.end = credssp_call_sock_end;
	s.data = call;
	err = credssp_sock_start(&s, &status, &sreq);
	if (err) {
		credssp_call_abandon(call);
		if (err == -ENOMEM && status)
			err = credssp_reply_status(info, status,
						   "context limit reached");
		else
			credssp_sock_nl_err(info, err);
		goto out_sock;
	}
	/* From here the call owns the socket's file; it may have ended. */
	credssp_call_sock_started(call, sock, sreq);
	credssp_cred_put(cred);
	return 0;

out_sock:
	sockfd_put(sock);
out_cred:
	credssp_cred_put(cred);
	return err;
}

/* CANCEL */

int credssp_nl_cancel_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct credssp_caller caller;
	struct credssp_net *cn;
	bool found;

	if (credssp_missing(info, CREDSSP_A_SEQ, "SEQ required"))
		return -EINVAL;
	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	credssp_info_caller(skb, info, &caller);
	found = credssp_call_cancel(cn, &caller,
				    nla_get_u32(info->attrs[CREDSSP_A_SEQ]));
	return credssp_reply_status(info, found ? SEC_E_OK :
				    SEC_E_INVALID_HANDLE,
				    "no call of this socket in flight with that SEQ");
}

/* DELETE_CTX, QUERY_CTX */

int credssp_nl_delete_ctx_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct credssp_caller caller;
	struct credssp_net *cn;
	struct credssp_ctx *ctx;
	u32 status = SEC_E_INVALID_HANDLE;

	if (credssp_missing(info, CREDSSP_A_CTX_ID, "CTX_ID required"))
		return -EINVAL;
	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	credssp_info_caller(skb, info, &caller);
	ctx = credssp_ctx_lookup(cn, nla_get_u64(info->attrs[CREDSSP_A_CTX_ID]),
				 NULL);
	/*
	 * The admin override: a sender with CAP_NET_ADMIN over the netns may
	 * delete another socket's context (credsspctl delete). Every consumer
	 * command already requires that capability (GENL_UNS_ADMIN_PERM), so
	 * in effect any socket allowed to send this command may delete any
	 * context of its netns that was made over netlink; the check is
	 * spelled out so that relaxing the op's permission keeps the rule.
	 * Contexts of in-kernel consumers (no socket) are not reachable.
	 */
	if (ctx && (!ctx->oid.sk ||
		    (!credssp_owner_match(&ctx->oid, &caller) &&
		     !netlink_ns_capable(skb, genl_info_net(info)->user_ns,
					 CAP_NET_ADMIN)))) {
		credssp_ctx_put(ctx);
		ctx = NULL;
	}
	if (ctx) {
		if (credssp_ctx_unlink(ctx))
			status = SEC_E_OK;
		credssp_ctx_put(ctx);
	}
	return credssp_reply_status(info, status, NULL);
}

static int credssp_put_query(struct sk_buff *msg, u32 attr,
			     const struct credssp_ctx_attrs *q)
{
	switch (attr) {
	case SECPKG_ATTR_SIZES:
		return nla_put_u32(msg, CREDSSP_A_Q_MAX_TOKEN,
				   q->sizes.max_token) ||
		       nla_put_u32(msg, CREDSSP_A_Q_MAX_SIGNATURE,
				   q->sizes.max_signature) ||
		       nla_put_u32(msg, CREDSSP_A_Q_BLOCK_SIZE,
				   q->sizes.block_size) ||
		       nla_put_u32(msg, CREDSSP_A_Q_SECURITY_TRAILER,
				   q->sizes.security_trailer);
	case SECPKG_ATTR_NAMES:
		return nla_put_string(msg, CREDSSP_A_Q_NAME, q->names.name);
	case SECPKG_ATTR_LIFESPAN:
		return nla_put_u64_64bit(msg, CREDSSP_A_Q_START,
					 q->lifespan.start, CREDSSP_A_Q_PAD) ||
		       nla_put_u64_64bit(msg, CREDSSP_A_Q_EXPIRY,
					 q->lifespan.expiry, CREDSSP_A_Q_PAD);
	case SECPKG_ATTR_STREAM_SIZES:
		return nla_put_u32(msg, CREDSSP_A_Q_STREAM_HEADER,
				   q->stream.header) ||
		       nla_put_u32(msg, CREDSSP_A_Q_STREAM_TRAILER,
				   q->stream.trailer) ||
		       nla_put_u32(msg, CREDSSP_A_Q_STREAM_MAX_MESSAGE,
				   q->stream.max_message) ||
		       nla_put_u32(msg, CREDSSP_A_Q_STREAM_BUFFERS,
				   q->stream.buffers) ||
		       nla_put_u32(msg, CREDSSP_A_Q_STREAM_BLOCK_SIZE,
				   q->stream.block_size);
	case SECPKG_ATTR_PACKAGE_INFO:
	case SECPKG_ATTR_NEGOTIATION_PACKAGE:
		return nla_put_string(msg, CREDSSP_A_Q_PKG_NAME, q->pkg.name) ||
		       nla_put_string(msg, CREDSSP_A_Q_PKG_COMMENT,
				      q->pkg.comment) ||
		       nla_put_u32(msg, CREDSSP_A_Q_PKG_CAPABILITIES,
				   q->pkg.capabilities) ||
		       nla_put_u32(msg, CREDSSP_A_Q_PKG_VERSION,
				   q->pkg.version) ||
		       nla_put_u32(msg, CREDSSP_A_Q_PKG_RPCID, q->pkg.rpcid) ||
		       nla_put_u32(msg, CREDSSP_A_Q_PKG_MAX_TOKEN,
				   q->pkg.max_token) ||
		       (attr == SECPKG_ATTR_NEGOTIATION_PACKAGE &&
			nla_put_u32(msg, CREDSSP_A_Q_NEGO_STATE,
				    q->pkg.nego_state));
	default:	/* SECPKG_ATTR_CREDS, SECPKG_ATTR_CREDS_2 */
		return nla_put(msg, CREDSSP_A_Q_CREDS, q->creds.len,
			       q->creds.data) ||
		       nla_put_u32(msg, CREDSSP_A_Q_CREDS_BINDING,
				   q->creds.binding);
	}
}

int credssp_nl_query_ctx_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct credssp_ctx_attrs q;
	struct credssp_caller caller;
	struct credssp_net *cn;
	struct credssp_ctx *ctx;
	struct nlattr *nest;
	struct sk_buff *msg;
	u32 status, attr;
	bool creds;
	void *hdr;
	int err;

	if (credssp_missing(info, CREDSSP_A_CTX_ID, "CTX_ID required") ||
	    credssp_missing(info, CREDSSP_A_QUERY_ATTR, "QUERY_ATTR required"))
		return -EINVAL;
	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	credssp_info_caller(skb, info, &caller);
	attr = nla_get_u32(info->attrs[CREDSSP_A_QUERY_ATTR]);
	ctx = credssp_ctx_lookup(cn, nla_get_u64(info->attrs[CREDSSP_A_CTX_ID]),
				 &caller);
	if (!ctx)
		return credssp_reply_status(info, SEC_E_INVALID_HANDLE, NULL);
	status = credssp_sspi_query(ctx, attr, &q);
	credssp_ctx_put(ctx);
	if (status != SEC_E_OK)
		return credssp_reply_status(info, status, NULL);

	creds = attr == SECPKG_ATTR_CREDS || attr == SECPKG_ATTR_CREDS_2;
	msg = credssp_reply_new(info, (creds ? nla_total_size(q.creds.len) : 0) +
				1024, status, &hdr);
	err = -ENOMEM;
	if (!msg)
		goto out;
	nest = nla_nest_start(msg, CREDSSP_A_QUERY);
	if (!nest || credssp_put_query(msg, attr, &q)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out;
	}
	nla_nest_end(msg, nest);
	err = credssp_reply_send(msg, hdr, info);
out:
	if (creds)
		kfree_sensitive(q.creds.data);
	return err;
}

/* GET_CTX */

struct credssp_dump_ctx {
	unsigned long next;	/* xarray index to resume from */
};

static int credssp_fill_ctx(struct sk_buff *msg, struct credssp_ctx *ctx,
			    u32 portid, u32 seq, int flags)
{
	char principal[CREDSSP_PRINCIPAL_MAX + 1];
	struct credssp_ctx_view v;
	void *hdr;

	credssp_ctx_view(ctx, &v, principal, sizeof(principal));
	hdr = genlmsg_put(msg, portid, seq, &credssp_nl_family, flags,
			  CREDSSP_CMD_GET_CTX);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(msg, CREDSSP_A_CI_ID, ctx->id, CREDSSP_A_CI_PAD) ||
	    nla_put_u32(msg, CREDSSP_A_CI_STATE, v.state) ||
	    nla_put_u32(msg, CREDSSP_A_CI_OWNER_PORTID, ctx->oid.portid) ||
	    nla_put_u32(msg, CREDSSP_A_CI_OWNER_PID,
			ctx->owner_pid ? pid_vnr(ctx->owner_pid) : 0) ||
	    nla_put_u32(msg, CREDSSP_A_CI_PACKAGE, v.package) ||
	    nla_put_u64_64bit(msg, CREDSSP_A_CI_CREATED, v.created,
			      CREDSSP_A_CI_PAD) ||
	    nla_put_s32(msg, CREDSSP_A_CI_KEY, v.key) ||
	    nla_put_u32(msg, CREDSSP_A_CI_CREDS_TYPE, v.creds_type) ||
	    nla_put_u32(msg, CREDSSP_A_CI_CREDS_BINDING, v.creds_binding))
		goto cancel;
	if (v.done &&
	    (nla_put_string(msg, CREDSSP_A_CI_PRINCIPAL, principal) ||
	     nla_put_u32(msg, CREDSSP_A_CI_VERSION, v.version) ||
	     nla_put_u32(msg, CREDSSP_A_CI_TLS_VERSION, v.tls_version) ||
	     (v.tls_cipher[0] &&
	      nla_put_string(msg, CREDSSP_A_CI_TLS_CIPHER, v.tls_cipher)) ||
	     nla_put_u64_64bit(msg, CREDSSP_A_CI_EXPIRY, v.expiry,
			       CREDSSP_A_CI_PAD)))
		goto cancel;
	genlmsg_end(msg, hdr);
	return 0;

cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

int credssp_nl_get_ctx_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct credssp_net *cn;
	struct credssp_ctx *ctx;
	struct sk_buff *msg;
	int err;

	if (credssp_missing(info, CREDSSP_A_CI_ID, "CI_ID required"))
		return -EINVAL;
	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	ctx = credssp_ctx_lookup(cn, nla_get_u64(info->attrs[CREDSSP_A_CI_ID]),
				 NULL);
	if (!ctx) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CREDSSP_A_CI_ID],
				    "no such context");
		return -ENOENT;
	}
	/* An expiry that came before the expiry work: ended here and now. */
	credssp_ctx_check_time(ctx);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		credssp_ctx_put(ctx);
		return -ENOMEM;
	}
	err = credssp_fill_ctx(msg, ctx, info->snd_portid, info->snd_seq, 0);
	credssp_ctx_put(ctx);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

int credssp_nl_get_ctx_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct credssp_dump_ctx *dc = (void *)cb->ctx;
	struct credssp_net *cn = credssp_pernet(sock_net(skb->sk));
	struct credssp_ctx *ctx;
	unsigned long index;
	int err = 0;

	BUILD_BUG_ON(sizeof(*dc) > sizeof(cb->ctx));
	if (!cn)
		return -ENODEV;
	if (!dc->next)
		dc->next = 1;

	rcu_read_lock();
	xa_for_each_start(&cn->ctxs, index, ctx, dc->next) {
		if (!refcount_inc_not_zero(&ctx->ref))
			continue;
		rcu_read_unlock();
		err = credssp_fill_ctx(skb, ctx, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI);
		credssp_ctx_put(ctx);
		rcu_read_lock();
		if (err)
			break;
		dc->next = index + 1;
	}
	rcu_read_unlock();
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* HELPER_REGISTER, HELPER_NEXT, HELPER_DONE */

/*
 * HELPER_REGISTER needs CAP_NET_ADMIN in the initial user namespace (the
 * family's pre_doit); a thread group registers its sockets, then may drop
 * every capability.
 */
int credssp_nl_helper_register_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[CREDSSP_A_H_VERSION];
	struct credssp_grants *grants;
	struct credssp_caller c;
	struct credssp_net *cn;
	int err;

	if (credssp_missing(info, CREDSSP_A_H_VERSION, "H_VERSION required"))
		return -EINVAL;
	if (nla_get_u32(attr) != CREDSSP_HELPER_VERSION) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "unsupported helper version");
		return -EPROTO;
	}
	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	err = credssp_grants_parse(info->nlhdr, GENL_HDRLEN, &grants,
				   info->extack);
	if (err)
		return err;
	credssp_info_caller(skb, info, &c);
	err = credssp_helper_register(cn, &c, grants);
	if (err)
		credssp_grants_free(grants);
	if (err == -EBUSY)
		NL_SET_ERR_MSG(info->extack, "a helper is registered");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "too many helper sockets");
	return err;
}

/* No capability: HELPER_NEXT checks that the socket is a helper's. */
int credssp_nl_helper_next_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct credssp_net *cn;
	int err;

	err = credssp_nl_no_attrs(info);
	if (err)
		return err;
	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	return credssp_helper_next(cn, skb, info);
}

/*
 * S1: the keys and the delegated credentials were copied out; wipe them in
 * the request too (every copy of those attributes), so that neither the
 * freed skb nor an error ACK that echoes the request holds them.
 */
static void credssp_nl_done_wipe(struct genl_info *info)
{
	const struct nlmsghdr *nlh = info->nlhdr;
	struct nlattr *attr;
	int rem;

	nla_for_each_attr(attr, nlmsg_attrdata(nlh, GENL_HDRLEN),
			  nlmsg_attrlen(nlh, GENL_HDRLEN), rem) {
		switch (nla_type(attr)) {
		case CREDSSP_A_H_CREDS:
		case CREDSSP_A_H_KEYS_TX:
		case CREDSSP_A_H_KEYS_RX:
			memzero_explicit(nla_data(attr), nla_len(attr));
			break;
		}
	}
}

/*
 * No capability: a HELPER_DONE must come from the socket that took the
 * request. Everything in it is checked (wire.c) before the waiter sees it.
 * Return: 0; -ENOENT for a request this socket did not take or that is no
 * longer awaited; -EINVAL (the waiting call gets SEC_E_INTERNAL_ERROR) or
 * -ENOMEM for an answer that fails a check.
 */
int credssp_nl_helper_done_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct credssp_net *cn = credssp_info_net(info);
	struct credssp_result *res = NULL;
	struct credssp_helper_req *req;
	struct credssp_bad bad = {};
	struct credssp_caller c;
	bool no_status;
	int err;

	if (!cn)
		return -ENODEV;
	if (credssp_missing(info, CREDSSP_A_H_REQ_ID, "H_REQ_ID required")) {
		err = -EINVAL;
		goto out;
	}
	no_status = credssp_missing(info, CREDSSP_A_H_SEC_STATUS,
				    "H_SEC_STATUS required");
	credssp_info_caller(skb, info, &c);
	req = credssp_helper_done_take(cn, &c,
				       nla_get_u64(info->attrs[CREDSSP_A_H_REQ_ID]));
	if (!req) {
		err = -EINVAL;
		if (no_status)
			goto out;
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[CREDSSP_A_H_REQ_ID],
				    "no such request taken by this socket");
		err = -ENOENT;
		goto out;
	}
	/* The request is ours to end; its waiter waits for us. */
	err = no_status ? -EINVAL :
	      credssp_result_parse(info->attrs, req->input_len, &res, &bad);
	if (err == -EINVAL && !no_status) {
		NL_SET_BAD_ATTR(info->extack, bad.attr);
		credssp_set_msg(info->extack, credssp_reason_text(bad.why, 0));
	}
	credssp_helper_done_end(req, err ? NULL : res);
out:
	credssp_nl_done_wipe(info);
	return err;
}

/* KTLS_ATTACH's socket, or a netlink error. */
static struct socket *credssp_nl_ktls_sock(struct genl_info *info, int *err)
{
	struct nlattr *attr = info->attrs[CREDSSP_A_SOCK_FD];
	int fd = (int)nla_get_u32(attr);
	struct socket *sock;

	sock = fd < 0 ? NULL : sockfd_lookup(fd, err);
	if (sock)
		return sock;
	if (fd < 0)
		*err = -EBADF;
	if (*err == -ENOTSOCK)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "SOCK_FD is not a socket");
	else
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "SOCK_FD is not an open file");
	return NULL;
}

/*
 * KTLS_ATTACH: the keys of an established context onto a socket. The
 * install takes the socket's lock, which its owner may hold for as long
 * as it likes (a send() from memory that faults on a stalled FUSE file or
 * a userfaultfd): what can be checked without it is refused here, the
 * install itself is queued (call.c) and its outcome comes as a message.
 */
int credssp_nl_ktls_attach_doit(struct sk_buff *skb, struct genl_info *info)
{
	enum credssp_reason why = CREDSSP_R_NONE;
	struct credssp_caller caller;
	struct credssp_call *call;
	struct credssp_net *cn;
	struct credssp_ctx *ctx;
	struct socket *sock;
	int err;

	if (credssp_missing(info, CREDSSP_A_CTX_ID, "CTX_ID is required") ||
	    credssp_missing(info, CREDSSP_A_SOCK_FD, "SOCK_FD is required"))
		return -EINVAL;
	cn = credssp_info_net(info);
	if (!cn)
		return -ENODEV;
	credssp_info_caller(skb, info, &caller);
	ctx = credssp_ctx_lookup(cn, nla_get_u64(info->attrs[CREDSSP_A_CTX_ID]),
				 &caller);
	if (!ctx) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CREDSSP_A_CTX_ID],
				    "no such context for this socket");
		return -ENOENT;
	}
	sock = credssp_nl_ktls_sock(info, &err);
	if (!sock)
		goto put_ctx;
	/* A lockless snapshot: the worker checks again under the lock. */
	err = credssp_ctx_keys_check(ctx, &why) ?:
	      credssp_sock_check_locked(sock, genl_info_net(info), &why, false);
	if (err) {
		credssp_set_msg(info->extack, credssp_reason_text(why, 0));
		goto put_sock;
	}
	call = credssp_call_new(skb, info, cn, 0);
	if (IS_ERR(call)) {
		err = PTR_ERR(call);
		why = err == -EBUSY ? CREDSSP_R_TOO_MANY_CALLS :
		      err == -ENODEV ? CREDSSP_R_UNLOADING : CREDSSP_R_NOMEM;
		credssp_set_msg(info->extack, credssp_reason_text(why, 0));
		goto put_sock;
	}
	err = credssp_call_queue_ktls(call, ctx, sock);
	if (!err)
		return 0;	/* the references are the call's */
	credssp_call_abandon(call);
	credssp_set_msg(info->extack,
			credssp_reason_text(CREDSSP_R_UNLOADING, 0));
put_sock:
	sockfd_put(sock);
put_ctx:
	credssp_ctx_put(ctx);
	return err;
}

/*
 * ENCRYPT, DECRYPT: the owner's context; or NULL with @err the handler's
 * return (a bad request, or the SEC_E_INVALID_HANDLE reply sent).
 */
static struct credssp_ctx *credssp_nl_rec_ctx(struct sk_buff *skb,
					      struct genl_info *info, int *err)
{
	struct credssp_caller caller;
	struct credssp_net *cn;
	struct credssp_ctx *ctx;

	*err = -EINVAL;
	if (credssp_missing(info, CREDSSP_A_CTX_ID, "CTX_ID required") ||
	    credssp_missing(info, CREDSSP_A_INPUT, "INPUT required"))
		return NULL;
	*err = -ENODEV;
	cn = credssp_info_net(info);
	if (!cn)
		return NULL;
	credssp_info_caller(skb, info, &caller);
	ctx = credssp_ctx_lookup(cn, nla_get_u64(info->attrs[CREDSSP_A_CTX_ID]),
				 &caller);
	if (!ctx)
		*err = credssp_reply_status(info, SEC_E_INVALID_HANDLE,
					    "no such context for this socket");
	return ctx;
}

/*
 * ENCRYPT: EncryptMessage in the kernel, synchronous (a synchronous AEAD,
 * no lock a user can hold): the record, or the status with a message.
 */
int credssp_nl_encrypt_doit(struct sk_buff *skb, struct genl_info *info)
{
	enum credssp_reason why = CREDSSP_R_NONE;
	struct credssp_ctx *ctx;
	struct sk_buff *msg;
	struct nlattr *in;
	u32 status, len;
	void *hdr;
	u8 *rec;
	int err;

	ctx = credssp_nl_rec_ctx(skb, info, &err);
	if (!ctx)
		return err;
	in = info->attrs[CREDSSP_A_INPUT];
	status = credssp_record_seal(ctx, nla_data(in), nla_len(in), &rec,
				     &len, &why);
	credssp_ctx_put(ctx);
	if (status != SEC_E_OK)
		return credssp_reply_status(info, status,
					    credssp_reason_text(why, status));
	msg = credssp_reply_new(info, nla_total_size(len), status, &hdr);
	if (msg && nla_put(msg, CREDSSP_A_OUTPUT, len, rec)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	kfree(rec);
	if (!msg)
		return -ENOMEM;
	return credssp_reply_send(msg, hdr, info);
}

static int credssp_nl_put_open(struct sk_buff *msg, u32 status,
			       const struct credssp_rec_open *o)
{
	if (status == SEC_E_INCOMPLETE_MESSAGE)
		return nla_put_u32(msg, CREDSSP_A_MISSING, o->missing);
	if ((o->type && nla_put_u32(msg, CREDSSP_A_REC_TYPE, o->type)) ||
	    (o->alert && nla_put_u32(msg, CREDSSP_A_ALERT, o->alert)) ||
	    (o->extra && nla_put_u32(msg, CREDSSP_A_EXTRA, o->extra)))
		return -EMSGSIZE;
	if (status != SEC_E_OK)
		return nla_put_string(msg, CREDSSP_A_MESSAGE,
				      credssp_reason_text(o->why, status));
	return nla_put(msg, CREDSSP_A_OUTPUT, o->len, o->data);
}

/*
 * DECRYPT: DecryptMessage of the first record of INPUT, synchronous as
 * ENCRYPT. Every outcome is a reply: the plaintext, or the status with
 * what a caller needs (MISSING, REC_TYPE, ALERT, EXTRA, MESSAGE).
 */
int credssp_nl_decrypt_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct credssp_rec_open o;
	struct credssp_ctx *ctx;
	struct sk_buff *msg;
	struct nlattr *in;
	void *hdr;
	u32 status;
	int err;

	ctx = credssp_nl_rec_ctx(skb, info, &err);
	if (!ctx)
		return err;
	in = info->attrs[CREDSSP_A_INPUT];
	status = credssp_record_open(ctx, nla_data(in), nla_len(in), &o);
	credssp_ctx_put(ctx);
	msg = credssp_reply_new(info, nla_total_size(o.len) + 256, status,
				&hdr);
	err = -ENOMEM;
	if (msg && credssp_nl_put_open(msg, status, &o)) {
		nlmsg_free(msg);
		msg = NULL;
		err = -EMSGSIZE;
	}
	kfree_sensitive(o.data);
	if (!msg)
		return err;
	return credssp_reply_send(msg, hdr, info);
}

/**
 * credssp_genl_init - register the "credssp" family
 *
 * Return: 0 on success, or a negative errno from genl_register_family().
 */
int credssp_genl_init(void)
{
	int err = credssp_genl_compat_init();

	if (err)
		return err;
	return genl_register_family(&credssp_nl_family);
}

/**
 * credssp_genl_exit - unregister the "credssp" family
 */
void credssp_genl_exit(void)
{
	genl_unregister_family(&credssp_nl_family);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_nl_family);
