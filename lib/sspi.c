// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcredssp: the Windows-named SSPI functions of lib/sspi.h, over one
 * process-wide default session.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "credssp.h"
/* the real prototypes, without the unsigned long conversion macros */
#define CREDSSP_SSPI_STRICT_ULONG
#include "sspi.h"
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

/* The session for a call on handle @sh; NULL with *@st set when there is none. */
static struct credssp_handle *session_for(const SecHandle *sh, SECURITY_STATUS *st)
{
	struct credssp_handle *h;

	*st = SEC_E_INVALID_HANDLE;
	if (!sh)
		return NULL;
	h = session();
	if (!h)
		*st = no_session();
	return h;
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

/* ---- Windows time ---- */

/* Seconds from 1601-01-01 to 1970-01-01; 100 ns units per second. */
#define FILETIME_EPOCH	 INT64_C(11644473600)
#define FILETIME_PER_SEC INT64_C(10000000)

int64_t credssp__filetime(uint64_t unix_secs)
{
	int64_t local;
	struct tm tm;
	time_t t;

	if (unix_secs == CREDSSP_TIME_NEVER ||
	    unix_secs > (uint64_t)(INT64_MAX / FILETIME_PER_SEC - FILETIME_EPOCH - 86400))
		return SEC_TIMESTAMP_NEVER;
	/* Local time, as the SDK recommends of packages (SecPkgContext_Lifespan). */
	t = (time_t)unix_secs;
	local = (int64_t)unix_secs;
	if (localtime_r(&t, &tm))
		local += tm.tm_gmtoff;
	if (local < -FILETIME_EPOCH)
		return 0;
	return (local + FILETIME_EPOCH) * FILETIME_PER_SEC;
}

static void put_time(PTimeStamp ts, uint64_t t)
{
	ts->QuadPart = credssp__filetime(t);
}

/* ---- UTF-16 (SEC_WCHAR) strings ---- */

SEC_WCHAR *credssp__utf8_to_utf16(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0;
	SEC_WCHAR *w;

	if (n > (SIZE_MAX / sizeof(SEC_WCHAR)) - 1)
		return NULL;
	/* At most one unit per input byte, and the NUL. */
	w = credssp__cbuf_alloc((n + 1) * sizeof(SEC_WCHAR));
	if (!w)
		return NULL;
	while (i < n) {
		uint32_t c = p[i], min;
		size_t len, k;

		if (c < 0x80) {
			len = 1, min = 0;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, min = 0x10000, c &= 0x07;
		} else {
			goto bad;
		}
		if (len > n - i)
			goto bad;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			c = c << 6 | (p[i + k] & 0x3f);
		}
		/* overlong, surrogate, beyond Unicode */
		if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			goto bad;
		if (c >= 0x10000) {
			c -= 0x10000;
			w[o++] = (SEC_WCHAR)(0xd800 | c >> 10);
			w[o++] = (SEC_WCHAR)(0xdc00 | (c & 0x3ff));
		} else {
			w[o++] = (SEC_WCHAR)c;
		}
		i += len;
	}
	w[o] = 0;
	return w;
bad:
	credssp_free_context_buffer(w);
	errno = EILSEQ;
	return NULL;
}

char *credssp__utf16_to_utf8(const SEC_WCHAR *w)
{
	size_t n = 0, i, o = 0;
	unsigned char *s;

	while (w[n])
		n++;
	if (n > (SIZE_MAX - 1) / 3) {
		errno = ENOMEM;
		return NULL;
	}
	/* At most 3 bytes per unit (a surrogate pair: 4 bytes for 2 units). */
	s = malloc(3 * n + 1);
	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		uint32_t c = w[i];

		if (c >= 0xdc00 && c <= 0xdfff)
			goto bad;
		if (c >= 0xd800 && c <= 0xdbff) {
			if (w[i + 1] < 0xdc00 || w[i + 1] > 0xdfff)
				goto bad;
			c = 0x10000 + ((c - 0xd800) << 10) + (w[++i] - 0xdc00u);
		}
		if (c < 0x80) {
			s[o++] = (unsigned char)c;
		} else if (c < 0x800) {
			s[o++] = (unsigned char)(0xc0 | c >> 6);
			s[o++] = (unsigned char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			s[o++] = (unsigned char)(0xe0 | c >> 12);
			s[o++] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
			s[o++] = (unsigned char)(0x80 | (c & 0x3f));
		} else {
			s[o++] = (unsigned char)(0xf0 | c >> 18);
			s[o++] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
			s[o++] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
			s[o++] = (unsigned char)(0x80 | (c & 0x3f));
		}
	}
	s[o] = 0;
	return (char *)s;
bad:
	free(s);
	errno = EILSEQ;
	return NULL;
}

