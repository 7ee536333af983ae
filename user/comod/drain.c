// SPDX-License-Identifier: BSD-3-Clause
/*
 * The drain: a closed half of a module's state read (batch calls), its
 * per-CPU values folded, the rows handed to export, and only once they are
 * stored, the half emptied for the epoch after next. A comod killed in
 * between leaves the epoch to be read again.
 *
 * The writers of the half are gone when the drain is called: the clock
 * that closed the epoch waited for them (clock.c, or como.ko's clock).
 *
 * Part of comod: called by the clocks (clock.c, kclock.c); calls export.c,
 * datapath.c (what sampling left out), stream.c (flush), events.c and
 * nothing above.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <como/table.h>
#include <bpf/libbpf.h>
#include "datapath.h"
#include "drain.h"
#include "events.h"
#include "export.h"
#include "log.h"
#include "stream.h"

static bool is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_array(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static int rows_reserve(struct modrt *rt, size_t vsize_raw)
{
	__u32 cap = rt->rows_max;

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

/* Adds up the per-CPU copies of a per-CPU map's value (__u64 counters). */
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

/* A table's rows: comod maps a half once, the first time it drains it. */
static char *table_rows(struct modrt *rt, __u32 half)
{
	void *p;

	if (rt->rows[half])
		return rt->rows[half];
	p = mmap(NULL, rt->rows_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 rt->half_fd[half], 0);
	if (p == MAP_FAILED)
		return NULL;
	rt->rows[half] = p;
	return p;
}

static struct como_row_hdr *row_at(const struct modrt *rt, char *region,
				   __u32 i)
{
	return (struct como_row_hdr *)(region + (size_t)i * rt->row_size);
}

/*
 * CPU C's region and its rows used, in the order they were: the list a
 * program wrote, each entry checked (a row outside the region is none).
 */
static __u32 region_used(const struct modrt *rt, char *rows, int c,
			 char **region, __u32 *used)
{
	__u32 n, i, r, k = 0;

	*region = rows + (size_t)c * rt->region_rows * rt->row_size;
	n = row_at(rt, *region, 0)->count;
	if (n > rt->max_entries)
		n = rt->max_entries;
	for (i = 0; i < n; i++) {
		r = row_at(rt, *region, i)->touched;
		if (r && r <= rt->region_rows)
			used[k++] = r - 1;
	}
	return k;
}

/*
 * A row of one CPU's list, and where it stands in the order keys came:
 * the batch that brought its key ('used'), then its place on the list of
 * the CPU that ran that batch (a batch runs on one CPU).
 */
struct row_ref {
	char *row;
	__u32 batch;
	__u32 pos;
};

static __thread const struct modrt *sort_rt;

static int key_cmp(const char *ra, const char *rb)
{
	const char *ka = ra + como_row_key_off();
	const char *kb = rb + como_row_key_off();
	__u32 ia, ib;

	if (sort_rt->table_direct) {
		memcpy(&ia, ka, sizeof(ia));
		memcpy(&ib, kb, sizeof(ib));
		return ia < ib ? -1 : ia > ib;
	}
	return memcmp(ka, kb, sort_rt->key_size);
}

