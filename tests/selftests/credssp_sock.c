// SPDX-License-Identifier: GPL-2.0
/*
 * credssp_sock - guest selftests of socket mode, CREDSSP_CMD_ACCEPT_SOCKET
 * (uapi/linux/credssp.h, "kTLS and socket mode"), over raw libnl with a
 * scripted fake helper of its own: the kernel hands the helper whole TLS
 * records, so the script word is the body of the first record of the input
 * (after its 5-byte header), not the first bytes of the input:
 *
 *   cont     CREDSSP_SEC_STATUS_CONTINUE_NEEDED, output the record 16 03 03 00 04 "SRV1"
 *            (consumes the first record: a second one is EXTRA)
 *   part     CREDSSP_SEC_STATUS_CONTINUE_NEEDED, no output (a TSRequest in pieces)
 *   more     CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE while the input is one record, then
 *            CREDSSP_SEC_STATUS_CONTINUE_NEEDED ("SRV2") consuming all of it
 *   big      CREDSSP_SEC_STATUS_CONTINUE_NEEDED, a 60000-byte output (partial sends)
 *   slow     as cont, 300 ms later
 *   ok       CREDSSP_SEC_STATUS_OK, output "SRVF" record, the fake TLS 1.3 AES-128-GCM
 *            keys of credssp_nl.h (fh_put_keys), record sequence 1
 *   deny     CREDSSP_SEC_STATUS_LOGON_DENIED, output the record 15 03 03 00 04 "err!"
 *   never    no answer; die: the helper exits with the request in flight
 *
 * The client side is a thread (or the test itself) writing fake TLS records
 * on a real loopback TCP connection and reading the server's records back.
 *
 * "credssp_sock --inflight" is not a test: the in-flight call of
 * tests/guest/suite-sock.sh (module unload during a socket-mode call).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "credssp_nl.h"
#include "kselftest_harness.h"

#define BIG_OUT 60000
#define MCS	"\x03\x00\x00\x13\x02\xf0\x80\x7f\x65MCS-CONNECT"

/* ---- the fake helper (records) ---- */

struct sh_shm {
	volatile int registered;
	volatile int n_step, n_free;
	volatile uint32_t last_inlen;
};

static struct sh_shm *sh;
static pid_t sh_pid;
static struct conn sh_c;

struct sh_pending {
	uint64_t id, due;
	uint32_t inlen;
	uint8_t in[64];
};

static struct sh_pending sh_q[256];
static int sh_nq;

static void sh_send(struct nl_msg *m)
{
	nl_send_auto(sh_c.sk, m); /* the ACK is read and dropped by the loop */
	nlmsg_free(m);
}

static struct nl_msg *sh_done(uint64_t id, uint32_t status, uint32_t consumed)
{
	struct nl_msg *m = cmsg(&sh_c, CREDSSP_CMD_HELPER_DONE, 0);

	nla_put_u64(m, CREDSSP_A_H_REQ_ID, id);
	nla_put_u32(m, CREDSSP_A_H_SEC_STATUS, status);
	nla_put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
	return m;
}

static void sh_out(struct nl_msg *m, uint8_t type, const char *body)
{
	uint8_t rec[64] = {type, 3, 3, 0, (uint8_t)strlen(body)};

	memcpy(rec + 5, body, strlen(body));
	nla_put(m, CREDSSP_A_H_OUTPUT, 5 + strlen(body), rec);
}

static void sh_answer(struct sh_pending *q)
{
	uint32_t first = q->inlen >= 5 ? 5u + ((uint32_t)q->in[3] << 8 | q->in[4]) : q->inlen;
	const char *w = (const char *)q->in + 5;
	struct nl_msg *m;

	if (first > q->inlen)
		first = q->inlen;
	if (!strncmp(w, "ok", 2)) {
		m = sh_done(q->id, CREDSSP_SEC_STATUS_OK, first);
		sh_out(m, 0x17, "SRVF");
		fh_put_ok_session(m);
	} else if (!strncmp(w, "deny", 4)) {
		m = sh_done(q->id, CREDSSP_SEC_STATUS_LOGON_DENIED, first);
		sh_out(m, 0x15, "err!");
		nla_put_u32(m, CREDSSP_A_H_PACKAGE, CREDSSP_PACKAGE_NTLM);
	} else if (!strncmp(w, "more", 4) && first == q->inlen) {
		m = sh_done(q->id, CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE, 0);
	} else if (!strncmp(w, "more", 4)) {
		m = sh_done(q->id, CREDSSP_SEC_STATUS_CONTINUE_NEEDED, q->inlen);
		sh_out(m, 0x16, "SRV2");
	} else if (!strncmp(w, "part", 4)) {
		m = sh_done(q->id, CREDSSP_SEC_STATUS_CONTINUE_NEEDED, first);
	} else if (!strncmp(w, "big", 3)) {
		static uint8_t big[BIG_OUT];
		int i;

		for (i = 0; i < BIG_OUT; i++)
			big[i] = (uint8_t)(i * 13 + 7);
		m = sh_done(q->id, CREDSSP_SEC_STATUS_CONTINUE_NEEDED, first);
		nla_put(m, CREDSSP_A_H_OUTPUT, BIG_OUT, big);
	} else {
		m = sh_done(q->id, CREDSSP_SEC_STATUS_CONTINUE_NEEDED, first);
		sh_out(m, 0x16, "SRV1");
	}
	sh_send(m);
}

