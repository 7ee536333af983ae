// SPDX-License-Identifier: BSD-3-Clause
/*
 * The loader: the dispatcher from its skeleton, then each module's object
 * from the ELF its .so embeds, joined to the dispatcher's maps and put in a
 * slot of the tail-call chain. A module is verified on its own, so the
 * verifier names the module it refuses.
 *
 * Part of comod: the bottom, with the kernel below it; called by every
 * part that loads, links, reads or steers the data path; calls libbpf.
 */
#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <como/module.h>
#include <como/table.h>
#include "datapath.h"
#include "dispatch.skel.h"
#include "filter.h"
#include "log.h"

const char *const datapath_map_names[DP_MAPS] = {
	[DP_VEC] = "como_vec", [DP_WIN] = "como_win", [DP_CFG] = "como_cfg",
	[DP_CTL] = "como_ctl", [DP_STATS] = "como_stats",
	[DP_PROGS] = "como_progs",
};

int datapath_open(struct datapath *dp)
{
	int err, i;

	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0)
		return dp->ncpus ?: -EINVAL;
	dp->skel = dispatch_bpf__open();
	if (!dp->skel) {
		err = -errno;
		pr_err("cannot open the dispatcher: %s", strerror(errno));
		return err;
	}
	/* indexed by CPU: one parsed batch and its windows per CPU */
	bpf_map__set_max_entries(dp->skel->maps.como_vec, dp->ncpus);
	bpf_map__set_max_entries(dp->skel->maps.como_win, dp->ncpus);
	err = dispatch_bpf__load(dp->skel);
	if (err) {
		pr_err("the kernel refused the dispatcher: %s (run as root; "
		       "-vv shows the verifier log)", strerror(-err));
		dispatch_bpf__destroy(dp->skel);
		dp->skel = NULL;
		return err;
	}
	dp->prog_fd = bpf_program__fd(dp->skel->progs.como_dispatch);
	for (i = 0; i < DP_MAPS; i++)
		dp->fd[i] = bpf_map__fd(bpf_object__find_map_by_name(
			dp->skel->obj, datapath_map_names[i]));
	return datapath_ctl_map(dp);
}

#define CTL_MAP_LEN	(((COMO_MAX_SLOTS * sizeof(struct como_ctl)) + 4095) & ~4095UL)

/*
 * The control map, mapped: comod writes the fields it owns one at a time,
 * so that it never writes back a half, an epoch or a sampling rate that
 * como.ko's clock or guard changed in the meantime.
 */
int datapath_ctl_map(struct datapath *dp)
{
	void *p = mmap(NULL, CTL_MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		       dp->fd[DP_CTL], 0);

	if (p == MAP_FAILED) {
		pr_err("cannot map the control map: %s", strerror(errno));
		return -errno;
	}
	dp->ctl = p;
	return 0;
}

struct como_ctl datapath_ctl(const struct datapath *dp, const struct modrt *rt)
{
	volatile struct como_ctl *v = &dp->ctl[rt->slot];

	return (struct como_ctl){
		.next = v->next, .half = v->half, .sampling = v->sampling,
		.enabled = v->enabled, .epoch = v->epoch,
	};
}

void datapath_flip(struct datapath *dp, const struct modrt *rt, __u32 *half,
		   __u64 *epoch)
{
	volatile struct como_ctl *v = &dp->ctl[rt->slot];

	*half = v->half & 1;
	*epoch = v->epoch;
	v->half = *half ^ 1;
	v->epoch = *epoch + 1;
}

void datapath_ctl_reset(struct datapath *dp, const struct modrt *rt)
{
	volatile struct como_ctl *v = &dp->ctl[rt->slot];

	v->half = 0;
	v->epoch = 0;
	v->sampling = 1;
	v->enabled = 1;
	v->next = COMO_SLOT_END;
	v->flip_ns = ~0ULL;
	v->sampled_any[0] = v->sampled_any[1] = 0;
}

