// SPDX-License-Identifier: BSD-3-Clause
/* loopy: packets and bytes per interval, as counter counts them. */
#include "module.bpf.h"

struct loopy_val {
	__u64 pkts;
	__u64 bytes;
};

COMO_STATE(BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct loopy_val, 1);

static __always_inline int loopy_update(const struct como_pkt *pkt, void *state)
{
	__u32 zero = 0;
	struct loopy_val *v = bpf_map_lookup_elem(state, &zero);

	if (!v)
		return -ENOENT;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

COMO_UPDATE(loopy_update)
