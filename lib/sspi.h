/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sspi.h - a Windows SSPI porting header for libcredssp (server side of the
 * CredSSP package through credssp.ko).
 *
 * A Windows server written against <sspi.h> for the "CredSSP" package
 * compiles with this header (C11 or later, or C++) and links with
 * -lcredssp. Layouts and values are the Windows SDK's (checked against
 * MinGW-w64's sspi.h, credssp.h and winerror.h by tests/unit/sspi.c).
 * Documentation/libcredssp.rst lists every difference from Windows; in
 * short:
 *
 * - Widths. ULONG and LONG are 32 bits as on Windows (uint32_t / int32_t
 *   here; an LP64 "unsigned long" is 64 bits and is NOT ULONG). Where the
 *   Windows documentation declares an `unsigned long` out-variable
 *   (AcceptSecurityContext's pfContextAttr, EnumerateSecurityPackages'
 *   pcPackages), a pointer to `unsigned long` is accepted too: C11 _Generic
 *   or C++ overloads convert it (define CREDSSP_SSPI_STRICT_ULONG to turn
 *   that off). Structure members stay ULONG.
 * - SEC_WCHAR is a UTF-16 code unit, char16_t (16 bits as Windows' WCHAR;
 *   Linux's wchar_t is 32 bits): u"CredSSP" literals, CREDSSP_NAME_W. The W
 *   functions take and return UTF-16 strings; the A ones UTF-8. With UNICODE
 *   defined the unsuffixed names are the W ones, as in the SDK.
 * - Coexistence with a windows.h compatibility layer included first: the
 *   Windows base types (LONG, ULONG, PULONG, USHORT, UCHAR, PUCHAR,
 *   ULONG_PTR, PVOID, LARGE_INTEGER, PLARGE_INTEGER) are taken from it when
 *   LIBCREDSSP_SSPI_WINDOWS_TYPES is defined, which this header does itself
 *   when it sees windef.h/winnt.h guards (_WINDEF_, _WINNT_, _MINWINDEF_,
 *   __WINE_WINDEF_H, __WINE_WINNT_H); their widths are checked at compile
 *   time. SEC_CHAR/SEC_WCHAR are skipped when LIBCREDSSP_SSPI_SEC_CHAR_DEFINED
 *   is defined, SECURITY_STATUS and SecHandle behind the SDK's own
 *   __SECSTATUS_DEFINED__ / __SECHANDLE_DEFINED__, and every macro (statuses,
 *   flags, attributes) behind #ifndef, so winerror.h's SEC_E_* may come
 *   first (same values). The SSPI structures themselves are defined here
 *   only: do not include another sspi.h or security.h.
 * - Only the CredSSP package, and only its server side. InitializeSecurity-
 *   Context, MakeSignature, VerifySignature... exist only as entries of the
 *   InitSecurityInterface tables returning SEC_E_UNSUPPORTED_FUNCTION.
 * - EncryptMessage and DecryptMessage protect and open TLS records (one
 *   record per call, Schannel's stream buffers) in the kernel, where the
 *   keys stay: they never enter the process. fQOP and MessageSeqNo are
 *   ignored (TLS numbers the records itself). EncryptMessage takes a
 *   SECBUFFER_STREAM_HEADER, a SECBUFFER_DATA (at most cbMaximumMessage of
 *   SECPKG_ATTR_STREAM_SIZES, 16384 bytes, encrypted in place) and a
 *   SECBUFFER_STREAM_TRAILER (its cbBuffer set to the trailer written).
 *   DecryptMessage takes a SECBUFFER_DATA holding the bytes received and
 *   three SECBUFFER_EMPTY buffers, and decrypts in place: STREAM_HEADER,
 *   DATA (the plaintext), STREAM_TRAILER, and EXTRA for bytes after the
 *   record; SEC_E_INCOMPLETE_MESSAGE turns an EMPTY buffer into
 *   SECBUFFER_MISSING (cbBuffer: bytes needed); SEC_I_CONTEXT_EXPIRED for
 *   close_notify; SEC_E_DECRYPT_FAILURE for a record that fails
 *   authentication; a TLS 1.3 KeyUpdate is refused
 *   (SEC_E_UNSUPPORTED_FUNCTION: close the connection). After some records
 *   a service may still switch the socket to kTLS (credssp_ktls_attach()
 *   of <credssp.h>, on the session the context lives in): the sequence
 *   numbers continue.
 * - TimeStamp is Windows time: 100 ns units since 1601-01-01, in local time
 *   as the SDK recommends for SSPI packages; "never" is
 *   0x7FFFFFFFFFFFFFFF (SEC_TIMESTAMP_NEVER).
 * - ImpersonateSecurityContext maps the authenticated principal to a local
 *   account (credssp_principal_to_local() of <credssp.h>) and switches the
 *   calling thread's effective and filesystem user and group ids and its
 *   supplementary groups (per-thread system calls); RevertSecurityContext
 *   restores them. It needs CAP_SETUID and CAP_SETGID (or the same account).
 *   QuerySecurityContextToken has no Windows token to give:
 *   SEC_E_UNSUPPORTED_FUNCTION.
 * - All handles of a process live in one process-wide netlink session,
 *   opened by the first call: they die when the process exits and are
 *   invalid in a child after fork() (the child gets its own session). Calls
 *   from many threads run in parallel on that session: one thread's
 *   AcceptSecurityContext waiting for the helper or the KDC holds up no other
 *   thread's call, and a signal cancels only the call of the thread it is
 *   delivered to.
 * - Limits: the kernel's per-owner limits are per session, so for sspi.h
 *   they are per process: credssp.ko's module parameters max_owner_creds
 *   (credential handles, default 64) and max_owner_contexts (contexts,
 *   default 1024), beyond which AcquireCredentialsHandle and
 *   AcceptSecurityContext fail with SEC_E_INSUFFICIENT_MEMORY; set them in
 *   /sys/module/credssp/parameters/ or with modprobe. max_net_calls
 *   (default 256) bounds the AcceptSecurityContext calls in flight in the
 *   network namespace. The library adds no limit of its own
 *   (Documentation/libcredssp.rst, "Concurrency and limits").
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
 * - The status codes are signed SECURITY_STATUS constants with winerror.h's
 *   values (those the kernel returns are <linux/credssp.h>'s
 *   CREDSSP_SEC_STATUS_*), so that `status < 0` tests work. This header
 *   includes no kernel header: include <linux/credssp.h> for CREDSSP_*.
 */
#ifndef LIBCREDSSP_SSPI_H
#define LIBCREDSSP_SSPI_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <uchar.h>
#endif

#ifdef __cplusplus
#define LIBCREDSSP_SSPI_ASSERT(e, m) static_assert(e, m)
#else
#define LIBCREDSSP_SSPI_ASSERT(e, m) _Static_assert(e, m)
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifndef SEC_ENTRY
#define SEC_ENTRY
#endif

/* ---- Windows base types: ours, or a windows.h compatibility layer's ---- */

#if !defined(LIBCREDSSP_SSPI_WINDOWS_TYPES) &&                            \
	(defined(_WINDEF_) || defined(_WINNT_) || defined(_MINWINDEF_) || \
	 defined(__WINE_WINDEF_H) || defined(__WINE_WINNT_H))
#define LIBCREDSSP_SSPI_WINDOWS_TYPES 1
#endif

#ifndef LIBCREDSSP_SSPI_WINDOWS_TYPES
typedef int32_t LONG;
typedef uint32_t ULONG, *PULONG;
typedef uint16_t USHORT;
typedef uint8_t UCHAR, *PUCHAR;
typedef uintptr_t ULONG_PTR;
typedef void *PVOID;

typedef union _LARGE_INTEGER {
	struct {
		ULONG LowPart;
		LONG HighPart;
	} u;
	int64_t QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;
#endif

LIBCREDSSP_SSPI_ASSERT(
	sizeof(ULONG) == 4 && (ULONG)-1 > 0,
	"sspi.h: ULONG must be 32-bit unsigned as on Windows (not an LP64 unsigned long)");
LIBCREDSSP_SSPI_ASSERT(sizeof(LONG) == 4 && (LONG)-1 < 0,
		       "sspi.h: LONG must be 32-bit signed as on Windows (not an LP64 long)");
LIBCREDSSP_SSPI_ASSERT(sizeof(USHORT) == 2 && sizeof(UCHAR) == 1, "sspi.h: USHORT, UCHAR widths");
LIBCREDSSP_SSPI_ASSERT(sizeof(ULONG_PTR) == sizeof(void *), "sspi.h: ULONG_PTR is pointer-sized");
LIBCREDSSP_SSPI_ASSERT(sizeof(LARGE_INTEGER) == 8, "sspi.h: LARGE_INTEGER is 64 bits");

#ifndef LIBCREDSSP_SSPI_SEC_CHAR_DEFINED
#define LIBCREDSSP_SSPI_SEC_CHAR_DEFINED 1
typedef char SEC_CHAR;
typedef char16_t SEC_WCHAR; /* UTF-16 code unit, as Windows' WCHAR */
#endif
LIBCREDSSP_SSPI_ASSERT(sizeof(SEC_WCHAR) == 2, "sspi.h: SEC_WCHAR must be 16 bits (UTF-16)");

#ifndef __SECSTATUS_DEFINED__
#define __SECSTATUS_DEFINED__
typedef LONG SECURITY_STATUS;
#endif

/* ---- SSPI types ---- */

typedef LARGE_INTEGER SECURITY_INTEGER, *PSECURITY_INTEGER;
/* Windows time: 100 ns units since 1601-01-01, local time (see above) */
typedef SECURITY_INTEGER TimeStamp, *PTimeStamp;

#ifndef SEC_TIMESTAMP_NEVER
#define SEC_TIMESTAMP_NEVER INT64_C(0x7FFFFFFFFFFFFFFF)
#endif

#ifndef __SECHANDLE_DEFINED__
#define __SECHANDLE_DEFINED__
typedef struct _SecHandle {
	ULONG_PTR dwLower;
	ULONG_PTR dwUpper;
} SecHandle, *PSecHandle;
#endif

typedef SecHandle CredHandle, *PCredHandle;
typedef SecHandle CtxtHandle, *PCtxtHandle;

#ifndef SecInvalidateHandle
#define SecInvalidateHandle(x) \
	((PSecHandle)(x))->dwLower = ((PSecHandle)(x))->dwUpper = ((ULONG_PTR)((intptr_t)-1))
#endif
#ifndef SecIsValidHandle
#define SecIsValidHandle(x)                                             \
	((((PSecHandle)(x))->dwLower != ((ULONG_PTR)((intptr_t)-1))) && \
	 (((PSecHandle)(x))->dwUpper != ((ULONG_PTR)((intptr_t)-1))))
#endif

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

typedef struct _SecPkgInfoA {
	ULONG fCapabilities;
	USHORT wVersion;
	USHORT wRPCID;
	ULONG cbMaxToken;
	SEC_CHAR *Name;
	SEC_CHAR *Comment;
} SecPkgInfoA, *PSecPkgInfoA;

typedef struct _SecPkgInfoW {
	ULONG fCapabilities;
	USHORT wVersion;
	USHORT wRPCID;
	ULONG cbMaxToken;
	SEC_WCHAR *Name;
	SEC_WCHAR *Comment;
} SecPkgInfoW, *PSecPkgInfoW;

/* QueryContextAttributes results, by SECPKG_ATTR_* */

/* SECPKG_ATTR_SIZES */
typedef struct _SecPkgContext_Sizes {
	ULONG cbMaxToken;
	ULONG cbMaxSignature;
	ULONG cbBlockSize;
	ULONG cbSecurityTrailer;
} SecPkgContext_Sizes, *PSecPkgContext_Sizes;

/* SECPKG_ATTR_STREAM_SIZES */
typedef struct _SecPkgContext_StreamSizes {
	ULONG cbHeader;
	ULONG cbTrailer;
	ULONG cbMaximumMessage;
	ULONG cBuffers;
	ULONG cbBlockSize;
} SecPkgContext_StreamSizes, *PSecPkgContext_StreamSizes;

/* SECPKG_ATTR_NAMES: "DOMAIN\user" or "user@REALM" */
typedef struct _SecPkgContext_NamesA {
	SEC_CHAR *sUserName; /* FreeContextBuffer() */
} SecPkgContext_NamesA, *PSecPkgContext_NamesA;

typedef struct _SecPkgContext_NamesW {
	SEC_WCHAR *sUserName; /* FreeContextBuffer() */
} SecPkgContext_NamesW, *PSecPkgContext_NamesW;

/* SECPKG_ATTR_LIFESPAN */
typedef struct _SecPkgContext_Lifespan {
	TimeStamp tsStart;
	TimeStamp tsExpiry;
} SecPkgContext_Lifespan, *PSecPkgContext_Lifespan;

/* SECPKG_ATTR_PACKAGE_INFO (CredSSP) and SECPKG_ATTR_NEGOTIATION_PACKAGE
 * (the package CredSSP negotiated inside: NTLM or Kerberos) */
typedef struct _SecPkgContext_PackageInfoA {
	PSecPkgInfoA PackageInfo; /* FreeContextBuffer() */
} SecPkgContext_PackageInfoA, *PSecPkgContext_PackageInfoA;

typedef struct _SecPkgContext_PackageInfoW {
	PSecPkgInfoW PackageInfo; /* FreeContextBuffer() */
} SecPkgContext_PackageInfoW, *PSecPkgContext_PackageInfoW;

/* SECPKG_ATTR_NEGOTIATION_INFO: the negotiated package and the state */
typedef struct _SecPkgContext_NegotiationInfoA {
	PSecPkgInfoA PackageInfo; /* FreeContextBuffer() */
	ULONG NegotiationState;	  /* SECPKG_NEGOTIATION_* */
} SecPkgContext_NegotiationInfoA, *PSecPkgContext_NegotiationInfoA;

typedef struct _SecPkgContext_NegotiationInfoW {
	PSecPkgInfoW PackageInfo; /* FreeContextBuffer() */
	ULONG NegotiationState;	  /* SECPKG_NEGOTIATION_* */
} SecPkgContext_NegotiationInfoW, *PSecPkgContext_NegotiationInfoW;

/* SECPKG_ATTR_CREDS, SECPKG_ATTR_CREDS_2 (the SDK's credssp.h) */
typedef struct _SecPkgContext_ClientCreds {
	ULONG AuthBufferLen;
	PUCHAR AuthBuffer; /* FreeContextBuffer() (wiped) */
} SecPkgContext_ClientCreds, *PSecPkgContext_ClientCreds;

typedef void(SEC_ENTRY *SEC_GET_KEY_FN)(void *Arg, void *Principal, ULONG KeyVer, void **Key,
					SECURITY_STATUS *Status);

/*
 * SECURITY_STATUS values, winerror.h's. Those credssp.ko returns equal the
 * uapi's CREDSSP_SEC_STATUS_* (<linux/credssp.h>, generated from the YNL
 * spec; tests/unit/sspi.c checks both against winerror.h), which this
 * header does not include: it stands alone.
 */
#ifndef SEC_E_OK
#define SEC_E_OK ((SECURITY_STATUS)0x00000000)
#endif
#ifndef SEC_I_CONTINUE_NEEDED
#define SEC_I_CONTINUE_NEEDED ((SECURITY_STATUS)0x00090312)
#endif
#ifndef SEC_I_COMPLETE_NEEDED
#define SEC_I_COMPLETE_NEEDED ((SECURITY_STATUS)0x00090313)
#endif
#ifndef SEC_I_COMPLETE_AND_CONTINUE
#define SEC_I_COMPLETE_AND_CONTINUE ((SECURITY_STATUS)0x00090314)
#endif
/* DecryptMessage: the peer sent close_notify */
#ifndef SEC_I_CONTEXT_EXPIRED
#define SEC_I_CONTEXT_EXPIRED ((SECURITY_STATUS)0x00090317)
#endif
#ifndef SEC_E_INSUFFICIENT_MEMORY
#define SEC_E_INSUFFICIENT_MEMORY ((SECURITY_STATUS)0x80090300)
#endif
#ifndef SEC_E_INVALID_HANDLE
#define SEC_E_INVALID_HANDLE ((SECURITY_STATUS)0x80090301)
#endif
#ifndef SEC_E_UNSUPPORTED_FUNCTION
#define SEC_E_UNSUPPORTED_FUNCTION ((SECURITY_STATUS)0x80090302)
#endif
#ifndef SEC_E_INTERNAL_ERROR
#define SEC_E_INTERNAL_ERROR ((SECURITY_STATUS)0x80090304)
#endif
#ifndef SEC_E_SECPKG_NOT_FOUND
#define SEC_E_SECPKG_NOT_FOUND ((SECURITY_STATUS)0x80090305)
#endif
#ifndef SEC_E_INVALID_TOKEN
#define SEC_E_INVALID_TOKEN ((SECURITY_STATUS)0x80090308)
#endif
#ifndef SEC_E_LOGON_DENIED
#define SEC_E_LOGON_DENIED ((SECURITY_STATUS)0x8009030C)
#endif
#ifndef SEC_E_NO_CREDENTIALS
#define SEC_E_NO_CREDENTIALS ((SECURITY_STATUS)0x8009030E)
#endif
#ifndef SEC_E_OUT_OF_SEQUENCE
#define SEC_E_OUT_OF_SEQUENCE ((SECURITY_STATUS)0x80090310)
#endif
#ifndef SEC_E_NO_AUTHENTICATING_AUTHORITY
#define SEC_E_NO_AUTHENTICATING_AUTHORITY ((SECURITY_STATUS)0x80090311)
#endif
#ifndef SEC_E_CONTEXT_EXPIRED
#define SEC_E_CONTEXT_EXPIRED ((SECURITY_STATUS)0x80090317)
#endif
#ifndef SEC_E_INCOMPLETE_MESSAGE
#define SEC_E_INCOMPLETE_MESSAGE ((SECURITY_STATUS)0x80090318)
#endif
#ifndef SEC_E_BUFFER_TOO_SMALL
#define SEC_E_BUFFER_TOO_SMALL ((SECURITY_STATUS)0x80090321)
#endif
#ifndef SEC_E_INVALID_PARAMETER
#define SEC_E_INVALID_PARAMETER ((SECURITY_STATUS)0x8009035D)
#endif
/* DecryptMessage: not a record of this session, or an alert */
#ifndef SEC_E_ILLEGAL_MESSAGE
#define SEC_E_ILLEGAL_MESSAGE ((SECURITY_STATUS)0x80090326)
#endif
/* DecryptMessage: the record failed authentication */
#ifndef SEC_E_DECRYPT_FAILURE
#define SEC_E_DECRYPT_FAILURE ((SECURITY_STATUS)0x80090330)
#endif
/* ImpersonateSecurityContext: the principal has no local account, or the
 * process may not switch to it */
#ifndef SEC_E_NO_IMPERSONATION
#define SEC_E_NO_IMPERSONATION ((SECURITY_STATUS)0x8009030B)
#endif

/* SecBuffer BufferType, SecBufferDesc ulVersion */
#ifndef SECBUFFER_VERSION
#define SECBUFFER_VERSION 0
#endif
#ifndef SECBUFFER_EMPTY
#define SECBUFFER_EMPTY 0
#endif
#ifndef SECBUFFER_DATA
#define SECBUFFER_DATA 1
#endif
#ifndef SECBUFFER_TOKEN
#define SECBUFFER_TOKEN 2
#endif
#ifndef SECBUFFER_PKG_PARAMS
#define SECBUFFER_PKG_PARAMS 3
#endif
#ifndef SECBUFFER_MISSING
#define SECBUFFER_MISSING 4
#endif
#ifndef SECBUFFER_EXTRA
#define SECBUFFER_EXTRA 5
#endif
#ifndef SECBUFFER_STREAM_TRAILER
#define SECBUFFER_STREAM_TRAILER 6
#endif
#ifndef SECBUFFER_STREAM_HEADER
#define SECBUFFER_STREAM_HEADER 7
#endif
#ifndef SECBUFFER_NEGOTIATION_INFO
#define SECBUFFER_NEGOTIATION_INFO 8
#endif
#ifndef SECBUFFER_PADDING
#define SECBUFFER_PADDING 9
#endif
#ifndef SECBUFFER_STREAM
#define SECBUFFER_STREAM 10
#endif
#ifndef SECBUFFER_MECHLIST
#define SECBUFFER_MECHLIST 11
#endif
#ifndef SECBUFFER_MECHLIST_SIGNATURE
#define SECBUFFER_MECHLIST_SIGNATURE 12
#endif
#ifndef SECBUFFER_TARGET
#define SECBUFFER_TARGET 13
#endif
#ifndef SECBUFFER_CHANNEL_BINDINGS
#define SECBUFFER_CHANNEL_BINDINGS 14
#endif
#ifndef SECBUFFER_CHANGE_PASS_RESPONSE
#define SECBUFFER_CHANGE_PASS_RESPONSE 15
#endif
#ifndef SECBUFFER_TARGET_HOST
#define SECBUFFER_TARGET_HOST 16
#endif
#ifndef SECBUFFER_ALERT
#define SECBUFFER_ALERT 17
#endif
#ifndef SECBUFFER_APPLICATION_PROTOCOLS
#define SECBUFFER_APPLICATION_PROTOCOLS 18
#endif
#ifndef SECBUFFER_ATTRMASK
#define SECBUFFER_ATTRMASK 0xF0000000U
#endif
#ifndef SECBUFFER_READONLY
#define SECBUFFER_READONLY 0x80000000U
#endif
#ifndef SECBUFFER_READONLY_WITH_CHECKSUM
#define SECBUFFER_READONLY_WITH_CHECKSUM 0x10000000U
#endif
#ifndef SECBUFFER_RESERVED
#define SECBUFFER_RESERVED 0x60000000U
#endif

/* SecPkgInfo fCapabilities, wRPCID */
#ifndef SECPKG_FLAG_INTEGRITY
#define SECPKG_FLAG_INTEGRITY 0x00000001
#endif
#ifndef SECPKG_FLAG_PRIVACY
#define SECPKG_FLAG_PRIVACY 0x00000002
#endif
#ifndef SECPKG_FLAG_TOKEN_ONLY
#define SECPKG_FLAG_TOKEN_ONLY 0x00000004
#endif
#ifndef SECPKG_FLAG_DATAGRAM
#define SECPKG_FLAG_DATAGRAM 0x00000008
#endif
#ifndef SECPKG_FLAG_CONNECTION
#define SECPKG_FLAG_CONNECTION 0x00000010
#endif
#ifndef SECPKG_FLAG_MULTI_REQUIRED
#define SECPKG_FLAG_MULTI_REQUIRED 0x00000020
#endif
#ifndef SECPKG_FLAG_CLIENT_ONLY
#define SECPKG_FLAG_CLIENT_ONLY 0x00000040
#endif
#ifndef SECPKG_FLAG_EXTENDED_ERROR
#define SECPKG_FLAG_EXTENDED_ERROR 0x00000080
#endif
#ifndef SECPKG_FLAG_IMPERSONATION
#define SECPKG_FLAG_IMPERSONATION 0x00000100
#endif
#ifndef SECPKG_FLAG_ACCEPT_WIN32_NAME
#define SECPKG_FLAG_ACCEPT_WIN32_NAME 0x00000200
#endif
#ifndef SECPKG_FLAG_STREAM
#define SECPKG_FLAG_STREAM 0x00000400
#endif
#ifndef SECPKG_FLAG_NEGOTIABLE
#define SECPKG_FLAG_NEGOTIABLE 0x00000800
#endif
#ifndef SECPKG_FLAG_GSS_COMPATIBLE
#define SECPKG_FLAG_GSS_COMPATIBLE 0x00001000
#endif
#ifndef SECPKG_FLAG_LOGON
#define SECPKG_FLAG_LOGON 0x00002000
#endif
#ifndef SECPKG_FLAG_ASCII_BUFFERS
#define SECPKG_FLAG_ASCII_BUFFERS 0x00004000
#endif
#ifndef SECPKG_FLAG_FRAGMENT
#define SECPKG_FLAG_FRAGMENT 0x00008000
#endif
#ifndef SECPKG_FLAG_MUTUAL_AUTH
#define SECPKG_FLAG_MUTUAL_AUTH 0x00010000
#endif
#ifndef SECPKG_FLAG_DELEGATION
#define SECPKG_FLAG_DELEGATION 0x00020000
#endif
#ifndef SECPKG_FLAG_READONLY_WITH_CHECKSUM
#define SECPKG_FLAG_READONLY_WITH_CHECKSUM 0x00040000
#endif
#ifndef SECPKG_FLAG_RESTRICTED_TOKENS
#define SECPKG_FLAG_RESTRICTED_TOKENS 0x00080000
#endif
#ifndef SECPKG_FLAG_NEGO_EXTENDER
#define SECPKG_FLAG_NEGO_EXTENDER 0x00100000
#endif
#ifndef SECPKG_FLAG_NEGOTIABLE2
#define SECPKG_FLAG_NEGOTIABLE2 0x00200000
#endif
#ifndef SECPKG_ID_NONE
#define SECPKG_ID_NONE 0xFFFF
#endif

/* AcceptSecurityContext TargetDataRep; AcquireCredentialsHandle fCredentialUse */
#ifndef SECURITY_NATIVE_DREP
#define SECURITY_NATIVE_DREP 0x00000010
#endif
#ifndef SECURITY_NETWORK_DREP
#define SECURITY_NETWORK_DREP 0x00000000
#endif
#ifndef SECPKG_CRED_INBOUND
#define SECPKG_CRED_INBOUND 0x00000001
#endif
#ifndef SECPKG_CRED_OUTBOUND
#define SECPKG_CRED_OUTBOUND 0x00000002
#endif
#ifndef SECPKG_CRED_BOTH
#define SECPKG_CRED_BOTH 0x00000003
#endif
#ifndef SECPKG_CRED_DEFAULT
#define SECPKG_CRED_DEFAULT 0x00000004
#endif
#ifndef SECPKG_CRED_RESERVED
#define SECPKG_CRED_RESERVED 0xF0000000U
#endif
#ifndef SECPKG_CRED_AUTOLOGON_RESTRICTED
#define SECPKG_CRED_AUTOLOGON_RESTRICTED 0x00000010
#endif
#ifndef SECPKG_CRED_PROCESS_POLICY_ONLY
#define SECPKG_CRED_PROCESS_POLICY_ONLY 0x00000020
#endif

/*
 * AcceptSecurityContext fContextReq: requests, as on Windows. Those CredSSP
 * cannot honour are ignored, and pfContextAttr says what was done.
 * (ASC_REQ_MESSAGES, a 64-bit value, cannot be passed in a ULONG.)
 */
#ifndef ASC_REQ_DELEGATE
#define ASC_REQ_DELEGATE 0x00000001
#endif
#ifndef ASC_REQ_MUTUAL_AUTH
#define ASC_REQ_MUTUAL_AUTH 0x00000002
#endif
#ifndef ASC_REQ_REPLAY_DETECT
#define ASC_REQ_REPLAY_DETECT 0x00000004
#endif
#ifndef ASC_REQ_SEQUENCE_DETECT
#define ASC_REQ_SEQUENCE_DETECT 0x00000008
#endif
#ifndef ASC_REQ_CONFIDENTIALITY
#define ASC_REQ_CONFIDENTIALITY 0x00000010
#endif
#ifndef ASC_REQ_USE_SESSION_KEY
#define ASC_REQ_USE_SESSION_KEY 0x00000020
#endif
#ifndef ASC_REQ_SESSION_TICKET
#define ASC_REQ_SESSION_TICKET 0x00000040
#endif
#ifndef ASC_REQ_ALLOCATE_MEMORY
#define ASC_REQ_ALLOCATE_MEMORY 0x00000100
#endif
#ifndef ASC_REQ_USE_DCE_STYLE
#define ASC_REQ_USE_DCE_STYLE 0x00000200
#endif
#ifndef ASC_REQ_DATAGRAM
#define ASC_REQ_DATAGRAM 0x00000400
#endif
#ifndef ASC_REQ_CONNECTION
#define ASC_REQ_CONNECTION 0x00000800
#endif
#ifndef ASC_REQ_CALL_LEVEL
#define ASC_REQ_CALL_LEVEL 0x00001000
#endif
#ifndef ASC_REQ_FRAGMENT_SUPPLIED
#define ASC_REQ_FRAGMENT_SUPPLIED 0x00002000
#endif
#ifndef ASC_REQ_EXTENDED_ERROR
#define ASC_REQ_EXTENDED_ERROR 0x00008000
#endif
#ifndef ASC_REQ_STREAM
#define ASC_REQ_STREAM 0x00010000
#endif
#ifndef ASC_REQ_INTEGRITY
#define ASC_REQ_INTEGRITY 0x00020000
#endif
#ifndef ASC_REQ_LICENSING
#define ASC_REQ_LICENSING 0x00040000
#endif
#ifndef ASC_REQ_IDENTIFY
#define ASC_REQ_IDENTIFY 0x00080000
#endif
#ifndef ASC_REQ_ALLOW_NULL_SESSION
#define ASC_REQ_ALLOW_NULL_SESSION 0x00100000
#endif
#ifndef ASC_REQ_ALLOW_NON_USER_LOGONS
#define ASC_REQ_ALLOW_NON_USER_LOGONS 0x00200000
#endif
#ifndef ASC_REQ_ALLOW_CONTEXT_REPLAY
#define ASC_REQ_ALLOW_CONTEXT_REPLAY 0x00400000
#endif
#ifndef ASC_REQ_FRAGMENT_TO_FIT
#define ASC_REQ_FRAGMENT_TO_FIT 0x00800000
#endif
#ifndef ASC_REQ_NO_TOKEN
#define ASC_REQ_NO_TOKEN 0x01000000
#endif
#ifndef ASC_REQ_PROXY_BINDINGS
#define ASC_REQ_PROXY_BINDINGS 0x04000000
#endif
#ifndef ASC_REQ_ALLOW_MISSING_BINDINGS
#define ASC_REQ_ALLOW_MISSING_BINDINGS 0x10000000
#endif
/* earlier names of this header */
#ifndef ASC_REQ_ALLOW_CONTEXT_REPLAYS
#define ASC_REQ_ALLOW_CONTEXT_REPLAYS ASC_REQ_ALLOW_CONTEXT_REPLAY
#endif
#ifndef ASC_REQ_PROMPT_FOR_CREDS
#define ASC_REQ_PROMPT_FOR_CREDS ASC_REQ_SESSION_TICKET
#endif

/* AcceptSecurityContext pfContextAttr */
#ifndef ASC_RET_DELEGATE
#define ASC_RET_DELEGATE 0x00000001
#endif
#ifndef ASC_RET_MUTUAL_AUTH
#define ASC_RET_MUTUAL_AUTH 0x00000002
#endif
#ifndef ASC_RET_REPLAY_DETECT
#define ASC_RET_REPLAY_DETECT 0x00000004
#endif
#ifndef ASC_RET_SEQUENCE_DETECT
#define ASC_RET_SEQUENCE_DETECT 0x00000008
#endif
#ifndef ASC_RET_CONFIDENTIALITY
#define ASC_RET_CONFIDENTIALITY 0x00000010
#endif
#ifndef ASC_RET_USE_SESSION_KEY
#define ASC_RET_USE_SESSION_KEY 0x00000020
#endif
#ifndef ASC_RET_SESSION_TICKET
#define ASC_RET_SESSION_TICKET 0x00000040
#endif
#ifndef ASC_RET_ALLOCATED_MEMORY
#define ASC_RET_ALLOCATED_MEMORY 0x00000100
#endif
#ifndef ASC_RET_USED_DCE_STYLE
#define ASC_RET_USED_DCE_STYLE 0x00000200
#endif
#ifndef ASC_RET_DATAGRAM
#define ASC_RET_DATAGRAM 0x00000400
#endif
#ifndef ASC_RET_CONNECTION
#define ASC_RET_CONNECTION 0x00000800
#endif
#ifndef ASC_RET_CALL_LEVEL
#define ASC_RET_CALL_LEVEL 0x00002000
#endif
#ifndef ASC_RET_THIRD_LEG_FAILED
#define ASC_RET_THIRD_LEG_FAILED 0x00004000
#endif
#ifndef ASC_RET_EXTENDED_ERROR
#define ASC_RET_EXTENDED_ERROR 0x00008000
#endif
#ifndef ASC_RET_STREAM
#define ASC_RET_STREAM 0x00010000
#endif
#ifndef ASC_RET_INTEGRITY
#define ASC_RET_INTEGRITY 0x00020000
#endif
#ifndef ASC_RET_LICENSING
#define ASC_RET_LICENSING 0x00040000
#endif
#ifndef ASC_RET_IDENTIFY
#define ASC_RET_IDENTIFY 0x00080000
#endif
#ifndef ASC_RET_NULL_SESSION
#define ASC_RET_NULL_SESSION 0x00100000
#endif
#ifndef ASC_RET_ALLOW_NON_USER_LOGONS
#define ASC_RET_ALLOW_NON_USER_LOGONS 0x00200000
#endif
#ifndef ASC_RET_ALLOW_CONTEXT_REPLAY
#define ASC_RET_ALLOW_CONTEXT_REPLAY 0x00400000
#endif
#ifndef ASC_RET_FRAGMENT_ONLY
#define ASC_RET_FRAGMENT_ONLY 0x00800000
#endif
#ifndef ASC_RET_NO_TOKEN
#define ASC_RET_NO_TOKEN 0x01000000
#endif
#ifndef ASC_RET_NO_ADDITIONAL_TOKEN
#define ASC_RET_NO_ADDITIONAL_TOKEN 0x02000000
#endif

/* QueryContextAttributes ulAttribute (the CredSSP ones: QueryContextAttributes (CredSSP)) */
#ifndef SECPKG_ATTR_SIZES
#define SECPKG_ATTR_SIZES 0
#endif
#ifndef SECPKG_ATTR_NAMES
#define SECPKG_ATTR_NAMES 1
#endif
#ifndef SECPKG_ATTR_LIFESPAN
#define SECPKG_ATTR_LIFESPAN 2
#endif
#ifndef SECPKG_ATTR_DCE_INFO
#define SECPKG_ATTR_DCE_INFO 3
#endif
#ifndef SECPKG_ATTR_STREAM_SIZES
#define SECPKG_ATTR_STREAM_SIZES 4
#endif
#ifndef SECPKG_ATTR_KEY_INFO
#define SECPKG_ATTR_KEY_INFO 5
#endif
#ifndef SECPKG_ATTR_AUTHORITY
#define SECPKG_ATTR_AUTHORITY 6
#endif
#ifndef SECPKG_ATTR_PROTO_INFO
#define SECPKG_ATTR_PROTO_INFO 7
#endif
#ifndef SECPKG_ATTR_PASSWORD_EXPIRY
#define SECPKG_ATTR_PASSWORD_EXPIRY 8
#endif
#ifndef SECPKG_ATTR_SESSION_KEY
#define SECPKG_ATTR_SESSION_KEY 9
#endif
#ifndef SECPKG_ATTR_PACKAGE_INFO
#define SECPKG_ATTR_PACKAGE_INFO 10
#endif
#ifndef SECPKG_ATTR_USER_FLAGS
#define SECPKG_ATTR_USER_FLAGS 11
#endif
#ifndef SECPKG_ATTR_NEGOTIATION_INFO
#define SECPKG_ATTR_NEGOTIATION_INFO 12
#endif
#ifndef SECPKG_ATTR_NATIVE_NAMES
#define SECPKG_ATTR_NATIVE_NAMES 13
#endif
#ifndef SECPKG_ATTR_FLAGS
#define SECPKG_ATTR_FLAGS 14
#endif
#ifndef SECPKG_ATTR_USE_VALIDATED
#define SECPKG_ATTR_USE_VALIDATED 15
#endif
#ifndef SECPKG_ATTR_CREDENTIAL_NAME
#define SECPKG_ATTR_CREDENTIAL_NAME 16
#endif
#ifndef SECPKG_ATTR_TARGET_INFORMATION
#define SECPKG_ATTR_TARGET_INFORMATION 17
#endif
#ifndef SECPKG_ATTR_ACCESS_TOKEN
#define SECPKG_ATTR_ACCESS_TOKEN 18
#endif
#ifndef SECPKG_ATTR_TARGET
#define SECPKG_ATTR_TARGET 19
#endif
#ifndef SECPKG_ATTR_AUTHENTICATION_ID
#define SECPKG_ATTR_AUTHENTICATION_ID 20
#endif
#ifndef SECPKG_ATTR_LOGOFF_TIME
#define SECPKG_ATTR_LOGOFF_TIME 21
#endif
#ifndef SECPKG_ATTR_NEGO_KEYS
#define SECPKG_ATTR_NEGO_KEYS 22
#endif
#ifndef SECPKG_ATTR_PROMPTING_NEEDED
#define SECPKG_ATTR_PROMPTING_NEEDED 24
#endif
#ifndef SECPKG_ATTR_UNIQUE_BINDINGS
#define SECPKG_ATTR_UNIQUE_BINDINGS 25
#endif
#ifndef SECPKG_ATTR_ENDPOINT_BINDINGS
#define SECPKG_ATTR_ENDPOINT_BINDINGS 26
#endif
#ifndef SECPKG_ATTR_CLIENT_SPECIFIED_TARGET
#define SECPKG_ATTR_CLIENT_SPECIFIED_TARGET 27
#endif
#ifndef SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS
#define SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS 30
#endif
#ifndef SECPKG_ATTR_NEGO_PKG_INFO
#define SECPKG_ATTR_NEGO_PKG_INFO 31
#endif
#ifndef SECPKG_ATTR_NEGO_STATUS
#define SECPKG_ATTR_NEGO_STATUS 32
#endif
#ifndef SECPKG_ATTR_CONTEXT_DELETED
#define SECPKG_ATTR_CONTEXT_DELETED 33
#endif
#ifndef SECPKG_ATTR_CREDS
#define SECPKG_ATTR_CREDS 0x80000080U
#endif
#ifndef SECPKG_ATTR_NEGOTIATION_PACKAGE
#define SECPKG_ATTR_NEGOTIATION_PACKAGE 0x80000081U
#endif
#ifndef SECPKG_ATTR_CREDS_2
#define SECPKG_ATTR_CREDS_2 0x80000086U
#endif

/* SecPkgContext_NegotiationInfo NegotiationState */
#ifndef SECPKG_NEGOTIATION_COMPLETE
#define SECPKG_NEGOTIATION_COMPLETE 0
#endif
#ifndef SECPKG_NEGOTIATION_OPTIMISTIC
#define SECPKG_NEGOTIATION_OPTIMISTIC 1
#endif
#ifndef SECPKG_NEGOTIATION_IN_PROGRESS
#define SECPKG_NEGOTIATION_IN_PROGRESS 2
#endif
#ifndef SECPKG_NEGOTIATION_DIRECT
#define SECPKG_NEGOTIATION_DIRECT 3
#endif
#ifndef SECPKG_NEGOTIATION_TRY_MULTICRED
#define SECPKG_NEGOTIATION_TRY_MULTICRED 4
#endif

/* SecurityFunctionTable dwVersion */
#ifndef SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION 1
#endif
#ifndef SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_2
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_2 2
#endif
#ifndef SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_3
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_3 3
#endif
#ifndef SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_4
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_4 4
#endif
#ifndef SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5 5
#endif

#ifndef CREDSSP_NAME_A
#define CREDSSP_NAME_A "CredSSP"
#endif
#ifndef CREDSSP_NAME_W
#define CREDSSP_NAME_W ((SEC_WCHAR *)u"CredSSP")
#endif

/* ---- the functions; see the differences from Windows above ---- */

SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleA(SEC_CHAR *pszPrincipal, SEC_CHAR *pszPackage,
						    ULONG fCredentialUse, void *pvLogonId,
						    void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
						    void *pvGetKeyArgument,
						    PCredHandle phCredential, PTimeStamp ptsExpiry);
SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleW(SEC_WCHAR *pszPrincipal, SEC_WCHAR *pszPackage,
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

/* CredSSP never returns SEC_I_COMPLETE_NEEDED: SEC_E_UNSUPPORTED_FUNCTION */
SECURITY_STATUS SEC_ENTRY CompleteAuthToken(PCtxtHandle phContext, PSecBufferDesc pToken);

SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext);
SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext);

/* No Windows access token here: SEC_E_UNSUPPORTED_FUNCTION, *Token NULL */
SECURITY_STATUS SEC_ENTRY QuerySecurityContextToken(PCtxtHandle phContext, void **Token);

SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext);
SECURITY_STATUS SEC_ENTRY EncryptMessage(PCtxtHandle phContext, ULONG fQOP, PSecBufferDesc pMessage,
					 ULONG MessageSeqNo);
SECURITY_STATUS SEC_ENTRY DecryptMessage(PCtxtHandle phContext, PSecBufferDesc pMessage,
					 ULONG MessageSeqNo, PULONG pfQOP);
/*
 * libcredssp's own: switch the connection to kTLS after the handshake (or
 * after some EncryptMessage/DecryptMessage records: the sequence numbers
 * continue). credssp_ktls_attach() of <credssp.h> on the process-wide
 * session the context lives in: 0, or its negative errno; @tls_version and
 * @cipher (TLS_CIPHER_* of <linux/tls.h>) may be NULL.
 */
int credssp_sspi_ktls_attach(PCtxtHandle phContext, int fd, ULONG *tls_version, ULONG *cipher);

SECURITY_STATUS SEC_ENTRY QueryContextAttributesA(PCtxtHandle phContext, ULONG ulAttribute,
						  void *pBuffer);
SECURITY_STATUS SEC_ENTRY QueryContextAttributesW(PCtxtHandle phContext, ULONG ulAttribute,
						  void *pBuffer);

SECURITY_STATUS SEC_ENTRY FreeContextBuffer(PVOID pvContextBuffer);

SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoA(SEC_CHAR *pszPackageName,
						    PSecPkgInfoA *ppPackageInfo);
SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoW(SEC_WCHAR *pszPackageName,
						    PSecPkgInfoW *ppPackageInfo);

SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesA(PULONG pcPackages,
						     PSecPkgInfoA *ppPackageInfo);
SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesW(PULONG pcPackages,
						     PSecPkgInfoW *ppPackageInfo);

/* ---- InitSecurityInterface: the SDK's function tables ---- */

typedef SECURITY_STATUS(SEC_ENTRY *ENUMERATE_SECURITY_PACKAGES_FN_A)(PULONG, PSecPkgInfoA *);
typedef SECURITY_STATUS(SEC_ENTRY *ENUMERATE_SECURITY_PACKAGES_FN_W)(PULONG, PSecPkgInfoW *);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_FN_A)(PCredHandle, ULONG, void *);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_FN_W)(PCredHandle, ULONG, void *);
typedef SECURITY_STATUS(SEC_ENTRY *ACQUIRE_CREDENTIALS_HANDLE_FN_A)(SEC_CHAR *, SEC_CHAR *, ULONG,
								    void *, void *, SEC_GET_KEY_FN,
								    void *, PCredHandle,
								    PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *ACQUIRE_CREDENTIALS_HANDLE_FN_W)(SEC_WCHAR *, SEC_WCHAR *, ULONG,
								    void *, void *, SEC_GET_KEY_FN,
								    void *, PCredHandle,
								    PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *FREE_CREDENTIALS_HANDLE_FN)(PCredHandle);