static int came_cmp(const struct row_ref *a, const struct row_ref *b)
{
	if (a->batch != b->batch)
		return a->batch < b->batch ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* By key, and a key's rows in the order they came. */
static int ref_cmp(const void *a, const void *b)
{
	const struct row_ref *x = a, *y = b;

	return key_cmp(x->row, y->row) ?: came_cmp(x, y);
}

/* One key's rows (refs[first], n of them): its first row leads. */
struct key_group {
	struct row_ref *first;
	__u32 n;
};

static int group_came_cmp(const void *a, const void *b)
{
	const struct key_group *x = a, *y = b;

	return came_cmp(x->first, y->first);
}

static __u64 fold_one(__u8 op, __u64 a, __u64 b)
{
	switch (op) {
	case COMO_FOLD_SUM:
		return a + b;
	case COMO_FOLD_MIN:
		return a < b ? a : b;
	case COMO_FOLD_MAX:
		return a > b ? a : b;
	case COMO_FOLD_OR:
		return a | b;
	}
	return a;
}

/*
 * Another CPU's value of the same key, into DST, field by field as the
 * module says (mod.c checked the list; datapath.c that it fits): a field
 * it does not list keeps the first row's (the CPU that saw the key first).
 */
static void fold_fields(const struct como_fold *f, void *dst, const void *src)
{
	__u64 a = 0, b = 0;

	for (; f->op; f++) {
		memcpy(&a, (char *)dst + f->offset, f->size);
		memcpy(&b, (const char *)src + f->offset, f->size);
		a = fold_one(f->op, a, b);
		memcpy((char *)dst + f->offset, &a, f->size);
		a = b = 0;
	}
}

static void row_take(struct modrt *rt, const char *row, __u32 n, bool add)
{
	const __u64 *in = (const __u64 *)(row + como_row_value_off(rt->key_size));
	char *v = (char *)rt->values + (size_t)n * rt->value_size;
	unsigned int i;

	if (!add) {
		memcpy((char *)rt->keys + (size_t)n * rt->key_size,
		       row + como_row_key_off(), rt->key_size);
		memcpy(v, in, rt->value_size);
		return;
	}
	if (rt->mod->desc->fold) {
		fold_fields(rt->mod->desc->fold, v, in);
		return;
	}
	/* no .fold: the CPUs' values of one key added up, __u64 by __u64 */
	for (i = 0; i < rt->value_size / 8; i++)
		((__u64 *)v)[i] += in[i];
}

/* The rows used lists, one per CPU, end to end in rt->raw. */
static void table_lists(struct datapath *dp, struct modrt *rt, char *rows,
		       __u32 *count, __u32 *total, int *only)
{
	__u32 *used = rt->raw;
	char *region;
	int c;

	*total = 0;
	*only = -1;
	for (c = 0; c < dp->ncpus; c++) {
		count[c] = region_used(rt, rows, c, &region, used + *total);
		if (count[c])
			*only = *only == -1 ? c : -2;
		*total += count[c];
	}
}

/*
 * Several CPUs' rows: each key's values folded into its first row's,
 * the keys in the order they first came (an array's in key order), as one
 * CPU that ran every batch would have listed them.
 */
static int merge_regions(struct datapath *dp, struct modrt *rt, char *rows,
			 const __u32 *count, __u32 total, __u32 *nrows)
{
	struct row_ref *refs = malloc(total * sizeof(*refs) + 1);
	struct key_group *groups = malloc(total * sizeof(*groups) + 1);
	__u32 *used = rt->raw, i, j, ng = 0, k = 0;
	char *region;
	int c;

	if (!refs || !groups) {
		free(refs);
		free(groups);
		return -ENOMEM;
	}
	for (c = 0; c < dp->ncpus; c++) {
		region = rows + (size_t)c * rt->region_rows * rt->row_size;
		for (i = 0; i < count[c]; i++, k++) {
			refs[k].row = (char *)row_at(rt, region, used[k]);
			refs[k].batch = ((struct como_row_hdr *)refs[k].row)->used;
			refs[k].pos = i;
		}
	}
	sort_rt = rt;
	qsort(refs, total, sizeof(*refs), ref_cmp);
	for (i = 0; i < total; i++) {
		if (i && !key_cmp(refs[i - 1].row, refs[i].row)) {
			groups[ng - 1].n++;
			continue;
		}
		groups[ng].first = &refs[i];
		groups[ng++].n = 1;
	}
	if (!rt->table_direct)
		qsort(groups, ng, sizeof(*groups), group_came_cmp);
	for (i = 0; i < ng; i++) {
		row_take(rt, groups[i].first->row, i, false);
		for (j = 1; j < groups[i].n; j++)
			row_take(rt, groups[i].first[j].row, i, true);
	}
	free(refs);
	free(groups);
	*nrows = ng;
	return 0;
}

/*
 * A table's closed half: the rows each CPU used, and nothing else, in
 * the order their keys first came (an array's in key order), whichever
 * CPUs ran the batches. One CPU's rows are the table as they are;
 * several CPUs' are merged (merge_regions).
 */
static int read_table(struct datapath *dp, struct modrt *rt, __u32 half,
		      __u32 *nrows, __u32 *lost)
{
	char *rows = table_rows(rt, half), *region;
	__u32 *count, *used, i, total;
	int c, only, err;

	if (!rows)
		return -errno;
	err = rows_reserve(rt, sizeof(__u32));
	if (err)
		return err;
	count = calloc(dp->ncpus, sizeof(*count));
	if (!count)
		return -ENOMEM;
	table_lists(dp, rt, rows, count, &total, &only);
	used = rt->raw;
	*nrows = 0;
	*lost = 0;
	for (c = 0; c < dp->ncpus; c++) {
		region = rows + (size_t)c * rt->region_rows * rt->row_size;
		*lost += row_at(rt, region, 0)->lost;
	}
	if (only >= 0 && !rt->table_direct) {
		region = rows + (size_t)only * rt->region_rows * rt->row_size;
		for (i = 0; i < total; i++)
			row_take(rt, (char *)row_at(rt, region, used[i]), i,
				 false);
		*nrows = total;
		free(count);
		return 0;
	}
	err = merge_regions(dp, rt, rows, count, total, nrows);
	free(count);
	return err;
}

/*
 * Empties what read_table() read: the rows on each CPU's list, then the
 * list. The list is read whole first: it lives in the rows' headers.
 */
static void clear_table(struct datapath *dp, struct modrt *rt, __u32 half)
{
	char *rows = rt->rows[half], *region;
	__u32 *used = rt->raw, n, i;
	int c;

	if (!rows || !used)
		return;
	for (c = 0; c < dp->ncpus; c++) {
		__u32 listed;

		n = region_used(rt, rows, c, &region, used);
		listed = row_at(rt, region, 0)->count;
		if (listed > rt->max_entries)
			listed = rt->max_entries;
		for (i = 0; i < n; i++)
			memset(row_at(rt, region, used[i]), 0, rt->row_size);
		for (i = 0; i < listed; i++)
			row_at(rt, region, i)->touched = 0;
		row_at(rt, region, 0)->count = 0;
		row_at(rt, region, 0)->lost = 0;
	}
}

/*
 * The packets sampling left out of HALF's epoch: what the module's
 * figures added since HALF was last drained (its programs are done with
 * it by now).
 */
static __u64 sampled_take(struct datapath *dp, struct modrt *rt, __u32 half)
{
	struct como_stats st;
	__u64 n;

	if (!datapath_sampled_take(dp, rt, half))
		return 0;
	if (datapath_stats(dp, rt->slot + 1, &st))
		return 0;
	n = st.sampled[half] - rt->sampled_seen[half];
	rt->sampled_seen[half] = st.sampled[half];
	return n;
}

int drain_epoch(struct datapath *dp, struct modrt *rt, __u32 half,
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
	__u64 sampled;

	err = rt->table ? read_table(dp, rt, half & 1, &t.nrows, &t.lost) :
			  read_half(dp, rt, fd, &t.nrows);
	if (err) {
		pr_err("module %s: cannot drain epoch %llu: %s", rt->mod->name,
		       (unsigned long long)t.epoch, strerror(-err));
		return err;
	}
	t.keys = rt->keys;
	t.values = rt->values;
	/* packets its full state could not take, or that sampling left
	 * out: said where it is read */
	sampled = sampled_take(dp, rt, half & 1);
	if (t.lost || sampled)
		stream_overflow(rt, t.start_ns, t.interval_ns, t.lost, sampled);
	/* a module's failure is its own: export counts it, the run goes on */
	export_table(dp, rt, &t);
	/* a live monitor's records are queryable at once, and survive a crash */
	err = dp->live ? stream_flush(rt) : 0;
	if (!err && rt->table)
		clear_table(dp, rt, half & 1);
	else if (!err)
		err = clear_half(dp, rt, fd, t.nrows);
	if (err) {
		pr_err("module %s: cannot store and empty epoch %llu: %s",
		       rt->mod->name, (unsigned long long)t.epoch, strerror(-err));
		return err;
	}
	events_epoch_closed(rt->mod->name, t.epoch, t.start_ns,
			    t.start_ns + t.interval_ns);
	return 0;
}

void drain_end(struct datapath *dp, struct modrt *rt, __u64 now)
{
	export_finish(dp, rt, now);
}

void drain_empty(struct datapath *dp, struct modrt *rt, __u64 from, __u64 to)
{
	struct como_table t = {
		.epoch = 0,
		.start_ns = from,
		.interval_ns = to - from,
		.key_size = rt->key_size,
		.value_size = rt->value_size,
	};

	/* one table for the run of them: a trace's silence may be years */
	if (to > from)
		export_table(dp, rt, &t);
}

int drain_discard(struct datapath *dp, struct modrt *rt, __u32 half)
{
	int fd = rt->half_fd[half & 1];
	__u32 n;
	int err;

	/* what this epoch's sampling left out goes with it */
	sampled_take(dp, rt, half & 1);
	if (rt->table) {
		err = table_rows(rt, half & 1) ? 0 : -errno;
		err = err ?: rows_reserve(rt, sizeof(__u32));
		if (!err)
			clear_table(dp, rt, half & 1);
		return err;
	}
	err = read_half(dp, rt, fd, &n);
	return err ?: clear_half(dp, rt, fd, n);
}

void drain_free(struct modrt *rt)
{
	free(rt->keys);
	free(rt->values);
	free(rt->raw);
	rt->keys = rt->values = rt->raw = NULL;
	rt->rows_cap = 0;
}
