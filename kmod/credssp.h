/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credssp.ko internal interfaces, shared between its files.
 *
 * The files, each calling only files below it in this list (checked by
 * scripts/kmod-layers.py; the accept path goes down once: netlink.c or
 * api.c, call.c, sock.c, sspi.c, ctx.c, keyring.c and helper.c):
 *   main.c      the module
 *   netlink.c   the genetlink handlers
 *   api.c       the in-kernel API of <net/credssp.h>
 *   net.c       the per-netns state and its notifier
 *   call.c      asynchronous ACCEPT and ACCEPT_SOCKET of netlink callers
 *   sock.c      socket mode: the handshake on a socket, in a worker
 *   ktls.c      the one kTLS probe, and installing a context's keys
 *   record.c    one TLS record protected or opened with a context's keys
 *               (ENCRYPT, DECRYPT: EncryptMessage, DecryptMessage)
 *   sspi.c      SSPI semantics, for netlink and in-kernel consumers
 *   ctx.c       a context's life and state, the only file that takes
 *               ctx->lock
 *   keyring.c   the ".credssp" keyring of delegated credentials
 *   helper.c    the queue of helper requests and its sockets; HELPER_NEXT's
 *               reply is filled there, under the queue's lock (a queued
 *               step's input is its waiter's until a socket takes it)
 *   table.c     handles, owners, limits, credentials
 *   grant.c     named server credentials and who may acquire them
 *               without CAP_NET_ADMIN
 *   wire.c      checks of what crosses the edges (helper answers, keys,
 *               credentials payloads), pure functions, KUnit-tested, and
 *               the words of enum credssp_reason (the lower files report
 *               codes; the extack and outcome messages are built from
 *               them at the top)
 *
 * Locking, outermost first:
 *   credssp_call_lock     (call.c) the unload flag of netlink calls
 *   credssp_ctx.lock      state and result of one context
 *   credssp_net.lock      owners, counts, the helper, its sockets, the
 *                         queue of helper requests and the taken ones,
 *                         the netlink calls in flight
 *   xarray locks          (internal to xa_*)
 * and apart from those: credssp_sock_lock, then a socket-mode request's
 * lock, then the socket's wait queue lock (sock.c).
 * Nothing sleeps under either spinlock; a call waiting for the helper holds
 * no lock at all, only the context's BUSY bit and a reference.
 */
#ifndef _CREDSSP_H
#define _CREDSSP_H

#include <linux/completion.h>
#include <linux/key.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/netlink.h>
#include <net/credssp.h>

#include "netlink-gen.h"

struct cred;
struct genl_info;
struct key;
struct key_type;
struct net;
struct netlink_ext_ack;
struct nlattr;
struct pid;
struct sk_buff;
struct socket;
struct task_struct;

/* Module parameters (table.c), read with READ_ONCE(): writable at run time. */
extern unsigned int credssp_max_owner_contexts;
extern unsigned int credssp_max_net_contexts;
extern unsigned int credssp_max_owner_creds;
extern unsigned int credssp_max_net_creds;
extern unsigned int credssp_helper_timeout_ms;
extern unsigned int credssp_handshake_timeout_ms;
extern unsigned int credssp_max_lifetime;
extern unsigned int credssp_max_handshake_steps;

/*
 * Why a call failed, as the files below netlink.c report it: a code, not
 * words. netlink.c alone turns it into the extack message or the outcome
 * message's CREDSSP_A_MESSAGE (credssp_reason_text()).
 */
