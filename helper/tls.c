// SPDX-License-Identifier: GPL-2.0
/*
 * The TLS server of the CredSSP engine (see tls.h): OpenSSL 3 on two memory
 * BIOs, fed one whole record at a time, and the export of the traffic keys
 * and record sequence numbers for kTLS.
 *
 * Record sequence numbers. OpenSSL 3.0 does not expose them, so they are
 * counted with the message callback, which reports the 5-byte header of
 * every record read or written (SSL3_RT_HEADER):
 *   TLS 1.3: the application traffic keys of both directions are in use
 *     from the end of the handshake (SSL_CB_HANDSHAKE_DONE; no tickets are
 *     sent), so both counters restart at 0 there.
 *   TLS 1.2: the record after a ChangeCipherSpec is number 0 of the new
 *     epoch (the Finished message); each counter restarts at 0 after the
 *     ChangeCipherSpec of its direction.
 * TLS 1.2 AES-GCM explicit nonces: OpenSSL starts them at a random value and
 * increments them per record. The exported tx iv continues that counter (the
 * nonce of the last record the server wrote, plus one), as OpenSSL's own
 * kTLS code does, so that the kernel can never reuse a nonce OpenSSL used.
 *
 * Once the keys are exported they belong to the kernel: OpenSSL must not
 * protect another record with them (the same sequence number, hence nonce,
 * would be used twice), so cssp_tls_feed_record() and cssp_tls_write() fail
 * with CSSP_TLS_INTERNAL afterwards.
 */
#define _GNU_SOURCE /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"

#define TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define TLS12_SUITES                                                 \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* <linux/tls.h> */
#define KTLS_CIPHER_AES_GCM_128	      51
#define KTLS_CIPHER_AES_GCM_256	      52
#define KTLS_CIPHER_CHACHA20_POLY1305 54

#define TLS_HEADER_LEN	 5
#define TLS_PAYLOAD_MAX	 (16384 + 2048)
#define GCM_EXPLICIT_LEN 8
#define AEAD_TAG_LEN	 16
#define SECRET_MAX	 EVP_MAX_MD_SIZE

/* Self-signed certificate validity: a little over a year. */
#define SELF_SIGNED_DAYS 400
/* The Remote Desktop server authentication EKU (szOID_TS_KP_TS_SERVER_AUTH). */
#define OID_TS_SERVER_AUTH "1.3.6.1.4.1.311.54.1.2"

struct cssp_tls_server {
	SSL_CTX *ctx;
	struct cssp_buf pubkey;
};

/* What the server has written after its ChangeCipherSpec (TLS 1.2 explicit nonces). */
struct tx_scan {
	bool ccs_seen;
	bool have_nonce;
	bool bad;
	uint8_t nonce[GCM_EXPLICIT_LEN];
};

struct cssp_tls {
	SSL *ssl;
	BIO *rbio; /* owned by ssl */
	BIO *wbio; /* owned by ssl */
	struct cssp_buf plaintext;
	size_t plaintext_cap; /* bytes allocated at plaintext.data (grown geometrically) */
	bool failed;	      /* fatal error: every later call fails */
	bool handshake_done;  /* SSL_do_handshake() returned 1 */
	bool done_cb;	      /* SSL_CB_HANDSHAKE_DONE was reported */
	bool post_hs_msg;     /* a handshake message arrived after the handshake */
	bool seq_overflow;
	bool exported; /* keys were exported: OpenSSL must not encrypt again */
	uint64_t rd_seq, wr_seq;
	struct tx_scan tx_scan;
	/* TLS 1.3 application traffic secrets, from the keylog callback */
	uint8_t client_secret[SECRET_MAX];
	uint8_t server_secret[SECRET_MAX];
	size_t client_secret_len, server_secret_len;
};

static CRYPTO_ONCE ex_once = CRYPTO_ONCE_STATIC_INIT;
static int ex_index = -1;

static void ex_index_init(void)
{
	ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static struct cssp_tls *tls_of(const SSL *ssl)
{
	if (ex_index < 0)
		return NULL;
	return SSL_get_ex_data(ssl, ex_index);
}

/* Append the last OpenSSL error, if any, to a message, and clear the queue. */
static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	unsigned long e = ERR_peek_last_error();
	char ossl[256];
	va_list ap;
	int n;

	if (err && errlen) {
		va_start(ap, fmt);
		n = vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		if (e && n >= 0 && (size_t)n < errlen) {
			ERR_error_string_n(e, ossl, sizeof(ossl));
			snprintf(err + n, errlen - (size_t)n, " (%s)", ossl);
		}
	}
	ERR_clear_error();
}

