// SPDX-License-Identifier: GPL-2.0
/*
 * TLS records with exported kTLS keys (see record.h): what the kernel does
 * with struct cssp_tls_keys, written again from the RFCs for the tests.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "record.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

uint64_t rec_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void rec_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

bool rec_gcm12(const struct cssp_tls_keys *k)
{
	return k->version == TLS_1_2_VERSION && k->cipher_type != TLS_CIPHER_CHACHA20_POLY1305;
}

static const EVP_CIPHER *rec_cipher(uint16_t cipher_type)
{
	switch (cipher_type) {
	case TLS_CIPHER_AES_GCM_128: return EVP_aes_128_gcm();
	case TLS_CIPHER_AES_GCM_256: return EVP_aes_256_gcm();
	case TLS_CIPHER_CHACHA20_POLY1305: return EVP_chacha20_poly1305();
	}
	return NULL;
}

int rec_keys_init(struct rec_keys *rk, const struct cssp_tls_keys *k,
		  const struct cssp_tls_dir_keys *d, char *err, size_t errlen)
{
	const EVP_CIPHER *cipher = rec_cipher(k->cipher_type);

	memset(rk, 0, sizeof(*rk));
	if (!cipher)
		return fail(err, errlen, "unknown cipher_type %u", k->cipher_type);
	if (k->version != TLS_1_2_VERSION && k->version != TLS_1_3_VERSION)
		return fail(err, errlen, "unknown TLS version 0x%04x", k->version);
	if ((int)k->key_len != EVP_CIPHER_get_key_length(cipher) || k->key_len > sizeof(d->key) ||
	    k->salt_len > sizeof(d->salt) || k->iv_len > sizeof(d->iv) ||
	    k->salt_len + k->iv_len != 12)
		return fail(err, errlen, "bad key sizes: key %u salt %u iv %u for cipher %u",
			    k->key_len, k->salt_len, k->iv_len, k->cipher_type);
	/* AES-GCM: 4-byte salt and 8-byte iv; ChaCha20-Poly1305: 12-byte iv, no salt. */
	if (k->cipher_type == TLS_CIPHER_CHACHA20_POLY1305 ? k->salt_len != 0 : k->salt_len != 4)
		return fail(err, errlen, "bad salt length %u for cipher %u", k->salt_len,
			    k->cipher_type);
	rk->version = k->version;
	rk->cipher_type = k->cipher_type;
	rk->key_len = k->key_len;
	rk->gcm12 = rec_gcm12(k);
	memcpy(rk->key, d->key, k->key_len);
	memcpy(rk->base_iv, d->salt, k->salt_len);
	memcpy(rk->base_iv + k->salt_len, d->iv, k->iv_len);
	rk->seq = rec_get_be64(d->rec_seq);
	return 0;
}

void rec_keys_wipe(struct rec_keys *rk)
{
	OPENSSL_cleanse(rk, sizeof(*rk));
}

long rec_len(const uint8_t *in, size_t len)
{
	size_t body;

	if (len < REC_HDR)
		return 0;
	if (in[0] < 20 || in[0] > 24 || in[1] != 3)
		return -1;
	body = (size_t)in[3] << 8 | in[4];
	if (body > REC_CIPHERTEXT_MAX)
		return -1;
	return len >= REC_HDR + body ? (long)(REC_HDR + body) : 0;
}

/*
 * The AEAD nonce of record rk->seq. TLS 1.2 AES-GCM: salt || @explicit_nonce;
 * otherwise (salt || iv) XOR seq (RFC 7905, RFC 8446 5.3).
 */
static void rec_nonce(const struct rec_keys *rk, const uint8_t *explicit_nonce, uint8_t nonce[12])
{
	memcpy(nonce, rk->base_iv, 12);
	if (rk->gcm12) {
		memcpy(nonce + 4, explicit_nonce, REC_EXPLICIT);
		return;
	}
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(rk->seq >> (56 - 8 * i));
}

/* The additional data of record rk->seq; @hdr is its header, @len its plaintext length. */
static size_t rec_aad(const struct rec_keys *rk, const uint8_t hdr[REC_HDR], uint8_t type,
		      size_t len, uint8_t aad[13])
{
	if (rk->version == TLS_1_3_VERSION) {
		memcpy(aad, hdr, REC_HDR);
		return REC_HDR;
	}
	rec_put_be64(aad, rk->seq);
	aad[8] = type;
	aad[9] = 3;
	aad[10] = 3;
	aad[11] = (uint8_t)(len >> 8);
	aad[12] = (uint8_t)len;
	return 13;
}

