// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of helper/ntlm_users.c: the NTLM user file's check, its index,
 * and the candidate lines of a logon, which must hold every line that
 * gss-ntlmssp could match for the user, in file order, and for an ASCII
 * name nothing else but lines of users named otherwise than in ASCII.
 */
#define _GNU_SOURCE /* memfd_create() */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ntlm_users.h"

#define NT ":0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:FC525C9683E8FE067095BA2DDC971889:[U]:LCT-0:"

/* @text as a file open for reading (a memfd). */
static int file_of(const char *text)
{
	int fd = memfd_create("users", MFD_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    lseek(fd, 0, SEEK_SET))
		return -1;
	return fd;
}

static struct ntlm_users *load(const char *text, char *err, size_t errlen)
{
	struct ntlm_users *u = NULL;
	int fd = file_of(text);

	if (fd < 0 || ntlm_users_load(fd, "users", &u, err, errlen))
		return NULL;
	return u;
}

/* The candidate lines for @user, as one string; "" on failure. */
static char *select_of(struct ntlm_users *u, const char *user, long *lines)
{
	static char out[1 << 16];
	int fd = memfd_create("logon", MFD_CLOEXEC);
	off_t size = -1; /* not known: the stale content must go all the same */
	ssize_t n;

	out[0] = '\0';
	*lines = -1;
	if (fd < 0)
		return out;
	if (write(fd, "stale content, longer than any answer here\n", 43) == 43)
		*lines = ntlm_users_select(u, user, fd, &size);
	n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return out;
}

static const char users[] = "# a comment: alice:x:y\n"
			    "CONTOSO\\bob" NT "\n"
			    "\n"
			    "CONTOSO\\alice" NT "\n"
			    "FABRIKAM:Alice:heimdal password\r\n"
			    "carol" NT "\n"
			    "\xe2\x84\xaa"
			    "ate" NT "\n" /* KELVIN SIGN ate: folds to kate */
			    "ALICE" NT "\n"
			    "FABRIKAM\\alicia" NT "\n"
			    "OTHER:dave:pw";

TEST(loads_user_lines_only)
{
	char err[256] = "";
	struct ntlm_users *u = load(users, err, sizeof(err));

	ASSERT_NE(NULL, u) TH_LOG("%s", err);
	EXPECT_EQ(8, ntlm_users_count(u));
	ntlm_users_free(u);
}

TEST(candidates_in_file_order)
{
	struct ntlm_users *u = load(users, NULL, 0);
	long n;

	ASSERT_NE(NULL, u);
	/* every alice (any case, any domain, either format), in order, and the non-ASCII user */
	EXPECT_STREQ("CONTOSO\\alice" NT "\n"
		     "FABRIKAM:Alice:heimdal password\r\n"
		     "\xe2\x84\xaa"
		     "ate" NT "\n"
		     "ALICE" NT "\n",
		     select_of(u, "aLiCe", &n));
	EXPECT_EQ(4, n);
	/* a name nobody has: only the non-ASCII user, whom gss-ntlmssp may still fold to it */
	EXPECT_STREQ("\xe2\x84\xaa"
		     "ate" NT "\n",
		     select_of(u, "kate", &n));
	EXPECT_EQ(1, n);
	EXPECT_STREQ("\xe2\x84\xaa"
		     "ate" NT "\n",
		     select_of(u, "alic", &n));
	/* the last line had no newline: it gets one */
	EXPECT_STREQ("\xe2\x84\xaa"
		     "ate" NT "\n"
		     "OTHER:dave:pw\n",
		     select_of(u, "DAVE", &n));
	EXPECT_EQ(2, n);
	ntlm_users_free(u);
}

/*
 * The engine's way: one memfd for every logon, its size known from the
 * last answer (zeros in between, as logon_clear() leaves it). Whatever the
 * order of longer, shorter, equal and refused answers, the file holds
 * exactly the answer and *size is its size.
 */
