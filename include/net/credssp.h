/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel API of credssp.ko: the server side of CredSSP with the shape
 * of SSPI (AcquireCredentialsHandle, AcceptSecurityContext, ...), for kernel
 * consumers. Documentation/kernel-api.rst describes the contract. The
 * statuses and flags carry their Windows names here (SEC_E_*, ASC_REQ_*,
 * SECPKG_ATTR_* ...), mapped one to one from the project's own names in
 * <uapi/linux/credssp.h> (generated from the YNL spec); lib/sspi.h does the
 * same for userspace.
 *
 * Every function may sleep (an accept waits for the helper daemon) and must
 * be called in process context, without spinlocks held.
 */
#ifndef _NET_CREDSSP_H
#define _NET_CREDSSP_H

#include <linux/types.h>
#include <uapi/linux/credssp.h>
#include <uapi/linux/credssp_types.h>

/* SSPI statuses (SECURITY_STATUS) */
#define SEC_E_OK				CREDSSP_SEC_STATUS_OK
#define SEC_I_CONTINUE_NEEDED			CREDSSP_SEC_STATUS_CONTINUE_NEEDED
#define SEC_I_COMPLETE_NEEDED			CREDSSP_SEC_STATUS_COMPLETE_NEEDED
#define SEC_I_COMPLETE_AND_CONTINUE		CREDSSP_SEC_STATUS_COMPLETE_AND_CONTINUE
#define SEC_I_CONTEXT_EXPIRED			CREDSSP_SEC_STATUS_I_CONTEXT_EXPIRED
#define SEC_E_INSUFFICIENT_MEMORY		CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY
#define SEC_E_INVALID_HANDLE			CREDSSP_SEC_STATUS_INVALID_HANDLE
#define SEC_E_UNSUPPORTED_FUNCTION		CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION
#define SEC_E_INTERNAL_ERROR			CREDSSP_SEC_STATUS_INTERNAL_ERROR
#define SEC_E_SECPKG_NOT_FOUND			CREDSSP_SEC_STATUS_SECPKG_NOT_FOUND
#define SEC_E_INVALID_TOKEN			CREDSSP_SEC_STATUS_INVALID_TOKEN
#define SEC_E_LOGON_DENIED			CREDSSP_SEC_STATUS_LOGON_DENIED
#define SEC_E_NO_CREDENTIALS			CREDSSP_SEC_STATUS_NO_CREDENTIALS
#define SEC_E_OUT_OF_SEQUENCE			CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE
#define SEC_E_NO_AUTHENTICATING_AUTHORITY	CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY
#define SEC_E_CONTEXT_EXPIRED			CREDSSP_SEC_STATUS_CONTEXT_EXPIRED
#define SEC_E_INCOMPLETE_MESSAGE		CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE
#define SEC_E_BUFFER_TOO_SMALL			CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL
#define SEC_E_ILLEGAL_MESSAGE			CREDSSP_SEC_STATUS_ILLEGAL_MESSAGE
#define SEC_E_DECRYPT_FAILURE			CREDSSP_SEC_STATUS_DECRYPT_FAILURE
#define SEC_E_INVALID_PARAMETER			CREDSSP_SEC_STATUS_INVALID_PARAMETER

/* AcquireCredentialsHandle fCredentialUse */
#define SECPKG_CRED_INBOUND			CREDSSP_CRED_USE_INBOUND
#define SECPKG_CRED_OUTBOUND			CREDSSP_CRED_USE_OUTBOUND
#define SECPKG_CRED_BOTH			CREDSSP_CRED_USE_BOTH

/* AcceptSecurityContext TargetDataRep */
#define SECURITY_NATIVE_DREP			CREDSSP_DATA_REP_NATIVE
#define SECURITY_NETWORK_DREP			CREDSSP_DATA_REP_NETWORK

/* SecBuffer BufferType (libcredssp and the in-kernel API) */
#define SECBUFFER_EMPTY				0U
#define SECBUFFER_DATA				1U
#define SECBUFFER_TOKEN				2U
#define SECBUFFER_MISSING			4U
#define SECBUFFER_EXTRA				5U
#define SECBUFFER_ALERT				17U
#define SECBUFFER_VERSION			0U

/* QueryContextAttributes ulAttribute */
#define SECPKG_ATTR_SIZES			CREDSSP_QUERY_SIZES
#define SECPKG_ATTR_NAMES			CREDSSP_QUERY_NAMES
#define SECPKG_ATTR_LIFESPAN			CREDSSP_QUERY_LIFESPAN
#define SECPKG_ATTR_STREAM_SIZES		CREDSSP_QUERY_STREAM_SIZES
#define SECPKG_ATTR_PACKAGE_INFO		CREDSSP_QUERY_PACKAGE_INFO
#define SECPKG_ATTR_CREDS			CREDSSP_QUERY_CREDS
#define SECPKG_ATTR_NEGOTIATION_PACKAGE		CREDSSP_QUERY_NEGOTIATION_PACKAGE
#define SECPKG_ATTR_CREDS_2			CREDSSP_QUERY_CREDS_2

