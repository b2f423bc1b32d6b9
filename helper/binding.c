// SPDX-License-Identifier: GPL-2.0
#include <openssl/evp.h>

#include "binding.h"

/* sizeof() of each includes the NUL, which is part of the hash input (38 bytes). */
static const char c2s_magic[] = "CredSSP Client-To-Server Binding Hash";
static const char s2c_magic[] = "CredSSP Server-To-Client Binding Hash";

int cssp_binding_hash(enum cssp_binding_dir dir, const uint8_t *nonce, size_t nonce_len,
		      const uint8_t *pk, size_t pk_len, uint8_t out[CSSP_BINDING_HASH_LEN])
{
	const char *magic = dir == CSSP_CLIENT_TO_SERVER ? c2s_magic : s2c_magic;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;

	ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(md, magic, sizeof(c2s_magic)) &&
	     EVP_DigestUpdate(md, nonce, nonce_len) && EVP_DigestUpdate(md, pk, pk_len) &&
	     EVP_DigestFinal_ex(md, out, &len) && len == CSSP_BINDING_HASH_LEN;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

void cssp_binding_echo_increment(uint8_t *buf, size_t len)
{
	/*
	 * FreeRDP and sspi-rs carry into the next byte, rdesktop and pyspnego
	 * touch byte 0 only; they agree because the key's first byte is 0x30
	 * (RSA) or 0x04 (EC), never 0xff.
	 */
	for (size_t i = 0; i < len && ++buf[i] == 0; i++)
		;
}
