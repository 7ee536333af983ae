// SPDX-License-Identifier: BSD-3-Clause
/*
 * Segments (store_seg.h): their names, the listing of a stream directory,
 * and the scanner of a segment's records.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include "dirfd.h"
#include "log.h"
#include "store_index.h"
#include "store_seg.h"

uint32_t store_rec_crc(const struct store_rec_hdr *h, const void *payload,
		       unsigned int version)
{
	/*
	 * the fields in a row, one call: a query checks every record (zlib's
	 * crc32() took 175 ns a 100-byte record here, libdeflate's 22: the
	 * same CRC-32)
	 */
	uint8_t f[sizeof(h->ts) + sizeof(h->len) + sizeof(h->flags)];
	uint32_t crc;

	memcpy(f, &h->ts, sizeof(h->ts));
	memcpy(f + sizeof(h->ts), &h->len, sizeof(h->len));
	memcpy(f + sizeof(h->ts) + sizeof(h->len), &h->flags, sizeof(h->flags));
	crc = libdeflate_crc32(0, f, version >= 2 ? sizeof(f)
						  : sizeof(f) - sizeof(h->flags));
	return libdeflate_crc32(crc, payload, h->len);
}


/* A segment's name is exactly 8 digits and ".seg": N in *n. */
bool seg_name_parse(const char *name, unsigned int *n)
{
	unsigned int i, v = 0;

	if (strlen(name) != SEG_NAME_LEN || strcmp(name + 8, ".seg"))
		return false;
	for (i = 0; i < 8; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (name[i] - '0');
	}
	*n = v;
	return true;
}

/* What else a stream directory holds, and is no stray. */
static bool stream_file_known(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..") ||
	       !strcmp(name, META_FILE) || !strcmp(name, ".meta.json.tmp") ||
	       !strcmp(name, STORE_INDEX_FILE) || !strcmp(name, STORE_INDEX_TMP) ||
	       !strcmp(name, STORE_INDEX_SUM_FILE) ||
	       !strcmp(name, STORE_INDEX_SUM_TMP);
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/*
 * Lists the segment numbers of a stream, sorted. Any other name is said
 * (DIR, once a listing) and left alone.
 */
int seg_list(int dfd, const char *dir, unsigned int **segs,
			 unsigned int *n)
{
	unsigned int *v = NULL, *nv, cnt = 0, num;
	struct dirent *de;
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
		if (!seg_name_parse(de->d_name, &num)) {
			if (!stream_file_known(de->d_name))
				pr_warn("%s/%s: not a segment's name, ignored",
					dir, de->d_name);
			continue;
		}
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v = nv;
		v[cnt++] = num;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_uint);
	*segs = v;
	*n = cnt;
	return 0;
}

/* ---- the scanner ---- */

/* The format version a segment header says; 0: not a segment header. */
unsigned int seg_header_version(const unsigned char *p, size_t size)
{
	__u32 v;

	if (size < STORE_SEG_HDR || memcmp(p, STORE_SEG_MAGIC, 8))
		return 0;
	memcpy(&v, p + 8, sizeof(v));
	return v ?: 1;	/* version 1 wrote zeros there */
}

/* A whole record with a good checksum at OFF: its header in *h. */
static bool rec_at(const struct seg_scan *sc, size_t off,
		   struct store_rec_hdr *h)
{
	if (sc->size - off < sizeof(*h))
		return false;
	memcpy(h, sc->p + off, sizeof(*h));
	if (h->magic != STORE_REC_MAGIC || h->len > STORE_REC_MAX ||
	    h->len > sc->size - off - sizeof(*h))
		return false;
	return store_rec_crc(h, sc->p + off + sizeof(*h), sc->version) == h->crc;
}

/* The next whole record from FROM on; SIZE: none. */
static size_t resync(const struct seg_scan *sc, size_t from)
{
	static const __u32 magic = STORE_REC_MAGIC;
	struct store_rec_hdr h;
	const unsigned char *q;

	while (from < sc->size) {
		q = memmem(sc->p + from, sc->size - from, &magic, sizeof(magic));
		if (!q)
			break;
		from = q - sc->p;
		if (rec_at(sc, from, &h))
			return from;
		from++;
	}
	return sc->size;
}

