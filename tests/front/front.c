// SPDX-License-Identifier: GPL-2.0
/*
 * front: a host-only RDP listener that drives the CredSSP engine against
 * real clients (xfreerdp, xfreerdp3, rdesktop). Test code, not product code.
 *
 * Per connection:
 *   1. X.224 Connection Request (TPKT) in; Connection Confirm out with
 *      RDP_NEG_RSP selectedProtocol = PROTOCOL_HYBRID, or RDP_NEG_FAILURE
 *      (HYBRID_REQUIRED_BY_SERVER) when the client did not offer HYBRID.
 *   2. cssp_ctx_step() on the bytes read, exactly as engine.h documents:
 *      CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE (nothing consumed: read more), the outputs
 *      sent, consumed/extra honoured (the extra bytes are the next input),
 *      until CREDSSP_SEC_STATUS_OK or an error (whose output, an errorCode TSRequest or
 *      an alert, is sent before closing). The API contract is checked on
 *      every call (consumed + extra == input length and so on).
 *   3. On CREDSSP_SEC_STATUS_OK the exported kTLS keys are used the way the kernel would
 *      use them, with the record code of tests/lib/record.c (EVP only, no
 *      SSL object; TLS 1.2 and 1.3 nonce and additional-data rules):
 *        rx: the client's next record (often already in the extra bytes) is
 *            decrypted and must be its MCS Connect-Initial
 *            (03 00 .. .. 02 f0 80 7f 65);
 *        tx: a record is encrypted and sent: an MCS Connect-Response with
 *            result rt-unspecified-failure and no GCC data. A client that
 *            decrypted it says so in its own words (its MCS/GCC parser
 *            complains about the contents); a client that could not
 *            decrypt it reports a TLS error (bad record MAC) and sends an
 *            alert, which the front also decrypts and reports (tx_reply).
 *            --tx-corrupt flips a bit of the tag, to show the difference.
 *   4. A result block (key=value lines) is appended to --result.
 *
 * Everything is bounded by --timeout: the front exits by itself.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <linux/credssp.h>

#include "engine.h"
#include "record.h"
#include "utf16.h"
#include "x224.h"

#define INPUT_MAX (1024 * 1024)

struct options {
	const char *host;
	int port;
	const char *port_file;
	const char *cert, *key, *state_dir;
	const char *keytab, *ntlm_users;
	unsigned int min_version;
	bool restricted_admin;
	unsigned int timeout;
	unsigned int reply_wait_ms;
	const char *result;
	unsigned int count;
	bool tx_corrupt;
};

static struct options opt = {
	.host = "127.0.0.1",
	.timeout = 60,
	.reply_wait_ms = 5000,
	.count = 1,
};

static struct timespec deadline;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("front: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static struct timespec after_ms(int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return x224_ms_until(&t) > x224_ms_until(&deadline) ? deadline : t;
}

enum io_result {
	IO_OK = 1,
	IO_EOF = 0,
	IO_ERR = -1,
	IO_TIMEOUT = -2,
};

static const char *io_name(int r)
{
	switch (r) {
	case IO_EOF: return "EOF";
	case IO_TIMEOUT: return "TIMEOUT";
	default: return "IO_ERROR";
	}
}

/* Read what is available (at least one byte) and append it to @b. */
static int read_more(int fd, struct cssp_buf *b, const struct timespec *until)
{
	uint8_t tmp[16384];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;
	int r;

	for (;;) {
		r = poll(&p, 1, x224_ms_until(until));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return IO_ERR;
		if (r == 0)
			return IO_TIMEOUT;
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ECONNRESET ? IO_EOF : IO_ERR;
		if (n == 0)
			return IO_EOF;
		if (b->len + (size_t)n > INPUT_MAX || cssp_buf_append(b, tmp, (size_t)n))
			return IO_ERR;
		OPENSSL_cleanse(tmp, (size_t)n);
		return IO_OK;
	}
}