typedef SECURITY_STATUS(SEC_ENTRY *INITIALIZE_SECURITY_CONTEXT_FN_A)(PCredHandle, PCtxtHandle,
								     SEC_CHAR *, ULONG, ULONG,
								     ULONG, PSecBufferDesc, ULONG,
								     PCtxtHandle, PSecBufferDesc,
								     PULONG, PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *INITIALIZE_SECURITY_CONTEXT_FN_W)(PCredHandle, PCtxtHandle,
								     SEC_WCHAR *, ULONG, ULONG,
								     ULONG, PSecBufferDesc, ULONG,
								     PCtxtHandle, PSecBufferDesc,
								     PULONG, PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *ACCEPT_SECURITY_CONTEXT_FN)(PCredHandle, PCtxtHandle,
							       PSecBufferDesc, ULONG, ULONG,
							       PCtxtHandle, PSecBufferDesc, PULONG,
							       PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *COMPLETE_AUTH_TOKEN_FN)(PCtxtHandle, PSecBufferDesc);
typedef SECURITY_STATUS(SEC_ENTRY *DELETE_SECURITY_CONTEXT_FN)(PCtxtHandle);
typedef SECURITY_STATUS(SEC_ENTRY *APPLY_CONTROL_TOKEN_FN)(PCtxtHandle, PSecBufferDesc);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_FN_A)(PCtxtHandle, ULONG, void *);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_FN_W)(PCtxtHandle, ULONG, void *);
typedef SECURITY_STATUS(SEC_ENTRY *IMPERSONATE_SECURITY_CONTEXT_FN)(PCtxtHandle);
typedef SECURITY_STATUS(SEC_ENTRY *REVERT_SECURITY_CONTEXT_FN)(PCtxtHandle);
typedef SECURITY_STATUS(SEC_ENTRY *MAKE_SIGNATURE_FN)(PCtxtHandle, ULONG, PSecBufferDesc, ULONG);
typedef SECURITY_STATUS(SEC_ENTRY *VERIFY_SIGNATURE_FN)(PCtxtHandle, PSecBufferDesc, ULONG, PULONG);
typedef SECURITY_STATUS(SEC_ENTRY *FREE_CONTEXT_BUFFER_FN)(void *);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_SECURITY_PACKAGE_INFO_FN_A)(SEC_CHAR *, PSecPkgInfoA *);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_SECURITY_PACKAGE_INFO_FN_W)(SEC_WCHAR *, PSecPkgInfoW *);
typedef SECURITY_STATUS(SEC_ENTRY *EXPORT_SECURITY_CONTEXT_FN)(PCtxtHandle, ULONG, PSecBuffer,
							       void **);
