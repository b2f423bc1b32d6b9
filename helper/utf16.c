// SPDX-License-Identifier: GPL-2.0
#include "utf16.h"

long cssp_utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	if (len % 2 || outlen == 0)
		return -1;
	while (i < len) {
		uint32_t c = in[i] | (uint32_t)in[i + 1] << 8;
		uint8_t enc[4];
		size_t n;

		i += 2;
		if (c >= 0xd800 && c <= 0xdbff) {
			uint32_t lo;

			if (i + 2 > len)
				return -1;
			lo = in[i] | (uint32_t)in[i + 1] << 8;
			if (lo < 0xdc00 || lo > 0xdfff)
				return -1;
			i += 2;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
		} else if (c >= 0xdc00 && c <= 0xdfff) {
			return -1;
		}
		if (c == 0)
			return -1;
		if (c < 0x80) {
			enc[0] = c;
			n = 1;
		} else if (c < 0x800) {
			enc[0] = 0xc0 | c >> 6;
			enc[1] = 0x80 | (c & 0x3f);
			n = 2;
		} else if (c < 0x10000) {
			enc[0] = 0xe0 | c >> 12;
			enc[1] = 0x80 | (c >> 6 & 0x3f);
			enc[2] = 0x80 | (c & 0x3f);
			n = 3;
		} else {
			enc[0] = 0xf0 | c >> 18;
			enc[1] = 0x80 | (c >> 12 & 0x3f);
			enc[2] = 0x80 | (c >> 6 & 0x3f);
			enc[3] = 0x80 | (c & 0x3f);
			n = 4;
		}
		if (outlen - o <= n)
			return -1;
		for (size_t k = 0; k < n; k++)
			out[o++] = (char)enc[k];
	}
	out[o] = '\0';
	return (long)o;
}

size_t cssp_utf16le_trim_nul(const uint8_t *in, size_t len)
{
	len &= ~(size_t)1;
	while (len >= 2 && in[len - 2] == 0 && in[len - 1] == 0)
		len -= 2;
	return len;
}
