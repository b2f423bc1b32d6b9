// SPDX-License-Identifier: GPL-2.0
/*
 * credssp_sspi - guest selftests of the kernel side of the "credssp" family
 * (uapi/linux/credssp.h), over raw libnl-genl-3, with a scripted fake helper
 * (credssp_nl.h) in place of credsspd: every helper answer is chosen by the
 * test through the first word of the input token.
 *
 * Covered: the SSPI call table (ACQUIRE_CRED, FREE_CRED, ACCEPT, DELETE_CTX,
 * QUERY_CTX), handle ownership, permissions, hostile helper replies, helper
 * death and timeouts, owners dying mid-call, parallel contexts, statistics.
 * The header is the reference: where the kernel disagrees a test fails.
 *
 * Timeouts: the tests that need the helper timeout lower helper_timeout_ms
 * (when the parameter is writable) and restore it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "credssp_nl.h"
#include "kselftest_harness.h"

static long orig_helper_timeout = -1;
static pid_t main_pid;

/* Parameters a test may change, restored by the test and at exit. */
#define N_PARAMS 7
static const char *const params[N_PARAMS] = {
	"helper_timeout_ms", "handshake_timeout_ms", "max_owner_contexts", "max_owner_creds",
	"max_lifetime",	     "max_net_creds",	     "max_net_calls"};
static long orig_params[N_PARAMS] = {-1, -1, -1, -1, -1, -1, -1};

__attribute__((constructor)) static void save_params(void)
{
	unsigned int i;

	main_pid = getpid();
	orig_helper_timeout = param_get("helper_timeout_ms");
	for (i = 0; i < N_PARAMS; i++)
		orig_params[i] = param_get(params[i]);
}

static void restore_all_params(void)
{
	unsigned int i;

	for (i = 0; i < N_PARAMS; i++)
		if (orig_params[i] >= 0 && param_get(params[i]) != orig_params[i])
			param_set(params[i], orig_params[i]);
}

__attribute__((destructor)) static void restore_params(void)
{
	if (getpid() == main_pid)
		restore_all_params();
}

/* Lower helper_timeout_ms to @ms if possible; returns the timeout in force. */
static long set_helper_timeout(long ms)
{
	if (param_set("helper_timeout_ms", ms) == 0 && param_get("helper_timeout_ms") == ms)
		return ms;
	return orig_helper_timeout > 0 ? orig_helper_timeout : 10000;
}

static void restore_helper_timeout(void)
{
	if (orig_helper_timeout > 0)
		param_set("helper_timeout_ms", orig_helper_timeout);
}

static bool out_is(struct reply *r, const void *want, size_t len)
{
	struct nlattr *o = r->tb[CREDSSP_A_OUTPUT];

	return o && (size_t)nla_len(o) == len && !memcmp(nla_data(o), want, len);
}

static uint32_t contexts_now(struct conn *c)
{
	struct gstatus s;

	if (get_status(c, &s))
		return ~0U;
	return s.contexts;
}

/* ---- fixtures ---- */

/* A fake helper, a consumer socket and a credential. */
FIXTURE(hp)
{
	struct conn c;
	uint64_t cred;
};

FIXTURE_SETUP(hp)
{
	ASSERT_EQ(0, conn_open(&self->c));
	ASSERT_EQ(1, fh_start());
	self->cred = cred_new(&self->c);
	ASSERT_NE(0, self->cred);
}

FIXTURE_TEARDOWN(hp)
{
	fh_stop();
	restore_all_params();
	conn_close(&self->c);
}

/* No helper at all. */
FIXTURE(nh)
{
	struct conn c;
	uint64_t cred;
};

FIXTURE_SETUP(nh)
{
	struct gstatus s;

	ASSERT_EQ(0, conn_open(&self->c));
	ASSERT_EQ(0, get_status(&self->c, &s));
	ASSERT_EQ(0, s.helper);
	self->cred = cred_new(&self->c);
	ASSERT_NE(0, self->cred);
}

FIXTURE_TEARDOWN(nh)
{
	conn_close(&self->c);
}

/* ---- ACQUIRE_CRED / FREE_CRED ---- */

TEST(acquire_table)
{
	uint64_t a = 0, b = 0, x = 0, exp = 0;
	struct gstatus s0, s1, s2;
	struct conn c;

	ASSERT_EQ(0, conn_open(&c));
	ASSERT_EQ(0, get_status(&c, &s0));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  acquire(&c, "CredSSP", CREDSSP_CRED_USE_INBOUND, &a, &exp));
	EXPECT_NE(0, a);
	EXPECT_EQ(CREDSSP_TIME_NEVER, exp);
	exp = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  acquire(&c, "credssp", CREDSSP_CRED_USE_INBOUND, &b, &exp));
	EXPECT_NE(0, b);
	EXPECT_NE(a, b);
	EXPECT_EQ(CREDSSP_TIME_NEVER, exp);
	EXPECT_EQ(CREDSSP_SEC_STATUS_SECPKG_NOT_FOUND,
		  acquire(&c, "Negotiate", CREDSSP_CRED_USE_INBOUND, &x, NULL));
	EXPECT_EQ(0, x);
	EXPECT_EQ(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION,
		  acquire(&c, "CredSSP", CREDSSP_CRED_USE_OUTBOUND, &x, NULL));
	EXPECT_EQ(0, x);
	EXPECT_EQ(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION,
		  acquire(&c, "CredSSP", CREDSSP_CRED_USE_BOTH, &x, NULL));
	EXPECT_EQ(0, x);
	ASSERT_EQ(0, get_status(&c, &s1));
	EXPECT_EQ(s0.creds + 2, s1.creds);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&c, a));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, free_cred(&c, a));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&c, b));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, free_cred(&c, b));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, free_cred(&c, 0x123456789abcULL));
	ASSERT_EQ(0, get_status(&c, &s2));
	EXPECT_EQ(s0.creds, s2.creds);
	conn_close(&c);
}

/* Contexts hold their own reference to the credential. */
TEST_F(hp, free_cred_keeps_contexts)
{
	uint64_t ctx = 0;

	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&self->c, self->cred));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, 0, &ctx, "ok"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* Later calls: CRED_ID, if present, must be the context's. */
TEST_F(hp, later_call_other_cred)
{
	uint64_t other = cred_new(&self->c), ctx = 0;
	struct acc a = {.cred = self->cred, .in = "cont"};
	struct reply r;
	uint32_t st;

	ASSERT_NE(0, other);
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	a.ctx = ctx;
	a.cred = other;
	st = accept_r(&self->c, &a, &r);
	reply_free(&r);
	TH_LOG("later call with another credential: 0x%x", st);
	EXPECT_TRUE(st == CREDSSP_SEC_STATUS_INVALID_HANDLE ||
		    st == CREDSSP_SEC_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(1, fh->n_step);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, self->cred, &ctx, "ok"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&self->c, other));
}

/* OPTIONS reach the helper on the first call. */
TEST_F(hp, options_passed)
{
	struct acc a = {.cred = self->cred,
			.in = "cont",
			.opts = true,
			.opts_val = CREDSSP_OPT_RESTRICTED_ADMIN};
	struct reply r;

	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	EXPECT_EQ(CREDSSP_OPT_RESTRICTED_ADMIN, fh->last_options);
	a.ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	reply_free(&r);
	a.opts = false;
	a.cred = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_OPT_RESTRICTED_ADMIN, fh->last_options); /* kept by the context */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a.ctx));
}

/* ---- ACCEPT: refusals before any helper work ---- */

TEST_F(nh, accept_without_cred_is_einval)
{
	struct acc a = {.in = "cont"};
	struct reply r;

	accept_r(&self->c, &a, &r);
	EXPECT_EQ(-EINVAL, r.err);
	EXPECT_NE(0, strlen(r.ext));
	TH_LOG("extack: %s", r.ext);
	EXPECT_EQ(0, r.n);
	reply_free(&r);
}

TEST_F(nh, accept_bogus_handles)
{
	struct acc a = {.cred = self->cred ^ 0x10000ULL, .in = "cont"};
	struct reply r;

	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, accept_r(&self->c, &a, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	reply_free(&r);
	a.cred = self->cred;
	a.ctx = 0x7777777777ULL;
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, accept_r(&self->c, &a, &r));
	reply_free(&r);
}

TEST_F(hp, accept_unsupported_flags)
{
	static const uint32_t bad[] = {CREDSSP_REQ_SESSION_TICKET, 0x80000000U,
				       CREDSSP_REQ_DATAGRAM, CREDSSP_REQ_USE_DCE_STYLE};
	uint32_t before = contexts_now(&self->c);
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct acc a = {.cred = self->cred,
				.in = "cont",
				.flags = bad[i] | CREDSSP_REQ_CONFIDENTIALITY};
		struct reply r;

		EXPECT_EQ(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION, accept_r(&self->c, &a, &r))
		{
			TH_LOG("flags 0x%x", bad[i]);
		}
		EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
		reply_free(&r);
	}
	EXPECT_EQ(before, contexts_now(&self->c));
	EXPECT_EQ(0, fh->n_step);
}

TEST_F(hp, accept_data_rep)
{
	struct acc a = {.cred = self->cred, .in = "cont", .drep = true, .drep_val = 0x1234};
	uint32_t before = contexts_now(&self->c);
	struct reply r;

	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_PARAMETER, accept_r(&self->c, &a, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	reply_free(&r);
	EXPECT_EQ(before, contexts_now(&self->c));
	EXPECT_EQ(0, fh->n_step);
	/* Both defined values are accepted. */
	a.drep_val = CREDSSP_DATA_REP_NETWORK;
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a_u64(r.tb, CREDSSP_A_CTX_ID, 0)));
	reply_free(&r);
	a.drep_val = CREDSSP_DATA_REP_NATIVE;
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a_u64(r.tb, CREDSSP_A_CTX_ID, 0)));
	reply_free(&r);
}

TEST_F(nh, accept_no_helper_fails_fast)
{
	uint32_t before = contexts_now(&self->c);
	struct acc a = {.cred = self->cred, .in = "cont"};
	uint64_t t0 = now_ms(), dt;
	struct reply r;

	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, accept_r(&self->c, &a, &r));
	dt = now_ms() - t0;
	EXPECT_LT(dt, 1000);
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	reply_free(&r);
	EXPECT_EQ(before, contexts_now(&self->c));
}

/* ---- ACCEPT with the fake helper ---- */

TEST_F(hp, handshake_ok)
{
	struct acc a = {.cred = self->cred,
			.in = "cont",
			.flags = CREDSSP_REQ_CONFIDENTIALITY | CREDSSP_REQ_STREAM};
	uint64_t ctx, expiry, t;
	struct reply r;

	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	ASSERT_NE(0, ctx);
	EXPECT_TRUE(out_is(&r, "srv1", 4));
	EXPECT_NE(NULL, r.tb[CREDSSP_A_RET_FLAGS]);
	EXPECT_EQ(FH_RET_FLAGS, a_u32(r.tb, CREDSSP_A_RET_FLAGS, 0) & FH_RET_FLAGS);
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_EXPIRY]);
	EXPECT_EQ(0, a_u32(r.tb, CREDSSP_A_EXTRA, 0));
	reply_free(&r);
	EXPECT_EQ(1, fh->n_step);
	EXPECT_EQ(1, fh->n_first);
	EXPECT_EQ(4, fh->last_inlen);
	EXPECT_EQ(CREDSSP_REQ_CONFIDENTIALITY | CREDSSP_REQ_STREAM, fh->last_req_flags);
	EXPECT_EQ(CREDSSP_CTX_STATE_HANDSHAKE, ctx_state(&self->c, ctx));
	EXPECT_EQ(1, ctx_listed(&self->c, ctx));

	a.ctx = ctx;
	a.cred = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	EXPECT_EQ(ctx, a_u64(r.tb, CREDSSP_A_CTX_ID, 0));
	EXPECT_TRUE(out_is(&r, "srv1", 4));
	reply_free(&r);
	EXPECT_EQ(2, fh->n_step);
	EXPECT_EQ(1, fh->n_first);

	/* CRED_ID may come again, and must be the context's. */
	a.cred = self->cred;
	a.in = "ok";
	t = now_real();
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, accept_r(&self->c, &a, &r));
	EXPECT_EQ(ctx, a_u64(r.tb, CREDSSP_A_CTX_ID, 0));
	EXPECT_TRUE(out_is(&r, "srvF", 4));
	EXPECT_NE(NULL, r.tb[CREDSSP_A_RET_FLAGS]);
	EXPECT_EQ(FH_RET_FLAGS, a_u32(r.tb, CREDSSP_A_RET_FLAGS, 0) & FH_RET_FLAGS);
	expiry = a_u64(r.tb, CREDSSP_A_EXPIRY, 0);
	EXPECT_LE(t + FH_LIFETIME - 5, expiry);
	EXPECT_GE(t + FH_LIFETIME + 5, expiry);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_CTX_STATE_ESTABLISHED, ctx_state(&self->c, ctx));

	/* Established: no more ACCEPT. */
	a.in = "cont";
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE, accept_r(&self->c, &a, &r));
	reply_free(&r);
	EXPECT_EQ(3, fh->n_step);

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, delete_ctx(&self->c, ctx));
	EXPECT_EQ(0, ctx_state(&self->c, ctx));
	EXPECT_EQ(0, ctx_listed(&self->c, ctx));
}