static void sh_handle(struct nlmsghdr *h)
{
	struct nlattr *tb[TB_MAX + 1];
	struct sh_pending *q;
	const char *w;

	if (h->nlmsg_type != sh_c.fam ||
	    ((struct genlmsghdr *)nlmsg_data(h))->cmd != CREDSSP_CMD_HELPER_NEXT)
		return;
	genlmsg_parse(h, 0, tb, TB_MAX, NULL);
	if (a_u32(tb, CREDSSP_A_H_OP, 0) == CREDSSP_HELPER_OP_FREE) {
		__sync_fetch_and_add(&sh->n_free, 1);
		return;
	}
	q = &sh_q[sh_nq++ % 256];
	memset(q, 0, sizeof(*q));
	q->id = a_u64(tb, CREDSSP_A_H_REQ_ID, 0);
	if (tb[CREDSSP_A_H_INPUT]) {
		q->inlen = (uint32_t)nla_len(tb[CREDSSP_A_H_INPUT]);
		memcpy(q->in, nla_data(tb[CREDSSP_A_H_INPUT]),
		       q->inlen < sizeof(q->in) - 1 ? q->inlen : sizeof(q->in) - 1);
	}
	sh->last_inlen = q->inlen;
	__sync_fetch_and_add(&sh->n_step, 1);
	w = (const char *)q->in + 5;
	if (!strncmp(w, "die", 3))
		_exit(0);
	q->due = now_ms();
	if (!strncmp(w, "slow", 4))
		q->due += 300;
	if (!strncmp(w, "never", 5))
		q->due = UINT64_MAX;
}

/* The pull protocol of credssp_nl.h: sh_c takes and answers, sh_w gets HELPER_READY. */
static void sh_main(void)
{
	struct conn sh_w;
	int ret;

	if (conn_open(&sh_c) || conn_open(&sh_w)) {
		sh->registered = -ENOENT;
		_exit(1);
	}
	ret = fh_register(&sh_c);
	if (!ret)
		ret = fh_join(&sh_w);
	if (ret) {
		sh->registered = ret;
		_exit(1);
	}
	sh->registered = 1;
	for (;;) {
		struct nlmsghdr *h;
		uint64_t now = now_ms();
		int i, n = sh_nq < 256 ? sh_nq : 256;

		for (i = 0; i < n; i++) {
			if (sh_q[i].id && sh_q[i].due <= now) {
				struct sh_pending copy = sh_q[i];

				sh_q[i].id = 0;
				sh_answer(&copy);
			}
		}
		fh_wait_ready(&sh_w, 10);
		while ((ret = fh_next(&sh_c, &h)) == 0) {
			sh_handle(h);
			free(h);
		}
		if (ret == -EBADF)
			_exit(3);
	}
}

static int sh_start(void)
{
	uint64_t t0 = now_ms();

	if (!sh) {
		sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
			  0);
		if (sh == MAP_FAILED)
			abort();
	}
	memset((void *)sh, 0, sizeof(*sh));
	sh_pid = fork();
	if (sh_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sh_main();
		_exit(0);
	}
	while (!sh->registered && now_ms() - t0 < 5000)
		usleep(1000);
	return sh->registered;
}

static void sh_stop(void)
{
	if (sh_pid > 0) {
		kill(sh_pid, SIGKILL);
		waitpid(sh_pid, NULL, 0);
	}
	sh_pid = 0;
}

/* ---- sockets and records ---- */

/* A fake TLS record: 5-byte header, then @body. Returns its length. */
static size_t rec(uint8_t *out, uint8_t type, const char *body)
{
	size_t n = strlen(body);

	out[0] = type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(n >> 8);
	out[4] = (uint8_t)n;
	memcpy(out + 5, body, n);
	return 5 + n;
}

static bool send_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return false;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return true;
}

static bool send_rec(int fd, uint8_t type, const char *body)
{
	uint8_t b[512];

	return send_all(fd, b, rec(b, type, body));
}

/* Read one record from the server and compare it with (@type, @body). */
static bool expect_rec(int fd, uint8_t type, const char *body)
{
	uint8_t want[512], got[512];
	size_t n = rec(want, type, body);

	if (!read_all(fd, got, n, 5)) {
		fprintf(stderr, "# no record %s from the server\n", body);
		return false;
	}
	if (memcmp(got, want, n)) {
		fprintf(stderr, "# record from the server differs (want %s)\n", body);
		return false;
	}
	return true;
}

/*
 * The record a client holding the fake keys sends with @plain as its first
 * application data: encrypted by kTLS on a scratch connection, read raw.
 */
static ssize_t encrypted_rec(const char *plain, size_t n, uint8_t *out, size_t room)
{
	struct tls12_crypto_info_aes_gcm_128 tx;
	size_t len = 5 + n + 1 + 16;
	int a, b;

	if (len > room || tcp_pair(&b, &a, false))
		return -1;
	fh_tls_info(&tx, CREDSSP_A_H_KEYS_RX, 1);
	if (setsockopt(a, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) ||
	    setsockopt(a, SOL_TLS, TLS_TX, &tx, sizeof(tx)) || write(a, plain, n) != (ssize_t)n ||
	    !read_all(b, out, len, 5))
		len = 0;
	close(a);
	close(b);
	return len ? (ssize_t)len : -1;
}

