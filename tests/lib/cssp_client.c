// SPDX-License-Identifier: GPL-2.0
/*
 * The in-process CredSSP client of cssp_client.h, and the server side that
 * feeds the engine what it writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <linux/credssp.h>

#include "cssp_client.h"
#include "initiator.h"
#include "realm.h"

uint8_t *cssp_client_utf16(const char *s, size_t *len, bool nul)
{
	size_t n = strlen(s) + (nul ? 1 : 0);
	uint8_t *out = calloc(n ? n : 1, 2);

	if (!out) {
		*len = 0;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		out[2 * i] = (uint8_t)s[i];
	*len = 2 * n;
	return out;
}

int cssp_client_init(struct client *c, const struct client_opts *o)
{
	const char *user = o->nt_hash ? (o->user ? o->user : "CONTOSO\\alice") : "alice@" REALM;
	const char *what;
	OM_uint32 maj, min;

	memset(c, 0, sizeof(*c));
	c->mech = o->mech;
	c->version = o->version;
	c->nt_hash = o->nt_hash;
	if (RAND_bytes(c->nonce, sizeof(c->nonce)) != 1)
		return -1;

	if (o->ssl_ctx && SSL_CTX_up_ref(o->ssl_ctx) == 1)
		c->ssl_ctx = o->ssl_ctx;
	else if (!o->ssl_ctx)
		c->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ssl_ctx || tls_peer_new(c->ssl_ctx, &c->tls, false))
		return -1;

	maj = initiator_init(user, o->nt_hash, o->ccache, o->mech, o->inner, o->target, &c->cred,
			     &c->target, &min, &what);
	return GSS_ERROR(maj) ? -1 : 0;
}

void cssp_client_free(struct client *c)
{
	tls_peer_free(&c->tls);
	SSL_CTX_free(c->ssl_ctx);
	initiator_release(&c->gctx, &c->cred, &c->target);
	cssp_tsrequest_clear(&c->last);
	cssp_buf_free(&c->first_pub_key_auth);
}

static uint64_t cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

int cssp_server_init(struct server *s, struct cssp_cred *cred, const struct cssp_ctx_options *opts,
		     bool timed)
{
	uint64_t t0;

	memset(s, 0, sizeof(*s));
	s->cred = cred;
	s->status = CREDSSP_SEC_STATUS_CONTINUE_NEEDED;
	s->timed = timed;
	t0 = timed ? cpu_now() : 0;
	s->ctx = cssp_ctx_new(cred, opts);
	if (timed)
		s->cpu_ns += cpu_now() - t0;
	return s->ctx ? 0 : -1;
}

void cssp_server_free(struct server *s)
{
	uint64_t t0 = s->timed ? cpu_now() : 0;

	cssp_ctx_free(s->ctx);
	if (s->timed)
		s->cpu_ns += cpu_now() - t0;
	s->ctx = NULL;
	if (s->own_cred)
		cssp_cred_free(s->cred);
	s->cred = NULL;
	cssp_buf_free(&s->pending);
}

/* The engine broke engine.h: say how, and end the exchange. */
static void broken(struct server *s, const char *what, size_t a, size_t b)
{
	if (!s->broken)
		snprintf(s->err, sizeof(s->err), "%s (%zu, %zu)", what, a, b);
	s->broken = true;
	s->status = CLIENT_BROKEN_CONTRACT;
}

/*
 * Give the server what the client wrote, like a caller of
 * AcceptSecurityContext would: keep unconsumed bytes, pass its output back.
 * With @chunk, the input grows by @chunk bytes per call.
 */