/* Everything before the deadline (x224.h's sender). */
static int write_all(int fd, const uint8_t *p, size_t len)
{
	int r = x224_send_all(fd, &deadline, p, len);

	return r == X224_OK ? IO_OK : r == X224_TIMEOUT ? IO_TIMEOUT : IO_ERR;
}

/* ---------------------------------------------------------------------------------------------
 * Result block
 */

struct result {
	char lines[16384];
	size_t len;
	bool success; /* CREDSSP_SEC_STATUS_OK, MCS Connect-Initial read, tx record sent */
};

static void put(struct result *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append "key=value"; bytes outside printable ASCII as \xNN. */
static void put(struct result *r, const char *key, const char *fmt, ...)
{
	char val[2048], esc[4 * sizeof(val)];
	size_t j = 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	for (size_t i = 0; val[i] && j + 5 < sizeof(esc); i++) {
		unsigned char c = (unsigned char)val[i];

		if (c < 0x20 || c >= 0x7f)
			j += (size_t)snprintf(esc + j, sizeof(esc) - j, "\\x%02x", c);
		else
			esc[j++] = (char)c;
	}
	esc[j] = '\0';
	n = snprintf(r->lines + r->len, sizeof(r->lines) - r->len, "%s=%s\n", key, esc);
	if (n > 0 && r->len + (size_t)n < sizeof(r->lines))
		r->len += (size_t)n;
	OPENSSL_cleanse(val, sizeof(val));
	OPENSSL_cleanse(esc, sizeof(esc));
}

static void hex(char *out, size_t outlen, const uint8_t *p, size_t len)
{
	size_t j = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len && j + 3 <= outlen; i++)
		j += (size_t)snprintf(out + j, outlen - j, "%02x", p[i]);
}

static int write_result(const struct result *r)
{
	FILE *f;

	if (!opt.result)
		return 0;
	f = fopen(opt.result, "a");
	if (!f) {
		logf_("cannot open %s: %s", opt.result, strerror(errno));
		return -1;
	}
	fwrite(r->lines, 1, r->len, f);
	return fclose(f) ? -1 : 0;
}

/* Wait for one complete record in @in (reading more if needed); its length, or an IO_* <= 0. */
static long wait_record(int fd, struct cssp_buf *in, const struct timespec *until)
{
	long rl;
	int r;

	for (;;) {
		rl = rec_len(in->data, in->len);
		if (rl != 0)
			return rl < 0 ? IO_ERR : rl;
		r = read_more(fd, in, until);
		if (r != IO_OK)
			return r;
	}
}

/* ---------------------------------------------------------------------------------------------
 * X.224
 */

