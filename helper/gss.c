// SPDX-License-Identifier: GPL-2.0
/*
 * The authentication layer of the engine: one MIT GSSAPI acceptor for raw
 * NTLMSSP (gss-ntlmssp), raw Kerberos (krb5 OID, Microsoft's krb5 OID
 * 1.2.840.48018.1.2.2 or a bare AP-REQ) and SPNEGO around either. The
 * mechanism glue picks the mechanism from the first token; we only keep one
 * context handle per authentication.
 *
 * The server credential
 * ---------------------
 * One union credential with an acceptor element per mechanism, each acquired
 * with gss_acquire_cred_from()/gss_add_cred_from() and a credential store, so
 * that the keytab and the NTLM user file belong to the credential and not to
 * the process (no KRB5_KTNAME, no NTLM_USER_FILE):
 *
 *   "keytab"          MIT krb5: the acceptor keytab.
 *   "ntlmssp_keyfile" gss-ntlmssp (>= 1.0; 1.2.0 on Debian 12, checked): only
 *                     honoured for an acceptor credential whose desired name
 *                     is a host-based service name (get_creds_from_store(),
 *                     "special case to let server creds carry a keyfile").
 *                     The accept path then looks users up in that file alone
 *                     (gssntlm_accept_sec_context() passes it on as the cred
 *                     store of the user credential): no NTLM_USER_FILE, no
 *                     winbind fallback. An unknown user is ENOENT.
 *
 * Nothing is process-global, so no environment variable is set or read, and
 * two credentials with different keytabs or user files can live side by
 * side in one process.
 *
 * Names. Every mechanism imports the desired name from the same string, and
 * SPNEGO acquires its inner credentials with the one name it was given:
 *   - krb5 elements (krb5 OID and the Microsoft OID, each needs its own
 *     element: a raw token with the Microsoft OID finds no credential
 *     otherwise): host-based "TERMSRV" with no host. MIT turns that into the
 *     acceptor principal TERMSRV/""@"" (kg_acceptor_princ()), which matches
 *     any TERMSRV/<host>@<realm> key in the keytab. Acquisition fails unless
 *     the keytab holds at least one such key.
 *   - the NTLM element: host-based "@". gss-ntlmssp then takes the local host
 *     name as the server name and no SPN, so its CHALLENGE carries no
 *     MsvAvTargetName (as with the default credential, which xfreerdp was
 *     verified against). With a service name, gss-ntlmssp sends
 *     MsvAvTargetName = service/<gethostname()> and a gss-ntlmssp initiator
 *     that targets another host name fails in ntlm_process_target_info().
 *   - the SPNEGO element: "TERMSRV" when Kerberos is configured (its inner
 *     NTLM then advertises TERMSRV/<gethostname()>; Windows and winpr NTLM do
 *     not check a server's MsvAvTargetName), "@" when only NTLM is.
 *     gss_set_neg_mechs() limits SPNEGO to the configured mechanisms: its
 *     inner acquisition otherwise also gets an NTLM credential with no user
 *     file (which would fall back to NTLM_USER_FILE and winbind) and IAKERB.
 *
 * Status mapping (cssp_gss_accept)
 * --------------------------------
 * The mechanism glue renumbers minor codes: a (code, mechanism) pair keeps
 * its value only if no other pair took that value first in this process
 * (krb5, its Microsoft-OID twin and IAKERB are separate mechanisms to it),
 * and a SPNEGO failure always comes back as a made-up value (100000 + n),
 * the inner minor having been mapped once for the inner mechanism and again
 * for SPNEGO. So the mapping rests on the major status and on what the
 * client's token was (the token itself, or the mechanism token inside a
 * SPNEGO NegTokenInit/NegTokenResp):
 *   - GSS_S_DEFECTIVE_TOKEN, GSS_S_NO_CONTEXT (message out of order),
 *     GSS_S_BAD_BINDINGS, and GSS_S_BAD_MECH on a raw token (a mechanism OID
 *     nobody registered): CREDSSP_SEC_STATUS_INVALID_TOKEN.
 *   - GSS_S_BAD_MECH under SPNEGO (no mechanism in common), GSS_S_NO_CRED
 *     (a raw token of a mechanism this server has no credential for, e.g.
 *     NTLM without a user file), GSS_S_DEFECTIVE_CREDENTIAL,
 *     GSS_S_CREDENTIALS_EXPIRED: CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY.
 *   - GSS_S_BAD_SIG, GSS_S_CONTEXT_EXPIRED: CREDSSP_SEC_STATUS_LOGON_DENIED.
 *   - GSS_S_FAILURE on an NTLM AUTHENTICATE message: CREDSSP_SEC_STATUS_LOGON_DENIED
 *     (CREDSSP_SEC_STATUS_INVALID_TOKEN if one of its fields lies outside it).
 *     (gss-ntlmssp 1.2 says EINVAL for a wrong password, ENOENT for an
 *     unknown user or domain in the user file, EACCES through
 *     NTLM_USER_FILE: numbers the glue may have renumbered.)
 *   - GSS_S_FAILURE on a Kerberos AP-REQ: the krb5 error code, taken from
 *     the KRB-ERROR that MIT puts in its error token (raw, or inside the
 *     SPNEGO reject; MIT sends one when the client asked for mutual
 *     authentication, as every CredSSP client does), else from the minor
 *     status if the glue left it a krb5 code:
 *       BAD_INTEGRITY (keytab key does not decrypt the ticket), MODIFIED,
 *       REPEAT, SKEW, TKT_EXPIRED, TKT_NYV, BADMATCH, BADADDR, ILL_CR_TKT,
 *       INAPP_CKSUM: CREDSSP_SEC_STATUS_LOGON_DENIED;
 *       NOT_US (MIT's "Request ticket server ... not found in keytab"),
 *       NOKEY, BADKEYVER, WRONG_PRINC, KRB5_KT_*, and ENOENT/EACCES/EPERM
 *       (keytab file errors): CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY;
 *       BADVERSION, MSG_TYPE, an ASN.1 decoding error: CREDSSP_SEC_STATUS_INVALID_TOKEN;
 *       KRB_ERR_GENERIC in the KRB-ERROR (MIT's stand-in for any code
 *       outside the protocol's 0..127, e.g. WRONG_PRINC or a keytab error)
 *       with no krb5 minor status left to tell more:
 *       CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY.
 *     A krb5-framed token that does not even have the outline of an AP-REQ
 *     is CREDSSP_SEC_STATUS_INVALID_TOKEN (MIT reports it as GSS_S_FAILURE).
 *   - GSS_S_FAILURE from SPNEGO on a token with no mechanism token we can
 *     find (its own syntax is wrong): CREDSSP_SEC_STATUS_INVALID_TOKEN.
 *   - GSS_S_FAILURE (or a major status not listed here) on a token that is
 *     not well-formed: CREDSSP_SEC_STATUS_INVALID_TOKEN, before any of the
 *     above. Well-formed (token_well_formed()): a GSS-framed token whose
 *     [APPLICATION 0] length is exactly the bytes sent (RFC 2743 3.1; MIT
 *     checks the same and answers GSS_S_FAILURE, "Token header is malformed
 *     or corrupt"), and every DER element of a SPNEGO NegTokenInit or
 *     NegTokenResp, of the mechanism token inside it and of a Kerberos
 *     AP-REQ exactly filling its parent, lengths never past the end, and
 *     the outline of those (tags, pvno, msg-type; an AP-REQ asking for
 *     user-to-user, which needs a TGT this acceptor has not got, is not
 *     one it can take: MIT fails it without an error token and with a
 *     renumbered minor status, LOGON_DENIED or INTERNAL_ERROR by chance).
 *     The check only classifies a failure GSS already reported; it never
 *     refuses a token GSS accepts.
 *   - anything else: CREDSSP_SEC_STATUS_INTERNAL_ERROR.
 * A context that completes without GSS_C_CONF_FLAG, or anonymously, is
 * CREDSSP_SEC_STATUS_LOGON_DENIED. On a failure the error token GSS produced (SPNEGO
 * reject, KRB-ERROR) is returned in *out for the caller to send or drop.
 * *ntstatus: STATUS_LOGON_FAILURE 0xC000006D for CREDSSP_SEC_STATUS_LOGON_DENIED,
 * STATUS_INVALID_PARAMETER 0xC000000D for CREDSSP_SEC_STATUS_INVALID_TOKEN,
 * STATUS_NO_LOGON_SERVERS 0xC000005E for CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY,
 * STATUS_NO_MEMORY 0xC0000017 for CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY,
 * STATUS_INTERNAL_ERROR 0xC00000E5 otherwise, 0 on CREDSSP_SEC_STATUS_OK.
 *
 * Wrap and unwrap
 * ---------------
 * NTLM: gss-ntlmssp's gss_wrap output is signature(16) || RC4 ciphertext,
 * which is the SSPI EncryptMessage layout CredSSP uses; gss_unwrap takes it
 * back. Kerberos: gss_wrap_iov with HEADER, DATA, PADDING and no TRAILER, so
 * MIT rotates the trailer into the header and writes RRC = 16 + trailer
 * length (28 for aes*-cts-hmac-sha1-96) as Windows does; the token is
 * header || data || padding, every length from gss_wrap_iov_length() on this
 * context. gss_unwrap takes any RRC. Under SPNEGO the calls go to the SPNEGO
 * context and MIT passes them to the inner mechanism.
 *
 * cssp_gss_unwrap() requires a sealed token (conf_state 1) and a plain
 * GSS_S_COMPLETE: an integrity-only token, or one flagged duplicate, old,
 * unsequenced or with a gap, is CREDSSP_SEC_STATUS_INVALID_TOKEN (CredSSP only carries
 * encrypted pubKeyAuth and authInfo; such a token is not one, whatever its
 * checksum says). A bad checksum is CREDSSP_SEC_STATUS_INVALID_TOKEN too, an expired
 * context CREDSSP_SEC_STATUS_LOGON_DENIED. Plaintext that GSS returned is wiped before the
 * buffer is released.
 *
 * Library quirks this file works around (MIT krb5 1.20.1, gss-ntlmssp 1.2.0)
 * ----------------------------------------------------------------------------
 *   - gss-ntlmssp's gss_unwrap allocates length - 16 before it checks the
 *     length: NTLM tokens shorter than the 16-byte signature are refused
 *     here first.
 *   - gss-ntlmssp's gss_display_name counts the terminating NUL.
 *   - gss-ntlmssp loads OpenSSL's legacy provider and fetches MD4 on every
 *     NTOWFv1() and never frees them (about 6 KB): on the server that is
 *     every logon against a clear-text user-file line. Use NT-hash lines
 *     (tests/lib/ntlm-users.sh documents both formats).
 *   - MIT leaks the acceptor principal (about 80 bytes) when an acceptor
 *     acquisition with a host-based name fails. Unreadable keytab files are
 *     caught before MIT sees them; without Kerberos, SPNEGO's inner krb5
 *     gets a keytab name of no known type, which fails before that point
 *     (and keeps it off the default keytab). A keytab with no TERMSRV key
 *     still costs the leak once, on the way to a configuration error.
 */
