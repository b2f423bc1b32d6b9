// SPDX-License-Identifier: GPL-2.0
/*
 * credssp_grant.c - the access model (issue 13, item 6): a named server
 * credential granted to users and groups by the helper's registration, and
 * who gets in without CAP_NET_ADMIN. Every unprivileged case runs in a
 * child that dropped root with setresuid()/setgroups() (so it has no
 * capability at all); the fake helper of credssp_nl.h registers the grants:
 *
 *   web    uid 4001, gid 4100
 *   intra  uid 4002
 *
 * Checked: a granted user and a member of a granted group acquire their
 * credential (and not another, and not the default), accept through it
 * (the helper's first step names it) and query, delete and free what they
 * made; a user granted nothing, and a granted user inside a user namespace
 * of its own, get -EPERM from every command; nobody unprivileged sees
 * GET_STATUS or GET_CTX; grants end with the helper; a registration with a
 * bad grant set is refused whole.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>

#include "credssp_nl.h"
#include "kselftest_harness.h"

#define WEB_UID	  4001
#define WEB_GID	  4100
#define INTRA_UID 4002
#define NOBODY	  4003

static const struct fh_grant grants[] = {
	{.name = "web", .n_uids = 1, .uids = {WEB_UID}, .n_gids = 1, .gids = {WEB_GID}},
	{.name = "intra", .n_uids = 1, .uids = {INTRA_UID}},
};

/* ACQUIRE_CRED of credential @name (NULL: none named): status, or the ACK's -errno. */
static uint32_t acquire_named(struct conn *c, const char *name, uint64_t *cred, char *ext,
			      size_t extlen)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_ACQUIRE_CRED, 0);
	struct reply r;
	uint32_t st;

	nla_put_string(m, CREDSSP_A_PACKAGE, "CredSSP");
	nla_put_u32(m, CREDSSP_A_CRED_USE, CREDSSP_CRED_USE_INBOUND);
	if (name)
		nla_put_string(m, CREDSSP_A_PRINCIPAL, name);
	transact(c, m, &r);
	st = r.err ? (uint32_t)r.err : r_status(&r);
	if (cred)
		*cred = a_u64(r.tb, CREDSSP_A_CRED_ID, 0);
	if (ext)
		snprintf(ext, extlen, "%s", r.ext);
	reply_free(&r);
	return st;
}

/* A failed check in a child: say where, exit with the line. */
#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "# child uid %u: %s:%d: %s\n", getuid(), __FILE__, \
				__LINE__, #cond);                                          \
			_exit(__LINE__ & 0x7f ? __LINE__ & 0x7f : 1);                      \
		}                                                                          \
	} while (0)

/*
 * Run @fn in a child with the ids given (no capability left), with a
 * user namespace of its own if @userns. Returns its exit status (0: all
 * checks passed).
 */
static int run_as(uid_t uid, gid_t gid, const gid_t *groups, int n_groups, bool userns,
		  void (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setgroups((size_t)n_groups, groups) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid))
			_exit(126);
		if (userns && unshare(CLONE_NEWUSER))
			_exit(125);
		fn();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Every command refused before it does anything (pre_doit): -EPERM. */
static void refused_everywhere(void)
{
	struct conn c;
	struct gstatus s;
	char ext[256];

	CHECK(!conn_open(&c));
	CHECK(acquire_named(&c, "web", NULL, ext, sizeof(ext)) == (uint32_t)-EPERM);
	CHECK(strstr(ext, "CAP_NET_ADMIN or a credential granted"));
	CHECK(acquire_named(&c, NULL, NULL, NULL, 0) == (uint32_t)-EPERM);
	CHECK(free_cred(&c, 1) == (uint32_t)-EPERM);
	CHECK(delete_ctx(&c, 1) == (uint32_t)-EPERM);
	CHECK(get_status(&c, &s) == -EPERM);
	conn_close(&c);
}

