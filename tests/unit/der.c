// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of helper/der.c, the DER codec of TSRequest and TSCredentials:
 * known-answer vectors from MS-CSSP, pyspnego and sspi-rs (decoded field by
 * field and re-encoded byte for byte), malformed input of every kind, the
 * DER header parser, and checks that OpenSSL frees no secret unwiped.
 *
 * The vectors are in tests/unit/data/der/ (see the README there), found from
 * this program's path (build/unit/der) or from the working directory.
 */
#define _GNU_SOURCE /* memmem */
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "der.h"
#include "kselftest_harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/*
 * The harness runs each test in a child that leaves with _exit(), where
 * LeakSanitizer never looks: check for leaks explicitly at the end.
 */
#ifdef HAVE_LSAN
#define ASSERT_NO_LEAKS() ASSERT_EQ(0, __lsan_do_recoverable_leak_check())
#else
#define ASSERT_NO_LEAKS() \
	do {              \
	} while (0)
#endif

/* ---- OpenSSL allocator hooks: flag any block freed with the secret in it ---- */

/* "Zq9#Zq9#Zq9#" in UTF-16LE: the password and PIN of the wipe tests. */
static const uint8_t SECRET[] = {'Z', 0, 'q', 0, '9', 0, '#', 0, 'Z', 0, 'q', 0,
				 '9', 0, '#', 0, 'Z', 0, 'q', 0, '9', 0, '#', 0};
static int hooks_installed;
static int secret_freed;

static void scan_block(void *p)
{
	size_t n = p ? malloc_usable_size(p) : 0;

	if (n >= sizeof(SECRET) && memmem(p, n, SECRET, sizeof(SECRET)))
		secret_freed = 1;
}

static void *hook_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return malloc(n);
}

static void *hook_realloc(void *p, size_t n, const char *file, int line)
{
	void *q;

	(void)file;
	(void)line;
	if (!p)
		return malloc(n);
	/* Always move, so that the old block is scanned as it is released. */
	q = malloc(n ? n : 1);
	if (!q)
		return NULL;
	memcpy(q, p, n < malloc_usable_size(p) ? n : malloc_usable_size(p));
	scan_block(p);
	free(p);
	return q;
}

static void hook_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	scan_block(p);
	free(p);
}

static void __attribute__((constructor)) install_hooks(void)
{
	hooks_installed = CRYPTO_set_mem_functions(hook_malloc, hook_realloc, hook_free);
}

/* ---- helpers ---- */

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned int v;

	while (*s) {
		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			abort();
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static struct cssp_buf hexbuf(const char *s)
{
	struct cssp_buf b = {0};
	uint8_t tmp[512];
	size_t n = unhex(s, tmp);

	if (cssp_buf_set(&b, tmp, n))
		abort();
	return b;
}

/* A vector file of tests/unit/data/der; empty if not found. */
static struct cssp_buf load(const char *name)
{
	struct cssp_buf b = {0};
	char exe[PATH_MAX], path[PATH_MAX * 2];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	uint8_t chunk[4096];
	size_t got;
	FILE *f = NULL;

	if (n > 0) {
		exe[n] = 0;
		for (int up = 0; up < 3; up++) { /* build/unit/der -> repository */
			char *slash = strrchr(exe, '/');

			if (slash)
				*slash = 0;
		}
		snprintf(path, sizeof(path), "%s/tests/unit/data/der/%s", exe, name);
		f = fopen(path, "rb");
	}
	if (!f) {
		snprintf(path, sizeof(path), "tests/unit/data/der/%s", name);
		f = fopen(path, "rb");
	}
	if (!f)
		return b;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (cssp_buf_append(&b, chunk, got))
			abort();
	fclose(f);
	return b;
}

/* Prefix @b with a DER header of @tag. */
static void wrap(struct cssp_buf *b, uint8_t tag)
{
	struct cssp_buf n = {0};
	uint8_t h[6];
	size_t hn = 0, len = b->len;

	h[hn++] = tag;
	if (len < 0x80) {
		h[hn++] = (uint8_t)len;
	} else {
		int nb = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;

		h[hn++] = (uint8_t)(0x80 | nb);
		for (int i = nb - 1; i >= 0; i--)
			h[hn++] = (uint8_t)(len >> (8 * i));
	}
	if (cssp_buf_append(&n, h, hn) || cssp_buf_append(&n, b->data, b->len))
		abort();
	cssp_buf_free(b);
	*b = n;
}

static void append_hex(struct cssp_buf *b, const char *hex)
{
	struct cssp_buf t = hexbuf(hex);

	if (cssp_buf_append(b, t.data, t.len))
		abort();
	cssp_buf_free(&t);
}

/* TSCredentials{credType, credentials = @inner} */
static struct cssp_buf tscredentials(int type, const struct cssp_buf *inner)
{
	struct cssp_buf b = {0}, c = {0};
	char hex[32];

	if (cssp_buf_set(&c, inner->data, inner->len))
		abort();
	wrap(&c, 0x04);
	wrap(&c, 0xa1);
	snprintf(hex, sizeof(hex), "a0 03 02 01 %02x", type);
	append_hex(&b, hex);
	if (cssp_buf_append(&b, c.data, c.len))
		abort();
	wrap(&b, 0x30);
	cssp_buf_free(&c);
	return b;
}

static bool eq(const struct cssp_buf *b, const void *p, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->data, p, n) == 0);
}

static bool eq_buf(const struct cssp_buf *a, const struct cssp_buf *b)
{
	return eq(a, b->data, b->len);
}

/* Compare with ASCII text in UTF-16LE. */
static bool eq_u16(const struct cssp_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (b->data[2 * i] != (uint8_t)s[i] || b->data[2 * i + 1] != 0)
			return false;
	return true;
}

