// SPDX-License-Identifier: GPL-2.0
/*
 * A Windows-style CredSSP server step written only with sspi.h names, as it
 * would be on Windows, plus checks of what the porting layer answers with
 * credssp.ko loaded and NO helper running. Prints TAP; run in the guest by
 * tests/guest/suite-lib.sh.
 *
 * Usage: sspi_port [INPUT_FILE]  (default: a few bytes of a TLS ClientHello)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/credssp.h>
#include <sspi.h>

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

/* ---- the "Windows" server: one AcceptSecurityContext step ---- */

struct conn {
	CredHandle cred;
	CtxtHandle ctx;
	int have_ctx;
	unsigned char out[16384];
	ULONG out_len;
	ULONG extra;
};

static SECURITY_STATUS server_step(struct conn *c, void *in, ULONG in_len, int allocate)
{
	SecBuffer in_bufs[2], out_bufs[1];
	SecBufferDesc in_desc, out_desc;
	ULONG attrs = 0;
	TimeStamp expiry;
	SECURITY_STATUS ss;

	in_bufs[0].BufferType = SECBUFFER_TOKEN;
	in_bufs[0].cbBuffer = in_len;
	in_bufs[0].pvBuffer = in;
	in_bufs[1].BufferType = SECBUFFER_EMPTY;
	in_bufs[1].cbBuffer = 0;
	in_bufs[1].pvBuffer = NULL;
	in_desc.ulVersion = SECBUFFER_VERSION;
	in_desc.cBuffers = 2;
	in_desc.pBuffers = in_bufs;

	out_bufs[0].BufferType = SECBUFFER_TOKEN;
	out_bufs[0].cbBuffer = allocate ? 0 : sizeof(c->out);
	out_bufs[0].pvBuffer = allocate ? NULL : c->out;
	out_desc.ulVersion = SECBUFFER_VERSION;
	out_desc.cBuffers = 1;
	out_desc.pBuffers = out_bufs;

	ss = AcceptSecurityContext(&c->cred, c->have_ctx ? &c->ctx : NULL, &in_desc,
				   ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_STREAM |
					   ASC_REQ_DELEGATE |
					   (allocate ? ASC_REQ_ALLOCATE_MEMORY : 0),
				   SECURITY_NATIVE_DREP, &c->ctx, &out_desc, &attrs, &expiry);
	if (ss == SEC_E_OK || ss == SEC_I_CONTINUE_NEEDED)
		c->have_ctx = 1;
	c->extra = in_bufs[1].BufferType == SECBUFFER_EXTRA ? in_bufs[1].cbBuffer : 0;
	c->out_len = out_bufs[0].cbBuffer;
	if (allocate && out_bufs[0].pvBuffer) {
		if (out_bufs[0].cbBuffer <= sizeof(c->out))
			memcpy(c->out, out_bufs[0].pvBuffer, out_bufs[0].cbBuffer);
		FreeContextBuffer(out_bufs[0].pvBuffer);
	}
	return ss;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	/* The start of a TLS 1.2 ClientHello record. */
	static unsigned char hello[] = {0x16, 0x03, 0x01, 0x00, 0x31, 0x01, 0x00, 0x00, 0x2d,
					0x03, 0x03, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
	unsigned char *in = hello;
	ULONG in_len = sizeof(hello);
	SecPkgContext_Sizes sizes;
	SecPkgContext_NamesA names;
	PSecPkgInfo info = NULL;
	struct conn c = {0};
	CredHandle bogus;
	ULONG count = 0;
	SECURITY_STATUS ss;
	TimeStamp expiry;
	double t0;
	pid_t pid;
	int status;

	if (argc > 1) {
		FILE *f = fopen(argv[1], "rb");
		static unsigned char buf[70000];

		if (!f) {
			perror(argv[1]);
			return 2;
		}
		in_len = (ULONG)fread(buf, 1, sizeof(buf), f);
		fclose(f);
		in = buf;
	}

	ss = QuerySecurityPackageInfo(CREDSSP_NAME, &info);
	check(ss == SEC_E_OK && info && !strcmp(info->Name, "CredSSP") &&
		      info->cbMaxToken == CREDSSP_TOKEN_MAX,
	      "QuerySecurityPackageInfo(CredSSP)", ss);
	FreeContextBuffer(info);
	ss = QuerySecurityPackageInfo("Kerberos", &info);
	check(ss == SEC_E_SECPKG_NOT_FOUND && !info, "QuerySecurityPackageInfo(Kerberos) not found",
	      ss);
	ss = EnumerateSecurityPackages(&count, &info);
	check(ss == SEC_E_OK && count == 1 && !strcmp(info[0].Name, "CredSSP"),
	      "EnumerateSecurityPackages: CredSSP only", ss);
	FreeContextBuffer(info);

	ss = AcquireCredentialsHandle(NULL, "NTLM", SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL,
				      &c.cred, &expiry);
	check(ss == SEC_E_SECPKG_NOT_FOUND, "AcquireCredentialsHandle(NTLM): SECPKG_NOT_FOUND", ss);
	ss = AcquireCredentialsHandle(NULL, "CredSSP", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL,
				      &c.cred, &expiry);
	check(ss == SEC_E_UNSUPPORTED_FUNCTION, "AcquireCredentialsHandle(OUTBOUND): UNSUPPORTED",
	      ss);
	ss = AcquireCredentialsHandle(NULL, "CredSSP", SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL,
				      &c.cred, &expiry);
	check(ss == SEC_E_OK && (c.cred.dwLower || c.cred.dwUpper) &&
		      expiry.QuadPart == SEC_TIMESTAMP_NEVER,
	      "AcquireCredentialsHandle(CredSSP, INBOUND)", ss);

	/* No helper: the first step fails fast and leaves no context. */
	t0 = now();
	ss = server_step(&c, in, in_len, 1);
	check(ss == SEC_E_NO_AUTHENTICATING_AUTHORITY && !c.have_ctx && now() - t0 < 5,
	      "AcceptSecurityContext without a helper: NO_AUTHENTICATING_AUTHORITY, fast", ss);
	ss = server_step(&c, in, in_len, 0);
	check(ss == SEC_E_NO_AUTHENTICATING_AUTHORITY && !c.have_ctx,
	      "AcceptSecurityContext, caller's output buffer: same", ss);

	SecInvalidateHandle(&c.ctx);
	ss = QueryContextAttributes(&c.ctx, SECPKG_ATTR_SIZES, &sizes);
	check(ss == SEC_E_INVALID_HANDLE, "QueryContextAttributes(invalid handle)", ss);
	ss = QueryContextAttributes(&c.ctx, SECPKG_ATTR_NAMES, &names);
	check(ss == SEC_E_INVALID_HANDLE, "QueryContextAttributes(NAMES, invalid handle)", ss);
	ss = DeleteSecurityContext(&c.ctx);
	check(ss == SEC_E_INVALID_HANDLE, "DeleteSecurityContext(invalid handle)", ss);
	check(FreeContextBuffer(NULL) == SEC_E_OK, "FreeContextBuffer(NULL)", 0);

	/* A child process has its own session: the parent's handle is foreign. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		ss = FreeCredentialsHandle(&c.cred);
		_exit(ss == SEC_E_INVALID_HANDLE ? 0 : 1);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0,
	      "after fork the child's FreeCredentialsHandle(parent's) is INVALID_HANDLE", 0);

	bogus = c.cred;
	bogus.dwUpper ^= 0x5a5a;
	ss = FreeCredentialsHandle(&bogus);
	check(ss == SEC_E_INVALID_HANDLE, "FreeCredentialsHandle(made-up handle)", ss);
	ss = FreeCredentialsHandle(&c.cred);
	check(ss == SEC_E_OK, "FreeCredentialsHandle", ss);
	ss = FreeCredentialsHandle(&c.cred);
	check(ss == SEC_E_INVALID_HANDLE, "FreeCredentialsHandle twice: INVALID_HANDLE", ss);

	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
