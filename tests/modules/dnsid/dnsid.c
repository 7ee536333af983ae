// SPDX-License-Identifier: BSD-3-Clause
/* dnsid: see dnsid.bpf.c. One record per interval with DNS packets. */
#include <como/module.h>
#include "dnsid.skel.h"

struct dnsid_rec {
	__u64 pkts;
	__u64 id_sum;
};

static const struct como_field dnsid_schema[] = {
	COMO_FIELD(struct dnsid_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct dnsid_rec, id_sum, COMO_FT_U64),
	COMO_FIELD_END,
};

static int dnsid_export(struct como_mod *m, struct como_table *t)
{
	if (!t->nrows)
		return 0;
	return como_emit(m, t->start_ns, como_row_value(t, 0));
}

COMO_MODULE(
	.name = "dnsid",
	.summary = "DNS IDs read from the payload, summed per interval",
	.interval_ns = 1000000000ULL,
	.bpf_elf = dnsid_bpf__elf_bytes,
	.record_size = sizeof(struct dnsid_rec),
	.schema = dnsid_schema,
	.export = dnsid_export,
);
