// SPDX-License-Identifier: GPL-2.0
/*
 * credssp_nlfuzz - a structured, seeded fuzzer of the "credssp" generic
 * netlink family (Documentation/netlink/specs/credssp.yaml), run in the
 * guest on the debug kernel (issue 16, deliverable 5).
 *
 *   credssp_nlfuzz [--seed N] [--messages N] [--seconds N] [--sockets N] [--no-kmemleak]
 *
 * One process is the consumer: a few netlink sockets sending every command
 * of the family, valid and mutated (attributes of the spec with wrong
 * types, lengths and values, missing, duplicate and unknown attributes,
 * nested garbage, broken attribute framing, unknown commands), many in
 * flight at once, with CANCEL of its own and others' calls, sockets closed
 * and reopened, ACCEPT_SOCKET and KTLS_ATTACH on real loopback TCP
 * sockets whose peer sends TLS records, partial headers, garbage, or
 * closes. A forked child is a registered helper (pull model) that takes
 * STEP and FREE requests with HELPER_NEXT and answers with mutated
 * HELPER_DONEs: bad lengths and enums, truncated or lying credentials
 * payloads, wrong key sizes and ciphers, answers for requests it did not
 * take or from a socket that did not take them, late and duplicate
 * answers, no answer at all; it is killed and restarted now and then.
 *
 * What it checks, as TAP:
 *   1  every request got its answer (ACK or error, and the outcome of an
 *      asynchronous call) within its deadline, in both processes;
 *   2  no message came for a request that had already ended;
 *   3  at the end GET_STATUS counts as many contexts and credentials as
 *      before, the helper is gone, and no delegated-credentials key is left;
 *   4  the kernel log (/dev/kmsg) has no KASAN, WARNING, BUG, lockdep,
 *      hung-task or RCU stall report, and a kmemleak scan (when the kernel
 *      has kmemleak) finds no unreferenced object.
 * It prints the seed first: the same seed replays the same choices (the
 * timing between the two processes differs from run to run), and the
 * number of messages sent and their rate at the end.
 *
 * It stops after --messages N (default 20000) messages, or --seconds N
 * (default 30; 0: no limit) if that comes first, then waits for every
 * answer and checks. With no arguments (tests/guest/run.sh runs it so, the
 * smoke run of `make check`): a random seed, well under a minute on the
 * debug guest. `make fuzz-netlink` runs 1 000 000 messages in the debug
 * guest (tests/guest/nlfuzz.sh).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>

#include "credssp_nl.h"

#define MAX_NCONN     8	 /* consumer sockets at most (--sockets, default 3) */
#define MAX_INFLIGHT  48 /* requests without their answer, per socket */
#define MAX_ASYNC     16 /* of them asynchronous calls */
#define MAX_IDS	      48 /* credential / context ids remembered per socket */
#define MAX_PAIRS     24 /* loopback TCP pairs of pending socket calls */
#define HELPER_TMO_MS 1500
#define HS_TMO_MS     3000
#define SYNC_TMO_MS   15000
#define ASYNC_TMO_MS  (HS_TMO_MS + HELPER_TMO_MS + 15000)
#define ATTR_ROOM     4096

/* ---- the generator ---- */

static uint64_t rng_s;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* true with probability @pct percent */
static bool pct(uint32_t p)
{
	return rn(1000) < p * 10;
}

/* true with probability @pm per mille */
static bool pm(uint32_t p)
{
	return rn(1000) < p;
}

static void rfill(void *buf, size_t len)
{
	uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)rnd();
}

/* An "interesting" 32-bit value. */
static uint32_t r32(void)
{
	static const uint32_t v[] = {0,		 1,	     2,		3,	 4,
				     0x10,	 0x7f,	     0x80,	0xff,	 0x100,
				     0xfde8,	 0xfde9,     0xffff,	0x10000, 0x7fffffff,
				     0x80000000, 0xfffffffe, 0xffffffff};

	return pct(50) ? v[rn(sizeof(v) / sizeof(v[0]))] : (uint32_t)rnd();
}

static uint64_t r64(void)
{
	switch (rn(4)) {
	case 0: return 0;
	case 1: return ~0ULL;
	case 2: return r32();
	default: return rnd();
	}
}

/* A length: mostly small, sometimes at the limits. */
static uint32_t rlen(uint32_t small)
{
	static const uint32_t v[] = {0, 1, 4, 5, 8, 63, 64, 65, 511, 512, 4096};

	if (pm(3))
		return pct(50) ? CREDSSP_TOKEN_MAX : CREDSSP_TOKEN_MAX + 1 + rn(64);
	if (pct(20))
		return v[rn(sizeof(v) / sizeof(v[0]))];
	return rn(small + 1);
}

/*
 * An attribute of @type, its payload @data/@len, possibly mutated: a
 * wrong length, or sent twice.
 */
static void put_attr(struct nl_msg *m, int type, const void *data, int len)
{
	uint8_t junk[16];

	if (pct(3)) {
		int l = (int)rn(sizeof(junk) + 1);

		rfill(junk, sizeof(junk));
		if (l <= len)
			memcpy(junk, data, (size_t)l);
		nla_put(m, type, l, junk);
	} else {
		nla_put(m, type, len, data);
	}
	if (pct(2))
		nla_put(m, type, len, data); /* duplicate */
}

static void put_u32(struct nl_msg *m, int type, uint32_t v)
{
	put_attr(m, type, &v, 4);
}

static void put_u64(struct nl_msg *m, int type, uint64_t v)
{
	put_attr(m, type, &v, 8);
}

static void put_str(struct nl_msg *m, int type, const char *s)
{
	if (pct(3)) /* no NUL */
		nla_put(m, type, (int)strlen(s), s);
	else
		put_attr(m, type, s, (int)strlen(s) + 1);
}

/* Random attributes inside a nest (possibly malformed: raw garbage). */
static void put_garbage_nest(struct nl_msg *m, int type, int depth)
{
	struct nlattr *n = nla_nest_start(m, type | (pct(70) ? NLA_F_NESTED : 0));
	int i, k = (int)rn(5);

	if (!n)
		return;
	for (i = 0; i < k; i++) {
		uint8_t buf[64];
		int l = (int)rn(sizeof(buf));

		rfill(buf, sizeof(buf));
		if (depth < 3 && pct(20))
			put_garbage_nest(m, (int)rn(32), depth + 1);
		else
			nla_put(m, (int)rn(40) | (pct(5) ? NLA_F_NESTED : 0), l, buf);
	}
	if (pct(10)) {
		/* A header whose length lies, as raw bytes inside the nest. */
		struct nlattr h = {.nla_len = (uint16_t)(4 + rn(200)),
				   .nla_type = (uint16_t)rn(40)};

		nlmsg_append(m, &h, sizeof(h), NLA_ALIGNTO);
	}
	nla_nest_end(m, n);
}

