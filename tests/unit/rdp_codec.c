// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of credssp-rdpd's codecs (rdp/x224.c, mcs.c, info.c, creds.c).
 * Known answers: the PDUs of a real session, xfreerdp 2.11.7 against
 * Debian's xrdp 0.9.21.1 (security_layer=rdp, crypt_level=none), captured
 * in plaintext by a relay (tests/unit/data/rdp/xfreerdp-xrdp-neg.txt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "creds.h"
#include "info.h"
#include "mcs.h"
#include "x224.h"
#include "kselftest_harness.h"

/* xfreerdp's MCS Connect-Initial (requestedProtocols 0x3, xrdp selected RDP) */
static const char connect_initial_hex[] =
	"030001d302f0807f658201c70401010401010101ff301a0201220201020201000201010201000201"
	"01020300ffff02010230190201010201010201010201010201000201010202042002010230200203"
	"00ffff020300fc17020300ffff020101020100020101020300ffff02010204820161000500147c00"
	"018158000800100001c00044756361814a01c0ea000c0008000004000301ca03aa09040000bb4700"
	"0076006d000000000000000000000000000000000000000000000000000000000004000000000000"
	"000c0000000000000000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000001ca01000000000018000f"
	"00e30500000000000000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000000000000000000007000000000000000000000000"
	"000000000000000000000004c00c000d0000000000000002c00c001b0000000000000003c0380004"
	"0000007264706472000000000080c0726470736e640000000000c0636c6970726472000000a0c064"
	"7264796e766300000080c006c00800000000000ac0080000000000";

/* xrdp's MCS Connect-Response to it: Server Core Data with clientRequestedProtocols 0x3 */
static const char connect_response_hex[] =
	"0300006d02f0807f66630a0100020100301a020116020103020100020101020100020101020300ff"
	"f8020102043f000500147c00012a14760a01010001c0004d63446e8028010c0c0004000800030000"
	"00030c1000eb030400ec03ed03ee03ef03020c0c000000000000000000";

/* xrdp's Connect-Response when the client sent no RDP_NEG_REQ: Core Data of 8 bytes */
static const char connect_response8_hex[] =
	"0300006902f0807f665f0a0100020100301a020116020103020100020101020100020101020300ff"
	"f8020102043b000500147c00012a14760a01010001c0004d63446e8024010c080004000800030c10"
	"00eb030400ec03ed03ee03ef03020c0c000000000000000000";

/* xfreerdp's Client Info PDU: /d:DOM /u:alice /p:Secr3t! */
static const char client_info_hex[] =
	"0300015d02f08064000703eb70814e4000000000000000fb470b0006000a000e000000000044004f"
	"004d00000061006c0069006300650000005300650063007200330074002100000000000000020014"
	"003100320037002e0030002e0030002e0031000000400043003a005c00570069006e0064006f0077"
	"0073005c00530079007300740065006d00330032005c006d007300740073006300610078002e0064"
	"006c006c0000000000000043006f006f007200640069006e006100740065006400200055006e0069"
	"00760065007200730061006c002000540069006d0065000000000000000000000000000000000000"
	"00000000000000000000000000000043006f006f007200640069006e006100740065006400200055"
	"006e006900760065007200730061006c002000540069006d00650000000000000000000000000000"
	"0000000000000000000000000000000000000000000000800100000000";

/* Decode @hex into a new buffer; its length to *@len. */
static uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2, i;
	uint8_t *p = malloc(n ? n : 1);

	for (i = 0; i < n; i++) {
		unsigned int b;

		sscanf(hex + 2 * i, "%2x", &b);
		p[i] = (uint8_t)b;
	}
	*len = n;
	return p;
}

static bool same_hex(const uint8_t *p, size_t len, const char *hex)
{
	size_t n;
	uint8_t *q = unhex(hex, &n);
	bool same = n == len && !memcmp(p, q, n);

	free(q);
	return same;
}

/* UTF-16LE of an ASCII string */
static size_t u16(const char *s, uint8_t *out)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		out[2 * i] = (uint8_t)s[i];
		out[2 * i + 1] = 0;
	}
	return 2 * i;
}

static bool is_u16(const uint8_t *p, size_t len, const char *s)
{
	uint8_t b[1024];

	return u16(s, b) == len && !memcmp(b, p, len);
}

