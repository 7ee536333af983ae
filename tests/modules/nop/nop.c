// SPDX-License-Identifier: BSD-3-Clause
/* nop: stores nothing; make bench measures the dispatcher with it. */
#include <como/module.h>
#include "nop.skel.h"

struct nop_rec {
	__u64 zero;
};

static const struct como_field nop_schema[] = {
	COMO_FIELD(struct nop_rec, zero, COMO_FT_U64),
	COMO_FIELD_END,
};

static int nop_export(struct como_mod *m, struct como_table *t)
{
	(void)m;
	(void)t;
	return 0;
}

COMO_MODULE(
	.name = "nop",
	.summary = "does nothing with a packet: the dispatcher's cost alone",
	.args = "interval=DURATION",
	.max_sampling = 1,
	.bpf_elf = nop_bpf__elf_bytes,
	.record_size = sizeof(struct nop_rec),
	.schema = nop_schema,
	.export = nop_export,
);
