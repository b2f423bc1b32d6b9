// SPDX-License-Identifier: GPL-2.0
/*
 * credssp_gate: an RDP Network Level Authentication gate in the kernel, a
 * sample consumer of credssp.ko's socket mode.
 *
 * It listens on TCP (module parameter "port", default 3389) in the initial
 * network namespace. For each connection it answers the client's X.224
 * Connection Request selecting PROTOCOL_HYBRID, hands the socket to
 * credssp_accept_sock(), and once the client authenticated (kTLS installed)
 * reads the client's first RDP PDU, the MCS Connect-Initial, in plaintext.
 * Connections are served concurrently, at most "max_conns" at once and at
 * most "max_per_source" from one client address (more are closed at
 * accept); the X.224 Connection Request must arrive within
 * "x224_timeout_ms" of the accept, the handshake has its own deadline.
 * Each connection becomes a line of /proc/credssp_gate; the established
 * contexts (and their delegated-credentials keys in the ".credssp" keyring)
 * are kept, at most "keep" of them, until the module is unloaded. Then the
 * connection is closed: the gate only authenticates.
 *
 * Documentation/gate.rst describes it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/key.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/tcp.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tls.h>
#include <net/credssp.h>

static ushort port = 3389;
module_param(port, ushort, 0444);
MODULE_PARM_DESC(port, "TCP port to listen on (default 3389)");

static uint max_conns = 64;
module_param(max_conns, uint, 0444);
MODULE_PARM_DESC(max_conns, "connections served at once, at most 512; more wait in the backlog (default 64)");

static uint max_per_source = 4;
module_param(max_per_source, uint, 0444);
MODULE_PARM_DESC(max_per_source, "connections served at once from one client address; more are closed at accept (default 4, 0: no limit)");

static uint keep = 16;
module_param(keep, uint, 0444);
MODULE_PARM_DESC(keep, "established contexts kept until unload, oldest deleted first (default 16)");

static uint timeout_ms;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "handshake deadline in ms (default 0: credssp.ko's handshake_timeout_ms)");

static uint x224_timeout_ms = 5000;
module_param(x224_timeout_ms, uint, 0444);
MODULE_PARM_DESC(x224_timeout_ms, "deadline of the X.224 Connection Request, from the accept, in ms (default 5000)");

#define GATE_RECORDS	64	/* lines of /proc/credssp_gate */
#define GATE_IO_TIMEOUT	(10 * HZ)	/* the MCS read */
#define GATE_BACKLOG	128	/* the listen backlog */
#define GATE_TPKT_MAX	512	/* a Connection Request is far smaller */
#define GATE_MCS_LEN	9	/* TPKT, X.224 Data, BER Connect-Initial tag */
#define GATE_TLS_APPDATA	23	/* TLS record type application_data */

/* [MS-RDPBCGR] 2.2.1.1 and 2.2.1.2 */
#define TYPE_RDP_NEG_REQ			0x01
#define TYPE_RDP_NEG_RSP			0x02
#define TYPE_RDP_NEG_FAILURE			0x03
#define RESTRICTED_ADMIN_MODE_REQUIRED		0x01
#define NEG_RSP_EXTENDED_CLIENT_DATA		0x01
#define NEG_RSP_DYNVC_GFX			0x02
#define NEG_RSP_RESTRICTED_ADMIN_SUPPORTED	0x08
#define PROTOCOL_HYBRID				0x00000002
#define HYBRID_REQUIRED_BY_SERVER		0x00000005

/**
 * struct gate_rec - one line of /proc/credssp_gate
 * @n: connection number, from 1
 * @when: Unix time the connection ended
 * @peer: the client's address
 * @status: SSPI status name, or what went wrong before CredSSP
 * @principal: the authenticated client, if any
 * @package: the negotiated inner package
 * @tls_version: 0x0303 or 0x0304 once kTLS is installed, else 0
 * @tls_cipher: its TLS_CIPHER_* of <linux/tls.h>, else 0
 * @mcs: the MCS Connect-Initial was read in plaintext through kTLS
 * @restricted_admin: the client required Restricted Admin mode
 * @key: serial of the delegated-credentials key, 0 if none
 */
