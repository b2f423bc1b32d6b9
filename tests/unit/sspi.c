// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the SSPI porting layer (lib/sspi.h, lib/sspi.c,
 * lib/account.c) on the host, without credssp.ko: values and layouts against
 * the Windows SDK, what each QueryContextAttributes attribute writes,
 * request and reported flags, Windows time, UTF-16, the function tables,
 * the principal -> account mapping and the per-thread identity switch.
 * Calls that reach the kernel find no "credssp" family here; the guest
 * tests (lib/tests/sspi_handshake.c) cover them with live contexts.
 *
 * The known answers are the Windows SDK's, read in MinGW-w64's headers
 * (github.com/mingw-w64/mingw-w64, commit d7f3c52012c4af4fb526330117d9c86b266018dc:
 * mingw-w64-headers/include/winerror.h, sspi.h, credssp.h) and on Microsoft's
 * pages "QueryContextAttributes (CredSSP)" (SECPKG_ATTR_CREDS 0x80000080,
 * SECPKG_ATTR_NEGOTIATION_PACKAGE 0x80000081, SECPKG_ATTR_CREDS_2
 * 0x80000086) and "SecPkgContext_Lifespan" (local time).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sspi.h"
#include "internal.h"
#include "kselftest_harness.h"
#include "../../lib/tests/other_thread.h"

/* ---- statuses: every one sspi.h defines, winerror.h's value ---- */

struct known {
	const char *name;
	uint32_t have, want;
};

#define KNOWN(n, v)                  \
	{                            \
#n, (uint32_t)(n), v \
	}

static const struct known statuses[] = {
	KNOWN(SEC_E_OK, 0x00000000),
	KNOWN(SEC_I_CONTINUE_NEEDED, 0x00090312),
	KNOWN(SEC_I_COMPLETE_NEEDED, 0x00090313),
	KNOWN(SEC_I_COMPLETE_AND_CONTINUE, 0x00090314),
	KNOWN(SEC_I_CONTEXT_EXPIRED, 0x00090317),
	KNOWN(SEC_E_INSUFFICIENT_MEMORY, 0x80090300),
	KNOWN(SEC_E_INVALID_HANDLE, 0x80090301),
	KNOWN(SEC_E_UNSUPPORTED_FUNCTION, 0x80090302),
	KNOWN(SEC_E_INTERNAL_ERROR, 0x80090304),
	KNOWN(SEC_E_SECPKG_NOT_FOUND, 0x80090305),
	KNOWN(SEC_E_INVALID_TOKEN, 0x80090308),
	KNOWN(SEC_E_NO_IMPERSONATION, 0x8009030B),
	KNOWN(SEC_E_LOGON_DENIED, 0x8009030C),
	KNOWN(SEC_E_NO_CREDENTIALS, 0x8009030E),
	KNOWN(SEC_E_OUT_OF_SEQUENCE, 0x80090310),
	KNOWN(SEC_E_NO_AUTHENTICATING_AUTHORITY, 0x80090311),
	KNOWN(SEC_E_CONTEXT_EXPIRED, 0x80090317),
	KNOWN(SEC_E_INCOMPLETE_MESSAGE, 0x80090318),
	KNOWN(SEC_E_BUFFER_TOO_SMALL, 0x80090321),
	KNOWN(SEC_E_INVALID_PARAMETER, 0x8009035D),
	KNOWN(SEC_E_ILLEGAL_MESSAGE, 0x80090326),
	KNOWN(SEC_E_DECRYPT_FAILURE, 0x80090330),
	/* the uapi credssp.ko answers with: the same values */
	KNOWN(CREDSSP_SEC_STATUS_OK, 0x00000000),
	KNOWN(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, 0x00090312),
	KNOWN(CREDSSP_SEC_STATUS_COMPLETE_NEEDED, 0x00090313),
	KNOWN(CREDSSP_SEC_STATUS_COMPLETE_AND_CONTINUE, 0x00090314),
	KNOWN(CREDSSP_SEC_STATUS_I_CONTEXT_EXPIRED, 0x00090317),
	KNOWN(CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY, 0x80090300),
	KNOWN(CREDSSP_SEC_STATUS_INVALID_HANDLE, 0x80090301),
	KNOWN(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION, 0x80090302),
	KNOWN(CREDSSP_SEC_STATUS_INTERNAL_ERROR, 0x80090304),
	KNOWN(CREDSSP_SEC_STATUS_SECPKG_NOT_FOUND, 0x80090305),
	KNOWN(CREDSSP_SEC_STATUS_INVALID_TOKEN, 0x80090308),
	KNOWN(CREDSSP_SEC_STATUS_LOGON_DENIED, 0x8009030C),
	KNOWN(CREDSSP_SEC_STATUS_NO_CREDENTIALS, 0x8009030E),
	KNOWN(CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE, 0x80090310),
	KNOWN(CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, 0x80090311),
	KNOWN(CREDSSP_SEC_STATUS_CONTEXT_EXPIRED, 0x80090317),
	KNOWN(CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE, 0x80090318),
	KNOWN(CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL, 0x80090321),
	KNOWN(CREDSSP_SEC_STATUS_INVALID_PARAMETER, 0x8009035D),
	KNOWN(CREDSSP_SEC_STATUS_ILLEGAL_MESSAGE, 0x80090326),
	KNOWN(CREDSSP_SEC_STATUS_DECRYPT_FAILURE, 0x80090330),
};

static void check_known(struct __test_metadata *_metadata, const struct known *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (k[i].have != k[i].want)
			TH_LOG("%s is 0x%08x, the SDK's is 0x%08x", k[i].name, k[i].have,
			       k[i].want);
		EXPECT_EQ(k[i].want, k[i].have);
	}
}

