/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stream's time index (store_index.c), for store.c alone: the file
 * DATADIR/NAME/index, one entry for every write of records, saying where
 * in which segment the write went and the time its records cover. A
 * reader of a time window reads the writes that overlap it, and whatever
 * of a segment no entry covers; so the index is a hint that is never
 * trusted beyond its checksum and the segment's size, and a stream
 * without one is read whole.
 */
#ifndef _COMO_STORE_INDEX_H
#define _COMO_STORE_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#define STORE_INDEX_FILE	"index"
#define STORE_INDEX_TMP		".index.tmp"

struct store_idx_ent {
	__u32 seg;		/* the segment's number */
	__u32 len;		/* bytes of whole records, from off */
	__u64 off;
	__u64 min_ts, max_ts;	/* of those records */
	__u32 crc;		/* CRC-32 of the fields above */
	__u32 pad;
};

/*
 * The entries of SDFD's index with a good checksum, sorted by segment and
 * offset, in *v (malloc'd; NULL and 0 when there is no index).
 */
int store_index_load(int sdfd, struct store_idx_ent **v, size_t *n);
/* E, its checksum set, at *SIZE of FD; a write that fails is undone. */
int store_index_append(int fd, uint64_t *size, struct store_idx_ent *e);
/*
 * The index made of V[0, n) (a new file renamed over it); *FD is opened
 * on it for appends, *SIZE its bytes. On failure the index is removed,
 * so that no stale entry outlives a change of the segments, and *FD is -1.
 */
int store_index_rewrite(int sdfd, const struct store_idx_ent *v, size_t n,
			int *fd, uint64_t *size);
/* The index goes (the segments went). */
void store_index_remove(int sdfd);

#endif
