// SPDX-License-Identifier: BSD-3-Clause
/*
 * The live source: the dispatcher attached with XDP to interfaces, every
 * packet a batch of one, epochs flipped on the wall clock.
 *
 * como never replaces an XDP program it did not load: where an interface
 * runs libxdp's multi-program dispatcher already, como joins it
 * (xdp_multi.c); an interface with any other program is refused.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/como.h>
#include "ctl.h"
#include "guard.h"
#include "kclock.h"
#include "kmod.h"
#include "live.h"
#include "log.h"
#include "store.h"
#include "xdp_multi.h"

#define MAX_IFACES	16

struct live_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	__u32 flags;		/* XDP mode it was attached in */
	int link_fd;		/* the attachment; closing it detaches */
	struct xdp_multi *multi;	/* or in libxdp's dispatcher */
};

struct live {
	struct datapath *dp;
	struct live_iface ifs[MAX_IFACES];
	int n;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int link_xdp(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

static int attach_one(struct live *l, struct live_iface *ifc)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	ifc->ifindex = if_nametoindex(ifc->name);
	if (!ifc->ifindex) {
		pr_err("no interface '%s'", ifc->name);
		return -ENODEV;
	}
	err = bpf_xdp_query(ifc->ifindex, 0, &q);
	if (!err && (q.prog_id || q.drv_prog_id || q.skb_prog_id)) {
		ifc->link_fd = -1;
		return xdp_multi_join(&ifc->multi, l->dp, ifc->name,
				      ifc->ifindex, &ifc->flags);
	}
	/*
	 * Native where the driver has it, generic otherwise; through a BPF
	 * link, which the kernel releases when its last fd closes: a comod
	 * that is killed leaves no program on the interface, and no one can
	 * replace ours while it runs.
	 */
	ifc->flags = XDP_FLAGS_DRV_MODE;
	ifc->link_fd = link_xdp(l->dp->prog_fd, ifc->ifindex, ifc->flags);
	if (ifc->link_fd < 0) {
		ifc->flags = XDP_FLAGS_SKB_MODE;
		ifc->link_fd = link_xdp(l->dp->prog_fd, ifc->ifindex, ifc->flags);
	}
	if (ifc->link_fd < 0) {
		err = ifc->link_fd;
		pr_err("cannot attach XDP to %s: %s", ifc->name, strerror(-err));
		return err;
	}
	pr_notice("%s: capturing with XDP in %s mode", ifc->name,
		ifc->flags & XDP_FLAGS_DRV_MODE ? "native" : "generic");
	return 0;
}

/*
 * Splits "eth0,eth1" into l->ifs and gives each to TAKE (attach, or adopt
 * a kept link); on failure undoes with UNDO and returns the error.
 */
static int for_each_iface(struct live **lp, struct datapath *dp,
			  const char *ifaces, void *arg,
			  int (*take)(struct live *, struct live_iface *,
				      void *),
			  void (*undo)(struct live *))
{
	char *list = strdup(ifaces), *save = NULL, *name;
	struct live *l = calloc(1, sizeof(*l));
	int err = 0;

	if (!l || !list) {
		free(l);
		free(list);
		return -ENOMEM;
	}
	l->dp = dp;
	for (name = strtok_r(list, ",", &save); name && !err;
	     name = strtok_r(NULL, ",", &save)) {
		if (l->n == MAX_IFACES || strlen(name) >= IF_NAMESIZE) {
			pr_err("interface list '%s': at most %d names of %d "
			       "characters", ifaces, MAX_IFACES, IF_NAMESIZE - 1);
			err = -EINVAL;
			break;
		}
		snprintf(l->ifs[l->n].name, IF_NAMESIZE, "%s", name);
		err = take(l, &l->ifs[l->n], arg);
		if (!err)
			l->n++;
	}
	free(list);
	if (!l->n && !err) {
		pr_err("no interface in '%s'", ifaces);
		err = -EINVAL;
	}
	if (err) {
		undo(l);
		return err;
	}
	*lp = l;
	return 0;
}

static int attach_iface(struct live *l, struct live_iface *ifc, void *arg)
{
	(void)arg;
	return attach_one(l, ifc);
}

static void detach_all(struct live *l)
{
	live_detach(l);
	free(l);
}

int live_attach(struct live **lp, struct datapath *dp, const char *ifaces)
{
	return for_each_iface(lp, dp, ifaces, NULL, attach_iface, detach_all);
}

void live_detach(struct live *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		if (l->ifs[i].multi) {
			xdp_multi_leave(l->ifs[i].multi);
			l->ifs[i].multi = NULL;
			continue;
		}
		/* detach now, whoever else may hold the link */
		if (bpf_link_detach(l->ifs[i].link_fd) && errno != ENOLINK)
			pr_warn("cannot detach XDP from %s: %s", l->ifs[i].name,
				strerror(errno));
		close(l->ifs[i].link_fd);
	}
	l->n = 0;
}

