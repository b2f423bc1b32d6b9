// SPDX-License-Identifier: GPL-2.0
/*
 * sspi_front: an RDP Network Level Authentication listener written the way a
 * Windows server is, against <sspi.h> (libcredssp's porting header), so that
 * real clients authenticate through credssp.ko and credsspd. Test code.
 *
 * Per connection:
 *   1. X.224 Connection Request in, Connection Confirm out selecting
 *      PROTOCOL_HYBRID (RDP_NEG_FAILURE when the client did not offer it).
 *   2. AcceptSecurityContext in token mode: the bytes read are the input
 *      SECBUFFER_TOKEN plus a SECBUFFER_EMPTY that comes back as
 *      SECBUFFER_EXTRA; SEC_E_INCOMPLETE_MESSAGE means read more; every
 *      output token is sent, also the one of a failure (errorCode TSRequest).
 *   3. On SEC_E_OK: QueryContextAttributes NAMES, NEGOTIATION_PACKAGE,
 *      STREAM_SIZES, LIFESPAN and CREDS (the delegated credentials payload,
 *      decoded here), and the first bytes after CredSSP (SECBUFFER_EXTRA or
 *      read next) must start a TLS application data record: the client's
 *      MCS Connect-Initial, encrypted (kTLS reads it in issue 5's gate).
 *   4. With --keys-file, while the context lives (after CREDS took the
 *      payload once): its delegated-credentials key, from GET_CTX's serial:
 *      keyctl describe (key_desc, key_perm), whether keyctl read refuses it
 *      (key_read), and the output of `keyctl show` of .credssp, `keyctl
 *      describe` and `keyctl read` appended to the file.
 *   5. A key=value result block per connection is appended to --result.
 *
 * usage: sspi_front --port N [--host A] [--port-file F] [--count N]
 *                   [--timeout S] [--result F] [--stop-file F] [--keys-file F]
 *                   [--threads N]
 * (--stop-file: stop waiting for clients once F exists, before --count;
 * --threads: N threads (at most 64; not with --keys-file) serve connections
 * at once, all through sspi.h's one session, for bench/threads.sh)
 * exit: 0 every connection reached SEC_E_OK and its next record, 1 not, 2 setup
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/keyctl.h>
#include <unistd.h>

#include "sspi.h"

#include "credssp.h" /* credssp_status_name() */
#include "x224.h"

#define IN_MAX (256 * 1024)

static const char *host = "127.0.0.1", *port_file, *result_file, *stop_file, *keys_file;
static unsigned int port, count = 1, timeout_s = 60;
static time_t deadline;
static struct timespec x224_until; /* the same deadline, for x224.h */

struct conn {
	int fd;
	uint8_t in[IN_MAX];
	size_t len;
	char res[8192];
	size_t rlen;
};

static void put(struct conn *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put(struct conn *c, const char *key, const char *fmt, ...)
{
	char val[1024];
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
	explicit_bzero(val, sizeof(val));
}

/* Read at least one more byte; 0, or -1 on EOF, error or the deadline. */
static int read_more(struct conn *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	ssize_t n;
	int left = (int)(deadline - time(NULL));

	if (left <= 0 || c->len == sizeof(c->in))
		return -1;
	if (poll(&p, 1, left * 1000) != 1)
		return -1;
	n = read(c->fd, c->in + c->len, sizeof(c->in) - c->len);
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	return 0;
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->len - n);
	c->len -= n;
}

/*
 * X.224 Connection Request / Confirm (rdp/x224.h), read exactly:
 * what follows is AcceptSecurityContext's input. The RDP_NEG_RSP has no flags.
 */
static bool x224(struct conn *c)
{
	struct x224_request req;
	bool hybrid;

	if (x224_read_request(c->fd, &x224_until, c->in, sizeof(c->in), &req))
		return false;
	put(c, "requested_protocols", "0x%08x", req.requested);
	hybrid = req.requested & X224_PROTOCOL_HYBRID;
	return !x224_send_confirm(c->fd, &x224_until, hybrid, 0) && hybrid;
}

/* The one SSPI-name table: libcredssp's. */
static const char *status_name(SECURITY_STATUS s)
{
	return credssp_status_name((uint32_t)s);
}

