// SPDX-License-Identifier: GPL-2.0
/*
 * credsspd: the helper of credssp.ko. It registers as the helper of its
 * network namespace over the "credssp" generic netlink family, drops every
 * capability, and runs the CredSSP engine (TLS, SPNEGO/NTLM/Kerberos,
 * TSRequests) for the requests its workers take from the kernel's queue.
 * See credsspd(8).
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <linux/credssp.h>

#include "config.h"
#include "engine.h"
#include "log.h"
#include "netlink.h"
#include "privs.h"
#include "worker.h"

/* The notification socket's buffer: HELPER_READY is small, an overrun harmless. */
#define RCVBUF_BYTES (1024 * 1024)
/* Take requests this often even without a notification (one may be lost). */
#define POLL_FALLBACK_MS 1000

static void usage(FILE *f)
{
	fprintf(f, "usage: credsspd [-c FILE] [-F] [-d] [-t] [-h]\n"
		   "  -c FILE  configuration file (default " CREDSSPD_CONFIG_PATH ")\n"
		   "  -F       stay in the foreground (always the case; for systemd units)\n"
		   "  -d       debug logging\n"
		   "  -t       check the configuration and the server credential, then exit\n"
		   "  -h       this help\n");
}

/*
 * One server credential: @cert and @key, the rest (keytab, NTLM users,
 * policy) from the global section. @label names it in messages.
 */
static struct cssp_cred *load_cred(const struct credsspd_config *cfg, const char *cert,
				   const char *key, const char *label)
{
	struct cssp_cred_config cc = {0};
	struct cssp_cred *cred = NULL;
	char err[512] = "";

	cc.tls.cert_file = cert;
	cc.tls.key_file = key;
	cc.keytab = cfg->keytab;
	cc.ntlm_user_file = cfg->ntlm_user_file;
	cc.min_version = cfg->min_version;
	cc.allow_other_delegated_user = cfg->allow_other_delegated_user;
	cc.keep_unbound_delegated = cfg->keep_unbound_delegated;
	if (cssp_cred_new(&cc, &cred, err, sizeof(err)) != CREDSSP_SEC_STATUS_OK) {
		/* Fail closed: without credsspd the kernel fails every logon at once. */
		log_err("%s: %s; not starting: every logon is denied "
			"(SEC_E_NO_AUTHENTICATING_AUTHORITY) until this is fixed",
			label, err[0] ? err : "cannot be loaded");
		return NULL;
	}
	return cred;
}

/* The default server credential, then one per [credential NAME]: *@out, or -1. */
static int load_creds(const struct credsspd_config *cfg, struct pool_cred **out)
{
	struct pool_cred *pc = calloc(cfg->n_named + 1, sizeof(*pc));
	char label[96];

	*out = pc;
	if (!pc) {
		log_err("out of memory");
		return -1;
	}
	pc[0].name = "";
	pc[0].cred = load_cred(cfg, cfg->certificate, cfg->key, "server credential");
	if (!pc[0].cred)
		return -1;
	for (size_t i = 0; i < cfg->n_named; i++) {
		const struct credsspd_named *c = &cfg->named[i];

		snprintf(label, sizeof(label), "[credential %s]", c->name);
		pc[i + 1].name = c->name;
		pc[i + 1].cred = load_cred(cfg, c->certificate, c->key, label);
		if (!pc[i + 1].cred)
			return -1;
	}
	return 0;
}

static void free_creds(struct pool_cred *pc, size_t n)
{
	for (size_t i = 0; pc && i < n; i++)
		cssp_cred_free(pc[i].cred);
	free(pc);
}

/*
 * A user or group of an allow_ list: a name, or else (as chown(1) reads
 * one) a numeric id as written. 0 or -1.
 */