TEST(status_values_are_winerror)
{
	check_known(_metadata, statuses, sizeof(statuses) / sizeof(statuses[0]));
	/* signed, as winerror.h's HRESULT casts: errors test < 0 */
	EXPECT_TRUE(SEC_E_INVALID_HANDLE < 0);
	EXPECT_TRUE(SEC_I_CONTINUE_NEEDED > 0);
	/* the uapi the kernel answers with, and not SCARD_E_INVALID_HANDLE */
	EXPECT_EQ(0x80090301U, (uint32_t)CREDSSP_SEC_STATUS_INVALID_HANDLE);
	EXPECT_NE(0x80100003U, (uint32_t)SEC_E_INVALID_HANDLE);
	EXPECT_STREQ("SEC_E_INVALID_HANDLE", credssp_status_name(0x80090301U));
	/* a status only sspi.h's calls return has its name too */
	EXPECT_STREQ("SEC_E_NO_IMPERSONATION",
		     credssp_status_name((credssp_status_t)SEC_E_NO_IMPERSONATION));
}

/* ---- flags, attributes, buffer types: the SDK's values and the uapi's ---- */

static const struct known values[] = {
	KNOWN(ASC_REQ_DELEGATE, 0x00000001),
	KNOWN(ASC_REQ_MUTUAL_AUTH, 0x00000002),
	KNOWN(ASC_REQ_REPLAY_DETECT, 0x00000004),
	KNOWN(ASC_REQ_SEQUENCE_DETECT, 0x00000008),
	KNOWN(ASC_REQ_CONFIDENTIALITY, 0x00000010),
	KNOWN(ASC_REQ_USE_SESSION_KEY, 0x00000020),
	KNOWN(ASC_REQ_SESSION_TICKET, 0x00000040),
	KNOWN(ASC_REQ_ALLOCATE_MEMORY, 0x00000100),
	KNOWN(ASC_REQ_USE_DCE_STYLE, 0x00000200),
	KNOWN(ASC_REQ_DATAGRAM, 0x00000400),
	KNOWN(ASC_REQ_CONNECTION, 0x00000800),
	KNOWN(ASC_REQ_CALL_LEVEL, 0x00001000),
	KNOWN(ASC_REQ_FRAGMENT_SUPPLIED, 0x00002000),
	KNOWN(ASC_REQ_EXTENDED_ERROR, 0x00008000),
	KNOWN(ASC_REQ_STREAM, 0x00010000),
	KNOWN(ASC_REQ_INTEGRITY, 0x00020000),
	KNOWN(ASC_REQ_LICENSING, 0x00040000),
	KNOWN(ASC_REQ_IDENTIFY, 0x00080000),
	KNOWN(ASC_REQ_ALLOW_NULL_SESSION, 0x00100000),
	KNOWN(ASC_REQ_ALLOW_NON_USER_LOGONS, 0x00200000),
	KNOWN(ASC_REQ_ALLOW_CONTEXT_REPLAY, 0x00400000),
	KNOWN(ASC_REQ_FRAGMENT_TO_FIT, 0x00800000),
	KNOWN(ASC_REQ_NO_TOKEN, 0x01000000),
	KNOWN(ASC_REQ_PROXY_BINDINGS, 0x04000000),
	KNOWN(ASC_REQ_ALLOW_MISSING_BINDINGS, 0x10000000),
	KNOWN(ASC_RET_DELEGATE, 0x00000001),
	KNOWN(ASC_RET_MUTUAL_AUTH, 0x00000002),
	KNOWN(ASC_RET_REPLAY_DETECT, 0x00000004),
	KNOWN(ASC_RET_SEQUENCE_DETECT, 0x00000008),
	KNOWN(ASC_RET_CONFIDENTIALITY, 0x00000010),
	KNOWN(ASC_RET_USE_SESSION_KEY, 0x00000020),
	KNOWN(ASC_RET_SESSION_TICKET, 0x00000040),
	KNOWN(ASC_RET_ALLOCATED_MEMORY, 0x00000100),
	KNOWN(ASC_RET_USED_DCE_STYLE, 0x00000200),
	KNOWN(ASC_RET_DATAGRAM, 0x00000400),
	KNOWN(ASC_RET_CONNECTION, 0x00000800),
	KNOWN(ASC_RET_CALL_LEVEL, 0x00002000),
	KNOWN(ASC_RET_THIRD_LEG_FAILED, 0x00004000),
	KNOWN(ASC_RET_EXTENDED_ERROR, 0x00008000),
	KNOWN(ASC_RET_STREAM, 0x00010000),
	KNOWN(ASC_RET_INTEGRITY, 0x00020000),
	KNOWN(ASC_RET_LICENSING, 0x00040000),
	KNOWN(ASC_RET_IDENTIFY, 0x00080000),
	KNOWN(ASC_RET_NULL_SESSION, 0x00100000),
	KNOWN(ASC_RET_ALLOW_NON_USER_LOGONS, 0x00200000),
	KNOWN(ASC_RET_ALLOW_CONTEXT_REPLAY, 0x00400000),
	KNOWN(ASC_RET_FRAGMENT_ONLY, 0x00800000),
	KNOWN(ASC_RET_NO_TOKEN, 0x01000000),
	KNOWN(ASC_RET_NO_ADDITIONAL_TOKEN, 0x02000000),
	KNOWN(SECPKG_ATTR_SIZES, 0),
	KNOWN(SECPKG_ATTR_NAMES, 1),
	KNOWN(SECPKG_ATTR_LIFESPAN, 2),
	KNOWN(SECPKG_ATTR_STREAM_SIZES, 4),
	KNOWN(SECPKG_ATTR_KEY_INFO, 5),
	KNOWN(SECPKG_ATTR_PACKAGE_INFO, 10),
	KNOWN(SECPKG_ATTR_NEGOTIATION_INFO, 12),
	KNOWN(SECPKG_ATTR_ACCESS_TOKEN, 18),
	KNOWN(SECPKG_ATTR_CREDS, 0x80000080),
	KNOWN(SECPKG_ATTR_NEGOTIATION_PACKAGE, 0x80000081),
	KNOWN(SECPKG_ATTR_CREDS_2, 0x80000086),
	KNOWN(SECPKG_NEGOTIATION_COMPLETE, 0),
	KNOWN(SECPKG_NEGOTIATION_IN_PROGRESS, 2),
	KNOWN(SECBUFFER_VERSION, 0),
	KNOWN(SECBUFFER_EMPTY, 0),
	KNOWN(SECBUFFER_DATA, 1),
	KNOWN(SECBUFFER_TOKEN, 2),
	KNOWN(SECBUFFER_MISSING, 4),
	KNOWN(SECBUFFER_EXTRA, 5),
	KNOWN(SECBUFFER_STREAM_TRAILER, 6),
	KNOWN(SECBUFFER_STREAM_HEADER, 7),
	KNOWN(SECBUFFER_ALERT, 17),
	KNOWN(SECBUFFER_ATTRMASK, 0xF0000000),
	KNOWN(SECBUFFER_READONLY, 0x80000000),
	KNOWN(SECPKG_CRED_INBOUND, 1),
	KNOWN(SECPKG_CRED_OUTBOUND, 2),
	KNOWN(SECPKG_CRED_BOTH, 3),
	KNOWN(SECURITY_NATIVE_DREP, 0x10),
	KNOWN(SECURITY_NETWORK_DREP, 0),
	KNOWN(SECPKG_FLAG_INTEGRITY, 0x00000001),
	KNOWN(SECPKG_FLAG_DELEGATION, 0x00020000),
	KNOWN(SECPKG_ID_NONE, 0xFFFF),
	KNOWN(SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5, 5),
	/* the uapi credssp.ko speaks agrees */
	KNOWN(CREDSSP_REQ_PROXY_BINDINGS, ASC_REQ_PROXY_BINDINGS),
	KNOWN(CREDSSP_REQ_ALLOW_CONTEXT_REPLAYS, ASC_REQ_ALLOW_CONTEXT_REPLAY),
	KNOWN(CREDSSP_RET_INTEGRITY, ASC_RET_INTEGRITY),
	KNOWN(CREDSSP_RET_THIRD_LEG_FAILED, ASC_RET_THIRD_LEG_FAILED),
	KNOWN(CREDSSP_QUERY_NEGOTIATION_PACKAGE, SECPKG_ATTR_NEGOTIATION_PACKAGE),
	KNOWN(CREDSSP_QUERY_CREDS_2, SECPKG_ATTR_CREDS_2),
	KNOWN(CREDSSP_QUERY_STREAM_SIZES, SECPKG_ATTR_STREAM_SIZES),
	KNOWN(CREDSSP_CRED_USE_BOTH, SECPKG_CRED_BOTH),
	KNOWN(CREDSSP_DATA_REP_NATIVE, SECURITY_NATIVE_DREP),
	KNOWN(CREDSSP_NEGO_STATE_COMPLETE, SECPKG_NEGOTIATION_COMPLETE),
};

