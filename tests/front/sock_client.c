// SPDX-License-Identifier: GPL-2.0
/*
 * sock_client: socket mode end to end, in the guest, with the real credsspd
 * and a real OpenSSL + GSSAPI CredSSP client (tests/lib/cssp_client.c).
 *
 * One process, one loopback TCP connection. The server thread hands its end
 * to the kernel with libcredssp's credssp_accept_socket() and, once that
 * returns CREDSSP_SEC_STATUS_OK, reads the client's next application data from the fd
 * in plaintext (kTLS). The client is cssp_client_exchange() with its engine
 * calls (cssp_ctx_new/step/free, cssp_cred_free) replaced by the socket:
 * each "step" writes what the client produced in one send() and collects
 * the server's answer (whole records until the line goes quiet, or the server's
 * call ended). With TRAILING_RECORD the client writes authInfo and its
 * next application record (an MCS Connect-Initial prefix) together: the
 * kernel must stop at authInfo, and the server must read that record's
 * plaintext exactly.
 *
 *   sock_client [--deny] [--version N] [--timeout-ms MS] [--token]
 *               [--fault-at N --fault CMD] [--cred NAME]
 *     --deny       log on with the wrong NT hash: the server gets
 *                  CREDSSP_SEC_STATUS_LOGON_DENIED and the client its errorCode
 *     --timeout-ms the server's handshake deadline (0: the kernel's)
 *     --token      the server in token mode instead: ktls_accept() of
 *                  tests/ktls/ktls_common.h (one record per
 *                  credssp_accept(), from userspace), then KTLS_ATTACH
 *                  for the next record; --timeout-ms does not apply (the
 *                  helper's step deadline, helper_timeout_ms, does)
 *     --fault-at N, --fault CMD
 *                  before the client's N-th message (1: its ClientHello),
 *                  run CMD with system(3) (tests/guest/suite-faults.sh
 *                  kills or stops credsspd there), then go on; prints
 *                  fault_to_end_ms, the time from CMD's return to the end
 *                  of the server's call, server_call_ms, the server's
 *                  whole call, and result=faulted once the
 *                  server's call failed (a success after a fault is FAILED)
 *     --cred NAME  the server acquires credsspd's named credential NAME
 *                  ([credential NAME] in credsspd.conf) instead of the default
 *   Always prints client_steps, the messages the client sent, and
 *   server_cert, the SHA-256 of the certificate the client was shown
 *   (openssl x509 -fingerprint -sha256's form).
 *
 * Needs credssp.ko and credsspd (serving CONTOSO\alice, Passw0rd!).
 * Prints key=value lines; exit 0 when everything matched.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "credssp.h"
#include "cssp_client.h"
#include "realm.h"
#define KTLS_WITH_LIBCREDSSP
#include "ktls_common.h"

#define NEXT_PDU     "\x03\x00\x00\x0b\x02\xf0\x80\x7f\x65\x00\x00"
#define NEXT_PDU_LEN 11

/* One handshake: its connection, its server thread's outcome, its client. */
struct hs {
	int cli_fd, srv_fd;
	atomic_int server_done;
	atomic_uint server_status;
	uint64_t server_ctx;
	uint32_t server_ret_flags;
	char server_next[64];
	int server_next_len;
	char server_msg[256];
	uint64_t server_start_ms, server_end_ms;
	unsigned int client_steps;
	uint8_t buf[1 << 17]; /* the server's answer to one client message */
};

/* The handshake of the calling client thread (cssp_client.c calls cssp_ctx_step()). */
static _Thread_local struct hs *cur;

static unsigned int timeout_ms, fault_at;
static bool token_mode;
static const char *fault_cmd;
static uint64_t fault_ms;
static int fault_rc = -1;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the engine calls of cssp_client.c, over the socket ---- */

struct cssp_ctx {
	int unused;
};

static struct cssp_ctx the_ctx;

struct cssp_ctx *cssp_ctx_new(struct cssp_cred *cred, const struct cssp_ctx_options *opts)
{
	(void)cred;
	(void)opts;
	return &the_ctx;
}

void cssp_ctx_free(struct cssp_ctx *ctx)
{
	(void)ctx;
}

void cssp_cred_free(struct cssp_cred *cred)
{
	(void)cred;
}

/* Whole TLS records in @buf[0..@len). */
static bool whole_records(const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off + 5 <= len)
		off += 5 + ((size_t)buf[off + 3] << 8 | buf[off + 4]);
	return off == len;
}

