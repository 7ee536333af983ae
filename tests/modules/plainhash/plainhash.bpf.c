// SPDX-License-Identifier: BSD-3-Clause
/*
 * plainhash: packets and bytes per IP protocol, in a plain (shared, not
 * per-CPU) hash: every CPU adds to the same entry, so the adds are
 * atomic and the entry is made with como_state_get() (tests/state.t).
 */
#include "module.bpf.h"
#include "state.bpf.h"

COMO_STATE(BPF_MAP_TYPE_HASH, __u32, struct como_count, 256);

static __always_inline int plainhash_update(const struct como_pkt *pkt,
					    void *state)
{
	struct como_count zero = {};
	struct como_count *v;
	__u32 proto = pkt->l4_proto;

	if (!pkt->ip_ver)
		return 0;
	v = como_state_get(state, &proto, &zero);
	if (!v)
		return -ENOSPC;
	__sync_fetch_and_add(&v->pkts, pkt->count);
	__sync_fetch_and_add(&v->bytes, pkt->len);
	return 0;
}

COMO_UPDATE(plainhash_update)
