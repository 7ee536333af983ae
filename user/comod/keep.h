/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture state kept across a restart of comod (-K): on stop, the XDP
 * links, the dispatcher, the shared maps, every module's program and
 * state halves and every filter stage are pinned in bpffs, and what comod
 * needs to know of them is written to DATADIR/.kept.json. The kernel goes
 * on capturing into the open epochs meanwhile. The next start on that
 * data directory picks it all up, unpins it, and goes on: no epoch lost,
 * no packet counted twice.
 */
#ifndef _COMOD_KEEP_H
#define _COMOD_KEEP_H

#include <stdbool.h>
#include "comod.h"

struct live;
struct kmod;

bool keep_present(const char *datadir);
int keep_save(struct monitor *mon, struct live *l, const char *ifaces);
/* Fills mon (dp, mods, fs) and *lp from what was kept, then unpins it. */
int keep_restore(struct monitor *mon, struct live **lp, const char *ifaces);

/*
 * With como.ko the same description and objects go to the kernel, which
 * holds them by reference from the start: a comod killed with -9 loses
 * nothing, and the next start on its data directory takes them back.
 */
int keep_hand_over(struct kmod *k, struct monitor *mon, struct live *l,
		   const char *ifaces);
/* 1: como.ko holds this data directory's capture; 0: none; -EBUSY: another's */
int keep_held(struct kmod *k, const char *datadir);
int keep_take_back(struct kmod *k, struct monitor *mon, struct live **lp,
		   const char *ifaces);

#endif
