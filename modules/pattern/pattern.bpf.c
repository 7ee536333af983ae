// SPDX-License-Identifier: BSD-3-Clause
/*
 * pattern: the TCP and UDP packets whose payload holds each rule's bytes
 * (Snort's content), per interval. The payload is what the window holds
 * of it (the first COMO_SNAP bytes of the frame, within the capture),
 * ending where the IP header says the packet ends (not in the link's
 * padding); each packet on its own, no stream reassembly.
 *
 * One pass over the payload: at each byte the first-byte table names the
 * rules that may start there, and only those are compared.
 */
#include "module.bpf.h"
#include "pattern.h"

COMO_ARGS(struct pattern_args, pattern_args);
COMO_ARRAY(struct pattern_val, PATTERN_RULES + 1);

/*
 * The rules not found yet in this CPU's packet. In a map, not on the
 * stack: the verifier tracks a value on the stack, and every rule found
 * or not would double the paths it walks.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} pattern_want SEC(".maps");

struct pattern_scan {
	const __u8 *b;
	__u32 *want;
	__u32 pos;		/* where the payload starts */
	__u32 end;		/* where what was seen of it ends */
	__u32 at;		/* the byte the rules are tried at */
	__u32 cand;		/* the rules that start with that byte */
	void *state;
	const struct como_pkt *pkt;
	__u64 cut;		/* packets not seen to the payload's end */
	int err;
};

/*
 * Does rule R start at s->at? A loop of its own over the rules: the
 * verifier walks its body once, for any rule, where unrolled, each rule
 * found or not would double the paths it walks.
 */
static long rule_cb(__u32 r, void *data)
{
	struct pattern_scan *s = data;
	const volatile struct pattern_rule *rule;
	__u32 len, j, pos = s->at;
	__u8 diff = 0;

	if (!(s->cand >> r & 1))
		return 0;
	rule = &pattern_args.rule[r & (PATTERN_RULES - 1)];
	len = rule->len;
	if (len > s->end - pos)
		return 0;
	for (j = 1; j < PATTERN_LEN; j++) {
		if (j >= len)
			break;
		diff |= s->b[(pos + j) & 0xff] ^ rule->bytes[j];
	}
	if (!diff)
		*s->want &= ~(1U << r);
	return 0;
}

static long scan_cb(__u32 i, void *data)
{
	struct pattern_scan *s = data;

	s->at = s->pos + i;
	if (s->at >= s->end)
		return 1;
	s->cand = pattern_args.first[s->b[s->at & 0xff]] & *s->want;
	if (!s->cand)
		return 0;
	bpf_loop(pattern_args.nrules, rule_cb, s, 0);
	return *s->want == 0;
}

/* Rule R's row counts the packet if R was found in it. */
static long count_cb(__u32 r, void *data)
{
	struct pattern_scan *s = data;
	struct pattern_val *v;

	if (*s->want >> r & 1)
		return 0;
	v = como_get(s->state, &r);
	if (!v) {
		s->err = -ENOSPC;
		return 1;
	}
	v->pkts += s->pkt->count;
	v->bytes += s->pkt->len;
	v->cut += s->cut;
	return 0;
}

/* Where the IP packet ends in the frame, by its header; 0 if unknown. */
static __always_inline __u32 ip_end(const struct como_pkt *pkt,
				    const __u8 *b, __u32 seen)
{
	__u32 at = pkt->l3_off + (pkt->ip_ver == 4 ? 2 : 4);
	int hi = como_pkt_byte(b, seen, at), lo = como_pkt_byte(b, seen, at + 1);

	if (hi < 0 || lo < 0)
		return 0;
	return pkt->l3_off + (pkt->ip_ver == 4 ? 0 : 40) + (hi << 8 | lo);
}

static __always_inline int pattern_update(const struct como_pkt *pkt,
					  void *state)
{
	struct pattern_scan s = { .pos = pkt->l7_off, .state = state,
				  .pkt = pkt };
	__u32 seen, last, key = PATTERN_TOTAL, zero = 0;
	struct pattern_val *tot;

	if (!pkt->l7_off || (pkt->l4_proto != 6 && pkt->l4_proto != 17))
		return 0;
	s.b = como_pkt_bytes(pkt, &seen);
	if (!s.b)
		return 0;
	last = ip_end(pkt, s.b, seen);
	if (!last)
		last = pkt->len;
	s.end = last < seen ? last : seen;
	/* bytes past the window or the capture: a match may lie there */
	s.cut = last > seen ? pkt->count : 0;
	tot = como_get(state, &key);
	if (!tot)
		return -ENOSPC;
	tot->pkts += pkt->count;
	tot->bytes += pkt->len;
	tot->cut += s.cut;
	if (s.end < s.pos + pattern_args.min_len)
		return 0;
	s.want = bpf_map_lookup_elem(&pattern_want, &zero);
	if (!s.want)
		return 0;
	*s.want = (1U << pattern_args.nrules) - 1;
	bpf_loop(s.end - s.pos - pattern_args.min_len + 1, scan_cb, &s, 0);
	if (*s.want != (1U << pattern_args.nrules) - 1)
		bpf_loop(pattern_args.nrules, count_cb, &s, 0);
	return s.err;
}

COMO_UPDATE(pattern_update)
