// SPDX-License-Identifier: BSD-3-Clause
/* leaky: packets and bytes per interval, as counter counts them. */
#include "module.bpf.h"

struct leaky_val {
	__u64 pkts;
	__u64 bytes;
};

COMO_STATE(BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct leaky_val, 1);

static __always_inline int leaky_update(const struct como_pkt *pkt, void *state)
{
	__u32 zero = 0;
	struct leaky_val *v = bpf_map_lookup_elem(state, &zero);

	if (!v)
		return -ENOENT;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

COMO_UPDATE(leaky_update)
