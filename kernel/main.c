// SPDX-License-Identifier: GPL-2.0
/*
 * como.ko: the in-kernel control plane (DESIGN.md, "como.ko"). This is its
 * frame only: init and exit, in the order the subsystems will be added
 * (netlink family, module registry, flush clock, overload guard), each in
 * a file of its own. Until then comod runs the same data path with its own
 * clock, which is all a trace needs.
 */
#include <linux/module.h>
#include <linux/init.h>

static int __init como_init(void)
{
	pr_info("como: control plane loaded (no subsystems yet)\n");
	return 0;
}

static void __exit como_exit(void)
{
	pr_info("como: control plane unloaded\n");
}

module_init(como_init);
module_exit(como_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("como passive network monitor: control plane");
