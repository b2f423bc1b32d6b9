// SPDX-License-Identifier: GPL-2.0
/*
 * credssp-gate: an RDP Network Level Authentication gate in userspace, a
 * sample of libcredssp's socket mode (Documentation/gate.rst).
 *
 * Per connection:
 *   1. X.224 Connection Request in, Connection Confirm out selecting
 *      PROTOCOL_HYBRID (RDP_NEG_FAILURE when the client did not offer it);
 *      a client that requires Restricted Admin mode gets it.
 *   2. credssp_accept_socket() on a libcredssp session of its own: the
 *      kernel runs CredSSP on the socket and installs kTLS.
 *   3. On CREDSSP_SEC_STATUS_OK: who authenticated (CREDSSP_QUERY_NAMES, _NEGOTIATION_
 *      PACKAGE), the TLS version (getsockopt SOL_TLS), the delegated-
 *      credentials key (GET_CTX), and the client's MCS Connect-Initial read
 *      in plaintext through kTLS (the record type from the TLS_GET_RECORD_TYPE
 *      control message must be application data).
 *   4. A key=value result block per connection, to stderr and --result.
 * Then the connection is closed: the gate only authenticates.
 *
 * usage: credssp-gate [--port N] [--host A] [--port-file F] [--count N]
 *                     [--timeout S] [--result F] [--stop-file F]
 * (--port 0: any free port, see --port-file; --stop-file: stop waiting for
 * clients once F exists, before --count)
 * exit: 0 every connection authenticated and sent its MCS Connect-Initial,
 * 1 not, 2 setup
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "credssp.h"
#include "x224.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define TPKT_MAX    512
#define TLS_APPDATA 23

static const char *host = "0.0.0.0", *port_file, *result_file, *stop_file;
static unsigned int port = 3389, count = 1, timeout_s = 60;
static time_t deadline;
static struct timespec x224_until; /* the same deadline, for x224.h */

struct conn {
	int fd;
	char res[4096];
	size_t rlen;
};

