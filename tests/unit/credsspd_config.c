// SPDX-License-Identifier: GPL-2.0
/* Unit tests of helper/credsspd/config.c, credsspd's configuration parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kselftest_harness.h"

#define CERT "certificate = /etc/credssp/cert.pem\n"
#define KEY  "key = /etc/credssp/key.pem\n"

static int parse(const char *text, struct credsspd_config *cfg, char *err, size_t errlen)
{
	credsspd_config_init(cfg);
	err[0] = '\0';
	return credsspd_config_parse("t.conf", text, strlen(text), cfg, err, errlen);
}

/* The text must fail with exactly @want as the message. */
static int fails_with(const char *text, const char *want)
{
	struct credsspd_config cfg;
	char err[512];

	if (parse(text, &cfg, err, sizeof(err)) != -1) {
		credsspd_config_free(&cfg);
		fprintf(stderr, "accepted: %s\n", text);
		return 0;
	}
	if (strcmp(err, want)) {
		fprintf(stderr, "got  '%s'\nwant '%s'\n", err, want);
		return 0;
	}
	/* Nothing is left allocated or set after a failure. */
	return !cfg.certificate && !cfg.key && !cfg.keytab && !cfg.ntlm_user_file && !cfg.user &&
	       cfg.workers == CREDSSPD_WORKERS_DEFAULT && !cfg.named && !cfg.n_named;
}

TEST(minimal_file_defaults)
{
	struct credsspd_config cfg;
	char err[256];

	ASSERT_EQ(0, parse(CERT KEY, &cfg, err, sizeof(err)));
	EXPECT_STREQ("/etc/credssp/cert.pem", cfg.certificate);
	EXPECT_STREQ("/etc/credssp/key.pem", cfg.key);
	EXPECT_EQ(NULL, cfg.keytab);
	EXPECT_EQ(NULL, cfg.ntlm_user_file);
	EXPECT_EQ(NULL, cfg.user);
	EXPECT_EQ(5, cfg.min_version);
	EXPECT_EQ(4, cfg.workers);
	EXPECT_EQ(CREDSSPD_LOG_STDERR, cfg.log);
	EXPECT_FALSE(cfg.debug);
	EXPECT_FALSE(cfg.allow_other_delegated_user);
	/* issue 16: unbound delegated credentials are dropped unless asked for */
	EXPECT_FALSE(cfg.keep_unbound_delegated);
	credsspd_config_free(&cfg);
}

