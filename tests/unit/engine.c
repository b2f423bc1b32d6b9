// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the CredSSP acceptor engine (helper/engine.c) against an
 * in-process client made of independent parts: an OpenSSL TLS client on
 * memory BIOs, an MIT GSSAPI initiator (gss-ntlmssp for NTLM, krb5 with the
 * throwaway KDC of tests/lib/kdc.sh) and the DER codec for the client's
 * TSRequests. The client follows the shapes real clients use (FreeRDP:
 * pubKeyAuth with the last token, nonce in every message; rdesktop: raw
 * krb5, version 2, pubKeyAuth in its own message) and can be told to
 * misbehave, one way per test.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <linux/credssp.h>

#include "der.h"
#include "engine.h"
#include "kselftest_harness.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#else
static inline void __lsan_disable(void)
{
}
static inline void __lsan_enable(void)
{
}
#endif

#define REALM		     "KCREDSSP.TEST"
#define HOST		     "srv.kcredssp.test"
#define PASSWORD	     "Passw0rd!"
#define ALICE_NT	     "FC525C9683E8FE067095BA2DDC971889" /* MD4(UTF-16LE("Passw0rd!")) */
#define WRONG_NT	     "460FDF316FDFAF2F3F8BEFAA88127C8A" /* Passw0rd? */
#define STATUS_LOGON_FAILURE 0xC000006DU

static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};
static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};

static char dir[256], libdir[PATH_MAX], setup_err[1024];
static bool ready, kdc_started;
static char local_host[256];