/* ---- ACCEPT_SOCKET ---- */

struct sa {
	uint64_t cred;
	int fd;		  /* -1: no SOCK_FD */
	uint32_t timeout; /* 0: absent */
	uint32_t flags;
	bool no_cred;
};

struct sres {
	int err;	 /* ACK errno */
	uint32_t status; /* SEC status, 0xdeadbeef if none */
	uint64_t ctx, expiry;
	uint32_t ret_flags;
	char ext[256];
	uint64_t ms;
};

static void accept_sock(struct conn *c, const struct sa *a, struct sres *s)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_ACCEPT_SOCKET, 0);
	uint64_t t0 = now_ms();
	struct reply r;

	if (!a->no_cred)
		nla_put_u64(m, CREDSSP_A_CRED_ID, a->cred);
	if (a->fd >= 0)
		nla_put_u32(m, CREDSSP_A_SOCK_FD, (uint32_t)a->fd);
	if (a->timeout)
		nla_put_u32(m, CREDSSP_A_TIMEOUT_MS, a->timeout);
	if (a->flags)
		nla_put_u32(m, CREDSSP_A_REQ_FLAGS, a->flags);
	memset(s, 0, sizeof(*s));
	s->err = transact(c, m, &r);
	s->ms = now_ms() - t0;
	s->status = s->err ? 0xdeadbeef : r_status(&r);
	/* A signal cancelled it, and it did not complete first. */
	if (!s->err && r.intr && s->status != CREDSSP_SEC_STATUS_OK)
		s->err = -EINTR;
	s->ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	s->expiry = a_u64(r.tb, CREDSSP_A_EXPIRY, 0);
	s->ret_flags = a_u32(r.tb, CREDSSP_A_RET_FLAGS, 0);
	snprintf(s->ext, sizeof(s->ext), "%s", r.ext);
	reply_free(&r);
}

/* The call in a thread, for tests that play the client meanwhile. */
struct call {
	pthread_t t;
	struct conn *c;
	struct sa a;
	struct sres s;
	volatile int done;
};

static void *call_thread(void *p)
{
	struct call *k = p;

	accept_sock(k->c, &k->a, &k->s);
	k->done = 1;
	return NULL;
}

static int call_start(struct call *k, struct conn *c, uint64_t cred, int fd, uint32_t timeout)
{
	memset(k, 0, sizeof(*k));
	k->c = c;
	k->a.cred = cred;
	k->a.fd = fd;
	k->a.timeout = timeout;
	return pthread_create(&k->t, NULL, call_thread, k);
}

static void call_join(struct call *k)
{
	pthread_join(k->t, NULL);
}

static uint32_t contexts_now(struct conn *c)
{
	struct gstatus s;

	return get_status(c, &s) ? ~0U : s.contexts;
}

/* Contexts left in the netns, by the GET_CTX dump. */
static int ctx_dump_count(struct conn *c)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_GET_CTX, NLM_F_DUMP);
	struct reply r;
	int n;

	if (transact(c, m, &r)) {
		reply_free(&r);
		return -1;
	}
	n = r.n;
	reply_free(&r);
	return n;
}

static void on_signal(int sig)
{
	(void)sig;
	nl_signalled = 1;
}

FIXTURE(sk)
{
	struct conn c;
	uint64_t cred;
	int srv, cli;
};

FIXTURE_SETUP(sk)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigaction(SIGUSR1, &sa, NULL); /* no SA_RESTART */
	self->srv = self->cli = -1;
	ASSERT_EQ(0, conn_open(&self->c));
	ASSERT_EQ(1, sh_start());
	self->cred = cred_new(&self->c);
	ASSERT_NE(0, self->cred);
	ASSERT_EQ(0, tcp_pair(&self->srv, &self->cli, false));
}

FIXTURE_TEARDOWN(sk)
{
	if (self->srv >= 0)
		close(self->srv);
	if (self->cli >= 0)
		close(self->cli);
	sh_stop();
	conn_close(&self->c);
}

/*
 * The whole handshake: outputs arrive exactly, the context is the caller's
 * (QUERY), kTLS is installed with the helper's keys, and the client's first
 * application record, sent in the same send() as its last CredSSP record,
 * is the first plaintext read on the fd.
 */
