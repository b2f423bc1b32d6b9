// SPDX-License-Identifier: GPL-2.0
/*
 * credsspctl - administer credssp.ko: status, contexts, statistics, delete.
 * See Documentation/credsspctl.8 (exit codes there).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "credssp.h"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1, /* the kernel refused or the object does not exist */
	EXIT_USAGE = 2,
	EXIT_NOMODULE = 3, /* credssp.ko not loaded */
	EXIT_PERM = 4,	   /* no CAP_NET_ADMIN */
};

static const char *prog = "credsspctl";
static int json;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-j] COMMAND [ARG]\n"
		"  status        helper, counts, keyring, limits\n"
		"  contexts      every context of this network namespace\n"
		"  show ID       one context, every field\n"
		"  delete ID     delete a context (DeleteSecurityContext as admin)\n"
		"  stats         handshakes by outcome and package\n"
		"  -j, --json    JSON output (status, contexts, show, stats)\n",
		prog);
}

/* Report a failure of an admin call (negative errno) and return the exit code. */
static int report(struct credssp_handle *h, const char *what, int err)
{
	const char *msg = credssp_last_message(h);

	if (err == -EPERM || err == -EACCES) {
		fprintf(stderr, "%s: %s: permission denied: needs CAP_NET_ADMIN\n", prog, what);
		return EXIT_PERM;
	}
	fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, strerror(-err), *msg ? ": " : "", msg);
	return EXIT_FAILED;
}

/* ---- formatting ---- */

static const char *state_name(uint32_t s)
{
	switch (s) {
	case CREDSSP_CTX_STATE_HANDSHAKE: return "handshake";
	case CREDSSP_CTX_STATE_ESTABLISHED: return "established";
	case CREDSSP_CTX_STATE_FAILED: return "failed";
	case CREDSSP_CTX_STATE_EXPIRED: return "expired";
	}
	return "unknown";
}

static const char *package_name(uint32_t p)
{
	switch (p) {
	case CREDSSP_PACKAGE_NONE: return "none";
	case CREDSSP_PACKAGE_NTLM: return "NTLM";
	case CREDSSP_PACKAGE_KERBEROS: return "Kerberos";
	}
	return "unknown";
}

static const char *outcome_name(uint32_t o)
{
	switch (o) {
	case CREDSSP_OUTCOME_OK: return "ok";
	case CREDSSP_OUTCOME_LOGON_DENIED: return "logon_denied";
	case CREDSSP_OUTCOME_INVALID_TOKEN: return "invalid_token";
	case CREDSSP_OUTCOME_OTHER_ERROR: return "other_error";
	case CREDSSP_OUTCOME_TIMEOUT: return "timeout";
	case CREDSSP_OUTCOME_HELPER_LOST: return "helper_lost";
	case CREDSSP_OUTCOME_ABANDONED: return "abandoned";
	}
	return "unknown";
}

static const char *creds_name(uint32_t t)
{
	switch (t) {
	case 0: return "none";
	case CREDSSP_CRED_TYPE_PASSWORD: return "password";
	case CREDSSP_CRED_TYPE_SMARTCARD: return "smartcard";
	case CREDSSP_CRED_TYPE_REMOTE_GUARD: return "remote_guard";
	}
	return "unknown";
}

static const char *binding_name(uint32_t b)
{
	switch (b) {
	case CREDSSP_CREDS_BINDING_NONE: return "none";
	case CREDSSP_CREDS_BINDING_BOUND: return "bound";
	case CREDSSP_CREDS_BINDING_UNBOUND: return "unbound";
	case CREDSSP_CREDS_BINDING_OTHER_USER: return "other_user";
	}
	return "unknown";
}

static const char *tls_name(uint32_t v)
{
	switch (v) {
	case 0: return "-";
	case 0x0303: return "TLS1.2";
	case 0x0304: return "TLS1.3";
	}
	return "TLS?";
}

