/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x224: the RDP negotiation in front of CredSSP, for a listener in userspace
 * ([MS-RDPBCGR] 2.2.1.1 Connection Request, 2.2.1.2 Connection Confirm), and
 * the client side of it that the RDP NLA front (credssp-rdpd) speaks to its
 * backend (x224_build_request(), x224_parse_confirm()).
 *
 * The Connection Request is one TPKT (RFC 1006) carrying an X.224 CR TPDU:
 * an optional cookie or routing token up to CR LF, then an optional
 * RDP_NEG_REQ (requestedProtocols), maybe followed by an
 * RDP_NEG_CORRELATION_INFO. It is read exactly, never a byte more: what
 * follows on the socket is the client's first TLS record (for credssp.ko in
 * socket mode, or for whatever reads the socket next).
 *
 * Typical use (the deadline is on CLOCK_MONOTONIC, see x224_deadline()):
 *
 *	uint8_t buf[X224_REQUEST_MAX];
 *	struct x224_request req;
 *
 *	if (x224_read_request(fd, &deadline, buf, sizeof(buf), &req))
 *		goto fail;
 *	hybrid = req.requested & X224_PROTOCOL_HYBRID;
 *	if (x224_send_confirm(fd, &deadline, hybrid, X224_NEG_RSP_FLAGS | ...))
 *		goto fail;
 *
 * The read, parse and send functions return X224_OK (0) or a negative
 * enum x224_status.
 */
#ifndef KCREDSSP_X224_H
#define KCREDSSP_X224_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* [MS-RDPBCGR] 2.2.1.1.1, 2.2.1.2.1, 2.2.1.2.2 */
#define X224_TYPE_RDP_NEG_REQ			0x01
#define X224_TYPE_RDP_NEG_RSP			0x02
#define X224_TYPE_RDP_NEG_FAILURE		0x03
#define X224_RESTRICTED_ADMIN_MODE_REQUIRED	0x01
#define X224_NEG_RSP_EXTENDED_CLIENT_DATA	0x01
#define X224_NEG_RSP_DYNVC_GFX			0x02
#define X224_NEG_RSP_RESTRICTED_ADMIN_SUPPORTED 0x08
#define X224_PROTOCOL_RDP			0x00000000U
#define X224_PROTOCOL_SSL			0x00000001U
#define X224_PROTOCOL_HYBRID			0x00000002U
#define X224_PROTOCOL_HYBRID_EX			0x00000008U
#define X224_HYBRID_REQUIRED_BY_SERVER		0x00000005U

/* The RDP_NEG_RSP flags FreeRDP's own server sends. */
#define X224_NEG_RSP_FLAGS (X224_NEG_RSP_EXTENDED_CLIENT_DATA | X224_NEG_RSP_DYNVC_GFX)

/* The largest TPKT there is (its length is 16 bits). */
#define X224_REQUEST_MAX 65535

enum x224_status {
	X224_OK = 0,
	X224_EOF = -1,		  /* the client closed (or reset) the connection */
	X224_TIMEOUT = -2,	  /* the deadline passed */
	X224_IO_ERROR = -3,	  /* poll(), read() or send() failed */
	X224_BAD_TPKT = -4,	  /* not a TPKT, shorter than a CR, or larger than the buffer */
	X224_BAD_X224_CR = -5,	  /* not an X.224 CR TPDU, or its length indicator is wrong */
	X224_BAD_X224_COOKIE = -6 /* a cookie or routing token without CR LF */
};

/* A Connection Confirm TPDU is at most this long (TPKT 4 + CC 7 + 8). */
#define X224_CONFIRM_LEN 19

/* What the client asked for. */
struct x224_request {
	const uint8_t *cookie; /* cookie or routing token (no CR LF), in the buffer; or NULL */
	size_t cookie_len;
	bool have_neg;	       /* an RDP_NEG_REQ was present */
	uint8_t neg_flags;     /* its flags (0 without one) */
	uint32_t requested;    /* its requestedProtocols (0 without one) */
	bool restricted_admin; /* RESTRICTED_ADMIN_MODE_REQUIRED */
};

