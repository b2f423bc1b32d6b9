// SPDX-License-Identifier: GPL-2.0
/*
 * ktls_client - the client half of the kTLS interop test and of the kTLS
 * benchmark: a real OpenSSL TLS client on a TCP socket with a CredSSP
 * client on top (MIT GSSAPI + gss-ntlmssp initiator of tests/lib, the DER
 * codec of helper/), raw NTLM, TSRequest version 6 with a nonce, the
 * FreeRDP message shapes.
 *
 *   ktls_client --port P --tls 1.2|1.3 --cipher NAME [--user D\\U]
 *               [--nt-hash HEX] [--send BYTES] [--recv BYTES]
 *               [--plain] [--bench] [--rdp [--mcs-hex HEX]]
 *               [--deleg-user D\\U] [--rdp --port-test]
 *
 * Forces one TLS version and one cipher (an OpenSSL cipher name for 1.2,
 * a TLS 1.3 suite name for 1.3). After its authInfo TSRequest it writes
 * --send bytes of the client-to-server pattern at once (SSL_write: a small
 * record, then records of 16 KiB), without waiting for anything, as an RDP
 * client sends its MCS Connect-Initial (the authInfo record and the first
 * data record leave in one TCP segment: TCP_CORK); then reads --recv bytes of the
 * server-to-client pattern with SSL_read and checks them byte for byte;
 * then closes TLS (close_notify both ways). --plain skips CredSSP (a plain
 * TLS server, for the benchmark); --bench reads without checking and
 * prints the receive rate. --rdp speaks to an RDP NLA gate
 * (Documentation/gate.rst): an X.224 Connection Request for PROTOCOL_SSL |
 * PROTOCOL_HYBRID first (the Confirm must select PROTOCOL_HYBRID), and after
 * authInfo the start of an MCS Connect-Initial (a 9-byte TPKT) instead of
 * the pattern; then it waits for the gate to close the connection and
 * prints elapsed_ms, from before connect() to that close. --mcs-hex sends
 * that whole PDU instead (a captured Connect-Initial, e.g. one whose
 * serverSelectedProtocol says a downgrade); an errorCode TSRequest from the
 * server instead of the close (it refused the authInfo) is printed and
 * fails. --deleg-user delegates the password under another name than the
 * one that logged on (a client trying to have a single sign-on consumer log
 * in somebody else). --port-test (with --rdp) is the client of the SSPI
 * port test (tests/front/sspi_port_server.c): instead of waiting for the
 * close it reads the server's next record, which must hold a TPKT + X.224
 * Data TPDU, prints its text (server_message=...) and answers with
 * "This is your client speaking; you said: " and that text, then waits for
 * the server to close. Exit 0 when everything held.
 */
#define _GNU_SOURCE
#include <getopt.h>

#include <gssapi/gssapi.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "der.h"
#include "initiator.h"
#include "ktls_common.h"
#include "realm.h"

static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

struct cli {
	SSL *ssl;
	int fd;
	gss_cred_id_t cred;
	gss_ctx_id_t gctx;
	gss_name_t target;
	uint8_t nonce[32];
	uint8_t pk[1024];
	size_t pk_len;
	struct cssp_tsrequest last;
};

