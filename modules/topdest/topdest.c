// SPDX-License-Identifier: BSD-3-Clause
/*
 * topdest: the top k destination addresses by bytes per interval; exact
 * while the table holds every destination, estimated from the sketch
 * beside it for those that came once it was full.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "topdest.h"
#include "topdest.skel.h"

static const struct como_field topdest_schema[] = {
	COMO_FIELD(struct topdest_rec, rank, COMO_FT_U32),
	COMO_FIELD(struct topdest_rec, addr, COMO_FT_ADDR),
	COMO_FIELD(struct topdest_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct topdest_rec, bytes, COMO_FT_U64),
	COMO_FIELD(struct topdest_rec, exact, COMO_FT_U8),
	COMO_FIELD(struct topdest_rec, pkts_err, COMO_FT_U64),
	COMO_FIELD(struct topdest_rec, bytes_err, COMO_FT_U64),
	COMO_FIELD(struct topdest_rec, threshold, COMO_FT_U64),
	COMO_FIELD_END,
};

static const struct como_fold topdest_fold[] = {
	COMO_FOLD(struct topdest_val, pkts, COMO_FOLD_SUM),
	COMO_FOLD(struct topdest_val, bytes, COMO_FOLD_SUM),
	COMO_FOLD(struct topdest_val, cpus, COMO_FOLD_OR),
	COMO_FOLD(struct topdest_val, vote, COMO_FOLD_SUM),
	COMO_FOLD(struct topdest_val, cand_bytes, COMO_FOLD_SUM),
	COMO_FOLD(struct topdest_val, cand_pkts, COMO_FOLD_SUM),
	COMO_FOLD(struct topdest_val, amin[0], COMO_FOLD_MIN),
	COMO_FOLD(struct topdest_val, amin[1], COMO_FOLD_MIN),
	COMO_FOLD(struct topdest_val, amax[0], COMO_FOLD_MAX),
	COMO_FOLD(struct topdest_val, amax[1], COMO_FOLD_MAX),
	COMO_FOLD_END,
};

static int topdest_init(struct como_mod *m, const char *args)
{
	__u64 k = 10;

	/* CoMo's topdest said n=; both are accepted */
	if (como_arg_u64(args, "k", &k) == -EINVAL ||
	    como_arg_u64(args, "n", &k) == -EINVAL || k == 0 || k > 100000) {
		como_log(m, COMO_MSG_ERR, "k=N (or n=N) is the number of "
			 "destinations kept, 1 to 100000");
		return -EINVAL;
	}
	como_set_priv(m, (void *)(unsigned long)k);
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct topdest_rec *x = a, *y = b;

	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

/* Most bytes first; equal bytes by address, so that ranks are stable. */
static int by_bytes(const void *a, const void *b)
{
	const struct topdest_rec *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return by_addr(a, b);
}

static int agreed(const struct topdest_val *c)
{
	return c->bytes && !memcmp(c->amin, c->amax, sizeof(c->amin));
}

/*
 * What the sketch says of a destination: in a cell that elected it, it
 * sent at least what it sent since and at most (bytes + vote) / 2; in
 * one that elected another, at most (bytes - vote) / 2 (the vote's
 * invariant); in one whose CPUs disagree, at most all of it.
 */
static void td_estimate(const struct topdest_val *cells, struct topdest_rec *r)
{
	__u64 hi = ~0ULL, lo = 0, phi = ~0ULL, plo = 0, b;
	const struct topdest_val *c;
	__u32 w[4], i;

	memcpy(w, r->addr, sizeof(w));
	for (i = 0; i < TD_DEPTH; i++) {
		c = &cells[i * TD_WIDTH + td_hash(w, i)];
		b = c->bytes;
		if (agreed(c) && !memcmp(c->amin, r->addr, 16)) {
			b = (c->bytes + c->vote) / 2;
			lo = c->cand_bytes > lo ? c->cand_bytes : lo;
			plo = c->cand_pkts > plo ? c->cand_pkts : plo;
		} else if (agreed(c)) {
			b = (c->bytes - c->vote) / 2;
		}
		hi = b < hi ? b : hi;
		phi = c->pkts < phi ? c->pkts : phi;
	}
	r->bytes += hi;
	r->pkts += phi;
	r->bytes_err = hi - (lo < hi ? lo : hi);
	r->pkts_err = phi - plo;
}