/* A W string argument as UTF-8 (NULL stays NULL); free(). */
static SECURITY_STATUS arg_utf8(const SEC_WCHAR *w, char **out)
{
	*out = NULL;
	if (!w)
		return SEC_E_OK;
	*out = credssp__utf16_to_utf8(w);
	if (*out)
		return SEC_E_OK;
	return errno == EILSEQ ? SEC_E_INVALID_PARAMETER : SEC_E_INSUFFICIENT_MEMORY;
}

/* ---- package information ---- */

_Static_assert(sizeof(SecPkgInfoA) == sizeof(SecPkgInfoW) &&
		       offsetof(SecPkgInfoA, Name) == offsetof(SecPkgInfoW, Name) &&
		       offsetof(SecPkgInfoA, Comment) == offsetof(SecPkgInfoW, Comment),
	       "SecPkgInfoW is SecPkgInfoA with wider strings");

static size_t u16len(const SEC_WCHAR *w)
{
	size_t n = 0;

	while (w[n])
		n++;
	return n;
}

/* A SecPkgInfoA (@wide 0) or SecPkgInfoW of @src, in one FreeContextBuffer() block. */
static void *pkg_copy(const struct credssp_pkg_info *src, int wide)
{
	size_t unit = 1, nlen = strlen(src->name) + 1, clen = strlen(src->comment) + 1;
	const void *name = src->name, *comment = src->comment;
	SEC_WCHAR *wn = NULL, *wc = NULL;
	PSecPkgInfoA p = NULL; /* or a SecPkgInfoW: the same but for the strings */

	if (wide) {
		wn = credssp__utf8_to_utf16(src->name);
		wc = credssp__utf8_to_utf16(src->comment);
		if (!wn || !wc)
			goto out;
		unit = sizeof(SEC_WCHAR);
		nlen = u16len(wn) + 1;
		clen = u16len(wc) + 1;
		name = wn;
		comment = wc;
	}
	p = credssp__cbuf_alloc(sizeof(*p) + (nlen + clen) * unit);
	if (p) {
		p->fCapabilities = src->capabilities;
		p->wVersion = src->version;
		p->wRPCID = src->rpcid;
		p->cbMaxToken = src->max_token;
		p->Name = (SEC_CHAR *)(p + 1);
		p->Comment = p->Name + nlen * unit;
		memcpy(p->Name, name, nlen * unit);
		memcpy(p->Comment, comment, clen * unit);
	}
out:
	credssp_free_context_buffer(wn);
	credssp_free_context_buffer(wc);
	return p;
}

/* The CredSSP package's SecPkgInfoA or SecPkgInfoW. */
static void *credssp_pkg(int wide)
{
	const struct credssp_pkg_info p = {
		.capabilities = CREDSSP_PKG_CAPABILITIES,
		.version = CREDSSP_PKG_VERSION,
		.rpcid = CREDSSP_PKG_RPCID,
		.max_token = CREDSSP_TOKEN_MAX,
		.name = (char *)CREDSSP_PACKAGE_NAME,
		.comment = (char *)CREDSSP_PKG_COMMENT,
	};

	return pkg_copy(&p, wide);
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
	/* Client-side modifiers; a server credential serves BOTH as INBOUND. */
	fCredentialUse &=
		~(ULONG)(SECPKG_CRED_AUTOLOGON_RESTRICTED | SECPKG_CRED_PROCESS_POLICY_ONLY);
	if (fCredentialUse == SECPKG_CRED_BOTH)
		fCredentialUse = SECPKG_CRED_INBOUND;
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

SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleW(SEC_WCHAR *pszPrincipal, SEC_WCHAR *pszPackage,
						    ULONG fCredentialUse, void *pvLogonId,
						    void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
						    void *pvGetKeyArgument,
						    PCredHandle phCredential, PTimeStamp ptsExpiry)
{
	char *principal = NULL, *package = NULL;
	SECURITY_STATUS st;

	if (!phCredential || !pszPackage)
		return SEC_E_INVALID_PARAMETER;
	st = arg_utf8(pszPrincipal, &principal);
	if (st == SEC_E_OK)
		st = arg_utf8(pszPackage, &package);
	if (st == SEC_E_OK)
		st = AcquireCredentialsHandleA(principal, package, fCredentialUse, pvLogonId,
					       pAuthData, pGetKeyFn, pvGetKeyArgument, phCredential,
					       ptsExpiry);
	free(principal);
	free(package);
	return st;
}

SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential)
{
	SECURITY_STATUS st;
	struct credssp_handle *h = session_for(phCredential, &st);

	if (!h)
		return st;
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

/*
 * The fContextReq bits credssp.ko takes (include/net/credssp.h,
 * CREDSSP_REQ_SUPPORTED: it refuses any other with
 * SEC_E_UNSUPPORTED_FUNCTION). Windows treats requests as hints, so the
 * others are dropped here and pfContextAttr says what was done.
 */
#define KERNEL_REQ                                                                          \
	(ASC_REQ_DELEGATE | ASC_REQ_MUTUAL_AUTH | ASC_REQ_REPLAY_DETECT |                   \
	 ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_ALLOCATE_MEMORY |      \
	 ASC_REQ_CONNECTION | ASC_REQ_EXTENDED_ERROR | ASC_REQ_STREAM | ASC_REQ_INTEGRITY | \
	 ASC_REQ_ALLOW_MISSING_BINDINGS)

/*
 * What TLS gives every CredSSP context, reported when requested as Windows
 * does: integrity, replay and sequence detection, confidentiality (the
 * records after authentication), and extended errors (an errorCode
 * TSRequest or a TLS alert in the output token of a failure). Each of these
 * ASC_REQ_* bits has the same value as its ASC_RET_* bit.
 */
#define TLS_GIVES                                                              \
	(ASC_RET_INTEGRITY | ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT | \
	 ASC_RET_CONFIDENTIALITY | ASC_RET_EXTENDED_ERROR)

ULONG credssp__asc_req(ULONG req)
{
	return req & KERNEL_REQ;
}

ULONG credssp__asc_ret(ULONG req, ULONG got)
{
	return got | (req & TLS_GIVES);
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
		in ? in->cbBuffer : 0, credssp__asc_req(fContextReq), TargetDataRep, 0, &new_ctx,
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
		*pfContextAttr = st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED
					 ? credssp__asc_ret(fContextReq, attrs)
					 : attrs;
	if (ptsExpiry && st == SEC_E_OK)
		put_time(ptsExpiry, expiry);
	return st;
}

SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext)
{
	SECURITY_STATUS st;
	struct credssp_handle *h = session_for(phContext, &st);

	if (!h)
		return st;
	return (SECURITY_STATUS)credssp_delete_security_context(h, get_handle(phContext));
}