/* Unix seconds as ISO 8601 UTC, "never" or "-" (0). */
static const char *fmt_time(uint64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == CREDSSP_TIME_NEVER)
		return "never";
	if (!t)
		return "-";
	if (t > (uint64_t)INT64_MAX || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%" PRIu64, t);
	return buf;
}

/* A string from the kernel for a terminal: control characters as '?'. */
static void print_text(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* Length of a valid UTF-8 sequence at s, 0 if invalid. */
static int utf8_len(const unsigned char *s)
{
	int n, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

/* A JSON string: escapes, control characters, invalid UTF-8 as U+FFFD. */
static void json_str(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putchar('"');
	while (*s) {
		int n;

		switch (*s) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				printf("\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", stdout);
				break;
			}
			fwrite(s, 1, n, stdout);
			s += n;
			continue;
		}
		s++;
	}
	putchar('"');
}

/* A time for JSON: Unix seconds, null for never. */
static void json_time(uint64_t t)
{
	if (t == CREDSSP_TIME_NEVER)
		fputs("null", stdout);
	else
		printf("%" PRIu64, t);
}

/* ---- commands ---- */

static int cmd_status(struct credssp_handle *h)
{
	struct credssp_status st;
	int err = credssp_get_status(h, &st);

	if (err)
		return report(h, "status", err);
	if (json) {
		printf("{\"helper\": %d, \"helper_pid\": %" PRIu32 ", \"contexts\": %" PRIu32
		       ", \"creds\": %" PRIu32 ", \"keyring\": %" PRId32
		       ", \"max_owner_contexts\": %" PRIu32 ", \"max_net_contexts\": %" PRIu32
		       ", \"max_owner_creds\": %" PRIu32 ", \"max_net_creds\": %" PRIu32
		       ", \"helper_timeout_ms\": %" PRIu32 ", \"handshake_timeout_ms\": %" PRIu32
		       ", \"max_lifetime\": %" PRIu32 ", \"token_max\": %" PRIu32 "}\n",
		       st.helper, st.helper_pid, st.contexts, st.creds, st.keyring,
		       st.limit_owner_contexts, st.limit_net_contexts, st.limit_owner_creds,
		       st.limit_net_creds, st.helper_timeout_ms, st.handshake_timeout_ms,
		       st.max_lifetime, st.token_max);
	} else {
		printf("%-22s%d\n", "helper", st.helper);
		printf("%-22s%" PRIu32 "\n", "helper_pid", st.helper_pid);
		printf("%-22s%" PRIu32 "\n", "contexts", st.contexts);
		printf("%-22s%" PRIu32 "\n", "creds", st.creds);
		printf("%-22s%" PRId32 "\n", "keyring", st.keyring);
		printf("%-22s%" PRIu32 "\n", "max_owner_contexts", st.limit_owner_contexts);
		printf("%-22s%" PRIu32 "\n", "max_net_contexts", st.limit_net_contexts);
		printf("%-22s%" PRIu32 "\n", "max_owner_creds", st.limit_owner_creds);
		printf("%-22s%" PRIu32 "\n", "max_net_creds", st.limit_net_creds);
		printf("%-22s%" PRIu32 "\n", "helper_timeout_ms", st.helper_timeout_ms);
		printf("%-22s%" PRIu32 "\n", "handshake_timeout_ms", st.handshake_timeout_ms);
		printf("%-22s%" PRIu32 "\n", "max_lifetime", st.max_lifetime);
		printf("%-22s%" PRIu32 "\n", "token_max", st.token_max);
	}
	credssp_free_status(&st);
	return EXIT_OK;
}

