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

static const struct como_field scan_schema[] = {
	COMO_FIELD(struct scan_rec, src, COMO_FT_ADDR),
	COMO_FIELD(struct scan_rec, dsts, COMO_FT_U32),
	COMO_FIELD(struct scan_rec, ports, COMO_FT_U32),
	COMO_FIELD(struct scan_rec, pkts, COMO_FT_U64),
	COMO_FIELD_END,
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

static int scan_export(struct como_mod *m, struct como_table *t)
{
	const struct scan_args *a = como_priv(m);
	struct scan_row *row = calloc(t->nrows + 1, sizeof(*row));
	struct scan_rec *r = calloc(t->nrows + 1, sizeof(*r));
	__u32 i, nsrc;
	int err = -ENOMEM;

	if (!row || !r)
		goto out;
	for (i = 0; i < t->nrows; i++) {
		memcpy(&row[i].k, como_row_key(t, i), sizeof(row[i].k));
		row[i].pkts = *(__u64 *)como_row_value(t, i);
	}
	qsort(row, t->nrows, sizeof(*row), by_dst);
	nsrc = count_dsts(row, t->nrows, r);
	qsort(row, t->nrows, sizeof(*row), by_port);
	count_ports(row, t->nrows, r);
	qsort(r, nsrc, sizeof(*r), by_spread);
	err = 0;
	for (i = 0; i < nsrc && !err; i++)
		if (r[i].dsts >= a->dsts || r[i].ports >= a->ports)
			err = como_emit(m, t->start_ns, &r[i]);
out:
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
	.init = scan_init,
	.export = scan_export,
	.store = como_schema_store,
	.load = como_schema_load,
	.fini = scan_fini,
);
