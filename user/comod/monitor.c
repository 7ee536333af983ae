// SPDX-License-Identifier: BSD-3-Clause
/*
 * The module set: modules loaded and unloaded while the monitor runs.
 *
 * Loading verifies the module, opens its stream, then puts it at the end
 * of the chain: until the last step nothing the running chain uses has
 * changed, so a refused module changes nothing. Unloading takes it out of
 * the chain, waits an RCU grace period (no packet can still be on its way
 * through it), then closes its last epoch and stores it. The other
 * modules' state, halves and epochs are never touched: only the chain's
 * order ('next') changes.
 *
 * Part of comod: called by the control socket; calls the clocks (clock.c,
 * kclock.c), keep.c (the description como.ko holds), filters, export,
 * the stream and the data path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "config.h"
#include "datapath.h"
#include "drain.h"
#include "export.h"
#include "filter.h"
#include "kclock.h"
#include "keep.h"
#include "log.h"
#include "monitor.h"
#include "names.h"
#include "push.h"
#include "stream.h"
#include "units.h"

struct modrt *monitor_find(struct monitor *mon, const char *name)
{
	unsigned int i, j;

	for (i = 0; i < mon->n; i++) {
		struct modrt *rt = mon->mods[i];

		if (!strcmp(rt->mod->name, name))
			return rt;
		for (j = 0; j < rt->nalso; j++)
			if (!strcmp(rt->also[j].name, name))
				return rt;
	}
	return NULL;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

struct modrt *monitor_same(struct monitor *mon, const struct como_mod *m)
{
	unsigned int i;

	for (i = 0; i < mon->n; i++) {
		const struct como_mod *o = mon->mods[i]->mod;

		if (!strcmp(o->path, m->path) && same_str(o->args, m->args) &&
		    same_str(o->filter, m->filter))
			return mon->mods[i];
	}
	return NULL;
}

/* NAME asks for what RT runs already: RT's records go to NAME's stream too. */
static int load_as_name(struct monitor *mon, struct modrt *rt,
			const char *name)
{
	int err;

	err = stream_add_name(rt, name);
	if (!err)
		err = stream_open(rt, mon->datadir, mon->kind, mon->source);
	/* its stream refused (and said why): the name was dropped */
	if (!err && monitor_find(mon, name) != rt)
		err = -EIO;
	if (err)
		return err;
	pr_notice("module %s runs already with the same filter and arguments "
		  "as %s: it runs once, and %s reads its records too", name,
		  rt->mod->name, name);
	if (mon->kmod && monitor_hand_over(mon))
		pr_warn("como.ko holds an older description of the capture");
	return 0;
}

int monitor_hand_over(struct monitor *mon)
{
	int err;

	err = keep_hand_over(mon->kmod, mon, mon->live, mon->source);
	return err ?: kclock_register(mon);
}

static void modrt_free(struct modrt *rt)
{
	export_stop(rt);
	push_free(rt);
	stream_close(rt);
	datapath_unload(rt);
	drain_free(rt);
	mod_close(rt->mod);
	free(rt);
}

/* A stage the chain no longer runs: its slot emptied, its program closed. */
static void stage_retire(struct monitor *mon, struct filter_stage *fs)
{
	if (fs->prog_fd < 0)
		return;
	datapath_unslot(mon->dp, fs->slot);
	filters_free_one(fs);
}

