// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcredssp: the Windows-named SSPI functions of lib/sspi.h, over one
 * process-wide default session.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "credssp.h"
#include "sspi.h" /* after credssp.h: signed status constants from here on */
#include "internal.h"

_Static_assert(sizeof(SecPkgInfoA) == sizeof(struct credssp_pkg_info), "SecPkgInfoA layout");
_Static_assert(offsetof(SecPkgInfoA, cbMaxToken) == offsetof(struct credssp_pkg_info, max_token),
	       "SecPkgInfoA layout");
_Static_assert(offsetof(SecPkgInfoA, Name) == offsetof(struct credssp_pkg_info, name),
	       "SecPkgInfoA layout");
_Static_assert(offsetof(SecPkgInfoA, Comment) == offsetof(struct credssp_pkg_info, comment),
	       "SecPkgInfoA layout");

/* ---- the default session ---- */

static pthread_mutex_t dflt_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t dflt_once = PTHREAD_ONCE_INIT;
static struct credssp_handle *dflt;

static void fork_prepare(void)
{
	pthread_mutex_lock(&dflt_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&dflt_lock);
}

/* The child shares the parent's socket: forget it, open a new one if used. */
static void fork_child(void)
{
	if (dflt) {
		credssp__abandon(dflt);
		dflt = NULL;
	}
	pthread_mutex_unlock(&dflt_lock);
}

static void dflt_init(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* The default session, opened on first use; NULL with errno set. */
static struct credssp_handle *session(void)
{
	struct credssp_handle *h;

	pthread_once(&dflt_once, dflt_init);
	pthread_mutex_lock(&dflt_lock);
	if (!dflt)
		dflt = credssp_open();
	h = dflt;
	pthread_mutex_unlock(&dflt_lock);
	return h;
}

/* A call on a handle when no session can be opened: the handle is not ours. */
static SECURITY_STATUS no_session(void)
{
	return errno == ENOMEM ? SEC_E_INSUFFICIENT_MEMORY : SEC_E_INVALID_HANDLE;
}

static void put_handle(PSecHandle sh, uint64_t id)
{
	sh->dwLower = (ULONG_PTR)(uint32_t)id;
	sh->dwUpper = (ULONG_PTR)(uint32_t)(id >> 32);
}

static uint64_t get_handle(const SecHandle *sh)
{
	return (uint64_t)(uint32_t)sh->dwLower | (uint64_t)(uint32_t)sh->dwUpper << 32;
}

static void put_time(PTimeStamp ts, uint64_t t)
{
	ts->QuadPart = t > (uint64_t)SEC_TIMESTAMP_NEVER ? SEC_TIMESTAMP_NEVER : (int64_t)t;
}

/* ---- the functions ---- */

SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleA(SEC_CHAR *pszPrincipal, SEC_CHAR *pszPackage,
						    ULONG fCredentialUse, void *pvLogonId,
						    void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
						    void *pvGetKeyArgument,
						    PCredHandle phCredential, PTimeStamp ptsExpiry)
{
	struct credssp_handle *h;
	uint64_t cred, expiry;
	SECURITY_STATUS st;

	(void)pvLogonId;
	(void)pAuthData; /* the helper's configuration names the server identity */
	(void)pGetKeyFn;
	(void)pvGetKeyArgument;
	if (!phCredential || !pszPackage)
		return SEC_E_INVALID_PARAMETER;
	h = session();
	if (!h)
		return errno == ENOMEM ? SEC_E_INSUFFICIENT_MEMORY : SEC_E_SECPKG_NOT_FOUND;
	st = (SECURITY_STATUS)credssp_acquire_credentials_handle(h, pszPrincipal, pszPackage,
								 fCredentialUse, &cred, &expiry);
	if (st == SEC_E_OK) {
		put_handle(phCredential, cred);
		if (ptsExpiry)
			put_time(ptsExpiry, expiry);
	}
	return st;
}

SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential)
{
	struct credssp_handle *h;

	if (!phCredential)
		return SEC_E_INVALID_HANDLE;
	h = session();
	if (!h)
		return no_session();
	return (SECURITY_STATUS)credssp_free_credentials_handle(h, get_handle(phCredential));
}