#define _GNU_SOURCE /* memfd_create() */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <openssl/crypto.h>

#include <linux/credssp.h>

#include "gss.h"
#include "ntlm_users.h"
#include "utf16.h"

#define CSSP_GSS_SERVICE   "TERMSRV" /* host-based, no host: any TERMSRV/<host> key */
#define CSSP_GSS_NTLM_NAME "@"	     /* host-based, no service: no MsvAvTargetName */

#define NTLM_SIGNATURE_LEN 16 /* MS-NLMP 2.2.2.9: NTLMSSP_MESSAGE_SIGNATURE */
#define KRB_ERR_GENERIC	   60 /* RFC 4120 7.5.9 */

#define STATUS_LOGON_FAILURE	 0xC000006DU
#define STATUS_INVALID_PARAMETER 0xC000000DU
#define STATUS_NO_LOGON_SERVERS	 0xC000005EU
#define STATUS_NO_MEMORY	 0xC0000017U
#define STATUS_INTERNAL_ERROR	 0xC00000E5U

static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};
static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};
/* DER contents of the OIDs that introduce a Kerberos GSS token */
static const uint8_t krb5_oid_der[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t krb5_ms_oid_der[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};

/* What the last check of one credential file found, for as long as the file is the same. */
struct file_state {
	bool set;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
	int ok; /* 0 or -1 */
	char err[256];
};

struct cssp_gss_server {
	gss_cred_id_t cred;
	bool krb5, ntlm;
	char *users;	      /* the NTLM user file, or NULL */
	char *keytab;	      /* the file of a FILE keytab, or NULL */
	pthread_mutex_t lock; /* the file states and the index: workers share a server */
	struct file_state users_state, keytab_state;
	struct ntlm_users *index; /* the user file as last checked, or NULL */
	/*
	 * "Logons" below: a second credential, NTLM and SPNEGO only, whose
	 * user file is a memfd (named by its /proc/self/fd path) that holds
	 * the candidate lines of the one logon under @logon and only zeros
	 * between logons. Used only under @logon; @cred reads the real file.
	 */
	gss_cred_id_t logon_cred;
	pthread_mutex_t logon;
	int keyfd;
	off_t keysize; /* of keyfd: zeros between logons; -1 not known */
	char keyfile[32];
	unsigned long selected; /* logons that went through it */
};

/* gss-ntlmssp's credential option "default NEGOTIATE flags", new in 1.2.0 (gssapi_ntlmssp.h) */
static gss_OID_desc ntlm_neg_flags_oid = {11,
					  (void *)"\x2b\x06\x01\x04\x01\xb7\x7d\x85\x0f\x01\x05"};

enum gss_state {
	GSS_ST_NEW,	 /* no token yet */
	GSS_ST_CONTINUE, /* mid-exchange */
	GSS_ST_DONE,	 /* established */
	GSS_ST_FAILED,	 /* dead: every call fails */
};

struct cssp_gss {
	struct cssp_gss_server *srv;
	gss_ctx_id_t ctx;
	enum gss_state state;
	bool spnego;
	enum cssp_gss_mech mech;
	enum cssp_gss_mech seen; /* the mechanism of the client's tokens so far */
	char *principal;
	uint32_t lifetime;
	uint32_t flags;
	char claimed[CSSP_GSS_CLAIMED_MAX]; /* NTLM: the name in the AUTHENTICATE message */
	int ntlm_unicode; /* NTLM: the CHALLENGE's NEGOTIATE_UNICODE flag; -1 not seen */
};

/* ---- errors ---- */

/* Append the display text of @code, a GSS_C_GSS_CODE or GSS_C_MECH_CODE @type, to @err. */
static void append_status(char *err, size_t errlen, OM_uint32 code, int type)
{
	OM_uint32 min, msg_ctx = 0;
	gss_buffer_desc text;
	size_t used;

	do {
		if (GSS_ERROR(gss_display_status(&min, code, type, GSS_C_NO_OID, &msg_ctx, &text)))
			return;
		used = strlen(err);
		if (used < errlen)
			snprintf(err + used, errlen - used, "%s%.*s", used ? ": " : "",
				 (int)text.length, (const char *)text.value);
		gss_release_buffer(&min, &text);
	} while (msg_ctx);
}

/* The minor status is a glue code: the glue finds its mechanism. */
static void set_err(char *err, size_t errlen, const char *what, OM_uint32 maj, OM_uint32 min)
{
	snprintf(err, errlen, "%s", what);
	append_status(err, errlen, maj, GSS_C_GSS_CODE);
	if (min)
		append_status(err, errlen, min, GSS_C_MECH_CODE);
}

static uint32_t ntstatus_of(uint32_t status)
{
	switch (status) {
	case CREDSSP_SEC_STATUS_OK: return 0;
	case CREDSSP_SEC_STATUS_LOGON_DENIED: return STATUS_LOGON_FAILURE;
	case CREDSSP_SEC_STATUS_INVALID_TOKEN: return STATUS_INVALID_PARAMETER;
	case CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY: return STATUS_NO_LOGON_SERVERS;
	case CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY: return STATUS_NO_MEMORY;
	default: return STATUS_INTERNAL_ERROR;
	}
}

/* ---- the server credential ---- */

#define NO_KEYTAB "KCREDSSP-NO-KERBEROS:" /* a keytab type MIT does not know */

/* The file behind a FILE keytab name (MIT: "FILE:path", "WRFILE:path" or a path), else NULL. */
static const char *keytab_file(const char *name)
{
	if (!strncmp(name, "FILE:", 5))
		return name + 5;
	if (!strncmp(name, "WRFILE:", 7))
		return name + 7;
	if (name[0] == '/' || !strchr(name, ':'))
		return name;
	return NULL;
}

/* ---- credential files: fail closed, say why ---- */

/*
 * The NTLM user file (helper/ntlm_users.c checks it, more strictly than
 * gss-ntlmssp reads it): a good one replaces the index logons choose from.
 */
static int check_user_file(struct cssp_gss_server *srv, int fd, const char *path, char *err,
			   size_t errlen)
{
	struct ntlm_users *index = NULL;
	int ret = ntlm_users_load(fd, path, &index, err, errlen);

	ntlm_users_free(srv->index); /* a bad file keeps no passwords in memory */
	srv->index = index;
	return ret;
}

/* A FILE keytab: not empty, and MIT's format (0x05, version 1 or 2). */
static int check_keytab(struct cssp_gss_server *srv, int fd, const char *path, char *err,
			size_t errlen)
{
	uint8_t magic[2];
	ssize_t n = read(fd, magic, sizeof(magic));

	(void)srv;
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot read the keytab %s: %s", path, strerror(errno));
		return -1;
	}
	if (n == 0) {
		snprintf(err, errlen, "the keytab %s is empty", path);
		return -1;
	}
	if (n < 2 || magic[0] != 0x05 || (magic[1] != 0x01 && magic[1] != 0x02)) {
		snprintf(err, errlen, "the keytab %s is malformed (not an MIT keytab file)", path);
		return -1;
	}
	return 0;
}

