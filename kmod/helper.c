// SPDX-License-Identifier: GPL-2.0
/*
 * The upcall channel to the helper daemon (credsspd), one per netns.
 *
 * The helper registers its socket (HELPER_REGISTER). Every ACCEPT step
 * becomes a CREDSSP_CMD_HELPER_REQUEST unicast to that socket, answered by
 * exactly one HELPER_DONE quoting the request id. The caller waits for it
 * holding no lock (the request sits on its stack and on the netns's list of
 * requests in flight); whoever takes the request off the list - the
 * HELPER_DONE, the helper's socket closing, the context being deleted, or
 * the waiter itself on timeout - is the one that completes it.
 *
 * Everything in HELPER_DONE is checked as hostile input before the caller
 * sees it.
 */

#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/tls.h>
#include <kunit/visibility.h>

#include "credssp.h"

/**
 * credssp_status_known - whether the helper may answer a step with a status
 * @status: the SECURITY_STATUS
 *
 * Return: true for the statuses of <uapi/linux/credssp.h> that end a step;
 * false for anything else, including the ones only the kernel produces
 * (SEC_E_BUFFER_TOO_SMALL) and the SEC_I_COMPLETE_* ones CredSSP never uses.
 */
bool credssp_status_known(u32 status)
{
	switch (status) {
	case SEC_E_OK:
	case SEC_I_CONTINUE_NEEDED:
	case SEC_E_INCOMPLETE_MESSAGE:
	case SEC_E_INSUFFICIENT_MEMORY:
	case SEC_E_INVALID_HANDLE:
	case SEC_E_UNSUPPORTED_FUNCTION:
	case SEC_E_INTERNAL_ERROR:
	case SEC_E_SECPKG_NOT_FOUND:
	case SEC_E_INVALID_TOKEN:
	case SEC_E_LOGON_DENIED:
	case SEC_E_NO_CREDENTIALS:
	case SEC_E_OUT_OF_SEQUENCE:
	case SEC_E_NO_AUTHENTICATING_AUTHORITY:
	case SEC_E_CONTEXT_EXPIRED:
	case SEC_E_INVALID_PARAMETER:
		return true;
	default:
		return false;
	}
}
EXPORT_SYMBOL_IF_KUNIT(credssp_status_known);

static u16 credssp_le16(const void *p)
{
	__le16 v;

	memcpy(&v, p, sizeof(v));
	return le16_to_cpu(v);
}