TEST(x224_request_of_xfreerdp)
{
	size_t len;
	uint8_t *p = unhex("0300002b26e00000000000436f6f6b69653a206d737473686173683d616c6963650d0a"
			   "0100080003000000",
			   &len);
	struct x224_request req;

	ASSERT_EQ(X224_OK, x224_parse_request(p, len, &req));
	EXPECT_TRUE(req.have_neg);
	EXPECT_EQ(3U, req.requested);
	EXPECT_EQ(22U, req.cookie_len);
	EXPECT_EQ(0, memcmp(req.cookie, "Cookie: mstshash=alice", 22));
	free(p);
}

TEST(x224_backend_request_and_xrdp_confirm)
{
	uint8_t buf[32];
	struct x224_confirm cc;
	size_t len;
	uint8_t *p;

	ASSERT_EQ(19U, x224_build_request(buf, sizeof(buf), X224_PROTOCOL_RDP));
	EXPECT_TRUE(same_hex(buf, 19, "030000130ee000000000000100080000000000"));
	EXPECT_EQ(0U, x224_build_request(buf, 18, 0));
	/* xrdp's Confirm selecting PROTOCOL_RDP, flags EXTENDED_CLIENT_DATA_SUPPORTED */
	p = unhex("030000130ed000001234000201080000000000", &len);
	ASSERT_EQ(X224_OK, x224_parse_confirm(p, len, &cc));
	EXPECT_TRUE(cc.have_neg);
	EXPECT_FALSE(cc.failure);
	EXPECT_EQ(1, cc.neg_flags);
	EXPECT_EQ(0U, cc.value);
	/* every shorter prefix is refused */
	for (size_t i = 0; i < len; i++)
		EXPECT_NE(X224_OK, x224_parse_confirm(p, i, &cc));
	free(p);
	/* without RDP_NEG_RSP (a request without RDP_NEG_REQ) */
	p = unhex("0300000b06d00000123400", &len);
	ASSERT_EQ(X224_OK, x224_parse_confirm(p, len, &cc));
	EXPECT_FALSE(cc.have_neg);
	free(p);
	/* RDP_NEG_FAILURE SSL_REQUIRED_BY_SERVER */
	p = unhex("030000130ed000001234000300080001000000", &len);
	ASSERT_EQ(X224_OK, x224_parse_confirm(p, len, &cc));
	EXPECT_TRUE(cc.failure);
	EXPECT_EQ(1U, cc.value);
	free(p);
	/* a CR is not a CC; a length indicator that lies */
	p = unhex("030000130ee000001234000201080000000000", &len);
	EXPECT_EQ(X224_BAD_X224_CR, x224_parse_confirm(p, len, &cc));
	p[4] = 0x0d;
	p[5] = 0xd0;
	EXPECT_EQ(X224_BAD_X224_CR, x224_parse_confirm(p, len, &cc));
	free(p);
}

TEST(x224_confirm_failure_bytes)
{
	struct timespec until = x224_deadline(5);
	uint8_t buf[32];
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(X224_OK, x224_send_confirm(sv[0], &until, false, 0));
	ASSERT_EQ(19, read(sv[1], buf, sizeof(buf)));
	/* RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER */
	EXPECT_TRUE(same_hex(buf, 19, "030000130ed000001234000300080005000000"));
	ASSERT_EQ(X224_OK, x224_send_confirm(sv[0], &until, true, X224_NEG_RSP_FLAGS));
	ASSERT_EQ(19, read(sv[1], buf, sizeof(buf)));
	EXPECT_TRUE(same_hex(buf, 19, "030000130ed000001234000203080002000000"));
	close(sv[0]);
	close(sv[1]);
}