/* Whether @sb is the file @st was taken from, unchanged. */
static bool same_file(const struct file_state *st, const struct stat *sb)
{
	return st->set && st->dev == sb->st_dev && st->ino == sb->st_ino &&
	       st->size == sb->st_size && st->mtim.tv_sec == sb->st_mtim.tv_sec &&
	       st->mtim.tv_nsec == sb->st_mtim.tv_nsec && st->ctim.tv_sec == sb->st_ctim.tv_sec &&
	       st->ctim.tv_nsec == sb->st_ctim.tv_nsec;
}

/*
 * stat() of @path with what it shows fresh from a network file system's
 * server, as open() would revalidate it (NFS may answer stat() from
 * attributes cached for up to a minute): the fields same_file() compares.
 */
static int stat_sync(const char *path, struct stat *sb)
{
	struct statx x;

	if (statx(AT_FDCWD, path, AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &x))
		return -1;
	memset(sb, 0, sizeof(*sb));
	sb->st_dev = makedev(x.stx_dev_major, x.stx_dev_minor);
	sb->st_ino = x.stx_ino;
	sb->st_mode = x.stx_mode;
	sb->st_size = (off_t)x.stx_size;
	sb->st_mtim = (struct timespec){x.stx_mtime.tv_sec, x.stx_mtime.tv_nsec};
	sb->st_ctim = (struct timespec){x.stx_ctime.tv_sec, x.stx_ctime.tv_nsec};
	return 0;
}

/*
 * Check @path with @check, unless it is the file that was checked last time
 * (same inode, size, mtime and ctime): then the result of that check.
 * Every accept asks, so the unchanged file costs one stat_sync(); only a changed
 * one is opened (without following a FIFO into a blocking open) and
 * checked through its descriptor, whose own identity is what is recorded.
 * @check returns 0, -1 (the file is bad) or -2 (out of memory: not cached).
 * Called under srv->lock.
 */
static int check_file(struct cssp_gss_server *srv, struct file_state *st, const char *path,
		      int (*check)(struct cssp_gss_server *srv, int fd, const char *path, char *err,
				   size_t errlen),
		      const char *what, char *err, size_t errlen)
{
	struct stat sb;
	int fd, rc;

	if (st->set && !stat_sync(path, &sb) && same_file(st, &sb)) {
		snprintf(err, errlen, "%s", st->err);
		return st->ok;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &sb)) {
		snprintf(err, errlen, "cannot read %s %s: %s", what, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		st->set = false;
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s %s is not a regular file", what, path);
		close(fd);
		st->set = false;
		return -1;
	}
	if (same_file(st, &sb)) {
		close(fd);
		snprintf(err, errlen, "%s", st->err);
		return st->ok;
	}
	st->err[0] = '\0';
	rc = check(srv, fd, path, st->err, sizeof(st->err)); /* closes fd */
	st->ok = rc ? -1 : 0;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtim = sb.st_mtim;
	st->ctim = sb.st_ctim;
	st->set = rc != -2; /* out of memory: not the file's fault, check it again */
	snprintf(err, errlen, "%s", st->err);
	return st->ok;
}

int cssp_gss_server_check(struct cssp_gss_server *srv, char *err, size_t errlen)
{
	char dummy[1];
	int ret = 0;

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (!srv)
		return -1;
	pthread_mutex_lock(&srv->lock);
	if (srv->users) {
		ret = check_file(srv, &srv->users_state, srv->users, check_user_file,
				 "the NTLM user file", err, errlen);
		if (ret) {
			ntlm_users_free(srv->index);
			srv->index = NULL;
		}
	}
	if (!ret && srv->keytab)
		ret = check_file(srv, &srv->keytab_state, srv->keytab, check_keytab, "the keytab",
				 err, errlen);
	pthread_mutex_unlock(&srv->lock);
	return ret;
}

unsigned long cssp_gss_server_indexed(struct cssp_gss_server *srv)
{
	unsigned long n;

	if (!srv)
		return 0;
	pthread_mutex_lock(&srv->logon);
	n = srv->selected;
	pthread_mutex_unlock(&srv->logon);
	return n;
}

static bool import_service(const char *str, gss_name_t *name)
{
	gss_buffer_desc buf = {strlen(str), (void *)str};
	OM_uint32 min;

	return !GSS_ERROR(gss_import_name(&min, &buf, GSS_C_NT_HOSTBASED_SERVICE, name));
}

/* Add an acceptor element for @mech, named @name_str, to srv->cred. */
static int add_element(gss_cred_id_t *cred, const char *name_str, gss_OID mech,
		       gss_const_key_value_set_t store, const char *what, char *err, size_t errlen)
{
	gss_OID_set_desc mechs = {1, mech};
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 maj, min, tmp;

	if (!import_service(name_str, &name)) {
		snprintf(err, errlen, "cannot import the acceptor name \"%s\"", name_str);
		return -1;
	}
	if (*cred == GSS_C_NO_CREDENTIAL)
		maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT,
					    store, cred, NULL, NULL);
	else /* output_cred_handle NULL: add to the input credential in place */
		maj = gss_add_cred_from(&min, *cred, name, mech, GSS_C_ACCEPT, GSS_C_INDEFINITE,
					GSS_C_INDEFINITE, store, NULL, NULL, NULL, NULL);
	gss_release_name(&tmp, &name);
	if (GSS_ERROR(maj)) {
		set_err(err, errlen, what, maj, min);
		return -1;
	}
	return 0;
}

/*
 * gss-ntlmssp before 1.2.0 has CVE-2023-25563..25567 (out-of-bounds reads,
 * a bad free and memory corruption decoding the client's messages). It has
 * no version to ask for, at build or at run time; but 1.2.0 is the first
 * release with gss_set_cred_option() (gssspi_set_cred_option, and the
 * GSS_NTLMSSP_NEG_FLAGS option), so the mechanism that MIT's glue really
 * loaded (from /etc/gss/mech.d, or GSS_MECH_CONFIG) is asked to reset a
 * throwaway acceptor credential's default flags, which only initiators use:
 * GSS_S_COMPLETE from 1.2.0 on, GSS_S_UNAVAILABLE before. A distribution's
 * 1.1 with the fixes backported is refused as well: fail closed.
 */
static int ntlm_mech_current(gss_const_key_value_set_t store, char *err, size_t errlen)
{
	gss_OID_set_desc mechs = {1, &ntlm_oid};
	gss_buffer_desc defaults = {0, NULL}; /* empty: "the library's defaults" */
	gss_cred_id_t probe = GSS_C_NO_CREDENTIAL;
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 maj, min;

	if (!import_service(CSSP_GSS_NTLM_NAME, &name)) {
		snprintf(err, errlen, "cannot import the acceptor name \"%s\"", CSSP_GSS_NTLM_NAME);
		return -1;
	}
	maj = gss_acquire_cred_from(&min, name, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, store,
				    &probe, NULL, NULL);
	gss_release_name(&min, &name);
	if (GSS_ERROR(maj)) {
		set_err(err, errlen, "NTLM acceptor credential", maj, min);
		return -1;
	}
	maj = gss_set_cred_option(&min, &probe, &ntlm_neg_flags_oid, &defaults);
	gss_release_cred(&min, &probe);
	if (maj != GSS_S_COMPLETE) {
		snprintf(err, errlen,
			 "gss-ntlmssp is older than 1.2.0 (it has no gss_set_cred_option, new in "
			 "1.2.0) and has CVE-2023-25563..25567: NTLM refused; install gss-ntlmssp "
			 "1.2.0 or later, or configure no NTLM user file");
		return -1;
	}
	return 0;
}

/*
 * Logons. gss-ntlmssp reads the user file named in the credential at every
 * AUTHENTICATE message, all of it (ntlm_users.h: 297 ms of CPU a logon with
 * 100 000 users), and it takes that credential from the call that hands it
 * the message (gssntlm_accept_sec_context(); SPNEGO passes its inner one
 * on the same way). So a second credential, srv->logon_cred, names a memfd
 * as its user file, by the path that reopens it (/proc/self/fd/N: a process
 * may always open its own, also once it is not dumpable). For an
 * AUTHENTICATE message read alike by us and by MIT, naming a plain user,
 * cssp_gss_accept() writes that user's candidate lines into the memfd,
 * hands gss-ntlmssp the message with srv->logon_cred, then overwrites it
 * with zeros, all under srv->logon; every other message goes with
 * srv->cred, which reads the real file (as gss-ntlmssp alone would).
 */
