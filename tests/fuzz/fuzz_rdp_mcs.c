// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for credssp-rdpd's X.224 and MCS codecs (rdp/x224.c,
 * rdp/mcs.c): any bytes as a Connection Request, a Connection Confirm, a
 * Connect-Initial, a Connect-Response (patched, then parsed again: only
 * clientRequestedProtocols may change) and a Send Data Request (rebuilt
 * around its own data: the same PDU). Any disagreement abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcs.h"
#include "x224.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x224_request req;
	struct x224_confirm cc;
	struct mcs_connect_initial ci;
	struct mcs_connect_response cr, cr2;
	struct mcs_send_data sd, sd2;
	unsigned int choice;
	size_t n, out_len;
	uint8_t *p, *out;

	if (x224_parse_request(data, size, &req) == X224_OK && req.cookie &&
	    (req.cookie < data || req.cookie + req.cookie_len > data + size))
		abort();
	x224_parse_confirm(data, size, &cc);
	if (rdp_tpkt_len(data, size, 65535, &n) == RDP_OK && (n < 7 || n > 65535))
		abort();
	mcs_domain_choice(data, size, &choice);
	if (mcs_parse_connect_initial(data, size, &ci) == RDP_OK &&
	    (ci.core_off + ci.core_len > size || ci.core_len < 4))
		abort();
	p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size)
		memcpy(p, data, size);
	if (mcs_parse_connect_response(p, size, &cr) == RDP_OK) {
		if (cr.core_off + cr.core_len > size)
			abort();
		if (mcs_patch_requested_protocols(p, size, 0x12345678) == RDP_OK) {
			if (mcs_parse_connect_response(p, size, &cr2) != RDP_OK ||
			    cr2.requested != 0x12345678 || cr2.requested_off != cr.requested_off)
				abort();
			for (n = 0; n < size; n++)
				if ((n < cr.requested_off || n >= cr.requested_off + 4) &&
				    p[n] != data[n])
					abort();
		}
	}
	free(p);
	if (mcs_parse_send_data(data, size, &sd) == RDP_OK) {
		if (sd.data_off + sd.data_len != size)
			abort();
		out = malloc(size + 8);
		if (!out)
			return 0;
		if (mcs_build_send_data(&sd, data + sd.data_off, sd.data_len, out, size + 8,
					&out_len) == RDP_OK) {
			if (mcs_parse_send_data(out, out_len, &sd2) != RDP_OK ||
			    sd2.initiator != sd.initiator || sd2.channel != sd.channel ||
			    sd2.data_len != sd.data_len ||
			    memcmp(out + sd2.data_off, data + sd.data_off, sd.data_len))
				abort();
		}
		free(out);
	}
	return 0;
}
