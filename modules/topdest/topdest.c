// SPDX-License-Identifier: BSD-3-Clause
/* topdest: the top k destination addresses by bytes per interval. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "topdest.skel.h"

struct topdest_rec {
	__u32 rank;
	__u8 addr[16];
	__u64 pkts;
	__u64 bytes;
};

static const struct como_field topdest_schema[] = {
	COMO_FIELD(struct topdest_rec, rank, COMO_FT_U32),
	COMO_FIELD(struct topdest_rec, addr, COMO_FT_ADDR),
	COMO_FIELD(struct topdest_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct topdest_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

static int topdest_init(struct como_mod *m, const char *args)
{
	__u64 k = 10;

	/* CoMo's topdest said n=; both are accepted */
	if (como_arg_u64(args, "k", &k) == -EINVAL ||
	    como_arg_u64(args, "n", &k) == -EINVAL || k == 0 || k > 100000)
		return -EINVAL;
	como_set_priv(m, (void *)(unsigned long)k);
	return 0;
}

/* Most bytes first; equal bytes by address, so that ranks are stable. */
static int topdest_cmp(const void *a, const void *b)
{
	const struct topdest_rec *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int topdest_export(struct como_mod *m, struct como_table *t)
{
	__u32 i, k = (unsigned long)como_priv(m);
	struct topdest_rec *r = calloc(t->nrows + 1, sizeof(*r));
	int err = 0;

	if (!r)
		return -ENOMEM;
	for (i = 0; i < t->nrows; i++) {
		memcpy(r[i].addr, como_row_key(t, i), sizeof(r[i].addr));
		memcpy(&r[i].pkts, como_row_value(t, i), 2 * sizeof(__u64));
	}
	qsort(r, t->nrows, sizeof(*r), topdest_cmp);
	for (i = 0; i < t->nrows && i < k && !err; i++) {
		r[i].rank = i + 1;
		err = como_emit(m, t->start_ns, &r[i]);
	}
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
	.init = topdest_init,
	.export = topdest_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
