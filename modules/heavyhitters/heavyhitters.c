// SPDX-License-Identifier: BSD-3-Clause
/*
 * heavyhitters: the top k sources (or destinations) by bytes and by
 * packets of each interval, each with a count-min estimate and how far
 * above the true count it can be.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "heavyhitters.h"
#include "heavyhitters.skel.h"

static const struct como_field hh_schema[] = {
	COMO_FIELD(struct hh_rec, by, COMO_FT_U8),
	COMO_FIELD(struct hh_rec, rank, COMO_FT_U32),
	COMO_FIELD(struct hh_rec, addr, COMO_FT_ADDR),
	COMO_FIELD(struct hh_rec, bytes, COMO_FT_U64),
	COMO_FIELD(struct hh_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct hh_rec, bytes_err, COMO_FT_U64),
	COMO_FIELD(struct hh_rec, pkts_err, COMO_FT_U64),
	COMO_FIELD(struct hh_rec, total_bytes, COMO_FT_U64),
	COMO_FIELD(struct hh_rec, total_pkts, COMO_FT_U64),
	COMO_FIELD(struct hh_rec, missed, COMO_FT_U64),
	COMO_FIELD_END,
};

/* a slot's source: the least and greatest words agree on every CPU */
static const struct como_fold hh_fold[] = {
	COMO_FOLD(struct hh_val, bytes, COMO_FOLD_SUM),
	COMO_FOLD(struct hh_val, pkts, COMO_FOLD_SUM),
	COMO_FOLD(struct hh_val, amin[0], COMO_FOLD_MIN),
	COMO_FOLD(struct hh_val, amin[1], COMO_FOLD_MIN),
	COMO_FOLD(struct hh_val, amax[0], COMO_FOLD_MAX),
	COMO_FOLD(struct hh_val, amax[1], COMO_FOLD_MAX),
	COMO_FOLD_END,
};

/* what init() parsed: the ranking's length and the capture side's */
struct hh_conf {
	__u32 k;
	struct hh_args args;
};

/* key=src or key=dst, the last one given; 1 when it is neither */
static int hh_key(const char *args, __u32 *dst)
{
	const char *p = args;
	size_t n;

	for (; (p = strstr(p, "key=")); p += 4) {
		if (p != args && p[-1] != ' ')
			continue;
		n = strcspn(p + 4, " ");
		if (n != 3 || (strncmp(p + 4, "src", 3) && strncmp(p + 4, "dst", 3)))
			return 1;
		*dst = p[4] == 'd';
	}
	return 0;
}