/* The first buffer of @type in @desc (attribute bits ignored), or NULL. */
static PSecBuffer find_buffer(PSecBufferDesc desc, ULONG type)
{
	ULONG i;

	if (!desc || !desc->pBuffers)
		return NULL;
	for (i = 0; i < desc->cBuffers; i++)
		if ((desc->pBuffers[i].BufferType & ~SECBUFFER_ATTRMASK) == type)
			return &desc->pBuffers[i];
	return NULL;
}

SECURITY_STATUS SEC_ENTRY AcceptSecurityContext(PCredHandle phCredential, PCtxtHandle phContext,
						PSecBufferDesc pInput, ULONG fContextReq,
						ULONG TargetDataRep, PCtxtHandle phNewContext,
						PSecBufferDesc pOutput, PULONG pfContextAttr,
						PTimeStamp ptsExpiry)
{
	PSecBuffer in = find_buffer(pInput, SECBUFFER_TOKEN);
	PSecBuffer out = find_buffer(pOutput, SECBUFFER_TOKEN);
	PSecBuffer empty = find_buffer(pInput, SECBUFFER_EMPTY);
	int alloc = !!(fContextReq & ASC_REQ_ALLOCATE_MEMORY);
	uint64_t new_ctx = 0, expiry = 0;
	size_t out_len = 0, extra = 0;
	void *out_buf = NULL;
	uint32_t attrs = 0;
	struct credssp_handle *h;
	SECURITY_STATUS st;

	if (!phContext && (!phCredential || !phNewContext))
		return SEC_E_INVALID_HANDLE;
	if (in && in->cbBuffer && !in->pvBuffer)
		return SEC_E_INVALID_TOKEN;
	if (out && !alloc) {
		out_buf = out->pvBuffer;
		out_len = out_buf ? out->cbBuffer : 0;
	}
	h = session();
	if (!h)
		return no_session();
	st = (SECURITY_STATUS)credssp_accept_security_context(
		h, phCredential ? get_handle(phCredential) : 0,
		phContext ? get_handle(phContext) : 0, in ? in->pvBuffer : NULL,
		in ? in->cbBuffer : 0, fContextReq, TargetDataRep, 0, &new_ctx,
		out ? &out_buf : NULL, out ? &out_len : NULL, &extra, &attrs, &expiry);
	if (out) {
		if (alloc)
			out->pvBuffer = out_buf;
		out->cbBuffer = (ULONG)out_len;
	}
	if (new_ctx && phNewContext)
		put_handle(phNewContext, new_ctx);
	if (extra && empty && in && extra <= in->cbBuffer) {
		empty->BufferType = SECBUFFER_EXTRA;
		empty->cbBuffer = (ULONG)extra;
		empty->pvBuffer = (unsigned char *)in->pvBuffer + (in->cbBuffer - extra);
	}
	if (pfContextAttr)
		*pfContextAttr = attrs;
	if (ptsExpiry && st == SEC_E_OK)
		put_time(ptsExpiry, expiry);
	return st;
}

SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext)
{
	struct credssp_handle *h;

	if (!phContext)
		return SEC_E_INVALID_HANDLE;
	h = session();
	if (!h)
		return no_session();
	return (SECURITY_STATUS)credssp_delete_security_context(h, get_handle(phContext));
}