/* ---------------------------------------------------------------------------------------------
 * Callbacks
 */

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
		   SSL *ssl, void *arg)
{
	struct cssp_tls *tls = tls_of(ssl);
	const uint8_t *p = buf;
	uint64_t *seq;

	(void)version;
	(void)arg;
	if (!tls)
		return;
	if (content_type == SSL3_RT_HEADER) {
		if (len < TLS_HEADER_LEN)
			return;
		seq = write_p ? &tls->wr_seq : &tls->rd_seq;
		if (p[0] == SSL3_RT_CHANGE_CIPHER_SPEC && SSL_version(ssl) == TLS1_2_VERSION) {
			*seq = 0; /* the next record is number 0 of the new epoch */
			return;
		}
		if (*seq == UINT64_MAX)
			tls->seq_overflow = true;
		else
			(*seq)++;
		return;
	}
	/*
	 * Any handshake message from the client after the handshake: a TLS 1.2
	 * renegotiation ClientHello, a TLS 1.3 KeyUpdate (or anything else).
	 */
	if (!write_p && content_type == SSL3_RT_HANDSHAKE && tls->done_cb)
		tls->post_hs_msg = true;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct cssp_tls *tls = tls_of(ssl);

	(void)ret;
	if (!tls || !(where & SSL_CB_HANDSHAKE_DONE) || tls->done_cb)
		return;
	tls->done_cb = true;
	if (SSL_version(ssl) == TLS1_3_VERSION) {
		tls->rd_seq = 0;
		tls->wr_seq = 0;
	}
}

static void keylog_cb(const SSL *ssl, const char *line)
{
	static const char client[] = "CLIENT_TRAFFIC_SECRET_0 ";
	static const char server[] = "SERVER_TRAFFIC_SECRET_0 ";
	struct cssp_tls *tls = tls_of(ssl);
	uint8_t *dst;
	size_t *dst_len, n = 0;
	const char *p;

	if (!tls || !line)
		return;
	if (!strncmp(line, client, sizeof(client) - 1)) {
		dst = tls->client_secret;
		dst_len = &tls->client_secret_len;
	} else if (!strncmp(line, server, sizeof(server) - 1)) {
		dst = tls->server_secret;
		dst_len = &tls->server_secret_len;
	} else {
		return;
	}
	/* "<label> <client random hex> <secret hex>" */
	p = strchr(line + sizeof(client) - 1, ' ');
	OPENSSL_cleanse(dst, SECRET_MAX);
	*dst_len = 0;
	if (!p || strlen(p + 1) > 2 * SECRET_MAX)
		return;
	if (OPENSSL_hexstr2buf_ex(dst, SECRET_MAX, &n, p + 1, '\0') != 1) {
		OPENSSL_cleanse(dst, SECRET_MAX);
		ERR_clear_error();
		return;
	}
	*dst_len = n;
}

/* ---------------------------------------------------------------------------------------------
 * Server credential
 */

static int no_password_cb(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1; /* encrypted private keys are not supported: never prompt */
}

static int load_cert_key(SSL_CTX *ctx, const char *cert_file, const char *key_file, char *err,
			 size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	X509 *leaf;
	BIO *bio;
	int ret = -1;

	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		set_err(err, errlen, "cannot load the certificate (chain) from %s", cert_file);
		return -1;
	}
	leaf = SSL_CTX_get0_certificate(ctx);
	if (!leaf) {
		set_err(err, errlen, "no certificate in %s", cert_file);
		return -1;
	}
	bio = BIO_new_file(key_file, "r");
	if (!bio) {
		set_err(err, errlen, "cannot open the private key file %s", key_file);
		return -1;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password_cb, NULL);
	BIO_free(bio);
	if (!pkey) {
		set_err(err, errlen, "cannot read a private key from %s (PEM, not encrypted)",
			key_file);
		return -1;
	}
	if (X509_check_private_key(leaf, pkey) != 1) {
		set_err(err, errlen, "the private key %s does not match the certificate %s",
			key_file, cert_file);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		set_err(err, errlen, "cannot use the private key %s with the certificate %s",
			key_file, cert_file);
		goto out;
	}
	ret = 0;
out:
	EVP_PKEY_free(pkey);
	return ret;
}

/* The host name for the self-signed certificate, if it is a plain DNS name. */
static void self_signed_name(char *name, size_t size)
{
	char host[256];
	size_t i, len;

	snprintf(name, size, "localhost");
	if (gethostname(host, sizeof(host)) != 0)
		return;
	host[sizeof(host) - 1] = '\0';
	len = strlen(host);
	if (len == 0 || len > 64 || len >= size) /* ub-common-name is 64 */
		return;
	for (i = 0; i < len; i++) {
		char c = host[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return;
	}
	memcpy(name, host, len + 1);
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

static int add_san_dns(X509 *x, const char *name)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
	int ret = -1;

	if (!gens || !gn || !ia5)
		goto out;
	if (ASN1_STRING_set(ia5, name, (int)strlen(name)) != 1)
		goto out;
	GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
	ia5 = NULL;
	if (!sk_GENERAL_NAME_push(gens, gn))
		goto out;
	gn = NULL;
	if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) != 1)
		goto out;
	ret = 0;
