/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credssp_nl.h - raw libnl-genl-3 plumbing and a scriptable fake helper for
 * the guest selftests of the "credssp" family (tests/selftests/credssp_*.c).
 *
 * Every request is sent with NLM_F_ACK on a socket with NETLINK_EXT_ACK, and
 * the replies are collected by hand (nl_recv + nlmsg walk) so that a test sees
 * exactly what the kernel sent: the errno of the ACK, the extack message, and
 * every reply message.
 *
 * The fake helper is a forked child that speaks the helper's pull protocol:
 * it registers two genl sockets (the first makes it the helper), joins the
 * "helper" group on a third, takes requests with HELPER_NEXT on HELPER_READY
 * (and every 50 ms without one), and answers each CREDSSP_HELPER_OP_STEP, from the
 * socket that took it, according to the first word of the input token,
 * which the test chooses (see fh_answer()). It reports what it saw in a
 * MAP_SHARED block (struct fh_shm); struct fh_cfg sets it up.
 */
#ifndef CREDSSP_SELFTEST_NL_H
#define CREDSSP_SELFTEST_NL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/credssp.h>
#include <linux/credssp_types.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tls.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define TB_MAX	 64
#define MAX_MSGS 256
#define MSG_ROOM (CREDSSP_TOKEN_MAX + 8192)

#define STASH_MAX 64

/*
 * A socket may be shared by threads (a call waiting for the helper in one,
 * another call in the next): each transaction takes the messages of its own
 * sequence number and leaves the others in the stash for their owner.
 */
struct conn {
	struct nl_sock *sk;
	int fam;
	pthread_mutex_t lock;
	struct nlmsghdr *stash[STASH_MAX];
	int nstash;
};

struct reply {
	int err;       /* errno of the ACK (0 or negative); -ETIME: no answer */
	char ext[256]; /* NLMSGERR_ATTR_MSG of the ACK */
	int miss;      /* NLMSGERR_ATTR_MISS_TYPE of the ACK, or -1 */
	bool intr;     /* a signal cancelled the (asynchronous) call */
	int n;	       /* reply messages */
	struct nlmsghdr *msg[MAX_MSGS];
	struct nlattr *tb[TB_MAX + 1]; /* attributes of msg[0] */
};

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline uint64_t now_real(void)
{
	return (uint64_t)time(NULL);
}

static inline int conn_open(struct conn *c)
{
	struct timeval tv = {.tv_sec = 25};
	int one = 1, fd;

	memset(c, 0, sizeof(*c));
	c->sk = nl_socket_alloc();
	if (!c->sk)
		return -ENOMEM;
	if (genl_connect(c->sk)) {
		nl_socket_free(c->sk);
		c->sk = NULL;
		return -EIO;
	}
	pthread_mutex_init(&c->lock, NULL);
	fd = nl_socket_get_fd(c->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nl_socket_set_nonblocking(c->sk);
	nl_socket_set_buffer_size(c->sk, 1 << 20, 1 << 20);
	nl_socket_enable_msg_peek(c->sk);
	nl_socket_disable_seq_check(c->sk);
	c->fam = genl_ctrl_resolve(c->sk, CREDSSP_FAMILY_NAME);
	if (c->fam < 0) {
		nl_socket_free(c->sk);
		c->sk = NULL;
		return -ENOENT;
	}
	return 0;
}

static inline void conn_close(struct conn *c)
{
	int i;

	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
	for (i = 0; i < c->nstash; i++)
		free(c->stash[i]);
	c->nstash = 0;
}

static inline void reply_free(struct reply *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		free(r->msg[i]);
	memset(r, 0, sizeof(*r));
}

static inline void parse_extack_miss(struct nlmsghdr *h, char *out, size_t outlen, int *miss)
{
	struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = sizeof(*e);
	struct nlattr *a;
	int rem;

	out[0] = 0;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (NLMSG_HDRLEN + off >= h->nlmsg_len)
		return;
	a = (struct nlattr *)((char *)e + NLMSG_ALIGN(off));
	rem = h->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off);
	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(out, outlen, "%.*s", nla_len(a), (char *)nla_data(a));
		if (nla_type(a) == NLMSGERR_ATTR_MISS_TYPE && miss)
			*miss = (int)nla_get_u32(a);
	}
}

static inline void parse_extack(struct nlmsghdr *h, char *out, size_t outlen)
{
	parse_extack_miss(h, out, outlen, NULL);
}

static inline struct nl_msg *cmsg(struct conn *c, int cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc_size(MSG_ROOM);

	if (!m)
		abort();
	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, c->fam, 0, NLM_F_ACK | flags, cmd,
		    CREDSSP_FAMILY_VERSION);
	return m;
}

/* One message of transaction @seq: true when it ends it. */
static inline bool take_msg(struct nlmsghdr *h, struct reply *r)
{
	if (h->nlmsg_type == NLMSG_ERROR) {
		r->err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		parse_extack_miss(h, r->ext, sizeof(r->ext), &r->miss);
		return true;
	}
	if (h->nlmsg_type == NLMSG_DONE)
		return true;
	if (r->n < MAX_MSGS) {
		r->msg[r->n] = malloc(h->nlmsg_len);
		memcpy(r->msg[r->n], h, h->nlmsg_len);
		r->n++;
	}
	return false;
}

/*
 * Set by a test's signal handler in the thread it interrupts: a signal that
 * lands outside poll() still cancels the thread's asynchronous call.
 */
static __thread volatile sig_atomic_t nl_signalled;

/*
 * Send @m (freed) without waiting; returns its sequence number, 0 if it
 * could not be sent (libnl's sequence numbers start at the time of day).
 */
static inline uint32_t send_only(struct conn *c, struct nl_msg *m)
{
	uint32_t seq;

	pthread_mutex_lock(&c->lock);
	nl_complete_msg(c->sk, m);
	seq = nlmsg_hdr(m)->nlmsg_seq;
	pthread_mutex_unlock(&c->lock);
	if (nl_send(c->sk, m) < 0)
		seq = 0;
	nlmsg_free(m);
	return seq;
}

/* CANCEL of @seq, without an ACK: nobody waits for its reply. */
static inline void send_cancel(struct conn *c, uint32_t seq)
{
	struct nl_msg *m = nlmsg_alloc_size(MSG_ROOM);

	if (!m)
		abort();
	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, c->fam, 0, 0, CREDSSP_CMD_CANCEL,
		    CREDSSP_FAMILY_VERSION);
	nla_put_u32(m, CREDSSP_A_SEQ, seq);
	send_only(c, m);
}