static char *path(const char *name)
{
	static char buf[8][PATH_MAX];
	static int i;
	char *p = buf[i++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(NULL);
	rc = system(cmd);
	if (rc != 0)
		snprintf(setup_err, sizeof(setup_err), "failed (%d): %.900s", rc, cmd);
	return rc;
}

static void setup(void)
{
	char tmpl[] = "/tmp/kcredssp-engine-XXXXXX", owner[32];
	const char *env = getenv("KCREDSSP_TESTS_LIB");

	if (env)
		snprintf(libdir, sizeof(libdir), "%s", env);
	else if (!realpath("tests/lib", libdir)) {
		snprintf(setup_err, sizeof(setup_err), "run from the repository top");
		return;
	}
	if (!mkdtemp(tmpl)) {
		snprintf(setup_err, sizeof(setup_err), "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(dir, sizeof(dir), "%s", tmpl);
	if (gethostname(local_host, sizeof(local_host) - 1))
		snprintf(local_host, sizeof(local_host), "localhost");
	unsetenv("KRB5_KTNAME");
	unsetenv("NTLM_USER_FILE");
	setenv("KRB5_CONFIG", path("krb5.conf"), 1);
	setenv("KRB5CCNAME", "MEMORY:kcredssp-engine", 1);
	setenv("KRB5RCACHEDIR", dir, 1);
	if (run("'%s/ntlm-users.sh' hash '%s' CONTOSO alice '%s'", libdir, path("users"),
		PASSWORD) ||
	    run("mkdir -p '%s'", path("state")))
		return;
	snprintf(owner, sizeof(owner), "%ld", (long)getpid());
	setenv("KCREDSSP_KDC_OWNER", owner, 1);
	if (run("'%s/kdc.sh' start '%s' %s >'%s' 2>&1", libdir, dir, HOST, path("kdc.log")))
		return;
	kdc_started = true;
	ready = true;
}

static void teardown(void)
{
	if (kdc_started)
		run("'%s/kdc.sh' stop '%s' >/dev/null 2>&1", libdir, dir);
	if (dir[0])
		run("rm -rf -- '%s'", dir);
}

/* ---- the client ---- */

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
	TRAILING_RECORD,   /* an application record right after authInfo */
	BYTE_BY_BYTE,	   /* every client flight fed one byte at a time */
	GARBAGE_PLAINTEXT, /* not a TSRequest after the handshake */
};

struct client {
	SSL_CTX *ssl_ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	gss_cred_id_t cred;
	gss_ctx_id_t gctx;
	gss_name_t target;
	gss_OID mech;
	uint32_t version;
	uint8_t nonce[32];
	uint8_t pk[1024];
	size_t pk_len;
	enum misbehaviour bad;
	const char *nt_hash; /* NTLM; NULL for Kerberos from the KDC's ccache */
	/* what the server answered */
	struct cssp_tsrequest last;
	uint32_t server_version; /* of every TSRequest the server sent, or 0 */
	bool got_error_code;
	uint32_t error_code;
	size_t trailing_len;
};

struct server {
	struct cssp_cred *cred;
	struct cssp_ctx *ctx;
	struct cssp_buf pending; /* input not consumed yet */
	uint32_t status;
};

static uint8_t *utf16(const char *s, size_t *len, bool nul)
{
	size_t n = strlen(s) + (nul ? 1 : 0);
	uint8_t *out = calloc(n ? n : 1, 2);

	for (size_t i = 0; i < n; i++)
		out[2 * i] = (uint8_t)s[i];
	*len = 2 * n;
	return out;
}

/*
 * A client of @mech (NTLM, krb5 or SPNEGO; under SPNEGO it offers only
 * @inner) speaking TSRequest @version, with the NT hash @nt_hash (NTLM) or
 * the TGT kdc.sh left in the realm's ccache (@nt_hash NULL).
 */
static int client_init(struct client *c, gss_OID mech, gss_OID inner, uint32_t version,
		       const char *nt_hash)
{
	const char *uname = nt_hash ? "CONTOSO\\alice" : "alice@" REALM;
	gss_buffer_desc user = {strlen(uname), (void *)uname}, tbuf;
	gss_OID_set_desc mechs = {1, mech}, neg = {1, inner};
	gss_key_value_element_desc el;
	gss_key_value_set_desc store = {1, &el};
	gss_name_t name = GSS_C_NO_NAME;
	char ccache[PATH_MAX], target[300];
	OM_uint32 maj, min;

	memset(c, 0, sizeof(*c));
	c->mech = mech;
	c->version = version;
	c->nt_hash = nt_hash;
	RAND_bytes(c->nonce, sizeof(c->nonce));

	c->ssl_ctx = SSL_CTX_new(TLS_client_method());
	c->ssl = SSL_new(c->ssl_ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_connect_state(c->ssl);

	snprintf(ccache, sizeof(ccache), "FILE:%s", path("ccache"));
	el.key = nt_hash ? "ntlmssp_nthash" : "ccache";
	el.value = nt_hash ? nt_hash : ccache;
	maj = gss_import_name(&min, &user, GSS_C_NT_USER_NAME, &name);
	if (!GSS_ERROR(maj))
		maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
					    &store, &c->cred, NULL, NULL);
	gss_release_name(&min, &name);
	if (!GSS_ERROR(maj) && mech == &spnego_oid)
		maj = gss_set_neg_mechs(&min, c->cred, &neg);
	if (GSS_ERROR(maj))
		return -1;
	/*
	 * With a keytab configured, the server's NTLM under SPNEGO names itself
	 * TERMSRV/<gethostname()>, and gss-ntlmssp initiators check that name.
	 */
	if (mech == &spnego_oid && inner == &ntlm_oid)
		snprintf(target, sizeof(target), "TERMSRV@%s", local_host);
	else
		snprintf(target, sizeof(target), "TERMSRV@%s", HOST);
	tbuf.length = strlen(target);
	tbuf.value = target;
	maj = gss_import_name(&min, &tbuf, GSS_C_NT_HOSTBASED_SERVICE, &c->target);
	return GSS_ERROR(maj) ? -1 : 0;
}

static void client_free(struct client *c)
{
	OM_uint32 min;

	SSL_free(c->ssl);
	SSL_CTX_free(c->ssl_ctx);
	if (c->gctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &c->gctx, GSS_C_NO_BUFFER);
	if (c->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&min, &c->cred);
	if (c->target != GSS_C_NO_NAME)
		gss_release_name(&min, &c->target);
	cssp_tsrequest_clear(&c->last);
}

static int server_init(struct __test_metadata *_metadata, struct server *s, uint32_t min_version,
		       const struct cssp_ctx_options *opts, bool allow_other)
{
	struct cssp_cred_config cfg = {
		.tls = {.state_dir = path("state")},
		.keytab = path("termsrv.keytab"),
		.ntlm_user_file = path("users"),
		.min_version = min_version,
		.allow_other_delegated_user = allow_other,
	};
	char err[512] = "";

	memset(s, 0, sizeof(*s));
	s->status = SEC_I_CONTINUE_NEEDED;
	if (cssp_cred_new(&cfg, &s->cred, err, sizeof(err)) != SEC_E_OK) {
		TH_LOG("cssp_cred_new: %s", err);
		return -1;
	}
	s->ctx = cssp_ctx_new(s->cred, opts);
	return s->ctx ? 0 : -1;
}

static void server_free(struct server *s)
{
	cssp_ctx_free(s->ctx);
	cssp_cred_free(s->cred);
	cssp_buf_free(&s->pending);
}

/*
 * Give the server what the client wrote, like a caller of
 * AcceptSecurityContext would: keep unconsumed bytes, pass its output back.
 */
static void deliver(struct __test_metadata *_metadata, struct client *c, struct server *s,
		    size_t chunk)
{
	uint8_t buf[16384];
	int n;

	while ((n = BIO_read(c->wbio, buf, sizeof(buf))) > 0)
		ASSERT_EQ(0, cssp_buf_append(&s->pending, buf, (size_t)n));
	for (size_t avail = chunk ? 0 : s->pending.len; avail <= s->pending.len;) {
		struct cssp_step step;
		uint32_t st;

		if (!s->pending.len || s->status != SEC_I_CONTINUE_NEEDED)
			return;
		if (chunk)
			avail = avail + chunk < s->pending.len ? avail + chunk : s->pending.len;
		st = cssp_ctx_step(s->ctx, s->pending.data, avail, &step);
		if (st == SEC_E_INCOMPLETE_MESSAGE) {
			ASSERT_EQ(0, step.consumed);
			ASSERT_EQ(0, step.output.len);
			if (avail == s->pending.len)
				return;
			continue;
		}
		s->status = st;
		ASSERT_EQ(avail, step.consumed + step.extra);
		BIO_write(c->rbio, step.output.data, (int)step.output.len);
		cssp_buf_free(&step.output);
		if (st == SEC_E_OK)
			c->trailing_len = step.extra + (s->pending.len - avail);
		cssp_buf_consume(&s->pending, step.consumed);
		avail = 0;
		if (st != SEC_I_CONTINUE_NEEDED)
			return;
	}
}

/* Read the server's next TSRequest through TLS (0), or -1 if there is none. */
static int receive(struct client *c)
{
	uint8_t buf[65536];
	int n = SSL_read(c->ssl, buf, sizeof(buf));

	cssp_tsrequest_clear(&c->last);
	if (n <= 0 || cssp_tsrequest_decode(buf, (size_t)n, &c->last))
		return -1;
	if (!c->server_version || c->server_version == c->last.version)
		c->server_version = c->last.version;
	else
		c->server_version = UINT32_MAX; /* it changed */
	if (c->last.has_error_code) {
		c->got_error_code = true;
		c->error_code = c->last.error_code;
	}
	return 0;
}

static int send_req(struct client *c, struct cssp_tsrequest *req)
{
	struct cssp_buf der = {0};
	int n;

	req->version = c->version;
	if (c->version >= 5 && c->bad != NO_NONCE) {
		req->has_client_nonce = true;
		cssp_buf_set(&req->client_nonce, c->nonce, sizeof(c->nonce));
	}
	if (cssp_tsrequest_encode(req, &der))
		return -1;
	n = SSL_write(c->ssl, der.data, (int)der.len);
	cssp_buf_free(&der);
	return n > 0 ? 0 : -1;
}

static int wrap(struct client *c, const void *data, size_t len, struct cssp_buf *out)
{
	gss_buffer_desc in = {len, (void *)data}, tok = GSS_C_EMPTY_BUFFER;
	OM_uint32 min;
	int conf = 0;

	if (GSS_ERROR(gss_wrap(&min, c->gctx, 1, GSS_C_QOP_DEFAULT, &in, &conf, &tok)) || !conf)
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
	uint8_t h[32], pk[1024];
	int rc;

	memcpy(pk, c->pk, c->pk_len);
	if (c->bad == WRONG_PUBKEY)
		pk[c->pk_len - 1] ^= 1;
	if (c->version >= 5 && c->bad != ECHO_AT_V6) {
		sha256("CredSSP Client-To-Server Binding Hash", c->nonce, pk, c->pk_len, h);
		rc = wrap(c, h, sizeof(h), &req->pub_key_auth);
	} else {
		rc = wrap(c, pk, c->pk_len, &req->pub_key_auth);
	}
	req->has_pub_key_auth = rc == 0;
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
	const char *user = c->bad == OTHER_USER ? "bob" : "alice";
	uint8_t *s;
	size_t n;
	int rc;

	if (c->bad == SMARTCARD) {
		creds.type = CSSP_CRED_SMARTCARD;
		s = utf16("123456", &n, false);
		cssp_buf_set(&creds.smartcard.pin, s, n);
		free(s);
		creds.smartcard.key_spec = 1;
		creds.smartcard.has_reader_name = true;
		s = utf16("Reader 0", &n, false);
		cssp_buf_set(&creds.smartcard.reader_name, s, n);
		free(s);
	} else if (c->bad != EMPTY_CREDS) {
		s = utf16(c->nt_hash ? "CONTOSO" : REALM, &n, nul);
		cssp_buf_set(&creds.password.domain, s, n);
		free(s);
		s = utf16(user, &n, nul);
		cssp_buf_set(&creds.password.user, s, n);
		free(s);
		s = utf16(PASSWORD, &n, nul);
		cssp_buf_set(&creds.password.password, s, n);
		free(s);
	}
	rc = cssp_credentials_encode(&creds, &der) || wrap(c, der.data, der.len, &req->auth_info);
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
	gss_release_buffer(&min, &out);
	return maj;
}

/*
 * Run the whole exchange; returns the server's final status. The server's
 * context and result stay in @s for the test to inspect.
 */
static uint32_t exchange(struct __test_metadata *_metadata, struct client *c, struct server *s)
{
	size_t chunk = c->bad == BYTE_BY_BYTE ? 1 : 0;
	OM_uint32 maj = GSS_S_CONTINUE_NEEDED;
	bool sent_pub_key = false;
	X509 *cert;
	int rounds;

	/* TLS */
	for (rounds = 0; rounds < 10 && SSL_do_handshake(c->ssl) != 1; rounds++) {
		deliver(_metadata, c, s, chunk);
		if (s->status != SEC_I_CONTINUE_NEEDED)
			return s->status;
	}
	if (SSL_is_init_finished(c->ssl) != 1)
		return 0xdead0001;
	cert = SSL_get1_peer_certificate(c->ssl);
	{
		const ASN1_BIT_STRING *bs = X509_get0_pubkey_bitstr(cert);

		c->pk_len = (size_t)bs->length;
		memcpy(c->pk, bs->data, c->pk_len);
	}
	X509_free(cert);

	if (c->bad == GARBAGE_PLAINTEXT) {
		SSL_write(c->ssl, "GET / HTTP/1.1\r\n\r\n", 18);
		deliver(_metadata, c, s, chunk);
		return s->status;
	}

	for (rounds = 0; rounds < 10; rounds++) {
		struct cssp_tsrequest req = {0};

		if (maj == GSS_S_CONTINUE_NEEDED) {
			maj = client_gss(c, &req);
			if (GSS_ERROR(maj)) {
				cssp_tsrequest_clear(&req);
				return 0xdead0002;
			}
			if (c->bad == EARLY_AUTH_INFO)
				client_auth_info(c, &req);
		}
		if (maj == GSS_S_COMPLETE && !sent_pub_key) {
			client_pub_key_auth(c, &req);
			sent_pub_key = true;
		} else if (sent_pub_key) {
			if (!server_pub_key_auth_ok(c)) {
				cssp_tsrequest_clear(&req);
				return 0xdead0003;
			}
			client_auth_info(c, &req);
		}
		if (c->bad == CHANGE_VERSION && rounds == 1)
			c->version--;
		send_req(c, &req);
		if (req.has_auth_info && c->bad == TRAILING_RECORD)
			SSL_write(c->ssl, "\x03\x00\x00\x0b\x02\xf0\x80\x7f\x65\x00\x00", 11);
		cssp_tsrequest_clear(&req);
		deliver(_metadata, c, s, chunk);
		if (s->status != SEC_I_CONTINUE_NEEDED) {
			receive(c); /* an errorCode, if any */
			return s->status;
		}
		if (receive(c))
			return 0xdead0004;
	}
	return 0xdead0005;
}

/* ---- tests ---- */

#define NEED_SETUP() ASSERT_TRUE(ready) TH_LOG("setup: %s", setup_err)

static void expect_password_result(struct __test_metadata *_metadata, const struct cssp_result *r,
				   const char *domain, enum cssp_package pkg, uint32_t version)
{
	size_t n;
	uint8_t *pw = utf16(PASSWORD, &n, false);

	ASSERT_NE(NULL, r);
	EXPECT_EQ(pkg, r->package);
	EXPECT_EQ(version, r->version);
	EXPECT_EQ(CSSP_CRED_PASSWORD, r->creds.type);
	EXPECT_EQ(n, r->creds.password.password.len);
	EXPECT_EQ(0, memcmp(pw, r->creds.password.password.data, n));
	free(pw);
	pw = utf16(domain, &n, false);
	EXPECT_EQ(n, r->creds.password.domain.len);
	free(pw);
	EXPECT_FALSE(r->creds_empty);
	/* the kernel payload: header, then domain, user, password */
	ASSERT_GE(r->payload.len, sizeof(struct credssp_creds_hdr));
	EXPECT_EQ(CREDSSP_CREDS_VERSION, r->payload.data[0]);
	EXPECT_EQ(CREDSSP_CRED_PASSWORD, r->payload.data[1]);
	EXPECT_EQ(3, r->payload.data[2] | r->payload.data[3] << 8);
	EXPECT_EQ(sizeof(struct credssp_creds_hdr) + 3 * sizeof(struct credssp_creds_field) +
			  r->creds.password.domain.len + r->creds.password.user.len +
			  r->creds.password.password.len,
		  r->payload.len);
	EXPECT_TRUE(r->tls_version == 0x0304 || r->tls_version == 0x0303);
	EXPECT_NE(0, r->keys.cipher_type);
}

TEST(ntlm_raw_v6)
{
	struct client c;
	struct server s;
	const struct cssp_result *r;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	EXPECT_EQ(SEC_E_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	expect_password_result(_metadata, r, "CONTOSO", CSSP_PACKAGE_NTLM, 6);
	EXPECT_STREQ("CONTOSO\\alice", r->principal);
	EXPECT_FALSE(r->spnego);
	EXPECT_EQ(6, r->peer_version);
	EXPECT_EQ(UINT64_MAX, r->expiry);
	client_free(&c);
	server_free(&s);
}

TEST(ntlm_spnego_v6)
{
	struct client c;
	struct server s;
	const struct cssp_result *r;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &spnego_oid, &ntlm_oid, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	EXPECT_EQ(SEC_E_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	expect_password_result(_metadata, r, "CONTOSO", CSSP_PACKAGE_NTLM, 6);
	EXPECT_TRUE(r->spnego);
	client_free(&c);
	server_free(&s);
}

TEST(krb5_raw_v2_echo)
{
	struct client c;
	struct server s;
	const struct cssp_result *r;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, (gss_OID)gss_mech_krb5, NULL, 2, NULL));
	ASSERT_EQ(0, server_init(_metadata, &s, 2, NULL, false));
	c.bad = NUL_TERMINATED; /* rdesktop */
	EXPECT_EQ(SEC_E_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	expect_password_result(_metadata, r, REALM, CSSP_PACKAGE_KERBEROS, 2);
	EXPECT_STREQ("alice@" REALM, r->principal);
	EXPECT_NE(UINT64_MAX, r->expiry);
	client_free(&c);
	server_free(&s);
}

TEST(krb5_spnego_v6)
{
	struct client c;
	struct server s;
	const struct cssp_result *r;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &spnego_oid, (gss_OID)gss_mech_krb5, 6, NULL));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	EXPECT_EQ(SEC_E_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	expect_password_result(_metadata, r, REALM, CSSP_PACKAGE_KERBEROS, 6);
	EXPECT_TRUE(r->spnego);
	client_free(&c);
	server_free(&s);
}

/* Every version from 2 to 6 (and a future 7, treated as 6) with NTLM. */
TEST(versions)
{
	for (uint32_t v = 2; v <= 7; v++) {
		struct client c;
		struct server s;
		const struct cssp_result *r;

		NEED_SETUP();
		ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, v, ALICE_NT));
		ASSERT_EQ(0, server_init(_metadata, &s, 2, NULL, false));
		EXPECT_EQ(SEC_E_OK, exchange(_metadata, &c, &s)) TH_LOG("version %u", v);
		r = cssp_ctx_result(s.ctx);
		ASSERT_NE(NULL, r);
		EXPECT_EQ(v, r->peer_version);
		EXPECT_EQ(v < 6 ? v : 6, r->version);
		/* the server always announces its own version */
		EXPECT_EQ(6, c.server_version);
		client_free(&c);
		server_free(&s);
	}
}