TEST(flag_and_attribute_values_are_the_sdks)
{
	check_known(_metadata, values, sizeof(values) / sizeof(values[0]));
}

/* ---- layouts: the SDK's on x86_64 (LLP64 Windows and LP64 Linux agree) ---- */

#define FIELD(t, f)   (offsetof(t, f) | sizeof(((t *)0)->f) << 16)
#define AT(off, size) ((off) | (size) << 16)

TEST(layouts_are_the_sdks)
{
	ASSERT_EQ(8, sizeof(void *));
	EXPECT_EQ(4, sizeof(ULONG));
	EXPECT_EQ(2, sizeof(SEC_WCHAR));
	EXPECT_EQ(8, sizeof(TimeStamp));
	EXPECT_EQ(16, sizeof(SecHandle));
	EXPECT_EQ(AT(8, 8), FIELD(SecHandle, dwUpper));
	EXPECT_EQ(16, sizeof(SecBuffer));
	EXPECT_EQ(AT(4, 4), FIELD(SecBuffer, BufferType));
	EXPECT_EQ(AT(8, 8), FIELD(SecBuffer, pvBuffer));
	EXPECT_EQ(16, sizeof(SecBufferDesc));
	EXPECT_EQ(AT(8, 8), FIELD(SecBufferDesc, pBuffers));
	EXPECT_EQ(32, sizeof(SecPkgInfoA));
	EXPECT_EQ(AT(4, 2), FIELD(SecPkgInfoA, wVersion));
	EXPECT_EQ(AT(6, 2), FIELD(SecPkgInfoA, wRPCID));
	EXPECT_EQ(AT(8, 4), FIELD(SecPkgInfoA, cbMaxToken));
	EXPECT_EQ(AT(16, 8), FIELD(SecPkgInfoA, Name));
	EXPECT_EQ(AT(24, 8), FIELD(SecPkgInfoA, Comment));
	EXPECT_EQ(32, sizeof(SecPkgInfoW));
	EXPECT_EQ(AT(24, 8), FIELD(SecPkgInfoW, Comment));
	EXPECT_EQ(16, sizeof(SecPkgContext_Sizes));
	EXPECT_EQ(AT(12, 4), FIELD(SecPkgContext_Sizes, cbSecurityTrailer));
	EXPECT_EQ(20, sizeof(SecPkgContext_StreamSizes));
	EXPECT_EQ(AT(16, 4), FIELD(SecPkgContext_StreamSizes, cbBlockSize));
	EXPECT_EQ(8, sizeof(SecPkgContext_NamesA));
	EXPECT_EQ(8, sizeof(SecPkgContext_NamesW));
	EXPECT_EQ(16, sizeof(SecPkgContext_Lifespan));
	EXPECT_EQ(AT(8, 8), FIELD(SecPkgContext_Lifespan, tsExpiry));
	/* NEGOTIATION_PACKAGE's structure: one pointer, nothing after it */
	EXPECT_EQ(8, sizeof(SecPkgContext_PackageInfoA));
	EXPECT_EQ(8, sizeof(SecPkgContext_PackageInfoW));
	EXPECT_EQ(16, sizeof(SecPkgContext_NegotiationInfoA));
	EXPECT_EQ(AT(8, 4), FIELD(SecPkgContext_NegotiationInfoA, NegotiationState));
	EXPECT_EQ(16, sizeof(SecPkgContext_NegotiationInfoW));
	EXPECT_EQ(16, sizeof(SecPkgContext_ClientCreds));
	EXPECT_EQ(AT(8, 8), FIELD(SecPkgContext_ClientCreds, AuthBuffer));
}

