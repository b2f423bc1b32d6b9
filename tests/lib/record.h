/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS records with exported kTLS keys: an independent userspace reference of
 * what the kernel's kTLS does with struct cssp_tls_keys (helper/tls.h) once
 * they are installed with setsockopt(SOL_TLS, TLS_TX/TLS_RX). Test code: it
 * shares nothing with helper/tls.c but the key struct, and uses OpenSSL's
 * EVP AEAD ciphers only (no SSL object).
 *
 * TLS 1.2 and 1.3; AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305. Nonces:
 *   TLS 1.2 AES-GCM (RFC 5288): salt || the 8-byte explicit nonce that the
 *     record carries after its header; the sender (kTLS TX) sends its iv
 *     and adds 1 to it per record;
 *   TLS 1.2 ChaCha20-Poly1305 (RFC 7905) and TLS 1.3 (RFC 8446 5.3):
 *     (salt || iv) XOR the 64-bit record sequence number, right-aligned.
 * Additional data: TLS 1.2: seq || type || 3 3 || plaintext length (13
 * bytes); TLS 1.3: the 5-byte record header. TLS 1.3 records are type 23 on
 * the wire with the real type at the end of the plaintext (no padding sent;
 * zero padding accepted).
 */
#ifndef KCREDSSP_TEST_RECORD_H
#define KCREDSSP_TEST_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/tls.h> /* TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128, ... */

#include "tls.h"

#define REC_HDR		   5  /* type, version (2), length (2) */
#define REC_TAG		   16 /* AEAD tag */
#define REC_EXPLICIT	   8  /* TLS 1.2 AES-GCM explicit nonce */
#define REC_PLAINTEXT_MAX  16384
#define REC_CIPHERTEXT_MAX (16384 + 2048) /* largest record body accepted */
#define REC_CT_ALERT	   21
#define REC_CT_HANDSHAKE   22
#define REC_CT_APPDATA	   23

/* One direction of a connection, as the kernel holds it. */
struct rec_keys {
	uint16_t version;     /* TLS_1_2_VERSION or TLS_1_3_VERSION */
	uint16_t cipher_type; /* TLS_CIPHER_* */
	uint8_t key_len;
	bool gcm12;	     /* TLS 1.2 AES-GCM: explicit nonce in the record */
	uint8_t key[32];     /* key_len bytes */
	uint8_t base_iv[12]; /* salt || iv; TLS 1.2 GCM: salt || the next explicit nonce (tx) */
	uint64_t seq;	     /* number of the next record; set it to open or seal another */
};

/*
 * Keys for one direction (@d is &k->tx or &k->rx) with every size checked
 * against the cipher. 0, or -1 with a message in @err (which may be NULL).
 */
int rec_keys_init(struct rec_keys *rk, const struct cssp_tls_keys *k,
		  const struct cssp_tls_dir_keys *d, char *err, size_t errlen);
/* Wipe the keys. */
void rec_keys_wipe(struct rec_keys *rk);

/* TLS 1.2 with AES-GCM: the record carries an explicit nonce. */
bool rec_gcm12(const struct cssp_tls_keys *k);

/*
 * Length of the record at @in, header included: > 0 when it is complete in
 * @len bytes, 0 when more bytes are needed, -1 when the bytes are not a TLS
 * record (content type 20-24, version 3.x, body up to REC_CIPHERTEXT_MAX).
 */
long rec_len(const uint8_t *in, size_t len);

/*
 * kTLS TX: seal @len bytes (at most REC_PLAINTEXT_MAX) of content type
 * @type into one record at @out (header included) as record number
 * rk->seq, then advance rk->seq (and, for TLS 1.2 AES-GCM, the explicit
 * nonce). Returns the record length, or -1 (nothing advanced).
 */
long rec_seal(struct rec_keys *rk, uint8_t type, const void *pt, size_t len, uint8_t *out,
	      size_t outlen);

/*
 * kTLS RX: open the complete record @rec of @len bytes (header included) as
 * record number rk->seq. On success the plaintext is in @out (@outlen bytes
 * of room; REC_CIPHERTEXT_MAX always suffice), *@type is the real content
 * type, rk->seq is advanced, and the plaintext length is returned. On
 * failure: -1 with a message in @err (which may be NULL), nothing advanced.
 */
long rec_open(struct rec_keys *rk, const uint8_t *rec, size_t len, uint8_t *type, uint8_t *out,
	      size_t outlen, char *err, size_t errlen);

uint64_t rec_get_be64(const uint8_t *p);
void rec_put_be64(uint8_t *p, uint64_t v);

#endif /* KCREDSSP_TEST_RECORD_H */
