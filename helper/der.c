// SPDX-License-Identifier: GPL-2.0
/*
 * DER codec of the CredSSP messages ([MS-CSSP] 2.2.1) on OpenSSL ASN1
 * templates. The contract is in der.h; what this file adds:
 *
 * Strictness comes in three layers, each of which alone rejects most
 * malformed input:
 *  1. der_walk(), by hand, before OpenSSL sees a byte: exactly one outer
 *     SEQUENCE covering the whole input, definite lengths in their shortest
 *     form (at most 4 length bytes; input whose lengths are only longer
 *     than needed, as rdesktop writes them, is first rewritten with the
 *     shortest ones, see strict_d2i()), nested lengths that add up, only the
 *     tags the schema is built from (INTEGER and OCTET STRING primitive,
 *     SEQUENCE and [n] constructed), INTEGERs minimal, bounded nesting. This
 *     keeps OpenSSL's BER leniency out of reach: indefinite lengths, and
 *     constructed OCTET STRINGs, whose pieces OpenSSL would gather in a
 *     buffer that it frees without wiping.
 *  2. ASN1_item_d2i() with the templates: tags, field order, mandatory
 *     fields, no unknown field (a leftover [6] is a SEQUENCE length
 *     mismatch), and the whole input consumed.
 *  3. Canonical form: re-encoding what OpenSSL decoded must give back the
 *     input byte for byte (i2d(d2i(x)) == x).
 * The credentials OCTET STRING of TSCredentials goes through the same three
 * steps as the outer message.
 *
 * Ranges: version 0..255; errorCode any 32-bit value, read from the 4-byte
 * negative form (02 04 c0 00 00 6d) or the 5-byte positive form
 * (02 05 00 c0 00 00 6d) and always written in the 4-byte two's-complement
 * form; keySpec an int32_t; credType 1, 2 or 6.
 *
 * Secrets: every SEQUENCE template has a callback that wipes its OCTET
 * STRING fields before OpenSSL frees them, which covers the frees on
 * OpenSSL's own error paths. Our temporary encodings are wiped too.
 *
 * Outputs: decode and encode replace the contents of an output that is
 * zeroed or holds a previous result (that is wiped and freed first); an
 * uninitialised structure must be zeroed before the first call.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/safestack.h>

#include "der.h"

/* Highest version number accepted (and written) in TSRequest.version. */
#define CSSP_VERSION_FIELD_MAX 255
/* Deepest nesting of constructed elements in any CredSSP message is 5. */
#define DER_MAX_DEPTH 8

/* Wipe the OCTET STRING fields of a SEQUENCE before OpenSSL frees them. */
static int wipe_cb(int op, ASN1_VALUE **pval, const ASN1_ITEM *it, void *exarg)
{
	(void)exarg;
	if (op != ASN1_OP_FREE_PRE || !pval || !*pval)
		return 1;
	for (long i = 0; i < it->tcount; i++) {
		const ASN1_TEMPLATE *tt = &it->templates[i];
		ASN1_OCTET_STRING *s;

		if ((tt->flags & ASN1_TFLG_SK_MASK) ||
		    ASN1_ITEM_ptr(tt->item) != ASN1_ITEM_rptr(ASN1_OCTET_STRING))
			continue;
		memcpy(&s, (char *)*pval + tt->offset, sizeof(s));
		if (s && s->data && s->length > 0)
			OPENSSL_cleanse(s->data, (size_t)s->length);
	}
	return 1;
}

typedef struct {
	ASN1_OCTET_STRING *negoToken;
} NEGODATA_ITEM;

DEFINE_STACK_OF(NEGODATA_ITEM)

typedef struct {
	ASN1_INTEGER *version;
	STACK_OF(NEGODATA_ITEM) * negoTokens;
	ASN1_OCTET_STRING *authInfo;
	ASN1_OCTET_STRING *pubKeyAuth;
	ASN1_INTEGER *errorCode;
	ASN1_OCTET_STRING *clientNonce;
} TSREQUEST;

typedef struct {
	ASN1_INTEGER *credType;
	ASN1_OCTET_STRING *credentials;
} TSCREDENTIALS;

typedef struct {
	ASN1_OCTET_STRING *domainName;
	ASN1_OCTET_STRING *userName;
	ASN1_OCTET_STRING *password;
} TSPASSWORDCREDS;