/* SecPkgContext_NegotiationInfo NegotiationState */
#define SECPKG_NEGOTIATION_COMPLETE		CREDSSP_NEGO_STATE_COMPLETE

/* AcceptSecurityContext fContextReq */
#define ASC_REQ_DELEGATE			CREDSSP_REQ_DELEGATE
#define ASC_REQ_MUTUAL_AUTH			CREDSSP_REQ_MUTUAL_AUTH
#define ASC_REQ_REPLAY_DETECT			CREDSSP_REQ_REPLAY_DETECT
#define ASC_REQ_SEQUENCE_DETECT			CREDSSP_REQ_SEQUENCE_DETECT
#define ASC_REQ_CONFIDENTIALITY			CREDSSP_REQ_CONFIDENTIALITY
#define ASC_REQ_USE_SESSION_KEY			CREDSSP_REQ_USE_SESSION_KEY
#define ASC_REQ_SESSION_TICKET			CREDSSP_REQ_SESSION_TICKET
/* An acceptor cannot prompt: ISC_REQ_PROMPT_FOR_CREDS's bit, refused. */
#define ASC_REQ_PROMPT_FOR_CREDS		CREDSSP_REQ_SESSION_TICKET
#define ASC_REQ_ALLOCATE_MEMORY			CREDSSP_REQ_ALLOCATE_MEMORY
#define ASC_REQ_USE_DCE_STYLE			CREDSSP_REQ_USE_DCE_STYLE
#define ASC_REQ_DATAGRAM			CREDSSP_REQ_DATAGRAM
#define ASC_REQ_CONNECTION			CREDSSP_REQ_CONNECTION
#define ASC_REQ_CALL_LEVEL			CREDSSP_REQ_CALL_LEVEL
#define ASC_REQ_EXTENDED_ERROR			CREDSSP_REQ_EXTENDED_ERROR
#define ASC_REQ_STREAM				CREDSSP_REQ_STREAM
#define ASC_REQ_INTEGRITY			CREDSSP_REQ_INTEGRITY
#define ASC_REQ_LICENSING			CREDSSP_REQ_LICENSING
#define ASC_REQ_IDENTIFY			CREDSSP_REQ_IDENTIFY
#define ASC_REQ_ALLOW_NULL_SESSION		CREDSSP_REQ_ALLOW_NULL_SESSION
#define ASC_REQ_ALLOW_NON_USER_LOGONS		CREDSSP_REQ_ALLOW_NON_USER_LOGONS
#define ASC_REQ_ALLOW_CONTEXT_REPLAYS		CREDSSP_REQ_ALLOW_CONTEXT_REPLAYS
#define ASC_REQ_FRAGMENT_TO_FIT			CREDSSP_REQ_FRAGMENT_TO_FIT
#define ASC_REQ_NO_TOKEN			CREDSSP_REQ_NO_TOKEN
#define ASC_REQ_PROXY_BINDINGS			CREDSSP_REQ_PROXY_BINDINGS
#define ASC_REQ_ALLOW_MISSING_BINDINGS		CREDSSP_REQ_ALLOW_MISSING_BINDINGS

/* AcceptSecurityContext pfContextAttr */
#define ASC_RET_DELEGATE			CREDSSP_RET_DELEGATE
#define ASC_RET_MUTUAL_AUTH			CREDSSP_RET_MUTUAL_AUTH
#define ASC_RET_REPLAY_DETECT			CREDSSP_RET_REPLAY_DETECT
#define ASC_RET_SEQUENCE_DETECT			CREDSSP_RET_SEQUENCE_DETECT
#define ASC_RET_CONFIDENTIALITY			CREDSSP_RET_CONFIDENTIALITY
#define ASC_RET_USE_SESSION_KEY			CREDSSP_RET_USE_SESSION_KEY
#define ASC_RET_ALLOCATED_MEMORY		CREDSSP_RET_ALLOCATED_MEMORY
#define ASC_RET_CONNECTION			CREDSSP_RET_CONNECTION
#define ASC_RET_CALL_LEVEL			CREDSSP_RET_CALL_LEVEL
#define ASC_RET_THIRD_LEG_FAILED		CREDSSP_RET_THIRD_LEG_FAILED
#define ASC_RET_EXTENDED_ERROR			CREDSSP_RET_EXTENDED_ERROR
#define ASC_RET_STREAM				CREDSSP_RET_STREAM
#define ASC_RET_INTEGRITY			CREDSSP_RET_INTEGRITY

/*
 * The fContextReq flags CredSSP honours: a stream, confidential and
 * integrity-protected by TLS, mutually authenticated, with delegation.
 * Any other bit is refused with SEC_E_UNSUPPORTED_FUNCTION.
 */
#define CREDSSP_REQ_SUPPORTED \
	(ASC_REQ_DELEGATE | ASC_REQ_MUTUAL_AUTH | ASC_REQ_REPLAY_DETECT | \
	 ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONFIDENTIALITY | \
	 ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONNECTION | \
	 ASC_REQ_EXTENDED_ERROR | ASC_REQ_STREAM | ASC_REQ_INTEGRITY | \
	 ASC_REQ_ALLOW_MISSING_BINDINGS)

