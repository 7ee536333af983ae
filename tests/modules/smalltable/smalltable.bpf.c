// SPDX-License-Identifier: BSD-3-Clause
/* smalltable: packets per destination in a table of 64: it overflows. */
#include "module.bpf.h"

struct smalltable_key {
	__u8 addr[16];
};

struct smalltable_val {
	__u64 pkts;
};

COMO_TABLE(struct smalltable_key, struct smalltable_val, 64);

static __always_inline int smalltable_update(const struct como_pkt *pkt,
					     void *state)
{
	struct smalltable_val *v;

	if (!pkt->ip_ver)
		return 0;
	v = como_get(state, (const struct smalltable_key *)pkt->dst);
	if (!v)
		return -ENOSPC;
	v->pkts += pkt->count;
	return 0;
}

COMO_UPDATE(smalltable_update)