TEST(tpkt_framing)
{
	uint8_t erect[] = {3, 0, 0, 12, 2, 0xf0, 0x80, 4, 1, 0, 1, 0};
	uint8_t fast[] = {0x0c, 0x80, 0x08};
	size_t n;
	unsigned int choice;

	EXPECT_EQ(RDP_SHORT, rdp_tpkt_len(erect, 3, 65535, &n));
	EXPECT_EQ(RDP_OK, rdp_tpkt_len(erect, 4, 65535, &n));
	EXPECT_EQ(12U, n);
	EXPECT_EQ(RDP_BAD_TPKT, rdp_tpkt_len(erect, 4, 11, &n));
	EXPECT_EQ(RDP_FASTPATH, rdp_tpkt_len(fast, sizeof(fast), 65535, &n));
	ASSERT_EQ(RDP_OK, mcs_domain_choice(erect, sizeof(erect), &choice));
	EXPECT_EQ((unsigned int)MCS_ERECT_DOMAIN_REQUEST, choice);
	erect[6] = 0;
	EXPECT_EQ(RDP_BAD_X224, mcs_domain_choice(erect, sizeof(erect), &choice));
}

TEST(connect_initial_of_xfreerdp)
{
	struct mcs_connect_initial ci;
	size_t len;
	uint8_t *p = unhex(connect_initial_hex, &len);

	ASSERT_EQ(RDP_OK, mcs_parse_connect_initial(p, len, &ci));
	EXPECT_EQ(0xeaU, ci.core_len);
	EXPECT_EQ(0xc0, p[ci.core_off + 1]);
	EXPECT_TRUE(ci.have_selected);
	/* xrdp selected PROTOCOL_RDP: the client says so (a downgrade for the front) */
	EXPECT_EQ(0U, ci.selected);
	/* the same PDU after a HYBRID negotiation */
	p[ci.core_off + 212] = 2;
	ASSERT_EQ(RDP_OK, mcs_parse_connect_initial(p, len, &ci));
	EXPECT_EQ(RDP_PROTO_HYBRID, ci.selected);
	/* every truncation and every lying length byte is refused or still consistent */
	for (size_t i = 0; i < len; i++) {
		struct mcs_connect_initial t;

		EXPECT_NE(RDP_OK, mcs_parse_connect_initial(p, i, &t));
	}
	/* Client Core Data shortened below serverSelectedProtocol: absent */
	free(p);
}

TEST(connect_initial_lying_lengths)
{
	size_t len;
	uint8_t *p = unhex(connect_initial_hex, &len);
	struct mcs_connect_initial ci;
	size_t off;

	/* the outer BER length (0x82 01 c7 at offset 9) */
	p[11]++;
	EXPECT_EQ(RDP_BAD_MCS, mcs_parse_connect_initial(p, len, &ci));
	p[11]--;
	/* the user data blocks' PER length */
	ASSERT_EQ(RDP_OK, mcs_parse_connect_initial(p, len, &ci));
	off = ci.core_off;
	p[off - 1]++;
	EXPECT_EQ(RDP_BAD_GCC, mcs_parse_connect_initial(p, len, &ci));
	p[off - 1]--;
	/* the H.221 key "Duca", then the 2-byte PER length */
	ASSERT_EQ('a', p[off - 3]);
	p[off - 3] = 'X';
	EXPECT_EQ(RDP_BAD_GCC, mcs_parse_connect_initial(p, len, &ci));
	p[off - 3] = 'a';
	ASSERT_EQ(RDP_OK, mcs_parse_connect_initial(p, len, &ci));
	/* a TS_UD_HEADER length past the end */
	p[off + 2] = 0xff;
	p[off + 3] = 0x7f;
	EXPECT_EQ(RDP_BAD_UD, mcs_parse_connect_initial(p, len, &ci));
	free(p);
}

