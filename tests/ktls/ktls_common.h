/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kTLS interop programs (tests/ktls/ktls_front.c, ktls_client.c)
 * and the benchmark (bench/ktls_bench.c) share: exact reads and writes, the
 * test pattern, TCP listening with a port file, and the CredSSP accept of a
 * token-mode server that reads whole TLS records and nothing more.
 */
#ifndef KCREDSSP_KTLS_COMMON_H
#define KCREDSSP_KTLS_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/tls.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define TLS_RECORD_HDR 5
#define TLS_RECORD_MAX (16384 + 2048 + 256) /* ciphertext: TLSCiphertext.length limit */

static inline void __attribute__((noreturn, format(printf, 1, 2))) ktls_die(const char *fmt, ...)
{
	va_list ap;

	fputs("FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static inline double ktls_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The byte at offset @i of the stream in direction @dir (0: client to server). */
static inline uint8_t ktls_pattern(size_t i, int dir)
{
	return (uint8_t)((i * 131 + (i >> 13) * 7 + (dir ? 0x5b : 0x21)) & 0xff);
}

static inline void ktls_fill(uint8_t *buf, size_t off, size_t len, int dir)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = ktls_pattern(off + i, dir);
}

/* Offset of the first byte that differs from the pattern, or -1. */
static inline long ktls_check(const uint8_t *buf, size_t off, size_t len, int dir)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != ktls_pattern(off + i, dir))
			return (long)(off + i);
	return -1;
}

/* Read exactly @len bytes: 0, or -1 (error or end of stream). */
static inline int ktls_read_full(int fd, void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = read(fd, (uint8_t *)buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static inline int ktls_write_full(int fd, const void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, (const uint8_t *)buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/*
 * Append one whole TLS record read from @fd (header, then exactly the body)
 * to @buf (capacity @cap, *@len used): 0, or -1.
 */
static inline int ktls_read_record(int fd, uint8_t *buf, size_t cap, size_t *len)
{
	size_t body;

	if (cap - *len < TLS_RECORD_HDR || ktls_read_full(fd, buf + *len, TLS_RECORD_HDR))
		return -1;
	body = (size_t)buf[*len + 3] << 8 | buf[*len + 4];
	if (body > TLS_RECORD_MAX || cap - *len - TLS_RECORD_HDR < body ||
	    ktls_read_full(fd, buf + *len + TLS_RECORD_HDR, body))
		return -1;
	*len += TLS_RECORD_HDR + body;
	return 0;
}

/* Listen on 127.0.0.1 (port 0: any) and write the port to @port_file: the socket. */
static inline int ktls_listen(int port, const char *port_file)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t slen = sizeof(sin);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	FILE *f;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 8) ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen))
		ktls_die("listen: %s", strerror(errno));
	if (port_file) {
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%u\n", ntohs(sin.sin_port)) < 0 || fclose(f) ||
		    rename(tmp, port_file))
			ktls_die("cannot write %s", port_file);
	}
	return fd;
}

static inline int ktls_connect(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		ktls_die("connect to port %d: %s", port, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/*
 * recvmsg() on a kTLS socket: the record type of what was read goes to
 * *@type (23 when no control message came). Returns recvmsg()'s result.
 */
static inline ssize_t ktls_recv(int fd, void *buf, size_t len, uint8_t *type)
{
	char cbuf[CMSG_SPACE(sizeof(uint8_t))];
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	ssize_t n;

	do
		n = recvmsg(fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	*type = 23;
	for (cm = CMSG_FIRSTHDR(&mh); n >= 0 && cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_TLS && cm->cmsg_type == TLS_GET_RECORD_TYPE)
			*type = *CMSG_DATA(cm);
	return n;
}

/* Send one record of @type (21: alert) through kTLS. */
static inline int ktls_send_type(int fd, const void *buf, size_t len, uint8_t type)
{
	char cbuf[CMSG_SPACE(sizeof(uint8_t))] = {0};
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(sizeof(uint8_t));
	*CMSG_DATA(cm) = type;
	return sendmsg(fd, &mh, 0) == (ssize_t)len ? 0 : -1;
}

#ifdef KTLS_WITH_LIBCREDSSP
#include "credssp.h"

/*
 * Token mode over @fd: read whole TLS records, one at a time, only when the
 * context wants more; send every output. Returns the final status; *@ctx is
 * the context. With @probe_einval, a KTLS_ATTACH is tried after the first
 * CREDSSP_SEC_STATUS_CONTINUE_NEEDED and must fail with -EINVAL (reported through
 * *@probe_einval: 1 when it did).
 */
static inline credssp_status_t ktls_accept(struct credssp_handle *h, uint64_t cred, int fd,
					   uint64_t *ctx, int *probe_einval)
{
	static uint8_t in[CREDSSP_TOKEN_MAX];
	credssp_status_t st = CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE;
	size_t len = 0;

	*ctx = 0;
	for (int calls = 0; calls < 64; calls++) {
		size_t out_len = 0, extra = 0;
		void *out = NULL;

		if (st == CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE || len == 0) {
			if (ktls_read_record(fd, in, sizeof(in), &len)) {
				fprintf(stderr, "the client closed during the handshake\n");
				return CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE;
			}
		}
		st = credssp_accept(h, cred, ctx, in, len, &out, &out_len, &extra);
		if (out_len && ktls_write_full(fd, out, out_len))
			st = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
		credssp_free_context_buffer(out);
		if (st == CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE)
			continue;
		if (st != CREDSSP_SEC_STATUS_CONTINUE_NEEDED && st != CREDSSP_SEC_STATUS_OK) {
			fprintf(stderr, "accept: %s: %s\n", credssp_status_name(st),
				credssp_last_message(h));
			return st;
		}
		if (extra > len)
			ktls_die("EXTRA %zu > input %zu", extra, len);
		memmove(in, in + len - extra, extra);
		len = extra;
		if (st == CREDSSP_SEC_STATUS_OK) {
			if (extra)
				ktls_die("SEC_E_OK with %zu EXTRA bytes: read too far", extra);
			return st;
		}
		if (probe_einval && *probe_einval == 0) {
			int err = credssp_ktls_attach(h, *ctx, fd, NULL);

			*probe_einval = err == -EINVAL ? 1 : -1;
			if (err != -EINVAL)
				fprintf(stderr, "attach during the handshake: %d (%s)\n", err,
					credssp_last_message(h));
		}
	}
	return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
}
#endif

#endif /* KCREDSSP_KTLS_COMMON_H */
