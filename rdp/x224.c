// SPDX-License-Identifier: GPL-2.0
/*
 * x224: the RDP negotiation in front of CredSSP (see x224.h). Shared by
 * credssp-rdpd, credssp-gate and the test listeners tests/front/front.c and
 * sspi_front.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "x224.h"

const char *x224_status_name(int status)
{
	switch (status) {
	case X224_OK: return "OK";
	case X224_EOF: return "EOF";
	case X224_TIMEOUT: return "TIMEOUT";
	case X224_BAD_TPKT: return "BAD_TPKT";
	case X224_BAD_X224_CR: return "BAD_X224_CR";
	case X224_BAD_X224_COOKIE: return "BAD_X224_COOKIE";
	default: return "IO_ERROR";
	}
}

struct timespec x224_deadline(unsigned int seconds)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += seconds;
	return t;
}

int x224_ms_until(const struct timespec *until)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(until->tv_sec - now.tv_sec) * 1000 +
	     (until->tv_nsec - now.tv_nsec) / 1000000;
	if (ms < 0)
		return 0;
	return ms > 1000000000 ? 1000000000 : (int)ms;
}

/* Exactly @len bytes into @buf before @deadline. */
static int read_full(int fd, const struct timespec *deadline, uint8_t *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;
	int r;

	while (len) {
		r = poll(&p, 1, x224_ms_until(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return X224_IO_ERROR;
		if (r == 0)
			return X224_TIMEOUT;
		n = read(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ECONNRESET ? X224_EOF : X224_IO_ERROR;
		if (n == 0)
			return X224_EOF;
		buf += n;
		len -= (size_t)n;
	}
	return X224_OK;
}

int x224_read_tpkt(int fd, const struct timespec *deadline, uint8_t *buf, size_t size, size_t *len)
{
	size_t tpkt;
	int r;

	*len = 0;
	if (size < 4)
		return X224_BAD_TPKT;
	r = read_full(fd, deadline, buf, 4);
	if (r)
		return r;
	tpkt = (size_t)(buf[2] << 8 | buf[3]);
	if (buf[0] != 3 || buf[1] != 0 || tpkt < 11 || tpkt > size)
		return X224_BAD_TPKT;
	r = read_full(fd, deadline, buf + 4, tpkt - 4);
	if (r)
		return r;
	*len = tpkt;
	return X224_OK;
}

int x224_parse_request(const uint8_t *p, size_t len, struct x224_request *req)
{
	size_t end, pos;

	*req = (struct x224_request){0};
	if (len < 11 || p[0] != 3 || p[1] != 0 || (size_t)(p[2] << 8 | p[3]) != len)
		return X224_BAD_TPKT;
	/* X.224 CR TPDU: length indicator, code 0xe0, DST-REF, SRC-REF, class */
	end = 5 + (size_t)p[4];
	if (p[5] != 0xe0 || end > len || end < 11)
		return X224_BAD_X224_CR;
	pos = 11;
	if (pos < end && p[pos] != X224_TYPE_RDP_NEG_REQ) {
		/* cookie or routing token, up to CR LF */
		size_t s = pos;

		while (pos + 1 < end && !(p[pos] == '\r' && p[pos + 1] == '\n'))
			pos++;
		if (pos + 1 >= end)
			return X224_BAD_X224_COOKIE;
		req->cookie = p + s;
		req->cookie_len = pos - s;
		pos += 2;
	}
	/* RDP_NEG_REQ: type, flags, length 8 (LE16), requestedProtocols (LE32) */
	if (pos + 8 <= end && p[pos] == X224_TYPE_RDP_NEG_REQ && p[pos + 2] == 8 &&
	    p[pos + 3] == 0) {
		req->have_neg = true;
		req->neg_flags = p[pos + 1];
		req->restricted_admin = p[pos + 1] & X224_RESTRICTED_ADMIN_MODE_REQUIRED;
		req->requested = (uint32_t)p[pos + 4] | (uint32_t)p[pos + 5] << 8 |
				 (uint32_t)p[pos + 6] << 16 | (uint32_t)p[pos + 7] << 24;
	}
	return X224_OK;
}

int x224_read_request(int fd, const struct timespec *deadline, uint8_t *buf, size_t size,
		      struct x224_request *req)
{
	size_t len;
	int r;

	*req = (struct x224_request){0};
	r = x224_read_tpkt(fd, deadline, buf, size, &len);
	return r ? r : x224_parse_request(buf, len, req);
}

int x224_send_all(int fd, const struct timespec *deadline, const void *buf, size_t len)
{
	struct pollfd pf = {.fd = fd, .events = POLLOUT};
	const uint8_t *p = buf;
	ssize_t n;
	int r;

	while (len) {
		r = poll(&pf, 1, x224_ms_until(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? X224_TIMEOUT : X224_IO_ERROR;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return X224_IO_ERROR;
		p += n;
		len -= (size_t)n;
	}
	return X224_OK;
}

int x224_send_confirm(int fd, const struct timespec *deadline, bool hybrid, uint8_t flags)
{
	/* TPKT, X.224 CC TPDU (LI 14, code 0xd0, DST-REF 0, SRC-REF 0x1234, class 0) */
	uint8_t cc[19] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00};

	/* RDP_NEG_RSP or RDP_NEG_FAILURE: type, flags, length 8, a LE32 */
	if (hybrid) {
		cc[11] = X224_TYPE_RDP_NEG_RSP;
		cc[12] = flags;
		cc[15] = (uint8_t)X224_PROTOCOL_HYBRID;
	} else {
		cc[11] = X224_TYPE_RDP_NEG_FAILURE;
		cc[15] = (uint8_t)X224_HYBRID_REQUIRED_BY_SERVER;
	}
	cc[13] = 8;
	return x224_send_all(fd, deadline, cc, sizeof(cc));
}

size_t x224_build_request(uint8_t *buf, size_t size, uint32_t requested)
{
	/* TPKT, X.224 CR TPDU (LI 14, code 0xe0, DST-REF 0, SRC-REF 0, class 0), RDP_NEG_REQ */
	static const uint8_t cr[11] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0, 0, 0, 0, 0};

	if (size < 19)
		return 0;
	memcpy(buf, cr, sizeof(cr));
	buf[11] = X224_TYPE_RDP_NEG_REQ;
	buf[12] = 0;
	buf[13] = 8;
	buf[14] = 0;
	buf[15] = (uint8_t)requested;
	buf[16] = (uint8_t)(requested >> 8);
	buf[17] = (uint8_t)(requested >> 16);
	buf[18] = (uint8_t)(requested >> 24);
	return 19;
}

int x224_parse_confirm(const uint8_t *p, size_t len, struct x224_confirm *cc)
{
	size_t end;

	*cc = (struct x224_confirm){0};
	if (len < 11 || p[0] != 3 || p[1] != 0 || (size_t)(p[2] << 8 | p[3]) != len)
		return X224_BAD_TPKT;
	/* X.224 CC TPDU: LI, code 0xd0, DST-REF, SRC-REF, class 0; LI counts the rest */
	end = 5 + (size_t)p[4];
	if (p[5] != 0xd0 || end != len || (p[10] & 0xf0))
		return X224_BAD_X224_CR;
	if (end == 11)
		return X224_OK;
	/* RDP_NEG_RSP or RDP_NEG_FAILURE: type, flags, length 8 (LE16), a LE32 */
	if (end != 19 || p[13] != 8 || p[14] != 0 ||
	    (p[11] != X224_TYPE_RDP_NEG_RSP && p[11] != X224_TYPE_RDP_NEG_FAILURE))
		return X224_BAD_X224_CR;
	cc->have_neg = true;
	cc->failure = p[11] == X224_TYPE_RDP_NEG_FAILURE;
	cc->neg_flags = p[12];
	cc->value = (uint32_t)p[15] | (uint32_t)p[16] << 8 | (uint32_t)p[17] << 16 |
		    (uint32_t)p[18] << 24;
	return X224_OK;
}

const char *tls_alert_name(unsigned int d)
{
	switch (d) {
	case 0: return "close_notify";
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 22: return "record_overflow";
	case 40: return "handshake_failure";
	case 47: return "illegal_parameter";
	case 50: return "decode_error";
	case 51: return "decrypt_error";
	case 70: return "protocol_version";
	case 80: return "internal_error";
	case 90: return "user_canceled";
	default: return "?";
	}
}

static const char *tls_handshake_name(unsigned int t)
{
	switch (t) {
	case 0: return "HelloRequest, renegotiation";
	case 1: return "ClientHello, renegotiation";
	case 4: return "NewSessionTicket";
	case 13: return "CertificateRequest";
	case 24: return "KeyUpdate";
	default: return "?";
	}
}

int x224_tls_record(unsigned int type, const uint8_t *p, size_t n, char *why, size_t size)
{
	if (type == X224_TLS_ALERT && n == 2 && p[1] == 0)
		return 0;
	if (type == X224_TLS_ALERT && n == 2)
		snprintf(why, size, "the client sent the TLS alert %s %u (%s)",
			 p[0] == 2   ? "fatal"
			 : p[0] == 1 ? "warning"
				     : "of level ?",
			 p[1], tls_alert_name(p[1]));
	else if (type == X224_TLS_HANDSHAKE && n >= 1)
		snprintf(why, size,
			 "the client sent the TLS handshake message %u (%s, %zu bytes), which "
			 "kTLS cannot follow",
			 p[0], tls_handshake_name(p[0]), n);
	else
		snprintf(why, size, "the client sent a TLS record of type %u (%zu bytes)", type, n);
	return -1;
}
