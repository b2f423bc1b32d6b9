// SPDX-License-Identifier: GPL-2.0
/*
 * relay: session data between the kTLS client socket and the backend after
 * the Client Info PDU. With splice (the default) bytes go socket -> pipe ->
 * socket inside the kernel: kTLS decrypts into the pipe and encrypts out of
 * it, no userspace copy. Each direction ends on its own (EOF, reset, the
 * client's close_notify or another TLS alert): the other side then gets a FIN
 * (shutdown SHUT_WR; the client a close_notify alert first) and the other
 * direction carries on until it ends too (half-close both ways). Records
 * from the client that are not data: rdpd_tls_read().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/tls.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "rdpd.h"
#include "x224.h"

#define RELAY_CHUNK (64 * 1024)

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

ssize_t rdpd_tls_read(int fd, uint8_t *buf, size_t len, int flags, const char **why)
{
	static __thread char text[160];
	union {
		char b[CMSG_SPACE(sizeof(unsigned char))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr m = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.b,
		.msg_controllen = sizeof(cbuf.b),
	};
	struct cmsghdr *cm;
	unsigned char type = X224_TLS_DATA;
	ssize_t n;

	*why = "";
	n = recvmsg(fd, &m, flags);
	if (n <= 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_TLS && cm->cmsg_type == TLS_GET_RECORD_TYPE)
			type = *(unsigned char *)CMSG_DATA(cm);
	if (type == X224_TLS_DATA)
		return n;
	if (!x224_tls_record(type, buf, (size_t)n, text, sizeof(text))) {
		*why = "TLS close_notify"; /* the client's end of data */
		return 0;
	}
	*why = text;
	errno = EPROTO;
	return -1;
}

struct dir {
	const char *name;
	int in, out;
	int pipe[2];   /* splice */
	uint8_t *buf;  /* read/write */
	size_t held;   /* bytes in the pipe or buffer */
	size_t off;    /* read/write: first byte not yet written */
	bool eof;      /* nothing more comes from in */
	bool done;     /* out was shut down */
	bool tls;      /* in is the kTLS client socket */
	bool out_tls;  /* out is */
	bool notified; /* out_tls: the close_notify went out (or cannot) */
	bool ctrl;     /* splice met a record that is not data: read it once the pipe drained */
	uint64_t *count;
};

static bool gone(int err)
{
	return err == ECONNRESET || err == EPIPE || err == EIO || err == EINVAL || err == EBADMSG ||
	       err == ENOTCONN || err == ETIMEDOUT;
}

/*
 * The end of the data to the client, the TLS way: a close_notify alert
 * (kTLS sends a record of the type in the TLS_SET_RECORD_TYPE cmsg) before
 * the FIN. TLS 1.3 allows the other direction to go on (RFC 8446 6.1).
 * Return: false while the socket's send buffer is full (try again once it
 * is writable), true once the alert went out or cannot.
 */
static bool send_close_notify(int fd)
{
	static const uint8_t alert[2] = {1, 0}; /* warning, close_notify */
	union {
		char b[CMSG_SPACE(sizeof(unsigned char))];
		struct cmsghdr align;
	} cbuf = {0};
	struct iovec iov = {.iov_base = (void *)alert, .iov_len = sizeof(alert)};
	struct msghdr m = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.b,
		.msg_controllen = sizeof(cbuf.b),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(sizeof(unsigned char));
	*(unsigned char *)CMSG_DATA(cm) = X224_TLS_ALERT;
	if (sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT) == sizeof(alert))
		return true;
	if (errno == EAGAIN || errno == EINTR)
		return false;
	rdpd_log(LOG_DEBUG, "close_notify: %s", strerror(errno));
	return true;
}

/* Move what can move without blocking. Return: true if anything moved, -1 on error in *err. */
static bool step(struct dir *d, int *err)
{
	bool moved = false;
	ssize_t n;

	if (!d->eof && d->held < RELAY_CHUNK && !(d->ctrl && d->held)) {
		const char *why = "";

		/*
		 * A partial send can leave the held bytes at the end of the
		 * buffer: move them to its start, or the read below would ask
		 * for 0 bytes, get 0 and take it for the end of the data.
		 */
		if (d->buf && d->off + d->held == RELAY_CHUNK) {
			memmove(d->buf, d->buf + d->off, d->held);
			d->off = 0;
		}
		if (d->buf && d->tls)
			n = rdpd_tls_read(d->in, d->buf + d->off + d->held,
					  RELAY_CHUNK - d->off - d->held, MSG_DONTWAIT, &why);
		else if (d->buf)
			n = recv(d->in, d->buf + d->off + d->held, RELAY_CHUNK - d->off - d->held,
				 MSG_DONTWAIT);
		else
			n = splice(d->in, NULL, d->pipe[1], NULL, RELAY_CHUNK - d->held,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n < 0 && errno == EINVAL && !d->buf && d->tls) {
			/*
			 * kTLS does not splice a record that is not
			 * application data (tls_sw_splice_read(): EINVAL,
			 * the record stays queued): most often the client's
			 * close_notify. Once the pipe is empty this direction
			 * reads with recvmsg() and the record-type cmsg, which
			 * consumes the record and says what it was.
			 */
			d->ctrl = true;
			if (d->held)
				goto write;
			d->buf = malloc(RELAY_CHUNK);
			if (!d->buf) {
				*err = ENOMEM;
				return false;
			}
			d->off = 0;
			d->ctrl = false;
			rdpd_log(LOG_DEBUG, "relay %s: a TLS record that is not data: recvmsg",
				 d->name);
			return true;
		}
		if (n > 0) {
			d->held += (size_t)n;
			moved = true;
		} else if (n == 0) {
			if (*why)
				rdpd_log(LOG_DEBUG, "relay %s: %s", d->name, why);
			d->eof = true;
			moved = true;
		} else if (errno == EPROTO && *why) {
			rdpd_log(LOG_INFO, "relay %s: %s: the end", d->name, why);
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
write:
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
		/* a slow client's full send buffer must not lose the alert */
		if (d->out_tls && !d->notified) {
			if (!send_close_notify(d->out))
				return moved;
			d->notified = true;
		}
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
		 .tls = true,
		 .count = &c->to_backend},
		{.name = "backend->client",
		 .in = c->backend,
		 .out = c->fd,
		 .out_tls = true,
		 .count = &c->to_client},
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
				 !d[i].eof && d[i].held < RELAY_CHUNK && !(d[i].ctrl && d[i].held)
					 ? POLLIN
					 : 0);
			add_poll(p, &np, d[i].out,
				 d[i].held || (d[i].eof && !d[i].done) ? POLLOUT : 0);
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
