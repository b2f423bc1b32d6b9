// SPDX-License-Identifier: GPL-2.0
/*
 * The helper channel of the "credssp" generic netlink family
 * (<linux/credssp.h>, "Helper commands"): HELPER_REGISTER, the HELPER_READY
 * notifications, HELPER_NEXT and HELPER_DONE. libnl builds and parses the
 * messages; the sockets are read directly so that messages only come from
 * the kernel and replies and acknowledgements are matched by sequence
 * number.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/credssp.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <openssl/crypto.h>

#include "engine.h"
#include "log.h"
#include "netlink.h"

#define CNL_ACK_TIMEOUT_S 30

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int cnl_open(struct cnl *c, char *err, size_t errlen)
{
	struct timeval ack_timeout = {.tv_sec = CNL_ACK_TIMEOUT_S};
	int one = 1, ret;

	memset(c, 0, sizeof(*c));
	c->rbuf = malloc(CNL_RBUF_SIZE);
	c->sk = nl_socket_alloc();
	if (!c->rbuf || !c->sk) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	ret = genl_connect(c->sk);
	if (ret) {
		snprintf(err, errlen, "cannot open a generic netlink socket: %s", nl_geterror(ret));
		goto fail;
	}
	c->family = genl_ctrl_resolve(c->sk, CREDSSP_FAMILY_NAME);
	if (c->family < 0) {
		snprintf(err, errlen,
			 "generic netlink family \"%s\" not found (is credssp.ko loaded?)",
			 CREDSSP_FAMILY_NAME);
		goto fail;
	}
	/* Now: libnl's own requests need its sequence checks, which ours bypass. */
	c->ready_grp = genl_ctrl_resolve_grp(c->sk, CREDSSP_FAMILY_NAME, CREDSSP_MCGRP_HELPER);
	if (c->ready_grp < 0) {
		snprintf(err, errlen, "multicast group \"%s\" not found (credssp.ko too old?)",
			 CREDSSP_MCGRP_HELPER);
		goto fail;
	}
	/* Short ACKs (a HELPER_DONE may hold keys: never have it echoed), with messages. */
	setsockopt(cnl_fd(c), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(cnl_fd(c), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	/* The kernel acknowledges at once; never let a worker wait forever. */
	setsockopt(cnl_fd(c), SOL_SOCKET, SO_RCVTIMEO, &ack_timeout, sizeof(ack_timeout));
	return 0;
fail:
	cnl_close(c);
	return -1;
}

void cnl_close(struct cnl *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	if (c->rbuf)
		OPENSSL_cleanse(c->rbuf, CNL_RBUF_SIZE);
	free(c->rbuf);
	memset(c, 0, sizeof(*c));
}

int cnl_fd(const struct cnl *c)
{
	return nl_socket_get_fd(c->sk);
}

void cnl_set_rcvbuf(struct cnl *c, int bytes)
{
	if (setsockopt(cnl_fd(c), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) &&
	    setsockopt(cnl_fd(c), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		log_warn("cannot set the receive buffer size: %s", strerror(errno));
}

uint32_t cnl_package(int engine_package)
{
	switch (engine_package) {
	case CSSP_PACKAGE_NTLM: return CREDSSP_PACKAGE_NTLM;
	case CSSP_PACKAGE_KERBEROS: return CREDSSP_PACKAGE_KERBEROS;
	default: return CREDSSP_PACKAGE_NONE;
	}
}

static struct nla_policy req_policy[CREDSSP_A_H_MAX + 1] = {
	[CREDSSP_A_H_REQ_ID] = {.type = NLA_U64},
	[CREDSSP_A_H_OP] = {.type = NLA_U32},
	[CREDSSP_A_H_CTX_ID] = {.type = NLA_U64},
	[CREDSSP_A_H_FIRST] = {.type = NLA_FLAG},
	[CREDSSP_A_H_REQ_FLAGS] = {.type = NLA_U32},
	[CREDSSP_A_H_OPTIONS] = {.type = NLA_U32},
	[CREDSSP_A_H_INPUT] = {.type = NLA_UNSPEC},
	[CREDSSP_A_H_CRED_NAME] = {.type = NLA_STRING, .maxlen = CREDSSP_CRED_NAME_MAX + 1},
};

/* HELPER_NEXT's reply into @req. 0, or -EBADMSG for a malformed one. */
static int parse_request(struct nlmsghdr *nlh, struct cnl_request *req)
{
	struct nlattr *tb[CREDSSP_A_H_MAX + 1];
	int ret;

	memset(req, 0, sizeof(*req));
	ret = genlmsg_parse(nlh, 0, tb, CREDSSP_A_H_MAX, req_policy);
	if (ret < 0 || !tb[CREDSSP_A_H_REQ_ID] || !tb[CREDSSP_A_H_OP] || !tb[CREDSSP_A_H_CTX_ID]) {
		log_warn("ignoring a malformed helper request");
		return -EBADMSG;
	}
	req->req_id = nla_get_u64(tb[CREDSSP_A_H_REQ_ID]);
	req->op = nla_get_u32(tb[CREDSSP_A_H_OP]);
	req->ctx_id = nla_get_u64(tb[CREDSSP_A_H_CTX_ID]);
	req->first = tb[CREDSSP_A_H_FIRST] != NULL;
	if (tb[CREDSSP_A_H_REQ_FLAGS])
		req->req_flags = nla_get_u32(tb[CREDSSP_A_H_REQ_FLAGS]);
	if (tb[CREDSSP_A_H_OPTIONS])
		req->options = nla_get_u32(tb[CREDSSP_A_H_OPTIONS]);
	if (tb[CREDSSP_A_H_INPUT]) {
		req->input = nla_data(tb[CREDSSP_A_H_INPUT]);
		req->input_len = (size_t)nla_len(tb[CREDSSP_A_H_INPUT]);
		if (req->input_len > CREDSSP_TOKEN_MAX) {
			log_warn("ignoring a helper request with %zu input bytes", req->input_len);
			return -EBADMSG;
		}
	}
	if (tb[CREDSSP_A_H_CRED_NAME])
		nla_strlcpy(req->cred_name, tb[CREDSSP_A_H_CRED_NAME], sizeof(req->cred_name));
	return 0;
}

/* The extack message of an NLMSG_ERROR, if any. */
static void ack_message(struct nlmsghdr *nlh, char *ext, size_t extlen)
{
	struct nlmsgerr *e = nlmsg_data(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_ALIGN(sizeof(*e));

	if (!ext || !extlen)
		return;
	ext[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	if (off >= (size_t)nlmsg_datalen(nlh))
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      nlmsg_datalen(nlh) - (int)off, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(ext, extlen, "%.*s", nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

/* What a transaction waits for, and what read_one() found. */
struct cnl_wait {
	uint32_t seq; /* 0: none, only notifications */
	bool done;
	int err;
	char *ext;
	size_t extlen;
	struct cnl_request *req; /* HELPER_NEXT: its reply */
	int ready;		 /* HELPER_READY notifications seen */
};

static void handle_msg(struct cnl *c, struct nlmsghdr *nlh, struct cnl_wait *w)
{
	struct genlmsghdr *gh = nlmsg_data(nlh);

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = nlmsg_data(nlh);

		if (nlh->nlmsg_len < (__u32)nlmsg_size(sizeof(*e)) || !w->seq ||
		    nlh->nlmsg_seq != w->seq)
			return;
		w->err = e->error;
		w->done = true;
		ack_message(nlh, w->ext, w->extlen);
		return;
	}
	if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_DONE)
		return;
	if (nlh->nlmsg_type != c->family || !genlmsg_valid_hdr(nlh, 0)) {
		log_warn("ignoring an unexpected message (type %u)", nlh->nlmsg_type);
		return;
	}
	if (gh->cmd == CREDSSP_CMD_HELPER_READY) {
		w->ready++;
	} else if (gh->cmd == CREDSSP_CMD_HELPER_NEXT && w->req && w->seq &&
		   nlh->nlmsg_seq == w->seq) {
		w->err = parse_request(nlh, w->req);
		w->done = true;
	} else {
		log_warn("ignoring an unexpected message (command %u)", gh->cmd);
	}
}

/* Read one datagram into @w. Returns 0 or a negative errno. */
static int read_one(struct cnl *c, int flags, struct cnl_wait *w)
{
	struct sockaddr_nl from;
	socklen_t fromlen = sizeof(from);
	struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	do {
		n = recvfrom(cnl_fd(c), c->rbuf, CNL_RBUF_SIZE, flags | MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (from.nl_family != AF_NETLINK || from.nl_pid != 0) {
		log_warn("ignoring a netlink message from port %u, not the kernel", from.nl_pid);
		return 0;
	}
	if (n > CNL_RBUF_SIZE) {
		log_warn("ignoring a truncated netlink message (%zd bytes)", n);
		return 0;
	}
	len = (int)n;
	for (nlh = (struct nlmsghdr *)c->rbuf; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len))
		handle_msg(c, nlh, w);
	return 0;
}

/* Wait (SO_RCVTIMEO at most) for the end of transaction @w->seq. */
static int wait_done(struct cnl *c, struct cnl_wait *w)
{
	int ret;

	while (!w->done) {
		ret = read_one(c, 0, w);
		if (ret == -EAGAIN || ret == -EWOULDBLOCK)
			return -ETIMEDOUT;
		if (ret && ret != -ENOBUFS)
			return ret;
	}
	return w->err;
}

/* Send @msg (freed) and wait for its ACK or reply. */
static int transact(struct cnl *c, struct nl_msg *msg, struct cnl_wait *w, const char *what)
{
	int ret = nl_send_auto(c->sk, msg);

	if (ret < 0) {
		log_err("cannot send %s: %s", what, nl_geterror(ret));
		nlmsg_free(msg);
		return -EIO;
	}
	w->seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	return wait_done(c, w);
}

/* One GRANT nest. 0 or -ENOMEM. */
static int put_grant(struct nl_msg *msg, const struct cnl_grant *g)
{
	struct nlattr *nest = nla_nest_start(msg, CREDSSP_A_H_GRANT);
	size_t i;

	if (!nest || nla_put_string(msg, CREDSSP_A_G_NAME, g->name))
		return -ENOMEM;
	for (i = 0; i < g->n_uids; i++)
		if (nla_put_u32(msg, CREDSSP_A_G_UID, g->uids[i]))
			return -ENOMEM;
	for (i = 0; i < g->n_gids; i++)
		if (nla_put_u32(msg, CREDSSP_A_G_GID, g->gids[i]))
			return -ENOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

int cnl_register(struct cnl *c, const struct cnl_grant *grants, size_t n_grants)
{
	/* At most 64 grants of 256 ids: some 135 KiB. */
	struct nl_msg *msg = nlmsg_alloc_size(n_grants ? 192 * 1024 : 4096);
	char ext[256] = "";
	struct cnl_wait w = {.ext = ext, .extlen = sizeof(ext)};
	size_t i;
	int ret;

	if (!msg)
		return -ENOMEM;
	if (n_grants) {
		/* The kernel refuses a message over the socket's send buffer. */
		int bytes = 256 * 1024;

		if (setsockopt(cnl_fd(c), SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) &&
		    setsockopt(cnl_fd(c), SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)))
			log_warn("cannot set the send buffer size: %s", strerror(errno));
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, NLM_F_REQUEST | NLM_F_ACK,
			 CREDSSP_CMD_HELPER_REGISTER, CREDSSP_FAMILY_VERSION) ||
	    nla_put_u32(msg, CREDSSP_A_H_VERSION, CREDSSP_HELPER_VERSION)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	for (i = 0; i < n_grants; i++) {
		if (put_grant(msg, &grants[i])) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
	}
	ret = transact(c, msg, &w, "HELPER_REGISTER");
	if (ret && ext[0])
		log_err("HELPER_REGISTER: %s", ext);
	return ret;
}

int cnl_join_ready(struct cnl *c, char *err, size_t errlen)
{
	int ret = nl_socket_add_membership(c->sk, c->ready_grp);

	if (ret) {
		snprintf(err, errlen, "cannot join multicast group \"%s\": %s",
			 CREDSSP_MCGRP_HELPER, nl_geterror(ret));
		return -1;
	}
	return 0;
}

int cnl_read_ready(struct cnl *c)
{
	struct cnl_wait w = {0};
	int ret, overrun = 0;

	for (;;) {
		ret = read_one(c, MSG_DONTWAIT, &w);
		if (ret == -EAGAIN || ret == -EWOULDBLOCK)
			return overrun ? overrun : w.ready;
		if (ret == -ENOBUFS)
			overrun = -ENOBUFS;
		else if (ret)
			return ret;
	}
}

int cnl_next(struct cnl *c, struct cnl_request *req)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct cnl_wait w = {.req = req};
	int ret;

	if (!msg)
		return -ENOMEM;
	/* No NLM_F_ACK: the reply, or an error ACK, ends the transaction. */
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, NLM_F_REQUEST,
			 CREDSSP_CMD_HELPER_NEXT, CREDSSP_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = transact(c, msg, &w, "HELPER_NEXT");
	return ret;
}

/* The engine's classification of delegated credentials, as the kernel's. */
static uint32_t cnl_creds_binding(enum cssp_deleg_binding b)
{
	switch (b) {
	case CSSP_DELEG_BOUND: return CREDSSP_CREDS_BINDING_BOUND;
	case CSSP_DELEG_OTHER_USER: return CREDSSP_CREDS_BINDING_OTHER_USER;
	case CSSP_DELEG_NONE: /* with a payload: nobody checked it */
	case CSSP_DELEG_UNBOUND:
	default: return CREDSSP_CREDS_BINDING_UNBOUND;
	}
}

static int put_keys(struct nl_msg *msg, int type, const struct cssp_tls_keys *k,
		    const struct cssp_tls_dir_keys *d)
{
	struct nlattr *nest = nla_nest_start(msg, type | NLA_F_NESTED);

	if (!nest || nla_put_u32(msg, CREDSSP_A_K_CIPHER, k->cipher_type) ||
	    nla_put(msg, CREDSSP_A_K_KEY, k->key_len, d->key) ||
	    (k->salt_len && nla_put(msg, CREDSSP_A_K_SALT, k->salt_len, d->salt)) ||
	    nla_put(msg, CREDSSP_A_K_IV, k->iv_len, d->iv) ||
	    nla_put(msg, CREDSSP_A_K_REC_SEQ, sizeof(d->rec_seq), d->rec_seq))
		return -1;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_result(struct nl_msg *msg, const struct cssp_result *r)
{
	const struct cssp_tls_keys *k = &r->keys;

	if (k->key_len > sizeof(k->tx.key) || k->salt_len > sizeof(k->tx.salt) ||
	    k->iv_len > sizeof(k->tx.iv))
		return -1;
	if (nla_put_u64(msg, CREDSSP_A_H_EXPIRY, r->expiry) ||
	    (r->spnego && nla_put_flag(msg, CREDSSP_A_H_SPNEGO)) ||
	    nla_put_string(msg, CREDSSP_A_H_PRINCIPAL, r->principal) ||
	    nla_put_u32(msg, CREDSSP_A_H_VERSION_NEGOTIATED, r->version) ||
	    nla_put_u32(msg, CREDSSP_A_H_PEER_VERSION, r->peer_version) ||
	    nla_put_u32(msg, CREDSSP_A_H_TLS_VERSION, r->tls_version) ||
	    nla_put_string(msg, CREDSSP_A_H_TLS_CIPHER, r->tls_cipher))
		return -1;
	if (!r->creds_empty && r->payload.len &&
	    (nla_put(msg, CREDSSP_A_H_CREDS, (int)r->payload.len, r->payload.data) ||
	     nla_put_u32(msg, CREDSSP_A_H_CREDS_BINDING, cnl_creds_binding(r->binding))))
		return -1;
	if (put_keys(msg, CREDSSP_A_H_KEYS_TX, k, &k->tx) ||
	    put_keys(msg, CREDSSP_A_H_KEYS_RX, k, &k->rx))
		return -1;
	return 0;
}

int cnl_send_done(struct cnl *c, const struct cnl_done *d, char *ext, size_t extlen)
{
	size_t size = 4096 + d->output_len;
	struct cnl_wait w = {.ext = ext, .extlen = extlen};
	struct nl_msg *msg;
	int ret;

	if (ext && extlen)
		ext[0] = '\0';
	if (d->result)
		size += d->result->payload.len + sizeof(d->result->principal) + 1024;
	msg = nlmsg_alloc_size(size);
	if (!msg)
		return -ENOMEM;
	ret = -EMSGSIZE;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, NLM_F_REQUEST | NLM_F_ACK,
			 CREDSSP_CMD_HELPER_DONE, CREDSSP_FAMILY_VERSION) ||
	    nla_put_u64(msg, CREDSSP_A_H_REQ_ID, d->req_id) ||
	    nla_put_u32(msg, CREDSSP_A_H_SEC_STATUS, d->status) ||
	    (d->output_len && nla_put(msg, CREDSSP_A_H_OUTPUT, (int)d->output_len, d->output)) ||
	    nla_put_u32(msg, CREDSSP_A_H_CONSUMED, d->consumed) ||
	    nla_put_u32(msg, CREDSSP_A_H_RET_FLAGS, d->ret_flags) ||
	    (d->has_package && nla_put_u32(msg, CREDSSP_A_H_PACKAGE, d->package)) ||
	    (d->result && put_result(msg, d->result)))
		goto out;
	ret = nl_send_auto(c->sk, msg);
	if (ret < 0) {
		log_err("cannot send HELPER_DONE: %s", nl_geterror(ret));
		ret = -EIO;
		goto out;
	}
	w.seq = nlmsg_hdr(msg)->nlmsg_seq;
	ret = wait_done(c, &w);
out:
	/* Keys and delegated credentials: wipe the whole buffer, not just what was used. */
	OPENSSL_cleanse(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
	nlmsg_free(msg);
	return ret;
}