enum credssp_reason {
	CREDSSP_R_NONE,
	/* AcceptSecurityContext's arguments and context */
	CREDSSP_R_REQ_FLAGS,
	CREDSSP_R_DATA_REP,
	CREDSSP_R_BAD_INPUT,
	CREDSSP_R_BAD_OPTION,
	CREDSSP_R_NO_CRED,
	CREDSSP_R_CTX_LIMIT,
	CREDSSP_R_WRONG_CRED,
	CREDSSP_R_BUSY,
	CREDSSP_R_DEADLINE,
	CREDSSP_R_NOT_IN_HANDSHAKE,
	CREDSSP_R_REPEAT_INPUT,
	CREDSSP_R_TOO_MANY_STEPS,
	CREDSSP_R_BUFFER_TOO_SMALL,
	CREDSSP_R_ABANDONED,
	/* the step in the helper */
	CREDSSP_R_BAD_REPLY,
	CREDSSP_R_QUEUE_FULL,
	CREDSSP_R_NO_HELPER,
	CREDSSP_R_INCOMPLETE,
	CREDSSP_R_AUTH_FAILED,
	CREDSSP_R_NO_KEY,
	/* the call */
	CREDSSP_R_CANCELLED,
	CREDSSP_R_ABORTED,
	CREDSSP_R_NOMEM,
	CREDSSP_R_TOO_MANY_CALLS,
	CREDSSP_R_UNLOADING,
	/* socket mode's connection */
	CREDSSP_R_CLIENT_CLOSED,
	CREDSSP_R_TOO_LARGE,
	CREDSSP_R_SOCK_ERROR,
	CREDSSP_R_NOT_TLS,
	CREDSSP_R_TRAILING,
	/* the socket kTLS goes on */
	CREDSSP_R_NOT_SOCKET,
	CREDSSP_R_NOT_TCP,
	CREDSSP_R_OTHER_NETNS,
	CREDSSP_R_NOT_CONNECTED,
	CREDSSP_R_HAS_ULP,
	/* the context's keys and kTLS */
	CREDSSP_R_CTX_DELETED,
	CREDSSP_R_CTX_EXPIRED,
	CREDSSP_R_NOT_ESTABLISHED,
	CREDSSP_R_KEYS_TAKEN,
	CREDSSP_R_TLS_VERSION,
	CREDSSP_R_CIPHERS_DIFFER,
	CREDSSP_R_CIPHER,
	CREDSSP_R_NO_AEAD,
	CREDSSP_R_NO_KTLS,
	CREDSSP_R_ULP_FAILED,
	CREDSSP_R_TLS_TX,
	CREDSSP_R_TLS_RX,
	/* ENCRYPT and DECRYPT (record.c) */
	CREDSSP_R_REC_TOO_LARGE,
	CREDSSP_R_REC_SEQ_END,
	CREDSSP_R_REC_HEADER,
	CREDSSP_R_REC_AUTH,
	CREDSSP_R_REC_ALERT,
	CREDSSP_R_REC_CLOSE,
	CREDSSP_R_REC_TYPE,
	CREDSSP_R_REC_EMPTY,
	CREDSSP_R_REC_RACE,
	/* a HELPER_DONE that fails a check (wire.c) */
	CREDSSP_R_DONE_STATUS,
	CREDSSP_R_DONE_CONSUMED,
	CREDSSP_R_DONE_RET_FLAGS,
	CREDSSP_R_DONE_PACKAGE,
	CREDSSP_R_DONE_OUTPUT,
	CREDSSP_R_DONE_PRINCIPAL,
	CREDSSP_R_DONE_OK_PACKAGE,
	CREDSSP_R_DONE_TLS_VERSION,
	CREDSSP_R_DONE_TLS_CIPHER,
	CREDSSP_R_DONE_NO_KEYS,
	CREDSSP_R_DONE_KEYS_INCOMPLETE,
	CREDSSP_R_DONE_KEYS_CIPHER,
	CREDSSP_R_DONE_KEYS_LENGTH,
	CREDSSP_R_DONE_KEYS_DIFFER,
	CREDSSP_R_DONE_NO_VERSION,
	CREDSSP_R_DONE_VERSION,
	CREDSSP_R_DONE_CREDS,
	CREDSSP_R_DONE_CREDS_BINDING,
	__CREDSSP_R_MAX
};

#define CREDSSP_NR_OUTCOMES	(CREDSSP_OUTCOME_ABANDONED + 1)
#define CREDSSP_NR_PACKAGES	(CREDSSP_PACKAGE_KERBEROS + 1)
#define CREDSSP_CIPHER_NAME_MAX	63

