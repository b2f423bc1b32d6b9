// SPDX-License-Identifier: GPL-2.0
/*
 * kTLS: install an established context's TLS keys on the connection's
 * socket (CREDSSP_CMD_KTLS_ATTACH and credssp_ktls_attach()).
 *
 * At SEC_E_OK the helper exported the traffic keys and the sequence number
 * of the next record of each direction; the context keeps them until one
 * attach takes them: TCP_ULP "tls", then TLS_TX and TLS_RX, through the
 * socket's own setsockopt with kernel pointers (what a process would do
 * with setsockopt(2), without the BPF hooks). The keys leave the context
 * under its lock before the socket is touched, so that two attaches never
 * install the same keys twice, and only a socket left untouched gets them
 * back.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/file.h>
#include <linux/in.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <crypto/aead.h>
#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <uapi/linux/tls.h>
#include <net/credssp.h>

#include "credssp.h"

/* One direction's struct tls12_crypto_info_*, as TLS_TX/TLS_RX take it. */
union credssp_crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 gcm128;
	struct tls12_crypto_info_aes_gcm_256 gcm256;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

/* What an attach takes from the context, on the stack, wiped after use. */
struct credssp_ktls_keys {
	u32 version;
	u32 cipher;
	union credssp_crypto_info tx;
	union credssp_crypto_info rx;
	unsigned int len;		/* of each crypto_info */
	struct credssp_tls_keys saved_tx;	/* to give back, see below */
	struct credssp_tls_keys saved_rx;
};

static const char *credssp_ktls_aead(u32 cipher)
{
	switch (cipher) {
	case TLS_CIPHER_AES_GCM_128:
	case TLS_CIPHER_AES_GCM_256:
		return "gcm(aes)";
	case TLS_CIPHER_CHACHA20_POLY1305:
		return "rfc7539(chacha20,poly1305)";
	default:
		return NULL;
	}
}

/*
 * Fill one crypto_info from the helper's keys. Return: its size, or 0 if
 * the keys are not those of a cipher kTLS takes.
 */
static unsigned int credssp_ktls_fill(union credssp_crypto_info *ci,
				      u32 version,
				      const struct credssp_tls_keys *k)
{
	u8 key_len, salt_len, iv_len;
	unsigned int len;
	u8 *key, *salt, *iv, *seq;

	if (credssp_keys_len(k->cipher, &key_len, &salt_len, &iv_len) ||
	    k->key_len != key_len || k->salt_len != salt_len ||
	    k->iv_len != iv_len)
		return 0;
	memset(ci, 0, sizeof(*ci));
	switch (k->cipher) {
	case TLS_CIPHER_AES_GCM_128:
		key = ci->gcm128.key;
		salt = ci->gcm128.salt;
		iv = ci->gcm128.iv;
		seq = ci->gcm128.rec_seq;
		len = sizeof(ci->gcm128);
		BUILD_BUG_ON(sizeof(ci->gcm128.key) != 16 ||
			     sizeof(ci->gcm128.iv) != 8);
		break;
	case TLS_CIPHER_AES_GCM_256:
		key = ci->gcm256.key;
		salt = ci->gcm256.salt;
		iv = ci->gcm256.iv;
		seq = ci->gcm256.rec_seq;
		len = sizeof(ci->gcm256);
		BUILD_BUG_ON(sizeof(ci->gcm256.key) != 32 ||
			     sizeof(ci->gcm256.iv) != 8);
		break;
	case TLS_CIPHER_CHACHA20_POLY1305:
		key = ci->chacha.key;
		salt = NULL;
		iv = ci->chacha.iv;
		seq = ci->chacha.rec_seq;
		len = sizeof(ci->chacha);
		BUILD_BUG_ON(sizeof(ci->chacha.key) != 32 ||
			     sizeof(ci->chacha.iv) != 12);
		break;
	default:
		return 0;
	}
	ci->info.version = version;
	ci->info.cipher_type = k->cipher;
	memcpy(key, k->key, key_len);
	if (salt)
		memcpy(salt, k->salt, salt_len);
	memcpy(iv, k->iv, iv_len);
	memcpy(seq, k->rec_seq, sizeof(k->rec_seq));
	return len;
}

