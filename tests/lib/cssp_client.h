/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An in-process CredSSP client for tests and benchmarks of the acceptor
 * engine (helper/engine.h), made of independent parts: an OpenSSL TLS
 * client on memory BIOs, an MIT GSSAPI initiator (gss-ntlmssp for NTLM,
 * krb5 with a TGT from the KDC of tests/lib/realm.h) and the DER codec for
 * the client's TSRequests. It follows the shapes real clients use
 * (FreeRDP: pubKeyAuth with the last token, nonce in every message;
 * rdesktop: raw krb5, version 2, pubKeyAuth in its own message) and can be
 * told to misbehave, one way at a time.
 *
 * The client is alice (CONTOSO\alice for NTLM, alice@KCREDSSP.TEST for
 * Kerberos) and delegates her password PASSWORD (realm.h).
 *
 * The server side (struct server) drives cssp_ctx_step() the way a caller
 * of AcceptSecurityContext does and checks the API contract on every call.
 */
#ifndef KCREDSSP_TEST_CSSP_CLIENT_H
#define KCREDSSP_TEST_CSSP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gssapi/gssapi.h>
#include <openssl/ssl.h>

#include "der.h"
#include "engine.h"
#include "tls_peer.h"

enum misbehaviour {
	NONE,
	WRONG_PUBKEY,	   /* pubKeyAuth over a wrong key / hash */
	ECHO_AT_V6,	   /* v6 but the v2-4 echo instead of the hash */
	NO_NONCE,	   /* v6 without clientNonce */
	CHANGE_VERSION,	   /* a different version in the second message */
	EARLY_AUTH_INFO,   /* authInfo with the first token */
	OTHER_USER,	   /* delegate bob's credentials as alice */
	EMPTY_CREDS,	   /* restricted admin: empty TSPasswordCreds */
	NUL_TERMINATED,	   /* rdesktop: UTF-16 strings with a trailing NUL */
	SMARTCARD,	   /* TSSmartCardCreds */
	REMOTE_GUARD,	   /* TSRemoteGuardCreds: Kerberos logon + NTLM supplemental */
	TRAILING_RECORD,   /* an application record right after authInfo */
	BYTE_BY_BYTE,	   /* every client flight fed one byte at a time */
	GARBAGE_PLAINTEXT, /* not a TSRequest after the handshake */

	/* Out of turn, malformed or unbound fields (security review) */
	PUBKEY_AGAIN,	       /* pubKeyAuth again (with authInfo) after the server's pubKeyAuth */
	AUTH_INFO_FOR_PUBKEY,  /* separate-pubKeyAuth shape: authInfo where pubKeyAuth is due */
	SHORT_NONCE,	       /* a 31-byte clientNonce */
	NONCE_FIRST_ONLY,      /* clientNonce in the first TSRequest only (still valid) */
	NONCE_CHANGED,	       /* the pubKeyAuth hash over one nonce, another nonce sent with it */
	CLIENT_ERROR_CODE,     /* an errorCode in the client's second TSRequest */
	TOKEN_AFTER_COMPLETE,  /* a negoToken again with authInfo */
	HASH_TRUNCATED,	       /* v5+: only the first 31 bytes of the hash */
	HASH_LAST_BYTE,	       /* v5+: the hash with its last byte flipped */
	HASH_S2C_MAGIC,	       /* v5+: the hash with the server-to-client magic */
	ECHO_PLUS_ONE,	       /* v2-4: the client sends key + 1 (the server's answer) */
	AUTH_INFO_INTEG_ONLY,  /* authInfo wrapped without confidentiality */
	PUBKEY_INTEG_ONLY,     /* pubKeyAuth wrapped without confidentiality */
	REPLAY_PUBKEY_AS_AUTH, /* authInfo = the client's own pubKeyAuth blob replayed */
	ODD_PASSWORD,	       /* a TSPasswordCreds password of an odd number of bytes */
	NO_NONCE_ZERO,	       /* no clientNonce, the hash over 32 zero bytes as the nonce */
	LONG_NONCE,	       /* a 33-byte clientNonce (the hash over its first 32 bytes) */
	JUNK_AFTER_TSREQUEST,  /* an empty SEQUENCE after the first TSRequest, same record */
	SKIP_PUBKEY,	       /* the last token without pubKeyAuth, then authInfo at once */
	RETRY_AFTER_DENIAL,    /* bob's credentials, refused; then alice's on the dead context */
	AUTH_INFO_WITH_PUBKEY, /* authInfo (wrapped after pubKeyAuth) with the last token */
	LYING_TOKEN_LENGTH,    /* the first negoToken's GSS framing claims 5 bytes more than sent */
};

