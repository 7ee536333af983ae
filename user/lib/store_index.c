// SPDX-License-Identifier: BSD-3-Clause
/* A stream's time index (store_index.h): load, append, rewrite. */
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

/* an index is a few entries a MiB of records: past this it is no index */
#define STORE_INDEX_MAX		(256U << 20)

static __u32 ent_crc(const struct store_idx_ent *e)
{
	return libdeflate_crc32(0, e, offsetof(struct store_idx_ent, crc));
}

static int ent_cmp(const void *a, const void *b)
{
	const struct store_idx_ent *x = a, *y = b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

int store_index_load(int sdfd, struct store_idx_ent **v, size_t *n)
{
	struct store_idx_ent *e;
	size_t i, got = 0, keep = 0;
	struct stat st;
	ssize_t r;
	int fd;

	*v = NULL;
	*n = 0;
	fd = openat(sdfd, STORE_INDEX_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* a regular file of its own, as every stream file (dirfd.h) */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (uint64_t)st.st_size > STORE_INDEX_MAX) {
		close(fd);
		return -EINVAL;
	}
	e = malloc(st.st_size + sizeof(*e));
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		r = pread(fd, (char *)e + got, st.st_size - got, got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	/* a torn last entry, or a damaged one, is no entry */
	for (i = 0; i < got / sizeof(*e); i++)
		if (e[i].crc == ent_crc(&e[i]) && e[i].len)
			e[keep++] = e[i];
	qsort(e, keep, sizeof(*e), ent_cmp);
	*v = e;
	*n = keep;
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

int store_index_append(int fd, uint64_t *size, struct store_idx_ent *e)
{
	int err;

	e->pad = 0;
	e->crc = ent_crc(e);
	err = pwrite_all(fd, e, sizeof(*e), *size);
	if (err) {
		/* entries stay at whole multiples: a torn one goes */
		if (ftruncate(fd, *size))
			return -errno;
		return err;
	}
	*size += sizeof(*e);
	return 0;
}

void store_index_remove(int sdfd)
{
	unlinkat(sdfd, STORE_INDEX_FILE, 0);
	unlinkat(sdfd, STORE_INDEX_TMP, 0);
}

int store_index_rewrite(int sdfd, const struct store_idx_ent *v, size_t n,
			int *fd, uint64_t *size)
{
	int tfd, err;

	*fd = -1;
	*size = 0;
	unlinkat(sdfd, STORE_INDEX_TMP, 0);
	tfd = stream_fileat(sdfd, STORE_INDEX_TMP, O_RDWR | O_CREAT | O_EXCL,
			    DIRFD_FILE_MODE);
	if (tfd < 0) {
		store_index_remove(sdfd);
		return tfd;
	}
	err = pwrite_all(tfd, v, n * sizeof(*v), 0);
	if (!err && renameat(sdfd, STORE_INDEX_TMP, sdfd, STORE_INDEX_FILE))
		err = -errno;
	if (err) {
		close(tfd);
		store_index_remove(sdfd);
		return err;
	}
	*fd = tfd;
	*size = n * sizeof(*v);
	return 0;
}