/**
 * credssp_sock_check - whether kTLS can be installed on a socket
 * @sock: the socket
 * @net: the namespace it must belong to, or NULL not to check
 * @extack: where to say why not, or NULL
 *
 * A connected (ESTABLISHED) TCP stream socket, IPv4 or IPv6, with no upper
 * layer protocol yet. Nothing is changed.
 *
 * Context: process context, may sleep (takes the socket lock).
 * Return: 0, -ENOTSOCK (no sock), -EPROTONOSUPPORT (not TCP), -EXDEV
 * (another netns), -ENOTCONN (not established) or -EEXIST (has a ULP).
 */
int credssp_sock_check(struct socket *sock, struct net *net,
		       struct netlink_ext_ack *extack)
{
	return credssp_sock_check_locked(sock, net, extack, true);
}

/**
 * credssp_sock_check_locked - credssp_sock_check(), with or without the lock
 * @sock: the socket
 * @net: the namespace it must belong to, or NULL not to check
 * @extack: where to say why not, or NULL
 * @locked: take the socket lock for the state and ULP checks; without it
 *	they are a lockless snapshot, for netlink handlers, which must never
 *	wait for a socket lock (a user can hold it indefinitely, e.g. with a
 *	send() from memory that faults on a stalled FUSE file): the worker
 *	that uses the socket checks again, under the lock
 *
 * Context: process context; sleeps only if @locked.
 * Return: as credssp_sock_check().
 */
int credssp_sock_check_locked(struct socket *sock, struct net *net,
			      struct netlink_ext_ack *extack, bool locked)
{
	struct sock *sk = sock ? sock->sk : NULL;
	int err = 0;

	if (locked)
		might_sleep();
	if (!sk) {
		credssp_set_msg(extack, "not a socket");
		return -ENOTSOCK;
	}
	if (sock->type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		credssp_set_msg(extack, "not a TCP stream socket");
		return -EPROTONOSUPPORT;
	}
	if (net && !net_eq(sock_net(sk), net)) {
		credssp_set_msg(extack,
				"the socket belongs to another network namespace");
		return -EXDEV;
	}
	if (locked)
		lock_sock(sk);
	if (READ_ONCE(sk->sk_state) != TCP_ESTABLISHED) {
		credssp_set_msg(extack, "the TCP connection is not established");
		err = -ENOTCONN;
	} else if (READ_ONCE(inet_csk(sk)->icsk_ulp_ops)) {
		credssp_set_msg(extack,
				"the socket already has an upper layer protocol");
		err = -EEXIST;
	}
	if (locked)
		release_sock(sk);
	return err;
}

/*
 * Why the context's keys cannot be taken now (ctx locked).
 * Return: 0 if they can, or the attach's error with @msg set.
 */
static int credssp_ktls_ctx_state(struct credssp_ctx *ctx, const char **msg)
{
	lockdep_assert_held(&ctx->lock);
	if (test_bit(CREDSSP_F_DEAD, &ctx->flags)) {
		*msg = "the context was deleted";
		return -ENOENT;
	}
	if (ctx->state == CREDSSP_CTX_STATE_EXPIRED) {
		*msg = "the context expired";
		return -EKEYEXPIRED;
	}
	if (ctx->state != CREDSSP_CTX_STATE_ESTABLISHED || !ctx->res) {
		*msg = "the context is not established";
		return -EINVAL;
	}
	if (!ctx->res->has_keys) {
		*msg = "the context's keys were already installed";
		return -EALREADY;
	}
	return 0;
}

/* Check the context, unlocked: an error here leaves the keys where they are. */
static int credssp_ktls_check_ctx(struct credssp_ctx *ctx, const char **msg)
{
	int err;

	credssp_ctx_check_time(ctx);
	spin_lock(&ctx->lock);
	err = credssp_ktls_ctx_state(ctx, msg);
	spin_unlock(&ctx->lock);
	return err;
}

