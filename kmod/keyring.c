// SPDX-License-Identifier: GPL-2.0
/*
 * The ".credssp" keyring and the "credssp" key type: where the credentials
 * that CredSSP clients delegate are kept, one key per established context
 * that received some (Documentation/keyring.rst).
 *
 * The keyring belongs to the kernel: it is created at module load under the
 * module's own credentials with root as owner; nobody possesses it (the
 * module works on it through its pointer), and root may view, list, search
 * and clear it but not add to it.
 *
 * A "credssp" key holds the version 1 payload of <uapi/linux/credssp.h>
 * ("Delegated credentials payload") in a struct user_key_payload. The type
 * has no .read: no task, root included, can read the payload through
 * keyctl(2); only the kernel can (credssp_ctx_key()). Only the module may
 * create keys of the type: it does so under credssp_key_cred, and both
 * .vet_description and .preparse refuse every other caller, so that nobody
 * can plant a key whose description looks kernel-asserted. The payload is
 * wiped when the key is revoked (the context ends) and when it is destroyed.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/key-type.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <keys/user-type.h>
#include <kunit/visibility.h>
#include <net/credssp.h>
#include <net/net_namespace.h>

#include "credssp.h"

static struct key *credssp_keyring_key;
static const struct cred *credssp_key_cred;

/* Whether the caller is the module acting under its own credentials. */
static bool credssp_key_by_module(void)
{
	return credssp_key_cred && current_cred() == credssp_key_cred;
}

/**
 * credssp_key_vet - the key type's .vet_description
 * @desc: the description of a key being created
 *
 * Return: 0 if the module creates the key with a "credssp:" description,
 * -EPERM for any other creator (keyctl add_key, request_key), -EINVAL for
 * a description without the prefix.
 */
int credssp_key_vet(const char *desc)
{
	if (!credssp_key_by_module())
		return -EPERM;
	if (strncmp(desc, CREDSSP_KEY_PREFIX, strlen(CREDSSP_KEY_PREFIX)))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_key_vet);

static int credssp_key_preparse(struct key_preparsed_payload *prep)
{
	struct user_key_payload *upayload;

	/* Before the payload is even looked at (add_key preparses first). */
	if (!credssp_key_by_module())
		return -EPERM;
	if (!prep->data || credssp_creds_validate(prep->data, prep->datalen,
						  NULL))
		return -EINVAL;
	upayload = kmalloc(sizeof(*upayload) + prep->datalen, GFP_KERNEL);
	if (!upayload)
		return -ENOMEM;
	upayload->datalen = prep->datalen;
	memcpy(upayload->data, prep->data, prep->datalen);
	prep->payload.data[0] = upayload;
	prep->quotalen = prep->datalen;
	return 0;
}

static void credssp_key_free_preparse(struct key_preparsed_payload *prep)
{
	kfree_sensitive(prep->payload.data[0]);
}

static void credssp_key_free_rcu(struct rcu_head *head)
{
	kfree_sensitive(container_of(head, struct user_key_payload, rcu));
}

/* Revoked: the context ended. Readers under RCU finish first. */
static void credssp_key_revoke(struct key *key)
{
	struct user_key_payload *upayload = user_key_payload_locked(key);

	key_payload_reserve(key, 0);
	if (upayload) {
		rcu_assign_keypointer(key, NULL);
		call_rcu(&upayload->rcu, credssp_key_free_rcu);
	}
}

static void credssp_key_destroy(struct key *key)
{
	kfree_sensitive(key->payload.data[0]);
	key->payload.data[0] = NULL;
}

/* The /proc/keys tail: the description only, not even the payload size. */
static void credssp_key_describe_proc(const struct key *key,
				      struct seq_file *m)
{
	seq_puts(m, key->description);
}

struct key_type credssp_key_type = {
	.name = CREDSSP_KEY_TYPE,
	.vet_description = credssp_key_vet,
	.preparse = credssp_key_preparse,
	.free_preparse = credssp_key_free_preparse,
	.instantiate = generic_key_instantiate,
	.revoke = credssp_key_revoke,
	.destroy = credssp_key_destroy,
	.describe = credssp_key_describe_proc,
	/* No .read, no .update: the payload never leaves the kernel. */
};
EXPORT_SYMBOL_IF_KUNIT(credssp_key_type);

