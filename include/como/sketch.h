/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The column of an address in a row of a sketch, for the modules whose
 * table falls back to one once its exact part is full (topdest,
 * synflood): the same function on both sides, so that export() finds the
 * cells update() counted in. Multiply-shift over the address's four
 * words, with a multiplier per row and word: pairwise independent rows,
 * so that two addresses share a cell in every row rarely.
 */
#ifndef _COMO_SKETCH_H
#define _COMO_SKETCH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

static inline __u64 como_sketch_mix(__u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Row ROW's column (BITS wide) for the address W, as four 32-bit words. */
static inline __u32 como_sketch_col(const __u32 *w, __u32 row, __u32 bits)
{
	__u64 h = como_sketch_mix(row * 5 + 4);
	__u32 i;

	for (i = 0; i < 4; i++)
		h += como_sketch_mix(row * 5 + i) * w[i];
	return h >> (64 - bits);
}

#endif /* _COMO_SKETCH_H */