TEST(connect_response_of_xrdp_patched)
{
	struct mcs_connect_response cr;
	size_t len, i;
	uint8_t *p = unhex(connect_response_hex, &len), *orig = malloc(len);

	memcpy(orig, p, len);
	ASSERT_EQ(RDP_OK, mcs_parse_connect_response(p, len, &cr));
	EXPECT_EQ(0U, cr.result);
	EXPECT_EQ(12U, cr.core_len);
	EXPECT_TRUE(cr.have_requested);
	/* xrdp echoes what it received; here the client's 0x3 */
	EXPECT_EQ(3U, cr.requested);
	ASSERT_EQ(RDP_OK, mcs_patch_requested_protocols(p, len, 0xb));
	ASSERT_EQ(RDP_OK, mcs_parse_connect_response(p, len, &cr));
	EXPECT_EQ(0xbU, cr.requested);
	/* exactly those 4 bytes changed */
	for (i = 0; i < len; i++)
		if (i < cr.requested_off || i >= cr.requested_off + 4)
			EXPECT_EQ(orig[i], p[i]);
	EXPECT_EQ(0x0b, p[cr.requested_off]);
	for (i = 0; i < len; i++)
		EXPECT_NE(RDP_OK, mcs_parse_connect_response(p, i, &cr));
	free(orig);
	free(p);
	/* without clientRequestedProtocols there is nothing to patch: refused */
	p = unhex(connect_response8_hex, &len);
	ASSERT_EQ(RDP_OK, mcs_parse_connect_response(p, len, &cr));
	EXPECT_FALSE(cr.have_requested);
	EXPECT_EQ(RDP_NO_FIELD, mcs_patch_requested_protocols(p, len, 2));
	/* a Connect-Initial is not a Connect-Response */
	free(p);
	p = unhex(connect_initial_hex, &len);
	EXPECT_EQ(RDP_BAD_MCS, mcs_parse_connect_response(p, len, &cr));
	free(p);
}

TEST(client_info_of_xfreerdp)
{
	struct mcs_send_data sd;
	struct rdp_info info;
	size_t len;
	uint8_t *p = unhex(client_info_hex, &len);

	ASSERT_EQ(RDP_OK, mcs_parse_send_data(p, len, &sd));
	EXPECT_EQ((unsigned int)MCS_SEND_DATA_REQUEST, sd.choice);
	EXPECT_EQ(1008, sd.initiator);
	EXPECT_EQ(1003, sd.channel);
	EXPECT_EQ(0x70, sd.flags);
	EXPECT_EQ(0x14eU, sd.data_len);
	ASSERT_EQ(RDP_OK, rdp_info_parse(p + sd.data_off, sd.data_len, &info));
	EXPECT_EQ(SEC_INFO_PKT, info.sec_flags);
	EXPECT_EQ(0x000b47fbU, info.flags);
	EXPECT_TRUE(is_u16(info.domain, info.domain_len, "DOM"));
	EXPECT_TRUE(is_u16(info.user, info.user_len, "alice"));
	EXPECT_TRUE(is_u16(info.password, info.password_len, "Secr3t!"));
	EXPECT_EQ(0U, info.shell_len);
	EXPECT_EQ(0U, info.workdir_len);
	EXPECT_GT(info.extra_len, 100U);
	free(p);
}

TEST(client_info_rebuilt_for_the_backend)
{
	uint8_t dom[64], user[64], pw[64], out[2048], pdu[2048];
	struct mcs_send_data sd, sd2;
	struct rdp_info info, again;
	struct rdp_logon logon;
	size_t len, out_len, pdu_len;
	uint8_t *p = unhex(client_info_hex, &len);

	ASSERT_EQ(RDP_OK, mcs_parse_send_data(p, len, &sd));
	ASSERT_EQ(RDP_OK, rdp_info_parse(p + sd.data_off, sd.data_len, &info));
	logon = (struct rdp_logon){.domain = dom, .user = user, .password = pw, .autologon = true};
	logon.domain_len = u16("Xorg", dom);
	logon.user_len = u16("bob", user);
	logon.password_len = u16("Passw0rd!", pw);
	ASSERT_EQ(RDP_OK, rdp_info_build(&info, &logon, out, sizeof(out), &out_len));
	ASSERT_EQ(RDP_OK, mcs_build_send_data(&sd, out, out_len, pdu, sizeof(pdu), &pdu_len));
	ASSERT_EQ(RDP_OK, mcs_parse_send_data(pdu, pdu_len, &sd2));
	EXPECT_EQ(sd.initiator, sd2.initiator);
	EXPECT_EQ(sd.channel, sd2.channel);
	EXPECT_EQ(sd.flags, sd2.flags);
	ASSERT_EQ(RDP_OK, rdp_info_parse(pdu + sd2.data_off, sd2.data_len, &again));
	EXPECT_TRUE(is_u16(again.domain, again.domain_len, "Xorg"));
	EXPECT_TRUE(is_u16(again.user, again.user_len, "bob"));
	EXPECT_TRUE(is_u16(again.password, again.password_len, "Passw0rd!"));
	EXPECT_TRUE(again.flags & INFO_AUTOLOGON);
	EXPECT_EQ(info.flags | INFO_AUTOLOGON, again.flags);
	EXPECT_EQ(info.code_page, again.code_page);
	ASSERT_EQ(info.extra_len, again.extra_len);
	EXPECT_EQ(0, memcmp(info.extra, again.extra, info.extra_len));
	/* the same bytes as the client's PDU but for the changed strings */
	EXPECT_EQ(len - (6 + 10 + 14) + (8 + 6 + 18), pdu_len);
	/* login screen: no password, no INFO_AUTOLOGON */
	logon.autologon = false;
	ASSERT_EQ(RDP_OK, rdp_info_build(&info, &logon, out, sizeof(out), &out_len));
	ASSERT_EQ(RDP_OK, rdp_info_parse(out, out_len, &again));
	EXPECT_FALSE(again.flags & INFO_AUTOLOGON);
	EXPECT_EQ(0U, again.password_len);
	/* too small an output; odd and oversized strings */
	EXPECT_EQ(RDP_TOO_LONG, rdp_info_build(&info, &logon, out, 20, &out_len));
	logon.user_len = 3;
	EXPECT_EQ(RDP_BAD_INFO, rdp_info_build(&info, &logon, out, sizeof(out), &out_len));
	logon.user_len = 512;
	EXPECT_EQ(RDP_BAD_INFO, rdp_info_build(&info, &logon, out, sizeof(out), &out_len));
	free(p);
}

