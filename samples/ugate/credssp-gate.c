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
 *   4. A key=value result block per connection, to stderr and --result,
 *      each with one write(2) (--result is opened O_APPEND).
 * Then the connection is closed: the gate only authenticates.
 *
 * Connections are served concurrently, a child process each (with its own
 * libcredssp session): at most --max-conns at once (64;
 * more wait in the listen backlog) and at most --max-per-source from one
 * client address (4, 0: no limit; more are closed at accept with a block
 * saying status=REFUSED_SOURCE). The Connection Request must arrive within
 * --x224-timeout seconds of the accept (5); the handshake has credssp.ko's
 * deadline; everything ends by --timeout.
 *
 * usage: credssp-gate [--port N] [--host A] [--port-file F] [--count N]
 *                     [--timeout S] [--x224-timeout S] [--max-conns N]
 *                     [--max-per-source N] [--result F] [--stop-file F]
 * (--port 0: any free port, see --port-file; --count: connections served,
 * refused ones not counted; --stop-file: stop waiting for clients once F
 * exists, before --count; the connections in progress are finished)
 * exit: 0 every connection authenticated and sent its MCS Connect-Initial,
 * 1 not (or one was refused), 2 setup, >2 a child's sanitizer exit code or
 * 128 + the signal that ended it
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "credssp.h"
#include "x224.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define TPKT_MAX    512
#define TLS_APPDATA 23
#define BACKLOG	    128

static const char *host = "0.0.0.0", *port_file, *result_file, *stop_file;
static unsigned int port = 3389, count = 1, timeout_s = 60, x224_timeout_s = 5;
static unsigned int max_conns = 64, max_per_source = 4;
static int result_fd = -1;
static sigset_t unblocked;	   /* the signal mask but for SIGCHLD, blocked outside ppoll() */
static time_t deadline;		   /* the whole run's */
static struct timespec x224_until; /* the connection's X.224 deadline, for x224.h */

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
 * did not offer PROTOCOL_HYBRID, a negative enum x224_status on a broken
 * request, an I/O error or the X.224 deadline.
 */
static int x224(struct conn *c, uint32_t *options)
{
	uint8_t p[TPKT_MAX];
	struct x224_request req;
	bool hybrid;
	int r;

	r = x224_read_request(c->fd, &x224_until, p, sizeof(p), &req);
	if (r)
		return r;
	put(c, "requested_protocols", "0x%08x", req.requested);
	put(c, "restricted_admin", "%s", req.restricted_admin ? "yes" : "no");
	hybrid = req.requested & X224_PROTOCOL_HYBRID;
	r = x224_send_confirm(
		c->fd, &x224_until, hybrid,
		X224_NEG_RSP_FLAGS |
			(req.restricted_admin ? X224_NEG_RSP_RESTRICTED_ADMIN_SUPPORTED : 0));
	if (r)
		return r;
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
		put(c, "status", "%s",
		    !r			? "NO_HYBRID"
		    : r == X224_TIMEOUT ? "X224_TIMEOUT"
					: "X224_FAILED");
		if (r)
			put(c, "x224_error", "%s", x224_status_name(r));
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
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen))
		return -1;
	if (port_file) {
		f = fopen(port_file, "w");
		if (!f || fprintf(f, "%u\n", ntohs(a.sin_port)) < 0 || fclose(f))
			return -1;
	}
	return fd;
}

/* One write(2) each, so that blocks of concurrent connections never interleave. */
static void emit(struct conn *c)
{
	if (result_fd >= 0 && write(result_fd, c->res, c->rlen) < 0)
		perror("credssp-gate: --result");
	if (write(STDERR_FILENO, c->res, c->rlen) < 0)
		return;
}

/*
 * The child serving connection @n on @fd: its own libcredssp session, the
 * X.224 deadline from now, its result block written before the connection
 * is closed. Exits 0 when the client authenticated and sent its MCS
 * Connect-Initial, 1 when not.
 */
static void child(int lfd, struct conn *c, unsigned int n)
{
	struct credssp_handle *h = NULL;
	long left = (long)(deadline - time(NULL));
	uint64_t ctx = 0;
	bool ok;

	close(lfd);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	if (left < 1)
		left = 1;
	alarm((unsigned int)left + 5);
	x224_until =
		x224_deadline(left < (long)x224_timeout_s ? (unsigned int)left : x224_timeout_s);
	ok = serve(c, &ctx, &h);
	if (ctx && credssp_delete_security_context(h, ctx) != CREDSSP_SEC_STATUS_OK)
		put(c, "delete", "failed");
	credssp_close(h);
	put(c, "end", "%u", n);
	emit(c);
	close(c->fd);
	if (result_fd >= 0)
		close(result_fd);
	exit(ok ? 0 : 1);
}

/* The connections in progress: a child each, and its client's address. */
struct slot {
	pid_t pid;
	struct in_addr addr;
};

static struct slot *slots;
static unsigned int nslots;