static bool all_bytes(const struct cssp_buf *b, uint8_t v, size_t n)
{
	if (b->len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (b->data[i] != v)
			return false;
	return true;
}

static struct cssp_buf u16(const char *s)
{
	struct cssp_buf b = {0};

	for (; *s; s++) {
		uint8_t c[2] = {(uint8_t)*s, 0};

		if (cssp_buf_append(&b, c, 2))
			abort();
	}
	return b;
}

static bool is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Decode from an exact-size heap copy, so that ASan sees any read past @len. */
static int req_decode(const uint8_t *in, size_t len, struct cssp_tsrequest *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	if (!copy)
		abort();
	if (len)
		memcpy(copy, in, len);
	rc = cssp_tsrequest_decode(copy, len, out);
	free(copy);
	return rc;
}

static int creds_decode(const uint8_t *in, size_t len, struct cssp_credentials *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	if (!copy)
		abort();
	if (len)
		memcpy(copy, in, len);
	rc = cssp_credentials_decode(copy, len, out);
	free(copy);
	return rc;
}

/* decode, then encode must give back the input. 0 on success, else a step number. */
static int req_roundtrip(const struct cssp_buf *in, struct cssp_tsrequest *out)
{
	struct cssp_buf re = {0};
	int rc = 0;

	if (req_decode(in->data, in->len, out))
		return 1;
	if (cssp_tsrequest_encode(out, &re))
		rc = 2;
	else if (!eq_buf(&re, in))
		rc = 3;
	cssp_buf_free(&re);
	return rc;
}

static int creds_roundtrip(const struct cssp_buf *in, struct cssp_credentials *out)
{
	struct cssp_buf re = {0};
	int rc = 0;

	if (creds_decode(in->data, in->len, out))
		return 1;
	if (cssp_credentials_encode(out, &re))
		rc = 2;
	else if (!eq_buf(&re, in))
		rc = 3;
	cssp_buf_free(&re);
	return rc;
}

/* 0 when @hex is rejected by the TSRequest decoder and the output is left zeroed. */
static int req_rejects(const char *hex)
{
	struct cssp_tsrequest r = {0};
	struct cssp_buf b = hexbuf(hex);
	int rc = req_decode(b.data, b.len, &r);

	cssp_buf_free(&b);
	if (rc == 0) {
		cssp_tsrequest_clear(&r);
		return 1;
	}
	return rc == -1 && is_zero(&r, sizeof(r)) ? 0 : 2;
}

static int creds_rejects_buf(const struct cssp_buf *b)
{
	struct cssp_credentials c = {0};
	int rc = creds_decode(b->data, b->len, &c);

	if (rc == 0) {
		cssp_credentials_clear(&c);
		return 1;
	}
	return rc == -1 && is_zero(&c, sizeof(c)) ? 0 : 2;
}

static int creds_rejects(const char *hex)
{
	struct cssp_buf b = hexbuf(hex);
	int rc = creds_rejects_buf(&b);

	cssp_buf_free(&b);
	return rc;
}

/* TSCredentials around TSPasswordCreds given in hex. */
static int password_inner_rejects(const char *inner_hex)
{
	struct cssp_buf in = hexbuf(inner_hex), tc = tscredentials(1, &in);
	int rc = creds_rejects_buf(&tc);

	cssp_buf_free(&in);
	cssp_buf_free(&tc);
	return rc;
}

static const char *const REQUEST_VECTORS[] = {
	"credssp_ts_request",
	"sspi_ntlm_1_phase_ts_request",
	"sspi_ntlm_2_phase_ts_request",
	"sspi_ntlm_3_phase_ts_request",
	"sspi_ntlm_4_phase_ts_request",
	"sspi_ntlm_5_phase_ts_request",
	"sspi_ntlm_without_client_nonce",
	"sspi_ntlm_with_error_code_ts_request",
};

static const char *const CREDENTIAL_VECTORS[] = {
	"credssp_ts_credential_password",
	"credssp_ts_credential_smart_card",
	"credssp_ts_credential_smart_card_full",
	"credssp_ts_credential_remote_guard_no_supplemental",
	"credssp_ts_credential_remote_guard_empty_supplemental",
	"credssp_ts_credential_remote_guard_multiple",
	"sspi_ts_credentials_one_symbol_username_and_password",
	"sspi_ts_credentials_strong_username_and_password",
	"sspi_ts_credentials_simple_with_username_and_domain_and_password",
	"sspi_ts_credentials_with_restricted_admin_mode_required",
};

/* pyspnego tests/data/credssp_ts_request, as given in the brief. */
#define PYSPNEGO_TS_REQUEST                                                                    \
	"3044a003020106a10b30093007a0050403313233a20b04096175746820696e666fa30e040c707562206b" \
	"65792061757468a40302010aa50e040c636c69656e74206e6f6e6365"
#define ERROR_CODE_REQUEST	    "30 0d a0 03 02 01 06 a4 06 02 04 c0 00 00 6d"
#define ERROR_CODE_REQUEST_POSITIVE "30 0e a0 03 02 01 06 a4 07 02 05 00 c0 00 00 6d"
#define RESTRICTED_ADMIN \
	"30 17 a0 03 02 01 01 a1 10 04 0e 30 0c a0 02 04 00 a1 02 04 00 a2 02 04 00"

static const uint8_t NTLM_CLIENT_NONCE[32] = {
	0x22, 0x10, 0x12, 0xad, 0x12, 0x5c, 0x7a, 0x15, 0xfe, 0xb6, 0x4b,
	0x1f, 0xcb, 0x94, 0x83, 0x3a, 0xc5, 0x6f, 0x66, 0x4c, 0xf3, 0xbc,
	0xe7, 0x54, 0x8a, 0x5d, 0x9e, 0x05, 0x0a, 0x46, 0x91, 0xdb,
};

/* ---- TSRequest known answers ---- */

TEST(tsrequest_pyspnego_vector)
{
	struct cssp_buf v = hexbuf(PYSPNEGO_TS_REQUEST), f = load("credssp_ts_request");
	struct cssp_tsrequest r = {0};
	struct cssp_buf enc = {0};

	ASSERT_EQ(70, v.len);
	ASSERT_TRUE(eq_buf(&f, &v)); /* the data file is the same vector */
	ASSERT_EQ(0, req_roundtrip(&v, &r));
	EXPECT_EQ(6, r.version);
	EXPECT_TRUE(r.has_nego_token);
	EXPECT_TRUE(eq(&r.nego_token, "123", 3));
	EXPECT_TRUE(r.has_auth_info);
	EXPECT_TRUE(eq(&r.auth_info, "auth info", 9));
	EXPECT_TRUE(r.has_pub_key_auth);
	EXPECT_TRUE(eq(&r.pub_key_auth, "pub key auth", 12));
	EXPECT_TRUE(r.has_error_code);
	EXPECT_EQ(10, r.error_code);
	EXPECT_TRUE(r.has_client_nonce);
	EXPECT_TRUE(eq(&r.client_nonce, "client nonce", 12));
	cssp_tsrequest_clear(&r);
	EXPECT_TRUE(is_zero(&r, sizeof(r)));

	/* The same message built field by field encodes to the vector. */
	r.version = 6;
	r.has_nego_token = r.has_auth_info = r.has_pub_key_auth = true;
	r.has_error_code = r.has_client_nonce = true;
	ASSERT_EQ(0, cssp_buf_set(&r.nego_token, "123", 3));
	ASSERT_EQ(0, cssp_buf_set(&r.auth_info, "auth info", 9));
	ASSERT_EQ(0, cssp_buf_set(&r.pub_key_auth, "pub key auth", 12));
	ASSERT_EQ(0, cssp_buf_set(&r.client_nonce, "client nonce", 12));
	r.error_code = 10;
	ASSERT_EQ(0, cssp_tsrequest_encode(&r, &enc));
	EXPECT_TRUE(eq_buf(&enc, &v));
	cssp_tsrequest_clear(&r);
	cssp_buf_free(&enc);
	cssp_buf_free(&v);
	cssp_buf_free(&f);
	ASSERT_NO_LEAKS();
}

TEST(tsrequest_error_code_negative_form)
{
	struct cssp_buf v = hexbuf(ERROR_CODE_REQUEST), enc = {0};
	struct cssp_tsrequest r = {.version = 6, .has_error_code = true, .error_code = 0xC000006D};

	ASSERT_EQ(0, cssp_tsrequest_encode(&r, &enc));
	EXPECT_TRUE(eq_buf(&enc, &v));
	ASSERT_EQ(0, req_roundtrip(&v, &r));
	EXPECT_EQ(6, r.version);
	EXPECT_TRUE(r.has_error_code);
	EXPECT_EQ(0xC000006Du, r.error_code);
	EXPECT_FALSE(r.has_nego_token || r.has_auth_info || r.has_pub_key_auth ||
		     r.has_client_nonce);
	cssp_tsrequest_clear(&r);
	cssp_buf_free(&enc);
	cssp_buf_free(&v);
	ASSERT_NO_LEAKS();
}

TEST(tsrequest_error_code_positive_form)
{
	struct cssp_buf v = hexbuf(ERROR_CODE_REQUEST_POSITIVE), neg = hexbuf(ERROR_CODE_REQUEST);
	struct cssp_buf enc = {0};
	struct cssp_tsrequest r = {0};

	ASSERT_EQ(0, req_decode(v.data, v.len, &r));
	EXPECT_TRUE(r.has_error_code);
	EXPECT_EQ(0xC000006Du, r.error_code);
	/* ... and is written back in the 4-byte form. */
	ASSERT_EQ(0, cssp_tsrequest_encode(&r, &enc));
	EXPECT_TRUE(eq_buf(&enc, &neg));
	cssp_tsrequest_clear(&r);
	cssp_buf_free(&enc);
	cssp_buf_free(&v);
	cssp_buf_free(&neg);
	ASSERT_NO_LEAKS();
}

TEST(tsrequest_error_code_range)
{
	static const struct {
		uint32_t code;
		const char *integer;
	} cases[] = {
		{0, "02 01 00"},
		{10, "02 01 0a"},
		{0x7fffffff, "02 04 7f ff ff ff"},
		{0x80000000, "02 04 80 00 00 00"},
		{0xC00700EA, "02 04 c0 07 00 ea"},
		{0xffffffff, "02 01 ff"},
	};
	char hex[128];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cssp_tsrequest r = {.version = 6, .has_error_code = true};
		struct cssp_buf enc = {0}, want;
		size_t ilen = strlen(cases[i].integer) / 3 + 1;

		r.error_code = cases[i].code;
		snprintf(hex, sizeof(hex), "30 %02zx a0 03 02 01 06 a4 %02zx %s", 5 + 2 + ilen,
			 ilen, cases[i].integer);
		want = hexbuf(hex);
		ASSERT_EQ(0, cssp_tsrequest_encode(&r, &enc));
		EXPECT_TRUE(eq_buf(&enc, &want));
		cssp_tsrequest_clear(&r);
		ASSERT_EQ(0, req_roundtrip(&want, &r));
		EXPECT_EQ(cases[i].code, r.error_code);
		cssp_tsrequest_clear(&r);
		cssp_buf_free(&enc);
		cssp_buf_free(&want);
	}
	/* The 5-byte positive forms of the other high codes decode too. */
	{
		struct cssp_tsrequest r = {0};
		struct cssp_buf b = hexbuf("30 0e a0 03 02 01 06 a4 07 02 05 00 ff ff ff ff");

		ASSERT_EQ(0, req_decode(b.data, b.len, &r));
		EXPECT_EQ(0xffffffffu, r.error_code);
		cssp_tsrequest_clear(&r);
		cssp_buf_free(&b);
	}
	/* Outside 32 bits: 2^32, -2^31 - 1, 2^39, 9 bytes. */
	EXPECT_EQ(0, req_rejects("30 0e a0 03 02 01 06 a4 07 02 05 01 00 00 00 00"));
	EXPECT_EQ(0, req_rejects("30 0e a0 03 02 01 06 a4 07 02 05 ff 7f ff ff ff"));
	EXPECT_EQ(0, req_rejects("30 0e a0 03 02 01 06 a4 07 02 05 7f 00 00 00 00"));
	EXPECT_EQ(0, req_rejects("30 12 a0 03 02 01 06 a4 0b 02 09 00 80 00 00 00 00 00 00 00"));
	/* Non-minimal INTEGERs. */
	EXPECT_EQ(0, req_rejects("30 0e a0 03 02 01 06 a4 07 02 05 00 00 00 00 0a"));
	EXPECT_EQ(0, req_rejects("30 0d a0 03 02 01 06 a4 06 02 04 ff ff ff ff"));
	ASSERT_NO_LEAKS();
}

