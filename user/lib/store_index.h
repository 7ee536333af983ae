/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stream's time index (store_index.c), for store.c and store_read.c
 * alone. Two files in the stream's directory:
 *
 * - DATADIR/NAME/index, one entry for every span of writes of records
 *   (some 64 KiB of them), saying where in which segment they went and
 *   the time their records cover;
 * - DATADIR/NAME/index.sum, one summary for every STORE_INDEX_BLOCK
 *   entries of the index: the time they cover, and where their bytes lie
 *   when they lie end to end.
 *
 * A reader of a time window reads the summaries, then only the entries of
 * the blocks that overlap the window (or have no summary), and skips the
 * bytes of the blocks that do not; of the segments it reads the writes
 * that overlap the window, and whatever no entry or summary covers. So a
 * window over a week of records reads a few pages of the index however
 * long the week was. Either file is a hint never trusted beyond its
 * checksums and the segments' sizes: a stream without an index is read
 * whole, one without summaries reads its whole index.
 */
#ifndef _COMO_STORE_INDEX_H
#define _COMO_STORE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#define STORE_INDEX_FILE	"index"
#define STORE_INDEX_TMP		".index.tmp"
#define STORE_INDEX_SUM_FILE	"index.sum"
#define STORE_INDEX_SUM_TMP	".index.sum.tmp"
/* entries a summary covers: 5 KiB of the index, some 8 MiB of records */
#ifndef STORE_INDEX_BLOCK
#define STORE_INDEX_BLOCK	128	/* the fuzz target's is smaller */
#endif

struct store_idx_ent {
	__u32 seg;		/* the segment's number */
	__u32 len;		/* bytes of whole records, from off */
	__u64 off;
	__u64 min_ts, max_ts;	/* of those records */
	__u32 crc;		/* CRC-32 of the fields above */
	__u32 pad;
};

/* STORE_IDX_SUM_WHOLE: the block's entries lie end to end, from lo to hi */
#define STORE_IDX_SUM_WHOLE	1U

struct store_idx_sum {
	__u64 block;		/* entries [block, block + 1) * STORE_INDEX_BLOCK */
	__u32 seg_lo, seg_hi;	/* the first entry's segment, the last one's */
	__u64 off_lo, end_hi;	/* where the first begins, where the last ends */
	__u64 min_ts, max_ts;	/* of their records */
	__u32 flags;
	__u32 crc;		/* CRC-32 of the fields above */
};

/*
 * Bytes of segments that hold no record of a window: from off_lo of
 * segment seg_lo to end_hi of seg_hi, the segments between whole.
 */
struct store_idx_skip {
	__u32 seg_lo, seg_hi;
	__u64 off_lo, end_hi;
};

/*
 * Records of interval IVL stamped from MIN_TS to MAX_TS may overlap the
 * window [START, END] (without overflow: a stamp is any 64-bit value).
 */
static inline bool store_idx_overlaps(uint64_t min_ts, uint64_t max_ts,
				      uint64_t start, uint64_t end,
				      uint64_t ivl)
{
	return min_ts <= end && (start < ivl || max_ts > start - ivl);
}

/* The index a stream's writer appends to. */
struct store_index {
	int dfd;		/* the stream's directory */
	int fd;			/* the index, -1: none */
	uint64_t size;
	int sum_fd;		/* the summaries, -1: none kept */
	uint64_t sum_size;
	struct store_idx_sum blk;	/* of the block being filled */
	struct store_idx_ent prev;	/* the entry before, in it */
	unsigned int blk_n;		/* its entries so far */
};

/*
 * The entries of SDFD's index with a good checksum, sorted by segment and
 * offset, in *v (malloc'd; NULL and 0 when there is no index).
 */
int store_index_load(int sdfd, struct store_idx_ent **v, size_t *n);
/*
 * What a window [START, END] of records of interval IVL needs of SDFD's
 * index: the entries of the blocks that may hold its records (sorted, as
 * store_index_load's), in *v, and the bytes the other blocks cover, in
 * *skip (sorted; malloc'd). Without summaries, the whole index in *v.
 */
int store_index_load_window(int sdfd, uint64_t start, uint64_t end,
			    uint64_t ivl, struct store_idx_ent **v, size_t *n,
			    struct store_idx_skip **skip, size_t *nskip);
/*
 * The index of SDFD made of V[0, n) (new files renamed over the old), IX
 * opened on it for appends. On failure the index is removed, so that no
 * stale entry outlives a change of the segments, and IX has none.
 */
int store_index_rewrite(struct store_index *ix, int sdfd,
			const struct store_idx_ent *v, size_t n);
/*
 * E, its checksum set, at the end of IX's index; a write that fails is
 * undone. A summary that cannot be written takes the summaries away.
 */
int store_index_append(struct store_index *ix, struct store_idx_ent *e);
void store_index_close(struct store_index *ix);
/* The index goes (the segments went). */
void store_index_remove(int sdfd);

#endif
