// SPDX-License-Identifier: GPL-2.0
/*
 * libcredssp against credssp.ko in the guest (kselftest harness). No real
 * helper may run: tests that need one start the scripted helper of
 * lib/tests/fake_helper.c. Built by the lib section of the Makefile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "credssp.h"
#include "../../lib/tests/fake_helper.h"

#include "kselftest_harness.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(lib)
{
	struct credssp_handle *h;
	uint64_t cred;
};

FIXTURE_SETUP(lib)
{
	uint64_t expiry = 0;

	self->h = credssp_open();
	ASSERT_NE(NULL, self->h) TH_LOG("credssp_open: %s", strerror(errno));
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, credssp_acquire_credentials_handle(
						 self->h, NULL, "CredSSP", CREDSSP_CRED_USE_INBOUND,
						 &self->cred, &expiry));
	ASSERT_NE(0, self->cred);
	ASSERT_EQ(CREDSSP_TIME_NEVER, expiry);
	ASSERT_EQ(0, credssp_last_error(self->h));
}

FIXTURE_TEARDOWN(lib)
{
	credssp_close(self->h);
}

/* First step with the standard flags; returns the status, *ctx the handle. */
static credssp_status_t step(struct credssp_handle *h, uint64_t cred, uint64_t *ctx, const char *in,
			     char *out, size_t *out_len)
{
	void *o = NULL;
	size_t len = 0;
	credssp_status_t st;

	st = credssp_accept(h, cred, ctx, in, strlen(in), &o, &len, NULL);
	if (out && o && len < 256) {
		memcpy(out, o, len);
		out[len] = '\0';
	}
	if (out_len)
		*out_len = len;
	credssp_free_context_buffer(o);
	return st;
}

static uint32_t count_contexts(struct credssp_handle *h)
{
	struct credssp_status st;

	if (credssp_get_status(h, &st))
		return UINT32_MAX;
	credssp_free_status(&st);
	return st.contexts;
}

TEST_F(lib, acquire_packages)
{
	uint64_t cred = 1;

	EXPECT_EQ(CREDSSP_SEC_STATUS_SECPKG_NOT_FOUND,
		  credssp_acquire_credentials_handle(self->h, NULL, "NTLM",
						     CREDSSP_CRED_USE_INBOUND, &cred, NULL));
	EXPECT_EQ(0, cred);
	/* The principal names a credential the helper serves ([credential NAME]). */
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_CREDENTIALS,
		  credssp_acquire_credentials_handle(self->h, "unserved", "credssp",
						     CREDSSP_CRED_USE_INBOUND, &cred, NULL));
	EXPECT_NE(NULL, strstr(credssp_last_message(self->h), "serves no credential of that name"));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_acquire_credentials_handle(self->h, NULL, "credssp",
						     CREDSSP_CRED_USE_INBOUND, &cred, NULL));
	EXPECT_NE(0, cred);
	EXPECT_NE(self->cred, cred);
	EXPECT_EQ(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION,
		  credssp_acquire_credentials_handle(self->h, NULL, "CredSSP",
						     CREDSSP_CRED_USE_OUTBOUND, &cred, NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION,
		  credssp_acquire_credentials_handle(self->h, NULL, "CredSSP",
						     CREDSSP_CRED_USE_BOTH, &cred, NULL));
}

TEST_F(lib, free_credentials)
{
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_free_credentials_handle(self->h, self->cred));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  credssp_free_credentials_handle(self->h, self->cred));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  credssp_free_credentials_handle(self->h, 12345));
}

TEST_F(lib, accept_without_helper)
{
	struct credssp_status st;
	uint64_t ctx = 0;
	double t0 = now();

	ASSERT_EQ(0, credssp_get_status(self->h, &st));
	credssp_free_status(&st);
	if (st.helper)
		SKIP(return, "a helper is registered in this netns");
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY,
		  step(self->h, self->cred, &ctx, "CONT", NULL, NULL));
	EXPECT_LT(now() - t0, 5.0);
	EXPECT_EQ(0, ctx);
	EXPECT_EQ(0, credssp_last_error(self->h));
	TH_LOG("kernel says: %s", credssp_last_message(self->h));
}