static int logon_file_new(struct cssp_gss_server *srv, char *err, size_t errlen)
{
	int fd;

	srv->keyfd = memfd_create("credssp-ntlm-users", MFD_CLOEXEC);
	if (srv->keyfd < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	srv->keysize = 0;
	snprintf(srv->keyfile, sizeof(srv->keyfile), "/proc/self/fd/%d", srv->keyfd);
	fd = open(srv->keyfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot reopen a memfd as %s (is /proc mounted?): %s",
			 srv->keyfile, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * One union credential: Kerberos elements if @keytab, the NTLM element (user
 * file @users) if NTLM is configured, and SPNEGO's, limited to those
 * mechanisms. SPNEGO's name is the same whichever @keytab: its inner NTLM
 * names the server after it.
 */
static int acquire(struct cssp_gss_server *srv, const char *keytab, const char *users,
		   gss_cred_id_t *cred, char *err, size_t errlen)
{
	gss_key_value_element_desc elements[2];
	gss_key_value_set_desc store = {0, elements};
	gss_OID_desc neg[2];
	gss_OID_set_desc neg_set = {0, neg};
	OM_uint32 maj, min;

	/*
	 * Without Kerberos, SPNEGO's inner krb5 acquisition gets a keytab name
	 * of no known type: it fails at once instead of reading the default
	 * keytab (and MIT 1.20 leaks on a later failure).
	 */
	elements[store.count++] =
		(gss_key_value_element_desc){"keytab", keytab ? keytab : NO_KEYTAB};
	if (srv->ntlm)
		elements[store.count++] = (gss_key_value_element_desc){"ntlmssp_keyfile", users};
	if (keytab) {
		if (add_element(cred, CSSP_GSS_SERVICE, gss_mech_krb5, &store,
				"Kerberos acceptor credential (keytab with TERMSRV/<host> keys)",
				err, errlen) ||
		    add_element(cred, CSSP_GSS_SERVICE, gss_mech_krb5_wrong, &store,
				"Kerberos acceptor credential (Microsoft OID)", err, errlen))
			return -1;
		neg[neg_set.count++] = *gss_mech_krb5;
	}
	if (srv->ntlm) {
		if (add_element(cred, CSSP_GSS_NTLM_NAME, &ntlm_oid, &store,
				"NTLM acceptor credential (is gss-ntlmssp registered in "
				"/etc/gss/mech.d?)",
				err, errlen) ||
		    ntlm_mech_current(&store, err, errlen))
			return -1;
		neg[neg_set.count++] = ntlm_oid;
	}
	if (add_element(cred, srv->krb5 ? CSSP_GSS_SERVICE : CSSP_GSS_NTLM_NAME, &spnego_oid,
			&store, "SPNEGO acceptor credential", err, errlen))
		return -1;
	maj = gss_set_neg_mechs(&min, *cred, &neg_set);
	if (GSS_ERROR(maj)) {
		set_err(err, errlen, "SPNEGO mechanism list", maj, min);
		return -1;
	}
	return 0;
}

int cssp_gss_server_new(const struct cssp_gss_config *cfg, struct cssp_gss_server **out, char *err,
			size_t errlen)
{
	struct cssp_gss_server *srv;
	char dummy[1];

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (!out)
		return -1;
	*out = NULL;
	if (!cfg || (!cfg->keytab && !cfg->ntlm_user_file)) {
		snprintf(err, errlen,
			 "no authentication mechanism: neither a keytab nor an NTLM "
			 "user file is configured");
		return -1;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->logon, NULL);
	srv->keyfd = -1;
	srv->cred = GSS_C_NO_CREDENTIAL;
	srv->logon_cred = GSS_C_NO_CREDENTIAL;
	srv->krb5 = cfg->keytab != NULL;
	srv->ntlm = cfg->ntlm_user_file != NULL;
	if ((srv->ntlm && !(srv->users = strdup(cfg->ntlm_user_file))) ||
	    (srv->krb5 && keytab_file(cfg->keytab) &&
	     !(srv->keytab = strdup(keytab_file(cfg->keytab))))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/*
	 * gss-ntlmssp opens the user file only when a user logs on (and then an
	 * unreadable file looks like an unknown user): check it now, and again
	 * before every logon (cssp_gss_accept()). A keytab file too, for a
	 * clear message (MIT would say "No key table entry found", and MIT 1.20
	 * leaks the acceptor principal on that path).
	 */
	if (cssp_gss_server_check(srv, err, errlen))
		goto fail;
	if (acquire(srv, cfg->keytab, cfg->ntlm_user_file, &srv->cred, err, errlen) ||
	    (srv->ntlm && (logon_file_new(srv, err, errlen) ||
			   acquire(srv, NULL, srv->keyfile, &srv->logon_cred, err, errlen))))
		goto fail;
	*out = srv;
	return 0;

fail:
	cssp_gss_server_free(srv);
	return -1;
}

void cssp_gss_server_free(struct cssp_gss_server *srv)
{
	OM_uint32 min;

	if (!srv)
		return;
	if (srv->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&min, &srv->cred);
	if (srv->logon_cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&min, &srv->logon_cred);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->logon);
	if (srv->keyfd >= 0)
		close(srv->keyfd);
	ntlm_users_free(srv->index);
	free(srv->users);
	free(srv->keytab);
	free(srv);
}

/* ---- contexts ---- */

struct cssp_gss *cssp_gss_new(struct cssp_gss_server *srv)
{
	struct cssp_gss *g;

	if (!srv)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->srv = srv;
	g->ctx = GSS_C_NO_CONTEXT;
	g->state = GSS_ST_NEW;
	g->ntlm_unicode = -1;
	return g;
}

static void drop_context(struct cssp_gss *g)
{
	OM_uint32 min;

	if (g->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &g->ctx, GSS_C_NO_BUFFER);
	g->ctx = GSS_C_NO_CONTEXT;
}

void cssp_gss_free(struct cssp_gss *g)
{
	if (!g)
		return;
	drop_context(g);
	free(g->principal);
	free(g);
}

/* ---- just enough DER to look inside SPNEGO and KRB-ERROR tokens ---- */

struct der {
	const uint8_t *p;
	size_t len;
};

/* Take one element (low tag number, definite length) off the front of @in. */
static bool der_next(struct der *in, uint8_t *tag, struct der *content)
{
	size_t hdr = 2, len, n, i;

	if (in->len < 2 || (in->p[0] & 0x1f) == 0x1f)
		return false;
	*tag = in->p[0];
	len = in->p[1];
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > 4 || in->len < 2 + n)
			return false;
		for (len = 0, i = 0; i < n; i++)
			len = len << 8 | in->p[2 + i];
		hdr += n;
	}
	if (len > in->len - hdr)
		return false;
	content->p = in->p + hdr;
	content->len = len;
	in->p += hdr + len;
	in->len -= hdr + len;
	return true;
}

/* In a SEQUENCE's contents, find the context-specific [n] element. */
static bool der_field(struct der seq, uint8_t n, struct der *content)
{
	uint8_t tag;

	while (seq.len)
		if (!der_next(&seq, &tag, content))
			return false;
		else if (tag == (0xa0 | n))
			return true;
	return false;
}

static bool oid_is(struct der oid, const uint8_t *der, size_t len)
{
	return oid.len == len && !memcmp(oid.p, der, len);
}

/*
 * A GSS initial context token (RFC 2743 3.1): [APPLICATION 0] { OID, ... }.
 * @oid gets the mechanism OID and @rest what follows it.
 */
static bool gss_framed(const uint8_t *tok, size_t len, struct der *oid, struct der *rest)
{
	struct der in = {tok, len};
	uint8_t tag;

	if (!der_next(&in, &tag, rest) || tag != 0x60 || !der_next(rest, &tag, oid) || tag != 0x06)
		return false;
	return true;
}

static bool is_spnego_init(const uint8_t *tok, size_t len)
{
	struct der oid, rest;

	return gss_framed(tok, len, &oid, &rest) &&
	       oid_is(oid, spnego_oid.elements, spnego_oid.length);
}

/*
 * The mechanism token inside a SPNEGO token: NegTokenInit's mechToken [2]
 * after the GSS framing, or NegTokenResp's responseToken [2].
 */
static bool spnego_inner(const uint8_t *tok, size_t len, struct der *inner)
{
	struct der in = {tok, len}, oid, rest, c, seq, f;
	uint8_t tag;

	if (gss_framed(tok, len, &oid, &rest)) {
		if (!der_next(&rest, &tag, &c) || tag != 0xa0)
			return false;
	} else if (!der_next(&in, &tag, &c) || tag != 0xa1) {
		return false;
	}
	if (!der_next(&c, &tag, &seq) || tag != 0x30 || !der_field(seq, 2, &f))
		return false;
	return der_next(&f, &tag, inner) && tag == 0x04;
}

enum inner_kind {
	INNER_NONE, /* no mechanism token, or a SPNEGO token we cannot parse */
	INNER_UNKNOWN,
	INNER_NTLM_NEGOTIATE,
	INNER_NTLM_AUTHENTICATE,
	INNER_NTLM_OTHER,
	INNER_KRB5,	      /* an AP-REQ that has the right shape */
	INNER_KRB5_MALFORMED, /* krb5 framing around something that is not an AP-REQ */
};

/*
 * The outline of an AP-REQ (RFC 4120 5.5.1), after the GSS framing and
 * TOK_ID 01 00 (RFC 4121 4.1) if any: [APPLICATION 14] SEQUENCE { [0] pvno,
 * [1] msg-type, [2] ap-options, [3] ticket, [4] authenticator }. MIT reports
 * an undecodable AP-REQ as GSS_S_FAILURE with an ASN.1 minor status, which
 * the mechanism glue may have renumbered: this tells it from a keytab or
 * ticket problem.
 */
static bool ap_req_shaped(struct der t, bool framed)
{
	struct der oid, rest, app, seq, f;
	uint8_t tag, n;

	if (framed) {
		if (!gss_framed(t.p, t.len, &oid, &rest) || rest.len < 2 || rest.p[0] != 0x01 ||
		    rest.p[1] != 0x00)
			return false;
		t.p = rest.p + 2;
		t.len = rest.len - 2;
	}
	if (!der_next(&t, &tag, &app) || tag != 0x6e || !der_next(&app, &tag, &seq) || tag != 0x30)
		return false;
	for (n = 0; n <= 4; n++)
		if (!der_next(&seq, &tag, &f) || tag != (0xa0 | n))
			return false;
	return true;
}

/* ---- NTLM messages: their outline, and whom the client names ---- */

#define NTLM_NEGOTIATE_UNICODE 0x00000001U /* MS-NLMP 2.2.2.5 flag A */
#define NTLM_AUTHENTICATE_MIN  64	   /* up to NegotiateFlags, without Version and MIC */
#define NTLM_NAME_MAX	       1024	   /* gss-ntlmssp refuses a longer DOMAIN\user */

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The payload of the field whose descriptor (MS-NLMP 2.2.1: Len, MaxLen,
 * BufferOffset) is at @at in message @t: false if it is not inside @t.
 */
static bool ntlm_field(struct der t, size_t at, struct der *f)
{
	size_t len, off;

	if (t.len < at + 8)
		return false;
	len = t.p[at] | t.p[at + 1] << 8;
	off = le32(t.p + at + 4);
	if (len && (off > t.len || len > t.len - off))
		return false;
	f->p = len ? t.p + off : t.p;
	f->len = len;
	return true;
}

/*
 * An AUTHENTICATE message (MS-NLMP 2.2.1.3) whose six fields (LM and NT
 * responses, domain, user, workstation, session key) lie inside it.
 */
static bool ntlm_authenticate_shaped(struct der t)
{
	struct der f;
	size_t at;

	if (t.len < NTLM_AUTHENTICATE_MIN)
		return false;
	for (at = 12; at <= 52; at += 8)
		if (!ntlm_field(t, at, &f))
			return false;
	return true;
}

/*
 * A name from the client for the log: UTF-16LE (or OEM: ASCII) to UTF-8,
 * with control characters, '"' and '\\' (and outside ASCII for OEM) as '?'.
 * Empty when it does not convert or fit.
 */
static void log_safe_name(struct der f, bool unicode, char *out, size_t outlen)
{
	size_t i, n;

	out[0] = '\0';
	if (unicode) {
		if (cssp_utf16le_to_utf8(f.p, f.len, out, outlen) < 0)
			out[0] = '\0';
		n = strlen(out);
	} else {
		n = f.len < outlen ? f.len : 0;
		memcpy(out, f.p, n);
		out[n] = '\0';
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || (!unicode && c >= 0x80))
			out[i] = '?';
	}
}