typedef struct {
	ASN1_INTEGER *keySpec;
	ASN1_OCTET_STRING *cardName;
	ASN1_OCTET_STRING *readerName;
	ASN1_OCTET_STRING *containerName;
	ASN1_OCTET_STRING *cspName;
} TSCSPDATADETAIL;

typedef struct {
	ASN1_OCTET_STRING *pin;
	TSCSPDATADETAIL *cspData;
	ASN1_OCTET_STRING *userHint;
	ASN1_OCTET_STRING *domainHint;
} TSSMARTCARDCREDS;

typedef struct {
	ASN1_OCTET_STRING *packageName;
	ASN1_OCTET_STRING *credBuffer;
} TSREMOTEGUARDPACKAGECRED;

DEFINE_STACK_OF(TSREMOTEGUARDPACKAGECRED)

typedef struct {
	TSREMOTEGUARDPACKAGECRED *logonCred;
	STACK_OF(TSREMOTEGUARDPACKAGECRED) * supplementalCreds;
} TSREMOTEGUARDCREDS;

/* clang-format off */
ASN1_SEQUENCE_cb(NEGODATA_ITEM, wipe_cb) = {
	ASN1_EXP(NEGODATA_ITEM, negoToken, ASN1_OCTET_STRING, 0),
} static_ASN1_SEQUENCE_END_cb(NEGODATA_ITEM, NEGODATA_ITEM)

ASN1_SEQUENCE_cb(TSREQUEST, wipe_cb) = {
	ASN1_EXP(TSREQUEST, version, ASN1_INTEGER, 0),
	ASN1_EXP_SEQUENCE_OF_OPT(TSREQUEST, negoTokens, NEGODATA_ITEM, 1),
	ASN1_EXP_OPT(TSREQUEST, authInfo, ASN1_OCTET_STRING, 2),
	ASN1_EXP_OPT(TSREQUEST, pubKeyAuth, ASN1_OCTET_STRING, 3),
	ASN1_EXP_OPT(TSREQUEST, errorCode, ASN1_INTEGER, 4),
	ASN1_EXP_OPT(TSREQUEST, clientNonce, ASN1_OCTET_STRING, 5),
} static_ASN1_SEQUENCE_END_cb(TSREQUEST, TSREQUEST)

ASN1_SEQUENCE_cb(TSCREDENTIALS, wipe_cb) = {
	ASN1_EXP(TSCREDENTIALS, credType, ASN1_INTEGER, 0),
	ASN1_EXP(TSCREDENTIALS, credentials, ASN1_OCTET_STRING, 1),
} static_ASN1_SEQUENCE_END_cb(TSCREDENTIALS, TSCREDENTIALS)

ASN1_SEQUENCE_cb(TSPASSWORDCREDS, wipe_cb) = {
	ASN1_EXP(TSPASSWORDCREDS, domainName, ASN1_OCTET_STRING, 0),
	ASN1_EXP(TSPASSWORDCREDS, userName, ASN1_OCTET_STRING, 1),
	ASN1_EXP(TSPASSWORDCREDS, password, ASN1_OCTET_STRING, 2),
} static_ASN1_SEQUENCE_END_cb(TSPASSWORDCREDS, TSPASSWORDCREDS)

ASN1_SEQUENCE_cb(TSCSPDATADETAIL, wipe_cb) = {
	ASN1_EXP(TSCSPDATADETAIL, keySpec, ASN1_INTEGER, 0),
	ASN1_EXP_OPT(TSCSPDATADETAIL, cardName, ASN1_OCTET_STRING, 1),
	ASN1_EXP_OPT(TSCSPDATADETAIL, readerName, ASN1_OCTET_STRING, 2),
	ASN1_EXP_OPT(TSCSPDATADETAIL, containerName, ASN1_OCTET_STRING, 3),
	ASN1_EXP_OPT(TSCSPDATADETAIL, cspName, ASN1_OCTET_STRING, 4),
} static_ASN1_SEQUENCE_END_cb(TSCSPDATADETAIL, TSCSPDATADETAIL)

