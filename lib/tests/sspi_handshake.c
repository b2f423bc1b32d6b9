// SPDX-License-Identifier: GPL-2.0
/*
 * The SSPI porting layer through a whole handshake, against credssp.ko and
 * the scripted helper (fake_helper.h): SecBufferDesc in and out, the
 * SECBUFFER_EMPTY that becomes SECBUFFER_EXTRA, caller-sized and allocated
 * output tokens, SEC_E_BUFFER_TOO_SMALL, QueryContextAttributes for every
 * attribute (A and W, each into a buffer of its documented size followed by
 * a guard), request flags as hints and the flags reported, Windows time,
 * CompleteAuthToken, QuerySecurityContextToken, and the handles; then
 * ImpersonateSecurityContext / RevertSecurityContext on the established
 * context: with a local account "alice" (tests/guest/suite-lib.sh makes one
 * in a mount namespace) the calling thread, and only it, becomes alice and
 * comes back; without one, SEC_E_NO_IMPERSONATION. Then calls in parallel
 * on sspi.h's one session: another thread's handshake while one
 * AcceptSecurityContext waits for the helper ("HOLD"). Prints TAP; run by
 * tests/guest/suite-lib.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/credssp.h>
#include <sspi.h>

#include "fake_helper.h"
#include "other_thread.h"

static int n, failed;

static void check(int ok, const char *name, SECURITY_STATUS st)
{
	n++;
	printf("%sok %d %s\n", ok ? "" : "not ", n, name);
	if (!ok) {
		printf("# status 0x%08x\n", (unsigned int)st);
		failed++;
	}
}

/* One AcceptSecurityContext call as a Windows server writes it. */
static SECURITY_STATUS step(CredHandle *cred, CtxtHandle *ctx, int first, const char *in,
			    SecBuffer *out_tok, ULONG req, ULONG *extra, ULONG *attrs,
			    TimeStamp *expiry)
{
	SecBuffer in_bufs[2];
	SecBufferDesc in_desc = {SECBUFFER_VERSION, 2, in_bufs};
	SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, out_tok};
	SECURITY_STATUS ss;

	in_bufs[0].BufferType = SECBUFFER_TOKEN;
	in_bufs[0].cbBuffer = (ULONG)strlen(in);
	in_bufs[0].pvBuffer = (void *)in;
	in_bufs[1].BufferType = SECBUFFER_EMPTY;
	in_bufs[1].cbBuffer = 0;
	in_bufs[1].pvBuffer = NULL;
	ss = AcceptSecurityContext(cred, first ? NULL : ctx, &in_desc, req, SECURITY_NATIVE_DREP,
				   ctx, &out_desc, attrs, expiry);
	*extra = 0;
	if (in_bufs[1].BufferType == SECBUFFER_EXTRA) {
		*extra = in_bufs[1].cbBuffer;
		if (in_bufs[1].pvBuffer != in + strlen(in) - *extra)
			*extra = 9999; /* pvBuffer must point at the extra bytes */
	}
	return ss;
}

/* A TimeStamp within a time zone of now (Windows time: 100 ns since 1601, local). */
static int near_now(const TimeStamp *ts)
{
	long long secs = ts->QuadPart / 10000000 - 11644473600LL;

	return llabs(secs - (long long)time(NULL)) <= 14 * 3600 + 60;
}

/* A query result followed by a guard the library must not touch. */
#define GUARD 0x5a5a5a5a5a5a5a5aULL
#define GUARDED(type)                     \
	struct {                          \
		type v;                   \
		unsigned long long guard; \
	}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One first leg whose helper step takes FAKE_HOLD_MS, in a thread of its own. */
struct held {
	CredHandle *cred;
	CtxtHandle ctx;
	SECURITY_STATUS st;
	double took;
};

static void *held_leg(void *arg)
{
	struct held *k = arg;
	SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
	ULONG extra, attrs;
	TimeStamp expiry;
	double t0 = now();

	k->st = step(k->cred, &k->ctx, 1, "HOLD", &out, ASC_REQ_ALLOCATE_MEMORY, &extra, &attrs,
		     &expiry);
	k->took = now() - t0;
	FreeContextBuffer(out.pvBuffer);
	return NULL;
}

/*
 * All sspi.h calls of a process share one session: while one thread's
 * AcceptSecurityContext waits FAKE_HOLD_MS for the helper, another thread
 * acquires, runs a whole handshake, queries and deletes without waiting
 * for it (before the calls ran in parallel, each waited for the held one).
 */