/* The most a destination that no cell elected can have sent. */
static __u64 td_threshold(const struct topdest_val *cells)
{
	__u64 t = ~0ULL, row, b;
	__u32 i, j;

	for (i = 0; i < TD_DEPTH; i++) {
		for (row = 0, j = 0; j < TD_WIDTH; j++) {
			const struct topdest_val *c = &cells[i * TD_WIDTH + j];

			b = agreed(c) ? (c->bytes - c->vote) / 2 : c->bytes;
			row = b > row ? b : row;
		}
		t = row < t ? row : t;
	}
	return t;
}

/* The CPUs that counted in the sketch (bit c % 64 for CPU c): 0, none. */
static __u64 td_sketched(struct como_table *t)
{
	const struct topdest_key *key;
	__u64 sketched = 0;
	__u32 i;

	for (i = 0; i < t->nrows; i++) {
		key = como_row_key(t, i);
		if (key->cell && key->cell <= TD_CELLS)
			sketched |= ((const struct topdest_val *)
				     como_row_value(t, i))->cpus;
	}
	return sketched;
}

/*
 * The exact rows, and the cells' candidates after them (CELLS: NULL when
 * nothing was sketched); a destination is exact when every CPU that
 * sketched counted it in its table.
 */
static __u32 td_entries(struct como_table *t, struct topdest_val *cells,
			__u64 sketched, struct topdest_rec *r)
{
	const struct topdest_key *key;
	const struct topdest_val *v;
	__u32 i, n = 0;

	for (i = 0; i < t->nrows; i++) {
		key = como_row_key(t, i);
		v = como_row_value(t, i);
		if (key->cell) {
			if (cells && key->cell <= TD_CELLS)
				cells[key->cell - 1] = *v;
			continue;
		}
		memcpy(r[n].addr, key->addr, sizeof(r[n].addr));
		r[n].pkts = v->pkts;
		r[n].bytes = v->bytes;
		r[n++].exact = !(sketched & ~v->cpus);
	}
	for (i = 0; cells && sketched && i < TD_CELLS; i++) {
		if (agreed(&cells[i]))
			memcpy(r[n++].addr, cells[i].amin, 16);
	}
	return n;
}

static int topdest_export(struct como_mod *m, struct como_table *t)
{
	__u64 sketched = td_sketched(t);
	/*
	 * the sketch's cells (640 KiB) only for an interval that used them:
	 * allocated for every interval, they were most of what an interval
	 * cost (30 us of 33 on a sparse trace)
	 */
	bool cells_used = sketched || t->lost;
	struct topdest_val *cells = cells_used ?
				    calloc(TD_CELLS, sizeof(*cells)) : NULL;
	struct topdest_rec *r = calloc(t->nrows + (cells_used ? TD_CELLS : 0) + 1,
				       sizeof(*r));
	__u32 i, n, u = 0, k = (unsigned long)como_priv(m);
	__u64 threshold = 0;
	int err = -ENOMEM;

	if ((cells_used && !cells) || !r)
		goto out;
	n = td_entries(t, cells, sketched, r);
	/*
	 * a candidate that is also an exact row is that row, sketched too;
	 * without the sketch the rows are the table's keys, each once
	 */
	if (cells) {
		qsort(r, n, sizeof(*r), by_addr);
		for (i = 0; i < n; i++) {
			if (u && !by_addr(&r[u - 1], &r[i]))
				r[u - 1].exact = 0;
			else
				r[u++] = r[i];
		}
	} else {
		u = n;
	}
	if (t->lost)
		threshold = td_threshold(cells);
	for (i = 0; i < u; i++) {
		if (!r[i].exact && cells)
			td_estimate(cells, &r[i]);
		r[i].threshold = threshold;
	}
	qsort(r, u, sizeof(*r), by_bytes);
	for (err = 0, i = 0; i < u && i < k && !err; i++) {
		r[i].rank = i + 1;
		err = como_emit(m, t->start_ns, &r[i]);
	}
out:
	free(cells);
	free(r);
	return err;
}

COMO_MODULE(
	.name = "topdest",
	.summary = "top k destination addresses by bytes per interval",
	.args = "k=N n=N interval=DURATION",
	.interval_ns = 5000000000ULL,
	.needs = COMO_CAP_LEN | COMO_CAP_L3,
	.max_sampling = 100,
	.bpf_elf = topdest_bpf__elf_bytes,
	.record_size = sizeof(struct topdest_rec),
	.schema = topdest_schema,
	.fold = topdest_fold,
	.init = topdest_init,
	.export = topdest_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