TEST_F(hp, get_ctx_after_ok)
{
	struct nl_msg *m;
	struct reply r;
	uint64_t ctx = 0;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, 0, &ctx, "ok"));
	m = cmsg(&self->c, CREDSSP_CMD_GET_CTX, 0);
	nla_put_u64(m, CREDSSP_A_CI_ID, ctx);
	ASSERT_EQ(0, transact(&self->c, m, &r));
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(ctx, a_u64(r.tb, CREDSSP_A_CI_ID, 0));
	EXPECT_EQ(CREDSSP_CTX_STATE_ESTABLISHED, a_u32(r.tb, CREDSSP_A_CI_STATE, 0));
	EXPECT_EQ(nl_socket_get_local_port(self->c.sk), a_u32(r.tb, CREDSSP_A_CI_OWNER_PORTID, 0));
	EXPECT_EQ((uint32_t)getpid(), a_u32(r.tb, CREDSSP_A_CI_OWNER_PID, 0));
	EXPECT_EQ(CREDSSP_PACKAGE_NTLM, a_u32(r.tb, CREDSSP_A_CI_PACKAGE, 0));
	ASSERT_NE(NULL, r.tb[CREDSSP_A_CI_PRINCIPAL]);
	EXPECT_STREQ(FH_PRINCIPAL, nla_get_string(r.tb[CREDSSP_A_CI_PRINCIPAL]));
	EXPECT_EQ(6, a_u32(r.tb, CREDSSP_A_CI_VERSION, 0));
	EXPECT_EQ(0x0304, a_u32(r.tb, CREDSSP_A_CI_TLS_VERSION, 0));
	ASSERT_NE(NULL, r.tb[CREDSSP_A_CI_TLS_CIPHER]);
	EXPECT_STREQ(FH_CIPHER, nla_get_string(r.tb[CREDSSP_A_CI_TLS_CIPHER]));
	EXPECT_NE(0, a_u64(r.tb, CREDSSP_A_CI_CREATED, 0));
	EXPECT_NE(0, a_u64(r.tb, CREDSSP_A_CI_EXPIRY, 0));
	/* Credentials were delegated: the serial of their key in .credssp. */
	EXPECT_LT(0, (int32_t)a_u32(r.tb, CREDSSP_A_CI_KEY, 0));
	EXPECT_EQ(CREDSSP_CRED_TYPE_PASSWORD, a_u32(r.tb, CREDSSP_A_CI_CREDS_TYPE, 0));
	EXPECT_EQ(CREDSSP_CREDS_BINDING_BOUND, a_u32(r.tb, CREDSSP_A_CI_CREDS_BINDING, 99));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

TEST_F(hp, query_before_established)
{
	struct nlattr *q[TB_MAX + 1];
	uint64_t ctx = 0;
	struct reply r;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_SIZES, &r, q));
	EXPECT_NE(NULL, q[CREDSSP_A_Q_MAX_TOKEN]);
	EXPECT_NE(0, a_u32(q, CREDSSP_A_Q_MAX_TOKEN, 0));
	EXPECT_NE(NULL, q[CREDSSP_A_Q_MAX_SIGNATURE]);
	EXPECT_NE(NULL, q[CREDSSP_A_Q_BLOCK_SIZE]);
	EXPECT_NE(NULL, q[CREDSSP_A_Q_SECURITY_TRAILER]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_PACKAGE_INFO, &r, q));
	ASSERT_NE(NULL, q[CREDSSP_A_Q_PKG_NAME]);
	EXPECT_STREQ(CREDSSP_PACKAGE_NAME, nla_get_string(q[CREDSSP_A_Q_PKG_NAME]));
	ASSERT_NE(NULL, q[CREDSSP_A_Q_PKG_COMMENT]);
	EXPECT_STREQ(CREDSSP_PKG_COMMENT, nla_get_string(q[CREDSSP_A_Q_PKG_COMMENT]));
	EXPECT_EQ(CREDSSP_PKG_CAPABILITIES, a_u32(q, CREDSSP_A_Q_PKG_CAPABILITIES, 0));
	EXPECT_EQ(CREDSSP_PKG_VERSION, a_u32(q, CREDSSP_A_Q_PKG_VERSION, 0));
	EXPECT_EQ(CREDSSP_PKG_RPCID, a_u32(q, CREDSSP_A_Q_PKG_RPCID, 0));
	EXPECT_NE(0, a_u32(q, CREDSSP_A_Q_PKG_MAX_TOKEN, 0));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE,
		  query(&self->c, ctx, CREDSSP_QUERY_NAMES, &r, q));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_QUERY]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE,
		  query(&self->c, ctx, CREDSSP_QUERY_LIFESPAN, &r, q));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE,
		  query(&self->c, ctx, CREDSSP_QUERY_CREDS, &r, q));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  query(&self->c, ctx, CREDSSP_QUERY_SIZES, &r, q));
	reply_free(&r);
}

TEST_F(hp, query_after_ok)
{
	struct nlattr *q[TB_MAX + 1];
	uint8_t creds[256];
	size_t ncreds = fh_creds(creds, false);
	uint64_t ctx = 0, t = now_real();
	struct reply r;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, 0, &ctx, "ok"));

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_NAMES, &r, q));
	ASSERT_NE(NULL, q[CREDSSP_A_Q_NAME]);
	EXPECT_STREQ(FH_PRINCIPAL, nla_get_string(q[CREDSSP_A_Q_NAME]));
	reply_free(&r);

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_LIFESPAN, &r, q));
	EXPECT_NE(NULL, q[CREDSSP_A_Q_START]);
	EXPECT_LE(a_u64(q, CREDSSP_A_Q_START, ~0ULL), t + 5);
	EXPECT_LE(t + FH_LIFETIME - 5, a_u64(q, CREDSSP_A_Q_EXPIRY, 0));
	EXPECT_GE(t + FH_LIFETIME + 5, a_u64(q, CREDSSP_A_Q_EXPIRY, ~0ULL));
	reply_free(&r);

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_STREAM_SIZES, &r, q));
	EXPECT_EQ(5, a_u32(q, CREDSSP_A_Q_STREAM_HEADER, 0));
	EXPECT_EQ(17, a_u32(q, CREDSSP_A_Q_STREAM_TRAILER, 0));
	EXPECT_EQ(16384, a_u32(q, CREDSSP_A_Q_STREAM_MAX_MESSAGE, 0));
	EXPECT_NE(NULL, q[CREDSSP_A_Q_STREAM_BUFFERS]);
	EXPECT_NE(NULL, q[CREDSSP_A_Q_STREAM_BLOCK_SIZE]);
	reply_free(&r);

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  query(&self->c, ctx, CREDSSP_QUERY_NEGOTIATION_PACKAGE, &r, q));
	ASSERT_NE(NULL, q[CREDSSP_A_Q_PKG_NAME]);
	EXPECT_STREQ("NTLM", nla_get_string(q[CREDSSP_A_Q_PKG_NAME]));
	EXPECT_EQ(CREDSSP_NEGO_STATE_COMPLETE, a_u32(q, CREDSSP_A_Q_NEGO_STATE, 99));
	reply_free(&r);

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_SIZES, &r, q));
	reply_free(&r);

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_CREDS, &r, q));
	ASSERT_NE(NULL, q[CREDSSP_A_Q_CREDS]);
	EXPECT_EQ(ncreds, (size_t)nla_len(q[CREDSSP_A_Q_CREDS]));
	EXPECT_EQ(0, memcmp(creds, nla_data(q[CREDSSP_A_Q_CREDS]), ncreds));
	EXPECT_EQ(CREDSSP_CREDS_BINDING_BOUND, a_u32(q, CREDSSP_A_Q_CREDS_BINDING, 99));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_CREDENTIALS,
		  query(&self->c, ctx, CREDSSP_QUERY_CREDS, &r, q));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_QUERY]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_CREDENTIALS,
		  query(&self->c, ctx, CREDSSP_QUERY_CREDS_2, &r, q));
	reply_free(&r);

	EXPECT_EQ(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION, query(&self->c, ctx, 0x12345, &r, q));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  query(&self->c, ctx, CREDSSP_QUERY_NAMES, &r, q));
	reply_free(&r);
}

TEST_F(hp, creds_2_once)
{
	struct nlattr *q[TB_MAX + 1];
	uint64_t ctx = 0;
	struct reply r;

	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, self->cred, &ctx, "ok"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_CREDS_2, &r, q));
	EXPECT_NE(NULL, q[CREDSSP_A_Q_CREDS]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_CREDENTIALS,
		  query(&self->c, ctx, CREDSSP_QUERY_CREDS, &r, q));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* GET_CTX's CREDS_BINDING of a context after the helper's SEC_E_OK @in. */
static uint32_t ctx_binding(struct conn *c, uint64_t cred, const char *in, uint32_t *query_binding)
{
	struct nlattr *q[TB_MAX + 1];
	uint32_t binding = 99;
	uint64_t ctx = 0;
	struct nl_msg *m;
	struct reply r;

	*query_binding = 99;
	if (acc_step(c, cred, &ctx, in) != CREDSSP_SEC_STATUS_OK)
		return 98;
	m = cmsg(c, CREDSSP_CMD_GET_CTX, 0);
	nla_put_u64(m, CREDSSP_A_CI_ID, ctx);
	if (!transact(c, m, &r) && r.n)
		binding = a_u32(r.tb, CREDSSP_A_CI_CREDS_BINDING, 97);
	reply_free(&r);
	if (query(c, ctx, CREDSSP_QUERY_CREDS, &r, q) == CREDSSP_SEC_STATUS_OK)
		*query_binding = a_u32(q, CREDSSP_A_Q_CREDS_BINDING, 97);
	reply_free(&r);
	delete_ctx(c, ctx);
	return binding;
}

/*
 * Whom the delegated credentials name, as the helper said: bound; unbound
 * when a helper says nothing (an older one); none when nothing came.
 */
TEST_F(hp, creds_binding)
{
	uint32_t qb;

	EXPECT_EQ(CREDSSP_CREDS_BINDING_BOUND, ctx_binding(&self->c, self->cred, "ok", &qb));
	EXPECT_EQ(CREDSSP_CREDS_BINDING_BOUND, qb);
	EXPECT_EQ(CREDSSP_CREDS_BINDING_UNBOUND,
		  ctx_binding(&self->c, self->cred, "okunbound", &qb));
	EXPECT_EQ(CREDSSP_CREDS_BINDING_UNBOUND, qb);
	EXPECT_EQ(CREDSSP_CREDS_BINDING_NONE, ctx_binding(&self->c, self->cred, "oknocreds", &qb));
	EXPECT_EQ(99, qb); /* SEC_E_NO_CREDENTIALS: nothing to query */
}

TEST_F(hp, extra_reported)
{
	struct acc a = {.cred = self->cred, .in = "cont|ab"};
	struct reply r;

	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	EXPECT_EQ(2, a_u32(r.tb, CREDSSP_A_EXTRA, 0));
	a.ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	reply_free(&r);
	a.in = "ok|hello";
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, accept_r(&self->c, &a, &r));
	EXPECT_EQ(5, a_u32(r.tb, CREDSSP_A_EXTRA, 0));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a.ctx));
}

