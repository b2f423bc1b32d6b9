/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The server credential the engine fuzzers share: a self-signed certificate
 * in a fresh state directory and an NTLM user file with one NT-hash line
 * (CONTOSO\alice, Passw0rd!). Header-only: each fuzzer is one translation
 * unit linked with the instrumented engine library. The directory (the
 * engine's lock, certificate and key, the user file) goes at exit: a run of
 * the smoke test must leave nothing in /tmp.
 */
#ifndef KCREDSSP_FUZZ_CRED_H
#define KCREDSSP_FUZZ_CRED_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/credssp.h>

#include "engine.h"

/* mkdtemp()'s template, the directory's name once fuzz_cred_new() made it */
static char fuzz_cred_dir[] = "/tmp/kcredssp-fuzz-XXXXXX";

/* the files the engine and fuzz_cred_new() wrote, then the directory */
static inline void fuzz_cred_cleanup(void)
{
	DIR *d = opendir(fuzz_cred_dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(fuzz_cred_dir);
}

static inline struct cssp_cred *fuzz_cred_new(bool ec, uint32_t min_version)
{
	struct cssp_cred_config cfg = {0};
	struct cssp_cred *cred;
	char users[300], err[512];
	FILE *f;

	if (!mkdtemp(fuzz_cred_dir))
		abort();
	atexit(fuzz_cred_cleanup);
	snprintf(users, sizeof(users), "%s/users", fuzz_cred_dir);
	f = fopen(users, "w");
	if (!f)
		abort();
	fputs("CONTOSO\\alice:1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
	      "FC525C9683E8FE067095BA2DDC971889:[U]:LCT-00000000:\n",
	      f);
	fclose(f);
	cfg.tls.state_dir = fuzz_cred_dir;
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
