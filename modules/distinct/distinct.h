/* SPDX-License-Identifier: BSD-3-Clause */
/* distinct: the types both sides share. */
#ifndef _DISTINCT_H
#define _DISTINCT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Room for 2^DISTINCT_PMAX HyperLogLog registers per sketch; an instance
 * uses the first 2^p (its capture side's constant, struct distinct_args).
 */
#define DISTINCT_PMAX		16
#define DISTINCT_REGS		(1U << DISTINCT_PMAX)
#define DISTINCT_ROW_REGS	16	/* registers a state row holds */
#define DISTINCT_ROWS		(DISTINCT_REGS / DISTINCT_ROW_REGS)

/* rows: sources' registers, destinations', then one per CPU for packets */
#define DISTINCT_SRC_ROW	0
#define DISTINCT_DST_ROW	DISTINCT_ROWS
#define DISTINCT_PKTS_ROW	(2 * DISTINCT_ROWS)
#define DISTINCT_CPUS		1024
#define DISTINCT_ENTRIES	(DISTINCT_PKTS_ROW + DISTINCT_CPUS)

/* the capture side's constants (COMO_ARGS), from init()'s arguments */
struct distinct_args {
	__u32 p;		/* 2^p registers a sketch */
	__u32 pad;
};

/*
 * A register row folds across CPUs by the greatest of each register; a
 * packet row is written by one CPU only (its key is the CPU's), so it is
 * never folded.
 */
union distinct_val {
	__u8 reg[DISTINCT_ROW_REGS];
	__u64 pkts;
};

struct distinct_rec {
	__u64 srcs;		/* estimated distinct source addresses */
	__u64 dsts;		/* estimated distinct destination addresses */
	double rse;		/* relative standard error of both, 1.04/sqrt(2^p) */
	__u64 pkts;		/* IP packets counted */
};

#endif /* _DISTINCT_H */
