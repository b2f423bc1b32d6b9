/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credssp-rdpd's configuration file (/etc/credssp/credssp-rdpd.conf): "key =
 * value" lines, '#' comment lines, blank lines; unknown keys, bad values,
 * duplicates and lines over RDPD_CONFIG_LINE_MAX bytes are errors. See
 * credssp-rdpd(8).
 */
#ifndef KCREDSSP_RDPD_CONFIG_H
#define KCREDSSP_RDPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RDPD_CONFIG_PATH     "/etc/credssp/credssp-rdpd.conf"
#define RDPD_CONFIG_LINE_MAX 1024
#define RDPD_CONFIG_SIZE_MAX (1024 * 1024)
#define RDPD_PATH_MAX	     108 /* sun_path */

enum rdpd_log { RDPD_LOG_STDERR, RDPD_LOG_SYSLOG };

/* What to do when the client delegated no password (Restricted Admin, smart card). */
enum rdpd_no_password {
	RDPD_NO_PASSWORD_REFUSE,       /* close, with an audit line saying why */
	RDPD_NO_PASSWORD_LOGIN_SCREEN, /* no INFO_AUTOLOGON: xrdp's own login dialog */
};

struct rdpd_config {
	/* listen: an IPv4 or IPv6 address and a port */
	char listen_addr[64];
	uint16_t listen_port;
	/* backend: a unix socket path, or a TCP address and port */
	bool backend_unix;
	char backend_path[RDPD_PATH_MAX];
	char backend_addr[64];
	uint16_t backend_port;
	char session[64]; /* the Client Info domain xrdp sees: its xrdp.ini section */
	unsigned int max_connections;
	unsigned int max_per_source;
	unsigned int handshake_timeout; /* seconds, accept to Client Info relayed */
	unsigned int step_timeout;	/* seconds, each read or write before that */
	unsigned int idle_timeout;	/* seconds without data either way, 0: none */
	unsigned int failed_logons;	/* failures per source within failed_window ... */
	unsigned int failed_window;	/* ... seconds, before its connections are refused */
	enum rdpd_no_password no_password;
	bool keep_shell; /* pass the client's AlternateShell and WorkingDir */
	bool splice;	 /* relay with splice(2), else read/write */
	enum rdpd_log log;
	bool debug;
};

void rdpd_config_init(struct rdpd_config *cfg);

/*
 * Parse @len bytes of text named @name into @cfg (initialised first).
 * Return: 0, or -1 with "name:line: what" in @err, @cfg back to defaults.
 */
int rdpd_config_parse(const char *name, const char *text, size_t len, struct rdpd_config *cfg,
		      char *err, size_t errlen);

/* Read and parse the file @path; same return values. */
int rdpd_config_load(const char *path, struct rdpd_config *cfg, char *err, size_t errlen);

#endif /* KCREDSSP_RDPD_CONFIG_H */
