// SPDX-License-Identifier: GPL-2.0
/* A scripted helper for the libcredssp guest tests; see fake_helper.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/credssp.h>
#include <linux/tls.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "fake_helper.h"

/*
 * The pull protocol (<linux/credssp.h>, "Helper commands"): @sk is
 * registered, takes requests with HELPER_NEXT and answers them; @watch
 * joined the "helper" group and only wakes the thread (HELPER_READY).
 */
#define HELD_MAX 16

struct fake_helper {
	struct nl_sock *sk, *watch;
	int family;
	pthread_t thread;
	unsigned int steps, errors;
	/* "HOLD" requests, answered when their time has come (helper thread only) */
	struct {
		uint64_t req;
		struct timespec due;
	} held[HELD_MAX];
	unsigned int n_held;
};

/* Password credentials: domain "T", user "a", password "p" in UTF-16LE. */
static const uint8_t creds[] = {
	CREDSSP_CREDS_VERSION,
	CREDSSP_CRED_TYPE_PASSWORD,
	3,
	0,
	CREDSSP_CRED_FIELD_DOMAIN,
	0,
	0,
	0,
	2,
	0,
	0,
	0,
	'T',
	0,
	CREDSSP_CRED_FIELD_USER,
	0,
	0,
	0,
	2,
	0,
	0,
	0,
	'a',
	0,
	CREDSSP_CRED_FIELD_PASSWORD,
	0,
	0,
	0,
	2,
	0,
	0,
	0,
	'p',
	0,
};

const uint8_t *fake_creds(size_t *len)
{
	*len = sizeof(creds);
	return creds;
}

static int put_keys(struct nl_msg *msg, int attr, uint8_t fill)
{
	uint8_t key[16], salt[4], iv[8], seq[8] = {0};
	struct nlattr *nest = nla_nest_start(msg, attr);

	memset(key, fill, sizeof(key));
	memset(salt, fill + 1, sizeof(salt));
	memset(iv, fill + 2, sizeof(iv));
	if (!nest || nla_put_u32(msg, CREDSSP_A_K_CIPHER, TLS_CIPHER_AES_GCM_128) ||
	    nla_put(msg, CREDSSP_A_K_KEY, sizeof(key), key) ||
	    nla_put(msg, CREDSSP_A_K_SALT, sizeof(salt), salt) ||
	    nla_put(msg, CREDSSP_A_K_IV, sizeof(iv), iv) ||
	    nla_put(msg, CREDSSP_A_K_REC_SEQ, sizeof(seq), seq))
		return -1;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * Send @msg (freed) on @sk and read until the message of its sequence
 * number: a reply (*@buf holds the datagram, free it; *@reply points into
 * it) or an ACK (its errno is returned). Other messages are dropped.
 */
static int xact(struct nl_sock *sk, struct nl_msg *msg, unsigned char **buf,
		struct nlmsghdr **reply)
{
	int ret = nl_send_auto(sk, msg);
	uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;

	nlmsg_free(msg);
	if (ret < 0)
		return -EIO;
	for (;;) {
		struct sockaddr_nl nla;
		unsigned char *b = NULL;
		struct nlmsghdr *h;
		int len = nl_recv(sk, &nla, &b, NULL);

		if (len == -NLE_INTR)
			continue;
		if (len <= 0)
			return -EIO;
		for (h = (void *)b; nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				ret = ((struct nlmsgerr *)nlmsg_data(h))->error;
				free(b);
				return ret;
			}
			if (reply) {
				*buf = b;
				*reply = h;
				return 0;
			}
		}
		free(b);
	}
}

