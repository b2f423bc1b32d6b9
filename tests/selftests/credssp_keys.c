// SPDX-License-Identifier: GPL-2.0
/*
 * credssp_keys - guest selftests of the delegated-credentials keys
 * (Documentation/keyring.rst): one "credssp" key per established context
 * that received credentials, in the module's ".credssp" keyring, described
 * "credssp:ctx=0x<id>;user=<principal>;pkg=<NTLM|Kerberos>", readable by
 * nobody from userspace, creatable by nobody but the module, and gone when
 * the context ends (deleted, owner closed, expired). The scripted fake helper
 * of credssp_nl.h stands in for credsspd.
 *
 * keyctl(2) and add_key(2) are called directly (no libkeyutils); /proc/keys
 * is parsed for what keyctl show and keyctl describe print.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>

#include "credssp_nl.h"
#include "kselftest_harness.h"

#define KEY_TYPE "credssp"
/* Possessor and user: view and search; nothing else (kmod/credssp.h). */
#define KEY_PERM 0x09090000U
/* Long enough for the key garbage collector after an unlink. */
#define GONE_MS 8000

static long orig_lifetime = -1, orig_owner_contexts = -1;

__attribute__((constructor)) static void save_params(void)
{
	orig_lifetime = param_get("max_lifetime");
	orig_owner_contexts = param_get("max_owner_contexts");
}

static void restore_params(void)
{
	if (orig_lifetime >= 0)
		param_set("max_lifetime", orig_lifetime);
	if (orig_owner_contexts >= 0)
		param_set("max_owner_contexts", orig_owner_contexts);
}

static long kctl(int cmd, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	return syscall(SYS_keyctl, cmd, a2, a3, a4, a5);
}

static int32_t add_key(const char *type, const char *desc, const void *data, size_t len,
		       int32_t keyring)
{
	return (int32_t)syscall(SYS_add_key, type, desc, data, len, keyring);
}

/* The description the kernel gives the key of context @ctx in this netns. */
static void key_desc(char *buf, size_t len, uint64_t ctx)
{
	snprintf(buf, len, "credssp:ctx=0x%016llx;user=KCREDSSP\\alice;pkg=NTLM",
		 (unsigned long long)ctx);
}

struct pkey {
	int32_t serial;
	char timeout[16];
	uint32_t perm;
	char type[16];
	char desc[512];
};

/*
 * Find the /proc/keys line of type @type whose description is @desc (or
 * starts with @desc when @prefix). Returns how many matched; the last in @k.
 */
static int proc_keys(const char *type, const char *desc, bool prefix, struct pkey *k)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen("/proc/keys", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct pkey p = {};
		unsigned int serial;
		int off = 0;
		char *nl;

		if (sscanf(line, "%x %*s %*s %15s %x %*d %*d %15s %n", &serial, p.timeout, &p.perm,
			   p.type, &off) < 4 ||
		    !off)
			continue;
		nl = strchr(line + off, '\n');
		if (nl)
			*nl = 0;
		snprintf(p.desc, sizeof(p.desc), "%s", line + off);
		p.serial = (int32_t)serial;
		if (strcmp(p.type, type))
			continue;
		if (desc && (prefix ? strncmp(p.desc, desc, strlen(desc)) : strcmp(p.desc, desc)))
			continue;
		n++;
		if (k)
			*k = p;
	}
	fclose(f);
	return n;
}

/* Serials linked in the .credssp keyring (what keyctl show lists). */
static int keyring_list(int32_t keyring, int32_t *out, int max)
{
	long n = kctl(KEYCTL_READ, (unsigned long)keyring, (unsigned long)out,
		      (unsigned long)max * sizeof(*out), 0);

	if (n < 0)
		return -errno;
	return (int)(n / sizeof(*out));
}

static int32_t the_keyring; /* set by the fixture */

/*
 * Live keys: those linked in .credssp. (/proc/keys also lists keys of ended
 * contexts until the garbage collector frees them, asynchronously.)
 */
static int count_keys(void)
{
	static int32_t ids[4096];

	return keyring_list(the_keyring, ids, 4096);
}