TEST(tsrequest_version_range)
{
	struct cssp_tsrequest r = {0};
	struct cssp_buf b = hexbuf("30 05 a0 03 02 01 02"), enc = {0};

	ASSERT_EQ(0, req_roundtrip(&b, &r));
	EXPECT_EQ(2, r.version);
	cssp_tsrequest_clear(&r);
	cssp_buf_free(&b);
	b = hexbuf("30 06 a0 04 02 02 00 ff");
	ASSERT_EQ(0, req_roundtrip(&b, &r));
	EXPECT_EQ(255, r.version);
	cssp_tsrequest_clear(&r);
	cssp_buf_free(&b);

	EXPECT_EQ(0, req_rejects("30 05 a0 03 02 01 ff"));	 /* -1 */
	EXPECT_EQ(0, req_rejects("30 05 a0 03 02 01 80"));	 /* -128 */
	EXPECT_EQ(0, req_rejects("30 06 a0 04 02 02 01 00"));	 /* 256 */
	EXPECT_EQ(0, req_rejects("30 06 a0 04 02 02 00 06"));	 /* non-minimal 6 */
	EXPECT_EQ(0, req_rejects("30 04 a0 02 02 00"));		 /* empty INTEGER */
	EXPECT_EQ(0, req_rejects("30 05 a0 03 04 01 06"));	 /* OCTET STRING */
	EXPECT_EQ(0, req_rejects("30 00"));			 /* no version */
	EXPECT_EQ(0, req_rejects("30 07 a1 05 30 03 30 01 00")); /* no version */

	r.version = 256;
	EXPECT_EQ(-1, cssp_tsrequest_encode(&r, &enc));
	EXPECT_EQ(NULL, enc.data);
	ASSERT_NO_LEAKS();
}

TEST(tsrequest_sspi_rs_vectors)
{
	static const struct {
		const char *name;
		size_t nego_len, pub_len, auth_len;
		uint8_t ntlm_type;
		bool nonce;
	} cases[] = {
		{"sspi_ntlm_1_phase_ts_request", 40, 0, 0, 1, true},
		{"sspi_ntlm_2_phase_ts_request", 128, 0, 0, 2, true},
		{"sspi_ntlm_3_phase_ts_request", 312, 48, 0, 3, true},
		{"sspi_ntlm_4_phase_ts_request", 0, 48, 0, 0, true},
		{"sspi_ntlm_5_phase_ts_request", 0, 0, 45, 0, true},
		{"sspi_ntlm_without_client_nonce", 238, 0, 0, 2, false},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cssp_buf v = load(cases[i].name);
		struct cssp_tsrequest r = {0};

		TH_LOG("%s", cases[i].name);
		ASSERT_NE(0, v.len);
		ASSERT_EQ(0, req_roundtrip(&v, &r));
		EXPECT_EQ(6, r.version);
		EXPECT_EQ(cases[i].nego_len != 0, r.has_nego_token);
		EXPECT_EQ(cases[i].nego_len, r.nego_token.len);
		if (cases[i].nego_len) {
			EXPECT_EQ(0, memcmp(r.nego_token.data, "NTLMSSP\0", 8));
			EXPECT_EQ(cases[i].ntlm_type, r.nego_token.data[8]);
		}
		EXPECT_EQ(cases[i].pub_len != 0, r.has_pub_key_auth);
		EXPECT_EQ(cases[i].pub_len, r.pub_key_auth.len);
		EXPECT_EQ(cases[i].auth_len != 0, r.has_auth_info);
		EXPECT_EQ(cases[i].auth_len, r.auth_info.len);
		EXPECT_FALSE(r.has_error_code);
		EXPECT_EQ(cases[i].nonce, r.has_client_nonce);
		if (cases[i].nonce)
			EXPECT_TRUE(eq(&r.client_nonce, NTLM_CLIENT_NONCE, 32));
		cssp_tsrequest_clear(&r);
		cssp_buf_free(&v);
	}
	/* NTLM_3_PHASE_PUB_KEY_AUTH and NTLM_5_PHASE_AUTH_INFO begin with the NTLM signature
	 * version. */
	{
		struct cssp_buf v = load("sspi_ntlm_3_phase_ts_request");
		struct cssp_tsrequest r = {0};
		static const uint8_t head[] = {0x01, 0x00, 0x00, 0x00, 0xca, 0x18, 0x71, 0xef};

		ASSERT_EQ(0, req_decode(v.data, v.len, &r));
		EXPECT_EQ(0, memcmp(r.pub_key_auth.data, head, sizeof(head)));
		cssp_tsrequest_clear(&r);
		cssp_buf_free(&v);
	}
	/* NTLM_WITH_ERROR_CODE_TS_REQUEST: pubKeyAuth, errorCode 0xC00700EA, its own nonce. */
	{
		struct cssp_buf v = load("sspi_ntlm_with_error_code_ts_request");
		struct cssp_tsrequest r = {0};
		static const uint8_t nonce[] = {0xf8, 0x8d, 0xd4, 0xb7, 0x55, 0x9a, 0x94, 0xe5,
						0xe8, 0x7f, 0x2b, 0x2f, 0x94, 0xc2, 0x38, 0x58,
						0xa9, 0x84, 0xfc, 0x07, 0x69, 0x7d, 0xf8, 0x57,
						0x76, 0xc9, 0x57, 0xa3, 0x15, 0x12, 0xeb, 0x32};

		ASSERT_EQ(0, req_roundtrip(&v, &r));
		EXPECT_TRUE(r.has_error_code);
		EXPECT_EQ(0xC00700EAu, r.error_code);
		EXPECT_EQ(48, r.pub_key_auth.len);
		EXPECT_TRUE(eq(&r.client_nonce, nonce, sizeof(nonce)));
		EXPECT_FALSE(r.has_nego_token);
		cssp_tsrequest_clear(&r);
		cssp_buf_free(&v);
	}
	ASSERT_NO_LEAKS();
}

TEST(tsrequest_empty_octet_strings_are_present)
{
	struct cssp_tsrequest r = {0};
	struct cssp_buf b;

	/* a1 06 30 04 30 02 a0 00: a NegoData item whose [0] is empty is malformed */
	EXPECT_EQ(0, req_rejects("30 13 a0 03 02 01 06 a1 06 30 04 30 02 a0 00 a2 02 04 00 "
				 "a3 02 04 00"));
	b = hexbuf("30 17 a0 03 02 01 06 a1 08 30 06 30 04 a0 02 04 00 a2 02 04 00 "
		   "a3 02 04 00");
	ASSERT_EQ(0, req_roundtrip(&b, &r));
	EXPECT_TRUE(r.has_nego_token);
	EXPECT_TRUE(r.has_auth_info);
	EXPECT_TRUE(r.has_pub_key_auth);
	EXPECT_FALSE(r.has_client_nonce);
	EXPECT_EQ(0, r.nego_token.len + r.auth_info.len + r.pub_key_auth.len);
	cssp_tsrequest_clear(&r);
	cssp_buf_free(&b);
	ASSERT_NO_LEAKS();
}

/* ---- TSRequest malformed ---- */

TEST(tsrequest_rejects_malformed)
{
	/* unknown context tag [6], after the last field and alone */
	EXPECT_EQ(0, req_rejects("30 09 a0 03 02 01 06 a6 02 04 00"));
	EXPECT_EQ(0, req_rejects("30 0d a0 03 02 01 06 a5 02 04 00 a6 02 04 00"));
	/* [7] between fields, [31] high tag form, [1] primitive */
	EXPECT_EQ(0, req_rejects("30 0d a0 03 02 01 06 a7 02 04 00 a2 02 04 00"));
	EXPECT_EQ(0, req_rejects("30 0a a0 03 02 01 06 bf 1f 02 04 00"));
	EXPECT_EQ(0, req_rejects("30 07 a0 03 02 01 06 81 00"));
	/* fields out of order, a field twice */
	EXPECT_EQ(0, req_rejects("30 0d a0 03 02 01 06 a3 02 04 00 a2 02 04 00"));
	EXPECT_EQ(0, req_rejects("30 0d a0 03 02 01 06 a2 02 04 00 a2 02 04 00"));
	EXPECT_EQ(0, req_rejects("30 0a a0 03 02 01 06 a0 03 02 01 06"));
	/* wrong outer tag: SET, [0], OCTET STRING, SEQUENCE in high-tag form */
	EXPECT_EQ(0, req_rejects("31 05 a0 03 02 01 06"));
	EXPECT_EQ(0, req_rejects("a0 05 a0 03 02 01 06"));
	EXPECT_EQ(0, req_rejects("04 05 a0 03 02 01 06"));
	EXPECT_EQ(0, req_rejects("3f 10 05 a0 03 02 01 06"));
	/* indefinite lengths: outer, explicit tag, inner SEQUENCE OF */
	EXPECT_EQ(0, req_rejects("30 80 a0 03 02 01 06 00 00"));
	EXPECT_EQ(0, req_rejects("30 07 a0 80 02 01 06 00 00"));
	EXPECT_EQ(0, req_rejects("30 11 a0 03 02 01 06 a1 80 30 80 30 04 a0 02 04 00 00 00 00 00"));
	/* 5 length bytes, 0xff length byte */
	EXPECT_EQ(0, req_rejects("30 85 00 00 00 00 05 a0 03 02 01 06"));
	EXPECT_EQ(0, req_rejects("30 ff a0 03 02 01 06"));
	/* lengths that disagree: inner too long, inner too short, outer too short */
	EXPECT_EQ(0, req_rejects("30 05 a0 04 02 01 06"));
	EXPECT_EQ(0, req_rejects("30 05 a0 02 02 01 06"));
	EXPECT_EQ(0, req_rejects("30 04 a0 03 02 01 06"));
	/* a constructed (BER) OCTET STRING */
	EXPECT_EQ(0, req_rejects("30 0f a0 03 02 01 06 a2 08 24 06 04 01 61 04 01 62"));
	/* SEQUENCE OF NegoData as a SET, explicit tag that is primitive */
	EXPECT_EQ(0, req_rejects("30 0f a0 03 02 01 06 a1 08 31 06 30 04 a0 02 04 00"));
	EXPECT_EQ(0, req_rejects("30 07 a0 03 02 01 06 82 00"));
	/* empty input, lone tag */
	EXPECT_EQ(0, req_rejects(""));
	EXPECT_EQ(0, req_rejects("30"));
	ASSERT_NO_LEAKS();
}

