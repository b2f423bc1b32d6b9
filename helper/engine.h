/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CredSSP acceptor engine: AcceptSecurityContext (CredSSP) as a
 * token-in/token-out state machine with no I/O of its own. Input tokens are
 * the bytes the client sent (TLS records: the handshake, then TSRequests
 * protected by TLS); output tokens are the bytes to send back.
 *
 * One server credential (struct cssp_cred) serves many contexts; each
 * context (struct cssp_ctx) is one authentication and is used by one thread
 * at a time. Statuses are the SSPI values of <linux/credssp.h>.
 */
#ifndef CSSP_ENGINE_H
#define CSSP_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "der.h"
#include "tls.h"

#define CSSP_VERSION_MAX 6 /* the TSRequest version this engine speaks */
#define CSSP_VERSION_MIN 2

struct cssp_cred_config {
	struct cssp_tls_config tls;
	const char *keytab;	    /* Kerberos acceptor keytab (TERMSRV/<host>), or NULL */
	const char *ntlm_user_file; /* gss-ntlmssp user file, or NULL */
	uint32_t min_version;	    /* lowest client TSRequest version accepted; 0 means 5 */
	/* By default the delegated user must be the authenticated principal. */
	bool allow_other_delegated_user;
	/*
	 * Delegated credentials that name nobody the engine can check against
	 * the authenticated principal (CSSP_DELEG_UNBOUND) are dropped by
	 * default: the logon succeeds and nothing is delegated. Set to keep them.
	 */
	bool keep_unbound_delegated;
};

/*
 * Whether the delegated credentials name the authenticated principal, as a
 * single sign-on consumer must know before it uses them (issue 16):
 */
enum cssp_deleg_binding {
	CSSP_DELEG_NONE = 0,   /* nothing delegated: restricted admin */
	CSSP_DELEG_BOUND,      /* a password for, or a smart card whose userHint (and
				  domainHint) names, the authenticated principal */
	CSSP_DELEG_UNBOUND,    /* names nobody: a smart card without userHint, Remote
				  Credential Guard (its Kerberos buffers are not opened) */
	CSSP_DELEG_OTHER_USER, /* names someone else: only with allow_other_delegated_user */
};

struct cssp_cred;
struct cssp_ctx;

/*
 * Process-wide, once, before the first context: keep up to 1 MiB of freed
 * heap instead of giving it back to the kernel. gss-ntlmssp opens its iconv
 * converters with every NTLM context and closes them with it; with glibc's
 * default trim threshold (128 KiB) the heap top went back to the kernel
 * after every accept and the next accept faulted it in again: 3 page faults
 * and 3 brk() calls per accept, 4-6% of an accept's CPU time (bench/README,
 * "bench_engine"). credsspd calls it. Returns 0, or -1 if mallopt() refused.
 */
int cssp_engine_tune_malloc(void);

/* Returns CREDSSP_SEC_STATUS_OK, or CREDSSP_SEC_STATUS_NO_CREDENTIALS with a message in @err. */
uint32_t cssp_cred_new(const struct cssp_cred_config *cfg, struct cssp_cred **out, char *err,
		       size_t errlen);
void cssp_cred_free(struct cssp_cred *cred);

/*
 * Check the credential's NTLM user file and keytab file again: 0, or -1
 * with why in @err (missing, unreadable, empty, malformed). While it fails,
 * every logon fails with CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY
 * (checked before every mechanism token): credsspd calls this to say why.
 * Cheap when nothing changed (a stat() per file). Thread-safe.
 */
int cssp_cred_check(struct cssp_cred *cred, char *err, size_t errlen);

/* Per-context options, from the caller of AcceptSecurityContext. */
struct cssp_ctx_options {
	uint32_t req_flags;    /* ASC_REQ_* */
	bool restricted_admin; /* the RDP layer negotiated restricted admin mode */
};

/* Returns NULL on allocation failure. The context holds a reference to nothing: keep @cred alive.
 */
struct cssp_ctx *cssp_ctx_new(struct cssp_cred *cred, const struct cssp_ctx_options *opts);
/* Free a context, wiping every secret it holds. NULL is allowed. */
void cssp_ctx_free(struct cssp_ctx *ctx);

struct cssp_step {
	struct cssp_buf output; /* bytes to send, possibly empty, also with some errors */
	size_t consumed;	/* input bytes consumed */
	size_t extra;		/* input bytes after the last consumed record (SECBUFFER_EXTRA) */
	uint32_t attrs;		/* ASC_RET_* on success */
	uint64_t expiry; /* on CREDSSP_SEC_STATUS_OK: Unix time the context expires; UINT64_MAX:
			    never */
};

/*
 * One AcceptSecurityContext call. Returns:
 *   CREDSSP_SEC_STATUS_CONTINUE_NEEDED     send step->output (may be empty), call again
 *   CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE  the input ends inside a TLS record; nothing was
 *                             consumed; call again with the same bytes + more
 *   CREDSSP_SEC_STATUS_OK                  authenticated: the result is ready; step->extra
 *                             bytes at the end of the input were not consumed
 *   an error                  the context is dead; step->output may hold an
 *                             errorCode TSRequest or a TLS alert to send
 * The caller frees step->output with cssp_buf_free().
 */
uint32_t cssp_ctx_step(struct cssp_ctx *ctx, const uint8_t *in, size_t len, struct cssp_step *step);

enum cssp_package {
	CSSP_PACKAGE_NONE = 0,
	CSSP_PACKAGE_NTLM,
	CSSP_PACKAGE_KERBEROS,
};

/* What a context established; valid after CREDSSP_SEC_STATUS_OK until cssp_ctx_free(). */
struct cssp_result {
	enum cssp_package package;
	bool spnego; /* the client wrapped the mechanism in SPNEGO */
	char principal[512];
	uint32_t peer_version; /* the client's TSRequest version */
	uint32_t version;      /* negotiated: min(peer, CSSP_VERSION_MAX) */
	uint16_t tls_version;  /* 0x0303 or 0x0304 */
	char tls_cipher[64];   /* IANA name */
	struct cssp_credentials creds;
	bool creds_empty; /* nothing delegated: restricted admin, or creds_dropped */
	enum cssp_deleg_binding binding;
	/* unbound credentials dropped (not keep_unbound_delegated): creds and payload empty */
	bool creds_dropped;
	enum cssp_cred_type dropped_type; /* what was dropped, for the log */
	struct cssp_buf payload;	  /* creds as the kernel's versioned binary payload */
	uint64_t expiry;
	struct cssp_tls_keys keys; /* for kTLS: wipe once installed */
};

const struct cssp_result *cssp_ctx_result(const struct cssp_ctx *ctx);
/*
 * The inner package the client chose so far (CSSP_PACKAGE_NONE before the
 * first SPNEGO/NTLM/Kerberos token), also after a failure: for statistics.
 */
enum cssp_package cssp_ctx_package(const struct cssp_ctx *ctx);
/*
 * Whom the client claimed to be, also after a failure, for the log only
 * (never authenticated): "DOMAIN\\user" from an NTLM AUTHENTICATE message,
 * or NULL (not known yet; Kerberos). See cssp_gss_claimed().
 */
const char *cssp_ctx_claimed_principal(const struct cssp_ctx *ctx);
/* The SSPI name of a status, e.g. "SEC_E_LOGON_DENIED". */
const char *cssp_status_name(uint32_t status);

#endif /* CSSP_ENGINE_H */