out:
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(gens);
	return ret;
}

static X509 *make_self_signed(EVP_PKEY *pkey, bool ec)
{
	char name[65];
	uint8_t serial[16];
	BIGNUM *bn = NULL;
	X509 *x = X509_new();
	X509_NAME *subj;

	if (!x)
		return NULL;
	self_signed_name(name, sizeof(name));
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* positive */
	serial[0] |= 0x40; /* and 16 bytes long */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		goto fail;
	if (X509_set_version(x, X509_VERSION_3) != 1)
		goto fail;
	if (!X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), SELF_SIGNED_DAYS, 0, NULL))
		goto fail;
	subj = X509_get_subject_name(x);
	if (!subj ||
	    X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8, (const unsigned char *)name, -1,
				       -1, 0) != 1 ||
	    X509_set_issuer_name(x, subj) != 1 || X509_set_pubkey(x, pkey) != 1)
		goto fail;
	if (add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(x, NID_key_usage,
		    ec ? "critical,digitalSignature"
		       : "critical,digitalSignature,keyEncipherment") ||
	    add_ext(x, NID_ext_key_usage, "serverAuth," OID_TS_SERVER_AUTH) ||
	    add_ext(x, NID_subject_key_identifier, "hash") || add_san_dns(x, name))
		goto fail;
	if (X509_sign(x, pkey, EVP_sha256()) <= 0)
		goto fail;
	BN_free(bn);
	return x;
fail:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

/* Write a PEM file atomically: a temporary file in the same directory, then rename(). */
static int write_pem_atomic(const char *path, mode_t mode, EVP_PKEY *pkey, X509 *cert, char *err,
			    size_t errlen)
{
	char tmp[PATH_MAX];
	BIO *bio = NULL;
	int fd, n, ok;

	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		set_err(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		set_err(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) != 0) {
		set_err(err, errlen, "cannot chmod %s: %s", tmp, strerror(errno));
		goto fail;
	}
	bio = BIO_new_fd(fd, BIO_NOCLOSE);
	if (!bio) {
		set_err(err, errlen, "cannot write %s", tmp);
		goto fail;
	}
	if (pkey)
		ok = PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_bio_X509(bio, cert);
	if (ok != 1 || BIO_flush(bio) != 1) {
		set_err(err, errlen, "cannot write %s", tmp);
		goto fail;
	}
	BIO_free(bio);
	bio = NULL;
	if (fsync(fd) != 0) {
		set_err(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		set_err(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		set_err(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	BIO_free(bio);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

static int generate_self_signed(const char *dir, const char *cert_path, const char *key_path,
				bool ec, char *err, size_t errlen)
{
	EVP_PKEY *pkey;
	X509 *x = NULL;
	int dfd, ret = -1;

	ERR_clear_error();
	if (ec)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (!pkey) {
		set_err(err, errlen, "cannot generate the self-signed %s key",
			ec ? "P-256" : "RSA-2048");
		return -1;
	}
	x = make_self_signed(pkey, ec);
	if (!x) {
		set_err(err, errlen, "cannot make the self-signed certificate");
		goto out;
	}
	/* The key first: a cert.pem always has its key.pem next to it. */
	if (write_pem_atomic(key_path, 0600, pkey, NULL, err, errlen) ||
	    write_pem_atomic(cert_path, 0644, NULL, x, err, errlen))
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd); /* best effort: make the renames durable */
		close(dfd);
	}
	ret = 0;
out:
	X509_free(x);
	EVP_PKEY_free(pkey);
	return ret;
}

static int regular_file(const char *path, struct stat *st)
{
	return lstat(path, st) == 0 && S_ISREG(st->st_mode);
}

/* Generate the pair under a lock, unless another creator got there first. */
static int make_pair_once(const char *dir, const char *lock_path, const char *cert_path,
			  const char *key_path, bool ec, char *err, size_t errlen)
{
	struct stat st;
	int lfd, ret = -1;

	/* One creator at a time, across threads and processes. */
	lfd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lfd < 0) {
		set_err(err, errlen, "cannot open %s: %s", lock_path, strerror(errno));
		return -1;
	}
	while (flock(lfd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			set_err(err, errlen, "cannot lock %s: %s", lock_path, strerror(errno));
			goto out;
		}
	}
	if (regular_file(cert_path, &st) && regular_file(key_path, &st))
		ret = 0;
	else
		ret = generate_self_signed(dir, cert_path, key_path, ec, err, errlen);
out:
	close(lfd); /* releases the lock */
	return ret;
}

/*
 * Make sure @dir holds cert.pem and key.pem (creating them once, key first,
 * each written to a temporary file and renamed), and return their paths. An
 * existing pair is reused as it is.
 */
static int self_signed_files(const char *dir, bool ec, char *cert_path, char *key_path,
			     size_t pathlen, char *err, size_t errlen)
{
	char lock_path[PATH_MAX];
	struct stat st, kst;
	int n1, n2, n3;

	if (!dir || !*dir) {
		set_err(err, errlen,
			"no certificate configured and no state directory for a "
			"self-signed one");
		return -1;
	}
	n1 = snprintf(cert_path, pathlen, "%s/cert.pem", dir);
	n2 = snprintf(key_path, pathlen, "%s/key.pem", dir);
	n3 = snprintf(lock_path, sizeof(lock_path), "%s/.lock", dir);
	if (n1 < 0 || n2 < 0 || n3 < 0 || (size_t)n1 >= pathlen || (size_t)n2 >= pathlen ||
	    (size_t)n3 >= sizeof(lock_path) || (size_t)n2 + 8 >= PATH_MAX) {
		set_err(err, errlen, "state directory path too long: %s", dir);
		return -1;
	}
	if (mkdir(dir, 0700) != 0) {
		if (errno != EEXIST) {
			set_err(err, errlen, "cannot create the state directory %s: %s", dir,
				strerror(errno));
			return -1;
		}
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			set_err(err, errlen, "state directory %s is not a directory", dir);
			return -1;
		}
	}
	if ((!regular_file(cert_path, &st) || !regular_file(key_path, &kst)) &&
	    make_pair_once(dir, lock_path, cert_path, key_path, ec, err, errlen))
		return -1;
	if (!regular_file(key_path, &kst)) {
		set_err(err, errlen, "%s is not a regular file", key_path);
		return -1;
	}
	if (kst.st_mode & 0077) {
		set_err(err, errlen, "%s is accessible by group or others (mode %03o)", key_path,
			(unsigned int)(kst.st_mode & 0777));
		return -1;
	}
	return 0;
}

static int configure_ctx(SSL_CTX *ctx, char *err, size_t errlen)
{
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		set_err(err, errlen, "cannot set the TLS versions");
		return -1;
	}
	if (SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS12_SUITES) != 1) {
		set_err(err, errlen, "cannot set the cipher suites");
		return -1;
	}
	/* CLEANSE_PLAINTEXT: no copy of a decrypted TSRequest left in OpenSSL's buffers */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
					 SSL_OP_CLEANSE_PLAINTEXT);
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		set_err(err, errlen, "cannot turn off session tickets");
		return -1;
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_read_ahead(ctx, 0);
	SSL_CTX_set_default_passwd_cb(ctx, no_password_cb);
	SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	SSL_CTX_set_info_callback(ctx, info_cb);
	SSL_CTX_set_msg_callback(ctx, msg_cb);
	return 0;
}