TEST(client_info_refused)
{
	struct mcs_send_data sd;
	struct rdp_info info;
	size_t len;
	uint8_t *p = unhex(client_info_hex, &len);
	uint8_t *d;

	ASSERT_EQ(RDP_OK, mcs_parse_send_data(p, len, &sd));
	d = p + sd.data_off;
	for (size_t i = 0; i < 22 + 6 + 10 + 16 + 2 + 2; i++)
		EXPECT_EQ(RDP_BAD_INFO, rdp_info_parse(d, i, &info));
	/* no SEC_INFO_PKT */
	d[0] = 0;
	EXPECT_EQ(RDP_BAD_INFO, rdp_info_parse(d, sd.data_len, &info));
	d[0] = SEC_INFO_PKT;
	/* ANSI strings */
	d[8] &= (uint8_t)~INFO_UNICODE;
	EXPECT_EQ(RDP_BAD_INFO, rdp_info_parse(d, sd.data_len, &info));
	d[8] |= INFO_UNICODE;
	/* an odd or oversized cbUserName */
	d[14] = 0x0b;
	EXPECT_EQ(RDP_BAD_INFO, rdp_info_parse(d, sd.data_len, &info));
	d[14] = 0x00;
	d[15] = 0x02;
	EXPECT_EQ(RDP_BAD_INFO, rdp_info_parse(d, sd.data_len, &info));
	d[14] = 0x0a;
	d[15] = 0x00;
	EXPECT_EQ(RDP_OK, rdp_info_parse(d, sd.data_len, &info));
	/* a PER length that lies in the MCS header */
	p[14]++;
	EXPECT_EQ(RDP_BAD_MCS, mcs_parse_send_data(p, len, &sd));
	free(p);
}

/* A delegated credentials payload, version 1, of @type with (id, string) fields. */
static size_t payload(uint8_t *out, uint8_t type, int n, const uint16_t *ids, const char **vals)
{
	size_t pos = 4;

	out[0] = 1;
	out[1] = type;
	out[2] = (uint8_t)n;
	out[3] = 0;
	for (int i = 0; i < n; i++) {
		size_t l = u16(vals[i], out + pos + 8);

		out[pos] = (uint8_t)ids[i];
		out[pos + 1] = 0;
		out[pos + 2] = out[pos + 3] = 0;
		out[pos + 4] = (uint8_t)l;
		out[pos + 5] = (uint8_t)(l >> 8);
		out[pos + 6] = out[pos + 7] = 0;
		pos += 8 + l;
	}
	return pos;
}

