/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tests/fuzz/tls_plain.c (the plaintext stand-in for the engine's TLS
 * session) offers the harness that links it, fuzz_tsrequest_plain.c.
 */
#ifndef KCREDSSP_TLS_PLAIN_H
#define KCREDSSP_TLS_PLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Sessions made by the stand-in: 0 means the --wrap options are missing. */
extern unsigned long tls_plain_sessions;

/*
 * Append @len bytes to @to as application data records of at most 2^14
 * bytes each, as SSL_write cuts them. 0, or -1 (ENOMEM).
 */
int tls_plain_records(struct cssp_buf *to, const uint8_t *p, size_t len);

#endif /* KCREDSSP_TLS_PLAIN_H */