TEST_F(sk, happy_path_reads_nothing_past_credssp)
{
	struct tls12_crypto_info_aes_gcm_128 want, got;
	uint8_t buf[1024], plain[64];
	socklen_t len = sizeof(got);
	struct nlattr *q[TB_MAX + 1];
	struct reply r;
	struct call k;
	ssize_t enc;
	size_t n;
	int inq = -1;

	enc = encrypted_rec(MCS, sizeof(MCS) - 1, buf + 64, sizeof(buf) - 64);
	ASSERT_LT(0, enc);
	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 0));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "cont hello"));
	EXPECT_TRUE(expect_rec(self->cli, 0x16, "SRV1"));
	ASSERT_TRUE(send_rec(self->cli, 0x17, "part"));
	ASSERT_TRUE(send_rec(self->cli, 0x17, "more"));
	usleep(50000);
	ASSERT_TRUE(send_rec(self->cli, 0x17, "rest of it"));
	EXPECT_TRUE(expect_rec(self->cli, 0x16, "SRV2"));
	/* authInfo and the MCS Connect-Initial in one segment. */
	n = rec(buf, 0x17, "ok authInfo");
	memmove(buf + n, buf + 64, (size_t)enc);
	ASSERT_TRUE(send_all(self->cli, buf, n + (size_t)enc));
	call_join(&k);
	ASSERT_EQ(0, k.s.err);
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, k.s.status);
	EXPECT_TRUE(expect_rec(self->cli, 0x17, "SRVF"));
	EXPECT_NE(0, k.s.ctx);
	EXPECT_EQ((uint32_t)FH_RET_FLAGS, k.s.ret_flags);
	EXPECT_LT(now_real(), k.s.expiry);
	EXPECT_EQ(5, sh->n_step);

	/* The caller's context: QUERY works, GET_CTX names its port. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, k.s.ctx, CREDSSP_QUERY_NAMES, &r, q));
	EXPECT_STREQ(FH_PRINCIPAL,
		     q[CREDSSP_A_Q_NAME] ? (char *)nla_data(q[CREDSSP_A_Q_NAME]) : "");
	reply_free(&r);
	EXPECT_EQ(CREDSSP_CTX_STATE_ESTABLISHED, ctx_state(&self->c, k.s.ctx));

	/* kTLS with the helper's keys, TX untouched, RX about to read seq 1. */
	fh_tls_info(&want, CREDSSP_A_H_KEYS_TX, 1);
	ASSERT_EQ(0, getsockopt(self->srv, SOL_TLS, TLS_TX, &got, &len));
	EXPECT_EQ(0, memcmp(&want, &got, sizeof(got)));
	ioctl(self->srv, SIOCINQ, &inq);
	EXPECT_EQ(enc, inq);
	memset(plain, 0, sizeof(plain));
	ASSERT_TRUE(read_all(self->srv, plain, sizeof(MCS) - 1, 5));
	EXPECT_EQ(0, memcmp(plain, MCS, sizeof(MCS) - 1));

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, k.s.ctx));
	EXPECT_EQ(0, contexts_now(&self->c));
}

/* A 60000-byte output while the client does not read: all of it arrives. */
TEST_F(sk, big_output_partial_sends)
{
	static uint8_t got[BIG_OUT];
	struct call k;
	int i, bad = 0, small = 4096;

	setsockopt(self->cli, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	setsockopt(self->srv, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 0));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "big"));
	usleep(300000);
	ASSERT_TRUE(read_all(self->cli, got, BIG_OUT, 5));
	for (i = 0; i < BIG_OUT; i++)
		bad += got[i] != (uint8_t)(i * 13 + 7);
	EXPECT_EQ(0, bad);
	ASSERT_TRUE(send_rec(self->cli, 0x17, "ok"));
	call_join(&k);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, k.s.status);
	EXPECT_TRUE(expect_rec(self->cli, 0x17, "SRVF"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, k.s.ctx));
}

/* A failure: the errorCode output reaches the client, then the status. */
TEST_F(sk, error_output_then_status)
{
	struct gstatus s0, s1;
	struct call k;

	ASSERT_EQ(0, get_status(&self->c, &s0));
	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 0));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "cont"));
	EXPECT_TRUE(expect_rec(self->cli, 0x16, "SRV1"));
	ASSERT_TRUE(send_rec(self->cli, 0x17, "deny"));
	EXPECT_TRUE(expect_rec(self->cli, 0x15, "err!"));
	call_join(&k);
	EXPECT_EQ(0, k.s.err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, k.s.status);
	EXPECT_EQ(0, k.s.ctx);
	EXPECT_NE(0, k.s.ext[0]);
	EXPECT_EQ(0, contexts_now(&self->c));
	EXPECT_EQ(0, ctx_dump_count(&self->c));
	ASSERT_EQ(0, get_status(&self->c, &s1));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_LOGON_DENIED) + 1,
		  stat_sum(&s1, CREDSSP_OUTCOME_LOGON_DENIED));
	/* No kTLS on a failure. */
	{
		char name[16] = "";
		socklen_t l = sizeof(name);

		getsockopt(self->srv, IPPROTO_TCP, TCP_ULP, name, &l);
		EXPECT_EQ(0, name[0]);
	}
}

/*
 * A client that sends its TSRequest in many tiny records buys a helper
 * step for each: the handshake ends after max_handshake_steps (default 64)
 * with CREDSSP_SEC_STATUS_INVALID_TOKEN, an outcome message naming the
 * bound and the context failed, at once rather than at the deadline.
 */