TEST_F(lib, foreign_credential)
{
	struct credssp_handle *other = credssp_open();
	uint64_t ctx = 0;

	ASSERT_NE(NULL, other);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  credssp_free_credentials_handle(other, self->cred));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  step(other, self->cred, &ctx, "CONT", NULL, NULL));
	EXPECT_EQ(0, ctx);
	credssp_close(other);
	/* still ours */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_free_credentials_handle(self->h, self->cred));
}

/* Requests the kernel cannot take fail below SSPI, with errno and message. */
TEST_F(lib, netlink_errors)
{
	static char big[70000];
	size_t out_len = 0;
	uint64_t ctx = 0;
	void *out = NULL;
	credssp_status_t st;

	memset(big, 'A', sizeof(big));
	st = credssp_accept_security_context(self->h, self->cred, 0, big, CREDSSP_TOKEN_MAX + 1,
					     CREDSSP_REQ_ALLOCATE_MEMORY, CREDSSP_DATA_REP_NATIVE,
					     0, &ctx, &out, &out_len, NULL, NULL, NULL);
	EXPECT_NE(CREDSSP_SEC_STATUS_OK, st);
	EXPECT_NE(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, st);
	EXPECT_EQ(0, ctx);
	if (st == CREDSSP_SEC_STATUS_INTERNAL_ERROR) {
		EXPECT_EQ(EINVAL, credssp_last_error(self->h));
		EXPECT_NE(0, strlen(credssp_last_message(self->h)));
	}
	TH_LOG("token max + 1: %s, errno %d, \"%s\"", credssp_status_name(st),
	       credssp_last_error(self->h), credssp_last_message(self->h));
	/* More than one attribute can carry: refused locally. */
	st = credssp_accept_security_context(self->h, self->cred, 0, big, sizeof(big),
					     CREDSSP_REQ_ALLOCATE_MEMORY, CREDSSP_DATA_REP_NATIVE,
					     0, &ctx, &out, &out_len, NULL, NULL, NULL);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_PARAMETER, st);
	EXPECT_EQ(EMSGSIZE, credssp_last_error(self->h));
	/* The session still works. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_free_credentials_handle(self->h, self->cred));
	EXPECT_EQ(0, credssp_last_error(self->h));
}

TEST_F(lib, unknown_context)
{
	struct credssp_sizes sz;
	struct credssp_ctx_info ci;

	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  credssp_delete_security_context(self->h, 12345));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  credssp_query_context_attributes(self->h, 12345, CREDSSP_QUERY_SIZES, &sz));
	EXPECT_EQ(-ENOENT, credssp_get_context(self->h, 12345, &ci));
}

TEST_F(lib, handshake)
{
	struct credssp_handle *other = credssp_open();
	struct fake_helper *fh = fake_helper_start();
	struct credssp_negotiation_info nego;
	struct credssp_package_info pkg;
	struct credssp_client_creds cc;
	struct credssp_lifespan life;
	struct credssp_names names;
	struct credssp_sizes sizes;
	struct credssp_stream_sizes ss;
	struct credssp_ctx_info ci;
	uint64_t ctx = 0, ctx2, expiry = 0;
	uint32_t flags = 0;
	char out[256];
	size_t len, extra = 0, clen;
	const uint8_t *want = fake_creds(&clen);
	void *o = NULL;

	ASSERT_NE(NULL, other);
	ASSERT_NE(NULL, fh);
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
		  step(self->h, self->cred, &ctx, "CONT", out, &len));
	ASSERT_NE(0, ctx);
	EXPECT_STREQ(FAKE_OUTPUT, out);

	/* Visible to the admin view, owned by us, authenticating. */
	ASSERT_EQ(0, credssp_get_context(self->h, ctx, &ci));
	EXPECT_EQ(ctx, ci.id);
	EXPECT_EQ(CREDSSP_CTX_STATE_HANDSHAKE, ci.state);
	EXPECT_EQ((uint32_t)getpid(), ci.owner_pid);
	EXPECT_NE(0, ci.owner_portid);

	/* Another session: not its context. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  credssp_query_context_attributes(other, ctx, CREDSSP_QUERY_SIZES, &sizes));
	ctx2 = ctx;
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, step(other, 0, &ctx2, "CONT", NULL, NULL));

	/* SIZES and PACKAGE_INFO at any stage, the rest after CREDSSP_SEC_STATUS_OK. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_query_context_attributes(self->h, ctx, CREDSSP_QUERY_SIZES, &sizes));
	EXPECT_NE(0, sizes.max_token);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_query_context_attributes(self->h, ctx, CREDSSP_QUERY_PACKAGE_INFO, &pkg));
	ASSERT_NE(NULL, pkg.info);
	EXPECT_STREQ("CredSSP", pkg.info->name);
	EXPECT_STREQ(CREDSSP_PKG_COMMENT, pkg.info->comment);
	EXPECT_EQ(CREDSSP_PKG_CAPABILITIES, pkg.info->capabilities);
	credssp_free_context_buffer(pkg.info);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE,
		  credssp_query_context_attributes(self->h, ctx, CREDSSP_QUERY_NAMES, &names));

	/* Partial input: nothing consumed. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE,
		  step(self->h, 0, &ctx, "PART", NULL, NULL));

	/* Final step, through the long form, bytes left over. */
	len = sizeof(out);
	o = out;
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_accept_security_context(self->h, self->cred, ctx, "OK+app", 6,
						  CREDSSP_REQ_STREAM, CREDSSP_DATA_REP_NATIVE, 0,
						  &ctx2, &o, &len, &extra, &flags, &expiry))
	TH_LOG("%s", credssp_last_message(self->h));
	EXPECT_EQ(ctx, ctx2);
	EXPECT_EQ(5, len);
	EXPECT_EQ(0, memcmp(out, "final", 5));
	EXPECT_EQ(0, extra); /* the fake helper consumed it all */
	EXPECT_TRUE(flags & CREDSSP_RET_STREAM);
	EXPECT_NE(0, expiry);

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_query_context_attributes(self->h, ctx, CREDSSP_QUERY_NAMES, &names));
	EXPECT_STREQ(FAKE_PRINCIPAL, names.user_name);
	credssp_free_context_buffer(names.user_name);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_query_context_attributes(self->h, ctx, CREDSSP_QUERY_LIFESPAN, &life));
	EXPECT_LE(life.start, life.expiry);
	EXPECT_EQ(expiry, life.expiry);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_query_context_attributes(self->h, ctx, CREDSSP_QUERY_STREAM_SIZES, &ss));
	EXPECT_NE(0, ss.max_message);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_query_context_attributes(self->h, ctx, CREDSSP_QUERY_NEGOTIATION_PACKAGE,
						   &nego));
	ASSERT_NE(NULL, nego.info);
	EXPECT_STREQ("NTLM", nego.info->name);
	EXPECT_EQ(CREDSSP_NEGO_STATE_COMPLETE, nego.state);
	credssp_free_context_buffer(nego.info);
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_query_context_attributes(self->h, ctx, CREDSSP_QUERY_CREDS, &cc));
	EXPECT_EQ(clen, cc.len);
	EXPECT_EQ(0, memcmp(want, cc.data, clen));
	credssp_free_context_buffer(cc.data);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_CREDENTIALS,
		  credssp_query_context_attributes(self->h, ctx, CREDSSP_QUERY_CREDS_2, &cc));
	EXPECT_EQ(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION,
		  credssp_query_context_attributes(self->h, ctx, 0x7777, &sizes));

	ASSERT_EQ(0, credssp_get_context(self->h, ctx, &ci));
	EXPECT_EQ(CREDSSP_CTX_STATE_ESTABLISHED, ci.state);
	EXPECT_STREQ(FAKE_PRINCIPAL, ci.principal);
	EXPECT_EQ(CREDSSP_PACKAGE_NTLM, ci.package);
	EXPECT_EQ(0x0304, ci.tls_version);
	EXPECT_STREQ("TLS_AES_128_GCM_SHA256", ci.tls_cipher);
	EXPECT_EQ(6, ci.version);

	/* Established: another step is out of sequence. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE, step(self->h, 0, &ctx, "CONT", NULL, NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_delete_security_context(self->h, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, credssp_delete_security_context(self->h, ctx));
	EXPECT_EQ(0, fake_helper_errors(fh));
	credssp_close(other);
}

TEST_F(lib, extra_bytes)
{
	struct fake_helper *fh = fake_helper_start();
	size_t out_len = 0, extra = 0;
	uint64_t ctx = 0;
	void *out = NULL;

	ASSERT_NE(NULL, fh);
	ASSERT_EQ(
		CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
		credssp_accept(self->h, self->cred, &ctx, "CONT|next", 9, &out, &out_len, &extra));
	EXPECT_EQ(4, extra);
	EXPECT_EQ(strlen(FAKE_OUTPUT), out_len);
	credssp_free_context_buffer(out);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_delete_security_context(self->h, ctx));
}

TEST_F(lib, buffer_too_small)
{
	struct fake_helper *fh = fake_helper_start();
	static unsigned char buf[4096];
	uint64_t ctx = 0, ctx2 = 0;
	size_t len = 100, i;
	void *out = buf;
	unsigned int steps;

	ASSERT_NE(NULL, fh);
	EXPECT_EQ(CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL,
		  credssp_accept_security_context(self->h, self->cred, 0, "BIG", 3, 0,
						  CREDSSP_DATA_REP_NATIVE, 0, &ctx, &out, &len,
						  NULL, NULL, NULL));
	EXPECT_EQ(FAKE_BIG_LEN, len);
	ASSERT_NE(0, ctx);
	steps = fake_helper_steps(fh);
	len = sizeof(buf);
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
		  credssp_accept_security_context(self->h, 0, ctx, "BIG", 3, 0,
						  CREDSSP_DATA_REP_NATIVE, 0, &ctx2, &out, &len,
						  NULL, NULL, NULL));
	EXPECT_EQ(ctx, ctx2);
	ASSERT_EQ(FAKE_BIG_LEN, len);
	for (i = 0; i < len; i++)
		if (buf[i] != (unsigned char)i)
			break;
	EXPECT_EQ(len, i);
	EXPECT_EQ(steps, fake_helper_steps(fh)); /* the kept result, no new step */
}