/* ---- EncryptMessage, DecryptMessage: TLS records, in the kernel ---- */

/*
 * Where a record's plaintext sits: after the header, 13 bytes for TLS 1.2
 * AES-GCM (its overhead alone is 13 + 16), else 5 (TLS 1.3 17 bytes after,
 * TLS 1.2 ChaCha20-Poly1305 16).
 */
static size_t record_header(size_t record_len, size_t data_len)
{
	return record_len - data_len == CREDSSP_RECORD_OVERHEAD_MAX ? 13 : 5;
}

SECURITY_STATUS SEC_ENTRY EncryptMessage(PCtxtHandle phContext, ULONG fQOP, PSecBufferDesc pMessage,
					 ULONG MessageSeqNo)
{
	PSecBuffer hdr = find_buffer(pMessage, SECBUFFER_STREAM_HEADER);
	PSecBuffer data = find_buffer(pMessage, SECBUFFER_DATA);
	PSecBuffer trl = find_buffer(pMessage, SECBUFFER_STREAM_TRAILER);
	size_t len, head, tail;
	SECURITY_STATUS st;
	struct credssp_handle *h = session_for(phContext, &st);
	unsigned char *rec;

	(void)fQOP;
	(void)MessageSeqNo;
	if (!h)
		return st;
	if (!hdr || !data || !trl || (!data->pvBuffer && data->cbBuffer) || !hdr->pvBuffer ||
	    !trl->pvBuffer)
		return SEC_E_INVALID_TOKEN;
	if (data->cbBuffer > CREDSSP_RECORD_DATA_MAX)
		return SEC_E_INVALID_PARAMETER;
	rec = malloc(data->cbBuffer + CREDSSP_RECORD_OVERHEAD_MAX);
	if (!rec)
		return SEC_E_INSUFFICIENT_MEMORY;
	st = (SECURITY_STATUS)credssp_encrypt(h, get_handle(phContext), data->pvBuffer,
					      data->cbBuffer, rec,
					      data->cbBuffer + CREDSSP_RECORD_OVERHEAD_MAX, &len);
	if (st != SEC_E_OK)
		goto out;
	head = record_header(len, data->cbBuffer);
	tail = len - head - data->cbBuffer;
	/* The sizes of SECPKG_ATTR_STREAM_SIZES: a caller sized by them fits. */
	if (hdr->cbBuffer < head || trl->cbBuffer < tail) {
		st = SEC_E_BUFFER_TOO_SMALL;
		goto out;
	}
	memcpy(hdr->pvBuffer, rec, head);
	hdr->cbBuffer = (ULONG)head;
	if (data->cbBuffer)
		memcpy(data->pvBuffer, rec + head, data->cbBuffer);
	memcpy(trl->pvBuffer, rec + head + data->cbBuffer, tail);
	trl->cbBuffer = (ULONG)tail;
out:
	free(rec);
	return st;
}

