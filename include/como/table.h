/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A module's table (COMO_TABLE in bpf/module.bpf.h): its state as rows in
 * a plain array that comod maps into its memory, so that reading and
 * emptying an epoch is a walk over the rows the epoch used, with no
 * system call and nothing proportional to the table's capacity.
 *
 * Each CPU has a region of rows that only programs on that CPU write (XDP
 * and BPF_PROG_RUN do not migrate), so no row needs an atomic operation.
 * A region is an open-addressing hash of its rows (linear probing from
 * the key's hash; an array's key is its row): a row is 'used' once a key
 * is in it. Its rows are also a list of the rows used, in the order their
 * keys first came: row i's 'touched' is 1 + the i-th used row, and row
 * 0's 'count' says how many there are. A trace's batches may run on
 * several CPUs: 'used' then says which batch brought the key, so that
 * the order keys came in is known across regions. comod reads an epoch by that list
 * and empties it by clearing the rows on it, then the list itself.
 *
 * A hashed table has twice the rows it may use, so that probing stays
 * short; an array has one row per key.
 */
#ifndef _COMO_TABLE_H
#define _COMO_TABLE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define COMO_TABLE_MAX		(1U << 24)	/* rows per CPU */
/* rows probed for one key: at half load, linear probing runs past 32 now
 * and then (one key in 100,000 of a full 262,144-key table) */
#define COMO_PROBE_MAX		128

struct como_row_hdr {
	__u32 used;	/* a key is in this row: 1 + the number of the
			 * trace batch it came in (1 live), nonzero */
	__u32 touched;	/* 1 + the row used i-th, i being this row's number */
	__u32 lost;	/* row 0 of a region only: packets the table could
			 * not take (full) */
	__u32 count;	/* row 0 of a region only: rows used */
};

/* Rows in a CPU's region, for a table of ENTRIES keys. */
static inline __u32 como_table_rows(__u32 entries, int direct)
{
	return direct ? entries : 2 * entries;
}

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
