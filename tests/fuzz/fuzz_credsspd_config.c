// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for helper/credsspd/config.c: any bytes are parsed as a
 * credsspd configuration file. A success must give values inside their
 * documented ranges (required keys set, absolute paths, no control
 * characters); a failure must give a "name:..." message and leave nothing
 * allocated. Parsing is deterministic. Any disagreement abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void check_string(const char *s, bool path)
{
	size_t i, n;

	if (!s)
		return;
	n = strlen(s);
	if (n == 0 || n > CREDSSPD_CONFIG_LINE_MAX || (path && s[0] != '/'))
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			abort();
}

static bool same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A list entry: a user or group name as config.c's user_name_ok(). */
static void check_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || s[0] == '-' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
		      "NOPQRSTUVWXYZ0123456789_-.") != n)
		abort();
}

/* [credential NAME] sections: valid, distinct names, within limits, alike in @a and @b. */
static void check_named(const struct credsspd_config *a, const struct credsspd_config *b)
{
	if (a->n_named != b->n_named || a->n_named > CREDSSPD_NAMED_MAX)
		abort();
	for (size_t i = 0; i < a->n_named; i++) {
		const struct credsspd_named *c = &a->named[i], *d = &b->named[i];
		size_t n = strlen(c->name);

		if (n == 0 || n > CREDSSPD_NAME_MAX || c->name[0] == '.' || c->name[0] == '-' ||
		    strspn(c->name,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
			    n)
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(a->named[j].name, c->name))
				abort();
		if (!c->certificate || !c->key || c->n_users + c->n_groups > CREDSSPD_NAMED_IDS)
			abort();
		check_string(c->certificate, true);
		check_string(c->key, true);
		if (strcmp(c->name, d->name) || strcmp(c->certificate, d->certificate) ||
		    strcmp(c->key, d->key) || c->n_users != d->n_users ||
		    c->n_groups != d->n_groups)
			abort();
		for (size_t u = 0; u < c->n_users; u++)
			check_name(c->users[u]);
		for (size_t u = 0; u < c->n_groups; u++)
			check_name(c->groups[u]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct credsspd_config a, b;
	char err[512] = "", err2[512] = "";
	int ra, rb;

	credsspd_config_init(&a);
	credsspd_config_init(&b);
	ra = credsspd_config_parse("f.conf", (const char *)data, size, &a, err, sizeof(err));
	rb = credsspd_config_parse("f.conf", (const char *)data, size, &b, err2, sizeof(err2));
	if (ra != rb || strcmp(err, err2))
		abort();
	if (ra) {
		if (ra != -1 || strncmp(err, "f.conf:", 7) || a.certificate || a.key || a.keytab ||
		    a.ntlm_user_file || a.user || a.named || a.n_named)
			abort();
		return 0;
	}
	if (!a.certificate || !a.key || a.min_version < 2 || a.min_version > 6 || a.workers < 1 ||
	    a.workers > CREDSSPD_WORKERS_MAX ||
	    (a.log != CREDSSPD_LOG_STDERR && a.log != CREDSSPD_LOG_SYSLOG))
		abort();
	check_string(a.certificate, true);
	check_string(a.key, true);
	check_string(a.keytab, true);
	check_string(a.ntlm_user_file, true);
	check_string(a.user, false);
	if (a.user && (strlen(a.user) > 32 || a.user[0] == '-'))
		abort();
	if (!same_string(a.certificate, b.certificate) || !same_string(a.key, b.key) ||
	    !same_string(a.keytab, b.keytab) || !same_string(a.ntlm_user_file, b.ntlm_user_file) ||
	    !same_string(a.user, b.user) || a.workers != b.workers ||
	    a.min_version != b.min_version || a.debug != b.debug || a.log != b.log ||
	    a.allow_other_delegated_user != b.allow_other_delegated_user ||
	    a.keep_unbound_delegated != b.keep_unbound_delegated)
		abort();
	check_named(&a, &b);
	credsspd_config_free(&a);
	credsspd_config_free(&b);
	return 0;
}