TEST_F(lib, logon_denied)
{
	struct fake_helper *fh = fake_helper_start();
	struct credssp_status st;
	char out[256];
	uint64_t ctx = 0, denied = 0;
	size_t i;

	ASSERT_NE(NULL, fh);
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
		  step(self->h, self->cred, &ctx, "CONT", NULL, NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, step(self->h, 0, &ctx, "DENY", out, NULL));
	EXPECT_STREQ("alert", out);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE, step(self->h, 0, &ctx, "CONT", NULL, NULL));
	ASSERT_EQ(0, credssp_get_status(self->h, &st));
	for (i = 0; i < st.n_stats; i++)
		if (st.stats[i].outcome == CREDSSP_OUTCOME_LOGON_DENIED &&
		    st.stats[i].package == CREDSSP_PACKAGE_NTLM)
			denied = st.stats[i].count;
	credssp_free_status(&st);
	EXPECT_LE(1, denied);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_delete_security_context(self->h, ctx));
}

/* Closing a session deletes its handles in the kernel. */
TEST_F(lib, close_deletes_handles)
{
	struct fake_helper *fh = fake_helper_start();
	struct credssp_handle *s = credssp_open();
	struct credssp_ctx_info *list;
	struct credssp_status st;
	uint32_t before, creds_before;
	uint64_t cred, ctx[3] = {0};
	size_t n, i, j, found = 0;
	int k;

	ASSERT_NE(NULL, fh);
	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, credssp_get_status(self->h, &st));
	credssp_free_status(&st);
	before = st.contexts;
	creds_before = st.creds;
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_acquire_credentials_handle(s, NULL, "CredSSP", CREDSSP_CRED_USE_INBOUND,
						     &cred, NULL));
	for (k = 0; k < 3; k++)
		ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
			  step(s, cred, &ctx[k], "CONT", NULL, NULL));
	ASSERT_EQ(0, credssp_get_status(self->h, &st));
	credssp_free_status(&st);
	EXPECT_EQ(before + 3, st.contexts);
	EXPECT_EQ(creds_before + 1, st.creds);
	ASSERT_EQ(0, credssp_list_contexts(self->h, &list, &n));
	for (i = 0; i < n; i++)
		for (j = 0; j < 3; j++)
			found += list[i].id == ctx[j];
	free(list);
	EXPECT_EQ(3, found);

	credssp_close(s);
	ASSERT_EQ(0, credssp_get_status(self->h, &st));
	credssp_free_status(&st);
	EXPECT_EQ(before, st.contexts);
	EXPECT_EQ(creds_before, st.creds);
	EXPECT_EQ(before, count_contexts(self->h));
}

