// SPDX-License-Identifier: BSD-3-Clause
/*
 * A live run's one loop: it polls the control socket, como.ko's events
 * and a timer, and at each wake-up tells the clocks the time: como.ko's
 * closed epochs are drained (kclock.c), comod's own clock closes what has
 * ended (clock.c), comod's guard takes its tick.
 *
 * Part of comod: called by main.c; calls the control socket, the clocks,
 * the guard, the module set (the hand-over to como.ko), keep.c and the
 * live source.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include "clock.h"
#include "ctl.h"
#include "filter.h"
#include "guard.h"
#include "http.h"
#include "kclock.h"
#include "keep.h"
#include "kmod.h"
#include "live.h"
#include "log.h"
#include "loop.h"
#include "monitor.h"
#include "stream.h"
#include "units.h"

/* Even with nothing due, look around once a second (a missed event). */
#define LOOP_IDLE_NS	1000000000ULL

/* How long to sleep: to the next boundary of comod's clock or guard. */
static int wait_ms(struct monitor *mon, uint64_t now)
{
	uint64_t next = clock_next(mon);

	if (now + LOOP_IDLE_NS < next)
		next = now + LOOP_IDLE_NS;
	if (!mon->kmod && guard_next(mon->guard) < next)
		next = guard_next(mon->guard);
	return next > now ? (int)((next - now + 999999) / 1000000) : 0;
}

static int loop_wake(struct monitor *mon, uint64_t now)
{
	int err;

	if (mon->kmod) {
		kmod_events_discard(mon->kmod);
		err = kclock_drain(mon);
		/* como.ko went away: comod's clock takes everything over */
		if (err && !kmod_alive(mon->kmod))
			err = kclock_gone(mon);
		if (err)
			return err;
	}
	if (!mon->kmod && now >= guard_next(mon->guard))
		guard_tick(mon->guard, mon, now);
	return clock_advance(mon, now, NULL);
}

static int loop_run(struct monitor *mon, struct ctl *ctl,
		    volatile sig_atomic_t *stop, struct http *http)
{
	struct pollfd pfd[3] = {
		{ .fd = ctl_fd(ctl), .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
	};
	uint64_t now = wall_ns();
	unsigned int i;
	int err = 0;

	for (i = 0; i < mon->n; i++)
		stream_started(mon->mods[i], now);
	while (!*stop && !err) {
		pfd[1].fd = mon->kmod ? kmod_event_fd(mon->kmod) : -1;
		pfd[2].fd = http_fd(http);
		if (poll(pfd, 3, wait_ms(mon, now)) > 0 &&
		    (pfd[0].revents & POLLIN))
			ctl_serve(ctl);
		/* the query server asks for the figures: they are read here */
		if (pfd[2].revents)
			http_serve(http, mon);
		now = wall_ns();
		err = loop_wake(mon, now);
	}
	return err;
}

/* como.ko holds the capture and runs the clock, where it can. */
static void hand_over(struct monitor *mon)
{
	uint64_t now = wall_ns();
	unsigned int i;

	if (mon->kmod && live_shared(mon->live)) {
		/* libxdp holds como's program there, not a link como.ko could */
		pr_notice("an interface is shared through libxdp: comod runs "
			  "the epoch clock, not como.ko");
		kmod_close(mon->kmod);
		mon->kmod = NULL;
	}
	if (!mon->kmod)
		return;
	/* the clock needs the open epochs' starts, and so does the description */
	for (i = 0; i < mon->n; i++) {
		if (!mon->mods[i]->open && !modrt_kernel_clock(mon->mods[i]))
			clock_open(mon->mods[i], now);
		stream_started(mon->mods[i], mon->mods[i]->epoch_start);
	}
	if (monitor_hand_over(mon)) {
		/* what it took is given back; comod's clock does the rest */
		kclock_stop(mon);
		kmod_close(mon->kmod);
		mon->kmod = NULL;
		pr_warn("como.ko refused the capture: comod runs the epoch clock");
		return;
	}
	pr_notice("como.ko holds the capture and runs the epoch clock");
}

/* Detaches, then closes and stores every module's last epoch. */
static int loop_stop(struct monitor *mon)
{
	uint64_t now;
	unsigned int i;
	int err = 0, e;

	/* como.ko gives the modules back, with what its clock closed last */
	if (mon->kmod)
		err = kclock_stop(mon);
	/* stop capturing first, so that the last epochs are whole */
	live_detach(mon->live);
	now = wall_ns();
	for (i = 0; i < mon->n; i++) {
		struct modrt *rt = mon->mods[i];

		/* a module como.ko still runs (it refused to let go) stays there */
		if (modrt_kernel_clock(rt))
			continue;
		e = clock_close(mon, rt, now);
		err = err ?: e;
		stream_covered(rt, 0, now);
	}
	return err;
}

int loop_live(struct monitor *mon, const char *socket, bool keep,
	      volatile sig_atomic_t *stop, bool *kept, struct http *http)
{
	struct guard guard = { .tick_ns = GUARD_TICK_NS };
	struct ctl *ctl = NULL;
	int err;

	*kept = false;
	err = ctl_open(&ctl, socket, mon);
	if (!err && !mon->live)
		err = live_attach(&mon->live, mon->dp, mon->source);
	if (err) {
		ctl_close(ctl);
		live_release(mon->live);
		mon->live = NULL;
		return err;
	}
	/* a client asking while a filter compiles is told to wait */
	filter_while_compiling(ctl_fd(ctl), ctl_refuse_busy, ctl);
	/* comod weighs the modules' cost itself whenever como.ko does not */
	mon->guard = &guard;
	guard.last_ns = wall_ns();
	hand_over(mon);
	err = loop_run(mon, ctl, stop, http);
	/* with como.ko the capture is in the kernel's hands already */
	*kept = !err && keep &&
		(mon->kmod || !keep_save(mon, mon->live, mon->source));
	if (*kept && mon->kmod)
		pr_notice("como.ko keeps the capture; the next start on %s takes "
			  "it back", mon->datadir);
	if (*kept) {
		live_release(mon->live);
	} else {
		err = loop_stop(mon) ?: err;
		live_free(mon->live);
	}
	mon->live = NULL;
	filter_while_compiling(-1, NULL, NULL);
	ctl_close(ctl);
	mon->guard = NULL;
	return err;
}