/* A user the "web" grant names, or a member of its group. */
static void granted_web(void)
{
	struct acc a = {.in = "cont"};
	uint64_t cred = 0, other = 0, ctx = 0;
	struct gstatus s;
	struct reply r;
	struct conn c;
	char ext[256];

	CHECK(!conn_open(&c));
	/* Only the credential granted to it, only by name. */
	CHECK(acquire_named(&c, NULL, NULL, ext, sizeof(ext)) == CREDSSP_SEC_STATUS_NO_CREDENTIALS);
	CHECK(strstr(ext, "name a credential granted to you"));
	CHECK(acquire_named(&c, "intra", NULL, ext, sizeof(ext)) ==
	      CREDSSP_SEC_STATUS_NO_CREDENTIALS);
	CHECK(strstr(ext, "not granted to you"));
	CHECK(acquire_named(&c, "nope", NULL, ext, sizeof(ext)) ==
	      CREDSSP_SEC_STATUS_NO_CREDENTIALS);
	CHECK(strstr(ext, "serves no credential of that name"));
	CHECK(acquire_named(&c, "we/b", NULL, ext, sizeof(ext)) ==
	      CREDSSP_SEC_STATUS_NO_CREDENTIALS);
	CHECK(acquire_named(&c, "web", &cred, NULL, 0) == CREDSSP_SEC_STATUS_OK && cred);
	CHECK(acquire_named(&c, "web", &other, NULL, 0) == CREDSSP_SEC_STATUS_OK && other);

	/* A handshake through it: the helper is told which credential. */
	a.cred = cred;
	CHECK(accept_r(&c, &a, &r) == CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
	ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	reply_free(&r);
	CHECK(ctx);
	CHECK(!strcmp(fh->last_cred_name, "web"));
	CHECK(acc_step(&c, 0, &ctx, "ok") == CREDSSP_SEC_STATUS_OK);
	CHECK(query(&c, ctx, CREDSSP_QUERY_NAMES, &r, NULL) == CREDSSP_SEC_STATUS_OK);
	reply_free(&r);
	/* The admin's view stays the admin's. */
	CHECK(get_status(&c, &s) == -EPERM);
	CHECK(ctx_state(&c, ctx) == -EPERM);
	CHECK(ctx_listed(&c, ctx) == -EPERM);
	CHECK(delete_ctx(&c, ctx) == CREDSSP_SEC_STATUS_OK);
	CHECK(free_cred(&c, cred) == CREDSSP_SEC_STATUS_OK);
	CHECK(free_cred(&c, other) == CREDSSP_SEC_STATUS_OK);
	conn_close(&c);
}

static void granted_intra(void)
{
	struct conn c;
	uint64_t cred = 0;

	CHECK(!conn_open(&c));
	CHECK(acquire_named(&c, "web", NULL, NULL, 0) == CREDSSP_SEC_STATUS_NO_CREDENTIALS);
	CHECK(acquire_named(&c, "intra", &cred, NULL, 0) == CREDSSP_SEC_STATUS_OK && cred);
	CHECK(free_cred(&c, cred) == CREDSSP_SEC_STATUS_OK);
	conn_close(&c);
}

/* Another process's handle is not reachable by a granted user. */
static uint64_t root_cred;

static void not_my_handle(void)
{
	struct conn c;

	CHECK(!conn_open(&c));
	CHECK(free_cred(&c, root_cred) == CREDSSP_SEC_STATUS_INVALID_HANDLE);
	conn_close(&c);
}

FIXTURE(granted)
{
	struct conn c;
};

FIXTURE_SETUP(granted)
{
	fh_cfg.grants = grants;
	fh_cfg.n_grants = 2;
	ASSERT_EQ(0, conn_open(&self->c));
	ASSERT_EQ(1, fh_start());
}

FIXTURE_TEARDOWN(granted)
{
	fh_stop();
	fh_cfg.grants = NULL;
	fh_cfg.n_grants = 0;
	conn_close(&self->c);
}

TEST(nobody_without_a_helper)
{
	gid_t g = WEB_GID;

	EXPECT_EQ(0, run_as(WEB_UID, WEB_GID, &g, 1, false, refused_everywhere));
}

TEST_F(granted, user_acquires_its_own)
{
	EXPECT_EQ(0, run_as(WEB_UID, NOBODY, NULL, 0, false, granted_web));
	EXPECT_EQ(1, fh->n_first);
	EXPECT_EQ(0, run_as(INTRA_UID, NOBODY, NULL, 0, false, granted_intra));
}

TEST_F(granted, group_member_acquires)
{
	gid_t g[] = {17, WEB_GID};

	/* Supplementary group, then primary group. */
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, g, 2, false, granted_web));
	EXPECT_EQ(0, run_as(NOBODY, WEB_GID, NULL, 0, false, granted_web));
}

TEST_F(granted, others_refused)
{
	gid_t g = 17;

	EXPECT_EQ(0, run_as(NOBODY, NOBODY, &g, 1, false, refused_everywhere));
}

TEST_F(granted, user_namespace_refused)
{
	/* The granted user itself, root of a user namespace of its own. */
	EXPECT_EQ(0, run_as(WEB_UID, WEB_GID, NULL, 0, true, refused_everywhere));
}