/*
 * Definite lengths in a longer form than needed are read as the shortest
 * form, anywhere (rdesktop 1.9 writes every length >= 0x80 as 82 xx xx);
 * the rest of the strictness still applies to what they frame.
 */
TEST(tsrequest_long_form_lengths)
{
	static const char *const same[] = {
		"30 81 05 a0 03 02 01 06",
		"30 06 a0 81 03 02 01 06",
		"30 82 00 05 a0 03 02 01 06",
		"30 84 00 00 00 05 a0 03 02 01 06",
		"30 0a a0 03 02 01 06 a2 03 04 81 00",
		"30 82 00 0d a0 82 00 03 02 01 06 a2 82 00 02 04 00",
	};
	struct cssp_tsrequest r = {0};
	struct cssp_buf b;

	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		b = hexbuf(same[i]);
		ASSERT_EQ(0, req_decode(b.data, b.len, &r)) TH_LOG("%s", same[i]);
		EXPECT_EQ(6, r.version);
		cssp_tsrequest_clear(&r);
		cssp_buf_free(&b);
	}
	/* rdesktop's authInfo framing: 30 82 00 .. a2 82 00 .. 04 82 00 .. */
	b = hexbuf("30 82 00 8a a0 03 02 01 02 a2 82 00 81 04 82 00 7d"
		   " 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19"
		   " 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33"
		   " 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f 40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d"
		   " 4e 4f 50 51 52 53 54 55 56 57 58 59 5a 5b 5c 5d 5e 5f 60 61 62 63 64 65 66 67"
		   " 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75 76 77 78 79 7a 7b 7c");
	ASSERT_EQ(0, req_decode(b.data, b.len, &r));
	EXPECT_EQ(2, r.version);
	ASSERT_TRUE(r.has_auth_info);
	ASSERT_EQ(0x7d, r.auth_info.len);
	EXPECT_EQ(0x7c, r.auth_info.data[0x7c]);
	EXPECT_EQ((long)b.len, cssp_der_element_len(b.data, b.len, CSSP_TSREQUEST_MAX));
	cssp_tsrequest_clear(&r);
	cssp_buf_free(&b);
	/* Still rejected: lengths that disagree, more than 4 length bytes, indefinite. */
	EXPECT_EQ(0, req_rejects("30 82 00 06 a0 03 02 01 06"));
	EXPECT_EQ(0, req_rejects("30 82 00 05 a0 82 00 03 02 01 06"));
	EXPECT_EQ(0, req_rejects("30 85 00 00 00 00 05 a0 03 02 01 06"));
	EXPECT_EQ(0, req_rejects("30 82 00 09 a0 80 02 01 06 00 00"));
	/* ... and non-minimal INTEGERs, whatever the length octets. */
	EXPECT_EQ(0, req_rejects("30 82 00 06 a0 04 02 02 00 06"));
	ASSERT_NO_LEAKS();
}

TEST(tsrequest_nego_data_exactly_one_item)
{
	struct cssp_tsrequest r = {0};
	struct cssp_buf one = hexbuf("30 10 a0 03 02 01 06 a1 09 30 07 30 05 a0 03 04 01 61");

	ASSERT_EQ(0, req_roundtrip(&one, &r));
	EXPECT_TRUE(eq(&r.nego_token, "a", 1));
	cssp_tsrequest_clear(&r);
	cssp_buf_free(&one);
	/* two items, zero items, an item without its token, a bare token */
	EXPECT_EQ(0, req_rejects("30 17 a0 03 02 01 06 a1 10 30 0e 30 05 a0 03 04 01 61 30 05 a0 "
				 "03 04 01 62"));
	EXPECT_EQ(0, req_rejects("30 09 a0 03 02 01 06 a1 02 30 00"));
	EXPECT_EQ(0, req_rejects("30 0b a0 03 02 01 06 a1 04 30 02 30 00"));
	EXPECT_EQ(0, req_rejects("30 0e a0 03 02 01 06 a1 07 30 05 a0 03 04 01 61"));
	ASSERT_NO_LEAKS();
}

/* A TSRequest {version 6, pubKeyAuth} of exactly @total bytes (headers take up to 20). */
static struct cssp_buf request_of_size(size_t total)
{
	for (size_t n = total - 30; n < total; n++) {
		struct cssp_buf b = {0}, p = {0};
		uint8_t *zero = calloc(1, n);

		if (!zero || cssp_buf_set(&p, zero, n))
			abort();
		free(zero);
		wrap(&p, 0x04);
		wrap(&p, 0xa3);
		append_hex(&b, "a0 03 02 01 06");
		if (cssp_buf_append(&b, p.data, p.len))
			abort();
		cssp_buf_free(&p);
		wrap(&b, 0x30);
		if (b.len == total)
			return b;
		cssp_buf_free(&b);
	}
	abort();
}

TEST(tsrequest_size_limit)
{
	struct cssp_buf at = request_of_size(CSSP_TSREQUEST_MAX);
	struct cssp_buf over = request_of_size(CSSP_TSREQUEST_MAX + 1);
	struct cssp_buf enc = {0};
	struct cssp_tsrequest r = {0};

	ASSERT_EQ(CSSP_TSREQUEST_MAX, at.len);
	ASSERT_EQ(CSSP_TSREQUEST_MAX + 1, over.len);
	ASSERT_EQ(0, req_roundtrip(&at, &r));
	/* One byte more is refused by the decoder and by the encoder. */
	ASSERT_EQ(0, cssp_buf_append(&r.pub_key_auth, "x", 1));
	EXPECT_EQ(-1, cssp_tsrequest_encode(&r, &enc));
	EXPECT_EQ(0, enc.len);
	cssp_tsrequest_clear(&r);
	EXPECT_EQ(-1, req_decode(over.data, over.len, &r));
	EXPECT_TRUE(is_zero(&r, sizeof(r)));
	EXPECT_EQ(-1, cssp_der_element_len(over.data, over.len, CSSP_TSREQUEST_MAX));
	EXPECT_EQ(CSSP_TSREQUEST_MAX, cssp_der_element_len(at.data, at.len, CSSP_TSREQUEST_MAX));
	cssp_buf_free(&at);
	cssp_buf_free(&over);
	ASSERT_NO_LEAKS();
}

/* ---- TSCredentials known answers ---- */

TEST(credentials_restricted_admin)
{
	struct cssp_buf v = hexbuf(RESTRICTED_ADMIN),
			f = load("sspi_ts_credentials_with_restricted_admin_mode_required");
	struct cssp_credentials c = {0};
	struct cssp_buf enc = {0};

	ASSERT_TRUE(eq_buf(&f, &v));
	ASSERT_EQ(0, creds_roundtrip(&v, &c));
	EXPECT_EQ(CSSP_CRED_PASSWORD, c.type);
	EXPECT_EQ(0, c.password.domain.len);
	EXPECT_EQ(0, c.password.user.len);
	EXPECT_EQ(0, c.password.password.len);
	cssp_credentials_clear(&c);
	EXPECT_TRUE(is_zero(&c, sizeof(c)));
	c.type = CSSP_CRED_PASSWORD;
	ASSERT_EQ(0, cssp_credentials_encode(&c, &enc));
	EXPECT_TRUE(eq_buf(&enc, &v));
	cssp_buf_free(&enc);
	cssp_buf_free(&v);
	cssp_buf_free(&f);
	ASSERT_NO_LEAKS();
}

