// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the CredSSP acceptor engine (helper/engine.c) against the
 * in-process client of tests/lib/cssp_client.c (an OpenSSL TLS client, an
 * MIT GSSAPI initiator: gss-ntlmssp for NTLM, krb5 with the throwaway KDC
 * of tests/lib/realm.c; the DER codec for its TSRequests). The client
 * follows the shapes real clients use (FreeRDP, rdesktop) and is told to
 * misbehave, one way per test.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>

#include <linux/credssp.h>
#include <linux/credssp_types.h>

#include "cssp_client.h"
#include "der.h"
#include "engine.h"
#include "kselftest_harness.h"
#include "realm.h"

#define STATUS_LOGON_FAILURE 0xC000006DU

static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};
static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};

/*
 * A client of @mech (NTLM, krb5 or SPNEGO; under SPNEGO it offers only
 * @inner) speaking TSRequest @version, with the NT hash @nt_hash (NTLM) or
 * the TGT kdc.sh left in the realm's ccache (@nt_hash NULL).
 */
static int client_init_user(struct client *c, gss_OID mech, gss_OID inner, uint32_t version,
			    const char *nt_hash, const char *user)
{
	char ccache[PATH_MAX + 8], target[300];
	struct client_opts o = {mech, inner, version, nt_hash, ccache, target, NULL, user};

	snprintf(ccache, sizeof(ccache), "FILE:%s", realm_path("ccache"));
	/*
	 * With a keytab configured, the server's NTLM under SPNEGO names itself
	 * TERMSRV/<gethostname()>, and gss-ntlmssp initiators check that name.
	 */
	if (mech == &spnego_oid && inner == &ntlm_oid)
		snprintf(target, sizeof(target), "TERMSRV@%s", realm.local_host);
	else
		snprintf(target, sizeof(target), "TERMSRV@%s", HOST);
	return cssp_client_init(c, &o);
}

static int client_init(struct client *c, gss_OID mech, gss_OID inner, uint32_t version,
		       const char *nt_hash)
{
	return client_init_user(c, mech, inner, version, nt_hash, NULL);
}

/* A server credential of the realm's keytab and user file, and one context of it. */
static bool keep_unbound; /* the next server's keep_unbound_delegated (one test per process) */

static int server_init_users(struct __test_metadata *_metadata, struct server *s,
			     uint32_t min_version, const struct cssp_ctx_options *opts,
			     bool allow_other, const char *users)
{
	struct cssp_cred_config cfg = {
		.tls = {.state_dir = realm_path("state")},
		.keytab = realm_path("termsrv.keytab"),
		.ntlm_user_file = users,
		.min_version = min_version,
		.allow_other_delegated_user = allow_other,
		.keep_unbound_delegated = keep_unbound,
	};
	struct cssp_cred *cred = NULL;
	char err[512] = "";

	memset(s, 0, sizeof(*s));
	if (cssp_cred_new(&cfg, &cred, err, sizeof(err)) != CREDSSP_SEC_STATUS_OK) {
		TH_LOG("cssp_cred_new: %s", err);
		return -1;
	}
	if (cssp_server_init(s, cred, opts, false)) {
		cssp_cred_free(cred);
		return -1;
	}
	s->own_cred = true;
	return 0;
}

static int server_init(struct __test_metadata *_metadata, struct server *s, uint32_t min_version,
		       const struct cssp_ctx_options *opts, bool allow_other)
{
	return server_init_users(_metadata, s, min_version, opts, allow_other, realm_path("users"));
}

/*
 * Run the whole exchange (cssp_client_exchange()); returns the server's
 * final status. The engine must keep the engine.h contract on every call.
 */
static uint32_t exchange(struct __test_metadata *_metadata, struct client *c, struct server *s)
{
	uint32_t st = cssp_client_exchange(c, s);

	ASSERT_FALSE(s->broken) TH_LOG("cssp_ctx_step(): %s", s->err);
	return st;
}

/* ---- tests ---- */

/* the realm with its KDC, and a state dir for the self-signed certificate */
static bool ready;

