// SPDX-License-Identifier: GPL-2.0
/* Privilege dropping with raw capget/capset(2), no libcap. */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "privs.h"

static int capget_raw(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};

	return (int)syscall(SYS_capget, &hdr, data);
}

static int capset_raw(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};

	return (int)syscall(SYS_capset, &hdr, data);
}

int privs_get(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_data_struct d[2];

	if (capget_raw(d))
		return -1;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

int privs_lookup(const char *user, char *err, size_t errlen)
{
	if (!user)
		return 0;
	errno = 0;
	if (!getpwnam(user)) {
		snprintf(err, errlen, "user %s: %s", user,
			 errno ? strerror(errno) : "no such user");
		return -1;
	}
	return 0;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n >= 0 && n < 64 ? n : 63;
}

int privs_drop(const char *user, char *err, size_t errlen)
{
	struct __user_cap_data_struct d[2] = {{0}};
	uint64_t eff, prm, inh;
	int cap, last = last_cap();

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	/* The bounding set first: dropping from it needs CAP_SETPCAP, dropped below. */
	for (cap = 0; cap <= last; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL) {
			snprintf(err, errlen, "PR_CAPBSET_DROP %d: %s", cap, strerror(errno));
			return -1;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		snprintf(err, errlen, "PR_CAP_AMBIENT_CLEAR_ALL: %s", strerror(errno));
		return -1;
	}
	if (user) {
		struct passwd *pw;

		errno = 0;
		pw = getpwnam(user);
		if (!pw) {
			snprintf(err, errlen, "user %s: %s", user,
				 errno ? strerror(errno) : "no such user");
			return -1;
		}
		/* Supplementary groups of the user: a group-readable keytab stays readable. */
		if (initgroups(user, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
			snprintf(err, errlen, "cannot become user %s: %s", user, strerror(errno));
			return -1;
		}
	}
	/* Every set empty (a uid change already cleared them; root keeps its uid). */
	if (capset_raw(d)) {
		snprintf(err, errlen, "capset: %s", strerror(errno));
		return -1;
	}
	if (getuid() != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "could regain root after becoming %s", user);
		return -1;
	}
	if (privs_get(&eff, &prm, &inh) || eff || prm || inh) {
		snprintf(err, errlen, "capabilities not as set");
		return -1;
	}
	return 0;
}

/* The hex value of field @name ("CapEff:") in a status file, or -1 with @errno. */
static int status_caps(const char *path, const char *name, uint64_t *v)
{
	FILE *f = fopen(path, "re");
	size_t n = strlen(name);
	char line[256];
	int ret = -1;

	if (!f)
		return -1;
	errno = ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n)) {
			*v = strtoull(line + n, NULL, 16);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int privs_check_threads(char *err, size_t errlen)
{
	static const char *const fields[] = {"CapEff:", "CapPrm:", "CapInh:", "CapAmb:", "CapBnd:"};
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	char path[64];
	uint64_t v;
	size_t i;
	int ret = 0;

	if (!d) {
		snprintf(err, errlen, "cannot check the threads' capabilities: /proc/self/task: %s",
			 strerror(errno));
		return -1;
	}
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.16s/status", de->d_name);
		for (i = 0; !ret && i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (status_caps(path, fields[i], &v)) {
				if (errno == ENOENT && i == 3)
					continue; /* no CapAmb before Linux 4.3 */
				snprintf(err, errlen, "cannot check thread %s: %s", de->d_name,
					 strerror(errno));
				ret = -1;
			} else if (v) {
				snprintf(err, errlen, "thread %s still has %s %016" PRIx64,
					 de->d_name, fields[i], v);
				ret = -1;
			}
		}
	}
	closedir(d);
	return ret;
}