TEST_F(granted, admin_names_any_served)
{
	uint64_t cred = 0;
	char ext[256];

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acquire_named(&self->c, "intra", &cred, NULL, 0));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&self->c, cred));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acquire_named(&self->c, NULL, &cred, NULL, 0));
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_CREDENTIALS,
		  acquire_named(&self->c, "nope", NULL, ext, sizeof(ext)));
	EXPECT_NE(NULL, strstr(ext, "serves no credential of that name"));
	root_cred = cred;
	EXPECT_EQ(0, run_as(WEB_UID, NOBODY, NULL, 0, false, not_my_handle));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&self->c, cred));
}

TEST_F(granted, default_credential_names_nothing)
{
	uint64_t cred = 0, ctx = 0;

	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, acquire_named(&self->c, NULL, &cred, NULL, 0));
	EXPECT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, cred, &ctx, "cont"));
	EXPECT_STREQ("", fh->last_cred_name);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, free_cred(&self->c, cred));
}

TEST_F(granted, grants_end_with_the_helper)
{
	EXPECT_EQ(0, run_as(INTRA_UID, NOBODY, NULL, 0, false, granted_intra));
	fh_stop();
	EXPECT_EQ(0, run_as(INTRA_UID, NOBODY, NULL, 0, false, refused_everywhere));
}

/*
 * A socket that made handles while privileged keeps using them after the
 * process dropped every privilege (acquire, then drop, as services do), and
 * gets no new credential: its own handles only.
 */
