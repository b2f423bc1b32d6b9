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
 * @why: the reason of a refusal, or NULL
 *
 * A connected (ESTABLISHED) TCP stream socket, IPv4 or IPv6, with no upper
 * layer protocol yet. Nothing is changed.
 *
 * Context: process context, may sleep (takes the socket lock).
 * Return: 0, -ENOTSOCK (no sock), -EPROTONOSUPPORT (not TCP), -EXDEV
 * (another netns), -ENOTCONN (not established) or -EEXIST (has a ULP).
 */
int credssp_sock_check(struct socket *sock, struct net *net,
		       enum credssp_reason *why)
{
	return credssp_sock_check_locked(sock, net, why, true);
}

/**
 * credssp_sock_check_locked - credssp_sock_check(), with or without the lock
 * @sock: the socket
 * @net: the namespace it must belong to, or NULL not to check
 * @why: the reason of a refusal, or NULL
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
			      enum credssp_reason *why, bool locked)
{
	struct sock *sk = sock ? sock->sk : NULL;
	enum credssp_reason r = CREDSSP_R_NONE;
	int err = 0;

	if (locked)
		might_sleep();
	if (!sk) {
		r = CREDSSP_R_NOT_SOCKET;
		err = -ENOTSOCK;
	} else if (sock->type != SOCK_STREAM ||
		   sk->sk_protocol != IPPROTO_TCP ||
		   (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		r = CREDSSP_R_NOT_TCP;
		err = -EPROTONOSUPPORT;
	} else if (net && !net_eq(sock_net(sk), net)) {
		r = CREDSSP_R_OTHER_NETNS;
		err = -EXDEV;
	}
	if (err)
		goto out;
	if (locked)
		lock_sock(sk);
	if (READ_ONCE(sk->sk_state) != TCP_ESTABLISHED) {
		r = CREDSSP_R_NOT_CONNECTED;
		err = -ENOTCONN;
	} else if (READ_ONCE(inet_csk(sk)->icsk_ulp_ops)) {
		r = CREDSSP_R_HAS_ULP;
		err = -EEXIST;
	}
	if (locked)
		release_sock(sk);
out:
	if (why && err)
		*why = r;
	return err;
}

static int credssp_ktls_setsockopt(struct socket *sock, int level, int name,
				   void *val, unsigned int len)
{
	return sock->ops->setsockopt(sock, level, name, KERNEL_SOCKPTR(val),
				     len);
}

static bool credssp_ktls_have_ulp;	/* a probe found kTLS */

/**
 * credssp_ktls_probe - whether kTLS can carry a session here
 * @net: the namespace to probe in
 * @cipher: TLS_CIPHER_*, or 0 for kTLS itself only
 * @why: the reason of a refusal
 *
 * The one probe for kTLS, before socket mode's handshake (cipher 0) and
 * before an attach touches its socket. TCP_ULP "tls" on a fresh unconnected
 * socket fails with -ENOENT without kTLS (after trying to load the module)
 * and -ENOTCONN with it; once found, kTLS stays (the tls module cannot go
 * while a socket uses it, and this module's own probe needs none). The
 * cipher's AEAD is allocated once, as kTLS will: a kernel may have kTLS
 * without ChaCha20-Poly1305.
 *
 * Context: process context, may sleep.
 * Return: 0, -ENOPROTOOPT (no kTLS), -EOPNOTSUPP (no AEAD for @cipher), or
 * an error of the probe socket's creation.
 */
int credssp_ktls_probe(struct net *net, u32 cipher, enum credssp_reason *why)
{
	struct crypto_aead *tfm;
	struct socket *probe;
	const char *name;
	int err;

	might_sleep();
	if (!READ_ONCE(credssp_ktls_have_ulp)) {
		err = sock_create_kern(net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
				       &probe);
		if (err) {
			*why = CREDSSP_R_NOMEM;
			return err;
		}
		err = credssp_ktls_setsockopt(probe, SOL_TCP, TCP_ULP, "tls",
					      sizeof("tls"));
		sock_release(probe);
		if (err == -ENOENT) {
			*why = CREDSSP_R_NO_KTLS;
			return -ENOPROTOOPT;
		}
		WRITE_ONCE(credssp_ktls_have_ulp, true);
	}
	if (!cipher)
		return 0;
	name = credssp_ktls_aead(cipher);
	tfm = name ? crypto_alloc_aead(name, 0, 0) : ERR_PTR(-ENOENT);
	if (IS_ERR(tfm)) {
		*why = CREDSSP_R_NO_AEAD;
		return -EOPNOTSUPP;
	}
	crypto_free_aead(tfm);
	return 0;
}