TEST(credentials_password_vectors)
{
	static const struct {
		const char *name, *domain, *user, *password;
	} cases[] = {
		{"credssp_ts_credential_password", "domain name", "username", "password"},
		{"sspi_ts_credentials_one_symbol_username_and_password", "", "a", "1"},
		{"sspi_ts_credentials_simple_with_username_and_domain_and_password", "Domain",
		 "Username", "Password"},
		{"sspi_ts_credentials_strong_username_and_password", "",
		 "QWERTYUIOPASDFGHJKLZXCVBNMqwertyuiopasdfghjklzxcvbnm1234567890",
		 "@#$%^&*()_+1234567890-=QWERTYUIOP{}qwertyuiop[]asdfghjkl;ASDFGHJKL:\\\"|zxcvbnm,."
		 "ZXCVBNM<>?"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cssp_buf v = load(cases[i].name), enc = {0};
		struct cssp_credentials c = {0};

		TH_LOG("%s", cases[i].name);
		ASSERT_NE(0, v.len);
		ASSERT_EQ(0, creds_roundtrip(&v, &c));
		EXPECT_EQ(CSSP_CRED_PASSWORD, c.type);
		EXPECT_TRUE(eq_u16(&c.password.domain, cases[i].domain));
		EXPECT_TRUE(eq_u16(&c.password.user, cases[i].user));
		EXPECT_TRUE(eq_u16(&c.password.password, cases[i].password));
		cssp_credentials_clear(&c);

		/* Built from the strings, it encodes to the vector. */
		c.type = CSSP_CRED_PASSWORD;
		c.password.domain = u16(cases[i].domain);
		c.password.user = u16(cases[i].user);
		c.password.password = u16(cases[i].password);
		ASSERT_EQ(0, cssp_credentials_encode(&c, &enc));
		EXPECT_TRUE(eq_buf(&enc, &v));
		cssp_credentials_clear(&c);
		cssp_buf_free(&enc);
		cssp_buf_free(&v);
	}
	ASSERT_NO_LEAKS();
}

/* MS-CSSP section 4, the one example in the specification. */
TEST(credentials_smart_card_ms_example)
{
	struct cssp_buf v = load("credssp_ts_credential_smart_card"), enc = {0};
	struct cssp_credentials c = {0};
	struct cssp_smartcard_creds *s = &c.smartcard;

	ASSERT_EQ(275, v.len);
	ASSERT_EQ(0, creds_roundtrip(&v, &c));
	ASSERT_EQ(CSSP_CRED_SMARTCARD, c.type);
	EXPECT_TRUE(eq_u16(&s->pin, "bbbbbbbbbbbb"));
	EXPECT_EQ(1, s->key_spec);
	EXPECT_FALSE(s->has_card_name);
	EXPECT_TRUE(s->has_reader_name);
	EXPECT_TRUE(eq_u16(&s->reader_name, "OMNIKEY CardMan 3x21 0"));
	EXPECT_TRUE(s->has_container_name);
	EXPECT_TRUE(eq_u16(&s->container_name, "le-MSSmartcardUser-8bda019f-1266--53268"));
	EXPECT_TRUE(s->has_csp_name);
	EXPECT_TRUE(eq_u16(&s->csp_name, "Microsoft Base Smart Card Crypto Provider"));
	EXPECT_FALSE(s->has_user_hint);
	EXPECT_FALSE(s->has_domain_hint);
	cssp_credentials_clear(&c);

	c.type = CSSP_CRED_SMARTCARD;
	s->pin = u16("bbbbbbbbbbbb");
	s->key_spec = 1;
	s->has_reader_name = s->has_container_name = s->has_csp_name = true;
	s->reader_name = u16("OMNIKEY CardMan 3x21 0");
	s->container_name = u16("le-MSSmartcardUser-8bda019f-1266--53268");
	s->csp_name = u16("Microsoft Base Smart Card Crypto Provider");
	ASSERT_EQ(0, cssp_credentials_encode(&c, &enc));
	EXPECT_TRUE(eq_buf(&enc, &v));
	cssp_credentials_clear(&c);
	cssp_buf_free(&enc);
	cssp_buf_free(&v);
	ASSERT_NO_LEAKS();
}

TEST(credentials_smart_card_full)
{
	struct cssp_buf v = load("credssp_ts_credential_smart_card_full");
	struct cssp_credentials c = {0};
	struct cssp_smartcard_creds *s = &c.smartcard;

	ASSERT_EQ(346, v.len);
	ASSERT_EQ(0, creds_roundtrip(&v, &c));
	ASSERT_EQ(CSSP_CRED_SMARTCARD, c.type);
	EXPECT_TRUE(eq_u16(&s->pin, "bbbbbbbbbbbb"));
	EXPECT_EQ(1, s->key_spec);
	EXPECT_TRUE(s->has_card_name);
	EXPECT_TRUE(eq_u16(&s->card_name, "Card Name"));
	EXPECT_TRUE(eq_u16(&s->reader_name, "OMNIKEY CardMan 3x21 0"));
	EXPECT_TRUE(eq_u16(&s->container_name, "le-MSSmartcardUser-8bda019f-1266--53268"));
	EXPECT_TRUE(eq_u16(&s->csp_name, "Microsoft Base Smart Card Crypto Provider"));
	EXPECT_TRUE(s->has_user_hint);
	EXPECT_TRUE(eq_u16(&s->user_hint, "user_hint"));
	EXPECT_TRUE(s->has_domain_hint);
	EXPECT_TRUE(eq_u16(&s->domain_hint, "domain_hint"));
	cssp_credentials_clear(&c);
	cssp_buf_free(&v);
	ASSERT_NO_LEAKS();
}

TEST(credentials_smart_card_key_spec)
{
	/* keySpec 0 (CNG), -1 and INT32_MIN round-trip; beyond int32_t is refused. */
	static const char *const ok[] = {"02 01 00", "02 01 ff", "02 04 80 00 00 00",
					 "02 04 7f ff ff ff"};
	static const int32_t want[] = {0, -1, INT32_MIN, INT32_MAX};
	static const char *const bad[] = {"02 05 00 80 00 00 00", "02 05 ff 7f ff ff ff"};
	char hex[160];

	for (size_t i = 0; i < ARRAY_SIZE(ok) + ARRAY_SIZE(bad); i++) {
		const char *in = i < ARRAY_SIZE(ok) ? ok[i] : bad[i - ARRAY_SIZE(ok)];
		size_t ilen = strlen(in) / 3 + 1;
		struct cssp_buf inner, tc;
		struct cssp_credentials c = {0};

		/* TSSmartCardCreds { pin "", cspData { keySpec } } */
		snprintf(hex, sizeof(hex), "30 %02zx a0 02 04 00 a1 %02zx 30 %02zx a0 %02zx %s",
			 4 + 2 + 2 + 2 + ilen, 2 + 2 + ilen, 2 + ilen, ilen, in);
		inner = hexbuf(hex);
		tc = tscredentials(2, &inner);
		if (i < ARRAY_SIZE(ok)) {
			ASSERT_EQ(0, creds_roundtrip(&tc, &c));
			EXPECT_EQ(want[i], c.smartcard.key_spec);
			EXPECT_EQ(0, c.smartcard.pin.len);
			cssp_credentials_clear(&c);
		} else {
			EXPECT_EQ(0, creds_rejects_buf(&tc));
		}
		cssp_buf_free(&inner);
		cssp_buf_free(&tc);
	}
	ASSERT_NO_LEAKS();
}

TEST(credentials_remote_guard_vectors)
{
	struct cssp_credentials c = {0};
	struct cssp_remote_guard_creds *g = &c.remote_guard;
	struct cssp_buf v;

	v = load("credssp_ts_credential_remote_guard_no_supplemental");
	ASSERT_EQ(46, v.len);
	ASSERT_EQ(0, creds_roundtrip(&v, &c));
	ASSERT_EQ(CSSP_CRED_REMOTE_GUARD, c.type);
	EXPECT_TRUE(eq_u16(&g->logon.package_name, "Package 1"));
	EXPECT_TRUE(eq(&g->logon.cred_buffer, "123", 3));
	EXPECT_FALSE(g->has_supplemental);
	EXPECT_EQ(0, g->n_supplemental);
	cssp_credentials_clear(&c);
	cssp_buf_free(&v);

	v = load("credssp_ts_credential_remote_guard_empty_supplemental");
	ASSERT_EQ(50, v.len);
	ASSERT_EQ(0, creds_roundtrip(&v, &c));
	EXPECT_TRUE(eq_u16(&g->logon.package_name, "Package 1"));
	EXPECT_TRUE(g->has_supplemental);
	EXPECT_EQ(0, g->n_supplemental);
	cssp_credentials_clear(&c);
	cssp_buf_free(&v);

	v = load("credssp_ts_credential_remote_guard_multiple");
	ASSERT_EQ(112, v.len);
	ASSERT_EQ(0, creds_roundtrip(&v, &c));
	EXPECT_TRUE(eq_u16(&g->logon.package_name, "Package 1"));
	EXPECT_TRUE(eq(&g->logon.cred_buffer, "123", 3));
	EXPECT_TRUE(g->has_supplemental);
	ASSERT_EQ(2, g->n_supplemental);
	EXPECT_TRUE(eq_u16(&g->supplemental[0].package_name, "Package 2"));
	EXPECT_TRUE(eq(&g->supplemental[0].cred_buffer, "456", 3));
	EXPECT_TRUE(eq_u16(&g->supplemental[1].package_name, "Package 3"));
	EXPECT_TRUE(eq(&g->supplemental[1].cred_buffer, "789", 3));
	cssp_credentials_clear(&c);
	cssp_buf_free(&v);
	ASSERT_NO_LEAKS();
}

TEST(credentials_remote_guard_encode_absent_vs_empty)
{
	struct cssp_buf none = load("credssp_ts_credential_remote_guard_no_supplemental");
	struct cssp_buf empty = load("credssp_ts_credential_remote_guard_empty_supplemental");
	struct cssp_buf multi = load("credssp_ts_credential_remote_guard_multiple");
	struct cssp_credentials c = {.type = CSSP_CRED_REMOTE_GUARD};
	struct cssp_remote_guard_creds *g = &c.remote_guard;
	struct cssp_buf enc = {0};

	g->logon.package_name = u16("Package 1");
	ASSERT_EQ(0, cssp_buf_set(&g->logon.cred_buffer, "123", 3));
	ASSERT_EQ(0, cssp_credentials_encode(&c, &enc));
	EXPECT_TRUE(eq_buf(&enc, &none));
	g->has_supplemental = true;
	ASSERT_EQ(0, cssp_credentials_encode(&c, &enc)); /* replaces enc */
	EXPECT_TRUE(eq_buf(&enc, &empty));
	g->n_supplemental = 2;
	g->supplemental[0].package_name = u16("Package 2");
	ASSERT_EQ(0, cssp_buf_set(&g->supplemental[0].cred_buffer, "456", 3));
	g->supplemental[1].package_name = u16("Package 3");
	ASSERT_EQ(0, cssp_buf_set(&g->supplemental[1].cred_buffer, "789", 3));
	ASSERT_EQ(0, cssp_credentials_encode(&c, &enc));
	EXPECT_TRUE(eq_buf(&enc, &multi));

	/* Items without has_supplemental, or too many, cannot be encoded. */
	g->has_supplemental = false;
	EXPECT_EQ(-1, cssp_credentials_encode(&c, &enc));
	g->has_supplemental = true;
	g->n_supplemental = CSSP_GUARD_SUPPLEMENTAL_MAX + 1;
	EXPECT_EQ(-1, cssp_credentials_encode(&c, &enc));
	cssp_credentials_clear(&c);
	cssp_buf_free(&enc);
	cssp_buf_free(&none);
	cssp_buf_free(&empty);
	cssp_buf_free(&multi);
	ASSERT_NO_LEAKS();
}

/* The MS interop example is a bare TSRemoteGuardCreds: wrap it in TSCredentials. */
TEST(credentials_remote_guard_ms_example)
{
	struct cssp_buf raw = load("credssp_ts_remote_guard_ms_example"), tc;
	struct cssp_credentials c = {0};
	struct cssp_remote_guard_creds *g = &c.remote_guard;
	struct cssp_tsrequest r = {0};

	ASSERT_EQ(2882, raw.len);
	/* Alone it is neither message. */
	EXPECT_EQ(0, creds_rejects_buf(&raw));
	EXPECT_EQ(-1, req_decode(raw.data, raw.len, &r));
	tc = tscredentials(6, &raw);
	ASSERT_EQ(2899, tc.len);
	ASSERT_EQ(0, creds_roundtrip(&tc, &c));
	ASSERT_EQ(CSSP_CRED_REMOTE_GUARD, c.type);
	EXPECT_TRUE(eq_u16(&g->logon.package_name, "Kerberos"));
	EXPECT_TRUE(all_bytes(&g->logon.cred_buffer, 0x11, 2611));
	EXPECT_TRUE(g->has_supplemental);
	ASSERT_EQ(1, g->n_supplemental);
	EXPECT_TRUE(eq_u16(&g->supplemental[0].package_name, "NTLM"));
	EXPECT_TRUE(all_bytes(&g->supplemental[0].cred_buffer, 0x22, 204));
	cssp_credentials_clear(&c);
	cssp_buf_free(&tc);
	cssp_buf_free(&raw);
	ASSERT_NO_LEAKS();
}

TEST(credentials_remote_guard_supplemental_limit)
{
	for (size_t n = CSSP_GUARD_SUPPLEMENTAL_MAX; n <= CSSP_GUARD_SUPPLEMENTAL_MAX + 1; n++) {
		struct cssp_buf inner = {0}, items = {0}, tc;
		struct cssp_credentials c = {0};

		/* each item: TSRemoteGuardPackageCred { "N" in UTF-16, "x" } */
		for (size_t i = 0; i < n; i++)
			append_hex(&items, "30 0b a0 04 04 02 4e 00 a1 03 04 01 78");
		wrap(&items, 0x30);
		wrap(&items, 0xa1);
		append_hex(&inner, "a0 0d 30 0b a0 04 04 02 4e 00 a1 03 04 01 78");
		ASSERT_EQ(0, cssp_buf_append(&inner, items.data, items.len));
		wrap(&inner, 0x30);
		tc = tscredentials(6, &inner);
		if (n <= CSSP_GUARD_SUPPLEMENTAL_MAX) {
			ASSERT_EQ(0, creds_roundtrip(&tc, &c));
			EXPECT_EQ(n, c.remote_guard.n_supplemental);
			EXPECT_TRUE(eq(&c.remote_guard.supplemental[n - 1].cred_buffer, "x", 1));
			cssp_credentials_clear(&c);
		} else {
			EXPECT_EQ(0, creds_rejects_buf(&tc));
		}
		cssp_buf_free(&inner);
		cssp_buf_free(&items);
		cssp_buf_free(&tc);
	}
	ASSERT_NO_LEAKS();
}

/* ---- TSCredentials malformed ---- */

TEST(credentials_rejects_malformed)
{
	struct cssp_buf pw = load("credssp_ts_credential_password"), tc;
	struct cssp_credentials c = {0};

	ASSERT_EQ(79, pw.len);
	/* credType 0, 3, 4, 5, 7, 256, -1 on a valid TSPasswordCreds */
	for (int t = 0; t <= 7; t++) {
		if (t == 1 || t == 2 || t == 6)
			continue;
		pw.data[6] = (uint8_t)t;
		EXPECT_EQ(0, creds_rejects_buf(&pw));
	}
	pw.data[6] = 0xff;
	EXPECT_EQ(0, creds_rejects_buf(&pw));
	/* credType 2 and 6 do not match a TSPasswordCreds payload */
	pw.data[6] = 2;
	EXPECT_EQ(0, creds_rejects_buf(&pw));
	pw.data[6] = 6;
	EXPECT_EQ(0, creds_rejects_buf(&pw));
	pw.data[6] = 1;
	ASSERT_EQ(0, creds_decode(pw.data, pw.len, &c));
	cssp_credentials_clear(&c);
	/* the restricted-admin vector with credType 3 */
	EXPECT_EQ(0, creds_rejects("30 17 a0 03 02 01 03 a1 10 04 0e 30 0c a0 02 04 00 a1 02 04 "
				   "00 a2 02 04 00"));
	/* credType 256 in two bytes */
	EXPECT_EQ(0, creds_rejects("30 18 a0 04 02 02 01 00 a1 10 04 0e 30 0c a0 02 04 00 a1 02 "
				   "04 00 a2 02 04 00"));

	/* missing password; missing user; empty TSPasswordCreds; all three but unknown [3] */
	EXPECT_EQ(0, password_inner_rejects("30 08 a0 02 04 00 a1 02 04 00"));
	EXPECT_EQ(0, password_inner_rejects("30 08 a0 02 04 00 a2 02 04 00"));
	EXPECT_EQ(0, password_inner_rejects("30 00"));
	EXPECT_EQ(0, password_inner_rejects("30 10 a0 02 04 00 a1 02 04 00 a2 02 04 00 a3 02 04 "
					    "00"));
	/* trailing byte inside the credentials OCTET STRING, after TSPasswordCreds */
	EXPECT_EQ(0, password_inner_rejects("30 0c a0 02 04 00 a1 02 04 00 a2 02 04 00 00"));
	/* a password given as a constructed OCTET STRING */
	EXPECT_EQ(0, password_inner_rejects("30 10 a0 02 04 00 a1 02 04 00 a2 06 24 04 04 02 61 "
					    "00"));
	/* an indefinite-length TSPasswordCreds */
	EXPECT_EQ(0, password_inner_rejects("30 80 a0 02 04 00 a1 02 04 00 a2 02 04 00 00 00"));
	/* TSCredentials without credentials, without credType, unknown [2] */
	EXPECT_EQ(0, creds_rejects("30 05 a0 03 02 01 01"));
	EXPECT_EQ(0, creds_rejects("30 04 a1 02 04 00"));
	EXPECT_EQ(0, creds_rejects("30 0d a0 03 02 01 01 a1 02 04 00 a2 02 04 00"));
	/* smart card without cspData; cspData without keySpec */
	tc = hexbuf("30 04 a0 02 04 00");
	{
		struct cssp_buf w = tscredentials(2, &tc);

		EXPECT_EQ(0, creds_rejects_buf(&w));
		cssp_buf_free(&w);
	}
	cssp_buf_free(&tc);
	tc = hexbuf("30 08 a0 02 04 00 a1 02 30 00");
	{
		struct cssp_buf w = tscredentials(2, &tc);

		EXPECT_EQ(0, creds_rejects_buf(&w));
		cssp_buf_free(&w);
	}
	cssp_buf_free(&tc);
	/* remote guard without logonCred */
	tc = hexbuf("30 04 a1 02 30 00");
	{
		struct cssp_buf w = tscredentials(6, &tc);

		EXPECT_EQ(0, creds_rejects_buf(&w));
		cssp_buf_free(&w);
	}
	cssp_buf_free(&tc);

	/* A TSRequest is not a TSCredentials, nor the other way around. */
	{
		struct cssp_tsrequest r = {0};
		struct cssp_buf req = hexbuf(PYSPNEGO_TS_REQUEST);

		EXPECT_EQ(0, creds_rejects_buf(&req));
		EXPECT_EQ(-1, req_decode(pw.data, pw.len, &r));
		cssp_buf_free(&req);
	}
	cssp_buf_free(&pw);
	ASSERT_NO_LEAKS();
}

TEST(credentials_encode_rejects)
{
	struct cssp_credentials c = {0};
	struct cssp_buf enc = {0};

	c.type = (enum cssp_cred_type)3;
	EXPECT_EQ(-1, cssp_credentials_encode(&c, &enc));
	c.type = (enum cssp_cred_type)0;
	EXPECT_EQ(-1, cssp_credentials_encode(&c, &enc));
	EXPECT_EQ(NULL, enc.data);
	ASSERT_NO_LEAKS();
}

/* ---- every vector: truncation, trailing bytes, mutations ---- */

struct vec {
	struct cssp_buf b;
	bool creds;
};

static size_t all_vectors(struct vec *v, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(REQUEST_VECTORS) && n < max; i++)
		v[n++] = (struct vec){load(REQUEST_VECTORS[i]), false};
	for (size_t i = 0; i < ARRAY_SIZE(CREDENTIAL_VECTORS) && n < max; i++)
		v[n++] = (struct vec){load(CREDENTIAL_VECTORS[i]), true};
	if (n < max)
		v[n++] = (struct vec){hexbuf(ERROR_CODE_REQUEST), false};
	if (n < max)
		v[n++] = (struct vec){hexbuf(ERROR_CODE_REQUEST_POSITIVE), false};
	if (n < max) {
		struct cssp_buf raw = load("credssp_ts_remote_guard_ms_example");

		v[n++] = (struct vec){tscredentials(6, &raw), true};
		cssp_buf_free(&raw);
	}
	return n;
}

