// SPDX-License-Identifier: GPL-2.0
/*
 * credssp_ktls - guest selftests of CREDSSP_CMD_KTLS_ATTACH
 * (uapi/linux/credssp.h, "kTLS and socket mode") against the scripted fake
 * helper of credssp_nl.h, whose CREDSSP_SEC_STATUS_OK ("ok") carries TLS 1.3
 * AES-128-GCM keys: key bytes all CREDSSP_A_H_KEYS_TX (resp. _RX), salt
 * 01 02 03 04, iv 05 00.., record sequence number 1.
 *
 * Checked: the reply (version, cipher); what getsockopt(SOL_TLS, TLS_TX /
 * TLS_RX) shows on the socket afterwards, byte for byte; records flowing
 * both ways with a peer socket that installs the mirror keys itself, and a
 * non-data record arriving with its TLS_GET_RECORD_TYPE control message;
 * once only (-EALREADY); every refusal of the contract with its errno and
 * an extack message, the socket untouched and the keys kept for a later
 * attach (-EINVAL, -EKEYEXPIRED, -ENOENT, -EBADF, -ENOTSOCK,
 * -EPROTONOSUPPORT, -ENOTCONN, -EEXIST, -EXDEV, missing attributes).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/un.h>

#include "credssp_nl.h"
#include "kselftest_harness.h"

#define FH_SEQ 1 /* the fake helper's next record sequence number */

/*
 * KTLS_ATTACH; the outcome stays in @r (reply_free it). Returns the ACK
 * errno of a refusal at once, or the outcome's CREDSSP_A_ERROR (-ENODATA
 * without one).
 */
static int attach_r(struct conn *c, const uint64_t *ctx, const int *fd, struct reply *r)
{
	struct nl_msg *m = cmsg(c, CREDSSP_CMD_KTLS_ATTACH, 0);
	int err;

	if (ctx)
		nla_put_u64(m, CREDSSP_A_CTX_ID, *ctx);
	if (fd)
		nla_put_u32(m, CREDSSP_A_SOCK_FD, (uint32_t)*fd);
	err = transact(c, m, r);
	if (err)
		return err;
	if (!r->n || !r->tb[CREDSSP_A_ERROR])
		return -ENODATA;
	return (int32_t)nla_get_u32(r->tb[CREDSSP_A_ERROR]);
}

/* KTLS_ATTACH: the ACK errno; an error must come with an extack message. */
static int attach(struct conn *c, uint64_t ctx, int fd)
{
	struct reply r;
	int err = attach_r(c, &ctx, &fd, &r);

	if (err && !r.ext[0]) {
		fprintf(stderr, "# KTLS_ATTACH %d: no extack message\n", err);
		err = -ENOMSG;
	}
	if (!err && r.n != 1)
		err = -ENODATA;
	reply_free(&r);
	return err;
}

/* An established context of the fake helper ("ok"): its id, or 0. */
static uint64_t established(struct conn *c, uint64_t cred)
{
	uint64_t ctx = 0;

	if (acc_step(c, cred, &ctx, "ok") != CREDSSP_SEC_STATUS_OK)
		return 0;
	return ctx;
}

/* A connected TCP pair on the loopback (@v6: ::1): 0 or -1. */
/* getsockopt(SOL_TLS, @opt) equals @want byte for byte. */
static bool tls_info_is(int fd, int opt, const struct tls12_crypto_info_aes_gcm_128 *want)
{
	struct tls12_crypto_info_aes_gcm_128 got;
	socklen_t len = sizeof(got);

	memset(&got, 0xee, sizeof(got));
	if (getsockopt(fd, SOL_TLS, opt, &got, &len)) {
		fprintf(stderr, "# getsockopt(SOL_TLS, %d): %s\n", opt, strerror(errno));
		return false;
	}
	if (len != sizeof(got) || memcmp(&got, want, sizeof(got))) {
		fprintf(stderr,
			"# SOL_TLS %d: len %u, version %#x cipher %u key[0] %#x seq[7] %u\n", opt,
			len, got.info.version, got.info.cipher_type, got.key[0], got.rec_seq[7]);
		return false;
	}
	return true;
}

