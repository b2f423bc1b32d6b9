// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcredssp: sessions, the netlink transaction, the SSPI calls and the admin
 * views over the "credssp" generic netlink family (uapi/linux/credssp.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "credssp.h"
#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/*
 * A session. Its calls run concurrently: a request is sent under send_lock
 * (libnl numbers requests from the socket, without a lock of its own) and
 * its replies are picked out by sequence number (lib/demux.c).
 */
struct credssp_handle {
	pthread_mutex_t send_lock;
	pthread_mutex_t dump_lock; /* netlink runs one dump at a time per socket */
	struct credssp__demux rx;
	struct nl_sock *sk;
	int family;
	uint64_t serial; /* the session's number, for the thread's last error */
};

/*
 * The last error and message are the calling thread's (as GetLastError() on
 * Windows): each call clears and sets those of its own thread. They belong to
 * the session of the thread's last call; asked about another one, 0 and "".
 */
static __thread struct {
	uint64_t serial;
	int err;       /* positive errno of the last call, 0 */
	char msg[256]; /* extack message of the last call */
} last;

static uint64_t next_serial;

/* ---- buffers released by credssp_free_context_buffer() ---- */

#define CBUF_MAGIC 0x6c63737362756621ULL

union cbuf_hdr {
	struct {
		size_t size;
		uint64_t magic;
	} h;
	max_align_t align;
};

void *credssp__cbuf_alloc(size_t size)
{
	union cbuf_hdr *hdr;

	if (size > SIZE_MAX - sizeof(*hdr))
		return NULL;
	hdr = calloc(1, sizeof(*hdr) + size);
	if (!hdr)
		return NULL;
	hdr->h.size = size;
	hdr->h.magic = CBUF_MAGIC;
	return hdr + 1;
}

credssp_status_t credssp_free_context_buffer(void *buffer)
{
	union cbuf_hdr *hdr;

	if (!buffer)
		return CREDSSP_SEC_STATUS_OK;
	hdr = (union cbuf_hdr *)buffer - 1;
	if (hdr->h.magic != CBUF_MAGIC)
		return CREDSSP_SEC_STATUS_INVALID_PARAMETER;
	explicit_bzero(hdr, sizeof(*hdr) + hdr->h.size);
	free(hdr);
	return CREDSSP_SEC_STATUS_OK;
}

/* ---- attribute helpers: lengths checked, absent attributes read as 0 ---- */

static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (a && nla_len(a) >= (int)sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (a && nla_len(a) >= (int)sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

static uint8_t get_u8(const struct nlattr *a)
{
	return a && nla_len(a) >= 1 ? *(const uint8_t *)nla_data(a) : 0;
}

/* Copy a string attribute into dst (size > 0), NUL-terminated, truncated. */
static void get_str(const struct nlattr *a, char *dst, size_t size)
{
	size_t n = 0;

	if (a) {
		n = strnlen(nla_data(a), nla_len(a));
		if (n >= size)
			n = size - 1;
		memcpy(dst, nla_data(a), n);
	}
	dst[n] = '\0';
}

/* ---- sessions ---- */

static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0: return 0;
	case NLE_NOMEM: return ENOMEM;
	case NLE_MSG_TRUNC: return EMSGSIZE;
	case NLE_MSGSIZE: return EMSGSIZE;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_PERM: return EPERM;
	case NLE_INVAL: return EINVAL;
	case NLE_AGAIN: return EAGAIN;
	case NLE_INTR: return EINTR;
	case NLE_BAD_SOCK: return EBADF;
	case NLE_PROTO_MISMATCH: return EPROTONOSUPPORT;
	case NLE_NOACCESS: return EACCES;
	default: return EIO;
	}
}

/*
 * Room for the replies of many calls in flight: the kernel drops a reply
 * that finds the receive queue full (the calls then fail with ENOBUFS, see
 * lib/demux.c). SO_RCVBUF, which the kernel caps at net.core.rmem_max (and
 * reports doubled); only if that falls short, SO_RCVBUFFORCE, which goes
 * past it, and only for a process whose effective set holds CAP_NET_ADMIN:
 * the kernel's check of it is one an LSM records when it refuses, and a
 * granted service without the capability must not leave such a record.
 */
#define RCVBUF (4 << 20)

static bool net_admin_effective(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {0};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective & CAP_TO_MASK(CAP_NET_ADMIN);
}

static void set_rcvbuf(int fd)
{
	int size = RCVBUF, got = 0;
	socklen_t len = sizeof(got);

	if (!setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) &&
	    !getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) && got / 2 >= size)
		return;
	if (net_admin_effective())
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
}

struct credssp_handle *credssp_open(void)
{
	struct credssp_handle *h;
	int one = 1, err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->sk = nl_socket_alloc();
	if (!h->sk) {
		err = ENOMEM;
		goto out_free;
	}
	err = genl_connect(h->sk);
	if (err) {
		err = nle_to_errno(err);
		goto out_sock;
	}
	h->family = genl_ctrl_resolve(h->sk, CREDSSP_FAMILY_NAME);
	if (h->family < 0) {
		err = nle_to_errno(h->family);
		goto out_sock;
	}
	/* Error messages from the kernel, without our request echoed back. */
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_buffer_size(h->sk, 1 << 18, 1 << 18);
	set_rcvbuf(nl_socket_get_fd(h->sk));
	pthread_mutex_init(&h->send_lock, NULL);
	pthread_mutex_init(&h->dump_lock, NULL);
	credssp__demux_init(&h->rx, nl_socket_get_fd(h->sk));
	h->serial = __atomic_add_fetch(&next_serial, 1, __ATOMIC_RELAXED);
	return h;

out_sock:
	nl_socket_free(h->sk);
out_free:
	free(h);
	errno = err;
	return NULL;
}

void credssp_close(struct credssp_handle *h)
{
	if (!h)
		return;
	nl_socket_free(h->sk);
	credssp__demux_destroy(&h->rx);
	pthread_mutex_destroy(&h->send_lock);
	pthread_mutex_destroy(&h->dump_lock);
	explicit_bzero(h, sizeof(*h));
	free(h);
}

void credssp__abandon(struct credssp_handle *h)
{
	/*
	 * After fork(): another thread of the parent may have held a lock, and
	 * its calls' slots were on its stack.
	 */
	nl_socket_free(h->sk);
	free(h);
}