int cssp_tls_server_new(const struct cssp_tls_config *cfg, struct cssp_tls_server **out, char *err,
			size_t errlen)
{
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	const char *cert_file, *key_file;
	struct cssp_tls_server *srv = NULL;
	const ASN1_BIT_STRING *bits;
	X509 *leaf;

	if (err && errlen)
		err[0] = '\0';
	if (!out || !cfg) {
		set_err(err, errlen, "invalid arguments");
		return -1;
	}
	*out = NULL;
	ERR_clear_error();
	if (!CRYPTO_THREAD_run_once(&ex_once, ex_index_init) || ex_index < 0) {
		set_err(err, errlen, "cannot allocate an SSL ex_data index");
		return -1;
	}
	if (!cfg->cert_file != !cfg->key_file) {
		set_err(err, errlen, "a certificate file needs a key file, and the reverse");
		return -1;
	}
	if (cfg->cert_file) {
		cert_file = cfg->cert_file;
		key_file = cfg->key_file;
	} else {
		if (self_signed_files(cfg->state_dir, cfg->self_signed_ec, cert_path, key_path,
				      sizeof(cert_path), err, errlen))
			return -1;
		cert_file = cert_path;
		key_file = key_path;
	}

	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	srv->ctx = SSL_CTX_new(TLS_server_method());
	if (!srv->ctx) {
		set_err(err, errlen, "cannot create the TLS context");
		goto fail;
	}
	if (configure_ctx(srv->ctx, err, errlen) ||
	    load_cert_key(srv->ctx, cert_file, key_file, err, errlen))
		goto fail;
	leaf = SSL_CTX_get0_certificate(srv->ctx);
	bits = leaf ? X509_get0_pubkey_bitstr(leaf) : NULL;
	if (!bits || ASN1_STRING_length(bits) <= 0) {
		set_err(err, errlen, "no public key in the certificate %s", cert_file);
		goto fail;
	}
	if (cssp_buf_set(&srv->pubkey, ASN1_STRING_get0_data(bits),
			 (size_t)ASN1_STRING_length(bits))) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	*out = srv;
	return 0;
fail:
	cssp_tls_server_free(srv);
	return -1;
}

void cssp_tls_server_free(struct cssp_tls_server *srv)
{
	if (!srv)
		return;
	SSL_CTX_free(srv->ctx);
	cssp_buf_free(&srv->pubkey);
	free(srv);
}

