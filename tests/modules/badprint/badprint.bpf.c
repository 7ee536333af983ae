// SPDX-License-Identifier: BSD-3-Clause
/*
 * badprint: counter's capture side (packets and bytes per interval), for
 * a module whose user side fails on purpose (see badprint.c).
 */
#include "module.bpf.h"

struct badprint_val {
	__u64 pkts;
	__u64 bytes;
};

COMO_STATE(BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct badprint_val, 1);

static __always_inline int badprint_update(const struct como_pkt *pkt,
					   void *state)
{
	__u32 zero = 0;
	struct badprint_val *v = bpf_map_lookup_elem(state, &zero);

	if (!v)
		return -ENOENT;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

COMO_UPDATE(badprint_update)