/* Remember "DOMAIN\\user" (or "user") of an AUTHENTICATE message, for the log. */
static void ntlm_claimed_name(struct cssp_gss *g, struct der t)
{
	char dom[CSSP_GSS_CLAIMED_MAX / 2], user[CSSP_GSS_CLAIMED_MAX / 2];
	struct der d, u;
	bool unicode;

	if (!ntlm_authenticate_shaped(t) || !ntlm_field(t, 28, &d) || !ntlm_field(t, 36, &u))
		return;
	unicode = le32(t.p + 60) & NTLM_NEGOTIATE_UNICODE;
	log_safe_name(d, unicode, dom, sizeof(dom));
	log_safe_name(u, unicode, user, sizeof(user));
	if (user[0])
		snprintf(g->claimed, sizeof(g->claimed), "%s%s%s", dom, dom[0] ? "\\" : "", user);
}

/*
 * The negotiated NEGOTIATE_UNICODE flag, from the CHALLENGE message
 * (MS-NLMP 2.2.1.2: NegotiateFlags at 20) the server just answered with,
 * raw or as SPNEGO's responseToken: gss-ntlmssp decodes the AUTHENTICATE
 * message's names with it, not with the flags the message carries.
 */
static void ntlm_note_challenge(struct cssp_gss *g, const gss_buffer_desc *tok)
{
	struct der t = {tok->value, tok->length};

	if (g->spnego && !spnego_inner(tok->value, tok->length, &t))
		return;
	if (t.len >= 24 && !memcmp(t.p, "NTLMSSP\0", 8) && le32(t.p + 8) == 2)
		g->ntlm_unicode = !!(le32(t.p + 20) & NTLM_NEGOTIATE_UNICODE);
}

/* A name field of an AUTHENTICATE message decoded as gss-ntlmssp does; false if it cannot be. */
static bool ntlm_decode_name(struct der f, bool unicode, char *out, size_t outlen)
{
	if (unicode)
		return cssp_utf16le_to_utf8(f.p, f.len, out, outlen) >= 0;
	if (f.len >= outlen || memchr(f.p, '\0', f.len))
		return false;
	memcpy(out, f.p, f.len);
	out[f.len] = '\0';
	return true;
}

/*
 * The user name gss-ntlmssp will look up for this AUTHENTICATE message. It
 * decodes the domain and user fields with the negotiated flags and imports
 * "DOMAIN\\user", which parse_user_name() splits again: at that '\\' when
 * DOMAIN holds neither '\\' nor '@' and the user no '\\' (an enterprise name
 * "user@dns" then stays whole, unless it starts with '@'). False when any
 * of that is in doubt, or the name is not plain ASCII: the logon then goes
 * through the credential that reads the whole file.
 */
static bool ntlm_lookup_name(const struct cssp_gss *g, struct der t, char *user, size_t userlen)
{
	char dom[NTLM_NAME_MAX];
	struct der d, u;

	if (g->ntlm_unicode < 0 || !ntlm_authenticate_shaped(t) || !ntlm_field(t, 28, &d) ||
	    !ntlm_field(t, 36, &u) || !ntlm_decode_name(d, g->ntlm_unicode, dom, sizeof(dom)) ||
	    !ntlm_decode_name(u, g->ntlm_unicode, user, userlen))
		return false;
	return !strpbrk(dom, "@\\") && !strchr(user, '\\') && user[0] != '@' &&
	       ntlm_users_name_ok(user);
}

/*
 * The memfd overwritten with zeros. It keeps its size, and so its page:
 * emptying it freed the page and the next logon's write allocated and
 * cleared a new one (bench_engine: 2 of the 5 system calls a logon made
 * here, and the costliest). Only when its size is not known (a write
 * failed) is it read back and emptied.
 */
static void logon_clear(struct cssp_gss_server *srv)
{
	static const char zero[4096];
	struct stat sb;
	off_t off, len = srv->keysize;
	size_t n;

	if (len < 0 && !fstat(srv->keyfd, &sb))
		len = sb.st_size;
	for (off = 0; off < len; off += (off_t)n) {
		n = (size_t)(len - off) < sizeof(zero) ? (size_t)(len - off) : sizeof(zero);
		if (pwrite(srv->keyfd, zero, n, off) != (ssize_t)n) {
			srv->keysize = -1;
			break;
		}
	}
	if (srv->keysize < 0)
		srv->keysize = ftruncate(srv->keyfd, 0) ? -1 : 0;
}

/*
 * Before gss_accept_sec_context() with srv->logon_cred: srv->logon taken
 * (until logon_end()), the candidate lines for @user in the memfd.
 */
static int logon_begin(struct cssp_gss_server *srv, const char *user)
{
	long n = -1;

	pthread_mutex_lock(&srv->logon);
	pthread_mutex_lock(&srv->lock);
	if (srv->index)
		n = ntlm_users_select(srv->index, user, srv->keyfd, &srv->keysize);
	pthread_mutex_unlock(&srv->lock);
	if (n < 0) {
		logon_clear(srv);
		pthread_mutex_unlock(&srv->logon);
		return -1;
	}
	srv->selected++;
	return 0;
}

static void logon_end(struct cssp_gss_server *srv)
{
	logon_clear(srv);
	pthread_mutex_unlock(&srv->logon);
}

/*
 * Whether the established principal ("DOMAIN\\user" or "user") names @user,
 * the name whose lines gss-ntlmssp was given: the two parsers agreed.
 */
static bool principal_is(const char *principal, const char *user)
{
	const char *bs = strrchr(principal, '\\');

	return !strcasecmp(bs ? bs + 1 : principal, user);
}

/* The mechanism a token kind belongs to, for statistics. */
static enum cssp_gss_mech kind_mech(enum inner_kind kind)
{
	switch (kind) {
	case INNER_NTLM_NEGOTIATE:
	case INNER_NTLM_AUTHENTICATE:
	case INNER_NTLM_OTHER: return CSSP_MECH_NTLM;
	case INNER_KRB5:
	case INNER_KRB5_MALFORMED: return CSSP_MECH_KERBEROS;
	default: return CSSP_MECH_NONE;
	}
}

