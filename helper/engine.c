// SPDX-License-Identifier: GPL-2.0
/*
 * The CredSSP acceptor state machine ([MS-CSSP] 3.1.5, server side):
 *
 *   TLS      records in, handshake flights out, until the handshake is done
 *   NEGO     TSRequest.negoTokens through GSSAPI until the mechanism completes;
 *            a pubKeyAuth arriving with the last token is checked at once
 *   PUBKEY   the mechanism is complete and its last token was sent; waiting
 *            for the client's pubKeyAuth in a TSRequest of its own
 *   AUTHINFO waiting for authInfo; CREDSSP_SEC_STATUS_OK once TSCredentials is parsed
 *
 * The client's first TSRequest fixes its version; a later change, a version
 * below the credential's minimum (checked before any mechanism runs) or a
 * failed binding ends the context. The server always announces its own
 * version (6) and never sends a clientNonce.
 *
 * Input is consumed one TLS record at a time and never past the record that
 * completed a TSRequest, so what follows the final message (the client's
 * first RDP PDU) is reported as extra, untouched, for kTLS.
 */
#include <endian.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include <linux/credssp.h>
#include <linux/credssp_types.h>

#include "binding.h"
#include "engine.h"
#include "gss.h"
#include "utf16.h"

#define CSSP_NONCE_LEN 32

#define NTSTATUS_LOGON_FAILURE 0xC000006DU

struct cssp_cred {
	struct cssp_tls_server *tls;
	struct cssp_gss_server *gss;
	uint32_t min_version;
	bool allow_other_delegated_user;
	bool keep_unbound_delegated;
};

enum cssp_state {
	CSSP_ST_TLS,
	CSSP_ST_NEGO,
	CSSP_ST_PUBKEY,
	CSSP_ST_AUTHINFO,
	CSSP_ST_DONE,
	CSSP_ST_FAILED,
};

struct cssp_ctx {
	struct cssp_cred *cred;
	struct cssp_ctx_options opts;
	enum cssp_state state;
	struct cssp_tls *tls;
	struct cssp_gss *gss;
	uint32_t peer_version; /* 0 until the first TSRequest */
	uint32_t version;      /* min(peer_version, CSSP_VERSION_MAX) */
	bool have_nonce;
	uint8_t nonce[CSSP_NONCE_LEN];
	struct cssp_result result;
};

const char *cssp_status_name(uint32_t status)
{
	switch (status) {
	case CREDSSP_SEC_STATUS_OK: return "SEC_E_OK";
	case CREDSSP_SEC_STATUS_CONTINUE_NEEDED: return "SEC_I_CONTINUE_NEEDED";
	case CREDSSP_SEC_STATUS_COMPLETE_NEEDED: return "SEC_I_COMPLETE_NEEDED";
	case CREDSSP_SEC_STATUS_COMPLETE_AND_CONTINUE: return "SEC_I_COMPLETE_AND_CONTINUE";
	case CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY: return "SEC_E_INSUFFICIENT_MEMORY";
	case CREDSSP_SEC_STATUS_INVALID_HANDLE: return "SEC_E_INVALID_HANDLE";
	case CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION: return "SEC_E_UNSUPPORTED_FUNCTION";
	case CREDSSP_SEC_STATUS_INTERNAL_ERROR: return "SEC_E_INTERNAL_ERROR";
	case CREDSSP_SEC_STATUS_INVALID_TOKEN: return "SEC_E_INVALID_TOKEN";
	case CREDSSP_SEC_STATUS_LOGON_DENIED: return "SEC_E_LOGON_DENIED";
	case CREDSSP_SEC_STATUS_NO_CREDENTIALS: return "SEC_E_NO_CREDENTIALS";
	case CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY:
		return "SEC_E_NO_AUTHENTICATING_AUTHORITY";
	case CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE: return "SEC_E_INCOMPLETE_MESSAGE";
	case CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL: return "SEC_E_BUFFER_TOO_SMALL";
	case CREDSSP_SEC_STATUS_SECPKG_NOT_FOUND: return "SEC_E_SECPKG_NOT_FOUND";
	case CREDSSP_SEC_STATUS_OUT_OF_SEQUENCE: return "SEC_E_OUT_OF_SEQUENCE";
	case CREDSSP_SEC_STATUS_CONTEXT_EXPIRED: return "SEC_E_CONTEXT_EXPIRED";
	case CREDSSP_SEC_STATUS_INVALID_PARAMETER: return "SEC_E_INVALID_PARAMETER";
	default: return "SEC_E_UNKNOWN";
	}
}