/* ENCRYPT or DECRYPT of @len bytes of @in: the status (or -errno). */
static uint32_t rec_call(struct conn *c, int cmd, uint64_t ctx, const void *in, size_t len,
			 struct reply *r)
{
	struct nl_msg *m = cmsg(c, cmd, 0);

	nla_put_u64(m, CREDSSP_A_CTX_ID, ctx);
	nla_put(m, CREDSSP_A_INPUT, (int)len, in);
	transact(c, m, r);
	return r->err ? (uint32_t)r->err : r_status(r);
}

/*
 * EncryptMessage/DecryptMessage in the kernel (the fake helper's keys: TLS
 * 1.3 AES-128-GCM, different keys each way): only an established
 * context's owner; records numbered; the DECRYPT outcomes that need no
 * valid peer record (the known-answer ones are KUnit's and suite-ktls's).
 */
TEST_F(hp, encrypt_decrypt)
{
	static uint8_t big[16385];
	uint8_t rec1[64], rec[64];
	uint64_t ctx = 0;
	struct conn c2;
	struct reply r;
	struct nlattr *o;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  rec_call(&self->c, CREDSSP_CMD_ENCRYPT, ctx, "hello", 5, &r));
	reply_free(&r);
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, 0, &ctx, "ok"));

	ASSERT_EQ(CREDSSP_SEC_STATUS_OK,
		  rec_call(&self->c, CREDSSP_CMD_ENCRYPT, ctx, "hello", 5, &r));
	o = r.tb[CREDSSP_A_OUTPUT];
	ASSERT_NE(NULL, o);
	ASSERT_EQ(5 + 5 + 17, nla_len(o));
	EXPECT_EQ(0, memcmp(nla_data(o), "\x17\x03\x03\x00\x16", 5));
	memcpy(rec1, nla_data(o), (size_t)nla_len(o));
	reply_free(&r);
	/* The same plaintext again: the next sequence number, another record. */
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK,
		  rec_call(&self->c, CREDSSP_CMD_ENCRYPT, ctx, "hello", 5, &r));
	ASSERT_NE(NULL, r.tb[CREDSSP_A_OUTPUT]);
	EXPECT_NE(0, memcmp(nla_data(r.tb[CREDSSP_A_OUTPUT]), rec1, 27));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_PARAMETER,
		  rec_call(&self->c, CREDSSP_CMD_ENCRYPT, ctx, big, sizeof(big), &r));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  rec_call(&self->c, CREDSSP_CMD_ENCRYPT, ctx, big, sizeof(big) - 1, &r));
	reply_free(&r);

	/* Our own record is not the peer's: it fails authentication. */
	memcpy(rec, rec1, 27);
	memcpy(rec + 27, "xyz", 3);
	EXPECT_EQ(CREDSSP_SEC_STATUS_DECRYPT_FAILURE,
		  rec_call(&self->c, CREDSSP_CMD_DECRYPT, ctx, rec, 30, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_OUTPUT]);
	EXPECT_EQ(3, a_u32(r.tb, CREDSSP_A_EXTRA, 0));
	EXPECT_NE(NULL, r.tb[CREDSSP_A_MESSAGE]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE,
		  rec_call(&self->c, CREDSSP_CMD_DECRYPT, ctx, rec, 3, &r));
	EXPECT_EQ(2, a_u32(r.tb, CREDSSP_A_MISSING, 0));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE,
		  rec_call(&self->c, CREDSSP_CMD_DECRYPT, ctx, rec, 20, &r));
	EXPECT_EQ(7, a_u32(r.tb, CREDSSP_A_MISSING, 0));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_ILLEGAL_MESSAGE,
		  rec_call(&self->c, CREDSSP_CMD_DECRYPT, ctx, "GET / HTTP/1.1", 14, &r));
	reply_free(&r);

	/* Another socket of the same process, root: the owner check holds. */
	ASSERT_EQ(0, conn_open(&c2));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  rec_call(&c2, CREDSSP_CMD_ENCRYPT, ctx, "hello", 5, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_OUTPUT]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  rec_call(&c2, CREDSSP_CMD_DECRYPT, ctx, rec1, 27, &r));
	reply_free(&r);
	conn_close(&c2);
	/* A bad request is a netlink error. */
	{
		struct nl_msg *m = cmsg(&self->c, CREDSSP_CMD_ENCRYPT, 0);

		nla_put_u64(m, CREDSSP_A_CTX_ID, ctx);
		transact(&self->c, m, &r);
		EXPECT_EQ(-EINVAL, r.err);
		reply_free(&r);
	}

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  rec_call(&self->c, CREDSSP_CMD_ENCRYPT, ctx, "hello", 5, &r));
	reply_free(&r);
}

TEST_F(hp, incomplete_passed_through)
{
	uint64_t ctx = 0;
	struct acc a = {.cred = self->cred, .in = "incomplete"};
	struct reply r;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	a.ctx = ctx;
	EXPECT_EQ(CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE, accept_r(&self->c, &a, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_OUTPUT]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_CTX_STATE_HANDSHAKE, ctx_state(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, 0, &ctx, "ok"));

	/* On a first call: the status passes through too. */
	a.ctx = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE, accept_r(&self->c, &a, &r));
	TH_LOG("first-call INCOMPLETE: CTX_ID %s", r.tb[CREDSSP_A_CTX_ID] ? "returned" : "absent");
	if (r.tb[CREDSSP_A_CTX_ID]) {
		uint64_t c2 = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);

		EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, 0, &c2, "cont"));
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, c2));
	}
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

TEST_F(hp, buffer_too_small_keeps_result)
{
	struct acc a = {.cred = self->cred, .in = "cont"};
	struct reply r;
	uint8_t want[3000];
	int steps;

	memset(want, 'B', sizeof(want));
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	a.ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	reply_free(&r);
	a.in = "big";
	a.outsize = 100;
	EXPECT_EQ(CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL, accept_r(&self->c, &a, &r));
	EXPECT_EQ(3000, a_u32(r.tb, CREDSSP_A_OUTPUT_NEEDED, 0));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_OUTPUT]);
	reply_free(&r);
	steps = fh->n_step;
	EXPECT_EQ(2, steps);
	a.outsize = 3000;
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	EXPECT_EQ(a.ctx, a_u64(r.tb, CREDSSP_A_CTX_ID, 0));
	EXPECT_TRUE(out_is(&r, want, sizeof(want)));
	reply_free(&r);
	EXPECT_EQ(steps, fh->n_step); /* the kept result, no new request */
	a.in = "ok";
	a.outsize = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, accept_r(&self->c, &a, &r));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a.ctx));
}

/* The same on a first call: the kept result needs a handle to be found. */
TEST_F(hp, buffer_too_small_first_call)
{
	struct acc a = {.cred = self->cred, .in = "cont", .outsize = 2};
	struct reply r;

	EXPECT_EQ(CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL, accept_r(&self->c, &a, &r));
	EXPECT_EQ(4, a_u32(r.tb, CREDSSP_A_OUTPUT_NEEDED, 0));
	a.ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	reply_free(&r);
	ASSERT_NE(0, a.ctx);
	EXPECT_EQ(1, fh->n_step);
	a.outsize = 4;
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	EXPECT_TRUE(out_is(&r, "srv1", 4));
	reply_free(&r);
	EXPECT_EQ(1, fh->n_step);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a.ctx));
}

TEST_F(hp, allocate_memory)
{
	struct acc a = {.cred = self->cred,
			.in = "cont",
			.flags = CREDSSP_REQ_ALLOCATE_MEMORY,
			.outsize = NO_OUTSIZE};
	struct reply r;

	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	EXPECT_TRUE(out_is(&r, "srv1", 4));
	EXPECT_EQ(CREDSSP_RET_ALLOCATED_MEMORY,
		  a_u32(r.tb, CREDSSP_A_RET_FLAGS, 0) & CREDSSP_RET_ALLOCATED_MEMORY);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a_u64(r.tb, CREDSSP_A_CTX_ID, 0)));
	reply_free(&r);
	/* Without it, an absent OUTPUT_SIZE is a zero-sized buffer. */
	a.flags = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL, accept_r(&self->c, &a, &r));
	EXPECT_EQ(4, a_u32(r.tb, CREDSSP_A_OUTPUT_NEEDED, 0));
	EXPECT_EQ(0, a_u32(r.tb, CREDSSP_A_RET_FLAGS, 0) & CREDSSP_RET_ALLOCATED_MEMORY);
	if (r.tb[CREDSSP_A_CTX_ID])
		delete_ctx(&self->c, a_u64(r.tb, CREDSSP_A_CTX_ID, 0));
	reply_free(&r);
}

TEST_F(hp, first_call_failure)
{
	uint32_t before = contexts_now(&self->c);
	struct acc a = {.cred = self->cred, .in = "deny"};
	struct reply r;

	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, accept_r(&self->c, &a, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	EXPECT_TRUE(out_is(&r, "err!", 4));
	reply_free(&r);
	EXPECT_EQ(before, contexts_now(&self->c));
}

TEST_F(hp, later_failure)
{
	struct acc a = {.cred = self->cred, .in = "cont"};
	struct reply r;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	a.ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	reply_free(&r);
	a.in = "deny";
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, accept_r(&self->c, &a, &r));
	EXPECT_TRUE(out_is(&r, "err!", 4));
	if (r.tb[CREDSSP_A_CTX_ID])
		EXPECT_EQ(a.ctx, a_u64(r.tb, CREDSSP_A_CTX_ID, 0));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_CTX_STATE_FAILED, ctx_state(&self->c, a.ctx));
	a.in = "cont";
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE, accept_r(&self->c, &a, &r));
	reply_free(&r);
	EXPECT_EQ(2, fh->n_step);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a.ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, delete_ctx(&self->c, a.ctx));
}

/* DELETE at each stage; a context with helper state gets a HOP_FREE. */
TEST_F(hp, delete_each_stage)
{
	uint64_t ctx = 0;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, delete_ctx(&self->c, ctx));
	EXPECT_TRUE(wait_for(&fh->n_free, 1, 1000));
	EXPECT_EQ(fh->last_ctx_id, fh->free_ctx_id);

	ctx = 0;
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, 0, &ctx, "ok"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, delete_ctx(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, delete_ctx(&self->c, 0x4242424242ULL));
}

/* ---- ownership ---- */

TEST_F(hp, foreign_socket_handles)
{
	struct nlattr *q[TB_MAX + 1];
	struct conn c2;
	uint64_t ctx = 0, ctx2 = 0;
	struct acc a = {.cred = self->cred, .in = "cont"};
	struct reply r;

	ASSERT_EQ(0, conn_open(&c2));
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	/* Another socket, same process, root: the owner check holds. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, accept_r(&c2, &a, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	reply_free(&r);
	a.ctx = ctx;
	a.cred = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, accept_r(&c2, &a, &r));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, query(&c2, ctx, CREDSSP_QUERY_SIZES, &r, q));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, free_cred(&c2, self->cred));
	EXPECT_EQ(1, fh->n_step); /* nothing reached the helper */
	/* The owner still can. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, 0, &ctx, "ok"));
	/* A context of another socket in another state. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
		  acc_step(&self->c, self->cred, &ctx2, "cont"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, query(&c2, ctx, CREDSSP_QUERY_CREDS, &r, q));
	reply_free(&r);
	/* DELETE is the one command an admin may use on any context. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&c2, ctx2));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, delete_ctx(&self->c, ctx2));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&self->c, self->cred));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	conn_close(&c2);
}

TEST_F(hp, owner_close_frees)
{
	struct gstatus s0, s1, s2;
	struct conn o;
	uint64_t cred, ctx[3] = {0, 0, 0};
	int i;

	ASSERT_EQ(0, get_status(&self->c, &s0));
	ASSERT_EQ(0, conn_open(&o));
	cred = cred_new(&o);
	ASSERT_NE(0, cred);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&o, cred, &ctx[0], "cont"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&o, cred, &ctx[1], "ok"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&o, cred, &ctx[2], "cont"));
	ASSERT_EQ(0, get_status(&self->c, &s1));
	EXPECT_EQ(s0.contexts + 3, s1.contexts);
	EXPECT_EQ(s0.creds + 1, s1.creds);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(1, ctx_listed(&self->c, ctx[i]));
	conn_close(&o);
	usleep(100000);
	ASSERT_EQ(0, get_status(&self->c, &s2));
	EXPECT_EQ(s0.contexts, s2.contexts);
	EXPECT_EQ(s0.creds, s2.creds);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, ctx_listed(&self->c, ctx[i]));
	/* The two contexts with helper state are dropped by the helper. */
	EXPECT_TRUE(wait_for(&fh->n_free, 2, 1000));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_ABANDONED) + 2,
		  stat_sum(&s2, CREDSSP_OUTCOME_ABANDONED));
}

