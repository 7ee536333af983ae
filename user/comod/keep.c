// SPDX-License-Identifier: BSD-3-Clause
/*
 * The capture described, and kept across a restart of comod: pinned in
 * bpffs (-K), or held by como.ko; then taken back (keep.h).
 *
 * Part of comod: called by start.c, loop.c and the module set; calls the
 * live source (its links), the clock (an epoch goes on), the stream,
 * export, the data path and kmod.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <linux/magic.h>
#include <linux/como.h>
#include "jsonutil.h"
#include "clock.h"
#include "datapath.h"
#include "dirfd.h"
#include "export.h"
#include "filter.h"
#include "keep.h"
#include "kmod.h"
#include "live.h"
#include "log.h"
#include "names.h"
#include "stream.h"

#define STATE_FILE	".kept.json"

/* $COMO_BPFFS names another bpffs (a test's own, say); mounted if needed */
static const char *bpffs(void)
{
	const char *env = getenv("COMO_BPFFS");

	return env && *env ? env : "/sys/fs/bpf";
}

static void state_path(const char *datadir, char *buf, size_t size)
{
	snprintf(buf, size, "%s/" STATE_FILE, datadir);
}

/*
 * The description, beneath the data directory: never through a link,
 * never a FIFO (dirfd.h). NULL with errno ENOENT when there is none.
 */
static struct json_object *state_read(const char *datadir)
{
	struct json_object *st = NULL;
	int dfd, fd, err;

	dfd = datadir_open(datadir);
	fd = dfd < 0 ? dfd : stream_fileat(dfd, STATE_FILE, O_RDONLY, 0);
	err = fd < 0 ? fd : 0;
	if (fd >= 0) {
		st = json_object_from_fd(fd);
		err = st ? 0 : -EBADMSG;
		close(fd);
	}
	if (dfd >= 0)
		close(dfd);
	errno = -err;
	return st;
}

static int state_write(const char *datadir, struct json_object *st)
{
	int dfd, fd, err;

	dfd = datadir_open(datadir);
	fd = dfd < 0 ? dfd : stream_fileat(dfd, STATE_FILE, O_WRONLY | O_CREAT |
					   O_TRUNC, DIRFD_FILE_MODE);
	err = fd < 0 ? fd : 0;
	if (fd >= 0) {
		if (json_object_to_fd(fd, st, JSON_C_TO_STRING_PRETTY) ||
		    fsync(fd))
			err = -EIO;
		close(fd);
	}
	if (dfd >= 0)
		close(dfd);
	return err;
}

static void state_remove(const char *datadir)
{
	int dfd = datadir_open(datadir);

	if (dfd >= 0) {
		unlinkat(dfd, STATE_FILE, 0);
		close(dfd);
	}
}

/* One pin directory per data directory: /sys/fs/bpf/como/<datadir>. */
static void pin_dir(const char *datadir, char *buf, size_t size)
{
	char real[4096], *c;

	if (!realpath(datadir, real))
		snprintf(real, sizeof(real), "%s", datadir);
	/* bpffs refuses names with a dot */
	for (c = real; *c; c++)
		if (*c == '/' || *c == '.')
			*c = '_';
	snprintf(buf, size, "%.3000s/como/%.200s", bpffs(), real);
}

/*
 * Kept state is there when its description and its pins are: after a
 * reboot bpffs is empty and the description is stale, so it goes.
 */
bool keep_present(const char *datadir)
{
	char path[4096], pin[4200];
	struct json_object *st;
	bool pinned;

	state_path(datadir, path, sizeof(path));
	st = state_read(datadir);
	if (!st && errno == ENOENT)
		return false;
	snprintf(pin, sizeof(pin), "%.4000s/dispatch",
		 st && json_str(st, "pins") ? json_str(st, "pins") : "");
	pinned = access(pin, F_OK) == 0;
	json_object_put(st);
	if (!pinned) {
		pr_warn("%s describes a kept capture whose objects are gone "
			"(a reboot?); starting afresh", path);
		state_remove(datadir);
	}
	return pinned;
}

