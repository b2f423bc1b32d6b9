// SPDX-License-Identifier: GPL-2.0
/*
 * relay: session data between the kTLS client socket and the backend after
 * the Client Info PDU. With splice (the default) bytes go socket -> pipe ->
 * socket inside the kernel: kTLS decrypts into the pipe and encrypts out of
 * it, no userspace copy. Each direction ends on its own (EOF, reset, a TLS
 * alert): the other side then gets a FIN (shutdown SHUT_WR) and the other
 * direction carries on until it ends too (half-close both ways).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "rdpd.h"
#include "x224.h"

#define RELAY_CHUNK (64 * 1024)

struct dir {
	const char *name;
	int in, out;
	int pipe[2];  /* splice */
	uint8_t *buf; /* read/write */
	size_t held;  /* bytes in the pipe or buffer */
	size_t off;   /* read/write: first byte not yet written */
	bool eof;     /* nothing more comes from in */
	bool done;    /* out was shut down */
	uint64_t *count;
};

static bool gone(int err)
{
	return err == ECONNRESET || err == EPIPE || err == EIO || err == EINVAL || err == EBADMSG ||
	       err == ENOTCONN || err == ETIMEDOUT;
}

/* Move what can move without blocking. Return: true if anything moved, -1 on error in *err. */
static bool step(struct dir *d, int *err)
{
	bool moved = false;
	ssize_t n;

	if (!d->eof && d->held < RELAY_CHUNK) {
		if (d->buf)
			n = read(d->in, d->buf + d->off + d->held, RELAY_CHUNK - d->off - d->held);
		else
			n = splice(d->in, NULL, d->pipe[1], NULL, RELAY_CHUNK - d->held,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n < 0 && errno == EINVAL && !d->buf && !d->held) {
			/*
			 * kTLS refused to splice this record (seen on 6.12 for
			 * the client's records): this direction reads and
			 * writes from here on.
			 */
			d->buf = malloc(RELAY_CHUNK);
			if (!d->buf) {
				*err = ENOMEM;
				return false;
			}
			d->off = 0;
			rdpd_log(LOG_DEBUG, "relay %s: splice: EINVAL, read/write from now on",
				 d->name);
			return true;
		}
		if (n > 0) {
			d->held += (size_t)n;
			moved = true;
		} else if (n == 0) {
			d->eof = true;
			moved = true;
		} else if (errno != EAGAIN && errno != EINTR) {
			if (!gone(errno)) {
				*err = errno;
				return false;
			}
			/* a reset, or a TLS record that is not data (an alert): the end */
			rdpd_log(LOG_DEBUG, "relay %s: read: %s", d->name, strerror(errno));
			d->eof = true;
			moved = true;
		}
	}
	if (d->held) {
		if (d->buf)
			n = send(d->out, d->buf + d->off, d->held, MSG_NOSIGNAL | MSG_DONTWAIT);
		else
			n = splice(d->pipe[0], NULL, d->out, NULL, d->held,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			d->held -= (size_t)n;
			*d->count += (uint64_t)n;
			if (d->buf)
				d->off = d->held ? d->off + (size_t)n : 0;
			moved = true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			if (!gone(errno)) {
				*err = errno;
				return false;
			}
			/* the receiver went away: drop what is held, stop reading */
			rdpd_log(LOG_DEBUG, "relay %s: write: %s", d->name, strerror(errno));
			d->held = 0;
			d->eof = true;
			moved = true;
		}
	}
	if (d->eof && !d->held && !d->done) {
		shutdown(d->out, SHUT_WR);
		d->done = true;
		moved = true;
	}
	return moved;
}

static void add_poll(struct pollfd *p, int *n, int fd, short ev)
{
	int i;

	if (!ev)
		return;
	for (i = 0; i < *n; i++)
		if (p[i].fd == fd) {
			p[i].events |= ev;
			return;
		}
	p[*n] = (struct pollfd){.fd = fd, .events = ev};
	(*n)++;
}

int rdpd_relay(struct rdpd_conn *c, const uint8_t *pending, size_t pending_len)
{
	struct dir d[2] = {
		{.name = "client->backend",
		 .in = c->fd,
		 .out = c->backend,
		 .count = &c->to_backend},
		{.name = "backend->client", .in = c->backend, .out = c->fd, .count = &c->to_client},
	};
	struct timespec idle_until = {0};
	struct timespec until;
	int rc = -1, err = 0, i;

	for (i = 0; i < 2; i++) {
		d[i].pipe[0] = d[i].pipe[1] = -1;
		if (rdpd_cfg.splice) {
			if (pipe2(d[i].pipe, O_CLOEXEC | O_NONBLOCK)) {
				rdpd_log(LOG_ERR, "%s: pipe: %s", c->peer_str, strerror(errno));
				goto out;
			}
			fcntl(d[i].pipe[1], F_SETPIPE_SZ, RELAY_CHUNK);
		} else {
			d[i].buf = malloc(RELAY_CHUNK);
			if (!d[i].buf)
				goto out;
		}
	}
	until = rdpd_step_deadline(c);
	if (pending_len && x224_send_all(c->backend, &until, pending, pending_len)) {
		rdpd_log(LOG_INFO, "%s: backend: cannot send", c->peer_str);
		goto out;
	}
	c->to_backend += pending_len;
	if (rdpd_cfg.idle_timeout)
		idle_until = x224_deadline(rdpd_cfg.idle_timeout);
	while (!(d[0].done && d[1].done)) {
		struct pollfd p[2];
		bool moved = false;
		int np = 0, ms = 1000, r;

		for (i = 0; i < 2; i++) {
			moved |= step(&d[i], &err);
			if (err) {
				rdpd_log(LOG_ERR, "%s: relay %s: %s", c->peer_str, d[i].name,
					 strerror(err));
				goto out;
			}
		}
		if (moved) {
			if (rdpd_cfg.idle_timeout)
				idle_until = x224_deadline(rdpd_cfg.idle_timeout);
			continue;
		}
		if (rdpd_stopping)
			break;
		for (i = 0; i < 2; i++) {
			add_poll(p, &np, d[i].in,
				 !d[i].eof && d[i].held < RELAY_CHUNK ? POLLIN : 0);
			add_poll(p, &np, d[i].out, d[i].held ? POLLOUT : 0);
		}
		if (rdpd_cfg.idle_timeout) {
			int left = x224_ms_until(&idle_until);

			if (!left) {
				rdpd_log(LOG_INFO, "%s: idle for %u s, closing", c->peer_str,
					 rdpd_cfg.idle_timeout);
				break;
			}
			ms = left < ms ? left : ms;
		}
		r = poll(p, (nfds_t)np, ms);
		if (r < 0 && errno != EINTR) {
			rdpd_log(LOG_ERR, "%s: poll: %s", c->peer_str, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < 2; i++) {
		if (d[i].pipe[0] >= 0)
			close(d[i].pipe[0]);
		if (d[i].pipe[1] >= 0)
			close(d[i].pipe[1]);
		free(d[i].buf);
	}
	return rc;
}
