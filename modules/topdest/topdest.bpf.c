// SPDX-License-Identifier: BSD-3-Clause
/*
 * topdest: bytes and packets per destination address; once the exact
 * part of the table is full, a new destination counts in the sketch.
 */
#include "module.bpf.h"
#include "topdest.h"

COMO_TABLE(struct topdest_key, struct topdest_val, TD_ENTRIES);

/*
 * A global function: the verifier checks its branches once, not on every
 * row of the sketch (it runs only once the exact table is full).
 */
__noinline int td_vote(struct topdest_val *c, const struct como_pkt *pkt,
		       __u64 cpu)
{
	__u64 a[2];

	if (!c || !pkt)
		return 0;
	__builtin_memcpy(a, pkt->dst, sizeof(a));
	c->pkts += pkt->count;
	c->bytes += pkt->len;
	c->cpus |= cpu;
	if (c->amin[0] == a[0] && c->amin[1] == a[1]) {
		c->vote += pkt->len;
		c->cand_bytes += pkt->len;
		c->cand_pkts += pkt->count;
	} else if (c->vote >= pkt->len) {
		c->vote -= pkt->len;
	} else {
		c->amin[0] = c->amax[0] = a[0];
		c->amin[1] = c->amax[1] = a[1];
		c->vote = pkt->len - c->vote;
		c->cand_bytes = pkt->len;
		c->cand_pkts = pkt->count;
	}
	return 0;
}

static __always_inline int td_sketch(void *state, const struct como_pkt *pkt,
				     __u64 cpu)
{
	struct topdest_key key = { .cell = 0 };
	struct topdest_val *c;
	__u32 w[4], r;

	__builtin_memcpy(w, pkt->dst, sizeof(w));
	for (r = 0; r < TD_DEPTH; r++) {
		key.cell = 1 + r * TD_WIDTH + td_hash(w, r);
		c = como_get_noinline(state, &key);
		if (!c)
			return -ENOSPC;
		td_vote(c, pkt, cpu);
	}
	return 0;
}

static __always_inline int topdest_update(const struct como_pkt *pkt,
					  void *state)
{
	__u64 cpu = 1ULL << (bpf_get_smp_processor_id() & 63);
	struct topdest_key key = { .cell = 0 };
	struct topdest_val *v;

	if (!pkt->ip_ver)
		return 0;
	__builtin_memcpy(key.addr, pkt->dst, sizeof(key.addr));
	/* full: counted as lost (the interval is approximate) and sketched */
	v = como_get_max(state, &key, TD_EXACT);
	if (!v)
		return td_sketch(state, pkt, cpu);
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	v->cpus |= cpu;
	return 0;
}

COMO_UPDATE(topdest_update)
