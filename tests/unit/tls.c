// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of helper/tls.c, the engine's TLS server: an in-process OpenSSL
 * client on memory BIOs talks to it record by record, and the exported kTLS
 * keys are proven by encrypting and decrypting records the way the kernel
 * does, with tests/lib/record.c (EVP only, independent of tls.c).
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "kselftest_harness.h"
#include "record.h"
#include "tls.h"
#include "tls_peer.h"

#define REC_BUF (CSSP_TLS_RECORD_MAX + 64)

/* ---------------------------------------------------------------------------------------------
 * Temporary directories: one base per run, removed by the parent at exit.
 */

static char g_base[PATH_MAX];
static pid_t g_base_pid;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

__attribute__((constructor)) static void base_init(void)
{
	const char *tmp = getenv("TMPDIR");

	int n = snprintf(g_base, sizeof(g_base), "%s/cssp-tls-XXXXXX", tmp && *tmp ? tmp : "/tmp");

	if (n < 0 || (size_t)n >= sizeof(g_base) || !mkdtemp(g_base)) {
		perror("mkdtemp");
		exit(1);
	}
	g_base_pid = getpid();
}

__attribute__((destructor)) static void base_fini(void)
{
	if (getpid() == g_base_pid && g_base[0])
		rm_rf(g_base);
}

/* @dir/@name; an empty string if it does not fit (the test then fails on it). */
static void path_in(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		out[0] = '\0';
}

/* A fresh directory under the base, for one test. */
static void fresh_dir(char *out, size_t size, const char *name)
{
	static int n;

	int len = snprintf(out, size, "%s/%s-%d-%d", g_base, name, (int)getpid(), n++);

	if (len < 0 || (size_t)len >= size || mkdir(out, 0700) != 0)
		out[0] = '\0';
}

/* The shared self-signed state directories of the fixture (made once by the first test). */
static void shared_dir(char *out, size_t size, bool ec)
{
	path_in(out, size, g_base, ec ? "ec" : "rsa");
}

static int read_file(const char *path, struct cssp_buf *out)
{
	uint8_t buf[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (cssp_buf_append(out, buf, n))
			break;
	fclose(f);
	return 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* ---------------------------------------------------------------------------------------------
 * The client: OpenSSL on memory BIOs
 */

static int g_tickets; /* NewSessionTicket messages received by clients in this process */

static void client_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
			  SSL *ssl, void *arg)
{
	const uint8_t *p = buf;

	(void)version;
	(void)ssl;
	(void)arg;
	if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 &&
	    p[0] == SSL3_MT_NEWSESSION_TICKET)
		g_tickets++;
}

static SSL_CTX *client_ctx(int min_version, int max_version, const char *suites13,
			   const char *suites12)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, max_version) != 1 ||
	    (suites13 && SSL_CTX_set_ciphersuites(ctx, suites13) != 1) ||
	    (suites12 && SSL_CTX_set_cipher_list(ctx, suites12) != 1)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_msg_callback(ctx, client_msg_cb);
	return ctx;
}

/* Move what a memory BIO holds to the end of @out. */
static int bio_drain(BIO *b, struct cssp_buf *out)
{
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);

	if (n <= 0)
		return 0;
	if (cssp_buf_append(out, data, (size_t)n))
		return -1;
	return BIO_reset(b) == 1 ? 0 : -1;
}

static int bio_put(BIO *b, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	return BIO_write(b, data, (int)len) == (int)len ? 0 : -1;
}

#define FRAMING_ERROR 100 /* not a cssp_tls_status */

/* Feed every byte the client wrote to the server, one record at a time. */
static int to_server(struct tls_peer *c, struct cssp_tls *tls, int *records)
{
	struct cssp_buf b = {0};
	size_t off = 0;
	int st = CSSP_TLS_OK;
	long n;

	if (bio_drain(c->wbio, &b))
		return FRAMING_ERROR;
	while (off < b.len) {
		n = cssp_tls_record_len(b.data + off, b.len - off);
		if (n <= 0) {
			st = FRAMING_ERROR;
			break;
		}
		st = cssp_tls_feed_record(tls, b.data + off, (size_t)n);
		if (records)
			(*records)++;
		if (st != CSSP_TLS_OK)
			break;
		off += (size_t)n;
	}
	cssp_buf_free(&b);
	return st;
}

/* Deliver the server's output to the client; @wire (optional) logs it. */
static int to_client(struct cssp_tls *tls, struct tls_peer *c, struct cssp_buf *wire)
{
	struct cssp_buf b = {0};
	int ret = -1;

	if (cssp_tls_take_output(tls, &b))
		return -1;
	if (bio_put(c->rbio, b.data, b.len))
		goto out;
	if (wire && cssp_buf_append(wire, b.data, b.len))
		goto out;
	ret = 0;
out:
	cssp_buf_free(&b);
	return ret;
}

static int handshake(struct cssp_tls *tls, struct tls_peer *c, struct cssp_buf *wire)
{
	int i, r;

	for (i = 0; i < 10; i++) {
		ERR_clear_error();
		r = SSL_do_handshake(c->ssl);
		if (r != 1 && SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ)
			return -1;
		if (to_server(c, tls, NULL) != CSSP_TLS_OK)
			return -1;
		if (to_client(tls, c, wire))
			return -1;
		if (r == 1 && cssp_tls_handshake_done(tls))
			return 0;
	}
	return -1;
}

/* Client -> server application data through the normal path. */
static int c2s(struct tls_peer *c, struct cssp_tls *tls, const char *msg)
{
	struct cssp_buf *pt = cssp_tls_plaintext(tls);
	size_t len = strlen(msg);

	if (SSL_write(c->ssl, msg, (int)len) != (int)len)
		return -1;
	if (to_server(c, tls, NULL) != CSSP_TLS_OK)
		return -1;
	if (pt->len != len || memcmp(pt->data, msg, len) != 0)
		return -1;
	cssp_buf_consume(pt, len);
	return 0;
}

/* Server -> client application data through the normal path. */
static int s2c(struct cssp_tls *tls, struct tls_peer *c, const char *msg, struct cssp_buf *wire)
{
	char buf[256];
	size_t len = strlen(msg);

	if (cssp_tls_write(tls, (const uint8_t *)msg, len) != CSSP_TLS_OK)
		return -1;
	if (to_client(tls, c, wire))
		return -1;
	if (SSL_read(c->ssl, buf, sizeof(buf)) != (int)len)
		return -1;
	return memcmp(buf, msg, len) ? -1 : 0;
}