void live_free(struct live *l)
{
	if (!l)
		return;
	live_detach(l);
	free(l);
}

/* bpffs refuses names with a dot: eth0.100 is kept as link_eth0_100 */
static void link_name(char *buf, size_t size, const char *ifname)
{
	char *c;

	snprintf(buf, size, "link_%s", ifname);
	for (c = buf; *c; c++)
		if (*c == '.')
			*c = '_';
}

bool live_shared(const struct live *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->ifs[i].multi)
			return true;
	return false;
}

int live_keep(struct live *l, keep_put_fn put, void *arg)
{
	char name[64];
	int i, err;

	for (i = 0; i < l->n; i++) {
		link_name(name, sizeof(name), l->ifs[i].name);
		err = put(arg, l->ifs[i].link_fd, name, COMO_OBJ_LINK);
		if (err)
			return err;
	}
	return 0;
}

struct adopt_from {
	keep_get_fn get;
	void *arg;
};

static int adopt_iface(struct live *l, struct live_iface *ifc, void *arg)
{
	struct adopt_from *from = arg;
	char name[64];

	(void)l;
	ifc->ifindex = if_nametoindex(ifc->name);
	link_name(name, sizeof(name), ifc->name);
	ifc->link_fd = from->get(from->arg, name);
	if (ifc->link_fd < 0) {
		pr_err("kept state: no XDP link for %s: %s", ifc->name,
		       strerror(-ifc->link_fd));
		return ifc->link_fd;
	}
	return 0;
}

int live_adopt(struct live **lp, struct datapath *dp, const char *ifaces,
	       keep_get_fn get, void *arg)
{
	struct adopt_from from = { get, arg };

	return for_each_iface(lp, dp, ifaces, &from, adopt_iface, live_release);
}

void live_release(struct live *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		close(l->ifs[i].link_fd);
	free(l);
}

/*
 * An epoch closed late (comod starved, or como.ko's clock stretched it) is
 * labelled as long as it ran, in whole intervals: to the last boundary
 * before NOW, where the next one starts; or, the last epoch of a run, to
 * the first boundary after NOW.
 */
static void epoch_stretch(struct modrt *rt, uint64_t now, bool last)
{
	uint64_t ivl = rt->mod->interval_ns, spent;

	if (now <= rt->epoch_end)
		return;
	spent = now - rt->epoch_start + (last ? ivl - 1 : 0);
	rt->epoch_end = rt->epoch_start + spent / ivl * ivl;
}

/* The earliest end of an open epoch, or now + 1 s when none is open. */
static uint64_t next_boundary(struct modrt *mods, unsigned int n, uint64_t now)
{
	uint64_t next = now + 1000000000ULL;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (mods[i].open && mods[i].epoch_end < next)
			next = mods[i].epoch_end;
	return next;
}

/*
 * Sleeps until the next epoch boundary or a control request, whichever
 * comes first; a signal ends the wait early too.
 */
static void wait_until(uint64_t next, struct ctl *ctl)
{
	uint64_t now = now_ns(CLOCK_REALTIME);
	struct pollfd pfd = { .fd = ctl ? ctl_fd(ctl) : -1, .events = POLLIN };
	int ms = next > now ? (int)((next - now + 999999) / 1000000) : 0;

	if (poll(&pfd, 1, ms) > 0 && (pfd.revents & POLLIN))
		ctl_serve(ctl);
}

/* comod's clock for what como.ko does not run: close what has ended. */
static int close_ended(struct monitor *mon, uint64_t now)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < mon->n && !err; i++) {
		struct modrt *rt = &mon->mods[i];

		if (rt->registered || now < rt->epoch_end)
			continue;
		epoch_stretch(rt, now, false);
		err = epoch_close(mon->dp, rt);
		epoch_open(rt, now);
	}
	return err;
}