/* The peer installs the mirror of the context's keys: 0 or -errno. */
static int peer_ktls(int fd)
{
	struct tls12_crypto_info_aes_gcm_128 tx, rx;
	int err = 0;

	fh_tls_info(&tx, CREDSSP_A_H_KEYS_RX, FH_SEQ);
	fh_tls_info(&rx, CREDSSP_A_H_KEYS_TX, FH_SEQ);
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) ||
	    setsockopt(fd, SOL_TLS, TLS_TX, &tx, sizeof(tx)) ||
	    setsockopt(fd, SOL_TLS, TLS_RX, &rx, sizeof(rx)))
		err = -errno;
	return err;
}

/* Whether the socket has a ULP (getsockopt TCP_ULP names one). */
static bool has_ulp(int fd)
{
	char name[16] = "";
	socklen_t len = sizeof(name);

	return !getsockopt(fd, IPPROTO_TCP, TCP_ULP, name, &len) && len && name[0];
}

FIXTURE(kt)
{
	struct conn c;
	uint64_t cred;
	int srv, cli;
};

FIXTURE_SETUP(kt)
{
	self->srv = self->cli = -1;
	ASSERT_EQ(0, conn_open(&self->c));
	ASSERT_EQ(1, fh_start());
	self->cred = cred_new(&self->c);
	ASSERT_NE(0, self->cred);
	ASSERT_EQ(0, tcp_pair(&self->srv, &self->cli, false));
}

FIXTURE_TEARDOWN(kt)
{
	if (self->srv >= 0)
		close(self->srv);
	if (self->cli >= 0)
		close(self->cli);
	fh_stop();
	conn_close(&self->c);
}

/* The reply, the installed crypto_info, data both ways, once only. */
TEST_F(kt, attach_installs_keys)
{
	struct tls12_crypto_info_aes_gcm_128 tx, rx;
	uint64_t ctx = established(&self->c, self->cred);
	char big[40000], got[40000];
	int srv2, cli2;
	struct reply r;
	size_t i;

	ASSERT_NE(0, ctx);
	ASSERT_EQ(0, attach_r(&self->c, &ctx, &self->srv, &r));
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(TLS_1_3_VERSION, a_u32(r.tb, CREDSSP_A_TLS_VERSION, 0));
	EXPECT_EQ(TLS_CIPHER_AES_GCM_128, a_u32(r.tb, CREDSSP_A_TLS_CIPHER, 0));
	EXPECT_EQ(NULL, r.tb[CREDSSP_A_SEC_STATUS]);
	reply_free(&r);

	fh_tls_info(&tx, CREDSSP_A_H_KEYS_TX, FH_SEQ);
	fh_tls_info(&rx, CREDSSP_A_H_KEYS_RX, FH_SEQ);
	EXPECT_TRUE(tls_info_is(self->srv, TLS_TX, &tx));
	EXPECT_TRUE(tls_info_is(self->srv, TLS_RX, &rx));

	/* Records both ways with a peer holding the mirror keys. */
	ASSERT_EQ(0, peer_ktls(self->cli));
	ASSERT_EQ(5, write(self->srv, "hello", 5));
	ASSERT_TRUE(read_all(self->cli, got, 5, 2));
	EXPECT_EQ(0, memcmp(got, "hello", 5));
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 1);
	ASSERT_EQ((ssize_t)sizeof(big), write(self->cli, big, sizeof(big)));
	ASSERT_TRUE(read_all(self->srv, got, sizeof(big), 2));
	EXPECT_EQ(0, memcmp(got, big, sizeof(big)));
	/* One record sent: TX is at FH_SEQ + 1. */
	fh_tls_info(&tx, CREDSSP_A_H_KEYS_TX, FH_SEQ + 1);
	EXPECT_TRUE(tls_info_is(self->srv, TLS_TX, &tx));

	/* Once only: the keys are gone from the context. */
	ASSERT_EQ(0, tcp_pair(&srv2, &cli2, false));
	EXPECT_EQ(-EALREADY, attach(&self->c, ctx, srv2));
	EXPECT_FALSE(has_ulp(srv2));
	EXPECT_EQ(-EALREADY, attach(&self->c, ctx, self->srv));
	close(srv2);
	close(cli2);
	/* The context itself lives on. */
	EXPECT_EQ(CREDSSP_CTX_STATE_ESTABLISHED, ctx_state(&self->c, ctx));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/*
 * SIZES and STREAM_SIZES: the same exact values before and after the keys
 * went to the socket (review F6: the attach wiped the cipher with the keys,
 * STREAM_SIZES then failed and SIZES fell back to its maximum). TLS 1.3
 * AES-GCM: a 5-byte header, a 16-byte tag and the content type byte.
 */
