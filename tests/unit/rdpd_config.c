// SPDX-License-Identifier: GPL-2.0
/* Unit tests of rdp/config.c, credssp-rdpd's configuration parser. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "kselftest_harness.h"

static int parse(const char *text, struct rdpd_config *cfg, char *err, size_t errlen)
{
	err[0] = '\0';
	return rdpd_config_parse("t.conf", text, strlen(text), cfg, err, errlen);
}

static int fails_with(const char *text, const char *want)
{
	struct rdpd_config cfg, def;
	char err[512];

	rdpd_config_init(&def);
	if (parse(text, &cfg, err, sizeof(err)) != -1) {
		fprintf(stderr, "accepted: %s\n", text);
		return 0;
	}
	if (strcmp(err, want)) {
		fprintf(stderr, "got  '%s'\nwant '%s'\n", err, want);
		return 0;
	}
	return !memcmp(&cfg, &def, sizeof(cfg));
}

TEST(defaults)
{
	struct rdpd_config cfg;
	char err[256];

	ASSERT_EQ(0, parse("# nothing\n\n", &cfg, err, sizeof(err)));
	EXPECT_STREQ("0.0.0.0", cfg.listen_addr);
	EXPECT_EQ(3389, cfg.listen_port);
	EXPECT_TRUE(cfg.backend_unix);
	EXPECT_STREQ("/run/xrdp/credssp-rdpd.socket", cfg.backend_path);
	EXPECT_STREQ("", cfg.session);
	EXPECT_EQ(256U, cfg.max_connections);
	EXPECT_EQ(16U, cfg.max_per_source);
	EXPECT_EQ(30U, cfg.handshake_timeout);
	EXPECT_EQ(10U, cfg.step_timeout);
	EXPECT_EQ(0U, cfg.idle_timeout);
	EXPECT_EQ(5U, cfg.failed_logons);
	EXPECT_EQ(300U, cfg.failed_window);
	EXPECT_EQ(RDPD_NO_PASSWORD_REFUSE, cfg.no_password);
	EXPECT_FALSE(cfg.keep_shell);
	EXPECT_TRUE(cfg.splice);
	EXPECT_EQ(RDPD_LOG_STDERR, cfg.log);
}

TEST(every_key)
{
	struct rdpd_config cfg;
	char err[256];

	ASSERT_EQ(0, parse("listen = [::1]:13389\n"
			   "backend = tcp:127.0.0.1:3390\n"
			   "  session = Xorg  \n"
			   "max_connections = 10\n"
			   "max_per_source = 20\n"
			   "handshake_timeout = 5\n"
			   "step_timeout = 2\n"
			   "idle_timeout = 600\n"
			   "failed_logons = 3\n"
			   "failed_window = 60\n"
			   "no_password = login-screen\n"
			   "keep_shell = yes\n"
			   "splice = no\n"
			   "log = syslog\n"
			   "debug = yes",
			   &cfg, err, sizeof(err)));
	EXPECT_STREQ("::1", cfg.listen_addr);
	EXPECT_EQ(13389, cfg.listen_port);
	EXPECT_FALSE(cfg.backend_unix);
	EXPECT_STREQ("127.0.0.1", cfg.backend_addr);
	EXPECT_EQ(3390, cfg.backend_port);
	EXPECT_STREQ("Xorg", cfg.session);
	EXPECT_EQ(10U, cfg.max_connections);
	EXPECT_EQ(10U, cfg.max_per_source); /* capped by max_connections */
	EXPECT_EQ(600U, cfg.idle_timeout);
	EXPECT_EQ(RDPD_NO_PASSWORD_LOGIN_SCREEN, cfg.no_password);
	EXPECT_TRUE(cfg.keep_shell);
	EXPECT_FALSE(cfg.splice);
	EXPECT_EQ(RDPD_LOG_SYSLOG, cfg.log);
	EXPECT_TRUE(cfg.debug);
	ASSERT_EQ(0, parse("backend = unix:/run/xrdp/x.sock\nlisten = 10.0.0.1:0\n", &cfg, err,
			   sizeof(err)));
	EXPECT_STREQ("/run/xrdp/x.sock", cfg.backend_path);
	EXPECT_EQ(0, cfg.listen_port);
}

TEST(errors)
{
	EXPECT_TRUE(fails_with("bogus = 1\n", "t.conf:1: unknown key"));
	EXPECT_TRUE(fails_with("step_timeout = 1\nstep_timeout = 2\n",
			       "t.conf:2: duplicate key 'step_timeout' (first set on line 1)"));
	EXPECT_TRUE(fails_with("step_timeout\n", "t.conf:1: expected 'key = value'"));
	EXPECT_TRUE(fails_with("step_timeout =\n", "t.conf:1: empty value for 'step_timeout'"));
	EXPECT_TRUE(fails_with("step_timeout = 0\n",
			       "t.conf:1: step_timeout: expected an integer from 1 to 3600"));
	EXPECT_TRUE(fails_with("max_connections = 4294967296\n",
			       "t.conf:1: max_connections: expected an integer from 1 to 100000"));
	EXPECT_TRUE(fails_with("listen = localhost:3389\n",
			       "t.conf:1: listen: expected ADDRESS:PORT (numeric address)"));
	EXPECT_TRUE(fails_with("backend = unix:relative\n",
			       "t.conf:1: backend: unix: needs an absolute path under 108 bytes"));
	EXPECT_TRUE(fails_with("backend = tcp:127.0.0.1:0\n",
			       "t.conf:1: backend: expected unix:/PATH or tcp:ADDRESS:PORT"));
	EXPECT_TRUE(fails_with("session = _10.0.0.1\n",
			       "t.conf:1: session: an xrdp.ini section name, under 64 bytes, not "
			       "'_...'"));
	EXPECT_TRUE(fails_with("no_password = maybe\n",
			       "t.conf:1: no_password: expected refuse or login-screen"));
	EXPECT_TRUE(fails_with("splice = 1\n", "t.conf:1: splice: expected yes or no"));
	EXPECT_TRUE(fails_with("session = a\tb\n",
			       "t.conf:1: control character in the value of session"));
}

TEST_HARNESS_MAIN
