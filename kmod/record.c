// SPDX-License-Identifier: GPL-2.0
/*
 * EncryptMessage and DecryptMessage of a ported SSPI server
 * (CREDSSP_CMD_ENCRYPT, CREDSSP_CMD_DECRYPT): one TLS application data
 * record protected or opened with an established context's traffic keys,
 * here, where the keys live, so that they never enter the service's memory.
 *
 * The record layer of RFC 8446 5.2 (TLS 1.3: nonce = iv XOR seq, the AAD is
 * the 5-byte header, the content type inside) and RFC 5288 / RFC 7905 (TLS
 * 1.2 AES-GCM: salt || an explicit 8-byte nonce sent with the record; TLS
 * 1.2 ChaCha20-Poly1305: iv XOR seq; the AAD is seq || type || version ||
 * plaintext length), with the ciphers KEYS_TX/KEYS_RX carry: AES-128-GCM,
 * AES-256-GCM, ChaCha20-Poly1305. Synchronous AEADs only: a netlink handler
 * never waits for a crypto engine.
 *
 * The sequence numbers live in the context (ctx.c): a transmit record takes
 * its number first, so no nonce is used twice; a received one advances the
 * number once it authenticated. A later KTLS_ATTACH continues from there.
 */

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/aead.h>
#include <kunit/visibility.h>
#include <uapi/linux/tls.h>

#include "credssp.h"

#define CREDSSP_REC_ALERT	21
#define CREDSSP_REC_HANDSHAKE	22
#define CREDSSP_REC_APP		23
#define CREDSSP_REC_AAD_MAX	13	/* TLS 1.2: seq, type, version, length */
#define CREDSSP_REC_EXPLICIT	8	/* TLS 1.2 AES-GCM explicit nonce */

