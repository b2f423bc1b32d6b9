/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An OpenSSL endpoint on memory BIOs, for the tests' TLS clients and the
 * benchmark's plain TLS server: what the other side sent is written to
 * rbio, what this side sends is read from wbio. An empty rbio makes OpenSSL
 * want more input (SSL_ERROR_WANT_READ), never see an end of file.
 */
#ifndef KCREDSSP_TEST_TLS_PEER_H
#define KCREDSSP_TEST_TLS_PEER_H

#include <stdbool.h>

#include <openssl/ssl.h>

struct tls_peer {
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
};

/* A client (or, with @server, a server) of @ctx: 0, or -1 with nothing left to free. */
int tls_peer_new(SSL_CTX *ctx, struct tls_peer *p, bool server);
/* Free the SSL and its BIOs. */
void tls_peer_free(struct tls_peer *p);

#endif /* KCREDSSP_TEST_TLS_PEER_H */
