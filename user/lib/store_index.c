// SPDX-License-Identifier: BSD-3-Clause
/*
 * A stream's time index (store_index.h): its entries and their block
 * summaries, loaded whole or for a window, appended, rewritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include "dirfd.h"
#include "store_index.h"
#include "store_seg.h"

/* an index is a few entries a MiB of records: past this it is no index */
#define STORE_INDEX_MAX		(256U << 20)

static __u32 ent_crc(const struct store_idx_ent *e)
{
	return libdeflate_crc32(0, e, offsetof(struct store_idx_ent, crc));
}

static __u32 sum_crc(const struct store_idx_sum *s)
{
	return libdeflate_crc32(0, s, offsetof(struct store_idx_sum, crc));
}

/* a torn last entry, or a damaged one, is no entry */
static bool ent_good(const struct store_idx_ent *e)
{
	return e->crc == ent_crc(e) && e->len;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct store_idx_ent *x = a, *y = b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int skip_cmp(const void *a, const void *b)
{
	const struct store_idx_skip *x = a, *y = b;

	if (x->seg_lo != y->seg_lo)
		return x->seg_lo < y->seg_lo ? -1 : 1;
	return x->off_lo < y->off_lo ? -1 : x->off_lo > y->off_lo;
}

/* NAME of SDFD for reading, a regular file of its own (dirfd.h); *SIZE */
static int index_file_open(int sdfd, const char *name, uint64_t *size)
{
	struct stat st;
	int fd;

	fd = openat(sdfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (uint64_t)st.st_size > STORE_INDEX_MAX) {
		close(fd);
		return -EINVAL;
	}
	*size = st.st_size;
	return fd;
}

/* LEN bytes at OFF of FD, or as many as there are: how many */
static size_t pread_most(int fd, void *p, size_t len, uint64_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = pread(fd, (char *)p + got, len - got, off + got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

/*
 * The good entries of FD's [FIRST, FIRST + N), of the NENT it had when
 * sized (a writer may append since), at *V + *KEPT.
 */
static void entries_read(int fd, size_t first, size_t n, size_t nent,
			 struct store_idx_ent *v, size_t *kept)
{
	struct store_idx_ent *p = v + *kept;
	size_t got, i, keep = *kept;

	if (first >= nent)
		return;
	if (n > nent - first)
		n = nent - first;
	got = pread_most(fd, p, n * sizeof(*v), first * sizeof(*v));
	for (i = 0; i < got / sizeof(*v); i++)
		if (ent_good(&p[i]))
			v[keep++] = p[i];
	*kept = keep;
}

int store_index_load(int sdfd, struct store_idx_ent **v, size_t *n)
{
	struct store_idx_ent *e;
	uint64_t size;
	size_t keep = 0;
	int fd;

	*v = NULL;
	*n = 0;
	fd = index_file_open(sdfd, STORE_INDEX_FILE, &size);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	e = malloc(size + sizeof(*e));
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	entries_read(fd, 0, size / sizeof(*e), size / sizeof(*e), e, &keep);
	close(fd);
	qsort(e, keep, sizeof(*e), ent_cmp);
	*v = e;
	*n = keep;
	return 0;
}

/*
 * The summaries of SDFD with a good checksum, each in the slot of its
 * block (a bad one's slot is zero: no summary) in *v, for *n blocks.
 */
static int summaries_load(int sdfd, struct store_idx_sum **v, size_t *n)
{
	struct store_idx_sum *s;
	uint64_t size;
	size_t i, got;
	int fd;

	*v = NULL;
	*n = 0;
	fd = index_file_open(sdfd, STORE_INDEX_SUM_FILE, &size);
	if (fd < 0)
		return fd;
	s = malloc(size + sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	got = pread_most(fd, s, size, 0) / sizeof(*s);
	close(fd);
	for (i = 0; i < got; i++)
		if (s[i].crc != sum_crc(&s[i]) || s[i].block != i)
			memset(&s[i], 0, sizeof(s[i]));
	*v = s;
	*n = got;
	return 0;
}

/*
 * Block K's bytes hold nothing of the window [START, END] (of records of
 * interval IVL), by its summary S, the index having NENT entries.
 */
static bool block_skips(const struct store_idx_sum *s, size_t k, size_t nent,
			uint64_t start, uint64_t end, uint64_t ivl)
{
	/* a summary whose checksum failed is zero: none */
	if (!s || !s->crc || (k + 1) * STORE_INDEX_BLOCK > nent ||
	    !(s->flags & STORE_IDX_SUM_WHOLE))
		return false;
	return !store_idx_overlaps(s->min_ts, s->max_ts, start, end, ivl);
}

int store_index_load_window(int sdfd, uint64_t start, uint64_t end,
			    uint64_t ivl, struct store_idx_ent **v, size_t *n,
			    struct store_idx_skip **skip, size_t *nskip)
{
	const size_t B = STORE_INDEX_BLOCK;
	struct store_idx_skip *sk;
	struct store_idx_sum *sum, *s;
	size_t nsum, nent, k, from = 0, keep = 0, nsk = 0;
	struct store_idx_ent *e;
	uint64_t size;
	int fd;

	*skip = NULL;
	*nskip = 0;
	if (summaries_load(sdfd, &sum, &nsum))
		return store_index_load(sdfd, v, n);
	*v = NULL;
	*n = 0;
	fd = index_file_open(sdfd, STORE_INDEX_FILE, &size);
	if (fd < 0) {
		free(sum);
		return fd == -ENOENT ? 0 : fd;
	}
	nent = size / sizeof(*e);
	e = malloc(size + sizeof(*e));
	sk = calloc(nent / B + 1, sizeof(*sk));
	if (!e || !sk) {
		close(fd);
		free(sum);
		free(e);
		free(sk);
		return -ENOMEM;
	}
	/* the blocks read between two skipped ones are one read */
	for (k = 0; k < nent / B; k++) {
		s = k < nsum ? &sum[k] : NULL;
		if (!block_skips(s, k, nent, start, end, ivl))
			continue;
		entries_read(fd, from * B, (k - from) * B, nent, e, &keep);
		from = k + 1;
		sk[nsk++] = (struct store_idx_skip){ s->seg_lo, s->seg_hi,
						      s->off_lo, s->end_hi };
	}
	entries_read(fd, from * B, nent - from * B, nent, e, &keep);
	close(fd);
	free(sum);
	qsort(e, keep, sizeof(*e), ent_cmp);
	qsort(sk, nsk, sizeof(*sk), skip_cmp);
	*v = e;
	*n = keep;
	*skip = sk;
	*nskip = nsk;
	return 0;
}

static int pwrite_all(int fd, const void *p, size_t len, uint64_t off)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p = (const char *)p + n;
		len -= n;
		off += n;
	}
	return 0;
}

/*
 * E's bytes begin where P's end: in P's segment, or at the first record
 * of the next one when P ended its own.
 */
static bool ent_follows(int sdfd, const struct store_idx_ent *p,
			const struct store_idx_ent *e)
{
	struct stat st;

	if (e->seg == p->seg)
		return e->off == p->off + p->len;
	return e->seg == p->seg + 1 && e->off == STORE_SEG_HDR &&
	       !fstatat(sdfd, seg_name(p->seg).s, &st, AT_SYMLINK_NOFOLLOW) &&
	       (uint64_t)st.st_size == p->off + p->len;
}

/*
 * E, entry number AT of the index, joins IX's block; true when it fills
 * it, its summary ready in IX->blk.
 */
static bool block_add(struct store_index *ix, size_t at,
		      const struct store_idx_ent *e)
{
	struct store_idx_sum *b = &ix->blk;

	if (!ix->blk_n) {
		*b = (struct store_idx_sum){
			.block = at / STORE_INDEX_BLOCK,
			.seg_lo = e->seg, .off_lo = e->off,
			.min_ts = e->min_ts, .max_ts = e->max_ts,
			.flags = STORE_IDX_SUM_WHOLE,
		};
	} else {
		if (!ent_follows(ix->dfd, &ix->prev, e))
			b->flags &= ~STORE_IDX_SUM_WHOLE;
		if (e->min_ts < b->min_ts)
			b->min_ts = e->min_ts;
		if (e->max_ts > b->max_ts)
			b->max_ts = e->max_ts;
	}
	b->seg_hi = e->seg;
	b->end_hi = e->off + e->len;
	ix->prev = *e;
	if (++ix->blk_n < STORE_INDEX_BLOCK)
		return false;
	ix->blk_n = 0;
	b->crc = sum_crc(b);
	return true;
}

/* No summaries are kept: a reader reads the whole index. */
static void summaries_drop(struct store_index *ix)
{
	if (ix->sum_fd >= 0)
		close(ix->sum_fd);
	ix->sum_fd = -1;
	unlinkat(ix->dfd, STORE_INDEX_SUM_FILE, 0);
}

int store_index_append(struct store_index *ix, struct store_idx_ent *e)
{
	int err;

	if (ix->fd < 0)
		return -EBADF;
	e->pad = 0;
	e->crc = ent_crc(e);
	err = pwrite_all(ix->fd, e, sizeof(*e), ix->size);
	if (err) {
		/* entries stay at whole multiples: a torn one goes */
		if (ftruncate(ix->fd, ix->size))
			return -errno;
		return err;
	}
	if (block_add(ix, ix->size / sizeof(*e), e) && ix->sum_fd >= 0) {
		if (pwrite_all(ix->sum_fd, &ix->blk, sizeof(ix->blk),
			       ix->sum_size))
			summaries_drop(ix);
		else
			ix->sum_size += sizeof(ix->blk);
	}
	ix->size += sizeof(*e);
	return 0;
}

void store_index_close(struct store_index *ix)
{
	if (ix->fd >= 0)
		close(ix->fd);
	if (ix->sum_fd >= 0)
		close(ix->sum_fd);
	ix->fd = ix->sum_fd = -1;
}

void store_index_remove(int sdfd)
{
	unlinkat(sdfd, STORE_INDEX_SUM_FILE, 0);
	unlinkat(sdfd, STORE_INDEX_SUM_TMP, 0);
	unlinkat(sdfd, STORE_INDEX_FILE, 0);
	unlinkat(sdfd, STORE_INDEX_TMP, 0);
}

/* P[0, len) as SDFD's file NAME, through TMP; its descriptor, for appends */
static int file_replace(int sdfd, const char *name, const char *tmp,
			const void *p, size_t len)
{
	int fd, err;

	unlinkat(sdfd, tmp, 0);
	fd = stream_fileat(sdfd, tmp, O_RDWR | O_CREAT | O_EXCL,
			   DIRFD_FILE_MODE);
	if (fd < 0)
		return fd;
	err = pwrite_all(fd, p, len, 0);
	if (!err && renameat(sdfd, tmp, sdfd, name))
		err = -errno;
	if (err) {
		close(fd);
		unlinkat(sdfd, tmp, 0);
		return err;
	}
	return fd;
}

/* The summaries of IX's entries V[0, n): IX->sum_fd, or none (-1). */
static void summaries_rewrite(struct store_index *ix,
			      const struct store_idx_ent *v, size_t n)
{
	struct store_idx_sum *s;
	size_t i, ns = 0;
	int fd;

	ix->blk_n = 0;
	s = malloc((n / STORE_INDEX_BLOCK + 1) * sizeof(*s));
	if (!s)
		return;
	for (i = 0; i < n; i++)
		if (block_add(ix, i, &v[i]))
			s[ns++] = ix->blk;
	fd = file_replace(ix->dfd, STORE_INDEX_SUM_FILE, STORE_INDEX_SUM_TMP,
			  s, ns * sizeof(*s));
	free(s);
	if (fd < 0)
		return;
	ix->sum_fd = fd;
	ix->sum_size = ns * sizeof(*s);
}

int store_index_rewrite(struct store_index *ix, int sdfd,
			const struct store_idx_ent *v, size_t n)
{
	int fd;

	store_index_close(ix);
	ix->dfd = sdfd;
	ix->size = ix->sum_size = 0;
	ix->blk_n = 0;
	/* the old summaries go first: no crash leaves them over new entries */
	unlinkat(sdfd, STORE_INDEX_SUM_FILE, 0);
	fd = file_replace(sdfd, STORE_INDEX_FILE, STORE_INDEX_TMP, v,
			  n * sizeof(*v));
	if (fd < 0) {
		store_index_remove(sdfd);
		return fd;
	}
	ix->fd = fd;
	ix->size = n * sizeof(*v);
	summaries_rewrite(ix, v, n);
	return 0;
}