/* The SDK's order: dwVersion, then 31 pointers (slot n at 8 * n). */
TEST(function_table_layout_is_the_sdks)
{
	EXPECT_EQ(256, sizeof(SecurityFunctionTableA));
	EXPECT_EQ(256, sizeof(SecurityFunctionTableW));
	EXPECT_EQ(AT(0, 4), FIELD(SecurityFunctionTableA, dwVersion));
	EXPECT_EQ(8 * 1, offsetof(SecurityFunctionTableA, EnumerateSecurityPackagesA));
	EXPECT_EQ(8 * 3, offsetof(SecurityFunctionTableA, AcquireCredentialsHandleA));
	EXPECT_EQ(8 * 4, offsetof(SecurityFunctionTableA, FreeCredentialHandle));
	EXPECT_EQ(8 * 7, offsetof(SecurityFunctionTableA, AcceptSecurityContext));
	EXPECT_EQ(8 * 8, offsetof(SecurityFunctionTableA, CompleteAuthToken));
	EXPECT_EQ(8 * 11, offsetof(SecurityFunctionTableA, QueryContextAttributesA));
	EXPECT_EQ(8 * 12, offsetof(SecurityFunctionTableA, ImpersonateSecurityContext));
	EXPECT_EQ(8 * 16, offsetof(SecurityFunctionTableA, FreeContextBuffer));
	EXPECT_EQ(8 * 17, offsetof(SecurityFunctionTableA, QuerySecurityPackageInfoA));
	EXPECT_EQ(8 * 24, offsetof(SecurityFunctionTableA, QuerySecurityContextToken));
	EXPECT_EQ(8 * 26, offsetof(SecurityFunctionTableA, DecryptMessage));
	EXPECT_EQ(8 * 31, offsetof(SecurityFunctionTableA, QueryCredentialsAttributesExA));
	EXPECT_EQ(8 * 4, offsetof(SecurityFunctionTableW, FreeCredentialsHandle));
	EXPECT_EQ(8 * 11, offsetof(SecurityFunctionTableW, QueryContextAttributesW));
	EXPECT_EQ(8 * 29, offsetof(SecurityFunctionTableW, ChangeAccountPasswordW));
}

TEST(function_tables)
{
	PSecurityFunctionTableA a = InitSecurityInterfaceA();
	PSecurityFunctionTableW w = InitSecurityInterfaceW();
	SecBufferDesc d = {SECBUFFER_VERSION, 0, NULL};
	CtxtHandle ctx = {1, 2};
	ULONG q = 0;
	size_t i;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, w);
	EXPECT_EQ(a, InitSecurityInterfaceA());
	EXPECT_EQ(5, a->dwVersion);
	EXPECT_EQ(5, w->dwVersion);
	EXPECT_TRUE(AcquireCredentialsHandleA == a->AcquireCredentialsHandleA);
	EXPECT_TRUE(AcquireCredentialsHandleW == w->AcquireCredentialsHandleW);
	EXPECT_TRUE(FreeCredentialsHandle == a->FreeCredentialHandle);
	EXPECT_TRUE(FreeCredentialHandle == w->FreeCredentialsHandle); /* the SDK's alias */
	EXPECT_TRUE(AcceptSecurityContext == a->AcceptSecurityContext);
	EXPECT_TRUE(QueryContextAttributesA == a->QueryContextAttributesA);
	EXPECT_TRUE(QueryContextAttributesW == w->QueryContextAttributesW);
	EXPECT_TRUE(ImpersonateSecurityContext == w->ImpersonateSecurityContext);
	EXPECT_TRUE(RevertSecurityContext == w->RevertSecurityContext);
	EXPECT_TRUE(QuerySecurityPackageInfoW == w->QuerySecurityPackageInfoW);
	EXPECT_TRUE(EnumerateSecurityPackagesW == w->EnumerateSecurityPackagesW);
	EXPECT_TRUE(QuerySecurityContextToken == a->QuerySecurityContextToken);
	/* every slot but the Reserved ones is a function */
	for (i = 1; i < 32; i++) {
		void *const *slot = (void *const *)((char *)a + 8 * i);
		void *const *wslot = (void *const *)((char *)w + 8 * i);
		int reserved = i == 5 || i == 18 || i == 19 || i == 23;

		EXPECT_EQ(reserved, *slot == NULL);
		EXPECT_EQ(reserved, *wslot == NULL);
	}
	/* and those CredSSP's server side has not say so */
	EXPECT_EQ(SEC_E_UNSUPPORTED_FUNCTION,
		  a->InitializeSecurityContextA(NULL, NULL, NULL, 0, 0, 0, NULL, 0, NULL, NULL,
						NULL, NULL));
	EXPECT_TRUE(EncryptMessage == a->EncryptMessage);
	EXPECT_TRUE(EncryptMessage == w->EncryptMessage);
	EXPECT_TRUE(DecryptMessage == a->DecryptMessage);
	EXPECT_TRUE(DecryptMessage == w->DecryptMessage);
	EXPECT_EQ(SEC_E_INVALID_HANDLE, EncryptMessage(NULL, 0, &d, 0));
	EXPECT_EQ(SEC_E_INVALID_HANDLE, DecryptMessage(NULL, &d, 0, &q));
	EXPECT_EQ(SEC_E_UNSUPPORTED_FUNCTION, a->MakeSignature(&ctx, 0, &d, 0));
	EXPECT_EQ(SEC_E_UNSUPPORTED_FUNCTION, a->QueryContextAttributesExA(&ctx, 0, &q, 4));
	EXPECT_EQ(SEC_E_UNSUPPORTED_FUNCTION, w->ExportSecurityContext(&ctx, 0, NULL, NULL));
}

