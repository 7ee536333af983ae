// SPDX-License-Identifier: BSD-3-Clause
/*
 * A stream's writer (store.h): its buffer and segment files, the repair of
 * a torn tail on opening, retention, and the time index it keeps.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dirfd.h"
#include "log.h"
#include "store.h"
#include "store_index.h"
#include "store_seg.h"

#define SEG_MIN_SIZE	(64U << 10)

/*
 * The writer's buffer: an interval's records go out in one write when it
 * ends, and an interval bigger than STORE_WRITE_BUF in parts of whole
 * records. The time index has an entry for every STORE_INDEX_SPAN bytes
 * of consecutive writes or so (what the last entry does not cover yet
 * is read in full).
 */
#define STORE_WRITE_AT	(64U << 10)	/* the buffer's first size */
#define STORE_WRITE_BUF	(1U << 20)
#ifndef STORE_INDEX_SPAN
#define STORE_INDEX_SPAN	(64U << 10)	/* the fuzz target's is smaller */
#endif
/* runs of lost records kept apart; past this the last one grows */
#define STORE_GAPS_MAX	1024

/*
 * A stream's files are opened relative to its directory's descriptor
 * (dirfd.h): nothing that appears in it later is followed elsewhere.
 */
struct store {
	char *dir;		/* for messages */
	int dfd;
	uint64_t streamsize;
	uint64_t seg_max;
	unsigned int first, last;	/* segment numbers present */
	int fd;			/* segment LAST, -1: none (it could not be made) */
	uint64_t seg_size;	/* its bytes on disk */
	bool at_boundary;	/* what is on disk ends with a whole interval */
	uint64_t last_ts;	/* of the last record, 0 if none */
	uint64_t retain_ns;	/* retention by age; 0: none */
	/* the newest record of segment age_seg, read once (age_seg + 1: none) */
	unsigned int age_seg;
	uint64_t age_ts;

	/* records not written yet: [0, wdone) whole intervals, wlast the last */
	char *wbuf;
	size_t wlen, wcap, wdone, wlast;

	struct store_index idx;	/* the time index; idx.fd -1: none */
	struct store_idx_ent span;	/* writes not in it yet; len 0: none */

	struct store_stats stats;
	struct store_gap *gaps;
	bool gap_open;		/* nothing written since the last loss */
};

/* ---- the writer ---- */

static int pwrite_all(int fd, const char *p, size_t len, uint64_t off)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

/* Segment N, made empty with its header; S->fd. */
static int seg_create(struct store *s, unsigned int n)
{
	char hdr[STORE_SEG_HDR] = STORE_SEG_MAGIC;
	struct seg_name sn = seg_name(n);
	__u32 v = STORE_VERSION;
	int fd, err;

	memcpy(hdr + 8, &v, sizeof(v));
	fd = stream_fileat(s->dfd, sn.s, O_WRONLY | O_CREAT | O_TRUNC,
			   DIRFD_FILE_MODE);
	if (fd < 0)
		return fd;	/* said why */
	err = pwrite_all(fd, hdr, sizeof(hdr), 0);
	if (err) {
		/* a segment without its header holds nothing: it goes */
		close(fd);
		unlinkat(s->dfd, sn.s, 0);
		return err;
	}
	s->fd = fd;
	s->seg_size = STORE_SEG_HDR;
	s->last = n;
	s->at_boundary = true;
	s->stats.segments_made++;
	return 0;
}

/* The records of p[0, n): how many, the time they cover, how they end. */
static uint64_t records_in(const char *p, size_t n, bool *ends,
			   struct store_idx_ent *e)
{
	struct store_rec_hdr h;
	uint64_t cnt = 0;
	size_t off;

	*ends = false;
	e->min_ts = UINT64_MAX;
	e->max_ts = 0;
	for (off = 0; off < n; off += sizeof(h) + h.len, cnt++) {
		memcpy(&h, p + off, sizeof(h));
		*ends = h.flags & STORE_REC_END;
		if (h.ts < e->min_ts)
			e->min_ts = h.ts;
		if (h.ts > e->max_ts)
			e->max_ts = h.ts;
	}
	return cnt;
}

