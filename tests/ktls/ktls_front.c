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
 */
#define _GNU_SOURCE
#include <getopt.h>

#define KTLS_WITH_LIBCREDSSP
#include "ktls_common.h"

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

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"port-file", required_argument, NULL, 'p'},
					     {"version", required_argument, NULL, 'v'},
					     {"cipher", required_argument, NULL, 'c'},
					     {"recv", required_argument, NULL, 'r'},
					     {"send", required_argument, NULL, 's'},
					     {NULL, 0, NULL, 0}};
	const char *port_file = NULL;
	uint32_t want_version = 0, want_cipher = 0;
	size_t recv_len = 100000, send_len = 100000, off;
	struct credssp_ktls_info info;
	struct credssp_handle *h;
	int o, l, fd, einval = 0, err;
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
		default: return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
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
	printf("attach=0 version=%#06x cipher=%u\n", info.tls_version, info.cipher);
	if (info.tls_version != want_version || info.cipher != want_cipher)
		ktls_die("attach installed %#x/%u, expected %#x/%u", info.tls_version, info.cipher,
			 want_version, want_cipher);
	check_sockopt(fd, TLS_TX, want_version, want_cipher, "tx");
	check_sockopt(fd, TLS_RX, want_version, want_cipher, "rx");
	err = credssp_ktls_attach(h, ctx, fd, NULL);
	printf("attach_again=%s\n", err == -EALREADY ? "EALREADY" : "other");
	if (err != -EALREADY)
		ktls_die("second attach: %d", err);

	/* What the client wrote right after its authInfo, in plaintext. */
	for (off = 0; off < recv_len;) {
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
	for (off = 0; off < send_len;) {
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
	credssp_delete_security_context(h, ctx);
	credssp_free_credentials_handle(h, cred);
	credssp_close(h);
	printf("result=ok\n");
	return 0;
}
