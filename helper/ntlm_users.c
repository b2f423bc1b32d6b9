// SPDX-License-Identifier: GPL-2.0
/*
 * The NTLM user file in memory: strict check, index by user name, and the
 * candidate lines of one logon (ntlm_users.h says why that is safe).
 *
 * The file's user lines are kept in one buffer, in file order, each with its
 * newline, exactly as read (a '\r' stays: gss-ntlmssp strips it itself).
 * Each user line is a record in one of two chains, both in file order:
 * its bucket's (hash of the ASCII-lowercased user name) when the user name
 * is plain ASCII, else the chain of the others, which every lookup takes.
 * The buffer holds passwords (Heimdal lines) and NT hashes: it is cleansed
 * before it is freed or moved.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ntlm_users.h"

#define USER_LINE_MAX 1022
#define IOV_BATCH     256

struct rec {
	size_t off, len;   /* the line in text, with its newline */
	size_t uoff, ulen; /* its user name in text */
	uint32_t next;	   /* the next record of its chain, + 1; 0: the end */
};

struct ntlm_users {
	char *text; /* the user lines */
	size_t len, cap;
	struct rec *recs;
	size_t n, rcap;
	uint32_t *bucket; /* first record of each chain, + 1 */
	size_t nbuckets;  /* a power of two */
	uint32_t others;  /* first record whose user name is not plain ASCII, + 1 */
};

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool ascii(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] >= 0x80)
			return false;
	return true;
}

/* FNV-1a over the ASCII-lowercased bytes (the file is the admin's, not an attacker's). */
static uint32_t name_hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ lower((unsigned char)p[i])) * 16777619u;
	return h;
}

static bool same_name(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	return true;
}

static bool hex32(const char *p, size_t len)
{
	size_t i;

	if (len != 32)
		return false;
	for (i = 0; i < len; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
		      (p[i] >= 'A' && p[i] <= 'F')))
			return false;
	return true;
}

/* One line, without its newline: 1 a user, 0 a comment or blank, -1 malformed. */
static int user_line(char *line, size_t len)
{
	char *f[5], *bs;
	size_t n = 0, i;

	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (line[0] == '#')
		return 0;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len)
		return 0;
	f[n++] = line;
	for (i = 0; i < len && n < 5; i++)
		if (line[i] == ':') {
			line[i] = '\0';
			f[n++] = line + i + 1;
		}
	if (n == 3) /* Heimdal: the password runs to the end of the line */
		return *f[1] && *f[2] && !strchr(f[0], '\\') && !strchr(f[1], '\\') ? 1 : -1;
	if (n < 5) /* gss-ntlmssp skips a line of two or four fields */
		return -1;
	/* smbpasswd: [DOMAIN\]USER, UID, LM, NT, flags... */
	bs = strchr(f[0], '\\');
	if (!*f[0] || (bs && !bs[1]))
		return -1;
	return hex32(f[3], strlen(f[3])) ? 1 : -1;
}

/*
 * The user name of a checked user line, found as gss-ntlmssp's
 * get_user_file_creds() finds it: three fields (no ':' after the second)
 * are Heimdal's DOMAIN:USER:PASSWORD, more are smbpasswd's
 * [DOMAIN\]USER:..., the domain ending at the first '\\'.
 */
static void user_name(const char *line, size_t len, size_t *uoff, size_t *ulen)
{
	const char *c1 = memchr(line, ':', len);
	const char *c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
	const char *c3 = memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - line));
	const char *bs;

	if (!c3) {
		*uoff = (size_t)(c1 + 1 - line);
		*ulen = (size_t)(c2 - c1 - 1);
		return;
	}
	bs = memchr(line, '\\', (size_t)(c1 - line));
	*uoff = bs ? (size_t)(bs + 1 - line) : 0;
	*ulen = (size_t)(c1 - line) - *uoff;
}

/* Grow @u->text to hold @more bytes more; the old buffer is cleansed. */
static int text_reserve(struct ntlm_users *u, size_t more)
{
	size_t cap = u->cap ? u->cap : 4096;
	char *p;

	if (u->len + more <= u->cap)
		return 0;
	while (cap < u->len + more)
		cap *= 2;
	p = malloc(cap);
	if (!p)
		return -1;
	if (u->len)
		memcpy(p, u->text, u->len);
	if (u->text) {
		OPENSSL_cleanse(u->text, u->cap);
		free(u->text);
	}
	u->text = p;
	u->cap = cap;
	return 0;
}

static int add_record(struct ntlm_users *u, size_t off, size_t len)
{
	struct rec *r;

	if (u->n == u->rcap) {
		size_t cap = u->rcap ? u->rcap * 2 : 64;

		if (cap > UINT32_MAX - 1)
			return -1;
		r = realloc(u->recs, cap * sizeof(*r));
		if (!r)
			return -1;
		u->recs = r;
		u->rcap = cap;
	}
	r = &u->recs[u->n++];
	r->off = off;
	r->len = len;
	user_name(u->text + off, len - 1, &r->uoff, &r->ulen);
	r->uoff += off;
	return 0;
}

/* The chains, built backwards so that each is in file order. */
static int build_index(struct ntlm_users *u)
{
	size_t i;

	for (u->nbuckets = 16; u->nbuckets < 2 * u->n; u->nbuckets *= 2)
		;
	u->bucket = calloc(u->nbuckets, sizeof(*u->bucket));
	if (!u->bucket)
		return -1;
	for (i = u->n; i-- > 0;) {
		struct rec *r = &u->recs[i];
		const char *name = u->text + r->uoff;
		uint32_t *head = &u->others;

		if (ascii(name, r->ulen))
			head = &u->bucket[name_hash(name, r->ulen) & (u->nbuckets - 1)];
		r->next = *head;
		*head = (uint32_t)i + 1;
	}
	return 0;
}

