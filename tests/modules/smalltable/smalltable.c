// SPDX-License-Identifier: BSD-3-Clause
/*
 * smalltable: packets per destination per interval, in a table of 64
 * destinations: the overflow tests' module (tests/overflow.t). Each
 * interval's record also says how many packets its table could not take.
 */
#include <como/module.h>
#include "smalltable.skel.h"

struct smalltable_rec {
	__u8 addr[16];
	__u64 pkts;
	__u64 lost;	/* of the interval: the same in each of its records */
};

static const struct como_field smalltable_schema[] = {
	COMO_FIELD(struct smalltable_rec, addr, COMO_FT_ADDR),
	COMO_FIELD(struct smalltable_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct smalltable_rec, lost, COMO_FT_U64),
	COMO_FIELD_END,
};

static int smalltable_export(struct como_mod *m, struct como_table *t)
{
	struct smalltable_rec r;
	__u32 i;
	int err;

	for (i = 0; i < t->nrows; i++) {
		__builtin_memcpy(r.addr, como_row_key(t, i), 16);
		r.pkts = *(const __u64 *)como_row_value(t, i);
		r.lost = t->lost;
		err = como_emit(m, t->start_ns, &r);
		if (err)
			return err;
	}
	return 0;
}

COMO_MODULE(
	.name = "smalltable",
	.summary = "packets per destination, 64 at most an interval",
	.interval_ns = 1000000000ULL,
	.bpf_elf = smalltable_bpf__elf_bytes,
	.record_size = sizeof(struct smalltable_rec),
	.schema = smalltable_schema,
	.export = smalltable_export,
);
