/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sspi.h - a Windows SSPI porting header for libcredssp (server side of the
 * CredSSP package through credssp.ko).
 *
 * A Windows server written against <sspi.h> for the "CredSSP" package
 * (AcquireCredentialsHandle, AcceptSecurityContext, QueryContextAttributes,
 * DeleteSecurityContext, FreeContextBuffer, FreeCredentialsHandle) compiles
 * with this header and links with -lcredssp. Differences from Windows:
 *
 * - Only the ANSI ("A") functions and char strings exist; the unsuffixed
 *   names are macros for them whether or not UNICODE is defined.
 * - Only the CredSSP package, and only its server side (SECPKG_CRED_INBOUND,
 *   AcceptSecurityContext): no InitializeSecurityContext, no
 *   EncryptMessage/DecryptMessage (the TLS records after authentication are
 *   for kTLS or the application).
 * - TimeStamp.QuadPart holds Unix seconds (CLOCK_REALTIME), not 100 ns
 *   FILETIME units; "never" is 0x7FFFFFFFFFFFFFFF as on Windows.
 * - All handles of a process live in one process-wide netlink session,
 *   opened by the first call: they die when the process exits, are invalid
 *   in a child after fork() (the child gets its own session), and calls from
 *   several threads are serialised on that session (for parallel handshakes
 *   use libcredssp's own API, <credssp.h>, with a session per thread).
 * - A handle's u64 id is split into dwLower (low 32 bits) and dwUpper (high
 *   32 bits).
 * - SECPKG_ATTR_CREDS and SECPKG_ATTR_CREDS_2 return a
 *   SecPkgContext_ClientCreds whose AuthBuffer is libcredssp's credentials
 *   payload (<linux/credssp.h>, struct credssp_creds_hdr), not Windows'
 *   marshalled form.
 * - AcceptSecurityContext with a caller-sized output token that is too small
 *   returns SEC_E_BUFFER_TOO_SMALL and sets the token's cbBuffer to the size
 *   needed; repeat the call with the same input and a larger buffer.
 * - A SECBUFFER_EXTRA result (an input SECBUFFER_EMPTY buffer turned into
 *   SECBUFFER_EXTRA) has cbBuffer set and pvBuffer pointing at those bytes at
 *   the end of the input token.
 * - The status codes are the SECURITY_STATUS values of <linux/credssp.h>,
 *   redefined here as signed SECURITY_STATUS constants (as in Windows'
 *   <winerror.h>) so that `status < 0` tests work.
 */
#ifndef LIBCREDSSP_SSPI_H
#define LIBCREDSSP_SSPI_H

#include <stdint.h>

#include <linux/credssp.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef SEC_ENTRY
#define SEC_ENTRY
#endif

typedef int32_t LONG;
typedef uint32_t ULONG, *PULONG;
typedef uint16_t USHORT;
typedef uint8_t UCHAR, *PUCHAR;
typedef uintptr_t ULONG_PTR;
typedef void *PVOID;
typedef char SEC_CHAR;
typedef uint16_t SEC_WCHAR; /* UTF-16 unit: no W function uses it here */

typedef LONG SECURITY_STATUS;

