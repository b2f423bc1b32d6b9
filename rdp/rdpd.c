// SPDX-License-Identifier: GPL-2.0
/*
 * credssp-rdpd: the RDP Network Level Authentication front for xrdp
 * (credssp-rdpd(8)). This file: start-up, logging and audit, the listener
 * and its limits. One thread per connection (conn.c), at most
 * max_connections of them, at most max_per_source per source address; a
 * source with failed_logons failures within failed_window seconds is
 * refused at accept until the window has passed.
 *
 * usage: credssp-rdpd [-c CONFIG] [-t] [-F]
 *   -c  configuration file (default /etc/credssp/credssp-rdpd.conf)
 *   -t  check the configuration and exit
 *   -F  accepted for symmetry with credsspd: it always runs in the foreground
 * Socket activation: with LISTEN_FDS (systemd), the sockets passed are used
 * and "listen" is ignored.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "rdpd.h"
#include "x224.h"

struct rdpd_config rdpd_cfg;
volatile int rdpd_stopping;

/* ---- logging ---- */

void rdpd_log(int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (prio == LOG_DEBUG && !rdpd_cfg.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rdpd_cfg.log == RDPD_LOG_SYSLOG) {
		syslog(prio, "%s", msg);
	} else {
		char ts[32];
		struct tm tm;
		time_t t = time(NULL);

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S%z", localtime_r(&t, &tm));
		fprintf(stderr, "%s credssp-rdpd: %s\n", ts, msg);
	}
}

/* @s with bytes below 0x20, 0x7f, '"' and '\\' as '?': client-chosen names stay on one line. */
static void sanitize(char *dst, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		dst[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '"') ? '?' : s[i];
	dst[i] = '\0';
}

void rdpd_audit(const struct rdpd_conn *c, const char *result, const char *fmt, ...)
{
	char why[512], principal[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sanitize(principal, sizeof(principal), c->principal[0] ? c->principal : "-");
	rdpd_log(strcmp(result, "ok") ? LOG_WARNING : LOG_NOTICE,
		 "audit: peer=%s principal=\"%s\" package=%s user=%s result=%s reason=\"%s\"",
		 c->peer_str, principal, c->package[0] ? c->package : "-",
		 c->local_user[0] ? c->local_user : "-", result, why);
}

/* ---- per-source state ---- */

struct source {
	bool used;
	unsigned char addr[16]; /* IPv4 mapped into IPv6 */
	unsigned int active;
	unsigned int fails;
	time_t window_start;
};

static pthread_mutex_t src_lock = PTHREAD_MUTEX_INITIALIZER;
static struct source *sources;
static size_t n_sources;
static unsigned int active_total;

static void peer_key(const struct sockaddr_storage *ss, unsigned char key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	} else {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	}
}

static time_t mono_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

/* An entry that holds nothing any more may be reused. */
static bool idle(const struct source *s, time_t now)
{
	return !s->active && (!s->fails || now - s->window_start >= rdpd_cfg.failed_window);
}

/*
 * Admit a connection from @ss: the entry (active count taken), or NULL with
 * *@why set when a limit says no.
 */
static struct source *admit(const struct sockaddr_storage *ss, const char **why)
{
	unsigned char key[16];
	time_t now = mono_now();
	struct source *s = NULL, *free_slot = NULL;
	size_t i, h = 0;

	peer_key(ss, key);
	for (i = 0; i < 16; i++)
		h = h * 131 + key[i];
	pthread_mutex_lock(&src_lock);
	if (active_total >= rdpd_cfg.max_connections) {
		*why = "max_connections reached";
		goto out;
	}
	for (i = 0; i < n_sources; i++) {
		struct source *e = &sources[(h + i) % n_sources];

		if (e->used && !memcmp(e->addr, key, 16)) {
			s = e;
			break;
		}
		if (!free_slot && (!e->used || idle(e, now)))
			free_slot = e;
		if (!e->used)
			break;
	}
	if (!s) {
		if (!free_slot) {
			*why = "source table full";
			goto out;
		}
		s = free_slot;
		*s = (struct source){.used = true};
		memcpy(s->addr, key, 16);
	}
	if (s->fails && now - s->window_start >= rdpd_cfg.failed_window)
		s->fails = 0;
	if (s->fails >= rdpd_cfg.failed_logons) {
		*why = "too many failed logons from this source";
		s = NULL;
		goto out;
	}
	if (s->active >= rdpd_cfg.max_per_source) {
		*why = "max_per_source reached";
		s = NULL;
		goto out;
	}
	s->active++;
	active_total++;
out:
	pthread_mutex_unlock(&src_lock);
	return s;
}

static void release(struct source *s)
{
	pthread_mutex_lock(&src_lock);
	s->active--;
	active_total--;
	pthread_mutex_unlock(&src_lock);
}

void rdpd_source_failed(struct rdpd_conn *c)
{
	struct source *s = c->source;
	time_t now = mono_now();

	pthread_mutex_lock(&src_lock);
	if (!s->fails || now - s->window_start >= rdpd_cfg.failed_window) {
		s->fails = 0;
		s->window_start = now;
	}
	s->fails++;
	pthread_mutex_unlock(&src_lock);
}

struct timespec rdpd_step_deadline(const struct rdpd_conn *c)
{
	struct timespec t = x224_deadline(rdpd_cfg.step_timeout);

	if (t.tv_sec > c->hs_deadline.tv_sec ||
	    (t.tv_sec == c->hs_deadline.tv_sec && t.tv_nsec > c->hs_deadline.tv_nsec))
		t = c->hs_deadline;
	return t;
}

