// SPDX-License-Identifier: BSD-3-Clause
/* connections: SYN, FIN and RST per TCP connection per interval. */
#include "module.bpf.h"
#include "connections.h"

COMO_TABLE(struct connections_key, struct connections_val, CONN_ENTRIES);

/* (address, port) X before Y? Addresses compare as big-endian words. */
static __always_inline int end_before(const __u8 *x, __u16 px, const __u8 *y,
				      __u16 py)
{
	__u32 wx, wy;
	int i;

	for (i = 0; i < 4; i++) {
		wx = bpf_ntohl(((const __u32 *)x)[i]);
		wy = bpf_ntohl(((const __u32 *)y)[i]);
		if (wx != wy)
			return wx < wy;
	}
	return px < py;
}

static __always_inline int connections_update(const struct como_pkt *pkt,
					      void *state)
{
	struct connections_val *v;
	struct connections_key k = { .untracked = 0 };
	__u8 f = pkt->tcp_flags;

	if (pkt->l4_proto != 6 || !(pkt->flags & COMO_PKT_L4))
		return 0;
	if (end_before(pkt->src, pkt->sport, pkt->dst, pkt->dport)) {
		__builtin_memcpy(k.a, pkt->src, 16);
		__builtin_memcpy(k.b, pkt->dst, 16);
		k.port_a = pkt->sport;
		k.port_b = pkt->dport;
	} else {
		__builtin_memcpy(k.a, pkt->dst, 16);
		__builtin_memcpy(k.b, pkt->src, 16);
		k.port_a = pkt->dport;
		k.port_b = pkt->sport;
	}
	v = como_get_max(state, &k, CONN_TRACKED);
	if (!v) {
		/* counted as lost (approximate), and in the untracked row */
		k = (struct connections_key){ .untracked = 1 };
		v = como_get(state, &k);
		if (!v)
			return -ENOSPC;
	}
	v->pkts += pkt->count;
	v->syns += (f & 0x12) == 0x02;
	v->fins += (f & 0x01) != 0;
	v->rsts += (f & 0x04) != 0;
	return 0;
}

COMO_UPDATE_LIGHT(connections_update)
