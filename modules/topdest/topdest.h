/* SPDX-License-Identifier: BSD-3-Clause */
/* topdest: the types and the hash both sides share. */
#ifndef _TOPDEST_H
#define _TOPDEST_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include <como/sketch.h>

/*
 * One table a CPU: up to TD_EXACT destinations counted exactly, and the
 * cells of a sketch (TD_DEPTH rows of TD_WIDTH) that count the packets
 * of destinations that came once the exact part was full.
 */
#define TD_EXACT	65536
#define TD_DEPTH	4
#define TD_WIDTH_BITS	11
#define TD_WIDTH	(1U << TD_WIDTH_BITS)
#define TD_CELLS	(TD_DEPTH * TD_WIDTH)
#define TD_ENTRIES	(TD_EXACT + TD_CELLS)

struct topdest_key {
	__u8 addr[16];		/* a destination (zero in a cell) */
	__u32 cell;		/* 0: a destination; 1 + row * TD_WIDTH + column */
};

/*
 * A destination's counts, or a cell's: all its packets, and a weighted
 * majority vote over its destinations by bytes (Boyer-Moore; MV-sketch,
 * Tang et al. 2019): the candidate, the vote, and what the candidate
 * sent since it became one. The candidate is kept folded by the least
 * and the greatest word over the CPUs, equal when they all agree.
 */
struct topdest_val {
	__u64 pkts;
	__u64 bytes;
	__u64 cpus;		/* bit c % 64: CPU c counted here */
	__u64 vote;
	__u64 cand_bytes;
	__u64 cand_pkts;
	__u64 amin[2];
	__u64 amax[2];
};

struct topdest_rec {
	__u32 rank;
	__u8 exact;		/* 1: counted exactly; 0: an estimate */
	__u8 pad[3];
	__u8 addr[16];
	__u64 pkts;		/* never below the true counts */
	__u64 bytes;
	__u64 pkts_err;		/* the true counts are at least these below */
	__u64 bytes_err;
	__u64 threshold;	/* any destination above it in bytes is ranked */
};

/* Row ROW's column for an address (include/como/sketch.h). */
static inline __u32 td_hash(const __u32 *w, __u32 row)
{
	return como_sketch_col(w, row, TD_WIDTH_BITS);
}

#endif /* _TOPDEST_H */
