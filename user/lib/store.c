// SPDX-License-Identifier: BSD-3-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "log.h"
#include "store.h"

#define SEG_HDR_SIZE	16
#define SEG_NAME_FMT	"%08u.seg"
#define SEG_MIN_SIZE	(64U << 10)

struct store {
	char *dir;
	uint64_t streamsize;
	uint64_t seg_max;
	unsigned int first, last;	/* segment numbers present */
	FILE *f;
	uint64_t seg_size;
	uint64_t last_ts;	/* of the last record, 0 if none */
};

struct store_reader {
	char *dir;
	unsigned int *segs;
	unsigned int nsegs, cur;
	FILE *f;
	char seg_path[4096];
	uint64_t off;
	void *buf;
};

uint32_t store_rec_crc(const struct store_rec_hdr *h, const void *payload)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, (const Bytef *)&h->ts, sizeof(h->ts));
	crc = crc32(crc, (const Bytef *)&h->len, sizeof(h->len));
	return crc32(crc, payload, h->len);
}

static int seg_path(char *buf, size_t size, const char *dir, unsigned int n)
{
	int len = snprintf(buf, size, "%s/" SEG_NAME_FMT, dir, n);

	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* Lists the segment numbers of a stream, sorted. */
static int list_segments(const char *dir, unsigned int **segs,
			 unsigned int *n)
{
	unsigned int *v = NULL, cnt = 0, num;
	struct dirent *de;
	char tail[8];
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, "%8u%7s", &num, tail) != 2 ||
		    strcmp(tail, ".seg"))
			continue;
		v = realloc(v, (cnt + 1) * sizeof(*v));
		if (!v) {
			closedir(d);
			return -ENOMEM;
		}
		v[cnt++] = num;
	}
	closedir(d);
	qsort(v, cnt, sizeof(*v), cmp_uint);
	*segs = v;
	*n = cnt;
	return 0;
}

/*
 * Reads one record at the current position of f. 1: a record; 0: a clean
 * end of file; -EBADMSG: anything else (short, bad magic, bad checksum).
 */
static int read_rec(FILE *f, struct store_rec_hdr *h, void *buf)
{
	size_t got = fread(h, 1, sizeof(*h), f);

	if (got == 0 && feof(f))
		return 0;
	if (got != sizeof(*h) || h->magic != STORE_REC_MAGIC ||
	    h->len > STORE_REC_MAX)
		return -EBADMSG;
	if (fread(buf, 1, h->len, f) != h->len)
		return -EBADMSG;
	return store_rec_crc(h, buf) == h->crc ? 1 : -EBADMSG;
}

static int seg_check_header(FILE *f)
{
	char hdr[SEG_HDR_SIZE];

	if (fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr) ||
	    memcmp(hdr, STORE_SEG_MAGIC, 8))
		return -EBADMSG;
	return 0;
}

/*
 * Finds where the valid records of a segment end and cuts the rest; the
 * last valid record's timestamp goes to *last_ts.
 */
static int seg_repair(const char *path, uint64_t *size, uint64_t *last_ts)
{
	struct store_rec_hdr h;
	uint64_t good = SEG_HDR_SIZE;
	struct stat st;
	void *buf;
	FILE *f;
	int err;

	f = fopen(path, "r+");
	if (!f)
		return -errno;
	buf = malloc(STORE_REC_MAX);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	if (fstat(fileno(f), &st) || seg_check_header(f)) {
		/* a segment whose header never made it to disk holds nothing */
		good = 0;
	} else {
		while ((err = read_rec(f, &h, buf)) == 1) {
			good += sizeof(h) + h.len;
			*last_ts = h.ts;
		}
	}
	if ((uint64_t)st.st_size != good) {
		pr_warn("%s: cut a torn tail of %llu bytes at offset %llu",
			path, (unsigned long long)(st.st_size - good),
			(unsigned long long)good);
		if (ftruncate(fileno(f), good)) {
			err = -errno;
			free(buf);
			fclose(f);
			return err;
		}
	}
	free(buf);
	fclose(f);
	*size = good;
	return 0;
}

/*
 * An interval's records reach the file in one write at store_flush(),
 * not a few kilobytes at a time: a crash between two flushes then leaves
 * an interval whole or absent, rarely in part.
 */
#define STORE_WRITE_BUF	(1U << 20)

static int seg_create(struct store *s, unsigned int n)
{
	char path[4096], hdr[SEG_HDR_SIZE] = STORE_SEG_MAGIC;
	int err;

	err = seg_path(path, sizeof(path), s->dir, n);
	if (err)
		return err;
	s->f = fopen(path, "w");
	if (!s->f)
		return -errno;
	setvbuf(s->f, NULL, _IOFBF, STORE_WRITE_BUF);
	if (fwrite(hdr, 1, sizeof(hdr), s->f) != sizeof(hdr))
		return -EIO;
	s->seg_size = SEG_HDR_SIZE;
	s->last = n;
	return 0;
}

/* Drops the oldest segments while the stream is over its size. */
static void retain(struct store *s)
{
	uint64_t total = (uint64_t)(s->last - s->first) * s->seg_max;
	char path[4096];

	while (s->first < s->last && total + s->seg_size > s->streamsize) {
		if (!seg_path(path, sizeof(path), s->dir, s->first))
			unlink(path);
		s->first++;
		total -= s->seg_max;
	}
}