TEST_F(sk, step_bound)
{
	struct gstatus s0, s1;
	struct call k;
	int i, steps0;

	ASSERT_EQ(64, param_get("max_handshake_steps"));
	ASSERT_EQ(0, get_status(&self->c, &s0));
	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 20000));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "cont"));
	EXPECT_TRUE(expect_rec(self->cli, 0x16, "SRV1"));
	steps0 = sh->n_step;
	/* "part": CONTINUE_NEEDED, the record consumed, nothing sent back. */
	for (i = 0; i < 200 && !k.done; i++)
		if (!send_rec(self->cli, 0x17, "part"))
			break;
	call_join(&k);
	EXPECT_EQ(0, k.s.err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_TOKEN, k.s.status);
	EXPECT_NE(NULL, strstr(k.s.ext, "max_handshake_steps"));
	EXPECT_EQ(64, sh->n_step - steps0 + 1);
	EXPECT_GT(10000, k.s.ms);
	EXPECT_EQ(0, contexts_now(&self->c));
	ASSERT_EQ(0, get_status(&self->c, &s1));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_INVALID_TOKEN) + 1,
		  stat_sum(&s1, CREDSSP_OUTCOME_INVALID_TOKEN));
}

/* Not a TLS record: the kernel stops at its header. */
TEST_F(sk, not_a_record)
{
	struct call k;

	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 0));
	ASSERT_TRUE(send_all(self->cli, "GET / HTTP/1.1\r\n\r\n", 18));
	call_join(&k);
	EXPECT_EQ(0, k.s.err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_TOKEN, k.s.status);
	EXPECT_EQ(0, contexts_now(&self->c));
}

/* The client goes away in the middle: CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE. */
TEST_F(sk, client_disconnects)
{
	struct call k;

	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 0));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "cont"));
	EXPECT_TRUE(expect_rec(self->cli, 0x16, "SRV1"));
	/* Half a record, then close. */
	ASSERT_TRUE(send_all(self->cli, "\x17\x03\x03\x00\x20ok", 7));
	usleep(50000);
	close(self->cli);
	self->cli = -1;
	call_join(&k);
	EXPECT_EQ(0, k.s.err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE, k.s.status);
	EXPECT_GT(2000, k.s.ms);
	EXPECT_EQ(0, contexts_now(&self->c));
	EXPECT_EQ(0, ctx_dump_count(&self->c));
}

/* A reset instead of a close. */
TEST_F(sk, client_resets)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct call k;

	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 0));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "cont"));
	EXPECT_TRUE(expect_rec(self->cli, 0x16, "SRV1"));
	setsockopt(self->cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(self->cli);
	self->cli = -1;
	call_join(&k);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE, k.s.status);
	EXPECT_EQ(0, contexts_now(&self->c));
}

/* The client stalls: TIMEOUT_MS=500 ends it in about half a second. */
TEST_F(sk, deadline)
{
	struct gstatus s0, s1;
	struct call k;

	ASSERT_EQ(0, get_status(&self->c, &s0));
	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 500));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "cont"));
	EXPECT_TRUE(expect_rec(self->cli, 0x16, "SRV1"));
	call_join(&k);
	EXPECT_EQ(0, k.s.err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTEXT_EXPIRED, k.s.status);
	EXPECT_LE(450, k.s.ms);
	EXPECT_GT(2500, k.s.ms);
	EXPECT_EQ(0, contexts_now(&self->c));
	ASSERT_EQ(0, get_status(&self->c, &s1));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_TIMEOUT) + 1,
		  stat_sum(&s1, CREDSSP_OUTCOME_TIMEOUT));
}

/* The deadline also ends a helper step that takes too long. */
TEST_F(sk, deadline_during_helper_step)
{
	struct call k;

	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 500));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "never"));
	call_join(&k);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTEXT_EXPIRED, k.s.status);
	EXPECT_LE(450, k.s.ms);
	EXPECT_GT(2500, k.s.ms);
	EXPECT_EQ(0, contexts_now(&self->c));
}

/* The helper dies during a step: CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY at once. */
TEST_F(sk, helper_dies)
{
	struct call k;

	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 0));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "cont"));
	EXPECT_TRUE(expect_rec(self->cli, 0x16, "SRV1"));
	ASSERT_TRUE(send_rec(self->cli, 0x17, "die"));
	call_join(&k);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, k.s.status);
	EXPECT_GT(2000, k.s.ms);
	EXPECT_EQ(0, contexts_now(&self->c));
}

/* No helper at all. */
TEST_F(sk, no_helper)
{
	struct call k;

	sh_stop();
	usleep(100000);
	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 0));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "cont"));
	call_join(&k);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, k.s.status);
	EXPECT_EQ(0, contexts_now(&self->c));
}