static void concurrent_calls(CredHandle *cred)
{
	struct held k = {.cred = cred};
	SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
	SecPkgContext_NamesA names;
	CredHandle cred2;
	CtxtHandle ctx;
	ULONG extra, attrs;
	TimeStamp expiry;
	SECURITY_STATUS st, st2, st3, st4;
	double t0, took;
	pthread_t t;

	pthread_create(&t, NULL, held_leg, &k);
	usleep(300 * 1000); /* the held leg is at the helper */
	t0 = now();
	st = AcquireCredentialsHandle(NULL, "CredSSP", SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL,
				      &cred2, &expiry);
	st2 = step(&cred2, &ctx, 1, "CONT", &out, ASC_REQ_ALLOCATE_MEMORY, &extra, &attrs, &expiry);
	FreeContextBuffer(out.pvBuffer);
	out.pvBuffer = NULL;
	st3 = step(&cred2, &ctx, 0, "OK", &out, ASC_REQ_ALLOCATE_MEMORY, &extra, &attrs, &expiry);
	FreeContextBuffer(out.pvBuffer);
	st4 = QueryContextAttributes(&ctx, SECPKG_ATTR_NAMES, &names);
	if (st4 == SEC_E_OK)
		FreeContextBuffer(names.sUserName);
	if (DeleteSecurityContext(&ctx) != SEC_E_OK || FreeCredentialsHandle(&cred2) != SEC_E_OK)
		st4 = SEC_E_INTERNAL_ERROR;
	took = now() - t0;
	check(st == SEC_E_OK && st2 == SEC_I_CONTINUE_NEEDED && st3 == SEC_E_OK && st4 == SEC_E_OK,
	      "another thread's handshake while one AcceptSecurityContext waits for the helper",
	      st4);
	printf("# other thread's calls took %.3f s, the held leg %d ms\n", took, FAKE_HOLD_MS);
	check(took < FAKE_HOLD_MS / 2000.0,
	      "... without waiting for it (under half its time): one session, calls in parallel",
	      0);
	pthread_join(t, NULL);
	check(k.st == SEC_I_CONTINUE_NEEDED && k.took >= FAKE_HOLD_MS / 1000.0 - 0.5,
	      "the held leg: SEC_I_CONTINUE_NEEDED after the helper's hold", k.st);
	if (k.st == SEC_I_CONTINUE_NEEDED)
		DeleteSecurityContext(&k.ctx);
}