static const char *x224_outcome(int fd, struct result *res, bool *hybrid, bool *ra_requested)
{
	uint8_t p[X224_REQUEST_MAX], b;
	struct x224_request req;
	size_t len;
	int r;

	*hybrid = false;
	*ra_requested = false;
	r = x224_read_tpkt(fd, &deadline, p, sizeof(p), &len);
	if (r)
		return x224_status_name(r);
	if (recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
		return "BAD_TPKT"; /* the client must wait for our Connection Confirm */
	r = x224_parse_request(p, len, &req);
	if (r)
		return x224_status_name(r);
	if (req.cookie)
		put(res, "cookie", "%.*s", (int)req.cookie_len, (const char *)req.cookie);
	if (req.have_neg) {
		*ra_requested = req.restricted_admin;
		put(res, "neg_req_flags", "0x%02x", req.neg_flags);
		put(res, "requested_protocols", "0x%08x", req.requested);
	} else {
		put(res, "requested_protocols", "none");
	}
	*hybrid = req.have_neg && (req.requested & X224_PROTOCOL_HYBRID);
	r = x224_send_confirm(
		fd, &deadline, *hybrid,
		X224_NEG_RSP_FLAGS |
			(opt.restricted_admin ? X224_NEG_RSP_RESTRICTED_ADMIN_SUPPORTED : 0));
	if (r) {
		*hybrid = false;
		return x224_status_name(r);
	}
	return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * One connection
 */

static const char *cred_type_name(const struct cssp_result *cr)
{
	if (cr->creds_empty)
		return "empty";
	switch (cr->creds.type) {
	case CSSP_CRED_PASSWORD: return "password";
	case CSSP_CRED_SMARTCARD: return "smartcard";
	case CSSP_CRED_REMOTE_GUARD: return "remote_guard";
	default: return "unknown";
	}
}

static void put_utf16(struct result *res, const char *key, const struct cssp_buf *b)
{
	char s[1024];

	if (cssp_utf16le_to_utf8(b->data, b->len, s, sizeof(s)) < 0) {
		put(res, key, "<invalid UTF-16>");
		return;
	}
	put(res, key, "%s", s);
	OPENSSL_cleanse(s, sizeof(s));
}

static const char *package_name(enum cssp_package p)
{
	switch (p) {
	case CSSP_PACKAGE_NTLM: return "NTLM";
	case CSSP_PACKAGE_KERBEROS: return "Kerberos";
	default: return "none";
	}
}

static void put_established(struct result *res, const struct cssp_result *cr,
			    const struct cssp_step *step)
{
	put(res, "package", "%s", package_name(cr->package));
	put(res, "spnego", "%s", cr->spnego ? "yes" : "no");
	put(res, "principal", "%s", cr->principal);
	put(res, "peer_version", "%u", cr->peer_version);
	put(res, "version", "%u", cr->version);
	put(res, "tls_version", "%s",
	    cr->tls_version == TLS_1_3_VERSION	 ? "1.3"
	    : cr->tls_version == TLS_1_2_VERSION ? "1.2"
						 : "unknown");
	put(res, "tls_cipher", "%s", cr->tls_cipher);
	put(res, "cred_type", "%s", cred_type_name(cr));
	if (!cr->creds_empty && cr->creds.type == CSSP_CRED_PASSWORD) {
		put_utf16(res, "domain", &cr->creds.password.domain);
		put_utf16(res, "user", &cr->creds.password.user);
		put_utf16(res, "password", &cr->creds.password.password);
	}
	put(res, "payload_len", "%zu", cr->payload.len);
	put(res, "attrs", "0x%08x", step->attrs);
	if (step->expiry == UINT64_MAX)
		put(res, "expiry", "never");
	else
		put(res, "expiry_in", "%lld", (long long)step->expiry - (long long)time(NULL));
	put(res, "ktls", "cipher_type=%u key_len=%u salt_len=%u iv_len=%u rx_seq=%llu tx_seq=%llu",
	    cr->keys.cipher_type, cr->keys.key_len, cr->keys.salt_len, cr->keys.iv_len,
	    (unsigned long long)rec_get_be64(cr->keys.rx.rec_seq),
	    (unsigned long long)rec_get_be64(cr->keys.tx.rec_seq));
}

/*
 * MCS Connect-Response (T.125, BER) with result rt-unspecified-failure (14),
 * calledConnectId 0, the usual domain parameters and an empty userData (no
 * GCC Conference Create Response): every client parses it up to the result
 * or the GCC data and complains in its own words.
 */
static const uint8_t connect_response[] = {
	0x03, 0x00, 0x00, 0x2e,	      /* TPKT, 46 bytes */
	0x02, 0xf0, 0x80,	      /* X.224 Data TPDU */
	0x7f, 0x66, 0x24,	      /* [APPLICATION 102] Connect-Response */
	0x0a, 0x01, 0x0e,	      /* result: rt-unspecified-failure */
	0x02, 0x01, 0x00,	      /* calledConnectId */
	0x30, 0x1a,		      /* domainParameters */
	0x02, 0x01, 0x22,	      /* maxChannelIds 34 */
	0x02, 0x01, 0x03,	      /* maxUserIds 3 */
	0x02, 0x01, 0x00,	      /* maxTokenIds 0 */
	0x02, 0x01, 0x01,	      /* numPriorities 1 */
	0x02, 0x01, 0x00,	      /* minThroughput 0 */
	0x02, 0x01, 0x01,	      /* maxHeight 1 */
	0x02, 0x03, 0x00, 0xff, 0xf8, /* maxMCSPDUsize 65528 */
	0x02, 0x01, 0x02,	      /* protocolVersion 2 */
	0x04, 0x00,		      /* userData: empty */
};

/* rec_open() into @pt (REC_CIPHERTEXT_MAX bytes), its length in *@ptlen: 0 or -1. */
static int open_record(struct rec_keys *rk, const uint8_t *rec, size_t len, uint8_t *type,
		       uint8_t *pt, size_t *ptlen, char *err, size_t errlen)
{
	long n = rec_open(rk, rec, len, type, pt, REC_CIPHERTEXT_MAX, err, errlen);

	if (n < 0)
		return -1;
	*ptlen = (size_t)n;
	return 0;
}

/* The record did not open at the exported sequence number: would another one open it? */
static void diagnose_seq(const struct rec_keys *rk, const uint8_t *rec, size_t len,
			 struct result *res)
{
	static uint8_t pt[REC_CIPHERTEXT_MAX];
	struct rec_keys t;
	char err[128];
	size_t ptlen;
	uint8_t type;

	for (uint64_t s = 0; s < rk->seq + 16; s++) {
		t = *rk;
		t.seq = s;
		if (s != rk->seq &&
		    !open_record(&t, rec, len, &type, pt, &ptlen, err, sizeof(err))) {
			put(res, "rx_seq_actual", "%llu", (unsigned long long)s);
			break;
		}
	}
	OPENSSL_cleanse(&t, sizeof(t));
	OPENSSL_cleanse(pt, sizeof(pt));
}

static void after_ok(int fd, struct cssp_buf *in, const struct cssp_result *cr, struct result *res)
{
	static uint8_t pt[REC_CIPHERTEXT_MAX], rec[REC_HDR + REC_CIPHERTEXT_MAX];
	struct rec_keys rx, tx;
	struct timespec until;
	char err[256], h[64];
	size_t ptlen = 0;
	uint8_t type = 0;
	bool mcs_ok = false;
	long rl;

	if (rec_keys_init(&rx, &cr->keys, &cr->keys.rx, err, sizeof(err)) ||
	    rec_keys_init(&tx, &cr->keys, &cr->keys.tx, err, sizeof(err))) {
		put(res, "mcs", "bad");
		put(res, "mcs_error", "%s", err);
		put(res, "tx", "not_sent");
		return;
	}

	/* rx: the client's first post-CredSSP record (it sends it at once). */
	until = after_ms(10000);
	rl = wait_record(fd, in, &until);
	if (rl <= 0) {
		put(res, "mcs", "bad");
		put(res, "mcs_error", "no record: %s",
		    rl == IO_ERR ? "not a TLS record" : io_name((int)rl));
	} else if (open_record(&rx, in->data, (size_t)rl, &type, pt, &ptlen, err, sizeof(err))) {
		put(res, "mcs", "bad");
		put(res, "mcs_error", "%s", err);
		diagnose_seq(&rx, in->data, (size_t)rl, res);
	} else {
		hex(h, sizeof(h), pt, ptlen < 16 ? ptlen : 16);
		put(res, "mcs_head", "%s", h);
		put(res, "mcs_record_type", "%u", type);
		put(res, "mcs_record_len", "%zu", ptlen);
		mcs_ok = type == REC_CT_APPDATA && ptlen >= 9 && pt[0] == 3 && pt[1] == 0 &&
			 (size_t)(pt[2] << 8 | pt[3]) <= ptlen && pt[4] == 0x02 && pt[5] == 0xf0 &&
			 pt[6] == 0x80 && pt[7] == 0x7f && pt[8] == 0x65;
		if (ptlen >= 4)
			put(res, "mcs_tpkt_len", "%u", pt[2] << 8 | pt[3]);
		put(res, "mcs", "%s", mcs_ok ? "ok" : "bad");
		cssp_buf_consume(in, (size_t)rl);
	}
	OPENSSL_cleanse(pt, sizeof(pt));

	/* tx: one record of ours, then whatever the client answers. */
	rl = rec_seal(&tx, REC_CT_APPDATA, connect_response, sizeof(connect_response), rec,
		      sizeof(rec));
	if (rl > 0 && opt.tx_corrupt)
		rec[rl - 1] ^= 0x01; /* last tag byte */
	if (rl < 0 || write_all(fd, rec, (size_t)rl) != IO_OK) {
		put(res, "tx", "not_sent");
	} else {
		put(res, "tx", "%s", opt.tx_corrupt ? "sent_corrupt" : "sent");
		until = after_ms((int)opt.reply_wait_ms);
		/* Up to 8 client records: application data is listed, an alert ends the wait. */
		for (int i = 0; i < 8; i++) {
			rl = wait_record(fd, in, &until);
			if (rl <= 0) {
				put(res, "tx_reply", "%s",
				    rl == IO_ERR   ? "not_tls"
				    : rl == IO_EOF ? "eof"
						   : "none");
				break;
			}
			if (open_record(&rx, in->data, (size_t)rl, &type, pt, &ptlen, err,
					sizeof(err))) {
				put(res, "tx_reply", "undecryptable");
				put(res, "tx_reply_error", "%s", err);
				break;
			}
			cssp_buf_consume(in, (size_t)rl);
			if (type == REC_CT_ALERT && ptlen == 2) {
				put(res, "tx_reply", "alert:%s:%s",
				    pt[0] == 2 ? "fatal" : "warning", tls_alert_name(pt[1]));
				break;
			}
			hex(h, sizeof(h), pt, ptlen < 16 ? ptlen : 16);
			put(res, "tx_reply_record", "type=%u len=%zu head=%s", type, ptlen, h);
		}
	}
	res->success = mcs_ok && !opt.tx_corrupt;
	rec_keys_wipe(&rx);
	rec_keys_wipe(&tx);
	OPENSSL_cleanse(pt, sizeof(pt));
}

/* Drive the engine on one accepted connection. */
static void serve(int fd, struct cssp_cred *cred, struct result *res)
{
	struct cssp_ctx_options copts = {0};
	struct cssp_ctx *ctx = NULL;
	struct cssp_buf in = {0};
	struct cssp_step step;
	const char *outcome;
	bool hybrid, ra_requested;
	unsigned int calls = 0;
	uint32_t st = CREDSSP_SEC_STATUS_CONTINUE_NEEDED;
	int r;

	outcome = x224_outcome(fd, res, &hybrid, &ra_requested);
	if (!hybrid) {
		put(res, "status", "%s", outcome ? outcome : "NEG_FAILURE");
		put(res, "x224", "%s", outcome ? "error" : "neg_failure");
		return;
	}
	put(res, "x224", "hybrid");
	copts.restricted_admin = opt.restricted_admin && ra_requested;
	put(res, "restricted_admin", "%s", copts.restricted_admin ? "yes" : "no");
	ctx = cssp_ctx_new(cred, &copts);
	if (!ctx) {
		put(res, "status", "CTX_NEW_FAILED");
		return;
	}

	for (;;) {
		if (in.len) {
			size_t len = in.len;

			st = cssp_ctx_step(ctx, in.data, in.len, &step);
			calls++;
			logf_("step %u: in %zu -> %s, out %zu, consumed %zu, extra %zu", calls, len,
			      cssp_status_name(st), step.output.len, step.consumed, step.extra);
			if (st == CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE) {
				if (step.consumed || step.output.len) {
					put(res, "api_violation",
					    "INCOMPLETE with consumed %zu output %zu",
					    step.consumed, step.output.len);
					cssp_buf_free(&step.output);
					st = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
					break;
				}
				goto read;
			}
			if (step.output.len) {
				r = write_all(fd, step.output.data, step.output.len);
				if (r != IO_OK)
					logf_("sending %zu bytes: %s", step.output.len, io_name(r));
			}
			cssp_buf_free(&step.output);
			if (st != CREDSSP_SEC_STATUS_CONTINUE_NEEDED && st != CREDSSP_SEC_STATUS_OK)
				break; /* an error: its output was sent; close */
			if (step.consumed == 0 || step.consumed + step.extra != len) {
				put(res, "api_violation", "%s with consumed %zu extra %zu of %zu",
				    cssp_status_name(st), step.consumed, step.extra, len);
				st = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
				break;
			}
			cssp_buf_consume(&in, step.consumed);
			if (st == CREDSSP_SEC_STATUS_OK)
				break;
			if (in.len)
				continue; /* the extra bytes are the next input */
		}
read:
		r = read_more(fd, &in, &deadline);
		if (r != IO_OK) {
			put(res, "status", "%s", io_name(r));
			put(res, "last_engine_status", "%s", cssp_status_name(st));
			put(res, "engine_calls", "%u", calls);
			goto out;
		}
	}

	put(res, "status", "%s", cssp_status_name(st));
	put(res, "engine_calls", "%u", calls);
	if (st == CREDSSP_SEC_STATUS_OK) {
		const struct cssp_result *cr = cssp_ctx_result(ctx);

		put(res, "extra_at_ok", "%zu", in.len);
		if (!cr) {
			put(res, "api_violation", "SEC_E_OK without a result");
			goto out;
		}
		put_established(res, cr, &step);
		after_ok(fd, &in, cr, res);
	}
out:
	cssp_buf_free(&in);
	cssp_ctx_free(ctx);
}

/* ---------------------------------------------------------------------------------------------
 * Main
 */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: front [options]\n"
		"  --port N            listen on 127.0.0.1:N (0: any free port, see --port-file)\n"
		"  --port-file FILE    write the port there once listening\n"
		"  --cert F --key F    server certificate and key (PEM)\n"
		"  --state-dir DIR     self-signed certificate made once in DIR\n"
		"  --keytab FILE       Kerberos acceptor keytab (TERMSRV/<host>)\n"
		"  --ntlm-users FILE   gss-ntlmssp user file\n"
		"  --min-version N     lowest client TSRequest version (default: engine's, 5)\n"
		"  --restricted-admin  allow restricted admin mode (empty credentials)\n"
		"  --timeout S         exit after S seconds whatever happens (default 60)\n"
		"  --reply-wait MS     how long to wait for the client after our record (5000)\n"
		"  --count N           serve N connections, one after the other (default 1)\n"
		"  --tx-corrupt        corrupt the tag of the record sent with the tx keys\n"
		"  --result FILE       append key=value result blocks to FILE\n"
		"exit status: 0 every connection authenticated (SEC_E_OK, MCS Connect-Initial\n"
		"decrypted, record sent), 1 otherwise, 2 setup error\n");
}