/* The admin may delete another session's context (credsspctl delete). */
TEST_F(lib, admin_delete)
{
	struct fake_helper *fh = fake_helper_start();
	struct credssp_handle *admin = credssp_open();
	uint64_t ctx = 0;

	ASSERT_NE(NULL, fh);
	ASSERT_NE(NULL, admin);
	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
		  step(self->h, self->cred, &ctx, "CONT", NULL, NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_delete_security_context(admin, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, credssp_delete_security_context(self->h, ctx));
	credssp_close(admin);
}

/* Handshakes from several threads: one session each, and one shared. */
struct worker {
	struct credssp_handle *h; /* shared, or NULL: open one */
	uint64_t cred;
	int ok;
};

#define ROUNDS 10

static void *work(void *arg)
{
	struct worker *w = arg;
	struct credssp_handle *h = w->h ? w->h : credssp_open();
	uint64_t cred = w->cred, ctx;
	int i;

	if (!h)
		return NULL;
	if (!w->h &&
	    credssp_acquire_credentials_handle(h, NULL, "CredSSP", CREDSSP_CRED_USE_INBOUND, &cred,
					       NULL) != CREDSSP_SEC_STATUS_OK)
		goto out;
	for (i = 0; i < ROUNDS; i++) {
		ctx = 0;
		if (step(h, cred, &ctx, "CONT", NULL, NULL) != CREDSSP_SEC_STATUS_CONTINUE_NEEDED ||
		    step(h, 0, &ctx, "OK", NULL, NULL) != CREDSSP_SEC_STATUS_OK ||
		    credssp_delete_security_context(h, ctx) != CREDSSP_SEC_STATUS_OK)
			goto out;
		w->ok++;
	}
out:
	if (!w->h)
		credssp_close(h);
	return NULL;
}

TEST_F(lib, threads)
{
	struct fake_helper *fh = fake_helper_start();
	struct worker w[8] = {0};
	pthread_t t[8];
	int i;

	ASSERT_NE(NULL, fh);
	for (i = 0; i < 8; i++) {
		w[i].h = i < 4 ? NULL : self->h; /* 4 own sessions, 4 on the fixture's */
		w[i].cred = self->cred;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, work, &w[i]));
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(ROUNDS, w[i].ok) TH_LOG("worker %d", i);
	}
	EXPECT_EQ(0, count_contexts(self->h));
	EXPECT_EQ(0, fake_helper_errors(fh));
}