static int helper_register(struct conn *c, int version, char *ext, size_t extlen);

/* Each network namespace has its own handles, helper and counts. */
TEST_F(hp, netns_isolation)
{
	int *res = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t ctx = 0;
	struct gstatus s;
	int status, i;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, res);
	for (i = 0; i < 16; i++)
		res[i] = 12345;
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct acc a = {.in = "cont"};
		struct gstatus cs;
		struct conn c, h;
		struct reply r;
		uint64_t cred;

		if (unshare(CLONE_NEWNET) || conn_open(&c))
			_exit(1);
		res[0] = get_status(&c, &cs);
		res[1] = (int)cs.helper;
		res[2] = (int)cs.contexts;
		res[3] = (int)cs.creds;
		/* The other namespace's handles do not exist here. */
		res[4] = (int)free_cred(&c, self->cred);
		a.cred = self->cred;
		res[5] = (int)accept_r(&c, &a, &r);
		reply_free(&r);
		res[6] = ctx_state(&c, ctx);
		/* No helper here, though the initial netns has one. */
		cred = cred_new(&c);
		a.cred = cred;
		res[7] = (int)accept_r(&c, &a, &r);
		reply_free(&r);
		/* This namespace may have a helper of its own. */
		if (conn_open(&h))
			_exit(2);
		res[8] = helper_register(&h, CREDSSP_HELPER_VERSION, NULL, 0);
		get_status(&c, &cs);
		res[9] = (int)cs.helper;
		res[10] = (int)cs.creds;
		conn_close(&h);
		conn_close(&c);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(0, res[1]);
	EXPECT_EQ(0, res[2]);
	EXPECT_EQ(0, res[3]);
	EXPECT_EQ((int)CREDSSP_SEC_STATUS_INVALID_HANDLE, res[4]);
	EXPECT_EQ((int)CREDSSP_SEC_STATUS_INVALID_HANDLE, res[5]);
	EXPECT_EQ(0, res[6]); /* GET_CTX: -ENOENT */
	EXPECT_EQ((int)CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, res[7]);
	EXPECT_EQ(0, res[8]);
	EXPECT_EQ(1, res[9]);
	EXPECT_EQ(1, res[10]);
	/* Nothing of it shows here; the helper here is still ours. */
	ASSERT_EQ(0, get_status(&self->c, &s));
	EXPECT_EQ(1, s.helper);
	EXPECT_EQ((uint32_t)fh_pid, s.helper_pid);
	EXPECT_EQ(CREDSSP_CTX_STATE_HANDSHAKE, ctx_state(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, 0, &ctx, "ok"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* ---- permissions ---- */

static int helper_register(struct conn *c, int version, char *ext, size_t extlen)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_HELPER_REGISTER, 0);
	struct reply r;
	int err;

	if (version >= 0)
		nla_put_u32(m, CREDSSP_A_H_VERSION, version);
	err = transact(c, m, &r);
	if (ext)
		snprintf(ext, extlen, "%s", r.ext);
	reply_free(&r);
	return err;
}

/* Every command a consumer or helper has, from an unprivileged caller. */
static void all_eperm(struct __test_metadata *_metadata, struct conn *c)
{
	struct nlattr *q[TB_MAX + 1];
	struct acc a = {.cred = 0x1234, .in = "cont"};
	struct gstatus s;
	struct reply r;

	EXPECT_EQ((uint32_t)-EPERM, acquire(c, "CredSSP", CREDSSP_CRED_USE_INBOUND, NULL, NULL));
	EXPECT_EQ((uint32_t)-EPERM, free_cred(c, 0x1234));
	EXPECT_EQ((uint32_t)-EPERM, accept_r(c, &a, &r));
	reply_free(&r);
	EXPECT_EQ((uint32_t)-EPERM, delete_ctx(c, 0x1234));
	EXPECT_EQ((uint32_t)-EPERM, query(c, 0x1234, CREDSSP_QUERY_SIZES, &r, q));
	reply_free(&r);
	EXPECT_EQ((uint32_t)-EPERM, rec_call(c, CREDSSP_CMD_ENCRYPT, 0x1234, "x", 1, &r));
	reply_free(&r);
	EXPECT_EQ((uint32_t)-EPERM, rec_call(c, CREDSSP_CMD_DECRYPT, 0x1234, "x", 1, &r));
	reply_free(&r);
	EXPECT_EQ(-EPERM, get_status(c, &s));
	EXPECT_EQ(-EPERM, ctx_state(c, 0x1234));
	EXPECT_EQ(-EPERM, ctx_listed(c, 0x1234));
	EXPECT_EQ(-EPERM, helper_register(c, CREDSSP_HELPER_VERSION, NULL, 0));
	{
		struct nlmsghdr *h = NULL;

		/* Not a registered helper socket: nothing to take. */
		EXPECT_EQ(-EPERM, fh_next(c, &h));
	}
}

TEST(perm_nobody)
{
	struct conn c;

	ASSERT_EQ(0, setgid(65534));
	ASSERT_EQ(0, setuid(65534));
	ASSERT_EQ(0, conn_open(&c));
	all_eperm(_metadata, &c);
	conn_close(&c);
}

TEST(perm_root_without_net_admin)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {};
	struct conn c;

	ASSERT_EQ(0, syscall(SYS_capget, &hdr, data));
	data[CAP_NET_ADMIN / 32].effective &= ~(1U << (CAP_NET_ADMIN % 32));
	data[CAP_NET_ADMIN / 32].permitted &= ~(1U << (CAP_NET_ADMIN % 32));
	data[CAP_NET_ADMIN / 32].inheritable &= ~(1U << (CAP_NET_ADMIN % 32));
	ASSERT_EQ(0, syscall(SYS_capset, &hdr, data));
	ASSERT_EQ(0, conn_open(&c));
	all_eperm(_metadata, &c);
	conn_close(&c);
}

/* A socket opened with CAP_NET_ADMIN, used after dropping it: the sender is checked. */
TEST(perm_socket_opened_privileged)
{
	struct conn c;

	ASSERT_EQ(0, conn_open(&c));
	ASSERT_EQ(0, setgid(65534));
	ASSERT_EQ(0, setuid(65534));
	all_eperm(_metadata, &c);
	conn_close(&c);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0)
			perror(path);
		close(fd);
	}
}

/* root of a user namespace mapped to nobody, in the initial netns, then in its own. */
TEST(perm_userns_root)
{
	int *res = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int go[2], ready[2], status;
	char path[64], b;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, res);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	for (int i = 0; i < 8; i++)
		res[i] = 12345;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct conn c;
		uint64_t cred = 0;

		if (unshare(CLONE_NEWUSER))
			_exit(2);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(3);
		if (setuid(0) || setgid(0))
			_exit(4);
		if (conn_open(&c))
			_exit(5);
		res[0] = helper_register(&c, CREDSSP_HELPER_VERSION, NULL, 0);
		res[1] = (int)acquire(&c, "CredSSP", CREDSSP_CRED_USE_INBOUND, NULL, NULL);
		conn_close(&c);
		if (unshare(CLONE_NEWNET))
			_exit(6);
		if (conn_open(&c))
			_exit(7);
		res[2] = (int)acquire(&c, "CredSSP", CREDSSP_CRED_USE_INBOUND, &cred, NULL);
		res[3] = cred != 0;
		res[4] = helper_register(&c, CREDSSP_HELPER_VERSION, NULL, 0);
		conn_close(&c);
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &b, 1));
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	write_file(path, "0 65534 1\n");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	write_file(path, "0 65534 1\n");
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(-EPERM, res[0]);		       /* helper: CAP_NET_ADMIN in init_user_ns */
	EXPECT_EQ(-EPERM, res[1]);		       /* consumer: over the initial netns */
	EXPECT_EQ((int)CREDSSP_SEC_STATUS_OK, res[2]); /* consumer: its own netns */
	EXPECT_EQ(1, res[3]);
	EXPECT_EQ(-EPERM, res[4]); /* still no helper from a user namespace */
}

TEST_F(hp, register_busy)
{
	struct conn c2;
	char ext[256];

	ASSERT_EQ(0, conn_open(&c2));
	EXPECT_EQ(-EBUSY, helper_register(&c2, CREDSSP_HELPER_VERSION, ext, sizeof(ext)));
	TH_LOG("extack: %s", ext);
	conn_close(&c2);
	/* The registered helper still serves. */
	{
		uint64_t ctx = 0;

		EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
			  acc_step(&self->c, self->cred, &ctx, "cont"));
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	}
}

TEST_F(nh, register_version_and_status)
{
	struct gstatus s;
	struct conn h;
	char ext[256];

	ASSERT_EQ(0, conn_open(&h));
	EXPECT_EQ(-EPROTO, helper_register(&h, CREDSSP_HELPER_VERSION + 1, ext, sizeof(ext)));
	EXPECT_EQ(-EINVAL, helper_register(&h, -1, ext, sizeof(ext)));
	EXPECT_NE(0, strlen(ext));
	ASSERT_EQ(0, get_status(&self->c, &s));
	EXPECT_EQ(0, s.helper);
	EXPECT_EQ(0, helper_register(&h, CREDSSP_HELPER_VERSION, NULL, 0));
	ASSERT_EQ(0, get_status(&self->c, &s));
	EXPECT_EQ(1, s.helper);
	EXPECT_EQ((uint32_t)getpid(), s.helper_pid);
	conn_close(&h);
	ASSERT_EQ(0, get_status(&self->c, &s));
	EXPECT_EQ(0, s.helper);
	EXPECT_EQ(0, s.helper_pid);
}

/* ---- malformed requests ---- */

struct badreq {
	const char *name;
	int cmd;
	int want;
	void (*fill)(struct nl_msg *m, uint64_t cred);
	int want_too; /* another acceptable errno (1: none) */
};

static void b_unknown_attr(struct nl_msg *m, uint64_t cred)
{
	(void)cred;
	nla_put_string(m, CREDSSP_A_PACKAGE, "CredSSP");
	nla_put_u32(m, CREDSSP_A_CRED_USE, CREDSSP_CRED_USE_INBOUND);
	nla_put_u32(m, CREDSSP_A_MAX + 1, 1);
}

static void b_cred_u32(struct nl_msg *m, uint64_t cred)
{
	nla_put_u32(m, CREDSSP_A_CRED_ID, (uint32_t)cred);
}

static void b_use_u64(struct nl_msg *m, uint64_t cred)
{
	(void)cred;
	nla_put_string(m, CREDSSP_A_PACKAGE, "CredSSP");
	nla_put_u64(m, CREDSSP_A_CRED_USE, CREDSSP_CRED_USE_INBOUND);
}

static void b_no_package(struct nl_msg *m, uint64_t cred)
{
	(void)cred;
	nla_put_u32(m, CREDSSP_A_CRED_USE, CREDSSP_CRED_USE_INBOUND);
}

static void b_no_cred(struct nl_msg *m, uint64_t cred)
{
	(void)cred;
	(void)m;
}

static void b_input_too_big(struct nl_msg *m, uint64_t cred)
{
	static uint8_t big[CREDSSP_TOKEN_MAX + 1];

	nla_put_u64(m, CREDSSP_A_CRED_ID, cred);
	nla_put(m, CREDSSP_A_INPUT, sizeof(big), big);
	nla_put_u32(m, CREDSSP_A_OUTPUT_SIZE, CREDSSP_TOKEN_MAX);
}

static void b_flags_u8(struct nl_msg *m, uint64_t cred)
{
	nla_put_u64(m, CREDSSP_A_CRED_ID, cred);
	nla_put_u8(m, CREDSSP_A_REQ_FLAGS, 1);
	nla_put(m, CREDSSP_A_INPUT, 4, "cont");
}

