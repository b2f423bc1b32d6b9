// SPDX-License-Identifier: GPL-2.0
/*
 * bench_engine: the server-side CPU cost of one complete NTLM CredSSP accept
 * by the engine (helper/engine.h) against one bare TLS handshake, on this
 * host, in one run. Not a test: it measures and reports (see bench/README).
 *
 * CredSSP: raw NTLM (gss-ntlmssp), TSRequest version 6, TLS 1.3 with
 * TLS_AES_128_GCM_SHA256, the engine's self-signed RSA-2048 certificate. The
 * server credential is made once (cssp_cred_new()); an accept is
 * cssp_ctx_new(), every cssp_ctx_step() of the exchange and cssp_ctx_free().
 * The client is the in-process one of tests/lib/cssp_client.c.
 *
 * TLS: a plain OpenSSL server on memory BIOs with the same certificate,
 * key, protocol version and cipher suite, no session tickets, no session
 * cache (as the engine's); an accept is SSL_new(), SSL_accept() until the
 * handshake is done (moving the bytes in and out of its BIOs) and
 * SSL_free(). The client is the same OpenSSL client context as above.
 *
 * Only the server's calls are timed, with CLOCK_THREAD_CPUTIME_ID (the
 * client's work in between is not counted). The two kinds alternate (ABBA)
 * after a few unmeasured warm-up rounds, so that drifts of the machine
 * (frequency, other load) hit both alike.
 *
 * --callgrind runs the bench again twice under valgrind --tool=callgrind,
 * collecting only inside the server's calls, and reports the instructions
 * per accept and their ratio (repeatable where CPU time is noisy).
 *
 * --threads T: CredSSP accepts per second of wall time with 1 to T threads
 * sharing the one server credential, as credsspd's workers do (each thread
 * also runs its client), to see what the engine itself serializes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#endif

#include <linux/credssp.h>

#include "cssp_client.h"
#include "engine.h"
#include "realm.h"
#include "tls_peer.h"

#define SUITE "TLS_AES_128_GCM_SHA256"

static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

struct bench {
	unsigned int n, warmup;
	const char *only;      /* "credssp" or "tls": run one kind (for callgrind) */
	const char *user_line; /* "hash" or "plain": the NTLM user file's line */
	unsigned long users;   /* lines in the NTLM user file, alice's the last */
	bool callgrind, verbose;
	unsigned int cg_n;
	struct cssp_cred *cred;
	SSL_CTX *client_ctx, *server_ctx;
};

static void fail(const char *msg) __attribute__((noreturn));
static void fail(const char *msg)
{
	fprintf(stderr, "bench_engine: %s\n", msg);
	ERR_print_errors_fp(stderr);
	exit(1);
}

#define die(...)                                           \
	do {                                               \
		char msg_[1024];                           \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__); \
		fail(msg_);                                \
	} while (0)

static uint64_t cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

/* ---- setup ---- */

static SSL_CTX *tls13_ctx(const SSL_METHOD *method)
{
	SSL_CTX *ctx = SSL_CTX_new(method);

	if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, SUITE) != 1)
		die("cannot make a TLS 1.3 %s context", SUITE);
	return ctx;
}

/*
 * pad_users: a copy of the user file FILE with N other users' NT-hash lines
 * before its own (gss-ntlmssp takes the first line that matches, so the
 * benchmark's user is found last: a lookup's worst case). Returns the
 * copy's path, in the realm's directory.
 */
static const char *pad_users(const char *file, unsigned long n)
{
	static char path[4096];
	char line[1024];
	FILE *in, *out;

	snprintf(path, sizeof(path), "%s-%lu", file, n + 1);
	in = fopen(file, "r");
	out = fopen(path, "w");
	if (!in || !out)
		die("cannot write %.900s", path);
	for (unsigned long i = 0; i < n; i++)
		fprintf(out,
			"CONTOSO\\user%06lu:%lu:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
			"%08lX%08lX%08lX%08lX:[U          ]:LCT-00000000:\n",
			i, 1000 + i, i * 2654435761UL & 0xffffffff, ~i & 0xffffffff,
			(i * 40503UL) & 0xffffffff, i ^ 0x5bd1e995UL);
	while (fgets(line, sizeof(line), in))
		fputs(line, out);
	if (ferror(in) || fclose(out))
		die("cannot write %.900s", path);
	fclose(in);
	return path;
}