uint32_t cssp_cred_new(const struct cssp_cred_config *cfg, struct cssp_cred **out, char *err,
		       size_t errlen)
{
	struct cssp_gss_config gcfg = {
		.keytab = cfg->keytab,
		.ntlm_user_file = cfg->ntlm_user_file,
	};
	struct cssp_cred *cred;
	uint32_t min = cfg->min_version ? cfg->min_version : 5;

	*out = NULL;
	if (min < CSSP_VERSION_MIN || min > CSSP_VERSION_MAX) {
		snprintf(err, errlen, "minimum CredSSP version %u is not in %d..%d", min,
			 CSSP_VERSION_MIN, CSSP_VERSION_MAX);
		return CREDSSP_SEC_STATUS_NO_CREDENTIALS;
	}
	cred = calloc(1, sizeof(*cred));
	if (!cred) {
		snprintf(err, errlen, "out of memory");
		return CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
	}
	cred->min_version = min;
	cred->allow_other_delegated_user = cfg->allow_other_delegated_user;
	cred->keep_unbound_delegated = cfg->keep_unbound_delegated;
	if (cssp_tls_server_new(&cfg->tls, &cred->tls, err, errlen) ||
	    cssp_gss_server_new(&gcfg, &cred->gss, err, errlen)) {
		cssp_cred_free(cred);
		return CREDSSP_SEC_STATUS_NO_CREDENTIALS;
	}
	*out = cred;
	return CREDSSP_SEC_STATUS_OK;
}

void cssp_cred_free(struct cssp_cred *cred)
{
	if (!cred)
		return;
	cssp_tls_server_free(cred->tls);
	cssp_gss_server_free(cred->gss);
	free(cred);
}

int cssp_cred_check(struct cssp_cred *cred, char *err, size_t errlen)
{
	return cssp_gss_server_check(cred ? cred->gss : NULL, err, errlen);
}