/* ---- what QueryContextAttributes writes, for each attribute ---- */

/* A package as libcredssp returns it (one FreeContextBuffer() block). */
static struct credssp_pkg_info *pkg(const char *name)
{
	static const char comment[] = "a comment";
	struct credssp_pkg_info *p =
		credssp__cbuf_alloc(sizeof(*p) + strlen(name) + 1 + sizeof(comment));

	p->capabilities = 0x42;
	p->version = 1;
	p->rpcid = 10;
	p->max_token = 4800;
	p->name = (char *)(p + 1);
	p->comment = p->name + strlen(name) + 1;
	strcpy(p->name, name);
	strcpy(p->comment, comment);
	return p;
}

static char *cstr(const char *s)
{
	return strcpy(credssp__cbuf_alloc(strlen(s) + 1), s);
}

/* Each buffer is malloc()ed at exactly the documented size: ASan stops a write past it. */
TEST(query_fills_exactly_the_documented_structure)
{
	union credssp__query r;
	SecPkgContext_PackageInfoA *pa = malloc(sizeof(*pa));
	SecPkgContext_PackageInfoW *pw = malloc(sizeof(*pw));
	SecPkgContext_NegotiationInfoA *na = malloc(sizeof(*na));
	SecPkgContext_NegotiationInfoW *nw = malloc(sizeof(*nw));
	SecPkgContext_NamesA *ma = malloc(sizeof(*ma));
	SecPkgContext_NamesW *mw = malloc(sizeof(*mw));
	SecPkgContext_Lifespan *life = malloc(sizeof(*life));
	SecPkgContext_StreamSizes *ss = malloc(sizeof(*ss));
	SecPkgContext_Sizes *sz = malloc(sizeof(*sz));
	SecPkgContext_ClientCreds *cc = malloc(sizeof(*cc));

	setenv("TZ", "UTC", 1);
	tzset();

	memset(&r, 0, sizeof(r));
	r.nego.info = pkg("NTLM");
	r.nego.state = SECPKG_NEGOTIATION_COMPLETE;
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_NEGOTIATION_PACKAGE, 0, &r, pa));
	EXPECT_STREQ("NTLM", pa->PackageInfo->Name);
	EXPECT_STREQ("a comment", pa->PackageInfo->Comment);
	EXPECT_EQ(0x42, pa->PackageInfo->fCapabilities);
	EXPECT_EQ(4800, pa->PackageInfo->cbMaxToken);
	EXPECT_EQ(SEC_E_OK, FreeContextBuffer(pa->PackageInfo));

	r.nego.info = pkg("Kerberos");
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_NEGOTIATION_PACKAGE, 1, &r, pw));
	EXPECT_EQ(0, memcmp(u"Kerberos", pw->PackageInfo->Name, sizeof(u"Kerberos")));
	EXPECT_EQ(0, memcmp(u"a comment", pw->PackageInfo->Comment, sizeof(u"a comment")));
	EXPECT_EQ(10, pw->PackageInfo->wRPCID);
	FreeContextBuffer(pw->PackageInfo);

	r.nego.info = pkg("NTLM");
	r.nego.state = 2;
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_NEGOTIATION_INFO, 0, &r, na));
	EXPECT_STREQ("NTLM", na->PackageInfo->Name);
	EXPECT_EQ(2, na->NegotiationState);
	FreeContextBuffer(na->PackageInfo);
	r.nego.info = pkg("NTLM");
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_NEGOTIATION_INFO, 1, &r, nw));
	EXPECT_EQ(0, memcmp(u"NTLM", nw->PackageInfo->Name, sizeof(u"NTLM")));
	EXPECT_EQ(2, nw->NegotiationState);
	FreeContextBuffer(nw->PackageInfo);

	r.pkg.info = pkg("CredSSP");
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_PACKAGE_INFO, 1, &r, pw));
	EXPECT_EQ(0, memcmp(u"CredSSP", pw->PackageInfo->Name, sizeof(u"CredSSP")));
	FreeContextBuffer(pw->PackageInfo);

	r.names.user_name = cstr("TEST\\al\xc3\xaf"
				 "ce");
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_NAMES, 1, &r, mw));
	EXPECT_EQ(0, memcmp(u"TEST\\al\u00efce", mw->sUserName, sizeof(u"TEST\\al\u00efce")));
	FreeContextBuffer(mw->sUserName);
	r.names.user_name = cstr("TEST\\alice");
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_NAMES, 0, &r, ma));
	EXPECT_STREQ("TEST\\alice", ma->sUserName);
	FreeContextBuffer(ma->sUserName);
	/* a name that is not UTF-8: an error, nothing leaked */
	r.names.user_name = cstr("\xff");
	EXPECT_EQ(SEC_E_INTERNAL_ERROR, credssp__query_fill(SECPKG_ATTR_NAMES, 1, &r, mw));

	r.life.start = 0;
	r.life.expiry = CREDSSP_TIME_NEVER;
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_LIFESPAN, 0, &r, life));
	EXPECT_EQ(INT64_C(116444736000000000), life->tsStart.QuadPart);
	EXPECT_EQ(SEC_TIMESTAMP_NEVER, life->tsExpiry.QuadPart);

	r.stream.header = 5;
	r.stream.trailer = 16;
	r.stream.max_message = 16384;
	r.stream.buffers = 4;
	r.stream.block_size = 1;
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_STREAM_SIZES, 0, &r, ss));
	EXPECT_EQ(5, ss->cbHeader);
	EXPECT_EQ(16, ss->cbTrailer);
	EXPECT_EQ(16384, ss->cbMaximumMessage);
	EXPECT_EQ(4, ss->cBuffers);
	EXPECT_EQ(1, ss->cbBlockSize);

	r.sizes.max_token = 65000;
	r.sizes.security_trailer = 7;
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_SIZES, 0, &r, sz));
	EXPECT_EQ(65000, sz->cbMaxToken);
	EXPECT_EQ(7, sz->cbSecurityTrailer);

	r.creds.data = (uint8_t *)cstr("creds");
	r.creds.len = 5;
	ASSERT_EQ(SEC_E_OK, credssp__query_fill(SECPKG_ATTR_CREDS_2, 1, &r, cc));
	EXPECT_EQ(5, cc->AuthBufferLen);
	EXPECT_EQ(0, memcmp("creds", cc->AuthBuffer, 5));
	FreeContextBuffer(cc->AuthBuffer);

	free(pa), free(pw), free(na), free(nw), free(ma), free(mw), free(life), free(ss), free(sz),
		free(cc);
}

