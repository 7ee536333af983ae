// SPDX-License-Identifier: BSD-3-Clause
/*
 * scan: sources contacting more distinct destinations, or more distinct
 * destination ports, than a threshold per interval (superspreaders).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "scan.h"
#include "scan.skel.h"

struct scan_args {
	__u64 dsts, ports;
};

struct scan_row {
	struct scan_key k;
	__u64 pkts;
};

/* a source's bitmaps, past the table: the bits its packets set there */
struct scan_bits {
	__u8 src[16];
	__u64 pkts[2];			/* packets that set dst, port bits */
	__u64 bits[2][SCAN_WORDS];
};

static const struct como_field scan_schema[] = {
	COMO_FIELD(struct scan_rec, src, COMO_FT_ADDR),
	COMO_FIELD(struct scan_rec, dsts, COMO_FT_U32),
	COMO_FIELD(struct scan_rec, ports, COMO_FT_U32),
	COMO_FIELD(struct scan_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct scan_rec, exact, COMO_FT_U8),
	COMO_FIELD(struct scan_rec, dsts_err, COMO_FT_U32),
	COMO_FIELD(struct scan_rec, ports_err, COMO_FT_U32),
	COMO_FIELD_END,
};

static const struct como_fold scan_fold[] = {
	COMO_FOLD(struct scan_val, pkts, COMO_FOLD_SUM),
	COMO_FOLD(struct scan_val, bits, COMO_FOLD_OR),
	COMO_FOLD_END,
};