int credssp_last_error(const struct credssp_handle *h)
{
	if (!h)
		return EINVAL;
	return last.serial == h->serial ? last.err : 0;
}

const char *credssp_last_message(const struct credssp_handle *h)
{
	return h && last.serial == h->serial ? last.msg : "";
}

/* ---- one request, its replies and its ACK ---- */

/* Called for each reply message of the request; returns 0 or -errno. */
typedef int (*reply_fn)(struct nlmsghdr *hdr, void *arg);

/* The extack TLVs of an NLMSG_ERROR or NLMSG_DONE: remember the message. */
static void take_extack(struct nlmsghdr *hdr, size_t offset)
{
	struct nlattr *a;
	size_t len = nlmsg_datalen(hdr);

	if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS) || offset >= len)
		return;
	a = nla_find((struct nlattr *)((char *)nlmsg_data(hdr) + offset), (int)(len - offset),
		     NLMSGERR_ATTR_MSG);
	if (a)
		get_str(a, last.msg, sizeof(last.msg));
}

static struct nl_msg *new_req(struct credssp_handle *h, uint8_t cmd, int flags, size_t payload);

/*
 * A signal interrupted the wait for an asynchronous call: ask the kernel to
 * cancel it (CREDSSP_CMD_CANCEL). Its own ACK carries another sequence
 * number and is dropped; the call's outcome still comes.
 */
static void send_cancel(struct credssp_handle *h, uint32_t seq)
{
	struct nl_msg *msg = new_req(h, CREDSSP_CMD_CANCEL, 0, 0);

	if (!msg)
		return;
	if (!nla_put_u32(msg, CREDSSP_A_SEQ, seq)) {
		pthread_mutex_lock(&h->send_lock);
		nl_send_auto(h->sk, msg);
		pthread_mutex_unlock(&h->send_lock);
	}
	nlmsg_free(msg);
}

/* Where a transaction stands. */
struct xact {
	bool acked, got;
	int err, cb_err;
};

/* One message of the transaction's sequence number. */
static void consume(struct xact *x, struct nlmsghdr *hdr, reply_fn fn, void *arg)
{
	if (hdr->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = nlmsg_data(hdr);
		size_t off = sizeof(*e);

		if (nlmsg_datalen(hdr) < (int)sizeof(e->error)) {
			x->err = -EPROTO;
		} else {
			x->err = e->error > 0 ? -e->error : e->error;
			if (!(hdr->nlmsg_flags & NLM_F_CAPPED) &&
			    nlmsg_datalen(hdr) >= (int)sizeof(*e))
				off = sizeof(e->error) + NLMSG_ALIGN(e->msg.nlmsg_len);
			take_extack(hdr, off);
		}
		x->acked = true;
		return;
	}
	if (hdr->nlmsg_type == NLMSG_DONE) {
		int e = 0;

		if (nlmsg_datalen(hdr) >= (int)sizeof(e))
			memcpy(&e, nlmsg_data(hdr), sizeof(e));
		x->err = e > 0 ? -e : e;
		take_extack(hdr, NLMSG_ALIGN(sizeof(e)));
		x->acked = true;
		return;
	}
	if (hdr->nlmsg_type < NLMSG_MIN_TYPE)
		return; /* NOOP, OVERRUN */
	x->got = true;
	if (!x->cb_err && fn)
		x->cb_err = fn(hdr, arg);
}

/*
 * Send @msg (consumed) on @h's socket, hand every reply to @fn and wait for
 * the ACK (do) or NLMSG_DONE (dump). With @async (ACCEPT, ACCEPT_SOCKET,
 * KTLS_ATTACH) the kernel answers in two parts: the ACK when the call is
 * queued, and later the outcome, a message with the request's sequence
 * number; a call refused at once has its reply before the ACK. A signal to
 * the waiting thread cancels its asynchronous call once (*@interrupted set);
 * the wait goes on for the outcome. Any number of threads may be here at
 * once on one session: the replies are sorted by sequence number.
 * Returns 0 or a negative errno: the kernel's, or a local one.
 */