static void b_query_no_attr(struct nl_msg *m, uint64_t cred)
{
	nla_put_u64(m, CREDSSP_A_CTX_ID, cred);
}

static void b_query_no_ctx(struct nl_msg *m, uint64_t cred)
{
	(void)cred;
	nla_put_u32(m, CREDSSP_A_QUERY_ATTR, CREDSSP_QUERY_SIZES);
}

static void b_ctx_short(struct nl_msg *m, uint64_t cred)
{
	nla_put(m, CREDSSP_A_CTX_ID, 6, &cred);
}

static void b_status_attr(struct nl_msg *m, uint64_t cred)
{
	(void)cred;
	nla_put_u32(m, CREDSSP_A_STATUS_CONTEXTS, 1);
}

static void b_getctx_unknown(struct nl_msg *m, uint64_t cred)
{
	(void)cred;
	nla_put_u64(m, CREDSSP_A_CI_ID, 0x5151515151ULL);
}

static void b_done_no_status(struct nl_msg *m, uint64_t cred)
{
	(void)cred;
	nla_put_u64(m, CREDSSP_A_H_REQ_ID, 1);
}

static const struct badreq badreqs[] = {
	{"unknown attribute", CREDSSP_CMD_ACQUIRE_CRED, -EINVAL, b_unknown_attr, 1},
	{"u64 CRED_USE", CREDSSP_CMD_ACQUIRE_CRED, -EINVAL, b_use_u64, 1},
	{"no PACKAGE", CREDSSP_CMD_ACQUIRE_CRED, -EINVAL, b_no_package, 1},
	{"u32 CRED_ID", CREDSSP_CMD_FREE_CRED, -EINVAL, b_cred_u32, 1},
	{"FREE without CRED_ID", CREDSSP_CMD_FREE_CRED, -EINVAL, b_no_cred, 1},
	{"INPUT over TOKEN_MAX", CREDSSP_CMD_ACCEPT, -EINVAL, b_input_too_big, 1},
	{"u8 REQ_FLAGS", CREDSSP_CMD_ACCEPT, -EINVAL, b_flags_u8, 1},
	{"QUERY without QUERY_ATTR", CREDSSP_CMD_QUERY_CTX, -EINVAL, b_query_no_attr, 1},
	{"QUERY without CTX_ID", CREDSSP_CMD_QUERY_CTX, -EINVAL, b_query_no_ctx, 1},
	{"DELETE without CTX_ID", CREDSSP_CMD_DELETE_CTX, -EINVAL, b_no_cred, 1},
	{"6-byte CTX_ID", CREDSSP_CMD_DELETE_CTX, -EINVAL, b_ctx_short, 1},
	{"GET_STATUS with an attribute", CREDSSP_CMD_GET_STATUS, -EINVAL, b_status_attr, 1},
	{"GET_CTX unknown handle", CREDSSP_CMD_GET_CTX, -ENOENT, b_getctx_unknown, 1},
	/* Not from the helper's process and malformed: either refusal will do. */
	{"HELPER_DONE without SEC_STATUS", CREDSSP_CMD_HELPER_DONE, -EINVAL, b_done_no_status,
	 -EPERM},
};

TEST_F(hp, bad_requests)
{
	uint32_t before = contexts_now(&self->c);
	unsigned int i;

	for (i = 0; i < sizeof(badreqs) / sizeof(badreqs[0]); i++) {
		const struct badreq *b = &badreqs[i];
		struct nl_msg *m = cmsg(&self->c, b->cmd, 0);
		struct reply r;

		b->fill(m, self->cred);
		transact(&self->c, m, &r);
		EXPECT_EQ(b->want, r.err == b->want_too ? b->want : r.err)
		{
			TH_LOG("%s: errno %d, status 0x%x", b->name, r.err, r_status(&r));
		}
		EXPECT_EQ(0, r.n) TH_LOG("%s: a reply came", b->name);
		EXPECT_NE(0, strlen(r.ext))
		{
			TH_LOG("%s: no extack message (missing-attribute type %d)", b->name,
			       r.miss);
		}
		reply_free(&r);
	}
	EXPECT_EQ(before, contexts_now(&self->c));
	EXPECT_EQ(0, fh->n_step);
}

/* A string without its NUL: either refused or read as exactly its bytes. */
TEST_F(nh, package_without_nul)
{
	struct nl_msg *m = cmsg(&self->c, CREDSSP_CMD_ACQUIRE_CRED, 0);
	struct reply r;

	nla_put(m, CREDSSP_A_PACKAGE, 7, "CredSSP");
	nla_put_u32(m, CREDSSP_A_CRED_USE, CREDSSP_CRED_USE_INBOUND);
	transact(&self->c, m, &r);
	TH_LOG("PACKAGE without NUL: errno %d status 0x%x", r.err, r_status(&r));
	if (r.err) {
		EXPECT_EQ(-EINVAL, r.err);
	} else {
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, r_status(&r));
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
			  free_cred(&self->c, a_u64(r.tb, CREDSSP_A_CRED_ID, 0)));
	}
	reply_free(&r);
	m = cmsg(&self->c, CREDSSP_CMD_ACQUIRE_CRED, 0);
	nla_put(m, CREDSSP_A_PACKAGE, 8, "CredSSPx");
	nla_put_u32(m, CREDSSP_A_CRED_USE, CREDSSP_CRED_USE_INBOUND);
	transact(&self->c, m, &r);
	if (!r.err)
		EXPECT_EQ(CREDSSP_SEC_STATUS_SECPKG_NOT_FOUND, r_status(&r));
	reply_free(&r);
}

/* ---- hostile helper replies ---- */

/* Hostile replies, each a variant of its own fixture. */
FIXTURE(hostile)
{
	struct conn c;
	uint64_t cred;
};

FIXTURE_VARIANT(hostile)
{
	const char *word;
	bool final; /* a CREDSSP_SEC_STATUS_OK reply (vs CONTINUE) */
};

FIXTURE_VARIANT_ADD(hostile, unknown_status){.word = "h:status"};
FIXTURE_VARIANT_ADD(hostile, consumed_over_input){.word = "h:consumed"};
FIXTURE_VARIANT_ADD(hostile, output_too_big){.word = "h:outbig"};
FIXTURE_VARIANT_ADD(hostile, principal_without_nul){.word = "h:prinul", .final = true};
FIXTURE_VARIANT_ADD(hostile, principal_too_long){.word = "h:prilong", .final = true};
FIXTURE_VARIANT_ADD(hostile, key_length){.word = "h:keylen", .final = true};
FIXTURE_VARIANT_ADD(hostile, keys_missing){.word = "h:nokeys", .final = true};
FIXTURE_VARIANT_ADD(hostile, creds_malformed){.word = "h:creds", .final = true};

FIXTURE_SETUP(hostile)
{
	ASSERT_EQ(0, conn_open(&self->c));
	ASSERT_EQ(1, fh_start());
	self->cred = cred_new(&self->c);
	ASSERT_NE(0, self->cred);
	set_helper_timeout(3000);
}

FIXTURE_TEARDOWN(hostile)
{
	fh_stop();
	restore_helper_timeout();
	conn_close(&self->c);
}

TEST_F(hostile, reply_refused)
{
	struct acc a = {.cred = self->cred, .in = "cont"};
	struct nlattr *q[TB_MAX + 1];
	struct gstatus s;
	struct reply r;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	a.ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	reply_free(&r);
	a.in = variant->word;
	EXPECT_EQ(CREDSSP_SEC_STATUS_INTERNAL_ERROR, accept_r(&self->c, &a, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_EXPIRY]);
	reply_free(&r);
	ASSERT_TRUE(wait_for(&fh->n_done, 2, 2000));
	EXPECT_EQ(-EINVAL, fh->done_err);
	EXPECT_NE(0, strlen(fh->done_ext));
	TH_LOG("%s: DONE errno %d, extack \"%s\"", variant->word, fh->done_err, fh->done_ext);
	EXPECT_EQ(CREDSSP_CTX_STATE_FAILED, ctx_state(&self->c, a.ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE,
		  query(&self->c, a.ctx, CREDSSP_QUERY_NAMES, &r, q));
	reply_free(&r);
	a.in = "cont";
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE, accept_r(&self->c, &a, &r));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a.ctx));
	/* The helper is still registered and serves the next context. */
	ASSERT_EQ(0, get_status(&self->c, &s));
	EXPECT_EQ(1, s.helper);
	a.ctx = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	delete_ctx(&self->c, a_u64(r.tb, CREDSSP_A_CTX_ID, 0));
	reply_free(&r);
}

/*
 * DONEs that name no request in flight fail alone (-ENOENT) and the call is
 * answered by the next one; a DONE for the request in flight that fails a
 * check (here: no SEC_STATUS) fails the call with CREDSSP_SEC_STATUS_INTERNAL_ERROR.
 */
TEST_F(hp, done_malformed)
{
	uint64_t ctx = 0, ctx2 = 0;

	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
		  acc_step(&self->c, self->cred, &ctx, "h:reqid"));
	EXPECT_EQ(-ENOENT, fh->bogus_err) TH_LOG("DONE with unknown REQ_ID: %d", fh->bogus_err);
	EXPECT_NE(0, strlen(fh->bogus_ext));
	TH_LOG("unknown REQ_ID: \"%s\"", fh->bogus_ext);
	fh->bogus_err = 1;
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, 0, &ctx, "h:twice"));
	ASSERT_TRUE(wait_for(&fh->n_done, 4, 2000));
	EXPECT_EQ(-ENOENT, fh->bogus_err) TH_LOG("second DONE for a request: %d", fh->bogus_err);
	EXPECT_EQ(CREDSSP_CTX_STATE_HANDSHAKE, ctx_state(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, 0, &ctx, "ok"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));

	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
		  acc_step(&self->c, self->cred, &ctx2, "cont"));
	fh->bogus_err = 1;
	EXPECT_EQ(CREDSSP_SEC_STATUS_INTERNAL_ERROR, acc_step(&self->c, 0, &ctx2, "h:nostatus"));
	ASSERT_TRUE(wait_for(&fh->n_done, 8, 2000));
	EXPECT_EQ(-EINVAL, fh->bogus_err) TH_LOG("DONE without SEC_STATUS: %d", fh->bogus_err);
	EXPECT_NE(0, strlen(fh->bogus_ext));
	TH_LOG("no SEC_STATUS: \"%s\"", fh->bogus_ext);
	EXPECT_EQ(-ENOENT, fh->done_err); /* the proper answer came too late */
	EXPECT_EQ(CREDSSP_CTX_STATE_FAILED, ctx_state(&self->c, ctx2));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx2));
}

struct call_arg {
	struct conn *c;
	struct acc a;
	uint32_t status;
	uint64_t ctx;
	uint64_t ms;
};

static void *call_thread(void *p)
{
	struct call_arg *ca = p;
	uint64_t t0 = now_ms();
	struct reply r;

	ca->status = accept_r(ca->c, &ca->a, &r);
	ca->ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	ca->ms = now_ms() - t0;
	reply_free(&r);
	return NULL;
}

static int foreign_done(uint64_t req_id, char *ext, size_t extlen)
{
	struct conn c;
	struct nl_msg *m;
	struct reply r;
	int err;

	if (conn_open(&c))
		return -1000;
	m = cmsg(&c, CREDSSP_CMD_HELPER_DONE, 0);
	nla_put_u64(m, CREDSSP_A_H_REQ_ID, req_id);
	nla_put_u32(m, CREDSSP_A_H_SEC_STATUS, CREDSSP_SEC_STATUS_OK);
	nla_put_u32(m, CREDSSP_A_H_CONSUMED, 0);
	err = transact(&c, m, &r);
	snprintf(ext, extlen, "%s", r.ext);
	reply_free(&r);
	conn_close(&c);
	return err;
}