/* The explicit nonces of the server's encrypted TLS 1.2 records, from what went on the wire. */
static size_t wire_nonces(const struct cssp_buf *wire, uint8_t (*nonces)[8], size_t max)
{
	size_t off = 0, n = 0;
	bool ccs = false;
	long len;

	while (off < wire->len) {
		len = cssp_tls_record_len(wire->data + off, wire->len - off);
		if (len <= 0)
			break;
		if (wire->data[off] == SSL3_RT_CHANGE_CIPHER_SPEC)
			ccs = true;
		else if (ccs && n < max && len >= 13)
			memcpy(nonces[n++], wire->data + off + 5, 8);
		off += (size_t)len;
	}
	return n;
}

static void incr_be64(uint8_t *p)
{
	rec_put_be64(p, rec_get_be64(p) + 1);
}

/* ---------------------------------------------------------------------------------------------
 * The sessions fixture: one variant per protocol version and cipher suite
 */

FIXTURE(session)
{
	char dir[PATH_MAX];
	struct cssp_tls_server *srv;
	SSL_CTX *cctx;
};

FIXTURE_VARIANT(session)
{
	int version;
	const char *suite; /* OpenSSL name, for the client */
	const char *iana;
	bool ec;
	uint16_t cipher_type;
	uint8_t key_len;
};

FIXTURE_VARIANT_ADD(session, tls13_aes128gcm){
	.version = TLS1_3_VERSION,
	.suite = "TLS_AES_128_GCM_SHA256",
	.iana = "TLS_AES_128_GCM_SHA256",
	.cipher_type = TLS_CIPHER_AES_GCM_128,
	.key_len = 16,
};

FIXTURE_VARIANT_ADD(session, tls13_aes256gcm){
	.version = TLS1_3_VERSION,
	.suite = "TLS_AES_256_GCM_SHA384",
	.iana = "TLS_AES_256_GCM_SHA384",
	.cipher_type = TLS_CIPHER_AES_GCM_256,
	.key_len = 32,
};

FIXTURE_VARIANT_ADD(session, tls13_chacha20){
	.version = TLS1_3_VERSION,
	.suite = "TLS_CHACHA20_POLY1305_SHA256",
	.iana = "TLS_CHACHA20_POLY1305_SHA256",
	.cipher_type = TLS_CIPHER_CHACHA20_POLY1305,
	.key_len = 32,
};

FIXTURE_VARIANT_ADD(session, tls12_rsa_aes128gcm){
	.version = TLS1_2_VERSION,
	.suite = "ECDHE-RSA-AES128-GCM-SHA256",
	.iana = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	.cipher_type = TLS_CIPHER_AES_GCM_128,
	.key_len = 16,
};

FIXTURE_VARIANT_ADD(session, tls12_rsa_aes256gcm){
	.version = TLS1_2_VERSION,
	.suite = "ECDHE-RSA-AES256-GCM-SHA384",
	.iana = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	.cipher_type = TLS_CIPHER_AES_GCM_256,
	.key_len = 32,
};

FIXTURE_VARIANT_ADD(session, tls12_rsa_chacha20){
	.version = TLS1_2_VERSION,
	.suite = "ECDHE-RSA-CHACHA20-POLY1305",
	.iana = "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	.cipher_type = TLS_CIPHER_CHACHA20_POLY1305,
	.key_len = 32,
};

FIXTURE_VARIANT_ADD(session, tls12_ecdsa_aes128gcm){
	.version = TLS1_2_VERSION,
	.suite = "ECDHE-ECDSA-AES128-GCM-SHA256",
	.iana = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	.ec = true,
	.cipher_type = TLS_CIPHER_AES_GCM_128,
	.key_len = 16,
};

FIXTURE_VARIANT_ADD(session, tls13_ecdsa_aes256gcm){
	.version = TLS1_3_VERSION,
	.suite = "TLS_AES_256_GCM_SHA384",
	.iana = "TLS_AES_256_GCM_SHA384",
	.ec = true,
	.cipher_type = TLS_CIPHER_AES_GCM_256,
	.key_len = 32,
};

FIXTURE_SETUP(session)
{
	struct cssp_tls_config cfg = {0};
	char err[512] = "";

	shared_dir(self->dir, sizeof(self->dir), variant->ec);
	cfg.state_dir = self->dir;
	cfg.self_signed_ec = variant->ec;
	ASSERT_EQ(0, cssp_tls_server_new(&cfg, &self->srv, err, sizeof(err)))
	TH_LOG("%s", err);
	if (variant->version == TLS1_3_VERSION)
		self->cctx = client_ctx(TLS1_3_VERSION, TLS1_3_VERSION, variant->suite, NULL);
	else
		self->cctx = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, NULL, variant->suite);
	ASSERT_NE(NULL, self->cctx);
	g_tickets = 0;
}

FIXTURE_TEARDOWN(session)
{
	SSL_CTX_free(self->cctx);
	cssp_tls_server_free(self->srv);
}

/* Prove exported keys against the client: decrypt its next records, encrypt records it accepts. */
static void prove_keys(struct __test_metadata *_metadata, const struct cssp_tls_keys *k,
		       struct tls_peer *c)
{
	static const char *const up[] = {"03 00 01 c3 02 f0 80 7f 65 (MCS Connect-Initial)",
					 "second record after the hand-off"};
	static const char *const down[] = {"HELLO-FROM-EXPORTED-TX-KEY", "and another one"};
	uint64_t rx = rec_get_be64(k->rx.rec_seq), tx = rec_get_be64(k->tx.rec_seq);
	uint8_t rec[REC_BUF], pt[REC_BUF], explicit_nonce[8], type = 0;
	struct rec_keys rxk, txk;
	struct cssp_buf wire = {0};
	char got[256], err[256] = "";
	long n;

	ASSERT_EQ(0, rec_keys_init(&rxk, k, &k->rx, err, sizeof(err))) TH_LOG("rx: %s", err);
	ASSERT_EQ(0, rec_keys_init(&txk, k, &k->tx, err, sizeof(err))) TH_LOG("tx: %s", err);
	EXPECT_EQ(rx, rxk.seq);
	EXPECT_EQ(tx, txk.seq);

