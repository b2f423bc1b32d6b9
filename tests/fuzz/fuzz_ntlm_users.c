// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the NTLM user file check of helper/gss.c
 * (cssp_gss_server_check(), run before every logon): any bytes become the
 * user file of a server credential made once, and the check runs on them.
 * Each input is written to a new file renamed over the old one while the
 * previous file stays linked, so its inode differs from the one checked
 * last and the check parses it (it caches by inode, size and times). The
 * check must be deterministic, give a message on failure and accept no
 * file without a ':' or with a NUL. Any disagreement abort()s.
 *
 * A file the check accepts is also indexed (helper/ntlm_users.c) and the
 * candidate lines of a logon are chosen for a few names (the input's first
 * user, its upper-case form, "alice", an enterprise name, none, a non-ASCII
 * one): they must be exactly what a plain reading of the input gives, line
 * by line as gss-ntlmssp reads it (file order, non-ASCII users always), and
 * a name that is empty or not ASCII is refused.
 */
#define _GNU_SOURCE /* memfd_create() */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gss.h"
#include "ntlm_users.h"

static struct cssp_gss_server *srv;
/* tmpfs: every input is a file written, linked and renamed */
static char dir[] = "/dev/shm/kcredssp-fuzz-users-XXXXXX";
static char path[300], prev[300], tmp[300];

static void put(const uint8_t *data, size_t size)
{
	FILE *f = fopen(tmp, "w");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
		abort();
	unlink(prev);
	if (link(path, prev) || rename(tmp, path))
		abort();
}

static void cleanup(void)
{
	unlink(path);
	unlink(prev);
	unlink(tmp);
	rmdir(dir);
}

static void setup(void)
{
	static const char line[] = "CONTOSO\\alice:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
				   "FC525C9683E8FE067095BA2DDC971889:[U]:LCT-0:\n";
	struct cssp_gss_config cfg = {NULL, path};
	char err[512];
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/users", dir);
	snprintf(prev, sizeof(prev), "%s/users.prev", dir);
	snprintf(tmp, sizeof(tmp), "%s/users.new", dir);
	f = fopen(path, "w");
	if (!f || fputs(line, f) < 0 || fclose(f))
		abort();
	if (cssp_gss_server_new(&cfg, &srv, err, sizeof(err))) {
		fprintf(stderr, "cssp_gss_server_new: %s\n", err);
		abort();
	}
}

static bool all_ascii(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] >= 0x80)
			return false;
	return true;
}

/*
 * The user name of one line of an accepted file, read as gss-ntlmssp's
 * get_user_file_creds() reads it: false for a comment or a line it skips.
 */
static bool line_user(const char *l, size_t len, const char **u, size_t *ulen)
{
	const char *c1, *c2, *c3, *bs;

	if (!len || l[0] == '#' || !(c1 = memchr(l, ':', len)) ||
	    !(c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - l))))
		return false;
	c3 = memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - l));
	if (!c3) {
		*u = c1 + 1;
		*ulen = (size_t)(c2 - c1 - 1);
		return true;
	}
	if (!memchr(c3 + 1, ':', len - (size_t)(c3 + 1 - l)))
		return false;
	bs = memchr(l, '\\', (size_t)(c1 - l));
	*u = bs ? bs + 1 : l;
	*ulen = (size_t)(c1 - *u);
	return true;
}

/*
 * What ntlm_users_select() must write for @name, from the input itself;
 * -1 for a name it must refuse.
 */
static long reference(const uint8_t *data, size_t size, const char *name, char *out)
{
	long n = 0;
	size_t at = 0;

	if (!name || !*name || !all_ascii(name, strlen(name)))
		return -1;

	while (at < size) {
		const char *l = (const char *)data + at, *u, *nl = memchr(l, '\n', size - at);
		size_t len = nl ? (size_t)(nl - l) : size - at, ulen;

		at += len + 1;
		if (!line_user(l, len, &u, &ulen))
			continue;
		if (!all_ascii(u, ulen) || (ulen == strlen(name) && !strncasecmp(u, name, ulen))) {
			memcpy(out + n, l, len);
			n += len;
			out[n++] = '\n';
		}
	}
	return n;
}

static void check_select(const uint8_t *data, size_t size)
{
	static char want[1 << 17], got[1 << 17];
	char first[64] = "", upper[64], err[512];
	const char *names[] = {first, upper, "alice", NULL, "alice@x", "\xc3\xa1lice"};
	struct ntlm_users *u = NULL;
	const char *l;
	off_t osize = 0; /* out's size, kept as the engine keeps its memfd's */
	size_t ulen, i;
	int fd, out;

	if (size + 1 > sizeof(want))
		return; /* past what this check buffers (a -max_len run) */
	fd = memfd_create("users", MFD_CLOEXEC);
	out = memfd_create("logon", MFD_CLOEXEC);
	if (fd < 0 || out < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET))
		abort();
	if (ntlm_users_load(fd, "fuzz", &u, err, sizeof(err)))
		abort(); /* the check accepted it */
	/* the first user's name, as the client would send it */
	for (i = 0, l = (const char *)data; i < size;) {
		const char *nl = memchr(l, '\n', size - i), *un;
		size_t len = nl ? (size_t)(nl - l) : size - i;

		if (line_user(l, len, &un, &ulen) && ulen < sizeof(first)) {
			memcpy(first, un, ulen);
			first[ulen] = '\0';
			break;
		}
		i += len + 1;
		l += len + 1;
	}
	for (i = 0; i <= strlen(first); i++)
		upper[i] = (char)toupper((unsigned char)first[i]);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long n = reference(data, size, names[i], want);
		long lines = ntlm_users_select(u, names[i], out, &osize);
		ssize_t r = pread(out, got, sizeof(got), 0);

		if (n < 0 ? lines != -1 || osize != -1
			  : (lines < 0 || r != n || osize != r || memcmp(got, want, (size_t)n)))
			abort();
	}
	ntlm_users_free(u);
	close(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "", err2[512] = "";
	int ret;

	if (!srv)
		setup();
	put(data, size);
	ret = cssp_gss_server_check(srv, err, sizeof(err));
	if (ret != cssp_gss_server_check(srv, err2, sizeof(err2)) || strcmp(err, err2))
		abort(); /* the cached result is the parsed one */
	if (ret && !err[0])
		abort();
	if (!ret && (err[0] || !memchr(data, ':', size) || memchr(data, '\0', size)))
		abort();
	if (!ret)
		check_select(data, size);
	return 0;
}
