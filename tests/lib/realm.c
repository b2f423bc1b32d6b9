// SPDX-License-Identifier: GPL-2.0
/*
 * The throwaway test environment of realm.h: a temporary directory, NTLM
 * user files and a KDC, all made by the scripts of tests/lib.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "realm.h"

struct realm realm;

char *realm_path(const char *name)
{
	static char buf[8][PATH_MAX];
	static int i;
	char *p = buf[i++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", realm.dir, name);
	return p;
}

int realm_run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(NULL);
	rc = system(cmd);
	if (rc != 0)
		snprintf(realm.err, sizeof(realm.err), "failed (%d): %.900s", rc, cmd);
	return rc;
}

int realm_ntlm_user(const char *file, const char *mode, const char *domain, const char *user,
		    const char *password)
{
	return realm_run("'%s/ntlm-users.sh' %s '%s' %s %s '%s'", realm.libdir, mode,
			 realm_path(file), domain, user, password)
		       ? -1
		       : 0;
}

/* KCREDSSP_TESTS_LIB, else ./tests/lib, else ../../tests/lib from the binary (build/x/y). */
static bool find_libdir(void)
{
	char exe[PATH_MAX - 32], *slash;
	const char *env = getenv("KCREDSSP_TESTS_LIB");
	ssize_t n;

	if (env) {
		snprintf(realm.libdir, sizeof(realm.libdir), "%s", env);
		return true;
	}
	if (access("tests/lib/kdc.sh", X_OK) == 0 && realpath("tests/lib", realm.libdir))
		return true;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	snprintf(realm.libdir, sizeof(realm.libdir), "%s/../../tests/lib", exe);
	return access(realm.libdir, X_OK) == 0;
}

/* Start the KDC; on failure its start log goes into realm.err. */
static int start_kdc(void)
{
	char owner[32];
	FILE *f;
	size_t n;

	/* kdc.sh stops the KDC by itself should this process die without realm_teardown() */
	snprintf(owner, sizeof(owner), "%ld", (long)getpid());
	setenv("KCREDSSP_KDC_OWNER", owner, 1);
	if (!realm_run("'%s/kdc.sh' start '%s' %s >'%s' 2>&1", realm.libdir, realm.dir, HOST,
		       realm_path("kdc-start.log"))) {
		realm.kdc_started = true;
		return 0;
	}
	n = (size_t)snprintf(realm.err, sizeof(realm.err), "tests/lib/kdc.sh start failed: ");
	f = fopen(realm_path("kdc-start.log"), "r");
	if (f) {
		n += fread(realm.err + n, 1, sizeof(realm.err) - n - 1, f);
		realm.err[n] = '\0';
		fclose(f);
	}
	return -1;
}

int realm_setup(const char *name, bool kdc)
{
	char tmpl[128], ccache[128];

	if (!find_libdir()) {
		snprintf(realm.err, sizeof(realm.err),
			 "tests/lib not found (set KCREDSSP_TESTS_LIB)");
		return -1;
	}
	snprintf(tmpl, sizeof(tmpl), "/tmp/kcredssp-%s-XXXXXX", name);
	if (!mkdtemp(tmpl)) {
		snprintf(realm.err, sizeof(realm.err), "mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(realm.dir, sizeof(realm.dir), "%s", tmpl);
	if (gethostname(realm.local_host, sizeof(realm.local_host) - 1))
		snprintf(realm.local_host, sizeof(realm.local_host), "localhost");

	/* The server must not find anything through the environment. */
	unsetenv("KRB5_KTNAME");
	unsetenv("KRB5_CLIENT_KTNAME");
	unsetenv("NTLM_USER_FILE");
	setenv("KRB5_CONFIG", realm_path("krb5.conf"), 1);
	snprintf(ccache, sizeof(ccache), "MEMORY:kcredssp-%s", name);
	setenv("KRB5CCNAME", ccache, 1);       /* no stray TGT */
	setenv("KRB5RCACHEDIR", realm.dir, 1); /* replay cache in the realm dir */

	realm.ntlm_ready = !realm_ntlm_user("users", "hash", "CONTOSO", "alice", PASSWORD);
	if (!realm.ntlm_ready || !kdc)
		return realm.ntlm_ready ? 0 : -1;
	realm.kdc_ready = !start_kdc();
	return realm.kdc_ready ? 0 : -1;
}

void realm_teardown(void)
{
	if (!realm.dir[0])
		return;
	if (realm.kdc_started)
		realm_run("'%s/kdc.sh' stop '%s' >/dev/null 2>&1", realm.libdir, realm.dir);
	realm_run("rm -rf -- '%s'", realm.dir);
}