static unsigned int num(const char *s, const char *what, unsigned int max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v > max) {
		fprintf(stderr, "front: bad %s: %s\n", what, s);
		exit(2);
	}
	return (unsigned int)v;
}

static void parse_args(int argc, char **argv)
{
	enum {
		O_PORT = 256,
		O_PORT_FILE,
		O_CERT,
		O_KEY,
		O_STATE,
		O_KEYTAB,
		O_NTLM,
		O_MINV,
		O_RA,
		O_TIMEOUT,
		O_REPLY_WAIT,
		O_COUNT,
		O_CORRUPT,
		O_RESULT,
		O_HELP
	};
	static const struct option lo[] = {
		{"port", required_argument, NULL, O_PORT},
		{"port-file", required_argument, NULL, O_PORT_FILE},
		{"cert", required_argument, NULL, O_CERT},
		{"key", required_argument, NULL, O_KEY},
		{"state-dir", required_argument, NULL, O_STATE},
		{"keytab", required_argument, NULL, O_KEYTAB},
		{"ntlm-users", required_argument, NULL, O_NTLM},
		{"min-version", required_argument, NULL, O_MINV},
		{"restricted-admin", no_argument, NULL, O_RA},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"reply-wait", required_argument, NULL, O_REPLY_WAIT},
		{"count", required_argument, NULL, O_COUNT},
		{"tx-corrupt", no_argument, NULL, O_CORRUPT},
		{"result", required_argument, NULL, O_RESULT},
		{"help", no_argument, NULL, O_HELP},
		{0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_PORT: opt.port = (int)num(optarg, "port", 65535); break;
		case O_PORT_FILE: opt.port_file = optarg; break;
		case O_CERT: opt.cert = optarg; break;
		case O_KEY: opt.key = optarg; break;
		case O_STATE: opt.state_dir = optarg; break;
		case O_KEYTAB: opt.keytab = optarg; break;
		case O_NTLM: opt.ntlm_users = optarg; break;
		case O_MINV: opt.min_version = num(optarg, "minimum version", 100); break;
		case O_RA: opt.restricted_admin = true; break;
		case O_TIMEOUT: opt.timeout = num(optarg, "timeout", 3600); break;
		case O_REPLY_WAIT: opt.reply_wait_ms = num(optarg, "reply wait", 600000); break;
		case O_COUNT: opt.count = num(optarg, "count", 1000); break;
		case O_CORRUPT: opt.tx_corrupt = true; break;
		case O_RESULT: opt.result = optarg; break;
		case O_HELP: usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc || opt.timeout == 0 || opt.count == 0 || !opt.cert != !opt.key ||
	    (!opt.cert && !opt.state_dir)) {
		usage(stderr);
		exit(2);
	}
}