/* A DONE for a live request from another process (root, CAP_NET_ADMIN). */
TEST_F(hp, done_from_another_process)
{
	struct call_arg ca = {.c = &self->c, .a = {.cred = self->cred, .in = "hold"}};
	pthread_t t;
	char ext[256];
	int err;

	ASSERT_EQ(0, pthread_create(&t, NULL, call_thread, &ca));
	ASSERT_TRUE(wait_for(&fh->n_held, 1, 2000));
	err = foreign_done(fh->held_req_id, ext, sizeof(ext));
	TH_LOG("foreign DONE: errno %d, extack \"%s\"", err, ext);
	EXPECT_GT(0, err);
	EXPECT_NE(-1000, err);
	EXPECT_NE(0, strlen(ext));
	fh->release = 1;
	pthread_join(t, NULL);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, ca.status);
	EXPECT_NE(0, ca.ctx);
	EXPECT_EQ(0, fh->done_err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ca.ctx));
}

/* ---- helper death, timeouts, owners gone ---- */

static void handshake_works(struct __test_metadata *_metadata, struct conn *c, uint64_t cred)
{
	uint64_t ctx = 0;

	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(c, cred, &ctx, "cont"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(c, 0, &ctx, "ok"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(c, ctx));
}

/* @n CONTINUE steps, then @word which kills the helper. */
static void die_at(struct __test_metadata *_metadata, struct conn *c, uint64_t cred, int n,
		   const char *word)
{
	uint32_t before = contexts_now(c);
	struct acc a = {.cred = cred, .in = "cont"};
	struct gstatus s0, s1;
	struct reply r;
	uint64_t t0;
	int i;

	ASSERT_EQ(0, get_status(c, &s0));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(c, &a, &r));
		a.ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
		reply_free(&r);
	}
	a.in = word;
	t0 = now_ms();
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, accept_r(c, &a, &r));
	EXPECT_GT(1000, now_ms() - t0);
	if (!n)
		EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	reply_free(&r);
	fh_reap();
	if (n) {
		EXPECT_EQ(CREDSSP_CTX_STATE_FAILED, ctx_state(c, a.ctx));
		a.in = "cont";
		EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE, accept_r(c, &a, &r));
		reply_free(&r);
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(c, a.ctx));
	}
	EXPECT_EQ(before, contexts_now(c));
	ASSERT_EQ(0, get_status(c, &s1));
	EXPECT_EQ(0, s1.helper);
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_HELPER_LOST) + 1,
		  stat_sum(&s1, CREDSSP_OUTCOME_HELPER_LOST));
	/* Without a helper: fast failure, counted too. */
	a.ctx = 0;
	t0 = now_ms();
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, accept_r(c, &a, &r));
	EXPECT_GT(1000, now_ms() - t0);
	reply_free(&r);
	ASSERT_EQ(0, get_status(c, &s1));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_HELPER_LOST) + 2,
		  stat_sum(&s1, CREDSSP_OUTCOME_HELPER_LOST));
	/* A new helper registers at once and serves. */
	ASSERT_EQ(1, fh_start());
	handshake_works(_metadata, c, cred);
}

TEST_F(hp, helper_dies_before_first_reply)
{
	die_at(_metadata, &self->c, self->cred, 0, "exit");
}

TEST_F(hp, helper_dies_after_one_continue)
{
	die_at(_metadata, &self->c, self->cred, 1, "exit");
}

TEST_F(hp, helper_dies_during_ok)
{
	die_at(_metadata, &self->c, self->cred, 2, "okdie");
}

/* Established contexts survive the helper. */
TEST_F(hp, established_survives_helper)
{
	struct nlattr *q[TB_MAX + 1];
	uint64_t ctx = 0;
	struct reply r;

	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, self->cred, &ctx, "ok"));
	fh_stop();
	EXPECT_EQ(CREDSSP_CTX_STATE_ESTABLISHED, ctx_state(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_NAMES, &r, q));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

TEST_F(hp, helper_never_answers)
{
	struct acc a = {.cred = self->cred, .in = "cont"};
	long tmo = set_helper_timeout(1000);
	struct gstatus s0, s1;
	struct reply r;
	uint64_t t0, dt;

	TH_LOG("helper_timeout_ms in force: %ld", tmo);
	ASSERT_EQ(0, get_status(&self->c, &s0));
	EXPECT_EQ(tmo, (long)s0.helper_timeout_ms);
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, accept_r(&self->c, &a, &r));
	a.ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	reply_free(&r);
	a.in = "never";
	t0 = now_ms();
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, accept_r(&self->c, &a, &r));
	dt = now_ms() - t0;
	reply_free(&r);
	TH_LOG("timed out after %llu ms", (unsigned long long)dt);
	EXPECT_LE(tmo - 50, (long)dt);
	EXPECT_GE(tmo + 1500, (long)dt);
	EXPECT_EQ(CREDSSP_CTX_STATE_FAILED, ctx_state(&self->c, a.ctx));
	ASSERT_EQ(0, get_status(&self->c, &s1));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_TIMEOUT) + 1,
		  stat_sum(&s1, CREDSSP_OUTCOME_TIMEOUT));
	EXPECT_EQ(1, s1.helper); /* a slow helper is not a dead one */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a.ctx));
	/* First call timing out: no context remains. */
	a.ctx = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, accept_r(&self->c, &a, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	reply_free(&r);
	restore_helper_timeout();
	handshake_works(_metadata, &self->c, self->cred);
}

/* The owner dies (SIGKILL) while its ACCEPT waits for the helper. */
TEST_F(hp, owner_killed_in_flight)
{
	struct gstatus s0, s1;
	uint64_t t0;
	int status;
	pid_t pid;

	set_helper_timeout(5000);
	ASSERT_EQ(0, get_status(&self->c, &s0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct conn o;
		uint64_t ctx = 0, cred;

		if (conn_open(&o))
			_exit(1);
		cred = cred_new(&o);
		if (acc_step(&o, cred, &ctx, "cont") != CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
			_exit(2);
		acc_step(&o, cred, &ctx, "hold");
		_exit(3);
	}
	ASSERT_TRUE(wait_for(&fh->n_held, 1, 3000));
	usleep(50000);
	t0 = now_ms();
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_GT(1000, now_ms() - t0);
	EXPECT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(0, get_status(&self->c, &s1));
	EXPECT_EQ(s0.contexts, s1.contexts);
	EXPECT_EQ(s0.creds, s1.creds);
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_ABANDONED) + 1,
		  stat_sum(&s1, CREDSSP_OUTCOME_ABANDONED));
	EXPECT_TRUE(wait_for(&fh->n_free, 1, 1000));
	/* The late answer finds nothing; the helper lives on. */
	fh->release = 1;
	EXPECT_TRUE(wait_for(&fh->n_done, 2, 2000));
	TH_LOG("late DONE: errno %d", fh->done_err);
	EXPECT_NE(0, fh->done_err);
	handshake_works(_metadata, &self->c, self->cred);
}

/*
 * Another thread closes the owner's socket while a call waits: the socket is
 * released once the call returns (the sender holds the file), no later than
 * the helper timeout; then its handles are gone.
 */
TEST_F(hp, owner_fd_closed_in_flight)
{
	struct call_arg ca = {.a = {.in = "never"}};
	long tmo = set_helper_timeout(1000);
	struct gstatus s0, s1;
	struct conn o;
	uint64_t ctx = 0, t0;
	pthread_t t;

	ASSERT_EQ(0, get_status(&self->c, &s0));
	ASSERT_EQ(0, conn_open(&o));
	ca.a.cred = cred_new(&o);
	ASSERT_NE(0, ca.a.cred);
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&o, ca.a.cred, &ctx, "cont"));
	ca.c = &o;
	ca.a.ctx = ctx;
	ASSERT_EQ(0, pthread_create(&t, NULL, call_thread, &ca));
	ASSERT_TRUE(wait_for(&fh->n_step, 2, 2000));
	t0 = now_ms();
	close(nl_socket_get_fd(o.sk));
	pthread_join(t, NULL);
	TH_LOG("call on a closed socket: 0x%x after %llu ms", ca.status,
	       (unsigned long long)(now_ms() - t0));
	EXPECT_GT(tmo + 1500, (long)(now_ms() - t0));
	nl_socket_free(o.sk); /* its fd is closed already: EBADF */
	o.sk = NULL;
	usleep(100000);
	ASSERT_EQ(0, get_status(&self->c, &s1));
	EXPECT_EQ(s0.contexts, s1.contexts);
	EXPECT_EQ(s0.creds, s1.creds);
	EXPECT_EQ(0, ctx_listed(&self->c, ctx));
	restore_all_params();
	handshake_works(_metadata, &self->c, self->cred);
}

/* A thread of the owner waits in ACCEPT while another thread deletes the context. */
TEST_F(hp, delete_while_in_flight)
{
	struct call_arg ca = {.c = &self->c};
	uint64_t ctx = 0;
	pthread_t t;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	ca.a.ctx = ctx;
	ca.a.in = "hold";
	ASSERT_EQ(0, pthread_create(&t, NULL, call_thread, &ca));
	ASSERT_TRUE(wait_for(&fh->n_held, 1, 2000));
	usleep(20000);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	pthread_join(t, NULL);
	TH_LOG("ACCEPT whose context was deleted: 0x%x after %llu ms", ca.status,
	       (unsigned long long)ca.ms);
	EXPECT_TRUE(ca.status == CREDSSP_SEC_STATUS_INVALID_HANDLE ||
		    ca.status == CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE);
	EXPECT_GT(1000, ca.ms);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, delete_ctx(&self->c, ctx));
	EXPECT_TRUE(wait_for(&fh->n_free, 1, 1000));
}

/* A second call on a context while the first is in progress. */
TEST_F(hp, concurrent_call_same_context)
{
	struct call_arg ca = {.c = &self->c};
	struct conn c2;
	uint64_t ctx = 0, t0;
	pthread_t t;
	struct acc a;
	struct reply r;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	ca.a.ctx = ctx;
	ca.a.in = "hold";
	ASSERT_EQ(0, pthread_create(&t, NULL, call_thread, &ca));
	ASSERT_TRUE(wait_for(&fh->n_held, 1, 2000));
	usleep(20000);
	/* The owner, from another thread on the same socket: refused at once. */
	memset(&a, 0, sizeof(a));
	a.ctx = ctx;
	a.in = "cont";
	t0 = now_ms();
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE, accept_r(&self->c, &a, &r));
	EXPECT_GT(1000, now_ms() - t0);
	reply_free(&r);
	/* Another socket: not its handle. */
	ASSERT_EQ(0, conn_open(&c2));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, accept_r(&c2, &a, &r));
	reply_free(&r);
	conn_close(&c2);
	EXPECT_EQ(2, fh->n_step);
	fh->release = 1;
	pthread_join(t, NULL);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, ca.status);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* ---- many contexts in flight ---- */

#define N_THREADS 8
#define N_PER	  4

struct worker {
	pthread_barrier_t *bar;
	int idx;
	uint32_t st[N_PER], st2[N_PER];
	uint64_t ctx[N_PER], ms[N_PER];
};

static void *worker(void *p)
{
	struct worker *w = p;
	struct conn c;
	uint64_t cred;
	int i;

	if (conn_open(&c))
		return NULL;
	cred = cred_new(&c);
	pthread_barrier_wait(w->bar);
	/* The very first context of thread 0 is the slow one. */
	for (i = 0; i < N_PER; i++) {
		uint64_t t0 = now_ms();

		w->ctx[i] = 0;
		w->st[i] =
			acc_step(&c, cred, &w->ctx[i], (w->idx == 0 && i == 0) ? "slow" : "cont");
		w->ms[i] = now_ms() - t0;
	}
	for (i = 0; i < N_PER; i++) {
		w->st2[i] = acc_step(&c, 0, &w->ctx[i], "ok");
		delete_ctx(&c, w->ctx[i]);
	}
	conn_close(&c);
	return NULL;
}

