// SPDX-License-Identifier: BSD-3-Clause
/*
 * A stream's reader (store.h): segment by segment, with a window the parts
 * the time index places in it, each scanned for records past any damage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dirfd.h"
#include "log.h"
#include "store_index.h"
#include "store_seg.h"

/* A part of a segment to read. */
struct store_region {
	uint64_t off, len;
};

struct store_reader {
	char *dir;
	int dfd;
	unsigned int *segs;
	unsigned int nsegs, cur;
	int fd;			/* segs[cur], -1: none open */
	unsigned int version;
	uint64_t seg_size;
	struct store_region *regs;	/* what of it to read */
	size_t nregs, ireg;
	bool open;		/* regs[ireg] is being read */
	struct seg_scan sc;
	unsigned char *data;	/* the region's bytes */
	char seg_path[4096];
	/* a window: what the index says is outside it is not read */
	bool windowed;
	uint64_t win_start, win_end, win_ivl;
	struct store_idx_ent *idx;
	size_t nidx;
	struct store_idx_skip *skip;	/* bytes of blocks outside it */
	size_t nskip;
	uint64_t bad_records, bad_bytes;
	uint64_t taken_records, taken_bytes;	/* of them, handed on */
};

int store_reader_openat(struct store_reader **rp, int sdfd, const char *dir)
{
	struct store_reader *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->dfd = fcntl(sdfd, F_DUPFD_CLOEXEC, 3);
	r->dir = strdup(dir);
	if (r->dfd < 0 || !r->dir) {
		err = r->dfd < 0 ? -errno : -ENOMEM;
		goto err_free;
	}
	err = seg_list(r->dfd, dir, &r->segs, &r->nsegs);
	if (err)
		goto err_free;
	*rp = r;
	return 0;

err_free:
	if (r->dfd >= 0)
		close(r->dfd);
	free(r->dir);
	free(r);
	return err;
}

