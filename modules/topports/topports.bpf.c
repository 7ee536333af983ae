// SPDX-License-Identifier: BSD-3-Clause
/* topports: packets and bytes per destination port; export() ranks. */
#include "module.bpf.h"
#include "topports.h"

COMO_TABLE(struct topports_key, struct topports_val, TOPPORTS_ENTRIES);

static __always_inline int topports_update(const struct como_pkt *pkt,
					   void *state)
{
	struct topports_key k = { .port = pkt->dport, .proto = pkt->l4_proto };

	/* ICMP's dport is its type and code: ports of TCP, UDP, SCTP only */
	if (!(pkt->flags & COMO_PKT_L4) ||
	    (k.proto != 6 && k.proto != 17 && k.proto != 132))
		return 0;
	return como_count(state, &k, pkt);
}

COMO_UPDATE_LIGHT(topports_update)