/* The record layer's 16-bit lengths, big-endian. */
static void credssp_rec_put16(u8 *p, u32 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static u32 credssp_rec_get16(const u8 *p)
{
	return p[0] << 8 | p[1];
}

/* One record's AEAD parameters. */
struct credssp_rec_aead {
	const struct credssp_tls_keys *k;
	u32 version;
	u8 nonce[12];
	u8 aad[CREDSSP_REC_AAD_MAX];
	unsigned int aad_len;
};

static bool credssp_rec_gcm12(const struct credssp_tls_keys *k, u32 version)
{
	return version == TLS_1_2_VERSION &&
	       k->cipher != TLS_CIPHER_CHACHA20_POLY1305;
}

/* Whether @k and @version make a session this file can protect. */
static bool credssp_rec_keys_ok(const struct credssp_tls_keys *k, u32 version)
{
	u8 key_len, salt_len, iv_len;

	if (version != TLS_1_2_VERSION && version != TLS_1_3_VERSION)
		return false;
	return !credssp_keys_len(k->cipher, &key_len, &salt_len, &iv_len) &&
	       k->key_len == key_len && k->salt_len == salt_len &&
	       k->iv_len == iv_len;
}

/* TLS 1.2 AES-GCM: salt || @explicit; otherwise the static iv XOR seq. */
static void credssp_rec_nonce(struct credssp_rec_aead *a, const u8 *explicit)
{
	const struct credssp_tls_keys *k = a->k;
	int i;

	if (credssp_rec_gcm12(k, a->version)) {
		memcpy(a->nonce, k->salt, 4);
		memcpy(a->nonce + 4, explicit, CREDSSP_REC_EXPLICIT);
		return;
	}
	if (k->cipher == TLS_CIPHER_CHACHA20_POLY1305) {
		memcpy(a->nonce, k->iv, 12);
	} else {
		memcpy(a->nonce, k->salt, 4);
		memcpy(a->nonce + 4, k->iv, 8);
	}
	for (i = 0; i < 8; i++)
		a->nonce[4 + i] ^= k->rec_seq[i];
}

/* The AAD: TLS 1.3 the record header; TLS 1.2 seq || header'. */
static void credssp_rec_aad(struct credssp_rec_aead *a, const u8 *hdr,
			    u32 text_len)
{
	if (a->version == TLS_1_3_VERSION) {
		memcpy(a->aad, hdr, CREDSSP_REC_HDR);
		a->aad_len = CREDSSP_REC_HDR;
		return;
	}
	memcpy(a->aad, a->k->rec_seq, 8);
	memcpy(a->aad + 8, hdr, 3);
	credssp_rec_put16(a->aad + 11, text_len);
	a->aad_len = CREDSSP_REC_AAD_MAX;
}

/*
 * The AEAD over @buf = aad || text || tag, in place: seal @text_len bytes
 * (and write the tag), or open them (and check it).
 */
static int credssp_rec_crypt(struct credssp_rec_aead *a, bool seal, u8 *buf,
			     u32 text_len)
{
	const char *name = a->k->cipher == TLS_CIPHER_CHACHA20_POLY1305 ?
			   "rfc7539(chacha20,poly1305)" : "gcm(aes)";
	struct aead_request *req;
	struct crypto_aead *tfm;
	struct scatterlist sg;
	int err;

	/* CRYPTO_ALG_ASYNC in the mask: a synchronous implementation. */
	tfm = crypto_alloc_aead(name, 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = crypto_aead_setkey(tfm, a->k->key, a->k->key_len) ?:
	      crypto_aead_setauthsize(tfm, CREDSSP_REC_TAG);
	if (err)
		goto free_tfm;
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		err = -ENOMEM;
		goto free_tfm;
	}
	sg_init_one(&sg, buf, a->aad_len + text_len + CREDSSP_REC_TAG);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_ad(req, a->aad_len);
	aead_request_set_crypt(req, &sg, &sg,
			       seal ? text_len : text_len + CREDSSP_REC_TAG,
			       a->nonce);
	err = seal ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	aead_request_free(req);
free_tfm:
	crypto_free_aead(tfm);
	return err;
}

/**
 * credssp_record_seal_keys - protect one application data record
 * @k: the transmit keys, with the record's sequence number (and for TLS 1.2
 *	AES-GCM its explicit nonce in @k->iv)
 * @version: TLS_1_2_VERSION or TLS_1_3_VERSION
 * @data: the plaintext
 * @len: its length, at most CREDSSP_REC_DATA_MAX
 * @out: receives the record: credssp_stream_sizes()'s header, @len bytes,
 *	its trailer
 *
 * Context: process context, may sleep.
 * Return: the record's length; -EINVAL (bad keys or length), -ENOMEM, or
 * an error of the AEAD.
 */
int credssp_record_seal_keys(const struct credssp_tls_keys *k, u32 version,
			     const u8 *data, u32 len, u8 *out)
{
	struct credssp_rec_aead a = { .k = k, .version = version };
	u32 header, trailer, text;
	u8 *buf;
	int err;

	if (len > CREDSSP_REC_DATA_MAX || !credssp_rec_keys_ok(k, version) ||
	    credssp_stream_sizes(version, k->cipher, &header, &trailer))
		return -EINVAL;
	text = len + (version == TLS_1_3_VERSION);
	out[0] = CREDSSP_REC_APP;
	out[1] = 3;
	out[2] = 3;
	credssp_rec_put16(out + 3, header + len + trailer - CREDSSP_REC_HDR);
	if (credssp_rec_gcm12(k, version))
		memcpy(out + CREDSSP_REC_HDR, k->iv, CREDSSP_REC_EXPLICIT);
	credssp_rec_nonce(&a, k->iv);
	credssp_rec_aad(&a, out, len);

	buf = kmalloc(a.aad_len + text + CREDSSP_REC_TAG, GFP_KERNEL);
	err = -ENOMEM;
	if (!buf)
		goto out;
	memcpy(buf, a.aad, a.aad_len);
	memcpy(buf + a.aad_len, data, len);
	if (version == TLS_1_3_VERSION)
		buf[a.aad_len + len] = CREDSSP_REC_APP;
	err = credssp_rec_crypt(&a, true, buf, text);
	if (!err)
		memcpy(out + header, buf + a.aad_len, text + CREDSSP_REC_TAG);
	kfree_sensitive(buf);
out:
	memzero_explicit(&a, sizeof(a));
	return err ?: header + len + trailer;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_record_seal_keys);

/* Open @text + tag bytes of @ct into @buf (aad first); its TLS 1.3 type. */
static int credssp_rec_open_text(struct credssp_rec_aead *a, const u8 *ct,
				 u32 text, u8 *buf, u8 *type, u32 *len)
{
	int err;

	memcpy(buf, a->aad, a->aad_len);
	memcpy(buf + a->aad_len, ct, text + CREDSSP_REC_TAG);
	err = credssp_rec_crypt(a, false, buf, text);
	if (err || a->version != TLS_1_3_VERSION)
		goto out;
	/* TLSInnerPlaintext: content, type, zero padding. */
	while (text && !buf[a->aad_len + text - 1])
		text--;
	if (!text)
		return -EBADMSG;
	*type = buf[a->aad_len + --text];
out:
	*len = text;
	return err;
}

/**
 * credssp_record_open_keys - open one record, in place
 * @k: the receive keys, with the record's sequence number
 * @version: TLS_1_2_VERSION or TLS_1_3_VERSION
 * @rec: the whole record, its 5-byte header first; receives the plaintext
 *	at its start
 * @rec_len: its length, CREDSSP_REC_HDR plus the header's length
 * @type: receives the content type (TLS 1.3: the inner one)
 * @len: receives the plaintext's length
 *
 * Context: process context, may sleep.
 * Return: 0; -EBADMSG (authentication failed, or a TLS 1.3 record without
 * a content type), -EINVAL (malformed, or too long), -ENOMEM, or an error
 * of the AEAD.
 */
int credssp_record_open_keys(const struct credssp_tls_keys *k, u32 version,
			     u8 *rec, u32 rec_len, u8 *type, u32 *len)
{
	struct credssp_rec_aead a = { .k = k, .version = version };
	u32 explicit, text;
	u8 *buf;
	int err;

	if (!credssp_rec_keys_ok(k, version) || rec_len < CREDSSP_REC_HDR ||
	    credssp_rec_get16(rec + 3) != rec_len - CREDSSP_REC_HDR)
		return -EINVAL;
	explicit = credssp_rec_gcm12(k, version) ? CREDSSP_REC_EXPLICIT : 0;
	if (rec_len < CREDSSP_REC_HDR + explicit + CREDSSP_REC_TAG)
		return -EINVAL;
	text = rec_len - CREDSSP_REC_HDR - explicit - CREDSSP_REC_TAG;
	if (text > CREDSSP_REC_DATA_MAX + 1 ||
	    (version == TLS_1_2_VERSION && text > CREDSSP_REC_DATA_MAX))
		return -EINVAL;
	*type = rec[0];
	credssp_rec_nonce(&a, rec + CREDSSP_REC_HDR);
	credssp_rec_aad(&a, rec, text);

	buf = kmalloc(a.aad_len + text + CREDSSP_REC_TAG, GFP_KERNEL);
	err = -ENOMEM;
	if (!buf)
		goto out;
	err = credssp_rec_open_text(&a, rec + CREDSSP_REC_HDR + explicit, text,
				    buf, type, len);
	if (!err)
		memcpy(rec, buf + a.aad_len, *len);
	kfree_sensitive(buf);
out:
	memzero_explicit(&a, sizeof(a));
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_record_open_keys);

/* The status of credssp_ctx_record_keys()'s errno. */
static u32 credssp_rec_keys_status(int err)
{
	switch (err) {
	case -EKEYEXPIRED:
	case -EOVERFLOW:
		return SEC_E_CONTEXT_EXPIRED;
	case -EALREADY:		/* kTLS has the keys */
		return SEC_E_UNSUPPORTED_FUNCTION;
	default:		/* deleted, not established */
		return SEC_E_INVALID_HANDLE;
	}
}

/**
 * credssp_record_seal - EncryptMessage: one record with a context's keys
 * @ctx: the context, referenced
 * @data: the plaintext
 * @len: its length, at most CREDSSP_REC_DATA_MAX
 * @rec: receives the record, kmalloc'd (the caller frees it)
 * @rec_len: receives its length
 * @why: the reason of a failure
 *
 * Takes the transmit sequence number first: a failure after that (no
 * memory) leaves a gap the peer will not accept.
 *
 * Context: process context, may sleep (no long wait).
 * Return: SEC_E_OK; SEC_E_INVALID_PARAMETER (too long),
 * SEC_E_INVALID_HANDLE (deleted, not established), SEC_E_CONTEXT_EXPIRED
 * (expired, or no sequence number left), SEC_E_UNSUPPORTED_FUNCTION (the
 * keys went to kTLS), SEC_E_INSUFFICIENT_MEMORY or SEC_E_INTERNAL_ERROR.
 */
u32 credssp_record_seal(struct credssp_ctx *ctx, const u8 *data, u32 len,
			u8 **rec, u32 *rec_len, enum credssp_reason *why)
{
	struct credssp_tls_keys *k;
	u32 version, status;
	u8 *out;
	int ret;

	*rec = NULL;
	*rec_len = 0;
	if (len > CREDSSP_REC_DATA_MAX) {
		*why = CREDSSP_R_REC_TOO_LARGE;
		return SEC_E_INVALID_PARAMETER;
	}
	k = kmalloc(sizeof(*k), GFP_KERNEL);
	out = kmalloc(len + CREDSSP_REC_HDR + CREDSSP_REC_EXPLICIT +
		      CREDSSP_REC_TAG + 1, GFP_KERNEL);
	status = SEC_E_INSUFFICIENT_MEMORY;
	*why = CREDSSP_R_NOMEM;
	if (!k || !out)
		goto out;
	ret = credssp_ctx_record_keys(ctx, true, k, &version, why);
	if (ret) {
		status = credssp_rec_keys_status(ret);
		goto out;
	}
	ret = credssp_record_seal_keys(k, version, data, len, out);
	if (ret < 0) {
		status = ret == -ENOMEM ? SEC_E_INSUFFICIENT_MEMORY :
			 SEC_E_INTERNAL_ERROR;
		*why = ret == -ENOMEM ? CREDSSP_R_NOMEM : CREDSSP_R_NO_AEAD;
		goto out;
	}
	*rec = out;
	*rec_len = ret;
	out = NULL;
	status = SEC_E_OK;
out:
	kfree(out);
	kfree_sensitive(k);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_record_seal);

/*
 * The header of the first record of @in: SEC_E_OK with its length, or
 * SEC_E_INCOMPLETE_MESSAGE (@o->missing) or SEC_E_ILLEGAL_MESSAGE.
 */
static u32 credssp_rec_header(const u8 *in, u32 in_len, u32 *rec_len,
			      struct credssp_rec_open *o)
{
	u32 body;

	if (in_len && (in[0] < CREDSSP_REC_ALERT || in[0] > CREDSSP_REC_APP))
		goto bad;
	if ((in_len > 1 && in[1] != 3) || (in_len > 2 && in[2] != 3))
		goto bad;
	if (in_len < CREDSSP_REC_HDR) {
		o->missing = CREDSSP_REC_HDR - in_len;
		return SEC_E_INCOMPLETE_MESSAGE;
	}
	body = credssp_rec_get16(in + 3);
	if (body > CREDSSP_REC_BODY_MAX || body < CREDSSP_REC_TAG)
		goto bad;
	*rec_len = CREDSSP_REC_HDR + body;
	if (in_len < *rec_len) {
		o->missing = *rec_len - in_len;
		return SEC_E_INCOMPLETE_MESSAGE;
	}
	o->extra = in_len - *rec_len;
	return SEC_E_OK;
bad:
	o->why = CREDSSP_R_REC_HEADER;
	return SEC_E_ILLEGAL_MESSAGE;
}

/* What an authenticated record of @o->type means to DecryptMessage. */
static u32 credssp_rec_classify(struct credssp_rec_open *o, const u8 *plain)
{
	switch (o->type) {
	case CREDSSP_REC_APP:
		return SEC_E_OK;
	case CREDSSP_REC_ALERT:
		if (o->len != 2) {
			o->why = CREDSSP_R_REC_HEADER;
			return SEC_E_ILLEGAL_MESSAGE;
		}
		o->alert = plain[0] << 8 | plain[1];
		if (!plain[1]) {	/* close_notify */
			o->why = CREDSSP_R_REC_CLOSE;
			return SEC_I_CONTEXT_EXPIRED;
		}
		o->why = CREDSSP_R_REC_ALERT;
		return SEC_E_ILLEGAL_MESSAGE;
	default:	/* KeyUpdate, renegotiation, ChangeCipherSpec */
		o->why = CREDSSP_R_REC_TYPE;
		return SEC_E_UNSUPPORTED_FUNCTION;
	}
}

/* Open @rec with @ctx's receive keys; advance on success. */
static u32 credssp_rec_open_ctx(struct credssp_ctx *ctx, u8 *rec,
				u32 rec_len, struct credssp_rec_open *o)
{
	struct credssp_tls_keys *k;
	u32 version, status;
	int ret;

	k = kmalloc(sizeof(*k), GFP_KERNEL);
	if (!k) {
		o->why = CREDSSP_R_NOMEM;
		return SEC_E_INSUFFICIENT_MEMORY;
	}
	ret = credssp_ctx_record_keys(ctx, false, k, &version, &o->why);
	if (ret) {
		status = credssp_rec_keys_status(ret);
		goto out;
	}
	status = SEC_E_ILLEGAL_MESSAGE;
	o->why = CREDSSP_R_REC_HEADER;
	/* TLS 1.3 protected records all say application data outside. */
	if (version == TLS_1_3_VERSION && rec[0] != CREDSSP_REC_APP)
		goto out;
	ret = credssp_record_open_keys(k, version, rec, rec_len, &o->type,
				       &o->len);
	if (ret == -EBADMSG) {
		o->why = CREDSSP_R_REC_AUTH;
		status = SEC_E_DECRYPT_FAILURE;
	} else if (ret == -ENOMEM) {
		o->why = CREDSSP_R_NOMEM;
		status = SEC_E_INSUFFICIENT_MEMORY;
	} else if (!ret) {
		status = credssp_ctx_record_done(ctx, k->rec_seq, &o->why) ?
			 SEC_E_OUT_OF_SEQUENCE : credssp_rec_classify(o, rec);
	}
out:
	kfree_sensitive(k);
	return status;
}

/**
 * credssp_record_open - DecryptMessage: the first record of @in
 * @ctx: the context, referenced
 * @in: bytes from the connection, a record first
 * @in_len: their length
 * @o: receives the outcome: the plaintext of an application data record
 *	(@o->data, kmalloc'd, the caller frees it with kfree_sensitive()),
 *	the bytes after the record, the bytes missing, an alert
 *
 * Context: process context, may sleep (no long wait).
 * Return: SEC_E_OK (application data); SEC_E_INCOMPLETE_MESSAGE
 * (@o->missing more bytes needed); SEC_I_CONTEXT_EXPIRED (close_notify);
 * SEC_E_ILLEGAL_MESSAGE (malformed record, or another alert);
 * SEC_E_UNSUPPORTED_FUNCTION (a record other than application data, as a
 * TLS 1.3 KeyUpdate; or the keys went to kTLS); SEC_E_DECRYPT_FAILURE
 * (authentication failed; the sequence number stays); SEC_E_OUT_OF_SEQUENCE
 * (another call opened this record first); SEC_E_INVALID_HANDLE,
 * SEC_E_CONTEXT_EXPIRED or SEC_E_INSUFFICIENT_MEMORY.
 */
u32 credssp_record_open(struct credssp_ctx *ctx, const u8 *in, u32 in_len,
			struct credssp_rec_open *o)
{
	u32 status, rec_len;
	u8 *rec;

	memset(o, 0, sizeof(*o));
	status = credssp_rec_header(in, in_len, &rec_len, o);
	if (status)
		return status;
	rec = kmemdup(in, rec_len, GFP_KERNEL);
	if (!rec) {
		o->why = CREDSSP_R_NOMEM;
		return SEC_E_INSUFFICIENT_MEMORY;
	}
	status = credssp_rec_open_ctx(ctx, rec, rec_len, o);
	if (status == SEC_E_OK) {
		o->data = rec;
		return status;
	}
	o->len = 0;
	kfree_sensitive(rec);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_record_open);
