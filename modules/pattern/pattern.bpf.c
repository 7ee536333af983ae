// SPDX-License-Identifier: BSD-3-Clause
/*
 * pattern: the TCP and UDP packets whose payload holds each rule's bytes
 * (Snort's content), per interval. The payload is what the window holds
 * of it (the first COMO_SNAP bytes of the frame, within the capture),
 * ending where the IP header says the packet ends (not in the link's
 * padding); each packet on its own, no stream reassembly.
 *
 * One pass over the payload, a word (8 bytes) at a time: a word holding
 * none of the rules' first bytes, as most do, costs a few instructions
 * for each distinct first byte (a SWAR test for a zero byte in the word
 * XOR that byte repeated). Only at the bytes it flags are the rules that
 * start with that byte compared, 8 bytes at a time as well.
 */
#include "module.bpf.h"
#include "pattern.h"

COMO_ARGS(struct pattern_args, pattern_args);
COMO_ARRAY(struct pattern_val, PATTERN_RULES + 1);

#define LO_BYTES	0x0101010101010101ULL
#define HI_BYTES	0x8080808080808080ULL

/* The rules being tried at one byte of the payload. */
struct pattern_try {
	const __u8 *b;
	__u32 end;		/* where what was seen of the payload ends */
	__u32 at;		/* the byte the rules are tried at */
	__u32 cand;		/* the rules that start with that byte */
	__u32 want;		/* the rules not found yet */
	__u32 pos;		/* where the payload starts */
	__u32 words;		/* bit K: the word at pos + 8 * K, to try */
	__u32 word;		/* where the word being tried starts */
	__u64 hits;		/* its bytes that start a rule: bit 7 of each */
};

/*
 * The 8 bytes at OFF of the window. Unaligned: x86 loads them as one.
 * The mask keeps OFF in the window (and its slack) for the verifier.
 */
static __always_inline __u64 window_word(const __u8 *b, __u32 off)
{
	barrier_var(off);
	return *(const __u64 *)(b + (off & 0xff));
}

static __always_inline __u32 popcount32(__u32 v)
{
	v = v - (v >> 1 & 0x55555555);
	v = (v & 0x33333333) + (v >> 2 & 0x33333333);
	v = (v + (v >> 4)) & 0x0f0f0f0f;
	return v * 0x01010101 >> 24;
}

/*
 * Does the next rule of t->cand (the lowest left) start at t->at? A loop
 * of its own over the rules: the verifier walks its body once, for any
 * rule, where unrolled, each rule found or not would double the paths.
 */
static long rule_cb(__u32 n, void *data)
{
	struct pattern_try *t = data;
	const volatile struct pattern_rule *rule;
	__u32 low = t->cand & -t->cand, len, j;
	__u64 diff = 0;

	t->cand ^= low;
	rule = &pattern_args.rule[popcount32(low - 1) & (PATTERN_RULES - 1)];
	len = rule->len;
	if (len > t->end - t->at)
		return 0;
	for (j = 0; j < PATTERN_LEN; j += 8) {
		if (j >= len)
			break;
		diff |= (window_word(t->b, t->at + j) ^
			 *(const __u64 *)&rule->bytes[j]) &
			*(const __u64 *)&rule->mask[j];
	}
	if (!diff)
		t->want &= ~low;
	return 0;
}

/* Bytes of the word W equal to one of the rules' first bytes: bit 7 of each. */
static __always_inline __u64 first_bytes(__u64 w)
{
	__u64 x, z = 0;
	__u32 j;

#pragma unroll
	for (j = 0; j < PATTERN_RULES; j++) {
		if (j >= pattern_args.nfirst)
			break;
		/* a zero byte of x is one of w's equal to rule j's */
		x = w ^ pattern_args.first_word[j];
		z |= (x - LO_BYTES) & ~x;
	}
	/* flags a byte above a flagged one too: the caller checks */
	return z & HI_BYTES;
}

static __always_inline __u32 popcount64(__u64 v)
{
	v = v - (v >> 1 & 0x5555555555555555ULL);
	v = (v & 0x3333333333333333ULL) + (v >> 2 & 0x3333333333333333ULL);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return v * 0x0101010101010101ULL >> 56;
}

