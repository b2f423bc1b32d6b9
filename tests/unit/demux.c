// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libcredssp's demultiplexer (lib/demux.c) on the host: many
 * calls of one session waiting at once on one socket, each given the
 * messages of its own sequence number, in order, whoever reads; a signal
 * interrupting the wait of the thread it was sent to only; a socket error or
 * a vanished peer failing every call in flight (never a hang); messages of
 * no call dropped and a call's unread messages freed; no read while reads
 * are held off (a dump's request being sent). The "kernel" is the
 * other end of a SOCK_SEQPACKET socketpair (datagrams, as netlink's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "internal.h"
#include "kselftest_harness.h"

/* One message: header, then a u32 payload. */
struct msg {
	struct nlmsghdr h;
	uint32_t v;
};

static struct msg mk(uint32_t seq, uint16_t type, uint32_t v)
{
	struct msg m = {
		.h = {.nlmsg_len = sizeof(struct msg), .nlmsg_type = type, .nlmsg_seq = seq},
		.v = v};
	return m;
}

static int put(int fd, uint32_t seq, uint16_t type, uint32_t v)
{
	struct msg m = mk(seq, type, v);

	return send(fd, &m, sizeof(m), 0) == sizeof(m) ? 0 : -1;
}

struct waiter {
	struct credssp__demux *d;
	pthread_barrier_t *bar;
	uint32_t seq;
	int want; /* messages to take */
	int got, bad, err, intr;
};

/* Register, meet the others, take want messages (types 16, 17, ...; payload seq). */
static void *wait_msgs(void *arg)
{
	struct waiter *w = arg;
	struct credssp__call c;
	struct nlmsghdr *h;
	sigset_t all, mask;
	int r;

	/*
	 * As libcredssp's caller does: signals only inside the wait. Blocked
	 * before the barrier: a signal the test sends once past it is this
	 * call's, however late the thread runs (under load it was handled
	 * before the thread had blocked it, outside any wait, and lost).
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &mask);
	if (credssp__demux_add(w->d, &c, w->seq)) {
		w->bad++;
		pthread_barrier_wait(w->bar);
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
		return NULL;
	}
	pthread_barrier_wait(w->bar);
	while (w->got < w->want) {
		r = credssp__demux_next(w->d, &c, &h, &mask);
		if (r == -EINTR) {
			__atomic_add_fetch(&w->intr, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		if (r) {
			w->err = r;
			break;
		}
		if (h->nlmsg_seq != w->seq || h->nlmsg_type != 16 + w->got ||
		    ((struct msg *)h)->v != w->seq)
			w->bad++;
		w->got++;
		credssp__demux_free(h);
	}
	credssp__demux_del(w->d, &c);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	return NULL;
}

FIXTURE(dx)
{
	int sv[2];
	struct credssp__demux d;
	pthread_barrier_t bar;
};

FIXTURE_SETUP(dx)
{
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, self->sv));
	credssp__demux_init(&self->d, self->sv[0]);
}

FIXTURE_TEARDOWN(dx)
{
	EXPECT_EQ(NULL, self->d.calls);
	EXPECT_FALSE(self->d.reading);
	credssp__demux_destroy(&self->d);
	close(self->sv[0]);
	if (self->sv[1] >= 0)
		close(self->sv[1]);
}

#define N 8

static void start(struct __test_metadata *_metadata, FIXTURE_DATA(dx) * self, struct waiter *w,
		  pthread_t *t, int n, int want)
{
	int i;

	pthread_barrier_init(&self->bar, NULL, (unsigned int)n + 1);
	for (i = 0; i < n; i++) {
		w[i] = (struct waiter){
			.d = &self->d, .bar = &self->bar, .seq = 100 + (uint32_t)i, .want = want};
		ASSERT_EQ(0, pthread_create(&t[i], NULL, wait_msgs, &w[i]));
	}
	pthread_barrier_wait(&self->bar);
}

static void join(pthread_t *t, int n)
{
	int i;

	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/*
 * 8 calls, 3 messages each, sent in reverse order of the calls, with
 * messages of no call between them: each call gets its own, in order; the
 * reader role passes on as calls finish (the last ones must still be read).
 */
TEST_F(dx, routes_by_sequence_number)
{
	struct waiter w[N];
	pthread_t t[N];
	int i, r;

	start(_metadata, self, w, t, N, 3);
	for (r = 0; r < 3; r++) {
		ASSERT_EQ(0, put(self->sv[1], 7, 16, 7)); /* no such call */
		for (i = N - 1; i >= 0; i--)
			ASSERT_EQ(0, put(self->sv[1], 100 + (uint32_t)i, (uint16_t)(16 + r),
					 100 + (uint32_t)i));
	}
	join(t, N);
	for (i = 0; i < N; i++) {
		EXPECT_EQ(3, w[i].got) TH_LOG("call %d", i);
		EXPECT_EQ(0, w[i].bad) TH_LOG("call %d", i);
		EXPECT_EQ(0, w[i].err) TH_LOG("call %d", i);
	}
}

/* Several messages in one datagram, for different calls (a dump's batch). */
TEST_F(dx, one_datagram_many_calls)
{
	struct msg m[4] = {mk(101, 16, 101), mk(100, 16, 100), mk(9, 16, 9), mk(101, 17, 101)};
	struct waiter w[2];
	pthread_t t[2];

	start(_metadata, self, w, t, 2, 2);
	ASSERT_EQ((ssize_t)sizeof(m), send(self->sv[1], m, sizeof(m), 0));
	ASSERT_EQ(0, put(self->sv[1], 100, 17, 100));
	join(t, 2);
	EXPECT_EQ(2, w[0].got);
	EXPECT_EQ(2, w[1].got);
	EXPECT_EQ(0, w[0].bad + w[1].bad + w[0].err + w[1].err);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * A signal to one waiting thread interrupts its wait only (-EINTR, it may
 * go on waiting); the others are not disturbed. Both roles: the signalled
 * thread is the reader in one round, a follower in the other.
 */
TEST_F(dx, signal_interrupts_only_its_thread)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	struct waiter w[2];
	pthread_t t[2];
	int round;

	sigaction(SIGUSR1, &sa, NULL); /* no SA_RESTART */
	for (round = 0; round < 2; round++) {
		start(_metadata, self, w, t, 2, 1);
		usleep(100 * 1000);
		ASSERT_EQ(0, pthread_kill(t[round], SIGUSR1));
		usleep(100 * 1000);
		ASSERT_EQ(0, put(self->sv[1], 100 + (uint32_t)!round, 16, 100 + (uint32_t)!round));
		usleep(100 * 1000);
		ASSERT_EQ(0, put(self->sv[1], 100 + (uint32_t)round, 16, 100 + (uint32_t)round));
		join(t, 2);
		EXPECT_EQ(1, w[round].intr) TH_LOG("round %d", round);
		EXPECT_EQ(0, w[!round].intr) TH_LOG("round %d", round);
		EXPECT_EQ(1, w[0].got);
		EXPECT_EQ(1, w[1].got);
		EXPECT_EQ(0, w[0].bad + w[1].bad + w[0].err + w[1].err);
		pthread_barrier_destroy(&self->bar);
	}
}

/*
 * The signalled thread is the reader and busy reading another call's 400
 * messages: awake between polls most of the time. The signal still ends a
 * wait with -EINTR (signals are open only inside ppoll()), never lost: at
 * the latest when the thread next has nothing to read. (A ppoll() that
 * finds work returns it and leaves the signal pending, so the test sends
 * the thread's own message only once the -EINTR came: sent sooner, it can
 * be the work that ppoll() returns, and the call ends with its reply, the
 * signal handled after it, which is a completion, not a lost signal.)
 */
TEST_F(dx, signal_to_a_busy_reader_not_lost)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	struct waiter w[2];
	pthread_t t[2];
	int i, round;

	sigaction(SIGUSR1, &sa, NULL); /* no SA_RESTART */
	for (round = 0; round < 20; round++) {
		pthread_barrier_init(&self->bar, NULL, 2);
		w[0] = (struct waiter){.d = &self->d, .bar = &self->bar, .seq = 100, .want = 1};
		w[1] = (struct waiter){.d = &self->d, .bar = &self->bar, .seq = 101, .want = 400};
		ASSERT_EQ(0, pthread_create(&t[0], NULL, wait_msgs, &w[0]));
		pthread_barrier_wait(&self->bar);
		usleep(20 * 1000); /* the first waiter is the reader now */
		ASSERT_EQ(0, pthread_create(&t[1], NULL, wait_msgs, &w[1]));
		pthread_barrier_wait(&self->bar);
		for (i = 0; i < 400; i++) {
			struct msg m = mk(101, (uint16_t)(16 + i), 101);

			ASSERT_EQ((ssize_t)sizeof(m), send(self->sv[1], &m, sizeof(m), 0));
			if (i == 200 + round * 7)
				ASSERT_EQ(0, pthread_kill(t[0], SIGUSR1));
		}
		pthread_join(t[1], NULL);
		for (i = 0; i < 5000 && !__atomic_load_n(&w[0].intr, __ATOMIC_SEQ_CST); i++)
			usleep(1000);
		ASSERT_EQ(0, put(self->sv[1], 100, 16, 100));
		pthread_join(t[0], NULL);
		EXPECT_EQ(1, w[0].intr) TH_LOG("round %d", round);
		EXPECT_EQ(1, w[0].got);
		EXPECT_EQ(0, w[1].intr);
		EXPECT_EQ(0, w[0].bad + w[1].bad + w[0].err + w[1].err);
		pthread_barrier_destroy(&self->bar);
	}
}

/* The peer goes away (recv() returns 0): every call fails, none hangs. */
TEST_F(dx, peer_gone_fails_every_call)
{
	struct waiter w[N];
	pthread_t t[N];
	int i;

	start(_metadata, self, w, t, N, 1);
	ASSERT_EQ(0, put(self->sv[1], 103, 16, 103));
	usleep(100 * 1000);
	close(self->sv[1]);
	self->sv[1] = -1;
	join(t, N);
	for (i = 0; i < N; i++) {
		if (i == 3 && w[i].got == 1)
			continue; /* its message came first */
		EXPECT_EQ(-EPIPE, w[i].err) TH_LOG("call %d", i);
	}
}

/*
 * A read error (here ENOTSOCK: the descriptor is a pipe; for netlink,
 * ENOBUFS when a reply was dropped) fails every call in flight with it.
 */
TEST_F(dx, read_error_fails_every_call)
{
	struct waiter w[N];
	pthread_t t[N];
	int p[2], i;

	ASSERT_EQ(0, pipe(p));
	self->d.fd = p[0];
	start(_metadata, self, w, t, N, 1);
	ASSERT_EQ(1, write(p[1], "x", 1));
	join(t, N);
	for (i = 0; i < N; i++)
		EXPECT_EQ(-ENOTSOCK, w[i].err) TH_LOG("call %d", i);
	/* A new call after the error works again. */
	self->d.fd = self->sv[0];
	start(_metadata, self, w, t, 1, 1);
	ASSERT_EQ(0, put(self->sv[1], 100, 16, 100));
	join(t, 1);
	EXPECT_EQ(1, w[0].got);
	EXPECT_EQ(0, w[0].err);
	close(p[0]);
	close(p[1]);
}

/*
 * Reads held off (a dump's request being sent): the reader takes nothing
 * until they are released. The kernel makes a dump's next batch in the
 * reader's recvmsg(); one made then, while the requester's sendmsg() had yet
 * to queue the first batch, was queued first, with the NLMSG_DONE, and the
 * dump came back empty (lib.handshakes_in_parallel_one_session, debug kernels).
 */
TEST_F(dx, held_reads_wait)
{
	struct waiter w[1];
	pthread_t t[1];

	credssp__demux_hold_reads(&self->d);
	start(_metadata, self, w, t, 1, 2);
	ASSERT_EQ(0, put(self->sv[1], 100, 16, 100));
	usleep(200 * 1000); /* the reader is polling, or trying to read */
	EXPECT_EQ(0, __atomic_load_n(&w[0].got, __ATOMIC_RELAXED));
	ASSERT_EQ(0, put(self->sv[1], 100, 17, 100));
	credssp__demux_release_reads(&self->d);
	join(t, 1);
	EXPECT_EQ(2, w[0].got);
	EXPECT_EQ(0, w[0].bad);
	EXPECT_EQ(0, w[0].err);
}

/* Messages a call never took are freed when it leaves (LeakSanitizer checks). */
TEST_F(dx, unread_messages_freed)
{
	struct msg m[3] = {mk(5, 16, 5), mk(5, 17, 5), mk(5, 18, 5)};
	struct credssp__call c;
	struct nlmsghdr *h;

	ASSERT_EQ(0, credssp__demux_add(&self->d, &c, 5));
	ASSERT_EQ((ssize_t)sizeof(m), send(self->sv[1], m, sizeof(m), 0));
	ASSERT_EQ(0, credssp__demux_next(&self->d, &c, &h, NULL));
	EXPECT_EQ(16, h->nlmsg_type);
	credssp__demux_free(h);
	credssp__demux_del(&self->d, &c); /* two left on its queue */
	/* A late message of a call that left is dropped. */
	ASSERT_EQ(0, put(self->sv[1], 5, 19, 5));
	ASSERT_EQ(0, credssp__demux_add(&self->d, &c, 6));
	ASSERT_EQ(0, put(self->sv[1], 6, 16, 6));
	ASSERT_EQ(0, credssp__demux_next(&self->d, &c, &h, NULL));
	EXPECT_EQ(6, h->nlmsg_seq);
	credssp__demux_free(h);
	credssp__demux_del(&self->d, &c);
}

TEST_HARNESS_MAIN