/* Frames that look like records in [from, to): at least one was there. */
uint64_t seg_frames_in(const struct seg_scan *sc, size_t from, size_t to)
{
	static const __u32 magic = STORE_REC_MAGIC;
	const unsigned char *q;
	uint64_t n = 0;

	while (from < to && (q = memmem(sc->p + from, to - from, &magic,
					sizeof(magic)))) {
		n++;
		from = q - sc->p + 1;
	}
	return n ?: 1;
}

void seg_scan_init(struct seg_scan *sc, const unsigned char *p, size_t size,
		      unsigned int version)
{
	memset(sc, 0, sizeof(*sc));
	sc->p = p;
	sc->size = size;
	sc->version = version;
	sc->off = sc->end_whole = STORE_SEG_HDR;
}

/*
 * 1: the next record, its header in *h and its payload at *payload; 0:
 * the end. Damage followed by a record is counted and skipped (WHERE, if
 * given, says so); damage that runs to the end is a torn tail, left for
 * the caller to judge.
 */
int seg_scan_next(struct seg_scan *sc, struct store_rec_hdr *h,
		     const void **payload, const char *where)
{
	size_t next;

	while (sc->off < sc->size) {
		if (rec_at(sc, sc->off, h)) {
			*payload = sc->p + sc->off + sizeof(*h);
			sc->off += sizeof(*h) + h->len;
			sc->records++;
			sc->since_whole++;
			if (sc->version < 2 || (h->flags & STORE_REC_END)) {
				sc->end_whole = sc->off;
				sc->whole_ts = h->ts;
				sc->since_whole = 0;
			}
			return 1;
		}
		next = resync(sc, sc->off + 1);
		if (next == sc->size) {
			sc->tail = true;
			sc->tail_off = sc->off;
			sc->off = sc->size;
			break;
		}
		sc->bad_records += seg_frames_in(sc, sc->off, next);
		sc->bad_bytes += next - sc->off;
		if (where)
			pr_warn("%s: damaged record at offset %llu: %zu bytes "
				"skipped, reading on at offset %llu", where,
				(unsigned long long)(sc->base + sc->off),
				next - sc->off,
				(unsigned long long)(sc->base + next));
		sc->off = next;
	}
	return 0;
}

/* FD's bytes, whole, in *data (malloc'd); their number in *size. */
int seg_read_whole(int fd, unsigned char **data, size_t *size)
{
	unsigned char *p;
	struct stat st;
	size_t got = 0;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	if ((uint64_t)st.st_size > SEG_READ_MAX)
		return -EFBIG;
	p = malloc(st.st_size ?: 1);
	if (!p)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		n = pread(fd, p + got, st.st_size - got, got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(p);
			return -errno;
		}
		if (n == 0)
			break;	/* cut short since the fstat: what is there */
		got += n;
	}
	*data = p;
	*size = got;
	return 0;
}

void seg_say_newer(const char *where, unsigned int v)
{
	pr_err("%s: written by a newer como (storage format %u; this one "
	       "reads 1 to %u)", where, v, STORE_VERSION);
}

/* DIR's directory as given; DIR itself opened as a stream directory. */
int seg_stream_dir(const char *dir, bool create)
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

/* The timestamp of segment N's first record in SDFD; 0 when it has none. */
uint64_t seg_first_ts(int sdfd, unsigned int n)
{
	unsigned char b[STORE_SEG_HDR + sizeof(struct store_rec_hdr)];
	struct store_rec_hdr h;
	ssize_t got;
	int fd;

	fd = stream_fileat(sdfd, seg_name(n).s, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	got = pread(fd, b, sizeof(b), 0);
	close(fd);
	if (got != (ssize_t)sizeof(b) || !seg_header_version(b, got))
		return 0;
	memcpy(&h, b + STORE_SEG_HDR, sizeof(h));
	return h.magic == STORE_REC_MAGIC ? h.ts : 0;
}