static int resolve_id(const char *s, bool group, uint32_t *id)
{
	char *end;
	unsigned long v;

	if (group) {
		struct group *g = getgrnam(s);

		if (g) {
			*id = (uint32_t)g->gr_gid;
			return 0;
		}
	} else {
		struct passwd *pw = getpwnam(s);

		if (pw) {
			*id = (uint32_t)pw->pw_uid;
			return 0;
		}
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v >= UINT32_MAX)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/* The ids of @n names of an allow_users (or, @group, allow_groups) list of @c. 0 or -1. */
static int resolve_list(const struct credsspd_named *c, char *const *names, size_t n, bool group,
			uint32_t *ids)
{
	for (size_t u = 0; u < n; u++) {
		if (resolve_id(names[u], group, &ids[u])) {
			log_err("[credential %s]: allow_%s: no %s '%s'", c->name,
				group ? "groups" : "users", group ? "group" : "user", names[u]);
			return -1;
		}
	}
	return 0;
}

/*
 * Who may acquire each named credential, as ids, for HELPER_REGISTER: in
 * *@out (ids in *@ids, both freed by the caller), or -1 naming what is not
 * a known user or group. Resolved once, at start.
 */
static int resolve_grants(const struct credsspd_config *cfg, struct cnl_grant **out, uint32_t **ids)
{
	size_t total = 0, k = 0;
	struct cnl_grant *g;
	uint32_t *id;

	for (size_t i = 0; i < cfg->n_named; i++)
		total += cfg->named[i].n_users + cfg->named[i].n_groups;
	*out = g = calloc(cfg->n_named + 1, sizeof(*g));
	*ids = id = calloc(total + 1, sizeof(*id));
	if (!g || !id) {
		log_err("out of memory");
		return -1;
	}
	for (size_t i = 0; i < cfg->n_named; i++) {
		const struct credsspd_named *c = &cfg->named[i];

		g[i].name = c->name;
		g[i].uids = id + k;
		g[i].n_uids = c->n_users;
		g[i].gids = id + k + c->n_users;
		g[i].n_gids = c->n_groups;
		if (resolve_list(c, c->users, c->n_users, false, id + k) ||
		    resolve_list(c, c->groups, c->n_groups, true, id + k + c->n_users))
			return -1;
		k += c->n_users + c->n_groups;
	}
	return 0;
}

/* -t: what each named credential is and who may acquire it. */
static void print_grants(const struct credsspd_config *cfg, const struct cnl_grant *g)
{
	for (size_t i = 0; i < cfg->n_named; i++) {
		printf("credsspd: credential %s: %s; users", g[i].name, cfg->named[i].certificate);
		for (size_t u = 0; u < g[i].n_uids; u++)
			printf(" %s(%u)", cfg->named[i].users[u], g[i].uids[u]);
		printf("%s; groups", g[i].n_uids ? "" : " none");
		for (size_t u = 0; u < g[i].n_gids; u++)
			printf(" %s(%u)", cfg->named[i].groups[u], g[i].gids[u]);
		printf("%s\n", g[i].n_gids ? "" : " none");
	}
}

/*
 * Watch the signals and the HELPER_READY notifications until SIGTERM or
 * SIGINT, kicking the workers on each notification, on an overrun (which
 * may have dropped one) and every POLL_FALLBACK_MS. 0 or -1.
 */
static int serve(struct cnl *nl, int sfd, struct pool *pool)
{
	struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN},
				{.fd = cnl_fd(nl), .events = POLLIN}};
	struct signalfd_siginfo si;
	int n, ret;

	for (;;) {
		n = poll(pfd, 2, POLL_FALLBACK_MS);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			pool_kick(pool);
			continue;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				log_warn("SIGHUP: reloading is not supported, restart credsspd to "
					 "apply a new configuration");
				continue;
			}
			log_info("signal %u: exiting", si.ssi_signo);
			return 0;
		}
		if (pfd[1].revents & (POLLIN | POLLERR)) {
			ret = cnl_read_ready(nl);
			if (ret == -ENOBUFS)
				log_debug("notifications lost to a receive buffer overrun: taking "
					  "requests anyway (they wait in the kernel's queue)");
			else if (ret < 0 && ret != -EAGAIN && ret != -EINTR) {
				log_err("netlink receive: %s", strerror(-ret));
				return -1;
			}
			if (ret)
				pool_kick(pool);
		}
		if (pfd[1].revents & (POLLHUP | POLLNVAL)) {
			log_err("netlink socket closed");
			return -1;
		}
	}
}

