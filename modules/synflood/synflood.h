/* SPDX-License-Identifier: BSD-3-Clause */
/* synflood: the types both sides share. */
#ifndef _SYNFLOOD_H
#define _SYNFLOOD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include <como/sketch.h>

/*
 * One table a CPU: up to SF_EXACT hosts counted exactly, and the cells of
 * a sketch (SF_DEPTH rows of SF_WIDTH) that count the SYNs and SYN-ACKs
 * of the hosts that came once the exact part was full.
 */
#define SF_EXACT	65536	/* hosts per interval, counted exactly */
#define SF_DEPTH	4
#define SF_WIDTH_BITS	11
#define SF_WIDTH	(1U << SF_WIDTH_BITS)
#define SF_CELLS	(SF_DEPTH * SF_WIDTH)
#define SYNFLOOD_ENTRIES	(SF_EXACT + SF_CELLS)

struct synflood_key {
	__u8 addr[16];		/* network order, IPv4-mapped; zero in a cell */
	__u32 cell;		/* 0: a host; 1 + row * SF_WIDTH + column */
};

/*
 * A host's counts, or a cell's (all its hosts'): and in a cell, a majority
 * vote over its hosts weighted by SYNs (Boyer-Moore; MV-sketch, Tang et
 * al. 2019): the candidate, its vote, and the SYNs it received since it
 * became the candidate. The candidate is folded by the least and the
 * greatest word over the CPUs, equal when they all agree.
 */
struct synflood_val {
	__u64 syns;		/* SYNs without ACK it received */
	__u64 synacks;		/* SYN-ACKs it sent */
	__u64 cpus;		/* bit c % 64: CPU c counted here */
	__u64 vote;
	__u64 cand_syns;
	__u64 amin[2];
	__u64 amax[2];
};

struct synflood_rec {
	__u8 addr[16];
	__u64 syns;		/* never below the true count */
	__u64 synacks;		/* never above the true count */
	__u8 exact;		/* 1: counted exactly; 0: an estimate */
	__u8 pad[7];
	__u64 syns_err;		/* the true SYNs are at most this below */
	__u64 synacks_err;	/* the true SYN-ACKs at most this above */
	__u64 threshold;	/* a host not reported received at most this
				 * many SYNs past the exact table */
};

/* Row ROW's column for an address (include/como/sketch.h). */
static inline __u32 sf_hash(const __u32 *w, __u32 row)
{
	return como_sketch_col(w, row, SF_WIDTH_BITS);
}

#endif /* _SYNFLOOD_H */