struct gate_rec {
	u64 n;
	time64_t when;
	char peer[64];
	char status[40];
	char principal[CREDSSP_PRINCIPAL_MAX + 1];
	char package[16];
	u16 tls_version;
	u16 tls_cipher;
	bool mcs;
	bool restricted_admin;
	s32 key;
};

/**
 * struct gate_conn - one client connection
 * @node: in gate_conns, under gate_lock
 * @sock: the accepted socket, released when the connection is freed
 * @peer: the client's address
 * @x224_deadline: jiffies by which the Connection Request must be in
 * @x224_work: X.224 negotiation, then the start of the socket-mode accept
 * @done_work: what follows the accept's completion
 * @accepting: credssp_accept_sock() is in progress (under gate_lock)
 * @status: the accept's result
 * @ctx: the established context, on SEC_E_OK
 * @rec: what /proc/credssp_gate will show
 */
struct gate_conn {
	struct list_head node;
	struct socket *sock;
	struct sockaddr_storage peer;
	unsigned long x224_deadline;
	struct work_struct x224_work;
	struct work_struct done_work;
	bool accepting;
	u32 status;
	struct credssp_ctx *ctx;
	struct gate_rec rec;
};

static struct credssp_cred *gate_cred;
static struct socket *gate_lsock;
static struct task_struct *gate_thread;
static struct workqueue_struct *gate_wq;

/* gate_lock protects gate_conns, gate_stopping, the records and the contexts. */
static DEFINE_MUTEX(gate_lock);
static LIST_HEAD(gate_conns);
static bool gate_stopping;
static atomic_t gate_nconns = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(gate_idle);
static u64 gate_count;
static u64 gate_refused;
static struct gate_rec gate_recs[GATE_RECORDS];
static unsigned int gate_nrecs;
static struct credssp_ctx **gate_ctxs;
static unsigned int gate_nctxs, gate_ctx_head;

static const struct {
	u32 status;
	const char *name;
} gate_status_names[] = {
	{ SEC_E_OK, "SEC_E_OK" },
	{ SEC_E_INSUFFICIENT_MEMORY, "SEC_E_INSUFFICIENT_MEMORY" },
	{ SEC_E_INVALID_HANDLE, "SEC_E_INVALID_HANDLE" },
	{ SEC_E_UNSUPPORTED_FUNCTION, "SEC_E_UNSUPPORTED_FUNCTION" },
	{ SEC_E_INTERNAL_ERROR, "SEC_E_INTERNAL_ERROR" },
	{ SEC_E_INVALID_TOKEN, "SEC_E_INVALID_TOKEN" },
	{ SEC_E_LOGON_DENIED, "SEC_E_LOGON_DENIED" },
	{ SEC_E_NO_CREDENTIALS, "SEC_E_NO_CREDENTIALS" },
	{ SEC_E_OUT_OF_SEQUENCE, "SEC_E_OUT_OF_SEQUENCE" },
	{ SEC_E_NO_AUTHENTICATING_AUTHORITY,
	  "SEC_E_NO_AUTHENTICATING_AUTHORITY" },
	{ SEC_E_CONTEXT_EXPIRED, "SEC_E_CONTEXT_EXPIRED" },
	{ SEC_E_INCOMPLETE_MESSAGE, "SEC_E_INCOMPLETE_MESSAGE" },
	{ SEC_E_INVALID_PARAMETER, "SEC_E_INVALID_PARAMETER" },
};

static const char *gate_cipher_name(u16 cipher)
{
	switch (cipher) {
	case 0:
		return "-";
	case TLS_CIPHER_AES_GCM_128:
		return "AES_GCM_128";
	case TLS_CIPHER_AES_GCM_256:
		return "AES_GCM_256";
	case TLS_CIPHER_CHACHA20_POLY1305:
		return "CHACHA20_POLY1305";
	default:
		return "other";
	}
}

static void gate_set_status(struct gate_rec *rec, u32 status)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gate_status_names); i++) {
		if (gate_status_names[i].status == status) {
			strscpy(rec->status, gate_status_names[i].name,
				sizeof(rec->status));
			return;
		}
	}
	snprintf(rec->status, sizeof(rec->status), "0x%08x", status);
}