/**
 * credssp_keyring - the module's ".credssp" keyring
 *
 * Valid between credssp_keyring_init() and credssp_keyring_exit(); callers
 * that keep it past a call take their own reference with key_get().
 *
 * Return: the keyring, never NULL while the module is loaded.
 */
struct key *credssp_keyring(void)
{
	return credssp_keyring_key;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_keyring);

static int credssp_key_put_str(char *buf, size_t size, size_t *pos,
			       const char *s)
{
	size_t len = strlen(s);

	if (len >= size - *pos)
		return -E2BIG;
	memcpy(buf + *pos, s, len + 1);
	*pos += len;
	return 0;
}

/**
 * credssp_key_describe - build the description of a context's key
 * @buf: where to write it, NUL-terminated
 * @size: size of @buf
 * @ctx_id: the context handle
 * @user: the authenticated principal ("DOMAIN\user" or "user@REALM")
 * @package: the inner package, CREDSSP_PACKAGE_NTLM or CREDSSP_PACKAGE_KERBEROS
 * @net_inum: inode number of the context's netns, 0 for the initial one
 *
 * The form is "credssp:ctx=0x<16 hex>;user=<user>;pkg=<NTLM|Kerberos>",
 * then ";net=<inum>" outside the initial netns (handles are per netns). In
 * @user, bytes below 0x20, 0x7f, '%', ';' and '=' are written as %XX so
 * that the key=value; form cannot be forged by a client-chosen name.
 *
 * Return: the length written, -EINVAL for an unknown package, or -E2BIG if
 * @buf is too small.
 */
int credssp_key_describe(char *buf, size_t size, u64 ctx_id, const char *user,
			 u32 package, unsigned int net_inum)
{
	const char *pkg;
	char tmp[48];
	size_t pos = 0;
	int err;

	switch (package) {
	case CREDSSP_PACKAGE_NTLM:
		pkg = "NTLM";
		break;
	case CREDSSP_PACKAGE_KERBEROS:
		pkg = "Kerberos";
		break;
	default:
		return -EINVAL;
	}
	if (!size)
		return -E2BIG;
	buf[0] = 0;
	snprintf(tmp, sizeof(tmp), CREDSSP_KEY_PREFIX "ctx=0x%016llx;user=",
		 ctx_id);
	err = credssp_key_put_str(buf, size, &pos, tmp);
	for (; !err && *user; user++) {
		unsigned char c = *user;

		if (c < 0x20 || c == 0x7f || c == '%' || c == ';' || c == '=')
			snprintf(tmp, sizeof(tmp), "%%%02X", c);
		else
			snprintf(tmp, sizeof(tmp), "%c", c);
		err = credssp_key_put_str(buf, size, &pos, tmp);
	}
	if (!err) {
		snprintf(tmp, sizeof(tmp), ";pkg=%s", pkg);
		err = credssp_key_put_str(buf, size, &pos, tmp);
	}
	if (!err && net_inum) {
		snprintf(tmp, sizeof(tmp), ";net=%u", net_inum);
		err = credssp_key_put_str(buf, size, &pos, tmp);
	}
	if (err) {
		buf[0] = 0;
		return err;
	}
	return pos;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_key_describe);

/**
 * credssp_key_new - make the delegated-credentials key of a context
 * @ctx: the context, about to become ESTABLISHED
 * @res: its SEC_E_OK result, with a validated payload in @res->creds
 * @expiry: the context's expiry, Unix seconds
 *
 * The key is created under the module's credentials (the only ones the key
 * type accepts), owned by root, readable by nobody, kept (KEY_FLAG_KEEP: no
 * keyctl invalidate or unlink), with a timeout at @expiry, and linked into
 * the ".credssp" keyring.
 *
 * Context: process context, may sleep; no spinlock held.
 * Return: the key with a reference for the caller, or an ERR_PTR().
 */