int monitor_load(struct monitor *mon, const char *source, const char *name,
		 const char *args, const char *filter)
{
	struct filter_stage old = { .prog_fd = -1 }, *saved = NULL;
	unsigned int nfs = mon->nfs;
	struct como_modcfg mc;
	struct modrt *rt;
	char why[256];
	int slot, err;

	/* whatever the client checked: the name becomes a path here */
	if (name && como_name_check(name, why, sizeof(why))) {
		pr_err("%s", why);
		return -EINVAL;
	}
	if (mon->n + mon->nfs >= COMO_CHAIN_MAX) {
		pr_err("the chain is full: at most %d modules and filters "
		       "(the kernel allows 33 tail calls in a row)", COMO_CHAIN_MAX);
		return -E2BIG;
	}
	slot = slot_pick(slots_used(mon->fs, mon->nfs, mon->mods, mon->n), false);
	if (slot < 0) {
		pr_err("no free module slot");
		return -ENOSPC;
	}
	/* retain= and send-* are the stream's, as on the command line */
	err = config_mod_args(&mc, name ?: source, args);
	if (err)
		return err;
	rt = calloc(1, sizeof(*rt));
	if (!rt) {
		config_mod_free(&mc);
		return -ENOMEM;
	}
	rt->half_fd[0] = rt->half_fd[1] = -1;
	rt->slot = slot;
	rt->streamsize = mc.streamsize;
	rt->retain_ns = mc.retain_ns;
	err = mod_open(&rt->mod, name, source, mc.args, filter);
	if (err)
		goto err_free;
	/* a name taken from the module's file is a name like any other */
	if (como_name_check(rt->mod->name, why, sizeof(why))) {
		pr_err("%s", why);
		err = -EINVAL;
		goto err_free;
	}
	if (monitor_find(mon, rt->mod->name)) {
		pr_err("module %s is loaded already; give another name",
		       rt->mod->name);
		err = -EEXIST;
		goto err_free;
	}
	rt->priority = rt->mod->desc->priority;
	err = mod_init(rt->mod);
	if (err)
		goto err_free;
	if (monitor_same(mon, rt->mod)) {
		struct modrt *same = monitor_same(mon, rt->mod);

		err = load_as_name(mon, same, rt->mod->name);
		if (!err && mc.send_to)
			err = push_add(same, rt->mod->name, mc.send_to,
				       mc.send_queue, mc.send_drain_ns);
		modrt_free(rt);
		config_mod_free(&mc);
		return err;
	}
	err = datapath_add(mon->dp, rt);
	if (!err)
		err = stream_open(rt, mon->datadir, mon->kind, mon->source);
	if (!err)
		err = export_start(rt);
	if (!err && mc.send_to)
		err = push_add(rt, rt->mod->name, mc.send_to, mc.send_queue,
			       mc.send_drain_ns);
	if (err)
		goto err_free;
	if (rt->mod->filter) {
		/* the stage array changes in place: keep what the chain runs */
		saved = malloc(COMO_CHAIN_MAX * sizeof(*saved));
		if (!saved) {
			err = -ENOMEM;
			goto err_free;
		}
		memcpy(saved, mon->fs, COMO_CHAIN_MAX * sizeof(*saved));
		err = filters_join(mon->dp, mon->fs, &mon->nfs, mon->mods,
				   mon->n, rt, mon->dlt, &old);
		if (err)
			goto err_stages;
	}
	clock_open(rt, wall_ns());
	stream_started(rt, rt->epoch_start);
	mon->mods[mon->n++] = rt;
	err = datapath_link(mon->dp, mon->fs, mon->nfs, mon->mods, mon->n);
	if (err) {
		pr_err("cannot link module %s: %s", rt->mod->name, strerror(-err));
		free(saved);
		config_mod_free(&mc);
		return err;
	}
	/* a stage made anew for this module replaced the old one: let it go */
	if (old.prog_fd >= 0 && !datapath_grace_period(rt, 0))
		stage_retire(mon, &old);
	free(saved);
	config_mod_free(&mc);
	pr_notice("module %s loaded in slot %d", rt->mod->name, slot);
	/* como.ko holds it too from now on, and runs its clock */
	if (mon->kmod && monitor_hand_over(mon))
		pr_warn("module %s runs on comod's clock: como.ko refused it",
			rt->mod->name);
	return 0;

err_stages:
	memcpy(mon->fs, saved, COMO_CHAIN_MAX * sizeof(*saved));
	mon->nfs = nfs;
	free(saved);
err_free:
	modrt_free(rt);
	config_mod_free(&mc);
	return err;
}

/* The stage that served only RT goes with it; returns its index or -1. */
static int stage_of(struct monitor *mon, const struct modrt *rt)
{
	unsigned int j;

	for (j = 0; j < mon->nfs; j++)
		if (mon->fs[j].mask == 1ULL << rt->slot)
			return j;
	return -1;
}

/*
 * NAME lets go of RT, which goes on under its other names. como.ko knows
 * a module by its first name: when that one goes, it is registered anew.
 */
static int unload_name(struct monitor *mon, struct modrt *rt,
		       const char *name)
{
	bool first = !strcmp(rt->mod->name, name);
	int err;

	err = first && mon->kmod ? kclock_release(mon, rt) : 0;
	if (err)
		return err;
	/* the name goes even when its stream's end cannot be written */
	err = stream_finish_name(rt, name, mon->kind, mon->source);
	if (!err)
		pr_notice("module %s unloaded; it goes on as %s", name,
			  rt->mod->name);
	/* como.ko gets it back, under its first name now */
	if (mon->kmod && monitor_hand_over(mon))
		pr_warn("como.ko holds an older description of the capture");
	return err;
}

int monitor_unload(struct monitor *mon, const char *name)
{
	struct filter_stage fs = { .prog_fd = -1 };
	struct modrt *rt = monitor_find(mon, name);
	unsigned int i;
	int err, stage;

	if (!rt) {
		pr_err("no module '%s' is loaded", name);
		return -ENOENT;
	}
	if (rt->nalso)
		return unload_name(mon, rt, name);
	/* back on comod's clock, with what como.ko's closed last drained */
	err = mon->kmod ? kclock_release(mon, rt) : 0;
	if (err)
		return err;
	for (i = 0; mon->mods[i] != rt; i++)
		;
	memmove(&mon->mods[i], &mon->mods[i + 1],
		(mon->n - i - 1) * sizeof(mon->mods[0]));
	mon->n--;
	stage = stage_of(mon, rt);
	if (stage >= 0) {
		fs = mon->fs[stage];
		memmove(&mon->fs[stage], &mon->fs[stage + 1],
			(mon->nfs - stage - 1) * sizeof(fs));
		mon->nfs--;
	}
	err = datapath_link(mon->dp, mon->fs, mon->nfs, mon->mods, mon->n);
	if (!err)
		err = datapath_grace_period(rt, datapath_ctl(mon->dp, rt).half);
	if (err) {
		pr_err("cannot take module %s out of the chain: %s", name,
		       strerror(-err));
		return err;
	}
	datapath_unslot(mon->dp, rt->slot);
	stage_retire(mon, &fs);
	err = clock_close(mon, rt, wall_ns());
	stream_covered(rt, 0, wall_ns());
	if (stream_finish(rt, mon->kind, mon->source, 0, NULL) && !err)
		err = -EIO;
	pr_notice("module %s unloaded", name);
	modrt_free(rt);
	/* como.ko lets go of it too */
	if (mon->kmod && monitor_hand_over(mon))
		pr_warn("como.ko still holds module %s's objects", name);
	return err;
}
