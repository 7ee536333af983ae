// SPDX-License-Identifier: BSD-3-Clause
/* scan: packets per source, destination and destination port. */
#include "module.bpf.h"
#include "scan.h"

COMO_TABLE(struct scan_key, struct scan_val, SCAN_ENTRIES);

static __always_inline int scan_update(const struct como_pkt *pkt, void *state)
{
	struct scan_val *v;
	struct scan_key k = { .proto = pkt->l4_proto };

	if (!pkt->ip_ver)
		return 0;
	__builtin_memcpy(k.src, pkt->src, 16);
	__builtin_memcpy(k.dst, pkt->dst, 16);
	if ((pkt->flags & COMO_PKT_L4) &&
	    (k.proto == 6 || k.proto == 17 || k.proto == 132)) {
		k.port = pkt->dport;
		k.ported = 1;
	}
	v = como_get(state, &k);
	if (!v)
		return -ENOSPC;
	v->pkts += pkt->count;
	return 0;
}

COMO_UPDATE_LIGHT(scan_update)