/* The crypto info of both directions from the taken keys, or why not. */
static int credssp_ktls_prepare(struct credssp_ktls_keys *k, struct net *net,
				enum credssp_reason *why)
{
	if (k->version != TLS_1_2_VERSION && k->version != TLS_1_3_VERSION) {
		*why = CREDSSP_R_TLS_VERSION;
		return -EOPNOTSUPP;
	}
	if (k->saved_rx.cipher != k->cipher) {
		*why = CREDSSP_R_CIPHERS_DIFFER;
		return -EOPNOTSUPP;
	}
	k->len = credssp_ktls_fill(&k->tx, k->version, &k->saved_tx);
	if (!k->len ||
	    credssp_ktls_fill(&k->rx, k->version, &k->saved_rx) != k->len) {
		*why = CREDSSP_R_CIPHER;
		return -EOPNOTSUPP;
	}
	return credssp_ktls_probe(net, k->cipher, why);
}

/* Why setting TCP_ULP "tls" failed with @err; the errno to return. */
static int credssp_ktls_ulp_err(int err, enum credssp_reason *why)
{
	switch (err) {
	case -ENOENT:
		*why = CREDSSP_R_NO_KTLS;
		return -ENOPROTOOPT;
	case -EEXIST:
		*why = CREDSSP_R_HAS_ULP;
		break;
	case -ENOTCONN:
		*why = CREDSSP_R_NOT_CONNECTED;
		break;
	default:
		*why = CREDSSP_R_ULP_FAILED;
		break;
	}
	return err;
}

/**
 * credssp_ktls_install - install an established context's keys on a socket
 * @ctx: the context, referenced
 * @sock: the socket
 * @net: the namespace @sock must belong to, or NULL not to check
 * @why: the reason of a failure
 * @version: receives the TLS version installed, or NULL
 * @cipher: receives the cipher installed, or NULL
 *
 * credssp_ktls_attach() with a netns check and the reason of a failure, for
 * CREDSSP_CMD_KTLS_ATTACH.
 *
 * Context: process context, may sleep; no spinlock held.
 * Return: as credssp_ktls_attach(), plus -EXDEV (@sock in another netns).
 */
int credssp_ktls_install(struct credssp_ctx *ctx, struct socket *sock,
			 struct net *net, enum credssp_reason *why,
			 u32 *version, u32 *cipher)
{
	struct credssp_ktls_keys *k;
	int err;

	might_sleep();
	err = credssp_ctx_keys_check(ctx, why);
	if (err)
		return err;
	err = credssp_sock_check(sock, net, why);
	if (err)
		return err;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k) {
		*why = CREDSSP_R_NOMEM;
		return -ENOMEM;
	}
	err = credssp_ctx_take_keys(ctx, &k->saved_tx, &k->saved_rx,
				    &k->version, why);
	if (err)
		goto out;
	k->cipher = k->saved_tx.cipher;

	/* Refusals before the socket is touched keep the keys. */
	err = credssp_ktls_prepare(k, sock_net(sock->sk), why);
	if (err)
		goto give_back;
	err = credssp_ktls_setsockopt(sock, SOL_TCP, TCP_ULP, "tls",
				      sizeof("tls"));
	if (err) {
		err = credssp_ktls_ulp_err(err, why);
		goto give_back;
	}

	/* From here on the socket is half set up: the keys stay wiped. */
	err = credssp_ktls_setsockopt(sock, SOL_TLS, TLS_TX, &k->tx, k->len);
	if (err) {
		*why = CREDSSP_R_TLS_TX;
		goto out;
	}
	err = credssp_ktls_setsockopt(sock, SOL_TLS, TLS_RX, &k->rx, k->len);
	if (err) {
		*why = CREDSSP_R_TLS_RX;
		goto out;
	}
	if (version)
		*version = k->version;
	if (cipher)
		*cipher = k->cipher;
	goto out;

give_back:
	credssp_ctx_return_keys(ctx, &k->saved_tx, &k->saved_rx);
out:
	kfree_sensitive(k);
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
	enum credssp_reason why;

	if (!ctx || !sock)
		return -EINVAL;
	return credssp_ktls_install(ctx, sock, NULL, &why, NULL, NULL);
}
EXPORT_SYMBOL_GPL(credssp_ktls_attach);