/* The first SECBUFFER_EMPTY buffer after @after, or NULL. */
static PSecBuffer next_empty(PSecBufferDesc desc, PSecBuffer after)
{
	ULONG i = after ? (ULONG)(after - desc->pBuffers) + 1 : 0;

	for (; i < desc->cBuffers; i++)
		if (desc->pBuffers[i].BufferType == SECBUFFER_EMPTY)
			return &desc->pBuffers[i];
	return NULL;
}

static void set_buffer(PSecBuffer b, ULONG type, void *p, size_t len)
{
	b->BufferType = type;
	b->pvBuffer = p;
	b->cbBuffer = (ULONG)len;
}

/* Schannel's output: HEADER, DATA, TRAILER, and EXTRA if bytes follow. */
static void decrypt_buffers(PSecBufferDesc desc, PSecBuffer in, PSecBuffer *e,
			    const struct credssp_record_info *info, unsigned char *base)
{
	size_t head = record_header(info->record_len, info->len);

	set_buffer(in, SECBUFFER_STREAM_HEADER, base, head);
	set_buffer(e[0], SECBUFFER_DATA, base + head, info->len);
	set_buffer(e[1], SECBUFFER_STREAM_TRAILER, base + head + info->len,
		   info->record_len - head - info->len);
	if (info->extra)
		set_buffer(e[2], SECBUFFER_EXTRA, base + info->record_len, info->extra);
	(void)desc;
}

SECURITY_STATUS SEC_ENTRY DecryptMessage(PCtxtHandle phContext, PSecBufferDesc pMessage,
					 ULONG MessageSeqNo, PULONG pfQOP)
{
	PSecBuffer in = find_buffer(pMessage, SECBUFFER_DATA), e[3];
	struct credssp_record_info info;
	SECURITY_STATUS st;
	struct credssp_handle *h = session_for(phContext, &st);
	unsigned char *plain, *base;

	(void)MessageSeqNo;
	if (pfQOP)
		*pfQOP = 0;
	if (!h)
		return st;
	if (!in || (!in->pvBuffer && in->cbBuffer))
		return SEC_E_INVALID_TOKEN;
	/* Checked first: a record the kernel opened is not opened again. */
	e[0] = next_empty(pMessage, NULL);
	e[1] = e[0] ? next_empty(pMessage, e[0]) : NULL;
	e[2] = e[1] ? next_empty(pMessage, e[1]) : NULL;
	if (!e[2])
		return SEC_E_INVALID_TOKEN;
	base = in->pvBuffer;
	plain = malloc(in->cbBuffer ? in->cbBuffer : 1);
	if (!plain)
		return SEC_E_INSUFFICIENT_MEMORY;
	st = (SECURITY_STATUS)credssp_decrypt(h, get_handle(phContext), base, in->cbBuffer, plain,
					      in->cbBuffer, &info);
	if (st == SEC_E_INCOMPLETE_MESSAGE) {
		set_buffer(e[0], SECBUFFER_MISSING, NULL, info.missing);
	} else if (st == SEC_E_OK) {
		memcpy(base + record_header(info.record_len, info.len), plain, info.len);
		decrypt_buffers(pMessage, in, e, &info, base);
	} else if (st == SEC_I_CONTEXT_EXPIRED && info.extra) {
		set_buffer(e[2], SECBUFFER_EXTRA, base + info.record_len, info.extra);
	}
	free(plain);
	return st;
}

int credssp_sspi_ktls_attach(PCtxtHandle phContext, int fd, ULONG *tls_version, ULONG *cipher)
{
	struct credssp_ktls_info info;
	SECURITY_STATUS st;
	struct credssp_handle *h = session_for(phContext, &st);
	int err;

	if (!h)
		return phContext ? -ENOMEM : -EINVAL;
	err = credssp_ktls_attach(h, get_handle(phContext), fd, &info);
	if (!err && tls_version)
		*tls_version = info.tls_version;
	if (!err && cipher)
		*cipher = info.cipher;
	return err;
}

uint32_t credssp__query_attr(ULONG attr)
{
	switch (attr) {
	case SECPKG_ATTR_SIZES:
	case SECPKG_ATTR_NAMES:
	case SECPKG_ATTR_LIFESPAN:
	case SECPKG_ATTR_STREAM_SIZES:
	case SECPKG_ATTR_PACKAGE_INFO:
	case SECPKG_ATTR_NEGOTIATION_PACKAGE:
	case SECPKG_ATTR_CREDS:
	case SECPKG_ATTR_CREDS_2: return attr;
	/* the same answer, with the negotiation state */
	case SECPKG_ATTR_NEGOTIATION_INFO: return SECPKG_ATTR_NEGOTIATION_PACKAGE;
	}
	return UINT32_MAX;
}

