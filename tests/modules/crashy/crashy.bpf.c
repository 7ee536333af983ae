// SPDX-License-Identifier: BSD-3-Clause
/* crashy: packets and bytes per interval, as counter counts them. */
#include "module.bpf.h"

struct crashy_val {
	__u64 pkts;
	__u64 bytes;
};

COMO_STATE(BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct crashy_val, 1);

static __always_inline int crashy_update(const struct como_pkt *pkt, void *state)
{
	__u32 zero = 0;
	struct crashy_val *v = bpf_map_lookup_elem(state, &zero);

	if (!v)
		return -ENOENT;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

COMO_UPDATE(crashy_update)