/*
 * The span of writes not in the index yet goes in. The index is a hint:
 * an entry that cannot be written leaves its writes to be read in full,
 * and the next entry goes where it should have been.
 */
static void index_span_out(struct store *s)
{
	if (s->idx.fd >= 0 && s->span.len)
		store_index_append(&s->idx, &s->span);
	s->span.len = 0;
}

/* A write E that went to disk joins the span, or starts the next one. */
static void index_write(struct store *s, const struct store_idx_ent *e)
{
	struct store_idx_ent *sp = &s->span;

	if (sp->len && (sp->seg != e->seg || sp->off + sp->len != e->off ||
			(uint64_t)sp->len + e->len > UINT32_MAX))
		index_span_out(s);
	if (!sp->len) {
		*sp = *e;
	} else {
		sp->len += e->len;
		if (e->min_ts < sp->min_ts)
			sp->min_ts = e->min_ts;
		if (e->max_ts > sp->max_ts)
			sp->max_ts = e->max_ts;
	}
	if (sp->len >= STORE_INDEX_SPAN)
		index_span_out(s);
}

/*
 * The index of the segments the stream has now, each entry within what
 * its segment holds; opened for appends.
 */
static void index_renew(struct store *s)
{
	struct store_idx_ent *v = NULL;
	size_t n = 0, i, keep = 0;

	store_index_close(&s->idx);
	if (store_index_load(s->dfd, &v, &n)) {
		store_index_remove(s->dfd);
		n = 0;
	}
	for (i = 0; i < n; i++) {
		if (v[i].seg < s->first || v[i].seg > s->last ||
		    (v[i].seg == s->last &&
		     v[i].off + v[i].len > s->seg_size))
			continue;
		v[keep++] = v[i];
	}
	store_index_rewrite(&s->idx, s->dfd, v, keep);
	free(v);
}

/* The bytes of segment N on disk; 0 when it is gone. */
static uint64_t seg_bytes(const struct store *s, unsigned int n)
{
	struct stat st;

	if (fstatat(s->dfd, seg_name(n).s, &st, AT_SYMLINK_NOFOLLOW))
		return 0;
	return st.st_size;
}

/* The oldest segment goes, for BY; its bytes. */
static uint64_t drop_first(struct store *s, const char *by)
{
	uint64_t bytes = seg_bytes(s, s->first);

	if (!s->stats.removed_from)
		s->stats.removed_from = seg_first_ts(s->dfd, s->first);
	/* a name in the stream's directory goes, whatever it is */
	unlinkat(s->dfd, seg_name(s->first).s, 0);
	s->first++;
	s->stats.removed_segments++;
	s->stats.removed_bytes += bytes;
	s->stats.removed_by = by;
	return bytes;
}

/* Drops the oldest segments while the stream is over its size. */
static void retain(struct store *s)
{
	/* the newest segment, just made, will grow to seg_max: room for it */
	uint64_t total = s->seg_max;
	bool removed = false;
	unsigned int n;

	for (n = s->first; n < s->last; n++)
		total += seg_bytes(s, n);
	while (s->first < s->last && total > s->streamsize) {
		total -= drop_first(s, STORE_BY_SIZE);
		removed = true;
	}
	if (removed)
		index_renew(s);
}

/*
 * The timestamp of the last whole interval of segment N (it is sealed:
 * it ends with one); 0 when it holds none or cannot be read.
 */
