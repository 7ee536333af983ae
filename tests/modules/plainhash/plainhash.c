// SPDX-License-Identifier: BSD-3-Clause
/*
 * plainhash: protocol's records from a plain hash that all CPUs share
 * (tests/state.t holds them to the libpcap oracle on two CPUs): comod
 * reads such a map whole at each interval and folds nothing.
 */
#include <como/module.h>
#include "plainhash.skel.h"

struct plainhash_val {
	__u64 pkts;
	__u64 bytes;
};

struct plainhash_rec {
	__u8 proto;
	__u8 pad[7];
	__u64 pkts;
	__u64 bytes;
};

static const struct como_field plainhash_schema[] = {
	COMO_FIELD(struct plainhash_rec, proto, COMO_FT_PROTO),
	COMO_FIELD(struct plainhash_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct plainhash_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

static int plainhash_export(struct como_mod *m, struct como_table *t)
{
	struct plainhash_rec r = { .proto = 0 };
	const struct plainhash_val *v;
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
	.name = "plainhash",
	.summary = "packets and bytes per IP protocol, in a plain hash",
	.args = "interval=DURATION",
	.needs = COMO_CAP_LEN | COMO_CAP_L3,
	.max_sampling = 1,
	.bpf_elf = plainhash_bpf__elf_bytes,
	.record_size = sizeof(struct plainhash_rec),
	.schema = plainhash_schema,
	.export = plainhash_export,
);
