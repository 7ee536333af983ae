// SPDX-License-Identifier: GPL-2.0
/*
 * como.ko: the in-kernel control plane (DESIGN.md, "como.ko").
 *
 *   netlink.c   the generic netlink family "como"
 *   events.c    its events (a leaf: the clock and the guard call it)
 *   registry.c  the capture and the modules comod handed over
 *   objects.c   references to the BPF objects they are made of
 *   clock.c     the flush clock: epoch flips on interval boundaries
 *   guard.c     the overload guard: per-module sampling against a budget
 *
 * Without it comod runs the same data path with its own clock.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/time64.h>
#include <net/genetlink.h>
#include "como.h"

struct como_config como_cfg = {
	.tick_ns = 100 * NSEC_PER_MSEC,
	.cpu_budget_pm = 0,
};

static int __init como_init(void)
{
	int err;

	/* the clock first: the first request may already set its tick */
	como_clock_init();
	err = como_genl_register();
	if (err) {
		como_clock_stop();
		return err;
	}
	como_clock_kick();
	pr_info("control plane loaded\n");
	return 0;
}

static void __exit como_exit(void)
{
	/* no tick after this, and no event from one: then no request */
	como_clock_stop();
	como_genl_unregister();
	mutex_lock(&como_lock);
	como_registry_clear();
	mutex_unlock(&como_lock);
	pr_info("control plane unloaded\n");
}

module_init(como_init);
module_exit(como_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("como passive network monitor: control plane");
MODULE_ALIAS_GENL_FAMILY(COMO_GENL_NAME);