typedef SECURITY_STATUS(SEC_ENTRY *IMPORT_SECURITY_CONTEXT_FN_A)(SEC_CHAR *, PSecBuffer, void *,
								 PCtxtHandle);
typedef SECURITY_STATUS(SEC_ENTRY *IMPORT_SECURITY_CONTEXT_FN_W)(SEC_WCHAR *, PSecBuffer, void *,
								 PCtxtHandle);
typedef SECURITY_STATUS(SEC_ENTRY *ADD_CREDENTIALS_FN_A)(PCredHandle, SEC_CHAR *, SEC_CHAR *, ULONG,
							 void *, SEC_GET_KEY_FN, void *,
							 PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *ADD_CREDENTIALS_FN_W)(PCredHandle, SEC_WCHAR *, SEC_WCHAR *,
							 ULONG, void *, SEC_GET_KEY_FN, void *,
							 PTimeStamp);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_SECURITY_CONTEXT_TOKEN_FN)(PCtxtHandle, void **);
typedef SECURITY_STATUS(SEC_ENTRY *ENCRYPT_MESSAGE_FN)(PCtxtHandle, ULONG, PSecBufferDesc, ULONG);
typedef SECURITY_STATUS(SEC_ENTRY *DECRYPT_MESSAGE_FN)(PCtxtHandle, PSecBufferDesc, ULONG, PULONG);
typedef SECURITY_STATUS(SEC_ENTRY *SET_CONTEXT_ATTRIBUTES_FN_A)(PCtxtHandle, ULONG, void *, ULONG);
typedef SECURITY_STATUS(SEC_ENTRY *SET_CONTEXT_ATTRIBUTES_FN_W)(PCtxtHandle, ULONG, void *, ULONG);
typedef SECURITY_STATUS(SEC_ENTRY *SET_CREDENTIALS_ATTRIBUTES_FN_A)(PCredHandle, ULONG, void *,
								    ULONG);
