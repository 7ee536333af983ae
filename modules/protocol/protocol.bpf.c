// SPDX-License-Identifier: BSD-3-Clause
/* protocol: packets and bytes per IP protocol per interval. */
#include "module.bpf.h"
#include "protocol.h"

COMO_ARRAY(struct protocol_val, PROTOCOL_ENTRIES);

static __always_inline int protocol_update(const struct como_pkt *pkt,
					   void *state)
{
	__u32 proto = pkt->l4_proto;
	struct protocol_val *v;

	if (!pkt->ip_ver)
		return 0;
	v = como_get(state, &proto);
	if (!v)
		return -ENOSPC;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

COMO_UPDATE_LIGHT(protocol_update)