/*
 * Send @m (freed), collect replies until the ACK / NLMSG_DONE (25 s at most).
 * ACCEPT, ACCEPT_SOCKET and KTLS_ATTACH are asynchronous: after their ACK, wait for the
 * outcome message too (a call refused at once has its reply before the
 * ACK). A signal during such a wait sends CANCEL for it once (r->intr), as
 * libcredssp does, and the wait goes on for the outcome.
 */
static inline int transact(struct conn *c, struct nl_msg *m, struct reply *r)
{
	uint8_t cmd = ((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(m)))->cmd;
	bool async = cmd == CREDSSP_CMD_ACCEPT || cmd == CREDSSP_CMD_ACCEPT_SOCKET ||
		     cmd == CREDSSP_CMD_KTLS_ATTACH;
	uint64_t t0 = now_ms();
	bool done = false, acked = false;
	uint32_t seq;
	int i;

	memset(r, 0, sizeof(*r));
	r->miss = -1;
	nl_signalled = 0;
	seq = send_only(c, m);
	if (!seq) {
		r->err = -EIO;
		return r->err;
	}
	while (!done) {
		struct pollfd p = {.fd = nl_socket_get_fd(c->sk), .events = POLLIN};
		struct sockaddr_nl nla;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		int len;

		pthread_mutex_lock(&c->lock);
		for (i = 0; i < c->nstash && !done; i++) {
			if (c->stash[i]->nlmsg_seq != seq)
				continue;
			acked |= take_msg(c->stash[i], r);
			done = acked && (!async || r->err || r->n);
			free(c->stash[i]);
			memmove(&c->stash[i], &c->stash[i + 1],
				(c->nstash - i - 1) * sizeof(c->stash[0]));
			c->nstash--;
			i--;
		}
		len = done ? 0 : nl_recv(c->sk, &nla, &buf, NULL);
		for (h = (void *)buf; len > 0 && nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
			if (h->nlmsg_seq == seq && !done) {
				acked |= take_msg(h, r);
				done = acked && (!async || r->err || r->n);
			} else if (h->nlmsg_seq != seq && c->nstash < STASH_MAX) {
				c->stash[c->nstash] = malloc(h->nlmsg_len);
				memcpy(c->stash[c->nstash++], h, h->nlmsg_len);
			}
		}
		pthread_mutex_unlock(&c->lock);
		free(buf);
		if (done)
			break;
		if (len < 0 && len != -NLE_AGAIN && len != -NLE_INTR) {
			r->err = -EBADF; /* the socket went away */
			return r->err;
		}
		if (len == -NLE_INTR)
			nl_signalled = 1;
		if (now_ms() - t0 > 25000) {
			r->err = -ETIME;
			return r->err;
		}
		if (poll(&p, 1, 20) < 0 && errno == EINTR)
			nl_signalled = 1;
		if (nl_signalled && async && !r->intr) {
			nl_signalled = 0;
			r->intr = true;
			send_cancel(c, seq);
		}
	}
	if (r->n) {
		genlmsg_parse(r->msg[0], 0, r->tb, TB_MAX, NULL);
		/* An asynchronous outcome carries its reason (no extack). */
		if (!r->ext[0] && r->tb[CREDSSP_A_MESSAGE])
			snprintf(r->ext, sizeof(r->ext), "%s",
				 (char *)nla_data(r->tb[CREDSSP_A_MESSAGE]));
	}
	return r->err;
}

static inline uint32_t a_u32(struct nlattr **tb, int a, uint32_t dflt)
{
	return tb[a] && nla_len(tb[a]) == 4 ? nla_get_u32(tb[a]) : dflt;
}

static inline uint64_t a_u64(struct nlattr **tb, int a, uint64_t dflt)
{
	return tb[a] && nla_len(tb[a]) == 8 ? nla_get_u64(tb[a]) : dflt;
}

/* SEC status of a consumer reply, or 0xdeadbeef when the kernel sent none. */
static inline uint32_t r_status(struct reply *r)
{
	return r->n ? a_u32(r->tb, CREDSSP_A_SEC_STATUS, 0xdeadbeef) : 0xdeadbeef;
}

/* ---- consumer commands ---- */

static inline uint32_t acquire(struct conn *c, const char *pkg, uint32_t use, uint64_t *cred,
			       uint64_t *expiry)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_ACQUIRE_CRED, 0);
	struct reply r;
	uint32_t st;

	if (pkg)
		nla_put_string(m, CREDSSP_A_PACKAGE, pkg);
	nla_put_u32(m, CREDSSP_A_CRED_USE, use);
	transact(c, m, &r);
	st = r.err ? (uint32_t)r.err : r_status(&r);
	if (cred)
		*cred = a_u64(r.tb, CREDSSP_A_CRED_ID, 0);
	if (expiry)
		*expiry = a_u64(r.tb, CREDSSP_A_EXPIRY, 0);
	reply_free(&r);
	return st;
}

static inline uint64_t cred_new(struct conn *c)
{
	uint64_t cred = 0;

	if (acquire(c, "CredSSP", CREDSSP_CRED_USE_INBOUND, &cred, NULL) != CREDSSP_SEC_STATUS_OK)
		return 0;
	return cred;
}

static inline uint32_t id_cmd(struct conn *c, int cmd, int attr, uint64_t id, int *err)
{
	struct nl_msg *m = cmsg(c, cmd, 0);
	struct reply r;
	uint32_t st;

	nla_put_u64(m, attr, id);
	transact(c, m, &r);
	if (err)
		*err = r.err;
	st = r.err ? (uint32_t)r.err : r_status(&r);
	reply_free(&r);
	return st;
}

static inline uint32_t free_cred(struct conn *c, uint64_t id)
{
	return id_cmd(c, CREDSSP_CMD_FREE_CRED, CREDSSP_A_CRED_ID, id, NULL);
}

static inline uint32_t delete_ctx(struct conn *c, uint64_t id)
{
	return id_cmd(c, CREDSSP_CMD_DELETE_CTX, CREDSSP_A_CTX_ID, id, NULL);
}

#define NO_OUTSIZE 0xffffffffU