static u32 credssp_le32(const void *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

/**
 * credssp_creds_validate - check a delegated credentials payload
 * @data: the payload
 * @len: its length
 * @type: where to store its enum credssp_cred_type, or NULL
 *
 * The payload must be a version 1 header of a known type followed by
 * exactly n_fields fields of known ids that fill it to the last byte.
 *
 * Return: 0 if well formed, -EINVAL if not.
 */
int credssp_creds_validate(const u8 *data, u32 len, u8 *type)
{
	const struct credssp_creds_hdr *hdr = (const void *)data;
	u32 off = sizeof(*hdr);
	unsigned int i, n;

	if (len < sizeof(*hdr) || len > CREDSSP_CREDS_MAX)
		return -EINVAL;
	if (hdr->version != CREDSSP_CREDS_VERSION)
		return -EINVAL;
	switch (hdr->type) {
	case CREDSSP_CRED_PASSWORD:
	case CREDSSP_CRED_SMARTCARD:
	case CREDSSP_CRED_REMOTE_GUARD:
		break;
	default:
		return -EINVAL;
	}
	n = credssp_le16(&hdr->n_fields);
	for (i = 0; i < n; i++) {
		const struct credssp_creds_field *f = (const void *)(data + off);
		u16 id;
		u32 flen;

		if (len - off < sizeof(*f))
			return -EINVAL;
		id = credssp_le16(&f->id);
		flen = credssp_le32(&f->len);
		if (id < CREDSSP_CF_DOMAIN || id > CREDSSP_CF_CRED_BUFFER)
			return -EINVAL;
		off += sizeof(*f);
		if (flen > len - off)
			return -EINVAL;
		off += flen;
	}
	if (off != len)
		return -EINVAL;
	if (type)
		*type = hdr->type;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_creds_validate);

/**
 * credssp_keys_len - the key material lengths of a kTLS cipher
 * @cipher: TLS_CIPHER_*
 * @key_len: key bytes
 * @salt_len: salt bytes
 * @iv_len: explicit IV bytes
 *
 * Return: 0, or -EINVAL for a cipher CredSSP does not offer.
 */
int credssp_keys_len(u32 cipher, u8 *key_len, u8 *salt_len, u8 *iv_len)
{
	switch (cipher) {
	case TLS_CIPHER_AES_GCM_128:
		*key_len = 16;
		*salt_len = 4;
		*iv_len = 8;
		return 0;
	case TLS_CIPHER_AES_GCM_256:
		*key_len = 32;
		*salt_len = 4;
		*iv_len = 8;
		return 0;
	case TLS_CIPHER_CHACHA20_POLY1305:
		*key_len = 32;
		*salt_len = 0;
		*iv_len = 12;
		return 0;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(credssp_keys_len);

/**
 * credssp_helper_present - whether a helper serves a netns
 * @cn: the netns
 * @pid: where to store its pid as the current task sees it, or NULL
 *
 * Return: true if a helper is registered.
 */
bool credssp_helper_present(struct credssp_net *cn, pid_t *pid)
{
	bool present;

	spin_lock(&cn->lock);
	present = cn->helper.pid;
	if (present && pid)
		*pid = pid_vnr(cn->helper.pid);
	spin_unlock(&cn->lock);
	return present;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_helper_present);

/**
 * credssp_helper_register - make the sender the netns's helper
 * @cn: the netns
 * @skb: the HELPER_REGISTER message
 * @info: its parsed form
 *
 * Return: 0, -EPROTO for another helper version, -EBUSY if a helper's
 * socket is open, -ENODEV if the netns is going away.
 */
int credssp_helper_register(struct credssp_net *cn, struct sk_buff *skb,
			    struct genl_info *info)
{
	struct nlattr *attr = info->attrs[CREDSSP_A_H_VERSION];
	int err = 0;

	if (nla_get_u32(attr) != CREDSSP_HELPER_VERSION) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "unsupported helper version");
		return -EPROTO;
	}
	spin_lock(&cn->lock);
	if (cn->dying) {
		err = -ENODEV;
	} else if (cn->helper.pid) {
		NL_SET_ERR_MSG(info->extack, "a helper is registered");
		err = -EBUSY;
	} else {
		cn->helper.gen++;
		cn->helper.portid = info->snd_portid;
		cn->helper.sk = NETLINK_CB(skb).sk;
		cn->helper.pid = get_pid(task_tgid(current));
	}
	spin_unlock(&cn->lock);
	return err;
}

/* End every request in flight with @end; the helper is gone. */
static void credssp_reqs_end_locked(struct credssp_net *cn,
				    enum credssp_req_end end)
{
	struct credssp_req *req, *tmp;

	lockdep_assert_held(&cn->lock);
	list_for_each_entry_safe(req, tmp, &cn->reqs, node) {
		list_del_init(&req->node);
		req->end = end;
		complete(&req->done);
	}
}

/**
 * credssp_helper_release - a netlink socket of the netns closed
 * @cn: the netns
 * @portid: its portid
 *
 * If it was the helper's, the netns has no helper any more and every call
 * waiting for it fails at once.
 */
void credssp_helper_release(struct credssp_net *cn, u32 portid)
{
	struct pid *pid = NULL;

	spin_lock(&cn->lock);
	if (cn->helper.pid && cn->helper.portid == portid) {
		pid = cn->helper.pid;
		cn->helper.pid = NULL;
		cn->helper.sk = NULL;
		credssp_reqs_end_locked(cn, CREDSSP_REQ_LOST);
	}
	spin_unlock(&cn->lock);
	put_pid(pid);
}

/**
 * credssp_helper_fail_all - forget the helper and fail every call
 * @cn: the netns, marked dying
 */
void credssp_helper_fail_all(struct credssp_net *cn)
{
	struct pid *pid;

	spin_lock(&cn->lock);
	pid = cn->helper.pid;
	cn->helper.pid = NULL;
	cn->helper.sk = NULL;
	credssp_reqs_end_locked(cn, CREDSSP_REQ_LOST);
	spin_unlock(&cn->lock);
	put_pid(pid);
}

/**
 * credssp_helper_cancel - abandon a call in flight
 * @cn: the netns
 * @req: the request, which its context's lock keeps alive
 *
 * The waiter wakes up and finds its context deleted or failed. If the
 * helper's HELPER_DONE already took the request, that completes it.
 */
void credssp_helper_cancel(struct credssp_net *cn, struct credssp_req *req)
{
	spin_lock(&cn->lock);
	if (!list_empty(&req->node)) {
		list_del_init(&req->node);
		req->end = CREDSSP_REQ_ABANDONED;
		complete(&req->done);
	}
	spin_unlock(&cn->lock);
}

static struct sk_buff *credssp_helper_msg(size_t payload, void **hdr)
{
	struct sk_buff *skb;

	skb = genlmsg_new(payload + 128, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &credssp_genl_family, 0,
			   CREDSSP_CMD_HELPER_REQUEST);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/**
 * credssp_helper_free - tell the helper to drop a context's engine state
 * @cn: the netns
 * @ctx_id: the context
 * @gen: the helper registration that holds the state
 *
 * A notification without reply; nothing is sent if that helper is gone.
 */
void credssp_helper_free(struct credssp_net *cn, u64 ctx_id, u32 gen)
{
	struct sk_buff *skb;
	u32 portid;
	void *hdr;
	u64 id;

	spin_lock(&cn->lock);
	if (!cn->helper.pid || cn->helper.gen != gen) {
		spin_unlock(&cn->lock);
		return;
	}
	portid = cn->helper.portid;
	id = ++cn->next_req_id;
	spin_unlock(&cn->lock);

	skb = credssp_helper_msg(0, &hdr);
	if (!skb)
		return;
	if (nla_put_u64_64bit(skb, CREDSSP_A_H_REQ_ID, id, CREDSSP_A_H_PAD) ||
	    nla_put_u32(skb, CREDSSP_A_H_OP, CREDSSP_HOP_FREE) ||
	    nla_put_u64_64bit(skb, CREDSSP_A_H_CTX_ID, ctx_id,
			      CREDSSP_A_H_PAD)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	if (genlmsg_unicast(cn->net, skb, portid))
		pr_debug("HOP_FREE for ctx %llx not delivered\n", ctx_id);
}

/**
 * credssp_helper_step - run one ACCEPT step in the helper
 * @ctx: the context, referenced, BUSY held by the caller
 * @input: the input token
 * @input_len: its length
 * @req_flags: the caller's ASC_REQ_*
 * @first: the context's first step
 * @resp: the helper's validated result, when it answered
 * @outcome: how the handshake ends if no result comes back
 *
 * Sleeps until the helper answers, helper_timeout_ms passes, the helper
 * goes away, the context is deleted or fails, or a fatal signal arrives.
 *
 * Return: the result's status if *@resp is set; otherwise
 * SEC_E_NO_AUTHENTICATING_AUTHORITY (no helper, helper lost, timeout),
 * SEC_E_INTERNAL_ERROR (a bad reply), SEC_E_INSUFFICIENT_MEMORY, or
 * SEC_E_INVALID_HANDLE (abandoned: the caller checks why).
 */
u32 credssp_helper_step(struct credssp_ctx *ctx, const u8 *input,
			u32 input_len, u32 req_flags, bool first,
			struct credssp_result **resp,
			enum credssp_outcome *outcome)
{
	struct credssp_net *cn = ctx->cn;
	struct credssp_req req = {};
	struct sk_buff *skb;
	bool mine = false;
	unsigned long timeout;
	u32 portid, status;
	long left;
	void *hdr;
	int err;

	*resp = NULL;
	INIT_LIST_HEAD(&req.node);
	init_completion(&req.done);
	req.input_len = input_len;

	skb = credssp_helper_msg(nla_total_size(input_len), &hdr);
	if (!skb) {
		*outcome = CREDSSP_OUT_OTHER_ERROR;
		return SEC_E_INSUFFICIENT_MEMORY;
	}

	spin_lock(&ctx->lock);
	if (test_bit(CREDSSP_F_DEAD, &ctx->flags) ||
	    ctx->state != CREDSSP_CTX_HANDSHAKE) {
		spin_unlock(&ctx->lock);
		nlmsg_free(skb);
		*outcome = CREDSSP_OUT_ABANDONED;
		return SEC_E_INVALID_HANDLE;
	}
	spin_lock(&cn->lock);
	if (cn->dying || !cn->helper.pid ||
	    (!first && cn->helper.gen != ctx->helper_gen)) {
		spin_unlock(&cn->lock);
		spin_unlock(&ctx->lock);
		nlmsg_free(skb);
		*outcome = CREDSSP_OUT_HELPER_LOST;
		return SEC_E_NO_AUTHENTICATING_AUTHORITY;
	}
	portid = cn->helper.portid;
	ctx->helper_gen = cn->helper.gen;
	req.id = ++cn->next_req_id;
	list_add_tail(&req.node, &cn->reqs);
	spin_unlock(&cn->lock);
	ctx->req = &req;
	spin_unlock(&ctx->lock);

	if (nla_put_u64_64bit(skb, CREDSSP_A_H_REQ_ID, req.id,
			      CREDSSP_A_H_PAD) ||
	    nla_put_u32(skb, CREDSSP_A_H_OP, CREDSSP_HOP_STEP) ||
	    nla_put_u64_64bit(skb, CREDSSP_A_H_CTX_ID, ctx->id,
			      CREDSSP_A_H_PAD) ||
	    (first && nla_put_flag(skb, CREDSSP_A_H_FIRST)) ||
	    nla_put_u32(skb, CREDSSP_A_H_REQ_FLAGS, req_flags) ||
	    nla_put_u32(skb, CREDSSP_A_H_OPTIONS, ctx->options) ||
	    (input_len && nla_put(skb, CREDSSP_A_H_INPUT, input_len, input))) {
		nlmsg_free(skb);
		err = -EMSGSIZE;
	} else {
		genlmsg_end(skb, hdr);
		/* The helper may hold engine state from now on. */
		set_bit(CREDSSP_F_HELPER_STATE, &ctx->flags);
		err = genlmsg_unicast(cn->net, skb, portid);
	}

	left = 0;
	if (!err) {
		timeout = msecs_to_jiffies(READ_ONCE(credssp_helper_timeout_ms));
		left = wait_for_completion_killable_timeout(&req.done, timeout);
	}

	spin_lock(&cn->lock);
	if (!list_empty(&req.node)) {
		list_del_init(&req.node);
		mine = true;
	}
	spin_unlock(&cn->lock);
	/* Someone else took it and completes it; wait for that. */
	if (!mine && left <= 0)
		wait_for_completion(&req.done);

	spin_lock(&ctx->lock);
	ctx->req = NULL;
	spin_unlock(&ctx->lock);

	if (mine) {
		if (err) {
			*outcome = CREDSSP_OUT_HELPER_LOST;
			status = SEC_E_NO_AUTHENTICATING_AUTHORITY;
		} else if (left < 0) {
			*outcome = CREDSSP_OUT_ABANDONED;
			status = SEC_E_INTERNAL_ERROR;
		} else {
			*outcome = CREDSSP_OUT_TIMEOUT;
			status = SEC_E_NO_AUTHENTICATING_AUTHORITY;
		}
		return status;
	}

	switch (req.end) {
	case CREDSSP_REQ_DONE:
		*resp = req.res;
		return req.res->status;
	case CREDSSP_REQ_BAD:
		*outcome = CREDSSP_OUT_OTHER_ERROR;
		return SEC_E_INTERNAL_ERROR;
	case CREDSSP_REQ_LOST:
		*outcome = CREDSSP_OUT_HELPER_LOST;
		return SEC_E_NO_AUTHENTICATING_AUTHORITY;
	default:
		*outcome = CREDSSP_OUT_ABANDONED;
		return SEC_E_INVALID_HANDLE;
	}
}

static const u32 credssp_ret_known =
	ASC_RET_DELEGATE | ASC_RET_MUTUAL_AUTH | ASC_RET_REPLAY_DETECT |
	ASC_RET_SEQUENCE_DETECT | ASC_RET_CONFIDENTIALITY |
	ASC_RET_USE_SESSION_KEY | ASC_RET_CONNECTION | ASC_RET_CALL_LEVEL |
	ASC_RET_THIRD_LEG_FAILED | ASC_RET_EXTENDED_ERROR | ASC_RET_STREAM |
	ASC_RET_INTEGRITY;

static const struct nla_policy credssp_keys_policy[CREDSSP_A_K_MAX + 1] = {
	[CREDSSP_A_K_CIPHER] = { .type = NLA_U32 },
	[CREDSSP_A_K_KEY] = { .type = NLA_BINARY, .len = 32 },
	[CREDSSP_A_K_SALT] = { .type = NLA_BINARY, .len = 4 },
	[CREDSSP_A_K_IV] = { .type = NLA_BINARY, .len = 12 },
	[CREDSSP_A_K_REC_SEQ] = { .type = NLA_BINARY, .len = 8 },
};

/* Exactly @len bytes (0: absent or empty) into @dst. */
static int credssp_keys_field(struct nlattr *attr, u8 *dst, u8 len)
{
	u32 have = attr ? nla_len(attr) : 0;

	if (have != len)
		return -EINVAL;
	if (len)
		memcpy(dst, nla_data(attr), len);
	return 0;
}

static int credssp_keys_parse(struct nlattr *nest, struct credssp_tls_keys *k,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[CREDSSP_A_K_MAX + 1];
	int err;

	err = nla_parse_nested(tb, CREDSSP_A_K_MAX, nest, credssp_keys_policy,
			       extack);
	if (err)
		return err;
	if (!tb[CREDSSP_A_K_CIPHER] || !tb[CREDSSP_A_K_KEY] ||
	    !tb[CREDSSP_A_K_REC_SEQ]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "keys incomplete");
		return -EINVAL;
	}
	k->cipher = nla_get_u32(tb[CREDSSP_A_K_CIPHER]);
	if (credssp_keys_len(k->cipher, &k->key_len, &k->salt_len,
			     &k->iv_len)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[CREDSSP_A_K_CIPHER],
				    "unsupported cipher");
		return -EINVAL;
	}
	if (credssp_keys_field(tb[CREDSSP_A_K_KEY], k->key, k->key_len) ||
	    credssp_keys_field(tb[CREDSSP_A_K_SALT], k->salt, k->salt_len) ||
	    credssp_keys_field(tb[CREDSSP_A_K_IV], k->iv, k->iv_len) ||
	    credssp_keys_field(tb[CREDSSP_A_K_REC_SEQ], k->rec_seq, 8)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "key material length does not match the cipher");
		return -EINVAL;
	}
	return 0;
}