/*
 * ---- Concurrency: one session, many calls in flight (issue 13, item 7) ----
 *
 * The kernel owns handles by socket, so a process's threads share a session
 * (all of sspi.h's calls do). Their calls must run in parallel: no call
 * waits for another thread's, a signal cancels only the call of the thread
 * it was sent to, and the last error is the calling thread's.
 */

static void on_usr1(int sig)
{
	(void)sig;
}

/* SIGUSR1 interrupts poll() (no SA_RESTART): the call is cancelled. */
static void catch_usr1(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};

	sigaction(SIGUSR1, &sa, NULL);
}

/* A connected loopback TCP pair: 0, or -1. */
static int tcp_pair(int *srv, int *cli)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	*srv = *cli = -1;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		goto out;
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (*cli < 0 || connect(*cli, (struct sockaddr *)&a, sizeof(a)))
		goto out;
	*srv = accept(l, NULL, NULL);
out:
	if (l >= 0)
		close(l);
	return *srv >= 0 ? 0 : -1;
}

/* One call in a thread of its own, and what its thread saw. */
struct bg {
	struct credssp_handle *h;
	uint64_t cred, ctx;
	int fd; /* >= 0: credssp_accept_socket() on it; else accept "HOLD" */
	credssp_status_t st;
	int err;
	char msg[256];
	double took;
	pthread_t t;
};

static void *bg_call(void *arg)
{
	struct bg *k = arg;
	double t0 = now();

	if (k->fd >= 0)
		k->st = credssp_accept_socket(k->h, k->cred, k->fd,
					      CREDSSP_REQ_CONFIDENTIALITY | CREDSSP_REQ_STREAM |
						      CREDSSP_REQ_DELEGATE,
					      0, 20000, &k->ctx, NULL, NULL);
	else
		k->st = step(k->h, k->cred, &k->ctx, "HOLD", NULL, NULL);
	k->took = now() - t0;
	k->err = credssp_last_error(k->h);
	snprintf(k->msg, sizeof(k->msg), "%s", credssp_last_message(k->h));
	return NULL;
}

static int bg_start(struct bg *k, struct credssp_handle *h, uint64_t cred, int fd)
{
	memset(k, 0, sizeof(*k));
	k->h = h;
	k->cred = cred;
	k->fd = fd;
	return pthread_create(&k->t, NULL, bg_call, k);
}

