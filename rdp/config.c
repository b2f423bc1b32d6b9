// SPDX-License-Identifier: GPL-2.0
/* credssp-rdpd's configuration parser (see config.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

enum key_type { K_LISTEN, K_BACKEND, K_SESSION, K_UINT, K_BOOL, K_NO_PASSWORD, K_LOG };

struct key_desc {
	const char *name;
	enum key_type type;
	size_t off;
	unsigned int min, max;
};

#define OFF(f) offsetof(struct rdpd_config, f)
static const struct key_desc keys[] = {
	{"listen", K_LISTEN, 0, 0, 0},
	{"backend", K_BACKEND, 0, 0, 0},
	{"session", K_SESSION, 0, 0, 0},
	{"max_connections", K_UINT, OFF(max_connections), 1, 100000},
	{"max_per_source", K_UINT, OFF(max_per_source), 1, 100000},
	{"handshake_timeout", K_UINT, OFF(handshake_timeout), 1, 3600},
	{"step_timeout", K_UINT, OFF(step_timeout), 1, 3600},
	{"idle_timeout", K_UINT, OFF(idle_timeout), 0, 31536000},
	{"failed_logons", K_UINT, OFF(failed_logons), 1, 100000},
	{"failed_window", K_UINT, OFF(failed_window), 1, 86400},
	{"no_password", K_NO_PASSWORD, 0, 0, 0},
	{"keep_shell", K_BOOL, OFF(keep_shell), 0, 0},
	{"splice", K_BOOL, OFF(splice), 0, 0},
	{"log", K_LOG, 0, 0, 0},
	{"debug", K_BOOL, OFF(debug), 0, 0},
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* A static object: its padding is zero, so whole configurations compare with memcmp(). */
static const struct rdpd_config defaults = {
	.listen_addr = "0.0.0.0",
	.listen_port = 3389,
	.backend_unix = true,
	.backend_path = "/run/xrdp/credssp-rdpd.socket",
	.max_connections = 256,
	.max_per_source = 16,
	.handshake_timeout = 30,
	.step_timeout = 10,
	.idle_timeout = 0,
	.failed_logons = 5,
	.failed_window = 300,
	.no_password = RDPD_NO_PASSWORD_REFUSE,
	.keep_shell = false,
	.splice = true,
	.log = RDPD_LOG_STDERR,
};

void rdpd_config_init(struct rdpd_config *cfg)
{
	memcpy(cfg, &defaults, sizeof(*cfg));
}

static int fail(char *err, size_t errlen, const char *name, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const char *name, unsigned int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (errlen) {
		if (line)
			snprintf(err, errlen, "%s:%u: %s", name, line, msg);
		else
			snprintf(err, errlen, "%s: %s", name, msg);
	}
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool value_is(const char *v, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(v, word, n) == 0;
}

static int parse_uint(const char *v, size_t n, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	unsigned long x = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (unsigned long)(v[i] - '0');
	}
	if (x < min || x > max)
		return -1;
	*out = (unsigned int)x;
	return 0;
}

/* "ADDR:PORT" or "[V6ADDR]:PORT", the address numeric, into @addr (64) and @port. */
static int parse_hostport(const char *v, size_t n, char *addr, uint16_t *port, bool port0)
{
	const char *colon, *a = v;
	size_t an;
	unsigned int p;
	unsigned char bin[16];
	char tmp[64];

	colon = memrchr(v, ':', n);
	if (!colon)
		return -1;
	an = (size_t)(colon - v);
	if (an >= 2 && v[0] == '[' && v[an - 1] == ']') {
		a = v + 1;
		an -= 2;
	}
	if (an == 0 || an >= sizeof(tmp))
		return -1;
	memcpy(tmp, a, an);
	tmp[an] = '\0';
	if (inet_pton(AF_INET, tmp, bin) != 1 && inet_pton(AF_INET6, tmp, bin) != 1)
		return -1;
	if (parse_uint(colon + 1, (size_t)(v + n - colon - 1), port0 ? 0 : 1, 65535, &p))
		return -1;
	memcpy(addr, tmp, an + 1);
	*port = (uint16_t)p;
	return 0;
}

