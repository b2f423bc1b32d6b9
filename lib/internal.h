/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libcredssp internals shared by libcredssp.c and sspi.c; not installed. */
#ifndef LIBCREDSSP_INTERNAL_H
#define LIBCREDSSP_INTERNAL_H

#include <stddef.h>

/* A zeroed buffer that credssp_free_context_buffer() wipes and frees. */
void *credssp__cbuf_alloc(size_t size);

struct credssp_handle;

/* Close a session inherited over fork() without touching its mutex. */
void credssp__abandon(struct credssp_handle *h);

#endif /* LIBCREDSSP_INTERNAL_H */