/* Wait up to @secs for @n contexts in the netns (seen from session @h). */
static uint32_t wait_contexts(struct credssp_handle *h, uint32_t n, double secs)
{
	double t0 = now();
	uint32_t c;

	while ((c = count_contexts(h)) != n && now() - t0 < secs)
		usleep(20000);
	return c;
}

/*
 * While one thread's ACCEPT_SOCKET waits for a silent client (20 s), other
 * calls of the same session, from another thread, complete at once: acquire,
 * a handshake, queries, the admin views, delete, free. Then a signal
 * cancels the waiting call, whose thread alone sees EINTR.
 */
TEST_F_TIMEOUT(lib, calls_while_accept_socket_waits, 120)
{
	struct fake_helper *fh = fake_helper_start();
	struct credssp_names names;
	struct credssp_status stat;
	struct credssp_ctx_info ci;
	uint64_t cred2 = 0, ctx = 0;
	int srv, cli;
	double t0, took;
	struct bg k;

	ASSERT_NE(NULL, fh);
	catch_usr1();
	ASSERT_EQ(0, tcp_pair(&srv, &cli));
	ASSERT_EQ(0, bg_start(&k, self->h, self->cred, srv));
	usleep(500 * 1000); /* in the kernel, reading the silent client */

	t0 = now();
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_acquire_credentials_handle(self->h, NULL, "CredSSP",
						     CREDSSP_CRED_USE_INBOUND, &cred2, NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
		  step(self->h, cred2, &ctx, "CONT", NULL, NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, step(self->h, 0, &ctx, "OK", NULL, NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_query_context_attributes(self->h, ctx, CREDSSP_QUERY_NAMES, &names));
	if (names.user_name)
		EXPECT_STREQ(FAKE_PRINCIPAL, names.user_name);
	credssp_free_context_buffer(names.user_name);
	EXPECT_EQ(0, credssp_get_context(self->h, ctx, &ci));
	EXPECT_EQ(0, credssp_get_status(self->h, &stat));
	credssp_free_status(&stat);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_delete_security_context(self->h, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_free_credentials_handle(self->h, cred2));
	took = now() - t0;
	TH_LOG("9 calls beside the waiting ACCEPT_SOCKET: %.3f s", took);
	EXPECT_GT(5.0, took);
	EXPECT_EQ(0, credssp_last_error(self->h));
	/* ... and the ACCEPT_SOCKET was in flight all along */
	EXPECT_EQ(EBUSY, pthread_tryjoin_np(k.t, NULL));

	pthread_kill(k.t, SIGUSR1);
	pthread_join(k.t, NULL);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INTERNAL_ERROR, k.st);
	EXPECT_EQ(EINTR, k.err) TH_LOG("ACCEPT_SOCKET's thread: %s", k.msg);
	EXPECT_GT(15.0, k.took);
	EXPECT_EQ(0, credssp_last_error(self->h)); /* this thread's, untouched */
	close(srv);
	close(cli);
}

/*
 * Two threads' accepts wait for the helper at once; a signal to one cancels
 * that one only: the other ends with its own outcome when the helper answers.
 */
TEST_F_TIMEOUT(lib, signal_cancels_only_its_thread_call, 120)
{
	struct fake_helper *fh = fake_helper_start();
	struct credssp_handle *watch = credssp_open();
	struct bg a, b;

	ASSERT_NE(NULL, fh);
	ASSERT_NE(NULL, watch);
	catch_usr1();
	ASSERT_EQ(0, bg_start(&a, self->h, self->cred, -1));
	ASSERT_EQ(0, bg_start(&b, self->h, self->cred, -1));
	/* Both in the kernel at once: two contexts at the helper. */
	EXPECT_EQ(2, wait_contexts(watch, 2, FAKE_HOLD_MS / 2000.0));
	pthread_kill(a.t, SIGUSR1);
	pthread_join(a.t, NULL);
	pthread_join(b.t, NULL);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INTERNAL_ERROR, a.st);
	EXPECT_EQ(EINTR, a.err) TH_LOG("a: %s", a.msg);
	EXPECT_STREQ("interrupted: the call was cancelled", a.msg);
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, b.st) TH_LOG("b: %s", b.msg);
	EXPECT_EQ(0, b.err);
	EXPECT_NE(0, b.ctx);
	EXPECT_LT(FAKE_HOLD_MS / 1000.0 - 1.0, b.took);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_delete_security_context(self->h, b.ctx));
	EXPECT_EQ(0, wait_contexts(watch, 0, 2.0));
	credssp_close(watch);
}

