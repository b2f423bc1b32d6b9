// SPDX-License-Identifier: GPL-2.0
/*
 * What crosses the module's edges, checked: the helper's answers
 * (HELPER_DONE, turned into a struct credssp_result), the delegated
 * credentials payload, kTLS key material, fContextReq and the TLS record
 * overhead. Pure functions of their input: no state, no locks, nothing
 * but the result allocated; a refusal names the attribute and a reason.
 * Everything from the helper is treated as hostile (it parses what the
 * network sends). KUnit tests each refusal (tests/kunit.c).
 */

#include <linux/slab.h>
#include <linux/string.h>
#include <net/netlink.h>
#include <net/tls.h>
#include <kunit/visibility.h>

#include "credssp.h"

/* Record why @attr (NULL: a missing attribute) fails. Return: -EINVAL. */
static int credssp_bad(struct credssp_bad *bad, const struct nlattr *attr,
		       enum credssp_reason why)
{
	bad->attr = attr;
	bad->why = why;
	return -EINVAL;
}

/**
 * credssp_req_flags_ok - whether CredSSP honours every fContextReq bit
 * @req_flags: ASC_REQ_*
 *
 * Return: true if @req_flags is within CREDSSP_REQ_SUPPORTED.
 */
bool credssp_req_flags_ok(u32 req_flags)
{
	return !(req_flags & ~CREDSSP_REQ_SUPPORTED);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_req_flags_ok);

/**
 * credssp_stream_sizes - TLS record overhead after authentication
 * @tls_version: 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3)
 * @cipher: TLS_CIPHER_*
 * @header: bytes before the data (record header, TLS 1.2 GCM explicit nonce)
 * @trailer: bytes after it (tag, TLS 1.3 content type)
 *
 * Return: 0, or -EINVAL for an unknown version or cipher.
 */