TEST_F(hp, many_in_flight)
{
	struct worker w[N_THREADS];
	pthread_t t[N_THREADS];
	pthread_barrier_t bar;
	uint64_t ids[N_THREADS * N_PER];
	int i, j, n = 0;

	pthread_barrier_init(&bar, NULL, N_THREADS);
	memset(w, 0, sizeof(w));
	for (i = 0; i < N_THREADS; i++) {
		w[i].bar = &bar;
		w[i].idx = i;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker, &w[i]));
	}
	for (i = 0; i < N_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < N_THREADS; i++) {
		for (j = 0; j < N_PER; j++) {
			bool slow = i == 0 && j == 0;

			EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, w[i].st[j]);
			EXPECT_EQ(CREDSSP_SEC_STATUS_OK, w[i].st2[j]);
			if (slow) {
				EXPECT_LE(1900, w[i].ms[j]);
			} else {
				EXPECT_GT(1000, w[i].ms[j])
				TH_LOG("thread %d ctx %d: %llu ms", i, j,
				       (unsigned long long)w[i].ms[j]);
			}
			ids[n++] = w[i].ctx[j];
		}
	}
	for (i = 0; i < n; i++) {
		EXPECT_NE(0, ids[i]);
		for (j = 0; j < i; j++)
			EXPECT_NE(ids[i], ids[j]);
	}
	EXPECT_EQ(2 * N_THREADS * N_PER, fh->n_step);
	pthread_barrier_destroy(&bar);
}

/* ---- limits and deadlines (module parameters) ---- */

TEST_F(hp, owner_context_limit)
{
	uint64_t ctx[4] = {0, 0, 0, 0};
	struct gstatus s;
	struct reply r;
	struct acc a = {.cred = self->cred, .in = "cont"};
	int i;

	ASSERT_EQ(0, param_set("max_owner_contexts", 3));
	ASSERT_EQ(0, get_status(&self->c, &s));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
			  acc_step(&self->c, self->cred, &ctx[i], "cont"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY, accept_r(&self->c, &a, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	reply_free(&r);
	EXPECT_EQ(3, fh->n_step);
	/* Another owner is not limited by this one. */
	{
		struct conn c2;
		uint64_t cred2, c2ctx = 0;

		ASSERT_EQ(0, conn_open(&c2));
		cred2 = cred_new(&c2);
		EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&c2, cred2, &c2ctx, "cont"));
		conn_close(&c2);
	}
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx[0]));
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
		  acc_step(&self->c, self->cred, &ctx[3], "cont"));
	restore_all_params();
	for (i = 1; i < 4; i++)
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx[i]));
}

TEST_F(hp, owner_cred_limit)
{
	uint64_t extra[2] = {0, 0};

	/* The fixture holds one credential already. */
	ASSERT_EQ(0, param_set("max_owner_creds", 2));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  acquire(&self->c, "CredSSP", CREDSSP_CRED_USE_INBOUND, &extra[0], NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY,
		  acquire(&self->c, "CredSSP", CREDSSP_CRED_USE_INBOUND, &extra[1], NULL));
	EXPECT_EQ(0, extra[1]);
	restore_all_params();
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&self->c, extra[0]));
}

/*
 * Review F11: max_owner_contexts 0 refuses an owner's first context (the
 * helper never sees a step). (The KUnit case credssp_test_owner_limit_zero
 * covers an owner without a record, which netlink reaches only by a race.)
 */
TEST_F(hp, owner_context_limit_zero)
{
	struct reply r;
	struct acc a = {.cred = self->cred, .in = "cont"};
	uint32_t before = contexts_now(&self->c);

	ASSERT_EQ(0, param_set("max_owner_contexts", 0));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY, accept_r(&self->c, &a, &r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	reply_free(&r);
	restore_all_params();
	EXPECT_EQ(0, fh->n_step);
	EXPECT_EQ(before, contexts_now(&self->c));
}

/* One u32 attribute of a GET_STATUS reply, ~0U if missing. */
static uint32_t status_u32(struct conn *c, int attr)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_GET_STATUS, 0);
	uint32_t v = ~0U;
	struct reply r;

	if (!transact(c, m, &r) && r.n)
		v = a_u32(r.tb, attr, ~0U);
	reply_free(&r);
	return v;
}

/*
 * Review F10: max_net_creds bounds the credentials of a whole netns, over
 * all its owner sockets, and GET_STATUS reports it. In a netns of its own,
 * so that nobody else's credentials count.
 */
TEST(net_cred_limit)
{
	uint64_t cred[3] = {0, 0, 0}, extra = 0;
	struct conn c1, c2;
	int i;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, param_set("max_net_creds", 3));
	ASSERT_EQ(0, conn_open(&c1));
	ASSERT_EQ(0, conn_open(&c2));
	EXPECT_EQ(3, status_u32(&c1, CREDSSP_A_STATUS_LIMIT_NET_CREDS));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  acquire(&c1, "CredSSP", CREDSSP_CRED_USE_INBOUND, &cred[0], NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  acquire(&c1, "CredSSP", CREDSSP_CRED_USE_INBOUND, &cred[1], NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  acquire(&c2, "CredSSP", CREDSSP_CRED_USE_INBOUND, &cred[2], NULL));
	/* The fourth, from either socket, each well under max_owner_creds. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY,
		  acquire(&c2, "CredSSP", CREDSSP_CRED_USE_INBOUND, &extra, NULL));
	EXPECT_EQ(0, extra);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY,
		  acquire(&c1, "CredSSP", CREDSSP_CRED_USE_INBOUND, &extra, NULL));
	EXPECT_EQ(3, status_u32(&c1, CREDSSP_A_STATUS_CREDS));
	/* A freed credential makes room again. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&c1, cred[0]));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  acquire(&c2, "CredSSP", CREDSSP_CRED_USE_INBOUND, &extra, NULL));
	restore_all_params();
	EXPECT_NE(0, status_u32(&c1, CREDSSP_A_STATUS_LIMIT_NET_CREDS));
	for (i = 1; i < 3; i++)
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(i == 1 ? &c1 : &c2, cred[i]));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&c2, extra));
	conn_close(&c1);
	conn_close(&c2);
}

TEST_F(hp, handshake_deadline)
{
	struct nlattr *q[TB_MAX + 1];
	struct gstatus s0, s1;
	uint64_t ctx = 0;
	struct reply r;

	ASSERT_EQ(0, param_set("handshake_timeout_ms", 800));
	ASSERT_EQ(0, get_status(&self->c, &s0));
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	usleep(1300000);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTEXT_EXPIRED, acc_step(&self->c, 0, &ctx, "ok"));
	restore_all_params();
	EXPECT_EQ(1, fh->n_step);
	EXPECT_NE(CREDSSP_CTX_STATE_HANDSHAKE, ctx_state(&self->c, ctx));
	EXPECT_NE(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_NAMES, &r, q));
	reply_free(&r);
	ASSERT_EQ(0, get_status(&self->c, &s1));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_TIMEOUT) + 1,
		  stat_sum(&s1, CREDSSP_OUTCOME_TIMEOUT));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, delete_ctx(&self->c, ctx));
}

/* An established context reaching its expiry: keys and credentials go. */
TEST_F(hp, established_expires)
{
	struct nlattr *q[TB_MAX + 1];
	struct acc a = {.cred = self->cred, .in = "ok"};
	uint64_t t = now_real(), expiry;
	struct reply r;

	ASSERT_EQ(0, param_set("max_lifetime", 1));
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, accept_r(&self->c, &a, &r));
	a.ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	expiry = a_u64(r.tb, CREDSSP_A_EXPIRY, 0);
	reply_free(&r);
	restore_all_params();
	/* max_lifetime caps what the helper reported (an hour). */
	EXPECT_LE(t, expiry);
	EXPECT_GE(t + 2, expiry);
	usleep(2300000);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTEXT_EXPIRED,
		  query(&self->c, a.ctx, CREDSSP_QUERY_NAMES, &r, q));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTEXT_EXPIRED,
		  query(&self->c, a.ctx, CREDSSP_QUERY_CREDS, &r, q));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_QUERY]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_CTX_STATE_EXPIRED, ctx_state(&self->c, a.ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a.ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, delete_ctx(&self->c, a.ctx));
}

/* ---- statistics ---- */

TEST_F(hp, stats_count_outcomes)
{
	struct gstatus s0, s1;
	uint64_t ctx;
	struct reply r;
	struct acc a = {.cred = self->cred, .in = "never"};

	ASSERT_EQ(0, get_status(&self->c, &s0));
	/* one OK */
	handshake_works(_metadata, &self->c, self->cred);
	/* one LOGON_DENIED on a first call, one on a later call */
	ctx = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, acc_step(&self->c, self->cred, &ctx, "deny"));
	ctx = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, acc_step(&self->c, 0, &ctx, "deny"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	/* one ABANDONED */
	ctx = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	/* one TIMEOUT */
	set_helper_timeout(500);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, accept_r(&self->c, &a, &r));
	reply_free(&r);
	restore_helper_timeout();
	/* one HELPER_LOST */
	ctx = 0;
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY,
		  acc_step(&self->c, self->cred, &ctx, "exit"));
	fh_reap();
	ASSERT_EQ(0, get_status(&self->c, &s1));
	EXPECT_EQ(s0.stat[CREDSSP_OUTCOME_OK][CREDSSP_PACKAGE_NTLM] + 1,
		  s1.stat[CREDSSP_OUTCOME_OK][CREDSSP_PACKAGE_NTLM]);
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_OK) + 1, stat_sum(&s1, CREDSSP_OUTCOME_OK));
	EXPECT_EQ(s0.stat[CREDSSP_OUTCOME_LOGON_DENIED][CREDSSP_PACKAGE_NTLM] + 2,
		  s1.stat[CREDSSP_OUTCOME_LOGON_DENIED][CREDSSP_PACKAGE_NTLM]);
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_ABANDONED) + 1,
		  stat_sum(&s1, CREDSSP_OUTCOME_ABANDONED));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_TIMEOUT) + 1,
		  stat_sum(&s1, CREDSSP_OUTCOME_TIMEOUT));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_HELPER_LOST) + 1,
		  stat_sum(&s1, CREDSSP_OUTCOME_HELPER_LOST));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_INVALID_TOKEN),
		  stat_sum(&s1, CREDSSP_OUTCOME_INVALID_TOKEN));
	EXPECT_EQ(stat_sum(&s0, CREDSSP_OUTCOME_OTHER_ERROR),
		  stat_sum(&s1, CREDSSP_OUTCOME_OTHER_ERROR));
}

/* ---- asynchronous ACCEPT: the handler never waits ---- */

static struct nl_msg *accept_msg(struct conn *c, uint64_t cred, uint64_t ctx, const char *in)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_ACCEPT, 0);

	if (cred)
		nla_put_u64(m, CREDSSP_A_CRED_ID, cred);
	if (ctx)
		nla_put_u64(m, CREDSSP_A_CTX_ID, ctx);
	nla_put(m, CREDSSP_A_INPUT, strlen(in), in);
	nla_put_u32(m, CREDSSP_A_OUTPUT_SIZE, CREDSSP_TOKEN_MAX);
	return m;
}

/*
 * The ACK comes while the helper still holds the step; the outcome, with
 * the request's sequence number, comes when it answers.
 */
TEST_F(hp, accept_returns_at_once)
{
	uint32_t seq;
	struct reply r = {0};
	uint64_t t0;
	int err = 1;

	t0 = now_ms();
	seq = send_only(&self->c, accept_msg(&self->c, self->cred, 0, "hold"));
	ASSERT_NE(0, seq);
	ASSERT_EQ(NLMSG_ERROR, next_msg(&self->c, seq, 2000, &err, NULL));
	EXPECT_EQ(0, err);
	EXPECT_GT(500, now_ms() - t0);
	ASSERT_TRUE(wait_for(&fh->n_held, 1, 2000));
	/* No outcome while the helper holds the step. */
	EXPECT_EQ(0, next_msg(&self->c, seq, 300, &err, &r));
	fh->release = 1;
	ASSERT_NE(0, next_msg(&self->c, seq, 5000, &err, &r));
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(CREDSSP_CMD_ACCEPT, ((struct genlmsghdr *)NLMSG_DATA(r.msg[0]))->cmd);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, r_status(&r));
	EXPECT_TRUE(out_is(&r, "srv1", 4));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, a_u64(r.tb, CREDSSP_A_CTX_ID, 0)));
	reply_free(&r);
}