int store_reader_open(struct store_reader **rp, const char *dir)
{
	int sdfd = seg_stream_dir(dir, false), err;

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

/* The region read so far is done with: what it left unread is said. */
static void region_done(struct store_reader *r)
{
	struct seg_scan *sc = &r->sc;
	const struct store_region *rg = &r->regs[r->ireg];
	/* the end of the last segment may be a write in flight */
	bool end = r->cur + 1 == r->nsegs && rg->off + rg->len >= r->seg_size;

	r->bad_records += sc->bad_records;
	r->bad_bytes += sc->bad_bytes;
	if (sc->tail) {
		pr_warn("%s: %s of %zu bytes at offset %llu, not read",
			r->seg_path, end ? "a torn tail (a write cut short or "
			"in progress)" : "damage", sc->size - sc->tail_off,
			(unsigned long long)(rg->off + sc->tail_off));
		if (!end) {
			r->bad_records += seg_frames_in(sc, sc->tail_off, sc->size);
			r->bad_bytes += sc->size - sc->tail_off;
		}
	}
	r->open = false;
	r->ireg++;
}

static int region_add(struct store_reader *r, uint64_t off, uint64_t len)
{
	struct store_region *v;

	if (!len)
		return 0;
	/* next to the one before: one read */
	if (r->nregs && r->regs[r->nregs - 1].off + r->regs[r->nregs - 1].len == off) {
		r->regs[r->nregs - 1].len += len;
		return 0;
	}
	v = realloc(r->regs, (r->nregs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->regs = v;
	r->regs[r->nregs++] = (struct store_region){ off, len };
	return 0;
}

/*
 * Where the bytes of skipped block K lie in segment SEG (SIZE bytes), in
 * [*off, *end); false when they do not, or no longer can.
 */
static bool skip_in_seg(const struct store_idx_skip *k, unsigned int seg,
			uint64_t size, uint64_t *off, uint64_t *end)
{
	if (seg < k->seg_lo || seg > k->seg_hi)
		return false;
	*off = seg == k->seg_lo ? k->off_lo : STORE_SEG_HDR;
	*end = seg == k->seg_hi ? k->end_hi : size;
	return *off < *end && *end <= size;
}

/*
 * What of segment SEG (SIZE bytes) to read: with a window, the writes the
 * index says overlap it and whatever neither an entry nor a skipped block
 * covers; else all of it. Entries and skipped blocks are taken in the
 * order of their offsets.
 */
static int regions_plan(struct store_reader *r, unsigned int seg, uint64_t size)
{
	uint64_t cur = STORE_SEG_HDR, off, end, koff = 0, kend = 0;
	const struct store_idx_ent *e;
	size_t i = 0, j = 0;
	bool in, kin = false;
	int err = 0;

	r->nregs = r->ireg = 0;
	while (r->windowed && i < r->nidx && r->idx[i].seg < seg)
		i++;
	while (r->windowed && !err) {
		while (!kin && j < r->nskip && r->skip[j].seg_lo <= seg)
			kin = skip_in_seg(&r->skip[j++], seg, size, &koff, &kend);
		e = i < r->nidx && r->idx[i].seg == seg ? &r->idx[i] : NULL;
		if (!e && !kin)
			break;
		if (e && (!kin || e->off < koff)) {
			off = e->off;
			end = e->off + e->len;
			in = store_idx_overlaps(e->min_ts, e->max_ts,
						r->win_start, r->win_end,
						r->win_ivl);
			i++;
		} else {
			off = koff;
			end = kend;
			in = kin = false;
		}
		if (off < cur || end > size)
			continue;	/* stale, or within what went before */
		err = region_add(r, cur, off - cur);
		if (!err && in)
			err = region_add(r, off, end - off);
		cur = end;
	}
	return err ?: region_add(r, cur, size > cur ? size - cur : 0);
}

/* 1: the next region of segment cur is being read; 0: none left. */
static int next_region(struct store_reader *r)
{
	const struct store_region *rg;
	unsigned char *p;
	size_t got = 0;
	ssize_t n;

	if (r->ireg >= r->nregs)
		return 0;
	rg = &r->regs[r->ireg];
	p = realloc(r->data, rg->len ?: 1);
	if (!p)
		return -ENOMEM;
	r->data = p;
	while (got < rg->len) {
		n = pread(r->fd, p + got, rg->len - got, rg->off + got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;	/* cut short since the fstat: what is there */
		got += n;
	}
	seg_scan_init(&r->sc, p, got, r->version);
	r->sc.off = r->sc.end_whole = 0;
	r->sc.base = rg->off;
	r->open = true;
	return 1;
}

static void segment_close(struct store_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->cur++;
}

/* 1: segment cur is open, its regions planned; 0: no more; <0: an error. */
static int next_segment(struct store_reader *r)
{
	unsigned char hdr[STORE_SEG_HDR];
	struct seg_name sn;
	struct stat st;
	unsigned int v;
	ssize_t got;
	int fd, err;

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
		got = pread(fd, hdr, sizeof(hdr), 0);
		if (got < 0 || fstat(fd, &st)) {
			err = -errno;
			close(fd);
			pr_err("%s: %s", r->seg_path, strerror(-err));
			return err;
		}
		v = seg_header_version(hdr, got);
		if (v > STORE_VERSION) {
			close(fd);
			seg_say_newer(r->seg_path, v);
			return -EPROTONOSUPPORT;
		}
		if (v) {
			r->fd = fd;
			r->version = v;
			r->seg_size = st.st_size;
			err = regions_plan(r, r->segs[r->cur], st.st_size);
			if (err)
				return err;
			return 1;
		}
		close(fd);
		if (got)
			pr_warn("%s: not a segment file, skipped", r->seg_path);
		else
			pr_warn("%s: an empty segment (a run stopped before "
				"writing it), skipped", r->seg_path);
	}
	return 0;
}

int store_read(struct store_reader *r, uint64_t *ts, const void **buf,
	       uint32_t *len)
{
	struct store_rec_hdr h;
	int err;

	for (;;) {
		if (r->fd < 0) {
			err = next_segment(r);
			if (err <= 0)
				return err;
		}
		if (!r->open) {
			err = next_region(r);
			if (err < 0)
				return err;
			if (!err) {
				segment_close(r);
				continue;
			}
		}
		if (seg_scan_next(&r->sc, &h, buf, r->seg_path) == 1) {
			*ts = h.ts;
			*len = h.len;
			return 1;
		}
		region_done(r);
	}
}

int store_reader_window(struct store_reader *r, uint64_t start, uint64_t end,
			uint64_t ivl)
{
	int err;

	free(r->idx);
	free(r->skip);
	err = store_index_load_window(r->dfd, start, end, ivl, &r->idx,
				      &r->nidx, &r->skip, &r->nskip);
	if (err) {
		pr_warn("%s/" STORE_INDEX_FILE ": %s, not used", r->dir,
			strerror(-err));
		return 0;
	}
	r->windowed = true;
	r->win_start = start;
	r->win_end = end;
	r->win_ivl = ivl;
	return 0;
}

void store_reader_damage(const struct store_reader *r, uint64_t *records,
			 uint64_t *bytes)
{
	*records = r->bad_records + (r->open ? r->sc.bad_records : 0);
	*bytes = r->bad_bytes + (r->open ? r->sc.bad_bytes : 0);
}

void store_reader_take_damage(struct store_reader *r, uint64_t *records,
			      uint64_t *bytes)
{
	uint64_t n, b;

	store_reader_damage(r, &n, &b);
	*records = n - r->taken_records;
	*bytes = b - r->taken_bytes;
	r->taken_records = n;
	r->taken_bytes = b;
}

void store_reader_close(struct store_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->regs);
	free(r->idx);
	free(r->skip);
	free(r->data);
	close(r->dfd);
	free(r->segs);
	free(r->dir);
	free(r);
}
