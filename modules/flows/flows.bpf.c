// SPDX-License-Identifier: BSD-3-Clause
/* flows: per 5-tuple and VLAN, packets, bytes, first and last, TCP flags. */
#include "module.bpf.h"
#include "flows.h"

COMO_TABLE(struct flows_key, struct flows_val, FLOWS_ENTRIES);

static __always_inline int flows_update(const struct como_pkt *pkt,
					void *state)
{
	struct flows_key k = {
		.sport = pkt->sport, .dport = pkt->dport,
		.vlan = pkt->vlan, .proto = pkt->l4_proto,
	};
	struct flows_val *v;

	if (!pkt->ip_ver)
		return 0;
	__builtin_memcpy(k.src, pkt->src, 16);
	__builtin_memcpy(k.dst, pkt->dst, 16);
	v = como_get(state, &k);
	if (!v)
		return -ENOSPC;
	if (!v->pkts || pkt->ts < v->first_ns)
		v->first_ns = pkt->ts;
	if (pkt->ts > v->last_ns)
		v->last_ns = pkt->ts;
	v->tcp_flags |= pkt->tcp_flags;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

COMO_UPDATE(flows_update)
