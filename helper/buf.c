// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"

int cssp_buf_set(struct cssp_buf *b, const void *src, size_t len)
{
	cssp_buf_free(b);
	return cssp_buf_append(b, src, len);
}

int cssp_buf_append(struct cssp_buf *b, const void *src, size_t len)
{
	uint8_t *p;

	if (len == 0)
		return 0;
	if (b->len > SIZE_MAX - len)
		return -1;
	/* Not realloc(): the old block may hold a secret and must be wiped. */
	p = malloc(b->len + len);
	if (!p)
		return -1;
	if (b->len)
		memcpy(p, b->data, b->len);
	memcpy(p + b->len, src, len);
	if (b->data) {
		OPENSSL_cleanse(b->data, b->len);
		free(b->data);
	}
	b->data = p;
	b->len += len;
	return 0;
}

void cssp_buf_free(struct cssp_buf *b)
{
	if (b->data) {
		OPENSSL_cleanse(b->data, b->len);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
}

void cssp_buf_consume(struct cssp_buf *b, size_t n)
{
	if (n >= b->len) {
		cssp_buf_free(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	OPENSSL_cleanse(b->data + b->len - n, n);
	b->len -= n;
}
