// SPDX-License-Identifier: GPL-2.0
/* creds: delegated credentials payload and single sign-on policy (see creds.h). */
#include <string.h>
#include <strings.h>

#include "creds.h"

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int rdp_creds_parse(const uint8_t *p, size_t len, struct rdp_creds *c)
{
	unsigned int n, i;
	size_t pos = 4;

	*c = (struct rdp_creds){0};
	if (len < 4 || len > RDP_CREDS_MAX || p[0] != RDP_CREDS_VERSION)
		return RDP_CREDS_MALFORMED;
	c->type = p[1];
	n = get_le16(p + 2);
	for (i = 0; i < n; i++) {
		const uint8_t **s = NULL;
		size_t *sl = NULL, flen;
		unsigned int id, index;

		if (len - pos < 8)
			return RDP_CREDS_MALFORMED;
		id = get_le16(p + pos);
		index = get_le16(p + pos + 2);
		flen = get_le32(p + pos + 4);
		pos += 8;
		if (flen > len - pos)
			return RDP_CREDS_MALFORMED;
		if (c->type == RDP_CRED_PASSWORD && index == 0) {
			if (id == RDP_CF_DOMAIN)
				s = &c->domain, sl = &c->domain_len;
			else if (id == RDP_CF_USER)
				s = &c->user, sl = &c->user_len;
			else if (id == RDP_CF_PASSWORD)
				s = &c->password, sl = &c->password_len;
		}
		if (s) {
			if (*s || (flen & 1))
				return RDP_CREDS_MALFORMED;
			*s = p + pos;
			*sl = flen;
		}
		pos += flen;
	}
	if (pos != len)
		return RDP_CREDS_MALFORMED;
	if (c->type != RDP_CRED_PASSWORD)
		return RDP_CREDS_NOT_PASSWORD;
	if (!c->user || !c->user_len)
		return RDP_CREDS_NO_USER;
	return RDP_CREDS_OK;
}

int rdp_utf16_to_utf8(const uint8_t *s, size_t n, char *out, size_t size)
{
	size_t i, o = 0;

	if ((n & 1) || !size)
		return -1;
	for (i = 0; i < n; i += 2) {
		uint32_t u = get_le16(s + i);
		uint8_t b[4];
		size_t k;

		if (u >= 0xd800 && u < 0xdc00) {
			uint32_t lo;

			if (i + 4 > n)
				return -1;
			lo = get_le16(s + i + 2);
			if (lo < 0xdc00 || lo >= 0xe000)
				return -1;
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (u >= 0xdc00 && u < 0xe000) {
			return -1;
		}
		if (u < 0x20 || u == 0x7f)
			return -1;
		if (u < 0x80) {
			b[0] = (uint8_t)u;
			k = 1;
		} else if (u < 0x800) {
			b[0] = (uint8_t)(0xc0 | u >> 6);
			b[1] = (uint8_t)(0x80 | (u & 0x3f));
			k = 2;
		} else if (u < 0x10000) {
			b[0] = (uint8_t)(0xe0 | u >> 12);
			b[1] = (uint8_t)(0x80 | (u >> 6 & 0x3f));
			b[2] = (uint8_t)(0x80 | (u & 0x3f));
			k = 3;
		} else {
			b[0] = (uint8_t)(0xf0 | u >> 18);
			b[1] = (uint8_t)(0x80 | (u >> 12 & 0x3f));
			b[2] = (uint8_t)(0x80 | (u >> 6 & 0x3f));
			b[3] = (uint8_t)(0x80 | (u & 0x3f));
			k = 4;
		}
		if (size - o <= k)
			return -1;
		memcpy(out + o, b, k);
		o += k;
	}
	out[o] = '\0';
	return (int)o;
}

int rdp_utf8_to_utf16(const char *str, uint8_t *out, size_t size)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t o = 0;

	while (*s) {
		uint32_t u;
		int k, j;

		if (*s < 0x80)
			u = *s, k = 0;
		else if ((*s & 0xe0) == 0xc0)
			u = *s & 0x1f, k = 1;
		else if ((*s & 0xf0) == 0xe0)
			u = *s & 0x0f, k = 2;
		else if ((*s & 0xf8) == 0xf0)
			u = *s & 0x07, k = 3;
		else
			return -1;
		for (j = 1; j <= k; j++) {
			if ((s[j] & 0xc0) != 0x80)
				return -1;
			u = u << 6 | (s[j] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((k == 1 && u < 0x80) || (k == 2 && u < 0x800) || (k == 3 && u < 0x10000) ||
		    (u >= 0xd800 && u < 0xe000) || u > 0x10ffff)
			return -1;
		s += k + 1;
		if (u >= 0x10000) {
			if (size - o < 4)
				return -1;
			u -= 0x10000;
			out[o++] = (uint8_t)(0xd800 + (u >> 10));
			out[o++] = (uint8_t)((0xd800 + (u >> 10)) >> 8);
			out[o++] = (uint8_t)(0xdc00 + (u & 0x3ff));
			out[o++] = (uint8_t)((0xdc00 + (u & 0x3ff)) >> 8);
		} else {
			if (size - o < 2)
				return -1;
			out[o++] = (uint8_t)u;
			out[o++] = (uint8_t)(u >> 8);
		}
	}
	return (int)o;
}

/* @a (@alen bytes) equals NUL-terminated @b, ASCII case-insensitively. */
static bool eq_n(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

bool rdp_creds_match(enum rdp_package pkg, const char *principal, const char *domain,
		     const char *user)
{
	const char *sep, *at;
	size_t label;

	if (!*user)
		return false;
	if (pkg == RDP_PKG_NTLM) {
		sep = strchr(principal, '\\');
		if (!sep)
			return eq_n(user, strlen(user), principal);
		if (!eq_n(user, strlen(user), sep + 1))
			return false;
		return eq_n(domain, strlen(domain), "") ||
		       eq_n(principal, (size_t)(sep - principal), domain);
	}
	at = strrchr(principal, '@');
	if (!at || at == principal)
		return false;
	if (!*domain) {
		/* user@REALM (a UPN) */
		const char *uat = strrchr(user, '@');

		return uat && uat != user && uat - user == at - principal &&
		       strncasecmp(user, principal, (size_t)(at - principal)) == 0 &&
		       strcasecmp(uat + 1, at + 1) == 0;
	}
	if (!eq_n(principal, (size_t)(at - principal), user))
		return false;
	if (strcasecmp(domain, at + 1) == 0)
		return true;
	label = strcspn(at + 1, ".");
	return eq_n(at + 1, label, domain);
}