/*
 * Whether sampling or a stop may have left packets of HALF out since it
 * was last asked (the module's programs are done with HALF: it is being
 * drained). Cleared before sampling is looked at: a writer sets sampling,
 * then the flag, so a change in between is never lost.
 */
bool datapath_sampled_take(struct datapath *dp, const struct modrt *rt,
			   __u32 half)
{
	volatile struct como_ctl *v = &dp->ctl[rt->slot];

	if (!v->sampled_any[half & 1])
		return false;
	v->sampled_any[half & 1] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (v->sampling > 1 || !v->enabled)
		v->sampled_any[half & 1] = 1;
	return true;
}

/* After a change of sampling or enabled: both halves may lose packets. */
static void sampled_mark(volatile struct como_ctl *v)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	v->sampled_any[0] = 1;
	v->sampled_any[1] = 1;
}

void datapath_set_flip(struct datapath *dp, const struct modrt *rt, __u64 ns)
{
	dp->ctl[rt->slot].flip_ns = ns;
}

void datapath_set_sampling(struct datapath *dp, const struct modrt *rt,
			   __u32 sampling, __u32 enabled)
{
	volatile struct como_ctl *v = &dp->ctl[rt->slot];

	v->sampling = sampling;
	v->enabled = enabled;
	sampled_mark(v);
}

/* The kernel waits for an RCU grace period on a map-in-map update. */
int datapath_grace_period(const struct modrt *rt, __u32 half)
{
	half &= 1;
	return bpf_map_update_elem(rt->outer_fd, &half, &rt->half_fd[half], 0) ?
	       -errno : 0;
}

/* Gives the module object the dispatcher's shared maps. */
static int reuse_shared_maps(struct datapath *dp, struct bpf_object *obj)
{
	struct bpf_map *m;
	int i, err;

	for (i = 0; i < DP_MAPS; i++) {
		m = bpf_object__find_map_by_name(obj, datapath_map_names[i]);
		if (!m)
			continue;
		err = bpf_map__reuse_fd(m, dp->fd[i]);
		if (err)
			return err;
	}
	return 0;
}

static int set_slot(struct bpf_object *obj, unsigned int slot)
{
	struct bpf_map *ro = bpf_object__find_map_by_name(obj, ".rodata.como");
	size_t size;
	__u32 *val;

	if (!ro)
		return -ENOENT;
	val = (__u32 *)bpf_map__initial_value(ro, &size);
	if (!val || size < sizeof(*val))
		return -EINVAL;
	*val = slot;
	return 0;
}

/*
 * The secret the module's table hash is keyed with, new for each instance
 * (include/como/table.h). Only the kernel needs it: the drain walks the
 * rows used and never hashes, and a kept capture keeps the program that
 * holds it. -vv names it by a digest, never by its value, so that two
 * runs can be told apart.
 */
static int set_key(struct bpf_object *obj, const struct como_mod *m)
{
	struct bpf_map *ro = bpf_object__find_map_by_name(obj, ".rodata.como_key");
	static const char what[] = "como key digest";
	struct como_hash_key key;
	int err;

	/* a module built before its tables were keyed */
	if (!ro)
		return 0;
	if (getrandom(&key, sizeof(key), 0) != sizeof(key)) {
		err = -errno;
		pr_err("module %s: cannot draw its table hash key: %s", m->name,
		       strerror(errno));
		return err;
	}
	err = bpf_map__set_initial_value(ro, &key, sizeof(key));
	if (!err)
		pr_debug("module %s: table hash keyed, key digest %08x", m->name,
			 (unsigned int)como_siphash13(key.k[0], key.k[1], what,
						     sizeof(what) - 1));
	else
		pr_err("module %s: its capture side's hash key is not %zu "
		       "bytes", m->name, sizeof(key));
	explicit_bzero(&key, sizeof(key));
	return err;
}