/*
 * Who holds a handle. Netlink handles belong to (portid, sending socket);
 * the socket pointer is only ever compared, never dereferenced (see
 * credssp_owner_match()). In-kernel handles belong to the netns's kernel
 * owner, sk == NULL.
 */
struct credssp_caller {
	u32 portid;
	const void *sk;
};

struct credssp_owner {
	struct list_head node;		/* credssp_net.owners */
	struct credssp_caller id;
	struct pid *pid;		/* thread group that created it */
	unsigned int n_ctx;		/* under credssp_net.lock */
	unsigned int n_cred;
};

/* Sockets one helper may register (credsspd: one per worker, and one). */
#define CREDSSP_HELPER_SOCKS_MAX	72

/*
 * The helper of a netns (helper.c); valid while @pid is set. The first
 * HELPER_REGISTER makes its thread group the helper; each socket of that
 * thread group that registers may take requests (HELPER_NEXT).
 */
struct credssp_helper {
	u32 gen;			/* bumped by every new helper */
	struct pid *pid;		/* its thread group; NULL: none */
	unsigned int n_socks;
	struct credssp_caller socks[CREDSSP_HELPER_SOCKS_MAX];
};

struct credssp_net {
	struct net *net;
	spinlock_t lock;		/* owners, counts, helper, reqs */
	struct xarray creds;
	struct xarray ctxs;
	u32 next_cred;
	u32 next_ctx;
	struct list_head owners;	/* struct credssp_owner */
	struct credssp_owner kernel;	/* owner of in-kernel handles */
	unsigned int n_ctx;
	unsigned int n_cred;
	struct credssp_helper helper;
	struct list_head queue;		/* struct credssp_helper_req, not taken yet */
	struct list_head reqs;		/* struct credssp_helper_req, taken */
	unsigned int n_steps;		/* STEPs queued or taken */
	struct list_head calls;		/* struct credssp_call (call.c) */
	unsigned int n_calls;
	u64 next_req_id;
	bool dying;			/* no new handles, no new calls */
	struct delayed_work expire_work;
	unsigned long expire_next;	/* its next run (jiffies) when armed */
	bool expire_armed;
	struct list_head all;		/* credssp_nets, for module unload */
	atomic64_t stats[CREDSSP_NR_OUTCOMES][CREDSSP_NR_PACKAGES];
	/* The helper's named credentials (grant.c); RCU, set under lock. */
	struct credssp_grants __rcu *grants;
};

struct credssp_cred {
	refcount_t ref;
	struct rcu_head rcu;
	struct credssp_net *cn;		/* valid while linked */
	struct credssp_owner *owner;	/* valid while linked */
	struct credssp_caller oid;	/* the owner's identity */
	u64 id;
	u32 gen;
	unsigned long flags;		/* CREDSSP_F_DEAD */
	/* The named credential (grant.c), or "" for the helper's default. */
	char name[CREDSSP_CRED_NAME_MAX + 1];
};

/* One direction's TLS traffic keys, as credssp.h's CREDSSP_A_K_*. */
struct credssp_tls_keys {
	u32 cipher;
	u8 key_len;
	u8 salt_len;
	u8 iv_len;
	u8 key[32];
	u8 salt[4];
	u8 iv[12];
	u8 rec_seq[8];
};

/* A validated HELPER_DONE: the outcome of one step. */
struct credssp_result {
	u32 status;
	u32 consumed;
	u32 ret_flags;
	u8 *output;			/* kmalloc'd, or NULL */
	u32 output_len;
	u32 package;
	bool spnego;
	/* SEC_E_OK only */
	bool has_keys;
	u64 expiry;
	u32 version;
	u32 peer_version;
	u32 tls_version;
	/*
	 * kmalloc'd at their length (NULL without): an established context
	 * keeps its result, and inline arrays for the longest names took
	 * 576 of its 784 bytes (a 1 KiB object; bench/README, ctx_scale).
	 */
	char *tls_cipher;
	char *principal;
	u8 *creds;			/* kmalloc'd payload, or NULL */
	u32 creds_len;
	u32 creds_binding;		/* enum credssp_creds_binding */
	struct credssp_tls_keys tx;
	struct credssp_tls_keys rx;
};

