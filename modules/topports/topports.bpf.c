// SPDX-License-Identifier: BSD-3-Clause
/* topports: packets and bytes per destination port; export() ranks. */
#include "module.bpf.h"
#include "topports.h"

COMO_ARRAY(struct topports_val, TOPPORTS_ENTRIES);

static __always_inline int topports_update(const struct como_pkt *pkt,
					   void *state)
{
	int place = topports_proto_place(pkt->l4_proto);
	__u32 row;

	/* ICMP's dport is its type and code: ports of TCP, UDP, SCTP only */
	if (!(pkt->flags & COMO_PKT_L4) || place < 0)
		return 0;
	row = place * TOPPORTS_PORTS + pkt->dport;
	return como_count(state, &row, pkt);
}

COMO_UPDATE_LIGHT(topports_update)
