// SPDX-License-Identifier: GPL-2.0
/*
 * OpenSSL endpoints on memory BIOs (tls_peer.h).
 */
#include <string.h>

#include "tls_peer.h"

int tls_peer_new(SSL_CTX *ctx, struct tls_peer *p, bool server)
{
	memset(p, 0, sizeof(*p));
	p->ssl = SSL_new(ctx);
	p->rbio = BIO_new(BIO_s_mem());
	p->wbio = BIO_new(BIO_s_mem());
	if (!p->ssl || !p->rbio || !p->wbio) {
		BIO_free(p->rbio);
		BIO_free(p->wbio);
		SSL_free(p->ssl);
		memset(p, 0, sizeof(*p));
		return -1;
	}
	BIO_set_mem_eof_return(p->rbio, -1);
	BIO_set_mem_eof_return(p->wbio, -1);
	SSL_set_bio(p->ssl, p->rbio, p->wbio);
	if (server)
		SSL_set_accept_state(p->ssl);
	else
		SSL_set_connect_state(p->ssl);
	return 0;
}

void tls_peer_free(struct tls_peer *p)
{
	SSL_free(p->ssl);
	memset(p, 0, sizeof(*p));
}
