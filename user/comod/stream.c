// SPDX-License-Identifier: BSD-3-Clause
/*
 * A module's stream: DATADIR/NAME/ holds its segments and meta.json, which
 * says what the records are (module, arguments, interval, schema) and how
 * far the data goes, so that 'como query' needs nothing else.
 *
 * Everything in DATADIR/NAME/ is opened relative to the data directory
 * and then to the stream's own directory (user/lib/dirfd.c): a symlink or
 * FIFO someone left there is refused, never followed.
 *
 * Part of comod: the bottom of the data path, called by export.c (records),
 * the drain (flush) and whoever opens and finishes a run; calls only the
 * storage library (user/lib/store.c, dirfd.c, names.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "dirfd.h"
#include "jsonutil.h"
#include "log.h"
#include "names.h"
#include "store.h"
#include "stream.h"

static struct json_object *schema_json(const struct como_field *f)
{
	struct json_object *arr = json_object_new_array(), *o;

	for (; f->name; f++) {
		o = json_object_new_object();
		json_add_str(o, "name", f->name);
		json_object_object_add(o, "type", json_object_new_int(f->type));
		if (f->type == COMO_FT_STR)
			json_object_object_add(o, "size",
					       json_object_new_int(f->size));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *meta_build(const struct modrt *rt,
				      const struct stream *st, const char *kind,
				      const char *source, bool running,
				      uint64_t packets, const char *stopped)
{
	struct json_object *o = json_object_new_object();
	struct como_mod *m = rt->mod;

	json_add_str(o, "module", m->desc->name);
	json_add_str(o, "path", m->path);
	json_add_str(o, "args", m->args);
	json_add_str(o, "filter", m->filter ?: "all");
	json_add_u64(o, "interval_ns", m->interval_ns);
	json_object_object_add(o, "schema", schema_json(m->desc->schema));
	json_add_str(o, "source", kind);
	json_object_object_add(o, strcmp(kind, "live") ? "trace" : "interfaces",
			       json_object_new_string(source));
	json_add_u64(o, "first_ns", st->first_ns);
	json_add_u64(o, "last_ns", st->last_ns);
	json_add_u64(o, "packets", packets);
	json_add_u64(o, "records", st->records);
	if (st->lost)
		json_add_u64(o, "records_lost", st->lost);
	json_add_str(o, "state", running ? "running" : stopped ? "stopped" : "complete");
	if (stopped)
		json_add_str(o, "stopped", stopped);
	return o;
}

/* Every stream of RT, its own first. */
static struct stream *stream_nth(struct modrt *rt, unsigned int i)
{
	return i ? &rt->also[i - 1].st : &rt->st;
}

#define for_each_stream(rt, i, st)					\
	for (i = 0; i <= (rt)->nalso && ((st) = stream_nth(rt, i)); i++)

static int append_one(struct stream *st, uint64_t ts, const void *rec,
		      uint32_t len)
{
	int err = store_append(st->store, ts, rec, len);

	if (err) {
		/* said once a stream; every one is counted, in meta.json too */
		if (!st->lost++)
			pr_err("stream %s: cannot store a record: %s", st->dir,
			       strerror(-err));
		return err;
	}
	st->records++;
	return 0;
}

int stream_append(struct modrt *rt, uint64_t ts, const void *rec,
		  uint32_t len)
{
	struct stream *st;
	unsigned int i;
	int err = 0, e;

	for_each_stream(rt, i, st) {
		e = append_one(st, ts, rec, len);
		err = err ?: e;
	}
	return err;
}

void stream_started(struct modrt *rt, uint64_t ts)
{
	struct stream *st;
	unsigned int i;

	for_each_stream(rt, i, st)
		if (!st->first_ns)
			st->first_ns = ts;
}

void stream_covered(struct modrt *rt, uint64_t first, uint64_t last)
{
	struct stream *st;
	unsigned int i;

	for_each_stream(rt, i, st) {
		if (first && (!st->first_ns || first < st->first_ns))
			st->first_ns = first;
		if (last > st->last_ns)
			st->last_ns = last;
	}
}