/* One UTF-16LE field of the credentials payload, as ASCII ('?' beyond). */
static void put_utf16(struct conn *c, const char *key, const uint8_t *p, uint32_t len)
{
	char s[256];
	uint32_t i;

	for (i = 0; i / 2 < sizeof(s) - 1 && i + 1 < len; i += 2)
		s[i / 2] = p[i + 1] || p[i] >= 0x7f || p[i] < 0x20 ? '?' : (char)p[i];
	s[i / 2] = '\0';
	put(c, key, "%s", s);
	explicit_bzero(s, sizeof(s));
}

static void put_creds(struct conn *c, const uint8_t *p, size_t len)
{
	struct credssp_creds_hdr h;
	size_t pos = sizeof(h);

	if (len < sizeof(h)) {
		put(c, "creds", "short");
		return;
	}
	memcpy(&h, p, sizeof(h));
	put(c, "cred_type", "%s", h.type == CREDSSP_CRED_TYPE_PASSWORD ? "password" : "other");
	/* Little-endian payload (__le16/__le32 in the uapi). */
	for (unsigned int i = 0; i < le16toh(h.n_fields); i++) {
		struct credssp_creds_field f;
		uint32_t flen;
		uint16_t id;

		if (len - pos < sizeof(f))
			break;
		memcpy(&f, p + pos, sizeof(f));
		pos += sizeof(f);
		flen = le32toh(f.len);
		id = le16toh(f.id);
		if (len - pos < flen)
			break;
		if (id == CREDSSP_CRED_FIELD_DOMAIN)
			put_utf16(c, "domain", p + pos, flen);
		else if (id == CREDSSP_CRED_FIELD_USER)
			put_utf16(c, "user", p + pos, flen);
		else if (id == CREDSSP_CRED_FIELD_PASSWORD)
			put_utf16(c, "password", p + pos, flen);
		pos += flen;
	}
}

/* The context's key as root sees it; the keyctl(1) views go to --keys-file. */
static void put_key(struct conn *c, const CtxtHandle *ctx)
{
	uint64_t id = (uint64_t)(uint32_t)ctx->dwLower | (uint64_t)(uint32_t)ctx->dwUpper << 32;
	struct credssp_handle *h = credssp_open();
	struct credssp_ctx_info info = {0};
	struct credssp_status st = {0};
	char desc[1024] = "", cmd[512], *p;
	int32_t keyring;
	long n;
	int i;

	put(c, "ctx", "0x%016llx", (unsigned long long)id);
	if (!h || credssp_get_context(h, id, &info) || credssp_get_status(h, &st)) {
		put(c, "key", "GET_CTX failed");
		credssp_close(h);
		return;
	}
	keyring = st.keyring;
	credssp_free_status(&st);
	credssp_close(h);
	put(c, "key", "%d", info.key);
	if (info.key <= 0)
		return;
	/* type;uid;gid;perm;description */
	n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, info.key, desc, sizeof(desc) - 1, 0);
	if (n < 0) {
		put(c, "key_desc", "describe: %s", strerror(errno));
	} else {
		desc[sizeof(desc) - 1] = '\0';
		for (i = 0, p = desc; i < 3 && p; i++)
			p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL;
		if (p) {
			put(c, "key_perm", "%.8s", p);
			p = strchr(p, ';');
		}
		put(c, "key_desc", "%s", p ? p + 1 : desc);
	}
	n = syscall(SYS_keyctl, KEYCTL_READ, info.key, cmd, sizeof(cmd), 0);
	put(c, "key_read", "%s",
	    n >= 0				     ? "READABLE"
	    : errno == EACCES || errno == EOPNOTSUPP ? "refused"
						     : strerror(errno));
	explicit_bzero(cmd, sizeof(cmd));
	snprintf(cmd, sizeof(cmd),
		 "{ echo '# ctx=0x%016llx key=%d'; keyctl show %d; keyctl describe %d;"
		 " keyctl read %d; echo \"# keyctl read exit $?\"; } >>'%s' 2>&1",
		 (unsigned long long)id, info.key, keyring, info.key, info.key, keys_file);
	if (system(cmd) != 0)
		put(c, "keys_file", "failed");
}

