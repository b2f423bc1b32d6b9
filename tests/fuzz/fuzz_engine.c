// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: hostile bytes from the network into a fresh acceptor
 * context (TLS record framing, the TLS handshake parser, the state machine
 * before authentication), split into calls at offsets taken from the input,
 * as a caller that reads in pieces would make them. Also feeds the input to
 * the UTF-16LE converter used on delegated names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/credssp.h>

#include "engine.h"
#include "fuzz_cred.h"
#include "utf16.h"

static struct cssp_cred *cred;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cssp_ctx *ctx;
	struct cssp_buf pending = {0};
	char utf8[1024];
	size_t pos = 0;

	if (!cred)
		cred = fuzz_cred_new(false, 0);
	cssp_utf16le_to_utf8(data, size, utf8, sizeof(utf8));
	(void)cssp_utf16le_trim_nul(data, size);

	ctx = cssp_ctx_new(cred, NULL);
	if (!ctx)
		abort();
	while (pos < size) {
		size_t n = 1 + data[pos] % 64 * 16; /* the chunk size comes from the input */
		struct cssp_step step;
		uint32_t st;

		pos++;
		if (n > size - pos)
			n = size - pos;
		if (cssp_buf_append(&pending, data + pos, n))
			abort();
		pos += n;
		st = cssp_ctx_step(ctx, pending.data, pending.len, &step);
		if (st == CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE) {
			if (step.consumed || step.output.len)
				abort();
			continue;
		}
		if (step.consumed > pending.len)
			abort();
		if ((st == CREDSSP_SEC_STATUS_CONTINUE_NEEDED || st == CREDSSP_SEC_STATUS_OK) &&
		    step.consumed + step.extra != pending.len)
			abort();
		cssp_buf_consume(&pending, step.consumed);
		cssp_buf_free(&step.output);
		if (st != CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
			break;
	}
	cssp_buf_free(&pending);
	cssp_ctx_free(ctx);
	return 0;
}