/* Unknown attributes, garbage nests and broken framing, now and then. */
static void put_noise(struct nl_msg *m, int maxattr)
{
	if (pct(4)) {
		uint8_t buf[32];

		rfill(buf, sizeof(buf));
		nla_put(m, maxattr + 1 + (int)rn(20), (int)rn(sizeof(buf)), buf);
	}
	if (pct(2))
		put_garbage_nest(m, (int)rn((uint32_t)maxattr + 3), 0);
	if (pct(1)) {
		uint8_t buf[8];

		rfill(buf, sizeof(buf));
		nlmsg_append(m, buf, 1 + rn(sizeof(buf)), 1); /* truncated header */
	}
	if (pm(5)) {
		struct nlattr h = {.nla_len = 0, .nla_type = (uint16_t)rn(30)};

		nlmsg_append(m, &h, sizeof(h), NLA_ALIGNTO); /* zero-length header */
	}
}

/* ---- the consumer ---- */

enum pkind { P_SYNC, P_ASYNC, P_DUMP };

struct pend {
	uint32_t seq;
	uint8_t cmd;
	uint8_t kind;
	bool acked, got;
	int err;
	uint64_t deadline;
	int pair;    /* index in pairs[], or -1 */
	uint64_t id; /* the handle FREE_CRED / DELETE_CTX named */
};

struct fconn {
	struct conn c;
	bool open;
	struct pend p[MAX_INFLIGHT];
	int np, nasync;
	uint64_t cred[MAX_IDS], ctx[MAX_IDS];
	int ncred, nctx;
	uint32_t last_async_seq[8];
};

struct tpair {
	bool used;
	int srv, cli;
	int conn;
	uint32_t seq;
};

static struct fconn fc[MAX_NCONN];
static int nconn = 3;
static struct tpair pairs[MAX_PAIRS];

struct stats {
	uint64_t sent, answered, timeouts, strays, overruns, errs, replies;
	uint64_t err_by[140];
	uint64_t status_ok, status_cont, status_other;
	uint64_t reopen, helper_restarts, sock_calls, sock_writes, sock_closes;
	uint64_t by_cmd[CREDSSP_CMD_MAX + 2];
};

static struct stats st;

/* What the helper child reports. */
struct hshm {
	volatile int registered;
	volatile int stop;
	volatile uint64_t sent, steps, frees, dones, done_errs, timeouts, next_errs;
	volatile uint64_t defers, drops, dups, others, bogus;
	volatile uint64_t ok_valid, ok_mutated;
};

static struct hshm *hs;
static pid_t hpid;
static uint64_t seed, hgen;
static bool verbose;

static int fail_count;
static char fail_first[256];

static void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void failure(const char *fmt, ...)
{
	va_list ap;
	char buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!fail_count++)
		snprintf(fail_first, sizeof(fail_first), "%s", buf);
	if (fail_count <= 20 || verbose)
		printf("# FAIL: %s\n", buf);
}

static void pair_close(int i)
{
	if (i < 0 || !pairs[i].used)
		return;
	if (pairs[i].srv >= 0)
		close(pairs[i].srv);
	if (pairs[i].cli >= 0)
		close(pairs[i].cli);
	pairs[i].used = false;
}

static int pair_new(int conn)
{
	int i, fl;

	for (i = 0; i < MAX_PAIRS; i++)
		if (!pairs[i].used)
			break;
	if (i == MAX_PAIRS)
		return -1;
	if (tcp_pair(&pairs[i].srv, &pairs[i].cli, pct(30)))
		return -1;
	fl = fcntl(pairs[i].cli, F_GETFL);
	fcntl(pairs[i].cli, F_SETFL, fl | O_NONBLOCK);
	pairs[i].used = true;
	pairs[i].conn = conn;
	pairs[i].seq = 0;
	return i;
}

