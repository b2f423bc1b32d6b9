// SPDX-License-Identifier: GPL-2.0
/* info: the Client Info PDU, parsed and rebuilt (see info.h). */
#include <string.h>

#include "info.h"
#include "mcs.h"

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

/* Security header (4), CodePage, flags (8), five cb* (10) */
#define INFO_FIXED 22

int rdp_info_parse(const uint8_t *p, size_t len, struct rdp_info *info)
{
	const uint8_t **str[5];
	size_t *slen[5], cb[5], pos;
	int i;

	*info = (struct rdp_info){0};
	if (len < INFO_FIXED)
		return RDP_BAD_INFO;
	info->sec_flags = get_le16(p);
	info->sec_flags_hi = get_le16(p + 2);
	if (!(info->sec_flags & SEC_INFO_PKT))
		return RDP_BAD_INFO;
	info->code_page = get_le32(p + 4);
	info->flags = get_le32(p + 8);
	if (!(info->flags & INFO_UNICODE))
		return RDP_BAD_INFO;
	str[0] = &info->domain, slen[0] = &info->domain_len;
	str[1] = &info->user, slen[1] = &info->user_len;
	str[2] = &info->password, slen[2] = &info->password_len;
	str[3] = &info->shell, slen[3] = &info->shell_len;
	str[4] = &info->workdir, slen[4] = &info->workdir_len;
	pos = INFO_FIXED;
	for (i = 0; i < 5; i++) {
		cb[i] = get_le16(p + 12 + 2 * i);
		if ((cb[i] & 1) || cb[i] > INFO_CB_MAX || len - pos < cb[i] + 2)
			return RDP_BAD_INFO;
		*str[i] = p + pos;
		*slen[i] = cb[i];
		pos += cb[i] + 2;
	}
	info->extra = p + pos;
	info->extra_len = len - pos;
	return RDP_OK;
}

static uint8_t *put_str(uint8_t *q, const uint8_t *s, size_t n)
{
	if (n)
		memcpy(q, s, n);
	q[n] = 0;
	q[n + 1] = 0;
	return q + n + 2;
}

int rdp_info_build(const struct rdp_info *in, const struct rdp_logon *logon, uint8_t *out,
		   size_t size, size_t *out_len)
{
	size_t pw_len = logon->autologon ? logon->password_len : 0;
	size_t shell_len = logon->keep_shell ? in->shell_len : 0;
	size_t dir_len = logon->keep_shell ? in->workdir_len : 0;
	size_t total;
	uint32_t flags;
	uint8_t *q;

	*out_len = 0;
	if ((logon->domain_len | logon->user_len | pw_len) & 1 || logon->domain_len > INFO_CB_MAX ||
	    logon->user_len > INFO_CB_MAX || pw_len > INFO_CB_MAX)
		return RDP_BAD_INFO;
	total = INFO_FIXED + logon->domain_len + logon->user_len + pw_len + shell_len + dir_len +
		10 + in->extra_len;
	if (total > size)
		return RDP_TOO_LONG;
	flags = in->flags | INFO_MOUSE | INFO_DISABLECTRLALTDEL | INFO_UNICODE | INFO_MAXIMIZESHELL;
	flags &= ~(INFO_AUTOLOGON | INFO_PASSWORD_IS_SC_PIN | INFO_USING_SAVED_CREDS);
	if (logon->autologon)
		flags |= INFO_AUTOLOGON;
	put_le16(out, SEC_INFO_PKT);
	put_le16(out + 2, 0);
	put_le32(out + 4, in->code_page);
	put_le32(out + 8, flags);
	put_le16(out + 12, (uint16_t)logon->domain_len);
	put_le16(out + 14, (uint16_t)logon->user_len);
	put_le16(out + 16, (uint16_t)pw_len);
	put_le16(out + 18, (uint16_t)shell_len);
	put_le16(out + 20, (uint16_t)dir_len);
	q = out + INFO_FIXED;
	q = put_str(q, logon->domain, logon->domain_len);
	q = put_str(q, logon->user, logon->user_len);
	q = put_str(q, logon->password, pw_len);
	q = put_str(q, in->shell, shell_len);
	q = put_str(q, in->workdir, dir_len);
	if (in->extra_len)
		memcpy(q, in->extra, in->extra_len);
	*out_len = total;
	return RDP_OK;
}