/* Downgrade protection: the default minimum is 5, checked before any mechanism. */
TEST(minimum_version)
{
	for (uint32_t v = 2; v <= 4; v++) {
		struct client c;
		struct server s;

		NEED_SETUP();
		ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, v, ALICE_NT));
		ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
		EXPECT_EQ(SEC_E_LOGON_DENIED, exchange(_metadata, &c, &s));
		/* errorCode exists in v3 and v4, not in v2 */
		EXPECT_EQ(v != 2, c.got_error_code) TH_LOG("version %u", v);
		if (c.got_error_code)
			EXPECT_EQ(STATUS_LOGON_FAILURE, c.error_code);
		/* no mechanism token came back */
		EXPECT_FALSE(c.last.has_nego_token);
		EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
		client_free(&c);
		server_free(&s);
	}
}

TEST(wrong_password_sends_error_code)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, WRONG_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	EXPECT_EQ(SEC_E_LOGON_DENIED, exchange(_metadata, &c, &s));
	EXPECT_TRUE(c.got_error_code);
	EXPECT_EQ(STATUS_LOGON_FAILURE, c.error_code);
	EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
	/* the context is dead */
	{
		struct cssp_step step;

		EXPECT_NE(SEC_I_CONTINUE_NEEDED,
			  cssp_ctx_step(s.ctx, (const uint8_t *)"\x17", 1, &step));
		cssp_buf_free(&step.output);
	}
	client_free(&c);
	server_free(&s);
}

