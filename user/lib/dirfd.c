// SPDX-License-Identifier: BSD-3-Clause
/*
 * Opening what is under the data directory, relative to it (see
 * dirfd.h for the rules and why).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <json-c/json.h>
#include "dirfd.h"
#include "jsonutil.h"
#include "log.h"

#ifndef __NR_openat2
#define __NR_openat2	437
#endif

#define META_TMP	".meta.json.tmp"

static int openat2_state;	/* 0: not probed yet; 1: there; -1: absent */

/* ENOSYS before Linux 5.6; EPERM where a seccomp filter predates it. */
static bool have_openat2(void)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	const char *off = getenv("COMO_NO_OPENAT2");
	int fd = -1;

	if (openat2_state)
		return openat2_state > 0;
	if (!off || !*off || !strcmp(off, "0"))
		fd = syscall(__NR_openat2, AT_FDCWD, ".", &how, sizeof(how));
	if (fd >= 0)
		close(fd);
	openat2_state = fd >= 0 ? 1 : -1;
	pr_debug("opening under the data directory with %s",
		 fd >= 0 ? "openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)" :
		 "O_NOFOLLOW, one component at a time");
	return openat2_state > 0;
}

const char *dirfd_name(int fd, const char *file, char *buf, size_t size)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, size - 1);
	if (n < 0)
		n = snprintf(buf, size, "(the data directory)");
	else
		buf[n] = '\0';
	if (file && (size_t)n < size)
		snprintf(buf + n, size - n, "/%s", file);
	return buf;
}

static const char *kind_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	}
	return "a file of unknown type";
}

/* Set while a reader looks at what it may skip: refusals are warnings. */
static __thread bool skipping;

static int refuse_kind(int dfd, const char *file, mode_t m, mode_t want)
{
	char where[PATH_MAX + 64];

	log_msg(skipping ? COMO_LOG_WARN : COMO_LOG_ERR,
		"%s is %s where a stream %s should be: %s",
		dirfd_name(dfd, file, where, sizeof(where)), kind_of(m),
		want == S_IFDIR ? "directory" : "file",
		skipping ? "skipped" : "refused");
	if (S_ISLNK(m))
		return -ELOOP;
	if (S_ISDIR(m))
		return -EISDIR;
	return want == S_IFDIR ? -ENOTDIR : -EINVAL;
}

/* A file written where it has other names would be written there too. */
static int refuse_links(int dfd, const char *file, const struct stat *st)
{
	char where[PATH_MAX + 64];

	pr_err("%s has %lu hard links: refused, writing it would write "
	       "elsewhere too", dirfd_name(dfd, file, where, sizeof(where)),
	       (unsigned long)st->st_nlink);
	return -EMLINK;
}

static int say_errno(int dfd, const char *file, const char *what, int err)
{
	char where[PATH_MAX + 64];

	pr_err("cannot %s %s: %s", what,
	       dirfd_name(dfd, file, where, sizeof(where)), strerror(-err));
	return err;
}

static bool one_component(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

/* FILE, one component, beneath DFD: no symlink, no "..", not absolute. */
static int open_beneath(int dfd, const char *file, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = flags,
		.mode = flags & O_CREAT ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	int fd;

	if (have_openat2())
		fd = syscall(__NR_openat2, dfd, file, &how, sizeof(how));
	else
		fd = openat(dfd, file, flags | O_NOFOLLOW, mode);
	return fd < 0 ? -errno : fd;
}

/* Looks at FILE, then opens it if it is what it should be. */
static int look_and_open(int dfd, const char *file, int flags, mode_t mode,
			 mode_t want, bool *created, bool *said)
{
	bool writes = (flags & O_ACCMODE) != O_RDONLY;
	struct stat st;

	*created = false;
	if (fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno != ENOENT || !(flags & O_CREAT))
			return -errno;
		*created = true;
		return open_beneath(dfd, file, flags | O_EXCL, mode);
	}
	if (flags & O_EXCL)
		return -EEXIST;
	*said = true;
	if ((st.st_mode & S_IFMT) != want)
		return refuse_kind(dfd, file, st.st_mode, want);
	if (want == S_IFREG && writes && st.st_nlink > 1)
		return refuse_links(dfd, file, &st);
	*said = false;
	return open_beneath(dfd, file, flags & ~O_CREAT, 0);
}

