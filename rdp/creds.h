/* SPDX-License-Identifier: GPL-2.0 */
/*
 * creds: the delegated credentials the front receives from credssp.ko
 * (CREDSSP_QUERY_CREDS, the "delegated credentials payload, version 1" of
 * <linux/credssp.h>, Documentation/keyring.rst), and the single sign-on
 * policy on them: they must name the principal that authenticated. Plus
 * the UTF-8 <-> UTF-16LE conversions the Client Info PDU needs. Pure
 * functions, no I/O.
 */
#ifndef KCREDSSP_RDP_CREDS_H
#define KCREDSSP_RDP_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The payload's wire values (<linux/credssp.h>; checked there by rdpd.c). */
#define RDP_CREDS_VERSION 1
#define RDP_CREDS_MAX	  65000
#define RDP_CRED_PASSWORD 1
#define RDP_CF_DOMAIN	  1
#define RDP_CF_USER	  2
#define RDP_CF_PASSWORD	  3

enum rdp_creds_status {
	RDP_CREDS_OK = 0,
	RDP_CREDS_MALFORMED = -1,    /* framing, version, duplicate or oversized fields */
	RDP_CREDS_NOT_PASSWORD = -2, /* smart card, remote guard: no password */
	RDP_CREDS_NO_USER = -3,	     /* a password credential without a user name */
};

/* A password credential: pointers into the payload, UTF-16LE, no NUL. */
struct rdp_creds {
	uint8_t type;
	const uint8_t *domain, *user, *password;
	size_t domain_len, user_len, password_len;
};

/* Parse @len bytes of payload @p. */
int rdp_creds_parse(const uint8_t *p, size_t len, struct rdp_creds *c);

/*
 * UTF-16LE (@n bytes) to NUL-terminated UTF-8 in @out of @size bytes.
 * Refuses odd lengths, unpaired surrogates, NUL and other C0 controls, and
 * output that does not fit. Return: the UTF-8 length, or -1.
 */
int rdp_utf16_to_utf8(const uint8_t *s, size_t n, char *out, size_t size);

/* NUL-terminated UTF-8 @s to UTF-16LE in @out of @size bytes: its length, or -1. */
int rdp_utf8_to_utf16(const char *s, uint8_t *out, size_t size);

/* How the authenticated principal is written. */
enum rdp_package {
	RDP_PKG_NTLM,	  /* "DOMAIN\user", or "user" (no domain given) */
	RDP_PKG_KERBEROS, /* "user@REALM" */
};

/*
 * Whether delegated @domain and @user (UTF-8) name @principal: the user
 * names equal (ASCII case-insensitive); NTLM: the domains equal, or the
 * principal has none; Kerberos: the domain is the realm or its first label
 * (the NetBIOS name mstsc may send), or the user is "user@REALM" with no
 * domain.
 */
bool rdp_creds_match(enum rdp_package pkg, const char *principal, const char *domain,
		     const char *user);

#endif /* KCREDSSP_RDP_CREDS_H */
