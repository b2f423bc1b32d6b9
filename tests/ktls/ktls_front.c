// SPDX-License-Identifier: GPL-2.0
/*
 * ktls_front - the server half of the kTLS interop test (tests/guest/
 * suite-ktls.sh): a token-mode CredSSP server written against libcredssp,
 * through credssp.ko and the real credsspd, that hands the connection to
 * kTLS at CREDSSP_SEC_STATUS_OK.
 *
 *   ktls_front --port-file FILE --version 0x0303|0x0304 --cipher N
 *              --recv BYTES --send BYTES
 *
 * Accepts one connection on 127.0.0.1 (port written to FILE), reads whole
 * TLS records and never a byte past the client's last CredSSP record,
 * checks that KTLS_ATTACH during the handshake is refused with -EINVAL,
 * attaches at CREDSSP_SEC_STATUS_OK (the reply must name the expected version and
 * TLS_CIPHER_*, and getsockopt(SOL_TLS) must show them too), checks that a
 * second attach gets -EALREADY; then, in plaintext through kTLS: reads
 * BYTES of the pattern the client wrote with SSL_write (every record
 * application data), writes BYTES of the other pattern for the client's
 * SSL_read, receives the client's close_notify (an alert record, seen
 * through TLS_GET_RECORD_TYPE) and answers with its own. Exit 0 when all of
 * that held; prints one "key=value" line per fact for the suite.
 *
 * With --sspi, the same through <sspi.h> (a ported Windows server):
 * AcquireCredentialsHandle, the AcceptSecurityContext loop, then the
 * client's first three records opened with DecryptMessage (a header cut
 * short and a body cut short: SEC_E_INCOMPLETE_MESSAGE with
 * SECBUFFER_MISSING; a tampered copy: SEC_E_DECRYPT_FAILURE; two records
 * at once: SECBUFFER_EXTRA) and the server's first two written with
 * EncryptMessage (buffers sized by SECPKG_ATTR_STREAM_SIZES), before
 * credssp_sspi_ktls_attach(): kTLS must continue the sequence numbers.
 */
#define _GNU_SOURCE
#include <getopt.h>

#define KTLS_WITH_LIBCREDSSP
#include "ktls_common.h"
#include "sspi.h"

static void check_sockopt(int fd, int opt, uint32_t version, uint32_t cipher, const char *name)
{
	union {
		struct tls_crypto_info info;
		struct tls12_crypto_info_aes_gcm_128 g128;
		struct tls12_crypto_info_aes_gcm_256 g256;
		struct tls12_crypto_info_chacha20_poly1305 c;
	} ci;
	socklen_t len = cipher == TLS_CIPHER_AES_GCM_128   ? sizeof(ci.g128)
			: cipher == TLS_CIPHER_AES_GCM_256 ? sizeof(ci.g256)
							   : sizeof(ci.c);
	const uint8_t *seq;
	uint64_t n = 0;

	/* kTLS wants the exact size of the cipher's crypto_info */
	memset(&ci, 0, sizeof(ci));
	if (getsockopt(fd, SOL_TLS, opt, &ci, &len))
		ktls_die("getsockopt(SOL_TLS, %s): %s", name, strerror(errno));
	if (ci.info.version != version || ci.info.cipher_type != cipher)
		ktls_die("%s: version %#x cipher %u", name, ci.info.version, ci.info.cipher_type);
	seq = cipher == TLS_CIPHER_AES_GCM_128	 ? ci.g128.rec_seq
	      : cipher == TLS_CIPHER_AES_GCM_256 ? ci.g256.rec_seq
						 : ci.c.rec_seq;
	for (int i = 0; i < 8; i++)
		n = n << 8 | seq[i];
	printf("%s_seq=%llu\n", name, (unsigned long long)n);
}

/* ---- --sspi: the records before kTLS through EncryptMessage/DecryptMessage ---- */

static ULONG sspi_buffer_len(SecBufferDesc *d, ULONG type)
{
	for (ULONG i = 0; i < d->cBuffers; i++)
		if (d->pBuffers[i].BufferType == type)
			return d->pBuffers[i].cbBuffer;
	return 0;
}

static PSecBuffer sspi_buffer(SecBufferDesc *d, ULONG type)
{
	for (ULONG i = 0; i < d->cBuffers; i++)
		if (d->pBuffers[i].BufferType == type)
			return &d->pBuffers[i];
	return NULL;
}

