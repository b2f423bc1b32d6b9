// SPDX-License-Identifier: GPL-2.0
/*
 * credssp.ko: the server side of Microsoft's CredSSP security package for
 * Linux. Module load and unload.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/credssp.h>

#include "credssp.h"

static int __init credssp_init(void)
{
	int err;

	err = credssp_keyring_init();
	if (err)
		goto err_keyring;

	err = credssp_sock_init();
	if (err)
		goto err_sock;

	err = credssp_call_init();
	if (err)
		goto err_call;

	/*
	 * ORDER: the per-netns state (in every netns) before anything that
	 * looks it up: the socket notifier (registered by
	 * credssp_pernet_init() after the state) and the genl family, whose
	 * doits may run as soon as it is registered. Unload goes the other
	 * way: the family, then the notifier, then the state.
	 */
	err = credssp_pernet_init();
	if (err)
		goto err_table;

	/* Last: from here on userspace reaches the module. */
	err = credssp_genl_init();
	if (err)
		goto err_genl;

	return 0;

err_genl:
	credssp_pernet_exit();
err_table:
	credssp_call_exit();
err_call:
	credssp_sock_exit();
err_sock:
	credssp_keyring_exit();
err_keyring:
	return err;
}

static void __exit credssp_exit(void)
{
	/* Fail calls waiting for a helper: unregistering waits for them. */
	credssp_pernet_shutdown();
	/*
	 * Socket-mode and queued netlink calls end, and send their outcome,
	 * before the family goes.
	 */
	credssp_sock_exit();
	credssp_call_exit();
	credssp_genl_exit();
	credssp_pernet_exit();
	credssp_keyring_exit();
}

module_init(credssp_init);
module_exit(credssp_exit);

MODULE_DESCRIPTION("CredSSP security package (server side)");
MODULE_AUTHOR("The kcredssp developers");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(CREDSSP_FAMILY_NAME);
