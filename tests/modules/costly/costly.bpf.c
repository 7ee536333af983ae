// SPDX-License-Identifier: BSD-3-Clause
/*
 * costly: a module that spends thousands of instructions on every packet,
 * for the overload guard's tests. Its update() hashes the packet's ports
 * COSTLY_ROUNDS times and counts the packets it kept.
 */
#include "module.bpf.h"

#define COSTLY_ROUNDS	40000

COMO_STATE(BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u64[2], 1);

static long costly_round(__u32 i, void *data)
{
	__u32 *h = data;

	*h = *h * 0x9e3779b1U + i;
	return 0;
}

/* the rounds run in bpf_loop: the verifier checks one, however many */
static __always_inline int costly_update(const struct como_pkt *pkt,
					 void *state)
{
	__u32 zero = 0, h = pkt->sport ^ pkt->dport;
	__u64 *v = bpf_map_lookup_elem(state, &zero);

	if (!v)
		return -ENOENT;
	bpf_loop(COSTLY_ROUNDS, costly_round, &h, 0);
	v[0] += 1;
	v[1] += h & 1;
	return 0;
}

COMO_UPDATE(costly_update)
