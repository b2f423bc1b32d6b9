// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for rdp/config.c: any bytes as a credssp-rdpd
 * configuration file. A success must give values inside their documented
 * ranges; a failure a "f.conf..." message and the defaults. Parsing is
 * deterministic. Any disagreement abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rdpd_config a, b, def;
	char err[512] = "", err2[512] = "";
	int ra, rb;

	ra = rdpd_config_parse("f.conf", (const char *)data, size, &a, err, sizeof(err));
	rb = rdpd_config_parse("f.conf", (const char *)data, size, &b, err2, sizeof(err2));
	if (ra != rb || strcmp(err, err2) || memcmp(&a, &b, sizeof(a)))
		abort();
	if (ra) {
		rdpd_config_init(&def);
		if (ra != -1 || strncmp(err, "f.conf", 6) || memcmp(&a, &def, sizeof(a)))
			abort();
		return 0;
	}
	if (!a.max_connections || !a.max_per_source || a.max_per_source > a.max_connections ||
	    !a.handshake_timeout || !a.step_timeout || !a.failed_logons || !a.failed_window ||
	    (a.backend_unix && a.backend_path[0] != '/') || (!a.backend_unix && !a.backend_port) ||
	    a.session[0] == '_' || memchr(a.backend_path, 0, sizeof(a.backend_path)) == NULL ||
	    memchr(a.session, 0, sizeof(a.session)) == NULL)
		abort();
	return 0;
}