const struct cssp_buf *cssp_tls_server_public_key(const struct cssp_tls_server *srv)
{
	return srv ? &srv->pubkey : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Records and sessions
 */

long cssp_tls_record_len(const uint8_t *in, size_t len)
{
	size_t body;

	if (!in || len == 0)
		return 0;
	if (in[0] < SSL3_RT_CHANGE_CIPHER_SPEC || in[0] > SSL3_RT_APPLICATION_DATA)
		return -1;
	if (len < 2)
		return 0;
	if (in[1] != 3)
		return -1;
	if (len < TLS_HEADER_LEN)
		return 0;
	body = (size_t)in[3] << 8 | in[4];
	if (body > TLS_PAYLOAD_MAX)
		return -1;
	if (len < TLS_HEADER_LEN + body)
		return 0;
	return (long)(TLS_HEADER_LEN + body);
}

struct cssp_tls *cssp_tls_new(struct cssp_tls_server *srv)
{
	struct cssp_tls *tls;

	if (!srv || !srv->ctx || ex_index < 0)
		return NULL;
	tls = calloc(1, sizeof(*tls));
	if (!tls)
		return NULL;
	tls->ssl = SSL_new(srv->ctx);
	if (!tls->ssl)
		goto fail;
	tls->rbio = BIO_new(BIO_s_mem());
	tls->wbio = BIO_new(BIO_s_mem());
	if (!tls->rbio || !tls->wbio) {
		BIO_free(tls->rbio);
		BIO_free(tls->wbio);
		tls->rbio = tls->wbio = NULL;
		goto fail;
	}
	/* An empty read BIO means "retry later", not end of file. */
	BIO_set_mem_eof_return(tls->rbio, -1);
	SSL_set_bio(tls->ssl, tls->rbio, tls->wbio);
	if (SSL_set_ex_data(tls->ssl, ex_index, tls) != 1)
		goto fail;
	SSL_set_accept_state(tls->ssl);
	return tls;
fail:
	ERR_clear_error();
	cssp_tls_free(tls);
	return NULL;
}

void cssp_tls_free(struct cssp_tls *tls)
{
	if (!tls)
		return;
	if (tls->ssl) {
		SSL_set_ex_data(tls->ssl, ex_index, NULL);
		SSL_free(tls->ssl); /* frees the BIOs; OpenSSL wipes its own key material */
	}
	if (tls->plaintext.data)
		OPENSSL_cleanse(tls->plaintext.data, tls->plaintext_cap);
	cssp_buf_free(&tls->plaintext);
	OPENSSL_cleanse(tls, sizeof(*tls));
	free(tls);
}

static enum cssp_tls_status fail(struct cssp_tls *tls, enum cssp_tls_status st)
{
	tls->failed = true;
	ERR_clear_error();
	return st;
}

/*
 * Append decrypted bytes to the plaintext, growing its block geometrically:
 * a TSRequest sent one byte per record must not cost a copy of everything so
 * far per record (128 KiB in 1-byte records would be 8 GB of copying). The
 * engine consumes the plaintext with cssp_buf_consume(), which frees the
 * block once it is empty, or moves the rest to its start.
 */
static int plaintext_append(struct cssp_tls *tls, const uint8_t *p, size_t n)
{
	struct cssp_buf *b = &tls->plaintext;
	size_t cap;
	uint8_t *nb;

	if (n == 0)
		return 0;
	if (!b->data)
		tls->plaintext_cap = 0;
	if (n <= tls->plaintext_cap - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		return 0;
	}
	if (b->len > SIZE_MAX / 2 - n)
		return -1;
	cap = tls->plaintext_cap * 2 > b->len + n ? tls->plaintext_cap * 2 : b->len + n;
	if (cap < 4096)
		cap = 4096;
	nb = malloc(cap);
	if (!nb)
		return -1;
	if (b->len)
		memcpy(nb, b->data, b->len);
	memcpy(nb + b->len, p, n);
	if (b->data) {
		OPENSSL_cleanse(b->data, tls->plaintext_cap);
		free(b->data);
	}
	b->data = nb;
	b->len += n;
	tls->plaintext_cap = cap;
	return 0;
}

/* What a failed SSL_do_handshake()/SSL_read() means for the engine. */
static enum cssp_tls_status ssl_failure(int e)
{
	switch (e) {
	case SSL_ERROR_SSL:
	case SSL_ERROR_ZERO_RETURN: /* close_notify */
	case SSL_ERROR_SYSCALL:	    /* no system calls on memory BIOs: unexpected EOF */
		return CSSP_TLS_PROTOCOL;
	default: return CSSP_TLS_INTERNAL;
	}
}

enum cssp_tls_status cssp_tls_feed_record(struct cssp_tls *tls, const uint8_t *rec, size_t len)
{
	uint8_t buf[16384];
	enum cssp_tls_status st = CSSP_TLS_OK;
	size_t n;
	long rlen;
	int r, e;

	if (!tls)
		return CSSP_TLS_INTERNAL;
	if (tls->failed)
		return CSSP_TLS_PROTOCOL;
	if (tls->exported)
		return fail(tls, CSSP_TLS_INTERNAL);
	rlen = cssp_tls_record_len(rec, len);
	if (rlen <= 0 || (size_t)rlen != len)
		return fail(tls, CSSP_TLS_PROTOCOL);
	if (BIO_ctrl_pending(tls->rbio) != 0)
		return fail(tls, CSSP_TLS_INTERNAL);
	ERR_clear_error();
	r = BIO_write(tls->rbio, rec, (int)len);
	if (r != (int)len)
		return fail(tls, CSSP_TLS_INTERNAL);

	for (;;) {
		ERR_clear_error();
		if (!tls->handshake_done) {
			r = SSL_do_handshake(tls->ssl);
			if (r == 1) {
				tls->handshake_done = true;
				if (BIO_ctrl_pending(tls->rbio) == 0)
					break;
				continue;
			}
			e = SSL_get_error(tls->ssl, r);
			if (e != SSL_ERROR_WANT_READ)
				st = ssl_failure(e); /* the alert stays in the output */
			break;
		}
		r = SSL_read_ex(tls->ssl, buf, sizeof(buf), &n);
		if (r == 1) {
			if (plaintext_append(tls, buf, n)) {
				st = CSSP_TLS_INTERNAL;
				break;
			}
			continue;
		}
		e = SSL_get_error(tls->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			break;
		st = ssl_failure(e);
		break;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (st != CSSP_TLS_OK)
		return fail(tls, st);
	/* A renegotiation attempt or a KeyUpdate: refused. */
	if (tls->post_hs_msg || tls->seq_overflow)
		return fail(tls, CSSP_TLS_PROTOCOL);
	/* OpenSSL must have consumed the whole record, and no more than it. */
	if (BIO_ctrl_pending(tls->rbio) != 0)
		return fail(tls, CSSP_TLS_PROTOCOL);
	return CSSP_TLS_OK;
}

bool cssp_tls_handshake_done(const struct cssp_tls *tls)
{
	return tls && tls->handshake_done && !tls->failed;
}

struct cssp_buf *cssp_tls_plaintext(struct cssp_tls *tls)
{
	return tls ? &tls->plaintext : NULL;
}

enum cssp_tls_status cssp_tls_write(struct cssp_tls *tls, const uint8_t *data, size_t len)
{
	size_t written = 0;
	int r;

	if (!tls)
		return CSSP_TLS_INTERNAL;
	if (tls->failed)
		return CSSP_TLS_PROTOCOL;
	if (!tls->handshake_done || tls->exported || (len && !data))
		return CSSP_TLS_INTERNAL;
	if (len == 0)
		return CSSP_TLS_OK;
	ERR_clear_error();
	r = SSL_write_ex(tls->ssl, data, len, &written);
	if (r != 1 || written != len)
		return fail(tls, ssl_failure(SSL_get_error(tls->ssl, r)));
	return CSSP_TLS_OK;
}

/* Follow the server's records after its TLS 1.2 ChangeCipherSpec: the last explicit nonce. */
static void scan_tx(struct tx_scan *s, const uint8_t *p, size_t len)
{
	long n;

	while (len > 0 && !s->bad) {
		n = cssp_tls_record_len(p, len);
		if (n <= 0) {
			s->bad = true;
			return;
		}
		if (p[0] == SSL3_RT_CHANGE_CIPHER_SPEC) {
			s->ccs_seen = true;
			s->have_nonce = false;
		} else if (s->ccs_seen) {
			if ((size_t)n >= TLS_HEADER_LEN + GCM_EXPLICIT_LEN + AEAD_TAG_LEN) {
				memcpy(s->nonce, p + TLS_HEADER_LEN, GCM_EXPLICIT_LEN);
				s->have_nonce = true;
			} else {
				s->bad = true;
			}
		}
		p += n;
		len -= (size_t)n;
	}
}

int cssp_tls_take_output(struct cssp_tls *tls, struct cssp_buf *out)
{
	char *data = NULL;
	long n;

	if (!tls || !out)
		return -1;
	n = BIO_get_mem_data(tls->wbio, &data);
	if (n <= 0)
		return 0;
	if (cssp_buf_append(out, data, (size_t)n))
		return -1;
	scan_tx(&tls->tx_scan, (const uint8_t *)data, (size_t)n);
	if (BIO_reset(tls->wbio) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

uint16_t cssp_tls_version(const struct cssp_tls *tls)
{
	if (!tls || !tls->handshake_done)
		return 0;
	return (uint16_t)SSL_version(tls->ssl);
}

const char *cssp_tls_cipher_name(const struct cssp_tls *tls)
{
	const SSL_CIPHER *c;

	if (!tls || !tls->handshake_done)
		return NULL;
	c = SSL_get_current_cipher(tls->ssl);
	return c ? SSL_CIPHER_standard_name(c) : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Key export
 */

struct suite {
	uint16_t id; /* IANA */
	uint16_t version;
	uint16_t cipher_type;
	uint8_t key_len;
	uint8_t fixed_iv_len; /* TLS 1.2 key block IV length; 12 for TLS 1.3 */
	uint8_t md_len;	      /* TLS 1.3 traffic secret length */
	const char *digest;
};

static const struct suite suites[] = {
	{0x1301, TLS1_3_VERSION, KTLS_CIPHER_AES_GCM_128, 16, 12, 32, "SHA256"},
	{0x1302, TLS1_3_VERSION, KTLS_CIPHER_AES_GCM_256, 32, 12, 48, "SHA384"},
	{0x1303, TLS1_3_VERSION, KTLS_CIPHER_CHACHA20_POLY1305, 32, 12, 32, "SHA256"},
	{0xc02b, TLS1_2_VERSION, KTLS_CIPHER_AES_GCM_128, 16, 4, 32, "SHA256"},
	{0xc02f, TLS1_2_VERSION, KTLS_CIPHER_AES_GCM_128, 16, 4, 32, "SHA256"},
	{0xc02c, TLS1_2_VERSION, KTLS_CIPHER_AES_GCM_256, 32, 4, 48, "SHA384"},
	{0xc030, TLS1_2_VERSION, KTLS_CIPHER_AES_GCM_256, 32, 4, 48, "SHA384"},
	{0xcca9, TLS1_2_VERSION, KTLS_CIPHER_CHACHA20_POLY1305, 32, 12, 32, "SHA256"},
	{0xcca8, TLS1_2_VERSION, KTLS_CIPHER_CHACHA20_POLY1305, 32, 12, 32, "SHA256"},
};

static int kdf_derive(const char *name, OSSL_PARAM *params, uint8_t *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int ok = kctx && EVP_KDF_derive(kctx, out, outlen, params) == 1;

	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* RFC 8446 7.1 HKDF-Expand-Label(secret, label, "", outlen). */
static int hkdf_expand_label(const char *digest, const uint8_t *secret, size_t secret_len,
			     const char *label, uint8_t *out, size_t outlen)
{
	static const char prefix[] = "tls13 ";
	uint8_t info[2 + 1 + 255 + 1];
	size_t plen = sizeof(prefix) - 1, llen = strlen(label), ilen = 0;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5];
	int ret;

	if (outlen > 0xffff || plen + llen > 255)
		return -1;
	info[ilen++] = (uint8_t)(outlen >> 8);
	info[ilen++] = (uint8_t)outlen;
	info[ilen++] = (uint8_t)(plen + llen);
	memcpy(info + ilen, prefix, plen);
	ilen += plen;
	memcpy(info + ilen, label, llen);
	ilen += llen;
	info[ilen++] = 0; /* empty context */
	params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
	params[2] =
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, ilen);
	params[4] = OSSL_PARAM_construct_end();
	ret = kdf_derive("HKDF", params, out, outlen);
	return ret;
}

static void be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* One direction of a TLS 1.3 session, from its application traffic secret. */
static int export13(const struct suite *s, const uint8_t *secret, size_t secret_len, uint64_t seq,
		    struct cssp_tls_dir_keys *d)
{
	uint8_t iv[12];
	int ret = -1;

	if (secret_len != s->md_len)
		return -1;
	if (hkdf_expand_label(s->digest, secret, secret_len, "key", d->key, s->key_len) ||
	    hkdf_expand_label(s->digest, secret, secret_len, "iv", iv, sizeof(iv)))
		goto out;
	if (s->cipher_type == KTLS_CIPHER_CHACHA20_POLY1305) {
		memcpy(d->iv, iv, 12);
	} else {
		memcpy(d->salt, iv, 4);
		memcpy(d->iv, iv + 4, 8);
	}
	be64(d->rec_seq, seq);
	ret = 0;
out:
	OPENSSL_cleanse(iv, sizeof(iv));
	return ret;
}

/* Both directions of a TLS 1.2 session: the key block of RFC 5246 6.3. */
static int export12(SSL *ssl, const struct suite *s, struct cssp_tls_keys *k)
{
	static const char label[] = "key expansion";
	uint8_t master[SSL_MAX_MASTER_KEY_LENGTH];
	uint8_t seed[sizeof(label) - 1 + 2 * SSL3_RANDOM_SIZE];
	uint8_t block[2 * 32 + 2 * 12];
	size_t mlen, ll = sizeof(label) - 1, blen = 2u * s->key_len + 2u * s->fixed_iv_len;
	SSL_SESSION *sess = SSL_get_session(ssl);
	OSSL_PARAM params[4];
	const uint8_t *p = block;
	int ret = -1;

	if (!sess || blen > sizeof(block))
		return -1;
	mlen = SSL_SESSION_get_master_key(sess, master, sizeof(master));
	memcpy(seed, label, ll);
	if (mlen == 0 ||
	    SSL_get_server_random(ssl, seed + ll, SSL3_RANDOM_SIZE) != SSL3_RANDOM_SIZE ||
	    SSL_get_client_random(ssl, seed + ll + SSL3_RANDOM_SIZE, SSL3_RANDOM_SIZE) !=
		    SSL3_RANDOM_SIZE)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)s->digest, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, master, mlen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed));
	params[3] = OSSL_PARAM_construct_end();
	if (kdf_derive("TLS1-PRF", params, block, blen))
		goto out;
	/* client_write_key, server_write_key, client_write_IV, server_write_IV */
	memcpy(k->rx.key, p, s->key_len);
	p += s->key_len;
	memcpy(k->tx.key, p, s->key_len);
	p += s->key_len;
	if (s->cipher_type == KTLS_CIPHER_CHACHA20_POLY1305) {
		memcpy(k->rx.iv, p, 12);
		memcpy(k->tx.iv, p + 12, 12);
	} else {
		memcpy(k->rx.salt, p, 4);
		memcpy(k->tx.salt, p + 4, 4);
	}
	ret = 0;
out:
	OPENSSL_cleanse(master, sizeof(master));
	OPENSSL_cleanse(block, sizeof(block));
	return ret;
}

/* The next TLS 1.2 AES-GCM explicit nonce of the server: the last one used, plus one. */
static int next_tx_nonce(struct cssp_tls *tls, uint8_t out[8])
{
	struct tx_scan s = tls->tx_scan;
	char *data = NULL;
	long n = BIO_get_mem_data(tls->wbio, &data);
	int i;

	if (n > 0)
		scan_tx(&s, (const uint8_t *)data, (size_t)n);
	if (s.bad || !s.have_nonce)
		return -1;
	memcpy(out, s.nonce, 8);
	for (i = 7; i >= 0; i--)
		if (++out[i] != 0)
			break;
	return 0;
}

int cssp_tls_export_keys(struct cssp_tls *tls, struct cssp_tls_keys *out)
{
	const struct suite *s = NULL;
	const SSL_CIPHER *c;
	struct cssp_tls_keys k;
	uint16_t id;
	size_t i;
	int version;

	if (!tls || !out)
		return -1;
	if (tls->failed || !tls->handshake_done || !tls->done_cb || tls->post_hs_msg ||
	    tls->seq_overflow || !SSL_is_init_finished(tls->ssl))
		return -1;
	/* Nothing OpenSSL has read may be left unprocessed: it would be lost. */
	if (SSL_has_pending(tls->ssl) || BIO_ctrl_pending(tls->rbio) != 0)
		return -1;
	version = SSL_version(tls->ssl);
	c = SSL_get_current_cipher(tls->ssl);
	if (!c)
		return -1;
	id = SSL_CIPHER_get_protocol_id(c);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id && suites[i].version == version)
			s = &suites[i];
	if (!s)
		return -1;

	memset(&k, 0, sizeof(k));
	k.version = s->version;
	k.cipher_type = s->cipher_type;
	k.key_len = s->key_len;
	if (s->cipher_type == KTLS_CIPHER_CHACHA20_POLY1305) {
		k.salt_len = 0;
		k.iv_len = 12;
	} else {
		k.salt_len = 4;
		k.iv_len = 8;
	}
	ERR_clear_error();
	if (version == TLS1_3_VERSION) {
		if (export13(s, tls->server_secret, tls->server_secret_len, tls->wr_seq, &k.tx) ||
		    export13(s, tls->client_secret, tls->client_secret_len, tls->rd_seq, &k.rx))
			goto fail;
	} else {
		if (export12(tls->ssl, s, &k))
			goto fail;
		be64(k.tx.rec_seq, tls->wr_seq);
		be64(k.rx.rec_seq, tls->rd_seq);
		if (s->cipher_type != KTLS_CIPHER_CHACHA20_POLY1305) {
			/* rx: the explicit nonce comes with each record; tx: see the top. */
			memcpy(k.rx.iv, k.rx.rec_seq, 8);
			if (next_tx_nonce(tls, k.tx.iv))
				goto fail;
		}
	}
	*out = k;
	OPENSSL_cleanse(&k, sizeof(k));
	/* The traffic secrets are the kernel's now: no copy stays here. */
	OPENSSL_cleanse(tls->client_secret, sizeof(tls->client_secret));
	OPENSSL_cleanse(tls->server_secret, sizeof(tls->server_secret));
	tls->client_secret_len = tls->server_secret_len = 0;
	tls->exported = true;
	return 0;
fail:
	OPENSSL_cleanse(&k, sizeof(k));
	ERR_clear_error();
	return -1;
}