static void sizes_are_exact(struct __test_metadata *_metadata, struct conn *c, uint64_t ctx)
{
	struct nlattr *q[TB_MAX + 1];
	struct reply r;

	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(c, ctx, CREDSSP_QUERY_STREAM_SIZES, &r, q));
	EXPECT_EQ(5, a_u32(q, CREDSSP_A_Q_STREAM_HEADER, 0));
	EXPECT_EQ(17, a_u32(q, CREDSSP_A_Q_STREAM_TRAILER, 0));
	EXPECT_EQ(16384, a_u32(q, CREDSSP_A_Q_STREAM_MAX_MESSAGE, 0));
	reply_free(&r);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, query(c, ctx, CREDSSP_QUERY_SIZES, &r, q));
	EXPECT_EQ(5 + 17, a_u32(q, CREDSSP_A_Q_SECURITY_TRAILER, 0));
	reply_free(&r);
}

TEST_F(kt, sizes_after_attach)
{
	uint64_t ctx = established(&self->c, self->cred);

	ASSERT_NE(0, ctx);
	sizes_are_exact(_metadata, &self->c, ctx);
	ASSERT_EQ(0, attach(&self->c, ctx, self->srv));
	sizes_are_exact(_metadata, &self->c, ctx);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* IPv6 works the same. */
TEST_F(kt, attach_ipv6)
{
	uint64_t ctx = established(&self->c, self->cred);
	int srv, cli;

	ASSERT_NE(0, ctx);
	ASSERT_EQ(0, tcp_pair(&srv, &cli, true));
	EXPECT_EQ(0, attach(&self->c, ctx, srv));
	EXPECT_TRUE(has_ulp(srv));
	ASSERT_EQ(0, peer_ktls(cli));
	ASSERT_EQ(4, write(cli, "ping", 4));
	{
		char got[4];

		ASSERT_TRUE(read_all(srv, got, 4, 2));
		EXPECT_EQ(0, memcmp(got, "ping", 4));
	}
	close(srv);
	close(cli);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* A record that is not application data comes with its type as a cmsg. */
TEST_F(kt, non_data_record_type)
{
	uint64_t ctx = established(&self->c, self->cred);
	char cbuf[CMSG_SPACE(1)], data[16];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	ssize_t n;

	ASSERT_NE(0, ctx);
	ASSERT_EQ(0, attach(&self->c, ctx, self->srv));
	ASSERT_EQ(0, peer_ktls(self->cli));
	/* The peer sends a handshake record (22), as a NewSessionTicket would be. */
	memcpy(data, "\x04\x00\x00\x01\x00", 5);
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(1);
	*CMSG_DATA(cm) = 22;
	iov.iov_len = 5;
	ASSERT_EQ(5, sendmsg(self->cli, &mh, 0));

	memset(&mh, 0, sizeof(mh));
	iov.iov_len = sizeof(data);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	n = recvmsg(self->srv, &mh, 0);
	EXPECT_EQ(5, n);
	cm = CMSG_FIRSTHDR(&mh);
	ASSERT_NE(NULL, cm);
	EXPECT_EQ(SOL_TLS, cm->cmsg_level);
	EXPECT_EQ(TLS_GET_RECORD_TYPE, cm->cmsg_type);
	EXPECT_EQ(22, *CMSG_DATA(cm));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* Before CREDSSP_SEC_STATUS_OK: -EINVAL, and the socket untouched. */
TEST_F(kt, not_established)
{
	uint64_t ctx = 0;

	ASSERT_EQ(CREDSSP_SEC_STATUS_CONTINUE_NEEDED, acc_step(&self->c, self->cred, &ctx, "cont"));
	EXPECT_EQ(-EINVAL, attach(&self->c, ctx, self->srv));
	EXPECT_FALSE(has_ulp(self->srv));
	/* A failed handshake too. */
	EXPECT_EQ(CREDSSP_SEC_STATUS_LOGON_DENIED, acc_step(&self->c, 0, &ctx, "deny"));
	EXPECT_EQ(-EINVAL, attach(&self->c, ctx, self->srv));
	EXPECT_FALSE(has_ulp(self->srv));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
	/* Deleted, or never existed: -ENOENT. */
	EXPECT_EQ(-ENOENT, attach(&self->c, ctx, self->srv));
	EXPECT_EQ(-ENOENT, attach(&self->c, 0x123456789abcULL, self->srv));
	EXPECT_FALSE(has_ulp(self->srv));
}

/* An expired context: -EKEYEXPIRED. */
TEST_F(kt, expired)
{
	long orig = param_get("max_lifetime");
	uint64_t ctx;

	ASSERT_LE(0, orig);
	ASSERT_EQ(0, param_set("max_lifetime", 1));
	ctx = established(&self->c, self->cred);
	param_set("max_lifetime", orig);
	ASSERT_NE(0, ctx);
	usleep(2300000);
	EXPECT_EQ(-EKEYEXPIRED, attach(&self->c, ctx, self->srv));
	EXPECT_FALSE(has_ulp(self->srv));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* Another session's context does not exist for this one. */
TEST_F(kt, foreign_context)
{
	uint64_t ctx = established(&self->c, self->cred);
	struct conn c2;

	ASSERT_NE(0, ctx);
	ASSERT_EQ(0, conn_open(&c2));
	EXPECT_EQ(-ENOENT, attach(&c2, ctx, self->srv));
	EXPECT_FALSE(has_ulp(self->srv));
	conn_close(&c2);
	/* Its owner still can. */
	EXPECT_EQ(0, attach(&self->c, ctx, self->srv));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/*
 * Each refusal leaves the keys in the context: the last attach, on a good
 * socket, succeeds.
 */
TEST_F(kt, socket_refusals_keep_keys)
{
	uint64_t ctx = established(&self->c, self->cred);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd, l, s2, c2;

	ASSERT_NE(0, ctx);
	/* not an open file */
	EXPECT_EQ(-EBADF, attach(&self->c, ctx, 4000));
	EXPECT_EQ(-EBADF, attach(&self->c, ctx, -1));
	/* not a socket */
	fd = open("/dev/null", O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTSOCK, attach(&self->c, ctx, fd));
	close(fd);
	/* UDP */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPROTONOSUPPORT, attach(&self->c, ctx, fd));
	close(fd);
	/* a unix stream socket (connected) */
	{
		int sv[2];

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
		EXPECT_EQ(-EPROTONOSUPPORT, attach(&self->c, ctx, sv[0]));
		close(sv[0]);
		close(sv[1]);
	}
	/* SCTP-less kernels: a raw socket is not TCP either */
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (fd >= 0) {
		EXPECT_EQ(-EPROTONOSUPPORT, attach(&self->c, ctx, fd));
		close(fd);
	}
	/* TCP, never connected */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTCONN, attach(&self->c, ctx, fd));
	EXPECT_FALSE(has_ulp(fd));
	/* TCP, listening */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(fd, (void *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(fd, 1));
	EXPECT_EQ(-ENOTCONN, attach(&self->c, ctx, fd));
	EXPECT_FALSE(has_ulp(fd));
	l = fd;
	/* TCP, closed by the peer and then by us (no longer ESTABLISHED) */
	ASSERT_EQ(0, tcp_pair(&s2, &c2, false));
	close(c2);
	usleep(100000);
	shutdown(s2, SHUT_WR);
	usleep(100000);
	EXPECT_EQ(-ENOTCONN, attach(&self->c, ctx, s2));
	close(s2);
	close(l);
	/* a connected TCP socket that already has the "tls" ULP */
	ASSERT_EQ(0, tcp_pair(&s2, &c2, false));
	ASSERT_EQ(0, setsockopt(s2, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")));
	EXPECT_EQ(-EEXIST, attach(&self->c, ctx, s2));
	close(s2);
	close(c2);
	/* missing attributes */
	{
		struct reply r;

		EXPECT_EQ(-EINVAL, attach_r(&self->c, &ctx, NULL, &r));
		EXPECT_EQ(CREDSSP_A_SOCK_FD, r.miss);
		reply_free(&r);
		EXPECT_EQ(-EINVAL, attach_r(&self->c, NULL, &self->srv, &r));
		EXPECT_EQ(CREDSSP_A_CTX_ID, r.miss);
		reply_free(&r);
	}
	/* after all that, the keys are still there */
	EXPECT_EQ(0, attach(&self->c, ctx, self->srv));
	EXPECT_EQ(-EALREADY, attach(&self->c, ctx, self->srv));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* A socket of another network namespace: -EXDEV. */
TEST_F(kt, other_netns)
{
	uint64_t ctx = established(&self->c, self->cred);
	struct ifreq ifr = {0};
	int fd, s2, c2;

	ASSERT_NE(0, ctx);
	/* The netlink socket stays in the initial netns; new sockets do not. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	strcpy(ifr.ifr_name, "lo");
	ASSERT_EQ(0, ioctl(fd, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	ASSERT_EQ(0, ioctl(fd, SIOCSIFFLAGS, &ifr));
	close(fd);
	ASSERT_EQ(0, tcp_pair(&s2, &c2, false));
	EXPECT_EQ(-EXDEV, attach(&self->c, ctx, s2));
	EXPECT_FALSE(has_ulp(s2));
	close(s2);
	close(c2);
	/* The keys stayed: the original netns's socket takes them. */
	EXPECT_EQ(0, attach(&self->c, ctx, self->srv));
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

/* Four attaches racing for the same context: exactly one wins. */
struct racer {
	struct conn *c;
	uint64_t ctx;
	int fd, res;
};

static void *race_one(void *arg)
{
	struct racer *r = arg;

	r->res = attach(r->c, r->ctx, r->fd);
	return NULL;
}

TEST_F(kt, racing_attaches)
{
	uint64_t ctx = established(&self->c, self->cred);
	int s[4], c[4], i, ok = 0, already = 0;
	struct racer rc[4];
	pthread_t t[4];

	ASSERT_NE(0, ctx);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, tcp_pair(&s[i], &c[i], false));
		rc[i] = (struct racer){.c = &self->c, .ctx = ctx, .fd = s[i], .res = 1};
	}
	/* one netlink socket (the owner's), its transactions kept apart by sequence */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race_one, &rc[i]));
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ok += rc[i].res == 0;
		already += rc[i].res == -EALREADY;
		EXPECT_EQ(rc[i].res == 0, has_ulp(s[i]));
		close(s[i]);
		close(c[i]);
	}
	EXPECT_EQ(1, ok);
	EXPECT_EQ(3, already);
	EXPECT_EQ(CREDSSP_SEC_STATUS_OK, delete_ctx(&self->c, ctx));
}

TEST_HARNESS_MAIN