enum {
	CREDSSP_F_DEAD,			/* unlinked from the table */
	CREDSSP_F_BUSY,			/* an ACCEPT is running */
	CREDSSP_F_HELPER_STATE,		/* the helper may hold an engine ctx */
	CREDSSP_F_STARTED,		/* the first STEP was sent */
};

struct credssp_ctx {
	refcount_t ref;
	struct rcu_head rcu;
	struct credssp_net *cn;		/* valid while linked */
	struct credssp_owner *owner;	/* valid while linked */
	struct credssp_cred *cred;	/* a reference */
	struct credssp_caller oid;	/* the owner's identity */
	struct pid *owner_pid;		/* a reference, for GET_CTX */
	u64 id;
	u32 gen;
	u32 helper_gen;			/* helper that holds its state */
	unsigned long flags;

	spinlock_t lock;		/* protects the fields below */
	enum credssp_ctx_state state;
	bool timed_out;			/* FAILED by the handshake deadline */
	u32 options;
	unsigned long deadline;		/* jiffies, while HANDSHAKE */
	u64 created;			/* Unix seconds */
	u64 expiry;			/* Unix seconds, once ESTABLISHED */
	u32 package;
	u32 steps;			/* helper steps of the handshake */
	struct credssp_helper_req *req;	/* the helper call in flight */
	/* A result whose token did not fit the caller's buffer. */
	struct credssp_result *kept;
	u32 kept_input_len;
	/* The SEC_E_OK result, once ESTABLISHED (output already freed). */
	struct credssp_result *res;
	/* The delegated-credentials key while ESTABLISHED, or NULL. */
	struct key *key;
	u8 key_creds_type;		/* enum credssp_cred_type of its payload */
	u8 creds_binding;		/* enum credssp_creds_binding, once ESTABLISHED */
};

/* How a helper request ended. */
enum credssp_req_end {
	CREDSSP_REQ_PENDING,
	CREDSSP_REQ_DONE,		/* @res is set */
	CREDSSP_REQ_BAD,		/* the helper's reply failed a check */
	CREDSSP_REQ_LOST,		/* the helper, or its socket, went away */
	CREDSSP_REQ_ABANDONED,		/* the context was deleted */
};

/*
 * One helper request (helper.c): a STEP on its waiter's stack, or a FREE
 * allocated by credssp_helper_free(). Queued on credssp_net.queue until a
 * helper socket takes it (HELPER_NEXT), then a STEP is on credssp_net.reqs
 * until its HELPER_DONE; a FREE is freed once it was handed over.
 */
struct credssp_helper_req {
	struct list_head node;		/* queue or reqs, under cn->lock */
	u64 id;
	u32 op;				/* CREDSSP_HOP_* */
	u32 gen;			/* the helper it is for */
	u64 ctx_id;
	/* STEP only */
	struct credssp_ctx *ctx;	/* the waiter holds a reference */
	const u8 *input;		/* the waiter's, while it waits */
	u32 input_len;
	u32 req_flags;
	u32 options;
	const char *cred_name;		/* first step: the ctx's cred's, or "" */
	bool first;
	bool taken;			/* a helper socket took it */
	bool unseen;			/* a first step that nobody took */
	struct credssp_caller taker;	/* which one */
	enum credssp_req_end end;
	struct credssp_result *res;
	struct completion done;
};

/* keyring.c: the ".credssp" keyring of delegated credentials */
#define CREDSSP_KEY_TYPE	"credssp"
#define CREDSSP_KEY_PREFIX	CREDSSP_KEY_TYPE ":"
/* Root sees and finds the key; nobody reads, writes, links or changes it. */
#define CREDSSP_KEY_PERM	(KEY_POS_VIEW | KEY_POS_SEARCH | \
				 KEY_USR_VIEW | KEY_USR_SEARCH)