/* The module's COMO_ARGS, as its init() set them. */
static int set_args(struct bpf_object *obj, const struct como_mod *m)
{
	struct bpf_map *ro = bpf_object__find_map_by_name(obj, ".rodata.args");

	if (!m->bpf_args)
		return 0;
	if (!ro || bpf_map__value_size(ro) != m->bpf_args_size) {
		pr_err("module %s: its init() set %zu bytes of capture constants "
		       "but its capture side declares %s%u (COMO_ARGS)", m->name,
		       m->bpf_args_size, ro ? "" : "none, ",
		       ro ? bpf_map__value_size(ro) : 0);
		return -EINVAL;
	}
	return bpf_map__set_initial_value(ro, m->bpf_args, m->bpf_args_size);
}

/*
 * The state's layout, from the module's definition: a COMO_TABLE says its
 * own key and value sizes and rows per CPU (include/como/table.h), and
 * its halves hold every CPU's rows; any other definition is the map.
 */
static void state_layout(struct modrt *rt, const struct bpf_map *def,
			 int ncpus)
{
	rt->state_type = bpf_map__type(def);
	rt->key_size = bpf_map__key_size(def);
	rt->value_size = bpf_map__value_size(def);
	rt->max_entries = bpf_map__max_entries(def);
	rt->table = rt->state_type == BPF_MAP_TYPE_ARRAY &&
		    (bpf_map__map_flags(def) & BPF_F_MMAPABLE);
	rt->rows_max = rt->max_entries;
	if (!rt->table)
		return;
	/* each CPU's region may hold other keys */
	rt->rows_max = rt->max_entries * ncpus;
	rt->table_direct = bpf_map__map_extra(def) == 1;
	rt->row_size = como_row_size(rt->key_size, rt->value_size);
	rt->region_rows = como_table_rows(rt->max_entries, rt->table_direct);
	rt->rows_len = (size_t)rt->row_size * rt->region_rows * ncpus;
}

int datapath_state_layout(struct datapath *dp, struct modrt *rt)
{
	const struct como_module *d = rt->mod->desc;
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = d->name);
	struct bpf_object *obj;
	struct bpf_map *def;
	const void *elf;
	size_t size;

	elf = d->bpf_elf(&size);
	obj = bpf_object__open_mem(elf, size, &opts);
	if (!obj)
		return -errno;
	def = bpf_object__find_map_by_name(obj, "como_state_def");
	if (def)
		state_layout(rt, def, dp->ncpus);
	bpf_object__close(obj);
	return def ? 0 : -EINVAL;
}

/*
 * Per-CPU values become one value in the drain: word by word, or as the
 * module's fold list says, which only a table's rows allow (a per-CPU
 * map holds every key on every CPU, so a minimum would be 0).
 */
static int state_fold_check(const struct modrt *rt)
{
	const struct como_fold *f = rt->mod->desc->fold;
	bool percpu = rt->table || rt->state_type == BPF_MAP_TYPE_PERCPU_ARRAY ||
		      rt->state_type == BPF_MAP_TYPE_PERCPU_HASH ||
		      rt->state_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;

	if (f && !rt->table) {
		pr_err("module %s: a fold list needs its state to be a "
		       "COMO_TABLE or COMO_ARRAY", rt->mod->name);
		return -EDOM;
	}
	for (; f && f->op; f++) {
		if (f->offset + f->size > rt->value_size) {
			pr_err("module %s: fold at offset %u (%u bytes) is past "
			       "its %u-byte state value", rt->mod->name,
			       f->offset, f->size, rt->value_size);
			return -EDOM;
		}
	}
	if (percpu && !rt->mod->desc->fold && rt->value_size % 8) {
		pr_err("module %s: its %u-byte state value is not whole __u64 "
		       "counters: say how its fields fold (.fold)",
		       rt->mod->name, rt->value_size);
		return -EDOM;
	}
	return 0;
}

/*
 * The two halves of the state, made from the module's definition before
 * its object loads: the first is also the template the kernel needs to
 * create the outer map.
 */