/* A NUL-terminated string of at most @max bytes, no NUL inside. */
static int credssp_string(struct nlattr *attr, char *dst, size_t max)
{
	u32 len = nla_len(attr);
	const char *s = nla_data(attr);

	if (!len || len > max + 1 || s[len - 1] || strnlen(s, len) != len - 1)
		return -EINVAL;
	memcpy(dst, s, len);
	return 0;
}

static int credssp_result_parse_ok(struct nlattr **tb,
				   struct credssp_result *res,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *attr;
	int err;

	attr = tb[CREDSSP_A_H_PRINCIPAL];
	if (!attr || credssp_string(attr, res->principal,
				    CREDSSP_PRINCIPAL_MAX)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "bad or missing principal");
		return -EINVAL;
	}
	if (res->package != CREDSSP_PKG_NTLM &&
	    res->package != CREDSSP_PKG_KERBEROS) {
		NL_SET_ERR_MSG_ATTR(extack, tb[CREDSSP_A_H_PACKAGE],
				    "SEC_E_OK needs PACKAGE NTLM or Kerberos");
		return -EINVAL;
	}
	attr = tb[CREDSSP_A_H_TLS_VERSION];
	if (!attr || (nla_get_u32(attr) != 0x0303 &&
		      nla_get_u32(attr) != 0x0304)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "bad or missing TLS version");
		return -EINVAL;
	}
	res->tls_version = nla_get_u32(attr);
	attr = tb[CREDSSP_A_H_TLS_CIPHER];
	if (attr && credssp_string(attr, res->tls_cipher,
				   CREDSSP_CIPHER_NAME_MAX)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "bad TLS cipher name");
		return -EINVAL;
	}
	if (!tb[CREDSSP_A_H_KEYS_TX] || !tb[CREDSSP_A_H_KEYS_RX]) {
		NL_SET_ERR_MSG(extack, "SEC_E_OK needs KEYS_TX and KEYS_RX");
		return -EINVAL;
	}
	err = credssp_keys_parse(tb[CREDSSP_A_H_KEYS_TX], &res->tx, extack);
	if (err)
		return err;
	err = credssp_keys_parse(tb[CREDSSP_A_H_KEYS_RX], &res->rx, extack);
	if (err)
		return err;
	if (res->tx.cipher != res->rx.cipher) {
		NL_SET_ERR_MSG_ATTR(extack, tb[CREDSSP_A_H_KEYS_RX],
				    "TX and RX ciphers differ");
		return -EINVAL;
	}
	res->has_keys = true;
	res->expiry = tb[CREDSSP_A_H_EXPIRY] ?
		nla_get_u64(tb[CREDSSP_A_H_EXPIRY]) : CREDSSP_TIME_NEVER;
	if (!tb[CREDSSP_A_H_VERSION_NEGOTIATED]) {
		NL_SET_ERR_MSG(extack, "SEC_E_OK needs VERSION_NEGOTIATED");
		return -EINVAL;
	}
	res->version = nla_get_u32(tb[CREDSSP_A_H_VERSION_NEGOTIATED]);
	if (res->version < 2 || res->version > 6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[CREDSSP_A_H_VERSION_NEGOTIATED],
				    "TSRequest version out of range");
		return -EINVAL;
	}
	if (tb[CREDSSP_A_H_PEER_VERSION])
		res->peer_version = nla_get_u32(tb[CREDSSP_A_H_PEER_VERSION]);
	attr = tb[CREDSSP_A_H_CREDS];
	if (attr) {
		if (credssp_creds_validate(nla_data(attr), nla_len(attr),
					   NULL)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "malformed credentials payload");
			return -EINVAL;
		}
		res->creds = kmemdup(nla_data(attr), nla_len(attr),
				     GFP_KERNEL);
		if (!res->creds)
			return -ENOMEM;
		res->creds_len = nla_len(attr);
	}
	return 0;
}

