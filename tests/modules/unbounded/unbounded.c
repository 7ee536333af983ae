// SPDX-License-Identifier: BSD-3-Clause
/* unbounded: its capture side is refused by the verifier (tests only). */
#include <como/module.h>
#include "unbounded.skel.h"

struct unbounded_rec {
	__u64 n;
};

static const struct como_field unbounded_schema[] = {
	COMO_FIELD(struct unbounded_rec, n, COMO_FT_U64),
	COMO_FIELD_END,
};

static int unbounded_export(struct como_mod *m, struct como_table *t)
{
	return t->nrows ? como_emit(m, t->start_ns, como_row_value(t, 0)) : 0;
}

COMO_MODULE(
	.name = "unbounded",
	.summary = "refused by the verifier, for the tests",
	.bpf_elf = unbounded_bpf__elf_bytes,
	.record_size = sizeof(struct unbounded_rec),
	.schema = unbounded_schema,
	.export = unbounded_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
