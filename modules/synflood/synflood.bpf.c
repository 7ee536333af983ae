// SPDX-License-Identifier: BSD-3-Clause
/* synflood: SYNs received and SYN-ACKs sent per host per interval. */
#include "module.bpf.h"
#include "synflood.h"

COMO_TABLE(struct synflood_key, struct synflood_val, SYNFLOOD_ENTRIES);

static __always_inline int synflood_update(const struct como_pkt *pkt,
					   void *state)
{
	struct synflood_val *v;
	__u8 f = pkt->tcp_flags & 0x12;	/* SYN, ACK */

	if (pkt->l4_proto != 6 || !(pkt->flags & COMO_PKT_L4) || !(f & 0x02))
		return 0;
	/* a SYN counts at its destination, a SYN-ACK at its source */
	v = como_get(state, (const struct synflood_key *)(f == 0x02 ? pkt->dst :
							   pkt->src));
	if (!v)
		return -ENOSPC;
	if (f == 0x02)
		v->syns += pkt->count;
	else
		v->synacks += pkt->count;
	return 0;
}

COMO_UPDATE_LIGHT(synflood_update)