/* Refusals before anything starts, each with its errno and an extack. */
TEST_F(sk, refusals)
{
	struct sa a = {.cred = self->cred};
	struct sockaddr_in lo = {.sin_family = AF_INET};
	struct sres s;
	int p[2], udp, tcp;

	a.fd = -1;
	accept_sock(&self->c, &a, &s);
	EXPECT_EQ(-EINVAL, s.err);
	a.fd = self->srv;
	a.no_cred = true;
	accept_sock(&self->c, &a, &s);
	EXPECT_EQ(-EINVAL, s.err);
	a.no_cred = false;

	a.fd = 1000;
	accept_sock(&self->c, &a, &s);
	EXPECT_EQ(-EBADF, s.err);
	EXPECT_NE(0, s.ext[0]);
	ASSERT_EQ(0, pipe(p));
	a.fd = p[0];
	accept_sock(&self->c, &a, &s);
	EXPECT_EQ(-ENOTSOCK, s.err);
	close(p[0]);
	close(p[1]);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lo.sin_port = htons(9);
	connect(udp, (void *)&lo, sizeof(lo));
	a.fd = udp;
	accept_sock(&self->c, &a, &s);
	EXPECT_EQ(-EPROTONOSUPPORT, s.err);
	EXPECT_NE(0, s.ext[0]);
	close(udp);
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	a.fd = tcp;
	accept_sock(&self->c, &a, &s);
	EXPECT_EQ(-ENOTCONN, s.err);
	EXPECT_NE(0, s.ext[0]);
	close(tcp);

	/* SSPI refusals are statuses. */
	a.fd = self->srv;
	a.cred = self->cred ^ 0x100000000ULL;
	accept_sock(&self->c, &a, &s);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, s.status);
	a.cred = self->cred;
	a.flags = 0x80000000U;
	accept_sock(&self->c, &a, &s);
	EXPECT_EQ(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION, s.status);
	EXPECT_EQ(0, contexts_now(&self->c));
	/* Nothing was read from the socket. */
	ASSERT_TRUE(send_rec(self->cli, 0x16, "x"));
	usleep(20000);
	{
		int inq = -1;

		ioctl(self->srv, SIOCINQ, &inq);
		EXPECT_EQ(6, inq);
	}
}

/* Another credential's owner cannot use it. */
TEST_F(sk, foreign_cred)
{
	struct sa a = {.cred = self->cred, .fd = self->srv};
	struct conn other;
	struct sres s;

	ASSERT_EQ(0, conn_open(&other));
	accept_sock(&other, &a, &s);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, s.status);
	conn_close(&other);
}

/* A second call on the same socket while the first runs: -EBUSY. */
TEST_F(sk, busy)
{
	struct sa a = {.cred = self->cred, .fd = self->srv};
	struct sres s;
	struct call k;
	struct conn c2;

	ASSERT_EQ(0, conn_open(&c2));
	ASSERT_EQ(0, call_start(&k, &self->c, self->cred, self->srv, 0));
	ASSERT_TRUE(send_rec(self->cli, 0x16, "cont"));
	EXPECT_TRUE(expect_rec(self->cli, 0x16, "SRV1"));
	a.cred = cred_new(&c2);
	accept_sock(&c2, &a, &s);
	EXPECT_EQ(-EBUSY, s.err);
	EXPECT_NE(0, s.ext[0]);
	/* The first one is unharmed. */
	ASSERT_TRUE(send_rec(self->cli, 0x17, "ok"));
	call_join(&k);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, k.s.status);
	/* kTLS now: the socket has a ULP. */
	accept_sock(&c2, &a, &s);
	EXPECT_EQ(-EEXIST, s.err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, k.s.ctx));
	conn_close(&c2);
}

/* A socket of another network namespace: -EXDEV. */
TEST_F(sk, other_netns)
{
	struct sa a = {.cred = self->cred};
	struct ifreq ifr = {0};
	struct sres s;
	int fd, s2, c2;

	/* The netlink socket stays in the initial netns; new sockets do not. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	strcpy(ifr.ifr_name, "lo");
	ASSERT_EQ(0, ioctl(fd, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	ASSERT_EQ(0, ioctl(fd, SIOCSIFFLAGS, &ifr));
	close(fd);
	ASSERT_EQ(0, tcp_pair(&s2, &c2, false));
	a.fd = s2;
	accept_sock(&self->c, &a, &s);
	EXPECT_EQ(-EXDEV, s.err);
	EXPECT_NE(0, s.ext[0]);
	close(s2);
	close(c2);
	EXPECT_EQ(0, contexts_now(&self->c));
}

/* 16 handshakes at once, one of them slow: none waits for another. */
TEST_F(sk, parallel_calls)
{
	struct call k[16];
	struct conn c[16];
	int srv[16], cli[16], i;
	uint64_t t0;

	for (i = 0; i < 16; i++) {
		uint64_t cred;

		ASSERT_EQ(0, conn_open(&c[i]));
		cred = cred_new(&c[i]);
		ASSERT_NE(0, cred);
		ASSERT_EQ(0, tcp_pair(&srv[i], &cli[i], false));
		ASSERT_EQ(0, call_start(&k[i], &c[i], cred, srv[i], 0));
	}
	ASSERT_TRUE(send_rec(cli[0], 0x16, "never"));
	t0 = now_ms();
	for (i = 1; i < 16; i++)
		ASSERT_TRUE(send_rec(cli[i], 0x16, "cont"));
	for (i = 1; i < 16; i++) {
		EXPECT_TRUE(expect_rec(cli[i], 0x16, "SRV1"));
		ASSERT_TRUE(send_rec(cli[i], 0x17, "ok"));
	}
	for (i = 1; i < 16; i++) {
		call_join(&k[i]);
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, k[i].s.status);
		EXPECT_TRUE(expect_rec(cli[i], 0x17, "SRVF"));
	}
	EXPECT_GT(8000, now_ms() - t0);
	EXPECT_EQ(0, k[0].done);
	EXPECT_EQ(16, contexts_now(&self->c));
	/* The stuck one ends with its helper; the others die with their owners. */
	sh_stop();
	call_join(&k[0]);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, k[0].s.status);
	for (i = 0; i < 16; i++) {
		close(cli[i]);
		conn_close(&c[i]);
	}
	for (i = 0; i < 16; i++)
		close(srv[i]);
	usleep(100000);
	EXPECT_EQ(0, contexts_now(&self->c));
}