/* ImpersonateSecurityContext / RevertSecurityContext on an established context. */
static void impersonation(CtxtHandle *ctx)
{
	struct passwd *alice = getpwnam("alice");
	struct group *extra_group = getgrnam("sspi-t");
	gid_t groups[64];
	int i, n_groups;
	const char *secret = "/tmp/sspi-handshake.secret", *made = "/tmp/sspi-handshake.made";
	struct other o;
	struct stat st;
	pthread_t t;
	SECURITY_STATUS ss;
	int fd, ok;

	if (!alice) {
		ss = ImpersonateSecurityContext(ctx);
		check(ss == SEC_E_NO_IMPERSONATION && geteuid() == 0,
		      "ImpersonateSecurityContext, no local account alice: SEC_E_NO_IMPERSONATION",
		      ss);
		return;
	}
	unlink(secret);
	unlink(made);
	fd = open(secret, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd >= 0)
		close(fd);
	pthread_barrier_init(&o.go, NULL, 2);
	pthread_barrier_init(&o.done, NULL, 2);
	pthread_create(&t, NULL, other_thread, &o);
	ss = ImpersonateSecurityContext(ctx);
	pthread_barrier_wait(&o.go);
	check(ss == SEC_E_OK && geteuid() == alice->pw_uid && getegid() == alice->pw_gid &&
		      (uid_t)setfsuid((uid_t)-1) == alice->pw_uid &&
		      (gid_t)setfsgid((gid_t)-1) == alice->pw_gid,
	      "ImpersonateSecurityContext: this thread is alice (effective and fs ids)", ss);
	ok = 0;
	n_groups = getgroups(64, groups);
	for (i = 0; i < n_groups; i++) {
		if (groups[i] == 0)
			ok = -100; /* root's group kept */
		if (groups[i] == alice->pw_gid || (extra_group && groups[i] == extra_group->gr_gid))
			ok++;
	}
	check(ok == (extra_group ? 2 : 1), "... with alice's groups only", ss);
	errno = 0;
	fd = open(secret, O_RDONLY);
	check(fd < 0 && errno == EACCES, "... root's 0600 file: EACCES", ss);
	if (fd >= 0)
		close(fd);
	fd = open(made, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ok = fd >= 0 && !fstat(fd, &st) && st.st_uid == alice->pw_uid && st.st_gid == alice->pw_gid;
	check(ok, "... a file it creates is alice's", ss);
	if (fd >= 0)
		close(fd);
	pthread_barrier_wait(&o.done);
	pthread_join(t, NULL);
	check(o.euid == 0 && o.fsuid == 0, "... another thread of the process stays root", ss);
	ss = RevertSecurityContext(ctx);
	check(ss == SEC_E_OK && geteuid() == 0 && getegid() == 0 && (uid_t)setfsuid((uid_t)-1) == 0,
	      "RevertSecurityContext: root again", ss);
	fd = open(secret, O_RDONLY);
	check(fd >= 0, "... root's file readable again", ss);
	if (fd >= 0)
		close(fd);
	unlink(secret);
	unlink(made);
}

int main(void)
{
	static unsigned char big[4096];
	GUARDED(SecPkgContext_PackageInfoA) np = {.guard = GUARD};
	GUARDED(SecPkgContext_PackageInfoW) npw = {.guard = GUARD};
	GUARDED(SecPkgContext_NegotiationInfoW) niw = {.guard = GUARD};
	GUARDED(SecPkgContext_NamesW) namesw = {.guard = GUARD};
	SecPkgContext_NegotiationInfo nego;
	SecPkgContext_PackageInfo pkg;
	CredHandle both;
	void *token = &token;
	SecPkgContext_StreamSizes ss;
	SecPkgContext_ClientCreds cc;
	SecPkgContext_Lifespan life;
	SecPkgContext_Names names;
	SecPkgContext_Sizes sizes;
	CredHandle cred;
	CtxtHandle ctx, saved;
	TimeStamp expiry;
	SecBuffer out;
	ULONG extra, attrs;
	SECURITY_STATUS st;
	size_t clen;
	const uint8_t *want = fake_creds(&clen);

	if (!fake_helper_start()) {
		printf("not ok 1 fake helper registered\n1..1\n");
		return 1;
	}
	st = AcquireCredentialsHandle(NULL, "CredSSP", SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL,
				      &cred, &expiry);
	check(st == SEC_E_OK && expiry.QuadPart == SEC_TIMESTAMP_NEVER,
	      "AcquireCredentialsHandle, expiry never", st);
	st = AcquireCredentialsHandle(NULL, "CredSSP", SECPKG_CRED_BOTH, NULL, NULL, NULL, NULL,
				      &both, &expiry);
	check(st == SEC_E_OK, "AcquireCredentialsHandle(SECPKG_CRED_BOTH): a server credential",
	      st);
	if (st == SEC_E_OK)
		FreeCredentialsHandle(&both);

	/* First leg: allocated output, extra bytes after the '|'. */
	out.BufferType = SECBUFFER_TOKEN;
	out.cbBuffer = 0;
	out.pvBuffer = NULL;
	/* with requests CredSSP cannot honour: hints, as on Windows */
	st = step(&cred, &ctx, 1, "CONT|xyz", &out,
		  ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM | ASC_REQ_CONFIDENTIALITY |
			  ASC_REQ_IDENTIFY | ASC_REQ_USE_DCE_STYLE | ASC_REQ_DATAGRAM |
			  ASC_REQ_PROXY_BINDINGS | ASC_REQ_SESSION_TICKET | ASC_REQ_NO_TOKEN,
		  &extra, &attrs, &expiry);
	check(st == SEC_I_CONTINUE_NEEDED && SecIsValidHandle(&ctx) && (ctx.dwLower || ctx.dwUpper),
	      "first leg: SEC_I_CONTINUE_NEEDED, a context handle", st);
	check(out.pvBuffer && out.cbBuffer == strlen(FAKE_OUTPUT) &&
		      !memcmp(out.pvBuffer, FAKE_OUTPUT, out.cbBuffer) &&
		      (attrs & ASC_RET_ALLOCATED_MEMORY),
	      "ASC_REQ_ALLOCATE_MEMORY: allocated token, ASC_RET_ALLOCATED_MEMORY", st);
	FreeContextBuffer(out.pvBuffer);
	check(extra == 3, "SECBUFFER_EMPTY became SECBUFFER_EXTRA: 3 bytes, pointing at them", st);
	check(!(attrs & (ASC_RET_IDENTIFY | ASC_RET_USED_DCE_STYLE | ASC_RET_DATAGRAM)) &&
		      (attrs & ASC_RET_CONFIDENTIALITY),
	      "unsupported requests ignored, pfContextAttr says what was done", st);
	st = ImpersonateSecurityContext(&ctx);
	check(st == SEC_E_OUT_OF_SEQUENCE && geteuid() == 0,
	      "ImpersonateSecurityContext before SEC_E_OK: SEC_E_OUT_OF_SEQUENCE", st);
	saved = ctx;

	/* Caller-sized output too small, then large enough. */
	out.cbBuffer = 10;
	out.pvBuffer = big;
	st = step(&cred, &ctx, 0, "BIG", &out, ASC_REQ_STREAM, &extra, &attrs, &expiry);
	check(st == SEC_E_BUFFER_TOO_SMALL && out.cbBuffer == FAKE_BIG_LEN,
	      "10-byte output token: SEC_E_BUFFER_TOO_SMALL, cbBuffer = size needed", st);
	out.cbBuffer = sizeof(big);
	st = step(&cred, &ctx, 0, "BIG", &out, ASC_REQ_STREAM, &extra, &attrs, &expiry);
	check(st == SEC_I_CONTINUE_NEEDED && out.cbBuffer == FAKE_BIG_LEN && big[255] == 255 &&
		      ctx.dwLower == saved.dwLower && ctx.dwUpper == saved.dwUpper,
	      "same call, larger buffer: the kept token, same handle", st);

	st = QueryContextAttributes(&ctx, SECPKG_ATTR_NAMES, &names);
	check(st == SEC_E_OUT_OF_SEQUENCE, "QueryContextAttributes(NAMES) before SEC_E_OK", st);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_SIZES, &sizes);
	check(st == SEC_E_OK && sizes.cbMaxToken > 0, "QueryContextAttributes(SIZES) at any stage",
	      st);

	/* Last leg. */
	out.cbBuffer = sizeof(big);
	out.pvBuffer = big;
	st = step(&cred, &ctx, 0, "OK", &out,
		  ASC_REQ_STREAM | ASC_REQ_DELEGATE | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |
			  ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONFIDENTIALITY |
			  ASC_REQ_EXTENDED_ERROR | ASC_REQ_IDENTIFY,
		  &extra, &attrs, &expiry);
	check(st == SEC_E_OK && out.cbBuffer == 5 && !memcmp(big, "final", 5) &&
		      (attrs & ASC_RET_DELEGATE) && near_now(&expiry),
	      "last leg: SEC_E_OK, final token, ASC_RET_DELEGATE, expiry in Windows time", st);
	check((attrs & ASC_RET_INTEGRITY) && (attrs & ASC_RET_REPLAY_DETECT) &&
		      (attrs & ASC_RET_SEQUENCE_DETECT) && (attrs & ASC_RET_CONFIDENTIALITY) &&
		      (attrs & ASC_RET_EXTENDED_ERROR) && (attrs & ASC_RET_STREAM) &&
		      !(attrs & ASC_RET_IDENTIFY),
	      "pfContextAttr: INTEGRITY, REPLAY_DETECT, SEQUENCE_DETECT, CONFIDENTIALITY, "
	      "EXTENDED_ERROR as requested (TLS gives them)",
	      st);

	st = QueryContextAttributes(&ctx, SECPKG_ATTR_NAMES, &names);
	check(st == SEC_E_OK && !strcmp(names.sUserName, FAKE_PRINCIPAL),
	      "QueryContextAttributes(NAMES): " FAKE_PRINCIPAL, st);
	if (st == SEC_E_OK)
		FreeContextBuffer(names.sUserName);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_LIFESPAN, &life);
	check(st == SEC_E_OK && life.tsExpiry.QuadPart == expiry.QuadPart &&
		      life.tsStart.QuadPart <= life.tsExpiry.QuadPart && near_now(&life.tsStart),
	      "QueryContextAttributes(LIFESPAN), Windows time", st);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_STREAM_SIZES, &ss);
	check(st == SEC_E_OK && ss.cbMaximumMessage > 0 && ss.cbHeader > 0,
	      "QueryContextAttributes(STREAM_SIZES)", st);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_PACKAGE_INFO, &pkg);
	check(st == SEC_E_OK && !strcmp(pkg.PackageInfo->Name, "CredSSP") &&
		      pkg.PackageInfo->fCapabilities == CREDSSP_PKG_CAPABILITIES,
	      "QueryContextAttributes(PACKAGE_INFO)", st);
	if (st == SEC_E_OK)
		FreeContextBuffer(pkg.PackageInfo);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_NEGOTIATION_PACKAGE, &np.v);
	check(st == SEC_E_OK && !strcmp(np.v.PackageInfo->Name, "NTLM") && np.guard == GUARD,
	      "QueryContextAttributes(NEGOTIATION_PACKAGE): a SecPkgContext_PackageInfo, NTLM, "
	      "nothing written past it",
	      st);
	if (st == SEC_E_OK)
		FreeContextBuffer(np.v.PackageInfo);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_NEGOTIATION_INFO, &nego);
	check(st == SEC_E_OK && !strcmp(nego.PackageInfo->Name, "NTLM") &&
		      nego.NegotiationState == SECPKG_NEGOTIATION_COMPLETE,
	      "QueryContextAttributes(NEGOTIATION_INFO): NTLM, complete", st);
	if (st == SEC_E_OK)
		FreeContextBuffer(nego.PackageInfo);
	st = QueryContextAttributesW(&ctx, SECPKG_ATTR_NAMES, &namesw.v);
	check(st == SEC_E_OK &&
		      !memcmp(namesw.v.sUserName, u"TEST\\alice", sizeof(u"TEST\\alice")) &&
		      namesw.guard == GUARD,
	      "QueryContextAttributesW(NAMES): UTF-16", st);
	if (st == SEC_E_OK)
		FreeContextBuffer(namesw.v.sUserName);
	st = InitSecurityInterfaceW()->QueryContextAttributesW(
		&ctx, SECPKG_ATTR_NEGOTIATION_PACKAGE, &npw.v);
	check(st == SEC_E_OK && !memcmp(npw.v.PackageInfo->Name, u"NTLM", sizeof(u"NTLM")) &&
		      npw.guard == GUARD,
	      "the W table's QueryContextAttributesW(NEGOTIATION_PACKAGE)", st);
	if (st == SEC_E_OK)
		FreeContextBuffer(npw.v.PackageInfo);
	st = QueryContextAttributesW(&ctx, SECPKG_ATTR_NEGOTIATION_INFO, &niw.v);
	check(st == SEC_E_OK && !memcmp(niw.v.PackageInfo->Name, u"NTLM", sizeof(u"NTLM")) &&
		      niw.v.NegotiationState == SECPKG_NEGOTIATION_COMPLETE && niw.guard == GUARD,
	      "QueryContextAttributesW(NEGOTIATION_INFO)", st);
	if (st == SEC_E_OK)
		FreeContextBuffer(niw.v.PackageInfo);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_KEY_INFO, &sizes);
	check(st == SEC_E_UNSUPPORTED_FUNCTION, "QueryContextAttributes(KEY_INFO): unsupported",
	      st);
	st = CompleteAuthToken(&ctx, NULL);
	check(st == SEC_E_UNSUPPORTED_FUNCTION, "CompleteAuthToken: SEC_E_UNSUPPORTED_FUNCTION",
	      st);
	st = QuerySecurityContextToken(&ctx, &token);
	check(st == SEC_E_UNSUPPORTED_FUNCTION && !token,
	      "QuerySecurityContextToken: SEC_E_UNSUPPORTED_FUNCTION, no token", st);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_CREDS_2, &cc);
	check(st == SEC_E_OK && cc.AuthBufferLen == clen && !memcmp(cc.AuthBuffer, want, clen),
	      "QueryContextAttributes(CREDS_2): the delegated credentials", st);
	if (st == SEC_E_OK)
		FreeContextBuffer(cc.AuthBuffer);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_CREDS, &cc);
	check(st == SEC_E_NO_CREDENTIALS, "... only once", st);

	impersonation(&ctx);
	concurrent_calls(&cred);

	check(DeleteSecurityContext(&ctx) == SEC_E_OK, "DeleteSecurityContext", 0);
	st = CompleteAuthToken(&ctx, NULL);
	check(st == SEC_E_INVALID_HANDLE, "CompleteAuthToken(deleted): SEC_E_INVALID_HANDLE", st);
	check(DeleteSecurityContext(&ctx) == SEC_E_INVALID_HANDLE, "DeleteSecurityContext twice",
	      0);

	/* A failed first leg leaves phNewContext alone. */
	SecInvalidateHandle(&ctx);
	out.cbBuffer = sizeof(big);
	st = step(&cred, &ctx, 1, "junk", &out, 0, &extra, &attrs, &expiry);
	check(st == SEC_E_INVALID_TOKEN && !SecIsValidHandle(&ctx),
	      "failed first leg: SEC_E_INVALID_TOKEN, no new handle", st);
	check(FreeCredentialsHandle(&cred) == SEC_E_OK, "FreeCredentialsHandle", 0);

	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
