/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DER codec of the CredSSP messages ([MS-CSSP] 2.2.1), built on OpenSSL ASN1
 * templates. Decoding is strict: a wrong tag, a bad or indefinite length, an
 * unknown field, trailing bytes or a message over CSSP_TSREQUEST_MAX is
 * rejected. The one BER leniency is definite lengths in a longer form than
 * needed (rdesktop writes 30 82 00 9e), which are read as the shortest form.
 * Strings stay in their wire form (UTF-16LE, not terminated).
 *
 * All decode functions return 0 on success or -1 on malformed input, and
 * leave their output cleared on failure. All encode functions return 0 or -1
 * (allocation failure, or a field that cannot be encoded). Every *_clear()
 * wipes and frees what a decode or the caller put in the structure.
 */
#ifndef CSSP_DER_H
#define CSSP_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Largest TSRequest (and TSCredentials) accepted, in bytes, DER header included. */
#define CSSP_TSREQUEST_MAX (128 * 1024)

/* TSRequest. A field is present when its has_* flag is set (an OCTET STRING may be empty). */
struct cssp_tsrequest {
	uint32_t version;
	bool has_nego_token;
	struct cssp_buf nego_token; /* negoTokens: exactly one NegoData item */
	bool has_auth_info;
	struct cssp_buf auth_info;
	bool has_pub_key_auth;
	struct cssp_buf pub_key_auth;
	bool has_error_code;
	uint32_t error_code; /* NTSTATUS; written as a 4-byte INTEGER (negative for 0xC...) */
	bool has_client_nonce;
	struct cssp_buf client_nonce;
};

/*
 * Length of the DER element (the outer SEQUENCE) that starts at @in, header
 * included: > 0 when the header is complete and the length is valid (the
 * element may still be longer than @len), 0 when more bytes are needed to read
 * the header, -1 when the header is invalid or the length exceeds @max. A
 * length in a longer form than needed is valid, as for the decoders.
 */
long cssp_der_element_len(const uint8_t *in, size_t len, size_t max);

int cssp_tsrequest_decode(const uint8_t *in, size_t len, struct cssp_tsrequest *out);
int cssp_tsrequest_encode(const struct cssp_tsrequest *req, struct cssp_buf *out);
void cssp_tsrequest_clear(struct cssp_tsrequest *req);

enum cssp_cred_type {
	CSSP_CRED_PASSWORD = 1,
	CSSP_CRED_SMARTCARD = 2,
	CSSP_CRED_REMOTE_GUARD = 6,
};

struct cssp_password_creds {
	struct cssp_buf domain, user, password; /* UTF-16LE */
};

struct cssp_smartcard_creds {
	struct cssp_buf pin;
	int32_t key_spec;
	bool has_card_name, has_reader_name, has_container_name, has_csp_name;
	struct cssp_buf card_name, reader_name, container_name, csp_name;
	bool has_user_hint, has_domain_hint;
	struct cssp_buf user_hint, domain_hint;
};

struct cssp_guard_package {
	struct cssp_buf package_name; /* UTF-16LE, e.g. "Kerberos" */
	struct cssp_buf cred_buffer;
};

#define CSSP_GUARD_SUPPLEMENTAL_MAX 16

struct cssp_remote_guard_creds {
	struct cssp_guard_package logon;
	bool has_supplemental; /* present, possibly with 0 items */
	size_t n_supplemental;
	struct cssp_guard_package supplemental[CSSP_GUARD_SUPPLEMENTAL_MAX];
};

struct cssp_credentials {
	enum cssp_cred_type type;
	union {
		struct cssp_password_creds password;
		struct cssp_smartcard_creds smartcard;
		struct cssp_remote_guard_creds remote_guard;
	};
};

/* TSCredentials with its credentials parsed by credType; other credTypes are rejected. */
int cssp_credentials_decode(const uint8_t *in, size_t len, struct cssp_credentials *out);
int cssp_credentials_encode(const struct cssp_credentials *creds, struct cssp_buf *out);
void cssp_credentials_clear(struct cssp_credentials *creds);

#endif /* CSSP_DER_H */