struct key *credssp_key_new(const struct credssp_ctx *ctx,
			    const struct credssp_result *res, u64 expiry)
{
	const struct net *net = ctx->cn->net;
	const struct cred *old;
	struct key *key;
	u64 now = credssp_now();
	char *desc;
	int err;

	might_sleep();
	if (!res->creds || !res->creds_len)
		return ERR_PTR(-EINVAL);
	if (expiry <= now)
		return ERR_PTR(-EKEYEXPIRED);
	desc = kmalloc(CREDSSP_KEY_DESC_MAX, GFP_KERNEL);
	if (!desc)
		return ERR_PTR(-ENOMEM);
	err = credssp_key_describe(desc, CREDSSP_KEY_DESC_MAX, ctx->id,
				   res->principal, res->package,
				   net_eq(net, &init_net) ? 0 : net->ns.inum);
	if (err < 0) {
		key = ERR_PTR(err);
		goto out;
	}

	/* KEEP: search lets root find the key, not invalidate it. */
	old = override_creds(credssp_key_cred);
	key = key_alloc(&credssp_key_type, desc, GLOBAL_ROOT_UID,
			GLOBAL_ROOT_GID, current_cred(), CREDSSP_KEY_PERM,
			KEY_ALLOC_NOT_IN_QUOTA | KEY_ALLOC_SET_KEEP, NULL);
	if (IS_ERR(key))
		goto revert;
	if (expiry != CREDSSP_TIME_NEVER)
		key_set_timeout(key, min_t(u64, expiry - now, UINT_MAX));
	err = key_instantiate_and_link(key, res->creds, res->creds_len,
				       credssp_keyring_key, NULL);
	if (err) {
		key_revoke(key);
		key_put(key);
		key = ERR_PTR(err);
	}
revert:
	revert_creds(old);
out:
	kfree(desc);
	return key;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_key_new);

/**
 * credssp_key_drop - end a context's key
 * @key: the key from credssp_key_new(), or NULL; the caller's reference is
 *	dropped
 *
 * Revokes it (the payload is wiped once RCU readers are done), invalidates
 * it, and unlinks it from ".credssp" at once, so that keyctl show no longer
 * lists it; the key garbage collector frees it when the last in-kernel user
 * drops its reference.
 *
 * Context: process context, may sleep; no spinlock held.
 */
void credssp_key_drop(struct key *key)
{
	might_sleep();
	if (!key)
		return;
	key_revoke(key);
	key_invalidate(key);
	key_unlink(credssp_keyring_key, key);
	key_put(key);
}
EXPORT_SYMBOL_IF_KUNIT(credssp_key_drop);

/**
 * credssp_keyring_init - register the key type, create ".credssp"
 *
 * Return: 0 on success, or a negative errno.
 */
int credssp_keyring_init(void)
{
	struct key *keyring;
	struct cred *cred;
	int err;

	cred = prepare_kernel_cred(&init_task);
	if (!cred)
		return -ENOMEM;

	err = register_key_type(&credssp_key_type);
	if (err)
		goto err_type;

	keyring = keyring_alloc(".credssp", GLOBAL_ROOT_UID, GLOBAL_ROOT_GID,
				cred,
				(KEY_POS_ALL & ~KEY_POS_SETATTR) |
				KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH,
				KEY_ALLOC_NOT_IN_QUOTA, NULL, NULL);
	if (IS_ERR(keyring)) {
		err = PTR_ERR(keyring);
		goto err_keyring;
	}

	/* keyctl clear needs write permission, which root does not get. */
	set_bit(KEY_FLAG_ROOT_CAN_CLEAR, &keyring->flags);
	credssp_keyring_key = keyring;
	credssp_key_cred = cred;
	return 0;

err_keyring:
	unregister_key_type(&credssp_key_type);
err_type:
	put_cred(cred);
	return err;
}

/**
 * credssp_keyring_exit - drop the keys, the keyring and the key type
 *
 * Called after every context is gone. Revokes the keyring so that nobody
 * who still holds a reference can search it, then unregisters the key type,
 * which invalidates any key of it left and waits until the garbage
 * collector destroyed them (wiping their payloads).
 */
void credssp_keyring_exit(void)
{
	const struct cred *cred;

	key_revoke(credssp_keyring_key);
	key_put(credssp_keyring_key);
	credssp_keyring_key = NULL;
	unregister_key_type(&credssp_key_type);
	/* credssp_key_free_rcu() callbacks of revoked keys. */
	rcu_barrier();
	cred = credssp_key_cred;
	credssp_key_cred = NULL;
	put_cred(cred);
}