/* TLS content types (RFC 8446 5.1), as kTLS reports them (TLS_GET_RECORD_TYPE). */
enum { X224_TLS_ALERT = 21, X224_TLS_HANDSHAKE = 22, X224_TLS_DATA = 23 };

/*
 * A TLS record that is not application data, read from a kTLS socket with
 * its type: @type, its first @n bytes @p. Return: 0 for a close_notify
 * alert (the peer's end of data, as a FIN); -1 for anything else, with what
 * it was in @why (@size bytes): "the client sent the TLS alert fatal 20
 * (bad_record_mac)", "... handshake message 24 (KeyUpdate) ...".
 */
int x224_tls_record(unsigned int type, const uint8_t *p, size_t n, char *why, size_t size);

/* "EOF", "TIMEOUT", "IO_ERROR", "BAD_TPKT", "BAD_X224_CR", "BAD_X224_COOKIE" or "OK". */
const char *x224_status_name(int status);

/* Now plus @seconds on CLOCK_MONOTONIC: a deadline for the functions below. */
struct timespec x224_deadline(unsigned int seconds);

/* Milliseconds until @deadline (0 if past), for poll(). */
int x224_ms_until(const struct timespec *deadline);

/* All @len bytes of @buf sent before @deadline (MSG_NOSIGNAL). */
int x224_send_all(int fd, const struct timespec *deadline, const void *buf, size_t len);

/*
 * Read exactly one TPKT (header and body, nothing after it) into @buf of
 * @size bytes before @deadline; its length to *@len. X224_BAD_TPKT when the
 * header is not version 3, reserved 0, length 11 (the shortest CR) to @size.
 */
int x224_read_tpkt(int fd, const struct timespec *deadline, uint8_t *buf, size_t size, size_t *len);

/*
 * Parse the Connection Request in @p (one whole TPKT of @len bytes, as
 * x224_read_tpkt() read it) into *@req; req->cookie points into @p.
 */
int x224_parse_request(const uint8_t *p, size_t len, struct x224_request *req);

/* x224_read_tpkt(), then x224_parse_request(). */
int x224_read_request(int fd, const struct timespec *deadline, uint8_t *buf, size_t size,
		      struct x224_request *req);

/*
 * Send the Connection Confirm (x224_send_all()): with @hybrid an RDP_NEG_RSP
 * selecting PROTOCOL_HYBRID with @flags (X224_NEG_RSP_*), else an
 * RDP_NEG_FAILURE with HYBRID_REQUIRED_BY_SERVER.
 */
int x224_send_confirm(int fd, const struct timespec *deadline, bool hybrid, uint8_t flags);

/* What a server answered (x224_parse_confirm()). */
struct x224_confirm {
	bool have_neg;	   /* an RDP_NEG_RSP or RDP_NEG_FAILURE was present */
	bool failure;	   /* it was an RDP_NEG_FAILURE */
	uint8_t neg_flags; /* its flags */
	uint32_t value;	   /* selectedProtocol, or failureCode */
};

/*
 * Build a Connection Request (no cookie) with an RDP_NEG_REQ of flags 0
 * asking for @requested into @buf of @size bytes (at least 19).
 * Return: its length (19), or 0 when @size is too small.
 */
size_t x224_build_request(uint8_t *buf, size_t size, uint32_t requested);

/*
 * Parse a Connection Confirm (one whole TPKT of @len bytes) into *@cc.
 * Return: X224_OK, X224_BAD_TPKT or X224_BAD_X224_CR (not a CC TPDU, a
 * length indicator that does not match, a malformed RDP_NEG_* structure).
 */
int x224_parse_confirm(const uint8_t *p, size_t len, struct x224_confirm *cc);

/* The name of a TLS alert description (RFC 8446 6), "?" if unknown. */
const char *tls_alert_name(unsigned int d);

#endif /* KCREDSSP_X224_H */
