// SPDX-License-Identifier: BSD-3-Clause
/* distinct: HyperLogLog registers of source and destination addresses. */
#include "module.bpf.h"
#include "distinct.h"

COMO_ARRAY(union distinct_val, DISTINCT_ENTRIES);
COMO_ARGS(struct distinct_args, distinct_args);

#define XXH_P1	0x9e3779b185ebca87ULL
#define XXH_P2	0xc2b2ae3d27d4eb4fULL
#define XXH_P3	0x165667b19e3779f9ULL
#define XXH_P4	0x85ebca77c2b2ae63ULL
#define XXH_P5	0x27d4eb2f165667c5ULL

static __always_inline __u64 rotl64(__u64 x, int r)
{
	return x << r | x >> (64 - r);
}

/*
 * XXH64 (seed 0) of a 16-byte address: HyperLogLog needs hash bits that
 * look uniform and independent, which addresses of one subnet are not.
 */
static __always_inline __u64 xxh64_addr(const __u8 *addr)
{
	__u64 lane[2], h = XXH_P5 + 16;
	int i;

	__builtin_memcpy(lane, addr, sizeof(lane));
	for (i = 0; i < 2; i++) {
		h ^= rotl64(lane[i] * XXH_P2, 31) * XXH_P1;
		h = rotl64(h, 27) * XXH_P1 + XXH_P4;
	}
	h ^= h >> 33;
	h *= XXH_P2;
	h ^= h >> 29;
	h *= XXH_P3;
	return h ^ h >> 32;
}

/*
 * Leading zero bits of X, without branches: clang 14 cannot lower ctlz
 * for BPF, and a branch a bit would multiply the verifier's paths.
 */
static __always_inline __u32 clz64(__u64 x)
{
	x |= x >> 1;
	x |= x >> 2;
	x |= x >> 4;
	x |= x >> 8;
	x |= x >> 16;
	x |= x >> 32;
	/* 64 less the ones of x, counted the SWAR way */
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return 64 - ((x * 0x0101010101010101ULL) >> 56);
}

/*
 * The register is the hash's top p bits; its value the rank of the
 * first 1 in the bits after them (1 to 64 - p + 1).
 */
static __always_inline int hll_add(void *state, __u32 first_row,
				   const __u8 *addr)
{
	__u32 p = distinct_args.p;
	__u64 h = xxh64_addr(addr);
	__u32 idx = h >> (64 - p), row = first_row + idx / 16;
	__u8 rank = clz64(h << p | 1ULL << (p - 1)) + 1;
	union distinct_val *v = como_get(state, &row);

	if (!v)
		return -ENOSPC;
	if (v->reg[idx % DISTINCT_ROW_REGS] < rank)
		v->reg[idx % DISTINCT_ROW_REGS] = rank;
	return 0;
}

static __always_inline int distinct_update(const struct como_pkt *pkt,
					   void *state)
{
	__u32 row = DISTINCT_PKTS_ROW + bpf_get_smp_processor_id();
	union distinct_val *v;

	/* not IP: no address, nothing counted */
	if (!pkt->ip_ver)
		return 0;
	v = como_get(state, &row);
	if (!v)
		return -ENOSPC;
	v->pkts += pkt->count;
	return hll_add(state, DISTINCT_SRC_ROW, pkt->src) ?:
	       hll_add(state, DISTINCT_DST_ROW, pkt->dst);
}

COMO_UPDATE_LIGHT(distinct_update)