static int create_halves(struct datapath *dp, struct modrt *rt,
			 struct bpf_map *def, struct bpf_map *outer)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	__u32 ksize, vsize, entries;
	int i;

	state_layout(rt, def, dp->ncpus);
	ksize = rt->key_size;
	vsize = rt->value_size;
	entries = rt->max_entries;
	if (rt->table) {
		ksize = sizeof(__u32);
		vsize = rt->row_size;
		entries = rt->region_rows * dp->ncpus;
	}
	opts.map_flags = bpf_map__map_flags(def);
	for (i = 0; i < 2; i++) {
		rt->half_fd[i] = bpf_map_create(rt->state_type, NULL, ksize,
						vsize, entries, &opts);
		if (rt->half_fd[i] < 0)
			return -errno;
	}
	bpf_map__set_autocreate(def, false);
	return bpf_map__set_inner_map_fd(outer, rt->half_fd[0]);
}

/*
 * Both halves in one update: the kernel waits for an RCU grace period
 * after each update of a map of maps (some 8 ms here), and nothing runs
 * the module yet.
 */
static int fill_halves(struct modrt *rt, struct bpf_map *outer)
{
	__u32 keys[2] = { 0, 1 }, n = 2;

	rt->outer_fd = bpf_map__fd(outer);
	if (bpf_map_update_batch(rt->outer_fd, keys, rt->half_fd, &n, NULL))
		return -errno;
	return 0;
}

int datapath_add(struct datapath *dp, struct modrt *rt)
{
	const struct como_module *d = rt->mod->desc;
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = d->name);
	struct bpf_map *outer, *def;
	struct bpf_program *prog;
	struct como_stats st;
	const void *elf;
	size_t size;
	int err;

	rt->half_fd[0] = rt->half_fd[1] = -1;
	elf = d->bpf_elf(&size);
	rt->obj = bpf_object__open_mem(elf, size, &opts);
	if (!rt->obj) {
		err = -errno;
		pr_err("module %s: bad capture object: %s", rt->mod->name,
		       strerror(errno));
		return err;
	}
	prog = bpf_object__find_program_by_name(rt->obj, "como_module");
	outer = bpf_object__find_map_by_name(rt->obj, "como_state");
	def = bpf_object__find_map_by_name(rt->obj, "como_state_def");
	if (!prog || !outer || !def) {
		pr_err("module %s: capture side has no COMO_UPDATE program or "
		       "COMO_STATE map", rt->mod->name);
		return -EINVAL;
	}
	err = reuse_shared_maps(dp, rt->obj);
	if (!err)
		err = set_slot(rt->obj, rt->slot);
	if (err) {
		pr_err("module %s: cannot join the dispatcher: %s",
		       rt->mod->name, strerror(-err));
		return err;
	}
	err = set_args(rt->obj, rt->mod);
	err = err ?: set_key(rt->obj, rt->mod);
	if (err)
		return err;
	err = create_halves(dp, rt, def, outer);
	err = err ?: state_fold_check(rt);
	if (err == -EDOM)
		return -EINVAL;
	if (err) {
		pr_err("module %s: cannot create its state maps: %s",
		       rt->mod->name, strerror(-err));
		return err;
	}
	log_clear();
	err = bpf_object__load(rt->obj);
	if (err) {
		/* why, at which source line; -vv shows the whole log */
		pr_err("module %s: the kernel verifier refused its capture side: "
		       "%s; -vv (comod -vv, como run -vv) prints the whole "
		       "verifier log", rt->mod->name, *log_verifier_reason() ?
		       log_verifier_reason() : strerror(-err));
		return err;
	}
	err = fill_halves(rt, outer);
	if (err) {
		pr_err("module %s: cannot attach its state maps: %s",
		       rt->mod->name, strerror(-err));
		return err;
	}
	rt->prog_fd = bpf_program__fd(prog);
	datapath_ctl_reset(dp, rt);
	/* a slot's figures go on from its last module: the drain counts on */
	if (!datapath_stats(dp, rt->slot + 1, &st)) {
		rt->sampled_seen[0] = st.sampled[0];
		rt->sampled_seen[1] = st.sampled[1];
	}
	return 0;
}

