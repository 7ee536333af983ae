// SPDX-License-Identifier: BSD-3-Clause
/* topdest: bytes and packets per destination address; export() ranks. */
#include "module.bpf.h"

struct topdest_key {
	__u8 addr[16];
};

struct topdest_val {
	__u64 pkts;
	__u64 bytes;
};

COMO_TABLE(struct topdest_key, struct topdest_val, 65536);

static __always_inline int topdest_update(const struct como_pkt *pkt,
					  void *state)
{
	struct topdest_val *v;

	if (!pkt->ip_ver)
		return 0;
	v = como_get(state, (const struct topdest_key *)pkt->dst);
	if (!v)
		return -ENOSPC;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

COMO_UPDATE_LIGHT(topdest_update)
