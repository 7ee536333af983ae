/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stream: one module instance's records on disk, append-only, in
 * segment files. Every record carries its timestamp and a CRC-32; a torn
 * tail after a crash is found and cut when the stream is opened again.
 * (The full storage engine, with its time index, is a later issue.)
 */
#ifndef _COMO_STORE_H
#define _COMO_STORE_H

#include <stdint.h>
#include <linux/types.h>

#define STORE_SEG_MAGIC		"COMOSEG1"
#define STORE_REC_MAGIC		0x43455243U	/* "CREC" */
#define STORE_REC_MAX		(1U << 20)

struct store_rec_hdr {
	__u32 magic;
	__u32 len;		/* payload bytes that follow */
	__u64 ts;		/* ns since the Unix epoch */
	__u32 crc;		/* CRC-32 of ts, len and the payload */
	__u32 pad;
};

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
int store_append(struct store *s, uint64_t ts, const void *buf, uint32_t len);
int store_flush(struct store *s);
/* The timestamp of the last record appended or found on opening; 0: none. */
uint64_t store_last_ts(const struct store *s);
int store_close(struct store *s);

/*
 * A reader of the stream whose directory is SDFD (it stays the caller's);
 * DIR for messages. A file where a segment should be that is not one (a
 * symlink, a FIFO...) is named and skipped.
 */
int store_reader_openat(struct store_reader **rp, int sdfd, const char *dir);
/* The same for DIR; DIR's last component is not followed. */
int store_reader_open(struct store_reader **rp, const char *dir);
/* 1: a record in *ts, *buf, *len; 0: the end; <0: an error */
int store_read(struct store_reader *r, uint64_t *ts, const void **buf,
	       uint32_t *len);
void store_reader_close(struct store_reader *r);

/* The checksum every record carries (zlib's CRC-32). */
uint32_t store_rec_crc(const struct store_rec_hdr *h, const void *payload);

#endif