static int hh_init(struct como_mod *m, const char *args)
{
	__u64 k = 10, width = HH_WIDTH, depth = HH_DEPTH;
	struct hh_conf *c;
	int err;

	if (como_arg_u64(args, "k", &k) == -EINVAL || k == 0 || k > HH_SLOTS) {
		como_log(m, COMO_MSG_ERR, "k must be 1 to %u", HH_SLOTS);
		return -EINVAL;
	}
	if (como_arg_u64(args, "width", &width) == -EINVAL ||
	    width < 1U << HH_WIDTH_BITS_MIN || width > HH_WIDTH || width & (width - 1)) {
		como_log(m, COMO_MSG_ERR, "width must be a power of 2 from %u to %u",
			 1U << HH_WIDTH_BITS_MIN, HH_WIDTH);
		return -EINVAL;
	}
	if (como_arg_u64(args, "depth", &depth) == -EINVAL || !depth || depth > HH_DEPTH) {
		como_log(m, COMO_MSG_ERR, "depth must be 1 to %u", HH_DEPTH);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->k = k;
	c->args.depth = depth;
	c->args.width_bits = __builtin_ctzll(width);
	if (hh_key(args, &c->args.dst)) {
		como_log(m, COMO_MSG_ERR, "key must be src or dst");
		err = -EINVAL;
		goto err_free;
	}
	err = como_set_bpf_args(m, &c->args, sizeof(c->args));
	if (err)
		goto err_free;
	como_set_priv(m, c);
	return 0;

err_free:
	free(c);
	return err;
}

static void hh_fini(struct como_mod *m)
{
	free(como_priv(m));
}

/* The least of a source's cells: above its true counts by the others'. */
static void hh_estimate(const struct hh_args *a, const struct hh_val *sketch,
			struct hh_rec *r)
{
	__u32 w[4], i;
	const struct hh_val *c;

	memcpy(w, r->addr, sizeof(w));
	r->bytes = r->pkts = ~0ULL;
	for (i = 0; i < a->depth; i++) {
		c = &sketch[i * HH_WIDTH + hh_hash(w, i, a->width_bits)];
		r->bytes = c->bytes < r->bytes ? c->bytes : r->bytes;
		r->pkts = c->pkts < r->pkts ? c->pkts : r->pkts;
	}
	/* what the slots counted is a lower bound: the rest, the error */
	r->bytes_err = r->bytes - r->bytes_err;
	r->pkts_err = r->pkts - r->pkts_err;
}

static int by_addr(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static int by_bytes(const void *a, const void *b)
{
	const struct hh_rec *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return by_addr(a, b);
}

static int by_pkts(const void *a, const void *b)
{
	const struct hh_rec *x = a, *y = b;

	if (x->pkts != y->pkts)
		return x->pkts < y->pkts ? 1 : -1;
	return by_addr(a, b);
}

static int hh_emit(struct como_mod *m, struct como_table *t,
		   struct hh_rec *r, __u32 n, __u8 by)
{
	const struct hh_conf *c = como_priv(m);
	__u32 i, k = c->k;
	int err = 0;

	qsort(r, n, sizeof(*r), by == HH_BY_BYTES ? by_bytes : by_pkts);
	for (i = 0; i < n && i < k && !err; i++) {
		r[i].by = by;
		r[i].rank = i + 1;
		err = como_emit(m, t->start_ns, &r[i]);
	}
	return err;
}

/*
 * The candidates, one record a source (a source in several slots, on
 * several CPUs, adds them up), with what the slots counted in the
 * error fields for now. A slot the CPUs filled with different sources
 * counts none of them: its packets are missed.
 */
static __u32 hh_candidates(struct como_table *t, struct hh_val *sketch,
			   struct hh_rec *r, struct hh_rec *tot)
{
	const struct hh_val *v;
	__u32 i, n = 0, key;

	for (i = 0; i < t->nrows; i++) {
		key = *(const __u32 *)como_row_key(t, i);
		v = como_row_value(t, i);
		if (key < HH_CELLS)
			sketch[key] = *v;
		else if (key == HH_TOTAL)
			tot->total_bytes = v->bytes, tot->total_pkts = v->pkts;
		else if (memcmp(v->amin, v->amax, sizeof(v->amin)))
			tot->missed += v->pkts;
		else {
			memcpy(r[n].addr, v->amin, 16);
			r[n].bytes_err = v->bytes;
			r[n++].pkts_err = v->pkts;
		}
	}
	return n;
}

static int hh_export(struct como_mod *m, struct como_table *t)
{
	struct hh_val *sketch = calloc(HH_CELLS, sizeof(*sketch));
	struct hh_rec *r = calloc(t->nrows + 1, sizeof(*r)), tot = { 0 };
	const struct hh_conf *c = como_priv(m);
	__u32 i, n = 0, u = 0;
	int err = -ENOMEM;

	if (!sketch || !r)
		goto out;
	tot.missed = t->lost;
	n = hh_candidates(t, sketch, r, &tot);
	/* slots come in key order: the same source may be in two */
	qsort(r, n, sizeof(*r), by_addr);
	for (i = 0; i < n; i++) {
		if (u && !by_addr(&r[u - 1], &r[i])) {
			r[u - 1].bytes_err += r[i].bytes_err;
			r[u - 1].pkts_err += r[i].pkts_err;
			continue;
		}
		r[u++] = r[i];
	}
	for (i = 0; i < u; i++) {
		hh_estimate(&c->args, sketch, &r[i]);
		r[i].total_bytes = tot.total_bytes;
		r[i].total_pkts = tot.total_pkts;
		r[i].missed = tot.missed;
	}
	err = hh_emit(m, t, r, u, HH_BY_BYTES);
	if (!err)
		err = hh_emit(m, t, r, u, HH_BY_PKTS);
out:
	free(sketch);
	free(r);
	return err;
}

COMO_MODULE(
	.name = "heavyhitters",
	.summary = "top k sources by bytes and by packets, in bounded memory, "
		   "with error bounds",
	.args = "k=N key=src|dst width=N depth=N interval=DURATION",
	.needs = COMO_CAP_LEN | COMO_CAP_L3,
	.max_sampling = 1,
	/* a source becomes a candidate by this CPU's running total */
	.flags = COMO_MOD_ONE_CPU,
	.bpf_elf = heavyhitters_bpf__elf_bytes,
	.record_size = sizeof(struct hh_rec),
	.schema = hh_schema,
	.fold = hh_fold,
	.init = hh_init,
	.fini = hh_fini,
	.export = hh_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
