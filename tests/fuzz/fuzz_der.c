// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for helper/der.c: the input is decoded as a TSRequest and
 * as a TSCredentials (and a decoded authInfo as a TSCredentials too). What
 * decodes must encode, the encoding must decode to the same fields, and,
 * since decoding accepts only canonical DER apart from lengths written
 * longer than needed, the encoding must be the input itself or shorter (a
 * 5-byte positive errorCode and long-form lengths are the forms written back
 * differently). cssp_der_element_len must agree with the decoder and read
 * nothing past the header. Any disagreement abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"

static int buf_eq(const struct cssp_buf *a, const struct cssp_buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int opt_eq(bool ha, const struct cssp_buf *a, bool hb, const struct cssp_buf *b)
{
	return ha == hb && buf_eq(a, b);
}

static int req_eq(const struct cssp_tsrequest *a, const struct cssp_tsrequest *b)
{
	return a->version == b->version &&
	       opt_eq(a->has_nego_token, &a->nego_token, b->has_nego_token, &b->nego_token) &&
	       opt_eq(a->has_auth_info, &a->auth_info, b->has_auth_info, &b->auth_info) &&
	       opt_eq(a->has_pub_key_auth, &a->pub_key_auth, b->has_pub_key_auth,
		      &b->pub_key_auth) &&
	       a->has_error_code == b->has_error_code &&
	       (!a->has_error_code || a->error_code == b->error_code) &&
	       opt_eq(a->has_client_nonce, &a->client_nonce, b->has_client_nonce, &b->client_nonce);
}

static int package_eq(const struct cssp_guard_package *a, const struct cssp_guard_package *b)
{
	return buf_eq(&a->package_name, &b->package_name) &&
	       buf_eq(&a->cred_buffer, &b->cred_buffer);
}

static int creds_eq(const struct cssp_credentials *a, const struct cssp_credentials *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case CSSP_CRED_PASSWORD:
		return buf_eq(&a->password.domain, &b->password.domain) &&
		       buf_eq(&a->password.user, &b->password.user) &&
		       buf_eq(&a->password.password, &b->password.password);
	case CSSP_CRED_SMARTCARD: {
		const struct cssp_smartcard_creds *x = &a->smartcard, *y = &b->smartcard;

		return buf_eq(&x->pin, &y->pin) && x->key_spec == y->key_spec &&
		       opt_eq(x->has_card_name, &x->card_name, y->has_card_name, &y->card_name) &&
		       opt_eq(x->has_reader_name, &x->reader_name, y->has_reader_name,
			      &y->reader_name) &&
		       opt_eq(x->has_container_name, &x->container_name, y->has_container_name,
			      &y->container_name) &&
		       opt_eq(x->has_csp_name, &x->csp_name, y->has_csp_name, &y->csp_name) &&
		       opt_eq(x->has_user_hint, &x->user_hint, y->has_user_hint, &y->user_hint) &&
		       opt_eq(x->has_domain_hint, &x->domain_hint, y->has_domain_hint,
			      &y->domain_hint);
	}
	case CSSP_CRED_REMOTE_GUARD: {
		const struct cssp_remote_guard_creds *x = &a->remote_guard, *y = &b->remote_guard;

		if (!package_eq(&x->logon, &y->logon) ||
		    x->has_supplemental != y->has_supplemental ||
		    x->n_supplemental != y->n_supplemental ||
		    x->n_supplemental > CSSP_GUARD_SUPPLEMENTAL_MAX)
			return 0;
		for (size_t i = 0; i < x->n_supplemental; i++)
			if (!package_eq(&x->supplemental[i], &y->supplemental[i]))
				return 0;
		return 1;
	}
	}
	return 0;
}

static int is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void check_credentials(const uint8_t *data, size_t size)
{
	struct cssp_credentials c = {0}, again = {0};
	struct cssp_buf enc = {0};

	if (cssp_credentials_decode(data, size, &c)) {
		if (!is_zero(&c, sizeof(c)))
			abort();
		return;
	}
	if (cssp_credentials_encode(&c, &enc))
		abort();
	/* Long-form lengths come back in their shortest form; nothing else changes. */
	if (enc.len > size || (enc.len == size && memcmp(enc.data, data, size)))
		abort();
	if (cssp_credentials_decode(enc.data, enc.len, &again) || !creds_eq(&c, &again))
		abort();
	cssp_credentials_clear(&again);
	cssp_credentials_clear(&c);
	cssp_buf_free(&enc);
}

static void check_tsrequest(const uint8_t *data, size_t size)
{
	struct cssp_tsrequest r = {0}, again = {0};
	struct cssp_buf enc = {0}, enc2 = {0};
	long elen;

	if (cssp_tsrequest_decode(data, size, &r)) {
		if (!is_zero(&r, sizeof(r)))
			abort();
		return;
	}
	elen = cssp_der_element_len(data, size, CSSP_TSREQUEST_MAX);
	if (elen < 0 || (size_t)elen != size)
		abort();
	if (cssp_tsrequest_encode(&r, &enc))
		abort();
	if (enc.len > size || (enc.len == size && memcmp(enc.data, data, size) &&
			       !(r.has_error_code && r.error_code >= 0x80000000u)))
		abort();
	if (cssp_tsrequest_decode(enc.data, enc.len, &again) || !req_eq(&r, &again))
		abort();
	if (cssp_tsrequest_encode(&again, &enc2) || !buf_eq(&enc, &enc2))
		abort();
	if (r.has_auth_info)
		check_credentials(r.auth_info.data, r.auth_info.len);
	cssp_tsrequest_clear(&again);
	cssp_tsrequest_clear(&r);
	cssp_buf_free(&enc);
	cssp_buf_free(&enc2);
}

static void check_element_len(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = {0, 2, 127, 128, 255, 4096, CSSP_TSREQUEST_MAX, SIZE_MAX};
	/* The header is at most 6 bytes: the answer never depends on more. */
	size_t head = size < 6 ? size : 6;

	for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		long full = cssp_der_element_len(data, size, maxes[i]);

		if (full != cssp_der_element_len(data, head, maxes[i]))
			abort();
		if (full > 0 && ((size_t)full > maxes[i] || full < 2))
			abort();
		/* A shorter prefix can only say "need more" or the same. */
		for (size_t k = 0; k < head; k++) {
			long part = cssp_der_element_len(data, k, maxes[i]);

			if (part != 0 && part != full)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_element_len(data, size);
	check_tsrequest(data, size);
	check_credentials(data, size);
	return 0;
}
