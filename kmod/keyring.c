// SPDX-License-Identifier: GPL-2.0
/*
 * The ".credssp" keyring: where the credentials that CredSSP clients delegate
 * are kept (one key per established context). The keyring belongs to the
 * kernel: it is created at module load with root as owner, possessor rights
 * held only by the module, and root (its owner) may view, search and clear
 * it but not add to it. It is dropped at module unload, which destroys the
 * keys linked only from it.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <kunit/visibility.h>
#include <net/credssp.h>

#include "credssp.h"

static struct key *credssp_keyring_key;

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

/**
 * credssp_keyring_init - create the ".credssp" keyring
 *
 * Return: 0 on success, or a negative errno from keyring_alloc().
 */
int credssp_keyring_init(void)
{
	struct key *keyring;

	keyring = keyring_alloc(".credssp", GLOBAL_ROOT_UID, GLOBAL_ROOT_GID,
				current_cred(),
				(KEY_POS_ALL & ~KEY_POS_SETATTR) |
				KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH,
				KEY_ALLOC_NOT_IN_QUOTA, NULL, NULL);
	if (IS_ERR(keyring))
		return PTR_ERR(keyring);

	/* keyctl clear needs write permission, which root does not get. */
	set_bit(KEY_FLAG_ROOT_CAN_CLEAR, &keyring->flags);
	credssp_keyring_key = keyring;
	return 0;
}

/**
 * credssp_keyring_exit - drop the ".credssp" keyring
 *
 * Revokes the keyring so that nobody who still holds a reference can search
 * it, then drops the module's reference; the key garbage collector frees it
 * and the keys that only it held.
 */
void credssp_keyring_exit(void)
{
	key_revoke(credssp_keyring_key);
	key_put(credssp_keyring_key);
	credssp_keyring_key = NULL;
}

/**
 * credssp_ctx_key - the delegated-credentials key of a context
 * @ctx: an established context
 *
 * Return: a reference to the key (release it with key_put()), or NULL if the
 * client delegated nothing. Placeholder until issue 6 lands.
 */
struct key *credssp_ctx_key(struct credssp_ctx *ctx)
{
	return NULL;
}
EXPORT_SYMBOL_GPL(credssp_ctx_key);
