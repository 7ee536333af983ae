// SPDX-License-Identifier: BSD-3-Clause
/*
 * Where a run's capture comes from. A trace run, or a live run with
 * nothing kept, makes it anew: the dispatcher, each module asked for, its
 * stream, export, the filter stages, the chain. A live run on a data
 * directory whose capture a comod before this one left running (como.ko
 * holds it after a crash, or -K pinned it) takes that one back instead,
 * with the modules it ran.
 *
 * Part of comod: called by main.c; calls keep.c, kclock.c, the trace
 * source, filters, export, the stream and the data path.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "batchrun.h"
#include "datapath.h"
#include "drain.h"
#include "export.h"
#include "filter.h"
#include "kclock.h"
#include "keep.h"
#include "kmod.h"
#include "live.h"
#include "log.h"
#include "monitor.h"
#include "push.h"
#include "start.h"
#include "stream.h"
#include "trace.h"

#define DLT_EN10MB_VALUE	1	/* live capture: Ethernet */

/* MC's send-to, for RT's records under MC's name */
static int send_to(struct modrt *rt, const struct como_modcfg *mc)
{
	if (!mc->send_to)
		return 0;
	return push_add(rt, mc->name, mc->send_to, mc->send_queue,
			mc->send_drain_ns);
}

static int open_module(struct monitor *mon, const struct como_modcfg *mc)
{
	struct modrt *rt, *same;
	int err;

	if (monitor_find(mon, mc->name)) {
		pr_err("%s: module instance '%s' given twice; name the second "
		       "one differently", mc->origin, mc->name);
		return -EINVAL;
	}
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	rt->slot = mon->n;
	rt->half_fd[0] = rt->half_fd[1] = -1;
	rt->streamsize = mc->streamsize;
	rt->retain_ns = mc->retain_ns;
	err = mod_open(&rt->mod, mc->name, mc->source, mc->args, mc->filter);
	if (!err)
		err = mod_init(rt->mod);
	same = err ? NULL : monitor_same(mon, rt->mod);
	if (!err && !same) {
		rt->priority = rt->mod->desc->priority;
		mon->mods[mon->n++] = rt;
		return send_to(rt, mc);
	}
	mod_close(rt->mod);
	free(rt);
	if (err)
		return err;
	/* asked for twice, run once: both names read its records */
	pr_notice("%s: module %s runs with the same filter and arguments as "
		  "%s: it runs once, and both names read its records",
		  mc->origin, mc->name, same->mod->name);
	return stream_add_name(same, mc->name) ?: send_to(same, mc);
}

static int open_modules(struct monitor *mon, const struct como_config *cfg)
{
	unsigned int i;
	int err = 0;

	if (cfg->nmods > COMO_CHAIN_MAX) {
		pr_err("%u modules: at most %d run together (the kernel allows "
		       "33 tail calls in a row)", cfg->nmods, COMO_CHAIN_MAX);
		return -E2BIG;
	}
	for (i = 0; !err && i < cfg->nmods; i++)
		err = open_module(mon, &cfg->mods[i]);
	return err;
}

/*
 * The modules' programs are loaded on every CPU allowed at once: most of
 * a load is the verifier's work, and each module's is its own (the
 * messages of a refusal are the loading thread's: log.c).
 */
struct mod_loading {
	struct monitor *mon;
	pthread_mutex_t lock;
	unsigned int next;
	unsigned int order[COMO_CHAIN_MAX];	/* the largest programs first */
	int err;
};

static size_t mod_elf_size(const struct modrt *rt)
{
	size_t size = 0;

	rt->mod->desc->bpf_elf(&size);
	return size;
}

/* Largest first: the longest verification does not start last. */
static void mods_order(struct mod_loading *ml)
{
	struct modrt *const *m = ml->mon->mods;
	unsigned int i, j, t;

	for (i = 0; i < ml->mon->n; i++)
		ml->order[i] = i;
	for (i = 1; i < ml->mon->n; i++)
		for (j = i; j > 0 && mod_elf_size(m[ml->order[j - 1]]) <
				    mod_elf_size(m[ml->order[j]]); j--) {
			t = ml->order[j];
			ml->order[j] = ml->order[j - 1];
			ml->order[j - 1] = t;
		}
}

static void *mods_load(void *arg)
{
	struct mod_loading *ml = arg;
	unsigned int i;
	int err;

	for (;;) {
		pthread_mutex_lock(&ml->lock);
		i = ml->next++;
		err = ml->err;
		pthread_mutex_unlock(&ml->lock);
		if (err || i >= ml->mon->n)
			return NULL;
		err = datapath_add(ml->mon->dp, ml->mon->mods[ml->order[i]]);
		if (err) {
			pthread_mutex_lock(&ml->lock);
			ml->err = ml->err ?: err;
			pthread_mutex_unlock(&ml->lock);
		}
	}
}