	/* (1) kTLS RX: the client's next records, as record numbers rx and rx + 1. */
	for (int i = 0; i < 2; i++) {
		size_t len = strlen(up[i]);

		ASSERT_EQ((int)len, SSL_write(c->ssl, up[i], (int)len));
		ASSERT_EQ(0, bio_drain(c->wbio, &wire));
		ASSERT_EQ((long)wire.len, cssp_tls_record_len(wire.data, wire.len));
		ASSERT_EQ((long)wire.len, rec_len(wire.data, wire.len));
		/* The wrong record number fails the tag check: the test is sensitive to it. */
		rxk.seq = rx + i + 1;
		EXPECT_EQ(-1, rec_open(&rxk, wire.data, wire.len, &type, pt, sizeof(pt), NULL, 0));
		if (rx + i > 0) {
			rxk.seq = rx + i - 1;
			EXPECT_EQ(-1, rec_open(&rxk, wire.data, wire.len, &type, pt, sizeof(pt),
					       NULL, 0));
		}
		rxk.seq = rx + i;
		n = rec_open(&rxk, wire.data, wire.len, &type, pt, sizeof(pt), err, sizeof(err));
		ASSERT_EQ((long)len, n) TH_LOG("%s", err);
		EXPECT_EQ(rx + i + 1, rxk.seq);
		EXPECT_EQ(SSL3_RT_APPLICATION_DATA, type);
		EXPECT_EQ(0, memcmp(pt, up[i], len));
		cssp_buf_free(&wire);
	}

	/* (2) kTLS TX: records the client must accept, as record numbers tx and tx + 1. */
	memcpy(explicit_nonce, k->tx.iv, 8);
	for (int i = 0; i < 2; i++) {
		size_t len = strlen(down[i]);

		EXPECT_EQ(tx + i, txk.seq);
		n = rec_seal(&txk, SSL3_RT_APPLICATION_DATA, down[i], len, rec, sizeof(rec));
		ASSERT_LT(0, n);
		/* TLS 1.2 GCM: the record carries the tx iv, which goes up by 1 per record */
		if (rec_gcm12(k))
			EXPECT_EQ(0, memcmp(rec + REC_HDR, explicit_nonce, 8));
		ASSERT_EQ(0, bio_put(c->rbio, rec, (size_t)n));
		ASSERT_EQ((int)len, SSL_read(c->ssl, got, sizeof(got)));
		EXPECT_EQ(0, memcmp(got, down[i], len));
		incr_be64(explicit_nonce); /* what the kernel does with the TLS 1.2 GCM tx iv */
	}
	rec_keys_wipe(&rxk);
	rec_keys_wipe(&txk);
}

TEST_F(session, export_keys_after_traffic)
{
	struct cssp_tls *tls = cssp_tls_new(self->srv);
	struct cssp_buf wire = {0};
	struct cssp_tls_keys k;
	uint8_t nonces[16][8];
	uint64_t rx, tx, want_rx, want_tx;
	struct tls_peer c;
	char msg[64];
	size_t nn;
	int i;

	ASSERT_NE(NULL, tls);
	ASSERT_EQ(0, tls_peer_new(self->cctx, &c, false));
	EXPECT_EQ(-1, cssp_tls_export_keys(tls, &k)); /* before the handshake */
	EXPECT_EQ(0, cssp_tls_version(tls));
	EXPECT_EQ(NULL, cssp_tls_cipher_name(tls));
	ASSERT_EQ(0, handshake(tls, &c, &wire));
	EXPECT_EQ(variant->version, cssp_tls_version(tls));
	ASSERT_NE(NULL, cssp_tls_cipher_name(tls));
	EXPECT_STREQ(variant->iana, cssp_tls_cipher_name(tls));

	/* Application data both ways through OpenSSL: 3 records up, 2 down. */
	for (i = 0; i < 3; i++) {
		snprintf(msg, sizeof(msg), "TSRequest %d from the client", i);
		ASSERT_EQ(0, c2s(&c, tls, msg));
	}
	for (i = 0; i < 2; i++) {
		snprintf(msg, sizeof(msg), "TSRequest %d from the server", i);
		ASSERT_EQ(0, s2c(tls, &c, msg, &wire));
	}

	ASSERT_EQ(0, cssp_tls_export_keys(tls, &k));
	EXPECT_EQ(variant->version, k.version);
	EXPECT_EQ(variant->cipher_type, k.cipher_type);
	EXPECT_EQ(variant->key_len, k.key_len);
	if (variant->cipher_type == TLS_CIPHER_CHACHA20_POLY1305) {
		EXPECT_EQ(0, k.salt_len);
		EXPECT_EQ(12, k.iv_len);
	} else {
		EXPECT_EQ(4, k.salt_len);
		EXPECT_EQ(8, k.iv_len);
	}
	/*
	 * Measured: TLS 1.3 counts from 0 after the handshake (no tickets);
	 * TLS 1.2 counts the Finished record as number 0 in each direction.
	 */
	rx = rec_get_be64(k.rx.rec_seq);
	tx = rec_get_be64(k.tx.rec_seq);
	want_rx = variant->version == TLS1_3_VERSION ? 3 : 4;
	want_tx = variant->version == TLS1_3_VERSION ? 2 : 3;
	EXPECT_EQ(want_rx, rx);
	EXPECT_EQ(want_tx, tx);
	if (rec_gcm12(&k)) {
		/* The tx iv continues OpenSSL's explicit nonces: never one it used. */
		nn = wire_nonces(&wire, nonces, 16);
		ASSERT_EQ(tx, nn); /* Finished + 2 application records */
		for (size_t j = 0; j < nn; j++)
			EXPECT_NE(0, memcmp(nonces[j], k.tx.iv, 8));
		incr_be64(nonces[nn - 1]);
		EXPECT_EQ(0, memcmp(nonces[nn - 1], k.tx.iv, 8));
		EXPECT_EQ(rx, rec_get_be64(k.rx.iv));
	}
	prove_keys(_metadata, &k, &c);

	/* OpenSSL must not encrypt or decrypt with these keys any more. */
	EXPECT_NE(CSSP_TLS_OK, cssp_tls_write(tls, (const uint8_t *)"x", 1));
	OPENSSL_cleanse(&k, sizeof(k));
	cssp_buf_free(&wire);
	tls_peer_free(&c);
	cssp_tls_free(tls);
}

/* TLS 1.3: the client's Finished and first application record come back to back. */
TEST_F(session, finished_and_data_together)
{
	struct cssp_tls *tls = cssp_tls_new(self->srv);
	struct cssp_tls_keys k;
	struct cssp_buf *pt;
	struct tls_peer c;
	int records = 0;

	if (variant->version != TLS1_3_VERSION) {
		cssp_tls_free(tls);
		SKIP(return, "TLS 1.3 only (TLS 1.2 clients wait for the server Finished)");
	}
	ASSERT_NE(NULL, tls);
	ASSERT_EQ(0, tls_peer_new(self->cctx, &c, false));
	ASSERT_EQ(-1, SSL_do_handshake(c.ssl));
	ASSERT_EQ(CSSP_TLS_OK, to_server(&c, tls, NULL));
	ASSERT_EQ(0, to_client(tls, &c, NULL));
	ASSERT_EQ(1, SSL_do_handshake(c.ssl));
	ASSERT_EQ(5, SSL_write(c.ssl, "early", 5));
	EXPECT_FALSE(cssp_tls_handshake_done(tls));
	ASSERT_EQ(CSSP_TLS_OK, to_server(&c, tls, &records));
	EXPECT_LE(2, records); /* [ChangeCipherSpec,] Finished, data */
	EXPECT_TRUE(cssp_tls_handshake_done(tls));
	pt = cssp_tls_plaintext(tls);
	ASSERT_EQ(5, pt->len);
	EXPECT_EQ(0, memcmp(pt->data, "early", 5));
	cssp_buf_consume(pt, 5);

	ASSERT_EQ(0, cssp_tls_export_keys(tls, &k));
	EXPECT_EQ(1, rec_get_be64(k.rx.rec_seq));
	EXPECT_EQ(0, rec_get_be64(k.tx.rec_seq));
	prove_keys(_metadata, &k, &c);
	OPENSSL_cleanse(&k, sizeof(k));
	tls_peer_free(&c);
	cssp_tls_free(tls);
}

