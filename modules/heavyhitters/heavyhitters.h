/* SPDX-License-Identifier: BSD-3-Clause */
/* heavyhitters: the types and the hash both sides share. */
#ifndef _HEAVYHITTERS_H
#define _HEAVYHITTERS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * The capture side's room is fixed when it is built: a count-min sketch
 * of up to HH_DEPTH rows of HH_WIDTH cells, one cell for the interval's
 * totals, then HH_SLOTS candidate slots, all in one array. The
 * arguments (struct hh_args) choose how much of the sketch is used.
 */
#define HH_DEPTH	4
#define HH_WIDTH_BITS	12
#define HH_WIDTH	(1U << HH_WIDTH_BITS)
#define HH_CELLS	(HH_DEPTH * HH_WIDTH)
#define HH_TOTAL	HH_CELLS
#define HH_SLOT0	(HH_CELLS + 1)
#define HH_SLOTS_BITS	11
#define HH_SLOTS	(1U << HH_SLOTS_BITS)
#define HH_PROBE	16		/* slots a source may try */
#define HH_ENTRIES	(HH_SLOT0 + HH_SLOTS)
/* a source becomes a candidate once its estimate is 1/2^10 of the total */
#define HH_PHI_SHIFT	10

#define HH_WIDTH_BITS_MIN 4

/* the capture side's constants (COMO_ARGS), from init()'s arguments */
struct hh_args {
	__u32 dst;		/* 1: destinations; 0: sources */
	__u32 width_bits;	/* a row's cells used: 2^width_bits */
	__u32 depth;		/* rows used, 1 to HH_DEPTH */
	__u32 pad;
};

/*
 * A cell, the totals or a slot. A slot's source is kept twice, folded by
 * the least and by the greatest word over the CPUs that used the slot:
 * equal when they all put the same source there.
 */
struct hh_val {
	__u64 bytes;
	__u64 pkts;
	__u64 amin[2];
	__u64 amax[2];
};

/* ranked by: */
#define HH_BY_BYTES	1
#define HH_BY_PKTS	2

struct hh_rec {
	__u8 addr[16];		/* source or destination, IPv4 as ::ffff:a.b.c.d */
	__u8 by;		/* HH_BY_* */
	__u8 pad[3];
	__u32 rank;
	__u64 bytes;		/* estimates: never below the true counts */
	__u64 pkts;
	__u64 bytes_err;	/* the true counts are at least these below */
	__u64 pkts_err;
	__u64 total_bytes;	/* N: the interval's IP packets and bytes */
	__u64 total_pkts;
	__u64 missed;		/* packets of would-be candidates without a slot */
};

static inline __u64 hh_mix(__u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * Row ROW's hash of an address, BITS wide: vector multiply-shift over
 * its four 32-bit words with 64-bit constants, strongly universal
 * (Dietzfelbinger 1996), as count-min's bound asks; row HH_DEPTH picks
 * a candidate slot. ROW is a constant where it is inlined, so the
 * constants fold.
 */
static inline __u32 hh_hash(const __u32 *w, __u32 row, __u32 bits)
{
	__u64 h = hh_mix(row * 5 + 4);
	__u32 i;

	for (i = 0; i < 4; i++)
		h += hh_mix(row * 5 + i) * w[i];
	return h >> (64 - bits);
}

#endif /* _HEAVYHITTERS_H */
