// SPDX-License-Identifier: GPL-2.0
/*
 * The helper channel of the "credssp" generic netlink family
 * (<linux/credssp.h>, "Helper commands"): HELPER_REGISTER, the kernel's
 * HELPER_REQUESTs, HELPER_DONE. libnl builds and parses the messages; the
 * sockets are read directly so that requests only come from the kernel and
 * acknowledgements are matched by sequence number.
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
	c->family = genl_ctrl_resolve(c->sk, CREDSSP_GENL_NAME);
	if (c->family < 0) {
		snprintf(err, errlen,
			 "generic netlink family \"%s\" not found (is credssp.ko loaded?)",
			 CREDSSP_GENL_NAME);
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
	case CSSP_PACKAGE_NTLM: return CREDSSP_PKG_NTLM;
	case CSSP_PACKAGE_KERBEROS: return CREDSSP_PKG_KERBEROS;
	default: return CREDSSP_PKG_NONE;
	}
}

static struct nla_policy req_policy[CREDSSP_A_H_MAX + 1] = {
	[CREDSSP_A_H_REQ_ID] = {.type = NLA_U64},    [CREDSSP_A_H_OP] = {.type = NLA_U32},
	[CREDSSP_A_H_CTX_ID] = {.type = NLA_U64},    [CREDSSP_A_H_FIRST] = {.type = NLA_FLAG},
	[CREDSSP_A_H_REQ_FLAGS] = {.type = NLA_U32}, [CREDSSP_A_H_OPTIONS] = {.type = NLA_U32},
	[CREDSSP_A_H_INPUT] = {.type = NLA_UNSPEC},
};

static void handle_request(struct nlmsghdr *nlh, cnl_request_fn fn, void *arg)
{
	struct nlattr *tb[CREDSSP_A_H_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct cnl_request req = {0};
	int ret;

	if (!genlmsg_valid_hdr(nlh, 0) || gh->cmd != CREDSSP_CMD_HELPER_REQUEST) {
		log_warn("ignoring an unexpected message (type %u)", nlh->nlmsg_type);
		return;
	}
	ret = genlmsg_parse(nlh, 0, tb, CREDSSP_A_H_MAX, req_policy);
	if (ret < 0 || !tb[CREDSSP_A_H_REQ_ID] || !tb[CREDSSP_A_H_OP] || !tb[CREDSSP_A_H_CTX_ID]) {
		log_warn("ignoring a malformed helper request");
		return;
	}
	req.req_id = nla_get_u64(tb[CREDSSP_A_H_REQ_ID]);
	req.op = nla_get_u32(tb[CREDSSP_A_H_OP]);
	req.ctx_id = nla_get_u64(tb[CREDSSP_A_H_CTX_ID]);
	req.first = tb[CREDSSP_A_H_FIRST] != NULL;
	if (tb[CREDSSP_A_H_REQ_FLAGS])
		req.req_flags = nla_get_u32(tb[CREDSSP_A_H_REQ_FLAGS]);
	if (tb[CREDSSP_A_H_OPTIONS])
		req.options = nla_get_u32(tb[CREDSSP_A_H_OPTIONS]);
	if (tb[CREDSSP_A_H_INPUT]) {
		req.input = nla_data(tb[CREDSSP_A_H_INPUT]);
		req.input_len = (size_t)nla_len(tb[CREDSSP_A_H_INPUT]);
		if (req.input_len > CREDSSP_TOKEN_MAX) {
			log_warn("ignoring a helper request with %zu input bytes", req.input_len);
			return;
		}
	}
	fn(&req, arg);
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

/*
 * Read one datagram. Requests go to @fn; an ACK for @seq (if @seq != 0) is
 * stored in @ack_err and makes *@acked true. Returns 0 or a negative errno.
 */
static int read_one(struct cnl *c, int flags, uint32_t seq, int *ack_err, bool *acked, char *ext,
		    size_t extlen, cnl_request_fn fn, void *arg)
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
	for (nlh = (struct nlmsghdr *)c->rbuf; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = nlmsg_data(nlh);

			if (nlh->nlmsg_len < (__u32)nlmsg_size(sizeof(*e)) || !seq ||
			    nlh->nlmsg_seq != seq)
				continue;
			*ack_err = e->error;
			*acked = true;
			ack_message(nlh, ext, extlen);
		} else if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_DONE) {
			continue;
		} else if (fn) {
			handle_request(nlh, fn, arg);
		}
	}
	return 0;
}

static int wait_ack(struct cnl *c, uint32_t seq, char *ext, size_t extlen, cnl_request_fn fn,
		    void *arg)
{
	bool acked = false;
	int err = 0, ret;

	while (!acked) {
		ret = read_one(c, 0, seq, &err, &acked, ext, extlen, fn, arg);
		if (ret == -EAGAIN || ret == -EWOULDBLOCK)
			return -ETIMEDOUT;
		if (ret && ret != -ENOBUFS)
			return ret;
	}
	return err;
}

int cnl_register(struct cnl *c, cnl_request_fn fn, void *arg)
{
	struct nl_msg *msg = nlmsg_alloc();
	char ext[256] = "";
	int ret;

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, NLM_F_REQUEST | NLM_F_ACK,
			 CREDSSP_CMD_HELPER_REGISTER, CREDSSP_GENL_VERSION) ||
	    nla_put_u32(msg, CREDSSP_A_H_VERSION, CREDSSP_HELPER_VERSION)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = nl_send_auto(c->sk, msg);
	if (ret < 0) {
		log_err("cannot send HELPER_REGISTER: %s", nl_geterror(ret));
		nlmsg_free(msg);
		return -EIO;
	}
	ret = wait_ack(c, nlmsg_hdr(msg)->nlmsg_seq, ext, sizeof(ext), fn, arg);
	nlmsg_free(msg);
	if (ret && ext[0])
		log_err("HELPER_REGISTER: %s", ext);
	return ret;
}

int cnl_receive(struct cnl *c, cnl_request_fn fn, void *arg)
{
	bool acked = false, got = false;
	int err = 0, ret;

	for (;;) {
		ret = read_one(c, MSG_DONTWAIT, 0, &err, &acked, NULL, 0, fn, arg);
		if (ret == -EAGAIN || ret == -EWOULDBLOCK)
			return got ? 0 : -EAGAIN;
		if (ret)
			return ret;
		got = true;
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
	    nla_put(msg, CREDSSP_A_H_CREDS, (int)r->payload.len, r->payload.data))
		return -1;
	if (put_keys(msg, CREDSSP_A_H_KEYS_TX, k, &k->tx) ||
	    put_keys(msg, CREDSSP_A_H_KEYS_RX, k, &k->rx))
		return -1;
	return 0;
}

int cnl_send_done(struct cnl *c, const struct cnl_done *d, char *ext, size_t extlen)
{
	size_t size = 4096 + d->output_len;
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
			 CREDSSP_CMD_HELPER_DONE, CREDSSP_GENL_VERSION) ||
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
	ret = wait_ack(c, nlmsg_hdr(msg)->nlmsg_seq, ext, extlen, NULL, NULL);
out:
	/* Keys and delegated credentials: wipe the whole buffer, not just what was used. */
	OPENSSL_cleanse(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
	nlmsg_free(msg);
	return ret;
}