static bool keyring_has(int32_t keyring, int32_t serial)
{
	static int32_t ids[4096];
	int i, n = keyring_list(keyring, ids, 4096);

	for (i = 0; i < n && i < 4096; i++)
		if (ids[i] == serial)
			return true;
	return false;
}

static bool key_in_proc(int32_t serial)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen("/proc/keys", "r");

	if (!f)
		return true;
	while (!found && fgets(line, sizeof(line), f))
		found = (int32_t)strtoul(line, NULL, 16) == serial;
	fclose(f);
	return found;
}

/* Poll until @serial left /proc/keys (GONE_MS at most). */
static bool key_gone(int32_t serial)
{
	uint64_t t0 = now_ms();

	while (key_in_proc(serial)) {
		if (now_ms() - t0 > GONE_MS)
			return false;
		usleep(20000);
	}
	return true;
}

/* GET_CTX: CREDSSP_A_CI_KEY of @ctx (-1 when the reply has none). */
static int32_t ctx_key(struct conn *c, uint64_t ctx, uint32_t *creds_type)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_GET_CTX, 0);
	struct reply r;
	int32_t key = -1;

	nla_put_u64(m, CREDSSP_A_CI_ID, ctx);
	if (!transact(c, m, &r) && r.n && r.tb[CREDSSP_A_CI_KEY])
		key = (int32_t)nla_get_u32(r.tb[CREDSSP_A_CI_KEY]);
	if (creds_type)
		*creds_type = a_u32(r.tb, CREDSSP_A_CI_CREDS_TYPE, ~0U);
	reply_free(&r);
	return key;
}

static int32_t keyring_serial(struct conn *c)
{
	struct gstatus s;

	if (get_status(c, &s))
		return 0;
	return s.keyring;
}

/* Establish a context with "ok" (or @in); returns its handle, 0 on failure. */
static uint64_t established(struct conn *c, uint64_t cred, const char *in, uint32_t opts)
{
	struct acc a = {.cred = cred, .in = in, .opts = opts != 0, .opts_val = opts};
	struct reply r;
	uint64_t ctx = 0;

	if (accept_r(c, &a, &r) == CREDSSP_SEC_STATUS_OK)
		ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	reply_free(&r);
	return ctx;
}

/* Run @fn as uid/gid 65534 in a child; returns its exit status. */
static int as_nobody(int (*fn)(int32_t), int32_t serial)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(fn(serial));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* ---- fixture: a fake helper, a consumer socket and a credential ---- */

FIXTURE(k)
{
	struct conn c;
	uint64_t cred;
	int32_t keyring;
};

FIXTURE_SETUP(k)
{
	ASSERT_EQ(0, conn_open(&self->c));
	ASSERT_EQ(1, fh_start());
	self->cred = cred_new(&self->c);
	ASSERT_NE(0, self->cred);
	self->keyring = keyring_serial(&self->c);
	ASSERT_LT(0, self->keyring);
	the_keyring = self->keyring;
}

FIXTURE_TEARDOWN(k)
{
	fh_stop();
	restore_params();
	conn_close(&self->c);
}

