// SPDX-License-Identifier: BSD-3-Clause
/*
 * synflood: SYNs received and SYN-ACKs sent per host per interval; once
 * the exact part of the table is full, a new host counts in the sketch.
 */
#include "module.bpf.h"
#include "synflood.h"

COMO_TABLE(struct synflood_key, struct synflood_val, SYNFLOOD_ENTRIES);

/* SYN without ACK: counts at its destination; SYN-ACK: at its source */
static __always_inline const __u8 *sf_host(const struct como_pkt *pkt)
{
	return (pkt->tcp_flags & 0x12) == 0x02 ? pkt->dst : pkt->src;
}

/*
 * A global function: the verifier checks its branches once, not on every
 * row of the sketch (it runs only once the exact table is full). A SYN
 * votes for its destination; a SYN-ACK only counts.
 */
__noinline int sf_vote(struct synflood_val *c, const struct como_pkt *pkt,
		       __u64 cpu)
{
	__u64 a[2];

	if (!c || !pkt)
		return 0;
	c->cpus |= cpu;
	if ((pkt->tcp_flags & 0x12) != 0x02) {
		c->synacks += pkt->count;
		return 0;
	}
	__builtin_memcpy(a, pkt->dst, sizeof(a));
	c->syns += pkt->count;
	if (c->amin[0] == a[0] && c->amin[1] == a[1]) {
		c->vote += pkt->count;
		c->cand_syns += pkt->count;
	} else if (c->vote >= pkt->count) {
		c->vote -= pkt->count;
	} else {
		c->amin[0] = c->amax[0] = a[0];
		c->amin[1] = c->amax[1] = a[1];
		c->vote = pkt->count - c->vote;
		c->cand_syns = pkt->count;
	}
	return 0;
}

static __always_inline int sf_sketch(void *state, const struct como_pkt *pkt,
				     __u64 cpu)
{
	struct synflood_key key = { .cell = 0 };
	struct synflood_val *c;
	__u32 w[4], r;

	__builtin_memcpy(w, sf_host(pkt), sizeof(w));
	for (r = 0; r < SF_DEPTH; r++) {
		key.cell = 1 + r * SF_WIDTH + sf_hash(w, r);
		c = como_get_noinline(state, &key);
		if (!c)
			return -ENOSPC;
		sf_vote(c, pkt, cpu);
	}
	return 0;
}

static __always_inline int synflood_update(const struct como_pkt *pkt,
					   void *state)
{
	__u64 cpu = 1ULL << (bpf_get_smp_processor_id() & 63);
	struct synflood_key key = { .cell = 0 };
	struct synflood_val *v;
	__u8 f = pkt->tcp_flags & 0x12;	/* SYN, ACK */

	if (pkt->l4_proto != 6 || !(pkt->flags & COMO_PKT_L4) || !(f & 0x02))
		return 0;
	__builtin_memcpy(key.addr, sf_host(pkt), sizeof(key.addr));
	/* full: counted as lost (the interval is approximate) and sketched */
	v = como_get_max(state, &key, SF_EXACT);
	if (!v)
		return sf_sketch(state, pkt, cpu);
	if (f == 0x02)
		v->syns += pkt->count;
	else
		v->synacks += pkt->count;
	v->cpus |= cpu;
	return 0;
}

COMO_UPDATE(synflood_update)