TEST(delegated_credentials)
{
	static const uint16_t ids[] = {RDP_CF_DOMAIN, RDP_CF_USER, RDP_CF_PASSWORD};
	const char *vals[] = {"KCREDSSP", "alice", "Passw0rd!"};
	struct rdp_creds c;
	uint8_t p[512];
	size_t n;

	n = payload(p, RDP_CRED_PASSWORD, 3, ids, vals);
	ASSERT_EQ(RDP_CREDS_OK, rdp_creds_parse(p, n, &c));
	EXPECT_TRUE(is_u16(c.domain, c.domain_len, "KCREDSSP"));
	EXPECT_TRUE(is_u16(c.user, c.user_len, "alice"));
	EXPECT_TRUE(is_u16(c.password, c.password_len, "Passw0rd!"));
	for (size_t i = 0; i < n; i++)
		EXPECT_NE(RDP_CREDS_OK, rdp_creds_parse(p, i, &c));
	EXPECT_EQ(RDP_CREDS_MALFORMED, rdp_creds_parse(p, n + 1, &c));
	p[0] = 2;
	EXPECT_EQ(RDP_CREDS_MALFORMED, rdp_creds_parse(p, n, &c));
	/* a duplicate user */
	vals[0] = "bob";
	n = payload(p, RDP_CRED_PASSWORD, 3, (const uint16_t[]){RDP_CF_USER, RDP_CF_USER, 3}, vals);
	EXPECT_EQ(RDP_CREDS_MALFORMED, rdp_creds_parse(p, n, &c));
	/* smart card; no user */
	n = payload(p, 2, 3, ids, vals);
	EXPECT_EQ(RDP_CREDS_NOT_PASSWORD, rdp_creds_parse(p, n, &c));
	n = payload(p, RDP_CRED_PASSWORD, 1, (const uint16_t[]){RDP_CF_PASSWORD}, vals);
	EXPECT_EQ(RDP_CREDS_NO_USER, rdp_creds_parse(p, n, &c));
	/* Restricted Admin: nothing */
	n = payload(p, RDP_CRED_PASSWORD, 0, ids, vals);
	EXPECT_EQ(RDP_CREDS_NO_USER, rdp_creds_parse(p, n, &c));
}

TEST(utf16_utf8)
{
	uint8_t u[64];
	char s[64];
	int n;

	n = rdp_utf8_to_utf16("al\xc3\xaf"
			      "ce \xe2\x82\xac \xf0\x9f\x98\x80",
			      u, sizeof(u));
	ASSERT_EQ(20, n);
	EXPECT_EQ(0x3d, u[16]);
	EXPECT_EQ(0xd8, u[17]);
	ASSERT_EQ(15, rdp_utf16_to_utf8(u, (size_t)n, s, sizeof(s)));
	EXPECT_STREQ("al\xc3\xaf"
		     "ce \xe2\x82\xac \xf0\x9f\x98\x80",
		     s);
	EXPECT_EQ(-1, rdp_utf16_to_utf8(u, 19, s, sizeof(s)));
	EXPECT_EQ(-1, rdp_utf16_to_utf8(u, 18, s, sizeof(s))); /* unpaired high surrogate */
	EXPECT_EQ(-1, rdp_utf16_to_utf8(u, (size_t)n, s, 15));
	u[0] = '\n';
	EXPECT_EQ(-1, rdp_utf16_to_utf8(u, 2, s, sizeof(s)));
	EXPECT_EQ(-1, rdp_utf8_to_utf16("\xc0\xaf", u, sizeof(u)));	/* overlong */
	EXPECT_EQ(-1, rdp_utf8_to_utf16("\xed\xa0\x80", u, sizeof(u))); /* surrogate */
	EXPECT_EQ(-1, rdp_utf8_to_utf16("abc", u, 5));
}