/*
 * Wipe one direction's key material, and only that: the cipher and the
 * lengths are not secret, and SECPKG_ATTR_STREAM_SIZES and SIZES compute
 * the record overhead from the cipher (and res->tls_version, which is not
 * touched either) for as long as the context is established, kTLS or not.
 */
static void credssp_ktls_wipe_keys(struct credssp_tls_keys *k)
{
	memzero_explicit(k->key, sizeof(k->key));
	memzero_explicit(k->salt, sizeof(k->salt));
	memzero_explicit(k->iv, sizeof(k->iv));
	memzero_explicit(k->rec_seq, sizeof(k->rec_seq));
}

/*
 * Take the keys out of the context (and wipe them there): from now on no
 * other attach can get them (has_keys is false).
 */
static int credssp_ktls_take(struct credssp_ctx *ctx,
			     struct credssp_ktls_keys *k, const char **msg)
{
	struct credssp_result *res;
	int err;

	credssp_ctx_check_time(ctx);
	spin_lock(&ctx->lock);
	err = credssp_ktls_ctx_state(ctx, msg);
	if (err)
		goto unlock;
	res = ctx->res;
	k->version = res->tls_version;
	k->cipher = res->tx.cipher;
	k->saved_tx = res->tx;
	k->saved_rx = res->rx;
	credssp_ktls_wipe_keys(&res->tx);
	credssp_ktls_wipe_keys(&res->rx);
	res->has_keys = false;
unlock:
	spin_unlock(&ctx->lock);
	return err;
}

/*
 * Put the keys back: the socket was not touched (TCP_ULP failed), so the
 * caller may attach them to another socket. Only into the same established
 * context that still has none.
 */
static void credssp_ktls_give_back(struct credssp_ctx *ctx,
				   struct credssp_ktls_keys *k)
{
	spin_lock(&ctx->lock);
	if (!test_bit(CREDSSP_F_DEAD, &ctx->flags) &&
	    ctx->state == CREDSSP_CTX_STATE_ESTABLISHED && ctx->res &&
	    !ctx->res->has_keys) {
		ctx->res->tx = k->saved_tx;
		ctx->res->rx = k->saved_rx;
		ctx->res->has_keys = true;
	}
	spin_unlock(&ctx->lock);
}

static int credssp_ktls_setsockopt(struct socket *sock, int level, int name,
				   void *val, unsigned int len)
{
	return sock->ops->setsockopt(sock, level, name, KERNEL_SOCKPTR(val),
				     len);
}

/* Whether this kernel's crypto has the cipher's AEAD (kTLS allocates it). */
static bool credssp_ktls_have_aead(u32 cipher)
{
	const char *name = credssp_ktls_aead(cipher);
	struct crypto_aead *tfm;

	if (!name)
		return false;
	tfm = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(tfm))
		return false;
	crypto_free_aead(tfm);
	return true;
}