uint32_t cssp_ctx_step(struct cssp_ctx *ctx, const uint8_t *in, size_t len, struct cssp_step *step)
{
	struct hs *hs = cur;
	uint8_t *buf = hs->buf;
	int cli_fd = hs->cli_fd;
	uint64_t t0 = now_ms(), last = 0;
	size_t got = 0, off = 0;

	(void)ctx;
	memset(step, 0, sizeof(*step));
	if (++hs->client_steps == fault_at && fault_cmd) {
		fault_rc = system(fault_cmd);
		fault_ms = now_ms();
		t0 = fault_ms;
	}
	while (off < len) {
		ssize_t n = send(cli_fd, in + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	step->consumed = len;
	for (;;) {
		struct pollfd p = {.fd = cli_fd, .events = POLLIN};
		uint64_t now;

		if (poll(&p, 1, 50) > 0 && got < sizeof(hs->buf)) {
			ssize_t n = recv(cli_fd, buf + got, sizeof(hs->buf) - got, MSG_DONTWAIT);

			if (n > 0) {
				got += (size_t)n;
				last = now_ms();
			} else if (n == 0 && !hs->server_done) {
				usleep(50000); /* closed: the server's call ends soon */
			}
		}
		now = now_ms();
		/*
		 * An answer: whole records, then the line quiet for a moment.
		 * The kernel writes one helper step's output in one go, and of
		 * the records one client message carries only the last one's
		 * step answers, so an answer is one burst: the quiet only
		 * guards a burst cut at a record boundary by the loopback.
		 */
		if (got && whole_records(buf, got) && now - last >= 200)
			break;
		if (hs->server_done && now - last >= 300)
			break;
		if (now - t0 > 120000)
			break;
	}
	if (got)
		cssp_buf_set(&step->output, buf, got);
	return hs->server_done ? hs->server_status : CREDSSP_SEC_STATUS_CONTINUE_NEEDED;
}

/* ---- the server: socket mode through libcredssp ---- */

/* --cred: the named credential the server acquires, NULL for the default. */
static const char *cred_name;

static void *server_thread(void *arg)
{
	struct hs *hs = arg;
	struct credssp_handle *h = credssp_open();
	uint64_t cred = 0, expiry = 0;
	credssp_status_t st;
	struct timeval tv = {.tv_sec = 30};

	if (!h) {
		snprintf(hs->server_msg, sizeof(hs->server_msg), "credssp_open failed");
		hs->server_status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
		hs->server_done = 1;
		return NULL;
	}
	st = credssp_acquire_credentials_handle(h, cred_name, "CredSSP", CREDSSP_CRED_USE_INBOUND,
						&cred, NULL);
	hs->server_start_ms = now_ms();
	if (st == CREDSSP_SEC_STATUS_OK && token_mode) {
		/* token mode: one record at a time, then kTLS for the next one */
		setsockopt(hs->srv_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		st = ktls_accept(h, cred, hs->srv_fd, &hs->server_ctx, NULL);
		if (st == CREDSSP_SEC_STATUS_OK &&
		    credssp_ktls_attach(h, hs->server_ctx, hs->srv_fd, NULL))
			st = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
		else if (st != CREDSSP_SEC_STATUS_OK && hs->server_ctx) {
			/* as SSPI wants of a failed context (the suite checks the kernel) */
			credssp_delete_security_context(h, hs->server_ctx);
			hs->server_ctx = 0;
		}
	} else if (st == CREDSSP_SEC_STATUS_OK)
		st = credssp_accept_socket(h, cred, hs->srv_fd,
					   CREDSSP_REQ_CONFIDENTIALITY | CREDSSP_REQ_STREAM |
						   CREDSSP_REQ_DELEGATE | CREDSSP_REQ_MUTUAL_AUTH,
					   0, timeout_ms, &hs->server_ctx, &hs->server_ret_flags,
					   &expiry);
	if (st != CREDSSP_SEC_STATUS_OK)
		snprintf(hs->server_msg, sizeof(hs->server_msg), "%s", credssp_last_message(h));
	if (st == CREDSSP_SEC_STATUS_OK) {
		size_t have = 0;

		/* The client's next record, decrypted by kTLS. */
		setsockopt(hs->srv_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while (have < NEXT_PDU_LEN) {
			ssize_t n = read(hs->srv_fd, hs->server_next + have,
					 sizeof(hs->server_next) - have);

			if (n <= 0)
				break;
			have += (size_t)n;
		}
		hs->server_next_len = (int)have;
		if (credssp_delete_security_context(h, hs->server_ctx) != CREDSSP_SEC_STATUS_OK)
			snprintf(hs->server_msg, sizeof(hs->server_msg), "delete failed");
	}
	hs->server_end_ms = now_ms();
	hs->server_status = st;
	hs->server_done = 1;
	credssp_close(h);
	return NULL;
}

static int tcp_pair(struct hs *hs)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int l, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&a, len) || listen(l, 1) || getsockname(l, (void *)&a, &len))
		return -1;
	hs->cli_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (hs->cli_fd < 0 || connect(hs->cli_fd, (void *)&a, len))
		return -1;
	hs->srv_fd = accept(l, NULL, NULL);
	close(l);
	setsockopt(hs->cli_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return hs->srv_fd < 0 ? -1 : 0;
}

static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

/* The client of one handshake, in the calling thread; @o set up, @hs zeroed. */
static uint32_t run_one(struct hs *hs, const struct client_opts *o, struct client *c)
{
	struct server s;
	pthread_t t;
	uint32_t st = CLIENT_TLS_FAILED;

	memset(c, 0, sizeof(*c)); /* cssp_client_free() of a zeroed client frees nothing */
	hs->cli_fd = hs->srv_fd = -1;
	hs->server_next_len = -1;
	cur = hs;
	if (tcp_pair(hs)) {
		snprintf(hs->server_msg, sizeof(hs->server_msg), "tcp_pair: %s", strerror(errno));
		goto out;
	}
	if (cssp_client_init(c, o) || cssp_server_init(&s, NULL, NULL, false)) {
		snprintf(hs->server_msg, sizeof(hs->server_msg), "client set-up failed");
		goto out;
	}
	c->bad = TRAILING_RECORD;
	if (pthread_create(&t, NULL, server_thread, hs)) {
		snprintf(hs->server_msg, sizeof(hs->server_msg), "pthread_create failed");
		cssp_server_free(&s);
		goto out;
	}
	st = cssp_client_exchange(c, &s);
	pthread_join(t, NULL);
	cssp_server_free(&s);
out:
	if (hs->cli_fd >= 0)
		close(hs->cli_fd);
	if (hs->srv_fd >= 0)
		close(hs->srv_fd);
	cur = NULL;
	return st;
}

/* A good handshake: both sides SEC_E_OK and the next record read through kTLS. */
static bool hs_ok(const struct hs *hs, uint32_t client_status)
{
	return hs->server_status == CREDSSP_SEC_STATUS_OK &&
	       client_status == CREDSSP_SEC_STATUS_OK && hs->server_ctx &&
	       hs->server_next_len == NEXT_PDU_LEN &&
	       !memcmp(hs->server_next, NEXT_PDU, NEXT_PDU_LEN);
}

/* ---- --count N --parallel P: a load of N handshakes, P at a time ---- */

static struct client_opts load_opts;
static unsigned int load_count;
static atomic_uint load_next, load_good, load_bad;
static uint32_t *load_ms; /* each handshake's wall time */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static char load_first_bad[512];

static void *load_worker(void *arg)
{
	struct hs *hs = malloc(sizeof(*hs));
	unsigned int i;

	(void)arg;
	if (!hs)
		return NULL;
	while ((i = atomic_fetch_add(&load_next, 1)) < load_count) {
		struct client c;
		uint64_t t0 = now_ms();
		uint32_t st;

		memset(hs, 0, sizeof(*hs));
		st = run_one(hs, &load_opts, &c);
		load_ms[i] = (uint32_t)(now_ms() - t0);
		if (hs_ok(hs, st)) {
			atomic_fetch_add(&load_good, 1);
		} else {
			atomic_fetch_add(&load_bad, 1);
			pthread_mutex_lock(&load_lock);
			if (!load_first_bad[0])
				snprintf(load_first_bad, sizeof(load_first_bad),
					 "handshake %u: client %#x server %s (%s)", i, st,
					 credssp_status_name(hs->server_status), hs->server_msg);
			pthread_mutex_unlock(&load_lock);
		}
		cssp_client_free(&c);
	}
	free(hs);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Prints handshakes=, ok=, failed=, wall_ms=, p50_ms=, p99_ms=, max_ms=; 0 if all were good. */
static int load(unsigned int count, unsigned int parallel)
{
	pthread_t *t = calloc(parallel, sizeof(*t));
	pthread_attr_t attr;
	uint64_t t0 = now_ms();
	unsigned int i, started = 0;

	load_count = count;
	load_ms = calloc(count, sizeof(*load_ms));
	if (!t || !load_ms || pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, 1 << 20))
		return 2;
	for (i = 0; i < parallel; i++)
		if (!pthread_create(&t[i], &attr, load_worker, NULL))
			started++;
		else
			break;
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	printf("handshakes=%u\nparallel=%u (%u threads started)\n", count, parallel, started);
	printf("ok=%u\nfailed=%u\n", load_good, load_bad + (count - load_good - load_bad));
	printf("wall_ms=%llu\n", (unsigned long long)(now_ms() - t0));
	qsort(load_ms, count, sizeof(*load_ms), cmp_u32);
	printf("p50_ms=%u\np99_ms=%u\nmax_ms=%u\n", load_ms[count / 2], load_ms[count * 99 / 100],
	       load_ms[count - 1]);
	if (load_first_bad[0])
		printf("first_failure=%s\n", load_first_bad);
	printf("result=%s\n", load_good == count ? "ok" : "FAILED");
	free(t);
	free(load_ms);
	return load_good == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct client_opts o = {.mech = &ntlm_oid,
				.version = 6,
				.nt_hash = ALICE_NT,
				.target = "TERMSRV@localhost"};
	static struct hs hs;
	struct client c;
	unsigned int count = 1, parallel = 1;
	uint32_t st;
	bool deny = false, ok;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--deny"))
			deny = true;
		else if (!strcmp(argv[i], "--version") && i + 1 < argc)
			o.version = (uint32_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--timeout-ms") && i + 1 < argc)
			timeout_ms = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--fault-at") && i + 1 < argc)
			fault_at = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--fault") && i + 1 < argc)
			fault_cmd = argv[++i];
		else if (!strcmp(argv[i], "--token"))
			token_mode = true;
		else if (!strcmp(argv[i], "--cred") && i + 1 < argc)
			cred_name = argv[++i];
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--parallel") && i + 1 < argc)
			parallel = (unsigned int)atoi(argv[++i]);
		else {
			fprintf(stderr, "sock_client: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (deny)
		o.nt_hash = WRONG_NT;
	if (count != 1 || parallel != 1) {
		if (!count || !parallel || parallel > count || deny || fault_cmd) {
			fprintf(stderr, "sock_client: --count N --parallel P (1 <= P <= N), "
					"without --deny or --fault\n");
			return 2;
		}
		load_opts = o;
		return load(count, parallel);
	}
	st = run_one(&hs, &o, &c);

	printf("client_status=%#x\n", st);
	printf("client_steps=%u\n", hs.client_steps);
	printf("server_cert=");
	for (i = 0; i < (int)sizeof(c.peer_sha256); i++)
		printf("%s%02X", i ? ":" : "", c.peer_sha256[i]);
	printf("\n");
	if (fault_cmd) {
		printf("fault_rc=%d\n", fault_rc);
		printf("fault_to_end_ms=%lld\n",
		       fault_ms ? (long long)hs.server_end_ms - (long long)fault_ms : -1LL);
		printf("server_call_ms=%llu\n",
		       (unsigned long long)(hs.server_end_ms - hs.server_start_ms));
	}
	printf("server_status=%s\n", credssp_status_name(hs.server_status));
	printf("server_message=%s\n", hs.server_msg);
	printf("server_ctx=%s\n", hs.server_ctx ? "yes" : "no");
	printf("ret_flags=%#x\n", hs.server_ret_flags);
	printf("client_error_code=%s %#x\n", c.got_error_code ? "yes" : "no", c.error_code);
	printf("next_plaintext=%s\n",
	       hs.server_next_len == NEXT_PDU_LEN && !memcmp(hs.server_next, NEXT_PDU, NEXT_PDU_LEN)
		       ? "MCS Connect-Initial, exact"
		       : "wrong");
	if (fault_cmd)
		ok = fault_ms && fault_rc == 0 && hs.server_status != CREDSSP_SEC_STATUS_OK &&
		     !hs.server_ctx;
	else if (deny)
		ok = hs.server_status == CREDSSP_SEC_STATUS_LOGON_DENIED && c.got_error_code &&
		     !hs.server_ctx;
	else
		ok = hs_ok(&hs, st);
	printf("result=%s\n", ok ? (fault_cmd ? "faulted" : "ok") : "FAILED");
	cssp_client_free(&c);
	return ok ? 0 : 1;
}