struct bad_case {
	enum misbehaviour bad;
	uint32_t version;
	uint32_t want;
	bool error_code;
};

static void run_bad(struct __test_metadata *_metadata, const struct bad_case *b)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, b->version, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 2, NULL, false));
	c.bad = b->bad;
	EXPECT_EQ(b->want, exchange(_metadata, &c, &s)) TH_LOG("misbehaviour %d", b->bad);
	EXPECT_EQ(b->error_code, c.got_error_code);
	EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
	client_free(&c);
	server_free(&s);
}

TEST(binding_failures)
{
	static const struct bad_case cases[] = {
		/* a wrong key is a man in the middle: no errorCode, just the end */
		{WRONG_PUBKEY, 6, SEC_E_LOGON_DENIED, false},
		{WRONG_PUBKEY, 3, SEC_E_LOGON_DENIED, false},
		/* never a fallback from hash to echo */
		{ECHO_AT_V6, 6, SEC_E_LOGON_DENIED, false},
		{NO_NONCE, 6, SEC_E_LOGON_DENIED, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_bad(_metadata, &cases[i]);
}

TEST(protocol_violations)
{
	static const struct bad_case cases[] = {
		{CHANGE_VERSION, 6, SEC_E_INVALID_TOKEN, false},
		{EARLY_AUTH_INFO, 6, SEC_E_INVALID_TOKEN, false},
		{GARBAGE_PLAINTEXT, 6, SEC_E_INVALID_TOKEN, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_bad(_metadata, &cases[i]);
}

TEST(delegated_user_must_match)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = OTHER_USER;
	EXPECT_EQ(SEC_E_LOGON_DENIED, exchange(_metadata, &c, &s));
	EXPECT_TRUE(c.got_error_code);
	client_free(&c);
	server_free(&s);

	/* unless the credential allows it */
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, true));
	c.bad = OTHER_USER;
	EXPECT_EQ(SEC_E_OK, exchange(_metadata, &c, &s));
	client_free(&c);
	server_free(&s);
}

TEST(restricted_admin)
{
	struct cssp_ctx_options opts = {.restricted_admin = true};
	const struct cssp_result *r;
	struct client c;
	struct server s;

	NEED_SETUP();
	/* empty credentials without restricted admin are refused */
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = EMPTY_CREDS;
	EXPECT_EQ(SEC_E_LOGON_DENIED, exchange(_metadata, &c, &s));
	client_free(&c);
	server_free(&s);

	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, &opts, false));
	c.bad = EMPTY_CREDS;
	EXPECT_EQ(SEC_E_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	ASSERT_NE(NULL, r);
	EXPECT_TRUE(r->creds_empty);
	EXPECT_EQ(0, r->payload.len);
	EXPECT_STREQ("CONTOSO\\alice", r->principal);
	client_free(&c);
	server_free(&s);
}

