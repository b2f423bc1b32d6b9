/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TLS server of the CredSSP engine: OpenSSL 3 on memory BIOs, fed one
 * complete TLS record at a time so that OpenSSL never reads past the last
 * record the engine decided to consume (the records after the final
 * TSRequest belong to the caller, as SECBUFFER_EXTRA, and later to kTLS).
 *
 * Policy: TLS 1.2 and 1.3 only; only AEAD suites that kTLS can carry
 * (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, ECDHE key exchange for TLS
 * 1.2); no session tickets, no session cache, no resumption, no
 * renegotiation; no client certificate requested.
 */
#ifndef CSSP_TLS_H
#define CSSP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct cssp_tls_server; /* per server credential: SSL_CTX, certificate, key */
struct cssp_tls;	/* per context: one TLS session */

struct cssp_tls_config {
	const char *cert_file; /* PEM certificate (chain); NULL with key_file NULL: self-signed */
	const char *key_file;  /* PEM private key */
	const char *state_dir; /* where a self-signed cert.pem/key.pem pair is made once (0600) */
	bool self_signed_ec;   /* self-signed key type: P-256 if true, else RSA-2048 */
};

/*
 * Create the server side. Returns 0, or -1 with a message in @err (bad or
 * unreadable files, key not matching the certificate, state_dir not usable).
 */
int cssp_tls_server_new(const struct cssp_tls_config *cfg, struct cssp_tls_server **out, char *err,
			size_t errlen);
void cssp_tls_server_free(struct cssp_tls_server *srv);
/* The contents of the subjectPublicKey BIT STRING of the server certificate (pubKeyAuth input). */
const struct cssp_buf *cssp_tls_server_public_key(const struct cssp_tls_server *srv);

/* Largest TLS record accepted: 2^14 + 2048 bytes of payload, plus the 5-byte header. */
#define CSSP_TLS_RECORD_MAX (5 + 16384 + 2048)

/*
 * Length of the TLS record starting at @in, header included: > 0 when the
 * record is complete in @len bytes, 0 when more bytes are needed, -1 when the
 * header is not a TLS record (content type, version 3.x, or length too big).
 */
long cssp_tls_record_len(const uint8_t *in, size_t len);

struct cssp_tls *cssp_tls_new(struct cssp_tls_server *srv);
/* Free a session, wiping its secrets. NULL is allowed. */
void cssp_tls_free(struct cssp_tls *tls);

enum cssp_tls_status {
	CSSP_TLS_OK = 0,
	CSSP_TLS_PROTOCOL = -1, /* peer error, bad record, alert: the output may hold an alert */
	CSSP_TLS_INTERNAL = -2, /* allocation or library failure */
};

/*
 * Feed exactly one complete record (as measured by cssp_tls_record_len()).
 * During the handshake it advances the handshake; afterwards it decrypts
 * application data into the plaintext buffer. Records to send (handshake
 * flights, alerts) accumulate in the output buffer. A renegotiation attempt,
 * a KeyUpdate, or any record after a fatal error is CSSP_TLS_PROTOCOL.
 */
enum cssp_tls_status cssp_tls_feed_record(struct cssp_tls *tls, const uint8_t *rec, size_t len);
bool cssp_tls_handshake_done(const struct cssp_tls *tls);
/* Application data received and not yet consumed by the engine (it may consume from it). */
struct cssp_buf *cssp_tls_plaintext(struct cssp_tls *tls);
/* Encrypt application data as records into the output buffer. */
enum cssp_tls_status cssp_tls_write(struct cssp_tls *tls, const uint8_t *data, size_t len);
/* Move the pending output records to the end of @out. 0 or -1 (ENOMEM). */
int cssp_tls_take_output(struct cssp_tls *tls, struct cssp_buf *out);

/* After the handshake: 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3), and the IANA cipher name. */
uint16_t cssp_tls_version(const struct cssp_tls *tls);
const char *cssp_tls_cipher_name(const struct cssp_tls *tls);

/*
 * Traffic keys of the established session, in the terms of the kernel's
 * struct tls12_crypto_info_* (<linux/tls.h>), for setsockopt(SOL_TLS,
 * TLS_TX/TLS_RX): tx is what the server sends, rx what it receives. rec_seq
 * is the big-endian sequence number of the next record in that direction.
 * AES-GCM: key 16 or 32 bytes, salt 4, iv 8; ChaCha20-Poly1305: key 32,
 * salt 0, iv 12. For TLS 1.2 AES-GCM the tx iv is the next explicit nonce:
 * OpenSSL's last one plus 1 (OpenSSL starts at a random value, so the
 * sequence number could repeat one of its nonces); the rx iv is unused.
 * After a successful export the session encrypts and decrypts nothing more.
 */
struct cssp_tls_dir_keys {
	uint8_t key[32];
	uint8_t salt[4];
	uint8_t iv[12];
	uint8_t rec_seq[8];
};

struct cssp_tls_keys {
	/* TLS_1_2_VERSION 0x0303 or TLS_1_3_VERSION 0x0304 */
	uint16_t version;
	/* TLS_CIPHER_AES_GCM_128 51, TLS_CIPHER_AES_GCM_256 52, TLS_CIPHER_CHACHA20_POLY1305 54 */
	uint16_t cipher_type;
	uint8_t key_len, salt_len, iv_len;
	struct cssp_tls_dir_keys tx, rx;
};

/*
 * Export the keys (the caller wipes them after use). Fails (-1) before the
 * handshake is done, when OpenSSL holds unread input, or after a KeyUpdate.
 */
int cssp_tls_export_keys(struct cssp_tls *tls, struct cssp_tls_keys *out);

#endif /* CSSP_TLS_H */