TEST(every_key)
{
	static const char text[] = "# credsspd\n"
				   "\n"
				   "   # indented comment\n"
				   "certificate=/c.pem\n"
				   "\tkey\t=\t/k.pem  \n"
				   "keytab = /etc/krb5.keytab\r\n"
				   "ntlm_user_file = /etc/credssp/ntlm users\n"
				   "min_version = 6\n"
				   "allow_other_delegated_user = yes\n"
				   "keep_unbound_delegated_credentials = yes\n"
				   "workers = 64\n"
				   "user = _credssp-d.1\n"
				   "log = syslog\n"
				   "debug = yes"; /* no newline at the end */
	struct credsspd_config cfg;
	char err[256];

	ASSERT_EQ(0, parse(text, &cfg, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_STREQ("/c.pem", cfg.certificate);
	EXPECT_STREQ("/k.pem", cfg.key);
	EXPECT_STREQ("/etc/krb5.keytab", cfg.keytab);
	EXPECT_STREQ("/etc/credssp/ntlm users", cfg.ntlm_user_file);
	EXPECT_STREQ("_credssp-d.1", cfg.user);
	EXPECT_EQ(6, cfg.min_version);
	EXPECT_TRUE(cfg.allow_other_delegated_user);
	EXPECT_TRUE(cfg.keep_unbound_delegated);
	EXPECT_EQ(64, cfg.workers);
	EXPECT_EQ(CREDSSPD_LOG_SYSLOG, cfg.log);
	EXPECT_TRUE(cfg.debug);
	credsspd_config_free(&cfg);
	EXPECT_EQ(NULL, cfg.certificate);
}

TEST(no_values)
{
	struct credsspd_config cfg;
	char err[256];

	ASSERT_EQ(0, parse(CERT KEY "allow_other_delegated_user = no\ndebug = no\nlog = stderr\n"
				    "min_version = 2\nworkers = 1\n",
			   &cfg, err, sizeof(err)));
	EXPECT_FALSE(cfg.allow_other_delegated_user);
	EXPECT_FALSE(cfg.debug);
	EXPECT_EQ(CREDSSPD_LOG_STDERR, cfg.log);
	EXPECT_EQ(2, cfg.min_version);
	EXPECT_EQ(1, cfg.workers);
	credsspd_config_free(&cfg);
}

TEST(unknown_key)
{
	EXPECT_TRUE(fails_with(CERT "kye = /k.pem\n", "t.conf:2: unknown key 'kye'"));
	EXPECT_TRUE(fails_with("Certificate = /c\n", "t.conf:1: unknown key 'Certificate'"));
	/* Quoted safely and truncated. */
	EXPECT_TRUE(fails_with(
		"a\x01\xff"
		"bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz = 1\n",
		"t.conf:1: unknown key 'a??bcdefghijklmnopqrstuvwxyzabcdefghijklmnop...'"));
}

TEST(duplicate_key)
{
	EXPECT_TRUE(fails_with(CERT KEY "workers = 2\n# x\nworkers = 2\n",
			       "t.conf:5: duplicate key 'workers' (first set on line 3)"));
	EXPECT_TRUE(fails_with(CERT CERT,
			       "t.conf:2: duplicate key 'certificate' (first set on line 1)"));
}

TEST(syntax)
{
	EXPECT_TRUE(fails_with(CERT "key /k.pem\n", "t.conf:2: expected 'key = value'"));
	EXPECT_TRUE(fails_with(" = x\n", "t.conf:1: missing key before '='"));
	EXPECT_TRUE(fails_with(CERT "key =   \n", "t.conf:2: empty value for 'key'"));
	EXPECT_TRUE(fails_with(CERT "key = /a\tb\x7f\n" KEY,
			       "t.conf:3: duplicate key 'key' (first set on line 2)"));
	EXPECT_TRUE(fails_with(CERT "key = /a\x02\n",
			       "t.conf:2: control character in the value of key"));
}

TEST(bad_values)
{
	EXPECT_TRUE(fails_with(CERT KEY "workers = 0\n",
			       "t.conf:3: workers: expected an integer from 1 to 64, not '0'"));
	EXPECT_TRUE(fails_with(CERT KEY "workers = 65\n",
			       "t.conf:3: workers: expected an integer from 1 to 64, not '65'"));
	EXPECT_TRUE(fails_with(
		CERT KEY "workers = 4294967300\n",
		"t.conf:3: workers: expected an integer from 1 to 64, not '4294967300'"));
	EXPECT_TRUE(fails_with(
		CERT KEY "workers = 99999999999999999999\n",
		"t.conf:3: workers: expected an integer from 1 to 64, not '99999999999999999999'"));
	EXPECT_TRUE(fails_with(CERT KEY "workers = +4\n",
			       "t.conf:3: workers: expected an integer from 1 to 64, not '+4'"));
	EXPECT_TRUE(
		fails_with(CERT KEY "workers = 4 # four\n",
			   "t.conf:3: workers: expected an integer from 1 to 64, not '4 # four'"));
	EXPECT_TRUE(fails_with(CERT KEY "min_version = 1\n",
			       "t.conf:3: min_version: expected an integer from 2 to 6, not '1'"));
	EXPECT_TRUE(fails_with(CERT KEY "min_version = 7\n",
			       "t.conf:3: min_version: expected an integer from 2 to 6, not '7'"));
	EXPECT_TRUE(fails_with(CERT KEY "debug = true\n",
			       "t.conf:3: debug: expected yes or no, not 'true'"));
	EXPECT_TRUE(
		fails_with(CERT KEY "allow_other_delegated_user = YES\n",
			   "t.conf:3: allow_other_delegated_user: expected yes or no, not 'YES'"));
	EXPECT_TRUE(fails_with(CERT KEY "log = journal\n",
			       "t.conf:3: log: expected stderr or syslog, not 'journal'"));
	EXPECT_TRUE(fails_with(CERT KEY "user = -root\n",
			       "t.conf:3: user: '-root' is not a valid user name"));
	EXPECT_TRUE(fails_with(CERT KEY "user = a b\n",
			       "t.conf:3: user: 'a b' is not a valid user name"));
	EXPECT_TRUE(fails_with(
		CERT KEY "user = abcdefghijabcdefghijabcdefghijabc\n",
		"t.conf:3: user: 'abcdefghijabcdefghijabcdefghijabc' is not a valid user name"));
	EXPECT_TRUE(
		fails_with(CERT "key = k.pem\n", "t.conf:2: key: 'k.pem' is not an absolute path"));
	EXPECT_TRUE(fails_with(CERT KEY "keytab = ./krb5.keytab\n",
			       "t.conf:3: keytab: './krb5.keytab' is not an absolute path"));
}

TEST(required_keys)
{
	EXPECT_TRUE(fails_with(KEY, "t.conf: missing required key 'certificate'"));
	EXPECT_TRUE(fails_with(CERT, "t.conf: missing required key 'key'"));
	EXPECT_TRUE(fails_with("", "t.conf: missing required key 'certificate'"));
}

TEST(line_length_limit)
{
	size_t prefix = strlen("keytab = /");
	char *text = malloc(4096);
	struct credsspd_config cfg;
	char err[256];

	ASSERT_NE(NULL, text);
	/* Exactly CREDSSPD_CONFIG_LINE_MAX bytes before the newline: accepted. */
	strcpy(text, CERT KEY "keytab = /");
	memset(text + strlen(text), 'a', CREDSSPD_CONFIG_LINE_MAX - prefix);
	strcpy(text + strlen(CERT KEY) + CREDSSPD_CONFIG_LINE_MAX, "\n");
	ASSERT_EQ(0, parse(text, &cfg, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_EQ(CREDSSPD_CONFIG_LINE_MAX - prefix + 1, strlen(cfg.keytab));
	credsspd_config_free(&cfg);
	/* One more: refused, with or without a newline after it. */
	strcpy(text + strlen(CERT KEY) + CREDSSPD_CONFIG_LINE_MAX, "a\n");
	EXPECT_TRUE(fails_with(text, "t.conf:3: line too long (more than 1024 bytes)"));
	text[strlen(text) - 1] = '\0';
	EXPECT_TRUE(fails_with(text, "t.conf:3: line too long (more than 1024 bytes)"));
	/* A long comment line is still a long line. */
	memset(text, '#', 2000);
	text[2000] = '\0';
	EXPECT_TRUE(fails_with(text, "t.conf:1: line too long (more than 1024 bytes)"));
	free(text);
}

TEST(nul_byte)
{
	static const char text[] = CERT "key = /k\0.pem\n";
	struct credsspd_config cfg;
	char err[256];

	credsspd_config_init(&cfg);
	ASSERT_EQ(-1,
		  credsspd_config_parse("t.conf", text, sizeof(text) - 1, &cfg, err, sizeof(err)));
	EXPECT_STREQ("t.conf:2: NUL byte in line", err);
	EXPECT_EQ(NULL, cfg.certificate);
}

TEST(size_limit)
{
	struct credsspd_config cfg;
	char err[256];
	char *text = malloc(CREDSSPD_CONFIG_SIZE_MAX + 1);

	ASSERT_NE(NULL, text);
	memset(text, '\n', CREDSSPD_CONFIG_SIZE_MAX + 1);
	credsspd_config_init(&cfg);
	EXPECT_EQ(-1, credsspd_config_parse("t.conf", text, CREDSSPD_CONFIG_SIZE_MAX + 1, &cfg, err,
					    sizeof(err)));
	EXPECT_STREQ("t.conf: file too large (more than 1048576 bytes)", err);
	free(text);
}

TEST(small_error_buffer)
{
	struct credsspd_config cfg;
	char err[8];

	EXPECT_EQ(-1, parse("nope = 1\n", &cfg, err, sizeof(err)));
	EXPECT_STREQ("t.conf:", err);
	credsspd_config_init(&cfg);
	EXPECT_EQ(-1, credsspd_config_parse("t.conf", "x", 1, &cfg, NULL, 0));
}

TEST(load_file)
{
	char path[] = "/tmp/credsspd-config-XXXXXX";
	struct credsspd_config cfg;
	char err[512];
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	ASSERT_NE(NULL, f);
	fputs(CERT KEY "workers = 8\n", f);
	fclose(f);
	credsspd_config_init(&cfg);
	ASSERT_EQ(0, credsspd_config_load(path, &cfg, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_EQ(8, cfg.workers);
	credsspd_config_free(&cfg);

	f = fopen(path, "a");
	ASSERT_NE(NULL, f);
	fputs("bogus\n", f);
	fclose(f);
	credsspd_config_init(&cfg);
	ASSERT_EQ(-1, credsspd_config_load(path, &cfg, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, ":4: expected 'key = value'"));
	EXPECT_EQ(0, strncmp(err, path, strlen(path)));
	unlink(path);

	ASSERT_EQ(-1, credsspd_config_load(path, &cfg, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "cannot open: No such file or directory"));
	ASSERT_EQ(-1, credsspd_config_load("/tmp", &cfg, err, sizeof(err)));
	EXPECT_STREQ("/tmp: not a regular file", err);
}

/* Named credentials (issue 13, the access model): [credential NAME] sections. */
TEST(named_credentials)
{
	struct credsspd_config cfg;
	char err[256];

	ASSERT_EQ(0, parse(CERT KEY "workers = 2\n"
				    "[credential web]\n"
				    "certificate = /etc/credssp/web.pem\n"
				    "key = /etc/credssp/web.key\n"
				    "allow_users = alice, bob 1001\n"
				    "allow_groups = www-data\n"
				    "\n# comment\n"
				    "[ credential  Intranet-2.x ]\n"
				    "key = /k2\n"
				    "certificate = /c2\n",
			   &cfg, err, sizeof(err)));
	EXPECT_EQ(2, cfg.workers);
	ASSERT_EQ(2, cfg.n_named);
	EXPECT_STREQ("web", cfg.named[0].name);
	EXPECT_STREQ("/etc/credssp/web.pem", cfg.named[0].certificate);
	EXPECT_STREQ("/etc/credssp/web.key", cfg.named[0].key);
	ASSERT_EQ(3, cfg.named[0].n_users);
	EXPECT_STREQ("alice", cfg.named[0].users[0]);
	EXPECT_STREQ("bob", cfg.named[0].users[1]);
	EXPECT_STREQ("1001", cfg.named[0].users[2]);
	ASSERT_EQ(1, cfg.named[0].n_groups);
	EXPECT_STREQ("www-data", cfg.named[0].groups[0]);
	EXPECT_EQ(4, cfg.named[0].line);
	EXPECT_STREQ("Intranet-2.x", cfg.named[1].name);
	EXPECT_EQ(0, cfg.named[1].n_users);
	EXPECT_EQ(0, cfg.named[1].n_groups);
	EXPECT_STREQ("/c2", cfg.named[1].certificate);
	credsspd_config_free(&cfg);
	EXPECT_EQ(NULL, cfg.named);
	EXPECT_EQ(0, cfg.n_named);
}

TEST(named_credential_errors)
{
	EXPECT_TRUE(fails_with(CERT KEY "[credential]\n",
			       "t.conf:3: expected '[credential NAME]', not '[credential]'"));
	EXPECT_TRUE(fails_with(CERT KEY "[credentials web]\n",
			       "t.conf:3: expected '[credential NAME]', not '[credentials web]'"));
	EXPECT_TRUE(fails_with(CERT KEY "[credential web\n",
			       "t.conf:3: expected '[credential NAME]', not '[credential web'"));
	EXPECT_TRUE(fails_with(CERT KEY "[credential a/b]\n",
			       "t.conf:3: credential name 'a/b': 1 to 63 letters, digits, '.', "
			       "'_' or '-', not first '.' or '-'"));
	EXPECT_TRUE(fails_with(CERT KEY "[credential .x]\n",
			       "t.conf:3: credential name '.x': 1 to 63 letters, digits, '.', "
			       "'_' or '-', not first '.' or '-'"));
	EXPECT_TRUE(fails_with(CERT KEY "[credential w]\ncertificate = /c\nkey = /k\n"
					"[credential w]\n",
			       "t.conf:6: credential 'w' named twice (first on line 3)"));
	/* A global key inside a section is not silently the section's. */
	EXPECT_TRUE(
		fails_with(CERT KEY "[credential w]\nworkers = 2\n",
			   "t.conf:4: 'workers' belongs before the first [credential] section"));
	EXPECT_TRUE(fails_with(CERT KEY "[credential w]\nallow = x\n",
			       "t.conf:4: unknown key 'allow' in [credential w] (certificate, key, "
			       "allow_users, allow_groups)"));
	EXPECT_TRUE(fails_with(CERT KEY "[credential w]\ncertificate = /c\ncertificate = /d\n",
			       "t.conf:5: duplicate key 'certificate' in [credential w]"));
	EXPECT_TRUE(fails_with(CERT KEY "[credential w]\ncertificate = c\n",
			       "t.conf:4: certificate: 'c' is not an absolute path"));
	EXPECT_TRUE(fails_with(CERT KEY "[credential w]\ncertificate = /c\n",
			       "t.conf:3: [credential w] needs 'key'"));
	EXPECT_TRUE(fails_with(CERT KEY "[credential w]\nkey = /k\n",
			       "t.conf:3: [credential w] needs 'certificate'"));
	EXPECT_TRUE(fails_with(CERT KEY "[credential w]\nallow_users = al;ice\n",
			       "t.conf:4: allow_users: 'al;ice' is not a valid name"));
	/* An empty list is no grant; the section still needs its files. */
	EXPECT_TRUE(fails_with(CERT KEY "[credential w]\nallow_groups = ,\n",
			       "t.conf:3: [credential w] needs 'certificate'"));
	/* The global section still needs its own credential. */
	EXPECT_TRUE(fails_with("[credential w]\ncertificate = /c\nkey = /k\n",
			       "t.conf: missing required key 'certificate'"));
}

TEST(named_credential_limits)
{
	struct credsspd_config cfg;
	char err[256];
	size_t cap = 16 * 1024, n;
	char *t = malloc(cap);
	unsigned int i;

	ASSERT_NE(NULL, t);
	n = (size_t)snprintf(t, cap, CERT KEY);
	for (i = 0; i <= CREDSSPD_NAMED_MAX; i++)
		n += (size_t)snprintf(t + n, cap - n,
				      "[credential c%u]\ncertificate = /c\nkey = /k\n", i);
	credsspd_config_init(&cfg);
	EXPECT_EQ(-1, credsspd_config_parse("t.conf", t, n, &cfg, err, sizeof(err)));
	EXPECT_STREQ("t.conf:195: more than 64 [credential] sections", err);
	/* 256 users and groups in one credential, and not one more. */
	n = (size_t)snprintf(t, cap, CERT KEY "[credential w]\ncertificate = /c\nkey = /k\n");
	n += (size_t)snprintf(t + n, cap - n, "allow_groups = g0");
	for (i = 1; i < 100; i++)
		n += (size_t)snprintf(t + n, cap - n, ",g%u", i);
	n += (size_t)snprintf(t + n, cap - n, "\nallow_users = u0");
	for (i = 1; i < CREDSSPD_NAMED_IDS - 100; i++)
		n += (size_t)snprintf(t + n, cap - n, " u%u", i);
	n += (size_t)snprintf(t + n, cap - n, "\n");
	credsspd_config_init(&cfg);
	ASSERT_EQ(0, credsspd_config_parse("t.conf", t, n, &cfg, err, sizeof(err)));
	EXPECT_EQ(100, cfg.named[0].n_groups);
	EXPECT_EQ(156, cfg.named[0].n_users);
	credsspd_config_free(&cfg);
	n += (size_t)snprintf(t + n - 1, cap - n, " one-more\n") - 1;
	credsspd_config_init(&cfg);
	EXPECT_EQ(-1, credsspd_config_parse("t.conf", t, n, &cfg, err, sizeof(err)));
	EXPECT_STREQ("t.conf:7: allow_users: more than 256 users and groups in one credential",
		     err);
	free(t);
}

TEST_HARNESS_MAIN