/* DecryptMessage of @len bytes at @p: one DATA and three EMPTY buffers. */
static SECURITY_STATUS sspi_decrypt(PCtxtHandle ctx, SecBuffer b[4], void *p, size_t len)
{
	SecBufferDesc d = {SECBUFFER_VERSION, 4, b};

	memset(b, 0, 4 * sizeof(*b));
	b[0].BufferType = SECBUFFER_DATA;
	b[0].pvBuffer = p;
	b[0].cbBuffer = (ULONG)len;
	for (int i = 1; i < 4; i++)
		b[i].BufferType = SECBUFFER_EMPTY;
	return DecryptMessage(ctx, &d, 0, NULL);
}

/* One opened record: the pattern at @off, its length. */
static size_t sspi_plain(SecBuffer b[4], size_t off)
{
	SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
	PSecBuffer data = sspi_buffer(&d, SECBUFFER_DATA);

	if (!data || !sspi_buffer(&d, SECBUFFER_STREAM_HEADER) ||
	    !sspi_buffer(&d, SECBUFFER_STREAM_TRAILER))
		ktls_die("DecryptMessage: no HEADER/DATA/TRAILER buffers");
	if (ktls_check(data->pvBuffer, off, data->cbBuffer, 0) >= 0)
		ktls_die("DecryptMessage: plaintext differs at %zu", off);
	return data->cbBuffer;
}

/* The client's first three records, through DecryptMessage: bytes read. */
static size_t sspi_recv(int fd, PCtxtHandle ctx)
{
	static uint8_t buf[2 * (TLS_RECORD_HDR + TLS_RECORD_MAX)],
		bad[TLS_RECORD_HDR + TLS_RECORD_MAX];
	SecBufferDesc d = {SECBUFFER_VERSION, 4, NULL};
	size_t len = 3, body, off = 0, rec1;
	SECURITY_STATUS st;
	SecBuffer b[4];
	PSecBuffer extra;

	d.pBuffers = b;
	if (ktls_read_full(fd, buf, 3))
		ktls_die("read of a record header");
	st = sspi_decrypt(ctx, b, buf, len);
	printf("header_short=%s missing=%lu\n", credssp_status_name((uint32_t)st),
	       (unsigned long)sspi_buffer_len(&d, SECBUFFER_MISSING));
	if (st != SEC_E_INCOMPLETE_MESSAGE || sspi_buffer_len(&d, SECBUFFER_MISSING) != 2)
		ktls_die("a 3-byte record: %#x", (unsigned)st);
	if (ktls_read_full(fd, buf + 3, 2))
		ktls_die("read of a record header");
	body = (size_t)buf[3] << 8 | buf[4];
	if (body < 2 || body > TLS_RECORD_MAX || ktls_read_full(fd, buf + 5, body - 1))
		ktls_die("read of a record body");
	st = sspi_decrypt(ctx, b, buf, 4 + body);
	printf("body_short=%s body_missing=%lu\n", credssp_status_name((uint32_t)st),
	       (unsigned long)sspi_buffer_len(&d, SECBUFFER_MISSING));
	if (st != SEC_E_INCOMPLETE_MESSAGE || sspi_buffer_len(&d, SECBUFFER_MISSING) != 1)
		ktls_die("a record one byte short: %#x", (unsigned)st);
	if (ktls_read_full(fd, buf + 4 + body, 1))
		ktls_die("read of a record body");
	rec1 = len = 5 + body;
	/* A tampered copy fails and leaves the sequence number. */
	memcpy(bad, buf, rec1);
	bad[rec1 - 1] ^= 0x20;
	st = sspi_decrypt(ctx, b, bad, rec1);
	printf("tampered=%s\n", credssp_status_name((uint32_t)st));
	if (st != SEC_E_DECRYPT_FAILURE)
		ktls_die("a tampered record: %#x", (unsigned)st);
	/* Two records at once: the first, then the second from EXTRA. */
	if (ktls_read_record(fd, buf, sizeof(buf), &len))
		ktls_die("read of the second record");
	st = sspi_decrypt(ctx, b, buf, len);
	if (st != SEC_E_OK)
		ktls_die("DecryptMessage: %s", credssp_status_name((uint32_t)st));
	off += sspi_plain(b, off);
	extra = sspi_buffer(&d, SECBUFFER_EXTRA);
	printf("extra=%lu\n", extra ? (unsigned long)extra->cbBuffer : 0UL);
	if (!extra || extra->cbBuffer != len - rec1 || (uint8_t *)extra->pvBuffer != buf + rec1)
		ktls_die("DecryptMessage: no EXTRA for the second record");
	st = sspi_decrypt(ctx, b, buf + rec1, len - rec1);
	if (st != SEC_E_OK || sspi_buffer(&d, SECBUFFER_EXTRA))
		ktls_die("DecryptMessage of EXTRA: %s", credssp_status_name((uint32_t)st));
	off += sspi_plain(b, off);
	len = 0;
	if (ktls_read_record(fd, buf, sizeof(buf), &len))
		ktls_die("read of the third record");
	st = sspi_decrypt(ctx, b, buf, len);
	if (st != SEC_E_OK)
		ktls_die("DecryptMessage: %s", credssp_status_name((uint32_t)st));
	off += sspi_plain(b, off);
	printf("sspi_received=%zu\n", off);
	return off;
}