typedef SECURITY_STATUS(SEC_ENTRY *SET_CREDENTIALS_ATTRIBUTES_FN_W)(PCredHandle, ULONG, void *,
								    ULONG);
typedef SECURITY_STATUS(SEC_ENTRY *CHANGE_PASSWORD_FN_A)(SEC_CHAR *, SEC_CHAR *, SEC_CHAR *,
							 SEC_CHAR *, SEC_CHAR *, UCHAR, ULONG,
							 PSecBufferDesc);
typedef SECURITY_STATUS(SEC_ENTRY *CHANGE_PASSWORD_FN_W)(SEC_WCHAR *, SEC_WCHAR *, SEC_WCHAR *,
							 SEC_WCHAR *, SEC_WCHAR *, UCHAR, ULONG,
							 PSecBufferDesc);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_EX_FN_A)(PCtxtHandle, ULONG, void *,
								     ULONG);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_EX_FN_W)(PCtxtHandle, ULONG, void *,
								     ULONG);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A)(PCredHandle, ULONG, void *,
									 ULONG);
typedef SECURITY_STATUS(SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W)(PCredHandle, ULONG, void *,
									 ULONG);

/* The SDK's alias; it also names the A table's member (as with the SDK's headers). */
#ifndef FreeCredentialHandle
#define FreeCredentialHandle FreeCredentialsHandle
#endif

