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

/*
 * The hash a table places its keys by: SipHash-1-3 under a secret that
 * comod draws for each module instance at load (.rodata.como_key), so
 * that no one who can only send packets can choose keys that collide and
 * push a table into its full path (records approximate) with a few of
 * them. SipHash is a keyed function made for this: a collision costs a
 * sender about as many guesses as the hash has values, and the outputs it
 * sees tell it nothing of the key. 1-3 (one round a word, three at the
 * end) is what Rust's and CPython's hash tables settled on against the
 * same attack, at half the rounds of 2-4. Keys are read as 32-bit words
 * where their size allows, as como_key_eq() compares them, then as
 * little-endian 64-bit words.
 */
struct como_hash_key {
	__u64 k[2];
};

#define COMO_SIPROUND(v0, v1, v2, v3)					\
	do {								\
		v0 += v1; v1 = v1 << 13 | v1 >> 51; v1 ^= v0;		\
		v0 = v0 << 32 | v0 >> 32;				\
		v2 += v3; v3 = v3 << 16 | v3 >> 48; v3 ^= v2;		\
		v0 += v3; v3 = v3 << 21 | v3 >> 43; v3 ^= v0;		\
		v2 += v1; v1 = v1 << 17 | v1 >> 47; v1 ^= v2;		\
		v2 = v2 << 32 | v2 >> 32;				\
	} while (0)

/* Bytes OFF.. of KEY as one word, the bytes past SIZE zero. */
static inline __attribute__((always_inline)) __u64
como_hash_word(const void *key, __u32 size, __u32 off)
{
	__u64 m = 0;
	__u32 i;

	if (!(size & 3)) {
		m = ((const __u32 *)key)[off / 4];
		if (off + 4 < size)
			m |= (__u64)((const __u32 *)key)[off / 4 + 1] << 32;
		return m;
	}
	for (i = 0; i < 8 && off + i < size; i++)
		m |= (__u64)((const __u8 *)key)[off + i] << (8 * i);
	return m;
}

static inline __attribute__((always_inline)) __u64
como_siphash13(__u64 k0, __u64 k1, const void *key, __u32 size)
{
	__u64 v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	__u64 v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	__u64 m;
	__u32 off;

	for (off = 0; off + 8 <= size; off += 8) {
		m = como_hash_word(key, size, off);
		v3 ^= m;
		COMO_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = (__u64)size << 56;
	if (off < size)
		m |= como_hash_word(key, size, off);
	v3 ^= m;
	COMO_SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	COMO_SIPROUND(v0, v1, v2, v3);
	COMO_SIPROUND(v0, v1, v2, v3);
	COMO_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif /* _COMO_TABLE_H */