struct acc {
	uint64_t cred, ctx; /* 0: absent */
	uint32_t flags;
	const void *in;	  /* NULL: no INPUT */
	size_t inlen;	  /* 0 with in != NULL: strlen(in) */
	uint32_t outsize; /* 0: CREDSSP_TOKEN_MAX; NO_OUTSIZE: absent */
	bool drep;
	uint32_t drep_val;
	bool opts;
	uint32_t opts_val;
};

/* ACCEPT; the reply stays in @r (reply_free it). Returns the SEC status. */
static inline uint32_t accept_r(struct conn *c, const struct acc *a, struct reply *r)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_ACCEPT, 0);

	if (a->cred)
		nla_put_u64(m, CREDSSP_A_CRED_ID, a->cred);
	if (a->ctx)
		nla_put_u64(m, CREDSSP_A_CTX_ID, a->ctx);
	if (a->flags)
		nla_put_u32(m, CREDSSP_A_REQ_FLAGS, a->flags);
	if (a->drep)
		nla_put_u32(m, CREDSSP_A_DATA_REP, a->drep_val);
	if (a->opts)
		nla_put_u32(m, CREDSSP_A_OPTIONS, a->opts_val);
	if (a->in)
		nla_put(m, CREDSSP_A_INPUT, a->inlen ? a->inlen : strlen(a->in), a->in);
	if (a->outsize != NO_OUTSIZE)
		nla_put_u32(m, CREDSSP_A_OUTPUT_SIZE, a->outsize ? a->outsize : CREDSSP_TOKEN_MAX);
	transact(c, m, r);
	return r->err ? (uint32_t)r->err : r_status(r);
}

/* One ACCEPT with text input; returns status, *ctx updated if a CTX_ID came. */
static inline uint32_t acc_step(struct conn *c, uint64_t cred, uint64_t *ctx, const char *in)
{
	struct acc a = {.cred = cred, .ctx = *ctx, .in = in};
	struct reply r;
	uint32_t st = accept_r(c, &a, &r);

	if (r.tb[CREDSSP_A_CTX_ID])
		*ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	reply_free(&r);
	return st;
}

/* ---- asynchronous calls, by hand ---- */

/*
 * The next message of @seq within @ms: NLMSG_ERROR (*err set) or a reply
 * (kept in @r). Returns its type, or 0 when none came.
 */
static inline int next_msg(struct conn *c, uint32_t seq, int ms, int *err, struct reply *r)
{
	uint64_t t0 = now_ms();

	for (;;) {
		struct pollfd p = {.fd = nl_socket_get_fd(c->sk), .events = POLLIN};
		struct sockaddr_nl nla;
		unsigned char *buf = NULL;
		struct nlmsghdr *h, *stashed = NULL;
		int len, type = 0, i;

		/* What another transaction read for us first, then the socket. */
		pthread_mutex_lock(&c->lock);
		for (i = 0; i < c->nstash && !stashed; i++) {
			if (c->stash[i]->nlmsg_seq != seq)
				continue;
			stashed = c->stash[i];
			memmove(&c->stash[i], &c->stash[i + 1],
				(c->nstash - i - 1) * sizeof(c->stash[0]));
			c->nstash--;
		}
		pthread_mutex_unlock(&c->lock);
		if (stashed) {
			buf = (unsigned char *)stashed;
			len = (int)stashed->nlmsg_len;
		} else {
			len = nl_recv(c->sk, &nla, &buf, NULL);
		}
		for (h = (void *)buf; len > 0 && nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq || type) {
				/* Another call's message (or this one's next): keep it. */
				pthread_mutex_lock(&c->lock);
				if (c->nstash < STASH_MAX) {
					c->stash[c->nstash] = malloc(h->nlmsg_len);
					memcpy(c->stash[c->nstash++], h, h->nlmsg_len);
				}
				pthread_mutex_unlock(&c->lock);
				continue;
			}
			type = h->nlmsg_type;
			if (type == NLMSG_ERROR) {
				*err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			} else if (r) {
				take_msg(h, r);
				genlmsg_parse(r->msg[0], 0, r->tb, TB_MAX, NULL);
			}
		}
		free(buf);
		if (type)
			return type;
		if ((int)(now_ms() - t0) > ms)
			return 0;
		poll(&p, 1, 20);
	}
}

/* CANCEL of the caller's asynchronous call @seq; returns the SEC status. */
static inline uint32_t cancel_seq(struct conn *c, uint32_t seq)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_CANCEL, 0);
	struct reply r;
	uint32_t st;

	nla_put_u32(m, CREDSSP_A_SEQ, seq);
	transact(c, m, &r);
	st = r.err ? (uint32_t)r.err : r_status(&r);
	reply_free(&r);
	return st;
}

static inline uint32_t query(struct conn *c, uint64_t ctx, uint32_t attr, struct reply *r,
			     struct nlattr **q)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_QUERY_CTX, 0);
	uint32_t st;

	nla_put_u64(m, CREDSSP_A_CTX_ID, ctx);
	nla_put_u32(m, CREDSSP_A_QUERY_ATTR, attr);
	transact(c, m, r);
	st = r->err ? (uint32_t)r->err : r_status(r);
	if (q) {
		memset(q, 0, sizeof(*q) * (TB_MAX + 1));
		if (r->tb[CREDSSP_A_QUERY])
			nla_parse_nested(q, TB_MAX, r->tb[CREDSSP_A_QUERY], NULL);
	}
	return st;
}

/* ---- admin views ---- */

#define N_OUT 8
#define N_PKG 3

struct gstatus {
	int err;
	uint32_t helper, helper_pid, contexts, creds, helper_timeout_ms, token_max;
	int32_t keyring;
	uint64_t stat[N_OUT][N_PKG];
};

