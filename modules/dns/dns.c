// SPDX-License-Identifier: BSD-3-Clause
/* dns: a record per question name, type, direction and code. */
#include <string.h>
#include <como/module.h>
#include "dns.h"
#include "dns.skel.h"

static const struct como_field dns_schema[] = {
	COMO_FIELD_STR(struct dns_rec, name),
	COMO_FIELD(struct dns_rec, qtype, COMO_FT_U16),
	COMO_FIELD(struct dns_rec, qr, COMO_FT_U8),
	COMO_FIELD(struct dns_rec, opcode, COMO_FT_U8),
	COMO_FIELD(struct dns_rec, rcode, COMO_FT_U8),
	COMO_FIELD(struct dns_rec, malformed, COMO_FT_U8),
	COMO_FIELD(struct dns_rec, pkts, COMO_FT_U64),
	COMO_FIELD_END,
};

_Static_assert(offsetof(struct dns_rec, pkts) == sizeof(struct dns_key),
	       "a record is its key, then its packets");

static int dns_export(struct como_mod *m, struct como_table *t)
{
	const struct dns_val *v;
	struct dns_rec r;
	int err = 0;
	__u32 i;

	for (i = 0; i < t->nrows && !err; i++) {
		v = como_row_value(t, i);
		memcpy(&r, como_row_key(t, i), sizeof(struct dns_key));
		r.pkts = v->pkts;
		err = como_emit(m, t->start_ns, &r);
	}
	return err;
}

COMO_MODULE(
	.name = "dns",
	.summary = "DNS packets per question name, type, direction and response code",
	.args = "interval=DURATION",
	.needs = COMO_CAP_L3 | COMO_CAP_L4 | COMO_CAP_PAYLOAD,
	.max_sampling = 100,
	.bpf_elf = dns_bpf__elf_bytes,
	.record_size = sizeof(struct dns_rec),
	.schema = dns_schema,
	.export = dns_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
