// SPDX-License-Identifier: GPL-2.0
/*
 * The flush clock. Every tick an hrtimer queues the flush work, which
 * flips each registered module whose interval has ended to the other half
 * of its state, waits for an RCU grace period (XDP programs run under
 * rcu_read_lock, so afterwards none still writes the closed half), and
 * announces the closed epoch. Then the overload guard weighs the tick.
 *
 * A closed half is written again two epochs later, so it must be drained
 * by then: a module whose last closed epoch comod has not drained yet is
 * not flipped; its open epoch lasts until comod catches up. An absent or
 * starved comod thus makes epochs longer, never loses or mixes them.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/rcupdate.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include "como.h"

static struct hrtimer flush_timer;
static struct work_struct flush_clock_work;
static u64 last_tick_ns;		/* monotonic: the guard's elapsed time */
static bool stopping;			/* under como_lock */
u64 como_epochs_closed;

/* The boundary that ends the open epoch, if now is past it: 0 if not. */
static u64 epoch_boundary(const struct como_module *m, u64 now)
{
	u64 spent, rem;

	if (now < m->epoch_start_ns + m->interval_ns)
		return 0;
	spent = now - m->epoch_start_ns;
	div64_u64_rem(spent, m->interval_ns, &rem);
	return m->epoch_start_ns + spent - rem;
}

static bool epoch_flip(struct como_module *m, u64 boundary)
{
	struct como_ctl *ctl = como_ctl_of(m->slot);

	if (!ctl)
		return false;
	m->closed = true;
	m->closed_epoch = READ_ONCE(ctl->epoch);
	m->closed_start_ns = m->epoch_start_ns;
	m->closed_end_ns = boundary;
	m->epoch_start_ns = boundary;
	/* the programs read half, then write there: epoch is only a label */
	WRITE_ONCE(ctl->epoch, m->closed_epoch + 1);
	WRITE_ONCE(ctl->half, (READ_ONCE(ctl->half) & 1) ^ 1);
	return true;
}

static void flush_work_fn(struct work_struct *work)
{
	struct como_module *m;
	u64 now, boundary, elapsed, mono;
	bool flipped = false;

	mutex_lock(&como_lock);
	if (stopping) {
		mutex_unlock(&como_lock);
		return;
	}
	now = ktime_get_real_ns();
	list_for_each_entry(m, &como_modules, node) {
		boundary = epoch_boundary(m, now);
		if (!boundary)
			continue;
		if (m->closed) {
			m->stretched++;
			continue;
		}
		flipped |= epoch_flip(m, boundary);
	}
	if (flipped) {
		/* no program holds a closed half after this */
		synchronize_rcu();
		list_for_each_entry(m, &como_modules, node) {
			if (!m->closed || m->announced)
				continue;
			m->announced = true;
			como_epochs_closed++;
			como_event_epoch_closed(m, como_load_pm);
		}
	}
	/* the guard's time is the monotonic clock's: the wall clock may step */
	mono = ktime_get_ns();
	elapsed = last_tick_ns ? mono - last_tick_ns : 0;
	last_tick_ns = mono;
	if (elapsed)
		como_guard_tick(elapsed);
	mutex_unlock(&como_lock);
}

static enum hrtimer_restart flush_timer_fn(struct hrtimer *t)
{
	queue_work(system_unbound_wq, &flush_clock_work);
	hrtimer_forward_now(t, ns_to_ktime(READ_ONCE(como_cfg.tick_ns)));
	return HRTIMER_RESTART;
}

void como_clock_init(void)
{
	INIT_WORK(&flush_clock_work, flush_work_fn);
	hrtimer_init(&flush_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	flush_timer.function = flush_timer_fn;
}

void como_clock_kick(void)
{
	mutex_lock(&como_lock);
	if (!stopping) {
		hrtimer_cancel(&flush_timer);
		hrtimer_start(&flush_timer,
			      ns_to_ktime(READ_ONCE(como_cfg.tick_ns)),
			      HRTIMER_MODE_REL);
	}
	mutex_unlock(&como_lock);
}

void como_clock_stop(void)
{
	mutex_lock(&como_lock);
	stopping = true;
	mutex_unlock(&como_lock);
	hrtimer_cancel(&flush_timer);
	cancel_work_sync(&flush_clock_work);
}