static enum inner_kind inner_kind(struct der t)
{
	struct der oid, rest;

	if (t.len >= 12 && !memcmp(t.p, "NTLMSSP\0", 8)) {
		uint32_t type = t.p[8] | t.p[9] << 8 | t.p[10] << 16 | (uint32_t)t.p[11] << 24;

		return type == 1   ? INNER_NTLM_NEGOTIATE
		       : type == 3 ? INNER_NTLM_AUTHENTICATE
				   : INNER_NTLM_OTHER;
	}
	if (t.len && t.p[0] == 0x6e) /* bare AP-REQ */
		return ap_req_shaped(t, false) ? INNER_KRB5 : INNER_KRB5_MALFORMED;
	if (gss_framed(t.p, t.len, &oid, &rest) &&
	    (oid_is(oid, krb5_oid_der, sizeof(krb5_oid_der)) ||
	     oid_is(oid, krb5_ms_oid_der, sizeof(krb5_ms_oid_der))))
		return ap_req_shaped(t, true) ? INNER_KRB5 : INNER_KRB5_MALFORMED;
	return t.len ? INNER_UNKNOWN : INNER_NONE;
}

/*
 * The error-code of the KRB-ERROR in a Kerberos error token (RFC 4121 4.1:
 * GSS framing, TOK_ID 03 00, KRB-ERROR), raw or as a SPNEGO responseToken.
 */
static bool krb_error_code(const uint8_t *tok, size_t len, int32_t *code)
{
	struct der t = {tok, len}, oid, rest, kerr, seq, f, i;
	uint8_t tag;
	int32_t v;
	size_t k;

	if (len && tok[0] == 0xa1 && !spnego_inner(tok, len, &t))
		return false;
	if (!gss_framed(t.p, t.len, &oid, &rest) || rest.len < 2 || rest.p[0] != 0x03 ||
	    rest.p[1] != 0x00)
		return false;
	rest.p += 2;
	rest.len -= 2;
	if (!der_next(&rest, &tag, &kerr) || tag != 0x7e || !der_next(&kerr, &tag, &seq) ||
	    tag != 0x30 || !der_field(seq, 6, &f) || !der_next(&f, &tag, &i) || tag != 0x02 ||
	    i.len < 1 || i.len > 4)
		return false;
	v = (int8_t)i.p[0];
	for (k = 1; k < i.len; k++)
		v = (int32_t)((uint32_t)v << 8 | i.p[k]);
	*code = v;
	return true;
}

/*
 * Strict DER: @t is a run of definite-length elements, each exactly inside
 * @t, and the contents of every constructed element are such a run too.
 */
#define DER_DEPTH_MAX 32

static bool der_strict(struct der t, unsigned int depth)
{
	struct der c;
	uint8_t tag;

	if (depth > DER_DEPTH_MAX)
		return false;
	while (t.len)
		if (!der_next(&t, &tag, &c) || ((tag & 0x20) && !der_strict(c, depth + 1)))
			return false;
	return true;
}

/* @in is exactly one element, of tag @want; its contents in *@c. */
static bool der_only(struct der in, uint8_t want, struct der *c)
{
	uint8_t tag;

	return der_next(&in, &tag, c) && tag == want && !in.len;
}

/*
 * The contents of a SEQUENCE of optional context-tagged fields [0]..[n-1],
 * in increasing order, field [k] being exactly one element of tag @tags[k]
 * (0: any tag). The contents of the fields found go to @f (if set).
 */
static bool der_fields(struct der seq, const uint8_t *tags, uint8_t n, struct der *f)
{
	int last = -1;
	struct der c, v;
	uint8_t tag, k;

	while (seq.len) {
		if (!der_next(&seq, &tag, &c) || (tag & 0xe0) != 0xa0)
			return false;
		k = tag & 0x1f;
		if ((int)k <= last || k >= n)
			return false;
		last = k;
		if (!der_next(&c, &tag, &v) || c.len || (tags[k] && tag != tags[k]))
			return false;
		if (f)
			f[k] = v;
	}
	return true;
}

/* EncryptedData (RFC 4120 5.2.9): { [0] etype INTEGER, [1] kvno INTEGER OPTIONAL, [2] cipher } */
static bool enc_data_schema(struct der seq)
{
	static const uint8_t tags[] = {0x02, 0x02, 0x04};
	struct der f[3] = {{0}};

	return der_fields(seq, tags, 3, f) && f[0].p && f[2].p;
}

/*
 * The schema of an AP-REQ (RFC 4120 5.5.1) down to its encrypted parts, as
 * this acceptor can take it (no user-to-user).
 */
static bool ap_req_schema(struct der in)
{
	static const uint8_t ap_tags[] = {0x02, 0x02, 0x03, 0x61, 0x30};
	static const uint8_t tkt_tags[] = {0x02, 0x1b, 0x30, 0x30};
	struct der app, seq, f[5] = {{0}}, t[4] = {{0}}, tseq;

	if (!der_only(in, 0x6e, &app) || !der_only(app, 0x30, &seq) ||
	    !der_fields(seq, ap_tags, 5, f))
		return false;
	for (size_t k = 0; k < 5; k++)
		if (!f[k].p)
			return false;
	/* pvno 5, msg-type 14 (KRB_AP_REQ): the field contents are the INTEGERs' */
	if (f[0].len != 1 || f[0].p[0] != 5 || f[1].len != 1 || f[1].p[0] != 14)
		return false;
	/*
	 * ap-options: a BIT STRING of at least 32 bits (RFC 4120 5.2.8), without
	 * use-session-key (bit 1): user-to-user needs this acceptor's TGT, which
	 * it has not got, and MIT fails it with no error token.
	 */
	if (f[2].len < 5 || f[2].p[0] > 7 || (f[2].p[1] & 0x40))
		return false;
	/* Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno 5, realm, sname, enc-part } */
	if (!der_only(f[3], 0x30, &tseq) || !der_fields(tseq, tkt_tags, 4, t))
		return false;
	for (size_t k = 0; k < 4; k++)
		if (!t[k].p)
			return false;
	return t[0].len == 1 && t[0].p[0] == 5 && enc_data_schema(t[3]) && enc_data_schema(f[4]);
}

/* NegTokenInit (RFC 4178 4.2.1; [3] is negHints in NegTokenInit2) inside its [0]. */
static bool spnego_init_schema(struct der in)
{
	static const uint8_t tags[] = {0x30, 0x03, 0x04, 0, 0x04};
	struct der c, seq, f[5] = {{0}}, oid;
	uint8_t tag;

	if (!der_only(in, 0xa0, &c) || !der_only(c, 0x30, &seq) || !der_fields(seq, tags, 5, f))
		return false;
	while (f[0].len) /* MechTypeList: OIDs only */
		if (!der_next(&f[0], &tag, &oid) || tag != 0x06)
			return false;
	return true;
}

/* NegTokenResp (RFC 4178 4.2.2). */
static bool spnego_resp_schema(struct der in)
{
	static const uint8_t tags[] = {0x0a, 0x06, 0x04, 0x04};
	struct der c, seq;

	return der_only(in, 0xa1, &c) && der_only(c, 0x30, &seq) && der_fields(seq, tags, 4, NULL);
}

/*
 * Whether a client's token has the structure its first bytes promise (see
 * "Status mapping" above). NTLMSSP messages and tokens of no kind we know
 * are left to the mechanism: true.
 */
static bool token_well_formed(const uint8_t *tok, size_t len, bool spnego, unsigned int depth)
{
	struct der in = {tok, len}, outer, oid, rest, inner;
	uint8_t tag;

	if (depth > 1) /* a mechanism token inside a mechanism token */
		return false;
	if (len >= 12 && !memcmp(tok, "NTLMSSP\0", 8))
		return le32(tok + 8) != 3 || ntlm_authenticate_shaped(in);
	if (len && tok[0] == 0x6e) /* bare AP-REQ */
		return der_strict(in, 0) && ap_req_schema(in);
	if (len && tok[0] == 0xa1 && spnego) /* NegTokenResp */
		return der_strict(in, 0) && spnego_resp_schema(in) &&
		       (!spnego_inner(tok, len, &inner) ||
			token_well_formed(inner.p, inner.len, false, depth + 1));
	if (!len || tok[0] != 0x60)
		return true;
	/* GSS framing: one element, exactly the token, starting with the OID */
	if (!der_next(&in, &tag, &outer) || in.len || !gss_framed(tok, len, &oid, &rest))
		return false;
	if (oid_is(oid, spnego_oid.elements, spnego_oid.length))
		return der_strict(rest, 0) && spnego_init_schema(rest) &&
		       (!spnego_inner(tok, len, &inner) ||
			token_well_formed(inner.p, inner.len, false, depth + 1));
	if (oid_is(oid, krb5_oid_der, sizeof(krb5_oid_der)) ||
	    oid_is(oid, krb5_ms_oid_der, sizeof(krb5_ms_oid_der))) {
		/* TOK_ID (RFC 4121 4.1): 01 00 AP-REQ; then the Kerberos message */
		if (rest.len < 2 || !der_strict((struct der){rest.p + 2, rest.len - 2}, 0))
			return false;
		if (rest.p[0] == 0x01 && rest.p[1] == 0x00)
			return ap_req_schema((struct der){rest.p + 2, rest.len - 2});
	}
	return true;
}