TEST(single_sign_on_policy)
{
	EXPECT_TRUE(rdp_creds_match(RDP_PKG_NTLM, "KCREDSSP\\alice", "KCREDSSP", "alice"));
	EXPECT_TRUE(rdp_creds_match(RDP_PKG_NTLM, "KCREDSSP\\alice", "kcredssp", "ALICE"));
	EXPECT_TRUE(rdp_creds_match(RDP_PKG_NTLM, "KCREDSSP\\alice", "", "alice"));
	EXPECT_TRUE(rdp_creds_match(RDP_PKG_NTLM, "alice", "", "alice"));
	EXPECT_FALSE(rdp_creds_match(RDP_PKG_NTLM, "KCREDSSP\\alice", "OTHER", "alice"));
	EXPECT_FALSE(rdp_creds_match(RDP_PKG_NTLM, "KCREDSSP\\alice", "KCREDSSP", "bob"));
	EXPECT_FALSE(rdp_creds_match(RDP_PKG_NTLM, "KCREDSSP\\alice", "KCREDSSP", "alice2"));
	EXPECT_FALSE(rdp_creds_match(RDP_PKG_NTLM, "KCREDSSP\\alice", "KCREDSSP", ""));
	EXPECT_TRUE(
		rdp_creds_match(RDP_PKG_KERBEROS, "alice@KCREDSSP.TEST", "KCREDSSP.TEST", "alice"));
	EXPECT_TRUE(rdp_creds_match(RDP_PKG_KERBEROS, "alice@KCREDSSP.TEST", "KCREDSSP", "alice"));
	EXPECT_TRUE(rdp_creds_match(RDP_PKG_KERBEROS, "alice@KCREDSSP.TEST", "",
				    "alice@kcredssp.test"));
	EXPECT_FALSE(rdp_creds_match(RDP_PKG_KERBEROS, "alice@KCREDSSP.TEST", "", "alice"));
	EXPECT_FALSE(
		rdp_creds_match(RDP_PKG_KERBEROS, "alice@KCREDSSP.TEST", "OTHER.TEST", "alice"));
	EXPECT_FALSE(
		rdp_creds_match(RDP_PKG_KERBEROS, "alice@KCREDSSP.TEST", "KCREDSSP.TEST", "bob"));
	EXPECT_FALSE(
		rdp_creds_match(RDP_PKG_KERBEROS, "alice@KCREDSSP.TEST", "", "bob@KCREDSSP.TEST"));
	EXPECT_FALSE(rdp_creds_match(RDP_PKG_KERBEROS, "@KCREDSSP.TEST", "", "@KCREDSSP.TEST"));
}

/* What the front says about a record kTLS hands out that is not data. */
TEST(tls_records_not_data)
{
	const uint8_t close_notify[] = {1, 0}, fatal_mac[] = {2, 20}, odd[] = {7, 200};
	const uint8_t key_update[] = {24, 0, 0, 1, 0}, short_alert[] = {2};
	char why[160];

	ASSERT_EQ(0, x224_tls_record(X224_TLS_ALERT, close_notify, 2, why, sizeof(why)));
	/* a fatal close_notify is still the end of data, not an error */
	ASSERT_EQ(0, x224_tls_record(X224_TLS_ALERT, (const uint8_t[]){2, 0}, 2, why, sizeof(why)));
	ASSERT_EQ(-1, x224_tls_record(X224_TLS_ALERT, fatal_mac, 2, why, sizeof(why)));
	ASSERT_STREQ("the client sent the TLS alert fatal 20 (bad_record_mac)", why);
	ASSERT_EQ(-1, x224_tls_record(X224_TLS_ALERT, odd, 2, why, sizeof(why)));
	ASSERT_STREQ("the client sent the TLS alert of level ? 200 (?)", why);
	ASSERT_EQ(-1, x224_tls_record(X224_TLS_ALERT, short_alert, 1, why, sizeof(why)));
	ASSERT_STREQ("the client sent a TLS record of type 21 (1 bytes)", why);
	/* an alert of 2 bytes is exactly that: more is not an alert */
	ASSERT_EQ(-1, x224_tls_record(X224_TLS_ALERT, key_update, 3, why, sizeof(why)));
	ASSERT_EQ(-1, x224_tls_record(X224_TLS_HANDSHAKE, key_update, 5, why, sizeof(why)));
	ASSERT_STREQ("the client sent the TLS handshake message 24 (KeyUpdate, 5 bytes), which "
		     "kTLS cannot follow",
		     why);
	ASSERT_EQ(-1, x224_tls_record(20, close_notify, 1, why, sizeof(why)));
	ASSERT_STREQ("the client sent a TLS record of type 20 (1 bytes)", why);
	/* truncated to the caller's buffer */
	ASSERT_EQ(-1, x224_tls_record(X224_TLS_ALERT, fatal_mac, 2, why, 8));
	ASSERT_STREQ("the cli", why);
}

TEST_HARNESS_MAIN