/* What the open can say when FILE changed since it was looked at. */
static bool changed(int err)
{
	return err == -ENOENT || err == -EEXIST || err == -ELOOP ||
	       err == -ENXIO || err == -ENOTDIR || err == -EISDIR;
}

/* The descriptor's file is what it should be, set up as asked. */
static int check_fd(int dfd, const char *file, int fd, int flags,
		    mode_t mode, mode_t want, bool created)
{
	struct stat st;
	int err;

	if (fstat(fd, &st))
		return say_errno(dfd, file, "look at", -errno);
	if ((st.st_mode & S_IFMT) != want)
		return refuse_kind(dfd, file, st.st_mode, want);
	if (want == S_IFREG && (flags & O_ACCMODE) != O_RDONLY &&
	    st.st_nlink > 1)
		return refuse_links(dfd, file, &st);
	/* the umask has no say: the mode is the one asked for */
	if ((created && fchmod(fd, mode)) ||
	    ((flags & O_TRUNC) && ftruncate(fd, 0)) ||
	    (!(flags & O_NONBLOCK) &&
	     fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))) {
		err = -errno;
		return say_errno(dfd, file, "set up", err);
	}
	return 0;
}

/*
 * FILE of DFD, a regular file or a directory (WANT). It is looked at
 * before it is opened, opened without blocking and without following
 * anything, and looked at again through the descriptor.
 */
static int open_typed(int dfd, const char *file, int flags, mode_t mode,
		      mode_t want, bool *created)
{
	int oflags = (flags & ~O_TRUNC) | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	bool said = false;
	int fd = -EINVAL, tries, err;

	*created = false;
	if (!one_component(file)) {
		pr_err("'%s' is not one path component: refused", file);
		return -EINVAL;
	}
	/* what changes between the look and the open is looked at again */
	for (tries = 0; tries < 3; tries++) {
		fd = look_and_open(dfd, file, oflags, mode, want, created,
				   &said);
		if (fd >= 0 || said || !changed(fd))
			break;
		if (fd == -ENOENT && !(flags & O_CREAT))
			return fd;
		if (fd == -EEXIST && (flags & O_EXCL))
			break;
	}
	if (fd < 0)
		return said ? fd : say_errno(dfd, file, "open", fd);
	err = check_fd(dfd, file, fd, flags, mode, want, *created);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int datadir_open(const char *datadir)
{
	char real[PATH_MAX];
	int fd, err;

	if (!realpath(datadir, real)) {
		err = -errno;
		if (err != -ENOENT)
			pr_err("cannot use data directory %s: %s", datadir,
			       strerror(errno));
		return err;
	}
	fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot use data directory %s: %s", datadir,
		       strerror(errno));
		return err;
	}
	return fd;
}

int stream_dir_open(int dfd, const char *name, bool create)
{
	bool made = false, created;
	int fd;

	if (!one_component(name)) {
		pr_err("'%s' is not a stream's name: one path component, not "
		       "'.' or '..'", name);
		return -EINVAL;
	}
	if (create) {
		if (!mkdirat(dfd, name, DIRFD_DIR_MODE))
			made = true;
		else if (errno != EEXIST)
			return say_errno(dfd, name, "create", -errno);
	}
	fd = open_typed(dfd, name, O_RDONLY | O_DIRECTORY, 0, S_IFDIR,
			&created);
	if (fd >= 0 && made && fchmod(fd, DIRFD_DIR_MODE)) {
		close(fd);
		return say_errno(dfd, name, "set the mode of", -errno);
	}
	return fd;
}