static void ssl_die(const char *what)
{
	fprintf(stderr, "FAIL: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void send_req(struct cli *c, struct cssp_tsrequest *req)
{
	struct cssp_buf der = {0};

	req->version = 6;
	req->has_client_nonce = true;
	cssp_buf_set(&req->client_nonce, c->nonce, sizeof(c->nonce));
	if (cssp_tsrequest_encode(req, &der))
		ktls_die("cannot encode a TSRequest");
	if (SSL_write(c->ssl, der.data, (int)der.len) != (int)der.len)
		ssl_die("SSL_write of a TSRequest");
	cssp_buf_free(&der);
	cssp_tsrequest_clear(req);
}

static void receive(struct cli *c)
{
	static uint8_t buf[65536];
	int n = SSL_read(c->ssl, buf, sizeof(buf));

	cssp_tsrequest_clear(&c->last);
	if (n <= 0)
		ssl_die("no TSRequest from the server");
	if (cssp_tsrequest_decode(buf, (size_t)n, &c->last))
		ktls_die("the server's TSRequest does not decode");
	if (c->last.has_error_code)
		ktls_die("the server sent errorCode 0x%08x", c->last.error_code);
}

static void wrap(struct cli *c, const void *data, size_t len, struct cssp_buf *out)
{
	gss_buffer_desc in = {len, (void *)data}, tok = GSS_C_EMPTY_BUFFER;
	OM_uint32 min;
	int conf = 0;

	if (GSS_ERROR(gss_wrap(&min, c->gctx, 1, GSS_C_QOP_DEFAULT, &in, &conf, &tok)) || !conf)
		ktls_die("gss_wrap failed");
	cssp_buf_set(out, tok.value, tok.length);
	gss_release_buffer(&min, &tok);
}

static void binding_hash(const char *magic, const struct cli *c, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, magic, strlen(magic) + 1) != 1 ||
	    EVP_DigestUpdate(md, c->nonce, 32) != 1 ||
	    EVP_DigestUpdate(md, c->pk, c->pk_len) != 1 || EVP_DigestFinal_ex(md, out, NULL) != 1)
		ktls_die("sha256 failed");
	EVP_MD_CTX_free(md);
}

static void check_server_pub_key_auth(struct cli *c)
{
	gss_buffer_desc in = {c->last.pub_key_auth.len, c->last.pub_key_auth.data};
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	OM_uint32 min;
	uint8_t h[32];
	int conf = 0;

	if (!c->last.has_pub_key_auth ||
	    GSS_ERROR(gss_unwrap(&min, c->gctx, &in, &out, &conf, NULL)) || !conf)
		ktls_die("no valid pubKeyAuth from the server");
	binding_hash("CredSSP Server-To-Client Binding Hash", c, h);
	if (out.length != 32 || memcmp(out.value, h, 32))
		ktls_die("the server's pubKeyAuth does not bind its key");
	gss_release_buffer(&min, &out);
}

static void utf16(struct cssp_buf *b, const char *s)
{
	size_t n = strlen(s);
	uint8_t *u = calloc(n ? n : 1, 2);

	if (!u)
		ktls_die("out of memory");
	for (size_t i = 0; i < n; i++)
		u[2 * i] = (uint8_t)s[i];
	cssp_buf_set(b, u, 2 * n);
	free(u);
}

static void auth_info(struct cli *c, struct cssp_tsrequest *req, const char *user)
{
	struct cssp_credentials creds = {.type = CSSP_CRED_PASSWORD};
	const char *bs = strchr(user, '\\');
	struct cssp_buf der = {0};
	char domain[64];

	snprintf(domain, sizeof(domain), "%.*s", bs ? (int)(bs - user) : 0, user);
	utf16(&creds.password.domain, domain);
	utf16(&creds.password.user, bs ? bs + 1 : user);
	utf16(&creds.password.password, PASSWORD);
	if (cssp_credentials_encode(&creds, &der))
		ktls_die("cannot encode TSCredentials");
	wrap(c, der.data, der.len, &req->auth_info);
	req->has_auth_info = true;
	cssp_credentials_clear(&creds);
	cssp_buf_free(&der);
}