/*
 * Mid-handshake, after the server's flight and before the client's
 * Finished (a TLS 1.3 server has its application secret by then): no
 * export, no data.
 */
TEST_F(session, no_export_before_client_finished)
{
	struct cssp_tls *tls = cssp_tls_new(self->srv);
	struct cssp_tls_keys k;
	struct tls_peer c;

	ASSERT_NE(NULL, tls);
	ASSERT_EQ(0, tls_peer_new(self->cctx, &c, false));
	ASSERT_EQ(-1, SSL_do_handshake(c.ssl));
	ASSERT_EQ(CSSP_TLS_OK, to_server(&c, tls, NULL));
	ASSERT_EQ(0, to_client(tls, &c, NULL));
	EXPECT_FALSE(cssp_tls_handshake_done(tls));
	EXPECT_EQ(-1, cssp_tls_export_keys(tls, &k));
	EXPECT_NE(CSSP_TLS_OK, cssp_tls_write(tls, (const uint8_t *)"x", 1));
	OPENSSL_cleanse(&k, sizeof(k));
	tls_peer_free(&c);
	cssp_tls_free(tls);
}

/* A ClientHello in several handshake records (one of them splits the message header). */
TEST_F(session, split_client_hello)
{
	static const size_t cuts[] = {1, 100};
	struct cssp_tls *tls = cssp_tls_new(self->srv);
	struct cssp_buf hello = {0}, out = {0};
	uint8_t rec[REC_BUF];
	size_t off = 0, body, part;
	struct tls_peer c;

	ASSERT_NE(NULL, tls);
	ASSERT_EQ(0, tls_peer_new(self->cctx, &c, false));
	ASSERT_EQ(-1, SSL_do_handshake(c.ssl));
	ASSERT_EQ(0, bio_drain(c.wbio, &hello));
	ASSERT_EQ((long)hello.len, cssp_tls_record_len(hello.data, hello.len));
	ASSERT_EQ(SSL3_RT_HANDSHAKE, hello.data[0]);
	body = hello.len - 5;
	ASSERT_LT(cuts[1], body);
	for (int i = 0; i < 3; i++) {
		part = (i < 2 ? cuts[i] : body) - off;
		memcpy(rec, hello.data, 3);
		rec[3] = (uint8_t)(part >> 8);
		rec[4] = (uint8_t)part;
		memcpy(rec + 5, hello.data + 5 + off, part);
		off += part;
		ASSERT_EQ(CSSP_TLS_OK, cssp_tls_feed_record(tls, rec, 5 + part));
		ASSERT_EQ(0, cssp_tls_take_output(tls, &out));
		if (i < 2)
			EXPECT_EQ(0, out.len); /* nothing before the whole ClientHello */
	}
	ASSERT_LT(0, out.len); /* the server's flight */
	ASSERT_EQ(0, bio_put(c.rbio, out.data, out.len));
	ASSERT_EQ(0, handshake(tls, &c, NULL));
	ASSERT_EQ(0, c2s(&c, tls, "after a split ClientHello"));
	ASSERT_EQ(0, s2c(tls, &c, "and back", NULL));
	cssp_buf_free(&hello);
	cssp_buf_free(&out);
	tls_peer_free(&c);
	cssp_tls_free(tls);
}

/* TLS 1.2 renegotiation and TLS 1.3 KeyUpdate (both kinds) are refused, and fatal. */
TEST_F(session, refuses_renegotiation_and_key_update)
{
	static const int kinds[] = {SSL_KEY_UPDATE_NOT_REQUESTED, SSL_KEY_UPDATE_REQUESTED};
	int rounds = variant->version == TLS1_3_VERSION ? 2 : 1;

	for (int i = 0; i < rounds; i++) {
		struct cssp_tls *tls = cssp_tls_new(self->srv);
		struct cssp_tls_keys k;
		struct cssp_buf out = {0};
		uint8_t alert[] = {21, 3, 3, 0, 2, 1, 0};
		struct tls_peer c;

		ASSERT_NE(NULL, tls);
		ASSERT_EQ(0, tls_peer_new(self->cctx, &c, false));
		ASSERT_EQ(0, handshake(tls, &c, NULL));
		ASSERT_EQ(0, c2s(&c, tls, "before"));
		if (variant->version == TLS1_3_VERSION) {
			ASSERT_EQ(1, SSL_key_update(c.ssl, kinds[i]));
			ASSERT_EQ(1, SSL_do_handshake(c.ssl)); /* sends the KeyUpdate */
		} else {
			ASSERT_EQ(1, SSL_renegotiate(c.ssl));
			ASSERT_EQ(-1, SSL_do_handshake(c.ssl)); /* sends a ClientHello */
		}
		EXPECT_EQ(CSSP_TLS_PROTOCOL, to_server(&c, tls, NULL));
		/*
		 * TLS 1.2: no ServerHello, OpenSSL itself refused with a
		 * no_renegotiation warning (one encrypted alert record). TLS 1.3:
		 * OpenSSL accepts a KeyUpdate silently; only tls.c refuses it.
		 */
		ASSERT_EQ(0, cssp_tls_take_output(tls, &out));
		if (variant->version == TLS1_2_VERSION) {
			ASSERT_LT(0, out.len);
			EXPECT_EQ((long)out.len, cssp_tls_record_len(out.data, out.len));
			EXPECT_EQ(SSL3_RT_ALERT, out.data[0]);
		}
		cssp_buf_free(&out);
		/* Everything fails afterwards, even records OpenSSL could still decrypt. */
		if (variant->version == TLS1_3_VERSION) {
			ASSERT_EQ(5, SSL_write(c.ssl, "after", 5));
			EXPECT_EQ(CSSP_TLS_PROTOCOL, to_server(&c, tls, NULL));
			EXPECT_EQ(0, cssp_tls_plaintext(tls)->len);
		}
		EXPECT_FALSE(cssp_tls_handshake_done(tls));
		EXPECT_EQ(-1, cssp_tls_export_keys(tls, &k));
		EXPECT_EQ(CSSP_TLS_PROTOCOL, cssp_tls_write(tls, (const uint8_t *)"x", 1));
		EXPECT_EQ(CSSP_TLS_PROTOCOL, cssp_tls_feed_record(tls, alert, sizeof(alert)));
		EXPECT_EQ(0, cssp_tls_take_output(tls, &out));
		cssp_buf_free(&out);
		tls_peer_free(&c);
		cssp_tls_free(tls);
	}
}