typedef union _LARGE_INTEGER {
	struct {
		ULONG LowPart;
		LONG HighPart;
	} u;
	int64_t QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef LARGE_INTEGER SECURITY_INTEGER, *PSECURITY_INTEGER;
/* Unix seconds here, see above */
typedef SECURITY_INTEGER TimeStamp, *PTimeStamp;

#define SEC_TIMESTAMP_NEVER INT64_C(0x7FFFFFFFFFFFFFFF)

typedef struct _SecHandle {
	ULONG_PTR dwLower;
	ULONG_PTR dwUpper;
} SecHandle, *PSecHandle;

typedef SecHandle CredHandle, *PCredHandle;
typedef SecHandle CtxtHandle, *PCtxtHandle;

#define SecInvalidateHandle(x) \
	((PSecHandle)(x))->dwLower = ((PSecHandle)(x))->dwUpper = ((ULONG_PTR)((intptr_t)-1))
#define SecIsValidHandle(x)                                             \
	((((PSecHandle)(x))->dwLower != ((ULONG_PTR)((intptr_t)-1))) && \
	 (((PSecHandle)(x))->dwUpper != ((ULONG_PTR)((intptr_t)-1))))

typedef struct _SecBuffer {
	ULONG cbBuffer;
	ULONG BufferType; /* SECBUFFER_* */
	PVOID pvBuffer;
} SecBuffer, *PSecBuffer;

typedef struct _SecBufferDesc {
	ULONG ulVersion; /* SECBUFFER_VERSION */
	ULONG cBuffers;
	PSecBuffer pBuffers;
} SecBufferDesc, *PSecBufferDesc;

#define SECBUFFER_ATTRMASK		 0xF0000000U
#define SECBUFFER_READONLY		 0x80000000U
#define SECBUFFER_READONLY_WITH_CHECKSUM 0x10000000U

typedef struct _SecPkgInfoA {
	ULONG fCapabilities;
	USHORT wVersion;
	USHORT wRPCID;
	ULONG cbMaxToken;
	SEC_CHAR *Name;
	SEC_CHAR *Comment;
} SecPkgInfoA, *PSecPkgInfoA;

typedef struct _SecPkgContext_Sizes {
	ULONG cbMaxToken;
	ULONG cbMaxSignature;
	ULONG cbBlockSize;
	ULONG cbSecurityTrailer;
} SecPkgContext_Sizes, *PSecPkgContext_Sizes;

typedef struct _SecPkgContext_StreamSizes {
	ULONG cbHeader;
	ULONG cbTrailer;
	ULONG cbMaximumMessage;
	ULONG cBuffers;
	ULONG cbBlockSize;
} SecPkgContext_StreamSizes, *PSecPkgContext_StreamSizes;

typedef struct _SecPkgContext_NamesA {
	SEC_CHAR *sUserName; /* FreeContextBuffer() */
} SecPkgContext_NamesA, *PSecPkgContext_NamesA;

typedef struct _SecPkgContext_Lifespan {
	TimeStamp tsStart;
	TimeStamp tsExpiry;
} SecPkgContext_Lifespan, *PSecPkgContext_Lifespan;

typedef struct _SecPkgContext_PackageInfoA {
	PSecPkgInfoA PackageInfo; /* FreeContextBuffer() */
} SecPkgContext_PackageInfoA, *PSecPkgContext_PackageInfoA;

typedef struct _SecPkgContext_NegotiationInfoA {
	PSecPkgInfoA PackageInfo; /* FreeContextBuffer() */
	ULONG NegotiationState;
} SecPkgContext_NegotiationInfoA, *PSecPkgContext_NegotiationInfoA;

typedef struct _SecPkgContext_ClientCreds {
	ULONG AuthBufferLen;
	PUCHAR AuthBuffer; /* FreeContextBuffer() (wiped) */
} SecPkgContext_ClientCreds, *PSecPkgContext_ClientCreds;

typedef void(SEC_ENTRY *SEC_GET_KEY_FN)(void *Arg, void *Principal, ULONG KeyVer, void **Key,
					SECURITY_STATUS *Status);

/*
 * The Windows names, mapped one to one from the project's own names of
 * <linux/credssp.h> (generated from the YNL spec); include/net/credssp.h
 * does the same for in-kernel consumers.
 */
/* SSPI statuses: signed SECURITY_STATUS constants, the uapi's values */
#define SEC_E_OK		    ((SECURITY_STATUS)CREDSSP_SEC_STATUS_OK)
#define SEC_I_CONTINUE_NEEDED	    ((SECURITY_STATUS)CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
#define SEC_I_COMPLETE_NEEDED	    ((SECURITY_STATUS)CREDSSP_SEC_STATUS_COMPLETE_NEEDED)
#define SEC_I_COMPLETE_AND_CONTINUE ((SECURITY_STATUS)CREDSSP_SEC_STATUS_COMPLETE_AND_CONTINUE)
#define SEC_E_INSUFFICIENT_MEMORY   ((SECURITY_STATUS)CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY)
#define SEC_E_INVALID_HANDLE	    ((SECURITY_STATUS)CREDSSP_SEC_STATUS_INVALID_HANDLE)
#define SEC_E_UNSUPPORTED_FUNCTION  ((SECURITY_STATUS)CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION)
#define SEC_E_INTERNAL_ERROR	    ((SECURITY_STATUS)CREDSSP_SEC_STATUS_INTERNAL_ERROR)
#define SEC_E_SECPKG_NOT_FOUND	    ((SECURITY_STATUS)CREDSSP_SEC_STATUS_SECPKG_NOT_FOUND)
#define SEC_E_INVALID_TOKEN	    ((SECURITY_STATUS)CREDSSP_SEC_STATUS_INVALID_TOKEN)
#define SEC_E_LOGON_DENIED	    ((SECURITY_STATUS)CREDSSP_SEC_STATUS_LOGON_DENIED)
#define SEC_E_NO_CREDENTIALS	    ((SECURITY_STATUS)CREDSSP_SEC_STATUS_NO_CREDENTIALS)
#define SEC_E_OUT_OF_SEQUENCE	    ((SECURITY_STATUS)CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE)
#define SEC_E_NO_AUTHENTICATING_AUTHORITY \
	((SECURITY_STATUS)CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY)
#define SEC_E_CONTEXT_EXPIRED	 ((SECURITY_STATUS)CREDSSP_SEC_STATUS_CONTEXT_EXPIRED)
#define SEC_E_INCOMPLETE_MESSAGE ((SECURITY_STATUS)CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE)
#define SEC_E_BUFFER_TOO_SMALL	 ((SECURITY_STATUS)CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL)
#define SEC_E_INVALID_PARAMETER	 ((SECURITY_STATUS)CREDSSP_SEC_STATUS_INVALID_PARAMETER)

/* AcquireCredentialsHandle fCredentialUse */
#define SECPKG_CRED_INBOUND  CREDSSP_CRED_USE_INBOUND
#define SECPKG_CRED_OUTBOUND CREDSSP_CRED_USE_OUTBOUND
#define SECPKG_CRED_BOTH     CREDSSP_CRED_USE_BOTH

/* AcceptSecurityContext TargetDataRep */
#define SECURITY_NATIVE_DREP  CREDSSP_DATA_REP_NATIVE
#define SECURITY_NETWORK_DREP CREDSSP_DATA_REP_NETWORK

/* SecBuffer BufferType (libcredssp and the in-kernel API) */
#define SECBUFFER_EMPTY	  0U
#define SECBUFFER_DATA	  1U
#define SECBUFFER_TOKEN	  2U
#define SECBUFFER_MISSING 4U
#define SECBUFFER_EXTRA	  5U
#define SECBUFFER_ALERT	  17U
#define SECBUFFER_VERSION 0U

/* QueryContextAttributes ulAttribute */
#define SECPKG_ATTR_SIZES		CREDSSP_QUERY_SIZES
#define SECPKG_ATTR_NAMES		CREDSSP_QUERY_NAMES
#define SECPKG_ATTR_LIFESPAN		CREDSSP_QUERY_LIFESPAN
#define SECPKG_ATTR_STREAM_SIZES	CREDSSP_QUERY_STREAM_SIZES
#define SECPKG_ATTR_PACKAGE_INFO	CREDSSP_QUERY_PACKAGE_INFO
#define SECPKG_ATTR_CREDS		CREDSSP_QUERY_CREDS
#define SECPKG_ATTR_NEGOTIATION_PACKAGE CREDSSP_QUERY_NEGOTIATION_PACKAGE
#define SECPKG_ATTR_CREDS_2		CREDSSP_QUERY_CREDS_2

/* SecPkgContext_NegotiationInfo NegotiationState */
#define SECPKG_NEGOTIATION_COMPLETE CREDSSP_NEGO_STATE_COMPLETE

/* AcceptSecurityContext fContextReq */
#define ASC_REQ_DELEGATE	CREDSSP_REQ_DELEGATE
#define ASC_REQ_MUTUAL_AUTH	CREDSSP_REQ_MUTUAL_AUTH
#define ASC_REQ_REPLAY_DETECT	CREDSSP_REQ_REPLAY_DETECT
#define ASC_REQ_SEQUENCE_DETECT CREDSSP_REQ_SEQUENCE_DETECT
#define ASC_REQ_CONFIDENTIALITY CREDSSP_REQ_CONFIDENTIALITY
#define ASC_REQ_USE_SESSION_KEY CREDSSP_REQ_USE_SESSION_KEY
#define ASC_REQ_SESSION_TICKET	CREDSSP_REQ_SESSION_TICKET
/* An acceptor cannot prompt: ISC_REQ_PROMPT_FOR_CREDS's bit, refused. */
#define ASC_REQ_PROMPT_FOR_CREDS       CREDSSP_REQ_SESSION_TICKET
#define ASC_REQ_ALLOCATE_MEMORY	       CREDSSP_REQ_ALLOCATE_MEMORY
#define ASC_REQ_USE_DCE_STYLE	       CREDSSP_REQ_USE_DCE_STYLE
#define ASC_REQ_DATAGRAM	       CREDSSP_REQ_DATAGRAM
#define ASC_REQ_CONNECTION	       CREDSSP_REQ_CONNECTION
#define ASC_REQ_CALL_LEVEL	       CREDSSP_REQ_CALL_LEVEL
#define ASC_REQ_EXTENDED_ERROR	       CREDSSP_REQ_EXTENDED_ERROR
#define ASC_REQ_STREAM		       CREDSSP_REQ_STREAM
#define ASC_REQ_INTEGRITY	       CREDSSP_REQ_INTEGRITY
#define ASC_REQ_LICENSING	       CREDSSP_REQ_LICENSING
#define ASC_REQ_IDENTIFY	       CREDSSP_REQ_IDENTIFY
#define ASC_REQ_ALLOW_NULL_SESSION     CREDSSP_REQ_ALLOW_NULL_SESSION
#define ASC_REQ_ALLOW_NON_USER_LOGONS  CREDSSP_REQ_ALLOW_NON_USER_LOGONS
#define ASC_REQ_ALLOW_CONTEXT_REPLAYS  CREDSSP_REQ_ALLOW_CONTEXT_REPLAYS
#define ASC_REQ_FRAGMENT_TO_FIT	       CREDSSP_REQ_FRAGMENT_TO_FIT
#define ASC_REQ_NO_TOKEN	       CREDSSP_REQ_NO_TOKEN
#define ASC_REQ_PROXY_BINDINGS	       CREDSSP_REQ_PROXY_BINDINGS
#define ASC_REQ_ALLOW_MISSING_BINDINGS CREDSSP_REQ_ALLOW_MISSING_BINDINGS

/* AcceptSecurityContext pfContextAttr */
#define ASC_RET_DELEGATE	 CREDSSP_RET_DELEGATE
#define ASC_RET_MUTUAL_AUTH	 CREDSSP_RET_MUTUAL_AUTH
#define ASC_RET_REPLAY_DETECT	 CREDSSP_RET_REPLAY_DETECT
#define ASC_RET_SEQUENCE_DETECT	 CREDSSP_RET_SEQUENCE_DETECT
#define ASC_RET_CONFIDENTIALITY	 CREDSSP_RET_CONFIDENTIALITY
#define ASC_RET_USE_SESSION_KEY	 CREDSSP_RET_USE_SESSION_KEY
#define ASC_RET_ALLOCATED_MEMORY CREDSSP_RET_ALLOCATED_MEMORY
#define ASC_RET_CONNECTION	 CREDSSP_RET_CONNECTION
#define ASC_RET_CALL_LEVEL	 CREDSSP_RET_CALL_LEVEL
#define ASC_RET_THIRD_LEG_FAILED CREDSSP_RET_THIRD_LEG_FAILED
#define ASC_RET_EXTENDED_ERROR	 CREDSSP_RET_EXTENDED_ERROR
#define ASC_RET_STREAM		 CREDSSP_RET_STREAM
#define ASC_RET_INTEGRITY	 CREDSSP_RET_INTEGRITY

#define CREDSSP_NAME_A "CredSSP"

/* The functions; see the differences from Windows above. */

SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleA(SEC_CHAR *pszPrincipal, SEC_CHAR *pszPackage,
						    ULONG fCredentialUse, void *pvLogonId,
						    void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
						    void *pvGetKeyArgument,
						    PCredHandle phCredential, PTimeStamp ptsExpiry);

SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential);

