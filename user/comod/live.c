// SPDX-License-Identifier: BSD-3-Clause
/*
 * The live source: the dispatcher attached with XDP to interfaces, every
 * packet a batch of one, stamped on the boot clock (the dispatcher adds
 * the offset to the wall clock). The time a live run goes by is the wall
 * clock's: loop.c tells the clock.
 *
 * como never replaces an XDP program it did not load: where an interface
 * runs libxdp's multi-program dispatcher already, como joins it
 * (xdp_multi.c); an interface with any other program is refused.
 *
 * Part of comod: called by start.c, loop.c and keep.c; calls xdp_multi.c
 * and libbpf, nothing above.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/como.h>
#include "live.h"
#include "log.h"
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

__s64 live_clock_offset(clockid_t clock)
{
	return (__s64)(now_ns(CLOCK_REALTIME) - now_ns(clock));
}