/*
 * The SDK's field order (dwVersion SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5,
 * with QueryContextAttributesEx and QueryCredentialsAttributesEx). The
 * entries of functions this library does not implement (Initialize-
 * SecurityContext, signatures, messages, import/export, the *Ex and Set*
 * attribute calls...) return SEC_E_UNSUPPORTED_FUNCTION; none is NULL.
 */
typedef struct _SECURITY_FUNCTION_TABLE_A {
	ULONG dwVersion;
	ENUMERATE_SECURITY_PACKAGES_FN_A EnumerateSecurityPackagesA;
	QUERY_CREDENTIALS_ATTRIBUTES_FN_A QueryCredentialsAttributesA;
	ACQUIRE_CREDENTIALS_HANDLE_FN_A AcquireCredentialsHandleA;
	FREE_CREDENTIALS_HANDLE_FN FreeCredentialHandle; /* spelt so in the SDK */
	void *Reserved2;
	INITIALIZE_SECURITY_CONTEXT_FN_A InitializeSecurityContextA;
	ACCEPT_SECURITY_CONTEXT_FN AcceptSecurityContext;
	COMPLETE_AUTH_TOKEN_FN CompleteAuthToken;
	DELETE_SECURITY_CONTEXT_FN DeleteSecurityContext;
	APPLY_CONTROL_TOKEN_FN ApplyControlToken;
	QUERY_CONTEXT_ATTRIBUTES_FN_A QueryContextAttributesA;
	IMPERSONATE_SECURITY_CONTEXT_FN ImpersonateSecurityContext;
	REVERT_SECURITY_CONTEXT_FN RevertSecurityContext;
	MAKE_SIGNATURE_FN MakeSignature;
	VERIFY_SIGNATURE_FN VerifySignature;
	FREE_CONTEXT_BUFFER_FN FreeContextBuffer;
	QUERY_SECURITY_PACKAGE_INFO_FN_A QuerySecurityPackageInfoA;
	void *Reserved3;
	void *Reserved4;
	EXPORT_SECURITY_CONTEXT_FN ExportSecurityContext;
	IMPORT_SECURITY_CONTEXT_FN_A ImportSecurityContextA;
	ADD_CREDENTIALS_FN_A AddCredentialsA;
	void *Reserved8;
	QUERY_SECURITY_CONTEXT_TOKEN_FN QuerySecurityContextToken;
	ENCRYPT_MESSAGE_FN EncryptMessage;
	DECRYPT_MESSAGE_FN DecryptMessage;
	SET_CONTEXT_ATTRIBUTES_FN_A SetContextAttributesA;
	SET_CREDENTIALS_ATTRIBUTES_FN_A SetCredentialsAttributesA;
	CHANGE_PASSWORD_FN_A ChangeAccountPasswordA;
	QUERY_CONTEXT_ATTRIBUTES_EX_FN_A QueryContextAttributesExA;
	QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A QueryCredentialsAttributesExA;
} SecurityFunctionTableA, *PSecurityFunctionTableA;