static void ids_add(uint64_t *ids, int *n, uint64_t id)
{
	int i;

	if (!id)
		return;
	for (i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	if (*n < MAX_IDS)
		ids[(*n)++] = id;
	else
		ids[rn(MAX_IDS)] = id;
}

static void ids_del(uint64_t *ids, int *n, uint64_t id)
{
	int i;

	for (i = 0; i < *n; i++)
		if (ids[i] == id) {
			ids[i] = ids[--(*n)];
			return;
		}
}

/* An id to use: own, another socket's, 0 or random. */
static uint64_t pick_id(struct fconn *f, bool ctx)
{
	struct fconn *o = &fc[rn(nconn)];
	uint64_t *ids = ctx ? f->ctx : f->cred, *oids = ctx ? o->ctx : o->cred;
	int n = ctx ? f->nctx : f->ncred, on = ctx ? o->nctx : o->ncred;
	uint32_t r = rn(100);

	if (r < 80 && n)
		return ids[rn((uint32_t)n)];
	if (r < 88 && on)
		return oids[rn((uint32_t)on)];
	return pct(30) ? 0 : r64();
}

static bool fconn_open(struct fconn *f)
{
	memset(f, 0, sizeof(*f));
	if (conn_open(&f->c))
		return false;
	f->open = true;
	return true;
}

static void fconn_close(struct fconn *f)
{
	int i;

	for (i = 0; i < f->np; i++)
		pair_close(f->p[i].pair);
	conn_close(&f->c);
	f->open = false;
	f->np = 0;
	f->nasync = 0;
}

static void pend_done(struct fconn *f, int i)
{
	struct pend *p = &f->p[i];

	st.answered++;
	if (p->err) {
		st.errs++;
		st.err_by[-p->err < 140 && p->err < 0 ? -p->err : 0]++;
	}
	pair_close(p->pair);
	if (p->kind == P_ASYNC)
		f->nasync--;
	f->p[i] = f->p[--f->np];
}

static void on_reply(struct fconn *f, struct pend *p, struct nlmsghdr *h)
{
	struct nlattr *tb[TB_MAX + 1];
	uint32_t s;

	st.replies++;
	if (genlmsg_parse(h, 0, tb, TB_MAX, NULL))
		return;
	if (p->cmd == CREDSSP_CMD_GET_CTX || p->cmd == CREDSSP_CMD_GET_STATUS ||
	    p->cmd == CREDSSP_CMD_HELPER_NEXT || p->cmd == CREDSSP_CMD_HELPER_REGISTER)
		return;
	s = a_u32(tb, CREDSSP_A_SEC_STATUS, 0xdeadbeef);
	if (s == CREDSSP_SEC_STATUS_OK)
		st.status_ok++;
	else if (s == CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
		st.status_cont++;
	else
		st.status_other++;
	if (p->cmd == CREDSSP_CMD_ACQUIRE_CRED && s == CREDSSP_SEC_STATUS_OK)
		ids_add(f->cred, &f->ncred, a_u64(tb, CREDSSP_A_CRED_ID, 0));
	if (p->cmd == CREDSSP_CMD_FREE_CRED && s == CREDSSP_SEC_STATUS_OK)
		ids_del(f->cred, &f->ncred, p->id);
	if (p->cmd == CREDSSP_CMD_DELETE_CTX && s == CREDSSP_SEC_STATUS_OK)
		ids_del(f->ctx, &f->nctx, p->id);
	if ((p->cmd == CREDSSP_CMD_ACCEPT || p->cmd == CREDSSP_CMD_ACCEPT_SOCKET) &&
	    tb[CREDSSP_A_CTX_ID])
		ids_add(f->ctx, &f->nctx, a_u64(tb, CREDSSP_A_CTX_ID, 0));
}

/* Read what the kernel sent on @f, nonblocking. */
static void fconn_pump(struct fconn *f)
{
	for (;;) {
		struct sockaddr_nl nla;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		int len = nl_recv(f->c.sk, &nla, &buf, NULL);

		if (len <= 0) {
			free(buf);
			if (len == -NLE_NOMEM) {
				st.overruns++;
				continue;
			}
			return;
		}
		for (h = (void *)buf; nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
			struct pend *p = NULL;
			int i;

			for (i = 0; i < f->np; i++)
				if (f->p[i].seq == h->nlmsg_seq) {
					p = &f->p[i];
					break;
				}
			if (!p) {
				st.strays++;
				failure("a message (type %u) for seq %u, which had ended",
					h->nlmsg_type, h->nlmsg_seq);
				continue;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				p->err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				p->acked = true;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				p->acked = p->got = true;
			} else if (h->nlmsg_type == NLMSG_NOOP || h->nlmsg_type == NLMSG_OVERRUN) {
				continue;
			} else {
				p->got = true;
				on_reply(f, p, h);
			}
			if (p->kind == P_DUMP ? p->acked
					      : p->acked && (p->kind == P_SYNC || p->err || p->got))
				pend_done(f, i);
		}
		free(buf);
	}
}

static void check_deadlines(uint64_t now)
{
	int k, i;

	for (k = 0; k < nconn; k++) {
		struct fconn *f = &fc[k];

		for (i = 0; i < f->np; i++) {
			struct pend *p = &f->p[i];

			if (now < p->deadline)
				continue;
			st.timeouts++;
			failure("no answer to command %u seq %u within %d ms (acked %d got %d)",
				p->cmd, p->seq, p->kind == P_ASYNC ? ASYNC_TMO_MS : SYNC_TMO_MS,
				p->acked, p->got);
			p->deadline = UINT64_MAX; /* reported once */
		}
	}
}

/* The client ends of pending socket calls: drain, and now and then write or close. */
static void pairs_step(bool all)
{
	int i;

	for (i = all ? 0 : (int)rn(MAX_PAIRS); i < MAX_PAIRS; i++) {
		struct tpair *t = &pairs[i];
		uint8_t buf[4096];

		if (!t->used || t->cli < 0) {
			if (all)
				continue;
			return;
		}
		while (read(t->cli, buf, sizeof(buf)) > 0)
			;
		if (pct(3)) {
			size_t n = 0;
			uint32_t body = rn(300);

			if (pct(70)) {
				buf[0] = pct(80) ? 0x16 + rn(2) * 7 : (uint8_t)rnd();
				buf[1] = 3;
				buf[2] = (uint8_t)rn(5);
				buf[3] = (uint8_t)(body >> 8);
				buf[4] = (uint8_t)body;
				rfill(buf + 5, body);
				n = 5 + (pct(80) ? body : rn(body + 1)); /* whole or partial */
				if (pct(2)) {
					buf[3] = 0xff; /* a record longer than the limit */
					buf[4] = 0xff;
				}
			} else {
				n = 1 + rn(64);
				rfill(buf, n);
			}
			if (write(t->cli, buf, n) > 0)
				st.sock_writes++;
		} else if (pm(8)) {
			if (pct(50))
				shutdown(t->cli, SHUT_WR);
			else {
				close(t->cli);
				t->cli = -1;
			}
			st.sock_closes++;
		}
		if (!all)
			return;
	}
}

/* Send @m (freed) on @f as a request of @kind; -1 if it could not be sent. */
static int send_req(struct fconn *f, struct nl_msg *m, int kind, int pair, uint64_t id)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));
	uint8_t cmd = g->cmd;
	struct pend *p;
	uint32_t seq;

	seq = send_only(&f->c, m);
	st.sent++;
	st.by_cmd[cmd <= CREDSSP_CMD_MAX ? cmd : CREDSSP_CMD_MAX + 1]++;
	if (!seq) {
		/* Refused by sendmsg itself (a framing the socket layer rejects). */
		pair_close(pair);
		return -1;
	}
	p = &f->p[f->np++];
	memset(p, 0, sizeof(*p));
	p->seq = seq;
	p->cmd = cmd;
	p->kind = (uint8_t)kind;
	p->pair = pair;
	p->id = id;
	p->deadline = now_ms() + (kind == P_ASYNC ? ASYNC_TMO_MS : SYNC_TMO_MS);
	if (pair >= 0)
		pairs[pair].seq = seq;
	if (kind == P_ASYNC)
		f->nasync++;
	if (kind == P_ASYNC && cmd != CREDSSP_CMD_KTLS_ATTACH)
		f->last_async_seq[rn(8)] = seq;
	return 0;
}

static bool big_next; /* the next message may carry a token of up to CREDSSP_TOKEN_MAX */

static struct nl_msg *new_msg(struct fconn *f, int cmd, int flags)
{
	struct nl_msg *m =
		nlmsg_alloc_size(ATTR_ROOM + (big_next ? CREDSSP_TOKEN_MAX + 256 : 1024));
	uint8_t version = CREDSSP_FAMILY_VERSION;

	if (!m)
		abort();
	if (pm(5))
		version = (uint8_t)rnd();
	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, f->c.fam, 0, NLM_F_ACK | flags, (uint8_t)cmd,
		    version);
	return m;
}

static const char *const packages[] = {"CredSSP",  "credssp", "Negotiate",  "NTLM",
				       "Kerberos", "",	      "CredSSP\x01"};

static void gen_input(struct nl_msg *m, int type)
{
	static uint8_t tok[CREDSSP_TOKEN_MAX + 80];
	uint32_t l = rlen(600);

	if (!big_next && l > 1000)
		l = 1000;
	if (l > sizeof(tok))
		l = sizeof(tok);
	tok[0] = 0x16;
	rfill(tok + 1, l > 64 ? 64 : l);
	nla_put(m, type, (int)l, tok);
}

static int sock_fd_for(int pair)
{
	static int bad[] = {-1, 0, 1, 2, 1023, 0x7fffffff};

	if (pair >= 0 && pct(94))
		return pairs[pair].srv;
	if (pct(30))
		return nl_socket_get_fd(fc[rn(nconn)].c.sk);
	return bad[rn(sizeof(bad) / sizeof(bad[0]))];
}

