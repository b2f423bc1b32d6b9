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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gss.h"

static struct cssp_gss_server *srv;
static char dir[] = "/tmp/kcredssp-fuzz-users-XXXXXX";
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

static void setup(void)
{
	static const char line[] = "CONTOSO\\alice:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
				   "FC525C9683E8FE067095BA2DDC971889:[U]:LCT-0:\n";
	struct cssp_gss_config cfg = {NULL, path};
	char err[512];
	FILE *f;

	if (!mkdtemp(dir))
		abort();
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
	return 0;
}
