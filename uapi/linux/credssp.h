/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * credssp.h - the "credssp" generic netlink family of credssp.ko
 *
 * kcredssp implements the server side of Microsoft's CredSSP security
 * package ([MS-CSSP], AcceptSecurityContext (CredSSP)). The kernel module
 * holds credential and context handles with SSPI semantics; a privileged
 * helper (credsspd) does TLS, SPNEGO/NTLM/Kerberos and ASN.1 for it over this
 * family. Documentation/netlink/specs/credssp.yaml describes the same family
 * for YNL.
 *
 * Family
 * ------
 *
 * Name CREDSSP_GENL_NAME ("credssp"), version CREDSSP_GENL_VERSION. The
 * family is registered in every network namespace (netnsok); every command
 * acts on the namespace of the sending socket and sees only its objects. No
 * command waits in the kernel: every generic netlink request runs under
 * genetlink's global lock, which registering any family takes for writing,
 * so a request that waited for the helper or a client would hold up every
 * generic netlink user of the machine. ACCEPT and ACCEPT_SOCKET are
 * therefore asynchronous (below). All commands validate attributes
 * strictly: an unknown attribute, a wrong type or a wrong length fails the
 * request with -EINVAL and an extended ACK naming the attribute.
 *
 * Asynchronous calls
 * ------------------
 *
 * ACCEPT and ACCEPT_SOCKET check their request, queue the call and return:
 * the ACK (when NLM_F_ACK was asked for) comes then. The reply, called the
 * outcome, comes when the call ends, usually after the ACK but possibly
 * before it (accept either order): a message of the same command with the
 * request's sequence number, unicast to the sending socket, exactly one
 * per queued call. A call refused before it is queued (bad handle, limit,
 * unsupported flag) has its reply before the ACK, as any other command. An
 * outcome that fails carries CREDSSP_A_MESSAGE, the reason an extack would
 * give. A blocking caller (libcredssp) waits for it on its own socket.
 * CREDSSP_CMD_CANCEL ends the wait early; closing the socket ends its calls
 * without outcome. At most max_net_calls calls are in flight per network
 * namespace; beyond, the reply is SEC_E_INSUFFICIENT_MEMORY at once.
 *
 * Two kinds of failure
 * --------------------
 *
 * A request the kernel cannot parse (missing or malformed attribute) fails at
 * the netlink level: a negative errno in the ACK, with an extack message.
 * A well-formed SSPI call always gets a reply carrying CREDSSP_A_SEC_STATUS,
 * the SECURITY_STATUS Windows would return (SEC_E_INVALID_HANDLE for a handle
 * that does not exist or is not the caller's, ...); failures also set an
 * extack message, returned in the ACK when the request asked for one.
 *
 * Handles and owners
 * ------------------
 *
 * Credential and context handles are u64 values, opaque to userspace, never
 * 0, not reused soon (a slot index plus a random generation). A handle
 * created over netlink belongs to the socket that created it: any other
 * socket, in any process, gets SEC_E_INVALID_HANDLE for it, and when the
 * socket is closed every handle it owns is deleted (in-flight helper work is
 * abandoned, secrets are wiped). Handles of in-kernel consumers belong to
 * the kernel and are not reachable over netlink, except to the admin views.
 *
 * Permissions
 * -----------
 *
 * Consumer commands (ACQUIRE_CRED, FREE_CRED, ACCEPT, DELETE_CTX, QUERY_CTX,
 * KTLS_ATTACH, ACCEPT_SOCKET, CANCEL):
 *   CAP_NET_ADMIN in the user namespace owning the network namespace
 *   (GENL_UNS_ADMIN_PERM), because an acceptor is a password oracle. The
 *   handle checks above apply on top, root included.
 * Admin views (GET_STATUS, GET_CTX): the same capability. They never show
 *   a secret.
 * Helper commands: HELPER_REGISTER needs CAP_NET_ADMIN in the initial user
 *   namespace (GENL_ADMIN_PERM), checked on the socket opener and on the
 *   sender. HELPER_NEXT and HELPER_DONE need no capability: HELPER_NEXT
 *   only serves a registered socket, and a HELPER_DONE is accepted only
 *   from the socket that took the request. The helper can therefore drop
 *   every capability once its sockets are registered.
 *
 * Limits (module parameters, reported by GET_STATUS)
 * ------
 *
 *   max_owner_contexts   contexts per owner socket (default 1024)
 *   max_net_contexts     contexts per network namespace (default 8192)
 *   max_owner_creds      credential handles per owner socket (default 64)
 *   max_net_creds        credential handles per network namespace (default
 *                        1024)
 *   max_net_calls        ACCEPT and ACCEPT_SOCKET calls in flight per
 *                        network namespace (default 256)
 *   helper_timeout_ms    one helper call (default 10000)
 *   handshake_timeout_ms from the first ACCEPT to SEC_E_OK (default 60000);
 *                        also the longest ACCEPT_SOCKET deadline
 *   max_lifetime         seconds an established context lives (default
 *                        36000), capped further by what the helper reports
 *                        (a Kerberos ticket's end time)
 *   CREDSSP_TOKEN_MAX    bytes of one input or output token
 * Going over a context or credential limit fails the call with
 * SEC_E_INSUFFICIENT_MEMORY.
 *
 * Expiry
 * ------
 *
 * Times are Unix seconds (CLOCK_REALTIME); CREDSSP_TIME_NEVER means no
 * expiry. A context that is still authenticating when its handshake
 * deadline passes fails; an established context that reaches its expiry is
 * expired: its keys and credentials are wiped, calls on it return
 * SEC_E_CONTEXT_EXPIRED, and it still has to be deleted (or its owner
 * closed).
 *
 * Consumer commands
 * -----------------
 *
 * CREDSSP_CMD_ACQUIRE_CRED (do) - AcquireCredentialsHandle
 *   Request:  CREDSSP_A_PACKAGE    string, "CredSSP" (case-insensitive)
 *             CREDSSP_A_CRED_USE   u32, SECPKG_CRED_INBOUND
 *             CREDSSP_A_PRINCIPAL  string, optional, ignored (as Schannel)
 *   Reply:    CREDSSP_A_SEC_STATUS SEC_E_OK, SEC_E_SECPKG_NOT_FOUND (another
 *                                  package), SEC_E_UNSUPPORTED_FUNCTION
 *                                  (outbound or both), SEC_E_INSUFFICIENT_MEMORY
 *             CREDSSP_A_CRED_ID    u64, on SEC_E_OK
 *             CREDSSP_A_EXPIRY     u64, on SEC_E_OK: CREDSSP_TIME_NEVER
 *   The credential names the helper's configured server identity
 *   (certificate, keytab, NTLM users, minimum version).
 *
 * CREDSSP_CMD_FREE_CRED (do) - FreeCredentialsHandle
 *   Request:  CREDSSP_A_CRED_ID
 *   Reply:    CREDSSP_A_SEC_STATUS SEC_E_OK or SEC_E_INVALID_HANDLE
 *   Contexts made with it stay usable: they hold their own reference.
 *
 * CREDSSP_CMD_ACCEPT (do, asynchronous) - AcceptSecurityContext
 *   Request:  CREDSSP_A_CRED_ID    u64, required on the first call; on later
 *                                  calls optional, and if present it must be
 *                                  the context's credential
 *             CREDSSP_A_CTX_ID     u64, absent (or 0) on the first call, the
 *                                  returned handle on later calls
 *             CREDSSP_A_REQ_FLAGS  u32, ASC_REQ_* (fContextReq), default 0
 *             CREDSSP_A_DATA_REP   u32, SECURITY_NATIVE_DREP (default) or
 *                                  SECURITY_NETWORK_DREP
 *             CREDSSP_A_INPUT      binary, the SECBUFFER_TOKEN: bytes from
 *                                  the client, at most CREDSSP_TOKEN_MAX
 *             CREDSSP_A_OUTPUT_SIZE u32, cbBuffer of the caller's output
 *                                  SECBUFFER_TOKEN when ASC_REQ_ALLOCATE_MEMORY
 *                                  is not requested (absent: 0)
 *             CREDSSP_A_OPTIONS    u32, CREDSSP_OPT_*, first call only
 *   Reply:    CREDSSP_A_SEC_STATUS
 *               SEC_I_CONTINUE_NEEDED  send OUTPUT (may be empty), call
 *                                      again with the client's next bytes
 *               SEC_E_OK               authenticated
 *               SEC_E_INCOMPLETE_MESSAGE  the input ends inside a TLS
 *                                      record: nothing consumed, call
 *                                      again with the same bytes and more
 *               SEC_E_BUFFER_TOO_SMALL OUTPUT_SIZE is smaller than the
 *                                      token; OUTPUT_NEEDED says how much.
 *                                      The input was consumed and the
 *                                      result is kept: repeat the call
 *                                      (same input) with a larger buffer
 *               SEC_E_UNSUPPORTED_FUNCTION  an ASC_REQ_* flag the package
 *                                      cannot honour (outside
 *                                      CREDSSP_ASC_REQ_SUPPORTED)
 *               SEC_E_INVALID_PARAMETER  DATA_REP is neither value
 *               SEC_E_INVALID_HANDLE   bad or foreign CRED_ID or CTX_ID
 *               SEC_E_OUT_OF_SEQUENCE  the context is established, failed,
 *                                      or has a call in progress
 *               SEC_E_CONTEXT_EXPIRED  the handshake deadline passed
 *               SEC_E_NO_AUTHENTICATING_AUTHORITY  no helper in this netns,
 *                                      the helper died or timed out
 *               other errors           as the engine decides (INVALID_TOKEN,
 *                                      LOGON_DENIED, ...): the context is
 *                                      dead; OUTPUT may hold the errorCode
 *                                      TSRequest or TLS alert to send
 *             CREDSSP_A_CTX_ID     u64: the new handle on the first call,
 *                                  the same handle on later calls
 *                                  (phNewContext == phContext). Absent when
 *                                  a first call fails: no context remains.
 *             CREDSSP_A_OUTPUT     binary, the output SECBUFFER_TOKEN
 *             CREDSSP_A_OUTPUT_NEEDED u32, with SEC_E_BUFFER_TOO_SMALL
 *             CREDSSP_A_EXTRA      u32, input bytes not consumed at the end
 *                                  of INPUT (SECBUFFER_EXTRA): after SEC_E_OK
 *                                  they are the client's first application
 *                                  data; after SEC_I_CONTINUE_NEEDED pass
 *                                  them again with the next bytes
 *             CREDSSP_A_RET_FLAGS  u32, ASC_RET_* on every success
 *             CREDSSP_A_EXPIRY     u64, on SEC_E_OK only
 *             CREDSSP_A_MESSAGE    string, why, when the call failed
 *   The reply is the call's outcome (see "Asynchronous calls"), unless the
 *   call was refused before it was queued. A later call on a context whose
 *   previous call is still running, or on a context that is deleted
 *   meanwhile, returns SEC_E_OUT_OF_SEQUENCE or SEC_E_INVALID_HANDLE.
 *
 * CREDSSP_CMD_DELETE_CTX (do) - DeleteSecurityContext
 *   Request:  CREDSSP_A_CTX_ID
 *   Reply:    CREDSSP_A_SEC_STATUS SEC_E_OK or SEC_E_INVALID_HANDLE
 *   At any stage; a helper call in progress is abandoned. A caller with
 *   CAP_NET_ADMIN over the netns may delete any context of it made over
 *   netlink (credsspctl delete); that is the only command where the owner
 *   check is waived. Since every consumer command needs that capability,
 *   any socket allowed to send DELETE_CTX may delete any such context.
 *   Contexts of in-kernel consumers are not reachable (SEC_E_INVALID_HANDLE).
 *
 * CREDSSP_CMD_QUERY_CTX (do) - QueryContextAttributes
 *   Request:  CREDSSP_A_CTX_ID, CREDSSP_A_QUERY_ATTR (u32, SECPKG_ATTR_*)
 *   Reply:    CREDSSP_A_SEC_STATUS SEC_E_OK, SEC_E_INVALID_HANDLE,
 *                                  SEC_E_UNSUPPORTED_FUNCTION (attribute not
 *                                  supported), SEC_E_OUT_OF_SEQUENCE (not
 *                                  established yet; SIZES and PACKAGE_INFO
 *                                  answer at any stage), SEC_E_CONTEXT_EXPIRED,
 *                                  SEC_E_NO_CREDENTIALS (CREDS: nothing was
 *                                  delegated, or already retrieved)
 *             CREDSSP_A_QUERY      nested, CREDSSP_A_Q_*, on SEC_E_OK:
 *     SECPKG_ATTR_SIZES          Q_MAX_TOKEN, Q_MAX_SIGNATURE, Q_BLOCK_SIZE,
 *                                Q_SECURITY_TRAILER
 *     SECPKG_ATTR_NAMES          Q_NAME: "DOMAIN\user" (NTLM) or
 *                                "user@REALM" (Kerberos)
 *     SECPKG_ATTR_LIFESPAN       Q_START, Q_EXPIRY
 *     SECPKG_ATTR_STREAM_SIZES   Q_STREAM_HEADER, Q_STREAM_TRAILER,
 *                                Q_STREAM_MAX_MESSAGE, Q_STREAM_BUFFERS,
 *                                Q_STREAM_BLOCK_SIZE (of the TLS records
 *                                after authentication)
 *     SECPKG_ATTR_PACKAGE_INFO   Q_PKG_*: the CredSSP package
 *     SECPKG_ATTR_NEGOTIATION_PACKAGE  Q_PKG_*: the negotiated inner package
 *                                ("NTLM" or "Kerberos"), Q_NEGO_STATE
 *     SECPKG_ATTR_CREDS          Q_CREDS: the delegated credentials as the
 *     SECPKG_ATTR_CREDS_2        payload below. Owner only; returned once,
 *                                then the context forgets them (its key in
 *                                ".credssp", for in-kernel consumers, stays
 *                                until the context ends)
 *
 * kTLS and socket mode
 * --------------------
 *
 * CREDSSP_CMD_KTLS_ATTACH (do) - hand the connection's records to kTLS
 *   Request:  CREDSSP_A_CTX_ID     u64, an established context of the caller
 *             CREDSSP_A_SOCK_FD    u32, a connected TCP socket in the
 *                                  sender's file table (the one the TLS
 *                                  records of this context travel on)
 *   Reply:    CREDSSP_A_TLS_VERSION u32, 0x0303 or 0x0304
 *             CREDSSP_A_TLS_CIPHER  u32, TLS_CIPHER_* of <linux/tls.h>
 *   Installs the TLS keys and record sequence numbers the helper exported at
 *   SEC_E_OK on the socket (TCP_ULP "tls", then TLS_TX and TLS_RX), once,
 *   and wipes them from the context: after it the caller reads and writes
 *   plaintext on the socket. Failures are netlink errors with an extack
 *   message, the socket untouched unless said otherwise:
 *     -ENOENT          no such context, or not the caller's
 *     -EINVAL          the context is not established (handshake, failed)
 *     -EKEYEXPIRED     the context expired
 *     -EALREADY        its keys were already installed (or wiped)
 *     -EBADF           SOCK_FD is not an open file of the sender
 *     -ENOTSOCK        SOCK_FD is not a socket
 *     -EPROTONOSUPPORT not a TCP stream socket
 *     -ENOTCONN        the TCP connection is not established
 *     -EEXIST          the socket already has an upper layer protocol
 *     -EXDEV           the socket belongs to another network namespace
 *     -ENOPROTOOPT     this kernel has no kTLS (CONFIG_TLS, module "tls")
 *     -EOPNOTSUPP      kTLS here does not offer the session's cipher
 *     other            from the TLS setsockopt: then the socket may be half
 *                      set up and must be closed; the keys are wiped
 *
 * CREDSSP_CMD_ACCEPT_SOCKET (do, asynchronous) - socket mode: authenticate a
 * connection
 *   Request:  CREDSSP_A_CRED_ID    u64, required
 *             CREDSSP_A_SOCK_FD    u32, a connected TCP socket of the sender
 *                                  whose next bytes are the client's first
 *                                  TLS record (after any RDP X.224
 *                                  negotiation the caller did itself)
 *             CREDSSP_A_REQ_FLAGS  u32, as ACCEPT
 *             CREDSSP_A_OPTIONS    u32, as ACCEPT
 *             CREDSSP_A_TIMEOUT_MS u32, deadline of the whole handshake;
 *                                  absent, 0 or more: handshake_timeout_ms
 *   Reply:    CREDSSP_A_SEC_STATUS
 *               SEC_E_OK               authenticated, kTLS installed (TX and
 *                                      RX): read and write plaintext now
 *               engine errors          (LOGON_DENIED, INVALID_TOKEN, ...)
 *                                      the errorCode TSRequest or TLS alert
 *                                      was sent to the client first
 *               SEC_E_CONTEXT_EXPIRED  the deadline passed
 *               SEC_E_INCOMPLETE_MESSAGE  the client closed or reset the
 *                                      connection before the end
 *               SEC_E_NO_AUTHENTICATING_AUTHORITY  no helper, or it died
 *               SEC_E_INVALID_HANDLE   cancelled (CANCEL), or bad CRED_ID
 *               SEC_E_INTERNAL_ERROR   a socket error, or kTLS could not
 *                                      be installed (MESSAGE says which)
 *             CREDSSP_A_CTX_ID     u64, on SEC_E_OK: the established
 *                                  context, owned by the sending socket
 *                                  like one made by ACCEPT (query it,
 *                                  delete it)
 *             CREDSSP_A_RET_FLAGS  u32, on SEC_E_OK
 *             CREDSSP_A_EXPIRY     u64, on SEC_E_OK
 *             CREDSSP_A_MESSAGE    string, why, when the call failed
 *   The kernel reads whole TLS records and never a byte past the client's
 *   last CredSSP record: what the client sends after it (the RDP MCS
 *   Connect-Initial, even in the same TCP segment) is the first plaintext
 *   the caller reads through kTLS. The socket's fd must not be read or
 *   written until the reply, the call's outcome; the kernel holds the
 *   socket until then, even if the fd is closed.
 *   Socket errors before the handshake starts are netlink errors as for
 *   KTLS_ATTACH (-EBADF, -ENOTSOCK, -EPROTONOSUPPORT, -ENOTCONN, -EEXIST,
 *   -EXDEV, -ENOPROTOOPT); -EBUSY if the socket is already in socket mode.
 *
 * CREDSSP_CMD_CANCEL (do) - end the wait of an asynchronous call
 *   Request:  CREDSSP_A_SEQ        u32, the sequence number of the sender's
 *                                  own ACCEPT or ACCEPT_SOCKET request
 *   Reply:    CREDSSP_A_SEC_STATUS SEC_E_OK (it was in flight: its outcome
 *                                  follows), SEC_E_INVALID_HANDLE (no such
 *                                  call in flight: its outcome was sent)
 *   An ACCEPT's context is deleted (a step in the helper is abandoned); an
 *   ACCEPT_SOCKET handshake is aborted and its context deleted. A call that
 *   was already completing still ends with its own status: SEC_E_OK means
 *   the context is established and the caller's. libcredssp sends it when
 *   a signal interrupts its wait.
 *
 * Admin commands
 * --------------
 *
 * CREDSSP_CMD_GET_STATUS (do)
 *   Request:  no attributes.
 *   Reply:    CREDSSP_A_STATUS_* attributes:
 *     HELPER (u8) 1 if a helper serves this netns; HELPER_PID (u32) its pid;
 *     CONTEXTS (u32) contexts alive in this netns; CREDS (u32) credential
 *     handles; KEYRING (s32) serial of the ".credssp" keyring, as shown by
 *     /proc/keys and keyctl(1); the limits above (LIMIT_*); and one nested
 *     STAT per (outcome, package) seen since the netns was created, with
 *     STAT_OUTCOME (u32, enum credssp_outcome), STAT_PACKAGE (u32, enum
 *     credssp_package) and STAT_COUNT (u64).
 *
 * CREDSSP_CMD_GET_CTX (do, dump)
 *   Request:  do: CREDSSP_A_CTX_ID; dump: nothing.
 *   Reply:    one message per context, CREDSSP_A_CI_* attributes: ID, STATE
 *             (enum credssp_ctx_state), OWNER_PORTID (u32, 0 for the
 *             kernel), OWNER_PID (u32), PACKAGE, PRINCIPAL (string, once
 *             established), VERSION (u32, TSRequest version), TLS_VERSION
 *             (u32), TLS_CIPHER (string), CREATED, EXPIRY (u64), KEY (s32,
 *             serial of the context's delegated-credentials key, 0 if none),
 *             CREDS_TYPE (u32, enum credssp_cred_type, 0 if none).
 *   A do with an unknown handle fails with -ENOENT.
 *
 * Helper commands (credsspd)
 * ---------------
 *
 * The kernel queues the helper's work in each network namespace and the
 * helper pulls it, as tlshd does with net/handshake: nothing is pushed, so
 * nothing is lost when the helper's receive buffer overruns.
 *
 * CREDSSP_CMD_HELPER_REGISTER (do)
 *   Request:  CREDSSP_A_H_VERSION (u32, CREDSSP_HELPER_VERSION)
 *   The first registration makes the sender's process (thread group) this
 *   netns's helper and the sending socket a helper socket; further sockets
 *   of the same process register the same way (at most 72; registering a
 *   socket twice is no error), before the process drops CAP_NET_ADMIN.
 *   The helper lasts until its last registered socket closes. -EBUSY if
 *   another process is the helper; -EPROTO for another helper version;
 *   -ENOSPC for too many sockets.
 *
 * CREDSSP_CMD_HELPER_READY (kernel to the "helper" group, multicast)
 *   No attributes. Sent to CREDSSP_MCGRP_HELPER ("helper") of the netns
 *   when a request goes into an empty queue. A helper then takes requests
 *   until HELPER_NEXT fails with -ENOENT; as a notification can be lost to
 *   a receive-buffer overrun (ENOBUFS), it also takes at start and on a
 *   timer. Join the group on a socket other than the ones that take and
 *   answer requests, so that notifications never fill their buffers.
 *
 * CREDSSP_CMD_HELPER_NEXT (do)
 *   Request: no attributes, from a registered helper socket (else -EPERM).
 *   Takes the first queued request; the reply carries it (or the request
 *   fails with -ENOENT: nothing is queued). If the reply cannot be
 *   delivered, the request stays queued.
 *   CREDSSP_A_H_REQ_ID   u64, to quote in HELPER_DONE
 *   CREDSSP_A_H_OP       u32, CREDSSP_HOP_STEP or CREDSSP_HOP_FREE
 *   CREDSSP_A_H_CTX_ID   u64, the context (the helper's engine context key)
 *   CREDSSP_A_H_FIRST    flag, STEP: first step of this context (make one)
 *   CREDSSP_A_H_REQ_FLAGS u32, STEP: the caller's ASC_REQ_*
 *   CREDSSP_A_H_OPTIONS  u32, STEP: CREDSSP_OPT_*
 *   CREDSSP_A_H_INPUT    binary, STEP: the input token (may be absent: empty)
 *   FREE asks the helper to drop its engine context (deleted, expired,
 *   failed, or its owner went away) and has no answer. A STEP is the
 *   taking socket's to answer with exactly one HELPER_DONE, within the
 *   helper_timeout_ms that started when it was queued; after a failed or
 *   final STEP the helper drops the engine context itself. Requests go out
 *   in the order they were queued, so a FREE comes after the steps of its
 *   context that were taken. When a socket that took a STEP closes, that
 *   call fails at once (SEC_E_NO_AUTHENTICATING_AUTHORITY); when the last
 *   helper socket closes, every queued call fails too. At most 1024 STEPs
 *   are queued or taken per netns: beyond that a call fails at once with
 *   SEC_E_INSUFFICIENT_MEMORY.
 *
 * CREDSSP_CMD_HELPER_REQUEST
 *   Not sent any more (helper protocol version 1 pushed requests with it);
 *   the value stays reserved.
 *
 * CREDSSP_CMD_HELPER_DONE (do)
 *   CREDSSP_A_H_REQ_ID      u64, required
 *   CREDSSP_A_H_SEC_STATUS  u32, required
 *   CREDSSP_A_H_OUTPUT      binary, at most CREDSSP_TOKEN_MAX
 *   CREDSSP_A_H_CONSUMED    u32, input bytes consumed (<= input length)
 *   CREDSSP_A_H_RET_FLAGS   u32, ASC_RET_*
 *   and with SEC_E_OK, the result:
 *   CREDSSP_A_H_EXPIRY      u64
 *   CREDSSP_A_H_PACKAGE     u32, enum credssp_package (also on failures
 *                           when known, for the statistics)
 *   CREDSSP_A_H_SPNEGO      flag, the mechanism came wrapped in SPNEGO
 *   CREDSSP_A_H_PRINCIPAL   string, at most CREDSSP_PRINCIPAL_MAX bytes
 *   CREDSSP_A_H_VERSION_NEGOTIATED u32, negotiated TSRequest version (2..6)
 *   CREDSSP_A_H_PEER_VERSION u32, the client's TSRequest version
 *   CREDSSP_A_H_TLS_VERSION u32, 0x0303 or 0x0304
 *   CREDSSP_A_H_TLS_CIPHER  string, IANA name, at most 63 bytes
 *   CREDSSP_A_H_CREDS       binary, the delegated credentials payload
 *   CREDSSP_A_H_KEYS_TX     nested CREDSSP_A_K_*: what the server sends
 *   CREDSSP_A_H_KEYS_RX     nested CREDSSP_A_K_*: what the server receives
 *   From the socket that took the request with HELPER_NEXT; any other
 *   socket, and a request no longer awaited (timed out, context deleted),
 *   gets -ENOENT. Every attribute is checked as hostile input: the status
 *   one of the known SEC_* values, CONSUMED no more than the input, key
 *   lengths those of the cipher, the credentials payload well formed. A
 *   reply that fails a check fails the call with SEC_E_INTERNAL_ERROR and
 *   the request with -EINVAL. The kernel wipes the keys and credentials in
 *   the request once it copied them.
 */
#ifndef _UAPI_LINUX_CREDSSP_H
#define _UAPI_LINUX_CREDSSP_H

#include <linux/types.h>

#define CREDSSP_GENL_NAME	"credssp"
#define CREDSSP_GENL_VERSION	1
#define CREDSSP_HELPER_VERSION	2
#define CREDSSP_MCGRP_HELPER	"helper"

#define CREDSSP_PACKAGE_NAME	"CredSSP"
#define CREDSSP_TOKEN_MAX	65000	/* one input or output token */
#define CREDSSP_PRINCIPAL_MAX	511
#define CREDSSP_TIME_NEVER	(~(__u64)0)

enum credssp_cmd {
	CREDSSP_CMD_UNSPEC,
	CREDSSP_CMD_GET_STATUS,
	CREDSSP_CMD_ACQUIRE_CRED,
	CREDSSP_CMD_FREE_CRED,
	CREDSSP_CMD_ACCEPT,
	CREDSSP_CMD_DELETE_CTX,
	CREDSSP_CMD_QUERY_CTX,
	CREDSSP_CMD_GET_CTX,
	CREDSSP_CMD_HELPER_REGISTER,
	CREDSSP_CMD_HELPER_REQUEST,
	CREDSSP_CMD_HELPER_DONE,
	CREDSSP_CMD_KTLS_ATTACH,
	CREDSSP_CMD_ACCEPT_SOCKET,
	CREDSSP_CMD_CANCEL,
	CREDSSP_CMD_HELPER_NEXT,
	CREDSSP_CMD_HELPER_READY,

	__CREDSSP_CMD_MAX,
	CREDSSP_CMD_MAX = (__CREDSSP_CMD_MAX - 1)
};

/* Attributes of the consumer commands (ACQUIRE_CRED .. ACCEPT_SOCKET). */
enum credssp_attr {
	CREDSSP_A_UNSPEC,
	CREDSSP_A_PAD,
	CREDSSP_A_SEC_STATUS,		/* u32 */
	CREDSSP_A_PACKAGE,		/* string */
	CREDSSP_A_CRED_USE,		/* u32 */
	CREDSSP_A_PRINCIPAL,		/* string */
	CREDSSP_A_CRED_ID,		/* u64 */
	CREDSSP_A_CTX_ID,		/* u64 */
	CREDSSP_A_REQ_FLAGS,		/* u32 */
	CREDSSP_A_DATA_REP,		/* u32 */
	CREDSSP_A_INPUT,		/* binary */
	CREDSSP_A_OUTPUT_SIZE,		/* u32 */
	CREDSSP_A_OPTIONS,		/* u32 */
	CREDSSP_A_OUTPUT,		/* binary */
	CREDSSP_A_OUTPUT_NEEDED,	/* u32 */
	CREDSSP_A_EXTRA,		/* u32 */
	CREDSSP_A_RET_FLAGS,		/* u32 */
	CREDSSP_A_EXPIRY,		/* u64 */
	CREDSSP_A_QUERY_ATTR,		/* u32 */
	CREDSSP_A_QUERY,		/* nested, CREDSSP_A_Q_* */
	CREDSSP_A_SOCK_FD,		/* u32 */
	CREDSSP_A_TIMEOUT_MS,		/* u32 */
	CREDSSP_A_TLS_VERSION,		/* u32 */
	CREDSSP_A_TLS_CIPHER,		/* u32, TLS_CIPHER_* */
	CREDSSP_A_SEQ,			/* u32 */
	CREDSSP_A_MESSAGE,		/* string */

	__CREDSSP_A_MAX,
	CREDSSP_A_MAX = (__CREDSSP_A_MAX - 1)
};

/* Inside CREDSSP_A_QUERY. */
enum credssp_query_attr {
	CREDSSP_A_Q_UNSPEC,
	CREDSSP_A_Q_PAD,
	CREDSSP_A_Q_MAX_TOKEN,		/* u32 */
	CREDSSP_A_Q_MAX_SIGNATURE,	/* u32 */
	CREDSSP_A_Q_BLOCK_SIZE,		/* u32 */
	CREDSSP_A_Q_SECURITY_TRAILER,	/* u32 */
	CREDSSP_A_Q_NAME,		/* string */
	CREDSSP_A_Q_START,		/* u64 */
	CREDSSP_A_Q_EXPIRY,		/* u64 */
	CREDSSP_A_Q_STREAM_HEADER,	/* u32 */
	CREDSSP_A_Q_STREAM_TRAILER,	/* u32 */
	CREDSSP_A_Q_STREAM_MAX_MESSAGE,	/* u32 */
	CREDSSP_A_Q_STREAM_BUFFERS,	/* u32 */
	CREDSSP_A_Q_STREAM_BLOCK_SIZE,	/* u32 */
	CREDSSP_A_Q_PKG_NAME,		/* string */
	CREDSSP_A_Q_PKG_COMMENT,	/* string */
	CREDSSP_A_Q_PKG_CAPABILITIES,	/* u32, SECPKG_FLAG_* */
	CREDSSP_A_Q_PKG_VERSION,	/* u32 */
	CREDSSP_A_Q_PKG_RPCID,		/* u32 */
	CREDSSP_A_Q_PKG_MAX_TOKEN,	/* u32 */
	CREDSSP_A_Q_NEGO_STATE,		/* u32, SECPKG_NEGOTIATION_* */
	CREDSSP_A_Q_CREDS,		/* binary, the payload below */

	__CREDSSP_A_Q_MAX,
	CREDSSP_A_Q_MAX = (__CREDSSP_A_Q_MAX - 1)
};

/* GET_STATUS reply. */
enum credssp_status_attr {
	CREDSSP_A_STATUS_UNSPEC,
	CREDSSP_A_STATUS_HELPER,		/* u8 */
	CREDSSP_A_STATUS_CONTEXTS,		/* u32 */
	CREDSSP_A_STATUS_KEYRING,		/* s32 */
	CREDSSP_A_STATUS_PAD,
	CREDSSP_A_STATUS_HELPER_PID,		/* u32 */
	CREDSSP_A_STATUS_CREDS,			/* u32 */
	CREDSSP_A_STATUS_LIMIT_OWNER_CONTEXTS,	/* u32 */
	CREDSSP_A_STATUS_LIMIT_NET_CONTEXTS,	/* u32 */
	CREDSSP_A_STATUS_LIMIT_OWNER_CREDS,	/* u32 */
	CREDSSP_A_STATUS_HELPER_TIMEOUT_MS,	/* u32 */
	CREDSSP_A_STATUS_HANDSHAKE_TIMEOUT_MS,	/* u32 */
	CREDSSP_A_STATUS_MAX_LIFETIME,		/* u32, seconds */
	CREDSSP_A_STATUS_TOKEN_MAX,		/* u32 */
	CREDSSP_A_STATUS_STAT,			/* nested, CREDSSP_A_STAT_*, repeated */
	CREDSSP_A_STATUS_LIMIT_NET_CREDS,	/* u32 */

	__CREDSSP_A_STATUS_MAX,
	CREDSSP_A_STATUS_MAX = (__CREDSSP_A_STATUS_MAX - 1)
};

enum credssp_stat_attr {
	CREDSSP_A_STAT_UNSPEC,
	CREDSSP_A_STAT_PAD,
	CREDSSP_A_STAT_OUTCOME,		/* u32, enum credssp_outcome */
	CREDSSP_A_STAT_PACKAGE,		/* u32, enum credssp_package */
	CREDSSP_A_STAT_COUNT,		/* u64 */

	__CREDSSP_A_STAT_MAX,
	CREDSSP_A_STAT_MAX = (__CREDSSP_A_STAT_MAX - 1)
};

/* GET_CTX reply. */
enum credssp_ctx_info_attr {
	CREDSSP_A_CI_UNSPEC,
	CREDSSP_A_CI_PAD,
	CREDSSP_A_CI_ID,		/* u64 */
	CREDSSP_A_CI_STATE,		/* u32, enum credssp_ctx_state */
	CREDSSP_A_CI_OWNER_PORTID,	/* u32 */
	CREDSSP_A_CI_OWNER_PID,	/* u32 */
	CREDSSP_A_CI_PACKAGE,		/* u32, enum credssp_package */
	CREDSSP_A_CI_PRINCIPAL,	/* string */
	CREDSSP_A_CI_VERSION,		/* u32 */
	CREDSSP_A_CI_TLS_VERSION,	/* u32 */
	CREDSSP_A_CI_TLS_CIPHER,	/* string */
	CREDSSP_A_CI_CREATED,		/* u64 */
	CREDSSP_A_CI_EXPIRY,		/* u64 */
	CREDSSP_A_CI_KEY,		/* s32 */
	CREDSSP_A_CI_CREDS_TYPE,	/* u32 */

	__CREDSSP_A_CI_MAX,
	CREDSSP_A_CI_MAX = (__CREDSSP_A_CI_MAX - 1)
};

/* Helper commands (HELPER_REGISTER, HELPER_NEXT, HELPER_DONE). */
enum credssp_helper_attr {
	CREDSSP_A_H_UNSPEC,
	CREDSSP_A_H_PAD,
	CREDSSP_A_H_VERSION,		/* u32 */
	CREDSSP_A_H_REQ_ID,		/* u64 */
	CREDSSP_A_H_OP,			/* u32, enum credssp_helper_op */
	CREDSSP_A_H_CTX_ID,		/* u64 */
	CREDSSP_A_H_FIRST,		/* flag */
	CREDSSP_A_H_REQ_FLAGS,		/* u32 */
	CREDSSP_A_H_OPTIONS,		/* u32 */
	CREDSSP_A_H_INPUT,		/* binary */
	CREDSSP_A_H_SEC_STATUS,		/* u32 */
	CREDSSP_A_H_OUTPUT,		/* binary */
	CREDSSP_A_H_CONSUMED,		/* u32 */
	CREDSSP_A_H_RET_FLAGS,		/* u32 */
	CREDSSP_A_H_EXPIRY,		/* u64 */
	CREDSSP_A_H_PACKAGE,		/* u32 */
	CREDSSP_A_H_SPNEGO,		/* flag */
	CREDSSP_A_H_PRINCIPAL,		/* string */
	CREDSSP_A_H_VERSION_NEGOTIATED,	/* u32 */
	CREDSSP_A_H_PEER_VERSION,	/* u32 */
	CREDSSP_A_H_TLS_VERSION,	/* u32 */
	CREDSSP_A_H_TLS_CIPHER,		/* string */
	CREDSSP_A_H_CREDS,		/* binary */
	CREDSSP_A_H_KEYS_TX,		/* nested, CREDSSP_A_K_* */
	CREDSSP_A_H_KEYS_RX,		/* nested, CREDSSP_A_K_* */

	__CREDSSP_A_H_MAX,
	CREDSSP_A_H_MAX = (__CREDSSP_A_H_MAX - 1)
};

/*
 * One direction's TLS traffic keys, in the terms of <linux/tls.h>'s
 * struct tls12_crypto_info_*: CIPHER is TLS_CIPHER_AES_GCM_128 (key 16,
 * salt 4, iv 8), TLS_CIPHER_AES_GCM_256 (key 32, salt 4, iv 8) or
 * TLS_CIPHER_CHACHA20_POLY1305 (key 32, no salt, iv 12); REC_SEQ is the
 * big-endian sequence number of the next record (8 bytes).
 */
enum credssp_keys_attr {
	CREDSSP_A_K_UNSPEC,
	CREDSSP_A_K_CIPHER,		/* u32 */
	CREDSSP_A_K_KEY,		/* binary */
	CREDSSP_A_K_SALT,		/* binary */
	CREDSSP_A_K_IV,			/* binary */
	CREDSSP_A_K_REC_SEQ,		/* binary, 8 bytes */

	__CREDSSP_A_K_MAX,
	CREDSSP_A_K_MAX = (__CREDSSP_A_K_MAX - 1)
};

enum credssp_helper_op {
	CREDSSP_HOP_STEP = 1,
	CREDSSP_HOP_FREE,
};

/* CREDSSP_A_OPTIONS */
#define CREDSSP_OPT_RESTRICTED_ADMIN	0x00000001U	/* RDP negotiated it */
#define CREDSSP_OPT_ALL			CREDSSP_OPT_RESTRICTED_ADMIN

enum credssp_package {
	CREDSSP_PKG_NONE,
	CREDSSP_PKG_NTLM,
	CREDSSP_PKG_KERBEROS,
};

enum credssp_ctx_state {
	CREDSSP_CTX_HANDSHAKE = 1,	/* authenticating */
	CREDSSP_CTX_ESTABLISHED,	/* SEC_E_OK returned */
	CREDSSP_CTX_FAILED,		/* an error ended it; delete it */
	CREDSSP_CTX_EXPIRED,		/* established, then expired */
};

/* How handshakes ended, for GET_STATUS statistics. */
enum credssp_outcome {
	CREDSSP_OUT_OK = 1,		/* SEC_E_OK */
	CREDSSP_OUT_LOGON_DENIED,	/* SEC_E_LOGON_DENIED */
	CREDSSP_OUT_INVALID_TOKEN,	/* SEC_E_INVALID_TOKEN */
	CREDSSP_OUT_OTHER_ERROR,	/* any other status from the helper */
	CREDSSP_OUT_TIMEOUT,		/* handshake deadline or helper timeout */
	CREDSSP_OUT_HELPER_LOST,	/* no helper, or it died during the call */
	CREDSSP_OUT_ABANDONED,		/* deleted or owner gone before the end */
};

/*
 * Delegated credentials payload, version 1 (CREDSSP_CREDS_VERSION): what the
 * helper hands the kernel when a client delegated credentials, kept as the
 * payload of the context's key and returned to the owner by
 * SECPKG_ATTR_CREDS. Little-endian, no padding:
 *
 *   struct credssp_creds_hdr, then hdr.n_fields times:
 *   struct credssp_creds_field, then field.len bytes of data.
 *
 * Strings are UTF-16LE as the client sent them, without terminating NULs.
 * Fields of a remote guard credential carry .index 0 for the logon
 * credential and 1..n for the supplemental ones; other fields have index 0.
 * The whole payload is at most CREDSSP_CREDS_MAX bytes.
 */
#define CREDSSP_CREDS_VERSION	1
#define CREDSSP_CREDS_MAX	65000

enum credssp_cred_type {
	CREDSSP_CRED_PASSWORD = 1,	/* TSPasswordCreds */
	CREDSSP_CRED_SMARTCARD = 2,	/* TSSmartCardCreds */
	CREDSSP_CRED_REMOTE_GUARD = 6,	/* TSRemoteGuardCreds */
};

enum credssp_cred_field {
	CREDSSP_CF_DOMAIN = 1,
	CREDSSP_CF_USER,
	CREDSSP_CF_PASSWORD,
	CREDSSP_CF_PIN,
	CREDSSP_CF_KEY_SPEC,		/* 4 bytes, little-endian signed */
	CREDSSP_CF_CARD_NAME,
	CREDSSP_CF_READER_NAME,
	CREDSSP_CF_CONTAINER_NAME,
	CREDSSP_CF_CSP_NAME,
	CREDSSP_CF_USER_HINT,
	CREDSSP_CF_DOMAIN_HINT,
	CREDSSP_CF_PACKAGE_NAME,
	CREDSSP_CF_CRED_BUFFER,
};

struct credssp_creds_hdr {
	__u8	version;
	__u8	type;		/* enum credssp_cred_type */
	__le16	n_fields;
};

struct credssp_creds_field {
	__le16	id;		/* enum credssp_cred_field */
	__le16	index;
	__le32	len;
};

/* SSPI statuses (SECURITY_STATUS) */
#define SEC_E_OK				0x00000000U
#define SEC_I_CONTINUE_NEEDED			0x00090312U
#define SEC_I_COMPLETE_NEEDED			0x00090313U
#define SEC_I_COMPLETE_AND_CONTINUE		0x00090314U
#define SEC_E_INSUFFICIENT_MEMORY		0x80090300U
#define SEC_E_INVALID_HANDLE			0x80100003U
#define SEC_E_UNSUPPORTED_FUNCTION		0x80090302U
#define SEC_E_INTERNAL_ERROR			0x80090304U
#define SEC_E_SECPKG_NOT_FOUND			0x80090305U
#define SEC_E_INVALID_TOKEN			0x80090308U
#define SEC_E_LOGON_DENIED			0x8009030CU
#define SEC_E_NO_CREDENTIALS			0x8009030EU
#define SEC_E_OUT_OF_SEQUENCE			0x80090310U
#define SEC_E_NO_AUTHENTICATING_AUTHORITY	0x80090311U
#define SEC_E_CONTEXT_EXPIRED			0x80090317U
#define SEC_E_INCOMPLETE_MESSAGE		0x80090318U
#define SEC_E_BUFFER_TOO_SMALL			0x80090321U
#define SEC_E_INVALID_PARAMETER			0x8009035DU

/* AcquireCredentialsHandle fCredentialUse */
#define SECPKG_CRED_INBOUND			0x00000001U
#define SECPKG_CRED_OUTBOUND			0x00000002U
#define SECPKG_CRED_BOTH			0x00000003U

/* AcceptSecurityContext TargetDataRep */
#define SECURITY_NATIVE_DREP			0x00000010U
#define SECURITY_NETWORK_DREP			0x00000000U

/* SecBuffer BufferType (libcredssp and the in-kernel API) */
#define SECBUFFER_EMPTY				0U
#define SECBUFFER_DATA				1U
#define SECBUFFER_TOKEN				2U
#define SECBUFFER_MISSING			4U
#define SECBUFFER_EXTRA				5U
#define SECBUFFER_ALERT				17U
#define SECBUFFER_VERSION			0U

/* QueryContextAttributes ulAttribute */
#define SECPKG_ATTR_SIZES			0U
#define SECPKG_ATTR_NAMES			1U
#define SECPKG_ATTR_LIFESPAN			2U
#define SECPKG_ATTR_STREAM_SIZES		4U
#define SECPKG_ATTR_PACKAGE_INFO		10U
#define SECPKG_ATTR_CREDS			0x80000080U
#define SECPKG_ATTR_NEGOTIATION_PACKAGE		0x80000081U
#define SECPKG_ATTR_CREDS_2			0x80000086U

/* SecPkgContext_NegotiationInfo NegotiationState */
#define SECPKG_NEGOTIATION_COMPLETE		0U

/* SecPkgInfo of the CredSSP package */
#define CREDSSP_PKG_CAPABILITIES		0x00110733U
#define CREDSSP_PKG_VERSION			1U
#define CREDSSP_PKG_RPCID			0xffffU	/* SECPKG_ID_NONE */
#define CREDSSP_PKG_COMMENT			"Microsoft CredSSP Security Provider"

/* AcceptSecurityContext fContextReq */
#define ASC_REQ_DELEGATE			0x00000001U
#define ASC_REQ_MUTUAL_AUTH			0x00000002U
#define ASC_REQ_REPLAY_DETECT			0x00000004U
#define ASC_REQ_SEQUENCE_DETECT			0x00000008U
#define ASC_REQ_CONFIDENTIALITY			0x00000010U
#define ASC_REQ_USE_SESSION_KEY			0x00000020U
#define ASC_REQ_SESSION_TICKET			0x00000040U
/* An acceptor cannot prompt: ISC_REQ_PROMPT_FOR_CREDS's bit, refused. */
#define ASC_REQ_PROMPT_FOR_CREDS		ASC_REQ_SESSION_TICKET
#define ASC_REQ_ALLOCATE_MEMORY			0x00000100U
#define ASC_REQ_USE_DCE_STYLE			0x00000200U
#define ASC_REQ_DATAGRAM			0x00000400U
#define ASC_REQ_CONNECTION			0x00000800U
#define ASC_REQ_CALL_LEVEL			0x00001000U
#define ASC_REQ_EXTENDED_ERROR			0x00008000U
#define ASC_REQ_STREAM				0x00010000U
#define ASC_REQ_INTEGRITY			0x00020000U
#define ASC_REQ_LICENSING			0x00040000U
#define ASC_REQ_IDENTIFY			0x00080000U
#define ASC_REQ_ALLOW_NULL_SESSION		0x00100000U
#define ASC_REQ_ALLOW_NON_USER_LOGONS		0x00200000U
#define ASC_REQ_ALLOW_CONTEXT_REPLAYS		0x00400000U
#define ASC_REQ_FRAGMENT_TO_FIT			0x00800000U
#define ASC_REQ_NO_TOKEN			0x01000000U
#define ASC_REQ_PROXY_BINDINGS			0x04000000U
#define ASC_REQ_ALLOW_MISSING_BINDINGS		0x10000000U

/*
 * The fContextReq flags CredSSP honours: a stream, confidential and
 * integrity-protected by TLS, mutually authenticated, with delegation.
 * ACCEPT refuses any other bit with SEC_E_UNSUPPORTED_FUNCTION.
 */
#define CREDSSP_ASC_REQ_SUPPORTED \
	(ASC_REQ_DELEGATE | ASC_REQ_MUTUAL_AUTH | ASC_REQ_REPLAY_DETECT | \
	 ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONFIDENTIALITY | \
	 ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONNECTION | \
	 ASC_REQ_EXTENDED_ERROR | ASC_REQ_STREAM | ASC_REQ_INTEGRITY | \
	 ASC_REQ_ALLOW_MISSING_BINDINGS)

/* AcceptSecurityContext pfContextAttr */
#define ASC_RET_DELEGATE			0x00000001U
#define ASC_RET_MUTUAL_AUTH			0x00000002U
#define ASC_RET_REPLAY_DETECT			0x00000004U
#define ASC_RET_SEQUENCE_DETECT			0x00000008U
#define ASC_RET_CONFIDENTIALITY			0x00000010U
#define ASC_RET_USE_SESSION_KEY			0x00000020U
#define ASC_RET_ALLOCATED_MEMORY		0x00000100U
#define ASC_RET_CONNECTION			0x00000800U
#define ASC_RET_CALL_LEVEL			0x00002000U
#define ASC_RET_THIRD_LEG_FAILED		0x00004000U
#define ASC_RET_EXTENDED_ERROR			0x00008000U
#define ASC_RET_STREAM				0x00010000U
#define ASC_RET_INTEGRITY			0x00020000U

#endif /* _UAPI_LINUX_CREDSSP_H */