/*
 * The next flagged byte of the word at t->word (the lowest left of
 * t->hits, bit 7 of each): the rules that start there, tried.
 */
static long byte_cb(__u32 n, void *data)
{
	struct pattern_try *t = data;
	__u64 low = t->hits & -t->hits;

	t->hits ^= low;
	t->at = t->word + (popcount64(low - 1) >> 3);
	if (t->at + pattern_args.min_len > t->end)
		return 1;
	t->cand = pattern_args.first[t->b[t->at & 0xff]] & t->want;
	if (t->cand)
		bpf_loop(popcount32(t->cand), rule_cb, t, 0);
	return !t->want;
}

/*
 * The next word of t->words (bit K: the word at t->pos + 8 * K), the
 * lowest left, tried at its flagged bytes.
 */
static long word_cb(__u32 n, void *data)
{
	struct pattern_try *t = data;
	__u32 low = t->words & -t->words;

	t->words ^= low;
	t->word = t->pos + popcount32(low - 1) * 8;
	t->hits = first_bytes(window_word(t->b, t->word));
	bpf_loop(popcount64(t->hits), byte_cb, t, 0);
	return !t->want;
}

/*
 * The rules found in packet INDEX's payload, from POS to END, the rest
 * of (1 << nrules) - 1 returned. First the words that hold a rule's
 * first byte, in a loop without a branch (a few instructions a word);
 * then only those words, byte by byte. Global: the verifier checks it
 * once, on its own, not once for each way the caller reaches it.
 */
__noinline int pattern_scan(__u32 index, __u32 pos, __u32 end)
{
	struct pattern_try t = { .pos = pos, .end = end,
				 .want = (1U << pattern_args.nrules) - 1 };
	__u32 k, nwords = (end - pos - pattern_args.min_len) / 8 + 1;
	struct como_win *w = como_win_this_cpu();
	__u64 z;

	if (!w)
		return t.want;
	t.b = w->pkt[index & (COMO_BATCH_MAX - 1)] + COMO_BATCH_REC_HDR;
	for (k = 0; k < COMO_SNAP / 8; k++) {
		z = first_bytes(window_word(t.b, pos + k * 8));
		/* 1 if z is not 0, without a branch (one path) */
		z |= -z;
		barrier_var(z);
		t.words |= (__u32)(z >> 63) << k;
	}
	if (nwords < COMO_SNAP / 8)
		t.words &= (1U << nwords) - 1;
	if (t.words)
		bpf_loop(popcount32(t.words), word_cb, &t, 0);
	return t.want;
}

struct pattern_count {
	void *state;
	const struct como_pkt *pkt;
	__u64 cut;		/* 1: the payload was not seen to its end */
	__u32 want;
	int err;
};

/* Rule R's row counts the packet if R was found in it. */
static long count_cb(__u32 r, void *data)
{
	struct pattern_count *s = data;
	struct pattern_val *v;

	if (s->want >> r & 1)
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
	struct pattern_count c = { .state = state, .pkt = pkt };
	__u32 seen, last, end, pos = pkt->l7_off, key = PATTERN_TOTAL;
	struct pattern_val *tot;
	const __u8 *b;

	if (!pos || (pkt->l4_proto != 6 && pkt->l4_proto != 17))
		return 0;
	b = como_pkt_bytes(pkt, &seen);
	if (!b)
		return 0;
	last = ip_end(pkt, b, seen);
	if (!last)
		last = pkt->len;
	end = last < seen ? last : seen;
	/* bytes past the window or the capture: a match may lie there */
	c.cut = last > seen ? pkt->count : 0;
	tot = como_get(state, &key);
	if (!tot)
		return -ENOSPC;
	tot->pkts += pkt->count;
	tot->bytes += pkt->len;
	tot->cut += c.cut;
	if (end < pos + pattern_args.min_len)
		return 0;
	c.want = pattern_scan(pkt->index, pos, end);
	if (c.want != (1U << pattern_args.nrules) - 1)
		bpf_loop(pattern_args.nrules, count_cb, &c, 0);
	return c.err;
}

COMO_UPDATE(pattern_update)