/* A default OpenSSL server (the control) with the same certificate. */
static SSL_CTX *control_server(const char *dir)
{
	char cert[PATH_MAX + 16], key[PATH_MAX + 16];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	path_in(cert, sizeof(cert), dir, "cert.pem");
	path_in(key, sizeof(key), dir, "key.pem");
	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Connect @c to the control server @s in memory, exchange data, return whether it resumed. */
static int control_connect(struct tls_peer *c, struct tls_peer *s)
{
	char buf[16];
	int i, rc = -1, rs = -1;
	struct cssp_buf b = {0};

	for (i = 0; i < 10 && (rc != 1 || rs != 1); i++) {
		rc = SSL_do_handshake(c->ssl);
		if (bio_drain(c->wbio, &b) || bio_put(s->rbio, b.data, b.len))
			return -1;
		cssp_buf_free(&b);
		rs = SSL_do_handshake(s->ssl);
		if (bio_drain(s->wbio, &b) || bio_put(c->rbio, b.data, b.len))
			return -1;
		cssp_buf_free(&b);
	}
	if (rc != 1 || rs != 1)
		return -1;
	/* Let the client read what follows the handshake (TLS 1.3 tickets). */
	if (SSL_write(s->ssl, "ping", 4) != 4 || bio_drain(s->wbio, &b) ||
	    bio_put(c->rbio, b.data, b.len) || SSL_read(c->ssl, buf, sizeof(buf)) != 4)
		return -1;
	cssp_buf_free(&b);
	/* A clean close, so that the session stays resumable on both sides. */
	SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_set_shutdown(s->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	return SSL_session_reused(c->ssl);
}

/* No tickets are sent and a session cannot be resumed (CredSSP forbids resumption). */
TEST_F(session, no_tickets_no_resumption)
{
	struct cssp_tls *tls, *tls2;
	SSL_SESSION *sess;
	SSL_CTX *control;
	struct tls_peer c, s;

	/* Control: a default OpenSSL server sends tickets and resumes; the test notices. */
	control = control_server(self->dir);
	ASSERT_NE(NULL, control);
	ASSERT_EQ(0, tls_peer_new(self->cctx, &c, false));
	ASSERT_EQ(0, tls_peer_new(control, &s, true));
	ASSERT_EQ(0, control_connect(&c, &s));
	EXPECT_LT(0, g_tickets);
	sess = SSL_get1_session(c.ssl);
	ASSERT_NE(NULL, sess);
	tls_peer_free(&c);
	tls_peer_free(&s);
	ASSERT_EQ(0, tls_peer_new(self->cctx, &c, false));
	ASSERT_EQ(0, tls_peer_new(control, &s, true));
	ASSERT_EQ(1, SSL_set_session(c.ssl, sess));
	EXPECT_EQ(1, control_connect(&c, &s));
	SSL_SESSION_free(sess);
	tls_peer_free(&c);
	tls_peer_free(&s);
	SSL_CTX_free(control);

	/* Our server: no tickets ... */
	g_tickets = 0;
	tls = cssp_tls_new(self->srv);
	ASSERT_NE(NULL, tls);
	ASSERT_EQ(0, tls_peer_new(self->cctx, &c, false));
	ASSERT_EQ(0, handshake(tls, &c, NULL));
	ASSERT_EQ(0, s2c(tls, &c, "let the client read everything", NULL));
	ASSERT_EQ(0, c2s(&c, tls, "ok"));
	EXPECT_EQ(0, g_tickets);
	sess = SSL_get1_session(c.ssl);
	ASSERT_NE(NULL, sess);
	SSL_set_shutdown(c.ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	tls_peer_free(&c);

	/*
	 * ... and the second connection with the first session is a full
	 * handshake, while the first one is still alive (so that a server-side
	 * session cache would still hold it).
	 */
	tls2 = cssp_tls_new(self->srv);
	ASSERT_NE(NULL, tls2);
	ASSERT_EQ(0, tls_peer_new(self->cctx, &c, false));
	ASSERT_EQ(1, SSL_set_session(c.ssl, sess));
	ASSERT_EQ(0, handshake(tls2, &c, NULL));
	ASSERT_EQ(0, c2s(&c, tls2, "second"));
	ASSERT_EQ(0, s2c(tls2, &c, "connection", NULL));
	EXPECT_EQ(0, SSL_session_reused(c.ssl));
	EXPECT_EQ(0, g_tickets);
	SSL_SESSION_free(sess);
	tls_peer_free(&c);
	cssp_tls_free(tls2);
	cssp_tls_free(tls);
}

/* The pubKeyAuth input: the subjectPublicKey BIT STRING contents of the presented certificate. */
TEST_F(session, public_key_bytes)
{
	const struct cssp_buf *pk = cssp_tls_server_public_key(self->srv);
	struct cssp_tls *tls = cssp_tls_new(self->srv);
	unsigned char *der = NULL;
	EVP_PKEY *peer_key;
	struct tls_peer c;
	int n;

	ASSERT_NE(NULL, pk);
	ASSERT_NE(NULL, tls);
	if (variant->ec) {
		ASSERT_EQ(65, pk->len);
		EXPECT_EQ(0x04, pk->data[0]);
	} else {
		ASSERT_EQ(270, pk->len);
		EXPECT_EQ(0, memcmp(pk->data, "\x30\x82\x01\x0a", 4));
	}
	ASSERT_EQ(0, tls_peer_new(self->cctx, &c, false));
	ASSERT_EQ(0, handshake(tls, &c, NULL));
	peer_key = X509_get0_pubkey(SSL_get0_peer_certificate(c.ssl));
	ASSERT_NE(NULL, peer_key);
	n = i2d_PublicKey(peer_key, &der);
	ASSERT_EQ((int)pk->len, n);
	EXPECT_EQ(0, memcmp(der, pk->data, pk->len));
	OPENSSL_free(der);
	tls_peer_free(&c);
	cssp_tls_free(tls);
}

/* ---------------------------------------------------------------------------------------------
 * Record framing, policy failures, misuse
 */

TEST(record_len)
{
	uint8_t rec[5 + 18432 + 1] = {22, 3, 1, 0, 4, 1, 0, 0, 0};
	size_t i;

	EXPECT_EQ(0, cssp_tls_record_len(rec, 0));
	EXPECT_EQ(0, cssp_tls_record_len(NULL, 5));
	for (i = 1; i < 9; i++) {
		EXPECT_EQ(0, cssp_tls_record_len(rec, i)) TH_LOG("%zu bytes", i);
	}
	EXPECT_EQ(9, cssp_tls_record_len(rec, 9));
	EXPECT_EQ(9, cssp_tls_record_len(rec, 20)); /* the next record does not count */
	for (int t = 20; t <= 23; t++) {
		rec[0] = (uint8_t)t;
		EXPECT_EQ(9, cssp_tls_record_len(rec, 9));
	}
	/* Garbage: content type, version, SSLv2 hello, HTTP. */
	rec[0] = 19;
	EXPECT_EQ(-1, cssp_tls_record_len(rec, 1));
	rec[0] = 24;
	EXPECT_EQ(-1, cssp_tls_record_len(rec, 9));
	rec[0] = 22;
	rec[1] = 2;
	EXPECT_EQ(-1, cssp_tls_record_len(rec, 2));
	EXPECT_EQ(-1, cssp_tls_record_len((const uint8_t *)"\x80\x2e\x01\x03\x01", 5));
	EXPECT_EQ(-1, cssp_tls_record_len((const uint8_t *)"GET / HTTP/1.1\r\n", 16));
	/* Oversize: 2^14 + 2048 is the most. */
	rec[1] = 3;
	rec[3] = 0x48;
	rec[4] = 0x00;
	EXPECT_EQ(0, cssp_tls_record_len(rec, 5));
	EXPECT_EQ(CSSP_TLS_RECORD_MAX, cssp_tls_record_len(rec, sizeof(rec)));
	rec[4] = 0x01;
	EXPECT_EQ(-1, cssp_tls_record_len(rec, 5));
	rec[3] = 0xff;
	EXPECT_EQ(-1, cssp_tls_record_len(rec, 5));
}

static void policy_failure(struct __test_metadata *_metadata, SSL_CTX *cctx, uint8_t want_alert)
{
	struct cssp_tls_server *srv = NULL;
	struct cssp_tls_config cfg = {0};
	struct cssp_buf out = {0};
	struct cssp_tls *tls;
	char dir[PATH_MAX], err[512] = "";
	struct tls_peer c;
	int r;

	ASSERT_NE(NULL, cctx);
	shared_dir(dir, sizeof(dir), false);
	cfg.state_dir = dir;
	ASSERT_EQ(0, cssp_tls_server_new(&cfg, &srv, err, sizeof(err))) TH_LOG("%s", err);
	tls = cssp_tls_new(srv);
	ASSERT_NE(NULL, tls);
	ASSERT_EQ(0, tls_peer_new(cctx, &c, false));
	r = SSL_do_handshake(c.ssl);
	ASSERT_EQ(SSL_ERROR_WANT_READ, SSL_get_error(c.ssl, r))
	TH_LOG("the client could not start: %s", ERR_error_string(ERR_get_error(), NULL));
	EXPECT_EQ(CSSP_TLS_PROTOCOL, to_server(&c, tls, NULL));
	EXPECT_FALSE(cssp_tls_handshake_done(tls));
	/* The fatal alert OpenSSL wrote is in the output, for the engine to send. */
	ASSERT_EQ(0, cssp_tls_take_output(tls, &out));
	ASSERT_EQ(7, out.len);
	EXPECT_EQ(SSL3_RT_ALERT, out.data[0]);
	EXPECT_EQ(SSL3_AL_FATAL, out.data[5]);
	EXPECT_EQ(want_alert, out.data[6]);
	/* The client sees it. */
	ASSERT_EQ(0, bio_put(c.rbio, out.data, out.len));
	EXPECT_GE(0, SSL_do_handshake(c.ssl));
	EXPECT_EQ(SSL_ERROR_SSL, SSL_get_error(c.ssl, 0));
	/* Later calls fail. */
	EXPECT_EQ(CSSP_TLS_PROTOCOL, cssp_tls_feed_record(tls, out.data, out.len));
	cssp_buf_free(&out);
	tls_peer_free(&c);
	cssp_tls_free(tls);
	cssp_tls_server_free(srv);
	ERR_clear_error();
}

TEST(refuses_tls11_client)
{
	SSL_CTX *cctx = client_ctx(TLS1_1_VERSION, TLS1_1_VERSION, NULL, "DEFAULT:@SECLEVEL=0");

	policy_failure(_metadata, cctx, SSL_AD_PROTOCOL_VERSION);
	SSL_CTX_free(cctx);
}

TEST(refuses_cbc_only_client)
{
	SSL_CTX *cctx = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, NULL,
				   "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:"
				   "ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256");

	policy_failure(_metadata, cctx, SSL_AD_HANDSHAKE_FAILURE);
	SSL_CTX_free(cctx);
}

TEST(misuse_and_garbage)
{
	static const uint8_t garbage[] = {22, 3, 1, 0, 4, 0xde, 0xad, 0xbe, 0xef};
	static const uint8_t two[] = {23, 3, 3, 0, 1, 0, 23, 3, 3, 0, 1, 0};
	struct cssp_tls_server *srv = NULL;
	struct cssp_tls_config cfg = {0};
	struct cssp_buf out = {0};
	struct cssp_tls_keys k;
	struct cssp_tls *tls;
	char dir[PATH_MAX], err[512] = "";
	SSL_CTX *cctx;
	struct tls_peer c;

	shared_dir(dir, sizeof(dir), false);
	cfg.state_dir = dir;
	ASSERT_EQ(0, cssp_tls_server_new(&cfg, &srv, err, sizeof(err))) TH_LOG("%s", err);

	/* Not exactly one record: fatal, even for a good ClientHello afterwards. */
	tls = cssp_tls_new(srv);
	ASSERT_NE(NULL, tls);
	EXPECT_EQ(CSSP_TLS_PROTOCOL, cssp_tls_feed_record(tls, two, sizeof(two)));
	EXPECT_EQ(CSSP_TLS_PROTOCOL, cssp_tls_feed_record(tls, two, 6));
	cctx = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL);
	ASSERT_NE(NULL, cctx);
	ASSERT_EQ(0, tls_peer_new(cctx, &c, false));
	ASSERT_EQ(-1, SSL_do_handshake(c.ssl));
	EXPECT_EQ(CSSP_TLS_PROTOCOL, to_server(&c, tls, NULL));
	ASSERT_EQ(0, cssp_tls_take_output(tls, &out));
	EXPECT_EQ(0, out.len);
	tls_peer_free(&c);
	SSL_CTX_free(cctx);
	cssp_tls_free(tls);

	/* Before the handshake: no export, no application data. */
	tls = cssp_tls_new(srv);
	ASSERT_NE(NULL, tls);
	EXPECT_EQ(-1, cssp_tls_export_keys(tls, &k));
	EXPECT_NE(CSSP_TLS_OK, cssp_tls_write(tls, (const uint8_t *)"x", 1));
	EXPECT_FALSE(cssp_tls_handshake_done(tls));
	/* A bad handshake message: fatal, with an alert to send. */
	EXPECT_EQ(CSSP_TLS_PROTOCOL, cssp_tls_feed_record(tls, garbage, sizeof(garbage)));
	ASSERT_EQ(0, cssp_tls_take_output(tls, &out));
	ASSERT_EQ(7, out.len);
	EXPECT_EQ(SSL3_RT_ALERT, out.data[0]);
	EXPECT_EQ(SSL3_AL_FATAL, out.data[5]);
	EXPECT_EQ(-1, cssp_tls_export_keys(tls, &k));
	cssp_buf_free(&out);
	cssp_tls_free(tls);
	cssp_tls_free(NULL);
	cssp_tls_server_free(srv);
	cssp_tls_server_free(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Certificates and keys
 */

static bool has_eku(X509 *x, int nid, const char *oid)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	ASN1_OBJECT *want = OBJ_txt2obj(oid ? oid : OBJ_nid2sn(nid), oid ? 1 : 0);
	bool found = false;

	for (int i = 0; eku && want && i < sk_ASN1_OBJECT_num(eku); i++)
		if (!OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want))
			found = true;
	ASN1_OBJECT_free(want);
	EXTENDED_KEY_USAGE_free(eku);
	return found;
}

static void check_self_signed(struct __test_metadata *_metadata, bool ec)
{
	struct cssp_tls_server *srv1 = NULL, *srv2 = NULL;
	struct cssp_tls_config cfg = {0};
	struct cssp_buf pem1 = {0}, pem2 = {0};
	char top[PATH_MAX], dir[PATH_MAX], cert[PATH_MAX + 16], key[PATH_MAX + 16];
	char err[512] = "", host[256] = "", cn[256] = "";
	GENERAL_NAMES *san;
	struct stat st;
	int days = 0, secs = 0;
	EVP_PKEY *pkey;
	X509 *x;
	BIO *bio;

	fresh_dir(top, sizeof(top), ec ? "selfsigned-ec" : "selfsigned-rsa");
	ASSERT_NE(0, top[0]);
	path_in(dir, sizeof(dir), top, "state"); /* does not exist yet */
	path_in(cert, sizeof(cert), dir, "cert.pem");
	path_in(key, sizeof(key), dir, "key.pem");
	cfg.state_dir = dir;
	cfg.self_signed_ec = ec;
	ASSERT_EQ(0, cssp_tls_server_new(&cfg, &srv1, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, stat(dir, &st));
	EXPECT_EQ(0700, st.st_mode & 0777);
	ASSERT_EQ(0, lstat(key, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 0777);
	ASSERT_EQ(0, read_file(cert, &pem1));
	ASSERT_LT(0, pem1.len);

	/* Created once: the second server uses the same pair. */
	ASSERT_EQ(0, cssp_tls_server_new(&cfg, &srv2, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, read_file(cert, &pem2));
	ASSERT_EQ(pem1.len, pem2.len);
	EXPECT_EQ(0, memcmp(pem1.data, pem2.data, pem1.len));
	ASSERT_EQ(cssp_tls_server_public_key(srv1)->len, cssp_tls_server_public_key(srv2)->len);
	EXPECT_EQ(0, memcmp(cssp_tls_server_public_key(srv1)->data,
			    cssp_tls_server_public_key(srv2)->data,
			    cssp_tls_server_public_key(srv1)->len));

	/* Its fields. */
	bio = BIO_new_mem_buf(pem1.data, (int)pem1.len);
	ASSERT_NE(NULL, bio);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ASSERT_NE(NULL, x);
	pkey = X509_get0_pubkey(x);
	ASSERT_NE(NULL, pkey);
	if (ec) {
		char group[32] = "";

		EXPECT_EQ(EVP_PKEY_EC, EVP_PKEY_get_base_id(pkey));
		EXPECT_EQ(1, EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL));
		EXPECT_STREQ("prime256v1", group);
	} else {
		EXPECT_EQ(EVP_PKEY_RSA, EVP_PKEY_get_base_id(pkey));
		EXPECT_EQ(2048, EVP_PKEY_get_bits(pkey));
	}
	ASSERT_EQ(0, gethostname(host, sizeof(host) - 1));
	ASSERT_LT(0, X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
					       sizeof(cn)));
	if (strlen(host) <= 64)
		EXPECT_STREQ(host, cn);
	san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	ASSERT_NE(NULL, san);
	ASSERT_EQ(1, sk_GENERAL_NAME_num(san));
	EXPECT_EQ(GEN_DNS, sk_GENERAL_NAME_value(san, 0)->type);
	EXPECT_STREQ(cn, (const char *)ASN1_STRING_get0_data(sk_GENERAL_NAME_value(san, 0)->d.ia5));
	GENERAL_NAMES_free(san);
	EXPECT_TRUE(has_eku(x, NID_server_auth, NULL));
	EXPECT_TRUE(has_eku(x, 0, "1.3.6.1.4.1.311.54.1.2"));
	EXPECT_EQ(1, ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)));
	EXPECT_LT(365, days);
	EXPECT_EQ(0, X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)));
	EXPECT_EQ(1, X509_verify(x, pkey)); /* self-signed */
	X509_free(x);

	/* A key readable by others is refused. */
	ASSERT_EQ(0, chmod(key, 0640));
	cssp_tls_server_free(srv2);
	srv2 = NULL;
	EXPECT_EQ(-1, cssp_tls_server_new(&cfg, &srv2, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "key.pem")) TH_LOG("%s", err);
	EXPECT_EQ(NULL, srv2);

	cssp_buf_free(&pem1);
	cssp_buf_free(&pem2);
	cssp_tls_server_free(srv1);
	cssp_tls_server_free(srv2);
}

