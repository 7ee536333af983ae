// SPDX-License-Identifier: BSD-3-Clause
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/como.h>
#include <como/batch.h>
#include "log.h"
#include "mod.h"
#include "units.h"

#define DEFAULT_INTERVAL_NS	NSEC_PER_SEC
#define MOD_DIRS_MAX		8
/* where packages install modules, whatever prefix the binary has */
#define MOD_INSTALL_DIR		"/usr/lib/como/modules"

/* directories the configuration adds to the module path (mod_path_add) */
static char cfg_dirs[4][PATH_MAX];
static int ncfg;

int mod_path_add(const char *dir)
{
	if (ncfg == (int)(sizeof(cfg_dirs) / sizeof(cfg_dirs[0])))
		return -E2BIG;
	/* a configuration means the same directory wherever comod starts */
	if (dir[0] != '/')
		return -EINVAL;
	if (strlen(dir) >= PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(cfg_dirs[ncfg++], dir);
	return 0;
}

/* The directory of the running binary. */
static int exe_dir(char *buf, size_t size)
{
	ssize_t len = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (len <= 0)
		return -ENOENT;
	buf[len] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

/* DIR, unless it is one of the N in DIRS already (under another name). */
static int dir_add(char dirs[][4096], int n, int max, const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX];
	int i;

	if (n >= max)
		return n;
	if (realpath(dir, a))
		for (i = 0; i < n; i++)
			if (realpath(dirs[i], b) && !strcmp(a, b))
				return n;
	snprintf(dirs[n], 4096, "%.4000s", dir);
	return n + 1;
}

/*
 * Module path: $COMO_MODULE_PATH (colon separated), the configuration's
 * directories, then the build tree and the install tree relative to the
 * running binary, so that a fresh build runs without installing
 * anything, and the install directory.
 */
int mod_path_dirs(char dirs[][4096], int max)
{
	/* were a binary ever set-uid, its caller would not pick its modules */
	const char *env = secure_getenv("COMO_MODULE_PATH");
	char exe[4096 - 32], dir[4096];
	int n = 0, i;

	if (env && *env) {
		char *copy = strdup(env), *save = NULL, *d;

		for (d = copy ? strtok_r(copy, ":", &save) : NULL; d && n < max;
		     d = strtok_r(NULL, ":", &save))
			n = dir_add(dirs, n, max, d);
		free(copy);
	}
	for (i = 0; i < ncfg; i++)
		n = dir_add(dirs, n, max, cfg_dirs[i]);
	if (!exe_dir(exe, sizeof(exe))) {
		snprintf(dir, sizeof(dir), "%s/../modules", exe);
		n = dir_add(dirs, n, max, dir);
		snprintf(dir, sizeof(dir), "%s/../lib/como/modules", exe);
		n = dir_add(dirs, n, max, dir);
	}
	return dir_add(dirs, n, max, MOD_INSTALL_DIR);
}

/*
 * The directories a module may be loaded from, resolved: the module path
 * and the build tree's test modules (by path only: they exist to be
 * refused, and 'como module avail' should not offer them).
 */
static int trusted_dirs(char dirs[][4096], int max)
{
	char exe[4096 - 32], dir[4096], real[PATH_MAX];
	int n = mod_path_dirs(dirs, max), i, k = 0;

	if (!exe_dir(exe, sizeof(exe))) {
		snprintf(dir, sizeof(dir), "%s/../test-modules", exe);
		n = dir_add(dirs, n, max, dir);
	}
	for (i = 0; i < n; i++)
		if (realpath(dirs[i], real))
			snprintf(dirs[k++], 4096, "%s", real);
	return k;
}

static int mod_find(const char *source, char *path, size_t size)
{
	char dirs[MOD_DIRS_MAX][4096], base[256];
	int n, i;

	if (strchr(source, '/')) {
		snprintf(path, size, "%s", source);
		return access(path, R_OK) ? -ENOENT : 0;
	}
	/* CoMo configs say source "topdest.so" */
	snprintf(base, sizeof(base), "%s", source);
	if (strlen(base) > 3 && !strcmp(base + strlen(base) - 3, ".so"))
		base[strlen(base) - 3] = '\0';
	n = mod_path_dirs(dirs, MOD_DIRS_MAX);
	for (i = 0; i < n; i++) {
		snprintf(path, size, "%.3800s/%.200s.so", dirs[i], base);
		if (!access(path, R_OK))
			return 0;
	}
	return -ENOENT;
}

/* Whom a module, and the directories above it, may belong to. */
struct mod_trust {
	uid_t euid;
	/* the module is in the running binary's tree, this long; else 0 */
	size_t tree_len;
	uid_t tree_uid; /* the binary's owner */
	/* a sticky shared directory above that tree, passed on the way */
	char shared[PATH_MAX];
};

static void trust_init(struct mod_trust *t, const char *real)
{
	char exe[PATH_MAX - 8], tree[PATH_MAX];
	struct stat st;
	size_t len;

	memset(t, 0, sizeof(*t));
	t->euid = geteuid();
	if (exe_dir(exe, sizeof(exe)))
		return;
	strcat(exe, "/..");
	if (!realpath(exe, tree) || stat("/proc/self/exe", &st))
		return;
	len = strlen(tree);
	if (len > 1 && !strncmp(real, tree, len) && real[len] == '/') {
		t->tree_len = len;
		t->tree_uid = st.st_uid;
	}
}

static bool owner_ok(uid_t uid, const struct mod_trust *t)
{
	return uid == 0 || uid == t->euid;
}

static const char *owners(const struct mod_trust *t, char *buf, size_t size)
{
	if (t->euid == 0)
		return "root";
	snprintf(buf, size, "root or uid %u", (unsigned int)t->euid);
	return buf;
}

static const char *writers(mode_t mode)
{
	return mode & S_IWOTH ? "others" : "its group";
}

/*
 * A directory on the way to module REAL, its first LEN characters: owned
 * by root or us and writable by no one else, or whoever can write it
 * could rename what is below it away and put their own in its place.
 */
static int dir_check(const struct stat *st, const char *real, size_t len,
		     struct mod_trust *t)
{
	char buf[32];

	if (!owner_ok(st->st_uid, t)) {
		pr_err("module %s: %.*s is owned by uid %u, not %s", real,
		       (int)len, real, (unsigned int)st->st_uid,
		       owners(t, buf, sizeof(buf)));
		return -EPERM;
	}
	if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	/*
	 * A tree cloned under /tmp: in a sticky directory no one but the
	 * owner of an entry (root or us, checked above) can rename it, and
	 * whoever could replace the binary's tree could have replaced the
	 * binary that runs. So a sticky directory above the running binary's
	 * own tree is passed, for modules of the binary's owner (file_check).
	 */
	if ((st->st_mode & S_ISVTX) && len < t->tree_len) {
		if (!t->shared[0])
			snprintf(t->shared, sizeof(t->shared), "%.*s", (int)len,
				 real);
		return 0;
	}
	pr_err("module %s: %.*s is writable by %s", real, (int)len, real,
	       writers(st->st_mode));
	return -EPERM;
}

static int file_check(const struct stat *st, const char *real,
		      const struct mod_trust *t)
{
	char buf[32];

	if (!S_ISREG(st->st_mode)) {
		pr_err("module %s: not a regular file", real);
		return -EPERM;
	}
	if (!owner_ok(st->st_uid, t)) {
		pr_err("module %s: owned by uid %u, not %s", real,
		       (unsigned int)st->st_uid, owners(t, buf, sizeof(buf)));
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		pr_err("module %s: writable by %s", real, writers(st->st_mode));
		return -EPERM;
	}
	if (t->shared[0] && st->st_uid != t->tree_uid) {
		pr_err("module %s: %s is writable by others (and the module's "
		       "owner is not the running binary's)",
		       real, t->shared);
		return -EPERM;
	}
	return 0;
}

/*
 * Opens REAL, a resolved path, one component at a time from /, each
 * relative to the directory checked just before and without following a
 * symlink: what is checked is what is opened, whatever is renamed
 * meanwhile. Returns the file's descriptor, its status in ST, or -errno.
 */
static int open_checked(const char *real, struct mod_trust *t, struct stat *st)
{
	const char *p = real, *end;
	char comp[NAME_MAX + 1];
	int dfd, fd, err;

	dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = -errno;
		pr_err("module %s: /: %s", real, strerror(-err));
		return err;
	}
	for (;;) {
		if (fstat(dfd, st)) {
			err = -errno;
			goto err_say;
		}
		err = dir_check(st, real, p == real ? 1 : p - real, t);
		if (err)
			goto err_close;
		end = strchrnul(++p, '/');
		if (end - p > NAME_MAX) {
			err = -ENAMETOOLONG;
			goto err_say;
		}
		memcpy(comp, p, end - p);
		comp[end - p] = '\0';
		if (!*end)
			break;
		fd = openat(dfd, comp,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			pr_err("module %s: %.*s changed while it was checked: %s",
			       real, (int)(end - real), real, strerror(-err));
			goto err_close;
		}
		close(dfd);
		dfd = fd;
		p = end;
	}
	/* O_NONBLOCK: a FIFO put in its place must not hang us */
	fd = openat(dfd, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		pr_err("module %s: %s", real,
		       err == -ELOOP
			       ? "a symbolic link now, replaced after it was resolved"
			       : strerror(-err));
		goto err_close;
	}
	close(dfd);
	if (fstat(fd, st)) {
		err = -errno;
		pr_err("module %s: %s", real, strerror(-err));
		close(fd);
		return err;
	}
	return fd;

err_say:
	pr_err("module %s: %s", real, strerror(-err));
err_close:
	close(dfd);
	return err;
}