/* ---- listener ---- */

static void *conn_thread(void *arg)
{
	struct rdpd_conn *c = arg;
	struct source *s = c->source;

	rdpd_serve(c);
	release(s);
	free(c);
	return NULL;
}

static void peer_string(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(out, size, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(out, size, "%s:%u", a, ntohs(s4->sin_port));
	}
}

static void accept_one(int lfd, pthread_attr_t *attr)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct rdpd_conn *c;
	const char *why = NULL;
	struct source *s;
	pthread_t t;
	int fd, one = 1;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			rdpd_log(LOG_ERR, "accept: %s", strerror(errno));
		if (errno == EMFILE || errno == ENFILE)
			usleep(100 * 1000);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer = ss;
	peer_string(&ss, c->peer_str, sizeof(c->peer_str));
	s = admit(&ss, &why);
	if (!s) {
		snprintf(c->package, sizeof(c->package), "-");
		rdpd_audit(c, "refused", "%s", why);
		close(fd);
		free(c);
		return;
	}
	c->source = s;
	c->hs_deadline = x224_deadline(rdpd_cfg.handshake_timeout);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (pthread_create(&t, attr, conn_thread, c)) {
		rdpd_log(LOG_ERR, "%s: cannot start a thread", c->peer_str);
		release(s);
		close(fd);
		free(c);
	}
}

static int listen_socket(void)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, one = 1;

	if (inet_pton(AF_INET, rdpd_cfg.listen_addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(rdpd_cfg.listen_port);
		sl = sizeof(*s4);
	} else {
		inet_pton(AF_INET6, rdpd_cfg.listen_addr, &s6->sin6_addr);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(rdpd_cfg.listen_port);
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, SOMAXCONN)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void on_signal(int sig)
{
	(void)sig;
	rdpd_stopping = 1;
}

int main(int argc, char **argv)
{
	const char *path = RDPD_CONFIG_PATH, *lfds_env, *lpid_env;
	struct sigaction sa = {.sa_handler = on_signal};
	struct pollfd lfd[16];
	pthread_attr_t attr;
	int nl = 0, opt, i;
	bool test = false;
	char err[512];

	while ((opt = getopt(argc, argv, "c:tF")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 't': test = true; break;
		case 'F': break;
		default: fprintf(stderr, "usage: credssp-rdpd [-c CONFIG] [-t] [-F]\n"); return 2;
		}
	}
	if (rdpd_config_load(path, &rdpd_cfg, err, sizeof(err))) {
		fprintf(stderr, "credssp-rdpd: %s\n", err);
		return 2;
	}
	if (test) {
		printf("credssp-rdpd: %s: OK\n", path);
		return 0;
	}
	if (rdpd_cfg.log == RDPD_LOG_SYSLOG)
		openlog("credssp-rdpd", LOG_PID, LOG_AUTHPRIV);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	n_sources = 4 * (size_t)rdpd_cfg.max_connections;
	if (n_sources < 1024)
		n_sources = 1024;
	sources = calloc(n_sources, sizeof(*sources));
	if (!sources)
		return 1;

	/* systemd socket activation: fds 3.. */
	lfds_env = getenv("LISTEN_FDS");
	lpid_env = getenv("LISTEN_PID");
	if (lfds_env && lpid_env && atol(lpid_env) == (long)getpid()) {
		int n = atoi(lfds_env);

		for (i = 0; i < n && nl < 16; i++) {
			lfd[nl++] = (struct pollfd){.fd = 3 + i, .events = POLLIN};
			fcntl(3 + i, F_SETFD, FD_CLOEXEC);
			fcntl(3 + i, F_SETFL, fcntl(3 + i, F_GETFL) | O_NONBLOCK);
		}
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDNAMES");
	}
	if (!nl) {
		int fd = listen_socket();

		if (fd < 0) {
			rdpd_log(LOG_ERR, "cannot listen on %s port %u: %s", rdpd_cfg.listen_addr,
				 rdpd_cfg.listen_port, strerror(errno));
			return 1;
		}
		lfd[nl++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (rdpd_cfg.backend_unix)
		snprintf(err, sizeof(err), "unix:%s", rdpd_cfg.backend_path);
	else
		snprintf(err, sizeof(err), "tcp:%s:%u", rdpd_cfg.backend_addr,
			 rdpd_cfg.backend_port);
	rdpd_log(LOG_INFO,
		 "listening (%d socket%s), backend %s, max_connections %u, max_per_source %u, "
		 "relay %s",
		 nl, nl > 1 ? "s" : "", err, rdpd_cfg.max_connections, rdpd_cfg.max_per_source,
		 rdpd_cfg.splice ? "splice" : "read/write");
	/* a ready line for scripts that wait for it */
	if (rdpd_cfg.log == RDPD_LOG_STDERR)
		fprintf(stderr, "ready\n");
	while (!rdpd_stopping) {
		int r = poll(lfd, (nfds_t)nl, 1000);

		if (r < 0 && errno != EINTR) {
			rdpd_log(LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		for (i = 0; r > 0 && i < nl; i++)
			if (lfd[i].revents & POLLIN)
				accept_one(lfd[i].fd, &attr);
	}
	rdpd_log(LOG_INFO, "stopping");
	for (i = 0; i < nl; i++)
		close(lfd[i].fd);
	/* sessions in progress end with the process: their sockets close */
	return 0;
}
