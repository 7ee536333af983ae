// SPDX-License-Identifier: BSD-3-Clause
/*
 * A module's stream: DATADIR/NAME/ holds its segments and meta.json, which
 * says what the records are (module, arguments, interval, schema) and how
 * far the data goes, so that 'como query' needs nothing else.
 *
 * Part of comod: the bottom of the data path, called by export.c (records),
 * the drain (flush) and whoever opens and finishes a run; calls only the
 * storage library (user/lib/store.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "stream.h"

static struct json_object *schema_json(const struct como_field *f)
{
	struct json_object *arr = json_object_new_array(), *o;

	for (; f->name; f++) {
		o = json_object_new_object();
		json_add_str(o, "name", f->name);
		json_object_object_add(o, "type", json_object_new_int(f->type));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* meta.json is replaced whole (write, fsync, rename), never half written. */
static int meta_write(const struct stream *st, struct json_object *meta)
{
	char path[4096], tmp[4096];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/meta.json", st->dir);
	snprintf(tmp, sizeof(tmp), "%s/.meta.json.tmp", st->dir);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	if (fputs(json_object_to_json_string_ext(meta, JSON_PRETTY),
		  f) < 0 || fputc('\n', f) < 0 || fflush(f) || fsync(fileno(f)))
		err = -errno ?: -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	return err;
}

static struct json_object *meta_read(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/meta.json", dir);
	if (access(path, F_OK))
		return NULL;
	return json_object_from_file(path);
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

/* DATADIR/NAME for RT: refused where it holds another kind of record. */
static int open_one(struct modrt *rt, struct stream *st, const char *name,
		    const char *datadir, const char *kind, const char *source)
{
	struct como_mod *m = rt->mod;
	struct json_object *old, *meta;
	const char *oa, *om;
	int err;

	if (asprintf(&st->dir, "%s/%s", datadir, name) < 0) {
		st->dir = NULL;
		return -ENOMEM;
	}
	old = meta_read(st->dir);
	if (old) {
		/* a stream holds one kind of record: refuse to mix */
		om = json_str(old, "module");
		oa = json_str(old, "args");
		if (!om || strcmp(om, m->desc->name) || !oa ||
		    strcmp(oa, m->args) ||
		    json_u64(old, "interval_ns") != m->interval_ns) {
			pr_err("%s already holds module %s with args '%s'; "
			       "use another data directory or instance name",
			       st->dir, om ?: "?", oa ?: "");
			json_object_put(old);
			return -EEXIST;
		}
		st->first_ns = json_u64(old, "first_ns");
		st->last_ns = json_u64(old, "last_ns");
		st->records = json_u64(old, "records");
		json_object_put(old);
	}
	err = store_open(&st->store, st->dir, rt->streamsize);
	if (err)
		return err;
	meta = meta_build(rt, st, kind, source, true, 0, NULL);
	err = meta_write(st, meta);
	json_object_put(meta);
	if (err)
		pr_err("%s: cannot write meta.json: %s", st->dir, strerror(-err));
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
	char *dup;

	if (rt->nalso + 1 >= COMO_NAMES_MAX) {
		pr_err("module %s answers to %d names already", rt->mod->name,
		       COMO_NAMES_MAX);
		return -ENOSPC;
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

	if (!rt->st.dir)
		err = open_one(rt, &rt->st, rt->mod->name, datadir, kind, source);
	for (i = 0; !err && i < rt->nalso; i++) {
		struct stream *st = &rt->also[i].st;

		if (st->dir)
			continue;
		err = open_one(rt, st, rt->also[i].name, datadir, kind, source);
		/* a name that cannot have its stream is no name of RT's */
		if (err)
			drop_name(rt, i);
		/* from now on it holds what the instance's own stream holds */
		else if (!st->first_ns)
			st->first_ns = rt->st.last_ns;
	}
	return err;
}

static int finish_one(const struct modrt *rt, struct stream *st,
		      const char *kind, const char *source, uint64_t packets,
		      const char *stopped)
{
	struct json_object *meta;
	int err;

	err = st->store ? store_flush(st->store) : 0;
	if (err) {
		pr_err("stream %s: cannot flush: %s", st->dir, strerror(-err));
		return err;
	}
	meta = meta_build(rt, st, kind, source, false, packets, stopped);
	err = meta_write(st, meta);
	json_object_put(meta);
	if (err)
		pr_err("%s: cannot write meta.json: %s", st->dir, strerror(-err));
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
