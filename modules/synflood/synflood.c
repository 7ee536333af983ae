// SPDX-License-Identifier: BSD-3-Clause
/*
 * synflood: destinations receiving SYNs without the matching SYN-ACKs,
 * over a threshold, per interval.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "synflood.h"
#include "synflood.skel.h"

static const struct como_field synflood_schema[] = {
	COMO_FIELD(struct synflood_rec, addr, COMO_FT_ADDR),
	COMO_FIELD(struct synflood_rec, syns, COMO_FT_U64),
	COMO_FIELD(struct synflood_rec, synacks, COMO_FT_U64),
	COMO_FIELD(struct synflood_rec, exact, COMO_FT_U8),
	COMO_FIELD(struct synflood_rec, syns_err, COMO_FT_U64),
	COMO_FIELD(struct synflood_rec, synacks_err, COMO_FT_U64),
	COMO_FIELD(struct synflood_rec, threshold, COMO_FT_U64),
	COMO_FIELD_END,
};

static const struct como_fold synflood_fold[] = {
	COMO_FOLD(struct synflood_val, syns, COMO_FOLD_SUM),
	COMO_FOLD(struct synflood_val, synacks, COMO_FOLD_SUM),
	COMO_FOLD(struct synflood_val, cpus, COMO_FOLD_OR),
	COMO_FOLD(struct synflood_val, vote, COMO_FOLD_SUM),
	COMO_FOLD(struct synflood_val, cand_syns, COMO_FOLD_SUM),
	COMO_FOLD(struct synflood_val, amin[0], COMO_FOLD_MIN),
	COMO_FOLD(struct synflood_val, amin[1], COMO_FOLD_MIN),
	COMO_FOLD(struct synflood_val, amax[0], COMO_FOLD_MAX),
	COMO_FOLD(struct synflood_val, amax[1], COMO_FOLD_MAX),
	COMO_FOLD_END,
};

static int synflood_init(struct como_mod *m, const char *args)
{
	__u64 min = 20;

	if (como_arg_u64(args, "min", &min) == -EINVAL || !min) {
		como_log(m, COMO_MSG_ERR, "min=N is a number of SYNs, 1 or more");
		return -EINVAL;
	}
	como_set_priv(m, (void *)(unsigned long)min);
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct synflood_rec *x = a, *y = b;

	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

/* The most unanswered SYNs first; equal ones by address. */
static int synflood_cmp(const void *a, const void *b)
{
	const struct synflood_rec *x = a, *y = b;
	__u64 ex = x->syns - x->synacks, ey = y->syns - y->synacks;

	if (ex != ey)
		return ex < ey ? 1 : -1;
	return by_addr(a, b);
}

/* A cell whose CPUs elected the same host (one with SYNs) */
static int agreed(const struct synflood_val *c)
{
	return c->syns && !memcmp(c->amin, c->amax, sizeof(c->amin));
}

/* The most SYNs a host can have in cell C, by the vote's invariant. */
static __u64 cell_syns_max(const struct synflood_val *c, const __u8 *addr)
{
	if (!agreed(c))
		return c->syns;
	if (addr && !memcmp(c->amin, addr, 16))
		return (c->syns + c->vote) / 2;
	return (c->syns - c->vote) / 2;
}

/*
 * What the sketch says of a host, added to its exact part: SYNs at most
 * the least of its cells' bounds, at least what it received since a cell
 * elected it; SYN-ACKs at most the least of its cells' (a SYN-ACK does
 * not vote), at least none.
 */
static void sf_estimate(const struct synflood_val *cells,
			struct synflood_rec *r)
{
	__u64 hi = ~0ULL, lo = 0, ahi = ~0ULL, b;
	const struct synflood_val *c;
	__u32 w[4], i;

	memcpy(w, r->addr, sizeof(w));
	for (i = 0; i < SF_DEPTH; i++) {
		c = &cells[i * SF_WIDTH + sf_hash(w, i)];
		b = cell_syns_max(c, r->addr);
		if (agreed(c) && !memcmp(c->amin, r->addr, 16) &&
		    c->cand_syns > lo)
			lo = c->cand_syns;
		hi = b < hi ? b : hi;
		ahi = c->synacks < ahi ? c->synacks : ahi;
	}
	r->syns += hi;
	r->syns_err = hi - (lo < hi ? lo : hi);
	r->synacks_err = ahi;
}

/* The most SYNs past the table that a host no cell elected can have. */
static __u64 sf_threshold(const struct synflood_val *cells)
{
	__u64 t = ~0ULL, row, b;
	__u32 i, j;

	for (i = 0; i < SF_DEPTH; i++) {
		for (row = 0, j = 0; j < SF_WIDTH; j++) {
			b = cell_syns_max(&cells[i * SF_WIDTH + j], NULL);
			row = b > row ? b : row;
		}
		t = row < t ? row : t;
	}
	return t;
}