/*
 * Modules run as whoever runs comod, root: one is loaded only from a
 * directory of the module path, and only if no one but root (or us)
 * could have written it or put it there. Returns the descriptor of the
 * file checked, for dlopen(), with its resolved path in REAL, or -errno
 * after saying why.
 */
static int mod_check(const char *path, char *real, struct stat *st)
{
	char dirs[MOD_DIRS_MAX + 1][4096], list[1024] = "";
	struct mod_trust t;
	const char *slash;
	size_t len;
	int n, i, fd, err;

	if (!realpath(path, real)) {
		err = -errno;
		pr_err("module %s: %s", path, strerror(-err));
		return err;
	}
	n = trusted_dirs(dirs, MOD_DIRS_MAX + 1);
	slash = strrchr(real, '/');
	len = slash - real;
	for (i = 0; i < n; i++)
		if (strlen(dirs[i]) == len && !strncmp(dirs[i], real, len))
			break;
	if (i == n) {
		for (i = 0; i < n; i++)
			snprintf(list + strlen(list),
				 sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", dirs[i]);
		pr_err("module %s: not in a module directory (%s; see "
		       "COMO_MODULE_PATH)",
		       real, n ? list : "none exists");
		return -EPERM;
	}
	trust_init(&t, real);
	fd = open_checked(real, &t, st);
	if (fd < 0)
		return fd;
	err = file_check(st, real, &t);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * The shared objects loaded, one each, by file. dlopen() is handed
 * /proc/self/fd/N of the descriptor that was checked, and glibc knows an
 * object by the names it was opened under (it adds the name of every
 * later open of the same file): were N closed and reused while the
 * object stays loaded, dlopen() of the next module on N would return
 * this one. So each file is opened once, and its descriptor stays open
 * while its object is loaded.
 */
struct mod_so {
	struct mod_so *next;
	dev_t dev;
	ino_t ino;
	void *dl;
	int fd;
	unsigned int refs;
};

static struct mod_so *mod_sos;

static int so_get(struct mod_so **sop, int fd, const struct stat *st,
		  const char *real)
{
	const char *why;
	struct mod_so *so;
	char name[32];
	size_t len;

	for (so = mod_sos; so; so = so->next)
		if (so->dev == st->st_dev && so->ino == st->st_ino)
			break;
	if (so) {
		close(fd);
		so->refs++;
		*sop = so;
		return 0;
	}
	so = calloc(1, sizeof(*so));
	if (!so) {
		close(fd);
		return -ENOMEM;
	}
	len = snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	so->dl = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!so->dl) {
		why = dlerror() ?: "unknown error";
		if (!strncmp(why, name, len) && why[len] == ':')
			why += len + 1 + (why[len + 1] == ' ');
		pr_err("cannot load module %s: %s", real, why);
		close(fd);
		free(so);
		return -ENOEXEC;
	}
	so->dev = st->st_dev;
	so->ino = st->st_ino;
	so->fd = fd;
	so->refs = 1;
	so->next = mod_sos;
	mod_sos = so;
	*sop = so;
	return 0;
}

static void so_put(struct mod_so *so)
{
	struct mod_so **pp;
	char name[32];
	void *dl;

	if (--so->refs)
		return;
	for (pp = &mod_sos; *pp != so; pp = &(*pp)->next)
		;
	*pp = so->next;
	dlclose(so->dl);
	/* an object glibc will not unload keeps its name, and so N */
	snprintf(name, sizeof(name), "/proc/self/fd/%d", so->fd);
	dl = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
	if (dl)
		dlclose(dl);
	else
		close(so->fd);
	dlerror();
	free(so);
}

/*
 * The fields a module folds must lie in its state value; a value that is
 * not whole __u64 words cannot be summed word by word without a list.
 * (The value's size is the capture side's: datapath.c checks that.)
 */
static int fold_check(const struct como_module *d, const char *path)
{
	const struct como_fold *f;

	for (f = d->fold; f && f->op; f++) {
		if ((f->size != 1 && f->size != 2 && f->size != 4 &&
		     f->size != 8) || f->op > COMO_FOLD_OR ||
		    f->offset % f->size) {
			pr_err("%s: module's fold at offset %u: size %u and "
			       "operation %u (1, 2, 4 or 8 aligned bytes; sum, "
			       "min, max or or)", path, f->offset, f->size,
			       f->op);
			return -EINVAL;
		}
	}
	return 0;
}

static size_t field_size(const struct como_field *f);

/* Each field is a known type and lies inside the record. */
static int schema_check(const struct como_module *d, const char *path)
{
	const struct como_field *f;

	for (f = d->schema; f->name; f++) {
		size_t n = f->type >= COMO_FT_U8 && f->type <= COMO_FT_TIME_END ?
			   field_size(f) : 0;

		if (!n || f->offset + n > d->record_size) {
			pr_err("%s: schema field '%s': type %u, %zu bytes at "
			       "offset %u, in a record of %u bytes (a string "
			       "holds 1 to %u)", path, f->name, f->type, n,
			       f->offset, d->record_size, COMO_STR_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

static int desc_check(const struct como_module *d, const char *path)
{
	const char *missing = NULL;

	if (d->abi != COMO_MODULE_ABI) {
		pr_err("%s: module ABI %u, this como speaks %u", path, d->abi,
		       COMO_MODULE_ABI);
		return -EPROTO;
	}
	if (!d->name || !d->bpf_elf)
		missing = "name or capture side (bpf_elf)";
	else if (!d->store != !d->load)
		missing = "load() to go with its store() (or neither)";
	else if (!d->export)
		missing = "export()";
	else if (!d->schema || !d->record_size)
		missing = "record schema";
	if (missing) {
		pr_err("%s: module has no %s", path, missing);
		return -EINVAL;
	}
	return schema_check(d, path) ?: fold_check(d, path);
}

int mod_open(struct como_mod **mp, const char *name, const char *source,
	     const char *args, const char *filter)
{
	char path[PATH_MAX], real[PATH_MAX];
	struct como_mod *m;
	struct mod_so *so;
	struct stat st;
	int fd, err;

	if (mod_find(source, path, sizeof(path))) {
		char dirs[MOD_DIRS_MAX][4096];
		int n = mod_path_dirs(dirs, MOD_DIRS_MAX);

		pr_err("unknown module '%s' (looked in %s%s%s)", source,
		       n > 0 ? dirs[0] : "nowhere", n > 1 ? " and " : "",
		       n > 1 ? "the other module directories" : "");
		return -ENOENT;
	}
	fd = mod_check(path, real, &st);
	if (fd < 0)
		return fd;
	/* the very file checked: a name could be another file by now */
	err = so_get(&so, fd, &st, real);
	if (err)
		return err;
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto err_put;
	}
	m->so = so;
	m->dl = so->dl;
	m->desc = dlsym(m->dl, "como_module");
	if (!m->desc) {
		pr_err("%s: not a como module (no 'como_module' symbol)", real);
		err = -ENOEXEC;
		goto err_free;
	}
	err = desc_check(m->desc, real);
	if (err)
		goto err_free;
	m->name = strdup(name ? name : m->desc->name);
	m->path = strdup(real);
	m->args = strdup(args ? args : "");
	if (!filter || !strcmp(filter, "all"))
		filter = m->desc->filter;
	m->filter = filter ? strdup(filter) : NULL;
	m->interval_ns = m->desc->interval_ns ?: DEFAULT_INTERVAL_NS;
	*mp = m;
	return 0;

err_free:
	free(m);
err_put:
	so_put(so);
	return err;
}

/* Is KEY one of the module's arguments ("k=N interval=DURATION")? */
static int arg_known(const char *list, const char *key, size_t klen)
{
	const char *p = list;

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return 1;
		p = strchr(p, ' ');
	}
	return 0;
}

int mod_init(struct como_mod *m)
{
	const char *p = m->args, *eq;
	char val[64];
	int err;

	while (*p) {
		size_t klen, tlen;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		tlen = strcspn(p, " ");
		eq = memchr(p, '=', tlen);
		klen = eq ? (size_t)(eq - p) : tlen;
		if (!eq || klen == 0) {
			pr_err("module %s: bad argument '%.*s' (expected KEY=VALUE)",
			       m->name, (int)tlen, p);
			return -EINVAL;
		}
		if (!arg_known(m->desc->args, p, klen) &&
		    !(klen == 8 && !strncmp(p, "interval", 8))) {
			pr_err("module %s: unknown argument '%.*s' (takes: %s)",
			       m->name, (int)klen, p,
			       m->desc->args ? m->desc->args : "interval=DURATION");
			return -EINVAL;
		}
		if (klen == 8 && !strncmp(p, "interval", 8)) {
			snprintf(val, sizeof(val), "%.*s", (int)(tlen - klen - 1),
				 eq + 1);
			if (parse_duration_ns(val, &m->interval_ns) ||
			    m->interval_ns < COMO_INTERVAL_MIN_NS ||
			    m->interval_ns > COMO_INTERVAL_MAX_NS) {
				pr_err("module %s: bad interval '%s' (a duration "
				       "from 1ms to 1d, e.g. 500ms, 5s, 5m)",
				       m->name, val);
				return -EINVAL;
			}
		}
		p += tlen;
	}
	if (!m->desc->init)
		return 0;
	m->why[0] = '\0';
	m->in_init = true;
	err = m->desc->init(m, m->args);
	m->in_init = false;
	if (err < 0)
		pr_err("module %s: init refused arguments '%s': %s", m->name,
		       m->args, m->why[0] ? m->why : strerror(-err));
	return err < 0 ? err : 0;
}

void mod_close(struct como_mod *m)
{
	if (!m)
		return;
	if (m->desc && m->desc->fini && !m->detached)
		m->desc->fini(m);
	if (m->so)
		so_put(m->so);
	free(m->name);
	free(m->path);
	free(m->args);
	free(m->filter);
	free(m->bpf_args);
	free(m);
}

/* Services a module calls; declared in <como/module.h>. */

int como_emit(struct como_mod *m, __u64 ts, const void *rec)
{
	return m->sink ? m->sink(m, ts, rec) : -ENOTCONN;
}

int como_replay_bytes(struct como_mod *m, const struct como_pkt *pkt,
		      const void *bytes, __u32 len)
{
	if (len > COMO_SNAP || len > pkt->caplen)
		return -EINVAL;
	return m->replay_sink ? m->replay_sink(m, pkt, bytes, len) : -ENOTCONN;
}

int como_set_bpf_args(struct como_mod *m, const void *args, size_t size)
{
	void *copy = malloc(size ? size : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, args, size);
	free(m->bpf_args);
	m->bpf_args = copy;
	m->bpf_args_size = size;
	return 0;
}

void como_log(struct como_mod *m, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m->in_init && level <= COMO_MSG_ERR) {
		/* the refusal says it, once */
		snprintf(m->why, sizeof(m->why), "%.255s", msg);
		return;
	}
	log_msg(level <= COMO_MSG_ERR ? COMO_LOG_ERR :
		level == COMO_MSG_WARN ? COMO_LOG_WARN :
		level == COMO_MSG_NOTICE ? COMO_LOG_NOTICE :
		level == COMO_MSG_INFO ? COMO_LOG_INFO : COMO_LOG_DEBUG,
		"module %s: %s", m->name, msg);
}

void *como_priv(struct como_mod *m)
{
	return m->priv;
}

void como_set_priv(struct como_mod *m, void *priv)
{
	m->priv = priv;
}

int como_arg_u64(const char *args, const char *key, __u64 *val)
{
	size_t klen = strlen(key);
	const char *p = args;
	char buf[32];
	uint64_t v;

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, " ");

			if (n == 0 || n >= sizeof(buf))
				return -EINVAL;
			memcpy(buf, p + klen + 1, n);
			buf[n] = '\0';
			if (parse_u64(buf, &v))
				return -EINVAL;
			*val = v;
			return 0;
		}
		p = strchr(p, ' ');
	}
	return -ENOENT;
}