ASN1_SEQUENCE_cb(TSSMARTCARDCREDS, wipe_cb) = {
	ASN1_EXP(TSSMARTCARDCREDS, pin, ASN1_OCTET_STRING, 0),
	ASN1_EXP(TSSMARTCARDCREDS, cspData, TSCSPDATADETAIL, 1),
	ASN1_EXP_OPT(TSSMARTCARDCREDS, userHint, ASN1_OCTET_STRING, 2),
	ASN1_EXP_OPT(TSSMARTCARDCREDS, domainHint, ASN1_OCTET_STRING, 3),
} static_ASN1_SEQUENCE_END_cb(TSSMARTCARDCREDS, TSSMARTCARDCREDS)

ASN1_SEQUENCE_cb(TSREMOTEGUARDPACKAGECRED, wipe_cb) = {
	ASN1_EXP(TSREMOTEGUARDPACKAGECRED, packageName, ASN1_OCTET_STRING, 0),
	ASN1_EXP(TSREMOTEGUARDPACKAGECRED, credBuffer, ASN1_OCTET_STRING, 1),
} static_ASN1_SEQUENCE_END_cb(TSREMOTEGUARDPACKAGECRED, TSREMOTEGUARDPACKAGECRED)

ASN1_SEQUENCE_cb(TSREMOTEGUARDCREDS, wipe_cb) = {
	ASN1_EXP(TSREMOTEGUARDCREDS, logonCred, TSREMOTEGUARDPACKAGECRED, 0),
	ASN1_EXP_SEQUENCE_OF_OPT(TSREMOTEGUARDCREDS, supplementalCreds, TSREMOTEGUARDPACKAGECRED, 1),
} static_ASN1_SEQUENCE_END_cb(TSREMOTEGUARDCREDS, TSREMOTEGUARDCREDS)

/* The macros above end without a semicolon, which clang-format cannot know. */
static const ASN1_ITEM *TSREMOTEGUARDCREDS_it(void);
/* clang-format on */

#define ITEM(t) ASN1_ITEM_rptr(t)

/*
 * The length octets of the element at @in: 1 with *hdr (tag and length
 * octets) and *clen (content length) set, 0 when @len ends inside them, -1
 * when they are indefinite, longer than 4 bytes or (if @shortest) not in the
 * shortest form. Bad octets are reported as soon as they are seen.
 */
static int length_octets(const uint8_t *in, size_t len, size_t *hdr, size_t *clen, bool shortest)
{
	size_t n, v = 0;

	if (len < 2)
		return 0;
	if (in[1] < 0x80) {
		*hdr = 2;
		*clen = in[1];
		return 1;
	}
	n = in[1] & 0x7f;
	if (n == 0 || n > 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (2 + i >= len)
			return 0;
		if (shortest && i == 0 && in[2] == 0)
			return -1; /* a leading zero byte: not the shortest form */
		v = (v << 8) | in[2 + i];
	}
	if (shortest && v < 0x80)
		return -1; /* fits the short form */
	*hdr = 2 + n;
	*clen = v;
	return 1;
}

static int der_header(const uint8_t *in, size_t len, size_t *hdr, size_t *clen)
{
	return length_octets(in, len, hdr, clen, true);
}

long cssp_der_element_len(const uint8_t *in, size_t len, size_t max)
{
	size_t hdr, clen;
	int r;

	if (len == 0)
		return 0;
	if (in[0] != 0x30)
		return -1;
	r = length_octets(in, len, &hdr, &clen, false); /* BER lengths too: see strict_d2i() */
	if (r <= 0)
		return r;
	if (hdr > max || clen > max - hdr || hdr + clen > (size_t)LONG_MAX)
		return -1;
	return (long)(hdr + clen);
}

/* Check that @len bytes at @in are a run of well-formed DER elements of our schema. */
static int der_walk(const uint8_t *in, size_t len, int depth)
{
	while (len) {
		uint8_t tag = in[0];
		size_t hdr, clen;

		if (der_header(in, len, &hdr, &clen) != 1 || clen > len - hdr)
			return -1;
		if (tag == V_ASN1_INTEGER) {
			const uint8_t *c = in + hdr;

			if (clen == 0)
				return -1;
			if (clen > 1 &&
			    ((c[0] == 0x00 && !(c[1] & 0x80)) || (c[0] == 0xff && (c[1] & 0x80))))
				return -1; /* not the shortest two's complement */
		} else if (tag == V_ASN1_OCTET_STRING) {
			/* opaque content */
		} else if (tag == (V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED) ||
			   (tag >= 0xa0 && tag <= 0xbe)) {
			if (depth >= DER_MAX_DEPTH || der_walk(in + hdr, clen, depth + 1))
				return -1;
		} else {
			return -1;
		}
		in += hdr + clen;
		len -= hdr + clen;
	}
	return 0;
}

