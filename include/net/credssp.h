/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel API of credssp.ko: the server side of CredSSP with the shape
 * of SSPI (AcquireCredentialsHandle, AcceptSecurityContext, ...), for kernel
 * consumers. Documentation/kernel-api.rst describes the contract; the
 * statuses, flags and attribute numbers are those of <uapi/linux/credssp.h>.
 *
 * Every function may sleep (an accept waits for the helper daemon) and must
 * be called in process context, without spinlocks held.
 */
#ifndef _NET_CREDSSP_H
#define _NET_CREDSSP_H

#include <linux/types.h>
#include <uapi/linux/credssp.h>

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
 *	credssp_free_buffer()
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
