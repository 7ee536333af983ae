// SPDX-License-Identifier: BSD-3-Clause
/*
 * comod's epoch clock. A module writes half (epoch & 1) of its state; at
 * the end of its interval the clock flips it to the other half, waits
 * until no program can still be writing the closed one, and hands that
 * half to the drain.
 *
 * "No program still writes": a trace is fed by synchronous BPF_PROG_RUN
 * calls, so once the last run of the interval has returned nothing can.
 * On a live interface an XDP program may be running on another CPU with
 * the old half in hand; it runs under rcu_read_lock, and the kernel waits
 * for an RCU grace period whenever user space updates a map-in-map, so
 * writing the closed half back into its own slot is the wait we need.
 *
 * Modules como.ko runs are its clock's (kclock.c follows it); this one
 * leaves them alone.
 *
 * Part of comod: told the time by the sources' drivers (trace.c, loop.c)
 * and by the module set; calls the drain and the data path.
 */
#include <errno.h>
#include <string.h>
#include "clock.h"
#include "datapath.h"
#include "drain.h"
#include "log.h"

void clock_open(struct modrt *rt, uint64_t now)
{
	uint64_t ivl = rt->mod->interval_ns;

	rt->epoch_start = now - now % ivl;
	rt->epoch_end = rt->epoch_start + ivl;
	rt->open = true;
}

void clock_resume(struct modrt *rt, uint64_t start)
{
	rt->epoch_start = start;
	rt->epoch_end = start + rt->mod->interval_ns;
	rt->open = true;
}

uint64_t clock_next(const struct monitor *mon)
{
	uint64_t next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < mon->n; i++) {
		const struct modrt *rt = mon->mods[i];

		if (modrt_kernel_clock(rt))
			continue;
		if (!rt->open)
			return 0;
		if (rt->epoch_end < next)
			next = rt->epoch_end;
	}
	return next;
}

/*
 * An epoch closed late (comod starved, or como.ko's clock stretched it) is
 * labelled as long as it ran, in whole intervals: to the last boundary
 * before NOW, where the next one starts; or, the last epoch of a run, to
 * the first boundary after NOW.
 */
static void epoch_stretch(struct modrt *rt, uint64_t now, bool last)
{
	uint64_t ivl = rt->mod->interval_ns, spent;

	if (now <= rt->epoch_end)
		return;
	spent = now - rt->epoch_start + (last ? ivl - 1 : 0);
	rt->epoch_end = rt->epoch_start + spent / ivl * ivl;
}

static int epoch_close(struct datapath *dp, struct modrt *rt)
{
	__u64 epoch;
	__u32 half;
	int err;

	datapath_flip(dp, rt, &half, &epoch);
	rt->open = false;
	if (dp->live) {
		err = datapath_grace_period(rt, half);
		if (err) {
			pr_err("module %s: cannot wait for the closed epoch's "
			       "writers: %s", rt->mod->name, strerror(-err));
			return err;
		}
	}
	return drain_epoch(dp, rt, half, epoch, rt->epoch_start,
			   rt->epoch_end);
}

/*
 * An epoch opened after one that ENDED: a trace's batches may carry its
 * packets from its start (datapath_set_flip, trace.c), and a module that
 * asked is told of the intervals in between, without packets.
 */
static void epoch_opened(struct datapath *dp, struct modrt *rt,
			 uint64_t ended)
{
	if (dp->live)
		return;
	datapath_set_flip(dp, rt, rt->epoch_end);
	if ((rt->mod->desc->flags & COMO_MOD_EVERY_INTERVAL) &&
	    rt->epoch_start > ended)
		drain_empty(dp, rt, ended, rt->epoch_start);
}

int clock_crossed(struct monitor *mon, struct modrt *rt, uint64_t start)
{
	uint64_t ended = rt->epoch_end;
	int err;

	err = epoch_close(mon->dp, rt);
	if (err)
		return err;
	clock_resume(rt, start);
	epoch_opened(mon->dp, rt, ended);
	return 0;
}

int clock_advance(struct monitor *mon, uint64_t now, uint64_t *closed)
{
	uint64_t ended;
	unsigned int i;
	int err;

	for (i = 0; i < mon->n; i++) {
		struct modrt *rt = mon->mods[i];

		if (modrt_kernel_clock(rt) || (rt->open && now < rt->epoch_end))
			continue;
		if (rt->open) {
			if (mon->dp->live)
				epoch_stretch(rt, now, false);
			err = epoch_close(mon->dp, rt);
			if (err)
				return err;
			if (closed)
				(*closed)++;
			ended = rt->epoch_end;
			clock_open(rt, now);
			epoch_opened(mon->dp, rt, ended);
			continue;
		}
		clock_open(rt, now);
		epoch_opened(mon->dp, rt, rt->epoch_start);
	}
	return 0;
}

int clock_close(struct monitor *mon, struct modrt *rt, uint64_t now)
{
	int err;

	if (modrt_kernel_clock(rt) || !rt->open)
		return 0;
	if (mon->dp->live)
		epoch_stretch(rt, now, true);
	err = epoch_close(mon->dp, rt);
	/* its stream closes next: what export holds goes first */
	drain_end(mon->dp, rt, rt->epoch_end);
	return err;
}