/* Prefix and fields, and a principal with every byte escaped (%XX). */
#define CREDSSP_KEY_DESC_MAX	(128 + 3 * CREDSSP_PRINCIPAL_MAX)

extern struct key_type credssp_key_type;
int credssp_keyring_init(void);
void credssp_keyring_exit(void);
struct key *credssp_keyring(void);
int credssp_key_vet(const char *desc);
int credssp_key_describe(char *buf, size_t size, u64 ctx_id, const char *user,
			 u32 package, unsigned int net_inum);
struct key *credssp_key_new(const struct credssp_ctx *ctx,
			    const struct credssp_result *res, u64 expiry);
void credssp_key_drop(struct key *key);

/* net.c: the per-netns state */
int credssp_pernet_init(void);
void credssp_pernet_shutdown(void);
void credssp_pernet_exit(void);
struct credssp_net *credssp_pernet(const struct net *net);

/* table.c: handles, owners and credentials */
u64 credssp_handle_make(u32 gen, u32 index);
u32 credssp_handle_index(u64 id);
u32 credssp_handle_gen(u64 id);
bool credssp_owner_match(const struct credssp_caller *owner,
			 const struct credssp_caller *caller);
bool credssp_owner_known(struct credssp_net *cn, const struct credssp_caller *c);
u32 credssp_cred_new(struct credssp_net *cn,
		     const struct credssp_caller *caller, const char *name,
		     struct credssp_cred **credp);
struct credssp_cred *credssp_cred_lookup(struct credssp_net *cn, u64 id,
					 const struct credssp_caller *caller);
bool credssp_cred_unlink(struct credssp_cred *cred);
void credssp_cred_put(struct credssp_cred *cred);
struct credssp_owner *credssp_owner_charge(struct credssp_net *cn,
					   const struct credssp_caller *c,
					   bool ctx);
void credssp_owner_uncharge(struct credssp_net *cn, struct credssp_owner *o,
			    bool ctx);
u64 credssp_now(void);

/* grant.c: named credentials and who may acquire them */
struct credssp_grants;
bool credssp_cred_name_ok(const char *name);
void credssp_grants_free(struct credssp_grants *gs);
int credssp_grants_parse(const struct nlmsghdr *nlh, int hdrlen,
			 struct credssp_grants **gsp,
			 struct netlink_ext_ack *extack);
void credssp_grants_replace_locked(struct credssp_net *cn,
				   struct credssp_grants *gs);
int credssp_grant_check(struct credssp_net *cn, const char *name,
			const struct cred *cred);

/* ctx.c: a context's life and state */
struct credssp_ctx_view {
	bool dead;
	bool done;			/* ESTABLISHED or EXPIRED, with a result */
	enum credssp_ctx_state state;
	u32 package;
	u64 created;
	u64 expiry;
	u32 ret_flags;
	u32 version;
	u32 tls_version;
	u32 cipher;			/* TLS_CIPHER_* */
	key_serial_t key;
	u8 creds_type;
	u8 creds_binding;
	char tls_cipher[CREDSSP_CIPHER_NAME_MAX + 1];
};

extern struct task_struct *credssp_test_sync_free_task;	/* KUnit only */
unsigned long credssp_ctx_timeout(unsigned int timeout_ms);
u32 credssp_ctx_new(struct credssp_net *cn,
		    const struct credssp_caller *caller,
		    struct credssp_cred *cred, u32 options,
		    unsigned long deadline, struct credssp_ctx **ctxp);
struct credssp_ctx *credssp_ctx_lookup(struct credssp_net *cn, u64 id,
				       const struct credssp_caller *caller);
