// SPDX-License-Identifier: BSD-3-Clause
/*
 * comod's overload guard: each tick, the modules' cost (the run time their
 * programs add up in como_stats) against the CPU budget, and the sampling
 * rates or stops that include/como/guard.h decides, written into the
 * control map. como.ko runs the same rule in the kernel when it is loaded,
 * and then this one stays idle.
 *
 * Part of comod: ticked by the live loop, set by the control socket;
 * calls the data path and events.c.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <como/guard.h>
#include <linux/como.h>
#include "datapath.h"
#include "events.h"
#include "guard.h"
#include "log.h"

uint64_t guard_next(const struct guard *g)
{
	return g->budget_pm ? g->last_ns + g->tick_ns : UINT64_MAX;
}

void guard_tick(struct guard *g, struct monitor *mon, uint64_t now)
{
	struct como_guard_mod m[COMO_CHAIN_MAX] = {};
	struct como_guard_step st;
	struct como_stats s;
	struct como_ctl ctl;
	struct timespec ts;
	struct modrt *rt;
	uint64_t mono;
	unsigned int i;

	for (i = 0; i < mon->n && i < COMO_CHAIN_MAX; i++) {
		rt = mon->mods[i];
		if (datapath_stats(mon->dp, rt->slot + 1, &s))
			memset(&s, 0, sizeof(s));
		ctl = datapath_ctl(mon->dp, rt);
		m[i] = (struct como_guard_mod){
			.priority = rt->priority,
			.min_sampling = rt->mod->desc->max_sampling ?: 1,
			.sampling = ctl.sampling ?: 1,
			.enabled = ctl.enabled,
			.cost_ns = s.run_ns >= g->seen[rt->slot] ?
				   s.run_ns - g->seen[rt->slot] : 0,
		};
		g->seen[rt->slot] = s.run_ns;
	}
	/* a tick's length on the monotonic clock: the wall clock may step */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	mono = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	st = como_guard_decide(m, i, g->last_ns && g->last_mono_ns ?
			       mono - g->last_mono_ns : 0, g->budget_pm,
			       &g->overload);
	g->last_ns = now;
	g->last_mono_ns = mono;
	g->load_pm = st.load_pm;
	if (st.overload_changed) {
		pr_notice("overload %s: modules use %u.%u%% of a CPU, the budget "
			  "is %u.%u%%", g->overload ? "begun" : "ended",
			  st.load_pm / 10, st.load_pm % 10, g->budget_pm / 10,
			  g->budget_pm % 10);
		events_overload(g->overload > 0, st.load_pm);
	}
	if (st.action == COMO_GUARD_NONE)
		return;
	rt = mon->mods[st.which];
	datapath_set_sampling(mon->dp, rt, m[st.which].sampling,
			      m[st.which].enabled);
	if (st.action == COMO_GUARD_SAMPLED) {
		pr_info("module %s: sampled 1 in %u", rt->mod->name,
			m[st.which].sampling);
		events_module(COMO_CMD_EVENT_MODULE_SAMPLED, rt->mod->name,
			      m[st.which].sampling, m[st.which].cost_ns, NULL,
			      st.load_pm);
	} else {
		pr_warn("module %s stopped: over the CPU budget at its lowest "
			"sampling rate", rt->mod->name);
		events_module(COMO_CMD_EVENT_MODULE_STOPPED, rt->mod->name, 0,
			      m[st.which].cost_ns, "over the CPU budget at its "
			      "lowest sampling rate", st.load_pm);
	}
}
