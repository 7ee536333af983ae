// SPDX-License-Identifier: BSD-3-Clause
/*
 * @NAME@, user side: built as @NAME@.so, loaded by comod. It describes the
 * module (COMO_MODULE) and turns each closed interval's state into
 * records (export). The capture side is embedded: @NAME@.skel.h is made
 * from @NAME@.bpf.o by bpftool.
 */
#include <string.h>
#include <como/module.h>
#include "@NAME@.h"
#include "@NAME@.skel.h"

/* how a record is stored and printed: plain, json, csv, gnuplot */
static const struct como_field @NAME@_schema[] = {
	COMO_FIELD(struct @NAME@_rec, ip_ver, COMO_FT_U8),
	COMO_FIELD(struct @NAME@_rec, proto, COMO_FT_PROTO),
	COMO_FIELD(struct @NAME@_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct @NAME@_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

/* An interval closed: one record per row of its state. */
static int @NAME@_export(struct como_mod *m, struct como_table *t)
{
	const struct @NAME@_key *k;
	const struct @NAME@_val *v;
	struct @NAME@_rec rec;
	__u32 i;
	int err;

	for (i = 0; i < t->nrows; i++) {
		k = como_row_key(t, i);
		v = como_row_value(t, i);
		memset(&rec, 0, sizeof(rec));
		rec.ip_ver = k->ip_ver;
		rec.proto = k->proto;
		rec.pkts = v->pkts;
		rec.bytes = v->bytes;
		err = como_emit(m, t->start_ns, &rec);
		if (err < 0)
			return err;
	}
	return 0;
}

COMO_MODULE(
	.name = "@NAME@",
	.summary = "packets and bytes per IP version and protocol",
	.args = "interval=DURATION",
	.needs = COMO_CAP_LEN | COMO_CAP_L3,
	.max_sampling = 1,
	.bpf_elf = @NAME@_bpf__elf_bytes,
	.record_size = sizeof(struct @NAME@_rec),
	.schema = @NAME@_schema,
	.export = @NAME@_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