static bool established(struct conn *c, CtxtHandle *ctx)
{
	SecPkgContext_Names names = {0};
	SecPkgContext_PackageInfo nego = {0};
	SecPkgContext_StreamSizes sizes = {0};
	SecPkgContext_Lifespan life = {0};
	SecPkgContext_ClientCreds creds = {0};
	SECURITY_STATUS s;

	s = QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, &names);
	put(c, "principal", "%s", s == SEC_E_OK ? names.sUserName : status_name(s));
	if (s == SEC_E_OK)
		FreeContextBuffer(names.sUserName);
	s = QueryContextAttributes(ctx, SECPKG_ATTR_NEGOTIATION_PACKAGE, &nego);
	put(c, "package", "%s", s == SEC_E_OK ? nego.PackageInfo->Name : status_name(s));
	if (s == SEC_E_OK)
		FreeContextBuffer(nego.PackageInfo);
	s = QueryContextAttributes(ctx, SECPKG_ATTR_STREAM_SIZES, &sizes);
	if (s == SEC_E_OK)
		put(c, "stream_sizes", "%u/%u/%u", sizes.cbHeader, sizes.cbTrailer,
		    sizes.cbMaximumMessage);
	s = QueryContextAttributes(ctx, SECPKG_ATTR_LIFESPAN, &life);
	/* Windows time (100 ns since 1601), local: now give or take a time zone */
	if (s == SEC_E_OK) {
		long long start = life.tsStart.QuadPart / 10000000 - 11644473600LL;
		bool ok = llabs(start - (long long)time(NULL)) <= 14 * 3600 + 60 &&
			  life.tsExpiry.QuadPart > life.tsStart.QuadPart;

		put(c, "lifespan_ok", "%s", ok ? "yes" : "no");
	}
	s = QueryContextAttributes(ctx, SECPKG_ATTR_CREDS, &creds);
	if (s == SEC_E_OK) {
		put_creds(c, creds.AuthBuffer, creds.AuthBufferLen);
		FreeContextBuffer(creds.AuthBuffer);
	} else {
		put(c, "creds", "%s", status_name(s));
	}
	/* The key stays for in-kernel consumers after the one-time hand-over. */
	if (keys_file)
		put_key(c, ctx);
	/* What follows CredSSP: the client's first RDP PDU in a TLS record. */
	while (c->len < 5)
		if (read_more(c))
			break;
	put(c, "next_record", "%s",
	    c->len >= 5 && c->in[0] == 0x17 && c->in[1] == 3 ? "application_data" : "none");
	return c->len >= 5 && c->in[0] == 0x17;
}

static bool serve(struct conn *c, CredHandle *cred)
{
	CtxtHandle ctx;
	bool have_ctx = false, ok = false;
	SECURITY_STATUS s = SEC_E_INTERNAL_ERROR;
	unsigned int calls = 0;

	if (!x224(c)) {
		put(c, "status", "NO_HYBRID");
		return false;
	}
	for (;;) {
		uint8_t out[CREDSSP_TOKEN_MAX];
		SecBuffer ib[2] = {{(ULONG)c->len, SECBUFFER_TOKEN, c->in},
				   {0, SECBUFFER_EMPTY, NULL}};
		SecBuffer ob[1] = {{sizeof(out), SECBUFFER_TOKEN, out}};
		SecBufferDesc in = {SECBUFFER_VERSION, 2, ib}, outd = {SECBUFFER_VERSION, 1, ob};
		ULONG attrs = 0;
		TimeStamp expiry;

		if (!c->len && read_more(c)) {
			put(c, "io", "closed after %u calls", calls);
			break;
		}
		ib[0].cbBuffer = (ULONG)c->len;
		s = AcceptSecurityContext(cred, have_ctx ? &ctx : NULL, &in,
					  ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM |
						  ASC_REQ_DELEGATE | ASC_REQ_MUTUAL_AUTH,
					  SECURITY_NATIVE_DREP, &ctx, &outd, &attrs, &expiry);
		calls++;
		if (s == SEC_E_INCOMPLETE_MESSAGE) {
			if (read_more(c)) {
				put(c, "io", "closed inside a record");
				break;
			}
			continue;
		}
		if (s == SEC_I_CONTINUE_NEEDED || s == SEC_E_OK)
			have_ctx = true;
		if (ob[0].cbBuffer && x224_send_all(c->fd, &x224_until, out, ob[0].cbBuffer))
			put(c, "io", "send failed");
		explicit_bzero(out, ob[0].cbBuffer);
		if (s != SEC_I_CONTINUE_NEEDED && s != SEC_E_OK)
			break;
		consume(c, c->len - (ib[1].BufferType == SECBUFFER_EXTRA ? ib[1].cbBuffer : 0));
		if (s == SEC_E_OK) {
			put(c, "ret_flags", "0x%08x", attrs);
			put(c, "expiry_ok", "%s", expiry.QuadPart > time(NULL) ? "yes" : "no");
			ok = established(c, &ctx);
			break;
		}
	}
	put(c, "status", "%s", status_name(s));
	put(c, "calls", "%u", calls);
	if (have_ctx && DeleteSecurityContext(&ctx) != SEC_E_OK)
		put(c, "delete", "failed");
	return ok && s == SEC_E_OK;
}