static inline int get_status(struct conn *c, struct gstatus *s)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_GET_STATUS, 0);
	struct nlattr *a;
	struct reply r;
	int rem;

	memset(s, 0, sizeof(*s));
	s->err = transact(c, m, &r);
	if (!s->err && !r.n)
		s->err = -ENODATA;
	if (s->err) {
		reply_free(&r);
		return s->err;
	}
	s->helper = r.tb[CREDSSP_A_STATUS_HELPER] ? nla_get_u8(r.tb[CREDSSP_A_STATUS_HELPER]) : 0;
	s->helper_pid = a_u32(r.tb, CREDSSP_A_STATUS_HELPER_PID, 0);
	s->contexts = a_u32(r.tb, CREDSSP_A_STATUS_CONTEXTS, ~0U);
	s->creds = a_u32(r.tb, CREDSSP_A_STATUS_CREDS, ~0U);
	s->helper_timeout_ms = a_u32(r.tb, CREDSSP_A_STATUS_HELPER_TIMEOUT_MS, 0);
	s->token_max = a_u32(r.tb, CREDSSP_A_STATUS_TOKEN_MAX, 0);
	s->keyring = (int32_t)a_u32(r.tb, CREDSSP_A_STATUS_KEYRING, 0);
	nlmsg_for_each_attr(a, r.msg[0], GENL_HDRLEN, rem)
	{
		struct nlattr *st[TB_MAX + 1];
		uint32_t o, p;

		if (nla_type(a) != CREDSSP_A_STATUS_STAT)
			continue;
		nla_parse_nested(st, TB_MAX, a, NULL);
		o = a_u32(st, CREDSSP_A_STAT_OUTCOME, 0);
		p = a_u32(st, CREDSSP_A_STAT_PACKAGE, 0);
		if (o < N_OUT && p < N_PKG)
			s->stat[o][p] += a_u64(st, CREDSSP_A_STAT_COUNT, 0);
	}
	reply_free(&r);
	return 0;
}

static inline uint64_t stat_sum(const struct gstatus *s, int outcome)
{
	uint64_t n = 0;
	int p;

	for (p = 0; p < N_PKG; p++)
		n += s->stat[outcome][p];
	return n;
}

/* GET_CTX do: state of @ctx, 0 if -ENOENT, negative errno otherwise. */
static inline int ctx_state(struct conn *c, uint64_t ctx)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_GET_CTX, 0);
	struct reply r;
	int ret;

	nla_put_u64(m, CREDSSP_A_CI_ID, ctx);
	transact(c, m, &r);
	if (r.err == -ENOENT)
		ret = 0;
	else if (r.err)
		ret = r.err;
	else
		ret = (int)a_u32(r.tb, CREDSSP_A_CI_STATE, 0);
	reply_free(&r);
	return ret;
}

/* GET_CTX dump: is @ctx listed? (1/0, negative errno) */
static inline int ctx_listed(struct conn *c, uint64_t ctx)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_GET_CTX, NLM_F_DUMP);
	struct reply r;
	int i, found = 0;

	if (transact(c, m, &r)) {
		found = r.err;
		reply_free(&r);
		return found;
	}
	for (i = 0; i < r.n; i++) {
		struct nlattr *tb[TB_MAX + 1];

		genlmsg_parse(r.msg[i], 0, tb, TB_MAX, NULL);
		if (a_u64(tb, CREDSSP_A_CI_ID, 0) == ctx)
			found = 1;
	}
	reply_free(&r);
	return found;
}

/* ---- module parameters ---- */

static inline long param_get(const char *name)
{
	char path[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/credssp/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static inline int param_set(const char *name, long v)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/module/credssp/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ok = fprintf(f, "%ld\n", v) > 0;
	if (fclose(f) || !ok)
		return -EIO;
	return 0;
}

/* ---- the fake helper ---- */

struct fh_shm {
	volatile int registered; /* 0 pending, 1 ok, <0 errno */
	volatile int n_step, n_first, n_free, n_done;
	volatile uint64_t last_req_id, last_ctx_id, free_ctx_id;
	volatile uint32_t last_req_flags, last_options, last_inlen, last_op;
	volatile int done_err; /* ACK errno of the last DONE */
	char done_ext[256];
	volatile int bogus_err; /* ACK errno of the h:reqid bogus DONE */
	char bogus_ext[256];
	volatile int release; /* answer the "hold" requests */
	volatile uint64_t held_req_id;
	volatile int n_held;
	volatile int pause;	 /* take nothing, read nothing */
	volatile int n_ready;	 /* waits that saw HELPER_READY (or an overrun) */
	volatile int next_err;	 /* last unexpected HELPER_NEXT errno */
	volatile uint64_t caps;	 /* effective | permitted after fh_cfg.drop_caps */
	char last_cred_name[64]; /* the last first step's H_CRED_NAME, "" without */
};

static struct fh_shm *fh;
static pid_t fh_pid;

#define FH_RET_FLAGS                                                                     \
	(CREDSSP_RET_MUTUAL_AUTH | CREDSSP_RET_CONFIDENTIALITY | CREDSSP_RET_INTEGRITY | \
	 CREDSSP_RET_STREAM | CREDSSP_RET_DELEGATE)
#define FH_PRINCIPAL "KCREDSSP\\alice"
#define FH_CIPHER    "TLS_AES_128_GCM_SHA256"
#define FH_LIFETIME  3600

/* The creds payload the fake helper delegates: PASSWORD KCREDSSP / alice / Secret1!. */
static inline size_t fh_creds(uint8_t *buf, bool malformed)
{
	static const char *const vals[] = {"KCREDSSP", "alice", "Secret1!"};
	/* Little-endian payload (__le16/__le32 in the uapi). */
	struct credssp_creds_hdr h = {CREDSSP_CREDS_VERSION, CREDSSP_CRED_TYPE_PASSWORD,
				      htole16(3)};
	size_t off = sizeof(h);
	int i;

	if (malformed)
		h.n_fields = htole16(4); /* one more field than the payload holds */
	memcpy(buf, &h, sizeof(h));
	for (i = 0; i < 3; i++) {
		struct credssp_creds_field f = {htole16((uint16_t)(CREDSSP_CRED_FIELD_DOMAIN + i)),
						0, htole32((uint32_t)strlen(vals[i]) * 2)};
		size_t j;

		memcpy(buf + off, &f, sizeof(f));
		off += sizeof(f);
		for (j = 0; j < strlen(vals[i]); j++) {
			buf[off++] = (uint8_t)vals[i][j];
			buf[off++] = 0;
		}
	}
	return off;
}

struct fh_req {
	uint64_t id;
	uint64_t due; /* now_ms() deadline; UINT64_MAX: never */
	bool hold;
	uint32_t inlen;
	char in[256]; /* first bytes of the input */
};

/*
 * Set before fh_start() (the child inherits it): a receive buffer for the
 * helper's sockets (SO_RCVBUF, 0: default), one request taken at a time
 * and answered @step_delay_ms later (a slow helper), and whether the
 * helper drops every capability once registered.
 */
struct fh_grant {
	const char *name;
	int n_uids, n_gids;
	uint32_t uids[4], gids[4];
};

struct fh_cfg {
	int rcvbuf;
	int step_delay_ms;
	bool drop_caps;
	/* The named credentials the first registration grants (HELPER_REGISTER's GRANT). */
	const struct fh_grant *grants;
	int n_grants;
};

static struct fh_cfg fh_cfg;
static struct conn fh_c;  /* registered: takes (HELPER_NEXT) and answers */
static struct conn fh_c2; /* registered too, takes nothing */
static struct conn fh_w;  /* joined the "helper" group: HELPER_READY */
static struct fh_req fh_q[512];
static int fh_nq;

/* ---- the pull protocol, for the fake helpers of credssp_sspi.c and credssp_sock.c ---- */

/*
 * Send @m (freed) on @c and read until the message of its sequence number
 * (5 s at most), dropping others: a reply (copied to *@out, free it) or an
 * ACK (its errno returned, its extack in @ext). -ETIME without either.
 */
static inline int fh_xact(struct conn *c, struct nl_msg *m, struct nlmsghdr **out, char *ext,
			  size_t extlen)
{
	uint64_t t0 = now_ms();
	uint32_t seq;
	int ret;

	if (out)
		*out = NULL;
	if (ext && extlen)
		ext[0] = '\0';
	ret = nl_send_auto(c->sk, m);
	seq = nlmsg_hdr(m)->nlmsg_seq;
	nlmsg_free(m);
	if (ret < 0)
		return -EIO;
	while (now_ms() - t0 < 5000) {
		struct pollfd p = {.fd = nl_socket_get_fd(c->sk), .events = POLLIN};
		struct sockaddr_nl nla;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		int len;

		if (poll(&p, 1, 100) <= 0)
			continue;
		len = nl_recv(c->sk, &nla, &buf, NULL);
		if (len == -NLE_AGAIN || len == -NLE_INTR || len == -NLE_NOMEM)
			continue;
		if (len <= 0)
			return -EBADF;
		for (h = (void *)buf; nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				ret = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				if (ext)
					parse_extack(h, ext, extlen);
				free(buf);
				return ret;
			}
			if (out) {
				*out = malloc(h->nlmsg_len);
				memcpy(*out, h, h->nlmsg_len);
				free(buf);
				return 0;
			}
		}
		free(buf);
	}
	return -ETIME;
}