/* The context dies with the caller's netlink socket. */
TEST_F(sk, context_dies_with_caller)
{
	struct conn c2;
	struct call k;
	uint64_t cred2;

	ASSERT_EQ(0, conn_open(&c2));
	cred2 = cred_new(&c2);
	ASSERT_NE(0, cred2);
	ASSERT_EQ(0, call_start(&k, &c2, cred2, self->srv, 0));
	ASSERT_TRUE(send_rec(self->cli, 0x17, "ok"));
	call_join(&k);
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, k.s.status);
	EXPECT_EQ(1, ctx_listed(&self->c, k.s.ctx));
	/* Not ours: the other socket's. */
	{
		struct reply r;

		EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
			  query(&self->c, k.s.ctx, CREDSSP_QUERY_NAMES, &r, NULL));
		reply_free(&r);
	}
	conn_close(&c2);
	usleep(100000);
	EXPECT_EQ(0, ctx_listed(&self->c, k.s.ctx));
	EXPECT_EQ(0, contexts_now(&self->c));
}

/*
 * A signal to the caller at a random point while the handshake finishes:
 * exactly one outcome each time (-EINTR, or the handshake's own status),
 * and nothing left behind.
 */
TEST_F_TIMEOUT(sk, signal_races_completion, 300)
{
	int i, n_intr = 0, n_ok = 0, n_other = 0, n_sure = 0;

	srand(42);
	for (i = 0; i < (getenv("ITER") ? atoi(getenv("ITER")) : 200); i++) {
		struct call k;
		int srv, cli;

		ASSERT_EQ(0, tcp_pair(&srv, &cli, false));
		ASSERT_EQ(0, call_start(&k, &self->c, self->cred, srv, 0));
		if (i % 3 == 0) {
			/* The signal races the last step. */
			send_rec(cli, 0x17, "ok");
			usleep((useconds_t)(rand() % 20000));
			pthread_kill(k.t, SIGUSR1);
		} else if (i % 3 == 1) {
			/* The signal lands somewhere in a two-step handshake. */
			send_rec(cli, 0x16, "cont");
			usleep((useconds_t)(rand() % 20000));
			pthread_kill(k.t, SIGUSR1);
			send_rec(cli, 0x17, "ok");
		} else {
			/* The call surely waits for the client: always cancelled. */
			send_rec(cli, 0x16, "cont");
			expect_rec(cli, 0x16, "SRV1");
			usleep((useconds_t)(rand() % 2000));
			pthread_kill(k.t, SIGUSR1);
			n_sure++;
			usleep((useconds_t)(rand() % 2000));
			send_rec(cli, 0x17, "ok");
		}
		call_join(&k);
		if (k.s.err == -EINTR) {
			n_intr++;
			EXPECT_EQ(0, k.s.ctx);
		} else if (!k.s.err && k.s.status == CREDSSP_SEC_STATUS_OK) {
			n_ok++;
			EXPECT_NE(0, k.s.ctx);
			EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, k.s.ctx));
		} else {
			n_other++;
			fprintf(stderr, "# iteration %d: err %d status %#x %llu ms\n", i, k.s.err,
				k.s.status, (unsigned long long)k.s.ms);
		}
		close(srv);
		close(cli);
		if (contexts_now(&self->c) != 0) {
			fprintf(stderr, "# iteration %d: a context left\n", i);
			break;
		}
	}
	fprintf(stderr, "# %d interrupted, %d completed, %d other\n", n_intr, n_ok, n_other);
	EXPECT_EQ(200, n_intr + n_ok);
	EXPECT_EQ(0, n_other);
	EXPECT_LE(n_sure, n_intr);
	EXPECT_LT(0, n_ok);
	EXPECT_EQ(0, contexts_now(&self->c));
	EXPECT_EQ(0, ctx_dump_count(&self->c));
}

/* ---- the handler never waits ---- */

static struct nl_msg *accept_sock_msg(struct conn *c, uint64_t cred, int fd, uint32_t timeout)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_ACCEPT_SOCKET, 0);

	nla_put_u64(m, CREDSSP_A_CRED_ID, cred);
	nla_put_u32(m, CREDSSP_A_SOCK_FD, (uint32_t)fd);
	if (timeout)
		nla_put_u32(m, CREDSSP_A_TIMEOUT_MS, timeout);
	return m;
}

/* Start a call whose client says nothing; returns its sequence number. */
static uint32_t start_silent(struct __test_metadata *_metadata, struct conn *c, uint64_t cred,
			     int fd)
{
	uint64_t t0 = now_ms();
	uint32_t seq;
	int err = 1;

	seq = send_only(c, accept_sock_msg(c, cred, fd, 20000));
	EXPECT_NE(0, seq);
	EXPECT_EQ(NLMSG_ERROR, next_msg(c, seq, 2000, &err, NULL));
	EXPECT_EQ(0, err);
	EXPECT_GT(500, now_ms() - t0);
	return seq;
}