int stream_flush(struct modrt *rt)
{
	struct stream *st;
	unsigned int i;
	int err = 0, e;

	for_each_stream(rt, i, st) {
		e = st->store ? store_flush(st->store) : 0;
		err = err ?: e;
	}
	return err;
}

uint64_t stream_last_ts(const struct modrt *rt)
{
	return rt->st.store ? store_last_ts(rt->st.store) : 0;
}

/* A stream holds one kind of record: what OLD says must be RT's. */
static int same_kind(struct modrt *rt, struct stream *st,
		     struct json_object *old)
{
	struct como_mod *m = rt->mod;
	const char *oa = json_str(old, "args"), *om = json_str(old, "module");

	if (!om || strcmp(om, m->desc->name) || !oa || strcmp(oa, m->args) ||
	    json_u64(old, "interval_ns") != m->interval_ns) {
		pr_err("%s already holds module %s with args '%s'; "
		       "use another data directory or instance name",
		       st->dir, om ?: "?", oa ?: "");
		return -EEXIST;
	}
	st->first_ns = json_u64(old, "first_ns");
	st->last_ns = json_u64(old, "last_ns");
	st->records = json_u64(old, "records");
	return 0;
}

/* DATADIR/NAME for RT, opened in SDFD: its store, then its meta.json. */
static int open_in(struct modrt *rt, struct stream *st, int sdfd,
		   const char *kind, const char *source)
{
	struct json_object *old, *meta;
	int err;

	old = meta_readat(sdfd);
	if (!old && errno != ENOENT)
		return -errno;	/* said why */
	err = old ? same_kind(rt, st, old) : 0;
	json_object_put(old);
	if (!err)
		err = store_openat(&st->store, sdfd, st->dir, rt->streamsize);
	if (err)
		return err;
	meta = meta_build(rt, st, kind, source, true, 0, NULL);
	err = meta_writeat(sdfd, meta);
	json_object_put(meta);
	/* a stream without its meta.json is not open: nothing finishes it */
	if (err) {
		store_close(st->store);
		st->store = NULL;
	}
	return err;
}

/*
 * DATADIR/NAME for RT: refused where it holds another kind of record.
 * Every name is checked here too, whoever let it in: it becomes a path.
 */
static int open_one(struct modrt *rt, struct stream *st, const char *name,
		    const char *datadir, const char *kind, const char *source)
{
	char why[256];
	int dfd, sdfd, err;

	if (como_name_check(name, why, sizeof(why))) {
		pr_err("%s", why);
		return -EINVAL;
	}
	if (asprintf(&st->dir, "%s/%s", datadir, name) < 0) {
		st->dir = NULL;
		return -ENOMEM;
	}
	/* the data directory is resolved (it may be the admin's symlink) */
	dfd = datadir_open(datadir);
	if (dfd == -ENOENT)
		pr_err("data directory %s does not exist", datadir);
	if (dfd < 0)
		return dfd;
	sdfd = stream_dir_open(dfd, name, true);
	close(dfd);
	if (sdfd < 0)
		return sdfd;
	err = open_in(rt, st, sdfd, kind, source);
	close(sdfd);
	return err;
}

static void close_one(struct stream *st)
{
	if (st->store)
		store_close(st->store);
	st->store = NULL;
	free(st->dir);
	st->dir = NULL;
}

