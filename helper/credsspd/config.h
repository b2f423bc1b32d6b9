/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credsspd's configuration file (/etc/credssp/credsspd.conf): "key = value"
 * lines, '#' comment lines, blank lines. See credsspd(8).
 */
#ifndef CREDSSPD_CONFIG_H
#define CREDSSPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CREDSSPD_CONFIG_PATH	     "/etc/credssp/credsspd.conf"
#define CREDSSPD_CONFIG_LINE_MAX     1024 /* bytes of one line, newline excluded */
#define CREDSSPD_CONFIG_SIZE_MAX     (1024 * 1024)
#define CREDSSPD_WORKERS_MAX	     64
#define CREDSSPD_WORKERS_DEFAULT     4
#define CREDSSPD_MIN_VERSION_DEFAULT 5

/* Named server credentials ([credential NAME] sections), as the kernel's limits. */
#define CREDSSPD_NAMED_MAX 64  /* CREDSSP_GRANTS_MAX */
#define CREDSSPD_NAMED_IDS 256 /* CREDSSP_GRANT_IDS_MAX: users and groups of one */
#define CREDSSPD_NAME_MAX  63  /* CREDSSP_CRED_NAME_MAX */

/*
 * A named server credential: its certificate and key, and the users and
 * groups (names or numeric ids, as written) that may acquire it without
 * CAP_NET_ADMIN. Everything else (keytab, NTLM users, policy) is the
 * global section's.
 */
struct credsspd_named {
	char *name;
	char *certificate;
	char *key;
	char **users;
	size_t n_users;
	char **groups;
	size_t n_groups;
	unsigned int line; /* of its section header */
};

enum credsspd_log {
	CREDSSPD_LOG_STDERR,
	CREDSSPD_LOG_SYSLOG,
};

struct credsspd_config {
	char *certificate;    /* PEM certificate (chain), required */
	char *key;	      /* PEM private key, required */
	char *keytab;	      /* Kerberos acceptor keytab, or NULL */
	char *ntlm_user_file; /* gss-ntlmssp user file, or NULL */
	char *user;	      /* run as this user after start-up, or NULL */
	uint32_t min_version; /* 2..6 */
	bool allow_other_delegated_user;
	bool keep_unbound_delegated; /* keep_unbound_delegated_credentials */
	unsigned int workers;	     /* 1..CREDSSPD_WORKERS_MAX */
	enum credsspd_log log;
	bool debug;
	struct credsspd_named *named; /* [credential NAME] sections, in file order */
	size_t n_named;
};

/* Defaults (no file values), nothing allocated. */
void credsspd_config_init(struct credsspd_config *cfg);

/*
 * Parse @len bytes of configuration text named @name (for messages) into
 * @cfg, which must be initialised. Returns 0, or -1 with "name:line: what"
 * in @err; on failure @cfg holds nothing (freed and reinitialised).
 */
int credsspd_config_parse(const char *name, const char *text, size_t len,
			  struct credsspd_config *cfg, char *err, size_t errlen);

/* Read and parse the file @path. Same return values. */
int credsspd_config_load(const char *path, struct credsspd_config *cfg, char *err, size_t errlen);

void credsspd_config_free(struct credsspd_config *cfg);

#endif /* CREDSSPD_CONFIG_H */
