// SPDX-License-Identifier: BSD-3-Clause
/*
 * Sharing an interface through libxdp's multi-program dispatcher, which
 * xdp-loader, xdp-filter and every libxdp user load their programs into.
 * libxdp runs each of them as an extension (BPF_PROG_TYPE_EXT, freplace)
 * of one slot of its dispatcher; como's is a copy of its own dispatcher
 * sharing every map with the first, so packets meet the same module chain.
 *
 * como joins only a dispatcher that is there already. An interface with
 * no XDP program gets como's dispatcher alone, through a BPF link
 * (live.c): libxdp pins its programs in bpffs, where they outlive a
 * comod that is killed; a link goes with its last fd.
 *
 * Part of comod: called by the live source (live.c); calls libxdp.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <xdp/libxdp.h>
#include "dispatch.skel.h"
#include "log.h"
#include "datapath.h"
#include "xdp_multi.h"

/*
 * First in the dispatcher (libxdp runs lower priorities first): como
 * counts every packet, also those a later program drops. It returns
 * XDP_PASS, on which libxdp goes on to the next program.
 */
#define COMO_RUN_PRIO	1

struct xdp_multi {
	struct bpf_object *obj;		/* the dispatcher's copy */
	struct xdp_program *prog;	/* libxdp's handle on it */
	char ifname[IF_NAMESIZE];
	int ifindex;
	enum xdp_attach_mode mode;
};

static int libxdp_print(enum libxdp_print_level lvl, const char *fmt,
			va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	if (lvl == LIBXDP_WARN)
		pr_info("%s", msg);
	else
		pr_debug("%s", msg);
	return 0;
}

/*
 * A program may tail-call through a prog array, or be put in one, only if
 * its expected attach type is that of the array's owner, the first program
 * that used it (bpf_prog_map_compatible() in kernel/bpf/core.c, since
 * "bpf: Enforce expected_attach_type for tailcall compatibility", which
 * Debian's 6.1 has too), and the kernel refuses an extension that has one
 * (bpf_prog_load_check_attach() in kernel/bpf/syscall.c). So como's
 * programs (como_dispatch, every module's como_module) load with none,
 * where libbpf gives SEC("xdp") BPF_XDP; XDP itself does not need one.
 *
 * Every other program keeps BPF_XDP: libxdp's own dispatcher must, since
 * an extension moves only to a target of the type and attach type it was
 * loaded for (bpf_check_attach_target(), saved_dst_attach_type), and
 * libxdp moves the other programs to each dispatcher it builds.
 */
static int xdp_sec_setup(struct bpf_program *prog, long cookie)
{
	(void)cookie;
	if (!strncmp(bpf_program__name(prog), "como_", 5))
		return 0;
	return bpf_program__set_expected_attach_type(prog, BPF_XDP);
}

/* before any object opens: libbpf applies a handler when it opens one */
int xdp_multi_init(void)
{
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts,
		    .prog_setup_fn = xdp_sec_setup);
	int id;

	libxdp_set_print(libxdp_print);
	id = libbpf_register_prog_handler("xdp", BPF_PROG_TYPE_XDP, 0, &opts);
	if (id < 0)
		pr_err("cannot register como's SEC(\"xdp\") with libbpf: %s",
		       strerror(-id));
	return id < 0 ? id : 0;
}

/* Where libxdp looks for its pins (it does not mount one by itself). */
static const char *bpffs_dir(bool *mounted)
{
	const char *env = secure_getenv("LIBXDP_BPFFS");
	const char *dir = env && *env ? env : "/sys/fs/bpf";
	struct statfs st;

	*mounted = !statfs(dir, &st) && st.f_type == BPF_FS_MAGIC;
	return dir;
}

/* "NAME (id N), ..." for the programs of MP other than SELF */
static void list_progs(char *buf, size_t size, struct xdp_multiprog *mp,
		       __u32 self)
{
	struct xdp_program *p = NULL;
	size_t len = 0;
	int n;

	buf[0] = '\0';
	while ((p = xdp_multiprog__next_prog(p, mp)) && len < size) {
		if (xdp_program__id(p) == self)
			continue;
		n = snprintf(buf + len, size - len, "%s%s (id %u)",
			     len ? ", " : "", xdp_program__name(p),
			     xdp_program__id(p));
		if (n < 0)
			break;
		len += n;
	}
}

/*
 * Why libxdp cannot add a program to what IFINDEX runs, or "" when it can.
 * It keeps its dispatcher's programs in bpffs, which must be the one they
 * were pinned in: not mounted (as under 'ip netns exec'), libxdp takes its
 * dispatcher for a plain program; a new one would not hold them.
 */
static void why_not(char *why, size_t size, struct xdp_multiprog *mp)
{
	bool mounted;
	const char *dir = bpffs_dir(&mounted);

	why[0] = '\0';
	if (!mounted)
		snprintf(why, size, "no bpffs at %s, where libxdp keeps the "
			 "programs of its dispatcher", dir);
	else if (xdp_multiprog__is_legacy(mp) || !xdp_multiprog__main_prog(mp))
		snprintf(why, size, "it is not libxdp's multi-program "
			 "dispatcher");
	else if (xdp_multiprog__program_count(mp) < 1)
		snprintf(why, size, "none of the dispatcher's programs is "
			 "pinned in %s here", dir);
}

