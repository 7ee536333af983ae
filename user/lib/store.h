/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stream: one module instance's records on disk, append-only, in
 * segment files named 00000000.seg, 00000001.seg... Every record carries
 * its timestamp and a CRC-32, and the last record of an interval says so.
 *
 * Writing: records are gathered in a buffer of the stream's own and go to
 * the file whole, an interval's records in one write where they fit, so a
 * crash leaves the file ending on a whole interval or in a torn write. A
 * write that fails is undone (the file cut back to where it was) and its
 * records are counted lost, with the errno and the time they cover; the
 * stream goes on with the next write. Opened again, a torn tail (a record
 * cut short, or the records of an interval whose last one never made it)
 * is cut and said; damage with good records after it is left in place,
 * and readers skip it.
 *
 * Reading: a damaged record costs that record only: the reader finds the
 * next record frame, and counts what it skipped.
 *
 * Format versions (the segment header): 1, the first (no interval marks,
 * the flags field unchecked); 2, flags covered by the checksum. A newer
 * como reads both; a segment of a version above STORE_VERSION is refused.
 */
#ifndef _COMO_STORE_H
#define _COMO_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

#define STORE_SEG_MAGIC		"COMOSEG1"
#define STORE_VERSION		2	/* written; read: 1 to this */
#define STORE_REC_MAGIC		0x43455243U	/* "CREC" */
#define STORE_REC_MAX		(1U << 20)
#define STORE_SEG_HDR		16	/* magic, __u32 version, __u32 0 */

#define STORE_REC_END		0x1	/* the last record of its interval */

struct store_rec_hdr {
	__u32 magic;
	__u32 len;		/* payload bytes that follow */
	__u64 ts;		/* ns since the Unix epoch */
	__u32 crc;		/* CRC-32 of ts, len, (v2) flags and the payload */
	__u32 flags;		/* STORE_REC_*; 0 in version 1 */
};

/* Records that could not be written, one run of them. */
struct store_gap {
	uint64_t first_ts, last_ts;	/* of the first and last lost record */
	uint64_t records;
	int err;			/* why (negative errno) */
};

struct store_stats {
	uint64_t written;	/* records on disk, since the stream was opened */
	uint64_t lost;		/* records that could not be written */
	int lost_err;		/* the first reason (negative errno); 0: none */
	const struct store_gap *gaps;	/* the runs of lost records */
	unsigned int ngaps;
	uint64_t cut_records, cut_bytes;	/* torn tail cut on opening */
	uint64_t found_records;	/* whole records found on opening */
	/* segments retention removed since the stream was opened */
	uint64_t removed_segments, removed_bytes;
	const char *removed_by;	/* the last reason: STORE_BY_*; NULL: none */
	uint64_t removed_from;	/* the first record removed; 0: unknown */
	uint64_t segments_made;	/* since it was opened: a new one each */
};

/* Why retention removed a stream's oldest segments. */
#define STORE_BY_SIZE		"streamsize"
#define STORE_BY_AGE		"retain"
#define STORE_BY_BUDGET		"budget"

struct store;
struct store_reader;

/*
 * Opens the stream whose directory is SDFD (see dirfd.h; it stays the
 * caller's), DIR its path for messages; made with its first segment when
 * it holds none. Says why it failed, in one line.
 */
int store_openat(struct store **sp, int sdfd, const char *dir,
		 uint64_t streamsize);
/* The same for DIR, made if absent; DIR's last component is not followed. */
int store_open(struct store **sp, const char *dir, uint64_t streamsize);
/* The stream's directory, for its other files (meta.json). */
int store_dirfd(const struct store *s);
/*
 * Takes a record. A record that cannot be written is counted (stats),
 * now or when its write fails: 0 unless this one is refused (-EMSGSIZE).
 */
int store_append(struct store *s, uint64_t ts, const void *buf, uint32_t len);
/* The records appended since the last call make one interval. */
void store_interval_end(struct store *s);
/* Everything appended goes to the file, and to the disk (fdatasync). */
int store_flush(struct store *s);
/* The timestamp of the last record appended or found on opening; 0: none. */
uint64_t store_last_ts(const struct store *s);
/* The timestamp of the first record on disk (retention moves it); 0: none. */
uint64_t store_first_ts(const struct store *s);
void store_stats(const struct store *s, struct store_stats *st);
int store_close(struct store *s);

/*
 * Retention by age: at the end of each interval, and at store_retain(), a
 * segment goes when its newest record is older than the stream's newest
 * record by more than AGE ns (the data's own clock: a trace's time for a
 * trace). 0: no limit by age. The segment being written never goes.
 */
void store_set_retain(struct store *s, uint64_t age_ns);
void store_retain(struct store *s);
/* New segments at most MAX bytes (a disk budget's share); 0 leaves it. */
void store_cap_segments(struct store *s, uint64_t max);
/* How much more the segment being written may take before the next. */
uint64_t store_pending(const struct store *s);
/*
 * The oldest segment goes, for BY (STORE_BY_*): its bytes, or -ENOENT
 * when the one left is the segment being written.
 */
int64_t store_drop_oldest(struct store *s, const char *by);

/*
 * Removes a stream's segments (and nothing else): for a run that replaces
 * what the stream held. Says why it failed.
 */
int store_remove_segments(int sdfd, const char *dir);

/*
 * A reader of the stream whose directory is SDFD (it stays the caller's);
 * DIR for messages. A file where a segment should be that is not one (a
 * symlink, a FIFO...) is named and skipped; so is a name in the directory
 * that is no segment's. -EPROTONOSUPPORT (said): a segment of a newer
 * format.
 */
int store_reader_openat(struct store_reader **rp, int sdfd, const char *dir);
/* The same for DIR; DIR's last component is not followed. */
int store_reader_open(struct store_reader **rp, const char *dir);
/*
 * Only records whose interval (IVL long) may overlap [START, END] are
 * needed: writes the time index places outside it are not read (others
 * may still be returned).
 */
int store_reader_window(struct store_reader *r, uint64_t start, uint64_t end,
			uint64_t ivl);
/* 1: a record in *ts, *buf, *len; 0: the end; <0: an error */
int store_read(struct store_reader *r, uint64_t *ts, const void **buf,
	       uint32_t *len);
/* What the reader skipped so far: damaged records and their bytes. */
void store_reader_damage(const struct store_reader *r, uint64_t *records,
			 uint64_t *bytes);
/* The same, since the last call: what lies before the record just read. */
void store_reader_take_damage(struct store_reader *r, uint64_t *records,
			      uint64_t *bytes);
void store_reader_close(struct store_reader *r);

/* The checksum a record of format VERSION carries (CRC-32, zlib's). */
uint32_t store_rec_crc(const struct store_rec_hdr *h, const void *payload,
		       unsigned int version);

#endif