int stream_fileat(int sdfd, const char *file, int flags, mode_t mode)
{
	bool created;

	return open_typed(sdfd, file, flags, mode, S_IFREG, &created);
}

int stream_fileat_skip(int sdfd, const char *file)
{
	int fd;

	skipping = true;
	fd = stream_fileat(sdfd, file, O_RDONLY, 0);
	skipping = false;
	return fd;
}

int stream_file_open(int dfd, const char *name, const char *file, int flags,
		     mode_t mode)
{
	int sdfd, fd;

	sdfd = stream_dir_open(dfd, name, flags & O_CREAT);
	if (sdfd < 0)
		return sdfd;
	fd = stream_fileat(sdfd, file, flags, mode);
	close(sdfd);
	return fd;
}

/* All of FD, at most MAX bytes; NULL with errno EFBIG beyond. */
static char *read_all(int fd, size_t max, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap + 1), *nb;
	ssize_t got;

	while (buf) {
		got = read(fd, buf + n, cap - n);
		if (got <= 0) {
			if (got == 0)
				break;
			free(buf);
			return NULL;
		}
		n += got;
		if (n > max) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		if (n == cap) {
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static struct json_object *meta_parse(int sdfd, const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	char where[PATH_MAX + 64];
	struct json_object *o;
	enum json_tokener_error e;

	if (!tok) {
		errno = ENOMEM;
		return NULL;
	}
	o = json_tokener_parse_ex(tok, buf, len);
	e = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (o && e == json_tokener_success &&
	    json_object_is_type(o, json_type_object))
		return o;
	json_object_put(o);
	dirfd_name(sdfd, META_FILE, where, sizeof(where));
	pr_err("%s is damaged: %s", where, e == json_tokener_success ?
	       "not a JSON object" : json_tokener_error_desc(e));
	errno = EBADMSG;
	return NULL;
}

struct json_object *meta_readat(int sdfd)
{
	char where[PATH_MAX + 64], *buf;
	struct json_object *o;
	size_t len;
	int fd, err;

	fd = stream_fileat(sdfd, META_FILE, O_RDONLY, 0);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	buf = read_all(fd, META_SIZE_MAX, &len);
	err = errno;
	close(fd);
	if (!buf) {
		dirfd_name(sdfd, META_FILE, where, sizeof(where));
		pr_err("cannot read %s: %s", where, err == EFBIG ?
		       "over 1 MiB, no meta.json is" : strerror(err));
		errno = err;
		return NULL;
	}
	o = meta_parse(sdfd, buf, len);
	free(buf);
	return o;
}

struct json_object *meta_read(int dfd, const char *name)
{
	struct json_object *o;
	int sdfd, err;

	sdfd = stream_dir_open(dfd, name, false);
	if (sdfd < 0) {
		errno = -sdfd;
		return NULL;
	}
	o = meta_readat(sdfd);
	err = errno;
	close(sdfd);
	errno = err;
	return o;
}

static int write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		s += n;
		len -= n;
	}
	return 0;
}

int meta_writeat(int sdfd, struct json_object *meta)
{
	const char *s = json_object_to_json_string_ext(meta, JSON_PRETTY);
	int fd, err;

	/* a run that died left it (or someone else did): the name goes */
	if (unlinkat(sdfd, META_TMP, 0) && errno != ENOENT)
		return say_errno(sdfd, META_TMP, "remove", -errno);
	fd = stream_fileat(sdfd, META_TMP, O_WRONLY | O_CREAT | O_EXCL,
			   DIRFD_FILE_MODE);
	if (fd < 0)
		return fd;
	err = write_all(fd, s, strlen(s));
	if (!err)
		err = write_all(fd, "\n", 1);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && renameat(sdfd, META_TMP, sdfd, META_FILE))
		err = -errno;
	if (err) {
		unlinkat(sdfd, META_TMP, 0);
		return say_errno(sdfd, META_FILE, "write", err);
	}
	return 0;
}
