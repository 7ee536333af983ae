// SPDX-License-Identifier: BSD-3-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "dirfd.h"
#include "log.h"
#include "store.h"

#define SEG_HDR_SIZE	16
#define SEG_NAME_FMT	"%08u.seg"
#define SEG_MIN_SIZE	(64U << 10)

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
	FILE *f;
	uint64_t seg_size;
	uint64_t last_ts;	/* of the last record, 0 if none */
};

struct store_reader {
	char *dir;
	int dfd;
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

/* The name of segment N, in its stream directory. */
struct seg_name {
	char s[16];
};

static struct seg_name seg_name(unsigned int n)
{
	struct seg_name sn;

	snprintf(sn.s, sizeof(sn.s), SEG_NAME_FMT, n);
	return sn;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* Lists the segment numbers of a stream, sorted. */
static int list_segments(int dfd, unsigned int **segs, unsigned int *n)
{
	unsigned int *v = NULL, cnt = 0, num;
	struct dirent *de;
	char tail[8];
	DIR *d;
	int fd;

	/* a descriptor of its own: the directory is read from the start */
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
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
static int seg_repair(struct store *s, unsigned int n, uint64_t *size,
		      uint64_t *last_ts)
{
	struct seg_name sn = seg_name(n);
	struct store_rec_hdr h;
	uint64_t good = SEG_HDR_SIZE;
	struct stat st;
	void *buf;
	FILE *f;
	int fd, err;

	fd = stream_fileat(s->dfd, sn.s, O_RDWR, 0);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "r+");
	buf = f ? malloc(STORE_REC_MAX) : NULL;
	if (!buf) {
		pr_err("%s/%s: out of memory", s->dir, sn.s);
		if (f)
			fclose(f);
		else
			close(fd);
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
		pr_warn("%s/%s: cut a torn tail of %llu bytes at offset %llu",
			s->dir, sn.s, (unsigned long long)(st.st_size - good),
			(unsigned long long)good);
		if (ftruncate(fileno(f), good)) {
			err = -errno;
			pr_err("%s/%s: cannot cut it: %s", s->dir, sn.s,
			       strerror(-err));
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

/* The segment file N, opened as fdopen() MODE says, for writing. */
static int seg_open_write(struct store *s, unsigned int n, int flags,
			  const char *mode)
{
	struct seg_name sn = seg_name(n);
	int fd;

	fd = stream_fileat(s->dfd, sn.s, flags, DIRFD_FILE_MODE);
	if (fd < 0)
		return fd;
	s->f = fdopen(fd, mode);
	if (!s->f) {
		close(fd);
		pr_err("%s/%s: out of memory", s->dir, sn.s);
		return -ENOMEM;
	}
	setvbuf(s->f, NULL, _IOFBF, STORE_WRITE_BUF);
	return 0;
}

static int seg_create(struct store *s, unsigned int n)
{
	char hdr[SEG_HDR_SIZE] = STORE_SEG_MAGIC;
	int err;

	err = seg_open_write(s, n, O_WRONLY | O_CREAT | O_TRUNC, "w");
	if (err)
		return err;
	if (fwrite(hdr, 1, sizeof(hdr), s->f) != sizeof(hdr)) {
		pr_err("%s/" SEG_NAME_FMT ": cannot write: %s", s->dir, n,
		       strerror(errno));
		return -EIO;
	}
	s->seg_size = SEG_HDR_SIZE;
	s->last = n;
	return 0;
}

/* Drops the oldest segments while the stream is over its size. */
static void retain(struct store *s)
{
	uint64_t total = (uint64_t)(s->last - s->first) * s->seg_max;

	while (s->first < s->last && total + s->seg_size > s->streamsize) {
		/* a name in the stream's directory goes, whatever it is */
		unlinkat(s->dfd, seg_name(s->first).s, 0);
		s->first++;
		total -= s->seg_max;
	}
}

/* The last segment of a stream opened again: its torn tail cut. */
static int seg_reopen(struct store *s)
{
	int err = seg_repair(s, s->last, &s->seg_size, &s->last_ts);

	if (!err && s->seg_size == 0)
		return seg_create(s, s->last);
	if (!err)
		err = seg_open_write(s, s->last, O_WRONLY | O_APPEND, "a");
	return err;
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
	s->dfd = fcntl(sdfd, F_DUPFD_CLOEXEC, 3);
	s->dir = strdup(dir);
	if (s->dfd < 0 || !s->dir) {
		err = s->dfd < 0 ? -errno : -ENOMEM;
		goto err_say;
	}
	s->streamsize = streamsize;
	s->seg_max = streamsize / 8 > SEG_MIN_SIZE ? streamsize / 8 : SEG_MIN_SIZE;
	err = list_segments(s->dfd, &segs, &n);
	if (err)
		goto err_say;
	if (n == 0) {
		err = seg_create(s, 0);
	} else {
		s->first = segs[0];
		s->last = segs[n - 1];
		err = seg_reopen(s);
	}
	free(segs);
	if (err)
		goto err_free;
	*sp = s;
	return 0;

err_say:
	pr_err("cannot open stream %s: %s", dir, strerror(-err));
err_free:
	if (s && s->f)
		fclose(s->f);
	if (s && s->dfd >= 0)
		close(s->dfd);
	if (s)
		free(s->dir);
	free(s);
	return err;
}

/* DIR's directory as given; DIR itself opened as a stream directory. */
static int stream_dir_of(const char *dir, bool create)
{
	char *d = strdup(dir), *b = strdup(dir);
	int dfd = -ENOMEM, sdfd = -ENOMEM;

	if (d && b)
		dfd = datadir_open(dirname(d));
	if (dfd == -ENOENT)
		pr_err("cannot open stream %s: %s", dir, strerror(ENOENT));
	if (dfd >= 0) {
		sdfd = stream_dir_open(dfd, basename(b), create);
		close(dfd);
	} else {
		sdfd = dfd;
	}
	free(d);
	free(b);
	return sdfd;
}

int store_open(struct store **sp, const char *dir, uint64_t streamsize)
{
	int sdfd = stream_dir_of(dir, true), err;

	if (sdfd < 0)
		return sdfd;
	err = store_openat(sp, sdfd, dir, streamsize);
	close(sdfd);
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
	close(s->dfd);
	free(s->dir);
	free(s);
	return err;
}

int store_dirfd(const struct store *s)
{
	return s->dfd;
}

int store_reader_openat(struct store_reader **rp, int sdfd, const char *dir)
{
	struct store_reader *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->dfd = fcntl(sdfd, F_DUPFD_CLOEXEC, 3);
	r->buf = malloc(STORE_REC_MAX);
	r->dir = strdup(dir);
	if (r->dfd < 0 || !r->buf || !r->dir) {
		err = r->dfd < 0 ? -errno : -ENOMEM;
		goto err_free;
	}
	err = list_segments(r->dfd, &r->segs, &r->nsegs);
	if (err)
		goto err_free;
	*rp = r;
	return 0;

err_free:
	if (r->dfd >= 0)
		close(r->dfd);
	free(r->buf);
	free(r->dir);
	free(r);
	return err;
}

int store_reader_open(struct store_reader **rp, const char *dir)
{
	int sdfd = stream_dir_of(dir, false), err;

	if (sdfd < 0)
		return sdfd;
	err = store_reader_openat(rp, sdfd, dir);
	close(sdfd);
	return err;
}

/* A file where a segment should be that is refused is skipped. */
static bool refused(int err)
{
	return err == -ELOOP || err == -EISDIR || err == -EINVAL ||
	       err == -EMLINK;
}

static int next_segment(struct store_reader *r)
{
	struct seg_name sn;
	int fd;

	if (r->f) {
		fclose(r->f);
		r->f = NULL;
		r->cur++;
	}
	for (; r->cur < r->nsegs; r->cur++) {
		sn = seg_name(r->segs[r->cur]);
		snprintf(r->seg_path, sizeof(r->seg_path), "%s/%s", r->dir,
			 sn.s);
		fd = stream_fileat_skip(r->dfd, sn.s);
		/* retention may have removed it since we listed: skip */
		if (fd == -ENOENT || refused(fd))
			continue;
		if (fd < 0)
			return fd;
		r->f = fdopen(fd, "r");
		if (!r->f) {
			close(fd);
			return -ENOMEM;
		}
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
	close(r->dfd);
	free(r->segs);
	free(r->buf);
	free(r->dir);
	free(r);
}
