/* SPDX-License-Identifier: GPL-2.0 */
/* UTF-16LE, the string encoding of CredSSP credentials. */
#ifndef CSSP_UTF16_H
#define CSSP_UTF16_H

#include <stddef.h>
#include <stdint.h>

/*
 * Convert @len bytes of UTF-16LE to NUL-terminated UTF-8 in @out (@outlen
 * bytes). Returns the UTF-8 length, or -1 for an odd length, an unpaired
 * surrogate, an embedded NUL, or an output that does not fit.
 */
long cssp_utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t outlen);

/* Length of @len bytes of UTF-16LE without its trailing NUL code units. */
size_t cssp_utf16le_trim_nul(const uint8_t *in, size_t len);

#endif /* CSSP_UTF16_H */