static int transact_async(struct credssp_handle *h, struct nl_msg *msg, reply_fn fn, void *arg,
			  bool async, bool *interrupted)
{
	struct xact x = {0};
	struct credssp__call c;
	struct nlmsghdr *hdr;
	sigset_t all, mask;
	bool intr = false;
	int n;

	/*
	 * Signals only in the wait's ppoll() (lib/demux.c): one handled
	 * anywhere else in the call would cancel nothing.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &mask);
	/* Numbered and registered before it is sent: its reply may come first. */
	pthread_mutex_lock(&h->send_lock);
	nl_complete_msg(h->sk, msg);
	n = credssp__demux_add(&h->rx, &c, nlmsg_hdr(msg)->nlmsg_seq);
	if (!n) {
		/*
		 * A dump: the kernel's first batch, made in this sendmsg(), is
		 * queued after the dump's mutex is dropped; a recvmsg() of the
		 * reader meanwhile would make (and queue first) the next batch.
		 */
		bool dump = (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

		if (dump)
			credssp__demux_hold_reads(&h->rx);
		n = nl_send(h->sk, msg);
		if (dump)
			credssp__demux_release_reads(&h->rx);
		n = n < 0 ? -nle_to_errno(n) : 0;
		if (n)
			credssp__demux_del(&h->rx, &c);
	}
	pthread_mutex_unlock(&h->send_lock);
	nlmsg_free(msg);
	if (n) {
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
		return n;
	}

	while (!x.acked || (async && !x.err && !x.got)) {
		n = credssp__demux_next(&h->rx, &c, &hdr, &mask);
		if (n == -EINTR) {
			if (async && !intr) {
				intr = true;
				send_cancel(h, c.seq);
			}
			continue;
		}
		if (n) {
			x.err = n;
			if (n == -ENOBUFS)
				snprintf(last.msg, sizeof(last.msg),
					 "netlink receive buffer overrun: a reply was lost");
			break;
		}
		consume(&x, hdr, fn, arg);
		credssp__demux_free(hdr);
	}
	credssp__demux_del(&h->rx, &c);
	/* A signal that came after the last wait is handled now: the call had completed. */
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	if (interrupted)
		*interrupted = intr;
	return x.err ? x.err : x.cb_err;
}

static int transact(struct credssp_handle *h, struct nl_msg *msg, reply_fn fn, void *arg)
{
	return transact_async(h, msg, fn, arg, false, NULL);
}

/* A new request for @cmd; NULL on ENOMEM. */
static struct nl_msg *new_req(struct credssp_handle *h, uint8_t cmd, int flags, size_t payload)
{
	struct nl_msg *msg = nlmsg_alloc_size(payload + 1024);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, flags, cmd,
			 CREDSSP_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The single reply of a do, copied out. */
struct one_reply {
	struct nlmsghdr *hdr;
};

static int keep_reply(struct nlmsghdr *hdr, void *arg)
{
	struct one_reply *r = arg;

	if (r->hdr)
		return 0;
	r->hdr = malloc(hdr->nlmsg_len);
	if (!r->hdr)
		return -ENOMEM;
	memcpy(r->hdr, hdr, hdr->nlmsg_len);
	return 0;
}

static void drop_reply(struct one_reply *r)
{
	if (r->hdr) {
		explicit_bzero(r->hdr, r->hdr->nlmsg_len);
		free(r->hdr);
		r->hdr = NULL;
	}
}

/* Start a call on @h: clear the calling thread's last error. */
static void begin(struct credssp_handle *h)
{
	last.serial = h->serial;
	last.err = 0;
	last.msg[0] = '\0';
}

/* A failure below SSPI as a SECURITY_STATUS; remembers the errno (the thread's, for @h). */
static credssp_status_t fail(struct credssp_handle *h, int err)
{
	(void)h;
	last.err = err < 0 ? -err : err;
	return last.err == ENOMEM ? CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY
				  : CREDSSP_SEC_STATUS_INTERNAL_ERROR;
}

static credssp_status_t fail_msg(struct credssp_handle *h, int err, const char *msg)
{
	snprintf(last.msg, sizeof(last.msg), "%s", msg);
	return fail(h, err);
}

/*
 * Run a consumer command: send @msg, parse the reply into @tb.
 * Returns CREDSSP_SEC_STATUS_OK with @r holding the reply and *status its SEC_STATUS, or
 * the SECURITY_STATUS of a failure below SSPI (r empty).
 */
static credssp_status_t call_async(struct credssp_handle *h, struct nl_msg *msg,
				   struct one_reply *r, struct nlattr **tb,
				   credssp_status_t *status, bool async)
{
	bool interrupted;
	int err;

	r->hdr = NULL;
	err = transact_async(h, msg, keep_reply, r, async, &interrupted);
	if (!err && !r->hdr)
		err = -EPROTO;
	if (!err && genlmsg_parse(r->hdr, 0, tb, CREDSSP_A_MAX, NULL))
		err = -EPROTO;
	if (!err && !tb[CREDSSP_A_SEC_STATUS])
		err = -EPROTO;
	if (err) {
		drop_reply(r);
		return fail(h, err);
	}
	*status = get_u32(tb[CREDSSP_A_SEC_STATUS]);
	/* An asynchronous outcome carries its reason itself (no extack). */
	if (tb[CREDSSP_A_MESSAGE] && !last.msg[0])
		get_str(tb[CREDSSP_A_MESSAGE], last.msg, sizeof(last.msg));
	/* Cancelled by a signal, and it did not complete first. */
	if (interrupted && *status != CREDSSP_SEC_STATUS_OK &&
	    *status != CREDSSP_SEC_STATUS_CONTINUE_NEEDED) {
		drop_reply(r);
		snprintf(last.msg, sizeof(last.msg), "interrupted: the call was cancelled");
		return fail(h, EINTR);
	}
	return CREDSSP_SEC_STATUS_OK;
}

static credssp_status_t call(struct credssp_handle *h, struct nl_msg *msg, struct one_reply *r,
			     struct nlattr **tb, credssp_status_t *status)
{
	return call_async(h, msg, r, tb, status, false);
}

/* ---- SSPI calls ---- */

credssp_status_t credssp_acquire_credentials_handle(struct credssp_handle *h, const char *principal,
						    const char *package, uint32_t cred_use,
						    uint64_t *cred, uint64_t *expiry)
{
	struct nlattr *tb[CREDSSP_A_MAX + 1];
	struct one_reply r;
	credssp_status_t st, status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	struct nl_msg *msg;

	if (!h || !cred)
		return CREDSSP_SEC_STATUS_INVALID_PARAMETER;
	*cred = 0;
	if (!package)
		return CREDSSP_SEC_STATUS_SECPKG_NOT_FOUND;
	begin(h);
	msg = new_req(h, CREDSSP_CMD_ACQUIRE_CRED, 0, strlen(package));
	if (!msg || nla_put_string(msg, CREDSSP_A_PACKAGE, package) ||
	    nla_put_u32(msg, CREDSSP_A_CRED_USE, cred_use) ||
	    (principal && nla_put_string(msg, CREDSSP_A_PRINCIPAL, principal))) {
		nlmsg_free(msg);
		status = fail_msg(h, ENOMEM, "request too large");
		goto out;
	}
	st = call(h, msg, &r, tb, &status);
	if (st != CREDSSP_SEC_STATUS_OK) {
		/*
		 * Refused before the call (no CAP_NET_ADMIN, no credential
		 * granted to this user): as SSPI says it, with the kernel's words
		 * in credssp_last_message().
		 */
		status = last.err == EPERM ? CREDSSP_SEC_STATUS_NO_CREDENTIALS : st;
		goto out;
	}
	if (status == CREDSSP_SEC_STATUS_OK) {
		*cred = get_u64(tb[CREDSSP_A_CRED_ID]);
		if (expiry)
			*expiry = tb[CREDSSP_A_EXPIRY] ? get_u64(tb[CREDSSP_A_EXPIRY])
						       : CREDSSP_TIME_NEVER;
	}
	drop_reply(&r);
out:
	return status;
}

/* A command whose request is one u64 handle and whose reply is a status. */
static credssp_status_t simple_call(struct credssp_handle *h, uint8_t cmd, int attr, uint64_t id)
{
	struct nlattr *tb[CREDSSP_A_MAX + 1];
	struct one_reply r;
	credssp_status_t st, status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	struct nl_msg *msg;

	if (!h)
		return CREDSSP_SEC_STATUS_INVALID_HANDLE;
	begin(h);
	msg = new_req(h, cmd, 0, 0);
	if (!msg || nla_put_u64(msg, attr, id)) {
		nlmsg_free(msg);
		status = fail(h, ENOMEM);
		goto out;
	}
	st = call(h, msg, &r, tb, &status);
	if (st != CREDSSP_SEC_STATUS_OK)
		status = st;
	drop_reply(&r);
out:
	return status;
}

credssp_status_t credssp_free_credentials_handle(struct credssp_handle *h, uint64_t cred)
{
	return simple_call(h, CREDSSP_CMD_FREE_CRED, CREDSSP_A_CRED_ID, cred);
}

credssp_status_t credssp_delete_security_context(struct credssp_handle *h, uint64_t ctx)
{
	return simple_call(h, CREDSSP_CMD_DELETE_CTX, CREDSSP_A_CTX_ID, ctx);
}

/* ---- kTLS and socket mode ---- */

int credssp_ktls_attach(struct credssp_handle *h, uint64_t ctx, int fd,
			struct credssp_ktls_info *info)
{
	struct nlattr *tb[CREDSSP_A_MAX + 1];
	struct one_reply r = {NULL};
	struct nl_msg *msg;
	int err;

	if (info)
		memset(info, 0, sizeof(*info));
	if (!h || fd < 0)
		return -EINVAL;
	begin(h);
	msg = new_req(h, CREDSSP_CMD_KTLS_ATTACH, 0, 0);
	if (!msg || nla_put_u64(msg, CREDSSP_A_CTX_ID, ctx) ||
	    nla_put_u32(msg, CREDSSP_A_SOCK_FD, (uint32_t)fd)) {
		nlmsg_free(msg);
		err = -ENOMEM;
		goto out;
	}
	/*
	 * Asynchronous (the kernel installs kTLS in a worker): the ACK, then
	 * the outcome. A signal sends a CANCEL, which the kernel ignores for
	 * KTLS_ATTACH: the install ends promptly, and its outcome is waited for.
	 */
	err = transact_async(h, msg, keep_reply, &r, true, NULL);
	if (!err &&
	    (!r.hdr || genlmsg_parse(r.hdr, 0, tb, CREDSSP_A_MAX, NULL) || !tb[CREDSSP_A_ERROR]))
		err = -EPROTO;
	if (!err && get_u32(tb[CREDSSP_A_ERROR])) {
		err = (int32_t)get_u32(tb[CREDSSP_A_ERROR]);
		if (err >= 0)
			err = -EPROTO;
		if (tb[CREDSSP_A_MESSAGE])
			get_str(tb[CREDSSP_A_MESSAGE], last.msg, sizeof(last.msg));
		drop_reply(&r);
		goto out;
	}
	/* kTLS is installed by now: an outcome without what was installed is the kernel's fault */
	if (!err && (!tb[CREDSSP_A_TLS_VERSION] || !tb[CREDSSP_A_TLS_CIPHER]))
		err = -EPROTO;
	if (!err && info) {
		info->tls_version = get_u32(tb[CREDSSP_A_TLS_VERSION]);
		info->cipher = get_u32(tb[CREDSSP_A_TLS_CIPHER]);
	}
	drop_reply(&r);
out:
	last.err = -err;
	return err;
}

credssp_status_t credssp_accept_socket(struct credssp_handle *h, uint64_t cred, int fd,
				       uint32_t req_flags, uint32_t options, uint32_t timeout_ms,
				       uint64_t *ctx, uint32_t *ret_flags, uint64_t *expiry)
{
	struct nlattr *tb[CREDSSP_A_MAX + 1];
	struct one_reply r;
	credssp_status_t st, status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	struct nl_msg *msg;

	if (ctx)
		*ctx = 0;
	if (ret_flags)
		*ret_flags = 0;
	if (!h)
		return CREDSSP_SEC_STATUS_INVALID_HANDLE;
	if (fd < 0 || !ctx)
		return CREDSSP_SEC_STATUS_INVALID_PARAMETER;
	begin(h);
	msg = new_req(h, CREDSSP_CMD_ACCEPT_SOCKET, 0, 0);
	if (!msg || nla_put_u64(msg, CREDSSP_A_CRED_ID, cred) ||
	    nla_put_u32(msg, CREDSSP_A_SOCK_FD, (uint32_t)fd) ||
	    nla_put_u32(msg, CREDSSP_A_REQ_FLAGS, req_flags) ||
	    (options && nla_put_u32(msg, CREDSSP_A_OPTIONS, options)) ||
	    (timeout_ms && nla_put_u32(msg, CREDSSP_A_TIMEOUT_MS, timeout_ms))) {
		nlmsg_free(msg);
		status = fail(h, ENOMEM);
		goto out;
	}
	st = call_async(h, msg, &r, tb, &status, true);
	if (st != CREDSSP_SEC_STATUS_OK) {
		status = st;
		goto out;
	}
	if (status == CREDSSP_SEC_STATUS_OK) {
		*ctx = get_u64(tb[CREDSSP_A_CTX_ID]);
		if (ret_flags)
			*ret_flags = get_u32(tb[CREDSSP_A_RET_FLAGS]);
		if (expiry)
			*expiry = tb[CREDSSP_A_EXPIRY] ? get_u64(tb[CREDSSP_A_EXPIRY])
						       : CREDSSP_TIME_NEVER;
	}
	drop_reply(&r);
out:
	return status;
}

/* Largest payload one netlink attribute can carry. */
#define NLA_PAYLOAD_MAX (0xffff - NLA_HDRLEN)

credssp_status_t credssp_accept_security_context(struct credssp_handle *h, uint64_t cred,
						 uint64_t ctx, const void *input, size_t input_len,
						 uint32_t req_flags, uint32_t data_rep,
						 uint32_t options, uint64_t *new_ctx, void **output,
						 size_t *output_len, size_t *extra,
						 uint32_t *ret_flags, uint64_t *expiry)
{
	bool alloc = req_flags & CREDSSP_REQ_ALLOCATE_MEMORY;
	struct nlattr *tb[CREDSSP_A_MAX + 1];
	size_t out_size = 0;
	struct one_reply r;
	credssp_status_t st, status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	struct nl_msg *msg;
	int bad;

	if (new_ctx)
		*new_ctx = 0;
	if (extra)
		*extra = 0;
	if (ret_flags)
		*ret_flags = 0;
	if (!h)
		return CREDSSP_SEC_STATUS_INVALID_HANDLE;
	if ((!input && input_len) || (output && !output_len))
		return CREDSSP_SEC_STATUS_INVALID_PARAMETER;
	if (output) {
		if (alloc)
			*output = NULL;
		else
			out_size = *output ? *output_len : 0;
		*output_len = 0;
	}
	begin(h);
	if (input_len > NLA_PAYLOAD_MAX) {
		status = CREDSSP_SEC_STATUS_INVALID_PARAMETER;
		last.err = EMSGSIZE;
		snprintf(last.msg, sizeof(last.msg), "input token longer than a netlink attribute");
		goto out;
	}
	msg = new_req(h, CREDSSP_CMD_ACCEPT, 0, input_len);
	bad = !msg;
	if (!bad && cred)
		bad = nla_put_u64(msg, CREDSSP_A_CRED_ID, cred);
	if (!bad && ctx)
		bad = nla_put_u64(msg, CREDSSP_A_CTX_ID, ctx);
	if (!bad)
		bad = nla_put_u32(msg, CREDSSP_A_REQ_FLAGS, req_flags) ||
		      nla_put_u32(msg, CREDSSP_A_DATA_REP, data_rep) ||
		      nla_put(msg, CREDSSP_A_INPUT, (int)input_len, input);
	if (!bad && !alloc)
		bad = nla_put_u32(msg, CREDSSP_A_OUTPUT_SIZE,
				  out_size > UINT32_MAX ? UINT32_MAX : (uint32_t)out_size);
	if (!bad && options)
		bad = nla_put_u32(msg, CREDSSP_A_OPTIONS, options);
	if (bad) {
		nlmsg_free(msg);
		status = fail(h, ENOMEM);
		goto out;
	}
	st = call_async(h, msg, &r, tb, &status, true);
	if (st != CREDSSP_SEC_STATUS_OK) {
		status = st;
		goto out;
	}
	if (new_ctx)
		*new_ctx = get_u64(tb[CREDSSP_A_CTX_ID]);
	if (extra)
		*extra = get_u32(tb[CREDSSP_A_EXTRA]);
	if (ret_flags)
		*ret_flags = get_u32(tb[CREDSSP_A_RET_FLAGS]);
	if (expiry && status == CREDSSP_SEC_STATUS_OK)
		*expiry = tb[CREDSSP_A_EXPIRY] ? get_u64(tb[CREDSSP_A_EXPIRY]) : CREDSSP_TIME_NEVER;
	if (status == CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL) {
		if (output)
			*output_len = get_u32(tb[CREDSSP_A_OUTPUT_NEEDED]);
	} else if (tb[CREDSSP_A_OUTPUT] && nla_len(tb[CREDSSP_A_OUTPUT]) > 0) {
		size_t len = nla_len(tb[CREDSSP_A_OUTPUT]);

		if (!output) {
			/* A token and nowhere to put it: the caller loses it. */
			if (status == CREDSSP_SEC_STATUS_OK ||
			    status == CREDSSP_SEC_STATUS_CONTINUE_NEEDED)
				status = CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL;
		} else if (alloc) {
			*output = credssp__cbuf_alloc(len);
			if (*output) {
				memcpy(*output, nla_data(tb[CREDSSP_A_OUTPUT]), len);
				*output_len = len;
				if (ret_flags)
					*ret_flags |= CREDSSP_RET_ALLOCATED_MEMORY;
			} else {
				status = fail(h, ENOMEM);
			}
		} else if (len > out_size) {
			/* The kernel should have said so; say it for it. */
			*output_len = len;
			status = CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL;
		} else {
			memcpy(*output, nla_data(tb[CREDSSP_A_OUTPUT]), len);
			*output_len = len;
		}
	}
	drop_reply(&r);
out:
	return status;
}

credssp_status_t credssp_accept(struct credssp_handle *h, uint64_t cred, uint64_t *ctx,
				const void *input, size_t input_len, void **output,
				size_t *output_len, size_t *extra)
{
	uint64_t in_ctx;
	credssp_status_t st;

	if (!ctx || !output || !output_len)
		return CREDSSP_SEC_STATUS_INVALID_PARAMETER;
	in_ctx = *ctx;
	st = credssp_accept_security_context(
		h, cred, in_ctx, input, input_len,
		CREDSSP_REQ_CONFIDENTIALITY | CREDSSP_REQ_INTEGRITY | CREDSSP_REQ_STREAM |
			CREDSSP_REQ_DELEGATE | CREDSSP_REQ_ALLOCATE_MEMORY,
		CREDSSP_DATA_REP_NATIVE, 0, ctx, output, output_len, extra, NULL, NULL);
	if (in_ctx && !*ctx)
		*ctx = in_ctx; /* a failure below SSPI: the context still exists */
	return st;
}

/* ---- QueryContextAttributes ---- */

/* One allocation: the struct, then the name and comment. */
static struct credssp_pkg_info *pkg_info(struct nlattr **q)
{
	size_t nlen = q[CREDSSP_A_Q_PKG_NAME] ? (size_t)nla_len(q[CREDSSP_A_Q_PKG_NAME]) : 0;
	size_t clen = q[CREDSSP_A_Q_PKG_COMMENT] ? (size_t)nla_len(q[CREDSSP_A_Q_PKG_COMMENT]) : 0;
	struct credssp_pkg_info *p;

	p = credssp__cbuf_alloc(sizeof(*p) + nlen + 1 + clen + 1);
	if (!p)
		return NULL;
	p->capabilities = get_u32(q[CREDSSP_A_Q_PKG_CAPABILITIES]);
	p->version = (uint16_t)get_u32(q[CREDSSP_A_Q_PKG_VERSION]);
	p->rpcid = (uint16_t)get_u32(q[CREDSSP_A_Q_PKG_RPCID]);
	p->max_token = get_u32(q[CREDSSP_A_Q_PKG_MAX_TOKEN]);
	p->name = (char *)(p + 1);
	p->comment = p->name + nlen + 1;
	get_str(q[CREDSSP_A_Q_PKG_NAME], p->name, nlen + 1);
	get_str(q[CREDSSP_A_Q_PKG_COMMENT], p->comment, clen + 1);
	return p;
}

/* Fill @buffer for @attr from the QUERY nest; CREDSSP_SEC_STATUS_OK or a failure. */
static credssp_status_t fill_query(uint32_t attr, struct nlattr **q, void *buffer)
{
	switch (attr) {
	case CREDSSP_QUERY_SIZES: {
		struct credssp_sizes *s = buffer;

		s->max_token = get_u32(q[CREDSSP_A_Q_MAX_TOKEN]);
		s->max_signature = get_u32(q[CREDSSP_A_Q_MAX_SIGNATURE]);
		s->block_size = get_u32(q[CREDSSP_A_Q_BLOCK_SIZE]);
		s->security_trailer = get_u32(q[CREDSSP_A_Q_SECURITY_TRAILER]);
		return CREDSSP_SEC_STATUS_OK;
	}
	case CREDSSP_QUERY_STREAM_SIZES: {
		struct credssp_stream_sizes *s = buffer;

		s->header = get_u32(q[CREDSSP_A_Q_STREAM_HEADER]);
		s->trailer = get_u32(q[CREDSSP_A_Q_STREAM_TRAILER]);
		s->max_message = get_u32(q[CREDSSP_A_Q_STREAM_MAX_MESSAGE]);
		s->buffers = get_u32(q[CREDSSP_A_Q_STREAM_BUFFERS]);
		s->block_size = get_u32(q[CREDSSP_A_Q_STREAM_BLOCK_SIZE]);
		return CREDSSP_SEC_STATUS_OK;
	}
	case CREDSSP_QUERY_NAMES: {
		struct credssp_names *n = buffer;
		size_t len = q[CREDSSP_A_Q_NAME] ? (size_t)nla_len(q[CREDSSP_A_Q_NAME]) : 0;

		n->user_name = credssp__cbuf_alloc(len + 1);
		if (!n->user_name)
			return CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
		get_str(q[CREDSSP_A_Q_NAME], n->user_name, len + 1);
		return CREDSSP_SEC_STATUS_OK;
	}
	case CREDSSP_QUERY_LIFESPAN: {
		struct credssp_lifespan *l = buffer;

		l->start = get_u64(q[CREDSSP_A_Q_START]);
		l->expiry = get_u64(q[CREDSSP_A_Q_EXPIRY]);
		return CREDSSP_SEC_STATUS_OK;
	}
	case CREDSSP_QUERY_PACKAGE_INFO: {
		struct credssp_package_info *p = buffer;

		p->info = pkg_info(q);
		return p->info ? CREDSSP_SEC_STATUS_OK : CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
	}
	case CREDSSP_QUERY_NEGOTIATION_PACKAGE: {
		struct credssp_negotiation_info *p = buffer;

		p->state = get_u32(q[CREDSSP_A_Q_NEGO_STATE]);
		p->info = pkg_info(q);
		return p->info ? CREDSSP_SEC_STATUS_OK : CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
	}
	case CREDSSP_QUERY_CREDS:
	case CREDSSP_QUERY_CREDS_2: {
		struct credssp_client_creds *c = buffer;
		size_t len = q[CREDSSP_A_Q_CREDS] ? (size_t)nla_len(q[CREDSSP_A_Q_CREDS]) : 0;

		c->data = credssp__cbuf_alloc(len ? len : 1);
		if (!c->data)
			return CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY;
		if (len)
			memcpy(c->data, nla_data(q[CREDSSP_A_Q_CREDS]), len);
		c->len = (uint32_t)len;
		return CREDSSP_SEC_STATUS_OK;
	}
	}
	return CREDSSP_SEC_STATUS_UNSUPPORTED_FUNCTION;
}

credssp_status_t credssp_query_context_attributes(struct credssp_handle *h, uint64_t ctx,
						  uint32_t attr, void *buffer)
{
	struct nlattr *tb[CREDSSP_A_MAX + 1], *q[CREDSSP_A_Q_MAX + 1];
	struct one_reply r;
	credssp_status_t st, status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	struct nl_msg *msg;

	if (!h)
		return CREDSSP_SEC_STATUS_INVALID_HANDLE;
	if (!buffer)
		return CREDSSP_SEC_STATUS_INVALID_PARAMETER;
	begin(h);
	msg = new_req(h, CREDSSP_CMD_QUERY_CTX, 0, 0);
	if (!msg || nla_put_u64(msg, CREDSSP_A_CTX_ID, ctx) ||
	    nla_put_u32(msg, CREDSSP_A_QUERY_ATTR, attr)) {
		nlmsg_free(msg);
		status = fail(h, ENOMEM);
		goto out;
	}
	st = call(h, msg, &r, tb, &status);
	if (st != CREDSSP_SEC_STATUS_OK) {
		status = st;
		goto out;
	}
	if (status == CREDSSP_SEC_STATUS_OK) {
		memset(q, 0, sizeof(q));
		if (tb[CREDSSP_A_QUERY] &&
		    nla_parse_nested(q, CREDSSP_A_Q_MAX, tb[CREDSSP_A_QUERY], NULL))
			status = fail_msg(h, EPROTO, "malformed query reply");
		else
			status = fill_query(attr, q, buffer);
		if (status == CREDSSP_SEC_STATUS_INSUFFICIENT_MEMORY)
			last.err = ENOMEM;
	}
	drop_reply(&r);
out:
	return status;
}

/* ---- record protection in the kernel ---- */

/* ENCRYPT or DECRYPT of @len bytes: the reply's status, @r holding it. */
static credssp_status_t record_call(struct credssp_handle *h, uint8_t cmd, uint64_t ctx,
				    const void *in, size_t len, struct one_reply *r,
				    struct nlattr **tb, credssp_status_t *status)
{
	struct nl_msg *msg;

	msg = new_req(h, cmd, 0, len);
	if (!msg || nla_put_u64(msg, CREDSSP_A_CTX_ID, ctx) ||
	    nla_put(msg, CREDSSP_A_INPUT, (int)len, in)) {
		nlmsg_free(msg);
		return fail_msg(h, ENOMEM, "request too large");
	}
	return call(h, msg, r, tb, status);
}

credssp_status_t credssp_encrypt(struct credssp_handle *h, uint64_t ctx, const void *data,
				 size_t len, void *out, size_t out_size, size_t *out_len)
{
	struct nlattr *tb[CREDSSP_A_MAX + 1];
	struct one_reply r;
	credssp_status_t st, status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	struct nlattr *a;

	if (out_len)
		*out_len = 0;
	if (!h)
		return CREDSSP_SEC_STATUS_INVALID_HANDLE;
	if ((!data && len) || !out || !out_len || len > CREDSSP_RECORD_DATA_MAX)
		return CREDSSP_SEC_STATUS_INVALID_PARAMETER;
	if (out_size < len + CREDSSP_RECORD_OVERHEAD_MAX)
		return CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL;
	begin(h);
	st = record_call(h, CREDSSP_CMD_ENCRYPT, ctx, data, len, &r, tb, &status);
	if (st != CREDSSP_SEC_STATUS_OK) {
		status = st;
		goto out;
	}
	a = tb[CREDSSP_A_OUTPUT];
	if (status == CREDSSP_SEC_STATUS_OK) {
		if (!a || (size_t)nla_len(a) > out_size)
			status = fail_msg(h, EPROTO, "malformed ENCRYPT reply");
		else {
			memcpy(out, nla_data(a), (size_t)nla_len(a));
			*out_len = (size_t)nla_len(a);
		}
	}
	drop_reply(&r);
out:
	return status;
}

credssp_status_t credssp_decrypt(struct credssp_handle *h, uint64_t ctx, const void *in,
				 size_t in_len, void *out, size_t out_size,
				 struct credssp_record_info *info)
{
	struct nlattr *tb[CREDSSP_A_MAX + 1];
	struct one_reply r;
	credssp_status_t st, status = CREDSSP_SEC_STATUS_INTERNAL_ERROR;
	struct nlattr *a;

	if (info)
		memset(info, 0, sizeof(*info));
	if (!h)
		return CREDSSP_SEC_STATUS_INVALID_HANDLE;
	if ((!in && in_len) || !out || !info || in_len > INT32_MAX)
		return CREDSSP_SEC_STATUS_INVALID_PARAMETER;
	if (out_size < in_len && out_size < CREDSSP_RECORD_DATA_MAX)
		return CREDSSP_SEC_STATUS_BUFFER_TOO_SMALL;
	begin(h);
	st = record_call(h, CREDSSP_CMD_DECRYPT, ctx, in, in_len, &r, tb, &status);
	if (st != CREDSSP_SEC_STATUS_OK) {
		status = st;
		goto out;
	}
	info->extra = get_u32(tb[CREDSSP_A_EXTRA]);
	info->missing = get_u32(tb[CREDSSP_A_MISSING]);
	info->type = get_u32(tb[CREDSSP_A_REC_TYPE]);
	info->alert = get_u32(tb[CREDSSP_A_ALERT]);
	if (info->extra > in_len)
		status = fail_msg(h, EPROTO, "malformed DECRYPT reply");
	else
		info->record_len = in_len - info->extra;
	a = tb[CREDSSP_A_OUTPUT];
	if (status == CREDSSP_SEC_STATUS_OK) {
		if (!a || (size_t)nla_len(a) > out_size || (size_t)nla_len(a) > info->record_len)
			status = fail_msg(h, EPROTO, "malformed DECRYPT reply");
		else {
			memmove(out, nla_data(a), (size_t)nla_len(a));
			info->len = (size_t)nla_len(a);
		}
	}
	drop_reply(&r);
out:
	return status;
}

/* ---- admin views ---- */

static int parse_status(struct nlmsghdr *hdr, void *arg)
{
	struct credssp_status *st = arg;
	struct nlattr *tb[CREDSSP_A_STATUS_MAX + 1], *a;
	int rem;

	if (genlmsg_parse(hdr, 0, tb, CREDSSP_A_STATUS_MAX, NULL))
		return -EPROTO;
	st->helper = get_u8(tb[CREDSSP_A_STATUS_HELPER]);
	st->helper_pid = get_u32(tb[CREDSSP_A_STATUS_HELPER_PID]);
	st->contexts = get_u32(tb[CREDSSP_A_STATUS_CONTEXTS]);
	st->creds = get_u32(tb[CREDSSP_A_STATUS_CREDS]);
	st->keyring = (int32_t)get_u32(tb[CREDSSP_A_STATUS_KEYRING]);
	st->limit_owner_contexts = get_u32(tb[CREDSSP_A_STATUS_LIMIT_OWNER_CONTEXTS]);
	st->limit_net_contexts = get_u32(tb[CREDSSP_A_STATUS_LIMIT_NET_CONTEXTS]);
	st->limit_owner_creds = get_u32(tb[CREDSSP_A_STATUS_LIMIT_OWNER_CREDS]);
	st->limit_net_creds = get_u32(tb[CREDSSP_A_STATUS_LIMIT_NET_CREDS]);
	st->helper_timeout_ms = get_u32(tb[CREDSSP_A_STATUS_HELPER_TIMEOUT_MS]);
	st->handshake_timeout_ms = get_u32(tb[CREDSSP_A_STATUS_HANDSHAKE_TIMEOUT_MS]);
	st->max_lifetime = get_u32(tb[CREDSSP_A_STATUS_MAX_LIFETIME]);
	st->token_max = get_u32(tb[CREDSSP_A_STATUS_TOKEN_MAX]);
	/* STAT is repeated: walk every attribute. */
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(hdr), 0),
			  genlmsg_attrlen(nlmsg_data(hdr), 0), rem) {
		struct nlattr *s[CREDSSP_A_STAT_MAX + 1];
		struct credssp_stat *more;

		if (nla_type(a) != CREDSSP_A_STATUS_STAT)
			continue;
		if (nla_parse_nested(s, CREDSSP_A_STAT_MAX, a, NULL))
			return -EPROTO;
		more = realloc(st->stats, (st->n_stats + 1) * sizeof(*more));
		if (!more)
			return -ENOMEM;
		st->stats = more;
		more[st->n_stats].outcome = get_u32(s[CREDSSP_A_STAT_OUTCOME]);
		more[st->n_stats].package = get_u32(s[CREDSSP_A_STAT_PACKAGE]);
		more[st->n_stats].count = get_u64(s[CREDSSP_A_STAT_COUNT]);
		st->n_stats++;
	}
	return 0;
}