/* CredSSP over c->ssl, raw NTLM, version 6: ends with the authInfo sent. */
static void credssp(struct cli *c, const char *user, const char *nt_hash, const char *deleg)
{
	OM_uint32 maj = GSS_S_CONTINUE_NEEDED, min;
	const ASN1_BIT_STRING *bs;
	const char *what;
	X509 *cert;

	if (RAND_bytes(c->nonce, sizeof(c->nonce)) != 1)
		ktls_die("RAND_bytes");
	maj = initiator_init(user, nt_hash, NULL, &ntlm_oid, NULL, "TERMSRV@" HOST, &c->cred,
			     &c->target, &min, &what);
	if (GSS_ERROR(maj))
		ktls_die("initiator: %s failed (%u/%u)", what, maj, min);
	cert = SSL_get1_peer_certificate(c->ssl);
	bs = cert ? X509_get0_pubkey_bitstr(cert) : NULL;
	if (!bs || (size_t)bs->length > sizeof(c->pk))
		ktls_die("no server certificate");
	c->pk_len = (size_t)bs->length;
	memcpy(c->pk, bs->data, c->pk_len);
	X509_free(cert);

	maj = GSS_S_CONTINUE_NEEDED;
	for (int round = 0; round < 8; round++) {
		struct cssp_tsrequest req = {0};
		gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;

		if (maj == GSS_S_COMPLETE) {
			/* the server's pubKeyAuth came: authInfo, and CredSSP is over */
			check_server_pub_key_auth(c);
			auth_info(c, &req, deleg ? deleg : user);
			/* corked: authInfo and the first data leave in one TCP segment */
			setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &(int){1}, sizeof(int));
			send_req(c, &req);
			return;
		}
		if (c->last.has_nego_token) {
			in.length = c->last.nego_token.len;
			in.value = c->last.nego_token.data;
		}
		maj = gss_init_sec_context(&min, c->cred, &c->gctx, c->target, &ntlm_oid,
					   GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG |
						   GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG,
					   GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS, &in, NULL,
					   &out, NULL, NULL);
		if (GSS_ERROR(maj))
			ktls_die("gss_init_sec_context: %u/%u", maj, min);
		if (out.length) {
			req.has_nego_token = true;
			cssp_buf_set(&req.nego_token, out.value, out.length);
		}
		gss_release_buffer(&min, &out);
		if (maj == GSS_S_COMPLETE) {
			uint8_t h[32];

			binding_hash("CredSSP Client-To-Server Binding Hash", c, h);
			wrap(c, h, sizeof(h), &req.pub_key_auth);
			req.has_pub_key_auth = true;
		}
		send_req(c, &req);
		receive(c);
	}
	ktls_die("too many CredSSP rounds");
}

/* --rdp: X.224 Connection Request for SSL | HYBRID; the Confirm must select HYBRID. */
static void x224(int fd)
{
	static const uint8_t cr[] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00,
				     0x00, 0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00};
	uint8_t cc[19];
	size_t got = 0;

	if (send(fd, cr, sizeof(cr), MSG_NOSIGNAL) != (ssize_t)sizeof(cr))
		ktls_die("send of the X.224 Connection Request: %s", strerror(errno));
	while (got < sizeof(cc)) {
		ssize_t n = recv(fd, cc + got, sizeof(cc) - got, 0);

		if (n <= 0)
			ktls_die("no X.224 Connection Confirm (%zu bytes)", got);
		got += (size_t)n;
	}
	if (cc[0] != 3 || cc[3] != sizeof(cc) || cc[5] != 0xd0 || cc[11] != 0x02 || cc[15] != 0x02)
		ktls_die("the X.224 Connection Confirm does not select PROTOCOL_HYBRID");
}

/*
 * --port-test: the server's message (a TPKT + X.224 Data TPDU around text),
 * decrypted by this TLS stack, and the reply quoting it; then the close.
 */
static void port_test(struct cli *c)
{
	static const char prefix[] = "This is your client speaking; you said: ";
	static uint8_t buf[4096];
	char reply[4096];
	int n, len;

	n = SSL_read(c->ssl, buf, sizeof(buf) - 1);
	if (n <= 0)
		ssl_die("SSL_read of the server's message");
	if (n < 7 || buf[0] != 3 || buf[1] != 0 || (buf[2] << 8 | buf[3]) != n || buf[4] != 2 ||
	    buf[5] != 0xf0 || buf[6] != 0x80)
		ktls_die("the server's message is not a TPKT + X.224 Data TPDU (%d bytes)", n);
	buf[n] = 0;
	for (int i = 7; i < n; i++)
		if (buf[i] < 0x20 || buf[i] >= 0x7f)
			ktls_die("the server's message is not text");
	printf("server_message=%s\n", (char *)buf + 7);
	len = snprintf(reply, sizeof(reply), "%s%s", prefix, (char *)buf + 7);
	if (SSL_write(c->ssl, reply, len) != len)
		ssl_die("SSL_write of the reply");
	n = SSL_read(c->ssl, buf, sizeof(buf));
	if (n > 0)
		ktls_die("the server sent more after our reply");
	printf("server_closed=yes\n");
}