TEST(query_attributes_the_library_knows)
{
	CtxtHandle ctx = {1, 2};
	SecPkgContext_Sizes s;

	EXPECT_EQ(SECPKG_ATTR_NEGOTIATION_PACKAGE,
		  credssp__query_attr(SECPKG_ATTR_NEGOTIATION_INFO));
	EXPECT_EQ(SECPKG_ATTR_NEGOTIATION_PACKAGE,
		  credssp__query_attr(SECPKG_ATTR_NEGOTIATION_PACKAGE));
	EXPECT_EQ(SECPKG_ATTR_CREDS_2, credssp__query_attr(SECPKG_ATTR_CREDS_2));
	EXPECT_EQ(UINT32_MAX, credssp__query_attr(SECPKG_ATTR_KEY_INFO));
	EXPECT_EQ(UINT32_MAX, credssp__query_attr(SECPKG_ATTR_ACCESS_TOKEN));
	/* refused before any kernel call: no module here */
	EXPECT_EQ(SEC_E_UNSUPPORTED_FUNCTION,
		  QueryContextAttributesA(&ctx, SECPKG_ATTR_ACCESS_TOKEN, &s));
	EXPECT_EQ(SEC_E_UNSUPPORTED_FUNCTION,
		  QueryContextAttributesW(&ctx, SECPKG_ATTR_KEY_INFO, &s));
	EXPECT_EQ(SEC_E_INVALID_HANDLE, QueryContextAttributesW(NULL, SECPKG_ATTR_SIZES, &s));
	EXPECT_EQ(SEC_E_INVALID_PARAMETER, QueryContextAttributesA(&ctx, SECPKG_ATTR_SIZES, NULL));
}

/* ---- fContextReq and pfContextAttr ---- */

TEST(request_flags_are_hints)
{
	/* CREDSSP_REQ_SUPPORTED of include/net/credssp.h: what credssp.ko takes */
	const ULONG kernel = ASC_REQ_DELEGATE | ASC_REQ_MUTUAL_AUTH | ASC_REQ_REPLAY_DETECT |
			     ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONFIDENTIALITY |
			     ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONNECTION | ASC_REQ_EXTENDED_ERROR |
			     ASC_REQ_STREAM | ASC_REQ_INTEGRITY | ASC_REQ_ALLOW_MISSING_BINDINGS;
	ULONG bit;

	for (bit = 1; bit; bit <<= 1)
		EXPECT_EQ(bit & kernel, credssp__asc_req(bit));
	EXPECT_EQ(ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM,
		  credssp__asc_req(ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM | ASC_REQ_IDENTIFY |
				   ASC_REQ_USE_DCE_STYLE | ASC_REQ_PROXY_BINDINGS |
				   ASC_REQ_SESSION_TICKET | 0x80000000U));
}

TEST(reported_flags)
{
	/* what credsspd reports (helper/engine.c) */
	const ULONG engine = ASC_RET_MUTUAL_AUTH | ASC_RET_CONFIDENTIALITY | ASC_RET_CONNECTION |
			     ASC_RET_STREAM | ASC_RET_DELEGATE;
	const ULONG req = ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT |
			  ASC_REQ_CONFIDENTIALITY | ASC_REQ_EXTENDED_ERROR | ASC_REQ_STREAM |
			  ASC_REQ_IDENTIFY | ASC_REQ_DATAGRAM;

	EXPECT_EQ(engine | ASC_RET_INTEGRITY | ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT |
			  ASC_RET_EXTENDED_ERROR,
		  credssp__asc_ret(req, engine));
	/* not requested: not claimed; never what CredSSP did not do */
	EXPECT_EQ(engine, credssp__asc_ret(ASC_REQ_STREAM, engine));
	EXPECT_EQ(0,
		  credssp__asc_ret(ASC_REQ_IDENTIFY | ASC_REQ_DATAGRAM | ASC_REQ_USE_DCE_STYLE, 0));
}

/* ---- TimeStamp ---- */

TEST(timestamp_is_windows_time)
{
	setenv("TZ", "UTC", 1);
	tzset();
	/* 1970-01-01 is 11644473600 s after 1601-01-01 */
	EXPECT_EQ(INT64_C(116444736000000000), credssp__filetime(0));
	EXPECT_EQ((INT64_C(1700000000) + INT64_C(11644473600)) * 10000000,
		  credssp__filetime(1700000000));
	EXPECT_EQ(SEC_TIMESTAMP_NEVER, credssp__filetime(CREDSSP_TIME_NEVER));
	EXPECT_EQ(SEC_TIMESTAMP_NEVER, credssp__filetime(UINT64_C(1) << 62));
	/* local time, as the SDK recommends: two hours east of UTC */
	setenv("TZ", "<+02>-2", 1);
	tzset();
	EXPECT_EQ(INT64_C(116444736000000000) + INT64_C(2) * 3600 * 10000000, credssp__filetime(0));
	setenv("TZ", "UTC", 1);
	tzset();
}

/* ---- UTF-16 ---- */