static int set_value(const struct key_desc *k, const char *v, size_t n, struct rdpd_config *cfg,
		     const char *name, unsigned int line, char *err, size_t errlen)
{
	char *field = (char *)cfg + k->off;
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] == 0x7f)
			return fail(err, errlen, name, line, "control character in the value of %s",
				    k->name);
	switch (k->type) {
	case K_LISTEN:
		if (parse_hostport(v, n, cfg->listen_addr, &cfg->listen_port, true))
			return fail(err, errlen, name, line,
				    "listen: expected ADDRESS:PORT (numeric address)");
		return 0;
	case K_BACKEND:
		if (n > 5 && !memcmp(v, "unix:", 5)) {
			if (v[5] != '/' || n - 5 >= RDPD_PATH_MAX)
				return fail(err, errlen, name, line,
					    "backend: unix: needs an absolute path under %d bytes",
					    RDPD_PATH_MAX);
			cfg->backend_unix = true;
			memcpy(cfg->backend_path, v + 5, n - 5);
			cfg->backend_path[n - 5] = '\0';
			return 0;
		}
		if (n > 4 && !memcmp(v, "tcp:", 4) &&
		    !parse_hostport(v + 4, n - 4, cfg->backend_addr, &cfg->backend_port, false)) {
			cfg->backend_unix = false;
			return 0;
		}
		return fail(err, errlen, name, line,
			    "backend: expected unix:/PATH or tcp:ADDRESS:PORT");
	case K_SESSION:
		if (n >= sizeof(cfg->session) || v[0] == '_')
			return fail(
				err, errlen, name, line,
				"session: an xrdp.ini section name, under 64 bytes, not '_...'");
		memcpy(cfg->session, v, n);
		cfg->session[n] = '\0';
		return 0;
	case K_BOOL:
		if (value_is(v, n, "yes"))
			*(bool *)field = true;
		else if (value_is(v, n, "no"))
			*(bool *)field = false;
		else
			return fail(err, errlen, name, line, "%s: expected yes or no", k->name);
		return 0;
	case K_UINT:
		if (parse_uint(v, n, k->min, k->max, (unsigned int *)field))
			return fail(err, errlen, name, line,
				    "%s: expected an integer from %u to %u", k->name, k->min,
				    k->max);
		return 0;
	case K_NO_PASSWORD:
		if (value_is(v, n, "refuse"))
			cfg->no_password = RDPD_NO_PASSWORD_REFUSE;
		else if (value_is(v, n, "login-screen"))
			cfg->no_password = RDPD_NO_PASSWORD_LOGIN_SCREEN;
		else
			return fail(err, errlen, name, line,
				    "no_password: expected refuse or login-screen");
		return 0;
	case K_LOG:
		if (value_is(v, n, "stderr"))
			cfg->log = RDPD_LOG_STDERR;
		else if (value_is(v, n, "syslog"))
			cfg->log = RDPD_LOG_SYSLOG;
		else
			return fail(err, errlen, name, line, "log: expected stderr or syslog");
		return 0;
	}
	return fail(err, errlen, name, line, "internal error");
}

static int parse_line(const char *s, size_t n, struct rdpd_config *cfg, unsigned int *seen,
		      const char *name, unsigned int line, char *err, size_t errlen)
{
	const char *eq, *k, *v;
	size_t kn, vn, i;

	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	while (n && is_blank(s[n - 1]))
		n--;
	if (n == 0 || s[0] == '#')
		return 0;
	eq = memchr(s, '=', n);
	if (!eq)
		return fail(err, errlen, name, line, "expected 'key = value'");
	k = s;
	kn = (size_t)(eq - s);
	while (kn && is_blank(k[kn - 1]))
		kn--;
	v = eq + 1;
	vn = (size_t)(s + n - v);
	while (vn && is_blank(*v)) {
		v++;
		vn--;
	}
	for (i = 0; i < N_KEYS; i++)
		if (strlen(keys[i].name) == kn && memcmp(keys[i].name, k, kn) == 0)
			break;
	if (i == N_KEYS)
		return fail(err, errlen, name, line, "unknown key");
	if (seen[i])
		return fail(err, errlen, name, line, "duplicate key '%s' (first set on line %u)",
			    keys[i].name, seen[i]);
	if (vn == 0)
		return fail(err, errlen, name, line, "empty value for '%s'", keys[i].name);
	if (set_value(&keys[i], v, vn, cfg, name, line, err, errlen))
		return -1;
	seen[i] = line;
	return 0;
}

int rdpd_config_parse(const char *name, const char *text, size_t len, struct rdpd_config *cfg,
		      char *err, size_t errlen)
{
	unsigned int seen[N_KEYS] = {0};
	unsigned int line = 0;
	size_t pos = 0;

	rdpd_config_init(cfg);
	if (len > RDPD_CONFIG_SIZE_MAX)
		return fail(err, errlen, name, 0, "file too large");
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		line++;
		pos += n + (nl ? 1 : 0);
		if (memchr(s, '\0', n)) {
			rdpd_config_init(cfg);
			return fail(err, errlen, name, line, "NUL byte");
		}
		if (n > RDPD_CONFIG_LINE_MAX) {
			rdpd_config_init(cfg);
			return fail(err, errlen, name, line, "line longer than %d bytes",
				    RDPD_CONFIG_LINE_MAX);
		}
		if (parse_line(s, n, cfg, seen, name, line, err, errlen)) {
			rdpd_config_init(cfg);
			return -1;
		}
	}
	if (cfg->max_per_source > cfg->max_connections)
		cfg->max_per_source = cfg->max_connections;
	return 0;
}

int rdpd_config_load(const char *path, struct rdpd_config *cfg, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int r;

	rdpd_config_init(cfg);
	f = fopen(path, "re");
	if (!f)
		return fail(err, errlen, path, 0, "%s", strerror(errno));
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb;

			if (cap >= RDPD_CONFIG_SIZE_MAX + 4096) {
				free(buf);
				fclose(f);
				return fail(err, errlen, path, 0, "file too large");
			}
			nb = realloc(buf, cap + 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return fail(err, errlen, path, 0, "out of memory");
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return fail(err, errlen, path, 0, "read error");
	}
	fclose(f);
	r = rdpd_config_parse(path, buf ? buf : "", len, cfg, err, errlen);
	free(buf);
	return r;
}