/*
 * A stage or module in the chain: its successor first, then its program.
 * Only 'next' is written: while como.ko runs a module, the rest of its
 * entry is como.ko's.
 */
static int chain_put(struct datapath *dp, __u32 slot, int prog_fd, __u32 next)
{
	dp->ctl[slot].next = next;
	if (bpf_map_update_elem(dp->fd[DP_PROGS], &slot, &prog_fd, 0))
		return -errno;
	return 0;
}

/*
 * Puts the filter stages, then the modules, in the chain in the order
 * given, then makes the first one the head: until then the dispatcher runs
 * nothing, so a packet never meets a half-built chain.
 */
int datapath_link(struct datapath *dp, struct filter_stage *fs,
		  unsigned int nfs, struct modrt *const *mods, unsigned int n)
{
	struct como_cfg cfg = {
		.head = COMO_SLOT_END,
		.clock_offset_ns = dp->clock_offset_ns,
		.coarse_offset_ns = dp->coarse_offset_ns,
		.flags = COMO_CFG_TS_COARSE,
	};
	__u32 zero = 0, next = COMO_SLOT_END;
	int i, err;

	for (i = n - 1; i >= 0; i--) {
		err = chain_put(dp, mods[i]->slot, mods[i]->prog_fd, next);
		if (err)
			return err;
		next = mods[i]->slot;
		/* a module that declares nothing may need anything */
		if (!mods[i]->mod->desc->needs ||
		    mods[i]->mod->desc->needs & COMO_CAP_TS_NS)
			cfg.flags &= ~COMO_CFG_TS_COARSE;
		/* a module without a filter sees every packet */
		if (!mods[i]->mod->filter)
			cfg.match_all |= 1ULL << mods[i]->slot;
	}
	for (i = nfs - 1; i >= 0; i--) {
		/* a stage's entry is comod's alone: it is never registered */
		dp->ctl[fs[i].slot].sampling = 1;
		dp->ctl[fs[i].slot].enabled = 1;
		err = chain_put(dp, fs[i].slot, fs[i].prog_fd, next);
		if (err)
			return err;
		next = fs[i].slot;
	}
	cfg.head = next;
	return bpf_map_update_elem(dp->fd[DP_CFG], &zero, &cfg, 0) ? -errno : 0;
}

struct dp_batch *datapath_batch_new(void)
{
	struct dp_batch *b = calloc(1, sizeof(*b));

	if (b)
		b->stage = malloc(COMO_BATCH_MAX * COMO_SNAP);
	if (b && b->stage)
		return b;
	free(b);
	return NULL;
}

void datapath_batch_free(struct dp_batch *b)
{
	if (b)
		free(b->stage);
	free(b);
}

int datapath_win_map(struct datapath *dp)
{
	size_t len = ((size_t)dp->ncpus * sizeof(struct como_win) + 4095) &
		     ~4095UL;
	void *p;

	if (dp->win)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 dp->fd[DP_WIN], 0);
	if (p == MAP_FAILED) {
		pr_err("cannot map the packet windows: %s", strerror(errno));
		return -errno;
	}
	dp->win = p;
	dp->win_len = len;
	return 0;
}

/* B's packets in CPU's windows, as the dispatcher reads them. */
static void batch_write(struct datapath *dp, const struct dp_batch *b,
			int cpu)
{
	struct como_win *w = &dp->win[cpu];
	__u32 i, n;

	for (i = 0; i < b->count; i++) {
		const struct dp_pkt *p = &b->pkt[i];
		struct como_batch_rec *rec = (void *)w->pkt[i];

		rec->ts = p->ts;
		rec->len = p->len;
		rec->caplen = p->caplen;
		n = p->caplen < COMO_SNAP ? p->caplen : COMO_SNAP;
		memcpy(rec + 1, p->data, n);
	}
}