/* --rdp: the start of an MCS Connect-Initial (or @pdu), then the gate's close. */
static void rdp_end(struct cli *c, const uint8_t *pdu, size_t len, bool port)
{
	static const uint8_t mcs[] = {0x03, 0x00, 0x00, 0x09, 0x02, 0xf0, 0x80, 0x7f, 0x65};
	static uint8_t buf[4096];
	int n;

	if (!pdu) {
		pdu = mcs;
		len = sizeof(mcs);
	}
	if (SSL_write(c->ssl, pdu, (int)len) != (int)len)
		ssl_die("SSL_write of the MCS Connect-Initial");
	setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &(int){0}, sizeof(int));
	if (port) {
		port_test(c);
		return;
	}
	n = SSL_read(c->ssl, buf, sizeof(buf));
	cssp_tsrequest_clear(&c->last);
	if (n > 0 && !cssp_tsrequest_decode(buf, (size_t)n, &c->last) && c->last.has_error_code)
		ktls_die("the server refused the authInfo: errorCode 0x%08x", c->last.error_code);
	if (n > 0)
		ktls_die("the gate sent data after authentication");
}

/* Free everything, say so. */
static int done(struct cli *c, SSL_CTX *ctx)
{
	SSL_free(c->ssl);
	SSL_CTX_free(ctx);
	close(c->fd);
	cssp_tsrequest_clear(&c->last);
	initiator_release(&c->gctx, &c->cred, &c->target);
	printf("result=ok\n");
	return 0;
}

static SSL_CTX *client_ctx(const char *tls, const char *cipher)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int v = !strcmp(tls, "1.3") ? TLS1_3_VERSION : TLS1_2_VERSION;

	if (!ctx || SSL_CTX_set_min_proto_version(ctx, v) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, v) != 1)
		ssl_die("TLS client context");
	if (v == TLS1_3_VERSION ? SSL_CTX_set_ciphersuites(ctx, cipher) != 1
				: SSL_CTX_set_cipher_list(ctx, cipher) != 1)
		ssl_die("no such cipher");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