/* Turn a HELPER_DONE into a result, trusting nothing in it. */
static int credssp_result_parse(struct nlattr **tb, u32 input_len,
				struct credssp_result **resp,
				struct netlink_ext_ack *extack)
{
	struct credssp_result *res;
	struct nlattr *attr;
	int err = -EINVAL;

	res = kzalloc(sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	res->status = nla_get_u32(tb[CREDSSP_A_H_SEC_STATUS]);
	if (!credssp_status_known(res->status)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[CREDSSP_A_H_SEC_STATUS],
				    "unknown status");
		goto fail;
	}
	res->consumed = input_len;
	attr = tb[CREDSSP_A_H_CONSUMED];
	if (attr) {
		res->consumed = nla_get_u32(attr);
		if (res->consumed > input_len) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "consumed more than the input");
			goto fail;
		}
	}
	if (res->status == SEC_E_INCOMPLETE_MESSAGE)
		res->consumed = 0;
	attr = tb[CREDSSP_A_H_RET_FLAGS];
	if (attr) {
		res->ret_flags = nla_get_u32(attr);
		if (res->ret_flags & ~credssp_ret_known) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "unknown ASC_RET_*");
			goto fail;
		}
	}
	attr = tb[CREDSSP_A_H_PACKAGE];
	if (attr)
		res->package = nla_get_u32(attr);
	if (res->package >= CREDSSP_NR_PACKAGES) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "unknown package");
		goto fail;
	}
	res->spnego = nla_get_flag(tb[CREDSSP_A_H_SPNEGO]);
	attr = tb[CREDSSP_A_H_OUTPUT];
	if (attr && nla_len(attr)) {
		if (nla_len(attr) > CREDSSP_TOKEN_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "output too long");
			goto fail;
		}
		res->output = kmemdup(nla_data(attr), nla_len(attr),
				      GFP_KERNEL);
		if (!res->output) {
			err = -ENOMEM;
			goto fail;
		}
		res->output_len = nla_len(attr);
	}
	if (res->status == SEC_E_OK) {
		err = credssp_result_parse_ok(tb, res, extack);
		if (err)
			goto fail;
	}
	*resp = res;
	return 0;