/* The key is in .credssp with its exact description, owner and rights. */
TEST_F(k, key_made_on_ok)
{
	char desc[256], want[512], got[512];
	uint32_t creds_type = 0;
	struct pkey p;
	uint64_t ctx;
	long n;

	ctx = established(&self->c, self->cred, "ok", 0);
	ASSERT_NE(0, ctx);
	key_desc(desc, sizeof(desc), ctx);
	ASSERT_EQ(1, proc_keys(KEY_TYPE, desc, false, &p));
	EXPECT_EQ(KEY_PERM, p.perm);
	/* It expires with the context (the helper said an hour). */
	EXPECT_STRNE("perm", p.timeout);
	EXPECT_NE(NULL, strchr("mh", p.timeout[strlen(p.timeout) - 1]));

	/* keyctl describe: type;uid;gid;perm;description */
	n = kctl(KEYCTL_DESCRIBE, (unsigned long)p.serial, (unsigned long)got, sizeof(got), 0);
	ASSERT_LT(0, n);
	snprintf(want, sizeof(want), "%s;0;0;%08x;%s", KEY_TYPE, KEY_PERM, desc);
	EXPECT_STREQ(want, got);

	/* Linked in .credssp, found there by keyctl search. */
	EXPECT_TRUE(keyring_has(self->keyring, p.serial));
	EXPECT_EQ(p.serial, kctl(KEYCTL_SEARCH, (unsigned long)self->keyring,
				 (unsigned long)KEY_TYPE, (unsigned long)desc, 0));

	/* GET_CTX reports the serial and the payload's type. */
	EXPECT_EQ(p.serial, ctx_key(&self->c, ctx, &creds_type));
	EXPECT_EQ(CREDSSP_CRED_TYPE_PASSWORD, creds_type);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

static int read_fails(int32_t serial)
{
	char buf[256];

	if (kctl(KEYCTL_READ, (unsigned long)serial, (unsigned long)buf, sizeof(buf), 0) >= 0)
		return 1;
	return errno == EACCES || errno == EOPNOTSUPP ? 0 : 2;
}

static int nobody_blind(int32_t serial)
{
	char buf[256];

	if (read_fails(serial))
		return 1;
	/* Not even a view: the key belongs to root and grants others nothing. */
	if (kctl(KEYCTL_DESCRIBE, (unsigned long)serial, (unsigned long)buf, sizeof(buf), 0) >= 0)
		return 3;
	if (add_key(KEY_TYPE, "credssp:ctx=1;user=X\\y;pkg=NTLM", "x", 1,
		    KEY_SPEC_PROCESS_KEYRING) >= 0 ||
	    errno != EPERM)
		return 4;
	return 0;
}

/* Nobody reads the payload from userspace, root included; nobody changes it. */
TEST_F(k, key_unreadable)
{
	char desc[256], buf[256];
	struct pkey p;
	uint64_t ctx;

	ctx = established(&self->c, self->cred, "ok", 0);
	ASSERT_NE(0, ctx);
	key_desc(desc, sizeof(desc), ctx);
	ASSERT_EQ(1, proc_keys(KEY_TYPE, desc, false, &p));

	/* keyctl read / pipe / print */
	EXPECT_EQ(0, read_fails(p.serial));
	EXPECT_EQ(0, as_nobody(nobody_blind, p.serial));

	/* Root can neither change, revoke, relink nor re-permission it. */
	EXPECT_GT(0, kctl(KEYCTL_UPDATE, (unsigned long)p.serial, (unsigned long)"x", 1, 0));
	EXPECT_GT(0, kctl(KEYCTL_REVOKE, (unsigned long)p.serial, 0, 0, 0));
	EXPECT_GT(0, kctl(KEYCTL_SETPERM, (unsigned long)p.serial, 0x3f3f3f3fUL, 0, 0));
	EXPECT_GT(0, kctl(KEYCTL_LINK, (unsigned long)p.serial,
			  (unsigned long)KEY_SPEC_PROCESS_KEYRING, 0, 0));
	EXPECT_GT(0, kctl(KEYCTL_CHOWN, (unsigned long)p.serial, 65534, 65534, 0));
	EXPECT_GT(0, kctl(KEYCTL_SET_TIMEOUT, (unsigned long)p.serial, 1, 0, 0));
	/* Search right or not, root cannot invalidate or unlink it (KEEP). */
	EXPECT_GT(0, kctl(KEYCTL_INVALIDATE, (unsigned long)p.serial, 0, 0, 0));
	EXPECT_GT(0,
		  kctl(KEYCTL_UNLINK, (unsigned long)p.serial, (unsigned long)self->keyring, 0, 0));
	EXPECT_TRUE(keyring_has(self->keyring, p.serial));
	/* Still there, unchanged, still unreadable. */
	EXPECT_EQ(1, proc_keys(KEY_TYPE, desc, false, &p));
	EXPECT_EQ(KEY_PERM, p.perm);
	EXPECT_GT(0,
		  kctl(KEYCTL_READ, (unsigned long)p.serial, (unsigned long)buf, sizeof(buf), 0));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* Userspace cannot create keys of the type, whatever the payload. */
TEST_F(k, add_key_refused)
{
	static const char desc[] = "credssp:ctx=1;user=X\\y;pkg=NTLM";
	uint8_t good[256];
	size_t n = fh_creds(good, false);
	int before = count_keys();

	EXPECT_GT(0, add_key(KEY_TYPE, desc, good, n, KEY_SPEC_PROCESS_KEYRING));
	EXPECT_EQ(EPERM, errno);
	EXPECT_GT(0, add_key(KEY_TYPE, desc, "garbage", 7, KEY_SPEC_PROCESS_KEYRING));
	EXPECT_EQ(EPERM, errno);
	EXPECT_GT(0, add_key(KEY_TYPE, "notcredssp", good, n, KEY_SPEC_SESSION_KEYRING));
	EXPECT_EQ(EPERM, errno);
	/* Not into .credssp either: root has no write right on it. */
	EXPECT_GT(0, add_key(KEY_TYPE, desc, good, n, self->keyring));
	EXPECT_GT(0, add_key("user", desc, good, n, self->keyring));
	EXPECT_EQ(EACCES, errno);
	/* request_key(2) does not construct one either. */
	EXPECT_GT(0, syscall(SYS_request_key, KEY_TYPE, desc, "callout", KEY_SPEC_PROCESS_KEYRING));
	EXPECT_EQ(before, count_keys());
	EXPECT_EQ(0, proc_keys(KEY_TYPE, desc, false, NULL));
}

/* The owner's query returns the exact payload once; the key stays. */
TEST_F(k, query_creds_once)
{
	uint8_t want[256];
	size_t n = fh_creds(want, false);
	struct nlattr *q[TB_MAX + 1];
	uint32_t creds_type = 0;
	char desc[256];
	struct reply r;
	struct pkey p;
	uint64_t ctx;

	ctx = established(&self->c, self->cred, "ok", 0);
	ASSERT_NE(0, ctx);
	key_desc(desc, sizeof(desc), ctx);
	ASSERT_EQ(1, proc_keys(KEY_TYPE, desc, false, &p));

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_CREDS, &r, q));
	ASSERT_NE(NULL, q[CREDSSP_A_Q_CREDS]);
	EXPECT_EQ(n, (size_t)nla_len(q[CREDSSP_A_Q_CREDS]));
	EXPECT_EQ(0, memcmp(want, nla_data(q[CREDSSP_A_Q_CREDS]), n));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_CREDENTIALS,
		  query(&self->c, ctx, CREDSSP_QUERY_CREDS, &r, q));
	EXPECT_EQ(NULL, q[CREDSSP_A_Q_CREDS]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_CREDENTIALS,
		  query(&self->c, ctx, CREDSSP_QUERY_CREDS_2, &r, q));
	reply_free(&r);

	/* The key is for in-kernel consumers: it stays until the context ends. */
	EXPECT_EQ(1, proc_keys(KEY_TYPE, desc, false, NULL));
	EXPECT_EQ(p.serial, ctx_key(&self->c, ctx, &creds_type));
	EXPECT_EQ(CREDSSP_CRED_TYPE_PASSWORD, creds_type);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_TRUE(key_gone(p.serial));
}