/* A field of a /proc line: printable, no blanks. */
static void gate_copy(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = src[i] > ' ' && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

static int gate_recv(struct socket *sock, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_WAITALL };
	int n;

	n = kernel_recvmsg(sock, &msg, &vec, 1, len, MSG_WAITALL);
	if (n < 0)
		return n;
	return n == len ? 0 : -ECONNRESET;
}

static int gate_send(struct socket *sock, const void *buf, size_t len)
{
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	int n;

	n = kernel_sendmsg(sock, &msg, &vec, 1, len);
	if (n < 0)
		return n;
	return n == len ? 0 : -EIO;
}

static void gate_set_rcvtimeo(struct socket *sock, long timeo)
{
	lock_sock(sock->sk);
	WRITE_ONCE(sock->sk->sk_rcvtimeo, timeo);
	release_sock(sock->sk);
}

static void gate_set_sndtimeo(struct socket *sock, long timeo)
{
	lock_sock(sock->sk);
	WRITE_ONCE(sock->sk->sk_sndtimeo, timeo);
	release_sock(sock->sk);
}

/*
 * Exactly @len bytes of the Connection Request, by the connection's X.224
 * deadline: -ETIMEDOUT once it has passed.
 */
static int gate_x224_recv(struct gate_conn *conn, void *buf, size_t len)
{
	long left = (long)(conn->x224_deadline - jiffies);
	int err;

	if (left <= 0)
		return -ETIMEDOUT;
	gate_set_rcvtimeo(conn->sock, left);
	err = gate_recv(conn->sock, buf, len);
	if (err && time_after_eq(jiffies, conn->x224_deadline))
		return -ETIMEDOUT;
	return err;
}

/**
 * gate_x224() - the RDP negotiation in front of CredSSP
 * @conn: the connection
 * @options: receives the CREDSSP_OPT_* the negotiation asks for
 *
 * Reads exactly the client's X.224 Connection Request (one TPKT) and answers
 * with a Connection Confirm: RDP_NEG_RSP selecting PROTOCOL_HYBRID when the
 * client offered it, RDP_NEG_FAILURE (HYBRID_REQUIRED_BY_SERVER) otherwise.
 * A client that requires Restricted Admin mode gets it.
 *
 * The Connection Request must be in by conn->x224_deadline.
 *
 * Return: 0 when CredSSP comes next, or a negative errno (-EPROTO: not a
 * Connection Request, -EPROTONOSUPPORT: no PROTOCOL_HYBRID offered,
 * -ETIMEDOUT: the deadline passed).
 */
