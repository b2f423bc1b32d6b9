// SPDX-License-Identifier: GPL-2.0
/*
 * credsspd: the helper of credssp.ko. It registers as the helper of its
 * network namespace over the "credssp" generic netlink family, drops every
 * capability, and runs the CredSSP engine (TLS, SPNEGO/NTLM/Kerberos,
 * TSRequests) for the requests its workers take from the kernel's queue.
 * See credsspd(8).
 */
#include <errno.h>
#include <poll.h>
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

static struct cssp_cred *load_cred(const struct credsspd_config *cfg)
{
	struct cssp_cred_config cc = {0};
	struct cssp_cred *cred = NULL;
	char err[512] = "";

	cc.tls.cert_file = cfg->certificate;
	cc.tls.key_file = cfg->key;
	cc.keytab = cfg->keytab;
	cc.ntlm_user_file = cfg->ntlm_user_file;
	cc.min_version = cfg->min_version;
	cc.allow_other_delegated_user = cfg->allow_other_delegated_user;
	cc.keep_unbound_delegated = cfg->keep_unbound_delegated;
	if (cssp_cred_new(&cc, &cred, err, sizeof(err)) != CREDSSP_SEC_STATUS_OK) {
		/* Fail closed: without credsspd the kernel fails every logon at once. */
		log_err("server credential: %s; not starting: every logon is denied "
			"(SEC_E_NO_AUTHENTICATING_AUTHORITY) until this is fixed",
			err[0] ? err : "cannot be loaded");
		return NULL;
	}
	return cred;
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
static int register_helper(struct cnl *nl, struct pool *pool)
{
	int ret = cnl_register(nl);

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
	struct cssp_cred *cred = NULL;
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
		cred = load_cred(&cfg);
		if (!cred)
			goto out;
		printf("credsspd: %s: configuration OK\n", path);
		status = 0;
		goto out;
	}
	log_setup(cfg.log, cfg.debug);
	if (chdir("/")) {
		log_err("chdir /: %s", strerror(errno));
		goto out;
	}
	cred = load_cred(&cfg);
	if (!cred)
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
	pool = pool_new(cred, cfg.workers, err, sizeof(err));
	if (!pool) {
		log_err("%s", err);
		goto out;
	}
	if (register_helper(&nl, pool))
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
	log_info("registered as the credssp helper (pid %d, %u workers%s%s, no capabilities)",
		 (int)getpid(), cfg.workers, cfg.user ? ", user " : "", cfg.user ? cfg.user : "");
	/* Requests queued before the workers started. */
	pool_kick(pool);
	status = serve(&nl, sfd, pool) ? 1 : 0;

out:
	/* Closing the registered socket first tells the kernel at once. */
	if (nl.sk)
		cnl_close(&nl);
	pool_free(pool);
	cssp_cred_free(cred);
	if (sfd >= 0)
		close(sfd);
	credsspd_config_free(&cfg);
	log_close();
	return status;
}