/* Register the main socket (the process becomes the helper), then the workers'. 0 or -1. */
static int register_helper(struct cnl *nl, struct pool *pool, const struct cnl_grant *grants,
			   size_t n_grants)
{
	int ret = cnl_register(nl, grants, n_grants);

	if (!ret)
		ret = pool_register(pool);
	if (ret == -EBUSY) {
		log_err("another helper is already registered in this network namespace "
			"(is credsspd already running?)");
	} else if (ret == -EPROTO) {
		log_err("credssp.ko speaks another helper protocol version (credsspd speaks %u)",
			CREDSSP_HELPER_VERSION);
	} else if (ret) {
		log_err("cannot register as the helper: %s", strerror(-ret));
	}
	return ret ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *path = CREDSSPD_CONFIG_PATH;
	struct credsspd_config cfg;
	struct pool_cred *creds = NULL;
	struct cnl_grant *grants = NULL;
	uint32_t *grant_ids = NULL;
	struct pool *pool = NULL;
	struct cnl nl = {0};
	bool check = false, debug = false;
	char err[512];
	sigset_t mask;
	int opt, sfd = -1, status = 1;

	while ((opt = getopt(argc, argv, "c:Fdth")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'F': break;
		case 'd': debug = true; break;
		case 't': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	credsspd_config_init(&cfg);
	if (credsspd_config_load(path, &cfg, err, sizeof(err))) {
		fprintf(stderr, "credsspd: %s\n", err);
		return 1;
	}
	if (debug)
		cfg.debug = true;
	if (cssp_engine_tune_malloc())
		fprintf(stderr, "credsspd: mallopt(M_TRIM_THRESHOLD) refused; going on\n");
	/* gss-ntlmssp reads it at its first use: NTLMv2 only. */
	if (setenv("LM_COMPAT_LEVEL", "5", 1)) {
		fprintf(stderr, "credsspd: setenv: %s\n", strerror(errno));
		goto out;
	}
	if (check) {
		/* -t: the check's output goes to the terminal, whatever "log" says. */
		log_setup(CREDSSPD_LOG_STDERR, cfg.debug);
		if (privs_lookup(cfg.user, err, sizeof(err))) {
			log_err("%s", err);
			goto out;
		}
		if (load_creds(&cfg, &creds) || resolve_grants(&cfg, &grants, &grant_ids))
			goto out;
		print_grants(&cfg, grants);
		printf("credsspd: %s: configuration OK\n", path);
		status = 0;
		goto out;
	}
	log_setup(cfg.log, cfg.debug);
	if (chdir("/")) {
		log_err("chdir /: %s", strerror(errno));
		goto out;
	}
	if (load_creds(&cfg, &creds) || resolve_grants(&cfg, &grants, &grant_ids))
		goto out;

	/* Before any thread: they inherit the blocked mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		log_err("signalfd: %s", strerror(errno));
		goto out;
	}

	/* The main socket watches HELPER_READY; the workers' take and answer. */
	if (cnl_open(&nl, err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}
	cnl_set_rcvbuf(&nl, RCVBUF_BYTES);
	pool = pool_new(creds, cfg.n_named + 1, cfg.workers, err, sizeof(err));
	if (!pool) {
		log_err("%s", err);
		goto out;
	}
	if (register_helper(&nl, pool, grants, cfg.n_named))
		goto out;
	if (cnl_join_ready(&nl, err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}
	/* Registered: no capability is needed from here on, none is kept. */
	if (privs_drop(cfg.user, err, sizeof(err))) {
		log_err("dropping privileges: %s", err);
		goto out;
	}
	if (pool_start(pool))
		goto out;
	if (privs_check_threads(err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}
	log_info("registered as the credssp helper (pid %d, %u workers%s%s, %zu named "
		 "credentials, no capabilities)",
		 (int)getpid(), cfg.workers, cfg.user ? ", user " : "", cfg.user ? cfg.user : "",
		 cfg.n_named);
	/* Requests queued before the workers started. */
	pool_kick(pool);
	status = serve(&nl, sfd, pool) ? 1 : 0;

out:
	/* Closing the registered socket first tells the kernel at once. */
	if (nl.sk)
		cnl_close(&nl);
	pool_free(pool);
	free_creds(creds, cfg.n_named + 1);
	free(grants);
	free(grant_ids);
	if (sfd >= 0)
		close(sfd);
	credsspd_config_free(&cfg);
	log_close();
	return status;
}