int stream_add_name(struct modrt *rt, const char *name)
{
	struct stream_name *v;
	char why[256], *dup;

	if (rt->nalso + 1 >= COMO_NAMES_MAX) {
		pr_err("module %s answers to %d names already", rt->mod->name,
		       COMO_NAMES_MAX);
		return -ENOSPC;
	}
	if (como_name_check(name, why, sizeof(why))) {
		pr_err("%s", why);
		return -EINVAL;
	}
	dup = strdup(name);
	v = dup ? realloc(rt->also, (rt->nalso + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(dup);
		return -ENOMEM;
	}
	rt->also = v;
	v[rt->nalso++] = (struct stream_name){ .name = dup };
	return 0;
}

static void drop_name(struct modrt *rt, unsigned int i)
{
	close_one(&rt->also[i].st);
	free(rt->also[i].name);
	memmove(&rt->also[i], &rt->also[i + 1],
		(rt->nalso - i - 1) * sizeof(rt->also[0]));
	rt->nalso--;
}

int stream_open(struct modrt *rt, const char *datadir, const char *kind,
		const char *source)
{
	unsigned int i;
	int err = 0;

	if (!rt->st.store)
		err = open_one(rt, &rt->st, rt->mod->name, datadir, kind, source);
	for (i = 0; !err && i < rt->nalso; i++) {
		struct stream *st = &rt->also[i].st;

		if (st->store)
			continue;
		/* a name that cannot have its stream is no name of RT's */
		if (open_one(rt, st, rt->also[i].name, datadir, kind, source)) {
			pr_warn("module %s: not run for %s too", rt->mod->name,
				rt->also[i].name);
			drop_name(rt, i--);
			continue;
		}
		/* from now on it holds what the instance records */
		if (!st->first_ns)
			st->first_ns = rt->open ? rt->epoch_start : rt->st.last_ns;
	}
	return err;
}

static int finish_one(const struct modrt *rt, struct stream *st,
		      const char *kind, const char *source, uint64_t packets,
		      const char *stopped)
{
	struct json_object *meta;
	char why[96];
	int err;

	/* a stream that never opened has nothing of this run's to say */
	if (!st->store)
		return 0;
	err = store_flush(st->store);
	if (err) {
		pr_err("stream %s: cannot flush: %s", st->dir, strerror(-err));
		return err;
	}
	/* records it could not write make it no whole stream */
	if (!stopped && st->lost) {
		snprintf(why, sizeof(why), "%llu records could not be stored",
			 (unsigned long long)st->lost);
		stopped = why;
	}
	meta = meta_build(rt, st, kind, source, false, packets, stopped);
	err = meta_writeat(store_dirfd(st->store), meta);
	json_object_put(meta);
	return err;
}

int stream_finish(struct modrt *rt, const char *kind, const char *source,
		  uint64_t packets, const char *stopped)
{
	struct stream *st;
	unsigned int i;
	int err = 0, e;

	/* a module whose export was stopped says so, whatever the run did */
	if (!stopped && rt->stopped[0])
		stopped = rt->stopped;
	for_each_stream(rt, i, st) {
		e = finish_one(rt, st, kind, source, packets, stopped);
		err = err ?: e;
	}
	return err;
}

int stream_finish_name(struct modrt *rt, const char *name, const char *kind,
		       const char *source)
{
	struct stream_name old;
	unsigned int i;
	int err;

	if (!strcmp(name, rt->mod->name)) {
		if (!rt->nalso)
			return -ENOENT;
		/* the first other name becomes the instance's own */
		old = (struct stream_name){ .name = rt->mod->name, .st = rt->st };
		rt->mod->name = rt->also[0].name;
		rt->st = rt->also[0].st;
		rt->also[0] = old;
	}
	for (i = 0; i < rt->nalso && strcmp(rt->also[i].name, name); i++)
		;
	if (i == rt->nalso)
		return -ENOENT;
	err = finish_one(rt, &rt->also[i].st, kind, source, 0, rt->stopped[0] ?
			 rt->stopped : NULL);
	drop_name(rt, i);
	return err;
}

void stream_close(struct modrt *rt)
{
	unsigned int i;

	close_one(&rt->st);
	for (i = 0; i < rt->nalso; i++) {
		close_one(&rt->also[i].st);
		free(rt->also[i].name);
	}
	free(rt->also);
	rt->also = NULL;
	rt->nalso = 0;
}
