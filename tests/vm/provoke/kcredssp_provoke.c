// SPDX-License-Identifier: GPL-2.0
/*
 * kcredssp_provoke.ko: a kernel WARN or oops on demand, for tests/vm/test-vm.sh
 * on kernels without LKDTM (Debian's): insmod kcredssp_provoke.ko what=warn|oops.
 * With what=warn the module WARNs once and stays loaded; with what=oops it
 * dereferences a NULL pointer, which panics the guest (oops=panic).
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

static char *what = "warn";
module_param(what, charp, 0444);
MODULE_PARM_DESC(what, "warn or oops");

static int __init provoke_init(void)
{
	if (!strcmp(what, "warn")) {
		WARN(1, "kcredssp_provoke: WARN on request\n");
		return 0;
	}
	if (!strcmp(what, "oops")) {
		int *volatile p = NULL;

		pr_info("kcredssp_provoke: oops on request\n");
		*p = 1;
		return 0;
	}
	return -EINVAL;
}

static void __exit provoke_exit(void)
{
}

module_init(provoke_init);
module_exit(provoke_exit);
MODULE_DESCRIPTION("WARN or oops on request, for tests of scripts/vm.sh");
MODULE_LICENSE("GPL");
