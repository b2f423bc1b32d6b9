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

	err = credssp_genl_init();
	if (err)
		goto err_genl;

	/* Last: the per-netns state and the socket notifier. */
	err = credssp_table_init();
	if (err)
		goto err_table;

	return 0;

err_table:
	credssp_genl_exit();
err_genl:
	credssp_sock_exit();
err_sock:
	credssp_keyring_exit();
err_keyring:
	return err;
}

static void __exit credssp_exit(void)
{
	/* Fail calls waiting for a helper: unregistering waits for them. */
	credssp_table_shutdown();
	/* Socket-mode calls end (and their doits return) before the family goes. */
	credssp_sock_exit();
	credssp_genl_exit();
	credssp_table_exit();
	credssp_keyring_exit();
}

module_init(credssp_init);
module_exit(credssp_exit);

MODULE_DESCRIPTION("CredSSP security package (server side)");
MODULE_AUTHOR("The kcredssp developers");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(CREDSSP_GENL_NAME);