#define NEED_SETUP() ASSERT_TRUE(ready) TH_LOG("setup: %s", realm.err)

static void expect_password_result(struct __test_metadata *_metadata, const struct cssp_result *r,
				   const char *domain, enum cssp_package pkg, uint32_t version)
{
	size_t n;
	uint8_t *pw = cssp_client_utf16(PASSWORD, &n, false);

	ASSERT_NE(NULL, r);
	EXPECT_EQ(pkg, r->package);
	EXPECT_EQ(version, r->version);
	EXPECT_EQ(CSSP_CRED_PASSWORD, r->creds.type);
	EXPECT_EQ(n, r->creds.password.password.len);
	EXPECT_EQ(0, memcmp(pw, r->creds.password.password.data, n));
	free(pw);
	pw = cssp_client_utf16(domain, &n, false);
	EXPECT_EQ(n, r->creds.password.domain.len);
	free(pw);
	EXPECT_FALSE(r->creds_empty);
	EXPECT_EQ(CSSP_DELEG_BOUND, r->binding);
	EXPECT_FALSE(r->creds_dropped);
	/* the kernel payload: header, then domain, user, password */
	ASSERT_GE(r->payload.len, sizeof(struct credssp_creds_hdr));
	EXPECT_EQ(CREDSSP_CREDS_VERSION, r->payload.data[0]);
	EXPECT_EQ(CREDSSP_CRED_TYPE_PASSWORD, r->payload.data[1]);
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
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	expect_password_result(_metadata, r, "CONTOSO", CSSP_PACKAGE_NTLM, 6);
	EXPECT_STREQ("CONTOSO\\alice", r->principal);
	EXPECT_FALSE(r->spnego);
	EXPECT_EQ(6, r->peer_version);
	EXPECT_EQ(UINT64_MAX, r->expiry);
	cssp_client_free(&c);
	cssp_server_free(&s);
}

TEST(ntlm_spnego_v6)
{
	struct client c;
	struct server s;
	const struct cssp_result *r;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &spnego_oid, &ntlm_oid, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	expect_password_result(_metadata, r, "CONTOSO", CSSP_PACKAGE_NTLM, 6);
	EXPECT_TRUE(r->spnego);
	cssp_client_free(&c);
	cssp_server_free(&s);
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
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	expect_password_result(_metadata, r, REALM, CSSP_PACKAGE_KERBEROS, 2);
	EXPECT_STREQ("alice@" REALM, r->principal);
	EXPECT_NE(UINT64_MAX, r->expiry);
	cssp_client_free(&c);
	cssp_server_free(&s);
}

TEST(krb5_spnego_v6)
{
	struct client c;
	struct server s;
	const struct cssp_result *r;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &spnego_oid, (gss_OID)gss_mech_krb5, 6, NULL));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	expect_password_result(_metadata, r, REALM, CSSP_PACKAGE_KERBEROS, 6);
	EXPECT_TRUE(r->spnego);
	cssp_client_free(&c);
	cssp_server_free(&s);
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
		EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s))
		TH_LOG("version %u", v);
		r = cssp_ctx_result(s.ctx);
		ASSERT_NE(NULL, r);
		EXPECT_EQ(v, r->peer_version);
		EXPECT_EQ(v < 6 ? v : 6, r->version);
		/* the server always announces its own version */
		EXPECT_EQ(6, c.server_version);
		cssp_client_free(&c);
		cssp_server_free(&s);
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
		EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, exchange(_metadata, &c, &s));
		/* errorCode exists in v3 and v4, not in v2 */
		EXPECT_EQ(v != 2, c.got_error_code) TH_LOG("version %u", v);
		if (c.got_error_code)
			EXPECT_EQ(STATUS_LOGON_FAILURE, c.error_code);
		/* no mechanism token came back */
		EXPECT_FALSE(c.last.has_nego_token);
		EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
		cssp_client_free(&c);
		cssp_server_free(&s);
	}
}