static int cmd_stats(struct credssp_handle *h)
{
	struct credssp_status st;
	uint64_t total = 0;
	size_t i;
	int err = credssp_get_status(h, &st);

	if (err)
		return report(h, "stats", err);
	for (i = 0; i < st.n_stats; i++)
		total += st.stats[i].count;
	if (json) {
		printf("{\"handshakes\": [");
		for (i = 0; i < st.n_stats; i++)
			printf("%s{\"outcome\": \"%s\", \"package\": \"%s\", \"count\": %" PRIu64
			       "}",
			       i ? ", " : "", outcome_name(st.stats[i].outcome),
			       package_name(st.stats[i].package), st.stats[i].count);
		printf("], \"total\": %" PRIu64 "}\n", total);
	} else {
		printf("%-16s%-10s%s\n", "OUTCOME", "PACKAGE", "COUNT");
		for (i = 0; i < st.n_stats; i++)
			printf("%-16s%-10s%" PRIu64 "\n", outcome_name(st.stats[i].outcome),
			       package_name(st.stats[i].package), st.stats[i].count);
		printf("%-26s%" PRIu64 "\n", "total", total);
	}
	credssp_free_status(&st);
	return EXIT_OK;
}

static void ctx_json(const struct credssp_ctx_info *c)
{
	printf("{\"id\": %" PRIu64 ", \"state\": \"%s\", \"owner_portid\": %" PRIu32
	       ", \"owner_pid\": %" PRIu32 ", \"package\": \"%s\", \"principal\": ",
	       c->id, state_name(c->state), c->owner_portid, c->owner_pid,
	       package_name(c->package));
	json_str(c->principal);
	printf(", \"version\": %" PRIu32 ", \"tls_version\": \"%s\", \"tls_cipher\": ", c->version,
	       tls_name(c->tls_version));
	json_str(c->tls_cipher);
	printf(", \"created\": ");
	json_time(c->created);
	printf(", \"expiry\": ");
	json_time(c->expiry);
	printf(", \"key\": %" PRId32 ", \"creds_type\": \"%s\", \"creds_binding\": \"%s\"}", c->key,
	       creds_name(c->creds_type), binding_name(c->creds_binding));
}

static void owner_str(const struct credssp_ctx_info *c, char *buf, size_t size)
{
	if (!c->owner_portid)
		snprintf(buf, size, "kernel");
	else
		snprintf(buf, size, "%" PRIu32, c->owner_pid);
}

static int cmd_contexts(struct credssp_handle *h)
{
	struct credssp_ctx_info *v;
	size_t n, i;
	int err = credssp_list_contexts(h, &v, &n);

	if (err)
		return report(h, "contexts", err);
	if (json) {
		printf("[");
		for (i = 0; i < n; i++) {
			printf(i ? ",\n " : "");
			ctx_json(&v[i]);
		}
		printf("]\n");
	} else {
		printf("%-19s%-12s%-8s%-9s%-7s%-21s%-11s%s\n", "ID", "STATE", "PID", "PACKAGE",
		       "TLS", "EXPIRY", "KEY", "PRINCIPAL");
		for (i = 0; i < n; i++) {
			char tb[32], owner[16];

			owner_str(&v[i], owner, sizeof(owner));
			printf("0x%016" PRIx64 " %-12s%-8s%-9s%-7s%-21s%-11" PRId32, v[i].id,
			       state_name(v[i].state), owner, package_name(v[i].package),
			       tls_name(v[i].tls_version), fmt_time(v[i].expiry, tb, sizeof(tb)),
			       v[i].key);
			print_text(*v[i].principal ? v[i].principal : "-");
			putchar('\n');
		}
	}
	free(v);
	return EXIT_OK;
}

static int parse_id(const char *s, uint64_t *id)
{
	char *end;

	errno = 0;
	*id = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "%s: not a context id: %s\n", prog, s);
		return -1;
	}
	return 0;
}