static size_t field_size(const struct como_field *f)
{
	switch (f->type) {
	case COMO_FT_U8:
	case COMO_FT_PROTO:
		return 1;
	case COMO_FT_U16:
		return 2;
	case COMO_FT_U32:
		return 4;
	case COMO_FT_U64:
	case COMO_FT_TIME:
	case COMO_FT_TIME_END:
	case COMO_FT_DURATION:
	case COMO_FT_DOUBLE:
		return 8;
	case COMO_FT_ADDR:
		return 16;
	case COMO_FT_STR:
		return f->size <= COMO_STR_MAX ? f->size : 0;
	}
	return 0;
}

size_t schema_size(const struct como_field *f)
{
	size_t n = 0;

	for (; f->name; f++)
		n += field_size(f);
	return n;
}

/*
 * Stored records are little-endian field after field, without the
 * in-memory padding, so that another language can read them from the
 * schema alone. (Every host como runs on today is little-endian.)
 */
long como_schema_store(struct como_mod *m, const void *rec, void *buf,
		       size_t size)
{
	const struct como_field *f = m->desc->schema;
	char *out = buf;
	size_t n;

	if (schema_size(f) > size)
		return -ENOSPC;
	for (; f->name; f++) {
		n = field_size(f);
		memcpy(out, (const char *)rec + f->offset, n);
		out += n;
	}
	return out - (char *)buf;
}

long como_schema_load(struct como_mod *m, const void *buf, size_t len,
		      void *rec)
{
	const struct como_field *f = m->desc->schema;
	const char *in = buf;
	size_t n;

	if (len != schema_size(f))
		return -EBADMSG;
	memset(rec, 0, m->desc->record_size);
	for (; f->name; f++) {
		n = field_size(f);
		memcpy((char *)rec + f->offset, in, n);
		in += n;
	}
	return len;
}