TEST(utf16_conversions)
{
	/* BMP, two-byte, three-byte and four-byte (a surrogate pair) characters */
	static const char utf8[] = "CredSSP \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	static const SEC_WCHAR utf16[] = u"CredSSP \u00e9\u20ac\U0001F600";
	static const char *const bad[] = {
		"\xc0\x80",	    /* overlong NUL */
		"\xe0\x80\xaf",	    /* overlong '/' */
		"\xed\xa0\x80",	    /* a surrogate */
		"\xe2\x82",	    /* truncated */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"\x80",		    /* a lone continuation byte */
		"\xfe",
	};
	static const SEC_WCHAR lone_high[] = {'a', 0xd83d, 'b', 0};
	static const SEC_WCHAR lone_low[] = {0xde00, 0};
	SEC_WCHAR *w;
	char *s;
	size_t i;

	w = credssp__utf8_to_utf16(utf8);
	ASSERT_NE(NULL, w);
	EXPECT_EQ(0, memcmp(utf16, w, sizeof(utf16)));
	s = credssp__utf16_to_utf8(w);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ(utf8, s);
	free(s);
	FreeContextBuffer(w);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(NULL, credssp__utf8_to_utf16(bad[i]));
		EXPECT_EQ(EILSEQ, errno);
	}
	EXPECT_EQ(NULL, credssp__utf16_to_utf8(lone_high));
	EXPECT_EQ(NULL, credssp__utf16_to_utf8(lone_low));
	w = credssp__utf8_to_utf16("");
	ASSERT_NE(NULL, w);
	EXPECT_EQ(0, w[0]);
	FreeContextBuffer(w);
}

/* ---- the calls that need no kernel ---- */

TEST(package_info_a_and_w)
{
	static SEC_WCHAR bad[] = {0xd800, 0};
	PSecPkgInfoW w = NULL;
	PSecPkgInfoA a = NULL;
	ULONG n = 0;

	ASSERT_EQ(SEC_E_OK, QuerySecurityPackageInfoW(CREDSSP_NAME_W, &w));
	EXPECT_EQ(0, memcmp(u"CredSSP", w->Name, sizeof(u"CredSSP")));
	EXPECT_EQ(0, memcmp(u"" CREDSSP_PKG_COMMENT, w->Comment, sizeof(u"" CREDSSP_PKG_COMMENT)));
	EXPECT_EQ(CREDSSP_PKG_CAPABILITIES, w->fCapabilities);
	EXPECT_EQ(CREDSSP_TOKEN_MAX, w->cbMaxToken);
	EXPECT_EQ(SECPKG_ID_NONE, w->wRPCID);
	FreeContextBuffer(w);
	EXPECT_EQ(SEC_E_OK, QuerySecurityPackageInfoW((SEC_WCHAR *)u"credssp", &w));
	FreeContextBuffer(w);
	EXPECT_EQ(SEC_E_SECPKG_NOT_FOUND, QuerySecurityPackageInfoW((SEC_WCHAR *)u"NTLM", &w));
	EXPECT_EQ(NULL, w);
	EXPECT_EQ(SEC_E_INVALID_PARAMETER, QuerySecurityPackageInfoW(bad, &w));
	ASSERT_EQ(SEC_E_OK, EnumerateSecurityPackagesW(&n, &w));
	EXPECT_EQ(1, n);
	EXPECT_EQ(0, memcmp(u"CredSSP", w[0].Name, sizeof(u"CredSSP")));
	FreeContextBuffer(w);
	ASSERT_EQ(SEC_E_OK, QuerySecurityPackageInfoA(CREDSSP_NAME_A, &a));
	EXPECT_STREQ("CredSSP", a->Name);
	EXPECT_STREQ(CREDSSP_PKG_COMMENT, a->Comment);
	FreeContextBuffer(a);
	EXPECT_EQ(SEC_E_INVALID_PARAMETER,
		  AcquireCredentialsHandleW(NULL, bad, SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL,
					    &(CredHandle){0, 0}, NULL));
}

TEST(handle_calls_without_a_context)
{
	void *token = (void *)1;

	EXPECT_EQ(SEC_E_INVALID_HANDLE, CompleteAuthToken(NULL, NULL));
	EXPECT_EQ(SEC_E_INVALID_HANDLE, QuerySecurityContextToken(NULL, &token));
	EXPECT_EQ(NULL, token);
	EXPECT_EQ(SEC_E_INVALID_HANDLE, ImpersonateSecurityContext(NULL));
	EXPECT_EQ(SEC_E_INVALID_HANDLE, RevertSecurityContext(NULL));
	EXPECT_EQ(SEC_E_INVALID_HANDLE, DeleteSecurityContext(NULL));
	EXPECT_EQ(SEC_E_INVALID_HANDLE, FreeCredentialHandle(NULL));
}

/* ---- principal -> local account ---- */

TEST(principal_to_local_account)
{
	char out[64], conf[] = "/tmp/sspi-krb5.XXXXXX";
	FILE *f;
	int fd;

	EXPECT_EQ(0, credssp_principal_to_local("TEST\\alice", "NTLM", out, sizeof(out)));
	EXPECT_STREQ("alice", out);
	EXPECT_EQ(0, credssp_principal_to_local("bob.x_y-1", "NTLM", out, sizeof(out)));
	EXPECT_STREQ("bob.x_y-1", out);
	EXPECT_EQ(-EINVAL, credssp_principal_to_local("TEST\\-rf", "NTLM", out, sizeof(out)));
	EXPECT_STREQ("", out);
	EXPECT_EQ(-EINVAL, credssp_principal_to_local("TEST\\.profile", "NTLM", out, sizeof(out)));
	EXPECT_EQ(-EINVAL, credssp_principal_to_local("TEST\\a/b", "NTLM", out, sizeof(out)));
	EXPECT_EQ(-EINVAL, credssp_principal_to_local("TEST\\", "NTLM", out, sizeof(out)));
	EXPECT_EQ(-EINVAL, credssp_principal_to_local("A\\B\\c", "NTLM", out, sizeof(out)));
	EXPECT_EQ(-EINVAL, credssp_principal_to_local("TEST\\al ice", "NTLM", out, sizeof(out)));
	EXPECT_EQ(-EINVAL, credssp_principal_to_local("TEST\\abcdefghijklmnopqrstuvwxyz0123456",
						      "NTLM", out, sizeof(out)));
	EXPECT_EQ(-ERANGE, credssp_principal_to_local("TEST\\alice", "NTLM", out, 5));
	EXPECT_EQ(-EINVAL, credssp_principal_to_local("alice", "Negotiate", out, sizeof(out)));

	/* Kerberos: krb5.conf's rules; the default one maps the default realm */
	fd = mkstemp(conf);
	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	fputs("[libdefaults]\n\tdefault_realm = EXAMPLE.TEST\n", f);
	fclose(f);
	setenv("KRB5_CONFIG", conf, 1);
	EXPECT_EQ(0,
		  credssp_principal_to_local("alice@EXAMPLE.TEST", "Kerberos", out, sizeof(out)));
	EXPECT_STREQ("alice", out);
	EXPECT_NE(0, credssp_principal_to_local("alice@OTHER.TEST", "Kerberos", out, sizeof(out)));
	EXPECT_NE(0, credssp_principal_to_local("alice/admin@EXAMPLE.TEST", "Kerberos", out,
						sizeof(out)));
	unlink(conf);
}