static int decode_any(const struct vec *v, const uint8_t *in, size_t len, bool *zero)
{
	int rc;

	if (v->creds) {
		struct cssp_credentials c = {0};

		rc = creds_decode(in, len, &c);
		*zero = is_zero(&c, sizeof(c));
		cssp_credentials_clear(&c);
	} else {
		struct cssp_tsrequest r = {0};

		rc = req_decode(in, len, &r);
		*zero = is_zero(&r, sizeof(r));
		cssp_tsrequest_clear(&r);
	}
	return rc;
}

TEST(every_vector_truncated_or_extended)
{
	struct vec v[32];
	size_t n = all_vectors(v, ARRAY_SIZE(v));
	size_t checked = 0;

	ASSERT_EQ(ARRAY_SIZE(REQUEST_VECTORS) + ARRAY_SIZE(CREDENTIAL_VECTORS) + 3, n);
	for (size_t i = 0; i < n; i++) {
		struct cssp_buf *b = &v[i].b;
		uint8_t *ext;
		bool zero;

		ASSERT_NE(0, b->len);
		ASSERT_EQ(0, decode_any(&v[i], b->data, b->len, &zero));
		/* Every proper prefix is rejected, and leaves the output cleared. */
		for (size_t k = 0; k < b->len; k++) {
			ASSERT_EQ(-1, decode_any(&v[i], b->data, k, &zero));
			ASSERT_TRUE(zero);
			checked++;
		}
		/* So is the vector followed by any one byte, or by an EOC. */
		ext = malloc(b->len + 2);
		ASSERT_NE(NULL, ext);
		memcpy(ext, b->data, b->len);
		for (int t = 0; t < 256; t++) {
			ext[b->len] = (uint8_t)t;
			ASSERT_EQ(-1, decode_any(&v[i], ext, b->len + 1, &zero));
			ASSERT_TRUE(zero);
			checked++;
		}
		ext[b->len] = ext[b->len + 1] = 0;
		ASSERT_EQ(-1, decode_any(&v[i], ext, b->len + 2, &zero));
		free(ext);
		/* Whole vector with a wrong outer tag. */
		b->data[0] = 0x31;
		ASSERT_EQ(-1, decode_any(&v[i], b->data, b->len, &zero));
		b->data[0] = 0x30;
		cssp_buf_free(b);
	}
	TH_LOG("%zu malformed inputs rejected", checked);
	ASSERT_NO_LEAKS();
}

