// SPDX-License-Identifier: GPL-2.0
/*
 * rdp_relay: credssp-rdpd's session relay (rdp/relay.c, rdpd_relay()) on
 * the host, both ways at once, with splice and with the copy path, between
 * socketpairs standing for the client and the backend. Every byte must
 * arrive once and in order while the receivers read slowly (partial sends,
 * a full buffer), and each direction's end must reach the other side.
 *
 * The copy path once took a buffer whose held bytes ended at its end for
 * the end of the data (a read of 0 bytes), dropping the rest of the stream
 * with no error: "slow_backend" lost most of 8 MiB that way.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "rdpd.h"
#include "x224.h"
#include "kselftest_harness.h"

/* rdpd_cfg, rdpd_log() and the step deadline: rdp/relay-host.c. */

static uint8_t pattern(size_t i, int dir)
{
	return (uint8_t)(i * 7 + (i >> 9) + (size_t)dir * 101);
}

/* One end: writes @len bytes of its pattern, then reads the other's. */
struct end {
	int fd;
	int dir;	       /* the pattern it writes */
	size_t len;	       /* bytes each way */
	size_t wchunk;	       /* write size */
	size_t rchunk;	       /* read size */
	unsigned int pause_us; /* after each read */
	size_t expect;	       /* pattern bytes to read; what comes after them goes to @tail */
	size_t got;	       /* bytes read */
	long bad;	       /* the first wrong byte read, or -1 */
	uint8_t tail[8];
};

static void *writer(void *arg)
{
	struct end *e = arg;
	uint8_t *b = malloc(e->wchunk);
	size_t off = 0;

	while (b && off < e->len) {
		size_t n = e->len - off < e->wchunk ? e->len - off : e->wchunk;
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			b[i] = pattern(off + i, e->dir);
		w = write(e->fd, b, n);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	shutdown(e->fd, SHUT_WR);
	free(b);
	return NULL;
}

static void *reader(void *arg)
{
	struct end *e = arg;
	uint8_t *b = malloc(e->rchunk);
	ssize_t n;

	e->bad = -1;
	while (b && (n = read(e->fd, b, e->rchunk)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			size_t at = e->got + (size_t)i;

			if (at >= e->expect) {
				if (at - e->expect < sizeof(e->tail))
					e->tail[at - e->expect] = b[i];
			} else if (e->bad < 0 && b[i] != pattern(at, !e->dir)) {
				e->bad = (long)at;
			}
		}
		e->got += (size_t)n;
		if (e->pause_us)
			usleep(e->pause_us);
	}
	free(b);
	return NULL;
}

FIXTURE(relay)
{
	int cli[2], be[2];
};

FIXTURE_VARIANT(relay)
{
	bool splice;
};

FIXTURE_VARIANT_ADD(relay, copy){
	.splice = false,
};

FIXTURE_VARIANT_ADD(relay, splice){
	.splice = true,
};

FIXTURE_SETUP(relay)
{
	rdpd_config_init(&rdpd_cfg);
	rdpd_cfg.splice = variant->splice;
	rdpd_cfg.idle_timeout = 0;
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, self->cli));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, self->be));
}

FIXTURE_TEARDOWN(relay)
{
	close(self->cli[1]);
	close(self->be[1]);
}

/*
 * @client and @backend: the two far ends. The relay runs here on
 * cli[0] and be[0] until both directions ended.
 */
static void run(struct __test_metadata *_metadata, FIXTURE_DATA(relay) * self, struct end *client,
		struct end *backend)
{
	struct rdpd_conn c = {.fd = self->cli[0], .backend = self->be[0], .peer_str = "test"};
	pthread_t t[4];

	client->fd = self->cli[1];
	client->expect = backend->len;
	backend->fd = self->be[1];
	backend->expect = client->len;
	ASSERT_EQ(0, pthread_create(&t[0], NULL, writer, client));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, reader, client));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, writer, backend));
	ASSERT_EQ(0, pthread_create(&t[3], NULL, reader, backend));
	EXPECT_EQ(0, rdpd_relay(&c, NULL, 0));
	/* the relay's ends: EOF for the far readers */
	close(self->cli[0]);
	close(self->be[0]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(client->len, c.to_backend);
	EXPECT_EQ(backend->len, c.to_client);
	EXPECT_EQ(client->len, backend->got);
	EXPECT_EQ(-1, backend->bad);
	EXPECT_EQ(-1, client->bad);
	/*
	 * The end of the data to the client is a close_notify alert before
	 * the FIN: here, on a socket that is not kTLS, the record-type cmsg is
	 * ignored and the alert's two bytes arrive as data.
	 */
	EXPECT_EQ(backend->len + 2, client->got);
	EXPECT_EQ(0, memcmp(client->tail, "\x01\x00", 2));
}

/* 8 MiB from the client to a backend that reads 3000 bytes at a time, slowly. */
TEST_F(relay, slow_backend)
{
	struct end client = {.dir = 0, .len = 8u << 20, .wchunk = 40000, .rchunk = 65536};
	struct end backend = {
		.dir = 1, .len = 4096, .wchunk = 4096, .rchunk = 3000, .pause_us = 20};

	run(_metadata, self, &client, &backend);
}

/* 8 MiB from the backend to a client that reads 1500 bytes at a time, slowly. */
TEST_F(relay, slow_client)
{
	struct end client = {.dir = 0, .len = 4096, .wchunk = 4096, .rchunk = 1500, .pause_us = 20};
	struct end backend = {.dir = 1, .len = 8u << 20, .wchunk = 65536, .rchunk = 65536};

	run(_metadata, self, &client, &backend);
}

/* Both ways at once, odd sizes. */
TEST_F(relay, both_ways)
{
	struct end client = {.dir = 0, .len = (3u << 20) + 17, .wchunk = 7001, .rchunk = 5003};
	struct end backend = {.dir = 1, .len = (5u << 20) + 3, .wchunk = 65521, .rchunk = 4099};

	run(_metadata, self, &client, &backend);
}

/* One side sends nothing: its end still reaches the other. */
TEST_F(relay, one_way_then_end)
{
	struct end client = {.dir = 0, .len = 0, .wchunk = 1, .rchunk = 65536};
	struct end backend = {.dir = 1, .len = 1u << 20, .wchunk = 65536, .rchunk = 65536};

	run(_metadata, self, &client, &backend);
}

TEST_HARNESS_MAIN