/* Free what the library allocated in @r for @kattr. */
static void query_free(uint32_t kattr, union credssp__query *r)
{
	switch (kattr) {
	case SECPKG_ATTR_NAMES: credssp_free_context_buffer(r->names.user_name); break;
	case SECPKG_ATTR_PACKAGE_INFO: credssp_free_context_buffer(r->pkg.info); break;
	case SECPKG_ATTR_NEGOTIATION_PACKAGE: credssp_free_context_buffer(r->nego.info); break;
	case SECPKG_ATTR_CREDS:
	case SECPKG_ATTR_CREDS_2: credssp_free_context_buffer(r->creds.data); break;
	}
}

/* A package of a query as the caller's SecPkgInfoA/W (@r keeps its own). */
static SECURITY_STATUS query_pkg(const struct credssp_pkg_info *info, int wide, void **out)
{
	*out = pkg_copy(info, wide);
	return *out ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

SECURITY_STATUS credssp__query_fill(ULONG attr, int wide, union credssp__query *r, void *pBuffer)
{
	SECURITY_STATUS st = SEC_E_OK;
	void *p;

	switch (attr) {
	case SECPKG_ATTR_SIZES: {
		PSecPkgContext_Sizes s = pBuffer;

		s->cbMaxToken = r->sizes.max_token;
		s->cbMaxSignature = r->sizes.max_signature;
		s->cbBlockSize = r->sizes.block_size;
		s->cbSecurityTrailer = r->sizes.security_trailer;
		break;
	}
	case SECPKG_ATTR_STREAM_SIZES: {
		PSecPkgContext_StreamSizes s = pBuffer;

		s->cbHeader = r->stream.header;
		s->cbTrailer = r->stream.trailer;
		s->cbMaximumMessage = r->stream.max_message;
		s->cBuffers = r->stream.buffers;
		s->cbBlockSize = r->stream.block_size;
		break;
	}
	case SECPKG_ATTR_NAMES:
		if (!wide) {
			((PSecPkgContext_NamesA)pBuffer)->sUserName = r->names.user_name;
			return SEC_E_OK; /* the caller's now */
		}
		p = credssp__utf8_to_utf16(r->names.user_name);
		if (!p)
			st = errno == EILSEQ ? SEC_E_INTERNAL_ERROR : SEC_E_INSUFFICIENT_MEMORY;
		else
			((PSecPkgContext_NamesW)pBuffer)->sUserName = p;
		break;
	case SECPKG_ATTR_LIFESPAN:
		put_time(&((PSecPkgContext_Lifespan)pBuffer)->tsStart, r->life.start);
		put_time(&((PSecPkgContext_Lifespan)pBuffer)->tsExpiry, r->life.expiry);
		break;
	/* SecPkgContext_PackageInfoA/W: one pointer */
	case SECPKG_ATTR_PACKAGE_INFO:
		st = query_pkg(r->pkg.info, wide, &p);
		if (st == SEC_E_OK)
			*(void **)pBuffer = p;
		break;
	case SECPKG_ATTR_NEGOTIATION_PACKAGE:
		st = query_pkg(r->nego.info, wide, &p);
		if (st == SEC_E_OK)
			*(void **)pBuffer = p;
		break;
	/* SecPkgContext_NegotiationInfoA/W: the pointer, then the state */
	case SECPKG_ATTR_NEGOTIATION_INFO:
		st = query_pkg(r->nego.info, wide, &p);
		if (st != SEC_E_OK)
			break;
		if (wide) {
			((PSecPkgContext_NegotiationInfoW)pBuffer)->PackageInfo = p;
			((PSecPkgContext_NegotiationInfoW)pBuffer)->NegotiationState =
				r->nego.state;
		} else {
			((PSecPkgContext_NegotiationInfoA)pBuffer)->PackageInfo = p;
			((PSecPkgContext_NegotiationInfoA)pBuffer)->NegotiationState =
				r->nego.state;
		}
		break;
	case SECPKG_ATTR_CREDS:
	case SECPKG_ATTR_CREDS_2:
		((PSecPkgContext_ClientCreds)pBuffer)->AuthBufferLen = r->creds.len;
		((PSecPkgContext_ClientCreds)pBuffer)->AuthBuffer = r->creds.data;
		return SEC_E_OK; /* the caller's now */
	default: st = SEC_E_UNSUPPORTED_FUNCTION;
	}
	query_free(credssp__query_attr(attr), r);
	return st;
}

static SECURITY_STATUS query(PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer, int wide)
{
	uint32_t kattr = credssp__query_attr(ulAttribute);
	union credssp__query r;
	struct credssp_handle *h;
	SECURITY_STATUS st;

	if (phContext && !pBuffer)
		return SEC_E_INVALID_PARAMETER;
	if (phContext && kattr == UINT32_MAX)
		return SEC_E_UNSUPPORTED_FUNCTION;
	h = session_for(phContext, &st);
	if (!h)
		return st;
	memset(&r, 0, sizeof(r));
	st = (SECURITY_STATUS)credssp_query_context_attributes(h, get_handle(phContext), kattr, &r);
	if (st != SEC_E_OK)
		return st;
	return credssp__query_fill(ulAttribute, wide, &r, pBuffer);
}

SECURITY_STATUS SEC_ENTRY QueryContextAttributesA(PCtxtHandle phContext, ULONG ulAttribute,
						  void *pBuffer)
{
	return query(phContext, ulAttribute, pBuffer, 0);
}

SECURITY_STATUS SEC_ENTRY QueryContextAttributesW(PCtxtHandle phContext, ULONG ulAttribute,
						  void *pBuffer)
{
	return query(phContext, ulAttribute, pBuffer, 1);
}

SECURITY_STATUS SEC_ENTRY FreeContextBuffer(PVOID pvContextBuffer)
{
	return (SECURITY_STATUS)credssp_free_context_buffer(pvContextBuffer);
}

static SECURITY_STATUS package_info(const char *name, void **info, int wide)
{
	*info = NULL;
	if (strcasecmp(name, CREDSSP_PACKAGE_NAME))
		return SEC_E_SECPKG_NOT_FOUND;
	*info = credssp_pkg(wide);
	return *info ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoA(SEC_CHAR *pszPackageName,
						    PSecPkgInfoA *ppPackageInfo)
{
	if (!pszPackageName || !ppPackageInfo)
		return SEC_E_INVALID_PARAMETER;
	return package_info(pszPackageName, (void **)ppPackageInfo, 0);
}

SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoW(SEC_WCHAR *pszPackageName,
						    PSecPkgInfoW *ppPackageInfo)
{
	SECURITY_STATUS st;
	char *name;

	if (!pszPackageName || !ppPackageInfo)
		return SEC_E_INVALID_PARAMETER;
	*ppPackageInfo = NULL;
	st = arg_utf8(pszPackageName, &name);
	if (st == SEC_E_OK)
		st = package_info(name, (void **)ppPackageInfo, 1);
	free(name);
	return st;
}

static SECURITY_STATUS enumerate(PULONG pcPackages, void **ppPackageInfo, int wide)
{
	if (!pcPackages || !ppPackageInfo)
		return SEC_E_INVALID_PARAMETER;
	*ppPackageInfo = credssp_pkg(wide);
	*pcPackages = *ppPackageInfo ? 1 : 0;
	return *ppPackageInfo ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesA(PULONG pcPackages, PSecPkgInfoA *ppPackageInfo)
{
	return enumerate(pcPackages, (void **)ppPackageInfo, 0);
}

SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesW(PULONG pcPackages, PSecPkgInfoW *ppPackageInfo)
{
	return enumerate(pcPackages, (void **)ppPackageInfo, 1);
}

/* A live context of ours: SIZES answers at every stage. */
static SECURITY_STATUS check_context(PCtxtHandle phContext)
{
	struct credssp_sizes sizes;
	SECURITY_STATUS st;
	struct credssp_handle *h = session_for(phContext, &st);

	if (!h)
		return st;
	return (SECURITY_STATUS)credssp_query_context_attributes(h, get_handle(phContext),
								 CREDSSP_QUERY_SIZES, &sizes);
}

/*
 * Only the Digest package implements CompleteAuthToken; for the others
 * Windows' dispatcher answers SEC_E_UNSUPPORTED_FUNCTION (after
 * SEC_E_INVALID_HANDLE for a handle it does not know).
 */
SECURITY_STATUS SEC_ENTRY CompleteAuthToken(PCtxtHandle phContext, PSecBufferDesc pToken)
{
	SECURITY_STATUS st = check_context(phContext);

	(void)pToken;
	return st == SEC_E_OK ? SEC_E_UNSUPPORTED_FUNCTION : st;
}

SECURITY_STATUS SEC_ENTRY QuerySecurityContextToken(PCtxtHandle phContext, void **Token)
{
	SECURITY_STATUS st;

	if (Token)
		*Token = NULL;
	st = check_context(phContext);
	return st == SEC_E_OK ? SEC_E_UNSUPPORTED_FUNCTION : st;
}

/* ---- impersonation ---- */

/* The calling thread's own identity while it impersonates. */
static __thread struct credssp__id imp_saved;
static __thread int imp_active;
/* Frees imp_saved of a thread that exits while impersonating. */
static pthread_key_t imp_key;
static pthread_once_t imp_once = PTHREAD_ONCE_INIT;

static void imp_exit(void *saved)
{
	credssp__id_free(saved);
}

static void imp_init(void)
{
	pthread_key_create(&imp_key, imp_exit);
}

/* The local account of an established context. */
static SECURITY_STATUS context_account(PCtxtHandle phContext, char *account, size_t size)
{
	union credssp__query names, nego;
	struct credssp_handle *h;
	SECURITY_STATUS st;
	uint64_t ctx;

	h = session_for(phContext, &st);
	if (!h)
		return st;
	ctx = get_handle(phContext);
	memset(&names, 0, sizeof(names));
	memset(&nego, 0, sizeof(nego));
	st = (SECURITY_STATUS)credssp_query_context_attributes(h, ctx, CREDSSP_QUERY_NAMES, &names);
	if (st != SEC_E_OK)
		return st;
	st = (SECURITY_STATUS)credssp_query_context_attributes(
		h, ctx, CREDSSP_QUERY_NEGOTIATION_PACKAGE, &nego);
	if (st == SEC_E_OK &&
	    credssp_principal_to_local(names.names.user_name, nego.nego.info->name, account, size))
		st = SEC_E_NO_IMPERSONATION;
	query_free(CREDSSP_QUERY_NAMES, &names);
	query_free(CREDSSP_QUERY_NEGOTIATION_PACKAGE, &nego);
	return st;
}

SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext)
{
	char account[64];
	SECURITY_STATUS st;
	int r;

	st = context_account(phContext, account, sizeof(account));
	if (st != SEC_E_OK)
		return st;
	if (!imp_active) {
		r = credssp__id_save(&imp_saved);
		if (r)
			return r == -ENOMEM ? SEC_E_INSUFFICIENT_MEMORY : SEC_E_INTERNAL_ERROR;
		pthread_once(&imp_once, imp_init);
		pthread_setspecific(imp_key, &imp_saved);
	} else if (credssp__id_restore(&imp_saved)) {
		/* from one impersonation to another, through the thread's own identity */
		return SEC_E_INTERNAL_ERROR;
	}
	r = credssp__id_switch(account, &imp_saved);
	if (r) {
		credssp__id_free(&imp_saved);
		pthread_setspecific(imp_key, NULL);
		imp_active = 0;
		return r == -ENOMEM ? SEC_E_INSUFFICIENT_MEMORY : SEC_E_NO_IMPERSONATION;
	}
	imp_active = 1;
	return SEC_E_OK;
}

/* The thread's own identity back, whatever the handle (never left impersonating). */
SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext)
{
	int r = 0;

	if (imp_active) {
		r = credssp__id_restore(&imp_saved);
		if (!r) {
			credssp__id_free(&imp_saved);
			pthread_setspecific(imp_key, NULL);
			imp_active = 0;
		}
	}
	if (r)
		return SEC_E_INTERNAL_ERROR;
	return phContext ? SEC_E_OK : SEC_E_INVALID_HANDLE;
}

/* ---- InitSecurityInterface ---- */

/*
 * The table entries of functions CredSSP's server side does not have:
 * SEC_E_UNSUPPORTED_FUNCTION, whatever the arguments.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define NO_FN(name, ...)                                   \
	static SECURITY_STATUS SEC_ENTRY name(__VA_ARGS__) \
	{                                                  \
		return SEC_E_UNSUPPORTED_FUNCTION;         \
	}

NO_FN(no_query_cred, PCredHandle c, ULONG a, void *b)
NO_FN(no_init_a, PCredHandle a, PCtxtHandle b, SEC_CHAR *c, ULONG d, ULONG e, ULONG f,
      PSecBufferDesc g, ULONG h, PCtxtHandle i, PSecBufferDesc j, PULONG k, PTimeStamp l)
NO_FN(no_init_w, PCredHandle a, PCtxtHandle b, SEC_WCHAR *c, ULONG d, ULONG e, ULONG f,
      PSecBufferDesc g, ULONG h, PCtxtHandle i, PSecBufferDesc j, PULONG k, PTimeStamp l)
NO_FN(no_apply, PCtxtHandle c, PSecBufferDesc d)
/* MakeSignature; VerifySignature */
NO_FN(no_protect, PCtxtHandle c, ULONG q, PSecBufferDesc d, ULONG n)
NO_FN(no_unprotect, PCtxtHandle c, PSecBufferDesc d, ULONG n, PULONG q)
NO_FN(no_export, PCtxtHandle c, ULONG f, PSecBuffer b, void **t)
NO_FN(no_import_a, SEC_CHAR *p, PSecBuffer b, void *t, PCtxtHandle c)
NO_FN(no_import_w, SEC_WCHAR *p, PSecBuffer b, void *t, PCtxtHandle c)
NO_FN(no_add_a, PCredHandle c, SEC_CHAR *p, SEC_CHAR *k, ULONG u, void *a, SEC_GET_KEY_FN f,
      void *g, PTimeStamp t)
NO_FN(no_add_w, PCredHandle c, SEC_WCHAR *p, SEC_WCHAR *k, ULONG u, void *a, SEC_GET_KEY_FN f,
      void *g, PTimeStamp t)
/* SetContextAttributes, QueryContextAttributesEx; the credential ones */
NO_FN(no_ctx_attr_ex, PCtxtHandle c, ULONG a, void *b, ULONG n)
NO_FN(no_cred_attr_ex, PCredHandle c, ULONG a, void *b, ULONG n)
NO_FN(no_password_a, SEC_CHAR *a, SEC_CHAR *b, SEC_CHAR *c, SEC_CHAR *d, SEC_CHAR *e, UCHAR f,
      ULONG g, PSecBufferDesc h)
NO_FN(no_password_w, SEC_WCHAR *a, SEC_WCHAR *b, SEC_WCHAR *c, SEC_WCHAR *d, SEC_WCHAR *e, UCHAR f,
      ULONG g, PSecBufferDesc h)
#pragma GCC diagnostic pop

/* The entries both tables have (designated: the order is the structures'). */
#define TABLE_COMMON                                                                              \
	.dwVersion = SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5,                               \
	.AcceptSecurityContext = AcceptSecurityContext, .CompleteAuthToken = CompleteAuthToken,   \
	.DeleteSecurityContext = DeleteSecurityContext, .ApplyControlToken = no_apply,            \
	.ImpersonateSecurityContext = ImpersonateSecurityContext,                                 \
	.RevertSecurityContext = RevertSecurityContext, .MakeSignature = no_protect,              \
	.VerifySignature = no_unprotect, .FreeContextBuffer = FreeContextBuffer,                  \
	.ExportSecurityContext = no_export,                                                       \
	.QuerySecurityContextToken = QuerySecurityContextToken, .EncryptMessage = EncryptMessage, \
	.DecryptMessage = DecryptMessage

static SecurityFunctionTableA table_a = {
	TABLE_COMMON,
	.EnumerateSecurityPackagesA = EnumerateSecurityPackagesA,
	.QueryCredentialsAttributesA = no_query_cred,
	.AcquireCredentialsHandleA = AcquireCredentialsHandleA,
	.FreeCredentialHandle = FreeCredentialsHandle,
	.InitializeSecurityContextA = no_init_a,
	.QueryContextAttributesA = QueryContextAttributesA,
	.QuerySecurityPackageInfoA = QuerySecurityPackageInfoA,
	.ImportSecurityContextA = no_import_a,
	.AddCredentialsA = no_add_a,
	.SetContextAttributesA = no_ctx_attr_ex,
	.SetCredentialsAttributesA = no_cred_attr_ex,
	.ChangeAccountPasswordA = no_password_a,
	.QueryContextAttributesExA = no_ctx_attr_ex,
	.QueryCredentialsAttributesExA = no_cred_attr_ex,
};

static SecurityFunctionTableW table_w = {
	TABLE_COMMON,
	.EnumerateSecurityPackagesW = EnumerateSecurityPackagesW,
	.QueryCredentialsAttributesW = no_query_cred,
	.AcquireCredentialsHandleW = AcquireCredentialsHandleW,
	.FreeCredentialsHandle = FreeCredentialsHandle,
	.InitializeSecurityContextW = no_init_w,
	.QueryContextAttributesW = QueryContextAttributesW,
	.QuerySecurityPackageInfoW = QuerySecurityPackageInfoW,
	.ImportSecurityContextW = no_import_w,
	.AddCredentialsW = no_add_w,
	.SetContextAttributesW = no_ctx_attr_ex,
	.SetCredentialsAttributesW = no_cred_attr_ex,
	.ChangeAccountPasswordW = no_password_w,
	.QueryContextAttributesExW = no_ctx_attr_ex,
	.QueryCredentialsAttributesExW = no_cred_attr_ex,
};

PSecurityFunctionTableA SEC_ENTRY InitSecurityInterfaceA(void)
{
	return &table_a;
}

PSecurityFunctionTableW SEC_ENTRY InitSecurityInterfaceW(void)
{
	return &table_w;
}
