// SPDX-License-Identifier: BSD-3-Clause
/* counter: packets and bytes per interval (CoMo's "basic"). */
#include <como/module.h>
#include "counter.h"
#include "counter.skel.h"

static const struct como_field counter_schema[] = {
	COMO_FIELD(struct counter_val, pkts, COMO_FT_U64),
	COMO_FIELD(struct counter_val, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

/* The state value is the record: one row, or none for an empty interval. */
static int counter_export(struct como_mod *m, struct como_table *t)
{
	return t->nrows ? como_emit(m, t->start_ns, como_row_value(t, 0)) : 0;
}

COMO_MODULE(
	.name = "counter",
	.summary = "packets and bytes per interval",
	.args = "interval=DURATION",
	.needs = COMO_CAP_LEN,
	.max_sampling = 1,
	.bpf_elf = counter_bpf__elf_bytes,
	.record_size = sizeof(struct counter_val),
	.schema = counter_schema,
	.export = counter_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
