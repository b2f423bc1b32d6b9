/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pubKeyAuth, the binding of the inner authentication to the TLS server key
 * ([MS-CSSP] 3.1.5): versions 5 and 6 hash, versions 2 to 4 echo.
 */
#ifndef CSSP_BINDING_H
#define CSSP_BINDING_H

#include <stddef.h>
#include <stdint.h>

#define CSSP_BINDING_HASH_LEN 32

enum cssp_binding_dir {
	CSSP_CLIENT_TO_SERVER,
	CSSP_SERVER_TO_CLIENT,
};

/*
 * SHA-256("CredSSP <dir> Binding Hash\0" || nonce || pk): the magic string
 * includes its terminating NUL. Returns 0, or -1 if the digest failed.
 */
int cssp_binding_hash(enum cssp_binding_dir dir, const uint8_t *nonce, size_t nonce_len,
		      const uint8_t *pk, size_t pk_len, uint8_t out[CSSP_BINDING_HASH_LEN]);

/* The server's echo of versions 2 to 4: @buf + 1 as a little-endian integer. */
void cssp_binding_echo_increment(uint8_t *buf, size_t len);

#endif /* CSSP_BINDING_H */