typedef struct _SECURITY_FUNCTION_TABLE_W {
	ULONG dwVersion;
	ENUMERATE_SECURITY_PACKAGES_FN_W EnumerateSecurityPackagesW;
	QUERY_CREDENTIALS_ATTRIBUTES_FN_W QueryCredentialsAttributesW;
	ACQUIRE_CREDENTIALS_HANDLE_FN_W AcquireCredentialsHandleW;
	FREE_CREDENTIALS_HANDLE_FN FreeCredentialsHandle;
	void *Reserved2;
	INITIALIZE_SECURITY_CONTEXT_FN_W InitializeSecurityContextW;
	ACCEPT_SECURITY_CONTEXT_FN AcceptSecurityContext;
	COMPLETE_AUTH_TOKEN_FN CompleteAuthToken;
	DELETE_SECURITY_CONTEXT_FN DeleteSecurityContext;
	APPLY_CONTROL_TOKEN_FN ApplyControlToken;
	QUERY_CONTEXT_ATTRIBUTES_FN_W QueryContextAttributesW;
	IMPERSONATE_SECURITY_CONTEXT_FN ImpersonateSecurityContext;
	REVERT_SECURITY_CONTEXT_FN RevertSecurityContext;
	MAKE_SIGNATURE_FN MakeSignature;
	VERIFY_SIGNATURE_FN VerifySignature;
	FREE_CONTEXT_BUFFER_FN FreeContextBuffer;
	QUERY_SECURITY_PACKAGE_INFO_FN_W QuerySecurityPackageInfoW;
	void *Reserved3;
	void *Reserved4;
	EXPORT_SECURITY_CONTEXT_FN ExportSecurityContext;
	IMPORT_SECURITY_CONTEXT_FN_W ImportSecurityContextW;
	ADD_CREDENTIALS_FN_W AddCredentialsW;
	void *Reserved8;
	QUERY_SECURITY_CONTEXT_TOKEN_FN QuerySecurityContextToken;
	ENCRYPT_MESSAGE_FN EncryptMessage;
	DECRYPT_MESSAGE_FN DecryptMessage;
	SET_CONTEXT_ATTRIBUTES_FN_W SetContextAttributesW;
	SET_CREDENTIALS_ATTRIBUTES_FN_W SetCredentialsAttributesW;
	CHANGE_PASSWORD_FN_W ChangeAccountPasswordW;
	QUERY_CONTEXT_ATTRIBUTES_EX_FN_W QueryContextAttributesExW;
	QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W QueryCredentialsAttributesExW;
} SecurityFunctionTableW, *PSecurityFunctionTableW;