SECURITY_STATUS SEC_ENTRY QueryContextAttributesA(PCtxtHandle phContext, ULONG ulAttribute,
						  void *pBuffer)
{
	union {
		struct credssp_sizes sizes;
		struct credssp_stream_sizes stream;
		struct credssp_names names;
		struct credssp_lifespan life;
		struct credssp_package_info pkg;
		struct credssp_negotiation_info nego;
		struct credssp_client_creds creds;
	} r;
	struct credssp_handle *h;
	SECURITY_STATUS st;

	if (!phContext)
		return SEC_E_INVALID_HANDLE;
	if (!pBuffer)
		return SEC_E_INVALID_PARAMETER;
	h = session();
	if (!h)
		return no_session();
	memset(&r, 0, sizeof(r));
	st = (SECURITY_STATUS)credssp_query_context_attributes(h, get_handle(phContext),
							       ulAttribute, &r);
	if (st != SEC_E_OK)
		return st;
	switch (ulAttribute) {
	case SECPKG_ATTR_SIZES: {
		PSecPkgContext_Sizes s = pBuffer;

		s->cbMaxToken = r.sizes.max_token;
		s->cbMaxSignature = r.sizes.max_signature;
		s->cbBlockSize = r.sizes.block_size;
		s->cbSecurityTrailer = r.sizes.security_trailer;
		break;
	}
	case SECPKG_ATTR_STREAM_SIZES: {
		PSecPkgContext_StreamSizes s = pBuffer;

		s->cbHeader = r.stream.header;
		s->cbTrailer = r.stream.trailer;
		s->cbMaximumMessage = r.stream.max_message;
		s->cBuffers = r.stream.buffers;
		s->cbBlockSize = r.stream.block_size;
		break;
	}
	case SECPKG_ATTR_NAMES:
		((PSecPkgContext_NamesA)pBuffer)->sUserName = r.names.user_name;
		break;
	case SECPKG_ATTR_LIFESPAN:
		put_time(&((PSecPkgContext_Lifespan)pBuffer)->tsStart, r.life.start);
		put_time(&((PSecPkgContext_Lifespan)pBuffer)->tsExpiry, r.life.expiry);
		break;
	case SECPKG_ATTR_PACKAGE_INFO:
		((PSecPkgContext_PackageInfoA)pBuffer)->PackageInfo = (PSecPkgInfoA)r.pkg.info;
		break;
	case SECPKG_ATTR_NEGOTIATION_PACKAGE:
		((PSecPkgContext_NegotiationInfoA)pBuffer)->PackageInfo = (PSecPkgInfoA)r.nego.info;
		((PSecPkgContext_NegotiationInfoA)pBuffer)->NegotiationState = r.nego.state;
		break;
	case SECPKG_ATTR_CREDS:
	case SECPKG_ATTR_CREDS_2:
		((PSecPkgContext_ClientCreds)pBuffer)->AuthBufferLen = r.creds.len;
		((PSecPkgContext_ClientCreds)pBuffer)->AuthBuffer = r.creds.data;
		break;
	default: return SEC_E_UNSUPPORTED_FUNCTION;
	}
	return SEC_E_OK;
}

SECURITY_STATUS SEC_ENTRY FreeContextBuffer(PVOID pvContextBuffer)
{
	return (SECURITY_STATUS)credssp_free_context_buffer(pvContextBuffer);
}

/* The CredSSP package's SecPkgInfoA, in one FreeContextBuffer() block. */
static PSecPkgInfoA credssp_pkg(void)
{
	static const char name[] = CREDSSP_PACKAGE_NAME, comment[] = CREDSSP_PKG_COMMENT;
	PSecPkgInfoA p = credssp__cbuf_alloc(sizeof(*p) + sizeof(name) + sizeof(comment));

	if (!p)
		return NULL;
	p->fCapabilities = CREDSSP_PKG_CAPABILITIES;
	p->wVersion = CREDSSP_PKG_VERSION;
	p->wRPCID = CREDSSP_PKG_RPCID;
	p->cbMaxToken = CREDSSP_TOKEN_MAX;
	p->Name = (SEC_CHAR *)(p + 1);
	p->Comment = p->Name + sizeof(name);
	memcpy(p->Name, name, sizeof(name));
	memcpy(p->Comment, comment, sizeof(comment));
	return p;
}

SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoA(SEC_CHAR *pszPackageName,
						    PSecPkgInfoA *ppPackageInfo)
{
	if (!pszPackageName || !ppPackageInfo)
		return SEC_E_INVALID_PARAMETER;
	*ppPackageInfo = NULL;
	if (strcasecmp(pszPackageName, CREDSSP_PACKAGE_NAME))
		return SEC_E_SECPKG_NOT_FOUND;
	*ppPackageInfo = credssp_pkg();
	return *ppPackageInfo ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesA(PULONG pcPackages, PSecPkgInfoA *ppPackageInfo)
{
	if (!pcPackages || !ppPackageInfo)
		return SEC_E_INVALID_PARAMETER;
	*ppPackageInfo = credssp_pkg();
	*pcPackages = *ppPackageInfo ? 1 : 0;
	return *ppPackageInfo ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}