void ntlm_users_free(struct ntlm_users *u)
{
	if (!u)
		return;
	if (u->text) {
		OPENSSL_cleanse(u->text, u->cap);
		free(u->text);
	}
	free(u->recs);
	free(u->bucket);
	free(u);
}

int ntlm_users_load(int fd, const char *path, struct ntlm_users **out, char *err, size_t errlen)
{
	FILE *f = fdopen(fd, "r");
	struct ntlm_users *u = calloc(1, sizeof(*u));
	char *line = NULL;
	size_t cap = 0, no = 0;
	ssize_t n;
	int ret = 0, kind;
	bool oom = false;

	*out = NULL;
	if (!f || !u) {
		snprintf(err, errlen, "cannot read the NTLM user file %s: %s", path,
			 f ? "out of memory" : strerror(errno));
		if (f)
			fclose(f);
		else
			close(fd);
		free(u);
		return -1;
	}
	while (!ret && (n = getline(&line, &cap, f)) > 0) {
		size_t off = u->len;

		no++;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if ((size_t)n > USER_LINE_MAX || memchr(line, '\0', (size_t)n)) {
			snprintf(err, errlen,
				 "the NTLM user file %s is malformed: line %zu is longer than "
				 "%d bytes or holds a NUL",
				 path, no, USER_LINE_MAX);
			ret = -1;
			break;
		}
		/* the line as read, before user_line() cuts it into fields */
		if (text_reserve(u, (size_t)n + 1)) {
			snprintf(err, errlen, "cannot read the NTLM user file %s: out of memory",
				 path);
			ret = -1;
			oom = true;
			break;
		}
		memcpy(u->text + off, line, (size_t)n);
		u->text[off + (size_t)n] = '\n';
		kind = user_line(line, (size_t)n);
		if (kind < 0) {
			snprintf(err, errlen,
				 "the NTLM user file %s is malformed at line %zu (neither "
				 "DOMAIN:USER:PASSWORD nor [DOMAIN\\]USER:UID:LM:NT:...)",
				 path, no);
			ret = -1;
		} else if (kind > 0) {
			u->len += (size_t)n + 1;
			if (add_record(u, off, (size_t)n + 1)) {
				snprintf(err, errlen,
					 "cannot read the NTLM user file %s: out of memory", path);
				ret = -1;
				oom = true;
			}
		}
	}
	if (!ret && ferror(f)) {
		snprintf(err, errlen, "cannot read the NTLM user file %s: %s", path,
			 strerror(errno));
		ret = -1;
	}
	if (!ret && !u->n) {
		snprintf(err, errlen, "the NTLM user file %s %s", path,
			 no ? "has no user line" : "is empty");
		ret = -1;
	}
	if (!ret && build_index(u)) {
		snprintf(err, errlen, "cannot read the NTLM user file %s: out of memory", path);
		ret = -1;
		oom = true;
	}
	if (line) {
		OPENSSL_cleanse(line, cap); /* clear-text password lines */
		free(line);
	}
	fclose(f);
	if (ret) {
		ntlm_users_free(u);
		return oom ? -2 : -1;
	}
	*out = u;
	return 0;
}

size_t ntlm_users_count(const struct ntlm_users *u)
{
	return u ? u->n : 0;
}

/* Write @n of @iov at *@off, all of it. */
static int write_all(int fd, struct iovec *iov, int n, off_t *off)
{
	while (n > 0) {
		ssize_t w = pwritev(fd, iov, n, *off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		*off += w;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

bool ntlm_users_name_ok(const char *user)
{
	return user && *user && ascii(user, strlen(user));
}

long ntlm_users_select(const struct ntlm_users *u, const char *user, int fd, off_t *size)
{
	struct iovec iov[IOV_BATCH];
	uint32_t a = 0, b = 0;
	size_t ulen;
	off_t off = 0;
	long lines = 0;
	int n = 0;

	if (!u || !ntlm_users_name_ok(user)) {
		errno = EINVAL;
		*size = -1;
		return -1;
	}
	ulen = strlen(user);
	a = u->bucket[name_hash(user, ulen) & (u->nbuckets - 1)];
	b = u->others;
	/* merge the two chains, both in file order */
	while (a || b) {
		const struct rec *r;

		if (a && (!b || a < b)) {
			r = &u->recs[a - 1];
			a = r->next;
			if (!same_name(u->text + r->uoff, r->ulen, user, ulen))
				continue;
		} else {
			r = &u->recs[b - 1];
			b = r->next;
		}
		iov[n++] = (struct iovec){u->text + r->off, r->len};
		lines++;
		if (n == IOV_BATCH) {
			if (write_all(fd, iov, n, &off))
				goto fail;
			n = 0;
		}
	}
	if (n && write_all(fd, iov, n, &off))
		goto fail;
	/*
	 * Writing from 0 made the file at least @off long; a longer one loses
	 * only its tail beyond the answer, so no page below it is freed.
	 */
	if ((*size < 0 || off < *size) && ftruncate(fd, off))
		goto fail;
	*size = off;
	return lines;
fail:
	*size = -1;
	return -1;
}
