// SPDX-License-Identifier: BSD-3-Clause
/* costly: costs thousands of instructions a packet (overload tests only). */
#include <como/module.h>
#include "costly.skel.h"

struct costly_rec {
	__u64 pkts;
	__u64 odd;
};

static const struct como_field costly_schema[] = {
	COMO_FIELD(struct costly_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct costly_rec, odd, COMO_FT_U64),
	COMO_FIELD_END,
};

static int costly_export(struct como_mod *m, struct como_table *t)
{
	return t->nrows ? como_emit(m, t->start_ns, como_row_value(t, 0)) : 0;
}

COMO_MODULE(
	.name = "costly",
	.summary = "thousands of instructions a packet, for the tests",
	.args = "interval=DURATION",
	.max_sampling = 64,
	.bpf_elf = costly_bpf__elf_bytes,
	.record_size = sizeof(struct costly_rec),
	.schema = costly_schema,
	.export = costly_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