/* `ip netns exec` gives a /sys without bpffs: mount it where needed. */
static int bpffs_ready(void)
{
	struct statfs st;

	if (!statfs(bpffs(), &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", bpffs(), "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

/*
 * Kept objects go by name to a keeper and come back from it: pins in
 * bpffs (comod -K), or como.ko, which holds them by reference.
 */
struct keeper {
	const char *dir;		/* bpffs */
	struct kmod_obj *objs;		/* como.ko: handed over, or back */
	unsigned int n, cap;
};

static int put_pin(void *arg, int fd, const char *name, __u32 kind)
{
	struct keeper *kp = arg;
	char path[4096];

	(void)kind;
	snprintf(path, sizeof(path), "%.4000s/%.64s", kp->dir, name);
	unlink(path);
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

static int get_pin(void *arg, const char *name)
{
	struct keeper *kp = arg;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%.4000s/%.64s", kp->dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		pr_err("kept state: %s is missing: %s", path, strerror(errno));
	return fd < 0 ? -errno : fd;
}

static int put_obj(void *arg, int fd, const char *name, __u32 kind)
{
	struct keeper *kp = arg;
	struct kmod_obj *v;

	if (kp->n == kp->cap) {
		v = realloc(kp->objs, (kp->cap * 2 + 16) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		kp->objs = v;
		kp->cap = kp->cap * 2 + 16;
	}
	v = &kp->objs[kp->n++];
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->kind = kind;
	v->fd = fd;
	return 0;
}

static int get_obj(void *arg, const char *name)
{
	struct keeper *kp = arg;
	unsigned int i;
	int fd;

	for (i = 0; i < kp->n; i++) {
		if (strcmp(kp->objs[i].name, name))
			continue;
		fd = kmod_obj_open(&kp->objs[i]);
		if (fd < 0)
			pr_err("como.ko holds %s (id %u), but it cannot be "
			       "opened: %s", name, kp->objs[i].id,
			       strerror(-fd));
		return fd;
	}
	pr_err("como.ko's capture has no %s", name);
	return -ENOENT;
}

static void unpin_all(const char *dir);

/*
 * Hands every object of the capture to PUT and says in *out what comod
 * needs to know of them to take them back.
 */
static int describe(struct monitor *mon, struct live *l, const char *ifaces,
		    keep_put_fn put, void *arg, struct json_object **out)
{
	struct json_object *st = json_object_new_object();
	struct json_object *mods = json_object_new_array();
	struct json_object *fss = json_object_new_array(), *o;
	char name[64];
	unsigned int i;
	int err, h;

	err = put(arg, mon->dp->prog_fd, "dispatch", COMO_OBJ_PROG);
	for (i = 0; !err && i < DP_MAPS; i++)
		err = put(arg, mon->dp->fd[i], datapath_map_names[i],
			  COMO_OBJ_MAP);
	for (i = 0; !err && i < mon->n; i++) {
		struct modrt *rt = mon->mods[i];

		snprintf(name, sizeof(name), "m%u_prog", rt->slot);
		err = put(arg, rt->prog_fd, name, COMO_OBJ_PROG);
		snprintf(name, sizeof(name), "m%u_outer", rt->slot);
		if (!err)
			err = put(arg, rt->outer_fd, name, COMO_OBJ_MAP);
		for (h = 0; !err && h < 2; h++) {
			snprintf(name, sizeof(name), "m%u_h%d", rt->slot, h);
			err = put(arg, rt->half_fd[h], name, COMO_OBJ_MAP);
		}
		o = json_object_new_object();
		json_add_str(o, "name", rt->mod->name);
		json_add_str(o, "path", rt->mod->path);
		json_add_str(o, "args", rt->mod->args);
		if (rt->mod->filter)
			json_add_str(o, "filter", rt->mod->filter);
		json_add_u64(o, "slot", rt->slot);
		json_add_u64(o, "streamsize", rt->streamsize);
		json_add_u64(o, "retain_ns", rt->retain_ns);
		json_add_u64(o, "epoch_start", rt->epoch_start);
		json_add_u64(o, "first_ns", rt->st.first_ns);
		/* a module export stopped stays stopped, its capture off */
		if (rt->stopped[0]) {
			json_add_str(o, "stopped", rt->stopped);
			json_add_u64(o, "lost_epochs", rt->lost_epochs);
		}
		if (rt->nalso) {
			struct json_object *also = json_object_new_array();

			for (h = 0; h < (int)rt->nalso; h++)
				json_object_array_add(also, json_object_new_string(
					rt->also[h].name));
			json_object_object_add(o, "also", also);
		}
		json_object_array_add(mods, o);
	}
	for (i = 0; !err && i < mon->nfs; i++) {
		snprintf(name, sizeof(name), "f%u", mon->fs[i].slot);
		err = put(arg, mon->fs[i].prog_fd, name, COMO_OBJ_PROG);
		o = json_object_new_object();
		json_add_str(o, "expr", mon->fs[i].expr);
		json_add_u64(o, "mask", mon->fs[i].mask);
		json_add_u64(o, "slot", mon->fs[i].slot);
		json_object_array_add(fss, o);
	}
	if (!err)
		err = live_keep(l, put, arg);
	json_add_str(st, "interfaces", ifaces);
	json_object_object_add(st, "modules", mods);
	json_object_object_add(st, "stages", fss);
	*out = st;
	return err;
}

int keep_save(struct monitor *mon, struct live *l, const char *ifaces)
{
	struct json_object *st = NULL;
	char dir[4096], path[4096];
	struct keeper kp = { .dir = dir };
	int err;

	pin_dir(mon->datadir, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%.4000s/como", bpffs());
	err = bpffs_ready();
	if (!err && mkdir(path, 0700) && errno != EEXIST)
		err = -errno;
	if (!err && mkdir(dir, 0700) && errno != EEXIST)
		err = -errno;
	if (!err)
		err = describe(mon, l, ifaces, put_pin, &kp, &st);
	if (st)
		json_add_str(st, "pins", dir);
	if (!err)
		err = state_write(mon->datadir, st);
	json_object_put(st);
	if (err) {
		/* half a kept state would hold objects no one picks up */
		unpin_all(dir);
		pr_err("cannot keep the capture state in %s: %s; stopping "
		       "instead", dir, strerror(-err));
	} else
		pr_notice("capture state kept in %s; the next start on %s "
			  "picks it up", dir, mon->datadir);
	return err;
}

/* Pins are names in bpffs: removing them drops only the names. */
static void unpin_all(const char *dir)
{
	char path[4400];
	struct dirent *de;
	DIR *d;

	/* only ever a directory of ours */
	if (!strstr(dir, "/como/"))
		return;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* The other names a kept module answered to. */
static int restore_names(struct modrt *rt, struct json_object *also)
{
	unsigned int i, n = also ? json_object_array_length(also) : 0;
	const char *name;
	int err = 0;

	/* stream_add_name() refuses what is not a name */
	for (i = 0; !err && i < n; i++) {
		name = json_object_get_string(json_object_array_get_idx(also, i));
		err = name ? stream_add_name(rt, name) : -EBADMSG;
	}
	return err;
}

static int restore_module(struct monitor *mon, struct modrt **rtp,
			  struct json_object *o, keep_get_fn get, void *arg)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct modrt *rt;
	char name[64], why[256];
	int err, h;

	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	*rtp = rt;
	rt->half_fd[0] = rt->half_fd[1] = rt->prog_fd = rt->outer_fd = -1;
	rt->slot = json_u64(o, "slot");
	rt->streamsize = json_u64(o, "streamsize") ?: COMO_DEFAULT_STREAMSIZE;
	rt->retain_ns = json_u64(o, "retain_ns");
	/* the description is a file in the data directory: check its names */
	if (como_name_check(json_str(o, "name"), why, sizeof(why))) {
		pr_err("kept capture: %s", why);
		return -EINVAL;
	}
	err = mod_open(&rt->mod, json_str(o, "name"), json_str(o, "path"),
		       json_str(o, "args"), json_str(o, "filter"));
	if (!err)
		err = mod_init(rt->mod);
	if (err)
		return err;
	rt->priority = rt->mod->desc->priority;
	snprintf(name, sizeof(name), "m%u_prog", rt->slot);
	rt->prog_fd = get(arg, name);
	snprintf(name, sizeof(name), "m%u_outer", rt->slot);
	rt->outer_fd = get(arg, name);
	for (h = 0; h < 2; h++) {
		snprintf(name, sizeof(name), "m%u_h%d", rt->slot, h);
		rt->half_fd[h] = get(arg, name);
	}
	if (rt->prog_fd < 0 || rt->outer_fd < 0 || rt->half_fd[0] < 0 ||
	    rt->half_fd[1] < 0)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(rt->half_fd[0], &info, &len))
		return -errno;
	rt->state_type = info.type;
	rt->key_size = info.key_size;
	rt->value_size = info.value_size;
	rt->max_entries = info.max_entries;
	rt->rows_max = info.max_entries;
	if (info.map_flags & BPF_F_MMAPABLE) {
		err = datapath_state_layout(mon->dp, rt);
		if (err)
			return err;
	}
	/* the epoch the kernel kept writing goes on: it is still open */
	clock_resume(rt, json_u64(o, "epoch_start"));
	rt->st.first_ns = json_u64(o, "first_ns");
	err = restore_names(rt, json_object_object_get(o, "also"));
	if (!err)
		err = stream_open(rt, mon->datadir, mon->kind, mon->source);
	if (err)
		return err;
	if (json_str(o, "stopped")) {
		snprintf(rt->stopped, sizeof(rt->stopped), "%s",
			 json_str(o, "stopped"));
		rt->lost_epochs = json_u64(o, "lost_epochs");
		return 0;
	}
	return export_start(rt);
}

/* Fills mon (dp, mods, fs) and *lp from a description and its objects. */
static int rebuild(struct monitor *mon, struct live **lp, const char *ifaces,
		   struct json_object *st, keep_get_fn get, void *arg)
{
	struct datapath *dp = mon->dp;
	struct json_object *arr;
	const char *kept_if;
	unsigned int i, n;
	int err = 0;

	kept_if = json_str(st, "interfaces") ?: "";
	if (strcmp(kept_if, ifaces)) {
		pr_err("the kept capture is of %s, not %s: start on the same "
		       "interfaces", kept_if, ifaces);
		return -EINVAL;
	}
	dp->ncpus = libbpf_num_possible_cpus();
	dp->live = true;
	dp->prog_fd = get(arg, "dispatch");
	for (i = 0; i < DP_MAPS; i++)
		dp->fd[i] = get(arg, datapath_map_names[i]);
	for (i = 0; i < DP_MAPS; i++)
		if (dp->fd[i] < 0 || dp->prog_fd < 0)
			err = -ENOENT;
	if (!err)
		err = datapath_ctl_map(dp);
	arr = json_object_object_get(st, "modules");
	n = arr ? json_object_array_length(arr) : 0;
	for (i = 0; !err && i < n && i < COMO_CHAIN_MAX; i++) {
		err = restore_module(mon, &mon->mods[i],
				     json_object_array_get_idx(arr, i), get, arg);
		mon->n = i + 1;
		if (err && !mon->mods[i])
			mon->n = i;
	}
	arr = json_object_object_get(st, "stages");
	n = arr ? json_object_array_length(arr) : 0;
	for (i = 0; !err && i < n && i < COMO_CHAIN_MAX; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct filter_stage *fs = &mon->fs[i];
		char name[32];

		fs->expr = strdup(json_str(o, "expr") ?: "");
		fs->mask = json_u64(o, "mask");
		fs->slot = json_u64(o, "slot");
		snprintf(name, sizeof(name), "f%u", fs->slot);
		fs->prog_fd = get(arg, name);
		err = fs->prog_fd < 0 ? fs->prog_fd : 0;
		mon->nfs = i + 1;
	}
	if (!err)
		err = live_adopt(lp, dp, ifaces, get, arg);
	return err;
}

int keep_restore(struct monitor *mon, struct live **lp, const char *ifaces)
{
	struct json_object *st;
	char path[4096], dir[4096];
	struct keeper kp = { .dir = dir };
	int err;

	state_path(mon->datadir, path, sizeof(path));
	st = state_read(mon->datadir);
	if (!st || !json_str(st, "pins")) {
		pr_err("%s: unreadable", path);
		json_object_put(st);
		return -EBADMSG;
	}
	snprintf(dir, sizeof(dir), "%s", json_str(st, "pins"));
	err = rebuild(mon, lp, ifaces, st, get_pin, &kp);
	json_object_put(st);
	if (err) {
		pr_err("cannot pick up the capture state kept in %s", dir);
		return err;
	}
	/* everything is held by this process now */
	unpin_all(dir);
	state_remove(mon->datadir);
	pr_notice("picked up the capture state kept in %s: %u modules", dir,
		  mon->n);
	return 0;
}

/*
 * como.ko takes the capture as it now is; comod says it again whenever it
 * changes (a module loaded or unloaded), so a crash never leaves como.ko
 * holding less than runs.
 */
int keep_hand_over(struct kmod *k, struct monitor *mon, struct live *l,
		   const char *ifaces)
{
	struct json_object *st = NULL;
	struct keeper kp = {};
	char real[4096];
	int err;

	err = describe(mon, l, ifaces, put_obj, &kp, &st);
	if (!realpath(mon->datadir, real))
		snprintf(real, sizeof(real), "%s", mon->datadir);
	if (!err)
		err = kmod_capture_set(k, real,
				       json_object_to_json_string_ext(st, JSON_PLAIN),
				       kp.objs, kp.n);
	json_object_put(st);
	free(kp.objs);
	return err;
}

/* 1 when como.ko holds a capture of this data directory. */
int keep_held(struct kmod *k, const char *datadir)
{
	char *dir = NULL, *desc = NULL, real[4096];
	struct kmod_obj *objs = NULL;
	unsigned int n;
	int err;

	err = kmod_capture_get(k, &dir, &desc, &objs, &n);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (!realpath(datadir, real))
		snprintf(real, sizeof(real), "%s", datadir);
	err = !strcmp(dir, real);
	free(dir);
	free(desc);
	free(objs);
	return err ? 1 : -EBUSY;
}

int keep_take_back(struct kmod *k, struct monitor *mon, struct live **lp,
		   const char *ifaces)
{
	struct json_object *st = NULL;
	struct keeper kp = {};
	char *dir = NULL, *desc = NULL;
	int err;

	err = kmod_capture_get(k, &dir, &desc, &kp.objs, &kp.n);
	if (err)
		return err;
	st = json_tokener_parse(desc);
	if (!st) {
		pr_err("como.ko's description of the capture is unreadable");
		err = -EBADMSG;
	}
	if (!err)
		err = rebuild(mon, lp, ifaces, st, get_obj, &kp);
	json_object_put(st);
	free(dir);
	free(desc);
	free(kp.objs);
	if (err) {
		pr_err("cannot take back the capture como.ko holds");
		return err;
	}
	pr_notice("took back the capture como.ko held: %u modules", mon->n);
	return 0;
}
