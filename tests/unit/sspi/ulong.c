// SPDX-License-Identifier: GPL-2.0
/*
 * The `unsigned long` out-variables of Microsoft's documentation and
 * samples (pfContextAttr, pcPackages) on LP64, in C11: direct calls and
 * calls through the function table; ULONG, NULL and 0 still pass.
 */
#include <stdio.h>
#include <string.h>

#include <sspi.h>

int main(void)
{
	PSecurityFunctionTableA t = InitSecurityInterfaceA();
	unsigned long count = ~0UL, attrs = ~0UL;
	CtxtHandle ctx = {1, 2};
	TimeStamp expiry;
	PSecPkgInfoA p = NULL;
	ULONG n32 = 0;
	int bad = 0;

	bad |= EnumerateSecurityPackages(&count, &p) != SEC_E_OK || count != 1 ||
	       strcmp(p->Name, "CredSSP");
	FreeContextBuffer(p);
	count = ~0UL;
	bad |= t->EnumerateSecurityPackagesA(&count, &p) != SEC_E_OK || count != 1;
	FreeContextBuffer(p);
	bad |= EnumerateSecurityPackagesA(&n32, &p) != SEC_E_OK || n32 != 1;
	FreeContextBuffer(p);
	bad |= EnumerateSecurityPackagesA(NULL, &p) != SEC_E_INVALID_PARAMETER;
	/* no credssp.ko on the host: the call fails, the variable is clean */
	bad |= AcceptSecurityContext(NULL, &ctx, NULL, ASC_REQ_STREAM, SECURITY_NATIVE_DREP, &ctx,
				     NULL, &attrs, &expiry) != SEC_E_INVALID_HANDLE ||
	       attrs != 0;
	bad |= t->AcceptSecurityContext(NULL, &ctx, NULL, 0, 0, &ctx, NULL, &attrs, NULL) !=
	       SEC_E_INVALID_HANDLE;
	bad |= AcceptSecurityContext(NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL) !=
	       SEC_E_INVALID_HANDLE;
	bad |= AcceptSecurityContext(NULL, NULL, NULL, 0, 0, NULL, NULL, 0, NULL) !=
	       SEC_E_INVALID_HANDLE;
	bad |= AcceptSecurityContext(NULL, NULL, NULL, 0, 0, NULL, NULL, &n32, NULL) !=
	       SEC_E_INVALID_HANDLE;
	if (bad)
		fprintf(stderr, "ulong: count %lu attrs %lu\n", count, attrs);
	return bad;
}