/* Encrypt (@enc) or decrypt @len bytes; the tag is written to or checked against @tag. */
static int aead(const struct rec_keys *rk, int enc, const uint8_t nonce[12], const uint8_t *aad,
		size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[REC_TAG])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *cipher = rec_cipher(rk->cipher_type);
	int n, ok = 0;

	if (!ctx || !cipher)
		goto out;
	if (EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_CIPHER_CTX_get_key_length(ctx) != rk->key_len ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, rk->key, nonce, enc) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, REC_TAG, tag) != 1)
		goto out;
	if (EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		goto out;
	if (len && (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 || (size_t)n != len))
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + len, &n) != 1 || n != 0)
		goto out;
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, REC_TAG, tag) != 1)
		goto out;
	ok = 1;
out:
	EVP_CIPHER_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -1;
}

long rec_seal(struct rec_keys *rk, uint8_t type, const void *pt, size_t len, uint8_t *out,
	      size_t outlen)
{
	uint8_t nonce[12], aad[13], inner[REC_PLAINTEXT_MAX + 1];
	size_t off = REC_HDR + (rk->gcm12 ? REC_EXPLICIT : 0), inlen = len, body, aadlen;
	long rc = -1;

	if (len > REC_PLAINTEXT_MAX)
		return -1;
	memcpy(inner, pt, len);
	if (rk->version == TLS_1_3_VERSION)
		inner[inlen++] = type; /* TLSInnerPlaintext, no padding */
	body = off - REC_HDR + inlen + REC_TAG;
	if (REC_HDR + body > outlen)
		goto out;
	out[0] = rk->version == TLS_1_3_VERSION ? REC_CT_APPDATA : type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(body >> 8);
	out[4] = (uint8_t)body;
	/* kTLS sends salt || iv as the TLS 1.2 GCM nonce: the iv is the explicit part. */
	if (rk->gcm12)
		memcpy(out + REC_HDR, rk->base_iv + 4, REC_EXPLICIT);
	rec_nonce(rk, rk->base_iv + 4, nonce);
	aadlen = rec_aad(rk, out, type, len, aad);
	if (aead(rk, 1, nonce, aad, aadlen, inner, inlen, out + off, out + off + inlen))
		goto out;
	if (rk->gcm12) /* and adds 1 to the iv per record */
		rec_put_be64(rk->base_iv + 4, rec_get_be64(rk->base_iv + 4) + 1);
	rk->seq++;
	rc = (long)(REC_HDR + body);
out:
	OPENSSL_cleanse(inner, inlen);
	return rc;
}

long rec_open(struct rec_keys *rk, const uint8_t *rec, size_t len, uint8_t *type, uint8_t *out,
	      size_t outlen, char *err, size_t errlen)
{
	size_t off = REC_HDR + (rk->gcm12 ? REC_EXPLICIT : 0), ctlen, aadlen;
	uint8_t nonce[12], aad[13], tag[REC_TAG];

	if (len < REC_HDR || rec[1] != 3 || rec[2] != 3 ||
	    (size_t)(rec[3] << 8 | rec[4]) != len - REC_HDR)
		return fail(err, errlen, "not one whole TLS record (%zu bytes)", len);
	if (rk->version == TLS_1_3_VERSION && rec[0] != REC_CT_APPDATA)
		return fail(err, errlen, "TLS 1.3 record type %u", rec[0]);
	if (len < off + REC_TAG + (rk->version == TLS_1_3_VERSION ? 1 : 0))
		return fail(err, errlen, "TLS 1.%c record too short (%zu)",
			    rk->version == TLS_1_3_VERSION ? '3' : '2', len - REC_HDR);
	ctlen = len - off - REC_TAG;
	if (ctlen > outlen)
		return fail(err, errlen, "plaintext of %zu bytes does not fit in %zu", ctlen,
			    outlen);
	memcpy(tag, rec + len - REC_TAG, REC_TAG);
	rec_nonce(rk, rec + REC_HDR, nonce);
	aadlen = rec_aad(rk, rec, rec[0], ctlen, aad);
	if (aead(rk, 0, nonce, aad, aadlen, rec + off, ctlen, out, tag))
		return fail(err, errlen, "AEAD open failed (seq %llu)",
			    (unsigned long long)rk->seq);
	if (rk->version == TLS_1_3_VERSION) {
		while (ctlen && out[ctlen - 1] == 0)
			ctlen--;
		if (!ctlen)
			return fail(err, errlen, "TLS 1.3 record without a content type");
		*type = out[--ctlen];
	} else {
		*type = rec[0];
	}
	rk->seq++;
	return (long)ctlen;
}
