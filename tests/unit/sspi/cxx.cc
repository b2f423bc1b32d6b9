// SPDX-License-Identifier: GPL-2.0
/*
 * <sspi.h> in C++17 with UNICODE: the W entry points under the unsuffixed
 * names, u"" strings as SEC_WCHAR, unsigned long and ULONG out-variables,
 * NULL and nullptr, calls through the function table, the statuses as
 * constant expressions.
 */
#include <cstdio>
#include <cstring>

#include <sspi.h>

static const char *name(SECURITY_STATUS s)
{
	switch (s) {
	case SEC_E_OK: return "SEC_E_OK";
	case SEC_E_INVALID_HANDLE: return "SEC_E_INVALID_HANDLE";
	case SEC_I_CONTINUE_NEEDED: return "SEC_I_CONTINUE_NEEDED";
	default: return "?";
	}
}

int main()
{
	PSecurityFunctionTable t = InitSecurityInterface();
	unsigned long count = ~0UL, attrs = ~0UL;
	PSecPkgInfo p = nullptr;
	CtxtHandle ctx;
	ULONG n32 = 0;
	bool bad = false;

	static_assert(sizeof(SecPkgInfo) == sizeof(SecPkgInfoW), "UNICODE selects W");
	SecInvalidateHandle(&ctx);
	bad |= SecIsValidHandle(&ctx);
	bad |= EnumerateSecurityPackages(&count, &p) != SEC_E_OK || count != 1 ||
	       std::memcmp(p->Name, u"CredSSP", sizeof(u"CredSSP"));
	FreeContextBuffer(p);
	bad |= t->EnumerateSecurityPackagesW(&n32, &p) != SEC_E_OK || n32 != 1;
	FreeContextBuffer(p);
	count = 7;
	bad |= t->EnumerateSecurityPackagesW(&count, &p) != SEC_E_OK || count != 1;
	FreeContextBuffer(p);
	bad |= QuerySecurityPackageInfo(CREDSSP_NAME, &p) != SEC_E_OK;
	FreeContextBuffer(p);
	bad |= QuerySecurityPackageInfo((SEC_WCHAR *)u"Kerberos", &p) != SEC_E_SECPKG_NOT_FOUND;
	/* no credssp.ko on the host: SEC_E_INVALID_HANDLE, the variable clean */
	bad |= AcceptSecurityContext(nullptr, &ctx, nullptr, ASC_REQ_STREAM, SECURITY_NATIVE_DREP,
				     &ctx, nullptr, &attrs, nullptr) != SEC_E_INVALID_HANDLE ||
	       attrs != 0;
	bad |= AcceptSecurityContext(NULL, &ctx, NULL, 0, 0, &ctx, NULL, NULL, NULL) !=
	       SEC_E_INVALID_HANDLE;
	bad |= AcceptSecurityContext(nullptr, &ctx, nullptr, 0, 0, &ctx, nullptr, nullptr,
				     nullptr) != SEC_E_INVALID_HANDLE;
	bad |= AcceptSecurityContext(nullptr, &ctx, nullptr, 0, 0, &ctx, nullptr, 0, nullptr) !=
	       SEC_E_INVALID_HANDLE;
	bad |= t->AcceptSecurityContext(nullptr, &ctx, nullptr, 0, 0, &ctx, nullptr, &attrs,
					nullptr) != SEC_E_INVALID_HANDLE;
	bad |= std::strcmp(name(CompleteAuthToken(nullptr, nullptr)), "SEC_E_INVALID_HANDLE");
	if (bad)
		std::fprintf(stderr, "cxx: count %lu attrs %lu\n", count, attrs);
	return bad;
}
