// SPDX-License-Identifier: GPL-2.0
/*
 * The overload guard, CoMo's load shedder moved into the kernel so that
 * it works while comod is starved or stopped. Each tick it weighs what
 * the modules' programs cost (como_stats[1 + slot].run_ns, measured by
 * the programs themselves) against the CPU budget:
 *
 * - over the budget, the least important module that can still be
 *   sampled more (priority first, then the one that would cost most
 *   taking every packet) keeps half as
 *   many packets as before, never fewer than the rate it accepts; when
 *   none can, the least important one that cannot be sampled is stopped;
 * - under half the budget, the most important sampled module gets twice
 *   as many packets back. One step a tick, so the load settles.
 *
 * Overload begins on the first tick over the budget and ends on the first
 * tick back under it; both are events. A module the guard stopped stays
 * stopped until someone enables it again (comoctl module set NAME enable).
 *
 * Sampling is by flow (module.bpf.h), so a flow is kept or dropped whole.
 */
#include <linux/math64.h>
#include "como.h"

bool como_overload;
u32 como_load_pm;

static void module_costs(void)
{
	struct como_stats st;
	struct como_module *m;

	list_for_each_entry(m, &como_modules, node) {
		if (como_module_stats(m, &st)) {
			m->cost_ns = 0;
			continue;
		}
		m->cost_ns = st.run_ns >= m->run_ns_seen ?
			     st.run_ns - m->run_ns_seen : 0;
		m->run_ns_seen = st.run_ns;
	}
}

/*
 * What a module would cost taking every packet: its cost over the last
 * tick times its sampling rate. Of two modules of one priority, the one
 * that would cost more is the one to shed.
 */
static u64 full_cost(const struct como_module *m)
{
	struct como_ctl *ctl = como_ctl_of(m->slot);
	u32 n = ctl ? READ_ONCE(ctl->sampling) ?: 1 : 1;

	return m->cost_ns * n;
}

/* Less important: a lower priority (higher is shed last), then costlier. */
static bool less_important(const struct como_module *a,
			   const struct como_module *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return full_cost(a) > full_cost(b);
}

static void shed(void)
{
	struct como_module *m, *pick = NULL, *victim = NULL;
	struct como_ctl *ctl;
	u32 n;

	list_for_each_entry(m, &como_modules, node) {
		ctl = como_ctl_of(m->slot);
		if (!ctl || !READ_ONCE(ctl->enabled))
			continue;
		n = READ_ONCE(ctl->sampling) ?: 1;
		if (n < m->min_sampling) {
			if (!pick || less_important(m, pick))
				pick = m;
		} else if (!victim || less_important(m, victim)) {
			victim = m;
		}
	}
	if (pick) {
		ctl = como_ctl_of(pick->slot);
		n = READ_ONCE(ctl->sampling) ?: 1;
		n = min_t(u32, n * 2, pick->min_sampling);
		WRITE_ONCE(ctl->sampling, n);
		como_event_sampled(pick, n);
	} else if (victim && victim->cost_ns) {
		ctl = como_ctl_of(victim->slot);
		WRITE_ONCE(ctl->enabled, 0);
		victim->stopped_by_guard = true;
		como_event_stopped(victim, "over the CPU budget at its lowest "
				   "sampling rate");
	}
}

static void recover(void)
{
	struct como_module *m, *pick = NULL;
	struct como_ctl *ctl;
	u32 n;

	list_for_each_entry(m, &como_modules, node) {
		ctl = como_ctl_of(m->slot);
		if (!ctl || !READ_ONCE(ctl->enabled) || READ_ONCE(ctl->sampling) <= 1)
			continue;
		if (!pick || less_important(pick, m))
			pick = m;
	}
	if (!pick)
		return;
	ctl = como_ctl_of(pick->slot);
	n = READ_ONCE(ctl->sampling) / 2 ?: 1;
	WRITE_ONCE(ctl->sampling, n);
	como_event_sampled(pick, n);
}

void como_guard_tick(u64 elapsed_ns)
{
	struct como_module *m;
	u64 total = 0;
	u32 budget = READ_ONCE(como_cfg.cpu_budget_pm);

	module_costs();
	list_for_each_entry(m, &como_modules, node)
		total += m->cost_ns;
	como_load_pm = (u32)min_t(u64, div64_u64(total * 1000, elapsed_ns),
				  U32_MAX);
	if (!budget)
		return;
	if (como_load_pm > budget) {
		if (!como_overload) {
			como_overload = true;
			como_event_overload(true, como_load_pm);
		}
		shed();
		return;
	}
	if (como_overload) {
		como_overload = false;
		como_event_overload(false, como_load_pm);
	}
	if (como_load_pm < budget / 2)
		recover();
}
