// SPDX-License-Identifier: BSD-3-Clause
/*
 * Following como.ko's flush clock. While a module is registered, como.ko
 * flips its epochs on the interval boundaries and waits out the writers;
 * comod drains each epoch it announces, stores it, and says it is done,
 * which lets the clock use that half again. Taking a module back (unload,
 * stop) drains what the clock closed last, then comod's own clock goes on.
 *
 * While como.ko runs a module, this is the only writer of its open epoch
 * (it follows what como.ko says), and the only writer of 'registered'.
 *
 * Part of comod: called by the module set (monitor.c) and the live loop;
 * calls the drain, the data path and kmod.c (como.ko's netlink side).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "datapath.h"
#include "drain.h"
#include "kclock.h"
#include "kmod.h"
#include "log.h"
#include "stream.h"

static struct modrt *module_named(struct monitor *mon, const char *name)
{
	unsigned int i;

	for (i = 0; i < mon->n; i++)
		if (!strcmp(mon->mods[i]->mod->name, name))
			return mon->mods[i];
	return NULL;
}

static void follow(struct modrt *rt, const struct kmod_epochs *e)
{
	rt->epoch_start = e->epoch_start_ns;
	rt->epoch_end = e->epoch_start_ns + rt->mod->interval_ns;
	rt->open = true;
}

int kclock_adopt(struct monitor *mon)
{
	struct kmod_epochs *v;
	struct modrt *rt;
	unsigned int i, n;
	int err;

	err = kmod_modules(mon->kmod, &v, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		rt = module_named(mon, v[i].name);
		if (!rt)
			continue;
		rt->registered = true;
		rt->taken_back = true;
		follow(rt, &v[i]);
	}
	free(v);
	return 0;
}

int kclock_register(struct monitor *mon)
{
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < mon->n; i++) {
		struct modrt *rt = mon->mods[i];

		if (rt->registered)
			continue;
		err = kmod_register(mon->kmod, rt);
		rt->registered = !err;
	}
	return err;
}

/*
 * The epoch como.ko closed, stored, then its half emptied. The first one
 * after a take-back may have been stored by the comod that died before it
 * could acknowledge it: then the stream's last record is that epoch's
 * (records carry their epoch's start), and it is not stored twice.
 */
static int drain_closed(struct monitor *mon, struct modrt *rt,
			const struct kmod_epochs *e)
{
	/* the clock flips no further until told: the closed half is the other */
	__u32 half = (datapath_ctl(mon->dp, rt).half & 1) ^ 1;
	bool taken_back = rt->taken_back;

	rt->taken_back = false;
	if (taken_back && stream_last_ts(rt) == e->closed_start_ns) {
		pr_info("module %s: epoch %llu was stored before a restart",
			rt->mod->name, (unsigned long long)e->closed_epoch);
		return drain_discard(mon->dp, rt, half);
	}
	return drain_epoch(mon->dp, rt, half, e->closed_epoch,
			   e->closed_start_ns, e->closed_end_ns);
}

/*
 * como.ko no longer runs a module it ran (its capture released, or
 * como.ko unloaded): comod's clock takes the module over. The other half
 * may hold an epoch the clock closed and nobody drained: it is stored,
 * labelled as the interval before the open one.
 */
static int kclock_lost(struct monitor *mon, struct modrt *rt)
{
	uint64_t ivl = rt->mod->interval_ns;
	struct como_ctl ctl = datapath_ctl(mon->dp, rt);

	rt->registered = false;
	rt->taken_back = false;
	pr_warn("module %s: como.ko no longer runs it; comod's clock does",
		rt->mod->name);
	return drain_epoch(mon->dp, rt, (ctl.half & 1) ^ 1,
			   ctl.epoch ? ctl.epoch - 1 : 0,
			   rt->epoch_start > ivl ? rt->epoch_start - ivl : 0,
			   rt->epoch_start);
}

int kclock_gone(struct monitor *mon)
{
	unsigned int i;
	int err = 0;

	pr_warn("como.ko is gone: comod runs the epoch clock");
	for (i = 0; i < mon->n && !err; i++)
		if (mon->mods[i]->registered)
			err = kclock_lost(mon, mon->mods[i]);
	kmod_close(mon->kmod);
	mon->kmod = NULL;
	return err;
}

static bool listed(const struct kmod_epochs *v, unsigned int n,
		   const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return true;
	return false;
}

int kclock_drain(struct monitor *mon)
{
	struct kmod_epochs *v;
	struct modrt *rt;
	unsigned int i, n;
	int err;

	err = kmod_modules(mon->kmod, &v, &n);
	if (err)
		return err;
	for (i = 0; i < mon->n && !err; i++) {
		rt = mon->mods[i];
		if (rt->registered && !listed(v, n, rt->mod->name))
			err = kclock_lost(mon, rt);
	}
	for (i = 0; i < n && !err; i++) {
		rt = module_named(mon, v[i].name);
		if (!rt || !rt->registered)
			continue;
		if (v[i].closed) {
			err = drain_closed(mon, rt, &v[i]);
			if (!err)
				err = kmod_drained(mon->kmod, rt->mod->name,
						   v[i].closed_epoch);
		}
		follow(rt, &v[i]);
	}
	free(v);
	return err;
}

int kclock_release(struct monitor *mon, struct modrt *rt)
{
	struct kmod_epochs last;
	int err;

	if (!rt->registered)
		return 0;
	err = kmod_unregister(mon->kmod, rt->mod->name, &last);
	if (err == -ENOENT)
		return kclock_lost(mon, rt);
	if (err)
		return err;	/* como.ko still runs it */
	rt->registered = false;
	rt->taken_back = false;
	if (last.closed) {
		err = drain_closed(mon, rt, &last);
		if (err)
			return err;
	}
	follow(rt, &last);
	return 0;
}

int kclock_stop(struct monitor *mon)
{
	unsigned int i;
	int err = 0, e;

	for (i = 0; i < mon->n; i++) {
		e = kclock_release(mon, mon->mods[i]);
		err = err ?: e;
	}
	/* what could not be taken back stays where it is, for the next start */
	if (err) {
		pr_warn("como.ko keeps the capture: the next comod on %s takes "
			"it back", mon->datadir);
		return err;
	}
	e = kmod_capture_del(mon->kmod);
	return e == -ENOENT ? 0 : e;
}
