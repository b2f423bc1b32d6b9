// SPDX-License-Identifier: GPL-2.0
/*
 * credsspd's configuration parser: strict "key = value" lines. Anything it
 * does not understand is an error naming the file and line, so that a typo
 * never silently changes how the server authenticates.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

enum key_type {
	K_PATH,
	K_BOOL,
	K_UINT,
	K_LOG,
	K_USER,
};

struct key_desc {
	const char *name;
	enum key_type type;
	size_t off; /* of the field in struct credsspd_config */
	unsigned int min, max;
};

#define F(field) offsetof(struct credsspd_config, field)

static const struct key_desc keys[] = {
	{"certificate", K_PATH, F(certificate), 0, 0},
	{"key", K_PATH, F(key), 0, 0},
	{"keytab", K_PATH, F(keytab), 0, 0},
	{"ntlm_user_file", K_PATH, F(ntlm_user_file), 0, 0},
	{"min_version", K_UINT, F(min_version), 2, 6},
	{"allow_other_delegated_user", K_BOOL, F(allow_other_delegated_user), 0, 0},
	{"keep_unbound_delegated_credentials", K_BOOL, F(keep_unbound_delegated), 0, 0},
	{"workers", K_UINT, F(workers), 1, CREDSSPD_WORKERS_MAX},
	{"user", K_USER, F(user), 0, 0},
	{"log", K_LOG, F(log), 0, 0},
	{"debug", K_BOOL, F(debug), 0, 0},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

void credsspd_config_init(struct credsspd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->min_version = CREDSSPD_MIN_VERSION_DEFAULT;
	cfg->workers = CREDSSPD_WORKERS_DEFAULT;
	cfg->log = CREDSSPD_LOG_STDERR;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void credsspd_config_free(struct credsspd_config *cfg)
{
	for (size_t i = 0; i < cfg->n_named; i++) {
		struct credsspd_named *c = &cfg->named[i];

		free(c->name);
		free(c->certificate);
		free(c->key);
		free_list(c->users, c->n_users);
		free_list(c->groups, c->n_groups);
	}
	free(cfg->named);
	free(cfg->certificate);
	free(cfg->key);
	free(cfg->keytab);
	free(cfg->ntlm_user_file);
	free(cfg->user);
	credsspd_config_init(cfg);
}

__attribute__((format(printf, 5, 6))) static int fail(char *err, size_t errlen, const char *name,
						      unsigned int line, const char *fmt, ...)
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

/* A key or value quoted in a message: printable ASCII only, at most 40 bytes. */
static void quote(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < n && j + 4 < dstlen; i++)
		dst[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < n && j + 4 <= dstlen) {
		memcpy(dst + j, "...", 3);
		j += 3;
	}
	dst[j] = '\0';
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

static bool value_is(const char *v, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(v, word, n) == 0;
}

static bool user_name_ok(const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > 32 || v[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static int set_string(char **field, const char *v, size_t n, const char *name, unsigned int line,
		      char *err, size_t errlen)
{
	*field = strndup(v, n);
	if (!*field)
		return fail(err, errlen, name, line, "out of memory");
	return 0;
}

/* An absolute path for @key (no control characters) into *@field. */
static int set_path(char **field, const char *key, const char *v, size_t n, const char *name,
		    unsigned int line, char *err, size_t errlen)
{
	char q[48];

	quote(q, sizeof(q), v, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			return fail(err, errlen, name, line, "control character in the value of %s",
				    key);
	if (v[0] != '/')
		return fail(err, errlen, name, line, "%s: '%s' is not an absolute path", key, q);
	if (n >= 4096)
		return fail(err, errlen, name, line, "%s: path too long", key);
	return set_string(field, v, n, name, line, err, errlen);
}

static int set_value(const struct key_desc *k, const char *v, size_t n, struct credsspd_config *cfg,
		     const char *name, unsigned int line, char *err, size_t errlen)
{
	char *field = (char *)cfg + k->off;
	char q[48];
	size_t i;

	quote(q, sizeof(q), v, n);
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			return fail(err, errlen, name, line, "control character in the value of %s",
				    k->name);
	switch (k->type) {
	case K_PATH: return set_path((char **)field, k->name, v, n, name, line, err, errlen);
	case K_USER:
		if (!user_name_ok(v, n))
			return fail(err, errlen, name, line, "user: '%s' is not a valid user name",
				    q);
		return set_string((char **)field, v, n, name, line, err, errlen);
	case K_BOOL:
		if (value_is(v, n, "yes"))
			*(bool *)field = true;
		else if (value_is(v, n, "no"))
			*(bool *)field = false;
		else
			return fail(err, errlen, name, line, "%s: expected yes or no, not '%s'",
				    k->name, q);
		return 0;
	case K_UINT:
		if (parse_uint(v, n, k->min, k->max, (unsigned int *)field))
			return fail(err, errlen, name, line,
				    "%s: expected an integer from %u to %u, not '%s'", k->name,
				    k->min, k->max, q);
		return 0;
	case K_LOG:
		if (value_is(v, n, "stderr"))
			cfg->log = CREDSSPD_LOG_STDERR;
		else if (value_is(v, n, "syslog"))
			cfg->log = CREDSSPD_LOG_SYSLOG;
		else
			return fail(err, errlen, name, line,
				    "log: expected stderr or syslog, not '%s'", q);
		return 0;
	}
	return fail(err, errlen, name, line, "internal error");
}

/* The name of a [credential NAME] section: as the kernel's credssp_cred_name_ok(). */
static bool cred_name_ok(const char *v, size_t n)
{
	if (n == 0 || n > CREDSSPD_NAME_MAX || v[0] == '.' || v[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* "[credential NAME]": a new named credential, the section of the lines that follow. */
static int parse_section(const char *s, size_t n, struct credsspd_config *cfg, const char *name,
			 unsigned int line, char *err, size_t errlen)
{
	static const char word[] = "credential";
	struct credsspd_named *c;
	char q[48];
	size_t vn;

	quote(q, sizeof(q), s, n);
	if (n < 2 || s[n - 1] != ']')
		return fail(err, errlen, name, line, "expected '[credential NAME]', not '%s'", q);
	s++;
	n -= 2;
	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	while (n && is_blank(s[n - 1]))
		n--;
	if (n <= sizeof(word) - 1 || memcmp(s, word, sizeof(word) - 1) ||
	    !is_blank(s[sizeof(word) - 1]))
		return fail(err, errlen, name, line, "expected '[credential NAME]', not '%s'", q);
	s += sizeof(word) - 1;
	n -= sizeof(word) - 1;
	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	vn = n;
	quote(q, sizeof(q), s, vn);
	if (!cred_name_ok(s, vn))
		return fail(err, errlen, name, line,
			    "credential name '%s': 1 to %u letters, digits, '.', '_' or '-', "
			    "not first '.' or '-'",
			    q, CREDSSPD_NAME_MAX);
	for (size_t i = 0; i < cfg->n_named; i++)
		if (strlen(cfg->named[i].name) == vn && !memcmp(cfg->named[i].name, s, vn))
			return fail(err, errlen, name, line,
				    "credential '%s' named twice (first on line %u)", q,
				    cfg->named[i].line);
	if (cfg->n_named == CREDSSPD_NAMED_MAX)
		return fail(err, errlen, name, line, "more than %u [credential] sections",
			    CREDSSPD_NAMED_MAX);
	c = realloc(cfg->named, (cfg->n_named + 1) * sizeof(*c));
	if (!c)
		return fail(err, errlen, name, line, "out of memory");
	cfg->named = c;
	c = &cfg->named[cfg->n_named];
	memset(c, 0, sizeof(*c));
	c->line = line;
	c->name = strndup(s, vn);
	if (!c->name)
		return fail(err, errlen, name, line, "out of memory");
	cfg->n_named++;
	return 0;
}

/* A user or group list: names or ids, separated by commas or blanks. */
static int set_list(char ***list, size_t *count, size_t others, const char *v, size_t n,
		    const char *key, const char *name, unsigned int line, char *err, size_t errlen)
{
	size_t i = 0;
	char q[48];

	while (i < n) {
		size_t start, len;
		char **grown;

		while (i < n && (is_blank(v[i]) || v[i] == ','))
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && !is_blank(v[i]) && v[i] != ',')
			i++;
		len = i - start;
		quote(q, sizeof(q), v + start, len);
		if (!user_name_ok(v + start, len))
			return fail(err, errlen, name, line, "%s: '%s' is not a valid name", key,
				    q);
		if (*count + others == CREDSSPD_NAMED_IDS)
			return fail(err, errlen, name, line,
				    "%s: more than %u users and groups in one credential", key,
				    CREDSSPD_NAMED_IDS);
		grown = realloc(*list, (*count + 1) * sizeof(**list));
		if (!grown)
			return fail(err, errlen, name, line, "out of memory");
		*list = grown;
		(*list)[*count] = strndup(v + start, len);
		if (!(*list)[*count])
			return fail(err, errlen, name, line, "out of memory");
		(*count)++;
	}
	return 0;
}

/* "key = value" in the section of named credential @c. */
static int parse_named_key(struct credsspd_named *c, const char *k, size_t kn, const char *v,
			   size_t vn, const char *name, unsigned int line, char *err, size_t errlen)
{
	char q[48];
	char **field = NULL;

	quote(q, sizeof(q), k, kn);
	if (value_is(k, kn, "certificate"))
		field = &c->certificate;
	else if (value_is(k, kn, "key"))
		field = &c->key;
	if (field) {
		if (*field)
			return fail(err, errlen, name, line,
				    "duplicate key '%s' in [credential %s]", q, c->name);
		return set_path(field, field == &c->key ? "key" : "certificate", v, vn, name, line,
				err, errlen);
	}
	if (value_is(k, kn, "allow_users"))
		return set_list(&c->users, &c->n_users, c->n_groups, v, vn, "allow_users", name,
				line, err, errlen);
	if (value_is(k, kn, "allow_groups"))
		return set_list(&c->groups, &c->n_groups, c->n_users, v, vn, "allow_groups", name,
				line, err, errlen);
	for (size_t i = 0; i < N_KEYS; i++)
		if (value_is(k, kn, keys[i].name))
			return fail(err, errlen, name, line,
				    "'%s' belongs before the first [credential] section", q);
	return fail(err, errlen, name, line,
		    "unknown key '%s' in [credential %s] (certificate, key, allow_users, "
		    "allow_groups)",
		    q, c->name);
}

static int parse_line(const char *s, size_t n, struct credsspd_config *cfg, unsigned int *seen,
		      const char *name, unsigned int line, char *err, size_t errlen)
{
	const char *eq, *k, *v;
	size_t kn, vn, i;
	char q[48];

	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	while (n && is_blank(s[n - 1]))
		n--;
	if (n == 0 || s[0] == '#')
		return 0;
	if (s[0] == '[')
		return parse_section(s, n, cfg, name, line, err, errlen);
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
	quote(q, sizeof(q), k, kn);
	if (kn == 0)
		return fail(err, errlen, name, line, "missing key before '='");
	if (cfg->n_named) {
		if (vn == 0)
			return fail(err, errlen, name, line, "empty value for '%s'", q);
		return parse_named_key(&cfg->named[cfg->n_named - 1], k, kn, v, vn, name, line, err,
				       errlen);
	}
	for (i = 0; i < N_KEYS; i++)
		if (strlen(keys[i].name) == kn && memcmp(keys[i].name, k, kn) == 0)
			break;
	if (i == N_KEYS)
		return fail(err, errlen, name, line, "unknown key '%s'", q);
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

int credsspd_config_parse(const char *name, const char *text, size_t len,
			  struct credsspd_config *cfg, char *err, size_t errlen)
{
	unsigned int seen[N_KEYS] = {0};
	unsigned int line = 0;
	size_t pos = 0;

	if (len > CREDSSPD_CONFIG_SIZE_MAX) {
		fail(err, errlen, name, 0, "file too large (more than %u bytes)",
		     CREDSSPD_CONFIG_SIZE_MAX);
		goto out_fail;
	}
	while (pos < len) {
		const char *s = text + pos, *nl;
		size_t n;

		line++;
		nl = memchr(s, '\n', len - pos);
		n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl ? 1 : 0);
		if (n > CREDSSPD_CONFIG_LINE_MAX) {
			fail(err, errlen, name, line, "line too long (more than %u bytes)",
			     CREDSSPD_CONFIG_LINE_MAX);
			goto out_fail;
		}
		if (memchr(s, '\0', n)) {
			fail(err, errlen, name, line, "NUL byte in line");
			goto out_fail;
		}
		if (parse_line(s, n, cfg, seen, name, line, err, errlen))
			goto out_fail;
	}
	if (!cfg->certificate) {
		fail(err, errlen, name, 0, "missing required key 'certificate'");
		goto out_fail;
	}
	if (!cfg->key) {
		fail(err, errlen, name, 0, "missing required key 'key'");
		goto out_fail;
	}
	for (size_t i = 0; i < cfg->n_named; i++) {
		const struct credsspd_named *c = &cfg->named[i];

		if (!c->certificate || !c->key) {
			fail(err, errlen, name, c->line, "[credential %s] needs '%s'", c->name,
			     c->certificate ? "key" : "certificate");
			goto out_fail;
		}
	}
	return 0;

out_fail:
	credsspd_config_free(cfg);
	return -1;
}

int credsspd_config_load(const char *path, struct credsspd_config *cfg, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	ssize_t n;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, path, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fail(err, errlen, path, 0, "not a regular file");
		goto out;
	}
	if (st.st_size > CREDSSPD_CONFIG_SIZE_MAX) {
		fail(err, errlen, path, 0, "file too large (more than %u bytes)",
		     CREDSSPD_CONFIG_SIZE_MAX);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		fail(err, errlen, path, 0, "out of memory");
		goto out;
	}
	/* Read at most one byte more than fstat said, to notice a growing file. */
	while (len <= (size_t)st.st_size) {
		n = read(fd, text + len, (size_t)st.st_size + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(err, errlen, path, 0, "cannot read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > (size_t)st.st_size) {
		fail(err, errlen, path, 0, "file changed while reading");
		goto out;
	}
	ret = credsspd_config_parse(path, text, len, cfg, err, errlen);
out:
	free(text);
	close(fd);
	return ret;
}