fail:
	credssp_result_free(res);
	return err;
}

/**
 * credssp_helper_done - take the helper's answer to a step
 * @cn: the netns
 * @info: the HELPER_DONE request
 *
 * Return: 0; -EPERM if the sender is not the registered helper's process;
 * -ENOENT for a request not in flight; -EINVAL (the waiting call gets
 * SEC_E_INTERNAL_ERROR) or -ENOMEM for a reply that fails a check.
 */
int credssp_helper_done(struct credssp_net *cn, struct genl_info *info)
{
	struct credssp_req *req = NULL, *r;
	struct credssp_result *res = NULL;
	bool no_status;
	u64 id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, CREDSSP_A_H_REQ_ID)) {
		NL_SET_ERR_MSG(info->extack, "H_REQ_ID required");
		return -EINVAL;
	}
	id = nla_get_u64(info->attrs[CREDSSP_A_H_REQ_ID]);
	no_status = GENL_REQ_ATTR_CHECK(info, CREDSSP_A_H_SEC_STATUS);
	if (no_status)
		NL_SET_ERR_MSG(info->extack, "H_SEC_STATUS required");

	spin_lock(&cn->lock);
	if (!cn->helper.pid || cn->helper.pid != task_tgid(current)) {
		spin_unlock(&cn->lock);
		if (no_status)
			return -EINVAL;
		NL_SET_ERR_MSG(info->extack, "not the registered helper");
		return -EPERM;
	}
	list_for_each_entry(r, &cn->reqs, node) {
		if (r->id == id) {
			req = r;
			list_del_init(&req->node);
			break;
		}
	}
	spin_unlock(&cn->lock);
	if (!req) {
		if (no_status)
			return -EINVAL;
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[CREDSSP_A_H_REQ_ID],
				    "no such request in flight");
		return -ENOENT;
	}

	/* The request is ours to complete; its waiter waits for us. */
	if (no_status)
		err = -EINVAL;
	else
		err = credssp_result_parse(info->attrs, req->input_len, &res,
					   info->extack);
	if (err) {
		req->end = CREDSSP_REQ_BAD;
	} else {
		req->res = res;
		req->end = CREDSSP_REQ_DONE;
	}
	complete(&req->done);
	return err;
}
