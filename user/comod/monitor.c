// SPDX-License-Identifier: BSD-3-Clause
/*
 * Modules loaded and unloaded while the monitor runs.
 *
 * Loading verifies the module, opens its stream, then puts it at the end
 * of the chain: until the last step nothing the running chain uses has
 * changed, so a refused module changes nothing. Unloading takes it out of
 * the chain, waits an RCU grace period (no packet can still be on its way
 * through it), then closes its last epoch and stores it. The other
 * modules' state, halves and epochs are never touched: their control
 * entries are rewritten with the same values, only 'next' changes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kclock.h"
#include "log.h"
#include "units.h"
#include "monitor.h"

/*
 * A free slot: no module's, and no filter stage's bit (a stage keeps
 * setting the bits it was built with, so their slots are never reused).
 */
static int slot_free(struct monitor *mon, unsigned int slot)
{
	unsigned int i;

	for (i = 0; i < mon->n; i++)
		if (mon->mods[i].slot == slot)
			return 0;
	for (i = 0; i < mon->nfs; i++)
		if (mon->fs[i].slot == slot || mon->fs[i].mask & (1ULL << slot))
			return 0;
	return 1;
}

static int slot_alloc(struct monitor *mon, int top_down)
{
	int s;

	for (s = top_down ? COMO_MAX_SLOTS - 1 : 0;
	     s >= 0 && s < COMO_MAX_SLOTS; s += top_down ? -1 : 1)
		if (slot_free(mon, s))
			return s;
	return -1;
}

/* The kernel waits for an RCU grace period on a map-in-map update. */
static int grace_period(struct modrt *rt)
{
	__u32 h = rt->ctl.half & 1;

	return bpf_map_update_elem(rt->outer_fd, &h, &rt->half_fd[h], 0) ?
	       -errno : 0;
}

static void modrt_release(struct modrt *rt)
{
	if (rt->store)
		stream_close(rt);
	datapath_unload(rt);
	mod_close(rt->mod);
	memset(rt, 0, sizeof(*rt));
}

int monitor_load(struct monitor *mon, const char *source, const char *name,
		 const char *args, const char *filter)
{
	struct modrt *rt = &mon->mods[mon->n];
	struct filter_stage *fs = NULL;
	struct cbpf_insn *cb = NULL;
	unsigned int i, ncb;
	int slot, err;

	if (mon->n + mon->nfs + (filter ? 1 : 0) > COMO_CHAIN_MAX) {
		pr_err("the chain is full: at most %d modules and filters "
		       "(the kernel allows 33 tail calls in a row)", COMO_CHAIN_MAX);
		return -E2BIG;
	}
	slot = slot_alloc(mon, 0);
	if (slot < 0) {
		pr_err("no free module slot");
		return -ENOSPC;
	}
	memset(rt, 0, sizeof(*rt));
	rt->half_fd[0] = rt->half_fd[1] = -1;
	rt->slot = slot;
	err = mod_open(&rt->mod, name, source, args, filter);
	if (err)
		goto err_release;
	for (i = 0; i < mon->n; i++) {
		if (!strcmp(mon->mods[i].mod->name, rt->mod->name)) {
			pr_err("module %s is loaded already; give another name",
			       rt->mod->name);
			err = -EEXIST;
			goto err_release;
		}
	}
	rt->own_cfg.streamsize = COMO_DEFAULT_STREAMSIZE;
	rt->cfg = &rt->own_cfg;
	err = mod_init(rt->mod);
	if (!err)
		err = datapath_add(mon->dp, rt);
	if (!err)
		err = stream_open(rt, mon->datadir, mon->kind, mon->source);
	if (err)
		goto err_release;
	if (rt->mod->filter) {
		fs = &mon->fs[mon->nfs];
		*fs = (struct filter_stage){
			.expr = strdup(rt->mod->filter), .mask = 1ULL << slot,
			.slot = slot_alloc(mon, 1), .prog_fd = -1,
		};
		err = filter_compile(rt->mod->name, fs->expr, 1 /* Ethernet */,
				     &cb, &ncb);
		if (!err)
			err = filter_load(mon->dp, fs, cb, ncb);
		free(cb);
		if (err)
			goto err_filter;
		mon->nfs++;
	}
	epoch_open(rt, wall_ns());
	rt->first_ns = rt->epoch_start;
	mon->n++;
	err = datapath_link(mon->dp, mon->fs, mon->nfs, mon->mods, mon->n);
	if (err) {
		pr_err("cannot link module %s: %s", rt->mod->name, strerror(-err));
		return err;
	}
	pr_notice("module %s loaded in slot %d", rt->mod->name, slot);
	/* como.ko holds it too from now on, and runs its clock */
	if (mon->dp->kmod && kclock_hand_over(mon))
		pr_warn("module %s runs on comod's clock: como.ko refused it",
			rt->mod->name);
	return 0;

err_filter:
	filters_free_one(fs);
err_release:
	modrt_release(rt);
	return err;
}

int monitor_unload(struct monitor *mon, const char *name)
{
	struct modrt rt;
	unsigned int i, j;
	int err, stage = -1;

	for (i = 0; i < mon->n && strcmp(mon->mods[i].mod->name, name); i++)
		;
	if (i == mon->n) {
		pr_err("no module '%s' is loaded", name);
		return -ENOENT;
	}
	/* back on comod's clock, with what como.ko's closed last drained */
	err = kclock_release(mon, &mon->mods[i]);
	if (err)
		return err;
	rt = mon->mods[i];
	if (rt.cfg == &mon->mods[i].own_cfg)
		rt.cfg = &rt.own_cfg;
	memmove(&mon->mods[i], &mon->mods[i + 1],
		(mon->n - i - 1) * sizeof(rt));
	mon->n--;
	/* pointers into the array follow the entries that moved */
	for (j = i; j < mon->n; j++) {
		mon->mods[j].mod->core = &mon->mods[j];
		if (mon->mods[j].cfg == &mon->mods[j + 1].own_cfg)
			mon->mods[j].cfg = &mon->mods[j].own_cfg;
	}
	rt.mod->core = &rt;
	/* a stage that served only this module goes with it */
	for (j = 0; j < mon->nfs; j++)
		if (mon->fs[j].mask == 1ULL << rt.slot)
			stage = j;
	if (stage >= 0) {
		struct filter_stage fs = mon->fs[stage];

		memmove(&mon->fs[stage], &mon->fs[stage + 1],
			(mon->nfs - stage - 1) * sizeof(fs));
		mon->nfs--;
		mon->fs[mon->nfs] = fs;	/* freed once nothing runs it */
	}
	err = datapath_link(mon->dp, mon->fs, mon->nfs, mon->mods, mon->n);
	if (!err)
		err = grace_period(&rt);
	if (err) {
		pr_err("cannot take module %s out of the chain: %s", name,
		       strerror(-err));
		return err;
	}
	datapath_unslot(mon->dp, rt.slot);
	if (stage >= 0) {
		datapath_unslot(mon->dp, mon->fs[mon->nfs].slot);
		filters_free_one(&mon->fs[mon->nfs]);
	}
	err = epoch_close(mon->dp, &rt);
	rt.last_ns = wall_ns();
	if (stream_finish(&rt, mon->kind, mon->source, 0, NULL) && !err)
		err = -EIO;
	pr_notice("module %s unloaded", name);
	modrt_release(&rt);
	/* como.ko lets go of it too */
	if (mon->dp->kmod && kclock_hand_over(mon))
		pr_warn("como.ko still holds module %s's objects", name);
	return err;
}
