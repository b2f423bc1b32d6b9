// SPDX-License-Identifier: GPL-2.0
/*
 * ktls_bench - the server side of the kTLS throughput benchmarks (bench/ktls.sh,
 * make bench-relay, bench/README): one client (build/bench/ktls_client --bench),
 * post-authentication data, its own CPU time.
 *
 *   ktls_bench --mode MODE --port-file FILE --bytes N [--file PATH]
 *              [--dir down|up] [--cert PEM --key PEM] [--tls 1.2|1.3 --cipher NAME]
 *
 * Sending BYTES to the client (bench/ktls.sh):
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
 * Relaying between the client and a backend on a unix socket, as
 * credssp-rdpd does after the Client Info PDU (make bench-relay): a forked
 * backend process at the other end of a socketpair(AF_UNIX, SOCK_STREAM)
 * sends BYTES towards the client (--dir down, what an RDP session mostly
 * carries: graphics) or receives them from it (--dir up: the backend
 * prints "backend_rate=BYTES/S" from its first to its last byte):
 *
 *   relay-splice   CredSSP and KTLS_ATTACH as ktls-send, then credssp-rdpd's
 *                  own rdpd_relay() (rdp/relay.c, linked in) with splice
 *                  (the default): socket -> pipe -> socket in the kernel
 *   relay-copy     the same rdpd_relay() with splice = no: recvmsg()/send()
 *                  through a 64 KiB buffer
 *   relay-openssl  a plain OpenSSL TLS server (as openssl), then a poll()
 *                  loop: SSL_read() of 64 KiB -> write() to the backend,
 *                  read() of 64 KiB from it -> SSL_write(); each side's end
 *                  passed on (close_notify -> shutdown(SHUT_WR), EOF ->
 *                  close_notify)
 *
 * Prints "server_cpu=SECONDS server_wall=SECONDS" for the data phase (from
 * the first byte to the last byte handed to the socket; for the relays,
 * the whole relay until both directions ended), CPU from
 * getrusage(RUSAGE_SELF): the server's only thread, never the backend's
 * process.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define KTLS_WITH_LIBCREDSSP
#include "ktls_common.h"
#include "rdpd.h"
#include "x224.h"

#define CHUNK 65536

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* A plain OpenSSL TLS server on @fd, handshake done: the SSL (*@ctxp: its context). */
static SSL *ssl_server(int fd, const char *cert, const char *key, const char *tls,
		       const char *cipher, SSL_CTX **ctxp)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int v = !strcmp(tls, "1.3") ? TLS1_3_VERSION : TLS1_2_VERSION;
	SSL *ssl;

	if (!cert || !key)
		ktls_die("--cert and --key are needed");
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
	*ctxp = ctx;
	return ssl;
ssl_fail:
	ERR_print_errors_fp(stderr);
	ktls_die("OpenSSL server failed");
}

static int serve_openssl(size_t bytes, SSL *ssl, const uint8_t *buf)
{
	double c0, w0;
	size_t off;
	char sh;

	c0 = cpu_now();
	w0 = ktls_now();
	for (off = 0; off < bytes;) {
		int n = (int)(bytes - off < CHUNK ? bytes - off : CHUNK);

		if (SSL_write(ssl, buf, n) != n) {
			ERR_print_errors_fp(stderr);
			ktls_die("SSL_write failed");
		}
		off += (size_t)n;
	}
	printf("server_cpu=%.3f server_wall=%.3f\n", cpu_now() - c0, ktls_now() - w0);
	/* the client's close_notify, then ours */
	if (SSL_read(ssl, &sh, 1) > 0)
		ktls_die("data after the benchmark");
	SSL_shutdown(ssl);
	return 0;
}

/* CredSSP (token mode) on @fd, then KTLS_ATTACH: the handle, *@cred and *@ctx. */
static struct credssp_handle *ktls_server(int fd, uint64_t *cred, uint64_t *ctx)
{
	struct credssp_ktls_info info;
	struct credssp_handle *h = credssp_open();
	credssp_status_t st;
	int err;

