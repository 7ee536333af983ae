// SPDX-License-Identifier: BSD-3-Clause
/*
 * scan: packets per source, destination and destination port; past the
 * table, a bit per destination and per port in the source's bitmaps.
 */
#include "module.bpf.h"
#include "scan.h"

COMO_TABLE(struct scan_key, struct scan_val, SCAN_ENTRIES);

/*
 * The bit BIT of the source's bitmap KIND, for a packet counted lost. The
 * table's last row is kept for the count of what no bitmap took: with it,
 * export() knows that a source's most is not known.
 */
static __always_inline int scan_bit(void *state, const struct scan_key *k,
				    __u8 kind, __u32 bit, __u32 count)
{
	struct scan_key b = { .ported = kind, .port = bit / 64 };
	struct scan_val *v;

	__builtin_memcpy(b.src, k->src, 16);
	v = como_get_max(state, &b, SCAN_ENTRIES - 1);
	if (!v) {
		como_lost_again(state);
		b = (struct scan_key){ .ported = SCAN_BITS_FULL };
		v = como_get(state, &b);
		if (v)
			v->pkts += count;
		else
			como_lost_again(state);
		return -ENOSPC;
	}
	v->pkts += count;
	v->bits |= 1ULL << (bit & 63);
	return 0;
}

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
	v = como_get_max(state, &k, SCAN_EXACT);
	if (v) {
		v->pkts += pkt->count;
		return 0;
	}
	/* counted as lost (the interval is approximate), and in bitmaps */
	if (scan_bit(state, &k, SCAN_DST_BITS, scan_dst_bit(k.dst), pkt->count))
		return 0;
	if (k.ported)
		scan_bit(state, &k, SCAN_PORT_BITS,
			 scan_port_bit(k.proto, k.port), pkt->count);
	return 0;
}

COMO_UPDATE(scan_update)