static void deliver(struct client *c, struct server *s, size_t chunk)
{
	uint8_t buf[16384];
	int n;

	while ((n = BIO_read(c->tls.wbio, buf, sizeof(buf))) > 0)
		if (cssp_buf_append(&s->pending, buf, (size_t)n)) {
			broken(s, "out of memory for the input", (size_t)n, 0);
			return;
		}
	for (size_t avail = chunk ? 0 : s->pending.len; avail <= s->pending.len;) {
		struct cssp_step step;
		uint64_t t0 = 0;
		uint32_t st;

		if (!s->pending.len || s->status != CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
			return;
		if (chunk)
			avail = avail + chunk < s->pending.len ? avail + chunk : s->pending.len;
		if (s->timed)
			t0 = cpu_now();
		st = cssp_ctx_step(s->ctx, s->pending.data, avail, &step);
		if (s->timed) {
			t0 = cpu_now() - t0;
			s->cpu_ns += t0;
			if (s->steps < SERVER_STEPS_MAX)
				s->step_ns[s->steps] = t0;
		}
		s->steps++;
		if (st == CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE) {
			if (step.consumed != 0 || step.output.len != 0) {
				broken(s, "SEC_E_INCOMPLETE_MESSAGE with consumed, output",
				       step.consumed, step.output.len);
				cssp_buf_free(&step.output);
				return;
			}
			if (avail == s->pending.len)
				return;
			continue;
		}
		s->status = st;
		if (avail != step.consumed + step.extra) {
			broken(s, "input length != consumed + extra", avail,
			       step.consumed + step.extra);
			cssp_buf_free(&step.output);
			return;
		}
		BIO_write(c->tls.rbio, step.output.data, (int)step.output.len);
		cssp_buf_free(&step.output);
		if (st == CREDSSP_SEC_STATUS_OK)
			c->trailing_len = step.extra + (s->pending.len - avail);
		cssp_buf_consume(&s->pending, step.consumed);
		avail = 0;
		if (st != CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
			return;
	}
}

/* Read the server's next TSRequest through TLS (0), or -1 if there is none. */
static int receive(struct client *c)
{
	uint8_t buf[65536];
	int n = SSL_read(c->tls.ssl, buf, sizeof(buf));

	cssp_tsrequest_clear(&c->last);
	if (n <= 0 || cssp_tsrequest_decode(buf, (size_t)n, &c->last))
		return -1;
	if (!c->server_version || c->server_version == c->last.version)
		c->server_version = c->last.version;
	else
		c->server_version = UINT32_MAX; /* it changed */
	c->server_msgs++;
	c->server_nonces += c->last.has_client_nonce;
	c->server_pub_key_auths += c->last.has_pub_key_auth;
	if (c->last.has_error_code) {
		c->got_error_code = true;
		c->error_code = c->last.error_code;
	}
	return 0;
}

static int send_req(struct client *c, struct cssp_tsrequest *req, int round)
{
	struct cssp_buf der = {0};
	int n;

	req->version = c->version;
	if (c->version >= 5 && c->bad != NO_NONCE && c->bad != NO_NONCE_ZERO &&
	    !(c->bad == NONCE_FIRST_ONLY && round)) {
		req->has_client_nonce = true;
		cssp_buf_set(&req->client_nonce, c->nonce,
			     c->bad == SHORT_NONCE ? sizeof(c->nonce) - 1 : sizeof(c->nonce));
		if (c->bad == LONG_NONCE)
			cssp_buf_append(&req->client_nonce, "\x5a", 1);
	}
	if (c->bad == CLIENT_ERROR_CODE && round == 1) {
		req->has_error_code = true;
		req->error_code = 0xC000006DU;
	}
	if (cssp_tsrequest_encode(req, &der))
		return -1;
	if (c->bad == JUNK_AFTER_TSREQUEST && round == 0)
		cssp_buf_append(&der, "\x30\x00", 2);
	n = SSL_write(c->tls.ssl, der.data, (int)der.len);
	cssp_buf_free(&der);
	return n > 0 ? 0 : -1;
}

static int wrap_conf(struct client *c, const void *data, size_t len, struct cssp_buf *out,
		     int conf_req)
{
	gss_buffer_desc in = {len, (void *)data}, tok = GSS_C_EMPTY_BUFFER;
	OM_uint32 min;
	int conf = 0;

	if (GSS_ERROR(gss_wrap(&min, c->gctx, conf_req, GSS_C_QOP_DEFAULT, &in, &conf, &tok)) ||
	    conf != conf_req)
		return -1;
	cssp_buf_set(out, tok.value, tok.length);
	gss_release_buffer(&min, &tok);
	return 0;
}

static int unwrap(struct client *c, const struct cssp_buf *in, struct cssp_buf *out)
{
	gss_buffer_desc ib = {in->len, in->data}, ob = GSS_C_EMPTY_BUFFER;
	OM_uint32 min;
	int conf = 0;

	if (GSS_ERROR(gss_unwrap(&min, c->gctx, &ib, &ob, &conf, NULL)) || !conf)
		return -1;
	cssp_buf_set(out, ob.value, ob.length);
	gss_release_buffer(&min, &ob);
	return 0;
}

static void sha256(const char *magic, const uint8_t *nonce, const uint8_t *pk, size_t pk_len,
		   uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, magic, strlen(magic) + 1);
	EVP_DigestUpdate(md, nonce, 32);
	EVP_DigestUpdate(md, pk, pk_len);
	EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
}

static int client_pub_key_auth(struct client *c, struct cssp_tsrequest *req)
{
	uint8_t h[32], pk[1024], zero[32] = {0};
	int rc;

	memcpy(pk, c->pk, c->pk_len);
	if (c->bad == WRONG_PUBKEY)
		pk[c->pk_len - 1] ^= 1;
	if (c->bad == ECHO_PLUS_ONE)
		pk[0]++;
	if (c->version >= 5 && c->bad != ECHO_AT_V6) {
		sha256(c->bad == HASH_S2C_MAGIC ? "CredSSP Server-To-Client Binding Hash"
						: "CredSSP Client-To-Server Binding Hash",
		       c->bad == NO_NONCE_ZERO ? zero : c->nonce, pk, c->pk_len, h);
		if (c->bad == HASH_LAST_BYTE)
			h[sizeof(h) - 1] ^= 1;
		rc = wrap_conf(c, h, c->bad == HASH_TRUNCATED ? sizeof(h) - 1 : sizeof(h),
			       &req->pub_key_auth, c->bad == PUBKEY_INTEG_ONLY ? 0 : 1);
	} else {
		rc = wrap_conf(c, pk, c->pk_len, &req->pub_key_auth,
			       c->bad == PUBKEY_INTEG_ONLY ? 0 : 1);
	}
	/* the hash is over the nonce so far; the message carries a new one */
	if (c->bad == NONCE_CHANGED)
		c->nonce[0] ^= 0x80;
	req->has_pub_key_auth = rc == 0;
	if (rc == 0)
		cssp_buf_set(&c->first_pub_key_auth, req->pub_key_auth.data, req->pub_key_auth.len);
	return rc;
}

/* The server's pubKeyAuth must bind the same key, the other way round. */
static bool server_pub_key_auth_ok(struct client *c)
{
	struct cssp_buf plain = {0};
	uint8_t h[32];
	bool ok;

	if (!c->last.has_pub_key_auth || unwrap(c, &c->last.pub_key_auth, &plain))
		return false;
	if (c->version >= 5) {
		sha256("CredSSP Server-To-Client Binding Hash", c->nonce, c->pk, c->pk_len, h);
		ok = plain.len == 32 && !memcmp(plain.data, h, 32);
	} else {
		ok = plain.len == c->pk_len && plain.data[0] == (uint8_t)(c->pk[0] + 1) &&
		     !memcmp(plain.data + 1, c->pk + 1, c->pk_len - 1);
	}
	cssp_buf_free(&plain);
	return ok;
}

static int client_auth_info(struct client *c, struct cssp_tsrequest *req)
{
	struct cssp_credentials creds = {.type = CSSP_CRED_PASSWORD};
	struct cssp_buf der = {0};
	bool nul = c->bad == NUL_TERMINATED;
	const char *user = c->bad == OTHER_USER || c->bad == RETRY_AFTER_DENIAL ? "bob"
			   : c->deleg_user					? c->deleg_user
										: "alice";
	const char *domain = c->deleg_domain ? c->deleg_domain : c->nt_hash ? "CONTOSO" : REALM;
	uint8_t *s;
	size_t n;
	int rc;

	if (c->bad == SMARTCARD) {
		creds.type = CSSP_CRED_SMARTCARD;
		s = cssp_client_utf16("123456", &n, false);
		cssp_buf_set(&creds.smartcard.pin, s, n);
		free(s);
		creds.smartcard.key_spec = 1;
		creds.smartcard.has_reader_name = true;
		s = cssp_client_utf16("Reader 0", &n, false);
		cssp_buf_set(&creds.smartcard.reader_name, s, n);
		free(s);
		if (c->deleg_user) {
			creds.smartcard.has_user_hint = true;
			s = cssp_client_utf16(c->deleg_user, &n, false);
			cssp_buf_set(&creds.smartcard.user_hint, s, n);
			free(s);
		}
		if (c->deleg_domain) {
			creds.smartcard.has_domain_hint = true;
			s = cssp_client_utf16(c->deleg_domain, &n, false);
			cssp_buf_set(&creds.smartcard.domain_hint, s, n);
			free(s);
		}
	} else if (c->bad == REMOTE_GUARD) {
		struct cssp_remote_guard_creds *g = &creds.remote_guard;
		uint8_t ticket[64];

		creds.type = CSSP_CRED_REMOTE_GUARD;
		memset(ticket, 0x11, sizeof(ticket));
		s = cssp_client_utf16("Kerberos", &n, false);
		cssp_buf_set(&g->logon.package_name, s, n);
		free(s);
		cssp_buf_set(&g->logon.cred_buffer, ticket, sizeof(ticket));
		g->has_supplemental = true;
		g->n_supplemental = 1;
		s = cssp_client_utf16("NTLM", &n, false);
		cssp_buf_set(&g->supplemental[0].package_name, s, n);
		free(s);
		memset(ticket, 0x22, sizeof(ticket));
		cssp_buf_set(&g->supplemental[0].cred_buffer, ticket, 20);
	} else if (c->bad != EMPTY_CREDS) {
		s = cssp_client_utf16(domain, &n, nul);
		cssp_buf_set(&creds.password.domain, s, n);
		free(s);
		s = cssp_client_utf16(user, &n, nul);
		cssp_buf_set(&creds.password.user, s, n);
		free(s);
		s = cssp_client_utf16(PASSWORD, &n, nul);
		cssp_buf_set(&creds.password.password, s, n);
		free(s);
		if (c->bad == ODD_PASSWORD)
			cssp_buf_append(&creds.password.password, "X", 1);
	}
	rc = cssp_credentials_encode(&creds, &der) ||
	     wrap_conf(c, der.data, der.len, &req->auth_info,
		       c->bad == AUTH_INFO_INTEG_ONLY ? 0 : 1);
	if (c->bad == REPLAY_PUBKEY_AS_AUTH && rc == 0)
		rc = cssp_buf_set(&req->auth_info, c->first_pub_key_auth.data,
				  c->first_pub_key_auth.len);
	req->has_auth_info = rc == 0;
	cssp_credentials_clear(&creds);
	cssp_buf_free(&der);
	return rc;
}

/* One GSS step with the server's last token; the output goes in @req. */
static OM_uint32 client_gss(struct client *c, struct cssp_tsrequest *req)
{
	gss_buffer_desc in = {0, NULL}, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;

	if (c->last.has_nego_token) {
		in.length = c->last.nego_token.len;
		in.value = c->last.nego_token.data;
	}
	maj = gss_init_sec_context(&min, c->cred, &c->gctx, c->target, c->mech,
				   GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG |
					   GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG,
				   GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out,
				   NULL, NULL);
	if (!GSS_ERROR(maj) && out.length) {
		req->has_nego_token = true;
		cssp_buf_set(&req->nego_token, out.value, out.length);
	}
	if (c->bad == LYING_TOKEN_LENGTH && !c->last.has_nego_token && out.length > 4 &&
	    ((const uint8_t *)out.value)[0] == 0x60) {
		/* [APPLICATION 0] with a 4-byte length 5 more than the contents sent */
		const uint8_t *t = out.value;
		size_t hdr = 2 + (t[1] & 0x80 ? (t[1] & 0x7f) : 0), n = out.length - hdr;
		uint8_t h[6] = {0x60,
				0x84,
				(uint8_t)((n + 5) >> 24),
				(uint8_t)((n + 5) >> 16),
				(uint8_t)((n + 5) >> 8),
				(uint8_t)(n + 5)};

		cssp_buf_free(&req->nego_token);
		if (cssp_buf_append(&req->nego_token, h, sizeof(h)) ||
		    cssp_buf_append(&req->nego_token, t + hdr, n))
			req->has_nego_token = false;
	}
	gss_release_buffer(&min, &out);
	return maj;
}

/*
 * The server refused the credentials: send alice's in a new TSRequest on the
 * same (dead) context, straight to cssp_ctx_step(); its status is returned.
 */
static uint32_t retry_auth_info(struct client *c, struct server *s, int round)
{
	struct cssp_tsrequest req = {0};
	enum misbehaviour bad = c->bad;
	struct cssp_step step;
	uint8_t buf[16384];
	int n;

	c->bad = NONE;
	client_auth_info(c, &req);
	c->bad = bad;
	send_req(c, &req, round);
	cssp_tsrequest_clear(&req);
	while ((n = BIO_read(c->tls.wbio, buf, sizeof(buf))) > 0)
		cssp_buf_append(&s->pending, buf, (size_t)n);
	s->status = cssp_ctx_step(s->ctx, s->pending.data, s->pending.len, &step);
	cssp_buf_free(&step.output);
	return s->status;
}

/*
 * Run the whole exchange; returns the server's final status. The server's
 * context and result stay in @s for the test to inspect.
 */

uint32_t cssp_client_exchange(struct client *c, struct server *s)
{
	size_t chunk = c->bad == BYTE_BY_BYTE ? 1 : 0;
	OM_uint32 maj = GSS_S_CONTINUE_NEEDED;
	bool sent_pub_key = false, sent_auth_info;
	const ASN1_BIT_STRING *bs;
	X509 *cert;
	int rounds;

	/* TLS */
	for (rounds = 0; rounds < 10 && SSL_do_handshake(c->tls.ssl) != 1; rounds++) {
		deliver(c, s, chunk);
		if (s->status != CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
			return s->status;
	}
	if (SSL_is_init_finished(c->tls.ssl) != 1)
		return CLIENT_TLS_FAILED;
	cert = SSL_get1_peer_certificate(c->tls.ssl);
	bs = cert ? X509_get0_pubkey_bitstr(cert) : NULL;
	if (!bs || (size_t)bs->length > sizeof(c->pk) ||
	    !X509_digest(cert, EVP_sha256(), c->peer_sha256, NULL)) {
		X509_free(cert);
		return CLIENT_TLS_FAILED;
	}
	c->pk_len = (size_t)bs->length;
	memcpy(c->pk, bs->data, c->pk_len);
	X509_free(cert);

	if (c->bad == GARBAGE_PLAINTEXT) {
		SSL_write(c->tls.ssl, "GET / HTTP/1.1\r\n\r\n", 18);
		deliver(c, s, chunk);
		return s->status;
	}

	for (rounds = 0; rounds < 10; rounds++) {
		struct cssp_tsrequest req = {0};

		if (maj == GSS_S_CONTINUE_NEEDED) {
			maj = client_gss(c, &req);
			if (GSS_ERROR(maj)) {
				cssp_tsrequest_clear(&req);
				return CLIENT_GSS_FAILED;
			}
			if (c->bad == EARLY_AUTH_INFO)
				client_auth_info(c, &req);
		}
		if (maj == GSS_S_COMPLETE && !sent_pub_key && c->bad == SKIP_PUBKEY) {
			/* the last token alone, then authInfo without waiting for an answer */
			send_req(c, &req, rounds);
			cssp_tsrequest_clear(&req);
			deliver(c, s, chunk);
			if (s->status != CREDSSP_SEC_STATUS_CONTINUE_NEEDED) {
				receive(c);
				return s->status;
			}
			client_auth_info(c, &req);
			send_req(c, &req, rounds + 1);
			cssp_tsrequest_clear(&req);
			deliver(c, s, chunk);
			receive(c);
			return s->status;
		}
		if (maj == GSS_S_COMPLETE && !sent_pub_key) {
			if (c->bad == AUTH_INFO_FOR_PUBKEY && !req.has_nego_token)
				client_auth_info(c, &req);
			else
				client_pub_key_auth(c, &req);
			if (c->bad == AUTH_INFO_WITH_PUBKEY)
				client_auth_info(c, &req);
			sent_pub_key = true;
		} else if (sent_pub_key) {
			if (!server_pub_key_auth_ok(c)) {
				cssp_tsrequest_clear(&req);
				return CLIENT_BAD_SERVER_AUTH;
			}
			client_auth_info(c, &req);
			if (c->bad == PUBKEY_AGAIN)
				client_pub_key_auth(c, &req);
			if (c->bad == TOKEN_AFTER_COMPLETE) {
				req.has_nego_token = true;
				cssp_buf_set(&req.nego_token, "NTLMSSP\0\x03\0\0\0", 12);
			}
		}
		if (c->bad == CHANGE_VERSION && rounds == 1)
			c->version--;
		send_req(c, &req, rounds);
		if (req.has_auth_info && c->bad == TRAILING_RECORD)
			SSL_write(c->tls.ssl, "\x03\x00\x00\x0b\x02\xf0\x80\x7f\x65\x00\x00", 11);
		sent_auth_info = req.has_auth_info;
		cssp_tsrequest_clear(&req);
		deliver(c, s, chunk);
		if (s->status != CREDSSP_SEC_STATUS_CONTINUE_NEEDED &&
		    c->bad == RETRY_AFTER_DENIAL && sent_auth_info) {
			receive(c);
			return retry_auth_info(c, s, rounds + 1);
		}
		if (s->status != CREDSSP_SEC_STATUS_CONTINUE_NEEDED) {
			receive(c); /* an errorCode, if any */
			return s->status;
		}
		if (receive(c))
			return CLIENT_NO_ANSWER;
	}
	return CLIENT_TOO_MANY_ROUNDS;
}
