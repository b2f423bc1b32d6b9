// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the per-context half of helper/tls.c, for
 * fuzz_tsrequest_plain: the handshake is already done, and a record carries
 * its payload in the clear. The engine reaches it through the linker
 * (-Wl,--wrap=cssp_tls_new and the others below, see the Makefile), so the
 * engine's own code is the code fuzzed; the server credential, its public
 * key (pubKeyAuth's input) and the record framing (cssp_tls_record_len())
 * stay helper/tls.c's.
 *
 * What a real session does and this one keeps: only application data
 * records are data (anything else, an alert included, fails the session and
 * every record after it); records of at most 2^14 bytes out; no encryption
 * after the keys are exported; keys of a TLS 1.3 AES-128-GCM session.
 */
#include <stdlib.h>
#include <string.h>

#include "tls.h"
#include "tls_plain.h"

#define RT_APPLICATION_DATA 23

struct cssp_tls {
	struct cssp_buf plaintext;
	struct cssp_buf output;
	bool failed;
	bool exported;
};

unsigned long tls_plain_sessions;

int tls_plain_records(struct cssp_buf *to, const uint8_t *p, size_t len)
{
	while (len) {
		size_t n = len < 16384 ? len : 16384;
		uint8_t hdr[5] = {RT_APPLICATION_DATA, 3, 3, (uint8_t)(n >> 8), (uint8_t)n};

		if (cssp_buf_append(to, hdr, sizeof(hdr)) || cssp_buf_append(to, p, n))
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

struct cssp_tls *__wrap_cssp_tls_new(struct cssp_tls_server *srv);
void __wrap_cssp_tls_free(struct cssp_tls *tls);
enum cssp_tls_status __wrap_cssp_tls_feed_record(struct cssp_tls *tls, const uint8_t *rec,
						 size_t len);
bool __wrap_cssp_tls_handshake_done(const struct cssp_tls *tls);
struct cssp_buf *__wrap_cssp_tls_plaintext(struct cssp_tls *tls);
enum cssp_tls_status __wrap_cssp_tls_write(struct cssp_tls *tls, const uint8_t *data, size_t len);
int __wrap_cssp_tls_take_output(struct cssp_tls *tls, struct cssp_buf *out);
uint16_t __wrap_cssp_tls_version(const struct cssp_tls *tls);
const char *__wrap_cssp_tls_cipher_name(const struct cssp_tls *tls);
int __wrap_cssp_tls_export_keys(struct cssp_tls *tls, struct cssp_tls_keys *out);

struct cssp_tls *__wrap_cssp_tls_new(struct cssp_tls_server *srv)
{
	if (!srv)
		return NULL;
	tls_plain_sessions++;
	return calloc(1, sizeof(struct cssp_tls));
}

void __wrap_cssp_tls_free(struct cssp_tls *tls)
{
	if (!tls)
		return;
	cssp_buf_free(&tls->plaintext);
	cssp_buf_free(&tls->output);
	free(tls);
}

enum cssp_tls_status __wrap_cssp_tls_feed_record(struct cssp_tls *tls, const uint8_t *rec,
						 size_t len)
{
	long rlen = cssp_tls_record_len(rec, len);

	if (!tls)
		return CSSP_TLS_INTERNAL;
	if (tls->failed)
		return CSSP_TLS_PROTOCOL;
	if (tls->exported) {
		tls->failed = true;
		return CSSP_TLS_INTERNAL;
	}
	if (rlen <= 0 || (size_t)rlen != len || rec[0] != RT_APPLICATION_DATA) {
		tls->failed = true;
		return CSSP_TLS_PROTOCOL;
	}
	if (cssp_buf_append(&tls->plaintext, rec + 5, len - 5)) {
		tls->failed = true;
		return CSSP_TLS_INTERNAL;
	}
	return CSSP_TLS_OK;
}

bool __wrap_cssp_tls_handshake_done(const struct cssp_tls *tls)
{
	return tls && !tls->failed;
}

struct cssp_buf *__wrap_cssp_tls_plaintext(struct cssp_tls *tls)
{
	return tls ? &tls->plaintext : NULL;
}

enum cssp_tls_status __wrap_cssp_tls_write(struct cssp_tls *tls, const uint8_t *data, size_t len)
{
	if (!tls)
		return CSSP_TLS_INTERNAL;
	if (tls->failed)
		return CSSP_TLS_PROTOCOL;
	if (tls->exported || (len && !data))
		return CSSP_TLS_INTERNAL;
	return tls_plain_records(&tls->output, data, len) ? CSSP_TLS_INTERNAL : CSSP_TLS_OK;
}

int __wrap_cssp_tls_take_output(struct cssp_tls *tls, struct cssp_buf *out)
{
	if (!tls || !out)
		return -1;
	if (!tls->output.len)
		return 0;
	if (cssp_buf_append(out, tls->output.data, tls->output.len))
		return -1;
	cssp_buf_free(&tls->output);
	return 0;
}

uint16_t __wrap_cssp_tls_version(const struct cssp_tls *tls)
{
	return tls ? 0x0304 : 0;
}

const char *__wrap_cssp_tls_cipher_name(const struct cssp_tls *tls)
{
	return tls ? "TLS_AES_128_GCM_SHA256" : NULL;
}

int __wrap_cssp_tls_export_keys(struct cssp_tls *tls, struct cssp_tls_keys *out)
{
	if (!tls || tls->failed || tls->exported || tls->plaintext.len)
		return -1;
	memset(out, 0, sizeof(*out));
	out->version = 0x0304;
	out->cipher_type = 51; /* TLS_CIPHER_AES_GCM_128 */
	out->key_len = 16;
	out->salt_len = 4;
	out->iv_len = 8;
	memset(out->tx.key, 0x11, sizeof(out->tx.key));
	memset(out->rx.key, 0x22, sizeof(out->rx.key));
	tls->exported = true;
	return 0;
}