/* The crypto info of both directions from the taken keys, or why not. */
static int credssp_ktls_prepare(struct credssp_ktls_keys *k, const char **msg)
{
	if (k->version != TLS_1_2_VERSION && k->version != TLS_1_3_VERSION) {
		*msg = "the session's TLS version cannot be offloaded";
		return -EOPNOTSUPP;
	}
	if (k->saved_rx.cipher != k->cipher) {
		*msg = "the session's ciphers of both directions differ";
		return -EOPNOTSUPP;
	}
	k->len = credssp_ktls_fill(&k->tx, k->version, &k->saved_tx);
	if (!k->len ||
	    credssp_ktls_fill(&k->rx, k->version, &k->saved_rx) != k->len) {
		*msg = "the session's cipher cannot be offloaded";
		return -EOPNOTSUPP;
	}
	if (!credssp_ktls_have_aead(k->cipher)) {
		*msg = "kTLS here does not offer the session's cipher";
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Why setting TCP_ULP "tls" failed with @err; the errno to return. */
static int credssp_ktls_ulp_err(int err, const char **msg)
{
	switch (err) {
	case -ENOENT:
		*msg = "this kernel has no kTLS (CONFIG_TLS)";
		return -ENOPROTOOPT;
	case -EEXIST:
		*msg = "the socket already has an upper layer protocol";
		break;
	case -ENOTCONN:
		*msg = "the TCP connection is not established";
		break;
	default:
		*msg = "setting the TCP_ULP \"tls\" failed";
		break;
	}
	return err;
}

int credssp_ktls_install(struct credssp_ctx *ctx, struct socket *sock,
			 struct net *net, struct netlink_ext_ack *extack,
			 u32 *version, u32 *cipher)
{
	struct credssp_ktls_keys *k;
	const char *msg = NULL;
	int err;

	might_sleep();
	err = credssp_ktls_check_ctx(ctx, &msg);
	if (err)
		goto fail_msg;
	err = credssp_sock_check(sock, net, extack);
	if (err)
		return err;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	err = credssp_ktls_take(ctx, k, &msg);
	if (err)
		goto out;

	/* Refusals before the socket is touched keep the keys. */
	err = credssp_ktls_prepare(k, &msg);
	if (err)
		goto give_back;
	err = credssp_ktls_setsockopt(sock, SOL_TCP, TCP_ULP, "tls",
				      sizeof("tls"));
	if (err) {
		err = credssp_ktls_ulp_err(err, &msg);
		goto give_back;
	}

	/* From here on the socket is half set up: the keys stay wiped. */
	err = credssp_ktls_setsockopt(sock, SOL_TLS, TLS_TX, &k->tx, k->len);
	if (err) {
		msg = "TLS_TX failed: close the socket";
		goto out;
	}
	err = credssp_ktls_setsockopt(sock, SOL_TLS, TLS_RX, &k->rx, k->len);
	if (err) {
		msg = "TLS_RX failed: close the socket";
		goto out;
	}
	if (version)
		*version = k->version;
	if (cipher)
		*cipher = k->cipher;
	goto out;

give_back:
	credssp_ktls_give_back(ctx, k);
out:
	kfree_sensitive(k);
fail_msg:
	if (err)
		credssp_set_msg(extack, msg);
	return err;
}

/**
 * credssp_ktls_attach - install a context's TLS keys on a socket (kTLS)
 * @ctx: an established context
 * @sock: the connected TCP socket its records travel on; the caller has
 *	read nothing past the client's last CredSSP record from it
 *
 * Sets TCP_ULP "tls" on @sock, then TLS_TX and TLS_RX with the traffic keys
 * and the next record sequence numbers the helper exported at SEC_E_OK, and
 * wipes the keys from @ctx: this works once per context. Afterwards the
 * socket carries plaintext; records other than application data arrive
 * with a TLS_GET_RECORD_TYPE control message (Documentation/ktls.rst).
 * No netns check is made: @sock may belong to any namespace.
 *
 * Context: process context, may sleep; no spinlock held.
 * Return: 0; -ENOENT (@ctx deleted), -EINVAL (not established),
 * -EKEYEXPIRED (expired), -EALREADY (keys already installed or wiped),
 * -ENOTSOCK, -EPROTONOSUPPORT (not a TCP stream socket), -ENOTCONN (not
 * established), -EEXIST (the socket has an upper layer protocol),
 * -ENOPROTOOPT (no kTLS), -EOPNOTSUPP (kTLS here lacks the cipher), all
 * with the socket untouched and the keys kept; or another negative errno
 * from TLS_TX/TLS_RX, after which the socket must be closed (the keys are
 * wiped).
 */
int credssp_ktls_attach(struct credssp_ctx *ctx, struct socket *sock)
{
	if (!ctx || !sock)
		return -EINVAL;
	return credssp_ktls_install(ctx, sock, NULL, NULL, NULL, NULL);
}
EXPORT_SYMBOL_GPL(credssp_ktls_attach);