bool credssp_ctx_unlink(struct credssp_ctx *ctx);
void credssp_ctx_put(struct credssp_ctx *ctx);
bool credssp_ctx_check_time(struct credssp_ctx *ctx);
void credssp_expire_work(struct work_struct *work);
bool credssp_ctx_in_handshake_locked(struct credssp_ctx *ctx);
u32 credssp_ctx_status(struct credssp_ctx *ctx);
u32 credssp_ctx_step_begin(struct credssp_ctx *ctx, u32 input_len,
			   struct credssp_result **kept,
			   enum credssp_reason *why);
u32 credssp_ctx_keep(struct credssp_ctx *ctx, struct credssp_result *res,
		     u32 input_len);
void credssp_ctx_set_package(struct credssp_ctx *ctx, u32 package);
u32 credssp_ctx_step_apply(struct credssp_ctx *ctx,
			   struct credssp_result **resp, struct key *key,
			   u64 expiry);
void credssp_ctx_fail(struct credssp_ctx *ctx, enum credssp_outcome outcome);
u32 credssp_ctx_step_queue(struct credssp_ctx *ctx,
			   struct credssp_helper_req *req, bool *notify,
			   enum credssp_outcome *outcome);
void credssp_ctx_step_end(struct credssp_ctx *ctx,
			  struct credssp_helper_req *req);
void credssp_ctx_view(struct credssp_ctx *ctx, struct credssp_ctx_view *v,
		      char *principal, size_t size);
u32 credssp_ctx_take_creds(struct credssp_ctx *ctx, void **data, u32 *len,
			   u32 *binding);
int credssp_ctx_keys_check(struct credssp_ctx *ctx, enum credssp_reason *why);
int credssp_ctx_take_keys(struct credssp_ctx *ctx, struct credssp_tls_keys *tx,
			  struct credssp_tls_keys *rx, u32 *tls_version,
			  enum credssp_reason *why);
void credssp_ctx_return_keys(struct credssp_ctx *ctx,
			     const struct credssp_tls_keys *tx,
			     const struct credssp_tls_keys *rx);
int credssp_ctx_record_keys(struct credssp_ctx *ctx, bool tx,
			    struct credssp_tls_keys *k, u32 *tls_version,
			    enum credssp_reason *why);
int credssp_ctx_record_done(struct credssp_ctx *ctx, const u8 *rec_seq,
			    enum credssp_reason *why);

/* wire.c: checks of what crosses the module's edges */
struct credssp_bad {
	const struct nlattr *attr;	/* the offending one, or NULL */
	enum credssp_reason why;
};

bool credssp_req_flags_ok(u32 req_flags);
int credssp_stream_sizes(u32 tls_version, u32 cipher, u32 *header,
			 u32 *trailer);
bool credssp_status_known(u32 status);
int credssp_creds_validate(const u8 *data, u32 len, u8 *type);
int credssp_keys_len(u32 cipher, u8 *key_len, u8 *salt_len, u8 *iv_len);
bool credssp_seq_inc(u8 *p, unsigned int len);
int credssp_result_parse(struct nlattr **tb, u32 input_len,
			 struct credssp_result **resp, struct credssp_bad *bad);
void credssp_result_free(struct credssp_result *res);
const char *credssp_reason_text(enum credssp_reason why, u32 status);

/* An extack message that is not a literal (credssp_reason_text()'s). */
static inline void credssp_set_msg(struct netlink_ext_ack *extack,
				   const char *msg)
{
	if (extack && msg)
		extack->_msg = msg;
}

/* The netlink caller of a request: the owner of what it makes. */
static inline void credssp_info_caller(struct sk_buff *skb,
				       struct genl_info *info,
				       struct credssp_caller *caller)
{
	caller->portid = info->snd_portid;
	/* Compared only, never dereferenced: see credssp_owner_match(). */
	caller->sk = NETLINK_CB(skb).sk;
}

/* helper.c: the upcall channel */
int credssp_helper_register(struct credssp_net *cn,
			    const struct credssp_caller *c,
			    struct credssp_grants *grants);
int credssp_helper_next(struct credssp_net *cn, struct sk_buff *skb,
			struct genl_info *info);
struct credssp_helper_req *credssp_helper_done_take(struct credssp_net *cn,
						    const struct credssp_caller *c,
						    u64 id);