/* CANCEL of a step the helper holds: the context goes, the outcome says so. */
TEST_F(hp, cancel_held_accept)
{
	uint32_t before = contexts_now(&self->c), seq;
	struct reply r = {0};
	uint64_t ctx = 0;
	struct conn c2;
	int err = 1;

	/* A later call: its context is deleted too. */
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	seq = send_only(&self->c, accept_msg(&self->c, 0, ctx, "hold"));
	ASSERT_EQ(NLMSG_ERROR, next_msg(&self->c, seq, 2000, &err, NULL));
	ASSERT_TRUE(wait_for(&fh->n_held, 1, 2000));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, cancel_seq(&self->c, seq + 1000));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, cancel_seq(&self->c, seq));
	ASSERT_NE(0, next_msg(&self->c, seq, 2000, &err, &r));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, r_status(&r));
	ASSERT_NE(NULL, r.tb[CREDSSP_A_MESSAGE]);
	TH_LOG("outcome: %s", (char *)nla_data(r.tb[CREDSSP_A_MESSAGE]));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, cancel_seq(&self->c, seq));
	EXPECT_EQ(before, contexts_now(&self->c));

	/* A first call: no context remains, no CTX_ID. */
	seq = send_only(&self->c, accept_msg(&self->c, self->cred, 0, "hold"));
	ASSERT_EQ(NLMSG_ERROR, next_msg(&self->c, seq, 2000, &err, NULL));
	ASSERT_TRUE(wait_for(&fh->n_held, 2, 2000));
	EXPECT_EQ(before + 1, contexts_now(&self->c));
	/* Another socket cannot cancel this socket's calls. */
	ASSERT_EQ(0, conn_open(&c2));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, cancel_seq(&c2, seq));
	conn_close(&c2);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, cancel_seq(&self->c, seq));
	ASSERT_NE(0, next_msg(&self->c, seq, 2000, &err, &r));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, r_status(&r));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_CTX_ID]);
	reply_free(&r);
	EXPECT_EQ(before, contexts_now(&self->c));
	fh->release = 1;
	handshake_works(_metadata, &self->c, self->cred);
}

/* max_net_calls: the call over the limit is refused at once, nothing lost. */
TEST_F(hp, max_net_calls)
{
	struct acc a = {.cred = self->cred, .in = "cont"};
	struct reply r = {0};
	uint32_t seq[2];
	uint64_t t0;
	int i, err = 1;

	ASSERT_EQ(0, param_set("max_net_calls", 2));
	for (i = 0; i < 2; i++) {
		seq[i] = send_only(&self->c, accept_msg(&self->c, self->cred, 0, "hold"));
		ASSERT_EQ(NLMSG_ERROR, next_msg(&self->c, seq[i], 2000, &err, NULL));
		EXPECT_EQ(0, err);
	}
	ASSERT_TRUE(wait_for(&fh->n_held, 2, 2000));
	t0 = now_ms();
	EXPECT_EQ(CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY, accept_r(&self->c, &a, &r));
	EXPECT_GT(1000, now_ms() - t0);
	TH_LOG("over the limit: \"%s\"", r.ext);
	EXPECT_NE(NULL, strstr(r.ext, "max_net_calls"));
	reply_free(&r);
	fh->release = 1;
	for (i = 0; i < 2; i++) {
		ASSERT_NE(0, next_msg(&self->c, seq[i], 5000, &err, &r));
		EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, r_status(&r));
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
			  delete_ctx(&self->c, a_u64(r.tb, CREDSSP_A_CTX_ID, 0)));
		reply_free(&r);
	}
	restore_all_params();
	handshake_works(_metadata, &self->c, self->cred);
}

/* ---- the helper channel pulls (issue 11, review F5) ---- */

#define FLOOD 200

/*
 * Collect the outcomes of the asynchronous calls @seq[0..n) on @c (status
 * in @st, context in @ctx; an error ACK's errno as its status), 60 s at
 * most. Returns how many came.
 */
static int collect(struct conn *c, const uint32_t *seq, uint32_t *st, uint64_t *ctx, int n)
{
	uint64_t t0 = now_ms();
	int got = 0, i;

	for (i = 0; i < n; i++)
		st[i] = 0xdeadbeef;
	while (got < n && now_ms() - t0 < 60000) {
		struct pollfd p = {.fd = nl_socket_get_fd(c->sk), .events = POLLIN};
		struct sockaddr_nl nla;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		int len;

		if (poll(&p, 1, 100) <= 0)
			continue;
		len = nl_recv(c->sk, &nla, &buf, NULL);
		for (h = (void *)buf; len > 0 && nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
			struct nlattr *tb[TB_MAX + 1];
			int err;

			for (i = 0; i < n && seq[i] != h->nlmsg_seq; i++)
				;
			if (i == n || st[i] != 0xdeadbeef)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				if (err) {
					st[i] = (uint32_t)err;
					got++;
				}
				continue;
			}
			genlmsg_parse(h, 0, tb, TB_MAX, NULL);
			st[i] = a_u32(tb, CREDSSP_A_SEC_STATUS, 0xdeadbee0);
			ctx[i] = a_u64(tb, CREDSSP_A_CTX_ID, 0);
			got++;
		}
		free(buf);
	}
	return got;
}

/*
 * A flood of steps against a slow helper whose sockets have the smallest
 * receive buffer: the kernel queues them and the helper pulls them one by
 * one, so none is lost (a push overran that buffer: "requests were lost");
 * every call is answered, and every context's FREE reaches the helper when
 * the socket that owned them closes.
 */
TEST(helper_flood_slow_tiny_rcvbuf)
{
	static uint32_t seq[FLOOD], st[FLOOD];
	static uint64_t ctx[FLOOD];
	uint64_t cred, t0;
	struct conn c;
	int i, got;

	fh_cfg.rcvbuf = 1; /* raised to the kernel's minimum */
	fh_cfg.step_delay_ms = 5;
	ASSERT_EQ(1, fh_start());
	fh_cfg = (struct fh_cfg){0};
	ASSERT_EQ(0, conn_open(&c));
	cred = cred_new(&c);
	ASSERT_NE(0, cred);
	t0 = now_ms();
	for (i = 0; i < FLOOD; i++) {
		seq[i] = send_only(&c, accept_msg(&c, cred, 0, "cont"));
		ASSERT_NE(0, seq[i]);
	}
	got = collect(&c, seq, st, ctx, FLOOD);
	TH_LOG("%d of %d answered in %llu ms, %d READY wake-ups", got, FLOOD,
	       (unsigned long long)(now_ms() - t0), fh->n_ready);
	EXPECT_EQ(FLOOD, got);
	for (i = 0; i < FLOOD; i++) {
		EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, st[i])
		TH_LOG("call %d: 0x%x", i, st[i]);
		EXPECT_NE(0, ctx[i]);
	}
	EXPECT_EQ(FLOOD, fh->n_step);
	/* The last outcomes may come before the helper read its ACKs. */
	EXPECT_TRUE(wait_for(&fh->n_done, FLOOD, 2000));
	EXPECT_EQ(FLOOD, fh->n_done);
	EXPECT_EQ(0, fh->done_err);
	EXPECT_EQ(0, fh->next_err);
	/* The owner goes: one FREE per context, none lost either. */
	conn_close(&c);
	EXPECT_TRUE(wait_for(&fh->n_free, FLOOD, 20000)) TH_LOG("%d FREEs", fh->n_free);
	fh_stop();
}

/*
 * Review F5: after a context's first step the helper stops reading (its
 * receive buffer is the smallest there is); the second step fails by the
 * helper timeout, and the FREE of the engine context the helper holds
 * waits in the queue until the helper takes it.
 */
TEST(helper_free_after_failed_step)
{
	uint64_t cred, ctx = 0;
	struct conn c;

	fh_cfg.rcvbuf = 1;
	ASSERT_EQ(1, fh_start());
	fh_cfg = (struct fh_cfg){0};
	ASSERT_EQ(0, conn_open(&c));
	cred = cred_new(&c);
	ASSERT_NE(0, cred);
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&c, cred, &ctx, "cont"));
	set_helper_timeout(500);
	fh->pause = 1;
	usleep(200 * 1000);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, acc_step(&c, 0, &ctx, "cont"));
	EXPECT_EQ(CREDSSP_CTX_STATE_FAILED, ctx_state(&c, ctx));
	EXPECT_EQ(0, fh->n_free);
	fh->pause = 0;
	EXPECT_TRUE(wait_for(&fh->n_free, 1, 3000));
	EXPECT_EQ(ctx, fh->free_ctx_id);
	EXPECT_EQ(1, fh->n_step); /* the timed-out step was never handed over */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&c, ctx));
	usleep(200 * 1000);
	EXPECT_EQ(1, fh->n_free); /* the FREE came once */
	restore_helper_timeout();
	handshake_works(_metadata, &c, cred);
	conn_close(&c);
	fh_stop();
}

/*
 * HELPER_NEXT and HELPER_DONE need no capability, only the request: a
 * helper with no capability at all serves; a socket that is not a helper
 * socket cannot take (-EPERM) nor answer (-ENOENT); another helper socket
 * cannot answer a request it did not take (-ENOENT).
 */
TEST(helper_without_capabilities)
{
	struct call_arg ca = {0};
	struct nlmsghdr *h = NULL;
	uint64_t cred, ctx = 0;
	struct conn c, o;
	char ext[256];
	pthread_t t;
	int err;

	fh_cfg.drop_caps = true;
	ASSERT_EQ(1, fh_start());
	fh_cfg = (struct fh_cfg){0};
	EXPECT_EQ(0, fh->caps);
	ASSERT_EQ(0, conn_open(&c));
	cred = cred_new(&c);
	ASSERT_NE(0, cred);
	handshake_works(_metadata, &c, cred);

	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&c, cred, &ctx, "h:othersock"));
	EXPECT_EQ(-ENOENT, fh->bogus_err);
	TH_LOG("DONE from the helper's other socket: \"%s\"", fh->bogus_ext);
	/* The outcome may come before the helper has read its DONE's ACK. */
	EXPECT_TRUE(wait_for(&fh->done_err, 0, 2000));
	EXPECT_EQ(0, fh->done_err);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&c, ctx));

	ASSERT_EQ(0, conn_open(&o));
	ca.c = &c;
	ca.a.cred = cred;
	ca.a.in = "hold";
	ASSERT_EQ(0, pthread_create(&t, NULL, call_thread, &ca));
	ASSERT_TRUE(wait_for(&fh->n_held, 1, 2000));
	EXPECT_EQ(-EPERM, fh_next(&o, &h));
	EXPECT_EQ(NULL, h);
	err = foreign_done(fh->held_req_id, ext, sizeof(ext));
	TH_LOG("DONE from a root socket that took nothing: %d \"%s\"", err, ext);
	EXPECT_EQ(-ENOENT, err);
	fh->release = 1;
	pthread_join(t, NULL);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, ca.status);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&c, ca.ctx));
	conn_close(&o);
	conn_close(&c);
	fh_stop();
}

/*
 * Not a test: "credssp_sspi --hold" is the live-state program of
 * tests/guest/suite-kernel.sh. It starts the fake helper, makes a
 * credential, a context in handshake (helper state), an established one
 * (delegated-credentials key) and, with "--inflight", an ACCEPT that waits
 * for a helper answer that never comes; prints "ready" and waits to be
 * killed. With --inflight it prints the waiting call's status and time when
 * it returns ("inflight 0x... ms").
 */
static int hold_main(bool inflight)
{
	struct call_arg ca = {.a = {.in = "never"}};
	uint64_t cred, c1 = 0, c2 = 0;
	struct conn c, c3;
	pthread_t t;

	if (fh_start() != 1 || conn_open(&c) || conn_open(&c3))
		return 1;
	cred = cred_new(&c);
	if (!cred || acc_step(&c, cred, &c1, "cont") != CREDSSP_SEC_STATUS_CONTINUE_NEEDED ||
	    acc_step(&c, cred, &c2, "ok") != CREDSSP_SEC_STATUS_OK)
		return 2;
	if (inflight) {
		ca.c = &c3;
		ca.a.cred = cred_new(&c3);
		if (pthread_create(&t, NULL, call_thread, &ca))
			return 3;
		if (!wait_for(&fh->n_step, 3, 5000))
			return 4;
	}
	printf("ready %d\n", fh_pid);
	fflush(stdout);
	if (inflight) {
		pthread_join(t, NULL);
		printf("inflight 0x%x %llu ms\n", ca.status, (unsigned long long)ca.ms);
		fflush(stdout);
	}
	for (;;)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--hold"))
		return hold_main(argc > 2 && !strcmp(argv[2], "--inflight"));
	return test_harness_run(argc, argv);
}
