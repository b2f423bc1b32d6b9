// SPDX-License-Identifier: GPL-2.0
/*
 * The SSPI porting layer through a whole handshake, against credssp.ko and
 * the scripted helper (fake_helper.h): SecBufferDesc in and out, the
 * SECBUFFER_EMPTY that becomes SECBUFFER_EXTRA, caller-sized and allocated
 * output tokens, SEC_E_BUFFER_TOO_SMALL, QueryContextAttributes for every
 * attribute, and the handles. Prints TAP; run by tests/guest/suite-lib.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/credssp.h>
#include <sspi.h>

#include "fake_helper.h"

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

int main(void)
{
	static unsigned char big[4096];
	SecPkgContext_NegotiationInfo nego;
	SecPkgContext_PackageInfo pkg;
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
	check(st == SEC_E_OK, "AcquireCredentialsHandle", st);

	/* First leg: allocated output, extra bytes after the '|'. */
	out.BufferType = SECBUFFER_TOKEN;
	out.cbBuffer = 0;
	out.pvBuffer = NULL;
	st = step(&cred, &ctx, 1, "CONT|xyz", &out,
		  ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM | ASC_REQ_CONFIDENTIALITY, &extra,
		  &attrs, &expiry);
	check(st == SEC_I_CONTINUE_NEEDED && SecIsValidHandle(&ctx) && (ctx.dwLower || ctx.dwUpper),
	      "first leg: SEC_I_CONTINUE_NEEDED, a context handle", st);
	check(out.pvBuffer && out.cbBuffer == strlen(FAKE_OUTPUT) &&
		      !memcmp(out.pvBuffer, FAKE_OUTPUT, out.cbBuffer) &&
		      (attrs & ASC_RET_ALLOCATED_MEMORY),
	      "ASC_REQ_ALLOCATE_MEMORY: allocated token, ASC_RET_ALLOCATED_MEMORY", st);
	FreeContextBuffer(out.pvBuffer);
	check(extra == 3, "SECBUFFER_EMPTY became SECBUFFER_EXTRA: 3 bytes, pointing at them", st);
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
	st = step(&cred, &ctx, 0, "OK", &out, ASC_REQ_STREAM | ASC_REQ_DELEGATE, &extra, &attrs,
		  &expiry);
	check(st == SEC_E_OK && out.cbBuffer == 5 && !memcmp(big, "final", 5) &&
		      (attrs & ASC_RET_DELEGATE) && expiry.QuadPart > 0,
	      "last leg: SEC_E_OK, final token, ASC_RET_DELEGATE, expiry", st);

	st = QueryContextAttributes(&ctx, SECPKG_ATTR_NAMES, &names);
	check(st == SEC_E_OK && !strcmp(names.sUserName, FAKE_PRINCIPAL),
	      "QueryContextAttributes(NAMES): " FAKE_PRINCIPAL, st);
	if (st == SEC_E_OK)
		FreeContextBuffer(names.sUserName);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_LIFESPAN, &life);
	check(st == SEC_E_OK && life.tsExpiry.QuadPart == expiry.QuadPart &&
		      life.tsStart.QuadPart <= life.tsExpiry.QuadPart,
	      "QueryContextAttributes(LIFESPAN)", st);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_STREAM_SIZES, &ss);
	check(st == SEC_E_OK && ss.cbMaximumMessage > 0 && ss.cbHeader > 0,
	      "QueryContextAttributes(STREAM_SIZES)", st);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_PACKAGE_INFO, &pkg);
	check(st == SEC_E_OK && !strcmp(pkg.PackageInfo->Name, "CredSSP") &&
		      pkg.PackageInfo->fCapabilities == CREDSSP_PKG_CAPABILITIES,
	      "QueryContextAttributes(PACKAGE_INFO)", st);
	if (st == SEC_E_OK)
		FreeContextBuffer(pkg.PackageInfo);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_NEGOTIATION_PACKAGE, &nego);
	check(st == SEC_E_OK && !strcmp(nego.PackageInfo->Name, "NTLM") &&
		      nego.NegotiationState == SECPKG_NEGOTIATION_COMPLETE,
	      "QueryContextAttributes(NEGOTIATION_PACKAGE): NTLM", st);
	if (st == SEC_E_OK)
		FreeContextBuffer(nego.PackageInfo);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_CREDS_2, &cc);
	check(st == SEC_E_OK && cc.AuthBufferLen == clen && !memcmp(cc.AuthBuffer, want, clen),
	      "QueryContextAttributes(CREDS_2): the delegated credentials", st);
	if (st == SEC_E_OK)
		FreeContextBuffer(cc.AuthBuffer);
	st = QueryContextAttributes(&ctx, SECPKG_ATTR_CREDS, &cc);
	check(st == SEC_E_NO_CREDENTIALS, "... only once", st);

	check(DeleteSecurityContext(&ctx) == SEC_E_OK, "DeleteSecurityContext", 0);
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