struct cssp_ctx *cssp_ctx_new(struct cssp_cred *cred, const struct cssp_ctx_options *opts)
{
	struct cssp_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->cred = cred;
	if (opts)
		ctx->opts = *opts;
	ctx->tls = cssp_tls_new(cred->tls);
	ctx->gss = cssp_gss_new(cred->gss);
	if (!ctx->tls || !ctx->gss) {
		cssp_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

void cssp_ctx_free(struct cssp_ctx *ctx)
{
	if (!ctx)
		return;
	cssp_tls_free(ctx->tls);
	cssp_gss_free(ctx->gss);
	cssp_credentials_clear(&ctx->result.creds);
	cssp_buf_free(&ctx->result.payload);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	free(ctx);
}

const struct cssp_result *cssp_ctx_result(const struct cssp_ctx *ctx)
{
	return ctx->state == CSSP_ST_DONE ? &ctx->result : NULL;
}

enum cssp_package cssp_ctx_package(const struct cssp_ctx *ctx)
{
	switch (cssp_gss_mech_seen(ctx->gss)) {
	case CSSP_MECH_NTLM: return CSSP_PACKAGE_NTLM;
	case CSSP_MECH_KERBEROS: return CSSP_PACKAGE_KERBEROS;
	default: return CSSP_PACKAGE_NONE;
	}
}

const char *cssp_ctx_claimed_principal(const struct cssp_ctx *ctx)
{
	return cssp_gss_claimed(ctx->gss);
}

/* Encrypt a TSRequest of ours into the output token. */
static uint32_t send_tsrequest(struct cssp_ctx *ctx, const struct cssp_tsrequest *req,
			       struct cssp_buf *output)
{
	struct cssp_buf der = {0};
	uint32_t status = CREDSSP_SEC_STATUS_OK;

	if (cssp_tsrequest_encode(req, &der))
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	if (cssp_tls_write(ctx->tls, der.data, der.len) != CSSP_TLS_OK ||
	    cssp_tls_take_output(ctx->tls, output))
		status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	cssp_buf_free(&der);
	return status;
}

/*
 * errorCode exists in versions 3, 4 and 6 only ([MS-CSSP] 2.2.1): tell the
 * client why, so that it can say "wrong password" rather than "closed".
 */
static void send_error_code(struct cssp_ctx *ctx, uint32_t ntstatus, struct cssp_buf *output)
{
	struct cssp_tsrequest req = {
		.version = CSSP_VERSION_MAX,
		.has_error_code = true,
		.error_code = ntstatus,
	};

	if (ctx->version == 3 || ctx->version == 4 || ctx->version == 6)
		send_tsrequest(ctx, &req, output);
}

/*
 * Check the client's pubKeyAuth and make ours ([MS-CSSP] 3.1.5): versions
 * 5 and 6 bind with SHA-256 over a direction magic, the client's nonce and
 * the server's public key; versions 2 to 4 echo the public key, the server
 * adding 1 to its first byte. The scheme follows the negotiated version, and
 * a failed hash never falls back to the echo.
 */
static uint32_t check_pub_key_auth(struct cssp_ctx *ctx, const struct cssp_tsrequest *req,
				   struct cssp_buf *reply)
{
	const struct cssp_buf *pk = cssp_tls_server_public_key(ctx->cred->tls);
	uint8_t want[CSSP_BINDING_HASH_LEN];
	struct cssp_buf plain = {0};
	uint32_t status;

	status = cssp_gss_unwrap(ctx->gss, req->pub_key_auth.data, req->pub_key_auth.len, &plain);
	if (status != CREDSSP_SEC_STATUS_OK)
		return status;

	status = CREDSSP_SEC_STATUS_LOGON_DENIED;
	if (ctx->version >= 5) {
		if (!ctx->have_nonce || cssp_binding_hash(CSSP_CLIENT_TO_SERVER, ctx->nonce,
							  CSSP_NONCE_LEN, pk->data, pk->len, want))
			goto out;
		if (plain.len != CSSP_BINDING_HASH_LEN ||
		    CRYPTO_memcmp(plain.data, want, CSSP_BINDING_HASH_LEN))
			goto out;
		if (cssp_binding_hash(CSSP_SERVER_TO_CLIENT, ctx->nonce, CSSP_NONCE_LEN, pk->data,
				      pk->len, want)) {
			status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
			goto out;
		}
		status = cssp_gss_wrap(ctx->gss, want, sizeof(want), reply);
	} else {
		if (plain.len != pk->len || pk->len == 0 ||
		    CRYPTO_memcmp(plain.data, pk->data, pk->len))
			goto out;
		/* plain now equals the key: answer with the key + 1 */
		cssp_binding_echo_increment(plain.data, plain.len);
		status = cssp_gss_wrap(ctx->gss, plain.data, plain.len, reply);
	}
out:
	OPENSSL_cleanse(want, sizeof(want));
	cssp_buf_free(&plain);
	return status;
}

/* Case-insensitive ASCII comparison of @a with @len bytes of @b. */
static bool name_eq(const char *a, const char *b, size_t len)
{
	return strlen(a) == len && strncasecmp(a, b, len) == 0;
}

/*
 * Policy: the delegated user must be the one who authenticated. The GSS
 * principal is "DOMAIN\user" or "user" (NTLM) or "user@REALM" (Kerberos);
 * the credentials give a user (possibly a UPN "user@domain") and a domain
 * (possibly empty, a NetBIOS name or a DNS name). Users must be equal; a
 * non-empty domain must equal the principal's domain, or for Kerberos the
 * realm or its first label (CONTOSO for CONTOSO.TEST).
 */
static bool delegated_user_matches(const char *principal, const char *domain, const char *user,
				   bool kerberos)
{
	const char *p_user = principal, *p_dom = "";
	size_t p_user_len, p_dom_len;
	const char *at, *bs = strchr(principal, '\\');
	char u[512];

	if (kerberos) {
		at = strrchr(principal, '@');
		if (!at)
			return false;
		p_user_len = at - principal;
		p_dom = at + 1;
	} else if (bs) {
		p_dom = principal;
		p_user = bs + 1;
		p_user_len = strlen(p_user);
	} else {
		p_user_len = strlen(principal);
	}
	p_dom_len = kerberos ? strlen(p_dom) : (bs ? (size_t)(bs - principal) : 0);

	/* A UPN in the user field carries its own domain. */
	snprintf(u, sizeof(u), "%s", user);
	at = strchr(u, '@');
	if (at && !*domain) {
		domain = at + 1;
		u[at - u] = '\0';
	}
	if (!name_eq(u, p_user, p_user_len))
		return false;
	if (!*domain)
		return true;
	if (name_eq(domain, p_dom, p_dom_len))
		return true;
	if (kerberos) {
		const char *dot = memchr(p_dom, '.', p_dom_len);

		return dot && name_eq(domain, p_dom, dot - p_dom);
	}
	/*
	 * NTLM without a domain in the principal: the client sent none, and
	 * gss-ntlmssp matched a user-file line of whatever domain. Which one
	 * is not known here, so no delegated domain can be checked: refuse.
	 */
	return false;
}

static int put_field(struct cssp_buf *out, uint16_t *n, uint16_t id, uint16_t index,
		     const void *data, size_t len)
{
	/* The payload is little-endian (__le16/__le32 in the uapi). */
	struct credssp_creds_field f = {
		.id = htole16(id), .index = htole16(index), .len = htole32((uint32_t)len)};

	if (len > CREDSSP_CREDS_MAX || cssp_buf_append(out, &f, sizeof(f)) ||
	    cssp_buf_append(out, data, len))
		return -1;
	(*n)++;
	return out->len > CREDSSP_CREDS_MAX ? -1 : 0;
}

static int put_opt(struct cssp_buf *out, uint16_t *n, uint16_t id, bool has,
		   const struct cssp_buf *b)
{
	return has ? put_field(out, n, id, 0, b->data, b->len) : 0;
}

static int put_guard(struct cssp_buf *out, uint16_t *n, uint16_t index,
		     const struct cssp_guard_package *pkg)
{
	return put_field(out, n, CREDSSP_CRED_FIELD_PACKAGE_NAME, index, pkg->package_name.data,
			 pkg->package_name.len) ||
	       put_field(out, n, CREDSSP_CRED_FIELD_CRED_BUFFER, index, pkg->cred_buffer.data,
			 pkg->cred_buffer.len);
}

/* The versioned binary payload of <linux/credssp.h> for the kernel keyring. */
static int build_payload(const struct cssp_credentials *c, struct cssp_buf *out)
{
	struct credssp_creds_hdr hdr = {.version = CREDSSP_CREDS_VERSION, .type = c->type};
	uint16_t n = 0;
	int err = 0;

	if (cssp_buf_append(out, &hdr, sizeof(hdr)))
		return -1;
	switch (c->type) {
	case CSSP_CRED_PASSWORD: {
		const struct cssp_password_creds *p = &c->password;

		err = put_field(out, &n, CREDSSP_CRED_FIELD_DOMAIN, 0, p->domain.data,
				p->domain.len) ||
		      put_field(out, &n, CREDSSP_CRED_FIELD_USER, 0, p->user.data, p->user.len) ||
		      put_field(out, &n, CREDSSP_CRED_FIELD_PASSWORD, 0, p->password.data,
				p->password.len);
		break;
	}
	case CSSP_CRED_SMARTCARD: {
		const struct cssp_smartcard_creds *s = &c->smartcard;
		uint8_t ks[4] = {(uint8_t)s->key_spec, (uint8_t)(s->key_spec >> 8),
				 (uint8_t)(s->key_spec >> 16), (uint8_t)(s->key_spec >> 24)};

		err = put_field(out, &n, CREDSSP_CRED_FIELD_PIN, 0, s->pin.data, s->pin.len) ||
		      put_field(out, &n, CREDSSP_CRED_FIELD_KEY_SPEC, 0, ks, sizeof(ks)) ||
		      put_opt(out, &n, CREDSSP_CRED_FIELD_CARD_NAME, s->has_card_name,
			      &s->card_name) ||
		      put_opt(out, &n, CREDSSP_CRED_FIELD_READER_NAME, s->has_reader_name,
			      &s->reader_name) ||
		      put_opt(out, &n, CREDSSP_CRED_FIELD_CONTAINER_NAME, s->has_container_name,
			      &s->container_name) ||
		      put_opt(out, &n, CREDSSP_CRED_FIELD_CSP_NAME, s->has_csp_name,
			      &s->csp_name) ||
		      put_opt(out, &n, CREDSSP_CRED_FIELD_USER_HINT, s->has_user_hint,
			      &s->user_hint) ||
		      put_opt(out, &n, CREDSSP_CRED_FIELD_DOMAIN_HINT, s->has_domain_hint,
			      &s->domain_hint);
		break;
	}
	case CSSP_CRED_REMOTE_GUARD: {
		const struct cssp_remote_guard_creds *g = &c->remote_guard;

		err = put_guard(out, &n, 0, &g->logon);
		for (size_t i = 0; !err && i < g->n_supplemental; i++)
			err = put_guard(out, &n, (uint16_t)(i + 1), &g->supplemental[i]);
		break;
	}
	default: err = -1;
	}
	if (err)
		return -1;
	hdr.n_fields = htole16(n);
	memcpy(out->data, &hdr, sizeof(hdr));
	return 0;
}

/* Strip the trailing NULs some clients (rdesktop) send, in place. */
static void trim_nul(struct cssp_buf *b)
{
	size_t len = cssp_utf16le_trim_nul(b->data, b->len);

	if (len < b->len)
		OPENSSL_cleanse(b->data + len, b->len - len);
	b->len = len;
	if (len == 0)
		cssp_buf_free(b);
}

/*
 * Bind a delegated name (UTF-16LE, trailing NULs allowed) to the principal:
 * CSSP_DELEG_BOUND or CSSP_DELEG_OTHER_USER, or -1 if it is malformed.
 */
static int bind_name(const struct cssp_result *r, const struct cssp_buf *domain,
		     const struct cssp_buf *user)
{
	char d[256] = "", u[256];
	size_t dlen = domain ? cssp_utf16le_trim_nul(domain->data, domain->len) : 0;
	size_t ulen = cssp_utf16le_trim_nul(user->data, user->len);

	if (user->len % 2 || (domain && domain->len % 2) ||
	    cssp_utf16le_to_utf8(user->data, ulen, u, sizeof(u)) < 0 ||
	    (domain && cssp_utf16le_to_utf8(domain->data, dlen, d, sizeof(d)) < 0))
		return -1;
	return delegated_user_matches(r->principal, d, u, r->package == CSSP_PACKAGE_KERBEROS)
		       ? CSSP_DELEG_BOUND
		       : CSSP_DELEG_OTHER_USER;
}

/*
 * Classify what was delegated (enum cssp_deleg_binding): whose credentials
 * are they? The answer, or -1 for malformed credentials.
 */
static int classify_credentials(struct cssp_ctx *ctx)
{
	struct cssp_result *r = &ctx->result;

	switch (r->creds.type) {
	case CSSP_CRED_PASSWORD: {
		struct cssp_password_creds *p = &r->creds.password;

		/* UTF-16LE: whole code units, or the string is malformed (not cut short) */
		if (p->domain.len % 2 || p->user.len % 2 || p->password.len % 2)
			return -1;
		trim_nul(&p->domain);
		trim_nul(&p->user);
		trim_nul(&p->password);
		if (!p->domain.len && !p->user.len && !p->password.len) {
			/* Restricted admin: the session uses the GSS identity. */
			r->creds_empty = true;
			return CSSP_DELEG_NONE;
		}
		return bind_name(r, &p->domain, &p->user);
	}
	case CSSP_CRED_SMARTCARD: {
		struct cssp_smartcard_creds *sc = &r->creds.smartcard;

		if (!sc->has_user_hint)
			return CSSP_DELEG_UNBOUND; /* a PIN for whatever card: nobody's */
		return bind_name(r, sc->has_domain_hint ? &sc->domain_hint : NULL, &sc->user_hint);
	}
	/* Kerberos buffers for the target to use as the user: not opened here. */
	case CSSP_CRED_REMOTE_GUARD: return CSSP_DELEG_UNBOUND;
	default: return -1;
	}
}

/*
 * Policy, from the classification: other users' credentials are refused
 * (unless allow_other_delegated_user), unbound ones dropped (unless
 * keep_unbound_delegated), empty ones need restricted admin, Remote
 * Credential Guard needs Kerberos.
 */
static uint32_t accept_credentials(struct cssp_ctx *ctx, const struct cssp_tsrequest *req,
				   struct cssp_buf *output)
{
	struct cssp_result *r = &ctx->result;
	struct cssp_buf plain = {0};
	uint32_t status;
	int binding;

	status = cssp_gss_unwrap(ctx->gss, req->auth_info.data, req->auth_info.len, &plain);
	if (status != CREDSSP_SEC_STATUS_OK)
		return status;
	if (cssp_credentials_decode(plain.data, plain.len, &r->creds)) {
		cssp_buf_free(&plain);
		return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	}
	cssp_buf_free(&plain);

	binding = classify_credentials(ctx);
	if (binding < 0)
		return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	r->binding = (enum cssp_deleg_binding)binding;
	if (r->binding == CSSP_DELEG_NONE && !ctx->opts.restricted_admin)
		goto denied;
	if (r->binding == CSSP_DELEG_OTHER_USER && !ctx->cred->allow_other_delegated_user)
		goto denied;
	/* Remote Credential Guard redirects Kerberos: it has no meaning after NTLM. */
	if (r->creds.type == CSSP_CRED_REMOTE_GUARD && r->package != CSSP_PACKAGE_KERBEROS)
		goto denied;
	if (r->binding == CSSP_DELEG_UNBOUND && !ctx->cred->keep_unbound_delegated) {
		r->dropped_type = r->creds.type;
		cssp_credentials_clear(&r->creds); /* wipes them */
		r->creds_dropped = true;
		r->creds_empty = true;
	}
	if (!r->creds_empty && build_payload(&r->creds, &r->payload))
		return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	if (cssp_tls_export_keys(ctx->tls, &r->keys))
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	r->tls_version = cssp_tls_version(ctx->tls);
	snprintf(r->tls_cipher, sizeof(r->tls_cipher), "%s", cssp_tls_cipher_name(ctx->tls));
	return CREDSSP_SEC_STATUS_OK;

denied:
	send_error_code(ctx, NTSTATUS_LOGON_FAILURE, output);
	return CREDSSP_SEC_STATUS_LOGON_DENIED;
}

/*
 * The mechanism completed: record who authenticated. A principal that does
 * not fit the result is refused, never truncated: with a user-file line
 * without a domain the client picks the domain, and a cut "DOMAIN\alicex"
 * would name another user.
 */
static uint32_t gss_completed(struct cssp_ctx *ctx)
{
	struct cssp_result *r = &ctx->result;
	const char *principal = cssp_gss_principal(ctx->gss);
	uint32_t lifetime = cssp_gss_lifetime(ctx->gss);

	if (!principal || strlen(principal) >= sizeof(r->principal))
		return CREDSSP_SEC_STATUS_LOGON_DENIED;
	r->package = cssp_gss_mech(ctx->gss) == CSSP_MECH_KERBEROS ? CSSP_PACKAGE_KERBEROS
								   : CSSP_PACKAGE_NTLM;
	r->spnego = cssp_gss_spnego(ctx->gss);
	memcpy(r->principal, principal, strlen(principal) + 1);
	r->expiry = lifetime == UINT32_MAX ? UINT64_MAX : (uint64_t)time(NULL) + lifetime;
	return CREDSSP_SEC_STATUS_OK;
}

static uint32_t handle_tsrequest(struct cssp_ctx *ctx, const struct cssp_tsrequest *req,
				 struct cssp_buf *output)
{
	struct cssp_tsrequest reply = {.version = CSSP_VERSION_MAX};
	struct cssp_buf token = {0};
	uint32_t status, ntstatus = NTSTATUS_LOGON_FAILURE;
	bool complete = false;

	if (!ctx->peer_version) {
		if (req->version < CSSP_VERSION_MIN)
			return CREDSSP_SEC_STATUS_INVALID_TOKEN;
		ctx->peer_version = req->version;
		ctx->version = req->version < CSSP_VERSION_MAX ? req->version : CSSP_VERSION_MAX;
		ctx->result.peer_version = ctx->peer_version;
		ctx->result.version = ctx->version;
		/* Downgrade protection (CVE-2018-0886) before any mechanism runs. */
		if (ctx->version < ctx->cred->min_version) {
			send_error_code(ctx, NTSTATUS_LOGON_FAILURE, output);
			return CREDSSP_SEC_STATUS_LOGON_DENIED;
		}
	} else if (req->version != ctx->peer_version) {
		return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	}
	if (req->has_error_code)
		return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	if (req->has_client_nonce) {
		if (req->client_nonce.len != CSSP_NONCE_LEN)
			return CREDSSP_SEC_STATUS_INVALID_TOKEN;
		memcpy(ctx->nonce, req->client_nonce.data, CSSP_NONCE_LEN);
		ctx->have_nonce = true;
	}

	switch (ctx->state) {
	case CSSP_ST_NEGO:
		if (!req->has_nego_token || req->has_auth_info)
			return CREDSSP_SEC_STATUS_INVALID_TOKEN;
		status = cssp_gss_accept(ctx->gss, req->nego_token.data, req->nego_token.len,
					 &token, &complete, &ntstatus);
		if (status != CREDSSP_SEC_STATUS_OK) {
			cssp_buf_free(&token);
			if (status == CREDSSP_SEC_STATUS_LOGON_DENIED)
				send_error_code(ctx, ntstatus, output);
			return status;
		}
		if (!complete) {
			if (req->has_pub_key_auth || !token.len) {
				status = CREDSSP_SEC_STATUS_INVALID_TOKEN;
				goto out;
			}
			reply.has_nego_token = true;
			reply.nego_token = token;
			status = send_tsrequest(ctx, &reply, output);
			goto out;
		}
		status = gss_completed(ctx);
		if (status != CREDSSP_SEC_STATUS_OK) {
			send_error_code(ctx, NTSTATUS_LOGON_FAILURE, output);
			goto out;
		}
		if (token.len) {
			reply.has_nego_token = true;
			reply.nego_token = token;
		}
		if (!req->has_pub_key_auth) {
			/* The client waits for our last token before its pubKeyAuth. */
			if (!token.len) {
				status = CREDSSP_SEC_STATUS_INVALID_TOKEN;
				goto out;
			}
			ctx->state = CSSP_ST_PUBKEY;
			status = send_tsrequest(ctx, &reply, output);
			goto out;
		}
		break;
	case CSSP_ST_PUBKEY:
		if (req->has_nego_token || req->has_auth_info || !req->has_pub_key_auth)
			return CREDSSP_SEC_STATUS_INVALID_TOKEN;
		break;
	case CSSP_ST_AUTHINFO:
		if (req->has_nego_token || req->has_pub_key_auth || !req->has_auth_info)
			return CREDSSP_SEC_STATUS_INVALID_TOKEN;
		status = accept_credentials(ctx, req, output);
		if (status == CREDSSP_SEC_STATUS_OK)
			ctx->state = CSSP_ST_DONE;
		return status;
	default: return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	}

	/* NEGO completed with pubKeyAuth, or PUBKEY: check it, answer with ours. */
	status = check_pub_key_auth(ctx, req, &reply.pub_key_auth);
	if (status != CREDSSP_SEC_STATUS_OK)
		goto out;
	reply.has_pub_key_auth = true;
	status = send_tsrequest(ctx, &reply, output);
	if (status == CREDSSP_SEC_STATUS_OK)
		ctx->state = CSSP_ST_AUTHINFO;
out:
	cssp_buf_free(&reply.pub_key_auth);
	cssp_buf_free(&token);
	return status;
}

static uint32_t base_attrs(const struct cssp_ctx *ctx)
{
	uint32_t attrs = CREDSSP_RET_MUTUAL_AUTH | CREDSSP_RET_CONFIDENTIALITY |
			 CREDSSP_RET_CONNECTION | CREDSSP_RET_STREAM;

	if (ctx->state == CSSP_ST_DONE && !ctx->result.creds_empty)
		attrs |= CREDSSP_RET_DELEGATE;
	return attrs;
}

/* Try to take one complete TSRequest from the decrypted stream. */
static uint32_t process_plaintext(struct cssp_ctx *ctx, struct cssp_buf *output, bool *handled)
{
	struct cssp_buf *pt = cssp_tls_plaintext(ctx->tls);
	struct cssp_tsrequest req = {0};
	long elen;
	uint32_t status;

	*handled = false;
	if (!pt->len)
		return CREDSSP_SEC_STATUS_OK;
	elen = cssp_der_element_len(pt->data, pt->len, CSSP_TSREQUEST_MAX);
	if (elen < 0)
		return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	if (elen == 0 || (size_t)elen > pt->len)
		return CREDSSP_SEC_STATUS_OK; /* the TSRequest continues in later records */
	/* Lockstep protocol: one record stream, one message; nothing after it. */
	if ((size_t)elen != pt->len)
		return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	*handled = true;
	if (cssp_tsrequest_decode(pt->data, (size_t)elen, &req))
		return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	cssp_buf_consume(pt, (size_t)elen);
	status = handle_tsrequest(ctx, &req, output);
	cssp_tsrequest_clear(&req);
	return status;
}

uint32_t cssp_ctx_step(struct cssp_ctx *ctx, const uint8_t *in, size_t len, struct cssp_step *step)
{
	uint32_t status = CREDSSP_SEC_STATUS_OK;
	bool handled = false;
	size_t pos = 0;

	memset(step, 0, sizeof(*step));
	if (ctx->state == CSSP_ST_DONE || ctx->state == CSSP_ST_FAILED)
		return CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION;

	while (pos < len && !handled) {
		long rl = cssp_tls_record_len(in + pos, len - pos);

		if (rl < 0) {
			status = CREDSSP_SEC_STATUS_INVALID_TOKEN;
			break;
		}
		if (rl == 0)
			break; /* a partial record: extra, or incomplete below */
		if (cssp_tls_feed_record(ctx->tls, in + pos, (size_t)rl) != CSSP_TLS_OK) {
			status = CREDSSP_SEC_STATUS_INVALID_TOKEN;
			cssp_tls_take_output(ctx->tls, &step->output); /* the alert */
			break;
		}
		pos += (size_t)rl;
		if (cssp_tls_take_output(ctx->tls, &step->output)) {
			status = CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
			break;
		}
		if (!cssp_tls_handshake_done(ctx->tls))
			continue;
		if (ctx->state == CSSP_ST_TLS)
			ctx->state = CSSP_ST_NEGO;
		status = process_plaintext(ctx, &step->output, &handled);
		if (status != CREDSSP_SEC_STATUS_OK)
			break;
	}

	if (status != CREDSSP_SEC_STATUS_OK) {
		ctx->state = CSSP_ST_FAILED;
		step->consumed = pos;
		return status;
	}
	if (pos == 0) {
		/* Nothing consumed: the input ends inside the first record. */
		cssp_buf_free(&step->output);
		return CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE;
	}
	step->consumed = pos;
	step->extra = len - pos;
	step->attrs = base_attrs(ctx);
	if (ctx->state == CSSP_ST_DONE) {
		step->expiry = ctx->result.expiry;
		return CREDSSP_SEC_STATUS_OK;
	}
	return CREDSSP_SEC_STATUS_CONTINUE_NEEDED;
}

int cssp_engine_tune_malloc(void)
{
	return mallopt(M_TRIM_THRESHOLD, 1 << 20) == 1 ? 0 : -1;
}
