/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * comod's overload guard, for when como.ko is not loaded: the rule of
 * include/como/guard.h, run on comod's own tick.
 */
#ifndef _COMOD_GUARD_H
#define _COMOD_GUARD_H

#include <stdint.h>
#include <linux/types.h>
#include "comod.h"

struct monitor;

#define GUARD_TICK_NS	100000000ULL	/* as como.ko's default */

struct guard {
	__u64 tick_ns;
	__u32 budget_pm;	/* thousandths of one CPU; 0: no budget */
	__u32 load_pm;		/* over the last tick */
	int overload;		/* ticks over the budget in a row; 0: none */
	uint64_t last_ns;	/* wall clock: when it runs next */
	uint64_t last_mono_ns;	/* monotonic: how long a tick was */
	__u64 seen[COMO_MAX_SLOTS];	/* run_ns by slot, at the last tick */
};

/* When the guard wants to run next: never (UINT64_MAX) without a budget. */
uint64_t guard_next(const struct guard *g);
void guard_tick(struct guard *g, struct monitor *mon, uint64_t now);

#endif