TEST(self_signed_rsa_made_once)
{
	check_self_signed(_metadata, false);
}

TEST(self_signed_ec_made_once)
{
	check_self_signed(_metadata, true);
}

/* Several processes making the pair at the same time end up with one pair. */
TEST(self_signed_concurrent_creators)
{
	struct cssp_buf pk[4] = {{0}};
	char top[PATH_MAX], dir[PATH_MAX], file[PATH_MAX + 16], name[16];
	struct cssp_tls_server *srv = NULL;
	struct cssp_tls_config cfg = {0};
	char err[512] = "";
	int status, i;
	pid_t pid[4];

	fresh_dir(top, sizeof(top), "concurrent");
	ASSERT_NE(0, top[0]);
	path_in(dir, sizeof(dir), top, "state");
	cfg.state_dir = dir;
	for (i = 0; i < 4; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			int rc = 1;

			snprintf(name, sizeof(name), "pk-%d", i);
			path_in(file, sizeof(file), top, name);
			if (!cssp_tls_server_new(&cfg, &srv, err, sizeof(err)) &&
			    !write_file(file, cssp_tls_server_public_key(srv)->data,
					cssp_tls_server_public_key(srv)->len))
				rc = 0;
			cssp_tls_server_free(srv);
			_exit(rc);
		}
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ASSERT_EQ(0, cssp_tls_server_new(&cfg, &srv, err, sizeof(err))) TH_LOG("%s", err);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "pk-%d", i);
		path_in(file, sizeof(file), top, name);
		ASSERT_EQ(0, read_file(file, &pk[i]));
		ASSERT_EQ(cssp_tls_server_public_key(srv)->len, pk[i].len);
		EXPECT_EQ(0, memcmp(cssp_tls_server_public_key(srv)->data, pk[i].data, pk[i].len));
		cssp_buf_free(&pk[i]);
	}
	cssp_tls_server_free(srv);
}

