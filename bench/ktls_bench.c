// SPDX-License-Identifier: GPL-2.0
/*
 * ktls_bench - the server side of the kTLS throughput benchmark (bench/ktls.sh,
 * bench/README): sends BYTES of post-authentication data to one client
 * (build/bench/ktls_client --bench) and reports its own CPU time.
 *
 *   ktls_bench --mode ktls-send|ktls-sendfile|openssl --port-file FILE
 *              --bytes N [--file PATH] [--cert PEM --key PEM]
 *              [--tls 1.2|1.3 --cipher NAME]
 *
 *   ktls-send      CredSSP through libcredssp (credssp.ko + credsspd, token
 *                  mode, whole records), KTLS_ATTACH, then send() of 64 KiB
 *                  buffers: the kernel encrypts
 *   ktls-sendfile  the same, then sendfile() of PATH (a tmpfs file of N
 *                  bytes): no copy through userspace at all
 *   openssl        a plain OpenSSL TLS server with the same certificate,
 *                  version and cipher (no CredSSP), SSL_write() of 64 KiB
 *                  buffers: userspace encrypts, then write()s
 *
 * Prints "server_cpu=SECONDS server_wall=SECONDS" for the sending phase
 * (from the first byte to the last byte handed to the socket, CPU from
 * getrusage(RUSAGE_SELF)), then waits for the client's close_notify.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define KTLS_WITH_LIBCREDSSP
#include "ktls_common.h"

#define CHUNK 65536

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int serve_openssl(int fd, size_t bytes, const char *cert, const char *key, const char *tls,
			 const char *cipher, const uint8_t *buf)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int v = !strcmp(tls, "1.3") ? TLS1_3_VERSION : TLS1_2_VERSION;
	double c0, w0;
	size_t off;
	SSL *ssl;
	char sh;

	if (!ctx || SSL_CTX_set_min_proto_version(ctx, v) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, v) != 1 ||
	    (v == TLS1_3_VERSION ? SSL_CTX_set_ciphersuites(ctx, cipher)
				 : SSL_CTX_set_cipher_list(ctx, cipher)) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		goto ssl_fail;
	SSL_CTX_set_num_tickets(ctx, 0);
	ssl = SSL_new(ctx);
	if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1)
		goto ssl_fail;
	c0 = cpu_now();
	w0 = ktls_now();
	for (off = 0; off < bytes;) {
		int n = (int)(bytes - off < CHUNK ? bytes - off : CHUNK);

		if (SSL_write(ssl, buf, n) != n)
			goto ssl_fail;
		off += (size_t)n;
	}
	printf("server_cpu=%.3f server_wall=%.3f\n", cpu_now() - c0, ktls_now() - w0);
	/* the client's close_notify, then ours */
	if (SSL_read(ssl, &sh, 1) > 0)
		ktls_die("data after the benchmark");
	SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return 0;
ssl_fail:
	ERR_print_errors_fp(stderr);
	ktls_die("OpenSSL server failed");
}

static int serve_ktls(int fd, size_t bytes, const char *path, const uint8_t *buf)
{
	struct credssp_ktls_info info;
	struct credssp_handle *h = credssp_open();
	uint64_t cred, ctx;
	credssp_status_t st;
	double c0, w0;
	size_t off;
	uint8_t type, rec[64];
	int file = -1, err;

	if (!h || credssp_acquire_credentials_handle(h, NULL, "CredSSP", CREDSSP_CRED_USE_INBOUND,
						     &cred, NULL) != CREDSSP_SEC_STATUS_OK)
		ktls_die("libcredssp: %s", h ? credssp_last_message(h) : strerror(errno));
	st = ktls_accept(h, cred, fd, &ctx, NULL);
	if (st != CREDSSP_SEC_STATUS_OK)
		ktls_die("CredSSP: %s", credssp_status_name(st));
	err = credssp_ktls_attach(h, ctx, fd, &info);
	if (err)
		ktls_die("attach: %d %s", err, credssp_last_message(h));
	printf("attach version=%#06x cipher=%u\n", info.tls_version, info.cipher);
	if (path) {
		file = open(path, O_RDONLY);
		if (file < 0)
			ktls_die("%s: %s", path, strerror(errno));
	}
	c0 = cpu_now();
	w0 = ktls_now();
	for (off = 0; off < bytes;) {
		size_t n = bytes - off < CHUNK ? bytes - off : CHUNK;
		ssize_t w;

		if (file >= 0) {
			off_t pos = (off_t)off;

			w = sendfile(fd, file, &pos, bytes - off);
		} else {
			w = write(fd, buf, n);
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			ktls_die("%s at %zu: %s", file >= 0 ? "sendfile" : "write", off,
				 strerror(errno));
		off += (size_t)w;
	}
	printf("server_cpu=%.3f server_wall=%.3f\n", cpu_now() - c0, ktls_now() - w0);
	if (ktls_recv(fd, rec, sizeof(rec), &type) != 2 || type != 21)
		ktls_die("expected the client's close_notify");
	ktls_send_type(fd, "\x01\x00", 2, 21);
	if (file >= 0)
		close(file);
	credssp_delete_security_context(h, ctx);
	credssp_free_credentials_handle(h, cred);
	credssp_close(h);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"mode", required_argument, NULL, 'm'},
					     {"port-file", required_argument, NULL, 'p'},
					     {"bytes", required_argument, NULL, 'b'},
					     {"file", required_argument, NULL, 'f'},
					     {"cert", required_argument, NULL, 'C'},
					     {"key", required_argument, NULL, 'K'},
					     {"tls", required_argument, NULL, 't'},
					     {"cipher", required_argument, NULL, 'c'},
					     {NULL, 0, NULL, 0}};
	const char *mode = "ktls-send", *port_file = NULL, *path = NULL, *cert = NULL, *key = NULL;
	const char *tls = "1.3", *cipher = "TLS_AES_128_GCM_SHA256";
	static uint8_t buf[CHUNK];
	size_t bytes = 64 << 20;
	int o, l, fd, rc;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'm': mode = optarg; break;
		case 'p': port_file = optarg; break;
		case 'b': bytes = strtoul(optarg, NULL, 0); break;
		case 'f': path = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 't': tls = optarg; break;
		case 'c': cipher = optarg; break;
		default: return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ktls_fill(buf, 0, sizeof(buf), 1);
	l = ktls_listen(0, port_file);
	fd = accept(l, NULL, NULL);
	if (fd < 0)
		ktls_die("accept: %s", strerror(errno));
	close(l);
	if (!strcmp(mode, "openssl")) {
		if (!cert || !key)
			ktls_die("--cert and --key are needed");
		rc = serve_openssl(fd, bytes, cert, key, tls, cipher, buf);
	} else if (!strcmp(mode, "ktls-send")) {
		rc = serve_ktls(fd, bytes, NULL, buf);
	} else if (!strcmp(mode, "ktls-sendfile")) {
		if (!path)
			ktls_die("--file is needed");
		rc = serve_ktls(fd, bytes, path, buf);
	} else {
		ktls_die("unknown mode %s", mode);
	}
	close(fd);
	return rc;
}