/* The CPUs that counted in the sketch (bit c % 64 for CPU c): 0, none. */
static __u64 sf_sketched(struct como_table *t)
{
	const struct synflood_key *key;
	__u64 sketched = 0;
	__u32 i;

	for (i = 0; i < t->nrows; i++) {
		key = como_row_key(t, i);
		if (key->cell && key->cell <= SF_CELLS)
			sketched |= ((const struct synflood_val *)
				     como_row_value(t, i))->cpus;
	}
	return sketched;
}

/*
 * The exact rows, then the cells' candidates (CELLS: NULL when nothing
 * was sketched); a host is exact when every CPU that sketched counted it
 * in its table.
 */
static __u32 sf_entries(struct como_table *t, struct synflood_val *cells,
			__u64 sketched, struct synflood_rec *r)
{
	const struct synflood_key *key;
	const struct synflood_val *v;
	__u32 i, n = 0;

	for (i = 0; i < t->nrows; i++) {
		key = como_row_key(t, i);
		v = como_row_value(t, i);
		if (key->cell) {
			if (cells && key->cell <= SF_CELLS)
				cells[key->cell - 1] = *v;
			continue;
		}
		memcpy(r[n].addr, key->addr, sizeof(r[n].addr));
		r[n].syns = v->syns;
		r[n].synacks = v->synacks;
		r[n++].exact = !(sketched & ~v->cpus);
	}
	for (i = 0; cells && sketched && i < SF_CELLS; i++) {
		if (agreed(&cells[i]))
			memcpy(r[n++].addr, cells[i].amin, 16);
	}
	return n;
}

/*
 * A host counted exactly is reported when it has min more SYNs than
 * SYN-ACKs; an estimate when it surely has (its least SYNs against its
 * most SYN-ACKs), its errors saying how far off it may be.
 * Any host not reported received at most the threshold's SYNs past the
 * exact table: the most a host no cell elected can have, or an elected
 * one left out.
 */
static int synflood_export(struct como_mod *m, struct como_table *t)
{
	__u64 min = (unsigned long)como_priv(m), sketched = sf_sketched(t);
	/* the cells (576 KiB) only for an interval that used them */
	bool cells_used = sketched || t->lost;
	struct synflood_val *cells = cells_used ?
				     calloc(SF_CELLS, sizeof(*cells)) : NULL;
	struct synflood_rec *r = calloc(t->nrows + (cells_used ? SF_CELLS : 0) + 1,
					sizeof(*r));
	__u64 threshold = 0, sketch;
	__u32 i, n, u = 0;
	int err = -ENOMEM;

	if ((cells_used && !cells) || !r)
		goto out;
	n = sf_entries(t, cells, sketched, r);
	/* a candidate that is also an exact row is that row, sketched too */
	if (cells) {
		qsort(r, n, sizeof(*r), by_addr);
		for (i = 0; i < n; i++) {
			if (u && !by_addr(&r[u - 1], &r[i]))
				r[u - 1].exact = 0;
			else
				r[u++] = r[i];
		}
		threshold = sf_threshold(cells);
	} else {
		u = n;
	}
	for (n = 0, i = 0; i < u; i++) {
		if (r[i].exact || !cells) {
			if (r[i].syns >= r[i].synacks + min)
				r[n++] = r[i];
			continue;
		}
		sketch = r[i].syns;
		sf_estimate(cells, &r[i]);
		sketch = r[i].syns - sketch;
		if (r[i].syns - r[i].syns_err >=
		    r[i].synacks + r[i].synacks_err + min)
			r[n++] = r[i];
		else if (sketch > threshold)
			threshold = sketch;
	}
	for (i = 0; i < n; i++)
		r[i].threshold = threshold;
	qsort(r, n, sizeof(*r), synflood_cmp);
	for (err = 0, i = 0; i < n && !err; i++)
		err = como_emit(m, t->start_ns, &r[i]);
out:
	free(cells);
	free(r);
	return err;
}

COMO_MODULE(
	.name = "synflood",
	.summary = "destinations receiving SYNs without SYN-ACKs, over a threshold",
	.args = "min=N interval=DURATION",
	.needs = COMO_CAP_L3 | COMO_CAP_L4,
	.max_sampling = 1,
	.bpf_elf = synflood_bpf__elf_bytes,
	.record_size = sizeof(struct synflood_rec),
	.schema = synflood_schema,
	.fold = synflood_fold,
	.init = synflood_init,
	.export = synflood_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