int datapath_run(struct datapath *dp, const struct dp_batch *b)
{
	__u8 data[COMO_BATCH_DATA] __attribute__((aligned(8))) = { 0 };
	struct como_batch_meta *bm = (void *)data;
	struct xdp_md ctx = { .data = sizeof(*bm), .data_end = sizeof(data) };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = sizeof(data),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	int cpu, err, tries;

	*bm = (struct como_batch_meta){
		.magic = COMO_BATCH_MAGIC, .count = b->count,
		.linktype = b->linktype, .batch = b->num,
	};
	/* a thread that moved between the writing and the run writes again */
	for (tries = 0; tries < 8; tries++) {
		cpu = sched_getcpu();
		if (cpu < 0 || cpu >= dp->ncpus)
			return -ENXIO;
		batch_write(dp, b, cpu);
		bm->cpu = cpu;
		err = bpf_prog_test_run_opts(dp->prog_fd, &opts);
		if (err) {
			err = -errno;
			pr_err("BPF_PROG_RUN of the dispatcher failed: %s",
			       strerror(errno));
			return err;
		}
		if (opts.retval != XDP_ABORTED)
			return 0;
	}
	pr_err("BPF_PROG_RUN of the dispatcher: the thread never stayed on "
	       "one CPU from writing a batch to running it");
	return -EAGAIN;
}

int datapath_stats(struct datapath *dp, __u32 key, struct como_stats *sum)
{
	int fd = dp->fd[DP_STATS];
	struct como_stats *v;
	int i;

	v = calloc(dp->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(fd, &key, v)) {
		free(v);
		return -errno;
	}
	for (i = 0; i < dp->ncpus; i++) {
		sum->pkts += v[i].pkts;
		sum->bytes += v[i].bytes;
		sum->updates += v[i].updates;
		sum->errors += v[i].errors;
		sum->non_ip += v[i].non_ip;
		sum->trunc += v[i].trunc;
		sum->run_ns += v[i].run_ns;
		sum->sampled[0] += v[i].sampled[0];
		sum->sampled[1] += v[i].sampled[1];
	}
	free(v);
	return 0;
}

int datapath_cpu_packets(struct datapath *dp, __u64 *pkts)
{
	struct como_stats *v = calloc(dp->ncpus, sizeof(*v));
	__u32 key = 0;
	int i, err = 0;

	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(dp->fd[DP_STATS], &key, v))
		err = -errno;
	for (i = 0; i < dp->ncpus && !err; i++)
		pkts[i] = v[i].pkts;
	free(v);
	return err;
}

void datapath_unload(struct modrt *rt)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (rt->rows[i])
			munmap(rt->rows[i], rt->rows_len);
		rt->rows[i] = NULL;
		if (rt->half_fd[i] >= 0)
			close(rt->half_fd[i]);
	}
	if (!rt->obj) {
		/* picked up from kept state: the fds are ours */
		if (rt->prog_fd > 0)
			close(rt->prog_fd);
		if (rt->outer_fd > 0)
			close(rt->outer_fd);
	}
	bpf_object__close(rt->obj);
	rt->obj = NULL;
}

void datapath_unslot(struct datapath *dp, __u32 slot)
{
	bpf_map_delete_elem(dp->fd[DP_PROGS], &slot);
}

void datapath_close(struct datapath *dp)
{
	int i;

	if (dp->ctl)
		munmap((void *)dp->ctl, CTL_MAP_LEN);
	dp->ctl = NULL;
	if (dp->win)
		munmap(dp->win, dp->win_len);
	dp->win = NULL;
	if (dp->skel) {
		dispatch_bpf__destroy(dp->skel);
		dp->skel = NULL;
		return;
	}
	/* picked up from pins: the fds are ours */
	for (i = 0; i < DP_MAPS; i++)
		if (dp->fd[i] > 0)
			close(dp->fd[i]);
	if (dp->prog_fd > 0)
		close(dp->prog_fd);
}