/* Many threads' handshakes through one session, each with a held step. */
struct hs {
	struct credssp_handle *h;
	uint64_t cred;
	int ok;
	char why[320]; /* the first failure */
};

/* Whether @ctx is in the session's dump of contexts (dumps from many threads at once). */
static bool listed(struct credssp_handle *h, uint64_t ctx)
{
	struct credssp_ctx_info *l;
	size_t n, i;
	bool found = false;

	if (credssp_list_contexts(h, &l, &n))
		return false;
	for (i = 0; i < n; i++)
		found |= l[i].id == ctx;
	free(l);
	return found;
}

static void *hs_work(void *arg)
{
	struct hs *w = arg;
	struct credssp_names names;
	uint64_t ctx;
	int i;

	for (i = 0; i < 4; i++) {
		const char *what = NULL;
		credssp_status_t st;

		ctx = 0;
		names.user_name = NULL;
		st = step(w->h, w->cred, &ctx, i ? "CONT" : "HOLD", NULL, NULL);
		if (st != CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
			what = "first step";
		else if ((st = step(w->h, 0, &ctx, "CONT", NULL, NULL)) !=
			 CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
			what = "second step";
		else if ((st = step(w->h, 0, &ctx, "OK", NULL, NULL)) != CREDSSP_SEC_STATUS_OK)
			what = "last step";
		else if ((st = credssp_query_context_attributes(w->h, ctx, CREDSSP_QUERY_NAMES,
								&names)) != CREDSSP_SEC_STATUS_OK ||
			 strcmp(names.user_name, FAKE_PRINCIPAL))
			what = "NAMES";
		else if (!listed(w->h, ctx))
			what = "listing";
		else if ((st = credssp_delete_security_context(w->h, ctx)) != CREDSSP_SEC_STATUS_OK)
			what = "delete";
		if (what) {
			snprintf(w->why, sizeof(w->why), "handshake %d: %s: %s, errno %d, \"%s\"",
				 i, what, credssp_status_name(st), credssp_last_error(w->h),
				 credssp_last_message(w->h));
			credssp_free_context_buffer(names.user_name);
			return NULL;
		}
		credssp_free_context_buffer(names.user_name);
		w->ok++;
	}
	return NULL;
}

/*
 * 12 threads, one session, each starting with a step the helper holds for
 * FAKE_HOLD_MS: all handshakes succeed, and the holds overlap (serialised,
 * the first legs alone would take 12 holds); each thread also dumps the
 * contexts (netlink runs one dump at a time per socket).
 */
TEST_F_TIMEOUT(lib, handshakes_in_parallel_one_session, 300)
{
	struct fake_helper *fh = fake_helper_start();
	struct hs w[12];
	pthread_t t[12];
	double t0, took;
	int i;

	ASSERT_NE(NULL, fh);
	t0 = now();
	for (i = 0; i < 12; i++) {
		w[i] = (struct hs){.h = self->h, .cred = self->cred};
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hs_work, &w[i]));
	}
	for (i = 0; i < 12; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(4, w[i].ok) TH_LOG("thread %d: %s", i, w[i].why);
	}
	took = now() - t0;
	TH_LOG("12 threads x 4 handshakes, one held step each thread: %.3f s", took);
	EXPECT_GT(4 * FAKE_HOLD_MS / 1000.0, took);
	EXPECT_EQ(0, count_contexts(self->h));
	EXPECT_EQ(0, fake_helper_errors(fh));
}

/* The last error and message are the calling thread's. */
struct le {
	struct credssp_handle *h;
	pthread_barrier_t *bar;
	int err1, err2;
	char msg1[256], msg2[256];
};

static void *le_fail(void *arg)
{
	struct le *l = arg;
	static char big[70000];
	uint64_t ctx = 0;
	void *out = NULL;
	size_t len = 0;

	credssp_accept(l->h, 1, &ctx, big, sizeof(big), &out, &len, NULL);
	l->err1 = credssp_last_error(l->h);
	snprintf(l->msg1, sizeof(l->msg1), "%s", credssp_last_message(l->h));
	pthread_barrier_wait(l->bar); /* the other thread's call succeeds now */
	pthread_barrier_wait(l->bar);
	l->err2 = credssp_last_error(l->h);
	snprintf(l->msg2, sizeof(l->msg2), "%s", credssp_last_message(l->h));
	return NULL;
}