/* HELPER_REGISTER @c with @n grants: 0 or the ACK's errno (its extack in @ext). */
static inline int fh_register_grants(struct conn *c, const struct fh_grant *g, int n, char *ext,
				     size_t extlen)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_HELPER_REGISTER, 0);
	int i, j;

	nla_put_u32(m, CREDSSP_A_H_VERSION, CREDSSP_HELPER_VERSION);
	for (i = 0; i < n; i++) {
		struct nlattr *nest = nla_nest_start(m, CREDSSP_A_H_GRANT);

		if (g[i].name)
			nla_put_string(m, CREDSSP_A_G_NAME, g[i].name);
		for (j = 0; j < g[i].n_uids; j++)
			nla_put_u32(m, CREDSSP_A_G_UID, g[i].uids[j]);
		for (j = 0; j < g[i].n_gids; j++)
			nla_put_u32(m, CREDSSP_A_G_GID, g[i].gids[j]);
		nla_nest_end(m, nest);
	}
	return fh_xact(c, m, NULL, ext, extlen);
}

/* HELPER_REGISTER @c: 0 or the ACK's errno. */
static inline int fh_register(struct conn *c)
{
	return fh_register_grants(c, NULL, 0, NULL, 0);
}

/* Join the "helper" group on @c: 0 or a negative error. */
static inline int fh_join(struct conn *c)
{
	int grp = genl_ctrl_resolve_grp(c->sk, CREDSSP_FAMILY_NAME, CREDSSP_MCGRP_HELPER);

	if (grp < 0)
		return -ENOENT;
	return nl_socket_add_membership(c->sk, grp) ? -EIO : 0;
}

/*
 * Wait up to @timeout ms for something on the group socket @w and read it
 * all. Returns the HELPER_READY notifications read (-1: some were lost to
 * an overrun).
 */
static inline int fh_wait_ready(struct conn *w, int timeout)
{
	struct pollfd p = {.fd = nl_socket_get_fd(w->sk), .events = POLLIN};
	int n = 0;

	if (poll(&p, 1, timeout) <= 0)
		return 0;
	for (;;) {
		struct sockaddr_nl nla;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		int len = nl_recv(w->sk, &nla, &buf, NULL);

		if (len == -NLE_AGAIN || len == 0)
			return n;
		if (len < 0)
			return -1; /* ENOBUFS: take anyway */
		for (h = (void *)buf; nlmsg_ok(h, len); h = nlmsg_next(h, &len))
			if (h->nlmsg_type == w->fam &&
			    ((struct genlmsghdr *)nlmsg_data(h))->cmd == CREDSSP_CMD_HELPER_READY)
				n++;
		free(buf);
	}
}

/*
 * HELPER_NEXT on @c, without NLM_F_ACK (the reply, or an error ACK, ends
 * it): 0 with *@h the request (free it), -ENOENT when none is queued, or
 * another negative errno.
 */
static inline int fh_next(struct conn *c, struct nlmsghdr **h)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m)
		abort();
	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, c->fam, 0, 0, CREDSSP_CMD_HELPER_NEXT,
		    CREDSSP_FAMILY_VERSION);
	return fh_xact(c, m, h, NULL, 0);
}