static int cmd_show(struct credssp_handle *h, uint64_t id)
{
	struct credssp_ctx_info c;
	char tb[32], owner[16];
	int err = credssp_get_context(h, id, &c);

	if (err == -ENOENT) {
		fprintf(stderr, "%s: show: no context 0x%016" PRIx64 "\n", prog, id);
		return EXIT_FAILED;
	}
	if (err)
		return report(h, "show", err);
	if (json) {
		ctx_json(&c);
		putchar('\n');
		return EXIT_OK;
	}
	owner_str(&c, owner, sizeof(owner));
	printf("%-14s0x%016" PRIx64 " (%" PRIu64 ")\n", "id", c.id, c.id);
	printf("%-14s%s\n", "state", state_name(c.state));
	printf("%-14s%s (portid %" PRIu32 ")\n", "owner", owner, c.owner_portid);
	printf("%-14s%s\n", "package", package_name(c.package));
	printf("%-14s", "principal");
	print_text(*c.principal ? c.principal : "-");
	printf("\n%-14s%" PRIu32 "\n", "version", c.version);
	printf("%-14s%s\n", "tls", tls_name(c.tls_version));
	printf("%-14s", "tls_cipher");
	print_text(*c.tls_cipher ? c.tls_cipher : "-");
	printf("\n%-14s%s\n", "created", fmt_time(c.created, tb, sizeof(tb)));
	printf("%-14s%s\n", "expiry", fmt_time(c.expiry, tb, sizeof(tb)));
	printf("%-14s%" PRId32 "\n", "key", c.key);
	printf("%-14s%s\n", "creds", creds_name(c.creds_type));
	printf("%-14s%s\n", "creds_binding", binding_name(c.creds_binding));
	return EXIT_OK;
}

static int cmd_delete(struct credssp_handle *h, uint64_t id)
{
	credssp_status_t st = credssp_delete_security_context(h, id);
	const char *msg = credssp_last_message(h);
	int err = credssp_last_error(h);

	if (st == CREDSSP_SEC_STATUS_OK) {
		printf("deleted context 0x%016" PRIx64 "\n", id);
		return EXIT_OK;
	}
	if (err)
		return report(h, "delete", -err);
	fprintf(stderr, "%s: delete 0x%016" PRIx64 ": %s (0x%08" PRIx32 ")%s\n", prog, id,
		credssp_status_name(st), st,
		st == CREDSSP_SEC_STATUS_INVALID_HANDLE ? ": no such context" : "");
	if (*msg)
		fprintf(stderr, "%s: kernel: %s\n", prog, msg);
	return EXIT_FAILED;
}

int main(int argc, char **argv)
{
	const char *args[3] = {NULL, NULL, NULL};
	struct credssp_handle *h;
	int i, n = 0, rc;
	uint64_t id = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (argv[i][0] == '-' && argv[i][1] && n < 2) {
			fprintf(stderr, "%s: unknown option %s\n", prog, argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		} else if (n < 3) {
			args[n++] = argv[i];
		} else {
			n++;
		}
	}
	if (!n) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(args[0], "show") || !strcmp(args[0], "delete")) {
		if (n != 2) {
			fprintf(stderr, "%s: %s needs one context id\n", prog, args[0]);
			return EXIT_USAGE;
		}
		if (parse_id(args[1], &id))
			return EXIT_USAGE;
	} else if (strcmp(args[0], "status") && strcmp(args[0], "contexts") &&
		   strcmp(args[0], "stats")) {
		fprintf(stderr, "%s: unknown command %s\n", prog, args[0]);
		usage(stderr);
		return EXIT_USAGE;
	} else if (n != 1) {
		fprintf(stderr, "%s: %s takes no argument\n", prog, args[0]);
		return EXIT_USAGE;
	}

	h = credssp_open();
	if (!h) {
		if (errno == ENOENT) {
			fprintf(stderr,
				"%s: credssp.ko is not loaded (genl family credssp not found)\n",
				prog);
			return EXIT_NOMODULE;
		}
		fprintf(stderr, "%s: cannot open a netlink socket: %s\n", prog, strerror(errno));
		return EXIT_FAILED;
	}
	if (!strcmp(args[0], "status"))
		rc = cmd_status(h);
	else if (!strcmp(args[0], "contexts"))
		rc = cmd_contexts(h);
	else if (!strcmp(args[0], "stats"))
		rc = cmd_stats(h);
	else if (!strcmp(args[0], "show"))
		rc = cmd_show(h, id);
	else
		rc = cmd_delete(h, id);
	credssp_close(h);
	if (fflush(stdout) && rc == EXIT_OK)
		rc = EXIT_FAILED;
	return rc;
}
