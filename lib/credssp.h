/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcredssp - the server side of CredSSP through credssp.ko, with SSPI
 * semantics (AcquireCredentialsHandle, AcceptSecurityContext, ...).
 *
 * Sessions and handles
 * ====================
 *
 * A session (struct credssp_handle) is one generic netlink socket to the
 * "credssp" family. EVERY CREDENTIAL AND CONTEXT HANDLE BELONGS TO THE
 * SESSION THAT CREATED IT: another session, in this process or another,
 * gets CREDSSP_SEC_STATUS_INVALID_HANDLE for it, and credssp_close() deletes all the
 * handles of the session in the kernel (secrets wiped). Keep the session
 * open as long as its handles are in use.
 *
 * Threads: a session may be shared by any number of threads, and their
 * calls run in parallel: each request goes out under a short send lock and
 * each thread waits only for the replies of its own request (one waiting
 * thread reads the socket for all and hands each reply to its caller), so a
 * slow AcceptSecurityContext (a Kerberos accept waits for the KDC, a socket
 * mode accept for its client) holds up no other call. The kernel runs calls
 * on different contexts in parallel. credssp_last_error() and
 * credssp_last_message() are per calling thread. Do not credssp_close() a
 * session while another thread's call on it is in flight.
 *
 * Limits: the kernel's per-owner limits apply per session, i.e. to all the
 * threads sharing it (module parameters max_owner_creds, default 64, and
 * max_owner_contexts, default 1024; max_net_calls, default 256, bounds the
 * ACCEPT / ACCEPT_SOCKET calls in flight in the network namespace); see
 * Documentation/libcredssp.rst, "Concurrency and limits". The library adds
 * no limit of its own: each call in flight holds one eventfd.
 *
 * fork(): a child inherits the socket, not a copy of it. Do not use a
 * session in both processes; the child should open its own session (its
 * handles are then separate) and may credssp_close() the inherited one
 * (the parent's handles survive as long as the parent keeps its socket).
 *
 * Statuses
 * ========
 *
 * The SSPI calls return the SECURITY_STATUS Windows would return, named
 * CREDSSP_SEC_STATUS_* in <linux/credssp.h> (lib/sspi.h has the Windows
 * names, SEC_E_* and SEC_I_*, for the same values). A request the kernel refuses at the
 * netlink level (malformed, no permission: CAP_NET_ADMIN is needed), and a
 * local failure (out of memory, socket error), map to CREDSSP_SEC_STATUS_INTERNAL_ERROR,
 * or CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY for ENOMEM; then credssp_last_error() gives
 * the errno and credssp_last_message() the kernel's extended ACK message.
 * The kernel also explains most SSPI failures in an extack message, which
 * credssp_last_message() returns too.
 *
 * Times are Unix seconds (CLOCK_REALTIME); CREDSSP_TIME_NEVER means never.
 *
 * Link with `pkg-config --cflags --libs libcredssp`.
 */
#ifndef LIBCREDSSP_H
#define LIBCREDSSP_H

#include <stddef.h>
#include <stdint.h>

#include <linux/credssp.h>
#include <linux/credssp_types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBCREDSSP_VERSION "0.1"

/** SECURITY_STATUS: CREDSSP_SEC_STATUS_* (enum credssp_sec_status) */
typedef uint32_t credssp_status_t;

/** A session: one netlink socket, owner of the handles made through it. */
struct credssp_handle;

/**
 * credssp_open() - open a session.
 *
 * Return: the session, or NULL with errno set: ENOENT when credssp.ko is not
 * loaded (no "credssp" genl family in this network namespace), ENOMEM, or
 * the socket's error.
 */
struct credssp_handle *credssp_open(void);

/**
 * credssp_close() - close a session; the kernel deletes all its handles.
 * @h: the session, or NULL (nothing happens).
 */
void credssp_close(struct credssp_handle *h);

/**
 * credssp_last_error() - errno of the calling thread's last call on @h, if it
 * failed below SSPI.
 *
 * Per thread, as GetLastError() on Windows: each call sets the last error of
 * the thread that made it, never another thread's. It belongs to the
 * session of the thread's last call: asked about another session, 0.
 *
 * Return: a positive errno (EPERM, EINVAL, ENOMEM, ENOENT, ENOBUFS, ...) when
 * the calling thread's last call on @h failed at the netlink level or
 * locally, 0 when it got an SSPI reply (or the thread's last call was not on
 * @h). EINVAL for a NULL @h.
 */
int credssp_last_error(const struct credssp_handle *h);

/**
 * credssp_last_message() - the kernel's extack message for the calling
 * thread's last call on @h.
 *
 * Return: the message (never NULL; "" when there was none, or when the
 * thread's last call was not on @h), valid until the thread's next call.
 */
const char *credssp_last_message(const struct credssp_handle *h);

/**
 * credssp_status_name() - "SEC_E_INVALID_HANDLE" for CREDSSP_SEC_STATUS_INVALID_HANDLE.
 *
 * Return: a static string; "SEC_E_UNKNOWN" for a value it does not know.
 */
const char *credssp_status_name(credssp_status_t status);

/* ---- SSPI calls ---- */

/**
 * credssp_acquire_credentials_handle() - AcquireCredentialsHandle.
 * @h:         session
 * @principal: ignored (as Schannel), may be NULL
 * @package:   "CredSSP" (case-insensitive)
 * @cred_use:  CREDSSP_CRED_USE_INBOUND (others: CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION)
 * @cred:      receives the credential handle (never 0) on CREDSSP_SEC_STATUS_OK
 * @expiry:    receives its expiry (CREDSSP_TIME_NEVER); may be NULL
 *
 * Return: CREDSSP_SEC_STATUS_OK, CREDSSP_SEC_STATUS_SECPKG_NOT_FOUND,
 * CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION, CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY (limit reached),
 * CREDSSP_SEC_STATUS_INTERNAL_ERROR.
 */
credssp_status_t credssp_acquire_credentials_handle(struct credssp_handle *h, const char *principal,
						    const char *package, uint32_t cred_use,
						    uint64_t *cred, uint64_t *expiry);

/**
 * credssp_free_credentials_handle() - FreeCredentialsHandle. Contexts made
 * with the credential stay usable.
 *
 * Return: CREDSSP_SEC_STATUS_OK or CREDSSP_SEC_STATUS_INVALID_HANDLE.
 */
credssp_status_t credssp_free_credentials_handle(struct credssp_handle *h, uint64_t cred);

/**
 * credssp_accept_security_context() - AcceptSecurityContext.
 * @h:          session
 * @cred:       credential handle; required on the first call, 0 on later
 *              calls (or the context's credential)
 * @ctx:        0 on the first call, then the context handle
 * @input:      the client's bytes (the input SECBUFFER_TOKEN); may be NULL
 *              when @input_len is 0
 * @input_len:  their length (the kernel refuses more than CREDSSP_TOKEN_MAX)
 * @req_flags:  CREDSSP_REQ_* (fContextReq, ASC_REQ_* in lib/sspi.h). With
 * CREDSSP_REQ_ALLOCATE_MEMORY the library allocates the output token
 * @data_rep:   CREDSSP_DATA_REP_NATIVE or CREDSSP_DATA_REP_NETWORK
 * @options:    CREDSSP_OPT_* (first call only), usually 0
 * @new_ctx:    receives the context handle (the new one on a first call,
 *              @ctx later); 0 when a first call fails. May be NULL
 * @output:     the output SECBUFFER_TOKEN. With CREDSSP_REQ_ALLOCATE_MEMORY,
 *              *@output receives a buffer to release with
 *              credssp_free_context_buffer() (NULL if the token is empty);
 *              otherwise *@output is the caller's buffer of *@output_len
 *              bytes. May be NULL: no output buffer (size 0)
 * @output_len: in: the caller's buffer size (without ALLOCATE_MEMORY);
 *              out: the token length, or with CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL the
 *              size needed (repeat the call, same input, bigger buffer)
 * @extra:      receives the count of bytes at the end of @input that were
 *              not consumed (SECBUFFER_EXTRA); may be NULL
 * @ret_flags:  receives ASC_RET_* (pfContextAttr); may be NULL
 * @expiry:     receives the context's expiry on CREDSSP_SEC_STATUS_OK; may be NULL
 *
 * Return: CREDSSP_SEC_STATUS_CONTINUE_NEEDED (send the output, call again with the
 * client's next bytes, and the @extra ones first), CREDSSP_SEC_STATUS_OK (authenticated;
 * @extra bytes are application data), CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE (read more,
 * call again with all the bytes), CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL, or an error; an
 * error other than BUFFER_TOO_SMALL / INCOMPLETE_MESSAGE ends the context,
 * whose output token (an error TSRequest or TLS alert) should still be sent.
 * The context must then be deleted.
 */
credssp_status_t credssp_accept_security_context(struct credssp_handle *h, uint64_t cred,
						 uint64_t ctx, const void *input, size_t input_len,
						 uint32_t req_flags, uint32_t data_rep,
						 uint32_t options, uint64_t *new_ctx, void **output,
						 size_t *output_len, size_t *extra,
						 uint32_t *ret_flags, uint64_t *expiry);

/**
 * credssp_accept() - token in, token out: the common case of
 * credssp_accept_security_context() for a stream server.
 * @h:       session
 * @cred:    credential handle
 * @ctx:     in: 0 on the first call, the context handle later; out: the
 *           context handle (0 if a first call failed)
 * @input:   the client's bytes, @input_len of them
 * @output:  receives an allocated token (release with
 *           credssp_free_context_buffer()), or NULL when empty
 * @output_len: receives its length
 * @extra:   receives the unconsumed bytes at the end of @input; may be NULL
 *
 * Requests CREDSSP_REQ_CONFIDENTIALITY | CREDSSP_REQ_INTEGRITY | CREDSSP_REQ_STREAM |
 * CREDSSP_REQ_DELEGATE | CREDSSP_REQ_ALLOCATE_MEMORY, native data representation,
 * no options.
 *
 * Return: as credssp_accept_security_context().
 */
credssp_status_t credssp_accept(struct credssp_handle *h, uint64_t cred, uint64_t *ctx,
				const void *input, size_t input_len, void **output,
				size_t *output_len, size_t *extra);

/* ---- kTLS and socket mode ---- */

/** What credssp_ktls_attach() installed. */
struct credssp_ktls_info {
	uint32_t tls_version; /**< 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3) */
	uint32_t cipher;      /**< TLS_CIPHER_* of <linux/tls.h> */
};

/**
 * credssp_ktls_attach() - hand an established context's TLS records to the
 * kernel (kTLS) on the connection's socket.
 * @h:    the session that owns @ctx
 * @ctx:  a context that returned CREDSSP_SEC_STATUS_OK
 * @fd:   the connected TCP socket the context's TLS records travel on. The
 *        caller must not have read past the client's last CredSSP record
 *        (SECBUFFER_EXTRA bytes were read too far: such a caller cannot
 *        attach and must decrypt them itself)
 * @info: receives the TLS version and cipher; may be NULL
 *
 * Installs the TX and RX keys and record sequence numbers once; they are
 * then wiped from the context. Afterwards read() and write() on @fd carry
 * plaintext; records that are not application data (alerts) show up as
 * recvmsg() control messages (SOL_TLS, TLS_GET_RECORD_TYPE).
 * The kernel installs kTLS in a worker under the socket's lock: the call
 * waits for it (a thread of the caller blocked in a send() on @fd delays
 * it; a signal does not interrupt it).
 *
 * Return: 0, or a negative errno with credssp_last_message() saying why:
 * -ENOENT (no such context of this session), -EINVAL (not established),
 * -EKEYEXPIRED, -EALREADY (already attached), -EBADF, -ENOTSOCK,
 * -EPROTONOSUPPORT (not TCP), -ENOTCONN, -EEXIST (the socket has a ULP),
 * -EXDEV (another network namespace), -ENOPROTOOPT (no kTLS in this kernel),
 * -EOPNOTSUPP (cipher not offered by this kernel's kTLS), -EBUSY (too many
 * calls in flight in this network namespace), or another error
 * from the kernel's TLS setup, after which @fd must be closed.
 */
int credssp_ktls_attach(struct credssp_handle *h, uint64_t ctx, int fd,
			struct credssp_ktls_info *info);

/**
 * credssp_accept_socket() - socket mode: the kernel authenticates the client
 * on @fd and installs kTLS.
 * @h:          session; it owns the context made
 * @cred:       credential handle
 * @fd:         a connected TCP socket whose next bytes are the client's first
 *              TLS record (after any RDP X.224 negotiation done by the caller)
 * @req_flags:  CREDSSP_REQ_* as for credssp_accept_security_context()
 * @options:    CREDSSP_OPT_*
 * @timeout_ms: deadline for the whole handshake, 0 for the kernel's default
 * @ctx:        receives the established context on CREDSSP_SEC_STATUS_OK (0 otherwise)
 * @ret_flags:  receives ASC_RET_*; may be NULL
 * @expiry:     receives the context's expiry; may be NULL
 *
 * Blocks the calling thread until the handshake ends; other threads' calls
 * on the same session go on meanwhile, so a server authenticating several
 * clients at once may call this from one thread per connection on one
 * session. The kernel reads exactly the client's CredSSP records: what the
 * client sends next is the first plaintext read() returns. A signal to the
 * waiting thread ends its call (credssp_last_error() EINTR) and the
 * handshake, and no other thread's.
 *
 * Return: CREDSSP_SEC_STATUS_OK (read and write plaintext on @fd now), an engine error
 * such as CREDSSP_SEC_STATUS_LOGON_DENIED (the error was sent to the client),
 * CREDSSP_SEC_STATUS_CONTEXT_EXPIRED (deadline), CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE (the client
 * went away), CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY (no helper),
 * CREDSSP_SEC_STATUS_INVALID_HANDLE, or CREDSSP_SEC_STATUS_INTERNAL_ERROR with credssp_last_error()
 * set for failures below SSPI (EBADF, ENOTSOCK, ENOTCONN, EEXIST, EBUSY, ...).
 */
credssp_status_t credssp_accept_socket(struct credssp_handle *h, uint64_t cred, int fd,
				       uint32_t req_flags, uint32_t options, uint32_t timeout_ms,
				       uint64_t *ctx, uint32_t *ret_flags, uint64_t *expiry);

/**
 * credssp_delete_security_context() - DeleteSecurityContext, at any stage.
 *
 * Return: CREDSSP_SEC_STATUS_OK or CREDSSP_SEC_STATUS_INVALID_HANDLE. With CAP_NET_ADMIN any
 * context of the network namespace may be deleted (the admin's credsspctl delete).
 */
credssp_status_t credssp_delete_security_context(struct credssp_handle *h, uint64_t ctx);

/* ---- record protection in the kernel (EncryptMessage, DecryptMessage) ---- */

/** The most plaintext one record carries. */
#define CREDSSP_RECORD_DATA_MAX 16384
/** The most a record adds to its plaintext (TLS 1.2 AES-GCM: 13 + 16). */
#define CREDSSP_RECORD_OVERHEAD_MAX 29

/**
 * credssp_encrypt() - EncryptMessage: protect @len bytes as one TLS
 * application data record with an established context's keys, in the kernel
 * (the keys never enter this process).
 * @h:        the session that owns @ctx
 * @ctx:      an established context whose keys are not attached (kTLS)
 * @data:     the plaintext
 * @len:      its length, at most CREDSSP_RECORD_DATA_MAX
 * @out:      receives the record (may not overlap @data)
 * @out_size: its size, at least @len + CREDSSP_RECORD_OVERHEAD_MAX
 * @out_len:  receives the record's length: header + @len + trailer of
 *            SECPKG_ATTR_STREAM_SIZES
 *
 * Each record takes the next transmit sequence number; a later
 * credssp_ktls_attach() continues from there.
 *
 * Return: CREDSSP_SEC_STATUS_OK; _INVALID_PARAMETER (@len too large),
 * _BUFFER_TOO_SMALL (@out_size), _INVALID_HANDLE, _CONTEXT_EXPIRED,
 * _UNSUPPORTED_FUNCTION (the keys went to kTLS), _INSUFFICIENT_MEMORY or
 * _INTERNAL_ERROR.
 */
credssp_status_t credssp_encrypt(struct credssp_handle *h, uint64_t ctx, const void *data,
				 size_t len, void *out, size_t out_size, size_t *out_len);

/** What credssp_decrypt() found besides the plaintext. */
struct credssp_record_info {
	size_t len;	   /**< plaintext bytes written to out */
	size_t record_len; /**< bytes of the input the record took */
	size_t extra;	   /**< input bytes after the record */
	size_t missing;	   /**< CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE: bytes needed */
	uint32_t type;	   /**< content type: 23 data, 21 alert, 22 handshake */
	uint32_t alert;	   /**< an alert: level << 8 | description */
};

/**
 * credssp_decrypt() - DecryptMessage: open the first TLS record of @in with
 * the context's receive key, in the kernel.
 * @h:        the session that owns @ctx
 * @ctx:      an established context whose keys are not attached (kTLS)
 * @in:       bytes received, a record first
 * @in_len:   their length
 * @out:      receives the plaintext; may be @in (in place)
 * @out_size: its size: at least @in_len or CREDSSP_RECORD_DATA_MAX
 * @info:     receives the lengths, the type and an alert
 *
 * Return: CREDSSP_SEC_STATUS_OK (application data); _INCOMPLETE_MESSAGE
 * (@info->missing more bytes needed); _I_CONTEXT_EXPIRED (the peer sent
 * close_notify); _ILLEGAL_MESSAGE (not a record of this session, or
 * another alert); _UNSUPPORTED_FUNCTION (a KeyUpdate or renegotiation
 * record: the connection cannot go on; or kTLS has the keys);
 * _DECRYPT_FAILURE (authentication failed); _OUT_OF_SEQUENCE;
 * _BUFFER_TOO_SMALL (@out_size); _INVALID_HANDLE; _CONTEXT_EXPIRED;
 * _INSUFFICIENT_MEMORY or _INTERNAL_ERROR.
 */
credssp_status_t credssp_decrypt(struct credssp_handle *h, uint64_t ctx, const void *in,
				 size_t in_len, void *out, size_t out_size,
				 struct credssp_record_info *info);

/* Results of credssp_query_context_attributes(), one per SECPKG_ATTR_*. */

/** CREDSSP_QUERY_SIZES */
struct credssp_sizes {
	uint32_t max_token;
	uint32_t max_signature;
	uint32_t block_size;
	uint32_t security_trailer;
};

/** CREDSSP_QUERY_STREAM_SIZES: the TLS records after authentication */
struct credssp_stream_sizes {
	uint32_t header;
	uint32_t trailer;
	uint32_t max_message;
	uint32_t buffers;
	uint32_t block_size;
};

/** CREDSSP_QUERY_NAMES: "DOMAIN\user" or "user@REALM"; free user_name */
struct credssp_names {
	char *user_name;
};

/** CREDSSP_QUERY_LIFESPAN, Unix seconds */
struct credssp_lifespan {
	uint64_t start;
	uint64_t expiry;
};

/** A security package (SecPkgInfoA); one allocation, strings included */
struct credssp_pkg_info {
	uint32_t capabilities; /* SECPKG_FLAG_* */
	uint16_t version;
	uint16_t rpcid;
	uint32_t max_token;
	char *name;
	char *comment;
};

/** CREDSSP_QUERY_PACKAGE_INFO: CredSSP itself; free info */
struct credssp_package_info {
	struct credssp_pkg_info *info;
};

/** CREDSSP_QUERY_NEGOTIATION_PACKAGE: "NTLM" or "Kerberos"; free info */
struct credssp_negotiation_info {
	struct credssp_pkg_info *info;
	uint32_t state; /* SECPKG_NEGOTIATION_* */
};

/**
 * CREDSSP_QUERY_CREDS, CREDSSP_QUERY_CREDS_2: the delegated credentials, in the
 * payload format of <linux/credssp.h> (struct credssp_creds_hdr ...); free
 * data (it is wiped). Returned once.
 */
struct credssp_client_creds {
	uint32_t len;
	uint8_t *data;
};

/**
 * credssp_query_context_attributes() - QueryContextAttributes.
 * @h:      session
 * @ctx:    context handle
 * @attr:   SECPKG_ATTR_*
 * @buffer: the struct named above for @attr; pointers in it are allocated
 *          and must be released with credssp_free_context_buffer()
 *
 * Return: CREDSSP_SEC_STATUS_OK, CREDSSP_SEC_STATUS_INVALID_HANDLE,
 * CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION, CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE (not established;
 * SIZES and PACKAGE_INFO answer at any stage), CREDSSP_SEC_STATUS_CONTEXT_EXPIRED,
 * CREDSSP_SEC_STATUS_NO_CREDENTIALS (CREDS).
 */
credssp_status_t credssp_query_context_attributes(struct credssp_handle *h, uint64_t ctx,
						  uint32_t attr, void *buffer);

/**
 * credssp_free_context_buffer() - wipe and free a buffer the library
 * allocated (output token, name, package info, credentials). NULL is fine.
 *
 * Return: CREDSSP_SEC_STATUS_OK.
 */
credssp_status_t credssp_free_context_buffer(void *buffer);

/**
 * credssp_principal_to_local() - the local account of an authenticated
 * principal, as ImpersonateSecurityContext (lib/sspi.h) maps it.
 * @principal: the principal (CREDSSP_QUERY_NAMES): "DOMAIN\user" or
 *             "user" for NTLM, "user@REALM" for Kerberos
 * @package:   the package CredSSP negotiated inside (the name of
 *             CREDSSP_QUERY_NEGOTIATION_PACKAGE): "NTLM" or "Kerberos"
 * @out:       receives the account name
 * @size:      size of @out
 *
 * NTLM: the user part (the domain is not checked: the helper's NTLM user
 * source decides who authenticates). Kerberos: krb5_aname_to_localname(),
 * i.e. the auth_to_local rules of the system's krb5.conf. Either way the
 * name must be 1 to 32 of [A-Za-z0-9._-], not starting with '-' or '.'.
 * Whether the account exists is not checked here.
 *
 * Return: 0; -EINVAL (unknown package, or not a plausible account name),
 * -ENOENT (Kerberos: no mapping), -ERANGE (@size too small), -ENOMEM.
 */
int credssp_principal_to_local(const char *principal, const char *package, char *out, size_t size);

/* ---- Admin views (CAP_NET_ADMIN); return 0 or a negative errno ---- */

/** One (outcome, package) handshake counter of GET_STATUS */
struct credssp_stat {
	uint32_t outcome; /* enum credssp_outcome */
	uint32_t package; /* enum credssp_package */
	uint64_t count;
};

/** GET_STATUS */
struct credssp_status {
	int helper; /* 1 if a helper serves this netns */
	uint32_t helper_pid;
	uint32_t contexts;
	uint32_t creds;
	int32_t keyring; /* serial of the ".credssp" keyring */
	uint32_t limit_owner_contexts;
	uint32_t limit_net_contexts;
	uint32_t limit_owner_creds;
	uint32_t limit_net_creds; /* 0 from a module without the limit */
	uint32_t helper_timeout_ms;
	uint32_t handshake_timeout_ms;
	uint32_t max_lifetime; /* seconds */
	uint32_t token_max;
	size_t n_stats;
	struct credssp_stat *stats; /* free with credssp_free_status() */
};

/** GET_CTX: one context as the admin sees it (no secret) */
struct credssp_ctx_info {
	uint64_t id;
	uint32_t state;	       /* enum credssp_ctx_state */
	uint32_t owner_portid; /* 0: an in-kernel consumer */
	uint32_t owner_pid;
	uint32_t package;			   /* enum credssp_package */
	char principal[CREDSSP_PRINCIPAL_MAX + 1]; /* "" until established */
	uint32_t version;			   /* TSRequest version */
	uint32_t tls_version;			   /* 0x0303, 0x0304, 0 unknown */
	char tls_cipher[64];
	uint64_t created;
	uint64_t expiry;
	int32_t key;		/* delegated-credentials key serial, 0 if none */
	uint32_t creds_type;	/* enum credssp_cred_type, 0 if none */
	uint32_t creds_binding; /* enum credssp_creds_binding: whom they name */
};

/** credssp_get_status() - GET_STATUS; release with credssp_free_status(). */
int credssp_get_status(struct credssp_handle *h, struct credssp_status *st);

/** credssp_free_status() - release the statistics of @st. */
void credssp_free_status(struct credssp_status *st);

/** credssp_get_context() - GET_CTX do; -ENOENT for an unknown handle. */
int credssp_get_context(struct credssp_handle *h, uint64_t id, struct credssp_ctx_info *info);

/**
 * credssp_list_contexts() - GET_CTX dump: every context of the netns.
 * @list: receives an array of @n entries, to free() (NULL when empty)
 */
int credssp_list_contexts(struct credssp_handle *h, struct credssp_ctx_info **list, size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* LIBCREDSSP_H */