/* One consumer request on @f. */
static void gen_consumer(struct fconn *f)
{
	static const uint32_t queries[] = {0, 1, 2, 4, 10, 0x80000080, 0x80000081, 0x80000086};
	struct nl_msg *m;
	int cmd, kind = P_SYNC, pair = -1, flags = 0, maxattr = CREDSSP_A_MAX;
	uint32_t r = rn(1000), u;
	uint64_t id = 0;
	char s[700];

	if (r < 60)
		cmd = CREDSSP_CMD_GET_STATUS;
	else if (r < 160)
		cmd = CREDSSP_CMD_ACQUIRE_CRED;
	else if (r < 200)
		cmd = CREDSSP_CMD_FREE_CRED;
	else if (r < 480)
		cmd = CREDSSP_CMD_ACCEPT;
	else if (r < 600)
		cmd = CREDSSP_CMD_DELETE_CTX;
	else if (r < 680)
		cmd = CREDSSP_CMD_QUERY_CTX;
	else if (r < 720)
		cmd = CREDSSP_CMD_GET_CTX;
	else if (r < 790)
		cmd = CREDSSP_CMD_ACCEPT_SOCKET;
	else if (r < 830)
		cmd = CREDSSP_CMD_KTLS_ATTACH;
	else if (r < 920)
		cmd = CREDSSP_CMD_CANCEL;
	else if (r < 940)
		cmd = CREDSSP_CMD_HELPER_DONE;
	else if (r < 955)
		cmd = CREDSSP_CMD_HELPER_NEXT;
	else if (r < 965)
		cmd = CREDSSP_CMD_HELPER_REGISTER;
	else if (r < 975)
		cmd = pct(50) ? CREDSSP_CMD_HELPER_REQUEST : CREDSSP_CMD_HELPER_READY;
	else
		cmd = pct(50) ? 0 : (int)(CREDSSP_CMD_MAX + 1 + rn(240));

	if ((cmd == CREDSSP_CMD_ACCEPT || cmd == CREDSSP_CMD_ACCEPT_SOCKET ||
	     cmd == CREDSSP_CMD_KTLS_ATTACH) &&
	    f->nasync >= MAX_ASYNC)
		cmd = pct(50) ? CREDSSP_CMD_CANCEL : CREDSSP_CMD_DELETE_CTX;
	if (cmd == CREDSSP_CMD_GET_CTX && pct(50)) {
		flags = NLM_F_DUMP;
		kind = P_DUMP;
	}
	if (cmd == CREDSSP_CMD_ACCEPT || cmd == CREDSSP_CMD_ACCEPT_SOCKET ||
	    cmd == CREDSSP_CMD_KTLS_ATTACH)
		kind = P_ASYNC;
	if (cmd == CREDSSP_CMD_ACCEPT_SOCKET || cmd == CREDSSP_CMD_KTLS_ATTACH) {
		pair = pair_new((int)(f - fc));
		if (pair < 0)
			cmd = CREDSSP_CMD_GET_STATUS, kind = P_SYNC;
	}
	big_next = pm(10);
	m = new_msg(f, cmd, flags);

	switch (cmd) {
	case CREDSSP_CMD_GET_STATUS: maxattr = CREDSSP_A_STATUS_MAX; break;
	case CREDSSP_CMD_ACQUIRE_CRED:
		if (pct(90)) {
			if (pct(85)) {
				put_str(m, CREDSSP_A_PACKAGE, packages[pct(80) ? 0 : rn(7)]);
			} else {
				u = rn(sizeof(s) - 1);
				memset(s, 'A' + (int)rn(26), u);
				s[u] = 0;
				put_str(m, CREDSSP_A_PACKAGE, s);
			}
		}
		if (pct(90))
			put_u32(m, CREDSSP_A_CRED_USE, pct(80) ? CREDSSP_CRED_USE_INBOUND : r32());
		if (pct(20)) {
			u = pct(50) ? rn(40) : rn(sizeof(s) - 1);
			memset(s, 'p', u);
			s[u] = 0;
			put_str(m, CREDSSP_A_PRINCIPAL, s);
		}
		break;
	case CREDSSP_CMD_FREE_CRED:
		id = pick_id(f, false);
		if (pct(95))
			put_u64(m, CREDSSP_A_CRED_ID, id);
		break;
	case CREDSSP_CMD_ACCEPT:
		/* First steps with a credential, later ones with a context. */
		if (pct(f->nctx && pct(50) ? 15 : 92))
			put_u64(m, CREDSSP_A_CRED_ID, pick_id(f, false));
		if (pct(45))
			put_u64(m, CREDSSP_A_CTX_ID, pick_id(f, true));
		if (pct(60))
			put_u32(m, CREDSSP_A_REQ_FLAGS, pct(50) ? 0x1081a : r32());
		if (pct(15))
			put_u32(m, CREDSSP_A_DATA_REP, pct(50) ? rn(2) * 0x10 : r32());
		if (pct(93))
			gen_input(m, CREDSSP_A_INPUT);
		if (pct(70))
			put_u32(m, CREDSSP_A_OUTPUT_SIZE, pct(70) ? CREDSSP_TOKEN_MAX : r32());
		if (pct(20))
			put_u32(m, CREDSSP_A_OPTIONS, r32());
		break;
	case CREDSSP_CMD_DELETE_CTX:
		id = pick_id(f, true);
		if (pct(95))
			put_u64(m, CREDSSP_A_CTX_ID, id);
		break;
	case CREDSSP_CMD_QUERY_CTX:
		if (pct(95))
			put_u64(m, CREDSSP_A_CTX_ID, pick_id(f, true));
		if (pct(95))
			put_u32(m, CREDSSP_A_QUERY_ATTR, pct(85) ? queries[rn(8)] : r32());
		break;
	case CREDSSP_CMD_GET_CTX:
		maxattr = CREDSSP_A_CI_MAX;
		if (pct(kind == P_DUMP ? 10 : 90))
			put_u64(m, CREDSSP_A_CI_ID, pick_id(f, true));
		break;
	case CREDSSP_CMD_ACCEPT_SOCKET:
		if (pct(95))
			put_u64(m, CREDSSP_A_CRED_ID, pick_id(f, false));
		if (pct(97))
			put_u32(m, CREDSSP_A_SOCK_FD, (uint32_t)sock_fd_for(pair));
		if (pct(50))
			put_u32(m, CREDSSP_A_REQ_FLAGS, pct(50) ? 0x1081a : r32());
		if (pct(20))
			put_u32(m, CREDSSP_A_OPTIONS, r32());
		if (pct(70))
			put_u32(m, CREDSSP_A_TIMEOUT_MS, pct(70) ? 100 + rn(HS_TMO_MS) : r32());
		break;
	case CREDSSP_CMD_KTLS_ATTACH:
		if (pct(95))
			put_u64(m, CREDSSP_A_CTX_ID, pick_id(f, true));
		if (pct(97))
			put_u32(m, CREDSSP_A_SOCK_FD, (uint32_t)sock_fd_for(pair));
		break;
	case CREDSSP_CMD_CANCEL:
		if (pct(95)) {
			struct fconn *o = pct(85) ? f : &fc[rn(nconn)];

			put_u32(m, CREDSSP_A_SEQ, pct(85) ? o->last_async_seq[rn(8)] : r32());
		}
		break;
	case CREDSSP_CMD_HELPER_DONE:
		maxattr = CREDSSP_A_H_MAX;
		if (pct(80))
			put_u64(m, CREDSSP_A_H_REQ_ID, pct(50) ? rn(1000) : r64());
		if (pct(80))
			put_u32(m, CREDSSP_A_H_SEC_STATUS, r32());
		if (pct(30))
			put_garbage_nest(m, CREDSSP_A_H_KEYS_TX, 0);
		break;
	case CREDSSP_CMD_HELPER_REGISTER:
		maxattr = CREDSSP_A_H_MAX;
		if (pct(80))
			put_u32(m, CREDSSP_A_H_VERSION, pct(10) ? CREDSSP_HELPER_VERSION : r32());
		break;
	case CREDSSP_CMD_HELPER_NEXT: maxattr = CREDSSP_A_H_MAX; break;
	default: break;
	}
	put_noise(m, maxattr);
	/* The wait of a dump is no async outcome. */
	if (kind == P_DUMP && !(nlmsg_hdr(m)->nlmsg_flags & NLM_F_DUMP))
		kind = P_SYNC;
	if (pair >= 0 && cmd == CREDSSP_CMD_ACCEPT_SOCKET) {
		/* What the peer sent before the call (records, garbage, nothing). */
		pairs_step(false);
	}
	if (send_req(f, m, kind, pair, id))
		return;
	if (pair >= 0 && pct(20)) {
		/* The caller's own fd closed during the call. */
		close(pairs[pair].srv);
		pairs[pair].srv = -1;
	}
}

