// SPDX-License-Identifier: BSD-3-Clause
/*
 * trace: each packet's timestamp, lengths and first snap bytes, kept for
 * the interval. Rows are a CPU's packets in turn, bounded by max=.
 */
#include "module.bpf.h"
#include "trace.h"

COMO_ARG(snap, TRACE_SNAP_DEFAULT);
COMO_ARG(payload, 0);
COMO_ARG(max, TRACE_ROWS);

COMO_TABLE(struct trace_key, struct trace_val, TRACE_ROWS);

/* Headers only: up to the end of the transport header, as far as known. */
static __always_inline __u32 header_end(const struct como_pkt *pkt)
{
	if (pkt->l7_off)
		return pkt->l7_off;
	if (pkt->flags & COMO_PKT_L4)
		return pkt->l4_off + (pkt->l4_proto == 132 ? 12 : 8);
	return pkt->l3_off;
}

static __always_inline int trace_update(const struct como_pkt *pkt,
					void *state)
{
	struct trace_key k = { .cpu = bpf_get_smp_processor_id() };
	const __u8 *bytes;
	struct trace_val *v;
	__u32 len, n, i;
	__u64 w;

	if (como_next_seq(state, como_arg_max, &k.seq))
		return -ENOSPC;
	bytes = como_pkt_bytes(pkt, &len);
	v = como_get(state, &k);
	if (!v || !bytes)
		return -ENOSPC;
	n = len < como_arg_snap ? len : como_arg_snap;
	if (!como_arg_payload && header_end(pkt) < n)
		n = header_end(pkt);
	v->ts = pkt->ts;
	v->wirelen = pkt->len;
	v->caplen = n;
	v->linktype = pkt->linktype;
	/* whole words, the last one masked: nothing past n is kept */
	for (i = 0; i < TRACE_SNAP_MAX / 8; i++) {
		if (i * 8 >= n)
			break;
		w = *(const __u64 *)(bytes + i * 8);
		if (n - i * 8 < 8)
			w &= (1ULL << ((n - i * 8) * 8)) - 1;
		*(__u64 *)(v->bytes + i * 8) = w;
	}
	return 0;
}

COMO_UPDATE(trace_update)
