/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Everything under the data directory is opened relative to it: comod
 * runs as root, and whoever can write the data directory (or hands
 * someone one) must not make it write elsewhere or hang on a FIFO.
 *
 * The data directory itself may be a symlink the admin made: it is
 * resolved once, by datadir_open(). Nothing below it is followed: with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) where the kernel has it
 * (probed once; COMO_NO_OPENAT2=1 in the environment tries the other
 * way, for the tests), one component at a time with O_NOFOLLOW otherwise.
 * A file's type is checked before it is opened (so a device is never
 * opened) and again on the descriptor (so a swap in between is caught);
 * opens never block (O_NONBLOCK until the checks pass). A symlink, FIFO,
 * socket, device or directory where a stream file should be is refused
 * with one line that names it and says what it is; so is a file with
 * other hard links, where it would be written.
 *
 * Modes are explicit, whatever the umask: DIRFD_DIR_MODE for the
 * directories made here, DIRFD_FILE_MODE for files (set with fchmod
 * after creating them).
 *
 * Every function here says why it failed, in one line, except when the
 * file is absent (-ENOENT, and errno ENOENT for meta_read()): the caller
 * knows whether that is an error. Callers add no line of their own.
 */
#ifndef _COMO_DIRFD_H
#define _COMO_DIRFD_H

#include <stdbool.h>
#include <sys/types.h>

#define DIRFD_DIR_MODE		0750
#define DIRFD_FILE_MODE		0640
#define META_FILE		"meta.json"
#define META_SIZE_MAX		(1U << 20)	/* a meta.json is a few KB */
/* held (flock, exclusive) by the one comod that writes a data directory */
#define DATADIR_LOCK_FILE	".comod.lock"

struct json_object;

/* The data directory, resolved (realpath) and opened: a fd, or -errno. */
int datadir_open(const char *datadir);

/*
 * DATADIR/NAME, NAME one path component (no '/', not "." or ".."), as a
 * directory fd; with CREATE, made (DIRFD_DIR_MODE) when it is absent.
 */
int stream_dir_open(int dfd, const char *name, bool create);

/*
 * FILE (one path component) of the stream directory SDFD. FLAGS as for
 * open(2), O_CLOEXEC and O_NOFOLLOW implied; O_CREAT makes it with MODE
 * when it is absent; O_TRUNC cuts it only once the checks have passed.
 * Only a regular file is opened. A fd, or -errno: -ELOOP a symlink,
 * -EISDIR a directory, -EINVAL another kind of file, -EMLINK hard links.
 */
int stream_fileat(int sdfd, const char *file, int flags, mode_t mode);

/*
 * FILE of SDFD for reading, by a reader that skips what is not a stream
 * file: the same refusals, said as warnings that say "skipped".
 */
int stream_fileat_skip(int sdfd, const char *file);

/* DATADIR/NAME/FILE: stream_dir_open() then stream_fileat(). */
int stream_file_open(int dfd, const char *name, const char *file, int flags,
		     mode_t mode);

/*
 * DATADIR/NAME/meta.json, parsed; NULL with errno set when it cannot be
 * (ENOENT: there is none; EBADMSG: not JSON; EFBIG: over META_SIZE_MAX).
 */
struct json_object *meta_read(int dfd, const char *name);
struct json_object *meta_readat(int sdfd);

/* Replaces SDFD's meta.json whole: a temporary file, fsync, rename. */
int meta_writeat(int sdfd, struct json_object *meta);

/* For messages: where FD is, with /FILE after it when FILE is given. */
const char *dirfd_name(int fd, const char *file, char *buf, size_t size);

#endif