/* ---- the helper ---- */

struct hreq {
	uint64_t id, due;
	uint32_t inlen;
	bool used;
};

#define HQ 256
static struct hreq hq[HQ];
static uint64_t h_old_ids[32];
static struct conn hc, hc2, hw;

static int h_xact(struct conn *c, struct nl_msg *m)
{
	int ret;

	hs->sent++;
	ret = fh_xact(c, m, NULL, NULL, 0);
	if (ret == -ETIME)
		hs->timeouts++;
	if (ret == -EBADF)
		_exit(3);
	return ret;
}

static struct nl_msg *h_msg(int cmd)
{
	struct nl_msg *m = nlmsg_alloc_size(CREDSSP_TOKEN_MAX + 8192);

	if (!m)
		abort();
	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, hc.fam, 0, NLM_F_ACK, (uint8_t)cmd,
		    CREDSSP_FAMILY_VERSION);
	return m;
}

/* A credentials payload, valid or lying. */
static size_t h_creds(uint8_t *buf, size_t room)
{
	struct credssp_creds_hdr h = {CREDSSP_CREDS_VERSION, CREDSSP_CRED_TYPE_PASSWORD, 0};
	size_t off = sizeof(h);
	int i, nf = pct(70) ? 3 : (int)rn(14);
	bool mutate = pct(40);

	if (pct(20))
		h.type = pct(50) ? CREDSSP_CRED_TYPE_SMARTCARD : CREDSSP_CRED_TYPE_REMOTE_GUARD;
	if (mutate && pct(20))
		h.version = (uint8_t)rnd();
	if (mutate && pct(20))
		h.type = (uint8_t)rnd();
	for (i = 0; i < nf && off + 8 + 64 < room; i++) {
		uint32_t len = 2 * (1 + rn(20));
		struct credssp_creds_field fl = {
			htole16((uint16_t)(h.type == CREDSSP_CRED_TYPE_PASSWORD
						   ? (uint32_t)(CREDSSP_CRED_FIELD_DOMAIN + i % 3)
						   : 1 + rn(13))),
			0, htole32(len)};

		if (mutate && pct(15))
			fl.id = htole16((uint16_t)rnd());
		if (mutate && pct(15))
			fl.index = htole16((uint16_t)rnd());
		if (mutate && pct(10))
			len = 1 + 2 * rn(20); /* odd length */
		if (mutate && pct(10))
			fl.len = htole32(r32()); /* lying length */
		else
			fl.len = htole32(len);
		memcpy(buf + off, &fl, sizeof(fl));
		off += sizeof(fl);
		rfill(buf + off, len);
		off += len;
	}
	h.n_fields =
		htole16((uint16_t)(mutate && pct(20) ? (uint32_t)nf + 1 + rn(3) : (uint32_t)nf));
	memcpy(buf, &h, sizeof(h));
	if (mutate && pct(30))
		off = rn((uint32_t)off + 1); /* truncated */
	return off;
}

static void h_keys(struct nl_msg *m, int attr, bool mutate)
{
	static const uint32_t ciphers[] = {TLS_CIPHER_AES_GCM_128, TLS_CIPHER_AES_GCM_256,
					   TLS_CIPHER_CHACHA20_POLY1305};
	static const int keylen[] = {16, 32, 32};
	struct nlattr *n;
	uint8_t b[80];
	int c = (int)rn(3), kl = keylen[c], sl = c == 2 ? 12 : 4, il = c == 2 ? 0 : 8;

	if (mutate && pct(10)) {
		put_garbage_nest(m, attr, 0);
		return;
	}
	n = nla_nest_start(m, attr | NLA_F_NESTED);
	rfill(b, sizeof(b));
	if (!mutate || pct(80))
		nla_put_u32(m, CREDSSP_A_K_CIPHER, mutate && pct(20) ? r32() : ciphers[c]);
	if (!mutate || pct(80))
		nla_put(m, CREDSSP_A_K_KEY, mutate && pct(20) ? (int)rn(sizeof(b)) : kl, b);
	if (!mutate || pct(80))
		nla_put(m, CREDSSP_A_K_SALT, mutate && pct(20) ? (int)rn(20) : sl, b);
	if (!mutate || pct(80))
		nla_put(m, CREDSSP_A_K_IV, mutate && pct(20) ? (int)rn(20) : il, b);
	if (!mutate || pct(80)) {
		memset(b, 0, 8);
		b[7] = (uint8_t)rn(3);
		nla_put(m, CREDSSP_A_K_REC_SEQ, mutate && pct(20) ? (int)rn(20) : 8, b);
	}
	if (mutate && pct(10))
		nla_put(m, CREDSSP_A_K_MAX + 1 + (int)rn(5), 4, b);
	nla_nest_end(m, n);
}

