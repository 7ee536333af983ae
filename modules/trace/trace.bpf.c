// SPDX-License-Identifier: BSD-3-Clause
/*
 * trace: each packet's timestamp, lengths and first snap bytes, kept for
 * the interval. Rows are a CPU's packets in turn, bounded by max=.
 */
#include "module.bpf.h"
#include "trace.h"

COMO_ARGS(struct trace_args, trace_args);

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
	struct como_vec *vec = como_vec_this_cpu();
	struct trace_key k = { .cpu = bpf_get_smp_processor_id(),
			       .batch = vec ? vec->batch : 0 };
	const __u8 *bytes;
	struct trace_val *v;
	__u32 len, n;

	if (como_next_seq(state, trace_args.max, &k.seq))
		return -ENOSPC;
	bytes = como_pkt_bytes(pkt, &len);
	v = como_append(state, &k, trace_args.max);
	if (!v || !bytes)
		return -ENOSPC;
	n = len < trace_args.snap ? len : trace_args.snap;
	if (!trace_args.payload && header_end(pkt) < n)
		n = header_end(pkt);
	v->ts = pkt->ts;
	v->wirelen = pkt->len;
	v->caplen = n;
	v->linktype = pkt->linktype;
	/* the row was zeroed when emptied: nothing past n is kept */
	if (n > TRACE_SNAP_MAX)
		n = TRACE_SNAP_MAX;
	bpf_probe_read_kernel(v->bytes, n, bytes);
	return 0;
}

COMO_UPDATE(trace_update)