void credssp_helper_done_end(struct credssp_helper_req *req,
			     struct credssp_result *res);
void credssp_helper_release(struct credssp_net *cn, u32 portid);
void credssp_helper_fail_all(struct credssp_net *cn);
void credssp_helper_cancel(struct credssp_net *cn, struct credssp_helper_req *req);
void credssp_helper_free(struct credssp_net *cn, u64 ctx_id, u32 gen);
bool credssp_helper_present(struct credssp_net *cn, pid_t *pid);
void credssp_helper_step_init(struct credssp_helper_req *req,
			      struct credssp_ctx *ctx, const u8 *input,
			      u32 input_len, u32 req_flags, bool first);
u32 credssp_helper_queue(struct credssp_helper_req *req, u32 *helper_gen,
			 bool *notify, enum credssp_outcome *outcome);
u32 credssp_helper_wait(struct credssp_helper_req *req, bool notify,
			struct credssp_result **resp,
			enum credssp_outcome *outcome);

/* sspi.c: SSPI semantics, shared by netlink and the in-kernel API */
struct credssp_accept_args;
u32 credssp_sspi_accept_check(struct credssp_accept_args *a);
u32 credssp_sspi_accept_new(struct credssp_net *cn,
			    const struct credssp_caller *caller,
			    struct credssp_cred *cred,
			    struct credssp_accept_args *a);

struct credssp_accept_args {
	/* in */
	u32 req_flags;
	u32 data_rep;
	u32 options;
	const u8 *input;
	u32 input_len;
	u32 output_size;		/* without ASC_REQ_ALLOCATE_MEMORY */
	/* out */
	struct credssp_ctx *new_ctx;	/* first call: a table handle */
	u8 *output;			/* kmalloc'd, the caller frees it */
	u32 output_len;
	u32 output_needed;		/* SEC_E_BUFFER_TOO_SMALL */
	u32 extra;
	bool has_extra;
	u32 ret_flags;
	u64 expiry;
	enum credssp_reason why;	/* of a failure */
};

u32 credssp_sspi_acquire(struct credssp_net *cn,
			 const struct credssp_caller *caller,
			 const char *package, u32 cred_use, const char *name,
			 struct credssp_cred **credp, u64 *expiry);
u32 credssp_sspi_accept(struct credssp_net *cn,
			const struct credssp_caller *caller,
			struct credssp_cred *cred, struct credssp_ctx *ctx,
			struct credssp_accept_args *a);
u32 credssp_sspi_query(struct credssp_ctx *ctx, u32 attr,
		       struct credssp_ctx_attrs *out);

/* netlink-compat.c: the family on Linux 6.1 (genl-compat.h) */
#ifdef CREDSSP_GENL_COMPAT
int credssp_genl_compat_init(void);
#else
static inline int credssp_genl_compat_init(void)
{
	return 0;
}
#endif

/* netlink.c: the "credssp" generic netlink family */
int credssp_genl_init(void);
void credssp_genl_exit(void);
int credssp_nl_fill_status(struct sk_buff *skb, struct net *net, u32 portid,
			   u32 seq);

struct credssp_net *credssp_info_net(struct genl_info *info);
bool credssp_missing(struct genl_info *info, int attr, const char *text);
struct sk_buff *credssp_reply_new(struct genl_info *info, size_t size,
				  u32 status, void **hdr);
int credssp_reply_send(struct sk_buff *msg, void *hdr, struct genl_info *info);
int credssp_reply_status(struct genl_info *info, u32 status,
			 const char *msg_text);

/* ktls.c: installing an established context's keys with kTLS */
int credssp_sock_check(struct socket *sock, struct net *net,
		       enum credssp_reason *why);
int credssp_sock_check_locked(struct socket *sock, struct net *net,
			      enum credssp_reason *why, bool locked);
int credssp_ktls_probe(struct net *net, u32 cipher, enum credssp_reason *why);
int credssp_ktls_install(struct credssp_ctx *ctx, struct socket *sock,
			 struct net *net, enum credssp_reason *why,
			 u32 *version, u32 *cipher);