TEST_F(granted, owner_keeps_its_handles)
{
	int half[2], gone[2], status;
	pid_t pid;
	char b;

	ASSERT_EQ(0, pipe(half));
	ASSERT_EQ(0, pipe(gone));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t cred = 0, ctx = 0;
		struct conn c;

		CHECK(!conn_open(&c));
		CHECK(acquire_named(&c, NULL, &cred, NULL, 0) == CREDSSP_SEC_STATUS_OK);
		CHECK(!setgroups(0, NULL) && !setresgid(NOBODY, NOBODY, NOBODY) &&
		      !setresuid(NOBODY, NOBODY, NOBODY));
		CHECK(acc_step(&c, cred, &ctx, "cont") == CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
		CHECK(acquire_named(&c, NULL, NULL, NULL, 0) == CREDSSP_SEC_STATUS_NO_CREDENTIALS);
		CHECK(acquire_named(&c, "web", NULL, NULL, 0) == CREDSSP_SEC_STATUS_NO_CREDENTIALS);
		/* The helper, and its grants, go: freeing still works. */
		CHECK(write(half[1], "h", 1) == 1 && read(gone[0], &b, 1) == 1);
		CHECK(delete_ctx(&c, ctx) == CREDSSP_SEC_STATUS_OK);
		CHECK(free_cred(&c, cred) == CREDSSP_SEC_STATUS_OK);
		/* Nothing owned any more: a stranger again. */
		CHECK(free_cred(&c, cred) == (uint32_t)-EPERM);
		_exit(0);
	}
	close(half[1]); /* a child that failed early: read() sees EOF */
	close(gone[0]);
	EXPECT_EQ(1, read(half[0], &b, 1));
	fh_stop();
	EXPECT_EQ(1, write(gone[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * A socket's two identities, its opener and the sender, must both be
 * granted: a socket an ungranted user opened and a granted one writes to
 * (a setuid program given it as stdout), or the other way round, gets
 * nothing. @opener and @sender are uids (gid = uid, no groups).
 */
static void opener_then_sender(uid_t opener, uid_t sender)
{
	struct conn c;

	CHECK(!setgroups(0, NULL) && !setresgid(opener, opener, 0) &&
	      !setresuid(opener, opener, 0));
	CHECK(!conn_open(&c));
	CHECK(!setresuid(-1, 0, -1)); /* the saved root: back to switch again */
	CHECK(!setresgid(sender, sender, sender) && !setresuid(sender, sender, sender));
	CHECK(acquire_named(&c, "web", NULL, NULL, 0) == (uint32_t)-EPERM);
	conn_close(&c);
}

static void opener_ungranted(void)
{
	opener_then_sender(NOBODY, WEB_UID);
}

static void sender_ungranted(void)
{
	opener_then_sender(WEB_UID, NOBODY);
}

TEST_F(granted, both_identities_of_a_socket)
{
	pid_t pid;
	int status;

	/* run_as() would drop root first: these switch ids themselves. */
	for (int i = 0; i < 2; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			(i ? sender_ungranted : opener_ungranted)();
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	/* And both granted: the same dance gets the credential. */
	EXPECT_EQ(0, run_as(WEB_UID, NOBODY, NULL, 0, false, granted_web));
}

/*
 * A grant taken back stops new handshakes of a handle acquired before:
 * the helper re-registers without it, or goes. The handle can still be
 * freed.
 */
static const struct fh_grant intra_only[] = {
	{.name = "web", .n_uids = 1, .uids = {INTRA_UID}},
};

TEST_F(granted, revoked_grant_stops_new_contexts)
{
	int half[2], again[2], status;
	pid_t pid;
	char b;

	ASSERT_EQ(0, pipe(half));
	ASSERT_EQ(0, pipe(again));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t cred = 0, ctx = 0;
		char ext[256];
		struct reply r;
		struct acc a = {.in = "cont"};
		struct conn c;

		CHECK(!setgroups(0, NULL) && !setresgid(NOBODY, NOBODY, NOBODY) &&
		      !setresuid(WEB_UID, WEB_UID, WEB_UID));
		CHECK(!conn_open(&c));
		CHECK(acquire_named(&c, "web", &cred, NULL, 0) == CREDSSP_SEC_STATUS_OK);
		CHECK(acc_step(&c, cred, &ctx, "cont") == CREDSSP_SEC_STATUS_CONTINUE_NEEDED);
		CHECK(delete_ctx(&c, ctx) == CREDSSP_SEC_STATUS_OK);
		/* the helper re-registers: "web" is now uid 4002's only */
		CHECK(write(half[1], "h", 1) == 1 && read(again[0], &b, 1) == 1);
		a.cred = cred;
		CHECK(accept_r(&c, &a, &r) == CREDSSP_SEC_STATUS_NO_CREDENTIALS);
		snprintf(ext, sizeof(ext), "%s", r.ext);
		reply_free(&r);
		CHECK(strstr(ext, "no longer granted"));
		/* the helper goes: still refused, still freed */
		CHECK(write(half[1], "h", 1) == 1 && read(again[0], &b, 1) == 1);
		CHECK(accept_r(&c, &a, &r) == CREDSSP_SEC_STATUS_NO_CREDENTIALS);
		reply_free(&r);
		CHECK(free_cred(&c, cred) == CREDSSP_SEC_STATUS_OK);
		_exit(0);
	}
	close(half[1]);
	close(again[0]);
	EXPECT_EQ(1, read(half[0], &b, 1));
	fh_stop();
	fh_cfg.grants = intra_only;
	fh_cfg.n_grants = 1;
	EXPECT_EQ(1, fh_start());
	EXPECT_EQ(1, write(again[1], "g", 1));
	EXPECT_EQ(1, read(half[0], &b, 1));
	fh_stop();
	EXPECT_EQ(1, write(again[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* A bad grant set fails the registration whole: no helper, no grants. */
TEST(bad_grants_refused)
{
	static const struct fh_grant twice[] = {{.name = "a", .n_uids = 1, .uids = {1}},
						{.name = "a", .n_uids = 1, .uids = {2}}};
	static const struct fh_grant badname[] = {{.name = "../x", .n_uids = 1, .uids = {1}}};
	static const struct fh_grant noname[] = {{.n_uids = 1, .uids = {1}}};
	static const struct fh_grant badid[] = {{.name = "a", .n_uids = 1, .uids = {~0u}}};
	struct fh_grant many[CREDSSP_GRANTS_MAX + 1];
	char names[CREDSSP_GRANTS_MAX + 1][8], ext[256];
	struct gstatus s;
	struct conn c;
	int i;

	ASSERT_EQ(0, conn_open(&c));
	EXPECT_EQ(-EINVAL, fh_register_grants(&c, twice, 2, ext, sizeof(ext)));
	EXPECT_STREQ("a NAME granted twice", ext);
	EXPECT_EQ(-EINVAL, fh_register_grants(&c, badname, 1, ext, sizeof(ext)));
	EXPECT_STREQ("grant without a valid NAME", ext);
	EXPECT_EQ(-EINVAL, fh_register_grants(&c, noname, 1, ext, sizeof(ext)));
	EXPECT_EQ(-EINVAL, fh_register_grants(&c, badid, 1, ext, sizeof(ext)));
	EXPECT_STREQ("not a valid id", ext);
	for (i = 0; i <= CREDSSP_GRANTS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "n%d", i);
		many[i] = (struct fh_grant){.name = names[i], .n_uids = 1, .uids = {1}};
	}
	EXPECT_EQ(-E2BIG, fh_register_grants(&c, many, CREDSSP_GRANTS_MAX + 1, ext, sizeof(ext)));
	EXPECT_STREQ("more grants than GRANTS_MAX", ext);
	ASSERT_EQ(0, get_status(&c, &s));
	EXPECT_EQ(0, s.helper);
	conn_close(&c);
}

TEST_HARNESS_MAIN
