// SPDX-License-Identifier: GPL-2.0
/*
 * The overload guard in the kernel, so that shedding works while comod
 * is starved or stopped. The rule is include/como/guard.h's, shared with
 * comod's own guard; here it reads each module's cost from como_stats,
 * writes the sampling rates and stops into the control map, and says so
 * in events.
 */
#include <como/guard.h>
#include "como.h"

bool como_overload;
u32 como_load_pm;

/* Cost since the last tick, from the run time the programs add up. */
static u64 module_cost(struct como_module *m)
{
	struct como_stats st;
	u64 cost;

	if (como_module_stats(m, &st))
		return 0;
	cost = st.run_ns >= m->run_ns_seen ? st.run_ns - m->run_ns_seen : 0;
	m->run_ns_seen = st.run_ns;
	return cost;
}

void como_guard_tick(u64 elapsed_ns)
{
	/* under como_lock; slots are unique, so there are at most this many */
	static struct como_guard_mod g[COMO_MAX_SLOTS];
	/* ticks over the budget in a row (include/como/guard.h) */
	static int over_ticks;
	struct como_module *m, *changed = NULL;
	struct como_guard_step st;
	struct como_ctl *ctl;
	unsigned int i = 0;
	int overload = over_ticks;

	list_for_each_entry(m, &como_modules, node) {
		if (i == COMO_MAX_SLOTS)
			break;
		ctl = como_ctl_of(m->slot);
		m->cost_ns = module_cost(m);
		g[i] = (struct como_guard_mod){
			.priority = m->priority,
			.min_sampling = m->min_sampling,
			.sampling = ctl ? READ_ONCE(ctl->sampling) ?: 1 : 1,
			.enabled = ctl ? READ_ONCE(ctl->enabled) : 0,
			.cost_ns = m->cost_ns,
		};
		i++;
	}
	st = como_guard_decide(g, i, elapsed_ns, READ_ONCE(como_cfg.cpu_budget_pm),
			       &overload);
	como_load_pm = st.load_pm;
	over_ticks = overload;
	if (st.overload_changed) {
		como_overload = overload > 0;
		como_event_overload(overload > 0, st.load_pm);
	}
	if (st.which < 0)
		return;
	i = 0;
	list_for_each_entry(m, &como_modules, node) {
		if (i++ == (unsigned int)st.which) {
			changed = m;
			break;
		}
	}
	ctl = changed ? como_ctl_of(changed->slot) : NULL;
	if (ctl && st.action == COMO_GUARD_SAMPLED) {
		WRITE_ONCE(ctl->sampling, g[st.which].sampling);
		como_ctl_sampled_mark(ctl);
		como_event_sampled(changed, g[st.which].sampling, st.load_pm);
	} else if (ctl && st.action == COMO_GUARD_STOPPED) {
		WRITE_ONCE(ctl->enabled, 0);
		como_ctl_sampled_mark(ctl);
		changed->stopped_by_guard = true;
		como_event_stopped(changed, "over the CPU budget at its lowest "
				   "sampling rate", st.load_pm);
	}
}
