// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: fuzz_tsrequest without the cost of TLS. The engine's
 * per-context TLS session is tests/fuzz/tls_plain.c (linked in its place
 * with -Wl,--wrap): the handshake is already done and records carry
 * plaintext. So each input reaches the TSRequest decoder and the state
 * machine after TLS (SPNEGO, NTLM, Kerberos, pubKeyAuth, authInfo) about 20
 * times as fast as through a real TLS 1.3 handshake, which fuzz_tsrequest
 * keeps doing. Same input format: messages separated by "\xff\xfe\xfd", one
 * write (records of at most 2^14 bytes) each, so the two share a corpus.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <linux/credssp.h>

#include "engine.h"
#include "fuzz_cred.h"
#include "fuzz_step.h"
#include "tls_plain.h"

static struct cssp_cred *cred;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t sep[] = {0xff, 0xfe, 0xfd};
	struct cssp_buf pending = {0}, out = {0};
	uint32_t st = CREDSSP_SEC_STATUS_CONTINUE_NEEDED;
	struct cssp_ctx *ctx;
	size_t pos = 0;

	if (!cred)
		cred = fuzz_cred_new(true, 2); /* as fuzz_tsrequest's */
	ctx = cssp_ctx_new(cred, NULL);
	if (!ctx || !tls_plain_sessions)
		abort(); /* no context, or linked without the --wrap options */
	while (pos < size && st == CREDSSP_SEC_STATUS_CONTINUE_NEEDED) {
		const uint8_t *end = memmem(data + pos, size - pos, sep, sizeof(sep));
		size_t len = end ? (size_t)(end - (data + pos)) : size - pos;

		if (tls_plain_records(&pending, data + pos, len))
			abort();
		pos += len + (end ? sizeof(sep) : 0);
		st = fuzz_step_pending(ctx, &pending, &out);
		cssp_buf_free(&out);
	}
	cssp_buf_free(&pending);
	cssp_ctx_free(ctx);
	return 0;
}
