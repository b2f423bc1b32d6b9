/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The caller's side of cssp_ctx_step() for the fuzzers that feed the engine
 * whole records: step through what is pending, as credsspd does, and abort
 * when the engine breaks the caller contract of engine.h (output with an
 * incomplete message, consumed past the input, consumed + extra not the
 * input while it continues). Header-only, like fuzz_cred.h.
 */
#ifndef KCREDSSP_FUZZ_STEP_H
#define KCREDSSP_FUZZ_STEP_H

#include <stdlib.h>

#include <linux/credssp.h>

#include "buf.h"
#include "engine.h"

/*
 * Step @ctx through @pending, consuming what it takes; the records it
 * answers go to the end of @out. Returns its last status:
 * CREDSSP_SEC_STATUS_CONTINUE_NEEDED while it wants more.
 */
static inline uint32_t fuzz_step_pending(struct cssp_ctx *ctx, struct cssp_buf *pending,
					 struct cssp_buf *out)
{
	uint32_t st = CREDSSP_SEC_STATUS_CONTINUE_NEEDED;

	while (pending->len) {
		struct cssp_step step;

		st = cssp_ctx_step(ctx, pending->data, pending->len, &step);
		if (st == CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE) {
			if (step.consumed || step.output.len)
				abort();
			return CREDSSP_SEC_STATUS_CONTINUE_NEEDED;
		}
		if (step.consumed > pending->len || (st == CREDSSP_SEC_STATUS_CONTINUE_NEEDED &&
						     step.consumed + step.extra != pending->len))
			abort();
		if (step.output.len && cssp_buf_append(out, step.output.data, step.output.len))
			abort();
		cssp_buf_free(&step.output);
		cssp_buf_consume(pending, step.consumed);
		if (st != CREDSSP_SEC_STATUS_CONTINUE_NEEDED || step.consumed == 0)
			break;
	}
	return st;
}

#endif /* KCREDSSP_FUZZ_STEP_H */