/* ---- the calling thread's identity ---- */

static uint32_t cap_eff(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return 0xdeadbeef;
	return d[0].effective;
}

TEST(thread_identity_switch_and_restore)
{
	struct passwd *nobody = getpwnam("nobody");
	char dir[] = "/tmp/sspi-id.XXXXXX", secret[64], made[64];
	gid_t before[256], during[256];
	struct stat st;
	int fd;
	struct credssp__id id;
	int nb, nd, want_n = 256;
	gid_t want[256];
	struct other o;
	pthread_t t;

	if (geteuid() != 0 || !nobody)
		SKIP(return, "needs root and the account nobody");
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, chmod(dir, 01777));
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(made, sizeof(made), "%s/made", dir);
	fd = open(secret, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	nb = getgroups(256, before);
	ASSERT_LE(0, nb);
	ASSERT_EQ(0, credssp__id_save(&id));
	EXPECT_EQ(-ENOENT, credssp__id_switch("no-such-account-here", &id));
	EXPECT_EQ(0, geteuid());

	pthread_barrier_init(&o.go, NULL, 2);
	pthread_barrier_init(&o.done, NULL, 2);
	ASSERT_EQ(0, pthread_create(&t, NULL, other_thread, &o));
	ASSERT_EQ(0, credssp__id_switch("nobody", &id));
	pthread_barrier_wait(&o.go);
	/* this thread is nobody, with nobody's groups and no capability */
	EXPECT_EQ(nobody->pw_uid, geteuid());
	EXPECT_EQ(nobody->pw_gid, getegid());
	EXPECT_EQ(nobody->pw_uid, (uid_t)setfsuid((uid_t)-1));
	EXPECT_EQ(nobody->pw_gid, (gid_t)setfsgid((gid_t)-1));
	EXPECT_EQ(0, getuid()); /* the real id stays: the way back */
	EXPECT_EQ(0, cap_eff());
	nd = getgroups(256, during);
	ASSERT_LE(0, getgrouplist("nobody", nobody->pw_gid, want, &want_n));
	EXPECT_EQ(want_n, nd);
	EXPECT_EQ(0, memcmp(want, during, sizeof(gid_t) * (size_t)nd));
	/* root's 0600 file is out of reach, and what it creates is nobody's */
	EXPECT_EQ(-1, open(secret, O_RDONLY));
	EXPECT_EQ(EACCES, errno);
	fd = open(made, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(nobody->pw_uid, st.st_uid);
	EXPECT_EQ(nobody->pw_gid, st.st_gid);
	close(fd);
	pthread_barrier_wait(&o.done);
	pthread_join(t, NULL);
	/* the other thread kept the process's identity */
	EXPECT_EQ(0, o.euid);
	EXPECT_EQ(0, o.fsuid);

	ASSERT_EQ(0, credssp__id_restore(&id));
	EXPECT_EQ(0, geteuid());
	EXPECT_EQ(0, getegid());
	EXPECT_EQ(0, (uid_t)setfsuid((uid_t)-1));
	EXPECT_EQ(id.caps[0], cap_eff());
	EXPECT_NE(0, cap_eff());
	nd = getgroups(256, during);
	EXPECT_EQ(nb, nd);
	EXPECT_EQ(0, memcmp(before, during, sizeof(gid_t) * (size_t)nb));
	EXPECT_LE(0, fd = open(secret, O_RDONLY));
	close(fd);
	credssp__id_free(&id);
	unlink(secret);
	unlink(made);
	rmdir(dir);
}

/* A service that runs as the account already: nothing to switch, nothing refused. */
TEST(identity_switch_to_the_account_the_process_is)
{
	struct passwd *nobody = getpwnam("nobody");
	struct credssp__id id;

	if (geteuid() != 0 || !nobody)
		SKIP(return, "needs root and the account nobody");
	/* this test's process (a child of the harness) becomes nobody for good */
	ASSERT_EQ(0, initgroups("nobody", nobody->pw_gid));
	ASSERT_EQ(0, setresgid(nobody->pw_gid, nobody->pw_gid, nobody->pw_gid));
	ASSERT_EQ(0, setresuid(nobody->pw_uid, nobody->pw_uid, nobody->pw_uid));
	ASSERT_EQ(0, credssp__id_save(&id));
	EXPECT_EQ(0, credssp__id_switch("nobody", &id));
	EXPECT_EQ(nobody->pw_uid, geteuid());
	EXPECT_EQ(0, credssp__id_restore(&id));
	/* another account is out of reach: refused, identity unchanged */
	EXPECT_EQ(-EPERM, credssp__id_switch("root", &id));
	EXPECT_EQ(nobody->pw_uid, geteuid());
	EXPECT_EQ(nobody->pw_uid, (uid_t)setfsuid((uid_t)-1));
	credssp__id_free(&id);
}

TEST_HARNESS_MAIN