/*
 * A comod that was killed leaves its copy in the dispatcher: libxdp pinned
 * it. It passes every packet on, to a chain that is gone; como did not load
 * it in this run, so it says so rather than remove it.
 */
static void warn_stale(struct xdp_multiprog *mp, const char *ifname)
{
	struct xdp_program *p = NULL;

	while ((p = xdp_multiprog__next_prog(p, mp)))
		if (!strcmp(xdp_program__name(p), "como_dispatch"))
			pr_warn("%s: libxdp's dispatcher runs another "
				"como_dispatch (id %u), another comod's or one "
				"left by a comod that was killed ('xdp-loader "
				"unload %s -i %u' removes it)", ifname,
				xdp_program__id(p), ifname, xdp_program__id(p));
}

static int open_copy(struct xdp_multi *m, struct datapath *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "dispatch");
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .prog_name = "como_dispatch");
	struct bpf_map *map;
	const void *elf;
	size_t size;
	int i, err;

	elf = dispatch_bpf__elf_bytes(&size);
	m->obj = bpf_object__open_mem(elf, size, &oo);
	if (!m->obj)
		return -errno;
	for (i = 0; i < DP_MAPS; i++) {
		map = bpf_object__find_map_by_name(m->obj,
						   datapath_map_names[i]);
		err = map ? bpf_map__reuse_fd(map, dp->fd[i]) : -ENOENT;
		if (err)
			return err;
	}
	xo.obj = m->obj;
	m->prog = xdp_program__create(&xo);
	err = libxdp_get_error(m->prog);
	if (err) {
		m->prog = NULL;
		return err;
	}
	/* as the dispatcher it copies: a prog array's programs all agree */
	err = xdp_program__set_xdp_frags_support(m->prog, false);
	if (!err)
		err = xdp_program__set_run_prio(m->prog, COMO_RUN_PRIO);
	return err;
}

static void close_copy(struct xdp_multi *m)
{
	/* a program made from an object leaves the object to its maker */
	xdp_program__close(m->prog);
	bpf_object__close(m->obj);
	free(m);
}

int xdp_multi_join(struct xdp_multi **mp_out, struct datapath *dp,
		   const char *ifname, int ifindex, __u32 *xdp_flags)
{
	struct xdp_multiprog *mp;
	struct xdp_program *cur;
	struct xdp_multi *m;
	char why[160], beside[512];
	int err;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = mp ? libxdp_get_error(mp) : -ENOENT;
	if (err) {
		pr_err("%s already has an XDP program; como does not replace a "
		       "program it did not load, and libxdp cannot read it: %s",
		       ifname, strerror(-err));
		return -EBUSY;
	}
	cur = xdp_multiprog__main_prog(mp);
	why_not(why, sizeof(why), mp);
	if (why[0]) {
		pr_err("%s already has an XDP program (%s, id %u); como does "
		       "not replace a program it did not load, and cannot join "
		       "it: %s", ifname, cur ? xdp_program__name(cur) : "?",
		       cur ? xdp_program__id(cur) : 0, why);
		err = -EBUSY;
		goto out_mp;
	}
	warn_stale(mp, ifname);
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto out_mp;
	}
	snprintf(m->ifname, sizeof(m->ifname), "%s", ifname);
	m->ifindex = ifindex;
	m->mode = xdp_multiprog__attach_mode(mp);
	err = open_copy(m, dp);
	if (err) {
		pr_err("%s: cannot prepare a copy of como's dispatcher for "
		       "libxdp's: %s", ifname, strerror(-err));
		goto err_copy;
	}
	/* libxdp builds a new dispatcher with every program, then swaps */
	err = xdp_program__attach(m->prog, ifindex, m->mode, 0);
	if (err) {
		pr_err("%s already has an XDP program (libxdp's dispatcher, id "
		       "%u); como does not replace a program it did not load, "
		       "and libxdp could not add como beside it: %s%s", ifname,
		       xdp_program__id(cur), strerror(-err),
		       err == -EPERM || err == -EOPNOTSUPP ?
		       " (this kernel refuses freplace programs)" : "");
		goto err_copy;
	}
	xdp_multiprog__close(mp);
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	beside[0] = '\0';
	if (mp && !libxdp_get_error(mp))
		list_progs(beside, sizeof(beside), mp,
			   xdp_program__id(m->prog));
	pr_notice("%s: capturing in libxdp's dispatcher (%s mode), beside %s",
		  ifname, m->mode == XDP_MODE_SKB ? "generic" : "native",
		  beside[0] ? beside : "no other program");
	*xdp_flags = m->mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE :
		     XDP_FLAGS_DRV_MODE;
	*mp_out = m;
	err = 0;
	goto out_mp;

err_copy:
	close_copy(m);
out_mp:
	if (mp && !libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	return err;
}

void xdp_multi_leave(struct xdp_multi *m)
{
	int err;

	if (!m)
		return;
	err = xdp_program__detach(m->prog, m->ifindex, m->mode, 0);
	if (err)
		pr_warn("cannot take como out of libxdp's dispatcher on %s: %s",
			m->ifname, strerror(-err));
	close_copy(m);
}
