// SPDX-License-Identifier: GPL-2.0
/*
 * mcs: MCS / GCC codecs of the RDP connection sequence (see mcs.h).
 * T.125 BER for Connect-Initial and Connect-Response, T.124 ALIGNED PER for
 * the GCC conference PDUs inside them, [MS-RDPBCGR] user data blocks.
 */
#include <string.h>

#include "mcs.h"

const char *rdp_status_name(int status)
{
	switch (status) {
	case RDP_OK: return "OK";
	case RDP_SHORT: return "SHORT";
	case RDP_BAD_TPKT: return "BAD_TPKT";
	case RDP_BAD_X224: return "BAD_X224";
	case RDP_BAD_MCS: return "BAD_MCS";
	case RDP_BAD_GCC: return "BAD_GCC";
	case RDP_BAD_UD: return "BAD_UD";
	case RDP_NO_FIELD: return "NO_FIELD";
	case RDP_BAD_INFO: return "BAD_INFO";
	case RDP_TOO_LONG: return "TOO_LONG";
	case RDP_FASTPATH: return "FASTPATH";
	case RDP_NOT_DOMAIN: return "NOT_DOMAIN";
	default: return "UNKNOWN";
	}
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int rdp_tpkt_len(const uint8_t *p, size_t len, size_t max, size_t *pdu_len)
{
	size_t n;

	*pdu_len = 0;
	if (len >= 1 && p[0] != 3)
		return RDP_FASTPATH;
	if (len < RDP_TPKT_HDR)
		return RDP_SHORT;
	n = (size_t)(p[2] << 8 | p[3]);
	if (p[1] != 0 || n < RDP_TPKT_HDR + RDP_X224_DT || n > max)
		return RDP_BAD_TPKT;
	*pdu_len = n;
	return RDP_OK;
}

int rdp_x224_data(const uint8_t *p, size_t len, size_t *off)
{
	*off = 0;
	if (len < RDP_TPKT_HDR + RDP_X224_DT || p[0] != 3 || p[1] != 0 ||
	    (size_t)(p[2] << 8 | p[3]) != len)
		return RDP_BAD_TPKT;
	/* LI 2, DT (0xf0), TPDU-NR 0 with EOT */
	if (p[4] != 2 || p[5] != 0xf0 || p[6] != 0x80)
		return RDP_BAD_X224;
	*off = RDP_TPKT_HDR + RDP_X224_DT;
	return RDP_OK;
}

/* A cursor over [p, end). */
struct cur {
	const uint8_t *p;
	size_t pos, end;
};

static bool take(struct cur *c, size_t n)
{
	if (c->end - c->pos < n)
		return false;
	c->pos += n;
	return true;
}

/* A BER length (short form, or long form of 1 or 2 bytes). */
static bool ber_len(struct cur *c, size_t *len)
{
	uint8_t b;

	if (c->pos >= c->end)
		return false;
	b = c->p[c->pos++];
	if (b < 0x80) {
		*len = b;
	} else if (b == 0x81) {
		if (c->pos + 1 > c->end)
			return false;
		*len = c->p[c->pos++];
	} else if (b == 0x82) {
		if (c->pos + 2 > c->end)
			return false;
		*len = (size_t)(c->p[c->pos] << 8 | c->p[c->pos + 1]);
		c->pos += 2;
	} else {
		return false;
	}
	return *len <= c->end - c->pos;
}

/* A BER element of one-byte tag @tag: its contents to [*off, *off + *len). */
static bool ber_elem(struct cur *c, uint8_t tag, size_t *off, size_t *len)
{
	if (c->pos >= c->end || c->p[c->pos] != tag)
		return false;
	c->pos++;
	if (!ber_len(c, len))
		return false;
	*off = c->pos;
	c->pos += *len;
	return true;
}

/* A PER length (1 or 2 bytes, no fragmentation). */
static bool per_len(struct cur *c, size_t *len)
{
	uint8_t b;

	if (c->pos >= c->end)
		return false;
	b = c->p[c->pos++];
	if (b < 0x80) {
		*len = b;
		return true;
	}
	if ((b & 0xc0) != 0x80 || c->pos >= c->end)
		return false;
	*len = (size_t)((b & 0x3f) << 8 | c->p[c->pos++]);
	return true;
}

static bool expect(struct cur *c, const uint8_t *bytes, size_t n)
{
	if (c->end - c->pos < n || memcmp(c->p + c->pos, bytes, n))
		return false;
	c->pos += n;
	return true;
}

/* T.124 ConnectData: t124Identifier {0 0 20 124 0 1}, then connectPDU's length. */
static const uint8_t t124_id[] = {0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01};

/*
 * The outer T.125 PDU of the TPKT @p (application tag 0x7f @app): a cursor
 * over its contents, which must end exactly with the TPKT.
 */
static int mcs_outer(const uint8_t *p, size_t len, uint8_t app, struct cur *c)
{
	size_t off, n;
	int r;

	r = rdp_x224_data(p, len, &off);
	if (r)
		return r;
	*c = (struct cur){.p = p, .pos = off, .end = len};
	if (!take(c, 2) || p[off] != 0x7f || p[off + 1] != app)
		return RDP_BAD_MCS;
	if (!ber_len(c, &n) || c->pos + n != len)
		return RDP_BAD_MCS;
	return RDP_OK;
}

/* Walk the TS_UD_HEADER blocks of [c->pos, c->end): the one of @type (only one). */
static int ud_find(struct cur *c, uint16_t type, size_t *off, size_t *len)
{
	bool found = false;

	while (c->pos < c->end) {
		size_t n;

		if (c->end - c->pos < 4)
			return RDP_BAD_UD;
		n = get_le16(c->p + c->pos + 2);
		if (n < 4 || n > c->end - c->pos)
			return RDP_BAD_UD;
		if (get_le16(c->p + c->pos) == type) {
			if (found)
				return RDP_BAD_UD;
			found = true;
			*off = c->pos;
			*len = n;
		}
		c->pos += n;
	}
	return found ? RDP_OK : RDP_NO_FIELD;
}

/* Client Core Data: offsets from the start of its TS_UD_HEADER. */
#define CS_CORE_EARLY_FLAGS	144
#define CS_CORE_SERVER_SELECTED 212

int mcs_parse_connect_initial(const uint8_t *p, size_t len, struct mcs_connect_initial *ci)
{
	/* ConferenceCreateRequest: conferenceName "1", one user data set, H.221 key "Duca" */
	static const uint8_t ccr[] = {0x00, 0x08, 0x00, 0x10, 0x00, 0x01,
				      0xc0, 0x00, 'D',	'u',  'c',  'a'};
	size_t off, n, gcc_len, ud_len;
	struct cur c, g;
	int r;

	*ci = (struct mcs_connect_initial){0};
	r = mcs_outer(p, len, 0x65, &c);
	if (r)
		return r;
	/* callingDomainSelector, calledDomainSelector, upwardFlag, 3 x DomainParameters */
	if (!ber_elem(&c, 0x04, &off, &n) || !ber_elem(&c, 0x04, &off, &n) ||
	    !ber_elem(&c, 0x01, &off, &n) || !ber_elem(&c, 0x30, &off, &n) ||
	    !ber_elem(&c, 0x30, &off, &n) || !ber_elem(&c, 0x30, &off, &n) ||
	    !ber_elem(&c, 0x04, &off, &n) || c.pos != len)
		return RDP_BAD_MCS;
	/* userData: T.124 ConnectData (PER) */
	g = (struct cur){.p = p, .pos = off, .end = off + n};
	if (!expect(&g, t124_id, sizeof(t124_id)) || !per_len(&g, &gcc_len) ||
	    gcc_len != g.end - g.pos)
		return RDP_BAD_GCC;
	if (!expect(&g, ccr, sizeof(ccr)) || !per_len(&g, &ud_len) || ud_len != g.end - g.pos)
		return RDP_BAD_GCC;
	r = ud_find(&g, UD_CS_CORE, &ci->core_off, &ci->core_len);
	if (r)
		return r;
	if (ci->core_len >= CS_CORE_EARLY_FLAGS + 2)
		ci->early_flags = get_le16(p + ci->core_off + CS_CORE_EARLY_FLAGS);
	if (ci->core_len >= CS_CORE_SERVER_SELECTED + 4) {
		ci->have_selected = true;
		ci->selected = get_le32(p + ci->core_off + CS_CORE_SERVER_SELECTED);
	}
	return RDP_OK;
}

int mcs_parse_connect_response(const uint8_t *p, size_t len, struct mcs_connect_response *cr)
{
	/* userData set of one, H.221 key "McDn" */
	static const uint8_t key[] = {0x01, 0xc0, 0x00, 'M', 'c', 'D', 'n'};
	size_t off, n, gcc_len, ud_len, tag_len;
	struct cur c, g;
	int r;

	*cr = (struct mcs_connect_response){0};
	r = mcs_outer(p, len, 0x66, &c);
	if (r)
		return r;
	/* result (ENUMERATED), calledConnectId (INTEGER), domainParameters, userData */
	if (!ber_elem(&c, 0x0a, &off, &n) || n != 1)
		return RDP_BAD_MCS;
	cr->result = p[off];
	if (!ber_elem(&c, 0x02, &off, &n) || !ber_elem(&c, 0x30, &off, &n) ||
	    !ber_elem(&c, 0x04, &off, &n) || c.pos != len)
		return RDP_BAD_MCS;
	g = (struct cur){.p = p, .pos = off, .end = off + n};
	/*
	 * connectPDU's length is not checked: xrdp 0.9.21 always writes 0x2a
	 * (xrdp_mcs_out_gcc_data()), and clients ignore it.
	 */
	if (!expect(&g, t124_id, sizeof(t124_id)) || !per_len(&g, &gcc_len))
		return RDP_BAD_GCC;
	/* ConferenceCreateResponse: choice 0x14, nodeID (2), tag (length + bytes), result */
	if (!take(&g, 3) || p[g.pos - 3] != 0x14)
		return RDP_BAD_GCC;
	if (!take(&g, 1))
		return RDP_BAD_GCC;
	tag_len = p[g.pos - 1];
	if (tag_len < 1 || tag_len > 4 || !take(&g, tag_len + 1))
		return RDP_BAD_GCC;
	if (!expect(&g, key, sizeof(key)) || !per_len(&g, &ud_len) || ud_len != g.end - g.pos)
		return RDP_BAD_GCC;
	r = ud_find(&g, UD_SC_CORE, &cr->core_off, &cr->core_len);
	if (r)
		return r;
	if (cr->core_len >= 12) {
		cr->have_requested = true;
		cr->requested_off = cr->core_off + 8;
		cr->requested = get_le32(p + cr->requested_off);
	}
	return RDP_OK;
}

int mcs_patch_requested_protocols(uint8_t *p, size_t len, uint32_t requested)
{
	struct mcs_connect_response cr;
	int r;

	r = mcs_parse_connect_response(p, len, &cr);
	if (r)
		return r;
	if (!cr.have_requested)
		return RDP_NO_FIELD;
	p[cr.requested_off] = (uint8_t)requested;
	p[cr.requested_off + 1] = (uint8_t)(requested >> 8);
	p[cr.requested_off + 2] = (uint8_t)(requested >> 16);
	p[cr.requested_off + 3] = (uint8_t)(requested >> 24);
	return RDP_OK;
}

int mcs_domain_choice(const uint8_t *p, size_t len, unsigned int *choice)
{
	size_t off;
	int r;

	*choice = 0;
	r = rdp_x224_data(p, len, &off);
	if (r)
		return r;
	if (off >= len)
		return RDP_BAD_MCS;
	/* Connect-Initial/Response are BER (0x7f...), not domain PDUs */
	if (p[off] == 0x7f)
		return RDP_NOT_DOMAIN;
	*choice = p[off] >> 2;
	return RDP_OK;
}

int mcs_parse_send_data(const uint8_t *p, size_t len, struct mcs_send_data *sd)
{
	size_t off, n;
	struct cur c;
	int r;

	*sd = (struct mcs_send_data){0};
	r = rdp_x224_data(p, len, &off);
	if (r)
		return r;
	c = (struct cur){.p = p, .pos = off, .end = len};
	if (!take(&c, 6))
		return RDP_BAD_MCS;
	sd->choice = p[off] >> 2;
	if ((sd->choice != MCS_SEND_DATA_REQUEST && sd->choice != MCS_SEND_DATA_INDICATION) ||
	    (p[off] & 3))
		return RDP_BAD_MCS;
	sd->initiator = (uint16_t)((p[off + 1] << 8 | p[off + 2]) + 1001);
	sd->channel = (uint16_t)(p[off + 3] << 8 | p[off + 4]);
	sd->flags = p[off + 5];
	if (!per_len(&c, &n) || n != c.end - c.pos)
		return RDP_BAD_MCS;
	sd->data_off = c.pos;
	sd->data_len = n;
	return RDP_OK;
}

int mcs_build_send_data(const struct mcs_send_data *sd, const uint8_t *data, size_t data_len,
			uint8_t *out, size_t size, size_t *out_len)
{
	/* choice, initiator (2), channel (2), flags, PER length (1 or 2) */
	size_t hdr = RDP_TPKT_HDR + RDP_X224_DT + 7 + (data_len >= 0x80 ? 1 : 0);
	size_t total = hdr + data_len;
	uint16_t init = (uint16_t)(sd->initiator - 1001);
	uint8_t *q = out;

	*out_len = 0;
	if (data_len > 0x3fff || total > RDP_TPKT_MAX || total > size)
		return RDP_TOO_LONG;
	*q++ = 3;
	*q++ = 0;
	*q++ = (uint8_t)(total >> 8);
	*q++ = (uint8_t)total;
	*q++ = 2;
	*q++ = 0xf0;
	*q++ = 0x80;
	*q++ = (uint8_t)((sd->choice ? sd->choice : MCS_SEND_DATA_REQUEST) << 2);
	*q++ = (uint8_t)(init >> 8);
	*q++ = (uint8_t)init;
	*q++ = (uint8_t)(sd->channel >> 8);
	*q++ = (uint8_t)sd->channel;
	*q++ = sd->flags;
	if (data_len >= 0x80) {
		*q++ = (uint8_t)(0x80 | data_len >> 8);
		*q++ = (uint8_t)data_len;
	} else {
		*q++ = (uint8_t)data_len;
	}
	if (data_len)
		memcpy(q, data, data_len);
	*out_len = total;
	return RDP_OK;
}