int credssp_stream_sizes(u32 tls_version, u32 cipher, u32 *header,
			 u32 *trailer)
{
	bool gcm;

	switch (cipher) {
	case TLS_CIPHER_AES_GCM_128:
	case TLS_CIPHER_AES_GCM_256:
		gcm = true;
		break;
	case TLS_CIPHER_CHACHA20_POLY1305:
		gcm = false;
		break;
	default:
		return -EINVAL;
	}
	switch (tls_version) {
	case 0x0303:
		*header = gcm ? 5 + 8 : 5;
		*trailer = 16;
		return 0;
	case 0x0304:
		*header = 5;
		*trailer = 16 + 1;
		return 0;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(credssp_stream_sizes);

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
	case CREDSSP_CRED_TYPE_PASSWORD:
	case CREDSSP_CRED_TYPE_SMARTCARD:
	case CREDSSP_CRED_TYPE_REMOTE_GUARD:
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
		if (id < CREDSSP_CRED_FIELD_DOMAIN || id > CREDSSP_CRED_FIELD_CRED_BUFFER)
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
 * credssp_seq_inc - add one to a big-endian counter (a record sequence
 *	number, a TLS 1.2 explicit nonce)
 * @p: the counter
 * @len: its bytes
 *
 * Return: true; false if it wrapped to zero (@p is then all zeros).
 */
bool credssp_seq_inc(u8 *p, unsigned int len)
{
	while (len--)
		if (++p[len])
			return true;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_seq_inc);

static const u32 credssp_ret_known =
	ASC_RET_DELEGATE | ASC_RET_MUTUAL_AUTH | ASC_RET_REPLAY_DETECT |
	ASC_RET_SEQUENCE_DETECT | ASC_RET_CONFIDENTIALITY |
	ASC_RET_USE_SESSION_KEY | ASC_RET_CONNECTION | ASC_RET_CALL_LEVEL |
	ASC_RET_THIRD_LEG_FAILED | ASC_RET_EXTENDED_ERROR | ASC_RET_STREAM |
	ASC_RET_INTEGRITY;

/* Exactly @len bytes (0: absent or empty) into @dst. */
static int credssp_keys_field(const struct nlattr *attr, u8 *dst, u8 len)
{
	u32 have = attr ? nla_len(attr) : 0;

	if (have != len)
		return -EINVAL;
	if (len)
		memcpy(dst, nla_data(attr), len);
	return 0;
}

static int credssp_keys_parse(const struct nlattr *nest,
			      struct credssp_tls_keys *k, struct credssp_bad *bad)
{
	struct nlattr *tb[CREDSSP_A_K_MAX + 1];

	if (nla_parse_nested(tb, CREDSSP_A_K_MAX, nest, credssp_keys_nl_policy,
			     NULL) ||
	    !tb[CREDSSP_A_K_CIPHER] || !tb[CREDSSP_A_K_KEY] ||
	    !tb[CREDSSP_A_K_REC_SEQ])
		return credssp_bad(bad, nest, CREDSSP_R_DONE_KEYS_INCOMPLETE);
	k->cipher = nla_get_u32(tb[CREDSSP_A_K_CIPHER]);
	if (credssp_keys_len(k->cipher, &k->key_len, &k->salt_len,
			     &k->iv_len))
		return credssp_bad(bad, tb[CREDSSP_A_K_CIPHER],
				   CREDSSP_R_DONE_KEYS_CIPHER);
	if (credssp_keys_field(tb[CREDSSP_A_K_KEY], k->key, k->key_len) ||
	    credssp_keys_field(tb[CREDSSP_A_K_SALT], k->salt, k->salt_len) ||
	    credssp_keys_field(tb[CREDSSP_A_K_IV], k->iv, k->iv_len) ||
	    credssp_keys_field(tb[CREDSSP_A_K_REC_SEQ], k->rec_seq, 8))
		return credssp_bad(bad, nest, CREDSSP_R_DONE_KEYS_LENGTH);
	return 0;
}

/*
 * A NUL-terminated string of at most @max bytes, no NUL inside, copied to
 * *@dst (kmalloc'd). Return: 0, -EINVAL or -ENOMEM.
 */
static int credssp_string(const struct nlattr *attr, char **dst, size_t max)
{
	u32 len = nla_len(attr);
	const char *s = nla_data(attr);

	if (!len || len > max + 1 || s[len - 1] || strnlen(s, len) != len - 1)
		return -EINVAL;
	*dst = kmemdup(s, len, GFP_KERNEL);
	return *dst ? 0 : -ENOMEM;
}

/* The parts of a SEC_E_OK answer: who, which TLS session, its keys. */
static int credssp_result_parse_session(struct nlattr **tb,
					struct credssp_result *res,
					struct credssp_bad *bad)
{
	struct nlattr *attr;
	int err;

	attr = tb[CREDSSP_A_H_PRINCIPAL];
	err = attr ? credssp_string(attr, &res->principal,
				    CREDSSP_PRINCIPAL_MAX) : -EINVAL;
	if (err == -EINVAL)
		return credssp_bad(bad, attr, CREDSSP_R_DONE_PRINCIPAL);
	if (err)
		return err;
	if (res->package != CREDSSP_PACKAGE_NTLM &&
	    res->package != CREDSSP_PACKAGE_KERBEROS)
		return credssp_bad(bad, tb[CREDSSP_A_H_PACKAGE],
				   CREDSSP_R_DONE_OK_PACKAGE);
	attr = tb[CREDSSP_A_H_TLS_VERSION];
	if (!attr || (nla_get_u32(attr) != 0x0303 &&
		      nla_get_u32(attr) != 0x0304))
		return credssp_bad(bad, attr, CREDSSP_R_DONE_TLS_VERSION);
	res->tls_version = nla_get_u32(attr);
	attr = tb[CREDSSP_A_H_TLS_CIPHER];
	err = attr ? credssp_string(attr, &res->tls_cipher,
				    CREDSSP_CIPHER_NAME_MAX) : 0;
	if (err == -EINVAL)
		return credssp_bad(bad, attr, CREDSSP_R_DONE_TLS_CIPHER);
	if (err)
		return err;
	if (!tb[CREDSSP_A_H_KEYS_TX] || !tb[CREDSSP_A_H_KEYS_RX])
		return credssp_bad(bad, NULL, CREDSSP_R_DONE_NO_KEYS);
	err = credssp_keys_parse(tb[CREDSSP_A_H_KEYS_TX], &res->tx, bad);
	if (err)
		return err;
	err = credssp_keys_parse(tb[CREDSSP_A_H_KEYS_RX], &res->rx, bad);
	if (err)
		return err;
	if (res->tx.cipher != res->rx.cipher)
		return credssp_bad(bad, tb[CREDSSP_A_H_KEYS_RX],
				   CREDSSP_R_DONE_KEYS_DIFFER);
	res->has_keys = true;
	return 0;
}

/* The rest of a SEC_E_OK answer: times, versions, credentials. */
static int credssp_result_parse_ok(struct nlattr **tb,
				   struct credssp_result *res,
				   struct credssp_bad *bad)
{
	struct nlattr *attr;
	int err;

	err = credssp_result_parse_session(tb, res, bad);
	if (err)
		return err;
	res->expiry = tb[CREDSSP_A_H_EXPIRY] ?
		nla_get_u64(tb[CREDSSP_A_H_EXPIRY]) : CREDSSP_TIME_NEVER;
	attr = tb[CREDSSP_A_H_VERSION_NEGOTIATED];
	if (!attr)
		return credssp_bad(bad, NULL, CREDSSP_R_DONE_NO_VERSION);
	res->version = nla_get_u32(attr);
	if (res->version < 2 || res->version > 6)
		return credssp_bad(bad, attr, CREDSSP_R_DONE_VERSION);
	if (tb[CREDSSP_A_H_PEER_VERSION])
		res->peer_version = nla_get_u32(tb[CREDSSP_A_H_PEER_VERSION]);
	attr = tb[CREDSSP_A_H_CREDS];
	if (!attr)
		return 0;
	if (credssp_creds_validate(nla_data(attr), nla_len(attr), NULL))
		return credssp_bad(bad, attr, CREDSSP_R_DONE_CREDS);
	/* The policy bounds it; none from an older helper: nobody checked. */
	res->creds_binding = tb[CREDSSP_A_H_CREDS_BINDING] ?
		nla_get_u32(tb[CREDSSP_A_H_CREDS_BINDING]) :
		CREDSSP_CREDS_BINDING_UNBOUND;
	if (res->creds_binding == CREDSSP_CREDS_BINDING_NONE)
		return credssp_bad(bad, tb[CREDSSP_A_H_CREDS_BINDING],
				   CREDSSP_R_DONE_CREDS_BINDING);
	res->creds = kmemdup(nla_data(attr), nla_len(attr), GFP_KERNEL);
	if (!res->creds)
		return -ENOMEM;
	res->creds_len = nla_len(attr);
	return 0;
}

/* The parts of any answer: status, progress, flags, package, token. */
static int credssp_result_parse_step(struct nlattr **tb, u32 input_len,
				     struct credssp_result *res,
				     struct credssp_bad *bad)
{
	struct nlattr *attr;

	res->status = nla_get_u32(tb[CREDSSP_A_H_SEC_STATUS]);
	if (!credssp_status_known(res->status))
		return credssp_bad(bad, tb[CREDSSP_A_H_SEC_STATUS],
				   CREDSSP_R_DONE_STATUS);
	res->consumed = input_len;
	attr = tb[CREDSSP_A_H_CONSUMED];
	if (attr) {
		res->consumed = nla_get_u32(attr);
		if (res->consumed > input_len)
			return credssp_bad(bad, attr, CREDSSP_R_DONE_CONSUMED);
	}
	if (res->status == SEC_E_INCOMPLETE_MESSAGE)
		res->consumed = 0;
	attr = tb[CREDSSP_A_H_RET_FLAGS];
	if (attr) {
		res->ret_flags = nla_get_u32(attr);
		if (res->ret_flags & ~credssp_ret_known)
			return credssp_bad(bad, attr, CREDSSP_R_DONE_RET_FLAGS);
	}
	attr = tb[CREDSSP_A_H_PACKAGE];
	if (attr)
		res->package = nla_get_u32(attr);
	if (res->package >= CREDSSP_NR_PACKAGES)
		return credssp_bad(bad, attr, CREDSSP_R_DONE_PACKAGE);
	res->spnego = nla_get_flag(tb[CREDSSP_A_H_SPNEGO]);
	attr = tb[CREDSSP_A_H_OUTPUT];
	if (!attr || !nla_len(attr))
		return 0;
	if (nla_len(attr) > CREDSSP_TOKEN_MAX)
		return credssp_bad(bad, attr, CREDSSP_R_DONE_OUTPUT);
	res->output = kmemdup(nla_data(attr), nla_len(attr), GFP_KERNEL);
	if (!res->output)
		return -ENOMEM;
	res->output_len = nla_len(attr);
	return 0;
}

/**
 * credssp_result_free - wipe and free a helper result
 * @res: the result, or NULL
 */
void credssp_result_free(struct credssp_result *res)
{
	if (!res)
		return;
	kfree_sensitive(res->output);
	kfree_sensitive(res->creds);
	kfree(res->principal);
	kfree(res->tls_cipher);
	kfree_sensitive(res);	/* the keys */
}
EXPORT_SYMBOL_IF_KUNIT(credssp_result_free);

/**
 * credssp_result_parse - turn a HELPER_DONE into a result, trusting nothing
 * @tb: its attributes, parsed with the HELPER_DONE policy; SEC_STATUS set
 * @input_len: the length of the step's input
 * @resp: receives the result, kmalloc'd (free with credssp_result_free())
 * @bad: receives the offending attribute (may be NULL: a missing one) and
 *	the reason, on -EINVAL
 *
 * Return: 0, -EINVAL (a check failed) or -ENOMEM.
 */
int credssp_result_parse(struct nlattr **tb, u32 input_len,
			 struct credssp_result **resp, struct credssp_bad *bad)
{
	struct credssp_result *res;
	int err;

	*resp = NULL;
	res = kzalloc(sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	err = credssp_result_parse_step(tb, input_len, res, bad);
	if (!err && res->status == SEC_E_OK)
		err = credssp_result_parse_ok(tb, res, bad);
	if (err) {
		credssp_result_free(res);
		return err;
	}
	*resp = res;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_result_parse);

/* The words of a reason, which cross to userspace. */

static const char *credssp_status_msg(u32 status)
{
	switch (status) {
	case SEC_E_INVALID_HANDLE:
		return "no such handle for this socket";
	case SEC_E_INSUFFICIENT_MEMORY:
		return "limit reached or out of memory";
	case SEC_E_SECPKG_NOT_FOUND:
		return "unknown security package";
	case SEC_E_UNSUPPORTED_FUNCTION:
		return "not supported by CredSSP";
	case SEC_E_OUT_OF_SEQUENCE:
		return "context not in a state for this call";
	case SEC_E_CONTEXT_EXPIRED:
		return "context expired";
	case SEC_E_NO_CREDENTIALS:
		return "no delegated credentials";
	case SEC_E_INTERNAL_ERROR:
		return "internal error";
	default:
		return "call failed";
	}
}

static const char *const credssp_reasons[__CREDSSP_R_MAX] = {
	[CREDSSP_R_REQ_FLAGS] = "fContextReq flag not supported by CredSSP",
	[CREDSSP_R_DATA_REP] = "TargetDataRep is neither native nor network",
	[CREDSSP_R_BAD_INPUT] = "bad input token",
	[CREDSSP_R_BAD_OPTION] = "unknown option",
	[CREDSSP_R_NO_CRED] = "the first call needs a credential",
	[CREDSSP_R_CTX_LIMIT] = "context limit reached",
	[CREDSSP_R_WRONG_CRED] = "not the context's credential",
	[CREDSSP_R_BUSY] = "a call on this context is in progress",
	[CREDSSP_R_DEADLINE] = "handshake deadline passed",
	[CREDSSP_R_NOT_IN_HANDSHAKE] = "context not in its handshake",
	[CREDSSP_R_REPEAT_INPUT] = "repeat the call with the same input",
	[CREDSSP_R_BUFFER_TOO_SMALL] = "output buffer too small",
	[CREDSSP_R_ABANDONED] = "context deleted or expired during the call",
	[CREDSSP_R_BAD_REPLY] = "the helper's reply failed a check",
	[CREDSSP_R_QUEUE_FULL] = "the helper's request queue is full",
	[CREDSSP_R_NO_HELPER] = "no helper answered",
	[CREDSSP_R_INCOMPLETE] = "incomplete message",
	[CREDSSP_R_AUTH_FAILED] = "authentication failed",
	[CREDSSP_R_NO_KEY] = "no key for the delegated credentials",
	[CREDSSP_R_CANCELLED] = "the call was cancelled",
	[CREDSSP_R_ABORTED] = "the call was aborted",
	[CREDSSP_R_NOMEM] = "out of memory",
	[CREDSSP_R_TOO_MANY_CALLS] =
		"too many calls in flight in this netns (max_net_calls)",
	[CREDSSP_R_UNLOADING] =
		"credssp is unloading or the netns is going away",
	[CREDSSP_R_CLIENT_CLOSED] = "the client closed the connection",
	[CREDSSP_R_TOO_MANY_STEPS] = "more helper steps than max_handshake_steps",
	[CREDSSP_R_TOO_LARGE] = "client input larger than CREDSSP_TOKEN_MAX",
	[CREDSSP_R_SOCK_ERROR] = "socket error",
	[CREDSSP_R_NOT_TLS] = "not a TLS record",
	[CREDSSP_R_TRAILING] = "the client sent records after authInfo",
	[CREDSSP_R_NOT_SOCKET] = "not a socket",
	[CREDSSP_R_NOT_TCP] = "not a TCP stream socket",
	[CREDSSP_R_OTHER_NETNS] = "the socket belongs to another network namespace",
	[CREDSSP_R_NOT_CONNECTED] = "the TCP connection is not established",
	[CREDSSP_R_HAS_ULP] = "the socket already has an upper layer protocol",
	[CREDSSP_R_CTX_DELETED] = "the context was deleted",
	[CREDSSP_R_CTX_EXPIRED] = "the context expired",
	[CREDSSP_R_NOT_ESTABLISHED] = "the context is not established",
	[CREDSSP_R_KEYS_TAKEN] = "the context's keys were already installed",
	[CREDSSP_R_TLS_VERSION] = "the session's TLS version cannot be offloaded",
	[CREDSSP_R_CIPHERS_DIFFER] = "the session's ciphers of both directions differ",
	[CREDSSP_R_CIPHER] = "the session's cipher cannot be offloaded",
	[CREDSSP_R_NO_AEAD] = "kTLS here does not offer the session's cipher",
	[CREDSSP_R_NO_KTLS] = "this kernel has no kTLS (CONFIG_TLS)",
	[CREDSSP_R_ULP_FAILED] = "setting the TCP_ULP \"tls\" failed",
	[CREDSSP_R_TLS_TX] = "TLS_TX failed: close the socket",
	[CREDSSP_R_TLS_RX] = "TLS_RX failed: close the socket",
	[CREDSSP_R_REC_TOO_LARGE] = "more than 16384 bytes for one record",
	[CREDSSP_R_REC_SEQ_END] = "the record sequence numbers are exhausted",
	[CREDSSP_R_REC_HEADER] = "not a TLS 1.2/1.3 record of this session",
	[CREDSSP_R_REC_AUTH] = "the record failed authentication",
	[CREDSSP_R_REC_ALERT] = "the peer sent an alert",
	[CREDSSP_R_REC_CLOSE] = "the peer sent close_notify",
	[CREDSSP_R_REC_TYPE] = "not application data (KeyUpdate, renegotiation): unsupported",
	[CREDSSP_R_REC_EMPTY] = "no input",
	[CREDSSP_R_REC_RACE] = "another call used this sequence number, or the keys went to kTLS",
	[CREDSSP_R_DONE_STATUS] = "unknown status",
	[CREDSSP_R_DONE_CONSUMED] = "consumed more than the input",
	[CREDSSP_R_DONE_RET_FLAGS] = "unknown ASC_RET_*",
	[CREDSSP_R_DONE_PACKAGE] = "unknown package",
	[CREDSSP_R_DONE_OUTPUT] = "output too long",
	[CREDSSP_R_DONE_PRINCIPAL] = "bad or missing principal",
	[CREDSSP_R_DONE_OK_PACKAGE] = "SEC_E_OK needs PACKAGE NTLM or Kerberos",
	[CREDSSP_R_DONE_TLS_VERSION] = "bad or missing TLS version",
	[CREDSSP_R_DONE_TLS_CIPHER] = "bad TLS cipher name",
	[CREDSSP_R_DONE_NO_KEYS] = "SEC_E_OK needs KEYS_TX and KEYS_RX",
	[CREDSSP_R_DONE_KEYS_INCOMPLETE] = "keys incomplete",
	[CREDSSP_R_DONE_KEYS_CIPHER] = "unsupported cipher",
	[CREDSSP_R_DONE_KEYS_LENGTH] = "key material length does not match the cipher",
	[CREDSSP_R_DONE_KEYS_DIFFER] = "TX and RX ciphers differ",
	[CREDSSP_R_DONE_NO_VERSION] = "SEC_E_OK needs VERSION_NEGOTIATED",
	[CREDSSP_R_DONE_VERSION] = "TSRequest version out of range",
	[CREDSSP_R_DONE_CREDS] = "malformed credentials payload",
	[CREDSSP_R_DONE_CREDS_BINDING] = "CREDS_BINDING none with credentials",
};

/**
 * credssp_reason_text - the words of a reason, for an extack or an outcome
 * @why: the reason, or CREDSSP_R_NONE
 * @status: the call's status, which speaks when @why does not
 *
 * Return: a static string.
 */
const char *credssp_reason_text(enum credssp_reason why, u32 status)
{
	if (why > CREDSSP_R_NONE && why < __CREDSSP_R_MAX && credssp_reasons[why])
		return credssp_reasons[why];
	return credssp_status_msg(status);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_reason_text);