static void answer(struct fake_helper *fh, uint64_t req, const uint8_t *in, size_t len)
{
	struct nl_msg *msg = nlmsg_alloc_size(16384);
	uint32_t status = CREDSSP_SEC_STATUS_INVALID_TOKEN, consumed = (uint32_t)len;
	static uint8_t big[FAKE_BIG_LEN];
	const void *out = NULL;
	size_t out_len = 0, i;
	int err = 0;

	if (!msg)
		return;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fh->family, 0, NLM_F_ACK,
		    CREDSSP_CMD_HELPER_DONE, CREDSSP_FAMILY_VERSION);
	if (len >= 4 && (!memcmp(in, "CONT", 4) || !memcmp(in, "HOLD", 4))) {
		const uint8_t *bar = memchr(in, '|', len);

		status = CREDSSP_SEC_STATUS_CONTINUE_NEEDED;
		out = FAKE_OUTPUT;
		out_len = strlen(FAKE_OUTPUT);
		if (bar)
			consumed = (uint32_t)(bar - in + 1);
	} else if (len >= 3 && !memcmp(in, "BIG", 3)) {
		for (i = 0; i < sizeof(big); i++)
			big[i] = (uint8_t)i;
		status = CREDSSP_SEC_STATUS_CONTINUE_NEEDED;
		out = big;
		out_len = sizeof(big);
	} else if (len >= 4 && !memcmp(in, "PART", 4)) {
		status = CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE;
		consumed = 0;
	} else if (len >= 4 && !memcmp(in, "DENY", 4)) {
		status = CREDSSP_SEC_STATUS_LOGON_DENIED;
		out = "alert";
		out_len = 5;
		err |= nla_put_u32(msg, CREDSSP_A_H_PACKAGE, CREDSSP_PACKAGE_NTLM);
	} else if (len >= 2 && !memcmp(in, "OK", 2)) {
		status = CREDSSP_SEC_STATUS_OK;
		out = "final";
		out_len = 5;
		err |= nla_put_u32(msg, CREDSSP_A_H_PACKAGE, CREDSSP_PACKAGE_NTLM);
		err |= nla_put_flag(msg, CREDSSP_A_H_SPNEGO);
		err |= nla_put_string(msg, CREDSSP_A_H_PRINCIPAL, FAKE_PRINCIPAL);
		err |= nla_put_u32(msg, CREDSSP_A_H_VERSION_NEGOTIATED, 6);
		err |= nla_put_u32(msg, CREDSSP_A_H_PEER_VERSION, 6);
		err |= nla_put_u32(msg, CREDSSP_A_H_TLS_VERSION, 0x0304);
		err |= nla_put_string(msg, CREDSSP_A_H_TLS_CIPHER, "TLS_AES_128_GCM_SHA256");
		err |= nla_put(msg, CREDSSP_A_H_CREDS, sizeof(creds), creds);
		err |= put_keys(msg, CREDSSP_A_H_KEYS_TX, 0x11);
		err |= put_keys(msg, CREDSSP_A_H_KEYS_RX, 0x22);
		err |= nla_put_u32(msg, CREDSSP_A_H_RET_FLAGS,
				   CREDSSP_RET_CONFIDENTIALITY | CREDSSP_RET_INTEGRITY |
					   CREDSSP_RET_STREAM | CREDSSP_RET_DELEGATE);
	}
	err |= nla_put_u64(msg, CREDSSP_A_H_REQ_ID, req);
	err |= nla_put_u32(msg, CREDSSP_A_H_SEC_STATUS, status);
	err |= nla_put_u32(msg, CREDSSP_A_H_CONSUMED, consumed);
	if (out_len)
		err |= nla_put(msg, CREDSSP_A_H_OUTPUT, (int)out_len, out);
	if (err) {
		fprintf(stderr, "# fake helper: message too large\n");
		nlmsg_free(msg);
		return;
	}
	err = xact(fh->sk, msg, NULL, NULL);
	if (err) {
		fprintf(stderr, "# fake helper: HELPER_DONE refused: %s\n", strerror(-err));
		__atomic_add_fetch(&fh->errors, 1, __ATOMIC_SEQ_CST);
	}
}

/* Take one request and answer it. Returns 1, or 0 when none is queued (or on an error). */
static int take_one(struct fake_helper *fh)
{
	struct nlattr *tb[CREDSSP_A_H_MAX + 1];
	struct nlmsghdr *h = NULL;
	unsigned char *buf = NULL;
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return 0;
	/* No NLM_F_ACK: the reply, or an error ACK (-ENOENT: nothing queued), ends it. */
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fh->family, 0, 0, CREDSSP_CMD_HELPER_NEXT,
		    CREDSSP_FAMILY_VERSION);
	err = xact(fh->sk, msg, &buf, &h);
	if (err) {
		if (err != -ENOENT) {
			fprintf(stderr, "# fake helper: HELPER_NEXT: %s\n", strerror(-err));
			__atomic_add_fetch(&fh->errors, 1, __ATOMIC_SEQ_CST);
		}
		return 0;
	}
	if (((struct genlmsghdr *)nlmsg_data(h))->cmd == CREDSSP_CMD_HELPER_NEXT &&
	    !genlmsg_parse(h, 0, tb, CREDSSP_A_H_MAX, NULL) && tb[CREDSSP_A_H_REQ_ID] &&
	    tb[CREDSSP_A_H_OP] && nla_get_u32(tb[CREDSSP_A_H_OP]) == CREDSSP_HELPER_OP_STEP) {
		const void *in = tb[CREDSSP_A_H_INPUT] ? nla_data(tb[CREDSSP_A_H_INPUT]) : NULL;
		size_t len = tb[CREDSSP_A_H_INPUT] ? (size_t)nla_len(tb[CREDSSP_A_H_INPUT]) : 0;

		__atomic_add_fetch(&fh->steps, 1, __ATOMIC_SEQ_CST);
		if (len >= 4 && !memcmp(in, "HOLD", 4) && fh->n_held < HELD_MAX) {
			struct timespec *due = &fh->held[fh->n_held].due;

			clock_gettime(CLOCK_MONOTONIC, due);
			due->tv_sec += FAKE_HOLD_MS / 1000;
			due->tv_nsec += (FAKE_HOLD_MS % 1000) * 1000000L;
			if (due->tv_nsec >= 1000000000L) {
				due->tv_sec++;
				due->tv_nsec -= 1000000000L;
			}
			fh->held[fh->n_held++].req = nla_get_u64(tb[CREDSSP_A_H_REQ_ID]);
		} else {
			answer(fh, nla_get_u64(tb[CREDSSP_A_H_REQ_ID]), in, len);
		}
	} /* FREE: nothing to drop */
	free(buf);
	return 1;
}