static int mods_add(struct monitor *mon)
{
	struct mod_loading ml = { .mon = mon };
	unsigned int n = batchrun_cpus_allowed(), i, started = 0;
	pthread_t th[7];

	if (n > mon->n)
		n = mon->n;
	if (n > 1 + sizeof(th) / sizeof(th[0]))
		n = 1 + sizeof(th) / sizeof(th[0]);
	mods_order(&ml);
	pthread_mutex_init(&ml.lock, NULL);
	for (i = 0; i + 1 < n; i++)
		if (!pthread_create(&th[started], NULL, mods_load, &ml))
			started++;
	mods_load(&ml);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&ml.lock);
	return ml.err;
}

/* The modules opened, loaded, each with its stream, then the chain. */
static int start_chain(struct monitor *mon)
{
	unsigned int i;
	int err;

	err = datapath_open(mon->dp);
	if (!err)
		err = mods_add(mon);
	/* a filter refused before any stream is touched */
	if (!err)
		err = filters_build(mon->dp, mon->mods, mon->n, mon->dlt,
				    &mon->fs, &mon->nfs);
	for (i = 0; !err && i < mon->n; i++)
		err = stream_open(mon->mods[i], mon->datadir, mon->kind,
				  mon->source);
	for (i = 0; !err && i < mon->n; i++)
		err = export_start(mon->mods[i]);
	if (err)
		return err;
	err = datapath_link(mon->dp, mon->fs, mon->nfs, mon->mods, mon->n);
	if (err)
		pr_err("cannot link the modules to the dispatcher: %s",
		       strerror(-err));
	return err;
}

/* A kept capture runs the modules it ran: say so when others were asked. */
static void kept_notice(bool asked)
{
	if (asked)
		pr_warn("the kept capture goes on with the modules it ran; the "
			"modules asked for here are not loaded (como module "
			"load adds one)");
}

/*
 * The capture a comod before this one left running: como.ko's (HELD),
 * or pinned in bpffs.
 */
static int start_kept(struct monitor *mon, bool held, bool asked)
{
	int err;

	mon->fs = calloc(COMO_CHAIN_MAX, sizeof(*mon->fs));
	if (!mon->fs)
		return -ENOMEM;
	if (held) {
		err = keep_take_back(mon->kmod, mon, &mon->live, mon->source);
		if (!err)
			err = kclock_adopt(mon);
	} else {
		err = keep_restore(mon, &mon->live, mon->source);
	}
	if (!err)
		kept_notice(asked);
	return err;
}

/*
 * como.ko, when it is loaded: 1 when it holds this data directory's
 * capture. One capture per como.ko: another's leaves this comod on its
 * own clock and guard.
 */
static int kmod_start(struct monitor *mon)
{
	int err = kmod_open(&mon->kmod);

	if (err == -ENOENT) {
		pr_info("como.ko is not loaded: comod runs the epoch clock");
		return 0;
	}
	if (err)
		return err;
	err = keep_held(mon->kmod, mon->datadir);
	if (err == -EBUSY) {
		pr_warn("como.ko holds another data directory's capture: this "
			"comod runs its own clock and guard");
		kmod_close(mon->kmod);
		mon->kmod = NULL;
		return 0;
	}
	return err;
}

/*
 * A live capture kept running for this data directory (comod -K, or
 * como.ko after a comod died) goes on writing its streams: a trace's
 * records would land amid them, out of time order.
 */
static bool datadir_kept(const char *dir)
{
	struct kmod *k;
	bool kept = keep_present(dir);

	if (!kept && !kmod_open(&k)) {
		kept = keep_held(k, dir) == 1;
		kmod_close(k);
	}
	if (kept)
		pr_err("%s belongs to a live capture kept running: start comod "
		       "live on it to take it back, or use another data "
		       "directory", dir);
	return kept;
}

int start_capture(struct monitor *mon, const struct como_config *cfg,
		  bool asked, const char *trace_path, struct trace **trace)
{
	int held, err;

	mon->dlt = DLT_EN10MB_VALUE;
	if (trace_path) {
		if (datadir_kept(mon->datadir))
			return -EBUSY;
		err = open_modules(mon, cfg);
		if (!err)
			err = trace_open(trace, trace_path);
		if (err)
			return err;
		mon->dlt = trace_linktype(*trace);
		return start_chain(mon);
	}
	held = kmod_start(mon);
	if (held < 0)
		return held;
	if (held || keep_present(mon->datadir))
		return start_kept(mon, held, asked);
	return open_modules(mon, cfg) ?: start_chain(mon);
}

void start_undo(struct monitor *mon)
{
	unsigned int i;

	for (i = 0; i < mon->n; i++)
		export_stop(mon->mods[i]);
	for (i = 0; i < mon->n; i++)
		push_free(mon->mods[i]);
	for (i = 0; i < mon->n; i++)
		if (mon->mods[i]->st.store)
			stream_close(mon->mods[i]);
	if (mon->fs)
		filters_free(mon->fs, mon->nfs);
	mon->fs = NULL;
	for (i = 0; i < mon->n; i++) {
		datapath_unload(mon->mods[i]);
		drain_free(mon->mods[i]);
	}
	datapath_close(mon->dp);
	kmod_close(mon->kmod);
	mon->kmod = NULL;
	for (i = 0; i < mon->n; i++) {
		mod_close(mon->mods[i]->mod);
		free(mon->mods[i]);
	}
	mon->n = 0;
}