/* The server's first two records (1 and 10000 bytes), through EncryptMessage. */
static size_t sspi_send(int fd, PCtxtHandle ctx)
{
	SecPkgContext_StreamSizes sizes;
	size_t off = 0, lens[2] = {1, 10000};
	SECURITY_STATUS st;
	uint8_t *msg;

	st = QueryContextAttributesA(ctx, SECPKG_ATTR_STREAM_SIZES, &sizes);
	if (st != SEC_E_OK)
		ktls_die("STREAM_SIZES: %s", credssp_status_name((uint32_t)st));
	printf("stream_sizes=%lu/%lu/%lu\n", (unsigned long)sizes.cbHeader,
	       (unsigned long)sizes.cbTrailer, (unsigned long)sizes.cbMaximumMessage);
	msg = malloc(sizes.cbHeader + sizes.cbMaximumMessage + sizes.cbTrailer);
	if (!msg)
		ktls_die("out of memory");
	for (int i = 0; i < 2; i++) {
		SecBuffer b[4] = {
			{sizes.cbHeader, SECBUFFER_STREAM_HEADER, msg},
			{(ULONG)lens[i], SECBUFFER_DATA, msg + sizes.cbHeader},
			{sizes.cbTrailer, SECBUFFER_STREAM_TRAILER, msg + sizes.cbHeader + lens[i]},
			{0, SECBUFFER_EMPTY, NULL}};
		SecBufferDesc d = {SECBUFFER_VERSION, 4, b};

		ktls_fill(msg + sizes.cbHeader, off, lens[i], 1);
		st = EncryptMessage(ctx, 0, &d, 0);
		if (st != SEC_E_OK)
			ktls_die("EncryptMessage: %s", credssp_status_name((uint32_t)st));
		if (b[0].cbBuffer != sizes.cbHeader || b[1].cbBuffer != lens[i] ||
		    b[2].cbBuffer > sizes.cbTrailer)
			ktls_die("EncryptMessage: buffers %lu/%lu/%lu",
				 (unsigned long)b[0].cbBuffer, (unsigned long)b[1].cbBuffer,
				 (unsigned long)b[2].cbBuffer);
		if (ktls_write_full(fd, msg, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer))
			ktls_die("write: %s", strerror(errno));
		off += lens[i];
	}
	free(msg);
	printf("sspi_sent=%zu\n", off);
	return off;
}

/* The AcceptSecurityContext loop of Microsoft's sockets server example. */
static SECURITY_STATUS sspi_accept(int fd, PCredHandle cred, PCtxtHandle ctx, int *probe_einval)
{
	static uint8_t in[CREDSSP_TOKEN_MAX];
	SECURITY_STATUS st = SEC_E_INCOMPLETE_MESSAGE;
	size_t len = 0;
	int have = 0;

	for (int calls = 0; calls < 64; calls++) {
		SecBuffer ib[2] = {{0, SECBUFFER_TOKEN, in}, {0, SECBUFFER_EMPTY, NULL}};
		SecBuffer ob[1] = {{0, SECBUFFER_TOKEN, NULL}};
		SecBufferDesc id = {SECBUFFER_VERSION, 2, ib}, od = {SECBUFFER_VERSION, 1, ob};
		ULONG attrs = 0, extra;
		TimeStamp ts;

		if ((st == SEC_E_INCOMPLETE_MESSAGE || len == 0) &&
		    ktls_read_record(fd, in, sizeof(in), &len))
			return SEC_E_INCOMPLETE_MESSAGE;
		ib[0].cbBuffer = (ULONG)len;
		st = AcceptSecurityContext(cred, have ? ctx : NULL, &id,
					   ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONFIDENTIALITY |
						   ASC_REQ_STREAM,
					   SECURITY_NATIVE_DREP, ctx, &od, &attrs, &ts);
		if (ob[0].cbBuffer && ktls_write_full(fd, ob[0].pvBuffer, ob[0].cbBuffer))
			st = SEC_E_INTERNAL_ERROR;
		if (ob[0].pvBuffer)
			FreeContextBuffer(ob[0].pvBuffer);
		if (st == SEC_E_INCOMPLETE_MESSAGE)
			continue;
		if (st != SEC_I_CONTINUE_NEEDED && st != SEC_E_OK)
			return st;
		have = 1;
		extra = ib[1].BufferType == SECBUFFER_EXTRA ? ib[1].cbBuffer : 0;
		if (extra > len)
			ktls_die("EXTRA %lu > input %zu", (unsigned long)extra, len);
		memmove(in, in + len - extra, extra);
		len = extra;
		if (st == SEC_E_OK)
			return extra ? SEC_E_INTERNAL_ERROR : st;
		if (*probe_einval == 0)
			*probe_einval =
				credssp_sspi_ktls_attach(ctx, fd, NULL, NULL) == -EINVAL ? 1 : -1;
	}
	return SEC_E_INTERNAL_ERROR;
}