static int listen_on(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;
	FILE *f;

	if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen))
		return -1;
	if (port_file) {
		f = fopen(port_file, "w");
		if (!f || fprintf(f, "%u\n", ntohs(a.sin_port)) < 0 || fclose(f))
			return -1;
	}
	return fd;
}

/* --threads: connections are numbered 1..count; each thread takes the next. */
static unsigned int next_conn;
static int lfd, rc;
static CredHandle cred;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void set_rc(int r)
{
	pthread_mutex_lock(&out_lock);
	if (r > rc)
		rc = r;
	pthread_mutex_unlock(&out_lock);
}

/*
 * The next client, or -1 at the deadline or on an error (*@rcp: 1, or 2 if
 * accept4() failed), or when --stop-file appeared while nobody was waiting
 * (*@rcp 0). The listening socket is non-blocking: every thread polls it
 * and all of them wake for one client; those that lose the race go back to
 * polling instead of blocking in accept4() past the deadline (one thread of
 * --threads 64 once never returned when a client did not come).
 */
static int accept_client(int *rcp)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	int fd, r;

	*rcp = 1;
	while (time(NULL) < deadline) {
		r = poll(&p, 1, 200);
		if (r == 0 && stop_file && access(stop_file, F_OK) == 0) {
			*rcp = 0;
			return -1;
		}
		if (r < 0 && errno != EINTR)
			return -1;
		if (r != 1)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED) {
			*rcp = 2;
			return -1;
		}
	}
	return -1;
}

/* Serve connections until --count were taken (or the deadline, or --stop-file). */
static void *serve_loop(void *arg)
{
	unsigned int i;

	(void)arg;
	while ((i = __atomic_add_fetch(&next_conn, 1, __ATOMIC_RELAXED)) <= count) {
		struct conn *c = calloc(1, sizeof(*c));
		int one = 1, r;
		FILE *f;

		if (!c) {
			set_rc(1);
			break;
		}
		c->fd = accept_client(&r);
		if (c->fd < 0) {
			free(c);
			if (r)
				set_rc(r);
			break;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		put(c, "conn", "%u", i);
		if (!serve(c, &cred))
			set_rc(1);
		put(c, "end", "%u", i);
		close(c->fd);
		pthread_mutex_lock(&out_lock);
		f = result_file ? fopen(result_file, "a") : NULL;
		if (f) {
			fwrite(c->res, 1, c->rlen, f);
			fclose(f);
		}
		fwrite(c->res, 1, c->rlen, stderr);
		pthread_mutex_unlock(&out_lock);
		explicit_bzero(c, sizeof(*c));
		free(c);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	TimeStamp expiry;
	unsigned int threads = 1, n = 0;
	pthread_t t[64];

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
		else if (!strcmp(o, "--keys-file"))
			keys_file = v;
		else if (!strcmp(o, "--threads"))
			threads = (unsigned int)atoi(v);
		else
			return fprintf(stderr, "sspi_front: unknown option %s\n", o), 2;
	}
	if (argc % 2 == 0 || !count || !timeout_s || !threads || threads > 64 ||
	    (keys_file && threads > 1))
		return fprintf(stderr, "sspi_front: bad arguments (see the source's header)\n"), 2;
	deadline = time(NULL) + timeout_s;
	x224_until = x224_deadline(timeout_s);
	alarm(timeout_s + 5);
	signal(SIGPIPE, SIG_IGN);

	if (AcquireCredentialsHandle(NULL, CREDSSP_NAME_A, SECPKG_CRED_INBOUND, NULL, NULL, NULL,
				     NULL, &cred, &expiry) != SEC_E_OK)
		return fprintf(stderr, "sspi_front: AcquireCredentialsHandle failed\n"), 2;
	lfd = listen_on();
	if (lfd < 0)
		return fprintf(stderr, "sspi_front: cannot listen: %s\n", strerror(errno)), 2;
	/* All threads' calls go through sspi.h's one process-wide session. */
	for (n = 1; n < threads; n++)
		if (pthread_create(&t[n], NULL, serve_loop, NULL))
			break;
	serve_loop(NULL);
	while (--n > 0)
		pthread_join(t[n], NULL);
	FreeCredentialsHandle(&cred);
	close(lfd);
	return rc;
}