int credssp_get_status(struct credssp_handle *h, struct credssp_status *st)
{
	struct nl_msg *msg;
	int err;

	if (!h || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	begin(h);
	msg = new_req(h, CREDSSP_CMD_GET_STATUS, 0, 0);
	err = msg ? transact(h, msg, parse_status, st) : -ENOMEM;
	if (err)
		credssp_free_status(st);
	last.err = -err;
	return err;
}

void credssp_free_status(struct credssp_status *st)
{
	if (!st)
		return;
	free(st->stats);
	st->stats = NULL;
	st->n_stats = 0;
}

static int parse_ctx(struct nlmsghdr *hdr, struct credssp_ctx_info *ci)
{
	struct nlattr *tb[CREDSSP_A_CI_MAX + 1];

	if (genlmsg_parse(hdr, 0, tb, CREDSSP_A_CI_MAX, NULL))
		return -EPROTO;
	memset(ci, 0, sizeof(*ci));
	ci->id = get_u64(tb[CREDSSP_A_CI_ID]);
	ci->state = get_u32(tb[CREDSSP_A_CI_STATE]);
	ci->owner_portid = get_u32(tb[CREDSSP_A_CI_OWNER_PORTID]);
	ci->owner_pid = get_u32(tb[CREDSSP_A_CI_OWNER_PID]);
	ci->package = get_u32(tb[CREDSSP_A_CI_PACKAGE]);
	get_str(tb[CREDSSP_A_CI_PRINCIPAL], ci->principal, sizeof(ci->principal));
	ci->version = get_u32(tb[CREDSSP_A_CI_VERSION]);
	ci->tls_version = get_u32(tb[CREDSSP_A_CI_TLS_VERSION]);
	get_str(tb[CREDSSP_A_CI_TLS_CIPHER], ci->tls_cipher, sizeof(ci->tls_cipher));
	ci->created = get_u64(tb[CREDSSP_A_CI_CREATED]);
	ci->expiry = get_u64(tb[CREDSSP_A_CI_EXPIRY]);
	ci->key = (int32_t)get_u32(tb[CREDSSP_A_CI_KEY]);
	ci->creds_type = get_u32(tb[CREDSSP_A_CI_CREDS_TYPE]);
	ci->creds_binding = get_u32(tb[CREDSSP_A_CI_CREDS_BINDING]);
	return 0;
}

struct ctx_list {
	struct credssp_ctx_info *v;
	size_t n, cap;
};

static int collect_ctx(struct nlmsghdr *hdr, void *arg)
{
	struct ctx_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct credssp_ctx_info *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (parse_ctx(hdr, &l->v[l->n]))
		return -EPROTO;
	l->n++;
	return 0;
}

int credssp_get_context(struct credssp_handle *h, uint64_t id, struct credssp_ctx_info *info)
{
	struct ctx_list l = {0};
	struct nl_msg *msg;
	int err;

	if (!h || !info)
		return -EINVAL;
	begin(h);
	msg = new_req(h, CREDSSP_CMD_GET_CTX, 0, 0);
	if (msg && nla_put_u64(msg, CREDSSP_A_CI_ID, id)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	err = msg ? transact(h, msg, collect_ctx, &l) : -ENOMEM;
	if (!err && l.n != 1)
		err = -EPROTO;
	if (!err)
		*info = l.v[0];
	free(l.v);
	last.err = -err;
	return err;
}

int credssp_list_contexts(struct credssp_handle *h, struct credssp_ctx_info **list, size_t *n)
{
	struct ctx_list l = {0};
	struct nl_msg *msg;
	int err;

	if (!h || !list || !n)
		return -EINVAL;
	*list = NULL;
	*n = 0;
	begin(h);
	msg = new_req(h, CREDSSP_CMD_GET_CTX, NLM_F_DUMP, 0);
	/* Another thread's dump on this socket would make the kernel refuse ours (EBUSY). */
	pthread_mutex_lock(&h->dump_lock);
	err = msg ? transact(h, msg, collect_ctx, &l) : -ENOMEM;
	pthread_mutex_unlock(&h->dump_lock);
	if (err) {
		free(l.v);
	} else {
		*list = l.v;
		*n = l.n;
	}
	last.err = -err;
	return err;
}

/* ---- names ---- */

const char *credssp_status_name(credssp_status_t status)
{
	switch (status) {
/* The Windows names: what admins and logs know. */
#define N(x, w) \
	case CREDSSP_SEC_STATUS_##x: return #w
		N(OK, SEC_E_OK);
		N(CONTINUE_NEEDED, SEC_I_CONTINUE_NEEDED);
		N(COMPLETE_NEEDED, SEC_I_COMPLETE_NEEDED);
		N(COMPLETE_AND_CONTINUE, SEC_I_COMPLETE_AND_CONTINUE);
		N(I_CONTEXT_EXPIRED, SEC_I_CONTEXT_EXPIRED);
		N(INSUFFICIENT_MEMORY, SEC_E_INSUFFICIENT_MEMORY);
		N(INVALID_HANDLE, SEC_E_INVALID_HANDLE);
		N(UNSUPPORTED_FUNCTION, SEC_E_UNSUPPORTED_FUNCTION);
		N(INTERNAL_ERROR, SEC_E_INTERNAL_ERROR);
		N(SECPKG_NOT_FOUND, SEC_E_SECPKG_NOT_FOUND);
		N(INVALID_TOKEN, SEC_E_INVALID_TOKEN);
		N(LOGON_DENIED, SEC_E_LOGON_DENIED);
		N(NO_CREDENTIALS, SEC_E_NO_CREDENTIALS);
		N(OUT_OF_SEQUENCE, SEC_E_OUT_OF_SEQUENCE);
		N(NO_AUTHENTICATING_AUTHORITY, SEC_E_NO_AUTHENTICATING_AUTHORITY);
		N(CONTEXT_EXPIRED, SEC_E_CONTEXT_EXPIRED);
		N(INCOMPLETE_MESSAGE, SEC_E_INCOMPLETE_MESSAGE);
		N(BUFFER_TOO_SMALL, SEC_E_BUFFER_TOO_SMALL);
		N(INVALID_PARAMETER, SEC_E_INVALID_PARAMETER);
		N(ILLEGAL_MESSAGE, SEC_E_ILLEGAL_MESSAGE);
		N(DECRYPT_FAILURE, SEC_E_DECRYPT_FAILURE);
#undef N
	case 0x8009030BU: /* sspi.h's ImpersonateSecurityContext only: not a kernel status */
		return "SEC_E_NO_IMPERSONATION";
	}
	return "SEC_E_UNKNOWN";
}