/*
 * Another netlink session (not the context's owner) may neither encrypt nor
 * decrypt with the context, and its tries take no sequence number.
 */
static void sspi_other_session(PCtxtHandle ctx)
{
	uint64_t id = (uint64_t)(uint32_t)ctx->dwLower | (uint64_t)(uint32_t)ctx->dwUpper << 32;
	struct credssp_handle *other = credssp_open();
	struct credssp_record_info ri;
	uint8_t rec[64];
	credssp_status_t e, d;
	size_t n;

	if (!other)
		ktls_die("credssp_open: %s", strerror(errno));
	e = credssp_encrypt(other, id, "x", 1, rec, sizeof(rec), &n);
	d = credssp_decrypt(other, id, "\x17\x03\x03\x00\x11", 5, rec, sizeof(rec), &ri);
	printf("other_encrypt=%s other_decrypt=%s\n", credssp_status_name(e),
	       credssp_status_name(d));
	credssp_close(other);
}

/* --sspi up to the attach: the bytes each way already exchanged. */
static void sspi_front(int fd, CtxtHandle *ctx, CredHandle *cred, size_t *received, size_t *sent,
		       struct credssp_ktls_info *info)
{
	SECURITY_STATUS st;
	ULONG version = 0, cipher = 0;
	TimeStamp ts;
	int einval = 0, err;

	st = AcquireCredentialsHandleA(NULL, "CredSSP", SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL,
				       cred, &ts);
	if (st != SEC_E_OK)
		ktls_die("AcquireCredentialsHandle: %#x", (unsigned)st);
	st = sspi_accept(fd, cred, ctx, &einval);
	printf("status=%s\n", credssp_status_name((uint32_t)st));
	if (st != SEC_E_OK)
		exit(1);
	printf("attach_before_ok=%s\n", einval == 1 ? "EINVAL" : "other");
	sspi_other_session(ctx);
	*received = sspi_recv(fd, ctx);
	*sent = sspi_send(fd, ctx);
	err = credssp_sspi_ktls_attach(ctx, fd, &version, &cipher);
	if (err)
		ktls_die("attach after records: %d", err);
	info->tls_version = version;
	info->cipher = cipher;
	err = credssp_sspi_ktls_attach(ctx, fd, NULL, NULL);
	printf("attach_again=%s\n", err == -EALREADY ? "EALREADY" : "other");
	{
		uint8_t m[64];
		SecBuffer b[3] = {{32, SECBUFFER_STREAM_HEADER, m},
				  {1, SECBUFFER_DATA, m + 32},
				  {31, SECBUFFER_STREAM_TRAILER, m + 33}};
		SecBufferDesc d = {SECBUFFER_VERSION, 3, b};

		st = EncryptMessage(ctx, 0, &d, 0);
		printf("encrypt_after_attach=%s\n", credssp_status_name((uint32_t)st));
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"port-file", required_argument, NULL, 'p'},
					     {"version", required_argument, NULL, 'v'},
					     {"cipher", required_argument, NULL, 'c'},
					     {"recv", required_argument, NULL, 'r'},
					     {"send", required_argument, NULL, 's'},
					     {"sspi", no_argument, NULL, 'S'},
					     {NULL, 0, NULL, 0}};
	const char *port_file = NULL;
	uint32_t want_version = 0, want_cipher = 0;
	size_t recv_len = 100000, send_len = 100000, off;
	struct credssp_ktls_info info;
	struct credssp_handle *h;
	int o, l, fd, einval = 0, err, sspi = 0;
	size_t recv_off = 0, send_off = 0;
	CtxtHandle sctx;
	CredHandle scred;
	uint64_t cred, ctx;
	static uint8_t buf[65536];
	credssp_status_t st;
	uint8_t type;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': port_file = optarg; break;
		case 'v': want_version = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'c': want_cipher = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': recv_len = strtoul(optarg, NULL, 0); break;
		case 's': send_len = strtoul(optarg, NULL, 0); break;
		case 'S': sspi = 1; break;
		default: return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sspi) {
		l = ktls_listen(0, port_file);
		fd = accept(l, NULL, NULL);
		if (fd < 0)
			ktls_die("accept: %s", strerror(errno));
		close(l);
		sspi_front(fd, &sctx, &scred, &recv_off, &send_off, &info);
		h = NULL;
		goto attached;
	}
	h = credssp_open();
	if (!h)
		ktls_die("credssp_open: %s", strerror(errno));
	if (credssp_acquire_credentials_handle(h, NULL, "CredSSP", CREDSSP_CRED_USE_INBOUND, &cred,
					       NULL) != CREDSSP_SEC_STATUS_OK)
		ktls_die("acquire: %s", credssp_last_message(h));
	l = ktls_listen(0, port_file);
	fd = accept(l, NULL, NULL);
	if (fd < 0)
		ktls_die("accept: %s", strerror(errno));
	close(l);

	st = ktls_accept(h, cred, fd, &ctx, &einval);
	printf("status=%s\n", credssp_status_name(st));
	if (st != CREDSSP_SEC_STATUS_OK)
		return 1;
	printf("attach_before_ok=%s\n", einval == 1 ? "EINVAL" : "other");

	err = credssp_ktls_attach(h, ctx, fd, &info);
	if (err)
		ktls_die("attach: %d %s", err, credssp_last_message(h));
	err = credssp_ktls_attach(h, ctx, fd, NULL);
	printf("attach_again=%s\n", err == -EALREADY ? "EALREADY" : "other");
	if (err != -EALREADY)
		ktls_die("second attach: %d", err);
