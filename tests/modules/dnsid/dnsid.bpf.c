// SPDX-License-Identifier: BSD-3-Clause
/*
 * dnsid: reads payload bytes through como_pkt_bytes(): per interval, the
 * UDP packets to or from port 53 whose first two payload bytes were
 * captured, and the sum of those bytes as a big-endian number (a DNS
 * message's ID). The payload tests' module (tests/payload.t).
 */
#include "module.bpf.h"

struct dnsid_val {
	__u64 pkts;
	__u64 id_sum;
};

COMO_ARRAY(struct dnsid_val, 1);

static __always_inline int dnsid_update(const struct como_pkt *pkt,
					void *state)
{
	const __u8 *bytes;
	struct dnsid_val *v;
	__u32 zero = 0, len;
	int hi, lo;

	if (pkt->l4_proto != 17 || !pkt->l7_off ||
	    (pkt->flags & COMO_PKT_FRAG_LATER) ||
	    (pkt->sport != 53 && pkt->dport != 53))
		return 0;
	bytes = como_pkt_bytes(pkt, &len);
	hi = como_pkt_byte(bytes, len, pkt->l7_off);
	lo = como_pkt_byte(bytes, len, pkt->l7_off + 1);
	if (hi < 0 || lo < 0)
		return 0;
	v = como_get(state, &zero);
	if (!v)
		return -ENOSPC;
	v->pkts++;
	v->id_sum += hi << 8 | lo;
	return 0;
}

COMO_UPDATE(dnsid_update)