/* The answer to request @q; @mutate: a hostile one. */
static void h_answer(struct conn *c, uint64_t id, uint32_t inlen)
{
	static const uint32_t errs[] = {
		CREDSSP_SEC_STATUS_LOGON_DENIED,       CREDSSP_SEC_STATUS_INVALID_TOKEN,
		CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE, CREDSSP_SEC_STATUS_INTERNAL_ERROR,
		CREDSSP_SEC_STATUS_NO_CREDENTIALS,     CREDSSP_SEC_STATUS_COMPLETE_NEEDED,
		CREDSSP_SEC_STATUS_INVALID_HANDLE,     CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL};
	static uint8_t big[CREDSSP_TOKEN_MAX + 64];
	uint32_t r = rn(100), consumed = inlen;
	bool mutate = pct(35);
	struct nl_msg *m = h_msg(CREDSSP_CMD_HELPER_DONE);
	uint8_t b[1024];

	if (!mutate || pct(90))
		put_u64(m, CREDSSP_A_H_REQ_ID, id);
	if (pct(20))
		consumed = rn(inlen + 1);
	if (mutate && pct(10))
		consumed = r32();
	if (r < 30) {
		/* CONTINUE_NEEDED with an output token */
		uint32_t ol = rlen(300);

		if (ol > sizeof(big))
			ol = sizeof(big);
		if (!mutate || pct(90))
			put_u32(m, CREDSSP_A_H_SEC_STATUS, CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
		big[0] = 0x16;
		nla_put(m, CREDSSP_A_H_OUTPUT, (int)ol, big);
		put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
		if (pct(50))
			put_u32(m, CREDSSP_A_H_RET_FLAGS, mutate ? r32() : 0x1081a);
	} else if (r < 60) {
		/* SEC_E_OK with the whole result */
		size_t n = h_creds(b, sizeof(b));
		const char *cipher[] = {"TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "",
					"TLS_CHACHA20_POLY1305_SHA256"};

		if (mutate)
			hs->ok_mutated++;
		else
			hs->ok_valid++;
		put_u32(m, CREDSSP_A_H_SEC_STATUS, CREDSSP_SEC_STATUS_OK);
		if (pct(70))
			nla_put(m, CREDSSP_A_H_OUTPUT, 4, "srvF");
		put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
		put_u32(m, CREDSSP_A_H_RET_FLAGS, mutate && pct(30) ? r32() : 0x1081b);
		put_u64(m, CREDSSP_A_H_EXPIRY,
			mutate && pct(30) ? r64() : now_real() + 60 + rn(7200));
		put_u32(m, CREDSSP_A_H_PACKAGE, mutate && pct(20) ? r32() : 1 + rn(2));
		if (pct(20))
			nla_put_flag(m, CREDSSP_A_H_SPNEGO);
		if (!mutate || pct(80)) {
			uint32_t pl = mutate && pct(30) ? rlen(700) : 5 + rn(30);

			if (pl > sizeof(b))
				pl = sizeof(b);
			memset(big, 'a' + (int)rn(26), pl);
			if (mutate && pct(30))
				rfill(big, pl);
			if (pl && !(mutate && pct(30)))
				big[pl - 1] = 0;
			nla_put(m, CREDSSP_A_H_PRINCIPAL, (int)pl, big);
		}
		put_u32(m, CREDSSP_A_H_VERSION_NEGOTIATED, mutate && pct(20) ? r32() : 2 + rn(5));
		put_u32(m, CREDSSP_A_H_PEER_VERSION, mutate && pct(20) ? r32() : 2 + rn(5));
		put_u32(m, CREDSSP_A_H_TLS_VERSION,
			mutate && pct(20) ? r32()
			: pct(70)	  ? 0x0304
					  : 0x0303);
		if (mutate && pct(20)) {
			uint32_t cl = rlen(200);

			if (cl > sizeof(big))
				cl = sizeof(big);
			rfill(big, cl);
			nla_put(m, CREDSSP_A_H_TLS_CIPHER, (int)cl, big);
		} else {
			nla_put_string(m, CREDSSP_A_H_TLS_CIPHER, cipher[rn(4)]);
		}
		if (pct(80))
			nla_put(m, CREDSSP_A_H_CREDS, (int)n, b);
		if (pct(70))
			put_u32(m, CREDSSP_A_H_CREDS_BINDING, mutate && pct(30) ? r32() : rn(4));
		if (!mutate || pct(80))
			h_keys(m, CREDSSP_A_H_KEYS_TX, mutate);
		if (!mutate || pct(80))
			h_keys(m, CREDSSP_A_H_KEYS_RX, mutate);
	} else if (r < 80) {
		/* An error status, with an error token or not */
		put_u32(m, CREDSSP_A_H_SEC_STATUS, mutate && pct(40) ? r32() : errs[rn(8)]);
		if (pct(50))
			nla_put(m, CREDSSP_A_H_OUTPUT, 4 + (int)rn(40), big);
		if (pct(60))
			put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
		if (pct(40))
			put_u32(m, CREDSSP_A_H_PACKAGE, mutate ? r32() : rn(3));
	} else {
		/* Attribute soup of the helper set */
		int i, k = (int)rn(10);

		if (pct(70))
			put_u32(m, CREDSSP_A_H_SEC_STATUS,
				pct(50) ? CREDSSP_SEC_STATUS_CONTINUE_NEEDED : r32());
		for (i = 0; i < k; i++) {
			int t = 1 + (int)rn(CREDSSP_A_H_MAX);
			uint32_t l = rlen(64);

			if (l > sizeof(big))
				l = sizeof(big);
			rfill(big, l > 64 ? 64 : l);
			if (t == CREDSSP_A_H_KEYS_TX || t == CREDSSP_A_H_KEYS_RX)
				h_keys(m, t, true);
			else
				nla_put(m, t, (int)l, big);
		}
	}
	put_noise(m, CREDSSP_A_H_MAX);
	h_xact(c, m);
	hs->dones++;
}

static void h_bogus_done(uint64_t id)
{
	struct nl_msg *m = h_msg(CREDSSP_CMD_HELPER_DONE);

	nla_put_u64(m, CREDSSP_A_H_REQ_ID, id);
	nla_put_u32(m, CREDSSP_A_H_SEC_STATUS, CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
	nla_put(m, CREDSSP_A_H_OUTPUT, 4, "srv1");
	nla_put_u32(m, CREDSSP_A_H_CONSUMED, 0);
	hs->bogus++;
	h_xact(pct(50) ? &hc : &hc2, m);
}

static void h_take(struct nlmsghdr *h)
{
	struct nlattr *tb[TB_MAX + 1];
	uint64_t id;
	uint32_t op, inlen;
	int i;

	if (genlmsg_parse(h, 0, tb, TB_MAX, NULL))
		return;
	op = a_u32(tb, CREDSSP_A_H_OP, 0);
	id = a_u64(tb, CREDSSP_A_H_REQ_ID, 0);
	inlen = tb[CREDSSP_A_H_INPUT] ? (uint32_t)nla_len(tb[CREDSSP_A_H_INPUT]) : 0;
	h_old_ids[rn(32)] = id;
	if (op == CREDSSP_HELPER_OP_FREE) {
		hs->frees++;
		if (pct(3))
			h_bogus_done(id); /* an answer to a FREE */
		return;
	}
	hs->steps++;
	if (pct(4)) { /* a DONE for another request first */
		h_bogus_done(pct(50) ? h_old_ids[rn(32)] : r64());
	}
	if (pct(3)) { /* from the registered socket that did not take it */
		hs->others++;
		h_answer(&hc2, id, inlen);
	}
	if (pct(2)) { /* never answered: the kernel times it out */
		hs->drops++;
		return;
	}
	if (pct(6)) { /* later: some after the kernel gave up */
		for (i = 0; i < HQ; i++)
			if (!hq[i].used)
				break;
		if (i < HQ) {
			hs->defers++;
			hq[i] = (struct hreq){id, now_ms() + rn(HELPER_TMO_MS + 800), inlen, true};
			return;
		}
	}
	h_answer(&hc, id, inlen);
	if (pct(3)) { /* twice */
		hs->dups++;
		h_answer(&hc, id, inlen);
	}
}

static void h_main(void)
{
	uint64_t last_drain = 0;

	if (conn_open(&hc) || conn_open(&hc2) || conn_open(&hw) || fh_register(&hc) ||
	    fh_register(&hc2) || fh_join(&hw)) {
		hs->registered = -1;
		_exit(1);
	}
	hs->registered = 1;
	while (!hs->stop) {
		uint64_t now = now_ms(), next = now + 50;
		int i, n;

		for (i = 0; i < HQ; i++) {
			if (hq[i].used && hq[i].due <= now) {
				hq[i].used = false;
				h_answer(&hc, hq[i].id, hq[i].inlen);
			} else if (hq[i].used && hq[i].due < next) {
				next = hq[i].due;
			}
		}
		now = now_ms();
		/* Requests are taken on HELPER_READY, and every 50 ms without one. */
		if (!fh_wait_ready(&hw, next > now ? (int)(next - now) : 0) &&
		    now_ms() < last_drain + 50)
			continue;
		last_drain = now_ms();
		for (n = 0; n < 64 && !hs->stop; n++) {
			struct nlmsghdr *h;
			struct nl_msg *m;
			int ret;

			m = nlmsg_alloc();
			if (!m)
				abort();
			genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, hc.fam, 0, 0,
				    CREDSSP_CMD_HELPER_NEXT, CREDSSP_FAMILY_VERSION);
			if (pct(2))
				put_noise(m, CREDSSP_A_H_MAX);
			hs->sent++;
			ret = fh_xact(&hc, m, &h, NULL, 0);
			if (ret == -ENOENT)
				break;
			if (ret == -EBADF)
				_exit(3);
			if (ret) {
				if (ret == -ETIME)
					hs->timeouts++;
				hs->next_errs++;
				break;
			}
			h_take(h);
			free(h);
		}
	}
	_exit(0);
}

static bool helper_start(void)
{
	uint64_t t0 = now_ms();

	hs->registered = 0;
	hs->stop = 0;
	hgen++;
	hpid = fork();
	if (hpid < 0)
		return false;
	if (hpid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		rng_s = seed ^ (0x5bd1e995ULL * hgen);
		h_main();
	}
	while (!hs->registered && now_ms() - t0 < 10000)
		usleep(1000);
	return hs->registered == 1;
}

static void helper_stop(bool gently)
{
	int status;

	if (hpid <= 0)
		return;
	if (gently) {
		uint64_t t0 = now_ms();

		hs->stop = 1;
		while (now_ms() - t0 < 10000 && waitpid(hpid, &status, WNOHANG) == 0)
			usleep(5000);
	}
	kill(hpid, SIGKILL);
	waitpid(hpid, &status, 0);
	hpid = 0;
}

/* ---- module parameters and kernel reports ---- */

static long old_helper_tmo = -1, old_hs_tmo = -1;

static void params_restore(void)
{
	if (old_helper_tmo >= 0)
		param_set("helper_timeout_ms", old_helper_tmo);
	if (old_hs_tmo >= 0)
		param_set("handshake_timeout_ms", old_hs_tmo);
	old_helper_tmo = old_hs_tmo = -1;
}

static void on_signal(int sig)
{
	params_restore();
	if (hpid > 0)
		kill(hpid, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const char *const report_pat[] = {"KASAN",
					 "WARNING:",
					 "BUG:",
					 "kernel BUG",
					 "Oops",
					 "Kernel panic",
					 "general protection",
					 "UBSAN:",
					 "INFO: task",
					 "rcu: INFO",
					 "detected stall",
					 "possible circular",
					 "inconsistent lock",
					 "lockdep",
					 "kmemleak:",
					 "stack-out-of-bounds",
					 "use-after-free",
					 "refcount_t:",
					 "list_add corruption",
					 "list_del corruption"};

/* Count kernel reports in /dev/kmsg since @fd was opened (and seeked to its end). */
static int kmsg_reports(int fd)
{
	char rec[8192];
	int n = 0;
	size_t i;

	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t l = read(fd, rec, sizeof(rec) - 1);
		char *msg;

		if (l < 0 && errno == EPIPE)
			continue; /* overwritten records */
		if (l <= 0)
			break;
		rec[l] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < sizeof(report_pat) / sizeof(report_pat[0]); i++)
			if (strstr(msg, report_pat[i])) {
				if (n++ < 30)
					printf("# kernel: %.*s", (int)strcspn(msg, "\n") + 1, msg);
				break;
			}
	}
	return n;
}

/* Unreferenced objects of a kmemleak scan; -1 without kmemleak. */
static int kmemleak_scan(void)
{
	const char *path = "/sys/kernel/debug/kmemleak";
	char line[512];
	FILE *f;
	int n = 0, fd = open(path, O_WRONLY);

	if (fd < 0)
		return -1;
	if (write(fd, "scan", 4) != 4) {
		close(fd);
		return -1;
	}
	close(fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "unreferenced object"))
			n++;
		if (n && n <= 3)
			printf("# kmemleak: %s", line);
	}
	fclose(f);
	return n;
}