SECURITY_STATUS SEC_ENTRY AcceptSecurityContext(PCredHandle phCredential, PCtxtHandle phContext,
						PSecBufferDesc pInput, ULONG fContextReq,
						ULONG TargetDataRep, PCtxtHandle phNewContext,
						PSecBufferDesc pOutput, PULONG pfContextAttr,
						PTimeStamp ptsExpiry);

SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext);

SECURITY_STATUS SEC_ENTRY QueryContextAttributesA(PCtxtHandle phContext, ULONG ulAttribute,
						  void *pBuffer);

SECURITY_STATUS SEC_ENTRY FreeContextBuffer(PVOID pvContextBuffer);

SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoA(SEC_CHAR *pszPackageName,
						    PSecPkgInfoA *ppPackageInfo);

SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesA(PULONG pcPackages,
						     PSecPkgInfoA *ppPackageInfo);

#define AcquireCredentialsHandle       AcquireCredentialsHandleA
#define QueryContextAttributes	       QueryContextAttributesA
#define QuerySecurityPackageInfo       QuerySecurityPackageInfoA
#define EnumerateSecurityPackages      EnumerateSecurityPackagesA
#define SecPkgInfo		       SecPkgInfoA
#define PSecPkgInfo		       PSecPkgInfoA
#define SecPkgContext_Names	       SecPkgContext_NamesA
#define PSecPkgContext_Names	       PSecPkgContext_NamesA
#define SecPkgContext_PackageInfo      SecPkgContext_PackageInfoA
#define PSecPkgContext_PackageInfo     PSecPkgContext_PackageInfoA
#define SecPkgContext_NegotiationInfo  SecPkgContext_NegotiationInfoA
#define PSecPkgContext_NegotiationInfo PSecPkgContext_NegotiationInfoA
#define CREDSSP_NAME		       CREDSSP_NAME_A

#ifdef __cplusplus
}
#endif

#endif /* LIBCREDSSP_SSPI_H */
