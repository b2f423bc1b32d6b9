/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A throwaway test environment for the GSSAPI and engine tests: a temporary
 * directory with gss-ntlmssp user files (tests/lib/ntlm-users.sh) and,
 * if asked, a running MIT KDC (tests/lib/kdc.sh start DIR HOST), removed by
 * realm_teardown().
 *
 * realm_setup() writes DIR/users (CONTOSO\alice, NT-hash line, password
 * PASSWORD) and, with a KDC, starts KCREDSSP.TEST for HOST: DIR/krb5.conf,
 * DIR/termsrv.keytab (TERMSRV/HOST), alice's TGT in DIR/ccache (see
 * kdc.sh). The KDC also stops by itself when this process dies
 * (KCREDSSP_KDC_OWNER). The environment is set so that the server under
 * test finds nothing but what it is given: KRB5_KTNAME, KRB5_CLIENT_KTNAME
 * and NTLM_USER_FILE are unset; KRB5_CONFIG is DIR/krb5.conf, KRB5CCNAME a
 * MEMORY ccache (no stray TGT), KRB5RCACHEDIR DIR.
 *
 * The harness forks a child per test: set up once in main(), before
 * test_harness_run(), with atexit(realm_teardown). A failure is never a
 * skip: the tests that need what failed check realm.ntlm_ready or
 * realm.kdc_ready and FAIL with realm.err.
 */
#ifndef KCREDSSP_TEST_REALM_H
#define KCREDSSP_TEST_REALM_H

#include <limits.h>
#include <stdbool.h>

#define REALM	 "KCREDSSP.TEST"
#define HOST	 "srv.kcredssp.test"
#define PASSWORD "Passw0rd!" /* alice's, in the user file and the KDC */
/* NT hashes, MD4(UTF-16LE(password)), as "ntlmssp_nthash" wants them */
#define ALICE_NT "FC525C9683E8FE067095BA2DDC971889" /* Passw0rd! */
#define WRONG_NT "460FDF316FDFAF2F3F8BEFAA88127C8A" /* Passw0rd? */

struct realm {
	char dir[256];	       /* the temporary directory */
	char libdir[PATH_MAX]; /* tests/lib */
	char err[1024];	       /* why the last failed step failed */
	char local_host[256];  /* gethostname(): gss-ntlmssp's SPN host under SPNEGO */
	bool ntlm_ready;       /* dir, libdir, DIR/users */
	bool kdc_ready;	       /* the KDC answers, termsrv.keytab, DIR/ccache */
	bool kdc_started;
};

extern struct realm realm;

/*
 * Set up /tmp/kcredssp-@name-XXXXXX (with a KDC if @kdc), once per process.
 * 0 when all that was asked for is ready, -1 otherwise (see realm.err).
 */
int realm_setup(const char *name, bool kdc);
/* Stop the KDC and remove the directory. */
void realm_teardown(void);

/* DIR/@name, in one of 8 rotating static buffers. */
char *realm_path(const char *name);

/*
 * system() a printf-formatted shell command; its exit status (0: success).
 * A failure is recorded in realm.err.
 */
int realm_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Append a line to the user file DIR/@file: @mode "hash" (NT-hash line) or
 * "plain" (clear-text line). 0 or -1 (see realm.err).
 */
int realm_ntlm_user(const char *file, const char *mode, const char *domain, const char *user,
		    const char *password);

#endif /* KCREDSSP_TEST_REALM_H */