struct key;
struct net;
struct sock;
struct socket;
struct credssp_cred;		/* opaque credential handle */
struct credssp_ctx;		/* opaque context handle */

/**
 * struct credssp_buffer - one SecBuffer
 * @type: SECBUFFER_*
 * @len: bytes at @data (for an output, its capacity on entry)
 * @data: the bytes
 */
struct credssp_buffer {
	u32 type;
	u32 len;
	void *data;
};

/**
 * struct credssp_buffer_desc - a SecBufferDesc
 * @count: entries in @bufs
 * @bufs: the buffers
 */
struct credssp_buffer_desc {
	u32 count;
	struct credssp_buffer *bufs;
};

/**
 * struct credssp_ctx_attrs - what credssp_query_ctx() returns
 * @sizes: SECPKG_ATTR_SIZES
 * @names: SECPKG_ATTR_NAMES, the authenticated client
 * @lifespan: SECPKG_ATTR_LIFESPAN, Unix seconds
 * @stream: SECPKG_ATTR_STREAM_SIZES, of the TLS records
 * @pkg: SECPKG_ATTR_PACKAGE_INFO and SECPKG_ATTR_NEGOTIATION_PACKAGE
 *	(@pkg.nego_state only for the latter)
 * @creds: SECPKG_ATTR_CREDS and SECPKG_ATTR_CREDS_2: the delegated
 *	credentials payload of <uapi/linux/credssp.h>, kmalloc'd; free it with
 *	credssp_free_buffer(); @creds.binding says whom they name (enum
 *	credssp_creds_binding): a single sign-on consumer uses them only when
 *	CREDSSP_CREDS_BINDING_BOUND
 */
struct credssp_ctx_attrs {
	union {
		struct {
			u32 max_token;
			u32 max_signature;
			u32 block_size;
			u32 security_trailer;
		} sizes;
		struct {
			char name[CREDSSP_PRINCIPAL_MAX + 1];
		} names;
		struct {
			u64 start;
			u64 expiry;
		} lifespan;
		struct {
			u32 header;
			u32 trailer;
			u32 max_message;
			u32 buffers;
			u32 block_size;
		} stream;
		struct {
			const char *name;
			const char *comment;
			u32 capabilities;
			u32 version;
			u32 rpcid;
			u32 max_token;
			u32 nego_state;
		} pkg;
		struct {
			void *data;
			u32 len;
			u32 binding;
		} creds;
	};
};

u32 credssp_acquire_cred(struct net *net, const char *package, u32 cred_use,
			 struct credssp_cred **cred, u64 *expiry);
u32 credssp_free_cred(struct credssp_cred *cred);
u32 credssp_accept(struct credssp_cred *cred, struct credssp_ctx *ctx,
		   struct credssp_buffer_desc *input, u32 req_flags,
		   u32 data_rep, u32 options, struct credssp_ctx **new_ctx,
		   struct credssp_buffer_desc *output, u32 *ret_flags,
		   u64 *expiry);
u32 credssp_delete_ctx(struct credssp_ctx *ctx);
u32 credssp_query_ctx(struct credssp_ctx *ctx, u32 attr,
		      struct credssp_ctx_attrs *out);
void credssp_free_buffer(void *data);

int credssp_ktls_attach(struct credssp_ctx *ctx, struct socket *sock);

/**
 * typedef credssp_sock_done_t - end of a socket-mode accept
 * @data: the cookie of struct credssp_sock_args
 * @status: SEC_E_OK, or why it failed (see CREDSSP_CMD_ACCEPT_SOCKET in
 *	<uapi/linux/credssp.h> for the list)
 * @ctx: on SEC_E_OK, the established context with kTLS installed on the
 *	socket; the consumer owns it and deletes it with credssp_delete_ctx().
 *	NULL otherwise.
 *
 * Called exactly once for each credssp_accept_sock() that returned 0 and was
 * not cancelled, in process context (a workqueue), with no locks held.
 */
typedef void (*credssp_sock_done_t)(void *data, u32 status,
				    struct credssp_ctx *ctx);

/**
 * struct credssp_sock_args - a socket-mode accept
 * @sock: a connected TCP socket whose next bytes are the client's first TLS
 *	record. The consumer keeps its own reference for the whole call and
 *	neither reads nor writes the socket until @done runs.
 * @cred: the credential handle (the call takes its own reference)
 * @timeout_ms: deadline of the whole handshake, 0 for handshake_timeout_ms
 * @req_flags: ASC_REQ_*, as credssp_accept()
 * @options: CREDSSP_OPT_*
 * @done: the completion callback
 * @data: its cookie
 */
struct credssp_sock_args {
	struct socket *sock;
	struct credssp_cred *cred;
	unsigned int timeout_ms;
	u32 req_flags;
	u32 options;
	credssp_sock_done_t done;
	void *data;
};

int credssp_accept_sock(const struct credssp_sock_args *args);
bool credssp_accept_sock_cancel(struct sock *sk);
struct key *credssp_ctx_key(struct credssp_ctx *ctx);

#endif /* _NET_CREDSSP_H */
