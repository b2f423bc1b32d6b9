/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcs: the parts of the RDP connection sequence the NLA front reads or
 * changes between the client and its backend (xrdp). Pure functions on
 * buffers, no I/O; every length is checked against the buffer.
 *
 *   TPKT (RFC 1006) + X.224 Data TPDU (02 f0 80) framing
 *   MCS Connect-Initial (T.125, BER) -> GCC Conference Create Request
 *     (T.124, PER) -> Client Core Data: serverSelectedProtocol
 *     ([MS-RDPBCGR] 2.2.1.3, 2.2.1.3.2)
 *   MCS Connect-Response -> GCC Conference Create Response -> Server Core
 *     Data: clientRequestedProtocols, patched in place ([MS-RDPBCGR]
 *     2.2.1.4, 2.2.1.4.2)
 *   MCS Send Data Request (T.125 PER): initiator, channel, user data; and
 *     building one around new user data ([MS-RDPBCGR] 2.2.1.11)
 *
 * Functions return RDP_OK (0) or a negative enum rdp_status.
 */
#ifndef KCREDSSP_RDP_MCS_H
#define KCREDSSP_RDP_MCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rdp_status {
	RDP_OK = 0,
	RDP_SHORT = -1,	     /* more bytes are needed (framing only) */
	RDP_BAD_TPKT = -2,   /* not a TPKT, or a length out of range */
	RDP_BAD_X224 = -3,   /* not an X.224 Data TPDU */
	RDP_BAD_MCS = -4,    /* a malformed or unexpected MCS PDU */
	RDP_BAD_GCC = -5,    /* a malformed GCC conference PDU */
	RDP_BAD_UD = -6,     /* malformed user data blocks (TS_UD_HEADER) */
	RDP_NO_FIELD = -7,   /* the field looked for is absent */
	RDP_BAD_INFO = -8,   /* a malformed Client Info PDU */
	RDP_TOO_LONG = -9,   /* a result would not fit */
	RDP_FASTPATH = -10,  /* a fast-path PDU where only slow-path is allowed */
	RDP_NOT_DOMAIN = -11 /* not an MCS domain PDU this front relays */
};

/* "OK", "SHORT", "BAD_TPKT", ... */
const char *rdp_status_name(int status);

/* TPKT header + X.224 Data TPDU header (LI 2, code 0xf0, EOT) */
#define RDP_TPKT_HDR	 4
#define RDP_X224_DT	 3
#define RDP_TPKT_MAX	 65535
#define RDP_PROTO_HYBRID 0x00000002U

/* T.125 DomainMCSPDU choices (PER, the choice in the top 6 bits) */
#define MCS_ERECT_DOMAIN_REQUEST 1
#define MCS_DISCONNECT_PROVIDER	 8
#define MCS_ATTACH_USER_REQUEST	 10
#define MCS_ATTACH_USER_CONFIRM	 11
#define MCS_CHANNEL_JOIN_REQUEST 14
#define MCS_CHANNEL_JOIN_CONFIRM 15
#define MCS_SEND_DATA_REQUEST	 25
#define MCS_SEND_DATA_INDICATION 26

/* [MS-RDPBCGR] 2.2.1.3.1 TS_UD_HEADER types */
#define UD_CS_CORE 0xc001
#define UD_SC_CORE 0x0c01

/*
 * The length of the slow-path PDU (TPKT) starting @p (@len bytes there so
 * far) to *@pdu_len: RDP_OK once the header is in, RDP_SHORT before,
 * RDP_FASTPATH for a fast-path PDU (first byte not 3), RDP_BAD_TPKT for a
 * TPKT shorter than a TPKT + X.224 header (7) or longer than @max.
 */
int rdp_tpkt_len(const uint8_t *p, size_t len, size_t max, size_t *pdu_len);

/*
 * One whole TPKT of @len bytes carrying an X.224 Data TPDU: the offset of
 * its payload (7) to *@off.
 */
int rdp_x224_data(const uint8_t *p, size_t len, size_t *off);

/* Where the fields of a Connect-Initial's Client Core Data are. */
struct mcs_connect_initial {
	size_t core_off;      /* offset of CS_CORE's TS_UD_HEADER in the PDU */
	size_t core_len;      /* its length (header included) */
	bool have_selected;   /* serverSelectedProtocol is present */
	uint32_t selected;    /* serverSelectedProtocol */
	uint32_t early_flags; /* earlyCapabilityFlags (0 when absent) */
};

/*
 * Parse the MCS Connect-Initial in one whole TPKT @p of @len bytes: TPKT,
 * X.224 DT, BER Connect-Initial whose userData is a T.124 ConnectData
 * carrying a Conference Create Request with H.221 key "Duca" and user data
 * blocks that exactly fill it, one of them a Client Core Data.
 */
int mcs_parse_connect_initial(const uint8_t *p, size_t len, struct mcs_connect_initial *ci);

/* Where a Connect-Response's Server Core Data is. */
struct mcs_connect_response {
	uint32_t result;      /* T.125 Result (0 = rt-successful) */
	size_t core_off;      /* offset of SC_CORE's TS_UD_HEADER */
	size_t core_len;      /* its length */
	bool have_requested;  /* clientRequestedProtocols is present */
	uint32_t requested;   /* its value */
	size_t requested_off; /* its offset in the PDU */
};

/* Parse an MCS Connect-Response (one whole TPKT), as above with "McDn". */
int mcs_parse_connect_response(const uint8_t *p, size_t len, struct mcs_connect_response *cr);

/*
 * Set clientRequestedProtocols of the Connect-Response in @p (one whole
 * TPKT of @len bytes) to @requested, in place. RDP_NO_FIELD when its Server
 * Core Data has no such field.
 */
int mcs_patch_requested_protocols(uint8_t *p, size_t len, uint32_t requested);

/* The first byte of an MCS domain PDU after the X.224 header: its choice. */
int mcs_domain_choice(const uint8_t *p, size_t len, unsigned int *choice);

/* An MCS Send Data Request / Indication. */
struct mcs_send_data {
	unsigned int choice; /* MCS_SEND_DATA_REQUEST or _INDICATION */
	uint16_t initiator;  /* user id (the PER value + 1001) */
	uint16_t channel;
	uint8_t flags;	 /* dataPriority and segmentation byte */
	size_t data_off; /* offset of the user data in the PDU */
	size_t data_len; /* its length: exactly to the end of the TPKT */
};

/* Parse a Send Data Request or Indication (one whole TPKT). */
int mcs_parse_send_data(const uint8_t *p, size_t len, struct mcs_send_data *sd);

/*
 * Build a whole TPKT carrying a Send Data Request like @sd (initiator,
 * channel, flags) around @data of @data_len bytes into @out of @size bytes;
 * its length to *@out_len. RDP_TOO_LONG when it does not fit in @size or in
 * a TPKT.
 */
int mcs_build_send_data(const struct mcs_send_data *sd, const uint8_t *data, size_t data_len,
			uint8_t *out, size_t size, size_t *out_len);

#endif /* KCREDSSP_RDP_MCS_H */