static int gate_x224(struct gate_conn *conn, u32 *options)
{
	u8 cc[19] = { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12,
		      0x34, 0x00 };
	u32 requested = 0;
	size_t len, i;
	bool ra = false;
	u8 *p;
	int err;

	p = kmalloc(GATE_TPKT_MAX, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	err = gate_x224_recv(conn, p, 4);
	if (err)
		goto out;
	len = (size_t)p[2] << 8 | p[3];
	err = -EPROTO;
	if (p[0] != 3 || len < 11 || len > GATE_TPKT_MAX)
		goto out;
	err = gate_x224_recv(conn, p + 4, len - 4);
	if (err)
		goto out;
	err = -EPROTO;
	if (p[5] != 0xe0)	/* X.224 CR TPDU */
		goto out;
	/* A cookie or routing token up to CR LF, then RDP_NEG_REQ. */
	i = 11;
	if (i < len && p[i] != TYPE_RDP_NEG_REQ) {
		while (i + 1 < len && !(p[i] == '\r' && p[i + 1] == '\n'))
			i++;
		i += 2;
	}
	if (i + 8 <= len && p[i] == TYPE_RDP_NEG_REQ && p[i + 2] == 8 &&
	    p[i + 3] == 0) {
		ra = p[i + 1] & RESTRICTED_ADMIN_MODE_REQUIRED;
		requested = p[i + 4] | p[i + 5] << 8 | p[i + 6] << 16 |
			    (u32)p[i + 7] << 24;
	}
	cc[13] = 8;
	if (requested & PROTOCOL_HYBRID) {
		cc[11] = TYPE_RDP_NEG_RSP;
		cc[12] = NEG_RSP_EXTENDED_CLIENT_DATA | NEG_RSP_DYNVC_GFX;
		if (ra)
			cc[12] |= NEG_RSP_RESTRICTED_ADMIN_SUPPORTED;
		cc[15] = PROTOCOL_HYBRID;
	} else {
		cc[11] = TYPE_RDP_NEG_FAILURE;
		cc[15] = HYBRID_REQUIRED_BY_SERVER;
	}
	err = gate_send(conn->sock, cc, sizeof(cc));
	if (err)
		goto out;
	conn->rec.restricted_admin = ra;
	*options = ra ? CREDSSP_OPT_RESTRICTED_ADMIN : 0;
	err = requested & PROTOCOL_HYBRID ? 0 : -EPROTONOSUPPORT;
out:
	kfree(p);
	return err;
}

/**
 * gate_read_mcs() - the client's first RDP PDU, through kTLS
 * @conn: an authenticated connection
 *
 * Return: true if the first plaintext bytes are an application data record
 * starting a TPKT / X.224 Data / MCS Connect-Initial.
 */
static bool gate_read_mcs(struct gate_conn *conn)
{
	static const u8 want[] = { 0x03, 0x00, 0x02, 0xf0, 0x80, 0x7f, 0x65 };
	u8 buf[GATE_MCS_LEN];
	size_t got = 0;

	while (got < sizeof(buf)) {
		u8 cbuf[CMSG_SPACE(sizeof(u8))] __aligned(sizeof(size_t)) = {};
		struct kvec vec = { .iov_base = buf + got,
				    .iov_len = sizeof(buf) - got };
		struct msghdr msg = {};
		struct cmsghdr *cmsg = (struct cmsghdr *)cbuf;
		int n;

		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		n = kernel_recvmsg(conn->sock, &msg, &vec, 1, vec.iov_len, 0);
		if (n <= 0)
			return false;
		/* kTLS reports each record's type; only application data. */
		if (cmsg->cmsg_level != SOL_TLS ||
		    cmsg->cmsg_type != TLS_GET_RECORD_TYPE ||
		    *(u8 *)CMSG_DATA(cmsg) != GATE_TLS_APPDATA)
			return false;
		got += n;
	}
	return buf[0] == want[0] && buf[1] == want[1] &&
	       !memcmp(buf + 4, want + 2, sizeof(want) - 2);
}

/* Keep an established context until unload; the oldest beyond "keep" goes. */
static void gate_keep_ctx(struct credssp_ctx *ctx)
{
	struct credssp_ctx *old = NULL;

	mutex_lock(&gate_lock);
	if (!keep) {
		old = ctx;
	} else if (gate_nctxs < keep) {
		gate_ctxs[(gate_ctx_head + gate_nctxs++) % keep] = ctx;
	} else {
		old = gate_ctxs[gate_ctx_head];
		gate_ctxs[gate_ctx_head] = ctx;
		gate_ctx_head = (gate_ctx_head + 1) % keep;
	}
	mutex_unlock(&gate_lock);
	if (old)
		credssp_delete_ctx(old);
}

/* What the context says about the client, into the record. */
static void gate_describe(struct gate_conn *conn)
{
	struct credssp_ctx_attrs *a;
	struct tls_context *tctx;
	struct key *key;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (a) {
		if (credssp_query_ctx(conn->ctx, SECPKG_ATTR_NAMES, a) ==
		    SEC_E_OK)
			gate_copy(conn->rec.principal,
				  sizeof(conn->rec.principal), a->names.name);
		memset(a, 0, sizeof(*a));
		if (credssp_query_ctx(conn->ctx,
				      SECPKG_ATTR_NEGOTIATION_PACKAGE,
				      a) == SEC_E_OK && a->pkg.name)
			gate_copy(conn->rec.package, sizeof(conn->rec.package),
				  a->pkg.name);
		kfree(a);
	}
	lock_sock(conn->sock->sk);
	tctx = inet_csk(conn->sock->sk)->icsk_ulp_ops ?
	       tls_get_ctx(conn->sock->sk) : NULL;
	if (tctx) {
		conn->rec.tls_version = tctx->prot_info.version;
		conn->rec.tls_cipher = tctx->prot_info.cipher_type;
	}
	release_sock(conn->sock->sk);
	key = credssp_ctx_key(conn->ctx);
	if (key) {
		conn->rec.key = key->serial;
		key_put(key);
	}
}

/* A line of /proc/credssp_gate for @conn; under gate_lock. */
static void gate_record(struct gate_conn *conn)
{
	lockdep_assert_held(&gate_lock);
	conn->rec.when = ktime_get_real_seconds();
	conn->rec.n = ++gate_count;
	gate_recs[gate_nrecs++ % GATE_RECORDS] = conn->rec;
}

static void gate_close(struct gate_conn *conn)
{
	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	sock_release(conn->sock);
	kfree(conn);
}

/* Record the connection, close it and free it. */
static void gate_finish(struct gate_conn *conn)
{
	mutex_lock(&gate_lock);
	list_del(&conn->node);
	gate_record(conn);
	mutex_unlock(&gate_lock);

	gate_close(conn);
	atomic_dec(&gate_nconns);
	wake_up(&gate_idle);
}

static void gate_done_work(struct work_struct *work)
{
	struct gate_conn *conn = container_of(work, struct gate_conn,
					      done_work);

	gate_set_status(&conn->rec, conn->status);
	if (conn->status == SEC_E_OK && conn->ctx) {
		gate_describe(conn);
		gate_set_rcvtimeo(conn->sock, GATE_IO_TIMEOUT);
		conn->rec.mcs = gate_read_mcs(conn);
		gate_keep_ctx(conn->ctx);
		conn->ctx = NULL;
	}
	gate_finish(conn);
}

/* credssp_sock_done_t: runs on credssp.ko's workqueue; defer to ours. */
static void gate_accept_done(void *data, u32 status, struct credssp_ctx *ctx)
{
	struct gate_conn *conn = data;

	conn->status = status;
	conn->ctx = ctx;
	WRITE_ONCE(conn->accepting, false);
	queue_work(gate_wq, &conn->done_work);
}

static void gate_x224_work(struct work_struct *work)
{
	struct gate_conn *conn = container_of(work, struct gate_conn,
					      x224_work);
	struct credssp_sock_args args = {
		.sock = conn->sock,
		.cred = gate_cred,
		.timeout_ms = timeout_ms,
		.req_flags = ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM |
			     ASC_REQ_DELEGATE | ASC_REQ_MUTUAL_AUTH,
		.done = gate_accept_done,
		.data = conn,
	};
	int err;

	err = gate_x224(conn, &args.options);
	if (err) {
		strscpy(conn->rec.status,
			err == -EPROTONOSUPPORT ? "NO_HYBRID" :
			err == -ETIMEDOUT ? "X224_TIMEOUT" : "X224_FAILED",
			sizeof(conn->rec.status));
		gate_finish(conn);
		return;
	}
	/* The handshake has its own deadline. */
	gate_set_rcvtimeo(conn->sock, MAX_SCHEDULE_TIMEOUT);
	gate_set_sndtimeo(conn->sock, MAX_SCHEDULE_TIMEOUT);

	mutex_lock(&gate_lock);
	if (gate_stopping) {
		err = -ESHUTDOWN;
	} else {
		conn->accepting = true;
		err = credssp_accept_sock(&args);
		if (err)
			conn->accepting = false;
	}
	mutex_unlock(&gate_lock);
	if (err) {
		snprintf(conn->rec.status, sizeof(conn->rec.status),
			 "ACCEPT_SOCK_%d", err);
		gate_finish(conn);
	}
}

static bool gate_same_source(const struct sockaddr_storage *a,
			     const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return ipv6_addr_equal(&((const struct sockaddr_in6 *)a)->sin6_addr,
				       &((const struct sockaddr_in6 *)b)->sin6_addr);
	return false;
}

/*
 * Serve @conn unless its client address has max_per_source connections in
 * progress already: then it is recorded as REFUSED_SOURCE and closed.
 */
static void gate_admit(struct gate_conn *conn)
{
	struct gate_conn *c;
	unsigned int n = 0;

	mutex_lock(&gate_lock);
	if (max_per_source) {
		list_for_each_entry(c, &gate_conns, node)
			n += gate_same_source(&c->peer, &conn->peer);
	}
	if (max_per_source && n >= max_per_source) {
		strscpy(conn->rec.status, "REFUSED_SOURCE",
			sizeof(conn->rec.status));
		gate_refused++;
		gate_record(conn);
		mutex_unlock(&gate_lock);
		gate_close(conn);
		return;
	}
	atomic_inc(&gate_nconns);
	list_add_tail(&conn->node, &gate_conns);
	mutex_unlock(&gate_lock);
	queue_work(gate_wq, &conn->x224_work);
}

static int gate_listen_thread(void *unused)
{
	while (!kthread_should_stop()) {
		struct gate_conn *conn;
		struct socket *sock;
		int err;

		/* Beyond max_conns, clients wait in the listen backlog. */
		if (atomic_read(&gate_nconns) >= max_conns) {
			wait_event_timeout(gate_idle,
					   atomic_read(&gate_nconns) < max_conns,
					   HZ / 5);
			continue;
		}
		/* The listening socket's receive timeout bounds each wait. */
		err = kernel_accept(gate_lsock, &sock, 0);
		if (err == -EAGAIN || err == -EINTR || err == -ERESTARTSYS)
			continue;
		if (err) {
			pr_warn("accept failed: %d\n", err);
			schedule_timeout_interruptible(HZ / 10);
			continue;
		}
		conn = kzalloc(sizeof(*conn), GFP_KERNEL);
		if (!conn) {
			sock_release(sock);
			continue;
		}
		conn->sock = sock;
		conn->x224_deadline = jiffies +
				      msecs_to_jiffies(x224_timeout_ms);
		if (kernel_getpeername(sock, (struct sockaddr *)&conn->peer) > 0)
			snprintf(conn->rec.peer, sizeof(conn->rec.peer),
				 "%pISpc", &conn->peer);
		else
			strscpy(conn->rec.peer, "-", sizeof(conn->rec.peer));
		INIT_WORK(&conn->x224_work, gate_x224_work);
		INIT_WORK(&conn->done_work, gate_done_work);
		tcp_sock_set_nodelay(sock->sk);
		/* The Connection Confirm is sent by the X.224 deadline too. */
		gate_set_sndtimeo(sock, msecs_to_jiffies(x224_timeout_ms));
		gate_admit(conn);
	}
	return 0;
}

static int gate_show(struct seq_file *m, void *v)
{
	unsigned int i, first;

	mutex_lock(&gate_lock);
	first = gate_nrecs > GATE_RECORDS ? gate_nrecs - GATE_RECORDS : 0;
	for (i = first; i < gate_nrecs; i++) {
		const struct gate_rec *r = &gate_recs[i % GATE_RECORDS];

		seq_printf(m,
			   "%llu time=%lld peer=%s status=%s principal=%s package=%s tls=0x%04x cipher=%s mcs=%s restricted_admin=%s key=%d\n",
			   r->n, (long long)r->when, r->peer, r->status,
			   r->principal[0] ? r->principal : "-",
			   r->package[0] ? r->package : "-", r->tls_version,
			   gate_cipher_name(r->tls_cipher),
			   r->mcs ? "yes" : "no",
			   r->restricted_admin ? "yes" : "no", r->key);
	}
	mutex_unlock(&gate_lock);
	return 0;
}

static int gate_listen(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(port),
	};
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &gate_lsock);
	if (err)
		return err;
	sock_set_reuseaddr(gate_lsock->sk);
	gate_set_rcvtimeo(gate_lsock, HZ / 5);
	err = kernel_bind(gate_lsock, (struct sockaddr *)&sin, sizeof(sin));
	if (!err)
		err = kernel_listen(gate_lsock, GATE_BACKLOG);
	if (err) {
		sock_release(gate_lsock);
		gate_lsock = NULL;
	}
	return err;
}