/* Any one-byte change either is rejected or decodes to what encodes back to it. */
TEST(every_vector_mutated)
{
	static const uint8_t flips[] = {0x01, 0x02, 0x10, 0x80, 0xff};
	struct vec v[32];
	size_t n = all_vectors(v, ARRAY_SIZE(v));
	size_t accepted = 0, rejected = 0;

	for (size_t i = 0; i < n; i++) {
		struct cssp_buf *b = &v[i].b;

		for (size_t pos = 0; pos < b->len; pos++) {
			for (size_t f = 0; f < ARRAY_SIZE(flips); f++) {
				struct cssp_buf enc = {0};
				int rc;

				b->data[pos] ^= flips[f];
				if (v[i].creds) {
					struct cssp_credentials c = {0};

					rc = creds_decode(b->data, b->len, &c);
					if (!rc) {
						ASSERT_EQ(0, cssp_credentials_encode(&c, &enc));
						ASSERT_TRUE(eq_buf(&enc, b));
					}
					cssp_credentials_clear(&c);
				} else {
					struct cssp_tsrequest r = {0};

					rc = req_decode(b->data, b->len, &r);
					if (!rc) {
						ASSERT_EQ(0, cssp_tsrequest_encode(&r, &enc));
						/* only the 5-byte errorCode form is rewritten */
						if (!eq_buf(&enc, b)) {
							ASSERT_TRUE(r.has_error_code);
							ASSERT_GE(r.error_code, 0x80000000u);
						}
					}
					cssp_tsrequest_clear(&r);
				}
				cssp_buf_free(&enc);
				b->data[pos] ^= flips[f];
				if (rc)
					rejected++;
				else
					accepted++;
			}
		}
		cssp_buf_free(b);
	}
	TH_LOG("%zu mutants rejected, %zu accepted and canonical", rejected, accepted);
	ASSERT_NE(0, accepted);
	ASSERT_NE(0, rejected);
	ASSERT_NO_LEAKS();
}

/* ---- outputs are replaced, cleared on failure ---- */

TEST(decode_replaces_and_clears)
{
	struct cssp_buf a = load("credssp_ts_credential_smart_card_full");
	struct cssp_buf b = load("credssp_ts_credential_password");
	struct cssp_buf req = hexbuf(PYSPNEGO_TS_REQUEST);
	struct cssp_credentials c = {0};
	struct cssp_tsrequest r = {0};

	ASSERT_EQ(0, creds_decode(a.data, a.len, &c));
	/* decoding into a used structure frees what was there (LeakSanitizer checks) */
	ASSERT_EQ(0, creds_decode(b.data, b.len, &c));
	EXPECT_EQ(CSSP_CRED_PASSWORD, c.type);
	EXPECT_TRUE(eq_u16(&c.password.password, "password"));
	/* a failed decode leaves nothing behind */
	EXPECT_EQ(-1, creds_decode(b.data, b.len - 1, &c));
	EXPECT_TRUE(is_zero(&c, sizeof(c)));

	ASSERT_EQ(0, req_decode(req.data, req.len, &r));
	ASSERT_EQ(0, req_decode(req.data, req.len, &r));
	EXPECT_EQ(-1, req_decode(req.data, req.len - 1, &r));
	EXPECT_TRUE(is_zero(&r, sizeof(r)));
	cssp_tsrequest_clear(&r); /* idempotent */
	cssp_credentials_clear(&c);
	cssp_buf_free(&a);
	cssp_buf_free(&b);
	cssp_buf_free(&req);
	ASSERT_NO_LEAKS();
}

/* A failed decode leaves nothing in OpenSSL's error queue (SSL_get_error reads it). */
TEST(decode_failure_keeps_error_queue_clean)
{
	struct cssp_tsrequest r = {0};
	struct cssp_credentials c = {0};
	/* each gets past the DER walk and fails inside OpenSSL's decoder */
	struct cssp_buf unknown = hexbuf("30 09 a0 03 02 01 06 a6 02 04 00");
	struct cssp_buf missing = hexbuf("30 0f a0 03 02 01 01 a1 08 04 06 30 04 a0 02 04 00");

	ERR_clear_error();
	EXPECT_EQ(-1, req_decode(unknown.data, unknown.len, &r));
	EXPECT_EQ(0, ERR_peek_error());
	EXPECT_EQ(-1, creds_decode(missing.data, missing.len, &c));
	EXPECT_EQ(0, ERR_peek_error());
	/* errors queued before the call stay */
	ERR_raise(ERR_LIB_USER, 42);
	EXPECT_EQ(-1, req_decode(unknown.data, unknown.len, &r));
	EXPECT_EQ(42, ERR_GET_REASON(ERR_peek_last_error()));
	EXPECT_EQ(ERR_LIB_USER, ERR_GET_LIB(ERR_get_error()));
	EXPECT_EQ(0, ERR_peek_error());
	cssp_buf_free(&unknown);
	cssp_buf_free(&missing);
	ASSERT_NO_LEAKS();
}

/* ---- secrets ---- */