/* Static tables, never NULL. */
PSecurityFunctionTableA SEC_ENTRY InitSecurityInterfaceA(void);
PSecurityFunctionTableW SEC_ENTRY InitSecurityInterfaceW(void);

typedef PSecurityFunctionTableA(SEC_ENTRY *INIT_SECURITY_INTERFACE_A)(void);
typedef PSecurityFunctionTableW(SEC_ENTRY *INIT_SECURITY_INTERFACE_W)(void);

#ifndef SECURITY_ENTRYPOINT_ANSIA
#define SECURITY_ENTRYPOINT_ANSIA "InitSecurityInterfaceA"
#endif
#ifndef SECURITY_ENTRYPOINT_ANSIW
#define SECURITY_ENTRYPOINT_ANSIW "InitSecurityInterfaceW"
#endif

/* ---- the unsuffixed names: W with UNICODE, A otherwise (as the SDK) ---- */

#ifdef UNICODE
#define LIBCREDSSP_SSPI_AW(n) n##W
#else
#define LIBCREDSSP_SSPI_AW(n) n##A
#endif

#ifndef AcquireCredentialsHandle
#define AcquireCredentialsHandle       LIBCREDSSP_SSPI_AW(AcquireCredentialsHandle)
#define QueryContextAttributes	       LIBCREDSSP_SSPI_AW(QueryContextAttributes)
#define QuerySecurityPackageInfo       LIBCREDSSP_SSPI_AW(QuerySecurityPackageInfo)
#define EnumerateSecurityPackages      LIBCREDSSP_SSPI_AW(EnumerateSecurityPackages)
#define InitSecurityInterface	       LIBCREDSSP_SSPI_AW(InitSecurityInterface)
#define SecPkgInfo		       LIBCREDSSP_SSPI_AW(SecPkgInfo)
#define PSecPkgInfo		       LIBCREDSSP_SSPI_AW(PSecPkgInfo)
#define SecPkgContext_Names	       LIBCREDSSP_SSPI_AW(SecPkgContext_Names)
#define PSecPkgContext_Names	       LIBCREDSSP_SSPI_AW(PSecPkgContext_Names)
#define SecPkgContext_PackageInfo      LIBCREDSSP_SSPI_AW(SecPkgContext_PackageInfo)
#define PSecPkgContext_PackageInfo     LIBCREDSSP_SSPI_AW(PSecPkgContext_PackageInfo)
#define SecPkgContext_NegotiationInfo  LIBCREDSSP_SSPI_AW(SecPkgContext_NegotiationInfo)
#define PSecPkgContext_NegotiationInfo LIBCREDSSP_SSPI_AW(PSecPkgContext_NegotiationInfo)
#define SecurityFunctionTable	       LIBCREDSSP_SSPI_AW(SecurityFunctionTable)
#define PSecurityFunctionTable	       LIBCREDSSP_SSPI_AW(PSecurityFunctionTable)
#define CREDSSP_NAME		       LIBCREDSSP_SSPI_AW(CREDSSP_NAME_)
#define SECURITY_ENTRYPOINT_ANSI       LIBCREDSSP_SSPI_AW(SECURITY_ENTRYPOINT_ANSI)
#define ACQUIRE_CREDENTIALS_HANDLE_FN  LIBCREDSSP_SSPI_AW(ACQUIRE_CREDENTIALS_HANDLE_FN_)
#define QUERY_CONTEXT_ATTRIBUTES_FN    LIBCREDSSP_SSPI_AW(QUERY_CONTEXT_ATTRIBUTES_FN_)
#define QUERY_SECURITY_PACKAGE_INFO_FN LIBCREDSSP_SSPI_AW(QUERY_SECURITY_PACKAGE_INFO_FN_)
#define ENUMERATE_SECURITY_PACKAGES_FN LIBCREDSSP_SSPI_AW(ENUMERATE_SECURITY_PACKAGES_FN_)
#define INIT_SECURITY_INTERFACE	       LIBCREDSSP_SSPI_AW(INIT_SECURITY_INTERFACE_)
#endif