	if (!h || credssp_acquire_credentials_handle(h, NULL, "CredSSP", CREDSSP_CRED_USE_INBOUND,
						     cred, NULL) != CREDSSP_SEC_STATUS_OK)
		ktls_die("libcredssp: %s", h ? credssp_last_message(h) : strerror(errno));
	st = ktls_accept(h, *cred, fd, ctx, NULL);
	if (st != CREDSSP_SEC_STATUS_OK)
		ktls_die("CredSSP: %s", credssp_status_name(st));
	err = credssp_ktls_attach(h, *ctx, fd, &info);
	if (err)
		ktls_die("attach: %d %s", err, credssp_last_message(h));
	printf("attach version=%#06x cipher=%u\n", info.tls_version, info.cipher);
	return h;
}

static void ktls_server_free(struct credssp_handle *h, uint64_t cred, uint64_t ctx)
{
	credssp_delete_security_context(h, ctx);
	credssp_free_credentials_handle(h, cred);
	credssp_close(h);
}

static int serve_ktls(int fd, size_t bytes, const char *path, const uint8_t *buf)
{
	uint64_t cred, ctx;
	struct credssp_handle *h = ktls_server(fd, &cred, &ctx);
	double c0, w0;
	size_t off;
	uint8_t type, rec[64];
	int file = -1;

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
	ktls_server_free(h, cred, ctx);
	return 0;
}

/* ---- relays (make bench-relay: bench/ktls.sh) ---- */

/* rdpd_cfg, rdpd_log() and the step deadline: rdp/relay-host.c. */

/*
 * The backend: a child process on @be. down: sends @bytes, then its end of
 * data (SHUT_WR), then reads until EOF. up: reads until EOF, prints its
 * receive rate (first to last byte). Exits.
 */
static void backend(int be, bool down, size_t bytes, const uint8_t *buf)
{
	static uint8_t in[CHUNK];
	double t0 = 0, t1 = 0;
	size_t off, got = 0;
	ssize_t n;

	for (off = 0; down && off < bytes;) {
		size_t len = bytes - off < CHUNK ? bytes - off : CHUNK;

		if (ktls_write_full(be, buf, len))
			ktls_die("backend: write: %s", strerror(errno));
		off += len;
	}
	if (down)
		shutdown(be, SHUT_WR);
	while ((n = read(be, in, sizeof(in))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ktls_die("backend: read: %s", strerror(errno));
		if (!got)
			t0 = ktls_now();
		got += (size_t)n;
		t1 = ktls_now();
	}
	if (!down) {
		if (got != bytes)
			ktls_die("backend: %zu bytes, not %zu", got, bytes);
		printf("backend_rate=%.0f backend_received=%zu\n", (double)got / (t1 - t0), got);
	}
	exit(0);
}

/* The userspace relay: SSL_read() -> write(), read() -> SSL_write(), until both ended. */
static void relay_openssl(SSL *ssl, int fd, int be, uint64_t *up, uint64_t *down)
{
	static uint8_t buf[CHUNK];
	bool cli_end = false, be_end = false;

	while (!cli_end || !be_end) {
		struct pollfd p[2] = {{.fd = cli_end ? -1 : fd, .events = POLLIN},
				      {.fd = be_end ? -1 : be, .events = POLLIN}};
		int n;

		if ((cli_end || !SSL_pending(ssl)) && poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ktls_die("poll: %s", strerror(errno));
		}
		if (!cli_end && (SSL_pending(ssl) || p[0].revents)) {
			n = SSL_read(ssl, buf, sizeof(buf));
			if (n > 0) {
				if (ktls_write_full(be, buf, (size_t)n))
					ktls_die("write to the backend: %s", strerror(errno));
				*up += (uint64_t)n;
			} else if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN) {
				cli_end = true; /* close_notify */
				shutdown(be, SHUT_WR);
			} else {
				ERR_print_errors_fp(stderr);
				ktls_die("SSL_read failed");
			}
		}
		if (!be_end && p[1].revents) {
			ssize_t r = read(be, buf, sizeof(buf));

			if (r > 0) {
				if (SSL_write(ssl, buf, (int)r) != (int)r) {
					ERR_print_errors_fp(stderr);
					ktls_die("SSL_write failed");
				}
				*down += (uint64_t)r;
			} else if (r == 0) {
				be_end = true;
				SSL_shutdown(ssl); /* close_notify */
				shutdown(fd, SHUT_WR);
			} else if (errno != EINTR) {
				ktls_die("read from the backend: %s", strerror(errno));
			}
		}
	}
}