static int cred_keys(void)
{
	char line[512];
	FILE *f = fopen("/proc/keys", "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "credssp:ctx="))
			n++;
	fclose(f);
	return n;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--messages N] [--seconds N] [--sockets N] [--no-kmemleak]\n"
		"          [--verbose]\n"
		"  --seconds 0: no time limit; --sockets: consumer sockets, 1 to %d (default 3);\n"
		"  --verbose: every failure, not the first 20\n",
		argv0, MAX_NCONN);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"seed", required_argument, NULL, 's'},
					     {"messages", required_argument, NULL, 'n'},
					     {"seconds", required_argument, NULL, 't'},
					     {"sockets", required_argument, NULL, 'S'},
					     {"no-kmemleak", no_argument, NULL, 'K'},
					     {"verbose", no_argument, NULL, 'v'},
					     {NULL, 0, NULL, 0}};
	uint64_t messages = 20000, seconds = 30, t0, next_report, total = 0, now, next_helper_kill;
	struct gstatus base, end;
	bool do_kmemleak = true, seeded = false, ok_base = true;
	struct conn admin;
	int o, k, i, kfd, reports, leaks = -1, keys0, keys1 = -1, ntest = 0;
	double secs;

	while ((o = getopt_long(argc, argv, "s:n:t:S:Kv", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'n': messages = strtoull(optarg, NULL, 0); break;
		case 't': seconds = strtoull(optarg, NULL, 0); break;
		case 'S':
			nconn = atoi(optarg);
			if (nconn < 1 || nconn > MAX_NCONN)
				usage(argv[0]);
			break;
		case 'K': do_kmemleak = false; break;
		case 'v': verbose = true; break;
		default: usage(argv[0]);
		}
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..4\n");
	printf("# credssp_nlfuzz --seed 0x%llx --messages %llu --seconds %llu --sockets %d\n",
	       (unsigned long long)seed, (unsigned long long)messages, (unsigned long long)seconds,
	       nconn);
	rng_s = seed;
	signal(SIGPIPE, SIG_IGN);

	if (conn_open(&admin)) {
		printf("Bail out! the credssp family is not there (credssp.ko not loaded?)\n");
		return 1;
	}
	if (get_status(&admin, &base)) {
		printf("Bail out! GET_STATUS failed: %d\n", base.err);
		return 1;
	}
	keys0 = cred_keys();
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kfd >= 0)
		lseek(kfd, 0, SEEK_END);
	old_helper_tmo = param_get("helper_timeout_ms");
	old_hs_tmo = param_get("handshake_timeout_ms");
	atexit(params_restore);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	param_set("helper_timeout_ms", HELPER_TMO_MS);
	param_set("handshake_timeout_ms", HS_TMO_MS);

	hs = mmap(NULL, sizeof(*hs), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (hs == MAP_FAILED)
		abort();
	memset((void *)hs, 0, sizeof(*hs));
	if (!helper_start()) {
		printf("Bail out! the fake helper did not register\n");
		return 1;
	}
	for (k = 0; k < nconn; k++)
		if (!fconn_open(&fc[k])) {
			printf("Bail out! no consumer socket\n");
			return 1;
		}

	t0 = now_ms();
	next_report = t0 + 30000;
	next_helper_kill = 2000 + rn(40000);
	while (total < messages && (!seconds || now_ms() - t0 < seconds * 1000)) {
		struct pollfd p[MAX_NCONN];
		struct fconn *f = &fc[rn(nconn)];

		for (k = 0; k < nconn; k++)
			p[k] = (struct pollfd){.fd = nl_socket_get_fd(fc[k].c.sk),
					       .events = POLLIN};
		if (poll(p, nconn, 0) > 0)
			for (k = 0; k < nconn; k++)
				if (p[k].revents)
					fconn_pump(&fc[k]);
		now = now_ms();
		check_deadlines(now);
		pairs_step(st.sent % 16 == 0);
		total = st.sent + hs->sent;
		if (now >= next_report) {
			printf("# %llu messages (%llu consumer, %llu helper), %.0f/s, %llu "
			       "timeouts\n",
			       (unsigned long long)total, (unsigned long long)st.sent,
			       (unsigned long long)hs->sent, total * 1000.0 / (double)(now - t0),
			       (unsigned long long)(st.timeouts + hs->timeouts));
			next_report = now + 30000;
		}
		if (st.sent >= next_helper_kill) {
			/* The helper dies with requests taken; a new one registers. */
			helper_stop(false);
			st.helper_restarts++;
			if (!helper_start())
				failure("the fake helper did not register again");
			next_helper_kill = st.sent + 2000 + rn(40000);
		}
		if (pm(2)) {
			/* A consumer socket closes with its calls and handles; a new one opens. */
			fconn_close(f);
			st.reopen++;
			if (!fconn_open(f)) {
				failure("could not reopen a consumer socket");
				break;
			}
			continue;
		}
		for (k = 0; k < nconn && f->np >= MAX_INFLIGHT; k++)
			f = &fc[k];
		if (f->np < MAX_INFLIGHT) {
			gen_consumer(f);
			continue;
		}
		for (k = 0; k < nconn; k++)
			p[k] = (struct pollfd){.fd = nl_socket_get_fd(fc[k].c.sk),
					       .events = POLLIN};
		poll(p, nconn, 2);
	}

	/* Every pending request must end. */
	for (;;) {
		int left = 0;

		for (k = 0; k < nconn; k++) {
			fconn_pump(&fc[k]);
			for (i = 0; i < fc[k].np; i++)
				left += fc[k].p[i].deadline != UINT64_MAX;
		}
		check_deadlines(now_ms());
		pairs_step(true);
		if (!left)
			break;
		usleep(2000);
	}
	now = now_ms();
	secs = (double)(now - t0) / 1000.0;
	total = st.sent + hs->sent;
	for (k = 0; k < nconn; k++)
		fconn_close(&fc[k]);
	for (i = 0; i < MAX_PAIRS; i++)
		pair_close(i);
	helper_stop(true);
	params_restore();

	if (!st.timeouts && !hs->timeouts)
		printf("ok %d every request answered within its deadline\n", ++ntest);
	else
		printf("not ok %d every request answered within its deadline # %llu consumer, %llu "
		       "helper timeouts\n",
		       ++ntest, (unsigned long long)st.timeouts, (unsigned long long)hs->timeouts);
	printf("%s %d no message for a request that had ended # %llu strays\n",
	       st.strays ? "not ok" : "ok", ++ntest, (unsigned long long)st.strays);

	/* Counts back to the baseline (contexts die after RCU, keys after GC). */
	for (i = 0; i < 200; i++) {
		if (get_status(&admin, &end))
			break;
		keys1 = cred_keys();
		if (end.contexts == base.contexts && end.creds == base.creds &&
		    end.helper == base.helper && keys1 <= keys0)
			break;
		usleep(50000);
	}
	ok_base = !end.err && end.contexts == base.contexts && end.creds == base.creds &&
		  end.helper == base.helper && keys1 <= keys0;
	printf("%s %d counts back to baseline # contexts %u->%u creds %u->%u helper %u->%u "
	       "keys %d->%d\n",
	       ok_base ? "ok" : "not ok", ++ntest, base.contexts, end.contexts, base.creds,
	       end.creds, base.helper, end.helper, keys0, keys1);
	conn_close(&admin);

	if (do_kmemleak) {
		sleep(6); /* kmemleak reports objects older than 5 s */
		leaks = kmemleak_scan();
	}
	reports = kmsg_reports(kfd);
	printf("%s %d no kernel report # %d in dmesg, kmemleak %d\n",
	       reports || leaks > 0 ? "not ok" : "ok", ++ntest, reports, leaks);

	printf("# seed 0x%llx: %llu messages in %.1f s, %.0f messages/s (%llu consumer, %llu "
	       "helper)\n",
	       (unsigned long long)seed, (unsigned long long)total, secs, total / secs,
	       (unsigned long long)st.sent, (unsigned long long)hs->sent);
	printf("# consumer: %llu answered, %llu errors (EINVAL %llu EPERM %llu ENOENT %llu "
	       "EBADF %llu EBUSY %llu ENOTSOCK %llu EOPNOTSUPP %llu), %llu replies (OK %llu "
	       "CONTINUE %llu other %llu), %llu overruns\n",
	       (unsigned long long)st.answered, (unsigned long long)st.errs,
	       (unsigned long long)st.err_by[EINVAL], (unsigned long long)st.err_by[EPERM],
	       (unsigned long long)st.err_by[ENOENT], (unsigned long long)st.err_by[EBADF],
	       (unsigned long long)st.err_by[EBUSY], (unsigned long long)st.err_by[ENOTSOCK],
	       (unsigned long long)st.err_by[EOPNOTSUPP], (unsigned long long)st.replies,
	       (unsigned long long)st.status_ok, (unsigned long long)st.status_cont,
	       (unsigned long long)st.status_other, (unsigned long long)st.overruns);
	printf("# consumer: %llu socket reopens, %llu helper restarts, %llu peer writes, %llu "
	       "peer closes\n",
	       (unsigned long long)st.reopen, (unsigned long long)st.helper_restarts,
	       (unsigned long long)st.sock_writes, (unsigned long long)st.sock_closes);
	printf("# by command:");
	for (i = 0; i <= CREDSSP_CMD_MAX + 1; i++)
		printf(" %d:%llu", i, (unsigned long long)st.by_cmd[i]);
	printf("\n# helper: %llu steps, %llu frees, %llu dones (OK %llu valid, %llu mutated), "
	       "%llu late, %llu never, %llu twice, %llu from the other socket, %llu bogus ids, "
	       "%llu next errors\n",
	       (unsigned long long)hs->steps, (unsigned long long)hs->frees,
	       (unsigned long long)hs->dones, (unsigned long long)hs->ok_valid,
	       (unsigned long long)hs->ok_mutated, (unsigned long long)hs->defers,
	       (unsigned long long)hs->drops, (unsigned long long)hs->dups,
	       (unsigned long long)hs->others, (unsigned long long)hs->bogus,
	       (unsigned long long)hs->next_errs);
	if (fail_count)
		printf("# %d failures, the first: %s\n", fail_count, fail_first);
	return st.timeouts || hs->timeouts || st.strays || !ok_base || reports || leaks > 0;
}