static int scan_init(struct como_mod *m, const char *args)
{
	struct scan_args *a = malloc(sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->dsts = a->ports = 50;
	if (como_arg_u64(args, "dsts", &a->dsts) == -EINVAL ||
	    como_arg_u64(args, "ports", &a->ports) == -EINVAL ||
	    !a->dsts || !a->ports) {
		como_log(m, COMO_MSG_ERR, "dsts=N and ports=N are thresholds "
			 "of 1 or more");
		free(a);
		return -EINVAL;
	}
	como_set_priv(m, a);
	return 0;
}

/* source, then destination */
static int by_dst(const void *a, const void *b)
{
	const struct scan_key *x = a, *y = b;

	return memcmp(x, y, offsetof(struct scan_key, port));
}

/* source, then whether ported, protocol, port */
static int by_port(const void *a, const void *b)
{
	const struct scan_key *x = a, *y = b;
	int c = memcmp(x->src, y->src, sizeof(x->src));

	if (c)
		return c;
	if (x->ported != y->ported)
		return x->ported - y->ported;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return x->port - y->port;
}

/* most destinations, then most ports, then by address */
static int by_spread(const void *a, const void *b)
{
	const struct scan_rec *x = a, *y = b;

	if (x->dsts != y->dsts)
		return x->dsts < y->dsts ? 1 : -1;
	if (x->ports != y->ports)
		return x->ports < y->ports ? 1 : -1;
	return memcmp(x->src, y->src, sizeof(x->src));
}

/* Per source in R (sorted by source): distinct destinations and packets. */
static __u32 count_dsts(const struct scan_row *row, __u32 n,
			struct scan_rec *r)
{
	__u32 i, nsrc = 0;

	for (i = 0; i < n; i++) {
		if (!i || memcmp(row[i].k.src, row[i - 1].k.src, 16)) {
			memcpy(r[nsrc++].src, row[i].k.src, 16);
			r[nsrc - 1].dsts = 1;
		} else if (memcmp(row[i].k.dst, row[i - 1].k.dst, 16)) {
			r[nsrc - 1].dsts++;
		}
		r[nsrc - 1].pkts += row[i].pkts;
	}
	return nsrc;
}

static void count_ports(const struct scan_row *row, __u32 n,
			struct scan_rec *r)
{
	__u32 i, s = 0;

	for (i = 0; i < n; i++) {
		if (i && memcmp(row[i].k.src, row[i - 1].k.src, 16))
			s++;
		if (row[i].k.ported && (i == 0 || by_port(&row[i], &row[i - 1]) ||
		    !row[i - 1].k.ported))
			r[s].ports++;
	}
}

static int by_src(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* a bitmap's row: its source, which bitmap, which word */
struct scan_word {
	__u8 src[16];
	__u32 kind, word;
	__u64 pkts, bits;
};

/*
 * The table's rows: exact ones in ROW (*N), bitmaps' words in W (the
 * count returned); FULL when some packet found no bitmap.
 */
static __u32 split_rows(struct como_table *t, struct scan_row *row, __u32 *n,
			struct scan_word *w, bool *full)
{
	const struct scan_key *k;
	const struct scan_val *v;
	__u32 i, nw = 0;

	*n = 0;
	for (i = 0; i < t->nrows; i++) {
		k = como_row_key(t, i);
		v = como_row_value(t, i);
		if (k->ported <= 1) {
			row[*n].k = *k;
			row[(*n)++].pkts = v->pkts;
		} else if (k->ported == SCAN_BITS_FULL) {
			*full |= v->pkts != 0;
		} else if (w && k->port < SCAN_WORDS &&
			   (k->ported == SCAN_DST_BITS ||
			    k->ported == SCAN_PORT_BITS)) {
			memcpy(w[nw].src, k->src, 16);
			w[nw].kind = k->ported == SCAN_PORT_BITS;
			w[nw].word = k->port;
			w[nw].pkts = v->pkts;
			w[nw++].bits = v->bits;
		}
	}
	return nw;
}

/* The NW words of W gathered per source into SB, by address: how many. */
static __u32 gather_bits(struct scan_word *w, __u32 nw, struct scan_bits *sb)
{
	struct scan_bits *b = NULL;
	__u32 i, nsb = 0;

	qsort(w, nw, sizeof(*w), by_src);
	for (i = 0; i < nw; i++) {
		if (!b || memcmp(w[i].src, b->src, 16)) {
			b = &sb[nsb++];
			memset(b, 0, sizeof(*b));
			memcpy(b->src, w[i].src, 16);
		}
		b->pkts[w[i].kind] += w[i].pkts;
		b->bits[w[i].kind][w[i].word] |= w[i].bits;
	}
	return nsb;
}

static __u32 bits_set(const __u64 *w)
{
	__u32 i, n = 0;

	for (i = 0; i < SCAN_WORDS; i++)
		n += __builtin_popcountll(w[i]);
	return n;
}

/* Least and most of a count: exact EX, plus what PKTS set in BITS. */
static void bound(__u32 ex, __u64 pkts, const __u64 *bits, bool full,
		  __u32 *lo, __u32 *err)
{
	__u64 hi = ex + pkts;
	__u32 set = bits_set(bits);

	*lo = ex > set ? ex : set;
	*err = full ? SCAN_ERR_UNKNOWN :
	       hi - *lo > SCAN_ERR_UNKNOWN - 1 ? SCAN_ERR_UNKNOWN - 1 : hi - *lo;
}

/*
 * A source with bitmaps: its exact rows' destinations and ports set their
 * bits too, so that what is counted twice sets one bit; at least as many
 * as the bits set or the exact ones, at most the exact ones and one a
 * packet past the table. R (NSRC sources by address) gains the ones that
 * had no exact row.
 */
static __u32 add_bitmaps(const struct scan_row *row, __u32 n,
			 struct scan_bits *sb, __u32 nsb, bool full,
			 struct scan_rec *r, __u32 nsrc)
{
	struct scan_rec *x;
	struct scan_bits *b;
	__u32 i, all = nsrc;

	for (i = 0; i < n; i++) {
		__u32 bit;

		b = bsearch(row[i].k.src, sb, nsb, sizeof(*sb), by_src);
		if (!b)
			continue;
		bit = scan_dst_bit(row[i].k.dst);
		b->bits[0][bit / 64] |= 1ULL << (bit & 63);
		if (row[i].k.ported) {
			bit = scan_port_bit(row[i].k.proto, row[i].k.port);
			b->bits[1][bit / 64] |= 1ULL << (bit & 63);
		}
	}
	for (i = 0; i < nsb; i++) {
		b = &sb[i];
		x = nsrc ? bsearch(b->src, r, nsrc, sizeof(*r), by_src) : NULL;
		if (!x) {
			x = &r[all++];
			memcpy(x->src, b->src, 16);
		}
		x->exact = 0;
		x->pkts += b->pkts[0];
		bound(x->dsts, b->pkts[0], b->bits[0], full, &x->dsts, &x->dsts_err);
		bound(x->ports, b->pkts[1], b->bits[1], full, &x->ports,
		      &x->ports_err);
	}
	return all;
}

/*
 * A source is reported when it surely crossed a threshold: counted
 * exactly, or at least as many by its bitmaps, the most it may have
 * beside it.
 */
static int scan_export(struct como_mod *m, struct como_table *t)
{
	const struct scan_args *a = como_priv(m);
	struct scan_row *row = calloc(t->nrows + 1, sizeof(*row));
	struct scan_rec *r = calloc(t->nrows + 1, sizeof(*r));
	struct scan_bits *sb = NULL;
	struct scan_word *w = NULL;
	__u32 i, n, nw, nsb = 0, nsrc;
	bool full = false;
	int err = -ENOMEM;

	if (!row || !r)
		goto out;
	/* bitmaps only where the table was full */
	if (t->lost && !(w = calloc(t->nrows + 1, sizeof(*w))))
		goto out;
	nw = split_rows(t, row, &n, w, &full);
	if (nw) {
		sb = calloc(nw, sizeof(*sb));
		if (!sb)
			goto out;
		nsb = gather_bits(w, nw, sb);
	}
	qsort(row, n, sizeof(*row), by_dst);
	nsrc = count_dsts(row, n, r);
	for (i = 0; i < nsrc; i++)
		r[i].exact = 1;
	qsort(row, n, sizeof(*row), by_port);
	count_ports(row, n, r);
	if (nsb)
		nsrc = add_bitmaps(row, n, sb, nsb, full, r, nsrc);
	/* a packet no bitmap took may be any source's: none is whole */
	for (i = 0; full && i < nsrc; i++) {
		r[i].exact = 0;
		r[i].dsts_err = r[i].ports_err = SCAN_ERR_UNKNOWN;
	}
	qsort(r, nsrc, sizeof(*r), by_spread);
	err = 0;
	for (i = 0; i < nsrc && !err; i++)
		if (r[i].dsts >= a->dsts || r[i].ports >= a->ports)
			err = como_emit(m, t->start_ns, &r[i]);
out:
	free(w);
	free(sb);
	free(row);
	free(r);
	return err;
}

static void scan_fini(struct como_mod *m)
{
	free(como_priv(m));
}

COMO_MODULE(
	.name = "scan",
	.summary = "sources contacting more destinations or ports than a threshold",
	.args = "dsts=N ports=N interval=DURATION",
	.needs = COMO_CAP_L3 | COMO_CAP_L4,
	.max_sampling = 1,
	.bpf_elf = scan_bpf__elf_bytes,
	.record_size = sizeof(struct scan_rec),
	.schema = scan_schema,
	.fold = scan_fold,
	.init = scan_init,
	.export = scan_export,
	.store = como_schema_store,
	.load = como_schema_load,
	.fini = scan_fini,
);
