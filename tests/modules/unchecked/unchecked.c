// SPDX-License-Identifier: BSD-3-Clause
/*
 * unchecked: its capture side writes through a hash lookup it does not
 * check, which the verifier refuses (tests only).
 */
#include <como/module.h>
#include "unchecked.skel.h"

struct unchecked_rec {
	__u64 n;
};

static const struct como_field unchecked_schema[] = {
	COMO_FIELD(struct unchecked_rec, n, COMO_FT_U64),
	COMO_FIELD_END,
};

static int unchecked_export(struct como_mod *m, struct como_table *t)
{
	return t->nrows ? como_emit(m, t->start_ns, como_row_value(t, 0)) : 0;
}

COMO_MODULE(
	.name = "unchecked",
	.summary = "refused by the verifier, for the tests",
	.bpf_elf = unchecked_bpf__elf_bytes,
	.record_size = sizeof(struct unchecked_rec),
	.schema = unchecked_schema,
	.export = unchecked_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
