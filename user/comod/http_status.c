// SPDX-License-Identifier: BSD-3-Clause
/*
 * What comod tells its HTTP server when asked (http.h): the monitor's
 * figures as one JSON document, read in comod's own loop, so that the
 * server never reads comod's state while comod changes it. The server
 * turns it into /api/v1/status, /api/v1/modules' live fields and
 * /metrics.
 *
 * Part of comod: called by loop.c through http.c; reads the module set,
 * the data path's statistics and the guard, writes nothing.
 */
#include <time.h>
#include "datapath.h"
#include "guard.h"
#include "http.h"
#include "jsonutil.h"
#include "push.h"

static void add_stats(struct json_object *o, const struct como_stats *st)
{
	json_add_u64(o, "packets", st->pkts);
	json_add_u64(o, "bytes", st->bytes);
	json_add_u64(o, "updates", st->updates);
	json_add_u64(o, "errors", st->errors);
	json_add_u64(o, "run_ns", st->run_ns);
	/* cumulative by state half: both halves, all the run */
	json_add_u64(o, "sampled_out", st->sampled[0] + st->sampled[1]);
}

/* RT as it answers to its WHICH-th name (0: its own), as ctl.c shows it. */
static struct json_object *module_json(struct monitor *mon, struct modrt *rt,
				       unsigned int which)
{
	const struct stream *sto = which ? &rt->also[which - 1].st : &rt->st;
	struct como_ctl ctl = datapath_ctl(mon->dp, rt);
	struct json_object *o = json_object_new_object();
	struct como_stats st = {};

	datapath_stats(mon->dp, rt->slot + 1, &st);
	json_add_str(o, "name", which ? rt->also[which - 1].name : rt->mod->name);
	json_add_str(o, "source", rt->mod->path);
	json_add_str(o, "args", rt->mod->args ?: "");
	json_add_str(o, "filter", rt->mod->filter ?: "all");
	json_add_u64(o, "slot", rt->slot);
	json_add_str(o, "state", rt->stopped[0] ? "stopped" : "running");
	if (rt->stopped[0])
		json_add_str(o, "reason", rt->stopped);
	json_add_u64(o, "epoch", ctl.epoch);
	json_add_u64(o, "interval_ns", rt->mod->interval_ns);
	json_add_u64(o, "sampling", ctl.sampling ?: 1);
	json_object_object_add(o, "enabled", json_object_new_boolean(ctl.enabled));
	json_add_u64(o, "priority", rt->priority);
	json_object_object_add(o, "kernel_clock",
			       json_object_new_boolean(modrt_kernel_clock(rt)));
	add_stats(o, &st);
	json_add_u64(o, "records", sto->records);
	json_add_u64(o, "records_lost", sto->lost);
	/* as its intervals were marked: a full table's, and sampling's */
	json_add_u64(o, "packets_uncounted",
		     sto->overflow ? json_u64(sto->overflow, "packets") : 0);
	json_add_u64(o, "epochs_lost", rt->lost_epochs);
	json_add_u64(o, "export_errors", rt->errors);
	json_add_u64(o, "streamsize", rt->streamsize);
	/* the instance's receivers, on its own name */
	if (!which)
		push_json(rt, o);
	return o;
}

struct json_object *http_status_json(struct monitor *mon, const char *datadir)
{
	struct json_object *o = json_object_new_object(), *mods;
	struct como_stats st = {};
	unsigned int i, j;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	json_add_str(o, "datadir", datadir);
	if (!mon) {
		json_add_str(o, "source_kind", "none");
		return o;
	}
	datapath_stats(mon->dp, 0, &st);
	json_add_str(o, "source_kind", mon->kind);
	json_add_str(o, "source", mon->source);
	json_add_str(o, "clock", mon->kmod ? "como.ko" : "comod");
	json_add_u64(o, "uptime_ns", ts.tv_sec * 1000000000ULL + ts.tv_nsec -
		     mon->start_ns);
	add_stats(o, &st);
	json_add_u64(o, "non_ip", st.non_ip);
	json_add_u64(o, "truncated", st.trunc);
	if (mon->guard) {
		json_add_u64(o, "cpu_budget_pm", mon->guard->budget_pm);
		json_add_u64(o, "cpu_load_pm", mon->guard->load_pm);
		json_object_object_add(o, "overload",
				       json_object_new_boolean(mon->guard->overload));
	}
	mods = json_object_new_array();
	for (i = 0; i < mon->n; i++)
		for (j = 0; j <= mon->mods[i]->nalso; j++)
			json_object_array_add(mods, module_json(mon, mon->mods[i], j));
	json_object_object_add(o, "modules", mods);
	return o;
}