static int listen_on(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
	socklen_t alen = sizeof(a);
	int fd, one = 1;
	FILE *f;

	if (inet_pton(AF_INET, opt.host, &a.sin_addr) != 1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		logf_("cannot listen on %s:%d: %s", opt.host, opt.port, strerror(errno));
		close(fd);
		return -1;
	}
	opt.port = ntohs(a.sin_port);
	logf_("listening on %s:%d", opt.host, opt.port);
	if (opt.port_file) {
		char tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s.tmp", opt.port_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", opt.port) < 0 || fclose(f) ||
		    rename(tmp, opt.port_file)) {
			logf_("cannot write %s", opt.port_file);
			close(fd);
			return -1;
		}
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct cssp_cred_config cfg = {0};
	struct cssp_cred *cred = NULL;
	char err[512] = "";
	int lfd, fd, rc = 0;

	parse_args(argc, argv);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += opt.timeout;
	/* Backstop: whatever blocks, the process ends a little after the deadline. */
	alarm(opt.timeout + 5);
	signal(SIGPIPE, SIG_IGN);

	cfg.tls.cert_file = opt.cert;
	cfg.tls.key_file = opt.key;
	cfg.tls.state_dir = opt.state_dir;
	cfg.keytab = opt.keytab;
	cfg.ntlm_user_file = opt.ntlm_users;
	cfg.min_version = opt.min_version;
	if (cssp_cred_new(&cfg, &cred, err, sizeof(err)) != CREDSSP_SEC_STATUS_OK) {
		logf_("cssp_cred_new: %s", err);
		return 2;
	}
	lfd = listen_on();
	if (lfd < 0) {
		cssp_cred_free(cred);
		return 2;
	}

	for (unsigned int i = 1; i <= opt.count; i++) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		struct result *res = calloc(1, sizeof(*res));
		struct timespec t0, t1;
		int one = 1;

		if (!res) {
			rc = 2;
			break;
		}
		put(res, "conn", "%u", i);
		if (poll(&p, 1, x224_ms_until(&deadline)) <= 0) {
			put(res, "status", "TIMEOUT");
			put(res, "error", "no client connected");
			logf_("connection %u: no client before the deadline", i);
			write_result(res);
			free(res);
			rc = 1;
			break;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			free(res);
			rc = 2;
			break;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		serve(fd, cred, res);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		put(res, "elapsed_ms", "%lld",
		    (long long)(t1.tv_sec - t0.tv_sec) * 1000 +
			    (t1.tv_nsec - t0.tv_nsec) / 1000000);
		close(fd);
		if (!res->success)
			rc = rc ? rc : 1;
		if (write_result(res))
			rc = 2;
		fwrite(res->lines, 1, res->len, stderr);
		OPENSSL_cleanse(res, sizeof(*res));
		free(res);
	}
	close(lfd);
	cssp_cred_free(cred);
	return rc;
}
