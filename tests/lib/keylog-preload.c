// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for clients that cannot write a TLS key log themselves
 * (FreeRDP 2: no /tls:secrets-file, and OpenSSL 3.0 ignores SSLKEYLOGFILE).
 * Every SSL_CTX the program creates gets a keylog callback that appends the
 * NSS key log lines to the file named by KCREDSSP_KEYLOG, for tshark's
 * tls.keylog_file. Test use only (tests/interop/tshark.sh builds it).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/ssl.h>

static void keylog_line(const SSL *ssl, const char *line)
{
	const char *path = getenv("KCREDSSP_KEYLOG");
	FILE *f;

	(void)ssl;
	if (!path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "%s\n", line);
	fclose(f);
}

SSL_CTX *SSL_CTX_new(const SSL_METHOD *method)
{
	static SSL_CTX *(*real)(const SSL_METHOD *method);
	SSL_CTX *ctx;

	if (!real)
		real = (SSL_CTX * (*)(const SSL_METHOD *)) dlsym(RTLD_NEXT, "SSL_CTX_new");
	if (!real)
		abort();
	ctx = real(method);
	if (ctx)
		SSL_CTX_set_keylog_callback(ctx, keylog_line);
	return ctx;
}