TEST(one_file_many_logons)
{
	static const char *const seq[] = {"aLiCe", "kate", "alic", "DAVE", "", "kate", "aLiCe"};
	struct ntlm_users *u = load(users, NULL, 0);
	int fd = memfd_create("logon", MFD_CLOEXEC);
	char want[4096], got[4096];
	off_t size = 0;
	struct stat sb;
	size_t i;

	ASSERT_NE(NULL, u);
	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		long n, lines;
		char *z;

		snprintf(want, sizeof(want), "%s", select_of(u, seq[i], &n));
		lines = ntlm_users_select(u, seq[i], fd, &size);
		EXPECT_EQ(n, lines) TH_LOG("%s", seq[i]);
		ASSERT_EQ(0, fstat(fd, &sb));
		if (lines < 0) {
			EXPECT_EQ(-1, size);
			continue;
		}
		EXPECT_EQ(sb.st_size, size) TH_LOG("%s", seq[i]);
		EXPECT_EQ((ssize_t)strlen(want), pread(fd, got, sizeof(got), 0));
		EXPECT_EQ(0, memcmp(want, got, strlen(want))) TH_LOG("%s", seq[i]);
		/* what logon_clear() does between logons */
		z = calloc(1, (size_t)size + 1);
		ASSERT_NE(NULL, z);
		EXPECT_EQ((ssize_t)size, pwrite(fd, z, (size_t)size, 0));
		free(z);
	}
	close(fd);
	ntlm_users_free(u);
}

TEST(refuses_names_not_plain)
{
	struct ntlm_users *u = load(users, NULL, 0);
	long n;

	ASSERT_NE(NULL, u);
	/* the engine lets gss-ntlmssp read the whole file for these */
	select_of(u, NULL, &n);
	EXPECT_EQ(-1, n);
	select_of(u, "", &n);
	EXPECT_EQ(-1, n);
	select_of(u, "\xc3\xa1lice", &n);
	EXPECT_EQ(-1, n);
	/* '@' and '\\' are the engine's to judge; here they are just characters */
	EXPECT_STREQ("\xe2\x84\xaa"
		     "ate" NT "\n",
		     select_of(u, "alice@contoso.com", &n));
	EXPECT_EQ(1, n);
	ntlm_users_free(u);
}

TEST(many_users_one_chain_each)
{
	size_t cap = 100000 * 96, len = 0, i;
	char *text = malloc(cap), err[256] = "";
	struct ntlm_users *u;
	long n;

	ASSERT_NE(NULL, text);
	for (i = 0; i < 100000; i++)
		len += (size_t)snprintf(text + len, cap - len, "D\\user%zu" NT "\n", i);
	u = load(text, err, sizeof(err));
	free(text);
	ASSERT_NE(NULL, u) TH_LOG("%s", err);
	EXPECT_EQ(100000, ntlm_users_count(u));
	EXPECT_STREQ("D\\user99999" NT "\n", select_of(u, "USER99999", &n));
	EXPECT_EQ(1, n);
	EXPECT_STREQ("D\\user0" NT "\n", select_of(u, "user0", &n));
	EXPECT_STREQ("", select_of(u, "user100000", &n));
	EXPECT_EQ(0, n);
	ntlm_users_free(u);
}

TEST(refuses_what_gss_ntlmssp_would_misread)
{
	static const char *const bad[] = {
		"",
		"# only a comment\n",
		"alice:1:2:3\n",			/* four fields: gss-ntlmssp skips it */
		"CONTOSO:alice:\n",			/* no password */
		"CONTOSO\\alice:0:X:not-a-hash:[U]:\n", /* NT not 32 hex digits */
		"CONTOSO\\:0:X:FC525C9683E8FE067095BA2DDC971889:[U]:\n",
		"a\\b:alice:pw\n", /* a cut smbpasswd line */
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		EXPECT_EQ(NULL, load(bad[i], err, sizeof(err))) TH_LOG("line %zu", i);
		EXPECT_NE(0, strlen(err)) TH_LOG("line %zu", i);
	}
}

TEST(refuses_long_lines_and_nul)
{
	char line[1100], err[256] = "";
	int fd;
	struct ntlm_users *u = NULL;

	memset(line, 'a', sizeof(line));
	memcpy(line, "D:u:", 4);
	line[1023] = '\n'; /* 1023 bytes before the newline: one too many */
	line[1024] = '\0';
	EXPECT_EQ(NULL, load(line, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "longer than 1022 bytes")) TH_LOG("%s", err);
	line[1022] = '\n'; /* 1022: fine */
	line[1023] = '\0';
	u = load(line, err, sizeof(err));
	EXPECT_NE(NULL, u) TH_LOG("%s", err);
	ntlm_users_free(u);

	fd = memfd_create("nul", MFD_CLOEXEC);
	ASSERT_EQ(8, write(fd, "D:u:p\0w\n", 8));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	u = NULL;
	EXPECT_EQ(-1, ntlm_users_load(fd, "nul", &u, err, sizeof(err)));
	EXPECT_EQ(NULL, u);
}

TEST_HARNESS_MAIN