TEST(openssl_frees_no_secret)
{
	struct cssp_credentials c = {.type = CSSP_CRED_PASSWORD};
	struct cssp_buf enc = {0}, bad = {0}, w;
	struct cssp_tsrequest r = {0};
	void *probe;

	ASSERT_TRUE(hooks_installed);
	/* The detector works: an unwiped block with the secret is seen. */
	probe = OPENSSL_malloc(sizeof(SECRET));
	ASSERT_NE(NULL, probe);
	memcpy(probe, SECRET, sizeof(SECRET));
	OPENSSL_free(probe);
	ASSERT_TRUE(secret_freed);
	secret_freed = 0;

	/* encode, decode, clear */
	c.password.user = u16("user");
	ASSERT_EQ(0, cssp_buf_set(&c.password.password, SECRET, sizeof(SECRET)));
	ASSERT_EQ(0, cssp_credentials_encode(&c, &enc));
	cssp_credentials_clear(&c);
	ASSERT_EQ(0, creds_decode(enc.data, enc.len, &c));
	EXPECT_TRUE(eq(&c.password.password, SECRET, sizeof(SECRET)));
	cssp_credentials_clear(&c);
	EXPECT_FALSE(secret_freed);
	secret_freed = 0;

	/* OpenSSL's own error path, after it has read the password: an unknown [3]. */
	ASSERT_EQ(0, cssp_buf_set(&bad, "\x30\x28\xa0\x02\x04\x00\xa1\x02\x04\x00\xa2\x1a\x04\x18",
				  14));
	ASSERT_EQ(0, cssp_buf_append(&bad, SECRET, sizeof(SECRET)));
	ASSERT_EQ(0, cssp_buf_append(&bad, "\xa3\x02\x04\x00", 4));
	ASSERT_EQ(0x2a, bad.len);
	w = tscredentials(1, &bad);
	EXPECT_EQ(-1, creds_decode(w.data, w.len, &c));
	EXPECT_FALSE(secret_freed);
	secret_freed = 0;
	cssp_buf_free(&w);
	/* The secret as a smart card PIN, then a cspData without keySpec. */
	ASSERT_EQ(0, cssp_buf_set(&bad, "\x30\x20\xa0\x1a\x04\x18", 6));
	ASSERT_EQ(0, cssp_buf_append(&bad, SECRET, sizeof(SECRET)));
	ASSERT_EQ(0, cssp_buf_append(&bad, "\xa1\x02\x30\x00", 4));
	ASSERT_EQ(0x22, bad.len);
	w = tscredentials(2, &bad);
	EXPECT_EQ(-1, creds_decode(w.data, w.len, &c));
	EXPECT_FALSE(secret_freed);
	secret_freed = 0;
	cssp_buf_free(&w);
	/* The secret as a remote guard credBuffer, then a second logonCred. */
	ASSERT_EQ(0, cssp_buf_set(&bad, "\x30\x2b\xa0\x22\x30\x20\xa0\x02\x04\x00\xa1\x1a\x04\x18",
				  14));
	ASSERT_EQ(0, cssp_buf_append(&bad, SECRET, sizeof(SECRET)));
	ASSERT_EQ(0, cssp_buf_append(&bad, "\xa0\x05\x30\x03\x04\x01\x00", 7));
	ASSERT_EQ(0x2d, bad.len);
	w = tscredentials(6, &bad);
	EXPECT_EQ(-1, creds_decode(w.data, w.len, &c));
	EXPECT_FALSE(secret_freed);
	secret_freed = 0;
	cssp_buf_free(&w);

	/* TSRequest fields are wiped too (authInfo may be plaintext in tests). */
	r.version = 6;
	r.has_auth_info = true;
	ASSERT_EQ(0, cssp_buf_set(&r.auth_info, SECRET, sizeof(SECRET)));
	ASSERT_EQ(0, cssp_tsrequest_encode(&r, &enc));
	cssp_tsrequest_clear(&r);
	ASSERT_EQ(0, req_decode(enc.data, enc.len, &r));
	cssp_tsrequest_clear(&r);
	EXPECT_FALSE(secret_freed);
	secret_freed = 0;
	cssp_buf_free(&enc);
	cssp_buf_free(&bad);
	ASSERT_NO_LEAKS();
}

/* ---- cssp_der_element_len ---- */

static long elen(const char *hex, size_t max)
{
	struct cssp_buf b = hexbuf(hex);
	uint8_t *copy = malloc(b.len ? b.len : 1);
	long r;

	if (!copy)
		abort();
	if (b.len)
		memcpy(copy, b.data, b.len);
	r = cssp_der_element_len(copy, b.len, max);
	free(copy);
	cssp_buf_free(&b);
	return r;
}

TEST(element_len_complete_headers)
{
	EXPECT_EQ(2, elen("30 00", 100));
	EXPECT_EQ(7, elen("30 05", 100));
	EXPECT_EQ(7, elen("30 05 a0 03 02 01 06 ff ff", 100)); /* more data than the element */
	EXPECT_EQ(2 + 127, elen("30 7f", 1000));
	EXPECT_EQ(3 + 128, elen("30 81 80", 1000));
	EXPECT_EQ(3 + 255, elen("30 81 ff", 1000));
	EXPECT_EQ(4 + 256, elen("30 82 01 00", 1000));
	EXPECT_EQ(5 + 0x10000, elen("30 83 01 00 00", 0x20000));
	EXPECT_EQ(6 + 0x1000000, elen("30 84 01 00 00 00", 0x2000000));
	EXPECT_EQ(6 + 0xffffffffL, elen("30 84 ff ff ff ff", SIZE_MAX));
	/* the cap counts the header */
	EXPECT_EQ(0x104, elen("30 82 01 00", 0x104));
	EXPECT_EQ(-1, elen("30 82 01 00", 0x103));
	EXPECT_EQ(-1, elen("30 05", 6));
	EXPECT_EQ(-1, elen("30 00", 1));
	EXPECT_EQ(-1, elen("30 84 00 02 00 01", CSSP_TSREQUEST_MAX));
	EXPECT_EQ(CSSP_TSREQUEST_MAX, elen("30 83 01 ff fb", CSSP_TSREQUEST_MAX));
	EXPECT_EQ(-1, elen("30 83 01 ff fc", CSSP_TSREQUEST_MAX));
}

TEST(element_len_partial_headers)
{
	EXPECT_EQ(0, elen("", 100));
	EXPECT_EQ(0, elen("30", 100));
	EXPECT_EQ(0, elen("30 81", 100));
	EXPECT_EQ(0, elen("30 82", 1000));
	EXPECT_EQ(0, elen("30 82 01", 1000));
	EXPECT_EQ(0, elen("30 83 01 00", 0x20000));
	EXPECT_EQ(0, elen("30 84", CSSP_TSREQUEST_MAX));
	EXPECT_EQ(0, elen("30 84 01 00 00", CSSP_TSREQUEST_MAX));
}

TEST(element_len_invalid_headers)
{
	/* not a SEQUENCE */
	EXPECT_EQ(-1, elen("31 05", 100));
	EXPECT_EQ(-1, elen("10 05", 100)); /* SEQUENCE tag number, primitive */
	EXPECT_EQ(-1, elen("a0 05", 100));
	EXPECT_EQ(-1, elen("00 00", 100));
	EXPECT_EQ(-1, elen("16", 100)); /* the TLS record byte a confused peer sends */
	/* indefinite, reserved, more than 4 length bytes */
	EXPECT_EQ(-1, elen("30 80", 100));
	EXPECT_EQ(-1, elen("30 80 a0 03 02 01 06 00 00", 100));
	EXPECT_EQ(-1, elen("30 ff", 100));
	EXPECT_EQ(-1, elen("30 85 00 00 00 00 05", SIZE_MAX));
	EXPECT_EQ(-1, elen("30 88", SIZE_MAX));
}

/* Lengths in a longer form than needed (rdesktop's BER) are lengths like any other. */
TEST(element_len_long_form_lengths)
{
	EXPECT_EQ(3 + 5, elen("30 81 05", 100));
	EXPECT_EQ(3 + 127, elen("30 81 7f", 1000));
	EXPECT_EQ(4 + 0x80, elen("30 82 00 80", 1000));
	EXPECT_EQ(4 + 0x9e, elen("30 82 00 9e", 1000));
	EXPECT_EQ(0, elen("30 82 00", 1000));
	EXPECT_EQ(5 + 0xffff, elen("30 83 00 ff ff", SIZE_MAX));
	EXPECT_EQ(0, elen("30 84 00", SIZE_MAX));
	EXPECT_EQ(6 + 5, elen("30 84 00 00 00 05", SIZE_MAX));
	EXPECT_EQ(-1, elen("30 82 00 9e", 0x9e + 3)); /* the cap still counts the header */
	EXPECT_EQ(-1, elen("30 85 00 00 00 00 05", SIZE_MAX));
}

/* The element length agrees with the decoder on every vector. */
TEST(element_len_matches_vectors)
{
	struct vec v[32];
	size_t n = all_vectors(v, ARRAY_SIZE(v));

	for (size_t i = 0; i < n; i++) {
		struct cssp_buf *b = &v[i].b;

		ASSERT_EQ((long)b->len, cssp_der_element_len(b->data, b->len, CSSP_TSREQUEST_MAX));
		ASSERT_EQ(-1, cssp_der_element_len(b->data, b->len, b->len - 1));
		/* Once the header is there, the answer does not need the rest. */
		for (size_t k = 0; k < b->len; k++) {
			long r = cssp_der_element_len(b->data, k, CSSP_TSREQUEST_MAX);

			ASSERT_TRUE(r == 0 || r == (long)b->len);
		}
		cssp_buf_free(b);
	}
	ASSERT_NO_LEAKS();
}

TEST_HARNESS_MAIN
