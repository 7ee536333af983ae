// SPDX-License-Identifier: BSD-3-Clause
/*
 * heavyhitters: every IP packet into a count-min sketch of its source
 * (or destination, key=dst); a source whose estimate reaches 1/2^HH_PHI_SHIFT of the interval's
 * running total also counts, from then on, in a candidate slot.
 */
#include "module.bpf.h"
#include "heavyhitters.h"

COMO_ARRAY(struct hh_val, HH_ENTRIES);
COMO_ARGS(struct hh_args, hh_args);

static __always_inline struct hh_val *hh_add(void *state, __u32 cell,
					     const struct como_pkt *pkt)
{
	struct hh_val *v = como_get(state, &cell);

	if (v) {
		v->bytes += pkt->len;
		v->pkts += pkt->count;
	}
	return v;
}

/* Where a would-be candidate is in its probe of the slots. */
struct hh_probe {
	void *state;
	__u64 a[2];
	__u32 slot;
	__u32 len, count;
	int found;		/* 1: counted in a slot; -1: the table refused */
};

/* the probe's slot I: 1 once it is done (found or refused), 0 to go on */
static __always_inline long hh_probe_slot(__u32 i, struct hh_probe *pr)
{
	struct hh_val *v;
	__u32 k = HH_SLOT0 + ((pr->slot + i) & (HH_SLOTS - 1));

	v = como_get(pr->state, &k);
	if (!v) {
		pr->found = -1;
		return 1;
	}
	if (!v->pkts && !v->bytes) {
		v->amin[0] = v->amax[0] = pr->a[0];
		v->amin[1] = v->amax[1] = pr->a[1];
	} else if (v->amin[0] != pr->a[0] || v->amin[1] != pr->a[1]) {
		return 0;
	}
	v->bytes += pr->len;
	v->pkts += pr->count;
	pr->found = 1;
	return 1;
}

/* the slots past the first, out of line: the verifier checks them once */
static long hh_probe_cb(__u32 i, void *data)
{
	return hh_probe_slot(i + 1, data);
}

static __always_inline int hh_candidate(void *state, const __u32 *w,
					const struct como_pkt *pkt)
{
	struct hh_probe pr = {
		.state = state, .len = pkt->len, .count = pkt->count,
		.slot = hh_hash(w, HH_DEPTH, HH_SLOTS_BITS),
	};

	__builtin_memcpy(pr.a, w, sizeof(pr.a));
	/* a candidate's packets nearly all find it in its first slot:
	 * there, no loop and no call */
	if (!hh_probe_slot(0, &pr))
		bpf_loop(HH_PROBE - 1, hh_probe_cb, &pr, 0);
	if (pr.found < 0)
		return -ENOSPC;
	/* a would-be candidate that found no slot: the interval is approximate */
	if (!pr.found)
		como_lost(state, 1);
	return 0;
}

static __always_inline int hh_update(const struct como_pkt *pkt, void *state)
{
	__u64 eb = ~0ULL, ep = ~0ULL;
	struct hh_val *tot, *v;
	__u32 w[4], r;

	if (!pkt->ip_ver)
		return 0;
	__builtin_memcpy(w, hh_args.dst ? pkt->dst : pkt->src, sizeof(w));
	tot = hh_add(state, HH_TOTAL, pkt);
	if (!tot)
		return -ENOSPC;
	for (r = 0; r < HH_DEPTH && r < hh_args.depth; r++) {
		v = hh_add(state, r * HH_WIDTH + hh_hash(w, r, hh_args.width_bits),
			   pkt);
		if (!v)
			return -ENOSPC;
		eb = v->bytes < eb ? v->bytes : eb;
		ep = v->pkts < ep ? v->pkts : ep;
	}
	if (eb << HH_PHI_SHIFT < tot->bytes && ep << HH_PHI_SHIFT < tot->pkts)
		return 0;
	return hh_candidate(state, w, pkt);
}

COMO_UPDATE(hh_update)
