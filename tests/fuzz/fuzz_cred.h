/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The server credential the engine fuzzers share: a self-signed certificate
 * in a fresh state directory and an NTLM user file with one NT-hash line
 * (CONTOSO\alice, Passw0rd!). Header-only: each fuzzer is one translation
 * unit linked with the instrumented engine library.
 */
#ifndef KCREDSSP_FUZZ_CRED_H
#define KCREDSSP_FUZZ_CRED_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/credssp.h>

#include "engine.h"

static inline struct cssp_cred *fuzz_cred_new(bool ec, uint32_t min_version)
{
	static char dir[] = "/tmp/kcredssp-fuzz-XXXXXX";
	struct cssp_cred_config cfg = {0};
	struct cssp_cred *cred;
	char users[300], err[512];
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	snprintf(users, sizeof(users), "%s/users", dir);
	f = fopen(users, "w");
	if (!f)
		abort();
	fputs("CONTOSO\\alice:1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
	      "FC525C9683E8FE067095BA2DDC971889:[U]:LCT-00000000:\n",
	      f);
	fclose(f);
	cfg.tls.state_dir = dir;
	cfg.tls.self_signed_ec = ec;
	cfg.ntlm_user_file = users;
	cfg.min_version = min_version;
	if (cssp_cred_new(&cfg, &cred, err, sizeof(err)) != CREDSSP_SEC_STATUS_OK) {
		fprintf(stderr, "cssp_cred_new: %s\n", err);
		abort();
	}
	return cred;
}

#endif /* KCREDSSP_FUZZ_CRED_H */
