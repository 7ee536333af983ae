// SPDX-License-Identifier: BSD-3-Clause
/* protocol: packets and bytes per IP protocol per interval. */
#include <como/module.h>
#include "protocol.h"
#include "protocol.skel.h"

static const struct como_field protocol_schema[] = {
	COMO_FIELD(struct protocol_rec, proto, COMO_FT_PROTO),
	COMO_FIELD(struct protocol_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct protocol_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

/* Rows come in key order (the protocol number); empty ones are left out. */
static int protocol_export(struct como_mod *m, struct como_table *t)
{
	struct protocol_rec r = { .proto = 0 };
	const struct protocol_val *v;
	__u32 i;
	int err;

	for (i = 0; i < t->nrows; i++) {
		v = como_row_value(t, i);
		r.proto = *(__u32 *)como_row_key(t, i);
		r.pkts = v->pkts;
		r.bytes = v->bytes;
		err = como_emit(m, t->start_ns, &r);
		if (err)
			return err;
	}
	return 0;
}

COMO_MODULE(
	.name = "protocol",
	.summary = "packets and bytes per IP protocol per interval",
	.args = "interval=DURATION",
	.needs = COMO_CAP_LEN | COMO_CAP_L3,
	.max_sampling = 1,
	.bpf_elf = protocol_bpf__elf_bytes,
	.record_size = sizeof(struct protocol_rec),
	.schema = protocol_schema,
	.export = protocol_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
