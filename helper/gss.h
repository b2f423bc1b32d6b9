/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The authentication layer of the CredSSP engine: MIT GSSAPI acceptor with
 * gss-ntlmssp, for raw NTLMSSP, raw Kerberos (krb5 OID or bare AP-REQ) and
 * SPNEGO around either; the mechanism glue picks the mechanism from the
 * token, and replies keep the client's framing.
 *
 * Wrap/unwrap use the Windows SSPI EncryptMessage layout that CredSSP puts on
 * the wire: NTLM signature||ciphertext; Kerberos RFC 4121 wrap token rotated
 * as Windows does (RRC = 16 + trailer, e.g. 28 for AES-SHA1), built with
 * gss_wrap_iov and sized from the context, never hard-coded.
 *
 * Statuses are SSPI values from <linux/credssp.h>.
 */
#ifndef CSSP_GSS_H
#define CSSP_GSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct cssp_gss_server; /* acceptor credential: keytab and NTLM user source */
struct cssp_gss;	/* one inner GSS context */

struct cssp_gss_config {
	const char *keytab;	    /* Kerberos acceptor keytab; NULL: no Kerberos */
	const char *ntlm_user_file; /* gss-ntlmssp user file; NULL: no NTLM */
};

/*
 * Acquire the acceptor credential. Returns 0, or -1 with a message in @err
 * (missing, unreadable, empty or malformed keytab or user file, no
 * mechanism available, gss-ntlmssp older than 1.2.0 with a user file).
 */
int cssp_gss_server_new(const struct cssp_gss_config *cfg, struct cssp_gss_server **out, char *err,
			size_t errlen);
void cssp_gss_server_free(struct cssp_gss_server *srv);

/*
 * Check the server's NTLM user file and keytab file again (missing,
 * unreadable, empty or malformed): 0, or -1 with why in @err. A file is
 * parsed again only when it changed (inode, size, mtime, ctime). Every
 * cssp_gss_accept() does this first and fails with
 * CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY: fail closed. Thread-safe.
 */
int cssp_gss_server_check(struct cssp_gss_server *srv, char *err, size_t errlen);

/*
 * The logons whose AUTHENTICATE message gss-ntlmssp read with only its
 * user's candidate lines of the NTLM user file (helper/ntlm_users.h; the
 * others read the whole file).
 */
unsigned long cssp_gss_server_indexed(struct cssp_gss_server *srv);

struct cssp_gss *cssp_gss_new(struct cssp_gss_server *srv);
void cssp_gss_free(struct cssp_gss *g);

enum cssp_gss_mech {
	CSSP_MECH_NONE = 0,
	CSSP_MECH_NTLM,
	CSSP_MECH_KERBEROS,
};

/*
 * One gss_accept_sec_context() step with the client's token. On success
 * (CREDSSP_SEC_STATUS_OK) *@out holds the token to send (possibly empty) and *@complete
 * tells whether the context is established. Errors: CREDSSP_SEC_STATUS_LOGON_DENIED
 * (wrong password, unknown user; *@ntstatus = the NTSTATUS for errorCode,
 * e.g. 0xC000006D STATUS_LOGON_FAILURE), CREDSSP_SEC_STATUS_INVALID_TOKEN (malformed
 * token), CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY (keytab or KDC trouble, no
 * usable mechanism), CREDSSP_SEC_STATUS_INTERNAL_ERROR. A context without
 * GSS_C_CONF_FLAG at completion is CREDSSP_SEC_STATUS_LOGON_DENIED.
 */
uint32_t cssp_gss_accept(struct cssp_gss *g, const uint8_t *token, size_t len, struct cssp_buf *out,
			 bool *complete, uint32_t *ntstatus);

/* After completion. */
enum cssp_gss_mech cssp_gss_mech(const struct cssp_gss *g);
/* The mechanism of the client's tokens so far, also before completion or after a failure. */
enum cssp_gss_mech cssp_gss_mech_seen(const struct cssp_gss *g);
bool cssp_gss_spnego(const struct cssp_gss *g);
#define CSSP_GSS_CLAIMED_MAX 256

/*
 * Whom the client claimed to be so far, for the log, also after a failure:
 * "DOMAIN\\user" or "user" from an NTLM AUTHENTICATE message (raw or in
 * SPNEGO), UTF-8 with control characters, '"' and '\\' as '?'; NULL if not
 * known (no AUTHENTICATE yet, Kerberos: the name is inside the ticket).
 * Not authenticated: never use it for a decision.
 */
const char *cssp_gss_claimed(const struct cssp_gss *g);
/* The authenticated principal: "DOMAIN\\user" (NTLM) or "user@REALM" (Kerberos). */
const char *cssp_gss_principal(const struct cssp_gss *g);
/* Seconds the context stays valid (Kerberos ticket end), or UINT32_MAX (NTLM: no end). */
uint32_t cssp_gss_lifetime(const struct cssp_gss *g);
/* GSS_C_* flags granted. */
uint32_t cssp_gss_flags(const struct cssp_gss *g);

/* Seal @len bytes in the Windows layout. CREDSSP_SEC_STATUS_OK or an SSPI error. */
uint32_t cssp_gss_wrap(struct cssp_gss *g, const uint8_t *in, size_t len, struct cssp_buf *out);
/* Unseal a Windows-layout blob; it must have been encrypted (conf_state). */
uint32_t cssp_gss_unwrap(struct cssp_gss *g, const uint8_t *in, size_t len, struct cssp_buf *out);

#endif /* CSSP_GSS_H */
