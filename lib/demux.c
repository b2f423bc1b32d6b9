// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcredssp: many calls in flight on one netlink socket (internal.h,
 * "the demultiplexer").
 *
 * The kernel owns a session's handles by its socket (portid), so every call
 * of a session, from any thread, goes through that one socket. Each call
 * registers a slot with its request's sequence number before sending. No
 * thread reads for itself: a waiting call that finds no reader becomes the
 * reader (leader/follower), reads datagrams and queues each message on the
 * slot of its sequence number, waking that slot's thread through the slot's
 * eventfd. The reader keeps the role until its own call has what it waits
 * for (the caller decides: it consumes the messages one by one), then hands
 * it to another waiting call. A waiting thread sleeps in ppoll() on its own
 * eventfd (and the reader also on the socket), so a signal interrupts the
 * wait of exactly the thread it was sent to. A waiting thread also wakes to
 * read for others or to take the reader role: the caller blocks signals for
 * its whole wait and ppoll() opens them (@wait_mask), so that a signal is
 * never handled between two polls, where its -EINTR would be lost.
 *
 * A dump's request is sent with the socket's reads held off
 * (credssp__demux_hold_reads). The kernel goes on with a dump in recvmsg()
 * (netlink_recvmsg() calls netlink_dump()), and netlink_dump() queues a
 * batch only after it has dropped the dump's mutex: a first batch made in
 * the requester's sendmsg() could be queued after the batch, with the
 * NLMSG_DONE, that the reader's recvmsg() made meanwhile on another thread.
 * The dump's call then ended at its DONE, empty, and its messages came after
 * it and were dropped (lib.handshakes_in_parallel_one_session on the
 * slower debug kernels).
 *
 * A lost message (ENOBUFS: the socket's receive queue overflowed and the
 * kernel dropped one) cannot be attributed to a call, so every call in
 * flight fails with that error: a clear failure, never a wait for a reply
 * that will not come.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "internal.h"

struct credssp__rx {
	struct credssp__rx *next;
	struct nlmsghdr hdr; /* and the rest of the message */
};

void credssp__demux_init(struct credssp__demux *d, int fd)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->recv_lock, NULL);
	d->fd = fd;
}

void credssp__demux_destroy(struct credssp__demux *d)
{
	pthread_mutex_destroy(&d->recv_lock);
	pthread_mutex_destroy(&d->lock);
}

void credssp__demux_hold_reads(struct credssp__demux *d)
{
	pthread_mutex_lock(&d->recv_lock);
}

void credssp__demux_release_reads(struct credssp__demux *d)
{
	pthread_mutex_unlock(&d->recv_lock);
}

static void wake(struct credssp__call *c)
{
	uint64_t one = 1;

	/* Only fails when the counter would overflow: it is then awake anyway. */
	if (write(c->efd, &one, sizeof(one)) < 0)
		return;
}

