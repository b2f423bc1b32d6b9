// SPDX-License-Identifier: GPL-2.0
/*
 * <sspi.h> after a windows.h compatibility layer (mock-windows.h): it takes
 * the layer's base types and macros and compiles without a clash.
 */
#include <stdio.h>
#include <string.h>

#include "mock-windows.h"
#include <sspi.h>

int main(void)
{
	PSecurityFunctionTableA t = InitSecurityInterfaceA();
	SecBuffer b = {0, SECBUFFER_TOKEN, NULL};
	HRESULT hr = SEC_E_INVALID_HANDLE;
	PSecPkgInfoA p = NULL;
	ULONG n = 0;
	int bad = 0;

	/* the layer's spellings, the same values as sspi.h's own */
	bad |= hr != (HRESULT)0x80090301;
	bad |= SEC_E_LOGON_DENIED != (HRESULT)0x8009030C;
	/* and sspi.h's own */
	bad |= SEC_E_INVALID_TOKEN != (SECURITY_STATUS)0x80090308;
	bad |= sizeof(b) != 16 || sizeof(SecPkgContext_PackageInfo) != sizeof(void *);
	bad |= EnumerateSecurityPackages(&n, &p) != SEC_E_OK || n != 1 ||
	       strcmp(p->Name, "CredSSP");
	FreeContextBuffer(p);
	bad |= t->EnumerateSecurityPackagesA(&n, &p) != SEC_E_OK || n != 1;
	FreeContextBuffer(p);
	if (bad)
		fprintf(stderr, "wincompat: a value or a call differs\n");
	return bad;
}
