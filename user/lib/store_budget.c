// SPDX-License-Identifier: BSD-3-Clause
/*
 * The disk budget of a data directory (store_budget.h). Each time it is
 * kept, the directory is read again: streams come and go, and a file
 * someone else left there counts against the budget too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "dirfd.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "store_budget.h"
#include "store_index.h"
#include "store_seg.h"

/* what a stream's index and meta.json may grow by before the next keep */
#define BUDGET_SLACK	(8U << 10)
#define BUDGET_OPEN_MAX	256

struct store_budget {
	char *datadir;
	uint64_t bytes;
	uint64_t used;
	struct store *open[BUDGET_OPEN_MAX];
	unsigned int nopen;
	bool said;
};

/* One stream of the directory, as the walk found it. */
struct bstream {
	char name[256];
	int sdfd;
	struct store *open;	/* written by this process; NULL: not */
	unsigned int *segs, nsegs, next;	/* next: its oldest left */
	uint64_t *first_ts, *size;	/* of each segment */
	uint64_t removed, removed_bytes;
};

int store_budget_open(struct store_budget **bp, const char *datadir,
		      uint64_t bytes)
{
	struct store_budget *b = calloc(1, sizeof(*b));

	if (!b || !(b->datadir = strdup(datadir))) {
		free(b);
		pr_err("disk budget: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	b->bytes = bytes;
	*bp = b;
	return 0;
}

int store_budget_add(struct store_budget *b, struct store *s)
{
	if (b->nopen == BUDGET_OPEN_MAX) {
		pr_err("disk budget: more than %d streams", BUDGET_OPEN_MAX);
		return -ENOSPC;
	}
	/* a stream's segments are a small part of the whole */
	store_cap_segments(s, b->bytes / 32);
	b->open[b->nopen++] = s;
	return 0;
}

void store_budget_del(struct store_budget *b, struct store *s)
{
	unsigned int i;

	for (i = 0; b && i < b->nopen; i++) {
		if (b->open[i] != s)
			continue;
		b->open[i] = b->open[--b->nopen];
		return;
	}
}

void store_budget_close(struct store_budget *b)
{
	if (!b)
		return;
	free(b->datadir);
	free(b);
}

uint64_t store_budget_used(const struct store_budget *b)
{
	return b->used;
}

/* What a file takes on disk: its blocks, or its size when bigger. */
static uint64_t disk_bytes(const struct stat *st)
{
	uint64_t blocks = (uint64_t)st->st_blocks * 512;

	return blocks > (uint64_t)st->st_size ? blocks : (uint64_t)st->st_size;
}

/*
 * What directory NAME of DFD holds, whatever it is, to DEPTH levels: it
 * counts against the budget, and nothing of it is removed.
 */
static uint64_t dir_bytes(int dfd, const char *name, int depth)
{
	struct dirent *de;
	struct stat st;
	uint64_t sum = 0;
	DIR *d;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		sum += disk_bytes(&st);
		if (S_ISDIR(st.st_mode) && depth > 0)
			sum += dir_bytes(fd, de->d_name, depth - 1);
	}
	closedir(d);
	return sum;
}

static int cmp_seg(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* The store of this process whose directory SDFD is; NULL: none. */
static struct store *open_store(const struct store_budget *b, int sdfd)
{
	struct stat a, o;
	unsigned int i;

	if (fstat(sdfd, &a))
		return NULL;
	for (i = 0; i < b->nopen; i++)
		if (!fstat(store_dirfd(b->open[i]), &o) &&
		    a.st_dev == o.st_dev && a.st_ino == o.st_ino)
			return b->open[i];
	return NULL;
}

/*
 * The files of stream directory BS->sdfd: their bytes (added to *USED)
 * and its segments, sorted, with their sizes and first records' times.
 */
static int walk_stream(struct bstream *bs, uint64_t *used)
{
	unsigned int num, *ns, i;
	uint64_t *nz, sz;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	fd = openat(bs->sdfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(bs->sdfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		sz = disk_bytes(&st);
		*used += sz;
		if (S_ISDIR(st.st_mode))
			*used += dir_bytes(bs->sdfd, de->d_name, 8);
		if (!S_ISREG(st.st_mode) || !seg_name_parse(de->d_name, &num))
			continue;
		ns = realloc(bs->segs, (bs->nsegs + 1) * sizeof(*ns));
		if (ns)
			bs->segs = ns;
		nz = ns ? realloc(bs->size, (bs->nsegs + 1) * sizeof(*nz)) : NULL;
		if (!nz) {
			closedir(d);
			return -ENOMEM;
		}
		bs->size = nz;
		bs->segs[bs->nsegs++] = num;
	}
	closedir(d);
	/* sizes are looked up again once the numbers are sorted */
	qsort(bs->segs, bs->nsegs, sizeof(*bs->segs), cmp_seg);
	bs->first_ts = calloc(bs->nsegs + 1, sizeof(*bs->first_ts));
	if (!bs->first_ts)
		return -ENOMEM;
	for (i = 0; i < bs->nsegs; i++) {
		bs->size[i] = fstatat(bs->sdfd, seg_name(bs->segs[i]).s, &st,
				      AT_SYMLINK_NOFOLLOW) ? 0 : disk_bytes(&st);
		bs->first_ts[i] = seg_first_ts(bs->sdfd, bs->segs[i]);
	}
	return 0;
}

static void bstream_free(struct bstream *bs)
{
	if (bs->sdfd >= 0)
		close(bs->sdfd);
	free(bs->segs);
	free(bs->size);
	free(bs->first_ts);
}

/*
 * Every stream of the data directory DFD in *V (a directory with a
 * meta.json of its own), the bytes of everything in it in *USED.
 */
static int walk(struct store_budget *b, int dfd, struct bstream **v,
		unsigned int *n, uint64_t *used)
{
	struct bstream *nv, bs;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, err = 0;

	if (!fstat(dfd, &st))
		*used += disk_bytes(&st);
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while (!err && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		*used += disk_bytes(&st);
		if (!S_ISDIR(st.st_mode))
			continue;
		if (strlen(de->d_name) >= sizeof(bs.name)) {
			*used += dir_bytes(dfd, de->d_name, 8);
			continue;
		}
		memset(&bs, 0, sizeof(bs));
		/* no link is followed: a stream directory of its own or nothing */
		bs.sdfd = stream_dir_open(dfd, de->d_name, false);
		if (bs.sdfd < 0) {
			*used += dir_bytes(dfd, de->d_name, 8);
			continue;
		}
		if (fstatat(bs.sdfd, META_FILE, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode)) {
			close(bs.sdfd);
			*used += dir_bytes(dfd, de->d_name, 8);
			continue;
		}
		strcpy(bs.name, de->d_name);
		bs.open = open_store(b, bs.sdfd);
		err = walk_stream(&bs, used);
		nv = err ? NULL : realloc(*v, (*n + 1) * sizeof(*nv));
		if (!nv) {
			err = err ?: -ENOMEM;
			bstream_free(&bs);
			break;
		}
		*v = nv;
		nv[(*n)++] = bs;
	}
	closedir(d);
	return err;
}

void store_removed_add(struct json_object **r, uint64_t from, uint64_t to,
		       uint64_t segments, uint64_t bytes, const char *by)
{
	if (!*r) {
		*r = json_object_new_object();
		json_add_u64(*r, "from", from);
	}
	if (to > json_u64(*r, "to"))
		json_add_u64(*r, "to", to);
	json_add_u64(*r, "segments", json_u64(*r, "segments") + segments);
	json_add_u64(*r, "bytes", json_u64(*r, "bytes") + bytes);
	json_add_str(*r, "by", by);
}

/*
 * A stream no process writes lost segments: its index keeps the entries
 * of those left, its meta.json says where its data starts now.
 */
static void closed_stream_removed(const char *datadir, struct bstream *bs)
{
	struct json_object *meta, *r = NULL;
	struct store_index ix = { .fd = -1, .sum_fd = -1 };
	struct store_idx_ent *v = NULL;
	uint64_t to = bs->first_ts[bs->next];
	size_t n = 0, i, keep = 0;

	if (!store_index_load(bs->sdfd, &v, &n)) {
		for (i = 0; i < n; i++)
			if (v[i].seg >= bs->segs[bs->next])
				v[keep++] = v[i];
		store_index_rewrite(&ix, bs->sdfd, v, keep);
		store_index_close(&ix);
	} else {
		store_index_remove(bs->sdfd);
	}
	free(v);
	meta = meta_readat(bs->sdfd);
	if (!meta)
		return;	/* said why */
	json_object_deep_copy(json_object_object_get(meta, "removed"), &r, NULL);
	store_removed_add(&r, json_u64(meta, "first_ns"), to, bs->removed,
			  bs->removed_bytes, STORE_BY_BUDGET);
	json_object_object_add(meta, "removed", r);
	if (to > json_u64(meta, "first_ns"))
		json_add_u64(meta, "first_ns", to);
	if (meta_writeat(bs->sdfd, meta))
		pr_err("%s/%s: its meta.json does not say what the disk budget "
		       "removed", datadir, bs->name);
	json_object_put(meta);
}

/* The stream whose oldest segment is the oldest of all; NULL: none left. */
static struct bstream *oldest(struct bstream *v, unsigned int n)
{
	struct bstream *o = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		/* the last segment is the one written, or to be written to */
		if (v[i].next + 1 >= v[i].nsegs)
			continue;
		if (!o || v[i].first_ts[v[i].next] < o->first_ts[o->next])
			o = &v[i];
	}
	return o;
}

/* BS's oldest segment goes: the bytes it took. */
static int64_t remove_oldest(struct bstream *bs)
{
	int64_t freed = bs->size[bs->next];

	if (bs->open) {
		freed = store_drop_oldest(bs->open, STORE_BY_BUDGET);
		if (freed < 0)
			return freed;
		freed = bs->size[bs->next];
	} else if (unlinkat(bs->sdfd, seg_name(bs->segs[bs->next]).s, 0) &&
		   errno != ENOENT) {
		return -errno;
	}
	bs->removed++;
	bs->removed_bytes += freed;
	bs->next++;
	return freed;
}

int store_budget_keep(struct store_budget *b)
{
	struct bstream *v = NULL, *o;
	uint64_t used = 0, total;
	unsigned int n = 0, i;
	int64_t freed;
	int dfd, err;

	dfd = datadir_open(b->datadir);
	if (dfd < 0)
		return dfd;
	err = walk(b, dfd, &v, &n, &used);
	close(dfd);
	if (err) {
		pr_err("disk budget of %s: cannot read it: %s", b->datadir,
		       strerror(-err));
		goto out;
	}
	/* the segments being written grow until the next keep */
	total = used;
	for (i = 0; i < b->nopen; i++)
		total += store_pending(b->open[i]) + BUDGET_SLACK;
	while (total > b->bytes && (o = oldest(v, n))) {
		freed = remove_oldest(o);
		if (freed < 0) {
			err = freed;
			pr_err("disk budget of %s: cannot remove %s/%s: %s",
			       b->datadir, o->name, seg_name(o->segs[o->next]).s,
			       strerror(-err));
			break;
		}
		total -= freed;
		used -= freed;
	}
	b->used = used;
	for (i = 0; i < n; i++)
		if (v[i].removed && !v[i].open)
			closed_stream_removed(b->datadir, &v[i]);
	if (!err && total > b->bytes) {
		err = -ENOSPC;
		if (!b->said)
			pr_warn("disk budget of %s: %llu bytes cannot be kept: "
				"the segments being written and what no segment "
				"holds take %llu", b->datadir,
				(unsigned long long)b->bytes,
				(unsigned long long)total);
		b->said = true;
	} else if (!err) {
		b->said = false;
	}
out:
	for (i = 0; i < n; i++)
		bstream_free(&v[i]);
	free(v);
	return err;
}
