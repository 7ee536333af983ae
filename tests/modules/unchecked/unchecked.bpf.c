// SPDX-License-Identifier: BSD-3-Clause
/*
 * unchecked: a module the verifier must refuse. Its update() writes
 * through what a hash lookup returned without checking it for NULL; the
 * refusal names this file and the line of that write (tests/scaffold.t).
 */
#include "module.bpf.h"

struct unchecked_val {
	__u64 pkts;
};

COMO_STATE(BPF_MAP_TYPE_PERCPU_HASH, __u32, struct unchecked_val, 16);

static __always_inline int unchecked_update(const struct como_pkt *pkt,
					    void *state)
{
	__u32 zero = 0;
	struct unchecked_val *v = bpf_map_lookup_elem(state, &zero);

	v->pkts += pkt->count;	/* no NULL check: refused here */
	return 0;
}

COMO_UPDATE(unchecked_update)