int store_open(struct store **sp, const char *dir, uint64_t streamsize)
{
	unsigned int *segs = NULL, n = 0;
	struct store *s;
	char path[4096];
	int err;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = -errno;
		pr_err("cannot create stream directory %s: %s", dir,
		       strerror(errno));
		return err;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dir = strdup(dir);
	s->streamsize = streamsize;
	s->seg_max = streamsize / 8 > SEG_MIN_SIZE ? streamsize / 8 : SEG_MIN_SIZE;
	err = list_segments(dir, &segs, &n);
	if (err)
		goto err_free;
	if (n == 0) {
		err = seg_create(s, 0);
	} else {
		s->first = segs[0];
		s->last = segs[n - 1];
		err = seg_path(path, sizeof(path), dir, s->last);
		if (!err)
			err = seg_repair(path, &s->seg_size, &s->last_ts);
		if (!err && s->seg_size == 0) {
			err = seg_create(s, s->last);
		} else if (!err) {
			s->f = fopen(path, "a");
			if (!s->f)
				err = -errno;
			else
				setvbuf(s->f, NULL, _IOFBF, STORE_WRITE_BUF);
		}
	}
	free(segs);
	if (err)
		goto err_free;
	*sp = s;
	return 0;

err_free:
	pr_err("cannot open stream %s: %s", dir, strerror(-err));
	free(s->dir);
	free(s);
	return err;
}

int store_append(struct store *s, uint64_t ts, const void *buf, uint32_t len)
{
	struct store_rec_hdr h = { .magic = STORE_REC_MAGIC, .len = len, .ts = ts };
	int err;

	if (len > STORE_REC_MAX)
		return -EMSGSIZE;
	if (s->seg_size + sizeof(h) + len > s->seg_max &&
	    s->seg_size > SEG_HDR_SIZE) {
		err = store_flush(s);
		if (fclose(s->f) && !err)
			err = -errno;
		s->f = NULL;
		if (!err)
			err = seg_create(s, s->last + 1);
		if (err)
			return err;
		retain(s);
	}
	h.crc = store_rec_crc(&h, buf);
	if (fwrite(&h, sizeof(h), 1, s->f) != 1 ||
	    (len && fwrite(buf, len, 1, s->f) != 1))
		return -EIO;
	s->seg_size += sizeof(h) + len;
	s->last_ts = ts;
	return 0;
}

uint64_t store_last_ts(const struct store *s)
{
	return s->last_ts;
}

int store_flush(struct store *s)
{
	if (fflush(s->f) || fdatasync(fileno(s->f)))
		return -errno;
	return 0;
}

int store_close(struct store *s)
{
	int err;

	if (!s)
		return 0;
	err = store_flush(s);
	if (fclose(s->f) && !err)
		err = -errno;
	free(s->dir);
	free(s);
	return err;
}

int store_reader_open(struct store_reader **rp, const char *dir)
{
	struct store_reader *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->buf = malloc(STORE_REC_MAX);
	r->dir = strdup(dir);
	if (!r->buf || !r->dir) {
		err = -ENOMEM;
		goto err_free;
	}
	err = list_segments(dir, &r->segs, &r->nsegs);
	if (err)
		goto err_free;
	*rp = r;
	return 0;

err_free:
	free(r->buf);
	free(r->dir);
	free(r);
	return err;
}

static int next_segment(struct store_reader *r)
{
	int err;

	if (r->f) {
		fclose(r->f);
		r->f = NULL;
		r->cur++;
	}
	for (; r->cur < r->nsegs; r->cur++) {
		err = seg_path(r->seg_path, sizeof(r->seg_path), r->dir,
			       r->segs[r->cur]);
		if (err)
			return err;
		r->f = fopen(r->seg_path, "r");
		/* retention may have removed it since we listed: skip */
		if (!r->f && errno == ENOENT)
			continue;
		if (!r->f)
			return -errno;
		if (seg_check_header(r->f) == 0) {
			r->off = SEG_HDR_SIZE;
			return 1;
		}
		pr_warn("%s: not a segment file, skipped", r->seg_path);
		fclose(r->f);
		r->f = NULL;
	}
	return 0;
}

int store_read(struct store_reader *r, uint64_t *ts, const void **buf,
	       uint32_t *len)
{
	struct store_rec_hdr h;
	int err;

	for (;;) {
		if (!r->f) {
			err = next_segment(r);
			if (err <= 0)
				return err;
		}
		err = read_rec(r->f, &h, r->buf);
		if (err == 1) {
			r->off += sizeof(h) + h.len;
			*ts = h.ts;
			*buf = r->buf;
			*len = h.len;
			return 1;
		}
		if (err < 0)
			pr_warn("%s: damaged record at offset %llu, "
				"rest of the segment skipped", r->seg_path,
				(unsigned long long)r->off);
		err = next_segment(r);
		if (err <= 0)
			return err;
	}
}

void store_reader_close(struct store_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->segs);
	free(r->buf);
	free(r->dir);
	free(r);
}
