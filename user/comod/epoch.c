// SPDX-License-Identifier: BSD-3-Clause
/*
 * Epochs. A module writes half (epoch & 1) of its state; at the end of an
 * interval comod flips the module to the other half, waits until no
 * program can still be writing the closed one, drains it, hands the rows
 * to export() and leaves the half empty for the epoch after next.
 *
 * "No program still writes": a trace is fed by synchronous BPF_PROG_RUN
 * calls, so once the last run of the interval has returned nothing can.
 * On a live interface an XDP program may be running on another CPU with
 * the old half in hand; it runs under rcu_read_lock, and the kernel waits
 * for an RCU grace period whenever user space updates a map-in-map, so
 * writing the closed half back into its own slot is the wait we need.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "comod.h"
#include "ctl.h"
#include "log.h"
#include "store.h"

static bool is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_array(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

void epoch_open(struct modrt *rt, uint64_t ts)
{
	uint64_t ivl = rt->mod->interval_ns;

	rt->epoch_start = ts - ts % ivl;
	rt->epoch_end = rt->epoch_start + ivl;
	rt->open = true;
}

static int rows_reserve(struct modrt *rt, size_t vsize_raw)
{
	__u32 cap = rt->max_entries;

	if (rt->rows_cap >= cap)
		return 0;
	rt->keys = realloc(rt->keys, (size_t)cap * rt->key_size);
	rt->values = realloc(rt->values, (size_t)cap * rt->value_size);
	rt->raw = realloc(rt->raw, (size_t)cap * vsize_raw);
	if (!rt->keys || !rt->values || !rt->raw)
		return -ENOMEM;
	rt->rows_cap = cap;
	return 0;
}

/* Adds up the per-CPU copies of a value (structs of __u64 counters). */
static bool fold_value(struct modrt *rt, const void *raw, void *out, int ncpus,
		       size_t stride)
{
	__u64 *o = out;
	const __u64 *in;
	bool nonzero = false;
	unsigned int i, w = rt->value_size / 8;
	int c;

	if (!ncpus) {
		memcpy(out, raw, rt->value_size);
		for (i = 0; i < w; i++)
			nonzero |= o[i] != 0;
		return nonzero || w == 0;
	}
	memset(out, 0, rt->value_size);
	for (c = 0; c < ncpus; c++) {
		in = (const __u64 *)((const char *)raw + c * stride);
		for (i = 0; i < w; i++)
			o[i] += in[i];
	}
	for (i = 0; i < w; i++)
		nonzero |= o[i] != 0;
	return nonzero;
}

/* The size of one value as a batch call reads it: per CPU, or one. */
static size_t raw_size(struct datapath *dp, struct modrt *rt, size_t *stride)
{
	bool pc = is_percpu(rt->state_type);

	*stride = pc ? (rt->value_size + 7) & ~7U : rt->value_size;
	return pc ? *stride * dp->ncpus : *stride;
}

/* An array in one batch call; the keys buffer holds the indexes. */
static int read_array(struct modrt *rt, int fd, size_t vraw, int ncpus,
		      size_t stride, __u32 *nrows)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *idx = rt->keys, i, n = 0, count = rt->max_entries;
	__u64 token = 0;
	int err;

	err = bpf_map_lookup_batch(fd, NULL, &token, idx, rt->raw, &count, &opts);
	if (err && errno != ENOENT)
		return -errno;
	for (i = 0; i < count; i++) {
		if (!fold_value(rt, (char *)rt->raw + i * vraw,
				(char *)rt->values + (size_t)n * rt->value_size,
				ncpus, stride))
			continue;
		idx[n++] = idx[i];
	}
	*nrows = n;
	return 0;
}

/*
 * Reads the closed half into rt->keys/values, leaving it as it is: it is
 * emptied only once its rows are stored (clear_half), so a comod killed
 * in between loses nothing. Rows whose value is all zero (untouched
 * array slots) are left out.
 */
static int read_half(struct datapath *dp, struct modrt *rt, int fd,
		     __u32 *nrows)
{
	size_t stride, vraw = raw_size(dp, rt, &stride);
	int ncpus = is_percpu(rt->state_type) ? dp->ncpus : 0;
	__u64 token = 0;
	__u32 i, n = 0, got;
	int err;

	err = rows_reserve(rt, vraw);
	if (err)
		return err;
	if (is_array(rt->state_type))
		return read_array(rt, fd, vraw, ncpus, stride, nrows);

	/* a hash, in batches; the token is a bucket number */
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		void *keys = (char *)rt->keys + (size_t)n * rt->key_size;

		got = rt->max_entries - n;
		if (!got)
			break;
		err = bpf_map_lookup_batch(fd, n ? &token : NULL, &token, keys,
					   rt->raw, &got, &opts);
		if (err && errno != ENOENT)
			return -errno;
		for (i = 0; i < got; i++)
			fold_value(rt, (char *)rt->raw + i * vraw,
				   (char *)rt->values +
				   (size_t)(n + i) * rt->value_size, ncpus, stride);
		n += got;
		if (err)	/* ENOENT: that was the last batch */
			break;
	}
	*nrows = n;
	return 0;
}

