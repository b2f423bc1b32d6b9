// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcredssp: local accounts. The principal a context authenticated mapped
 * to a local account (credssp_principal_to_local()), and the calling
 * thread's identity switched to an account and back (ImpersonateSecurity-
 * Context / RevertSecurityContext of lib/sspi.c).
 *
 * The switch uses the raw system calls: glibc's setresuid(), setresgid() and
 * setgroups() change every thread of the process (they broadcast the change
 * with a signal), the system calls only the caller's credentials.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <krb5.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "credssp.h"
#include "internal.h"

/* [A-Za-z0-9._-]{1,32}, not starting with '-' or '.' (no option, no dot file). */
static int account_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 32 || name[0] == '-' || name[0] == '.')
		return 0;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	       n;
}

/* Kerberos: the system's auth_to_local rules (krb5.conf). */
static int krb5_local(const char *principal, char *out, size_t size)
{
	krb5_context k;
	krb5_principal p;
	int r = -ENOENT;

	if (size > INT32_MAX)
		size = INT32_MAX;
	if (krb5_init_context(&k))
		return -ENOMEM;
	if (!krb5_parse_name(k, principal, &p)) {
		if (!krb5_aname_to_localname(k, p, (int)size, out))
			r = 0;
		krb5_free_principal(k, p);
	}
	krb5_free_context(k);
	return r;
}

int credssp_principal_to_local(const char *principal, const char *package, char *out, size_t size)
{
	const char *user;
	int r;

	if (!principal || !package || !out || !size)
		return -EINVAL;
	out[0] = '\0';
	if (!strcmp(package, "Kerberos")) {
		r = krb5_local(principal, out, size);
		if (r)
			return r;
	} else if (!strcmp(package, "NTLM")) {
		user = strchr(principal, '\\');
		user = user ? user + 1 : principal;
		if (strlen(user) >= size)
			return -ERANGE;
		strcpy(out, user);
	} else {
		return -EINVAL;
	}
	if (!account_name_ok(out)) {
		out[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

/* ---- the calling thread's identity ---- */

static long sys_setresuid(uid_t r, uid_t e, uid_t s)
{
	return syscall(SYS_setresuid, r, e, s);
}

static long sys_setresgid(gid_t r, gid_t e, gid_t s)
{
	return syscall(SYS_setresgid, r, e, s);
}

static long sys_setgroups(size_t n, const gid_t *g)
{
	return syscall(SYS_setgroups, n, g);
}

/*
 * The thread's effective capabilities: read them into @get, or (@get NULL)
 * set them to @set within the permitted set. 0 or -1 with errno.
 */
static int caps(uint32_t *get, const uint32_t *set)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	if (get) {
		get[0] = d[0].effective;
		get[1] = d[1].effective;
		return 0;
	}
	d[0].effective = set[0] & d[0].permitted;
	d[1].effective = set[1] & d[1].permitted;
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

int credssp__id_save(struct credssp__id *id)
{
	uid_t r, s;
	gid_t rg, sg;
	int n;

	memset(id, 0, sizeof(*id));
	if (getresuid(&r, &id->euid, &s) || getresgid(&rg, &id->egid, &sg))
		return -errno;
	id->fsuid = (uid_t)setfsuid((uid_t)-1);
	id->fsgid = (gid_t)setfsgid((gid_t)-1);
	if (caps(id->caps, NULL))
		return -errno;
	n = getgroups(0, NULL);
	if (n < 0)
		return -errno;
	id->groups = calloc((size_t)n + 1, sizeof(gid_t));
	if (!id->groups)
		return -ENOMEM;
	n = getgroups(n, id->groups);
	if (n < 0) {
		free(id->groups);
		id->groups = NULL;
		return -errno;
	}
	id->n_groups = (size_t)n;
	return 0;
}

void credssp__id_free(struct credssp__id *id)
{
	free(id->groups);
	memset(id, 0, sizeof(*id));
}

/* Whether the thread's supplementary groups are @id's already. */
static int same_groups(const struct credssp__id *id)
{
	gid_t *now = calloc(id->n_groups + 1, sizeof(gid_t));
	int n, same;

	if (!now)
		return 0;
	n = getgroups((int)id->n_groups + 1, now);
	same = n == (int)id->n_groups && !memcmp(now, id->groups, id->n_groups * sizeof(gid_t));
	free(now);
	return same;
}

int credssp__id_restore(const struct credssp__id *id)
{
	int err = 0;

	/* The user id first: a root process regains its capabilities with it. */
	if (sys_setresuid((uid_t)-1, id->euid, (uid_t)-1))
		err = -errno;
	if (caps(NULL, id->caps) && !err)
		err = -errno;
	/* (setgroups needs CAP_SETGID even to set the same groups) */
	if (!same_groups(id) && sys_setgroups(id->n_groups, id->groups) && !err)
		err = -errno;
	if (sys_setresgid((gid_t)-1, id->egid, (gid_t)-1) && !err)
		err = -errno;
	setfsgid(id->fsgid);
	setfsuid(id->fsuid);
	if (((gid_t)setfsgid((gid_t)-1) != id->fsgid || (uid_t)setfsuid((uid_t)-1) != id->fsuid) &&
	    !err)
		err = -EPERM;
	return err;
}

int credssp__id_switch(const char *account, const struct credssp__id *saved)
{
	static const uint32_t none[2];
	struct passwd pw, *pwp = NULL;
	gid_t *groups = NULL;
	int n = 64, r;
	char *buf;
	long bufsize = sysconf(_SC_GETPW_R_SIZE_MAX);

	if (bufsize < 16384)
		bufsize = 16384;
	buf = malloc((size_t)bufsize);
	if (!buf)
		return -ENOMEM;
	r = getpwnam_r(account, &pw, buf, (size_t)bufsize, &pwp);
	if (r || !pwp) {
		free(buf);
		return r ? -r : -ENOENT;
	}
	/* Already that account (a service running as the user): nothing to do. */
	if (pw.pw_uid == saved->euid && pw.pw_gid == saved->egid && pw.pw_uid == saved->fsuid &&
	    pw.pw_gid == saved->fsgid) {
		free(buf);
		return 0;
	}
	for (;;) {
		gid_t *g = realloc(groups, (size_t)n * sizeof(gid_t));
		int want = n;

		if (!g) {
			r = -ENOMEM;
			goto out;
		}
		groups = g;
		if (getgrouplist(account, pw.pw_gid, groups, &want) >= 0) {
			n = want;
			break;
		}
		if (want <= n || want > 65536) {
			r = -EINVAL;
			goto out;
		}
		n = want;
	}
	/* Groups and group id while still privileged, the user id last. */
	r = 0;
	if (sys_setgroups((size_t)n, groups) || sys_setresgid((gid_t)-1, pw.pw_gid, (gid_t)-1) ||
	    sys_setresuid((uid_t)-1, pw.pw_uid, (uid_t)-1))
		r = -errno;
	if (!r) {
		setfsgid(pw.pw_gid);
		setfsuid(pw.pw_uid);
		if ((gid_t)setfsgid((gid_t)-1) != pw.pw_gid ||
		    (uid_t)setfsuid((uid_t)-1) != pw.pw_uid)
			r = -EPERM;
	}
	/* No capability of the service while acting as the user. */
	if (!r && caps(NULL, none))
		r = -errno;
	if (r)
		credssp__id_restore(saved);
out:
	free(groups);
	free(buf);
	return r;
}
