/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A module's table (COMO_TABLE in bpf/module.bpf.h): its state as rows in
 * a plain array that comod maps into its memory, so that reading and
 * emptying an epoch is a walk over the rows the epoch used, with no
 * system call and nothing proportional to the table's capacity.
 *
 * Each CPU has a region of ENTRIES rows, rows [cpu * ENTRIES, (cpu + 1) *
 * ENTRIES) of the array, that only programs on that CPU write (XDP and
 * BPF_PROG_RUN do not migrate), so no row needs an atomic operation.
 * Rows are handed out in order, as keys first appear: row 0's 'count'
 * says how many of the region's rows are in use. The region is also a
 * hash: bucket B's chain starts at row (head of row B) - 1 and goes on
 * through each row's 'next'. comod empties a closed half by clearing the
 * head of each used row's bucket and then the used rows themselves.
 */
#ifndef _COMO_TABLE_H
#define _COMO_TABLE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define COMO_TABLE_MAX		(1U << 24)	/* rows per CPU */
#define COMO_CHAIN_MAX		32		/* rows walked for one key */

struct como_row_hdr {
	__u32 head;	/* of bucket <this row>: 1 + its first row, 0: empty */
	__u32 next;	/* 1 + the next row of this row's chain, 0: the last */
	__u32 bucket;	/* the bucket this row hangs from */
	__u32 count;	/* row 0 of a region only: rows in use */
};

/* A row: the header, the key and the value, each 8-aligned. */
static inline __u32 como_row_key_off(void)
{
	return sizeof(struct como_row_hdr);
}

static inline __u32 como_row_value_off(__u32 key_size)
{
	return sizeof(struct como_row_hdr) + ((key_size + 7) & ~7U);
}

static inline __u32 como_row_size(__u32 key_size, __u32 value_size)
{
	return como_row_value_off(key_size) + ((value_size + 7) & ~7U);
}

#endif /* _COMO_TABLE_H */