/* ---- accept ---- */

static uint32_t map_krb5_code(long code)
{
	switch (code) {
	case KRB5KRB_AP_ERR_BAD_INTEGRITY:
	case KRB5KRB_AP_ERR_TKT_EXPIRED:
	case KRB5KRB_AP_ERR_TKT_NYV:
	case KRB5KRB_AP_ERR_REPEAT:
	case KRB5KRB_AP_ERR_BADMATCH:
	case KRB5KRB_AP_ERR_SKEW:
	case KRB5KRB_AP_ERR_BADADDR:
	case KRB5KRB_AP_ERR_MODIFIED:
	case KRB5KRB_AP_ERR_ILL_CR_TKT:
	case KRB5KRB_AP_ERR_INAPP_CKSUM: return CREDSSP_SEC_STATUS_LOGON_DENIED;
	case KRB5KRB_AP_ERR_NOT_US:
	case KRB5KRB_AP_ERR_NOKEY:
	case KRB5KRB_AP_ERR_BADKEYVER:
	case KRB5KRB_AP_WRONG_PRINC:
	case KRB5_KT_NOTFOUND:
	case KRB5_KT_KVNONOTFOUND:
	case KRB5_KT_END:
	case KRB5_KT_NOWRITE:
	case KRB5_KT_IOERR:
	case KRB5_KT_BADNAME:
	case KRB5_KT_UNKNOWN_TYPE:
	case KRB5_KT_FORMAT:
	case KRB5_KEYTAB_BADVNO:
	case ENOENT:
	case EACCES:
	case EPERM: return CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY;
	case KRB5KRB_AP_ERR_BADVERSION:
	case KRB5KRB_AP_ERR_MSG_TYPE: return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	default: return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	}
}

static bool in_table(long code, long base)
{
	return code >= base && code < base + 256;
}

static uint32_t map_accept_error(OM_uint32 maj, OM_uint32 min, bool spnego, enum inner_kind kind,
				 const gss_buffer_desc *errtok, bool well_formed)
{
	long code = (int32_t)min;
	bool has_kerr;
	int32_t kerr;

	if (GSS_CALLING_ERROR(maj))
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	switch (GSS_ROUTINE_ERROR(maj)) {
	case GSS_S_BAD_MECH:
		/* SPNEGO: no mechanism in common; raw: a mechanism OID we do not know */
		return spnego ? CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY
			      : CREDSSP_SEC_STATUS_INVALID_TOKEN;
	case GSS_S_DEFECTIVE_TOKEN:
	case GSS_S_NO_CONTEXT:
	case GSS_S_BAD_BINDINGS: return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	case GSS_S_NO_CRED:
	case GSS_S_DEFECTIVE_CREDENTIAL:
	case GSS_S_CREDENTIALS_EXPIRED: return CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY;
	case GSS_S_BAD_SIG:
	case GSS_S_CONTEXT_EXPIRED: return CREDSSP_SEC_STATUS_LOGON_DENIED;
	case GSS_S_FAILURE: break;
	default:
		return well_formed ? CREDSSP_SEC_STATUS_INTERNAL_ERROR
				   : CREDSSP_SEC_STATUS_INVALID_TOKEN;
	}
	/* A token that lies about its own lengths is the client's fault, whatever broke. */
	if (!well_formed)
		return CREDSSP_SEC_STATUS_INVALID_TOKEN;

	switch (kind) {
	case INNER_NTLM_AUTHENTICATE: return CREDSSP_SEC_STATUS_LOGON_DENIED;
	case INNER_KRB5:
		/* the KRB-ERROR MIT answers with, if any, names a protocol error exactly */
		has_kerr = errtok->length && krb_error_code(errtok->value, errtok->length, &kerr) &&
			   kerr >= 0 && kerr < 128;
		if (has_kerr && kerr != KRB_ERR_GENERIC)
			return map_krb5_code(ERROR_TABLE_BASE_krb5 + kerr);
		/* else the minor status, if the glue left it as it was */
		if (in_table(code, ERROR_TABLE_BASE_krb5))
			return map_krb5_code(code);
		if (in_table(code, ERROR_TABLE_BASE_asn1))
			return CREDSSP_SEC_STATUS_INVALID_TOKEN;
		/* errno values are only ours if no other mechanism took them first */
		if (min == ENOENT || min == EACCES || min == EPERM)
			return CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY;
		/*
		 * KRB_ERR_GENERIC stands for every non-protocol code (keytab
		 * errors, WRONG_PRINC, unsupported enctypes, errno): trouble on
		 * this server's side of the ticket.
		 */
		return has_kerr ? CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY
				: CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	case INNER_KRB5_MALFORMED: return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	case INNER_NONE:
		/* SPNEGO failed on a token with no mechanism token in it: its own syntax */
		return spnego ? CREDSSP_SEC_STATUS_INVALID_TOKEN
			      : CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	default: return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	}
}

static bool is_krb5_mech(gss_OID mech)
{
	return mech &&
	       (gss_oid_equal(mech, gss_mech_krb5) || gss_oid_equal(mech, gss_mech_krb5_old) ||
		gss_oid_equal(mech, gss_mech_krb5_wrong));
}

/* The context is dead: free it and report @status. */
static uint32_t fail(struct cssp_gss *g, uint32_t status, uint32_t *ntstatus)
{
	drop_context(g);
	g->state = GSS_ST_FAILED;
	*ntstatus = ntstatus_of(status);
	return status;
}

/* The exchange completed: check and record the result. */
static uint32_t established(struct cssp_gss *g, gss_name_t src, gss_OID mech, OM_uint32 flags,
			    OM_uint32 time_rec)
{
	gss_buffer_desc name = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;

	/* CredSSP sends pubKeyAuth and authInfo sealed: no confidentiality, no logon. */
	if (!(flags & GSS_C_CONF_FLAG) || (flags & GSS_C_ANON_FLAG))
		return CREDSSP_SEC_STATUS_LOGON_DENIED;
	if (mech && gss_oid_equal(mech, &ntlm_oid))
		g->mech = CSSP_MECH_NTLM;
	else if (is_krb5_mech(mech))
		g->mech = CSSP_MECH_KERBEROS;
	else
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	if (src == GSS_C_NO_NAME)
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	maj = gss_display_name(&min, src, &name, NULL);
	if (GSS_ERROR(maj))
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	/* gss-ntlmssp 1.2 counts the terminating NUL in the length */
	if (name.length && ((const char *)name.value)[name.length - 1] == '\0')
		name.length--;
	if (name.length == 0 || memchr(name.value, '\0', name.length)) {
		gss_release_buffer(&min, &name);
		return CREDSSP_SEC_STATUS_LOGON_DENIED;
	}
	g->principal = strndup(name.value, name.length);
	gss_release_buffer(&min, &name);
	if (!g->principal)
		return CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
	/* gss-ntlmssp reports GSS_C_INDEFINITE (UINT32_MAX): NTLM has no end */
	g->lifetime = g->mech == CSSP_MECH_NTLM ? UINT32_MAX : time_rec;
	g->flags = flags;
	return CREDSSP_SEC_STATUS_OK;
}