int credssp__demux_add(struct credssp__demux *d, struct credssp__call *c, uint32_t seq)
{
	memset(c, 0, sizeof(*c));
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd < 0)
		return -errno;
	c->seq = seq;
	c->tail = &c->head;
	pthread_mutex_lock(&d->lock);
	c->next = d->calls;
	d->calls = c;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void credssp__demux_del(struct credssp__demux *d, struct credssp__call *c)
{
	struct credssp__call **p;
	struct credssp__rx *m;

	pthread_mutex_lock(&d->lock);
	for (p = &d->calls; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	if (c->reader)
		d->reading = false;
	/*
	 * No reader while calls wait (this one read for them, or it was woken
	 * to become the reader and is leaving instead): wake one to take over.
	 */
	if (!d->reading && d->calls)
		wake(d->calls);
	pthread_mutex_unlock(&d->lock);
	while ((m = c->head)) {
		c->head = m->next;
		explicit_bzero(&m->hdr, m->hdr.nlmsg_len);
		free(m);
	}
	close(c->efd);
}

/* Fail every call in flight with @err (a message was lost, or the socket failed). */
static void fail_all(struct credssp__demux *d, int err)
{
	struct credssp__call *c;

	for (c = d->calls; c; c = c->next) {
		if (!c->err)
			c->err = err;
		wake(c);
	}
}

/* Queue @hdr on the call of its sequence number; others are dropped. Under d->lock. */
static void route(struct credssp__demux *d, const struct nlmsghdr *hdr,
		  const struct credssp__call *self)
{
	struct credssp__call *c;
	struct credssp__rx *m;

	for (c = d->calls; c && c->seq != hdr->nlmsg_seq; c = c->next)
		;
	if (!c || c->err)
		return; /* a stale reply (its call gone), or a CANCEL's ACK */
	m = malloc(offsetof(struct credssp__rx, hdr) + hdr->nlmsg_len);
	if (!m) {
		c->err = -ENOMEM; /* its message is lost: the call fails */
	} else {
		memcpy(&m->hdr, hdr, hdr->nlmsg_len);
		m->next = NULL;
		*c->tail = m;
		c->tail = &m->next;
	}
	if (c != self)
		wake(c);
}

/*
 * The reader's turn: read one datagram (not under d->lock; only the reader
 * reads) and route its messages. 0, or a negative errno for the socket.
 */
static int read_one(struct credssp__demux *d, const struct credssp__call *self)
{
	struct sockaddr_nl peer = {0};
	socklen_t alen = sizeof(peer);
	struct nlmsghdr *hdr;
	unsigned char *buf;
	ssize_t n;
	size_t len;

	/* Not while a dump's request is being sent (see above). */
	pthread_mutex_lock(&d->recv_lock);
	n = recv(d->fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0) {
		int err = errno;

		pthread_mutex_unlock(&d->recv_lock);
		return err == EAGAIN || err == EINTR ? 0 : -err;
	}
	len = n ? (size_t)n : 1;
	buf = malloc(len);
	if (!buf) {
		pthread_mutex_unlock(&d->recv_lock);
		return -ENOMEM;
	}
	n = recvfrom(d->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&peer, &alen);
	pthread_mutex_unlock(&d->recv_lock);
	if (n <= 0) {
		int err = n < 0 ? errno : 0;

		free(buf);
		if (err == EAGAIN || err == EINTR)
			return 0;
		return n < 0 ? -err : -EPIPE; /* 0: the other end is gone */
	}
	pthread_mutex_lock(&d->lock);
	/* Only the kernel's messages (a netlink socket's peer; any peer otherwise). */
	if (peer.nl_family != AF_NETLINK || peer.nl_pid == 0) {
		int rem = (int)n;

		for (hdr = (struct nlmsghdr *)buf; NLMSG_OK(hdr, rem); hdr = NLMSG_NEXT(hdr, rem))
			route(d, hdr, self);
	}
	pthread_mutex_unlock(&d->lock);
	explicit_bzero(buf, (size_t)n);
	free(buf);
	return 0;
}

int credssp__demux_next(struct credssp__demux *d, struct credssp__call *c, struct nlmsghdr **out,
			const sigset_t *wait_mask)
{
	struct pollfd p[2] = {{.fd = c->efd, .events = POLLIN}, {.fd = d->fd, .events = POLLIN}};
	struct credssp__rx *m;
	uint64_t v;
	int err;

	*out = NULL;
	pthread_mutex_lock(&d->lock);
	for (;;) {
		m = c->head;
		if (m) {
			c->head = m->next;
			if (!c->head)
				c->tail = &c->head;
			pthread_mutex_unlock(&d->lock);
			*out = &m->hdr; /* credssp__demux_free() */
			return 0;
		}
		if (c->err) {
			err = c->err;
			pthread_mutex_unlock(&d->lock);
			return err;
		}
		if (!d->reading) {
			d->reading = true;
			c->reader = true;
		}
		pthread_mutex_unlock(&d->lock);
		if (ppoll(p, c->reader ? 2 : 1, NULL, wait_mask) < 0) {
			if (errno == EINTR)
				return -EINTR; /* the caller may cancel and call again */
			err = -errno;
			pthread_mutex_lock(&d->lock);
			fail_all(d, err);
			continue;
		}
		if (p[0].revents & POLLIN) {
			/* Nonblocking; an empty counter (EAGAIN) is no harm. */
			if (read(c->efd, &v, sizeof(v)) < 0)
				v = 0;
		}
		err = 0;
		if (c->reader && p[1].revents)
			err = read_one(d, c);
		pthread_mutex_lock(&d->lock);
		if (err)
			fail_all(d, err);
	}
}

void credssp__demux_free(struct nlmsghdr *hdr)
{
	if (!hdr)
		return;
	explicit_bzero(hdr, hdr->nlmsg_len);
	free((char *)hdr - offsetof(struct credssp__rx, hdr));
}
