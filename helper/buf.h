/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Owned byte buffers of the CredSSP engine. Every buffer that may hold a
 * secret is freed with cssp_buf_free(), which wipes it first.
 */
#ifndef CSSP_BUF_H
#define CSSP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cssp_buf {
	uint8_t *data; /* NULL when len == 0 */
	size_t len;
};

/* Copy @len bytes of @src into @b (replacing its contents). 0 or -1 (ENOMEM). */
int cssp_buf_set(struct cssp_buf *b, const void *src, size_t len);
/* Append @len bytes to @b. 0 or -1 (ENOMEM). */
int cssp_buf_append(struct cssp_buf *b, const void *src, size_t len);
/* Wipe and free the contents of @b; @b is empty afterwards. */
void cssp_buf_free(struct cssp_buf *b);
/* Drop the first @n bytes of @b (wiping the bytes that move). */
void cssp_buf_consume(struct cssp_buf *b, size_t n);

#endif /* CSSP_BUF_H */