/* Stop every connection in progress, wait until all are gone. */
static unsigned int gate_stop_conns(void)
{
	struct gate_conn *conn, *tmp;
	LIST_HEAD(cancelled);
	unsigned int n = 0;

	mutex_lock(&gate_lock);
	gate_stopping = true;
	list_for_each_entry_safe(conn, tmp, &gate_conns, node) {
		if (READ_ONCE(conn->accepting)) {
			if (credssp_accept_sock_cancel(conn->sock->sk)) {
				/* Its callback will not run: ours now. */
				conn->accepting = false;
				list_move(&conn->node, &cancelled);
				continue;
			}
		}
		/* Wakes up an X.224 or MCS read. */
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	}
	mutex_unlock(&gate_lock);

	/* gate_finish() takes them off this list. */
	list_for_each_entry_safe(conn, tmp, &cancelled, node) {
		strscpy(conn->rec.status, "CANCELLED",
			sizeof(conn->rec.status));
		gate_finish(conn);
		n++;
	}
	wait_event(gate_idle, !atomic_read(&gate_nconns));
	return n;
}

static void gate_free_ctxs(void)
{
	unsigned int i;

	for (i = 0; i < gate_nctxs; i++)
		credssp_delete_ctx(gate_ctxs[(gate_ctx_head + i) % keep]);
	gate_nctxs = 0;
	kfree(gate_ctxs);
	gate_ctxs = NULL;
}