/* The earliest end of an epoch comod's own clock runs, if any. */
static uint64_t own_boundary(struct monitor *mon, uint64_t now)
{
	uint64_t next = now + 1000000000ULL;
	unsigned int i;

	for (i = 0; i < mon->n; i++)
		if (!mon->mods[i].registered && mon->mods[i].open &&
		    mon->mods[i].epoch_end < next)
			next = mon->mods[i].epoch_end;
	return next;
}

/*
 * With como.ko its clock closes the epochs: wake on its announcements (or
 * each second, in case one was missed), drain what it closed. A module it
 * does not run (refused, or released) stays on comod's clock. When
 * como.ko goes away altogether, comod's clock takes everything over.
 */
static int follow_kclock(struct monitor *mon, struct ctl *ctl,
			 volatile sig_atomic_t *stop)
{
	struct pollfd pfd[2] = {
		{ .fd = ctl ? ctl_fd(ctl) : -1, .events = POLLIN },
		{ .fd = kmod_event_fd(mon->dp->kmod), .events = POLLIN },
	};
	uint64_t now = now_ns(CLOCK_REALTIME), next;
	unsigned int i;
	int err = 0, ms;

	while (!*stop && !err) {
		next = own_boundary(mon, now);
		ms = next > now ? (int)((next - now + 999999) / 1000000) : 0;
		if (poll(pfd, 2, ms) > 0 && (pfd[0].revents & POLLIN))
			ctl_serve(ctl);
		kmod_events_discard(mon->dp->kmod);
		err = kclock_drain(mon);
		if (err && !kmod_alive(mon->dp->kmod)) {
			pr_warn("como.ko is gone: comod runs the epoch clock");
			for (i = 0, err = 0; i < mon->n && !err; i++)
				if (mon->mods[i].registered)
					err = kclock_lost(mon, &mon->mods[i]);
			kmod_close(mon->dp->kmod);
			mon->dp->kmod = NULL;
			return err;
		}
		now = now_ns(CLOCK_REALTIME);
		if (!err)
			err = close_ended(mon, now);
	}
	return err;
}

int live_run(struct live *l, struct monitor *mon, struct ctl *ctl,
	     volatile sig_atomic_t *stop)
{
	uint64_t now = now_ns(CLOCK_REALTIME);
	unsigned int i;
	int err = 0;

	if (l->dp->kmod) {
		err = follow_kclock(mon, ctl, stop);
		/* como.ko went away: comod's clock goes on */
		if (err || *stop || l->dp->kmod)
			return err;
		now = now_ns(CLOCK_REALTIME);
	}

	for (i = 0; i < mon->n; i++) {
		/* a module picked up from kept state has its epoch open */
		if (!mon->mods[i].open)
			epoch_open(&mon->mods[i], now);
		if (!mon->mods[i].first_ns)
			mon->mods[i].first_ns = now;
	}
	while (!*stop && !err) {
		uint64_t next = next_boundary(mon->mods, mon->n, now);

		/* comod's own overload guard, when it has a budget */
		if (mon->guard && guard_next(mon->guard) < next)
			next = guard_next(mon->guard);
		wait_until(next, ctl);
		now = now_ns(CLOCK_REALTIME);
		if (mon->guard && now >= guard_next(mon->guard))
			guard_tick(mon->guard, mon, now);
		for (i = 0; i < mon->n && !err; i++) {
			struct modrt *rt = &mon->mods[i];

			if (now < rt->epoch_end)
				continue;
			epoch_stretch(rt, now, false);
			err = epoch_close(l->dp, rt);
			epoch_open(rt, now);
			/* a running monitor's records are queryable at once */
			if (!err)
				err = store_flush(rt->store);
		}
	}
	return err;
}

int live_stop(struct live *l, struct monitor *mon)
{
	unsigned int i;
	int err = 0;

	uint64_t now;
	int e;

	/* como.ko gives the modules back, with what its clock closed last */
	if (l->dp->kmod)
		err = kclock_stop(mon);
	/* stop capturing first, so that the last epochs are whole */
	live_detach(l);
	now = now_ns(CLOCK_REALTIME);
	for (i = 0; i < mon->n; i++) {
		struct modrt *rt = &mon->mods[i];

		/* a module como.ko still runs (it refused to let go) stays there */
		if (rt->registered)
			continue;
		epoch_stretch(rt, now, true);
		e = epoch_close(l->dp, rt);
		err = err ?: e;
		rt->last_ns = now;
	}
	return err;
}

__s64 live_clock_offset(void)
{
	return (__s64)(now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME));
}
