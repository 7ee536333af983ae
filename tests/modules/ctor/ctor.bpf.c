// SPDX-License-Identifier: BSD-3-Clause
/* ctor: counts packets; its user side is what the tests are about. */
#include "module.bpf.h"

COMO_STATE(BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u64, 1);

static __always_inline int ctor_update(const struct como_pkt *pkt,
				       void *state)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(state, &zero);

	if (!v)
		return -ENOENT;
	*v += pkt->count;
	return 0;
}

COMO_UPDATE(ctor_update)
