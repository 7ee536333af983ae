// SPDX-License-Identifier: BSD-3-Clause
/*
 * unbounded: a module the verifier must refuse. Its update() reads the
 * state at an offset taken from the packet, with no bounds check.
 */
#include "module.bpf.h"

COMO_STATE(BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u64, 1);

static __always_inline int unbounded_update(const struct como_pkt *pkt,
					    void *state)
{
	__u32 zero = 0;
	__u8 *v = bpf_map_lookup_elem(state, &zero);

	if (!v)
		return -ENOENT;
	v[pkt->len] += 1;
	return 0;
}

COMO_UPDATE(unbounded_update)