static uint64_t seg_newest(struct store *s, unsigned int n)
{
	struct store_rec_hdr h;
	unsigned char *data;
	struct seg_scan sc;
	const void *pl;
	unsigned int v;
	uint64_t ts = 0;
	size_t size;
	int fd;

	fd = stream_fileat(s->dfd, seg_name(n).s, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	if (!seg_read_whole(fd, &data, &size)) {
		v = seg_header_version(data, size);
		if (v && v <= STORE_VERSION) {
			seg_scan_init(&sc, data, size, v);
			while (seg_scan_next(&sc, &h, &pl, NULL) == 1)
				;
			ts = sc.whole_ts;
		}
		free(data);
	}
	close(fd);
	return ts;
}

void store_retain(struct store *s)
{
	bool removed = false;

	while (s->retain_ns && s->first < s->last &&
	       s->last_ts > s->retain_ns) {
		if (s->age_seg != s->first) {
			s->age_seg = s->first;
			s->age_ts = seg_newest(s, s->first);
		}
		/* one that cannot be read is left to the other limits */
		if (!s->age_ts || s->age_ts >= s->last_ts - s->retain_ns)
			break;
		drop_first(s, STORE_BY_AGE);
		removed = true;
	}
	if (removed)
		index_renew(s);
}

void store_set_retain(struct store *s, uint64_t age_ns)
{
	s->retain_ns = age_ns;
	store_retain(s);
}

void store_cap_segments(struct store *s, uint64_t max)
{
	if (max && max < s->seg_max)
		s->seg_max = max > SEG_MIN_SIZE ? max : SEG_MIN_SIZE;
}

uint64_t store_pending(const struct store *s)
{
	return s->seg_max > s->seg_size ? s->seg_max - s->seg_size : 0;
}

int64_t store_drop_oldest(struct store *s, const char *by)
{
	uint64_t bytes;

	if (s->first >= s->last)
		return -ENOENT;
	bytes = drop_first(s, by);
	index_renew(s);
	return bytes;
}

/* A segment to write N bytes to: a new one at an interval's end when full. */
static int seg_ready(struct store *s, size_t n)
{
	int err;

	if (s->fd < 0)
		return seg_create(s, s->last);
	if (!s->at_boundary || s->seg_size + n <= s->seg_max ||
	    s->seg_size <= STORE_SEG_HDR)
		return 0;
	close(s->fd);
	s->fd = -1;
	err = seg_create(s, s->last + 1);
	if (err) {
		s->last++;	/* the next try makes that one */
		return err;
	}
	retain(s);
	return 0;
}

/* One record stamped TS lost for ERR: counted, in a run of them by time. */
static void lost_one(struct store *s, uint64_t ts, int err)
{
	struct store_gap *g = s->stats.ngaps ? &s->gaps[s->stats.ngaps - 1] : NULL;
	struct store_gap *ng;

	if (!g || (!s->gap_open && s->stats.ngaps < STORE_GAPS_MAX)) {
		ng = realloc(s->gaps, (s->stats.ngaps + 1) * sizeof(*ng));
		if (ng) {
			s->gaps = ng;
			g = &ng[s->stats.ngaps++];
			*g = (struct store_gap){ .first_ts = ts, .err = err };
		}
	}
	s->gap_open = true;
	if (g) {
		g->last_ts = ts;
		g->records++;
	}
	s->stats.lost++;
	if (!s->stats.lost_err)
		s->stats.lost_err = err;
}

/* Counts the records of wbuf[0, n) as lost for ERR. */
static void count_lost(struct store *s, size_t n, int err)
{
	struct store_rec_hdr h;
	size_t off;

	for (off = 0; off < n; off += sizeof(h) + h.len) {
		memcpy(&h, s->wbuf + off, sizeof(h));
		lost_one(s, h.ts, err);
	}
}

/* Drops wbuf[0, n): written or lost. */
static void wbuf_consume(struct store *s, size_t n)
{
	memmove(s->wbuf, s->wbuf + n, s->wlen - n);
	s->wlen -= n;
	s->wdone = s->wdone > n ? s->wdone - n : 0;
	s->wlast = s->wlast >= n ? s->wlast - n : 0;
}

/*
 * wbuf[0, n) in one write at the end of the segment. One that fails is
 * undone: the file is cut back to where it was, and its records count as
 * lost, with why.
 */
static int write_out(struct store *s, size_t n)
{
	bool was_open = s->gap_open, ends;
	struct store_idx_ent e;
	uint64_t cnt;
	int err;

	if (!n)
		return 0;
	err = seg_ready(s, n);
	if (!err)
		err = pwrite_all(s->fd, s->wbuf, n, s->seg_size);
	if (err) {
		if (s->fd >= 0 && ftruncate(s->fd, s->seg_size))
			pr_err("%s/%s: cannot undo a failed write: %s", s->dir,
			       seg_name(s->last).s, strerror(errno));
		if (!was_open)
			pr_err("stream %s: cannot store records: %s", s->dir,
			       strerror(-err));
		count_lost(s, n, err);
	} else {
		cnt = records_in(s->wbuf, n, &ends, &e);
		e.seg = s->last;
		e.off = s->seg_size;
		e.len = n;
		index_write(s, &e);
		if (was_open)
			pr_warn("stream %s: storing again, after %llu records "
				"lost", s->dir, (unsigned long long)s->stats.lost);
		s->gap_open = false;
		s->seg_size += n;
		s->at_boundary = ends;
		s->stats.written += cnt;
	}
	wbuf_consume(s, n);
	return err;
}

/* Marks the last record in the buffer as the end of its interval. */
static void mark_end(struct store *s)
{
	struct store_rec_hdr h;

	if (s->wlen == s->wdone)
		return;
	memcpy(&h, s->wbuf + s->wlast, sizeof(h));
	h.flags |= STORE_REC_END;
	h.crc = store_rec_crc(&h, s->wbuf + s->wlast + sizeof(h), STORE_VERSION);
	memcpy(s->wbuf + s->wlast, &h, sizeof(h));
	s->wdone = s->wlen;
}

void store_interval_end(struct store *s)
{
	mark_end(s);
	/* a crash loses at most the interval being written */
	write_out(s, s->wdone);
	store_retain(s);
}

int store_append(struct store *s, uint64_t ts, const void *buf, uint32_t len)
{
	struct store_rec_hdr h = { .magic = STORE_REC_MAGIC, .len = len, .ts = ts };
	size_t need = sizeof(h) + len, cap;
	char *nb;

	if (len > STORE_REC_MAX)
		return -EMSGSIZE;
	/* whole intervals go first; a huge one in part, its last record kept */
	if (s->wlen + need > STORE_WRITE_BUF)
		write_out(s, s->wdone ?: s->wlast);
	if (s->wlen + need > s->wcap) {
		cap = s->wcap ?: STORE_WRITE_AT;
		while (cap < s->wlen + need)
			cap *= 2;
		nb = realloc(s->wbuf, cap);
		if (!nb) {
			/* as if written and failed: counted, said once */
			if (!s->gap_open)
				pr_err("stream %s: cannot store records: %s",
				       s->dir, strerror(ENOMEM));
			lost_one(s, ts, -ENOMEM);
			return 0;
		}
		s->wbuf = nb;
		s->wcap = cap;
	}
	h.crc = store_rec_crc(&h, buf, STORE_VERSION);
	memcpy(s->wbuf + s->wlen, &h, sizeof(h));
	if (len)
		memcpy(s->wbuf + s->wlen + sizeof(h), buf, len);
	s->wlast = s->wlen;
	s->wlen += need;
	s->last_ts = ts;
	return 0;
}

uint64_t store_last_ts(const struct store *s)
{
	return s->last_ts;
}

uint64_t store_first_ts(const struct store *s)
{
	unsigned int n;
	uint64_t ts;

	/* the first segment that holds a record: retention may have gone past */
	for (n = s->first; n <= s->last; n++) {
		ts = seg_first_ts(s->dfd, n);
		if (ts)
			return ts;
	}
	return 0;
}

void store_stats(const struct store *s, struct store_stats *st)
{
	*st = s->stats;
	st->gaps = s->gaps;
}

int store_flush(struct store *s)
{
	int err;

	/* what is appended is whole: the caller flushes between intervals */
	mark_end(s);
	err = write_out(s, s->wlen);
	if (s->fd >= 0 && fdatasync(s->fd) && !err)
		err = -errno;
	return err;
}

/*
 * The last segment, opened again: its torn tail cut (a record cut short,
 * or an interval whose end never made it), damage before good records
 * left for the readers to skip. Version 1 segments and damaged ones are
 * not written to again: the records go on in a new segment.
 */
static int seg_reopen(struct store *s)
{
	struct seg_name sn = seg_name(s->last);
	struct store_rec_hdr h;
	unsigned char *data = NULL;
	char where[4096 + 16];
	const void *pl;
	struct seg_scan sc;
	unsigned int v;
	size_t size = 0;
	int fd, err;

	snprintf(where, sizeof(where), "%s/%s", s->dir, sn.s);
	fd = stream_fileat(s->dfd, sn.s, O_RDWR, 0);
	if (fd < 0)
		return fd;
	err = seg_read_whole(fd, &data, &size);
	if (err) {
		pr_err("%s: cannot read it: %s", where, strerror(-err));
		close(fd);
		return err;
	}
	v = seg_header_version(data, size);
	if (v > STORE_VERSION) {
		seg_say_newer(where, v);
		err = -EPROTONOSUPPORT;
		goto out;
	}
	if (!v) {
		/* a segment whose header never made it to disk holds nothing */
		if (size)
			pr_warn("%s: not a segment file (%zu bytes), made "
				"again", where, size);
		close(fd);
		free(data);
		return seg_create(s, s->last);
	}
	seg_scan_init(&sc, data, size, v);
	while (seg_scan_next(&sc, &h, &pl, where) == 1)
		;
	s->stats.found_records = sc.records;
	s->last_ts = sc.whole_ts;
	if (size > sc.end_whole) {
		s->stats.cut_bytes = size - sc.end_whole;
		/* whole records after the last interval's end: its rest never came */
		s->stats.cut_records = sc.since_whole;
		pr_warn("%s: cut a torn tail of %llu bytes at offset %zu "
			"(%llu whole records of an interval never finished)",
			where, (unsigned long long)s->stats.cut_bytes,
			sc.end_whole, (unsigned long long)s->stats.cut_records);
		if (ftruncate(fd, sc.end_whole)) {
			err = -errno;
			pr_err("%s: cannot cut it: %s", where, strerror(-err));
			goto out;
		}
	}
	if (v < STORE_VERSION || sc.bad_bytes) {
		close(fd);
		free(data);
		return seg_create(s, s->last + 1);
	}
	s->fd = fd;
	s->seg_size = sc.end_whole;
	s->at_boundary = true;
	free(data);
	return 0;
out:
	close(fd);
	free(data);
	return err;
}

/*
 * The timestamp of the last whole interval in the segments before the
 * last, when the last holds none (made just before a crash, say).
 */
static uint64_t last_ts_before(struct store *s)
{
	struct store_rec_hdr h;
	unsigned char *data;
	struct seg_scan sc;
	const void *pl;
	unsigned int n, v;
	uint64_t ts = 0;
	size_t size;
	int fd;

	for (n = s->last; !ts && n-- > s->first;) {
		fd = stream_fileat(s->dfd, seg_name(n).s, O_RDONLY, 0);
		if (fd < 0)
			continue;
		if (seg_read_whole(fd, &data, &size)) {
			close(fd);
			continue;
		}
		close(fd);
		v = seg_header_version(data, size);
		if (v && v <= STORE_VERSION) {
			seg_scan_init(&sc, data, size, v);
			while (seg_scan_next(&sc, &h, &pl, NULL) == 1)
				;
			ts = sc.whole_ts;
		}
		free(data);
	}
	return ts;
}

/* No segment of the stream is of a newer format than this como writes. */
static int segs_older(struct store *s, const unsigned int *segs,
		      unsigned int n)
{
	unsigned char hdr[STORE_SEG_HDR];
	char where[4096 + 16];
	unsigned int i, v;
	ssize_t got;
	int fd;

	for (i = 0; i < n; i++) {
		fd = stream_fileat(s->dfd, seg_name(segs[i]).s, O_RDONLY, 0);
		if (fd < 0)
			return fd;
		got = pread(fd, hdr, sizeof(hdr), 0);
		close(fd);
		v = got > 0 ? seg_header_version(hdr, got) : 0;
		if (v > STORE_VERSION) {
			snprintf(where, sizeof(where), "%s/%s", s->dir,
				 seg_name(segs[i]).s);
			seg_say_newer(where, v);
			return -EPROTONOSUPPORT;
		}
	}
	return 0;
}

int store_openat(struct store **sp, int sdfd, const char *dir,
		 uint64_t streamsize)
{
	unsigned int *segs = NULL, n = 0;
	struct store *s;
	int err = -ENOMEM;

	s = calloc(1, sizeof(*s));
	if (!s)
		goto err_say;
	s->fd = s->idx.fd = s->idx.sum_fd = -1;
	s->age_seg = UINT_MAX;
	s->dfd = fcntl(sdfd, F_DUPFD_CLOEXEC, 3);
	s->dir = strdup(dir);
	if (s->dfd < 0 || !s->dir) {
		err = s->dfd < 0 ? -errno : -ENOMEM;
		goto err_say;
	}
	s->streamsize = streamsize;
	s->seg_max = streamsize / 8 > SEG_MIN_SIZE ? streamsize / 8 : SEG_MIN_SIZE;
	err = seg_list(s->dfd, dir, &segs, &n);
	if (err)
		goto err_say;
	err = segs_older(s, segs, n);
	if (err) {
		free(segs);
		goto err_free;	/* said */
	}
	if (n == 0) {
		err = seg_create(s, 0);
	} else {
		s->first = segs[0];
		s->last = segs[n - 1];
		err = seg_reopen(s);
		if (!err && !s->last_ts)
			s->last_ts = last_ts_before(s);
	}
	free(segs);
	if (err)
		goto err_free;	/* said why */
	index_renew(s);
	*sp = s;
	return 0;

err_say:
	pr_err("cannot open stream %s: %s", dir, strerror(-err));
err_free:
	if (s && s->fd >= 0)
		close(s->fd);
	if (s && s->dfd >= 0)
		close(s->dfd);
	if (s)
		free(s->dir);
	free(s);
	return err;
}

int store_open(struct store **sp, const char *dir, uint64_t streamsize)
{
	int sdfd = seg_stream_dir(dir, true), err;

	if (sdfd < 0)
		return sdfd;
	err = store_openat(sp, sdfd, dir, streamsize);
	close(sdfd);
	return err;
}

int store_close(struct store *s)
{
	int err;

	if (!s)
		return 0;
	err = store_flush(s);
	if (s->fd >= 0 && close(s->fd) && !err)
		err = -errno;
	index_span_out(s);
	store_index_close(&s->idx);
	close(s->dfd);
	free(s->wbuf);
	free(s->gaps);
	free(s->dir);
	free(s);
	return err;
}

int store_dirfd(const struct store *s)
{
	return s->dfd;
}

int store_remove_segments(int sdfd, const char *dir)
{
	unsigned int *segs = NULL, n = 0, i;
	int err;

	err = seg_list(sdfd, dir, &segs, &n);
	for (i = 0; !err && i < n; i++)
		if (unlinkat(sdfd, seg_name(segs[i]).s, 0) && errno != ENOENT)
			err = -errno;
	if (!err)
		store_index_remove(sdfd);
	if (err)
		pr_err("cannot remove the segments of %s: %s", dir,
		       strerror(-err));
	free(segs);
	return err;
}