/* Drop every capability (all sets, the bounding set too): 0 or -errno. */
static inline int fh_drop_caps(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {};
	int cap;

	for (cap = 0; cap < 64; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/* The calling thread's effective and permitted capabilities, ORed. */
static inline uint64_t fh_caps_now(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return ~0ULL;
	return data[0].effective | data[0].permitted |
	       (uint64_t)(data[1].effective | data[1].permitted) << 32;
}

static inline void fh_handle(struct nlmsghdr *h)
{
	struct nlattr *tb[TB_MAX + 1];
	struct genlmsghdr *g;
	struct fh_req *q;
	uint32_t op;

	if (h->nlmsg_type != fh_c.fam)
		return;
	g = nlmsg_data(h);
	if (g->cmd != CREDSSP_CMD_HELPER_NEXT)
		return;
	genlmsg_parse(h, 0, tb, TB_MAX, NULL);
	op = a_u32(tb, CREDSSP_A_H_OP, 0);
	fh->last_op = op;
	if (op == CREDSSP_HELPER_OP_FREE) {
		fh->free_ctx_id = a_u64(tb, CREDSSP_A_H_CTX_ID, 0);
		__sync_fetch_and_add(&fh->n_free, 1);
		return;
	}
	q = &fh_q[fh_nq % 512];
	memset(q, 0, sizeof(*q));
	q->id = a_u64(tb, CREDSSP_A_H_REQ_ID, 0);
	if (tb[CREDSSP_A_H_INPUT]) {
		q->inlen = nla_len(tb[CREDSSP_A_H_INPUT]);
		memcpy(q->in, nla_data(tb[CREDSSP_A_H_INPUT]),
		       q->inlen < sizeof(q->in) - 1 ? q->inlen : sizeof(q->in) - 1);
	}
	fh->last_req_id = q->id;
	fh->last_ctx_id = a_u64(tb, CREDSSP_A_H_CTX_ID, 0);
	fh->last_req_flags = a_u32(tb, CREDSSP_A_H_REQ_FLAGS, 0);
	fh->last_options = a_u32(tb, CREDSSP_A_H_OPTIONS, 0);
	fh->last_inlen = q->inlen;
	if (tb[CREDSSP_A_H_FIRST]) {
		struct nlattr *n = tb[CREDSSP_A_H_CRED_NAME];

		snprintf(fh->last_cred_name, sizeof(fh->last_cred_name), "%.*s",
			 n ? (int)strnlen(nla_data(n), (size_t)nla_len(n)) : 0,
			 n ? (const char *)nla_data(n) : "");
		__sync_fetch_and_add(&fh->n_first, 1);
	}
	__sync_fetch_and_add(&fh->n_step, 1);
	if (!strncmp(q->in, "exit", 4) || !strncmp(q->in, "okdie", 5))
		_exit(0); /* dies with the request taken */
	q->due = now_ms() + fh_cfg.step_delay_ms;
	if (!strncmp(q->in, "slow", 4))
		q->due += 2000;
	if (!strncmp(q->in, "never", 5))
		q->due = UINT64_MAX;
	if (!strncmp(q->in, "hold", 4)) {
		q->hold = true;
		fh->held_req_id = q->id;
		__sync_fetch_and_add(&fh->n_held, 1);
	}
	fh_nq++;
}

/*
 * Wait up to @timeout ms for HELPER_READY, then take what is queued (also
 * without one: the timer a real helper has), all of it, or one request
 * when @one. Nothing while fh->pause is set.
 */
static inline bool fh_take(bool one)
{
	struct nlmsghdr *h;
	bool took = false;
	int ret;

	for (;;) {
		ret = fh_next(&fh_c, &h);
		if (ret == -ENOENT)
			return took;
		if (ret == -EBADF)
			_exit(3); /* the kernel closed us out */
		if (ret) {
			fh->next_err = ret;
			return took;
		}
		fh_handle(h);
		free(h);
		took = true;
		if (one)
			return took;
	}
}

static inline void fh_pump(int timeout, bool one)
{
	if (fh->pause) {
		usleep(timeout * 1000);
		return;
	}
	if (fh_take(one))
		return;
	if (fh_wait_ready(&fh_w, timeout))
		__sync_fetch_and_add(&fh->n_ready, 1);
	fh_take(one);
}

/* Send a HELPER_DONE (on @c) and wait for its ACK. */
static inline int fh_send_on(struct conn *c, struct nl_msg *m)
{
	fh->done_err = fh_xact(c, m, NULL, fh->done_ext, sizeof(fh->done_ext));
	__sync_fetch_and_add(&fh->n_done, 1);
	return fh->done_err;
}

/* Send a HELPER_DONE on the socket that took the request and wait for its ACK. */
static inline int fh_send(struct nl_msg *m)
{
	return fh_send_on(&fh_c, m);
}

static inline void fh_put_keys(struct nl_msg *m, int attr, int keylen)
{
	struct nlattr *n = nla_nest_start(m, attr | NLA_F_NESTED);
	uint8_t key[32], salt[4] = {1, 2, 3, 4}, iv[8] = {5}, seq[8] = {0};

	memset(key, attr, sizeof(key));
	seq[7] = 1;
	nla_put_u32(m, CREDSSP_A_K_CIPHER, TLS_CIPHER_AES_GCM_128);
	nla_put(m, CREDSSP_A_K_KEY, keylen, key);
	nla_put(m, CREDSSP_A_K_SALT, sizeof(salt), salt);
	nla_put(m, CREDSSP_A_K_IV, sizeof(iv), iv);
	nla_put(m, CREDSSP_A_K_REC_SEQ, sizeof(seq), seq);
	nla_nest_end(m, n);
}

static inline struct nl_msg *fh_done_msg(uint64_t req_id, uint32_t status)
{
	struct nl_msg *m = cmsg(&fh_c, CREDSSP_CMD_HELPER_DONE, 0);

	nla_put_u64(m, CREDSSP_A_H_REQ_ID, req_id);
	nla_put_u32(m, CREDSSP_A_H_SEC_STATUS, status);
	return m;
}

/*
 * What a SEC_E_OK answer carries besides its token, CONSUMED and the
 * credentials, as credsspd sends it for an NTLM logon: flags, expiry,
 * package, principal, versions, cipher and both directions' kTLS keys.
 */
static inline void fh_put_ok_session(struct nl_msg *m)
{
	nla_put_u32(m, CREDSSP_A_H_RET_FLAGS, FH_RET_FLAGS);
	nla_put_u64(m, CREDSSP_A_H_EXPIRY, now_real() + FH_LIFETIME);
	nla_put_u32(m, CREDSSP_A_H_PACKAGE, CREDSSP_PACKAGE_NTLM);
	nla_put_string(m, CREDSSP_A_H_PRINCIPAL, FH_PRINCIPAL);
	nla_put_u32(m, CREDSSP_A_H_VERSION_NEGOTIATED, 6);
	nla_put_u32(m, CREDSSP_A_H_PEER_VERSION, 6);
	nla_put_u32(m, CREDSSP_A_H_TLS_VERSION, 0x0304);
	nla_put_string(m, CREDSSP_A_H_TLS_CIPHER, FH_CIPHER);
	fh_put_keys(m, CREDSSP_A_H_KEYS_TX, 16);
	fh_put_keys(m, CREDSSP_A_H_KEYS_RX, 16);
}

/*
 * The script, chosen by the first word of the input ("word|rest": CONSUMED
 * stops after the '|', the rest is EXTRA):
 *   cont, hold, slow, (empty)  CREDSSP_SEC_STATUS_CONTINUE_NEEDED, output "srv1"
 *   big                        CREDSSP_SEC_STATUS_CONTINUE_NEEDED, output 3000 bytes
 *   ok                         CREDSSP_SEC_STATUS_OK, output "srvF", the full result,
 *                              credentials bound to the principal
 *   oknocreds                  the same without a credentials payload
 *   okunbound                  the same, credentials of nobody checked (no
 *                              CREDS_BINDING, as an older helper sends)
 *   incomplete                 CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE, nothing consumed
 *   deny                       CREDSSP_SEC_STATUS_LOGON_DENIED, output "err!", NTLM
 *   never                      no answer; exit, okdie: the helper exits
 *   h:*                        hostile replies (see below)
 */
static inline void fh_answer(struct fh_req *q)
{
	const char *in = q->in, *bar = memchr(q->in, '|', strnlen(q->in, sizeof(q->in)));
	uint32_t consumed = bar ? (uint32_t)(bar - in + 1) : q->inlen;
	uint8_t creds[256], big[CREDSSP_TOKEN_MAX + 1];
	bool ok = false, nokeys = false, badcreds = false, nocreds = false, nobind = false;
	const char *principal = FH_PRINCIPAL;
	char longp[601];
	bool prinul = false;
	int keylen = 16;
	struct nl_msg *m;

	if (!strncmp(in, "ok", 2)) {
		ok = true;
		nocreds = !strncmp(in, "oknocreds", 9); /* nothing delegated */
		nobind = !strncmp(in, "okunbound", 9);
	} else if (!strncmp(in, "h:prinul", 8)) {
		ok = true;
		prinul = true;
	} else if (!strncmp(in, "h:prilong", 9)) {
		ok = true;
		memset(longp, 'p', 600);
		longp[600] = 0;
		principal = longp;
	} else if (!strncmp(in, "h:keylen", 8)) {
		ok = true;
		keylen = 15;
	} else if (!strncmp(in, "h:nokeys", 8)) {
		ok = true;
		nokeys = true;
	} else if (!strncmp(in, "h:creds", 7)) {
		ok = true;
		badcreds = true;
	}
	if (ok) {
		size_t n = fh_creds(creds, badcreds);

		if (badcreds)
			n -= 4;
		m = fh_done_msg(q->id, CREDSSP_SEC_STATUS_OK);
		nla_put(m, CREDSSP_A_H_OUTPUT, 4, "srvF");
		nla_put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
		nla_put_u32(m, CREDSSP_A_H_RET_FLAGS, FH_RET_FLAGS);
		nla_put_u64(m, CREDSSP_A_H_EXPIRY, now_real() + FH_LIFETIME);
		nla_put_u32(m, CREDSSP_A_H_PACKAGE, CREDSSP_PACKAGE_NTLM);
		if (prinul)
			nla_put(m, CREDSSP_A_H_PRINCIPAL, strlen(principal), principal);
		else
			nla_put_string(m, CREDSSP_A_H_PRINCIPAL, principal);
		nla_put_u32(m, CREDSSP_A_H_VERSION_NEGOTIATED, 6);
		nla_put_u32(m, CREDSSP_A_H_PEER_VERSION, 6);
		nla_put_u32(m, CREDSSP_A_H_TLS_VERSION, 0x0304);
		nla_put_string(m, CREDSSP_A_H_TLS_CIPHER, FH_CIPHER);
		if (!nocreds)
			nla_put(m, CREDSSP_A_H_CREDS, n, creds);
		if (!nocreds && !nobind)
			nla_put_u32(m, CREDSSP_A_H_CREDS_BINDING, CREDSSP_CREDS_BINDING_BOUND);
		if (!nokeys) {
			fh_put_keys(m, CREDSSP_A_H_KEYS_TX, keylen);
			fh_put_keys(m, CREDSSP_A_H_KEYS_RX, keylen);
		}
	} else if (!strncmp(in, "incomplete", 10)) {
		m = fh_done_msg(q->id, CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE);
		nla_put_u32(m, CREDSSP_A_H_CONSUMED, 0);
	} else if (!strncmp(in, "deny", 4)) {
		m = fh_done_msg(q->id, CREDSSP_SEC_STATUS_LOGON_DENIED);
		nla_put(m, CREDSSP_A_H_OUTPUT, 4, "err!");
		nla_put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
		nla_put_u32(m, CREDSSP_A_H_PACKAGE, CREDSSP_PACKAGE_NTLM);
	} else if (!strncmp(in, "h:status", 8)) {
		m = fh_done_msg(q->id, 0x12345678);
		nla_put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
	} else if (!strncmp(in, "h:consumed", 10)) {
		m = fh_done_msg(q->id, CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
		nla_put(m, CREDSSP_A_H_OUTPUT, 4, "srv1");
		nla_put_u32(m, CREDSSP_A_H_CONSUMED, q->inlen + 1);
	} else if (!strncmp(in, "h:outbig", 8)) {
		m = fh_done_msg(q->id, CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
		memset(big, 'O', sizeof(big));
		nla_put(m, CREDSSP_A_H_OUTPUT, sizeof(big), big);
		nla_put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
	} else {
		if (!strncmp(in, "h:reqid", 7)) {
			/* A DONE for a request that is not in flight first. */
			m = fh_done_msg(q->id ^ 0x5a5a5a5a00000000ULL,
					CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
			nla_put_u32(m, CREDSSP_A_H_CONSUMED, 0);
			fh->bogus_err = fh_send(m);
			memcpy(fh->bogus_ext, fh->done_ext, sizeof(fh->bogus_ext));
		} else if (!strncmp(in, "h:othersock", 11)) {
			/* First the answer from a helper socket that did not take it. */
			m = fh_done_msg(q->id, CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
			nla_put(m, CREDSSP_A_H_OUTPUT, 4, "srv1");
			nla_put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
			fh->bogus_err = fh_send_on(&fh_c2, m);
			memcpy(fh->bogus_ext, fh->done_ext, sizeof(fh->bogus_ext));
		} else if (!strncmp(in, "h:nostatus", 10)) {
			/* First a DONE without its required SEC_STATUS. */
			m = cmsg(&fh_c, CREDSSP_CMD_HELPER_DONE, 0);
			nla_put_u64(m, CREDSSP_A_H_REQ_ID, q->id);
			fh->bogus_err = fh_send(m);
			memcpy(fh->bogus_ext, fh->done_ext, sizeof(fh->bogus_ext));
		}
		m = fh_done_msg(q->id, CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
		if (!strncmp(in, "big", 3)) {
			memset(big, 'B', 3000);
			nla_put(m, CREDSSP_A_H_OUTPUT, 3000, big);
		} else {
			nla_put(m, CREDSSP_A_H_OUTPUT, 4, "srv1");
		}
		nla_put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
		nla_put_u32(m, CREDSSP_A_H_RET_FLAGS, FH_RET_FLAGS);
	}
	fh_send(m);
	if (!strncmp(in, "h:twice", 7)) {
		/* The same answer again: the request is no longer in flight. */
		m = fh_done_msg(q->id, CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
		nla_put(m, CREDSSP_A_H_OUTPUT, 4, "srv1");
		fh->bogus_err = fh_send(m);
		memcpy(fh->bogus_ext, fh->done_ext, sizeof(fh->bogus_ext));
	}
}

/* Open, register and join the fake helper's sockets. 0 or an errno. */
static inline int fh_setup(void)
{
	int ret;

	if (conn_open(&fh_c) || conn_open(&fh_c2) || conn_open(&fh_w))
		return -ENOENT;
	if (fh_cfg.rcvbuf) {
		setsockopt(nl_socket_get_fd(fh_c.sk), SOL_SOCKET, SO_RCVBUF, &fh_cfg.rcvbuf,
			   sizeof(fh_cfg.rcvbuf));
		setsockopt(nl_socket_get_fd(fh_w.sk), SOL_SOCKET, SO_RCVBUF, &fh_cfg.rcvbuf,
			   sizeof(fh_cfg.rcvbuf));
	}
	ret = fh_register_grants(&fh_c, fh_cfg.grants, fh_cfg.n_grants, NULL, 0);
	if (!ret)
		ret = fh_register(&fh_c2);
	if (!ret)
		ret = fh_join(&fh_w);
	if (!ret && fh_cfg.drop_caps) {
		ret = fh_drop_caps();
		fh->caps = fh_caps_now();
	}
	return ret;
}

static inline void fh_main(void)
{
	int ret = fh_setup();

	if (ret) {
		fh->registered = ret;
		_exit(1);
	}
	fh->registered = 1;
	for (;;) {
		uint64_t now = now_ms(), next = UINT64_MAX;
		int i, n = fh_nq, pending = 0;

		for (i = 0; i < n; i++) {
			struct fh_req *q = &fh_q[i % 512];

			if (!q->id)
				continue;
			pending++;
			if (q->hold && !fh->release)
				continue;
			if (q->due <= now || (q->hold && fh->release)) {
				struct fh_req copy = *q;

				q->id = 0;
				pending--;
				fh_answer(&copy);
				continue;
			}
			if (q->due < next)
				next = q->due;
		}
		now = now_ms();
		if (fh_cfg.step_delay_ms && pending) {
			/* A slow helper: the next request waits in the kernel's queue. */
			usleep(1000 * (next > now ? (next - now > 50 ? 50 : next - now) : 0));
			continue;
		}
		fh_pump(next == UINT64_MAX
				? 50
				: (int)(next > now ? (next - now > 50 ? 50 : next - now) : 0),
			fh_cfg.step_delay_ms);
	}
}

/* Start the fake helper; returns 1 when it registered, else the errno. */
static inline int fh_start(void)
{
	uint64_t t0 = now_ms();

	if (!fh) {
		fh = mmap(NULL, sizeof(*fh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
			  0);
		if (fh == MAP_FAILED)
			abort();
	}
	memset((void *)fh, 0, sizeof(*fh));
	fh_pid = fork();
	if (fh_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fh_main();
		_exit(0);
	}
	while (!fh->registered && now_ms() - t0 < 5000)
		usleep(1000);
	return fh->registered;
}

/* Kill the fake helper (if still running) and reap it. */
static inline void fh_stop(void)
{
	if (fh_pid > 0) {
		kill(fh_pid, SIGKILL);
		waitpid(fh_pid, NULL, 0);
	}
	fh_pid = 0;
}

/* Wait until the helper exited by itself (exit/okdie scripts). */
static inline void fh_reap(void)
{
	if (fh_pid > 0)
		waitpid(fh_pid, NULL, 0);
	fh_pid = 0;
}

static inline bool wait_for(volatile int *v, int want, int ms)
{
	uint64_t t0 = now_ms();

	while (*v < want && now_ms() - t0 < (uint64_t)ms)
		usleep(1000);
	return *v >= want;
}

/* ---- sockets for kTLS and socket mode (credssp_ktls.c, credssp_sock.c) ---- */

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif

/*
 * What the fake helper's keys for @attr (fh_put_keys) look like as a
 * crypto_info, with record sequence number @seq.
 */
static inline void fh_tls_info(struct tls12_crypto_info_aes_gcm_128 *ci, int attr, uint64_t seq)
{
	int i;

	memset(ci, 0, sizeof(*ci));
	ci->info.version = TLS_1_3_VERSION;
	ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci->key, attr, sizeof(ci->key));
	memcpy(ci->salt, "\x01\x02\x03\x04", 4);
	ci->iv[0] = 5;
	for (i = 7; i >= 0; i--, seq >>= 8)
		ci->rec_seq[i] = (uint8_t)seq;
}

/* A connected loopback TCP pair (IPv6 with @v6), TCP_NODELAY on both ends. */
static inline int tcp_pair(int *srv, int *cli, bool v6)
{
	struct sockaddr_storage ss = {0};
	socklen_t len = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int l, one = 1;

	if (v6) {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
	} else {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	l = socket(ss.ss_family, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&ss, len) || listen(l, 1) || getsockname(l, (void *)&ss, &len))
		goto fail;
	*cli = socket(ss.ss_family, SOCK_STREAM, 0);
	if (*cli < 0 || connect(*cli, (void *)&ss, len))
		goto fail;
	*srv = accept(l, NULL, NULL);
	if (*srv < 0)
		goto fail;
	setsockopt(*cli, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(*srv, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(l);
	return 0;
fail:
	if (l >= 0)
		close(l);
	return -1;
}

/* Read exactly @len bytes (@sec seconds at most per read). */
static inline bool read_all(int fd, void *buf, size_t len, int sec)
{
	struct timeval tv = {.tv_sec = sec};
	size_t off = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (off < len) {
		ssize_t n = read(fd, (char *)buf + off, len - off);

		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

#endif /* CREDSSP_SELFTEST_NL_H */
