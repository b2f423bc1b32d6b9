// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for rdp/info.c: any bytes as the user data of a Client
 * Info PDU; when they parse, the PDU is rebuilt with a fixed logon and
 * parsed again: the logon's strings, INFO_AUTOLOGON, the client's code page
 * and extra info must come back, and no client string may remain but the
 * shell and directory when kept. Any disagreement abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "info.h"
#include "mcs.h"

static const uint8_t dom[] = {'X', 0, 'o', 0, 'r', 0, 'g', 0};
static const uint8_t user[] = {'a', 0, 'l', 0, 'i', 0, 'c', 0, 'e', 0};
static const uint8_t pw[] = {'P', 0, 'w', 0, '!', 0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rdp_info in, again;
	struct rdp_logon logon = {.domain = dom,
				  .domain_len = sizeof(dom),
				  .user = user,
				  .user_len = sizeof(user),
				  .password = pw,
				  .password_len = sizeof(pw),
				  .autologon = true};
	size_t out_len, cap = size + 64;
	uint8_t *out;

	if (rdp_info_parse(data, size, &in) != RDP_OK)
		return 0;
	if (in.extra < data || in.extra + in.extra_len != data + size)
		abort();
	logon.keep_shell = size & 1;
	out = malloc(cap);
	if (!out)
		return 0;
	if (rdp_info_build(&in, &logon, out, cap, &out_len) != RDP_OK)
		abort();
	if (rdp_info_parse(out, out_len, &again) != RDP_OK)
		abort();
	if (again.domain_len != sizeof(dom) || memcmp(again.domain, dom, sizeof(dom)) ||
	    again.user_len != sizeof(user) || memcmp(again.user, user, sizeof(user)) ||
	    again.password_len != sizeof(pw) || memcmp(again.password, pw, sizeof(pw)) ||
	    !(again.flags & INFO_AUTOLOGON) || (again.flags & INFO_PASSWORD_IS_SC_PIN) ||
	    again.code_page != in.code_page || again.extra_len != in.extra_len ||
	    memcmp(again.extra, in.extra, in.extra_len) ||
	    again.shell_len != (logon.keep_shell ? in.shell_len : 0))
		abort();
	free(out);
	return 0;
}