attached:
	printf("attach=0 version=%#06x cipher=%u\n", info.tls_version, info.cipher);
	if (info.tls_version != want_version || info.cipher != want_cipher)
		ktls_die("attach installed %#x/%u, expected %#x/%u", info.tls_version, info.cipher,
			 want_version, want_cipher);
	check_sockopt(fd, TLS_TX, want_version, want_cipher, "tx");
	check_sockopt(fd, TLS_RX, want_version, want_cipher, "rx");

	/* What the client wrote right after its authInfo, in plaintext. */
	for (off = recv_off; off < recv_len;) {
		size_t want = recv_len - off < sizeof(buf) ? recv_len - off : sizeof(buf);
		ssize_t n = ktls_recv(fd, buf, want, &type);
		long bad;

		if (n <= 0)
			ktls_die("kTLS read at %zu: %s", off,
				 n ? strerror(errno) : "end of stream");
		if (type != 23)
			ktls_die("record type %u at %zu", type, off);
		bad = ktls_check(buf, off, (size_t)n, 0);
		if (bad >= 0)
			ktls_die("plaintext differs at byte %ld", bad);
		off += (size_t)n;
	}
	printf("received=%zu\n", off);
	for (off = send_off; off < send_len;) {
		size_t n = send_len - off < 10000 ? send_len - off : 10000;

		/* several write sizes: one record per write below 16 KiB */
		n = off == 0 ? 1 : n;
		ktls_fill(buf, off, n, 1);
		if (ktls_write_full(fd, buf, n))
			ktls_die("kTLS write at %zu: %s", off, strerror(errno));
		off += n;
	}
	printf("sent=%zu\n", off);

	/* The client's close_notify arrives as an alert record. */
	if (ktls_recv(fd, buf, sizeof(buf), &type) != 2 || type != 21 || buf[0] != 1 || buf[1] != 0)
		ktls_die("expected close_notify, got type %u", type);
	if (ktls_send_type(fd, "\x01\x00", 2, 21))
		ktls_die("sending close_notify: %s", strerror(errno));
	printf("close_notify=both\n");
	check_sockopt(fd, TLS_TX, want_version, want_cipher, "tx_end");
	close(fd);
	if (sspi) {
		DeleteSecurityContext(&sctx);
		FreeCredentialsHandle(&scred);
	} else {
		credssp_delete_security_context(h, ctx);
		credssp_free_credentials_handle(h, cred);
		credssp_close(h);
	}
	printf("result=ok\n");
	return 0;
}