static int new_server(const char *cert, const char *key, const char *dir,
		      struct cssp_tls_server **srv, char *err, size_t errlen)
{
	struct cssp_tls_config cfg = {.cert_file = cert, .key_file = key, .state_dir = dir};

	*srv = NULL;
	err[0] = '\0';
	return cssp_tls_server_new(&cfg, srv, err, errlen);
}

static bool same_key(const struct cssp_tls_server *a, const struct cssp_tls_server *b)
{
	const struct cssp_buf *x = cssp_tls_server_public_key(a),
			      *y = cssp_tls_server_public_key(b);

	return x->len == y->len && !memcmp(x->data, y->data, x->len);
}

TEST(pem_files)
{
	struct cssp_tls_server *a = NULL, *b = NULL, *e = NULL, *srv = NULL;
	char da[PATH_MAX], db[PATH_MAX], de[PATH_MAX], junk[PATH_MAX + 16], err[512];
	char ca[PATH_MAX + 16], ka[PATH_MAX + 16], kb[PATH_MAX + 16], ke[PATH_MAX + 16];
	struct cssp_tls *tls;
	struct tls_peer c;
	SSL_CTX *cctx;

	fresh_dir(da, sizeof(da), "pem-a");
	fresh_dir(db, sizeof(db), "pem-b");
	fresh_dir(de, sizeof(de), "pem-e");
	ASSERT_TRUE(da[0] && db[0] && de[0]);
	ASSERT_EQ(0, new_server(NULL, NULL, da, &a, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, new_server(NULL, NULL, db, &b, err, sizeof(err))) TH_LOG("%s", err);
	{
		struct cssp_tls_config cfg = {.state_dir = de, .self_signed_ec = true};

		ASSERT_EQ(0, cssp_tls_server_new(&cfg, &e, err, sizeof(err))) TH_LOG("%s", err);
	}
	ASSERT_FALSE(same_key(a, b));
	path_in(ca, sizeof(ca), da, "cert.pem");
	path_in(ka, sizeof(ka), da, "key.pem");
	path_in(kb, sizeof(kb), db, "key.pem");
	path_in(ke, sizeof(ke), de, "key.pem");

	/* Explicit files win over the state directory's pair, and work. */
	ASSERT_EQ(0, new_server(ca, ka, db, &srv, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_TRUE(same_key(a, srv));
	EXPECT_FALSE(same_key(b, srv));
	cctx = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL);
	ASSERT_NE(NULL, cctx);
	tls = cssp_tls_new(srv);
	ASSERT_NE(NULL, tls);
	ASSERT_EQ(0, tls_peer_new(cctx, &c, false));
	ASSERT_EQ(0, handshake(tls, &c, NULL));
	EXPECT_EQ(TLS1_3_VERSION, cssp_tls_version(tls));
	EXPECT_EQ(0, c2s(&c, tls, "explicit"));
	tls_peer_free(&c);
	cssp_tls_free(tls);
	SSL_CTX_free(cctx);
	cssp_tls_server_free(srv);

	/* A key that does not match the certificate: same type, other type. */
	EXPECT_EQ(-1, new_server(ca, kb, NULL, &srv, err, sizeof(err)));
	EXPECT_EQ(NULL, srv);
	EXPECT_NE(NULL, strstr(err, "does not match")) TH_LOG("%s", err);
	EXPECT_EQ(-1, new_server(ca, ke, NULL, &srv, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "does not match")) TH_LOG("%s", err);

	/* Missing, garbage, half a configuration, nowhere to make a pair. */
	path_in(junk, sizeof(junk), da, "missing.pem");
	EXPECT_EQ(-1, new_server(junk, ka, NULL, &srv, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, junk)) TH_LOG("%s", err);
	EXPECT_EQ(-1, new_server(ca, junk, NULL, &srv, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, junk)) TH_LOG("%s", err);
	path_in(junk, sizeof(junk), da, "junk.pem");
	ASSERT_EQ(0, write_file(junk, "not a certificate\n", 18));
	EXPECT_EQ(-1, new_server(junk, ka, NULL, &srv, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, junk)) TH_LOG("%s", err);
	EXPECT_EQ(-1, new_server(ca, junk, NULL, &srv, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, junk)) TH_LOG("%s", err);
	EXPECT_EQ(-1, new_server(ca, NULL, da, &srv, err, sizeof(err)));
	EXPECT_LT(0, strlen(err));
	EXPECT_EQ(-1, new_server(NULL, ka, da, &srv, err, sizeof(err)));
	EXPECT_LT(0, strlen(err));
	EXPECT_EQ(-1, new_server(NULL, NULL, NULL, &srv, err, sizeof(err)));
	EXPECT_LT(0, strlen(err));
	EXPECT_EQ(-1, new_server(NULL, NULL, junk, &srv, err, sizeof(err))); /* a file */
	EXPECT_NE(NULL, strstr(err, junk)) TH_LOG("%s", err);
	EXPECT_EQ(NULL, srv);

	cssp_tls_server_free(a);
	cssp_tls_server_free(b);
	cssp_tls_server_free(e);
}

TEST_HARNESS_MAIN
