// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the engine fed arbitrary bytes after TLS. Each input
 * runs a real TLS 1.3 handshake between an in-process OpenSSL client and a
 * fresh acceptor context, then the client sends the input as application
 * data: messages separated by the byte sequence "\xff\xfe\xfd" (one TLS
 * write each), so the fuzzer can build multi-message exchanges from DER it
 * learns (NTLM NEGOTIATE, then AUTHENTICATE...). Whatever the engine says,
 * the caller contract of engine.h must hold and nothing may leak.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <linux/credssp.h>

#include "engine.h"
#include "fuzz_cred.h"
#include "fuzz_step.h"

static struct cssp_cred *cred;
static SSL_CTX *client_ctx;

static void setup(void)
{
	/* P-256: cheaper handshakes, more execs; every version admitted */
	cred = fuzz_cred_new(true, 2);
	client_ctx = SSL_CTX_new(TLS_client_method());
	if (!client_ctx || !SSL_CTX_set_min_proto_version(client_ctx, TLS1_3_VERSION))
		abort();
}

/* Move what the client wrote into the engine and its answer back. */
static uint32_t pump(struct cssp_ctx *ctx, BIO *from_client, BIO *to_client,
		     struct cssp_buf *pending)
{
	struct cssp_buf out = {0};
	uint8_t buf[4096];
	uint32_t st;
	int n;

	while ((n = BIO_read(from_client, buf, sizeof(buf))) > 0)
		if (cssp_buf_append(pending, buf, (size_t)n))
			abort();
	st = fuzz_step_pending(ctx, pending, &out);
	if (out.len)
		BIO_write(to_client, out.data, (int)out.len);
	cssp_buf_free(&out);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t sep[] = {0xff, 0xfe, 0xfd};
	struct cssp_buf pending = {0};
	struct cssp_ctx *ctx;
	BIO *rbio, *wbio;
	uint32_t st = CREDSSP_SEC_STATUS_CONTINUE_NEEDED;
	size_t pos = 0;
	SSL *ssl;

	if (!cred)
		setup();
	ctx = cssp_ctx_new(cred, NULL);
	ssl = SSL_new(client_ctx);
	rbio = BIO_new(BIO_s_mem());
	wbio = BIO_new(BIO_s_mem());
	if (!ctx || !ssl || !rbio || !wbio)
		abort();
	SSL_set_bio(ssl, rbio, wbio);
	SSL_set_connect_state(ssl);
	for (int i = 0; i < 8 && SSL_do_handshake(ssl) != 1; i++)
		if (pump(ctx, wbio, rbio, &pending) != CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
			abort(); /* the engine must complete a well-formed handshake */
	if (!SSL_is_init_finished(ssl))
		abort();

	while (pos < size && st == CREDSSP_SEC_STATUS_CONTINUE_NEEDED) {
		const uint8_t *end = memmem(data + pos, size - pos, sep, sizeof(sep));
		size_t len = end ? (size_t)(end - (data + pos)) : size - pos;
		uint8_t reply[4096];

		if (len && SSL_write(ssl, data + pos, (int)len) <= 0)
			break;
		pos += len + (end ? sizeof(sep) : 0);
		st = pump(ctx, wbio, rbio, &pending);
		while (SSL_read(ssl, reply, sizeof(reply)) > 0)
			;
	}
	cssp_buf_free(&pending);
	SSL_free(ssl);
	cssp_ctx_free(ctx);
	return 0;
}