/* CREDS_2 is the same one-time hand-over. */
TEST_F(k, query_creds_2_once)
{
	struct nlattr *q[TB_MAX + 1];
	struct reply r;
	uint64_t ctx;

	ctx = established(&self->c, self->cred, "ok", 0);
	ASSERT_NE(0, ctx);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_CREDS_2, &r, q));
	EXPECT_NE(NULL, q[CREDSSP_A_Q_CREDS]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_NO_CREDENTIALS,
		  query(&self->c, ctx, CREDSSP_QUERY_CREDS, &r, q));
	reply_free(&r);
	EXPECT_LT(0, ctx_key(&self->c, ctx, NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* Another socket (not the owner) gets neither the payload nor the key. */
TEST_F(k, foreign_socket_no_creds)
{
	struct nlattr *q[TB_MAX + 1];
	struct conn o;
	struct reply r;
	uint64_t ctx;

	ctx = established(&self->c, self->cred, "ok", 0);
	ASSERT_NE(0, ctx);
	ASSERT_EQ(0, conn_open(&o));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_HANDLE, query(&o, ctx, CREDSSP_QUERY_CREDS, &r, q));
	EXPECT_EQ(NULL, q[CREDSSP_A_Q_CREDS]);
	reply_free(&r);
	conn_close(&o);
	/* Still there for the owner. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(&self->c, ctx, CREDSSP_QUERY_CREDS, &r, q));
	EXPECT_NE(NULL, q[CREDSSP_A_Q_CREDS]);
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* Restricted admin and empty credentials: no key. */
TEST_F(k, restricted_admin_no_key)
{
	uint32_t creds_type = 0;
	char desc[256];
	uint64_t ctx;
	int before = count_keys();

	ctx = established(&self->c, self->cred, "ok", CREDSSP_OPT_RESTRICTED_ADMIN);
	ASSERT_NE(0, ctx);
	key_desc(desc, sizeof(desc), ctx);
	EXPECT_EQ(0, proc_keys(KEY_TYPE, desc, false, NULL));
	EXPECT_EQ(0, ctx_key(&self->c, ctx, NULL));
	EXPECT_EQ(before, count_keys());
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));

	/* The helper passed nothing on (restricted admin clients send empty creds). */
	ctx = established(&self->c, self->cred, "oknocreds", CREDSSP_OPT_RESTRICTED_ADMIN);
	ASSERT_NE(0, ctx);
	key_desc(desc, sizeof(desc), ctx);
	EXPECT_EQ(0, proc_keys(KEY_TYPE, desc, false, NULL));
	EXPECT_EQ(0, ctx_key(&self->c, ctx, &creds_type));
	EXPECT_EQ(0, creds_type);
	EXPECT_EQ(before, count_keys());
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));

	ctx = established(&self->c, self->cred, "oknocreds", 0);
	ASSERT_NE(0, ctx);
	EXPECT_EQ(0, ctx_key(&self->c, ctx, NULL));
	EXPECT_EQ(before, count_keys());
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* No key before CREDSSP_SEC_STATUS_OK. */
TEST_F(k, no_key_in_handshake)
{
	uint64_t ctx = 0;
	int before = count_keys();

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	EXPECT_EQ(0, ctx_key(&self->c, ctx, NULL));
	EXPECT_EQ(before, count_keys());
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, acc_step(&self->c, 0, &ctx, "ok"));
	EXPECT_LT(0, ctx_key(&self->c, ctx, NULL));
	EXPECT_EQ(before + 1, count_keys());
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* DELETE_CTX unlinks the key at once; the collector frees it soon after. */
TEST_F(k, gone_after_delete)
{
	char desc[256], buf[256];
	struct pkey p;
	uint64_t ctx;

	ctx = established(&self->c, self->cred, "ok", 0);
	ASSERT_NE(0, ctx);
	key_desc(desc, sizeof(desc), ctx);
	ASSERT_EQ(1, proc_keys(KEY_TYPE, desc, false, &p));
	ASSERT_TRUE(keyring_has(self->keyring, p.serial));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	EXPECT_FALSE(keyring_has(self->keyring, p.serial));
	EXPECT_GT(0, kctl(KEYCTL_SEARCH, (unsigned long)self->keyring, (unsigned long)KEY_TYPE,
			  (unsigned long)desc, 0));
	EXPECT_GT(0, kctl(KEYCTL_DESCRIBE, (unsigned long)p.serial, (unsigned long)buf, sizeof(buf),
			  0));
	EXPECT_TRUE(key_gone(p.serial));
}