/* The ACK at once; CANCEL ends the handshake; the socket can start again. */
TEST_F(sk, returns_at_once_then_cancel)
{
	struct reply r = {0};
	uint64_t t0;
	uint32_t seq;
	int err;

	seq = start_silent(_metadata, &self->c, self->cred, self->srv);
	EXPECT_EQ(1, contexts_now(&self->c));
	t0 = now_ms();
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, cancel_seq(&self->c, seq));
	ASSERT_NE(0, next_msg(&self->c, seq, 3000, &err, &r));
	EXPECT_GT(2000, now_ms() - t0);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, r_status(&r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	reply_free(&r);
	EXPECT_EQ(0, contexts_now(&self->c));
	/* Not left in socket mode: a new call starts (no -EBUSY). */
	seq = start_silent(_metadata, &self->c, self->cred, self->srv);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, cancel_seq(&self->c, seq));
	ASSERT_NE(0, next_msg(&self->c, seq, 3000, &err, &r));
	reply_free(&r);
	EXPECT_EQ(0, contexts_now(&self->c));
}

/*
 * The caller closes the socket's fd during the call: the kernel holds the
 * socket until the call ends (the handshake goes on), then lets it go.
 */
TEST_F(sk, fd_closed_during_call)
{
	struct timeval tv = {.tv_sec = 3};
	struct reply r = {0};
	uint32_t seq;
	char c;
	int err;

	seq = start_silent(_metadata, &self->c, self->cred, self->srv);
	close(self->srv);
	self->srv = -1;
	ASSERT_TRUE(send_rec(self->cli, 0x16, "cont"));
	EXPECT_TRUE(expect_rec(self->cli, 0x16, "SRV1"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, cancel_seq(&self->c, seq));
	ASSERT_NE(0, next_msg(&self->c, seq, 3000, &err, &r));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, r_status(&r));
	reply_free(&r);
	/* Released with the call: the client sees the end of the stream. */
	ASSERT_EQ(0, setsockopt(self->cli, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	EXPECT_EQ(0, recv(self->cli, &c, 1, 0));
	EXPECT_EQ(0, contexts_now(&self->c));
}

/* TIMEOUT_MS cannot extend handshake_timeout_ms. */
TEST_F(sk, deadline_capped)
{
	long orig = param_get("handshake_timeout_ms");
	struct sa a = {.cred = self->cred, .fd = self->srv, .timeout = 0xffffffffU};
	struct sres s;

	ASSERT_LT(0, orig);
	ASSERT_EQ(0, param_set("handshake_timeout_ms", 700));
	accept_sock(&self->c, &a, &s);
	param_set("handshake_timeout_ms", orig);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTEXT_EXPIRED, s.status);
	EXPECT_LE(600, s.ms);
	EXPECT_GT(5000, s.ms);
	EXPECT_EQ(0, contexts_now(&self->c));
}

/* The caller's netlink socket closes: its socket-mode call is aborted. */
TEST_F(sk, owner_close_aborts)
{
	struct reply r = {0};
	uint64_t t0, cred2;
	struct conn c2;
	uint32_t seq;
	int err = 1;

	ASSERT_EQ(0, conn_open(&c2));
	cred2 = cred_new(&c2);
	ASSERT_NE(0, cred2);
	start_silent(_metadata, &c2, cred2, self->srv);
	conn_close(&c2);
	/* The socket is free again soon, not after the 20 s deadline. */
	t0 = now_ms();
	do {
		seq = send_only(&self->c, accept_sock_msg(&self->c, self->cred, self->srv, 20000));
		ASSERT_EQ(NLMSG_ERROR, next_msg(&self->c, seq, 2000, &err, NULL));
		if (err == -EBUSY)
			usleep(20000);
	} while (err == -EBUSY && now_ms() - t0 < 5000);
	EXPECT_EQ(0, err);
	EXPECT_GT(2000, now_ms() - t0);
	if (!err) {
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, cancel_seq(&self->c, seq));
		ASSERT_NE(0, next_msg(&self->c, seq, 3000, &err, &r));
		reply_free(&r);
	}
	EXPECT_EQ(0, contexts_now(&self->c));
}

/*
 * Not a test: "credssp_sock --inflight [--helper]" starts the helper and a
 * socket-mode call whose client stops after one step (with --helper: whose
 * next step the helper never answers), prints "ready", and when the call
 * returns (tests/guest/suite-sock.sh unloads the module meanwhile) prints
 * "inflight <errno> <status> <ms>".
 */
static int inflight_main(bool helper)
{
	struct conn c;
	struct call k;
	int srv, cli;
	uint64_t cred;

	if (sh_start() != 1 || conn_open(&c))
		return 1;
	cred = cred_new(&c);
	if (!cred || tcp_pair(&srv, &cli, false) || call_start(&k, &c, cred, srv, 0))
		return 2;
	if (!send_rec(cli, 0x16, "cont") || !expect_rec(cli, 0x16, "SRV1"))
		return 3;
	if (helper && (!send_rec(cli, 0x17, "never") || !wait_for(&sh->n_step, 2, 5000)))
		return 4;
	printf("ready\n");
	fflush(stdout);
	call_join(&k);
	printf("inflight %d 0x%x %llu\n", k.s.err, k.s.status, (unsigned long long)k.s.ms);
	fflush(stdout);
	sh_stop();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--inflight"))
		return inflight_main(argc > 2 && !strcmp(argv[2], "--helper"));
	return test_harness_run(argc, argv);
}