TEST(wrong_password_sends_error_code)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, WRONG_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, exchange(_metadata, &c, &s));
	EXPECT_TRUE(c.got_error_code);
	EXPECT_EQ(STATUS_LOGON_FAILURE, c.error_code);
	EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
	/* the context is dead */
	{
		struct cssp_step step;

		EXPECT_NE(CREDSSP_SEC_STATUS_CONTINUE_NEEDED,
			  cssp_ctx_step(s.ctx, (const uint8_t *)"\x17", 1, &step));
		cssp_buf_free(&step.output);
	}
	cssp_client_free(&c);
	cssp_server_free(&s);
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
	cssp_client_free(&c);
	cssp_server_free(&s);
}

TEST(binding_failures)
{
	static const struct bad_case cases[] = {
		/* a wrong key is a man in the middle: no errorCode, just the end */
		{WRONG_PUBKEY, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		{WRONG_PUBKEY, 3, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		/* never a fallback from hash to echo */
		{ECHO_AT_V6, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		{NO_NONCE, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_bad(_metadata, &cases[i]);
}

TEST(protocol_violations)
{
	static const struct bad_case cases[] = {
		{CHANGE_VERSION, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		{EARLY_AUTH_INFO, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		{GARBAGE_PLAINTEXT, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
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
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, exchange(_metadata, &c, &s));
	EXPECT_TRUE(c.got_error_code);
	cssp_client_free(&c);
	cssp_server_free(&s);

	/* unless the credential allows it */
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, true));
	c.bad = OTHER_USER;
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	ASSERT_NE(NULL, cssp_ctx_result(s.ctx));
	EXPECT_EQ(CSSP_DELEG_OTHER_USER, cssp_ctx_result(s.ctx)->binding);
	EXPECT_NE(0, cssp_ctx_result(s.ctx)->payload.len);
	cssp_client_free(&c);
	cssp_server_free(&s);
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
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, exchange(_metadata, &c, &s));
	cssp_client_free(&c);
	cssp_server_free(&s);

	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, &opts, false));
	c.bad = EMPTY_CREDS;
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	r = cssp_ctx_result(s.ctx);
	ASSERT_NE(NULL, r);
	EXPECT_TRUE(r->creds_empty);
	EXPECT_EQ(0, r->payload.len);
	EXPECT_EQ(CSSP_DELEG_NONE, r->binding);
	EXPECT_FALSE(r->creds_dropped);
	EXPECT_STREQ("CONTOSO\\alice", r->principal);
	cssp_client_free(&c);
	cssp_server_free(&s);
}

/*
 * A successful logon of alice (SPNEGO/Kerberos, else raw NTLM) that
 * delegates credentials of kind @bad; the result, kept in @s.
 */
static const struct cssp_result *delegated(struct __test_metadata *_metadata, struct client *c,
					   struct server *s, bool krb5, enum misbehaviour bad)
{
	EXPECT_EQ(0, krb5 ? client_init(c, &spnego_oid, (gss_OID)gss_mech_krb5, 6, NULL)
			  : client_init(c, &ntlm_oid, NULL, 6, ALICE_NT));
	EXPECT_EQ(0, server_init(_metadata, s, 0, NULL, false));
	c->bad = bad;
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, c, s));
	return cssp_ctx_result(s->ctx);
}

/* Unbound credentials of @type, dropped: nothing delegated, nothing for the kernel. */
static void expect_dropped(struct __test_metadata *_metadata, const struct cssp_result *r,
			   enum cssp_cred_type type)
{
	ASSERT_NE(NULL, r);
	EXPECT_EQ(CSSP_DELEG_UNBOUND, r->binding);
	EXPECT_TRUE(r->creds_dropped);
	EXPECT_TRUE(r->creds_empty);
	EXPECT_EQ(type, r->dropped_type);
	EXPECT_EQ(0, r->payload.len);
}

/*
 * Issue 16: smart-card credentials without a userHint, after an NTLM logon
 * as alice, name nobody (CSSP_DELEG_UNBOUND): by default the logon succeeds
 * and the PIN is dropped (no credentials, no payload for the kernel, no
 * ASC_RET_DELEGATE); with keep_unbound_delegated they are kept, classified.
 */
TEST(smartcard_credentials)
{
	const struct cssp_result *r;
	struct client c;
	struct server s;

	NEED_SETUP();
	r = delegated(_metadata, &c, &s, false, SMARTCARD);
	expect_dropped(_metadata, r, CSSP_CRED_SMARTCARD);
	EXPECT_EQ(0, r->creds.smartcard.pin.len);
	EXPECT_STREQ("CONTOSO\\alice", r->principal);
	cssp_client_free(&c);
	cssp_server_free(&s);

	keep_unbound = true;
	r = delegated(_metadata, &c, &s, false, SMARTCARD);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(CSSP_DELEG_UNBOUND, r->binding);
	EXPECT_FALSE(r->creds_dropped);
	EXPECT_EQ(CSSP_CRED_SMARTCARD, r->creds.type);
	EXPECT_EQ(12, r->creds.smartcard.pin.len);
	EXPECT_EQ(1, r->creds.smartcard.key_spec);
	ASSERT_NE(0, r->payload.len);
	EXPECT_EQ(CREDSSP_CRED_TYPE_SMARTCARD, r->payload.data[1]);
	cssp_client_free(&c);
	cssp_server_free(&s);
}

/*
 * Remote Credential Guard is Kerberos only: refused after NTLM; unbound (its
 * Kerberos buffers are not opened), so dropped by default; kept, typed.
 */
TEST(remote_guard_credentials)
{
	const struct cssp_result *r;
	struct client c;
	struct server s;

	NEED_SETUP();
	r = delegated(_metadata, &c, &s, true, REMOTE_GUARD);
	expect_dropped(_metadata, r, CSSP_CRED_REMOTE_GUARD);
	cssp_client_free(&c);
	cssp_server_free(&s);

	keep_unbound = true;
	r = delegated(_metadata, &c, &s, true, REMOTE_GUARD);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(CSSP_DELEG_UNBOUND, r->binding);
	EXPECT_EQ(CSSP_CRED_REMOTE_GUARD, r->creds.type);
	EXPECT_EQ(64, r->creds.remote_guard.logon.cred_buffer.len);
	EXPECT_EQ(0x11, r->creds.remote_guard.logon.cred_buffer.data[63]);
	EXPECT_EQ(1, r->creds.remote_guard.n_supplemental);
	EXPECT_EQ(20, r->creds.remote_guard.supplemental[0].cred_buffer.len);
	/* payload: logon package name + buffer, supplemental name + buffer */
	EXPECT_EQ(CREDSSP_CRED_TYPE_REMOTE_GUARD, r->payload.data[1]);
	EXPECT_EQ(4, r->payload.data[2] | r->payload.data[3] << 8);
	cssp_client_free(&c);
	cssp_server_free(&s);

	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = REMOTE_GUARD;
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, exchange(_metadata, &c, &s));
	EXPECT_TRUE(c.got_error_code);
	EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
	cssp_client_free(&c);
	cssp_server_free(&s);
}