TEST(smartcard_credentials)
{
	const struct cssp_result *r;
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = SMARTCARD;
	EXPECT_EQ(SEC_E_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(CSSP_CRED_SMARTCARD, r->creds.type);
	EXPECT_EQ(12, r->creds.smartcard.pin.len);
	EXPECT_EQ(1, r->creds.smartcard.key_spec);
	EXPECT_EQ(CREDSSP_CRED_SMARTCARD, r->payload.data[1]);
	client_free(&c);
	server_free(&s);
}

/* The client's first record after authInfo is left to the caller, untouched. */
TEST(trailing_record_is_extra)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = TRAILING_RECORD;
	EXPECT_EQ(SEC_E_OK, exchange(_metadata, &c, &s));
	/* one TLS record holding the 11 bytes: 5 + 11 + AEAD overhead */
	EXPECT_GE(c.trailing_len, 5 + 11 + 16);
	EXPECT_LE(c.trailing_len, 5 + 11 + 1 + 16 + 8);
	ASSERT_EQ(c.trailing_len, s.pending.len - 0);
	EXPECT_EQ(0x17, s.pending.data[0]);
	client_free(&c);
	server_free(&s);
}

/* Byte-at-a-time delivery: INCOMPLETE_MESSAGE consumes nothing, the rest works. */
TEST(byte_by_byte)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = BYTE_BY_BYTE;
	EXPECT_EQ(SEC_E_OK, exchange(_metadata, &c, &s));
	client_free(&c);
	server_free(&s);
}