uint32_t cssp_gss_accept(struct cssp_gss *g, const uint8_t *token, size_t len, struct cssp_buf *out,
			 bool *complete, uint32_t *ntstatus)
{
	gss_buffer_desc in = {len, (void *)token}, tok = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min, tmp, flags = 0, time_rec = 0;
	gss_name_t src = GSS_C_NO_NAME;
	gss_OID mech = GSS_C_NO_OID;
	char user[NTLM_NAME_MAX];
	enum inner_kind kind;
	struct der inner;
	uint32_t status;
	bool logon;

	if (!g || !out || !complete || !ntstatus || (!token && len)) {
		if (ntstatus)
			*ntstatus = STATUS_INTERNAL_ERROR;
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	}
	*complete = false;
	*ntstatus = 0;
	cssp_buf_free(out);
	if (g->state == GSS_ST_DONE || g->state == GSS_ST_FAILED)
		return fail(g, CREDSSP_SEC_STATUS_INTERNAL_ERROR, ntstatus);
	if (len == 0)
		return fail(g, CREDSSP_SEC_STATUS_INVALID_TOKEN, ntstatus);
	/* Fail closed: a user file or keytab that went missing or bad denies every logon. */
	if (cssp_gss_server_check(g->srv, NULL, 0))
		return fail(g, CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, ntstatus);

	if (g->state == GSS_ST_NEW)
		g->spnego = is_spnego_init(token, len);
	inner = (struct der){token, len};
	if (g->spnego && !spnego_inner(token, len, &inner))
		inner = (struct der){NULL, 0};
	kind = inner_kind(inner);
	if (g->seen == CSSP_MECH_NONE)
		g->seen = kind_mech(kind);
	if (kind == INNER_NTLM_AUTHENTICATE)
		ntlm_claimed_name(g, inner);
	/*
	 * An AUTHENTICATE message that both we and MIT read alike (strict DER:
	 * a SPNEGO token with a second mechToken would show MIT one message
	 * and us another) and whose user name is plain: the logon credential,
	 * whose user file holds that user's candidate lines. Anything else
	 * goes through the credential that reads the whole file.
	 */
	logon = kind == INNER_NTLM_AUTHENTICATE && g->srv->logon_cred != GSS_C_NO_CREDENTIAL &&
		token_well_formed(token, len, g->spnego, 0) &&
		ntlm_lookup_name(g, inner, user, sizeof(user));
	if (logon && logon_begin(g->srv, user))
		return fail(g, CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY, ntstatus);

	maj = gss_accept_sec_context(&min, &g->ctx, logon ? g->srv->logon_cred : g->srv->cred, &in,
				     GSS_C_NO_CHANNEL_BINDINGS, &src, &mech, &tok, &flags,
				     &time_rec, NULL);
	if (logon)
		logon_end(g->srv);
	if (!GSS_ERROR(maj) && kind == INNER_NTLM_NEGOTIATE)
		ntlm_note_challenge(g, &tok);
	if (GSS_ERROR(maj)) {
		status = map_accept_error(maj, min, g->spnego, kind, &tok,
					  token_well_formed(token, len, g->spnego, 0));
		/* A reject token (SPNEGO, KRB-ERROR) may go back to the client. */
		if (tok.length && cssp_buf_set(out, tok.value, tok.length))
			cssp_buf_free(out);
		gss_release_buffer(&tmp, &tok);
		gss_release_name(&tmp, &src);
		return fail(g, status, ntstatus);
	}
	if (tok.length && cssp_buf_set(out, tok.value, tok.length)) {
		gss_release_buffer(&tmp, &tok);
		gss_release_name(&tmp, &src);
		return fail(g, CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY, ntstatus);
	}
	gss_release_buffer(&tmp, &tok);
	if (maj & GSS_S_CONTINUE_NEEDED) {
		gss_release_name(&tmp, &src);
		g->state = GSS_ST_CONTINUE;
		return CREDSSP_SEC_STATUS_OK;
	}

	status = established(g, src, mech, flags, time_rec);
	gss_release_name(&tmp, &src);
	if (status == CREDSSP_SEC_STATUS_OK && logon && !principal_is(g->principal, user))
		status = CREDSSP_SEC_STATUS_LOGON_DENIED;
	if (status != CREDSSP_SEC_STATUS_OK) {
		cssp_buf_free(out);
		free(g->principal);
		g->principal = NULL;
		g->mech = CSSP_MECH_NONE;
		return fail(g, status, ntstatus);
	}
	g->state = GSS_ST_DONE;
	*complete = true;
	return CREDSSP_SEC_STATUS_OK;
}

enum cssp_gss_mech cssp_gss_mech(const struct cssp_gss *g)
{
	return g && g->state == GSS_ST_DONE ? g->mech : CSSP_MECH_NONE;
}

enum cssp_gss_mech cssp_gss_mech_seen(const struct cssp_gss *g)
{
	if (!g)
		return CSSP_MECH_NONE;
	return g->state == GSS_ST_DONE ? g->mech : g->seen;
}

const char *cssp_gss_claimed(const struct cssp_gss *g)
{
	return g && g->claimed[0] ? g->claimed : NULL;
}

bool cssp_gss_spnego(const struct cssp_gss *g)
{
	return g && g->spnego;
}

const char *cssp_gss_principal(const struct cssp_gss *g)
{
	return g && g->state == GSS_ST_DONE ? g->principal : NULL;
}

uint32_t cssp_gss_lifetime(const struct cssp_gss *g)
{
	return g && g->state == GSS_ST_DONE ? g->lifetime : 0;
}

uint32_t cssp_gss_flags(const struct cssp_gss *g)
{
	return g && g->state == GSS_ST_DONE ? g->flags : 0;
}

/* ---- wrap / unwrap ---- */

/* Kerberos: header (with the rotated trailer) || data || padding. */
static uint32_t wrap_krb5(struct cssp_gss *g, const uint8_t *in, size_t len, struct cssp_buf *out)
{
	gss_iov_buffer_desc iov[3];
	size_t hlen, plen, total;
	OM_uint32 maj, min;
	int conf = 0;
	uint8_t *buf;

	memset(iov, 0, sizeof(iov));
	iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
	iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
	iov[1].buffer.length = len;
	iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING;
	/* No TRAILER buffer: MIT puts the trailer in the header, RRC = its length. */
	maj = gss_wrap_iov_length(&min, g->ctx, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3);
	if (maj != GSS_S_COMPLETE || !conf)
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	hlen = iov[0].buffer.length;
	plen = iov[2].buffer.length;
	if (hlen == 0 || len > SIZE_MAX - hlen || plen > SIZE_MAX - hlen - len)
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	total = hlen + len + plen;
	buf = malloc(total);
	if (!buf)
		return CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
	if (len)
		memcpy(buf + hlen, in, len); /* sealed in place */
	iov[0].buffer.value = buf;
	iov[1].buffer.value = buf + hlen;
	iov[2].buffer.value = buf + hlen + len;
	maj = gss_wrap_iov(&min, g->ctx, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3);
	if (maj != GSS_S_COMPLETE || !conf || iov[0].buffer.length != hlen ||
	    iov[1].buffer.length != len || iov[2].buffer.length != plen) {
		OPENSSL_cleanse(buf, total);
		free(buf);
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	}
	out->data = buf;
	out->len = total;
	return CREDSSP_SEC_STATUS_OK;
}

/* NTLM: gss-ntlmssp's token is already signature || ciphertext. */
static uint32_t wrap_plain(struct cssp_gss *g, const uint8_t *in, size_t len, struct cssp_buf *out)
{
	gss_buffer_desc msg = {len, (void *)in}, tok = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;
	uint32_t status = CREDSSP_SEC_STATUS_OK;
	int conf = 0;

	maj = gss_wrap(&min, g->ctx, 1, GSS_C_QOP_DEFAULT, &msg, &conf, &tok);
	if (maj != GSS_S_COMPLETE || !conf || tok.length == 0)
		status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	else if (cssp_buf_set(out, tok.value, tok.length))
		status = CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
	gss_release_buffer(&min, &tok);
	return status;
}

uint32_t cssp_gss_wrap(struct cssp_gss *g, const uint8_t *in, size_t len, struct cssp_buf *out)
{
	if (!g || !out || (!in && len))
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	cssp_buf_free(out);
	if (g->state != GSS_ST_DONE)
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	return g->mech == CSSP_MECH_KERBEROS ? wrap_krb5(g, in, len, out)
					     : wrap_plain(g, in, len, out);
}

uint32_t cssp_gss_unwrap(struct cssp_gss *g, const uint8_t *in, size_t len, struct cssp_buf *out)
{
	gss_buffer_desc tok = {len, (void *)in}, msg = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;
	uint32_t status = CREDSSP_SEC_STATUS_OK;
	int conf = 0;

	if (!g || !out || (!in && len))
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	cssp_buf_free(out);
	if (g->state != GSS_ST_DONE)
		return CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	/*
	 * gss-ntlmssp 1.2 allocates len - 16 bytes before checking the length
	 * (an unsigned wrap-around for a short token): never give it one
	 * shorter than the NTLMSSP_MESSAGE_SIGNATURE, which MS-NLMP fixes at 16.
	 */
	if (len == 0 || (g->mech == CSSP_MECH_NTLM && len < NTLM_SIGNATURE_LEN))
		return CREDSSP_SEC_STATUS_INVALID_TOKEN;
	maj = gss_unwrap(&min, g->ctx, &tok, &msg, &conf, NULL);
	if (GSS_ERROR(maj)) {
		switch (GSS_ROUTINE_ERROR(maj)) {
		case GSS_S_DEFECTIVE_TOKEN:
		case GSS_S_BAD_SIG:
		case GSS_S_BAD_MECH: status = CREDSSP_SEC_STATUS_INVALID_TOKEN; break;
		case GSS_S_CONTEXT_EXPIRED: status = CREDSSP_SEC_STATUS_LOGON_DENIED; break;
		default: status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
		}
	} else if (maj != GSS_S_COMPLETE || !conf) {
		/* replayed or out-of-sequence, or integrity only: not a CredSSP blob */
		status = CREDSSP_SEC_STATUS_INVALID_TOKEN;
	} else if (msg.length && cssp_buf_set(out, msg.value, msg.length)) {
		status = CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
	}
	if (msg.value)
		OPENSSL_cleanse(msg.value, msg.length);
	gss_release_buffer(&min, &msg);
	return status;
}