static void put(struct conn *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put(struct conn *c, const char *key, const char *fmt, ...)
{
	char val[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	for (char *p = val; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	n = snprintf(c->res + c->rlen, sizeof(c->res) - c->rlen, "%s=%s\n", key, val);
	if (n > 0 && c->rlen + (size_t)n < sizeof(c->res))
		c->rlen += (size_t)n;
}

/*
 * X.224 Connection Request / Confirm (x224.h). Reads exactly the request
 * (CredSSP's first TLS record must stay in the socket for the kernel).
 * Returns 1 when CredSSP comes next (with *options set), 0 when the client
 * did not offer PROTOCOL_HYBRID, -1 on a broken request or I/O error.
 */
static int x224(struct conn *c, uint32_t *options)
{
	uint8_t p[TPKT_MAX];
	struct x224_request req;
	bool hybrid;

	if (x224_read_request(c->fd, &x224_until, p, sizeof(p), &req))
		return -1;
	put(c, "requested_protocols", "0x%08x", req.requested);
	put(c, "restricted_admin", "%s", req.restricted_admin ? "yes" : "no");
	hybrid = req.requested & X224_PROTOCOL_HYBRID;
	if (x224_send_confirm(
		    c->fd, &x224_until, hybrid,
		    X224_NEG_RSP_FLAGS |
			    (req.restricted_admin ? X224_NEG_RSP_RESTRICTED_ADMIN_SUPPORTED : 0)))
		return -1;
	*options = req.restricted_admin ? CREDSSP_OPT_RESTRICTED_ADMIN : 0;
	return hybrid;
}

/*
 * The client's first RDP PDU in plaintext through kTLS: every record read
 * must be application data (TLS_GET_RECORD_TYPE), and the bytes must start a
 * TPKT / X.224 Data / MCS Connect-Initial: 03 00 .. .. 02 f0 80 7f 65.
 */
static bool read_mcs(struct conn *c)
{
	static const uint8_t want[] = {0x02, 0xf0, 0x80, 0x7f, 0x65};
	uint8_t buf[9];
	size_t got = 0;

	while (got < sizeof(buf)) {
		union {
			char b[CMSG_SPACE(sizeof(uint8_t))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {.iov_base = buf + got, .iov_len = sizeof(buf) - got};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.b,
				     .msg_controllen = sizeof(ctl.b)};
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int left = (int)(deadline - time(NULL));
		struct cmsghdr *cmsg;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left * 1000) != 1) {
			put(c, "mcs_error", "timeout after %zu bytes", got);
			return false;
		}
		n = recvmsg(c->fd, &msg, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			put(c, "mcs_error", "%s after %zu bytes", n ? strerror(errno) : "EOF", got);
			return false;
		}
		cmsg = CMSG_FIRSTHDR(&msg);
		if (!cmsg || cmsg->cmsg_level != SOL_TLS ||
		    cmsg->cmsg_type != TLS_GET_RECORD_TYPE || *CMSG_DATA(cmsg) != TLS_APPDATA) {
			put(c, "mcs_error", "record type %d", cmsg ? *CMSG_DATA(cmsg) : -1);
			return false;
		}
		got += (size_t)n;
	}
	return buf[0] == 3 && buf[1] == 0 && !memcmp(buf + 4, want, sizeof(want));
}

/* Who authenticated, from the context and the socket. */
static void describe(struct conn *c, struct credssp_handle *h, uint64_t ctx)
{
	struct credssp_names names = {0};
	struct credssp_negotiation_info nego = {0};
	struct credssp_ctx_info info;
	struct tls_crypto_info ci;
	socklen_t cilen = sizeof(ci);
	credssp_status_t s;

	s = credssp_query_context_attributes(h, ctx, CREDSSP_QUERY_NAMES, &names);
	put(c, "principal", "%s",
	    s == CREDSSP_SEC_STATUS_OK ? names.user_name : credssp_status_name(s));
	credssp_free_context_buffer(names.user_name);
	s = credssp_query_context_attributes(h, ctx, CREDSSP_QUERY_NEGOTIATION_PACKAGE, &nego);
	put(c, "package", "%s",
	    s == CREDSSP_SEC_STATUS_OK && nego.info ? nego.info->name : credssp_status_name(s));
	credssp_free_context_buffer(nego.info);
	/* The kernel's own view of the TLS layer it installed (no keys). */
	memset(&ci, 0, sizeof(ci));
	if (getsockopt(c->fd, SOL_TLS, TLS_RX, &ci, &cilen) == 0)
		put(c, "tls_version", "0x%04x", ci.version);
	else
		put(c, "tls_version", "none (%s)", strerror(errno));
	if (credssp_get_context(h, ctx, &info) == 0) {
		put(c, "tls_cipher", "%s", info.tls_cipher);
		put(c, "key", "%d", info.key);
	}
}

static bool serve(struct conn *c, uint64_t *ctx_out, struct credssp_handle **h_out)
{
	struct credssp_handle *h;
	uint64_t cred = 0, ctx = 0;
	uint32_t options = 0, ret_flags = 0;
	credssp_status_t s;
	bool mcs = false;
	int r;

	r = x224(c, &options);
	if (r <= 0) {
		put(c, "status", "%s", r ? "X224_FAILED" : "NO_HYBRID");
		return false;
	}
	h = credssp_open();
	if (!h) {
		put(c, "status", "NO_SESSION (%s)", strerror(errno));
		return false;
	}
	s = credssp_acquire_credentials_handle(h, NULL, "CredSSP", CREDSSP_CRED_USE_INBOUND, &cred,
					       NULL);
	if (s == CREDSSP_SEC_STATUS_OK)
		s = credssp_accept_socket(h, cred, c->fd,
					  CREDSSP_REQ_CONFIDENTIALITY | CREDSSP_REQ_STREAM |
						  CREDSSP_REQ_DELEGATE | CREDSSP_REQ_MUTUAL_AUTH,
					  options, 0, &ctx, &ret_flags, NULL);
	put(c, "status", "%s", credssp_status_name(s));
	if (s != CREDSSP_SEC_STATUS_OK && credssp_last_error(h))
		put(c, "error", "%s: %s", strerror(credssp_last_error(h)), credssp_last_message(h));
	else if (s != CREDSSP_SEC_STATUS_OK && *credssp_last_message(h))
		put(c, "error", "%s", credssp_last_message(h));
	if (s == CREDSSP_SEC_STATUS_OK) {
		put(c, "ret_flags", "0x%08x", ret_flags);
		describe(c, h, ctx);
		mcs = read_mcs(c);
	}
	put(c, "mcs", "%s", mcs ? "yes" : "no");
	if (cred)
		credssp_free_credentials_handle(h, cred);
	/* The caller keeps the session (and so the context) until it is done. */
	*ctx_out = ctx;
	*h_out = h;
	return s == CREDSSP_SEC_STATUS_OK && mcs;
}

static int listen_on(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	FILE *f;

	if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 8) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen))
		return -1;
	if (port_file) {
		f = fopen(port_file, "w");
		if (!f || fprintf(f, "%u\n", ntohs(a.sin_port)) < 0 || fclose(f))
			return -1;
	}
	return fd;
}

