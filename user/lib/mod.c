// SPDX-License-Identifier: BSD-3-Clause
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/como.h>
#include "log.h"
#include "mod.h"
#include "units.h"

#define DEFAULT_INTERVAL_NS	NSEC_PER_SEC

/*
 * Module path: $COMO_MODULE_PATH (colon separated), then the build tree
 * and the install tree relative to the running binary, so that a fresh
 * build runs without installing anything.
 */
int mod_path_dirs(char dirs[][4096], int max)
{
	const char *env = getenv("COMO_MODULE_PATH");
	char exe[4096], *slash;
	ssize_t len;
	int n = 0;

	if (env && *env) {
		char *copy = strdup(env), *save = NULL, *d;

		for (d = strtok_r(copy, ":", &save); d && n < max;
		     d = strtok_r(NULL, ":", &save))
			snprintf(dirs[n++], 4096, "%.4000s", d);
		free(copy);
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		if (n < max)
			snprintf(dirs[n++], 4096, "%.4000s/../modules", exe);
		if (n < max)
			snprintf(dirs[n++], 4096, "%.4000s/../lib/como/modules",
				 exe);
	}
	return n;
}

static int mod_find(const char *source, char *path, size_t size)
{
	char dirs[8][4096], base[256];
	int n, i;

	if (strchr(source, '/')) {
		snprintf(path, size, "%s", source);
		return access(path, R_OK) ? -ENOENT : 0;
	}
	/* CoMo configs say source "topdest.so" */
	snprintf(base, sizeof(base), "%s", source);
	if (strlen(base) > 3 && !strcmp(base + strlen(base) - 3, ".so"))
		base[strlen(base) - 3] = '\0';
	n = mod_path_dirs(dirs, 8);
	for (i = 0; i < n; i++) {
		snprintf(path, size, "%.3800s/%.200s.so", dirs[i], base);
		if (!access(path, R_OK))
			return 0;
	}
	return -ENOENT;
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
	else if (!d->store || !d->load)
		missing = "store() or load()";
	else if (!d->export)
		missing = "export()";
	else if (!d->schema || !d->record_size)
		missing = "record schema";
	if (missing) {
		pr_err("%s: module has no %s", path, missing);
		return -EINVAL;
	}
	return 0;
}

int mod_open(struct como_mod **mp, const char *name, const char *source,
	     const char *args, const char *filter)
{
	char path[PATH_MAX];
	struct como_mod *m;
	void *dl;
	int err;

	if (mod_find(source, path, sizeof(path))) {
		char dirs[8][4096];
		int n = mod_path_dirs(dirs, 8);

		pr_err("unknown module '%s' (looked in %s%s%s)", source,
		       n > 0 ? dirs[0] : "nowhere", n > 1 ? " and " : "",
		       n > 1 ? "the other module directories" : "");
		return -ENOENT;
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		pr_err("cannot load module %s: %s", path, dlerror());
		return -ENOEXEC;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		dlclose(dl);
		return -ENOMEM;
	}
	m->dl = dl;
	m->desc = dlsym(dl, "como_module");
	if (!m->desc) {
		pr_err("%s: not a como module (no 'como_module' symbol)", path);
		err = -ENOEXEC;
		goto err_close;
	}
	err = desc_check(m->desc, path);
	if (err)
		goto err_close;
	m->name = strdup(name ? name : m->desc->name);
	m->path = strdup(path);
	m->args = strdup(args ? args : "");
	if (!filter || !strcmp(filter, "all"))
		filter = m->desc->filter;
	m->filter = filter ? strdup(filter) : NULL;
	m->interval_ns = m->desc->interval_ns ?: DEFAULT_INTERVAL_NS;
	*mp = m;
	return 0;

err_close:
	dlclose(dl);
	free(m);
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
	err = m->desc->init(m, m->args);
	if (err < 0)
		pr_err("module %s: init failed with arguments '%s': %s", m->name,
		       m->args, strerror(-err));
	return err < 0 ? err : 0;
}

void mod_close(struct como_mod *m)
{
	if (!m)
		return;
	if (m->desc && m->desc->fini && !m->detached)
		m->desc->fini(m);
	if (m->dl)
		dlclose(m->dl);
	free(m->name);
	free(m->path);
	free(m->args);
	free(m->filter);
	free(m);
}

/* Services a module calls; declared in <como/module.h>. */

int como_emit(struct como_mod *m, __u64 ts, const void *rec)
{
	return m->sink ? m->sink(m, ts, rec) : -ENOTCONN;
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

static size_t ftype_size(__u16 type)
{
	switch (type) {
	case COMO_FT_U8:
	case COMO_FT_PROTO:
		return 1;
	case COMO_FT_U16:
		return 2;
	case COMO_FT_U32:
		return 4;
	case COMO_FT_U64:
		return 8;
	case COMO_FT_ADDR:
		return 16;
	}
	return 0;
}

size_t schema_size(const struct como_field *f)
{
	size_t n = 0;

	for (; f->name; f++)
		n += ftype_size(f->type);
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
		n = ftype_size(f->type);
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
		n = ftype_size(f->type);
		memcpy((char *)rec + f->offset, in, n);
		in += n;
	}
	return len;
}