TEST(bad_input)
{
	static const uint8_t not_tls[] = "GET / HTTP/1.1\r\n\r\n";
	/* a TSRequest header claiming more than CSSP_TSREQUEST_MAX */
	static const uint8_t hello_partial[] = {0x16, 0x03, 0x01, 0x00, 0x10};
	struct server s;
	struct cssp_step step;

	NEED_SETUP();
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	EXPECT_EQ(SEC_E_INCOMPLETE_MESSAGE, cssp_ctx_step(s.ctx, NULL, 0, &step));
	EXPECT_EQ(SEC_E_INCOMPLETE_MESSAGE,
		  cssp_ctx_step(s.ctx, hello_partial, sizeof(hello_partial), &step));
	EXPECT_EQ(0, step.consumed);
	EXPECT_EQ(SEC_E_INVALID_TOKEN, cssp_ctx_step(s.ctx, not_tls, sizeof(not_tls) - 1, &step));
	cssp_buf_free(&step.output);
	server_free(&s);
}

TEST(status_names)
{
	EXPECT_STREQ("SEC_E_OK", cssp_status_name(SEC_E_OK));
	EXPECT_STREQ("SEC_E_LOGON_DENIED", cssp_status_name(SEC_E_LOGON_DENIED));
	EXPECT_STREQ("SEC_E_INVALID_HANDLE", cssp_status_name(0x80100003U));
	EXPECT_STREQ("SEC_E_UNKNOWN", cssp_status_name(0x12345678U));
}

int main(int argc, char **argv)
{
	setup();
	atexit(teardown);
	if (!ready)
		fprintf(stderr, "# setup: %s\n", setup_err);
	return test_harness_run(argc, argv);
}