static void *le_never(void *arg)
{
	struct le *l = arg;

	l->err1 = credssp_last_error(l->h);
	snprintf(l->msg1, sizeof(l->msg1), "%s", credssp_last_message(l->h));
	return NULL;
}

TEST_F(lib, last_error_per_thread)
{
	pthread_barrier_t bar;
	struct le l = {.h = self->h, .bar = &bar}, n = {.h = self->h};
	struct credssp_handle *other = credssp_open();
	uint64_t cred = 0;
	pthread_t t;

	ASSERT_NE(NULL, other);
	pthread_barrier_init(&bar, NULL, 2);
	ASSERT_EQ(0, pthread_create(&t, NULL, le_fail, &l));
	pthread_barrier_wait(&bar);
	/* This thread: a failure of its own, then a success, on the same session. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE,
		  credssp_delete_security_context(self->h, 12345));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK,
		  credssp_acquire_credentials_handle(self->h, NULL, "CredSSP",
						     CREDSSP_CRED_USE_INBOUND, &cred, NULL));
	EXPECT_EQ(0, credssp_last_error(self->h));
	EXPECT_STREQ("", credssp_last_message(self->h));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_free_credentials_handle(self->h, cred));
	pthread_barrier_wait(&bar);
	pthread_join(t, NULL);
	EXPECT_EQ(EMSGSIZE, l.err1);
	EXPECT_STREQ("input token longer than a netlink attribute", l.msg1);
	/* Untouched by the other thread's calls on the same session. */
	EXPECT_EQ(EMSGSIZE, l.err2);
	EXPECT_STREQ(l.msg1, l.msg2);
	/* A thread that made no call has no error. */
	ASSERT_EQ(0, pthread_create(&t, NULL, le_never, &n));
	pthread_join(t, NULL);
	EXPECT_EQ(0, n.err1);
	EXPECT_STREQ("", n.msg1);
	/* This thread's last call was on self->h: another session has none. */
	EXPECT_EQ(0, credssp_last_error(other));
	EXPECT_EQ(-ENOENT, credssp_get_context(other, 12345, &(struct credssp_ctx_info){0}));
	EXPECT_EQ(ENOENT, credssp_last_error(other));
	EXPECT_EQ(0, credssp_last_error(self->h));
	pthread_barrier_destroy(&bar);
	credssp_close(other);
}

/*
 * Without CAP_NET_ADMIN and without a credential granted to this user: the
 * kernel's EPERM, which AcquireCredentialsHandle reports as SSPI does a
 * credential it cannot have (SEC_E_NO_CREDENTIALS, the errno and the
 * kernel's reason kept); the admin view stays a netlink-level EPERM.
 */
TEST(no_capability)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	struct credssp_handle *h;
	struct credssp_status st;
	uint64_t cred = 1;

	ASSERT_EQ(0, syscall(SYS_capget, &hdr, data));
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	ASSERT_EQ(0, syscall(SYS_capset, &hdr, data));
	h = credssp_open();
	ASSERT_NE(NULL, h);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_CREDENTIALS,
		  credssp_acquire_credentials_handle(h, NULL, "CredSSP", CREDSSP_CRED_USE_INBOUND,
						     &cred, NULL));
	EXPECT_EQ(EPERM, credssp_last_error(h));
	EXPECT_NE(NULL, strstr(credssp_last_message(h), "CAP_NET_ADMIN or a credential granted"));
	EXPECT_EQ(0, cred);
	EXPECT_EQ(-EPERM, credssp_get_status(h, &st));
	EXPECT_EQ(EPERM, credssp_last_error(h));
	credssp_close(h);
}

TEST(status_names)
{
	EXPECT_STREQ("SEC_E_OK", credssp_status_name(CREDSSP_SEC_STATUS_OK));
	EXPECT_STREQ("SEC_E_INVALID_HANDLE",
		     credssp_status_name(CREDSSP_SEC_STATUS_INVALID_HANDLE));
	EXPECT_STREQ("SEC_E_NO_IMPERSONATION", credssp_status_name(0x8009030B));
	EXPECT_STREQ("SEC_E_UNKNOWN", credssp_status_name(0x12345678));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, credssp_free_context_buffer(NULL));
}

TEST_HARNESS_MAIN