#ifdef __cplusplus
}
#endif

/*
 * `unsigned long` out-variables, as the Windows documentation declares them
 * (AcceptSecurityContext's pfContextAttr, EnumerateSecurityPackages'
 * pcPackages): on LP64 they are 64 bits and ULONG is 32, so a pointer to one
 * is turned into a pointer to its low-order 32 bits after zeroing it; the
 * library writes the ULONG there and the variable reads back the same value.
 * The conversion is on the argument, so calls through the function tables
 * (table->AcceptSecurityContext(...)) take it too. A ULONG pointer or NULL
 * passes unchanged.
 */
#ifndef CREDSSP_SSPI_STRICT_ULONG
static inline ULONG *credssp__ul_lo(unsigned long *p)
{
	if (!p)
		return NULL;
	*p = 0;
	return (ULONG *)(void *)p +
	       (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ && sizeof(*p) > sizeof(ULONG) ? 1 : 0);
}

#ifdef __cplusplus
extern "C++" {
inline ULONG *credssp__ul_ptr(unsigned long *p)
{
	return credssp__ul_lo(p);
}

inline ULONG *credssp__ul_ptr(ULONG *p)
{
	return p;
}

/* a pointer of exactly one of those two types (no conversion to pick) */
template <class T> inline ULONG *credssp__ul(T *p)
{
	return credssp__ul_ptr(p);
}

/* nullptr, NULL, 0 */
inline ULONG *credssp__ul(decltype(nullptr))
{
	return nullptr;
}
}
#define CREDSSP__UL(p) credssp__ul(p)
#else
static inline ULONG *credssp__ul_same(ULONG *p)
{
	return p;
}

#define CREDSSP__UL(p) \
	_Generic((p), unsigned long * : credssp__ul_lo, default : credssp__ul_same)(p)
#endif

#define AcceptSecurityContext(a, b, c, d, e, f, g, h, i) \
	AcceptSecurityContext(a, b, c, d, e, f, g, CREDSSP__UL(h), i)
#define EnumerateSecurityPackagesA(n, p) EnumerateSecurityPackagesA(CREDSSP__UL(n), p)
#define EnumerateSecurityPackagesW(n, p) EnumerateSecurityPackagesW(CREDSSP__UL(n), p)
#endif /* CREDSSP_SSPI_STRICT_ULONG */

#endif /* LIBCREDSSP_SSPI_H */
