/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a stream's writer (store.c) and its readers (store_read.c) share,
 * for them alone (store_seg.c): segment names and the listing of a stream
 * directory, and the scanner that reads a segment's records and finds
 * them again past damage.
 */
#ifndef _COMO_STORE_SEG_H
#define _COMO_STORE_SEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "store.h"

#define SEG_NAME_FMT	"%08u.seg"
#define SEG_NAME_LEN	12		/* 8 digits and ".seg" */
/* a segment file read whole is at most this big; a bigger one is no segment */
#define SEG_READ_MAX	(1ULL << 30)

/* The name of segment N, in its stream directory. */
struct seg_name {
	char s[16];
};

static inline struct seg_name seg_name(unsigned int n)
{
	struct seg_name sn;

	snprintf(sn.s, sizeof(sn.s), SEG_NAME_FMT, n);
	return sn;
}

/* A segment read whole, and where the scan of it is. */
struct seg_scan {
	const unsigned char *p;
	size_t size;
	unsigned int version;
	size_t off;		/* the next byte to look at */
	size_t end_whole;	/* after the last record that ends an interval */
	size_t tail_off;	/* a torn tail from here, when tail */
	bool tail;
	uint64_t bad_records, bad_bytes;	/* damage skipped */
	uint64_t records;	/* whole records found */
	uint64_t since_whole;	/* of them, after end_whole */
	uint64_t base;		/* the file offset of p[0], for messages */
	uint64_t whole_ts;	/* the last interval-ending record's */
};

/* NAME is segment *N's. */
bool seg_name_parse(const char *name, unsigned int *n);
/*
 * The segment numbers of the stream directory DFD, sorted, in *segs
 * (malloc'd). Any other name is said (DIR for messages) and left alone.
 */
int seg_list(int dfd, const char *dir, unsigned int **segs, unsigned int *n);
/* The format version a segment header says; 0: not a segment header. */
unsigned int seg_header_version(const unsigned char *p, size_t size);
/* The timestamp of segment N's first record in SDFD; 0 when it has none. */
uint64_t seg_first_ts(int sdfd, unsigned int n);
void seg_scan_init(struct seg_scan *sc, const unsigned char *p, size_t size,
		   unsigned int version);
/*
 * 1: the next record, its header in *h and its payload at *payload; 0:
 * the end. Damage followed by a record is counted and skipped (WHERE, if
 * given, says so); damage that runs to the end is a torn tail, left for
 * the caller to judge.
 */
int seg_scan_next(struct seg_scan *sc, struct store_rec_hdr *h,
		  const void **payload, const char *where);
/* Frames that look like records in [from, to): at least one was there. */
uint64_t seg_frames_in(const struct seg_scan *sc, size_t from, size_t to);
/* FD's bytes, whole, in *data (malloc'd); their number in *size. */
int seg_read_whole(int fd, unsigned char **data, size_t *size);
/* WHERE is of a newer storage format than this como reads, said. */
void seg_say_newer(const char *where, unsigned int v);
/* DIR's directory as given; DIR itself opened as a stream directory. */
int seg_stream_dir(const char *dir, bool create);

#endif
