// SPDX-License-Identifier: GPL-2.0
/*
 * credssp_genl_toy.ko - a generic netlink family ("credssp_toy") that is
 * registered at load and unregistered at unload, and does nothing else: the
 * genl_register_family() and genl_unregister_family() of any module loaded
 * or unloaded elsewhere on the system. Both take genetlink's cb_lock for
 * writing; tests/selftests/credssp_genl_lock.c loads and unloads this module
 * while a CredSSP call waits, and times another process's generic netlink
 * request meanwhile.
 */

#include <linux/module.h>
#include <net/genetlink.h>

static struct genl_family credssp_toy_family __ro_after_init = {
	.name = "credssp_toy",
	.version = 1,
	.module = THIS_MODULE,
	.netnsok = true,
};

static int __init credssp_toy_init(void)
{
	return genl_register_family(&credssp_toy_family);
}

static void __exit credssp_toy_exit(void)
{
	genl_unregister_family(&credssp_toy_family);
}

module_init(credssp_toy_init);
module_exit(credssp_toy_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("CredSSP test: a generic netlink family and nothing else");