static int serve_relay(int fd, const char *mode, bool down, size_t bytes, SSL *ssl,
		       const uint8_t *buf)
{
	struct rdpd_conn c = {.fd = fd, .peer_str = "bench"};
	struct credssp_handle *h = NULL;
	uint64_t cred = 0, ctx = 0;
	double c0, w0;
	int sv[2], st;
	pid_t pid;

	if (!ssl)
		h = ktls_server(fd, &cred, &ctx);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		ktls_die("socketpair: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ktls_die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fd);
		close(sv[0]);
		backend(sv[1], down, bytes, buf);
	}
	close(sv[1]);
	c.backend = sv[0];
	c0 = cpu_now();
	w0 = ktls_now();
	if (ssl) {
		relay_openssl(ssl, fd, c.backend, &c.to_backend, &c.to_client);
	} else {
		rdpd_config_init(&rdpd_cfg);
		rdpd_cfg.splice = !strcmp(mode, "relay-splice");
		if (rdpd_relay(&c, NULL, 0))
			ktls_die("rdpd_relay failed");
	}
	printf("server_cpu=%.3f server_wall=%.3f to_client=%llu to_backend=%llu\n", cpu_now() - c0,
	       ktls_now() - w0, (unsigned long long)c.to_client, (unsigned long long)c.to_backend);
	close(c.backend);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		ktls_die("the backend failed");
	if ((down ? c.to_client : c.to_backend) != bytes)
		ktls_die("relayed %llu bytes, not %zu",
			 (unsigned long long)(down ? c.to_client : c.to_backend), bytes);
	if (h)
		ktls_server_free(h, cred, ctx);
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
					     {"dir", required_argument, NULL, 'd'},
					     {NULL, 0, NULL, 0}};
	const char *mode = "ktls-send", *port_file = NULL, *path = NULL, *cert = NULL, *key = NULL;
	const char *tls = "1.3", *cipher = "TLS_AES_128_GCM_SHA256", *dir = "down";
	static uint8_t buf[CHUNK];
	SSL_CTX *sctx = NULL;
	SSL *ssl = NULL;
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
		case 'd': dir = optarg; break;
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
	if (!strcmp(mode, "openssl") || !strcmp(mode, "relay-openssl"))
		ssl = ssl_server(fd, cert, key, tls, cipher, &sctx);
	if (!strcmp(mode, "openssl")) {
		rc = serve_openssl(bytes, ssl, buf);
	} else if (!strncmp(mode, "relay-", 6) &&
		   (!strcmp(mode + 6, "openssl") || !strcmp(mode + 6, "splice") ||
		    !strcmp(mode + 6, "copy"))) {
		if (strcmp(dir, "down") && strcmp(dir, "up"))
			ktls_die("--dir is down or up");
		rc = serve_relay(fd, mode, !strcmp(dir, "down"), bytes, ssl, buf);
	} else if (!strcmp(mode, "ktls-send")) {
		rc = serve_ktls(fd, bytes, NULL, buf);
	} else if (!strcmp(mode, "ktls-sendfile")) {
		if (!path)
			ktls_die("--file is needed");
		rc = serve_ktls(fd, bytes, path, buf);
	} else {
		ktls_die("unknown mode %s", mode);
	}
	SSL_free(ssl);
	SSL_CTX_free(sctx);
	close(fd);
	return rc;
}