int main(int argc, char **argv)
{
	/* two options a line */
	/* clang-format off */
	static const struct option opts[] = {
		{"port", required_argument, NULL, 'p'},	   {"tls", required_argument, NULL, 't'},
		{"cipher", required_argument, NULL, 'c'},  {"user", required_argument, NULL, 'u'},
		{"nt-hash", required_argument, NULL, 'n'}, {"send", required_argument, NULL, 's'},
		{"recv", required_argument, NULL, 'r'},	   {"plain", no_argument, NULL, 'P'},
		{"bench", no_argument, NULL, 'B'},	   {"rdp", no_argument, NULL, 'R'},
		{"mcs-hex", required_argument, NULL, 'M'}, {"deleg-user", required_argument, NULL, 'D'},
		{"port-test", no_argument, NULL, 'T'},	   {NULL, 0, NULL, 0}};
	/* clang-format on */
	const char *tls = "1.3", *cipher = "TLS_AES_128_GCM_SHA256";
	const char *user = "CONTOSO\\alice", *nt_hash = ALICE_NT, *deleg = NULL;
	size_t send_len = 100000, recv_len = 100000, off;
	bool plain = false, bench = false, rdp = false, port_check = false;
	static uint8_t buf[65536], mcs[4096];
	size_t mcs_len = 0;
	struct cli c = {0};
	double t0 = 0, t1;
	SSL_CTX *ctx;
	int o, port = 0, fd;
	char sh;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': port = atoi(optarg); break;
		case 't': tls = optarg; break;
		case 'c': cipher = optarg; break;
		case 'u': user = optarg; break;
		case 'D': deleg = optarg; break;
		case 'n': nt_hash = optarg; break;
		case 's': send_len = strtoul(optarg, NULL, 0); break;
		case 'r': recv_len = strtoul(optarg, NULL, 0); break;
		case 'P': plain = true; break;
		case 'B': bench = true; break;
		case 'R': rdp = true; break;
		case 'T': port_check = true; break;
		case 'M':
			for (mcs_len = 0; optarg[2 * mcs_len] && mcs_len < sizeof(mcs); mcs_len++) {
				unsigned int b;

				if (sscanf(optarg + 2 * mcs_len, "%2x", &b) != 1)
					ktls_die("--mcs-hex: not hex");
				mcs[mcs_len] = (uint8_t)b;
			}
			break;
		default: return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ctx = client_ctx(tls, cipher);
	t0 = ktls_now();
	fd = ktls_connect(port);
	c.fd = fd;
	if (rdp) {
		struct sockaddr_in me;
		socklen_t mlen = sizeof(me);

		if (getsockname(fd, (struct sockaddr *)&me, &mlen) == 0)
			printf("local_port=%u\n", ntohs(me.sin_port));
		x224(fd);
	}
	c.ssl = SSL_new(ctx);
	if (!c.ssl || SSL_set_fd(c.ssl, fd) != 1 || SSL_connect(c.ssl) != 1)
		ssl_die("TLS handshake");
	printf("tls=%s cipher=%s\n", SSL_get_version(c.ssl),
	       SSL_CIPHER_get_name(SSL_get_current_cipher(c.ssl)));
	if (!plain)
		credssp(&c, user, nt_hash, deleg);
	if (rdp) {
		rdp_end(&c, mcs_len ? mcs : NULL, mcs_len, port_check);
		printf("closed elapsed_ms=%.0f\n", (ktls_now() - t0) * 1e3);
		return done(&c, ctx);
	}

	/* Right after authInfo, without waiting: a small record, then big ones. */
	for (off = 0; off < send_len;) {
		size_t n = off == 0 ? 7 : send_len - off < 40000 ? send_len - off : 40000;

		ktls_fill(buf, off, n, 0);
		if (SSL_write(c.ssl, buf, (int)n) != (int)n)
			ssl_die("SSL_write");
		if (!off)
			setsockopt(fd, IPPROTO_TCP, TCP_CORK, &(int){0}, sizeof(int));
		off += n;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &(int){0}, sizeof(int));
	if (send_len)
		printf("sent=%zu\n", off);

	for (off = 0; off < recv_len;) {
		size_t want = recv_len - off < sizeof(buf) ? recv_len - off : sizeof(buf);
		int n = SSL_read(c.ssl, buf, (int)want);

		if (n <= 0)
			ssl_die("SSL_read of the server's data");
		if (!off)
			t0 = ktls_now();
		if (!bench) {
			long bad = ktls_check(buf, off, (size_t)n, 1);

			if (bad >= 0)
				ktls_die("the server's plaintext differs at byte %ld", bad);
		}
		off += (size_t)n;
	}
	t1 = ktls_now();
	printf("received=%zu\n", off);
	if (bench)
		printf("rate=%.0f seconds=%.3f\n", (double)off / (t1 - t0), t1 - t0);

	/* close_notify both ways */
	if (SSL_shutdown(c.ssl) < 0)
		ssl_die("SSL_shutdown (sending close_notify)");
	o = SSL_shutdown(c.ssl);
	if (o != 1) {
		/* 0: still waiting; read until the peer's close_notify */
		o = SSL_read(c.ssl, &sh, 1);
		if (o > 0 || SSL_get_error(c.ssl, o) != SSL_ERROR_ZERO_RETURN)
			ssl_die("no close_notify from the server");
	}
	printf("close_notify=both\n");
	return done(&c, ctx);
}