/* Encode @v into a new buffer of exactly its length; NULL on failure. */
static uint8_t *i2d_alloc(const ASN1_VALUE *v, const ASN1_ITEM *it, size_t *len)
{
	int n = ASN1_item_i2d(v, NULL, it);
	uint8_t *buf, *p;

	if (n <= 0)
		return NULL;
	buf = malloc((size_t)n);
	if (!buf)
		return NULL;
	p = buf;
	if (ASN1_item_i2d(v, &p, it) != n || p != buf + n) {
		OPENSSL_cleanse(buf, (size_t)n);
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

/* The three strictness layers; returns the decoded value or NULL. */
static ASN1_VALUE *der_d2i(const uint8_t *in, size_t len, const ASN1_ITEM *it)
{
	const unsigned char *p = in;
	size_t hdr, clen, n = 0;
	ASN1_VALUE *v;
	uint8_t *re;
	int same;

	if (len < 2 || len > CSSP_TSREQUEST_MAX || in[0] != (V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED))
		return NULL;
	if (der_header(in, len, &hdr, &clen) != 1 || hdr + clen != len || der_walk(in, len, 0))
		return NULL;

	/* Keep OpenSSL's complaints out of the thread's error queue (SSL_get_error reads it). */
	ERR_set_mark();
	v = ASN1_item_d2i(NULL, &p, (long)len, it);
	ERR_pop_to_mark();
	if (!v)
		return NULL;
	if (p != in + len)
		goto fail;

	re = i2d_alloc(v, it, &n);
	if (!re)
		goto fail;
	same = n == len && memcmp(re, in, len) == 0;
	OPENSSL_cleanse(re, n);
	free(re);
	if (!same)
		goto fail;
	return v;
fail:
	ASN1_item_free(v, it);
	return NULL;
}

/* Room shorten_lengths() needs beyond its input: 4 bytes per nesting level. */
#define SHORTEN_SLACK (4 * (DER_MAX_DEPTH + 2))

/*
 * Copy the elements of @in to @out with every definite length rewritten in
 * its shortest form (tags and contents unchanged); *@outlen <= @len. @out
 * has @len + SHORTEN_SLACK bytes: a constructed element's contents are
 * written 6 bytes on (the longest header) and moved back once their length
 * is known. Indefinite lengths, more than 4 length bytes, high tag numbers
 * and nesting deeper than DER_MAX_DEPTH fail.
 */
static int shorten_lengths(const uint8_t *in, size_t len, uint8_t *out, size_t *outlen, int depth)
{
	size_t o = 0;

	while (len) {
		size_t hdr, clen, m = 0, h = 0;
		uint8_t lb[4];
		int nb = 0;

		if ((in[0] & 0x1f) == 0x1f || length_octets(in, len, &hdr, &clen, false) != 1 ||
		    clen > len - hdr)
			return -1;
		if (in[0] & V_ASN1_CONSTRUCTED) {
			if (depth >= DER_MAX_DEPTH ||
			    shorten_lengths(in + hdr, clen, out + o + 6, &m, depth + 1))
				return -1;
		} else {
			memcpy(out + o + 6, in + hdr, clen);
			m = clen;
		}
		out[o + h++] = in[0];
		if (m < 0x80) {
			out[o + h++] = (uint8_t)m;
		} else {
			for (size_t v = m; v; v >>= 8)
				lb[nb++] = (uint8_t)v;
			out[o + h++] = (uint8_t)(0x80 | nb);
			while (nb)
				out[o + h++] = lb[--nb];
		}
		memmove(out + o + h, out + o + 6, m);
		o += h + m;
		in += hdr + clen;
		len -= hdr + clen;
	}
	*outlen = o;
	return 0;
}

/*
 * der_d2i(), also for input whose only departure from DER is definite
 * lengths in a longer form than needed: rdesktop 1.9 writes every length of
 * 0x80 or more as 82 xx xx (its ber_out_header()), so its authInfo
 * TSRequest starts 30 82 00 9e, and Windows reads such BER. The lengths are
 * rewritten in their shortest form and the result must then pass all three
 * layers; nothing else of BER is accepted.
 */
static ASN1_VALUE *strict_d2i(const uint8_t *in, size_t len, const ASN1_ITEM *it)
{
	ASN1_VALUE *v = der_d2i(in, len, it);
	uint8_t *norm;
	size_t n = 0;

	if (v || len < 2 || len > CSSP_TSREQUEST_MAX)
		return v;
	norm = malloc(len + SHORTEN_SLACK);
	if (!norm)
		return NULL;
	/* Same length: nothing was shortened, and der_d2i() said no for another reason. */
	if (!shorten_lengths(in, len, norm, &n, 0) && n < len)
		v = der_d2i(norm, n, it);
	OPENSSL_cleanse(norm, len + SHORTEN_SLACK);
	free(norm);
	return v;
}

/* Encode @v into @out (replacing its contents). */
static int encode_into(const ASN1_VALUE *v, const ASN1_ITEM *it, struct cssp_buf *out)
{
	size_t n = 0;
	uint8_t *der = i2d_alloc(v, it, &n);

	if (!der)
		return -1;
	if (n > CSSP_TSREQUEST_MAX) {
		OPENSSL_cleanse(der, n);
		free(der);
		return -1;
	}
	cssp_buf_free(out);
	out->data = der;
	out->len = n;
	return 0;
}

static int take(struct cssp_buf *dst, const ASN1_OCTET_STRING *s)
{
	return cssp_buf_set(dst, s->data, (size_t)s->length);
}

static int take_opt(bool *has, struct cssp_buf *dst, const ASN1_OCTET_STRING *s)
{
	*has = s != NULL;
	return s ? take(dst, s) : 0;
}

/* Set an existing OCTET STRING (a mandatory field) from @b. */
static int put(ASN1_OCTET_STRING *s, const struct cssp_buf *b)
{
	if (b->len > (size_t)INT_MAX || (b->len && !b->data))
		return -1;
	return ASN1_OCTET_STRING_set(s, b->data, (int)b->len) ? 0 : -1;
}

/* A new OCTET STRING for an optional field that is present. */
static int put_new(ASN1_OCTET_STRING **s, const struct cssp_buf *b)
{
	*s = ASN1_OCTET_STRING_new();
	return *s ? put(*s, b) : -1;
}

static int get_int(const ASN1_INTEGER *a, int64_t min, int64_t max, int64_t *v)
{
	return ASN1_INTEGER_get_int64(v, a) == 1 && *v >= min && *v <= max ? 0 : -1;
}

int cssp_tsrequest_decode(const uint8_t *in, size_t len, struct cssp_tsrequest *out)
{
	TSREQUEST *r;
	int64_t v;

	cssp_tsrequest_clear(out);
	r = (TSREQUEST *)strict_d2i(in, len, ITEM(TSREQUEST));
	if (!r)
		return -1;
	if (get_int(r->version, 0, CSSP_VERSION_FIELD_MAX, &v))
		goto fail;
	out->version = (uint32_t)v;
	if (r->negoTokens) {
		if (sk_NEGODATA_ITEM_num(r->negoTokens) != 1)
			goto fail;
		out->has_nego_token = true;
		if (take(&out->nego_token, sk_NEGODATA_ITEM_value(r->negoTokens, 0)->negoToken))
			goto fail;
	}
	if (take_opt(&out->has_auth_info, &out->auth_info, r->authInfo) ||
	    take_opt(&out->has_pub_key_auth, &out->pub_key_auth, r->pubKeyAuth) ||
	    take_opt(&out->has_client_nonce, &out->client_nonce, r->clientNonce))
		goto fail;
	if (r->errorCode) {
		/* An NTSTATUS: the 4-byte negative form or the 5-byte positive one. */
		if (get_int(r->errorCode, INT32_MIN, UINT32_MAX, &v))
			goto fail;
		out->has_error_code = true;
		out->error_code = (uint32_t)v;
	}
	ASN1_item_free((ASN1_VALUE *)r, ITEM(TSREQUEST));
	return 0;
fail:
	ASN1_item_free((ASN1_VALUE *)r, ITEM(TSREQUEST));
	cssp_tsrequest_clear(out);
	return -1;
}

int cssp_tsrequest_encode(const struct cssp_tsrequest *req, struct cssp_buf *out)
{
	TSREQUEST *r;
	int rc = -1;

	if (req->version > CSSP_VERSION_FIELD_MAX)
		return -1;
	r = (TSREQUEST *)ASN1_item_new(ITEM(TSREQUEST));
	if (!r)
		return -1;
	if (!ASN1_INTEGER_set_int64(r->version, req->version))
		goto out;
	if (req->has_nego_token) {
		NEGODATA_ITEM *item;

		r->negoTokens = sk_NEGODATA_ITEM_new_null();
		if (!r->negoTokens)
			goto out;
		item = (NEGODATA_ITEM *)ASN1_item_new(ITEM(NEGODATA_ITEM));
		if (!item)
			goto out;
		if (!sk_NEGODATA_ITEM_push(r->negoTokens, item)) {
			ASN1_item_free((ASN1_VALUE *)item, ITEM(NEGODATA_ITEM));
			goto out;
		}
		if (put(item->negoToken, &req->nego_token))
			goto out;
	}
	if ((req->has_auth_info && put_new(&r->authInfo, &req->auth_info)) ||
	    (req->has_pub_key_auth && put_new(&r->pubKeyAuth, &req->pub_key_auth)) ||
	    (req->has_client_nonce && put_new(&r->clientNonce, &req->client_nonce)))
		goto out;
	if (req->has_error_code) {
		/* Two's complement in 4 bytes: 0xC000006D is written 02 04 c0 00 00 6d. */
		int64_t v = req->error_code >= 0x80000000u ? (int64_t)req->error_code - 0x100000000
							   : (int64_t)req->error_code;

		r->errorCode = ASN1_INTEGER_new();
		if (!r->errorCode || !ASN1_INTEGER_set_int64(r->errorCode, v))
			goto out;
	}
	rc = encode_into((ASN1_VALUE *)r, ITEM(TSREQUEST), out);
out:
	ASN1_item_free((ASN1_VALUE *)r, ITEM(TSREQUEST));
	return rc;
}

void cssp_tsrequest_clear(struct cssp_tsrequest *req)
{
	cssp_buf_free(&req->nego_token);
	cssp_buf_free(&req->auth_info);
	cssp_buf_free(&req->pub_key_auth);
	cssp_buf_free(&req->client_nonce);
	OPENSSL_cleanse(req, sizeof(*req));
}

static int decode_password(const TSPASSWORDCREDS *p, struct cssp_password_creds *out)
{
	return take(&out->domain, p->domainName) || take(&out->user, p->userName) ||
			       take(&out->password, p->password)
		       ? -1
		       : 0;
}

static int decode_smartcard(const TSSMARTCARDCREDS *s, struct cssp_smartcard_creds *out)
{
	const TSCSPDATADETAIL *c = s->cspData;
	int64_t v;

	if (get_int(c->keySpec, INT32_MIN, INT32_MAX, &v))
		return -1;
	out->key_spec = (int32_t)v;
	if (take(&out->pin, s->pin) ||
	    take_opt(&out->has_card_name, &out->card_name, c->cardName) ||
	    take_opt(&out->has_reader_name, &out->reader_name, c->readerName) ||
	    take_opt(&out->has_container_name, &out->container_name, c->containerName) ||
	    take_opt(&out->has_csp_name, &out->csp_name, c->cspName) ||
	    take_opt(&out->has_user_hint, &out->user_hint, s->userHint) ||
	    take_opt(&out->has_domain_hint, &out->domain_hint, s->domainHint))
		return -1;
	return 0;
}

static int take_package(struct cssp_guard_package *out, const TSREMOTEGUARDPACKAGECRED *p)
{
	return take(&out->package_name, p->packageName) || take(&out->cred_buffer, p->credBuffer)
		       ? -1
		       : 0;
}

static int decode_remote_guard(const TSREMOTEGUARDCREDS *g, struct cssp_remote_guard_creds *out)
{
	int n;

	if (take_package(&out->logon, g->logonCred))
		return -1;
	if (!g->supplementalCreds)
		return 0;
	n = sk_TSREMOTEGUARDPACKAGECRED_num(g->supplementalCreds);
	if (n < 0 || n > CSSP_GUARD_SUPPLEMENTAL_MAX)
		return -1;
	out->has_supplemental = true;
	out->n_supplemental = (size_t)n;
	for (int i = 0; i < n; i++)
		if (take_package(&out->supplemental[i],
				 sk_TSREMOTEGUARDPACKAGECRED_value(g->supplementalCreds, i)))
			return -1;
	return 0;
}

int cssp_credentials_decode(const uint8_t *in, size_t len, struct cssp_credentials *out)
{
	TSCREDENTIALS *tc;
	const ASN1_ITEM *it = NULL;
	ASN1_VALUE *inner = NULL;
	int64_t type;
	int rc = -1;

	cssp_credentials_clear(out);
	tc = (TSCREDENTIALS *)strict_d2i(in, len, ITEM(TSCREDENTIALS));
	if (!tc)
		return -1;
	if (get_int(tc->credType, 0, INT32_MAX, &type))
		goto out;
	switch (type) {
	case CSSP_CRED_PASSWORD: it = ITEM(TSPASSWORDCREDS); break;
	case CSSP_CRED_SMARTCARD: it = ITEM(TSSMARTCARDCREDS); break;
	case CSSP_CRED_REMOTE_GUARD: it = ITEM(TSREMOTEGUARDCREDS); break;
	default: goto out;
	}
	inner = strict_d2i(tc->credentials->data, (size_t)tc->credentials->length, it);
	if (!inner)
		goto out;
	out->type = (enum cssp_cred_type)type;
	switch (out->type) {
	case CSSP_CRED_PASSWORD:
		rc = decode_password((TSPASSWORDCREDS *)inner, &out->password);
		break;
	case CSSP_CRED_SMARTCARD:
		rc = decode_smartcard((TSSMARTCARDCREDS *)inner, &out->smartcard);
		break;
	case CSSP_CRED_REMOTE_GUARD:
		rc = decode_remote_guard((TSREMOTEGUARDCREDS *)inner, &out->remote_guard);
		break;
	}
	ASN1_item_free(inner, it);
out:
	ASN1_item_free((ASN1_VALUE *)tc, ITEM(TSCREDENTIALS));
	if (rc)
		cssp_credentials_clear(out);
	return rc;
}

static ASN1_VALUE *encode_password(const struct cssp_password_creds *c)
{
	TSPASSWORDCREDS *p = (TSPASSWORDCREDS *)ASN1_item_new(ITEM(TSPASSWORDCREDS));

	if (p && !put(p->domainName, &c->domain) && !put(p->userName, &c->user) &&
	    !put(p->password, &c->password))
		return (ASN1_VALUE *)p;
	ASN1_item_free((ASN1_VALUE *)p, ITEM(TSPASSWORDCREDS));
	return NULL;
}

static int put_new_opt(bool has, ASN1_OCTET_STRING **s, const struct cssp_buf *b)
{
	return has ? put_new(s, b) : 0;
}

static ASN1_VALUE *encode_smartcard(const struct cssp_smartcard_creds *c)
{
	TSSMARTCARDCREDS *s = (TSSMARTCARDCREDS *)ASN1_item_new(ITEM(TSSMARTCARDCREDS));
	TSCSPDATADETAIL *d;

	if (!s)
		return NULL;
	d = s->cspData;
	if (put(s->pin, &c->pin) || !ASN1_INTEGER_set_int64(d->keySpec, c->key_spec) ||
	    put_new_opt(c->has_card_name, &d->cardName, &c->card_name) ||
	    put_new_opt(c->has_reader_name, &d->readerName, &c->reader_name) ||
	    put_new_opt(c->has_container_name, &d->containerName, &c->container_name) ||
	    put_new_opt(c->has_csp_name, &d->cspName, &c->csp_name) ||
	    put_new_opt(c->has_user_hint, &s->userHint, &c->user_hint) ||
	    put_new_opt(c->has_domain_hint, &s->domainHint, &c->domain_hint)) {
		ASN1_item_free((ASN1_VALUE *)s, ITEM(TSSMARTCARDCREDS));
		return NULL;
	}
	return (ASN1_VALUE *)s;
}

static int put_package(TSREMOTEGUARDPACKAGECRED *p, const struct cssp_guard_package *g)
{
	return put(p->packageName, &g->package_name) || put(p->credBuffer, &g->cred_buffer) ? -1
											    : 0;
}

static ASN1_VALUE *encode_remote_guard(const struct cssp_remote_guard_creds *c)
{
	TSREMOTEGUARDCREDS *g;

	if (c->n_supplemental > CSSP_GUARD_SUPPLEMENTAL_MAX ||
	    (!c->has_supplemental && c->n_supplemental))
		return NULL;
	g = (TSREMOTEGUARDCREDS *)ASN1_item_new(ITEM(TSREMOTEGUARDCREDS));
	if (!g)
		return NULL;
	if (put_package(g->logonCred, &c->logon))
		goto fail;
	if (c->has_supplemental) {
		g->supplementalCreds = sk_TSREMOTEGUARDPACKAGECRED_new_null();
		if (!g->supplementalCreds)
			goto fail;
		for (size_t i = 0; i < c->n_supplemental; i++) {
			TSREMOTEGUARDPACKAGECRED *p = (TSREMOTEGUARDPACKAGECRED *)ASN1_item_new(
				ITEM(TSREMOTEGUARDPACKAGECRED));

			if (!p)
				goto fail;
			if (!sk_TSREMOTEGUARDPACKAGECRED_push(g->supplementalCreds, p)) {
				ASN1_item_free((ASN1_VALUE *)p, ITEM(TSREMOTEGUARDPACKAGECRED));
				goto fail;
			}
			if (put_package(p, &c->supplemental[i]))
				goto fail;
		}
	}
	return (ASN1_VALUE *)g;
fail:
	ASN1_item_free((ASN1_VALUE *)g, ITEM(TSREMOTEGUARDCREDS));
	return NULL;
}

int cssp_credentials_encode(const struct cssp_credentials *creds, struct cssp_buf *out)
{
	TSCREDENTIALS *tc = NULL;
	ASN1_VALUE *inner;
	const ASN1_ITEM *it;
	uint8_t *der = NULL;
	size_t n = 0;
	int rc = -1;

	switch (creds->type) {
	case CSSP_CRED_PASSWORD:
		it = ITEM(TSPASSWORDCREDS);
		inner = encode_password(&creds->password);
		break;
	case CSSP_CRED_SMARTCARD:
		it = ITEM(TSSMARTCARDCREDS);
		inner = encode_smartcard(&creds->smartcard);
		break;
	case CSSP_CRED_REMOTE_GUARD:
		it = ITEM(TSREMOTEGUARDCREDS);
		inner = encode_remote_guard(&creds->remote_guard);
		break;
	default: return -1;
	}
	if (!inner)
		return -1;
	der = i2d_alloc(inner, it, &n);
	ASN1_item_free(inner, it);
	if (!der || n > (size_t)INT_MAX)
		goto out;
	tc = (TSCREDENTIALS *)ASN1_item_new(ITEM(TSCREDENTIALS));
	if (!tc || !ASN1_INTEGER_set_int64(tc->credType, creds->type) ||
	    !ASN1_OCTET_STRING_set(tc->credentials, der, (int)n))
		goto out;
	rc = encode_into((ASN1_VALUE *)tc, ITEM(TSCREDENTIALS), out);
out:
	ASN1_item_free((ASN1_VALUE *)tc, ITEM(TSCREDENTIALS));
	if (der) {
		OPENSSL_cleanse(der, n);
		free(der);
	}
	return rc;
}

static void package_clear(struct cssp_guard_package *p)
{
	cssp_buf_free(&p->package_name);
	cssp_buf_free(&p->cred_buffer);
}

void cssp_credentials_clear(struct cssp_credentials *creds)
{
	switch (creds->type) {
	case CSSP_CRED_PASSWORD: {
		struct cssp_password_creds *p = &creds->password;

		cssp_buf_free(&p->domain);
		cssp_buf_free(&p->user);
		cssp_buf_free(&p->password);
		break;
	}
	case CSSP_CRED_SMARTCARD: {
		struct cssp_smartcard_creds *s = &creds->smartcard;

		cssp_buf_free(&s->pin);
		cssp_buf_free(&s->card_name);
		cssp_buf_free(&s->reader_name);
		cssp_buf_free(&s->container_name);
		cssp_buf_free(&s->csp_name);
		cssp_buf_free(&s->user_hint);
		cssp_buf_free(&s->domain_hint);
		break;
	}
	case CSSP_CRED_REMOTE_GUARD: {
		struct cssp_remote_guard_creds *g = &creds->remote_guard;

		package_clear(&g->logon);
		/* Every slot, not n_supplemental: a caller may fill slots beyond it. */
		for (size_t i = 0; i < CSSP_GUARD_SUPPLEMENTAL_MAX; i++)
			package_clear(&g->supplemental[i]);
		break;
	}
	}
	OPENSSL_cleanse(creds, sizeof(*creds));
}
