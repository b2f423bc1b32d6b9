// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of helper/credsspd/audit.c: credsspd's one line per
 * authentication attempt and its rate limit (issue 16).
 */
#include <stdio.h>
#include <string.h>

#include <linux/credssp.h>

#include "audit.h"
#include "kselftest_harness.h"

static struct cssp_result ok_result(const char *principal)
{
	struct cssp_result r;

	memset(&r, 0, sizeof(r));
	r.package = CSSP_PACKAGE_NTLM;
	r.spnego = true;
	snprintf(r.principal, sizeof(r.principal), "%s", principal);
	r.version = 6;
	snprintf(r.tls_cipher, sizeof(r.tls_cipher), "TLS_AES_128_GCM_SHA256");
	r.creds.type = CSSP_CRED_PASSWORD;
	r.binding = CSSP_DELEG_BOUND;
	return r;
}

TEST(success_line)
{
	struct cssp_result r = ok_result("CONTOSO\\alice");
	struct audit_attempt a = {.ctx_id = 7, .status = CREDSSP_SEC_STATUS_OK, .result = &r};
	char line[1024];

	audit_format(line, sizeof(line), &a);
	EXPECT_STREQ("auth ctx=0000000000000007 peer=- package=SPNEGO/NTLM "
		     "principal=\"CONTOSO\\alice\" status=SEC_E_OK version=6 "
		     "tls=TLS_AES_128_GCM_SHA256 delegated=password binding=bound",
		     line);
}

/* An unbound smart card dropped (engine.rst): the line says what was not delegated. */
TEST(dropped_line)
{
	struct cssp_result r = ok_result("CONTOSO\\alice");
	struct audit_attempt a = {.ctx_id = 8, .status = CREDSSP_SEC_STATUS_OK, .result = &r};
	char line[1024];

	r.spnego = false;
	r.binding = CSSP_DELEG_UNBOUND;
	r.creds_empty = r.creds_dropped = true;
	r.dropped_type = CSSP_CRED_SMARTCARD;
	audit_format(line, sizeof(line), &a);
	EXPECT_NE(NULL, strstr(line, " package=NTLM "));
	EXPECT_NE(NULL, strstr(line, " delegated=none binding=unbound dropped=smartcard"))
	TH_LOG("%s", line);
}

/* A failure names whom the client claimed to be, never as the principal. */
TEST(failure_line)
{
	struct audit_attempt a = {.ctx_id = 0xabc,
				  .status = CREDSSP_SEC_STATUS_LOGON_DENIED,
				  .package = CSSP_PACKAGE_NTLM,
				  .claimed = "CONTOSO\\mallory"};
	char line[1024];

	audit_format(line, sizeof(line), &a);
	EXPECT_STREQ("auth ctx=0000000000000abc peer=- package=NTLM principal=- "
		     "claimed=\"CONTOSO\\mallory\" status=SEC_E_LOGON_DENIED",
		     line);
	a.claimed = NULL;
	a.package = CSSP_PACKAGE_KERBEROS;
	a.status = CREDSSP_SEC_STATUS_NO_AUTHENTICATING_AUTHORITY;
	audit_format(line, sizeof(line), &a);
	EXPECT_STREQ("auth ctx=0000000000000abc peer=- package=Kerberos principal=- "
		     "status=SEC_E_NO_AUTHENTICATING_AUTHORITY",
		     line);
	a.abandoned = true;
	a.package = CSSP_PACKAGE_NONE;
	audit_format(line, sizeof(line), &a);
	EXPECT_STREQ("auth ctx=0000000000000abc peer=- package=- principal=- status=abandoned",
		     line);
}

/*
 * Names come from the client (an NTLM user file line without a domain takes
 * any domain the client sends): no forged line, no broken quoting.
 */
TEST(names_cannot_forge_lines)
{
	struct cssp_result r = ok_result("EVIL\n\"x\" status=SEC_E_OK\\alice");
	struct audit_attempt a = {.ctx_id = 1, .status = CREDSSP_SEC_STATUS_OK, .result = &r};
	char line[1024];

	audit_format(line, sizeof(line), &a);
	EXPECT_EQ(NULL, strchr(line, '\n'));
	EXPECT_NE(NULL,
		  strstr(line, "principal=\"EVIL??x? status=SEC_E_OK\\alice\" status=SEC_E_OK"))
	TH_LOG("%s", line);
	a = (struct audit_attempt){
		.ctx_id = 1, .status = CREDSSP_SEC_STATUS_LOGON_DENIED, .claimed = "a\r\x7f\"b"};
	audit_format(line, sizeof(line), &a);
	EXPECT_NE(NULL, strstr(line, "claimed=\"a???b\"")) TH_LOG("%s", line);
}

TEST(ratelimit)
{
	struct audit_ratelimit rl = AUDIT_RATELIMIT_INIT;
	unsigned long held = 99;

	EXPECT_TRUE(audit_ratelimit(&rl, 60, 1000, &held));
	EXPECT_EQ(0, held);
	EXPECT_FALSE(audit_ratelimit(&rl, 60, 1001, &held));
	EXPECT_FALSE(audit_ratelimit(&rl, 60, 1059, &held));
	EXPECT_TRUE(audit_ratelimit(&rl, 60, 1060, &held));
	EXPECT_EQ(2, held);
	/* a clock stepped back does not silence it for good */
	EXPECT_TRUE(audit_ratelimit(&rl, 60, 10, &held));
	EXPECT_EQ(0, held);
}

TEST_HARNESS_MAIN