/* Answer the held requests whose time has come. */
static void answer_held(struct fake_helper *fh)
{
	struct timespec now;
	unsigned int i = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	while (i < fh->n_held) {
		if (now.tv_sec < fh->held[i].due.tv_sec ||
		    (now.tv_sec == fh->held[i].due.tv_sec &&
		     now.tv_nsec < fh->held[i].due.tv_nsec)) {
			i++;
			continue;
		}
		answer(fh, fh->held[i].req, (const uint8_t *)"HOLD", 4);
		fh->held[i] = fh->held[--fh->n_held];
	}
}

static void *loop(void *arg)
{
	struct fake_helper *fh = arg;
	struct pollfd p = {.fd = nl_socket_get_fd(fh->watch), .events = POLLIN};

	for (;;) {
		/* HELPER_READY, or 100 ms: take until the queue is empty. */
		if (poll(&p, 1, 100) > 0) {
			struct sockaddr_nl nla;
			unsigned char *b = NULL;

			while (nl_recv(fh->watch, &nla, &b, NULL) > 0) {
				free(b);
				b = NULL;
			}
		}
		while (take_one(fh))
			;
		answer_held(fh);
	}
	return NULL;
}

static int join_ready(struct fake_helper *fh)
{
	int grp = genl_ctrl_resolve_grp(fh->watch, CREDSSP_FAMILY_NAME, CREDSSP_MCGRP_HELPER);

	if (grp < 0 || nl_socket_add_membership(fh->watch, grp))
		return -1;
	nl_socket_set_nonblocking(fh->watch);
	return 0;
}

struct fake_helper *fake_helper_start(void)
{
	struct fake_helper *fh = calloc(1, sizeof(*fh));
	struct nl_msg *msg;
	int err;

	if (!fh)
		return NULL;
	fh->sk = nl_socket_alloc();
	fh->watch = nl_socket_alloc();
	if (!fh->sk || !fh->watch || genl_connect(fh->sk) || genl_connect(fh->watch))
		goto fail;
	fh->family = genl_ctrl_resolve(fh->sk, CREDSSP_FAMILY_NAME);
	if (fh->family < 0 || join_ready(fh))
		goto fail;
	nl_socket_set_buffer_size(fh->sk, 1 << 20, 1 << 20);
	msg = nlmsg_alloc();
	if (!msg)
		goto fail;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fh->family, 0, NLM_F_ACK,
		    CREDSSP_CMD_HELPER_REGISTER, CREDSSP_FAMILY_VERSION);
	nla_put_u32(msg, CREDSSP_A_H_VERSION, CREDSSP_HELPER_VERSION);
	err = xact(fh->sk, msg, NULL, NULL);
	if (err) {
		fprintf(stderr, "# fake helper: HELPER_REGISTER: %s\n", strerror(-err));
		goto fail;
	}
	if (pthread_create(&fh->thread, NULL, loop, fh))
		goto fail;
	pthread_detach(fh->thread);
	return fh;

fail:
	fprintf(stderr, "# fake helper: cannot register\n");
	if (fh->sk)
		nl_socket_free(fh->sk);
	if (fh->watch)
		nl_socket_free(fh->watch);
	free(fh);
	return NULL;
}

unsigned int fake_helper_steps(struct fake_helper *fh)
{
	return __atomic_load_n(&fh->steps, __ATOMIC_SEQ_CST);
}

unsigned int fake_helper_errors(struct fake_helper *fh)
{
	return __atomic_load_n(&fh->errors, __ATOMIC_SEQ_CST);
}