/* record.c: one TLS record with a context's keys (EncryptMessage etc.) */
#define CREDSSP_REC_DATA_MAX	16384	/* plaintext of a record, 2^14 */
#define CREDSSP_REC_HDR		5
#define CREDSSP_REC_TAG		16
/* The largest record body: TLS 1.2's 2^14 + 2048 bounds both versions. */
#define CREDSSP_REC_BODY_MAX	(CREDSSP_REC_DATA_MAX + 2048)

/* What credssp_record_open() found: one record, or why not. */
struct credssp_rec_open {
	u8 *data;			/* kmalloc'd plaintext, or NULL */
	u32 len;
	u32 extra;			/* input bytes after the record */
	u32 missing;			/* SEC_E_INCOMPLETE_MESSAGE */
	u8 type;			/* content type; 0 if none was read */
	u16 alert;			/* level << 8 | description */
	enum credssp_reason why;
};

int credssp_record_seal_keys(const struct credssp_tls_keys *k, u32 version,
			     const u8 *data, u32 len, u8 *out);
int credssp_record_open_keys(const struct credssp_tls_keys *k, u32 version,
			     u8 *rec, u32 rec_len, u8 *type, u32 *len);
u32 credssp_record_seal(struct credssp_ctx *ctx, const u8 *data, u32 len,
			u8 **rec, u32 *rec_len, enum credssp_reason *why);
u32 credssp_record_open(struct credssp_ctx *ctx, const u8 *in, u32 in_len,
			struct credssp_rec_open *o);

/* sock.c: socket mode */
struct credssp_sock_req;

/* The completion of a netlink caller (call.c): with the reason. */
typedef void (*credssp_sock_end_t)(void *data, u32 status,
				   struct credssp_ctx *ctx,
				   enum credssp_reason why);

struct credssp_sock_start {
	struct socket *sock;
	struct credssp_cred *cred;
	const struct credssp_caller *caller;
	unsigned int timeout_ms;	/* 0: handshake_timeout_ms */
	u32 req_flags;
	u32 options;
	credssp_sock_done_t done;	/* in-kernel consumers, or */
	credssp_sock_end_t end;		/* netlink callers */
	void *data;
};

int credssp_sock_init(void);
void credssp_sock_exit(void);
int credssp_sock_start(const struct credssp_sock_start *s, u32 *status,
		       struct credssp_sock_req **reqp);
void credssp_sock_req_get(struct credssp_sock_req *req);
void credssp_sock_req_put(struct credssp_sock_req *req);
void credssp_sock_req_abort(struct credssp_sock_req *req, u32 status);

/* call.c: asynchronous ACCEPT and ACCEPT_SOCKET of netlink callers */
struct credssp_call;
extern unsigned int credssp_max_net_calls;
int credssp_call_init(void);
void credssp_call_exit(void);
struct credssp_call *credssp_call_new(struct sk_buff *skb,
				      struct genl_info *info,
				      struct credssp_net *cn, u32 input_len);
u8 *credssp_call_input(struct credssp_call *call);
void credssp_call_put(struct credssp_call *call);
void credssp_call_abandon(struct credssp_call *call);
int credssp_call_queue_accept(struct credssp_call *call,
			      struct credssp_cred *cred,
			      struct credssp_ctx *ctx,
			      struct credssp_accept_args *a);
int credssp_call_queue_ktls(struct credssp_call *call, struct credssp_ctx *ctx,
			    struct socket *sock);
void credssp_call_sock_started(struct credssp_call *call, struct socket *sock,
			       struct credssp_sock_req *sreq);
void credssp_call_sock_end(void *data, u32 status, struct credssp_ctx *ctx,
			   enum credssp_reason why);
bool credssp_call_cancel(struct credssp_net *cn,
			 const struct credssp_caller *caller, u32 seq);
void credssp_call_release(struct credssp_net *cn, u32 portid);

#endif /* _CREDSSP_H */
