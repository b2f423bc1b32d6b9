// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for rdp/creds.c: any bytes as a delegated credentials
 * payload (fields inside it), as UTF-16LE (converted to UTF-8 and back: the
 * same bytes) and, split at the first NULs, as a principal, domain and user
 * for the single sign-on policy (a match must share the user name).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "creds.h"

static bool inside(const uint8_t *s, size_t n, const uint8_t *p, size_t len)
{
	return !s || (s >= p && s + n <= p + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rdp_creds c;
	char u8[4 * 1024 + 1], s[3][256];
	uint8_t u16[4 * 1024];
	size_t i, k = 0, pos = 0;
	int n, m;

	if (rdp_creds_parse(data, size, &c) == RDP_CREDS_OK &&
	    (!inside(c.domain, c.domain_len, data, size) ||
	     !inside(c.user, c.user_len, data, size) ||
	     !inside(c.password, c.password_len, data, size) || !c.user_len))
		abort();
	n = rdp_utf16_to_utf8(data, size < 2048 ? size : 2048, u8, sizeof(u8));
	if (n >= 0) {
		if ((size_t)n != strlen(u8))
			abort();
		m = rdp_utf8_to_utf16(u8, u16, sizeof(u16));
		if (m != (int)(size < 2048 ? size : 2048) || memcmp(u16, data, (size_t)m))
			abort();
	}
	for (i = 0; i < 3; i++) {
		size_t j = 0;

		while (pos < size && data[pos] && j < sizeof(s[i]) - 1)
			s[i][j++] = (char)data[pos++];
		s[i][j] = '\0';
		pos++;
		k++;
	}
	for (i = 0; i < 2; i++) {
		if (rdp_creds_match(i ? RDP_PKG_KERBEROS : RDP_PKG_NTLM, s[0], s[1], s[2])) {
			const char *sep = i ? strrchr(s[0], '@') : strchr(s[0], '\\');
			const char *pu = (!i && sep) ? sep + 1 : s[0];
			size_t pl = i ? (size_t)(sep - s[0]) : strlen(pu);

			if (!s[2][0] || strncasecmp(s[2], pu, pl))
				abort();
		}
	}
	return 0;
}