/* ---- security review: fields out of turn, malformed or unbound ---- */

struct case_ex {
	enum misbehaviour bad;
	bool krb5;
	uint32_t version;
	uint32_t want;
	bool error_code;
};

static void run_case(struct __test_metadata *_metadata, const struct case_ex *b)
{
	bool krb5 = b->krb5;
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, krb5 ? (gss_OID)gss_mech_krb5 : &ntlm_oid, NULL, b->version,
				 krb5 ? NULL : ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 2, NULL, false));
	c.bad = b->bad;
	EXPECT_EQ(b->want, exchange(_metadata, &c, &s))
	TH_LOG("misbehaviour %d, %s v%u", b->bad, krb5 ? "krb5" : "NTLM", b->version);
	EXPECT_EQ(b->error_code, c.got_error_code) TH_LOG("misbehaviour %d", b->bad);
	if (b->want != CREDSSP_SEC_STATUS_OK)
		EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
	cssp_client_free(&c);
	cssp_server_free(&s);
}

#define KRB5 true
#define NTLM false

/* Every field must come in its turn: the state machine refuses the rest. */
TEST(fields_out_of_turn)
{
	static const struct case_ex cases[] = {
		/* pubKeyAuth again with authInfo: AUTHINFO takes authInfo alone */
		{PUBKEY_AGAIN, NTLM, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		{PUBKEY_AGAIN, KRB5, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		/* a negoToken after the mechanism completed */
		{TOKEN_AFTER_COMPLETE, NTLM, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		{TOKEN_AFTER_COMPLETE, KRB5, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		/* authInfo where pubKeyAuth is due (PUBKEY state: Kerberos, own message) */
		{AUTH_INFO_FOR_PUBKEY, KRB5, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		{AUTH_INFO_FOR_PUBKEY, KRB5, 2, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		/* errorCode is the server's field */
		{CLIENT_ERROR_CODE, NTLM, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		/* a clientNonce that is not 32 bytes */
		{SHORT_NONCE, NTLM, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		/* the client's own pubKeyAuth blob replayed as authInfo */
		{REPLAY_PUBKEY_AS_AUTH, NTLM, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		{REPLAY_PUBKEY_AS_AUTH, KRB5, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(_metadata, &cases[i]);
}

/* UTF-16 strings are whole code units: an odd length is malformed, not cut short. */
TEST(credentials_odd_utf16)
{
	static const struct case_ex c = {ODD_PASSWORD, NTLM, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN,
					 false};

	run_case(_metadata, &c);
}

/* Every byte of the binding counts, in both shapes and both schemes. */
TEST(binding_every_byte)
{
	static const struct case_ex cases[] = {
		{HASH_TRUNCATED, NTLM, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		{HASH_LAST_BYTE, NTLM, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		{HASH_LAST_BYTE, KRB5, 5, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		/* the server's own direction reflected back */
		{HASH_S2C_MAGIC, NTLM, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		/* the nonce that counts is the one that comes with pubKeyAuth */
		{NONCE_CHANGED, NTLM, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		{NONCE_CHANGED, KRB5, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		/* PUBKEY state (Kerberos, own message): the nonce and the key are checked too */
		{NO_NONCE, KRB5, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		{WRONG_PUBKEY, KRB5, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		{WRONG_PUBKEY, KRB5, 2, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		{ECHO_AT_V6, KRB5, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		/* echo: the client sends the key, never the server's key + 1 */
		{ECHO_PLUS_ONE, NTLM, 3, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		/* a nonce sent once, in the first TSRequest, still binds */
		{NONCE_FIRST_ONLY, NTLM, 6, CREDSSP_SEC_STATUS_OK, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(_metadata, &cases[i]);
}

/* pubKeyAuth and authInfo must be sealed, not only signed. */
TEST(binding_and_credentials_sealed)
{
	static const struct case_ex cases[] = {
		{PUBKEY_INTEG_ONLY, KRB5, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		{AUTH_INFO_INTEG_ONLY, KRB5, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(_metadata, &cases[i]);
}

/* Versions 0 and 1 do not exist: refused at the first TSRequest, before any mechanism. */
TEST(version_below_two)
{
	for (uint32_t v = 0; v <= 1; v++) {
		struct client c;
		struct server s;

		NEED_SETUP();
		ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, v, ALICE_NT));
		ASSERT_EQ(0, server_init(_metadata, &s, 2, NULL, false));
		EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_TOKEN, exchange(_metadata, &c, &s))
		TH_LOG("version %u", v);
		EXPECT_FALSE(c.last.has_nego_token);
		cssp_client_free(&c);
		cssp_server_free(&s);
	}
}

/* min_version 6 refuses a version 5 client: the minimum is not hard-wired to 5. */
TEST(minimum_version_six)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 5, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 6, NULL, false));
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, exchange(_metadata, &c, &s));
	EXPECT_FALSE(c.got_error_code); /* version 5 has no errorCode */
	EXPECT_FALSE(c.last.has_nego_token);
	cssp_client_free(&c);
	cssp_server_free(&s);
}

/* The server never sends a clientNonce, and exactly one pubKeyAuth. */
TEST(server_messages_shape)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	EXPECT_EQ(0, c.server_nonces);
	EXPECT_EQ(1, c.server_pub_key_auths);
	EXPECT_FALSE(c.got_error_code);
	cssp_client_free(&c);
	cssp_server_free(&s);
}

/* ---- security review: the delegated-user policy ---- */

/*
 * CONTOSO\alice logs on over NTLM without a domain (gss-ntlmssp matches the
 * CONTOSO\alice line and reports the principal "alice") and delegates
 * FABRIKAM\alice: a domain the user file never accepted for her.
 */
TEST(ntlm_no_domain_delegates_other_domain)
{
	const struct cssp_result *r;
	struct client c;
	struct server s;
	uint32_t st;

	NEED_SETUP();
	ASSERT_EQ(0, client_init_user(&c, &ntlm_oid, NULL, 6, ALICE_NT, "alice"));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.deleg_domain = "FABRIKAM";
	st = exchange(_metadata, &c, &s);
	r = cssp_ctx_result(s.ctx);
	if (r)
		TH_LOG("principal \"%s\" delegated FABRIKAM\\alice", r->principal);
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, st);
	cssp_client_free(&c);
	cssp_server_free(&s);
}

/*
 * A user-file line without a domain ("alicex") matches any domain, and the
 * principal is then "<the client's domain>\alicex". With a 505-character
 * domain that is 512 characters: the result must not report a truncated
 * principal ("...\alice", another user), nor let alicex delegate alice.
 */
TEST(long_ntlm_domain_principal_not_truncated)
{
	char user[700];
	const struct cssp_result *r;
	struct client c;
	struct server s;
	uint32_t st;
	size_t n;

	NEED_SETUP();
	ASSERT_EQ(0, realm_run("printf 'alicex:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[U          ]:"
			       "LCT-00000000:\\n' >'%s'",
			       ALICE_NT, realm_path("users-nodomain")));
	memset(user, 'D', 505);
	n = 505 + (size_t)snprintf(user + 505, sizeof(user) - 505, "\\alicex");
	ASSERT_EQ(512, n);
	ASSERT_EQ(0, client_init_user(&c, &ntlm_oid, NULL, 6, ALICE_NT, user));
	ASSERT_EQ(0,
		  server_init_users(_metadata, &s, 0, NULL, false, realm_path("users-nodomain")));
	c.deleg_domain = "";
	c.deleg_user = "alice";
	st = exchange(_metadata, &c, &s);
	r = cssp_ctx_result(s.ctx);
	if (r) {
		TH_LOG("principal: ...%s (%zu chars)", r->principal + 500, strlen(r->principal));
		EXPECT_EQ(n, strlen(r->principal));
	}
	EXPECT_NE(CREDSSP_SEC_STATUS_OK, st);
	cssp_client_free(&c);
	cssp_server_free(&s);
}

/*
 * Smart card credentials name their user in userHint/domainHint: the
 * delegated-user policy applies to them too (alice may not hand over a PIN
 * "for" CONTOSO\bob), and a hint that names alice is accepted.
 */
TEST(smartcard_hint_must_match)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = SMARTCARD;
	c.deleg_user = "bob";
	c.deleg_domain = "CONTOSO";
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, exchange(_metadata, &c, &s));
	cssp_client_free(&c);
	cssp_server_free(&s);

	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = SMARTCARD;
	c.deleg_user = "alice";
	c.deleg_domain = "CONTOSO";
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	ASSERT_NE(NULL, cssp_ctx_result(s.ctx));
	EXPECT_EQ(CSSP_DELEG_BOUND, cssp_ctx_result(s.ctx)->binding);
	EXPECT_EQ(12, cssp_ctx_result(s.ctx)->creds.smartcard.pin.len);
	cssp_client_free(&c);
	cssp_server_free(&s);
}

/* ---- security review: tests for the mutants nothing caught ---- */

/* No clientNonce at version 6 is a failed binding, even for a hash over a zero nonce. */
TEST(missing_nonce_is_not_a_zero_nonce)
{
	static const struct case_ex cases[] = {
		{NO_NONCE_ZERO, NTLM, 6, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
		{NO_NONCE_ZERO, KRB5, 5, CREDSSP_SEC_STATUS_LOGON_DENIED, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(_metadata, &cases[i]);
}

/*
 * Issue 16: a SPNEGO negoToken whose outer length claims more bytes than
 * were sent is a malformed token (engine.rst), not an internal error; no
 * errorCode (that is for a denied logon).
 */
TEST(lying_spnego_length)
{
	struct client c;
	struct server s;
	int i;

	NEED_SETUP();
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, client_init(&c, &spnego_oid, i ? (gss_OID)gss_mech_krb5 : &ntlm_oid, 6,
					 i ? NULL : ALICE_NT));
		ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
		c.bad = LYING_TOKEN_LENGTH;
		EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_TOKEN, exchange(_metadata, &c, &s))
		TH_LOG("SPNEGO/%s", i ? "Kerberos" : "NTLM");
		EXPECT_FALSE(c.got_error_code);
		EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
		cssp_client_free(&c);
		cssp_server_free(&s);
	}
}

/* A clientNonce is 32 bytes: a longer one is refused, not cut to its first 32. */
TEST(long_nonce)
{
	static const struct case_ex c = {LONG_NONCE, NTLM, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN,
					 false};

	run_case(_metadata, &c);
}

/* Lockstep: a TSRequest ends its record stream; bytes after it in the record are refused. */
TEST(junk_after_tsrequest)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = JUNK_AFTER_TSREQUEST;
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_TOKEN, exchange(_metadata, &c, &s));
	/* refused at that record: the NEGOTIATE got no CHALLENGE */
	EXPECT_EQ(0, c.server_msgs);
	cssp_client_free(&c);
	cssp_server_free(&s);
}

/*
 * The mechanism completed with nothing to send and no pubKeyAuth came: the
 * binding can never be skipped, whatever follows (here authInfo at once).
 */
TEST(last_token_without_pub_key_auth)
{
	static const struct case_ex cases[] = {
		{SKIP_PUBKEY, NTLM, 6, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
		{SKIP_PUBKEY, NTLM, 2, CREDSSP_SEC_STATUS_INVALID_TOKEN, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(_metadata, &cases[i]);
}

/*
 * authInfo with the last token is refused at that message: no pubKeyAuth
 * comes back. Wrapped before pubKeyAuth (EARLY_AUTH_INFO) or after it
 * (AUTH_INFO_WITH_PUBKEY, so that pubKeyAuth alone would unwrap).
 */
TEST(early_auth_info_refused_at_once)
{
	static const enum misbehaviour bad[] = {EARLY_AUTH_INFO, AUTH_INFO_WITH_PUBKEY};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct client c;
		struct server s;

		NEED_SETUP();
		ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
		ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
		c.bad = bad[i];
		EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_TOKEN, exchange(_metadata, &c, &s))
		TH_LOG("%d", bad[i]);
		EXPECT_EQ(0, c.server_pub_key_auths) TH_LOG("%d", bad[i]);
		EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
		cssp_client_free(&c);
		cssp_server_free(&s);
	}
}

/* The delegated user is alice, not a name that starts with it. */
TEST(delegated_user_not_a_prefix)
{
	static const char *const users[] = {"alicex", "alice2", "ali"};

	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		struct client c;
		struct server s;

		NEED_SETUP();
		ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
		ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
		c.deleg_user = users[i];
		EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, exchange(_metadata, &c, &s))
		TH_LOG("%s", users[i]);
		EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
		cssp_client_free(&c);
		cssp_server_free(&s);
	}
}

/* A refusal is final: alice's credentials sent after bob's were refused do not log on. */
TEST(dead_after_denial)
{
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = RETRY_AFTER_DENIAL;
	EXPECT_EQ(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION, exchange(_metadata, &c, &s));
	EXPECT_TRUE(c.got_error_code); /* from the first refusal */
	EXPECT_EQ(NULL, cssp_ctx_result(s.ctx));
	cssp_client_free(&c);
	cssp_server_free(&s);
}

/* After CREDSSP_SEC_STATUS_OK the context takes no more input, and its result stays. */
TEST(nothing_after_ok)
{
	struct cssp_step step;
	struct client c;
	struct server s;

	NEED_SETUP();
	ASSERT_EQ(0, client_init(&c, &ntlm_oid, NULL, 6, ALICE_NT));
	ASSERT_EQ(0, server_init(_metadata, &s, 0, NULL, false));
	c.bad = TRAILING_RECORD;
	ASSERT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	ASSERT_LT(0, s.pending.len);
	EXPECT_EQ(CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION,
		  cssp_ctx_step(s.ctx, s.pending.data, s.pending.len, &step));
	EXPECT_EQ(0, step.output.len);
	EXPECT_EQ(0, step.consumed);
	cssp_buf_free(&step.output);
	EXPECT_NE(NULL, cssp_ctx_result(s.ctx));
	cssp_client_free(&c);
	cssp_server_free(&s);
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
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	/* one TLS record holding the 11 bytes: 5 + 11 + AEAD overhead */
	EXPECT_GE(c.trailing_len, 5 + 11 + 16);
	EXPECT_LE(c.trailing_len, 5 + 11 + 1 + 16 + 8);
	ASSERT_EQ(c.trailing_len, s.pending.len - 0);
	EXPECT_EQ(0x17, s.pending.data[0]);
	cssp_client_free(&c);
	cssp_server_free(&s);
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
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, exchange(_metadata, &c, &s));
	cssp_client_free(&c);
	cssp_server_free(&s);
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
	EXPECT_EQ(CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE, cssp_ctx_step(s.ctx, NULL, 0, &step));
	EXPECT_EQ(CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE,
		  cssp_ctx_step(s.ctx, hello_partial, sizeof(hello_partial), &step));
	EXPECT_EQ(0, step.consumed);
	EXPECT_EQ(CREDSSP_SEC_STATUS_INVALID_TOKEN,
		  cssp_ctx_step(s.ctx, not_tls, sizeof(not_tls) - 1, &step));
	cssp_buf_free(&step.output);
	cssp_server_free(&s);
}

TEST(status_names)
{
	EXPECT_STREQ("SEC_E_OK", cssp_status_name(CREDSSP_SEC_STATUS_OK));
	EXPECT_STREQ("SEC_E_LOGON_DENIED", cssp_status_name(CREDSSP_SEC_STATUS_LOGON_DENIED));
	EXPECT_STREQ("SEC_E_INVALID_HANDLE", cssp_status_name(0x80090301U));
	EXPECT_STREQ("SEC_E_SECPKG_NOT_FOUND", cssp_status_name(0x80090305U));
	EXPECT_STREQ("SEC_E_OUT_OF_SEQUENCE", cssp_status_name(0x80090310U));
	EXPECT_STREQ("SEC_E_CONTEXT_EXPIRED", cssp_status_name(0x80090317U));
	EXPECT_STREQ("SEC_E_INVALID_PARAMETER", cssp_status_name(0x8009035DU));
	/* SCARD_E_INVALID_HANDLE, the value a Microsoft page misprints */
	EXPECT_STREQ("SEC_E_UNKNOWN", cssp_status_name(0x80100003U));
	EXPECT_STREQ("SEC_E_UNKNOWN", cssp_status_name(0x12345678U));
}

int main(int argc, char **argv)
{
	ready = !realm_setup("engine", true) && !realm_run("mkdir -p '%s'", realm_path("state"));
	atexit(realm_teardown);
	if (!ready)
		fprintf(stderr, "# setup: %s\n", realm.err);
	return test_harness_run(argc, argv);
}
