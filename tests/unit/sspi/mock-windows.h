/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for a windows.h compatibility layer (Wine's, or a project's
 * own), included before <sspi.h> by tests/unit/sspi-headers.sh: the base
 * types with windef.h's guard, and winerror.h's spelling of some statuses.
 * With MOCK_LP64_ULONG its ULONG is an LP64 unsigned long (64 bits), which
 * sspi.h must refuse.
 */
#ifndef _WINDEF_
#define _WINDEF_

#include <stdint.h>

#ifdef MOCK_LP64_ULONG
typedef long LONG;
typedef unsigned long ULONG, *PULONG;
#else
typedef int32_t LONG;
typedef uint32_t ULONG, *PULONG;
#endif
typedef uint32_t DWORD;
typedef uint16_t USHORT, WORD;
typedef uint8_t UCHAR, BYTE, *PUCHAR;
typedef uintptr_t ULONG_PTR;
typedef void *PVOID, *HANDLE;
typedef int BOOL;
typedef LONG HRESULT;

typedef union _LARGE_INTEGER {
	struct {
		DWORD LowPart;
		LONG HighPart;
	} u;
	int64_t QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

#define WINAPI
#define SEC_ENTRY WINAPI

/* winerror.h */
#define _HRESULT_TYPEDEF_(sc) ((HRESULT)sc)
#define SEC_E_OK	      ((HRESULT)0x00000000L)
#define SEC_E_INVALID_HANDLE  _HRESULT_TYPEDEF_(0x80090301L)
#define SEC_I_CONTINUE_NEEDED _HRESULT_TYPEDEF_(0x00090312L)
#define SEC_E_LOGON_DENIED    _HRESULT_TYPEDEF_(0x8009030CL)
/* sspi.h-level names some layers carry too */
#define SECBUFFER_VERSION 0
#define SECBUFFER_TOKEN	  2

#endif