static int __init gate_init(void)
{
	u64 expiry;
	u32 status;
	int err;

	if (!max_conns || max_conns > WQ_MAX_ACTIVE || !x224_timeout_ms)
		return -EINVAL;
	if (keep) {
		gate_ctxs = kcalloc(keep, sizeof(*gate_ctxs), GFP_KERNEL);
		if (!gate_ctxs)
			return -ENOMEM;
	}
	status = credssp_acquire_cred(&init_net, "CredSSP",
				      SECPKG_CRED_INBOUND, &gate_cred, &expiry);
	if (status != SEC_E_OK) {
		pr_err("credssp_acquire_cred: 0x%08x\n", status);
		err = -ENOKEY;
		goto err_ctxs;
	}
	gate_wq = alloc_workqueue("credssp_gate", WQ_UNBOUND, max_conns);
	if (!gate_wq) {
		err = -ENOMEM;
		goto err_cred;
	}
	if (!proc_create_single("credssp_gate", 0400, NULL, gate_show)) {
		err = -ENOMEM;
		goto err_wq;
	}
	err = gate_listen();
	if (err) {
		pr_err("cannot listen on port %u: %d\n", port, err);
		goto err_proc;
	}
	gate_thread = kthread_run(gate_listen_thread, NULL, "credssp_gate");
	if (IS_ERR(gate_thread)) {
		err = PTR_ERR(gate_thread);
		goto err_sock;
	}
	pr_info("listening on port %u\n", port);
	return 0;

err_sock:
	sock_release(gate_lsock);
err_proc:
	remove_proc_entry("credssp_gate", NULL);
err_wq:
	destroy_workqueue(gate_wq);
err_cred:
	credssp_free_cred(gate_cred);
err_ctxs:
	kfree(gate_ctxs);
	return err;
}

static void __exit gate_exit(void)
{
	unsigned int cancelled;

	kthread_stop(gate_thread);
	sock_release(gate_lsock);
	cancelled = gate_stop_conns();
	pr_info("stopped after %llu connections, %u handshakes cancelled, %llu refused (max_per_source)\n",
		gate_count, cancelled, gate_refused);
	destroy_workqueue(gate_wq);
	remove_proc_entry("credssp_gate", NULL);
	gate_free_ctxs();
	credssp_free_cred(gate_cred);
}

module_init(gate_init);
module_exit(gate_exit);

MODULE_DESCRIPTION("RDP NLA gate: a sample consumer of credssp.ko's socket mode");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: credssp tls");