static void on_sigchld(int sig)
{
	(void)sig; /* only interrupts ppoll() */
}

/* A child's exit into the run's status: 1 for a failed connection, else the worst. */
static void account(int status, int *rc)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	if (code > *rc)
		*rc = code;
}

/* Reap the children that ended (all of them, waiting, with @block). */
static void reap(bool block, int *rc)
{
	int status;
	pid_t pid;

	while (nslots && (pid = waitpid(-1, &status, block ? 0 : WNOHANG)) != 0) {
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (unsigned int i = 0; i < nslots; i++) {
			if (slots[i].pid == pid) {
				slots[i] = slots[--nslots];
				account(status, rc);
				break;
			}
		}
	}
}

static unsigned int from_source(struct in_addr a)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nslots; i++)
		n += slots[i].addr.s_addr == a.s_addr;
	return n;
}

static bool stop_requested(void)
{
	return stop_file && access(stop_file, F_OK) == 0;
}

/*
 * Wait until a client may be accepted (a free slot and a connection in the
 * backlog): 1, or 0 to stop (--stop-file), or -1 at the deadline.
 */
static int wait_client(int lfd, int *rc)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	const struct timespec tick = {.tv_nsec = 200 * 1000 * 1000};

	for (;;) {
		reap(false, rc);
		if (stop_requested())
			return 0;
		if (time(NULL) >= deadline)
			return -1;
		/* Beyond --max-conns, clients wait in the listen backlog. */
		if (ppoll(&p, nslots < max_conns ? 1 : 0, &tick, &unblocked) == 1)
			return 1;
	}
}

static int parse_args(int argc, char **argv)
{
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
		else if (!strcmp(o, "--x224-timeout"))
			x224_timeout_s = (unsigned int)atoi(v);
		else if (!strcmp(o, "--max-conns"))
			max_conns = (unsigned int)atoi(v);
		else if (!strcmp(o, "--max-per-source"))
			max_per_source = (unsigned int)atoi(v);
		else if (!strcmp(o, "--result"))
			result_file = v;
		else if (!strcmp(o, "--stop-file"))
			stop_file = v;
		else
			return fprintf(stderr, "credssp-gate: unknown option %s\n", o), -1;
	}
	if (argc % 2 == 0 || !count || !timeout_s || !x224_timeout_s || !max_conns ||
	    max_conns > 4096 || port > 65535)
		return fprintf(stderr, "credssp-gate: bad arguments (see the source's header)\n"),
		       -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_sigchld}; /* no SA_RESTART */
	sigset_t chld;
	unsigned int served = 0, n = 0;
	int lfd, rc = 0, r;

	if (parse_args(argc, argv))
		return 2;
	slots = calloc(max_conns, sizeof(*slots));
	if (!slots)
		return 2;
	deadline = time(NULL) + timeout_s;
	alarm(timeout_s + 10);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGCHLD, &sa, NULL);
	/* A child's end interrupts the wait for a client: no reaping delayed. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &unblocked);
	if (result_file) {
		result_fd = open(result_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (result_fd < 0)
			return fprintf(stderr, "credssp-gate: %s: %s\n", result_file,
				       strerror(errno)),
			       2;
	}

	lfd = listen_on();
	if (lfd < 0)
		return fprintf(stderr, "credssp-gate: cannot listen: %s\n", strerror(errno)), 2;
	while (served < count) {
		struct sockaddr_storage peer;
		struct sockaddr_in *sin = (struct sockaddr_in *)&peer;
		socklen_t plen = sizeof(peer);
		char addr[INET6_ADDRSTRLEN] = "-";
		struct conn c = {0};
		int one = 1;
		pid_t pid;

		/* Wait for a client; with --stop-file, stop (successfully) once it exists. */
		r = wait_client(lfd, &rc);
		if (r <= 0) {
			if (r < 0 && rc < 1)
				rc = 1;
			break;
		}
		c.fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
		if (c.fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			rc = 2;
			break;
		}
		setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (peer.ss_family == AF_INET)
			inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		put(&c, "conn", "%u", ++n);
		put(&c, "peer", "%s:%u", addr, ntohs(sin->sin_port));
		if (max_per_source && from_source(sin->sin_addr) >= max_per_source) {
			put(&c, "status", "REFUSED_SOURCE");
			put(&c, "end", "%u", n);
			emit(&c);
			close(c.fd);
			if (rc < 1)
				rc = 1;
			continue;
		}
		pid = fork();
		if (pid == 0)
			child(lfd, &c, n);
		if (pid < 0) {
			put(&c, "status", "NO_PROCESS (%s)", strerror(errno));
			put(&c, "end", "%u", n);
			emit(&c);
			if (rc < 1)
				rc = 1;
		} else {
			slots[nslots].pid = pid;
			slots[nslots++].addr = sin->sin_addr;
			served++;
		}
		close(c.fd);
	}
	close(lfd);
	reap(true, &rc);
	free(slots);
	return rc;
}