static void emit(struct conn *c)
{
	FILE *f = result_file ? fopen(result_file, "a") : NULL;

	if (f) {
		fwrite(c->res, 1, c->rlen, f);
		fclose(f);
	}
	fwrite(c->res, 1, c->rlen, stderr);
}

int main(int argc, char **argv)
{
	int lfd, rc = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];

		if (!strcmp(o, "--port"))
			port = (unsigned int)atoi(v);
		else if (!strcmp(o, "--host"))
			host = v;
		else if (!strcmp(o, "--port-file"))
			port_file = v;
		else if (!strcmp(o, "--count"))
			count = (unsigned int)atoi(v);
		else if (!strcmp(o, "--timeout"))
			timeout_s = (unsigned int)atoi(v);
		else if (!strcmp(o, "--result"))
			result_file = v;
		else if (!strcmp(o, "--stop-file"))
			stop_file = v;
		else
			return fprintf(stderr, "credssp-gate: unknown option %s\n", o), 2;
	}
	if (argc % 2 == 0 || !count || !timeout_s || port > 65535)
		return fprintf(stderr, "credssp-gate: bad arguments (see the source's header)\n"),
		       2;
	deadline = time(NULL) + timeout_s;
	x224_until = x224_deadline(timeout_s);
	alarm(timeout_s + 5);
	signal(SIGPIPE, SIG_IGN);

	lfd = listen_on();
	if (lfd < 0)
		return fprintf(stderr, "credssp-gate: cannot listen: %s\n", strerror(errno)), 2;
	for (unsigned int i = 1; i <= count; i++) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		struct credssp_handle *h = NULL;
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		char addr[INET6_ADDRSTRLEN] = "-";
		struct conn c = {0};
		uint64_t ctx = 0;
		int one = 1, r = 0;

		/* Wait for a client; with --stop-file, stop (successfully) once it exists. */
		while (time(NULL) < deadline && (r = poll(&p, 1, 200)) == 0)
			if (stop_file && access(stop_file, F_OK) == 0)
				break;
		if (r == 0 && stop_file && access(stop_file, F_OK) == 0)
			break;
		if (r != 1) {
			rc = 1;
			break;
		}
		c.fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
		if (c.fd < 0) {
			rc = 2;
			break;
		}
		setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (peer.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, addr,
				  sizeof(addr));
		put(&c, "conn", "%u", i);
		put(&c, "peer", "%s", addr);
		if (!serve(&c, &ctx, &h))
			rc = 1;
		if (ctx && credssp_delete_security_context(h, ctx) != CREDSSP_SEC_STATUS_OK)
			put(&c, "delete", "failed");
		credssp_close(h);
		put(&c, "end", "%u", i);
		close(c.fd);
		emit(&c);
	}
	close(lfd);
	return rc;
}