static void setup(struct bench *b)
{
	const char *users = strcmp(b->user_line, "plain") ? "users" : "users-plain";
	struct cssp_cred_config cfg = {0};
	char err[512] = "";

	atexit(realm_teardown); /* also after die() */
	if (realm_setup("bench", false) ||
	    (!strcmp(b->user_line, "plain") &&
	     realm_ntlm_user("users-plain", "plain", "CONTOSO", "alice", PASSWORD)) ||
	    realm_run("mkdir -p '%s'", realm_path("state")))
		die("setup: %.900s", realm.err);
	cfg.tls.state_dir = realm_path("state"); /* a self-signed RSA-2048 certificate */
	cfg.ntlm_user_file = realm_path(users);
	if (b->users > 1)
		cfg.ntlm_user_file = pad_users(cfg.ntlm_user_file, b->users - 1);
	if (cssp_cred_new(&cfg, &b->cred, err, sizeof(err)) != CREDSSP_SEC_STATUS_OK)
		die("cssp_cred_new: %s", err);

	b->client_ctx = tls13_ctx(TLS_client_method());
	/* the engine's TLS server settings that matter here (helper/tls.c) */
	b->server_ctx = tls13_ctx(TLS_server_method());
	SSL_CTX_set_options(b->server_ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
						   SSL_OP_CIPHER_SERVER_PREFERENCE |
						   SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_num_tickets(b->server_ctx, 0);
	SSL_CTX_set_session_cache_mode(b->server_ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(b->server_ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_use_certificate_chain_file(b->server_ctx, realm_path("state/cert.pem")) != 1 ||
	    SSL_CTX_use_PrivateKey_file(b->server_ctx, realm_path("state/key.pem"),
					SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(b->server_ctx) != 1)
		die("cannot load the engine's certificate and key from %s", realm_path("state"));
	if (EVP_PKEY_get_base_id(SSL_CTX_get0_privatekey(b->server_ctx)) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(SSL_CTX_get0_privatekey(b->server_ctx)) != 2048)
		die("the engine's self-signed key is not RSA-2048");
}

static void cleanup(struct bench *b)
{
	SSL_CTX_free(b->client_ctx);
	SSL_CTX_free(b->server_ctx);
	cssp_cred_free(b->cred);
}

/* The server's CPU time of one accept: in all, and per step (cssp_ctx_step(), SSL_accept()). */
struct sample {
	uint64_t total;
	uint64_t step[SERVER_STEPS_MAX];
	unsigned int steps;
};

/* ---- one CredSSP accept ---- */

static void credssp_once(struct bench *b, struct sample *out)
{
	struct client_opts o = {
		.mech = &ntlm_oid,
		.version = 6,
		.nt_hash = ALICE_NT,
		.target = "TERMSRV@" HOST,
		.ssl_ctx = b->client_ctx,
	};
	const struct cssp_result *r;
	struct client c;
	struct server s;
	uint32_t st;

	if (cssp_client_init(&c, &o))
		die("cssp_client_init failed");
	if (cssp_server_init(&s, b->cred, NULL, true))
		die("cssp_ctx_new failed");
	st = cssp_client_exchange(&c, &s);
	if (s.broken)
		die("cssp_ctx_step() broke engine.h: %s", s.err);
	if (st != CREDSSP_SEC_STATUS_OK)
		die("CredSSP accept: %s (0x%08x)", cssp_status_name(st), st);
	r = cssp_ctx_result(s.ctx);
	if (!r || r->package != CSSP_PACKAGE_NTLM || r->spnego || r->version != 6 ||
	    r->tls_version != 0x0304 || strcmp(r->tls_cipher, SUITE))
		die("CredSSP accept: not raw NTLM v6 over TLS 1.3 %s", SUITE);
	cssp_server_free(&s);
	cssp_client_free(&c);
	if (out) {
		out->total = s.cpu_ns;
		out->steps = s.steps < SERVER_STEPS_MAX ? s.steps : SERVER_STEPS_MAX;
		memcpy(out->step, s.step_ns, sizeof(out->step));
	}
}

/* ---- one bare TLS handshake (server calls kept apart, for callgrind --toggle-collect) ---- */

/* Move what @from wrote to @to's input. */
static void move(BIO *from, BIO *to)
{
	uint8_t buf[16384];
	int n;

	while ((n = BIO_read(from, buf, sizeof(buf))) > 0)
		BIO_write(to, buf, n);
}

__attribute__((noinline)) static int tls_server_new(SSL_CTX *ctx, struct tls_peer *p)
{
	return tls_peer_new(ctx, p, true);
}

/* Take the client's bytes, advance the handshake, give back the answer: 1 when done. */
__attribute__((noinline)) static int tls_server_step(struct tls_peer *srv, struct tls_peer *cli)
{
	int r;

	move(cli->wbio, srv->rbio);
	r = SSL_accept(srv->ssl);
	move(srv->wbio, cli->rbio);
	return r;
}

__attribute__((noinline)) static void tls_server_free(struct tls_peer *p)
{
	tls_peer_free(p);
}

static void tls_once(struct bench *b, struct sample *out)
{
	struct sample x = {0};
	struct tls_peer cli, srv;
	int sr = 0, cr = 0, rounds;
	uint64_t t0;

	if (tls_peer_new(b->client_ctx, &cli, false))
		die("client SSL_new failed");
	t0 = cpu_now();
	if (tls_server_new(b->server_ctx, &srv))
		die("server SSL_new failed");
	x.total = cpu_now() - t0;
	for (rounds = 0; rounds < 10 && (sr != 1 || cr != 1); rounds++) {
		cr = SSL_do_handshake(cli.ssl);
		if (sr != 1) {
			t0 = cpu_now();
			sr = tls_server_step(&srv, &cli);
			t0 = cpu_now() - t0;
			x.total += t0;
			if (x.steps < SERVER_STEPS_MAX)
				x.step[x.steps++] = t0;
		}
	}
	if (sr != 1 || cr != 1 || SSL_version(srv.ssl) != TLS1_3_VERSION ||
	    strcmp(SSL_get_cipher_name(srv.ssl), SUITE))
		die("TLS handshake failed (server %d, client %d)", sr, cr);
	t0 = cpu_now();
	tls_server_free(&srv);
	x.total += cpu_now() - t0;
	tls_peer_free(&cli);
	if (out)
		*out = x;
}

/* ---- statistics and report ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	double median, mean, min, p90; /* microseconds */
};

/* Of @n values taken every @stride uint64_t from @first (sorted in @tmp). */
static struct stats stats(const uint64_t *first, size_t stride, unsigned int n, uint64_t *v)
{
	struct stats s = {0};
	double sum = 0;

	for (unsigned int i = 0; i < n; i++)
		v[i] = first[i * stride];
	qsort(v, n, sizeof(*v), cmp_u64);
	for (unsigned int i = 0; i < n; i++)
		sum += (double)v[i];
	s.mean = sum / n / 1e3;
	s.median = (n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2) / 1e3;
	s.min = (double)v[0] / 1e3;
	s.p90 = (double)v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] / 1e3;
	return s;
}

static void print_stats(const char *what, const struct stats *s)
{
	printf("  %-30s %7.1fus %7.1fus %7.1fus %7.1fus\n", what, s->median, s->mean, s->min,
	       s->p90);
}

/* Per step: the median of the accepts that made that step (their number when not all). */
static void print_steps(const char *what, const struct sample *v, unsigned int n, uint64_t *tmp)
{
	printf("  %s server steps (median of each call):\n", what);
	for (unsigned int k = 0; k < SERVER_STEPS_MAX; k++) {
		unsigned int m = 0;

		for (unsigned int i = 0; i < n; i++)
			if (v[i].steps > k)
				tmp[m++] = v[i].step[k];
		if (!m)
			break;
		printf("    step %u: %7.1fus", k + 1, stats(tmp, 1, m, tmp).median);
		if (m != n)
			printf(" (%u of %u accepts)", m, n);
		printf("\n");
	}
}

/* ---- callgrind: server instructions per accept ---- */

/* Run this program under callgrind for @kind; the server's instructions, or 0. */
static uint64_t callgrind_run(struct bench *b, const char *kind, const char *out)
{
	static const char *const credssp_fns[] = {"--toggle-collect=cssp_ctx_new",
						  "--toggle-collect=cssp_ctx_step",
						  "--toggle-collect=cssp_ctx_free"};
	static const char *const tls_fns[] = {"--toggle-collect=tls_server_new",
					      "--toggle-collect=tls_server_step",
					      "--toggle-collect=tls_server_free"};
	const char *const *fns = strcmp(kind, "tls") ? credssp_fns : tls_fns;
	char outarg[PATH_MAX + 32], n[16], w[16], exe[PATH_MAX], line[256];
	uint64_t ir = 0;
	ssize_t len;
	pid_t pid;
	FILE *f;
	int ws;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return 0;
	exe[len] = '\0';
	snprintf(outarg, sizeof(outarg), "--callgrind-out-file=%s", out);
	snprintf(n, sizeof(n), "%u", b->cg_n);
	snprintf(w, sizeof(w), "%u", b->warmup);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execlp("valgrind", "valgrind", "--tool=callgrind", "--quiet", outarg,
		       "--collect-atstart=no", fns[0], fns[1], fns[2], exe, "--only", kind, "-n", n,
		       "-w", w, "-u", b->user_line, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		return 0;
	f = fopen(out, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "totals: %" SCNu64, &ir) == 1)
			break;
	fclose(f);
	return ir / b->cg_n;
}

static void callgrind(struct bench *b)
{
	char out_c[PATH_MAX], out_t[PATH_MAX];
	uint64_t c, t;

	snprintf(out_c, sizeof(out_c), "%s", realm_path("callgrind.out.credssp"));
	snprintf(out_t, sizeof(out_t), "%s", realm_path("callgrind.out.tls"));
	printf("callgrind, %u accepts of each (after %u unmeasured), server calls only:\n", b->cg_n,
	       b->warmup);
	c = callgrind_run(b, "credssp", out_c);
	t = callgrind_run(b, "tls", out_t);
	if (!c || !t) {
		printf("  callgrind failed (is valgrind installed?)\n");
		return;
	}
	printf("  %-8s %12" PRIu64 " instructions per accept\n", "CredSSP", c);
	printf("  %-8s %12" PRIu64 " instructions per accept\n", "TLS", t);
	printf("  ratio CredSSP / TLS: %.2f\n", (double)c / (double)t);
}

/* A line of /proc/self/status ("VmRSS:"), in kB; 0 if not found. */
static unsigned long status_kb(const char *key)
{
	char line[256];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			kb = strtoul(line + strlen(key), NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/*
 * --sustained N: N CredSSP accepts in a row, in ten batches; after each,
 * the batch's median and 99th percentile of server CPU per accept, the
 * process's VmRSS and the heap in use (mallinfo2(): the engine, OpenSSL,
 * MIT and gss-ntlmssp all allocate from it). Flat is the point.
 */
static void sustained(struct bench *b, unsigned int n)
{
	unsigned int batch = n / 10 ? n / 10 : 1, done = 0;
	struct sample *v = calloc(batch, sizeof(*v));
	uint64_t *tmp = calloc(batch, sizeof(*tmp));

	if (!v || !tmp)
		die("out of memory");
	for (unsigned int i = 0; i < b->warmup; i++)
		credssp_once(b, NULL);
	printf("sustained: %u CredSSP accepts in batches of %u (server CPU per accept)\n", n,
	       batch);
	printf("  %10s %10s %10s %10s %12s\n", "accepts", "median", "p99", "VmRSS kB", "heap kB");
	while (done < n) {
		unsigned int m = n - done < batch ? n - done : batch;
		struct mallinfo2 mi;

		for (unsigned int i = 0; i < m; i++)
			credssp_once(b, &v[i]);
		done += m;
		for (unsigned int i = 0; i < m; i++)
			tmp[i] = v[i].total;
		qsort(tmp, m, sizeof(*tmp), cmp_u64);
		mi = mallinfo2();
		printf("  %10u %8.1fus %8.1fus %10lu %12zu\n", done, (double)tmp[m / 2] / 1e3,
		       (double)tmp[(m * 99) / 100 < m ? (m * 99) / 100 : m - 1] / 1e3,
		       status_kb("VmRSS:"), mi.uordblks / 1024);
		fflush(stdout);
	}
	free(v);
	free(tmp);
}

/* ---- --threads ---- */

struct tjob {
	struct bench *b;
	unsigned int n, next;
};

static void *thread_main(void *arg)
{
	struct tjob *j = arg;

	while (__atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED) < j->n)
		credssp_once(j->b, NULL);
	return NULL;
}

/* @n accepts by @t threads at once: accepts per second of wall time. */
static double threads_batch(struct bench *b, unsigned int t, unsigned int n)
{
	struct tjob j = {b, n, 0};
	pthread_t th[64];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned int i = 0; i < t; i++)
		if (pthread_create(&th[i], NULL, thread_main, &j))
			die("pthread_create failed");
	for (unsigned int i = 0; i < t; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return n / ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* 1 to @maxt threads, 3 rounds (ascending, descending, ascending): median rates. */
static void threads(struct bench *b, unsigned int maxt)
{
	enum { ROUNDS = 3 };
	double rate[64][ROUNDS], med[64];

	for (unsigned int i = 0; i < b->warmup; i++)
		credssp_once(b, NULL);
	for (unsigned int r = 0; r < ROUNDS; r++)
		for (unsigned int k = 0; k < maxt; k++) {
			unsigned int t = r % 2 ? maxt - k : k + 1;

			rate[t - 1][r] = threads_batch(b, t, b->n);
		}
	printf("CredSSP accepts (NTLM, v6, TLS 1.3) per second of wall time, %u per batch, "
	       "threads sharing one credential, each with its client; medians of %d rounds "
	       "(%ld CPUs online):\n",
	       b->n, ROUNDS, sysconf(_SC_NPROCESSORS_ONLN));
	printf("  %8s %10s %10s   %s\n", "threads", "accepts/s", "vs 1", "rounds");
	for (unsigned int t = 1; t <= maxt; t++) {
		double v[ROUNDS];

		memcpy(v, rate[t - 1], sizeof(v));
		qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
		med[t - 1] = v[ROUNDS / 2];
		printf("  %8u %10.1f %10.2f  ", t, med[t - 1], med[t - 1] / med[0]);
		for (unsigned int r = 0; r < ROUNDS; r++)
			printf(" %.1f", rate[t - 1][r]);
		printf("\n");
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_engine [-n N] [-w WARMUP] [-u hash|plain] [-U N] [-M] "
			"[--callgrind [-c N]]\n"
			"  -n N         accepts of each kind (default 200)\n"
			"  -w N         unmeasured warm-up accepts of each kind (default 10)\n"
			"  -u hash      NTLM user file line: NT hash (default) or plain password\n"
			"  -U N         N users in the NTLM user file, the benchmark's the last\n"
			"  -M           leave glibc's heap trimming as it is (credsspd tunes it)\n"
			"  --sustained N  N CredSSP accepts in a row: CPU and memory per tenth\n"
			"  --threads T  accepts per second with 1..T threads (-n per batch)\n"
			"  --callgrind  also count the server's instructions under callgrind\n"
			"  -c N         accepts of each kind under callgrind (default 20)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"callgrind", no_argument, NULL, 'C'},
		{"only", required_argument, NULL, 'o'},
		{"sustained", required_argument, NULL, 'S'},
		{"threads", required_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	struct bench b = {.n = 200, .warmup = 10, .user_line = "hash", .users = 1, .cg_n = 20};
	struct sample *cs, *ts;
	uint64_t *tmp;
	struct stats sc, st;
	unsigned int sustain = 0, maxt = 0;
	bool tune_malloc = true;
	size_t stride;
	int opt;

	while ((opt = getopt_long(argc, argv, "n:w:u:U:c:vM", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': b.n = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'w': b.warmup = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'u': b.user_line = optarg; break;
		case 'U': b.users = strtoul(optarg, NULL, 10); break;
		case 'c': b.cg_n = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'C': b.callgrind = true; break;
		case 'v': b.verbose = true; break;
		case 'M': tune_malloc = false; break;
		case 'o': b.only = optarg; break;
		case 'S': sustain = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'T': maxt = (unsigned int)strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (!b.n || !b.cg_n || !b.users || maxt > 64 ||
	    (strcmp(b.user_line, "hash") && strcmp(b.user_line, "plain")) ||
	    (b.only && strcmp(b.only, "credssp") && strcmp(b.only, "tls")))
		usage();
	if (tune_malloc && cssp_engine_tune_malloc()) /* as credsspd does */
		die("mallopt(M_TRIM_THRESHOLD) refused");
	setup(&b);

	if (maxt) {
		threads(&b, maxt);
		cleanup(&b);
		return 0;
	}
	if (sustain) {
		sustained(&b, sustain);
		cleanup(&b);
		return 0;
	}
	if (b.only) {
		/* under callgrind: warm up, then count only what follows */
		bool credssp = !strcmp(b.only, "credssp");

		for (unsigned int i = 0; i < b.warmup; i++)
			credssp ? credssp_once(&b, NULL) : tls_once(&b, NULL);
		CALLGRIND_ZERO_STATS;
		for (unsigned int i = 0; i < b.n; i++)
			credssp ? credssp_once(&b, NULL) : tls_once(&b, NULL);
		cleanup(&b);
		return 0;
	}

	cs = calloc(b.n, sizeof(*cs));
	ts = calloc(b.n, sizeof(*ts));
	tmp = calloc(b.n, sizeof(*tmp));
	if (!cs || !ts || !tmp)
		die("out of memory");
	for (unsigned int i = 0; i < b.warmup; i++) {
		credssp_once(&b, NULL);
		tls_once(&b, NULL);
	}
	/* alternating: CredSSP first on even rounds, TLS first on odd ones */
	for (unsigned int i = 0; i < b.n; i++) {
		if (i % 2 == 0) {
			credssp_once(&b, &cs[i]);
			tls_once(&b, &ts[i]);
		} else {
			tls_once(&b, &ts[i]);
			credssp_once(&b, &cs[i]);
		}
	}
	stride = sizeof(struct sample) / sizeof(uint64_t);
	sc = stats(&cs[0].total, stride, b.n, tmp);
	st = stats(&ts[0].total, stride, b.n, tmp);
	printf("server CPU time per accept (CLOCK_THREAD_CPUTIME_ID), %u accepts of each, "
	       "alternating, after %u warm-up, %lu user%s in the NTLM user file:\n",
	       b.n, b.warmup, b.users, b.users == 1 ? "" : "s");
	printf("  %-30s %9s %9s %9s %9s\n", "", "median", "mean", "min", "p90");
	print_stats("CredSSP (NTLM, v6, TLS 1.3)", &sc);
	print_stats("bare TLS 1.3 handshake", &st);
	printf("  ratio CredSSP / TLS: median %.2f, mean %.2f (goal: <= 1.50)\n",
	       sc.median / st.median, sc.mean / st.mean);
	printf("  (" SUITE ", RSA-2048 self-signed, NTLM user file: %s line)\n", b.user_line);
	if (b.verbose) {
		print_steps("CredSSP", cs, b.n, tmp);
		print_steps("TLS", ts, b.n, tmp);
	}
	free(cs);
	free(ts);
	free(tmp);
	if (b.callgrind)
		callgrind(&b);
	cleanup(&b);
	return 0;
}