/* What cssp_client_exchange() returns when the client, not the server, ends the exchange. */
#define CLIENT_TLS_FAILED      0xdead0001U /* the TLS handshake did not finish */
#define CLIENT_GSS_FAILED      0xdead0002U /* the GSSAPI initiator failed */
#define CLIENT_BAD_SERVER_AUTH 0xdead0003U /* the server's pubKeyAuth is wrong */
#define CLIENT_NO_ANSWER       0xdead0004U /* no TSRequest came back */
#define CLIENT_TOO_MANY_ROUNDS 0xdead0005U
#define CLIENT_BROKEN_CONTRACT 0xdead0006U /* cssp_ctx_step() broke engine.h (server.err) */

struct client_opts {
	gss_OID mech;	     /* NTLM, krb5 or SPNEGO */
	gss_OID inner;	     /* under SPNEGO, the only mechanism offered; NULL otherwise */
	uint32_t version;    /* the TSRequest version the client speaks */
	const char *nt_hash; /* NTLM: alice's NT hash; NULL: Kerberos with the TGT in @ccache */
	const char *ccache;  /* Kerberos: "FILE:..." holding alice's TGT */
	const char *target;  /* the server's host-based service name, "TERMSRV@host" */
	SSL_CTX *ssl_ctx;    /* TLS client settings (a reference is taken); NULL: defaults */
	const char *user;    /* NTLM: "DOMAIN\\user" to log on as; NULL: CONTOSO\\alice */
};

struct client {
	SSL_CTX *ssl_ctx;
	struct tls_peer tls; /* the TLS client */
	gss_cred_id_t cred;
	gss_ctx_id_t gctx;
	gss_name_t target;
	gss_OID mech;
	uint32_t version;
	uint8_t nonce[32];
	uint8_t pk[1024];
	size_t pk_len;
	uint8_t peer_sha256[32]; /* the server certificate's SHA-256, once TLS is up */
	enum misbehaviour bad;
	const char *nt_hash; /* NTLM; NULL for Kerberos */
	/* what the server answered */
	struct cssp_tsrequest last;
	uint32_t server_version; /* of every TSRequest the server sent, or 0; UINT32_MAX: varied */
	bool got_error_code;
	uint32_t error_code;
	size_t trailing_len; /* input after the server's CREDSSP_SEC_STATUS_OK (SECBUFFER_EXTRA and
				unread) */
	/* TSPasswordCreds to delegate instead of alice's, if set (ASCII) */
	const char *deleg_domain, *deleg_user;
	struct cssp_buf first_pub_key_auth; /* the client's pubKeyAuth blob, for replays */
	unsigned int server_nonces;	    /* server TSRequests that carried a clientNonce */
	unsigned int server_pub_key_auths;  /* server TSRequests that carried pubKeyAuth */
	unsigned int server_msgs;	    /* server TSRequests received */
};

#define SERVER_STEPS_MAX 16

struct server {
	struct cssp_cred *cred;	 /* not owned unless own_cred */
	bool own_cred;		 /* cssp_server_free() frees cred */
	struct cssp_ctx *ctx;	 /* the context under test */
	struct cssp_buf pending; /* input not consumed yet */
	uint32_t status;	 /* the last status, CREDSSP_SEC_STATUS_CONTINUE_NEEDED at first */
	bool broken;		 /* the engine broke its API contract, see err */
	char err[256];
	bool timed;	 /* add the thread CPU time of every engine call to cpu_ns */
	uint64_t cpu_ns; /* cssp_ctx_new(), every cssp_ctx_step(), cssp_ctx_free() */
	uint64_t step_ns[SERVER_STEPS_MAX]; /* each of the first cssp_ctx_step() calls */
	unsigned int steps;		    /* cssp_ctx_step() calls */
};

/* 0, or -1 (the client is then freed, or safe to free, with cssp_client_free()). */
int cssp_client_init(struct client *c, const struct client_opts *o);
void cssp_client_free(struct client *c);

/* A new context of @cred (kept by the caller): 0, or -1 (out of memory). */
int cssp_server_init(struct server *s, struct cssp_cred *cred, const struct cssp_ctx_options *opts,
		     bool timed);
/* Free the context, the pending input and, with own_cred, the credential. */
void cssp_server_free(struct server *s);

/*
 * Run the whole exchange; returns the server's final status, or one of the
 * CLIENT_* codes. The server's context and result stay in @s.
 */
uint32_t cssp_client_exchange(struct client *c, struct server *s);

/* @s (ASCII) as UTF-16LE, with a trailing NUL if @nul; malloc()ed, *@len bytes. */
uint8_t *cssp_client_utf16(const char *s, size_t *len, bool nul);

#endif /* KCREDSSP_TEST_CSSP_CLIENT_H */
