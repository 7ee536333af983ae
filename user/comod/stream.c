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
static int meta_write(struct modrt *rt, struct json_object *meta)
{
	char path[4096], tmp[4096];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/meta.json", rt->dir);
	snprintf(tmp, sizeof(tmp), "%s/.meta.json.tmp", rt->dir);
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

static struct json_object *meta_build(struct modrt *rt, const char *kind,
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
	json_add_u64(o, "first_ns", rt->first_ns);
	json_add_u64(o, "last_ns", rt->last_ns);
	json_add_u64(o, "packets", packets);
	json_add_u64(o, "records", rt->records);
	json_add_str(o, "state", running ? "running" : stopped ? "stopped" : "complete");
	if (stopped)
		json_add_str(o, "stopped", stopped);
	return o;
}

int stream_append(struct modrt *rt, uint64_t ts, const void *rec,
		  uint32_t len)
{
	int err = store_append(rt->store, ts, rec, len);

	if (err) {
		pr_err("stream %s: cannot store a record: %s", rt->dir,
		       strerror(-err));
		return err;
	}
	rt->records++;
	return 0;
}

void stream_started(struct modrt *rt, uint64_t ts)
{
	if (!rt->first_ns)
		rt->first_ns = ts;
}

void stream_covered(struct modrt *rt, uint64_t first, uint64_t last)
{
	if (first && (!rt->first_ns || first < rt->first_ns))
		rt->first_ns = first;
	if (last > rt->last_ns)
		rt->last_ns = last;
}

int stream_flush(struct modrt *rt)
{
	return rt->store ? store_flush(rt->store) : 0;
}

int stream_open(struct modrt *rt, const char *datadir, const char *kind,
		const char *source)
{
	struct como_mod *m = rt->mod;
	struct json_object *old, *meta;
	const char *oa, *om;
	int err;

	if (asprintf(&rt->dir, "%s/%s", datadir, m->name) < 0)
		return -ENOMEM;
	old = meta_read(rt->dir);
	if (old) {
		/* a stream holds one kind of record: refuse to mix */
		om = json_str(old, "module");
		oa = json_str(old, "args");
		if (!om || strcmp(om, m->desc->name) || !oa ||
		    strcmp(oa, m->args) ||
		    json_u64(old, "interval_ns") != m->interval_ns) {
			pr_err("%s already holds module %s with args '%s'; "
			       "use another data directory or instance name",
			       rt->dir, om ?: "?", oa ?: "");
			json_object_put(old);
			return -EEXIST;
		}
		rt->first_ns = json_u64(old, "first_ns");
		rt->last_ns = json_u64(old, "last_ns");
		rt->records = json_u64(old, "records");
		json_object_put(old);
	}
	err = store_open(&rt->store, rt->dir, rt->streamsize);
	if (err)
		return err;
	meta = meta_build(rt, kind, source, true, 0, NULL);
	err = meta_write(rt, meta);
	json_object_put(meta);
	if (err) {
		pr_err("%s: cannot write meta.json: %s", rt->dir, strerror(-err));
		return err;
	}
	return 0;
}

int stream_finish(struct modrt *rt, const char *kind, const char *source,
		  uint64_t packets, const char *stopped)
{
	struct json_object *meta;
	int err;

	err = store_flush(rt->store);
	if (err) {
		pr_err("stream %s: cannot flush: %s", rt->dir, strerror(-err));
		return err;
	}
	/* a module export stopped ends "stopped", with why (export.c) */
	if (!stopped && rt->stopped[0])
		stopped = rt->stopped;
	meta = meta_build(rt, kind, source, false, packets, stopped);
	err = meta_write(rt, meta);
	json_object_put(meta);
	if (err)
		pr_err("%s: cannot write meta.json: %s", rt->dir, strerror(-err));
	return err;
}

void stream_close(struct modrt *rt)
{
	store_close(rt->store);
	rt->store = NULL;
	free(rt->dir);
	rt->dir = NULL;
}