/* Empties a half read by read_half(): NROWS keys of a hash, or every slot. */
static int clear_half(struct datapath *dp, struct modrt *rt, int fd,
		      __u32 nrows)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t stride, vraw = raw_size(dp, rt, &stride);
	__u32 *idx = rt->keys, i, count;
	void *zero;
	int err = 0;

	if (!is_array(rt->state_type)) {
		count = nrows;
		if (count && bpf_map_delete_batch(fd, rt->keys, &count, &opts))
			return -errno;
		return 0;
	}
	count = rt->max_entries;
	zero = calloc(count, vraw);
	if (!zero)
		return -ENOMEM;
	for (i = 0; i < count; i++)
		idx[i] = i;
	if (bpf_map_update_batch(fd, idx, zero, &count, &opts))
		err = -errno;
	free(zero);
	return err;
}

/*
 * Reads HALF, which held EPOCH over [START, END), hands the rows to
 * export(), stores them (a live monitor's at once, so that they are
 * queryable and survive a crash), and only then empties the half. The
 * writers of that half are gone (see epoch_close, or como.ko's clock,
 * which waits for them before it announces an epoch).
 */
int epoch_export(struct datapath *dp, struct modrt *rt, __u32 half,
		 __u64 epoch, __u64 start, __u64 end)
{
	struct como_table t = {
		.epoch = epoch,
		.start_ns = start,
		.interval_ns = end > start ? end - start : rt->mod->interval_ns,
		.key_size = rt->key_size,
		.value_size = rt->value_size,
	};
	int fd = rt->half_fd[half & 1], err;

	err = read_half(dp, rt, fd, &t.nrows);
	if (err) {
		pr_err("module %s: cannot drain epoch %llu: %s", rt->mod->name,
		       (unsigned long long)t.epoch, strerror(-err));
		return err;
	}
	t.keys = rt->keys;
	t.values = rt->values;
	err = rt->mod->desc->export(rt->mod, &t);
	if (err < 0) {
		/* a module's failure is its own: count it, keep running */
		rt->errors++;
		pr_warn("module %s: export() failed for the interval at %llu: %s",
			rt->mod->name, (unsigned long long)t.start_ns,
			strerror(-err));
	}
	err = dp->live && rt->store ? store_flush(rt->store) : 0;
	if (!err)
		err = clear_half(dp, rt, fd, t.nrows);
	if (err) {
		pr_err("module %s: cannot store and empty epoch %llu: %s",
		       rt->mod->name, (unsigned long long)t.epoch, strerror(-err));
		return err;
	}
	ctl_notify_epoch_closed(rt->mod->name, t.epoch, t.start_ns,
				t.start_ns + t.interval_ns);
	return 0;
}

/* Empties HALF without storing it: its rows are stored already. */
int epoch_discard(struct datapath *dp, struct modrt *rt, __u32 half)
{
	int fd = rt->half_fd[half & 1];
	__u32 n;
	int err;

	err = read_half(dp, rt, fd, &n);
	return err ?: clear_half(dp, rt, fd, n);
}

int epoch_close(struct datapath *dp, struct modrt *rt)
{
	__u32 closed = rt->ctl.half & 1;
	__u64 epoch = rt->ctl.epoch;
	int err;

	rt->ctl.half ^= 1;
	rt->ctl.epoch++;
	err = datapath_ctl_write(dp, rt);
	if (err) {
		pr_err("module %s: cannot flip its epoch: %s", rt->mod->name,
		       strerror(-err));
		return err;
	}
	rt->open = false;
	if (dp->live &&
	    bpf_map_update_elem(rt->outer_fd, &closed, &rt->half_fd[closed], 0)) {
		err = -errno;
		pr_err("module %s: cannot wait for the closed epoch's writers: %s",
		       rt->mod->name, strerror(-err));
		return err;
	}
	return epoch_export(dp, rt, closed, epoch, rt->epoch_start,
			    rt->epoch_end);
}
