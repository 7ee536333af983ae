/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The overload guard's decision, one tick at a time: CoMo's load shedder.
 * como.ko runs it from its flush clock (kernel/guard.c), comod from its
 * own when como.ko is absent (user/comod/guard.c): one rule, two places.
 *
 * Each tick the modules' cost (ns spent in their programs since the last
 * tick, measured by the programs themselves) is weighed against the CPU
 * budget (thousandths of one CPU):
 * - over the budget, the least important module that can still be
 *   sampled more keeps half as many packets as before, never fewer than
 *   the rate it accepts; when none can, and the load has been over the
 *   budget COMO_GUARD_STOP_TICKS ticks in a row, the least important
 *   running module is stopped (a cost is measured on a sample of the
 *   packets: one tick's figure alone may be noise, and a stop is for
 *   good);
 * - under half the budget, the most important sampled module gets twice
 *   as many packets back.
 * One step a tick, so the load settles. "Less important": a lower
 * priority (higher is shed last), then the one that would cost most
 * taking every packet (cost times its sampling rate). Overload begins on
 * the first tick over the budget and ends on the first tick back under.
 * A module the guard stopped stays stopped until someone enables it.
 */
#ifndef _COMO_GUARD_H
#define _COMO_GUARD_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/math64.h>
#define como_div64(a, b)	div64_u64(a, b)
#else
#define como_div64(a, b)	((a) / (b))
#endif

#define COMO_GUARD_STOP_TICKS	3

struct como_guard_mod {
	__u32 priority;
	__u32 min_sampling;	/* the largest N of 1 in N it accepts */
	__u32 sampling;		/* 1 in N now; the guard may change it */
	__u32 enabled;		/* the guard may clear it */
	__u64 cost_ns;		/* in its program over the last tick */
};

enum como_guard_action {
	COMO_GUARD_NONE,
	COMO_GUARD_SAMPLED,	/* mods[*which].sampling changed */
	COMO_GUARD_STOPPED,	/* mods[*which] stopped */
};

/* What one tick decided; overload_changed: overload began or ended. */
struct como_guard_step {
	__u32 load_pm;
	int which;
	enum como_guard_action action;
	int overload_changed;
};

static inline __u64 como_guard_full_cost(const struct como_guard_mod *m)
{
	return m->cost_ns * (m->sampling ? m->sampling : 1);
}

static inline int como_guard_less_important(const struct como_guard_mod *a,
					    const struct como_guard_mod *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return como_guard_full_cost(a) > como_guard_full_cost(b);
}

static inline void como_guard_shed(struct como_guard_mod *m, unsigned int n,
				   struct como_guard_step *st, int may_stop)
{
	int pick = -1, victim = -1;
	unsigned int i;
	__u32 s;

	for (i = 0; i < n; i++) {
		if (!m[i].enabled)
			continue;
		s = m[i].sampling ? m[i].sampling : 1;
		/* sampling a module that costs nothing sheds nothing */
		if (s < m[i].min_sampling && m[i].cost_ns) {
			if (pick < 0 || como_guard_less_important(&m[i], &m[pick]))
				pick = i;
		} else if (m[i].cost_ns && (victim < 0 ||
			   como_guard_less_important(&m[i], &m[victim]))) {
			victim = i;
		}
	}
	if (pick >= 0) {
		s = m[pick].sampling ? m[pick].sampling : 1;
		s *= 2;
		m[pick].sampling = s < m[pick].min_sampling ? s : m[pick].min_sampling;
		st->which = pick;
		st->action = COMO_GUARD_SAMPLED;
	} else if (victim >= 0 && may_stop) {
		m[victim].enabled = 0;
		st->which = victim;
		st->action = COMO_GUARD_STOPPED;
	}
}

static inline void como_guard_recover(struct como_guard_mod *m, unsigned int n,
				      struct como_guard_step *st)
{
	int pick = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!m[i].enabled || m[i].sampling <= 1)
			continue;
		if (pick < 0 || como_guard_less_important(&m[pick], &m[i]))
			pick = i;
	}
	if (pick < 0)
		return;
	m[pick].sampling /= 2;
	if (!m[pick].sampling)
		m[pick].sampling = 1;
	st->which = pick;
	st->action = COMO_GUARD_SAMPLED;
}

/*
 * One tick of ELAPSED_NS with BUDGET_PM (0: no budget); *overload is the
 * state carried from tick to tick: the ticks over the budget in a row (up
 * to COMO_GUARD_STOP_TICKS), 0 when not overloaded.
 */
static inline struct como_guard_step
como_guard_decide(struct como_guard_mod *m, unsigned int n, __u64 elapsed_ns,
		__u32 budget_pm, int *overload)
{
	struct como_guard_step st = { .which = -1 };
	__u64 total = 0, load;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += m[i].cost_ns;
	load = elapsed_ns ? como_div64(total * 1000, elapsed_ns) : 0;
	st.load_pm = load > 0xffffffffULL ? 0xffffffffU : (__u32)load;
	if (!budget_pm)
		return st;
	if (st.load_pm > budget_pm) {
		if (!*overload)
			st.overload_changed = 1;
		if (*overload < COMO_GUARD_STOP_TICKS)
			(*overload)++;
		como_guard_shed(m, n, &st, *overload >= COMO_GUARD_STOP_TICKS);
		return st;
	}
	if (*overload) {
		*overload = 0;
		st.overload_changed = 1;
	}
	if (st.load_pm < budget_pm / 2)
		como_guard_recover(m, n, &st);
	return st;
}

#endif /* _COMO_GUARD_H */