/* The owner's socket closes: its contexts and their keys go. */
TEST_F(k, gone_after_owner_close)
{
	int32_t serial[2];
	char desc[256];
	struct pkey p;
	struct conn o;
	uint64_t cred, ctx;
	int i;

	ASSERT_EQ(0, conn_open(&o));
	cred = cred_new(&o);
	ASSERT_NE(0, cred);
	for (i = 0; i < 2; i++) {
		ctx = established(&o, cred, "ok", 0);
		ASSERT_NE(0, ctx);
		key_desc(desc, sizeof(desc), ctx);
		ASSERT_EQ(1, proc_keys(KEY_TYPE, desc, false, &p));
		serial[i] = p.serial;
	}
	conn_close(&o);
	for (i = 0; i < 2; i++) {
		EXPECT_FALSE(keyring_has(self->keyring, serial[i]));
		EXPECT_TRUE(key_gone(serial[i]));
	}
}

/* The context expires: the key is unlinked by the expiry work. */
TEST_F(k, gone_after_expiry)
{
	char desc[256];
	struct pkey p;
	uint64_t ctx;
	uint64_t t0;

	ASSERT_EQ(0, param_set("max_lifetime", 2));
	ctx = established(&self->c, self->cred, "ok", 0);
	restore_params();
	ASSERT_NE(0, ctx);
	key_desc(desc, sizeof(desc), ctx);
	ASSERT_EQ(1, proc_keys(KEY_TYPE, desc, false, &p));
	/* The key's own timeout is the context's expiry. */
	EXPECT_STRNE("perm", p.timeout);
	EXPECT_EQ('s', p.timeout[strlen(p.timeout) - 1]);
	/* Nobody touches the context: the expiry work alone unlinks the key. */
	t0 = now_ms();
	while (keyring_has(self->keyring, p.serial) && now_ms() - t0 < GONE_MS)
		usleep(50000);
	EXPECT_FALSE(keyring_has(self->keyring, p.serial));
	EXPECT_TRUE(key_gone(p.serial));
	EXPECT_EQ(CREDSSP_CTX_STATE_EXPIRED, ctx_state(&self->c, ctx));
	EXPECT_EQ(0, ctx_key(&self->c, ctx, NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* CLOCK_REALTIME in milliseconds. */
static uint64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Once the context's expiry has come, GET_CTX says EXPIRED and shows no
 * key, whenever the expiry work runs. The work is armed in whole seconds
 * from the accept, so it runs as late past the expiry as the accept was
 * into its second: an accept that began at .5 s or later of the second
 * the kernel counted from (expiry - 3, max_lifetime 3) leaves the work at
 * least half a second late, and GET_CTX and credssp_ctx_key() did not
 * check the time themselves. An accept that crossed into the next second
 * is done again. 100 ms of slack past the expiry: the kernel's seconds
 * (ktime_get_real_seconds()) move at a tick, a little after the vDSO's.
 */
TEST_F(k, expired_on_time)
{
	struct acc a = {.cred = self->cred, .in = "ok"};
	uint64_t ctx = 0, expiry = 0, t = 0;
	struct reply r;
	int tries;

	ASSERT_EQ(0, param_set("max_lifetime", 3));
	for (tries = 0; tries < 5; tries++) {
		uint32_t st;

		while (real_ms() % 1000 < 500 || real_ms() % 1000 > 800)
			usleep(5000);
		t = real_ms();
		st = accept_r(&self->c, &a, &r);
		ctx = st == CREDSSP_SEC_STATUS_OK ? a_u64(r.tb, CREDSSP_A_CTX_ID, 0) : 0;
		expiry = a_u64(r.tb, CREDSSP_A_EXPIRY, 0);
		reply_free(&r);
		if (!ctx || (expiry == t / 1000 + 3 && t % 1000 >= 500))
			break;
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	}
	restore_params();
	ASSERT_NE(0, ctx);
	ASSERT_LT(tries, 5) TH_LOG("no accept within the second it began");
	EXPECT_LT(0, ctx_key(&self->c, ctx, NULL));
	while (real_ms() < expiry * 1000 + 100)
		usleep(2000);
	EXPECT_EQ(CREDSSP_CTX_STATE_EXPIRED, ctx_state(&self->c, ctx));
	EXPECT_EQ(0, ctx_key(&self->c, ctx, NULL));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

#define MANY 1000

static struct pkey all_keys[2 * MANY + 256];

/* Every credssp key of /proc/keys into all_keys; returns how many. */
static int snapshot_keys(void)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen("/proc/keys", "r");

	if (!f)
		return -errno;
	while (n < 2 * MANY + 256 && fgets(line, sizeof(line), f)) {
		struct pkey *p = &all_keys[n];
		unsigned int serial;
		int off = 0;
		char *nl;

		if (sscanf(line, "%x %*s %*s %15s %x %*d %*d %15s %n", &serial, p->timeout,
			   &p->perm, p->type, &off) < 4 ||
		    !off || strcmp(p->type, KEY_TYPE))
			continue;
		nl = strchr(line + off, '\n');
		if (nl)
			*nl = 0;
		snprintf(p->desc, sizeof(p->desc), "%s", line + off);
		p->serial = (int32_t)serial;
		n++;
	}
	fclose(f);
	return n;
}

static int32_t snapshot_find(int n, const char *desc)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(all_keys[i].desc, desc))
			return all_keys[i].serial;
	return 0;
}

static int cmp_serial(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return x < y ? -1 : x > y;
}

/* How many of the @n sorted @serials /proc/keys still lists. */
static int still_listed(const int32_t *serials, int n)
{
	int i, left = 0, m = snapshot_keys();

	for (i = 0; i < m; i++)
		if (bsearch(&all_keys[i].serial, serials, n, sizeof(*serials), cmp_serial))
			left++;
	return left;
}

/* 1000 established contexts: 1000 distinct keys; deleting them leaves none. */
TEST_F_TIMEOUT(k, many_contexts, 600)
{
	static int32_t serial[MANY];
	static uint64_t ctx[MANY];
	int i, n, before = count_keys(), left;
	uint64_t t0;
	char desc[256];

	ASSERT_LE(0, before);
	ASSERT_EQ(0, param_set("max_owner_contexts", MANY + 24));
	for (i = 0; i < MANY; i++) {
		ctx[i] = established(&self->c, self->cred, "ok", 0);
		ASSERT_NE(0, ctx[i]);
	}
	EXPECT_EQ(before + MANY, count_keys());
	n = snapshot_keys();
	EXPECT_LE(MANY, n);
	for (i = 0; i < MANY; i++) {
		key_desc(desc, sizeof(desc), ctx[i]);
		serial[i] = snapshot_find(n, desc);
		if (!serial[i])
			break;
	}
	EXPECT_EQ(MANY, i);
	/* Each context its own key. */
	qsort(serial, MANY, sizeof(serial[0]), cmp_serial);
	for (i = 1; i < MANY && serial[i] != serial[i - 1]; i++)
		;
	EXPECT_EQ(MANY, i);
	EXPECT_EQ(MANY, still_listed(serial, MANY));

	for (i = 0; i < MANY; i++)
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx[i]));
	/* Unlinked at once; freed by the collector soon after. */
	EXPECT_EQ(before, count_keys());
	t0 = now_ms();
	while ((left = still_listed(serial, MANY)) && now_ms() - t0 < 4 * GONE_MS)
		usleep(100000);
	EXPECT_EQ(0, left);
}

