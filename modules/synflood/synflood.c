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
	COMO_FIELD_END,
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

/* The most unanswered SYNs first; equal ones by address. */
static int synflood_cmp(const void *a, const void *b)
{
	const struct synflood_rec *x = a, *y = b;
	__u64 ex = x->syns - x->synacks, ey = y->syns - y->synacks;

	if (ex != ey)
		return ex < ey ? 1 : -1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int synflood_export(struct como_mod *m, struct como_table *t)
{
	__u64 min = (unsigned long)como_priv(m);
	struct synflood_rec *r = calloc(t->nrows + 1, sizeof(*r));
	const struct synflood_val *v;
	__u32 i, n = 0;
	int err = 0;

	if (!r)
		return -ENOMEM;
	for (i = 0; i < t->nrows; i++) {
		v = como_row_value(t, i);
		if (v->syns < v->synacks + min)
			continue;
		memcpy(r[n].addr, como_row_key(t, i), sizeof(r[n].addr));
		r[n].syns = v->syns;
		r[n++].synacks = v->synacks;
	}
	qsort(r, n, sizeof(*r), synflood_cmp);
	for (i = 0; i < n && !err; i++)
		err = como_emit(m, t->start_ns, &r[i]);
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
	.init = synflood_init,
	.export = synflood_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