/* Another netns: the description names it (handles are per netns). */
TEST_F(k, netns_field)
{
	int *res = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char desc[256];
	int status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, res);
	res[0] = res[1] = res[2] = -1;
	fh_stop();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct pkey p;
		struct conn c;
		struct stat st;
		uint64_t cred, ctx;

		/* The helper first: it must not inherit the owner's socket. */
		if (unshare(CLONE_NEWNET) || stat("/proc/self/ns/net", &st) || fh_start() != 1)
			_exit(1);
		if (conn_open(&c))
			_exit(2);
		cred = cred_new(&c);
		ctx = established(&c, cred, "ok", 0);
		if (!ctx)
			_exit(3);
		snprintf(desc, sizeof(desc),
			 "credssp:ctx=0x%016llx;user=KCREDSSP\\alice;pkg=NTLM;net=%lu",
			 (unsigned long long)ctx, (unsigned long)st.st_ino);
		res[0] = proc_keys(KEY_TYPE, desc, false, &p);
		res[1] = ctx_key(&c, ctx, NULL) == p.serial;
		conn_close(&c);
		res[2] = key_gone(p.serial);
		fh_stop();
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, res[0]);
	EXPECT_EQ(1, res[1]);
	EXPECT_EQ(1, res[2]);
	munmap(res, 4096);
}

TEST_HARNESS_MAIN
