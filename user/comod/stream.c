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
#include <fcntl.h>
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
#include "store_budget.h"
#include "stream.h"

/*
 * What a stream held before this run opened it (its meta.json), and what
 * this run did not store again: stream.c's own, hung on struct stream.
 */
struct stream_past {
	uint64_t records;	/* stored by earlier runs */
	uint64_t lost;		/* lost by earlier runs */
	struct json_object *missing;	/* their missing intervals, or NULL */
	uint64_t runs;		/* how many runs of lost records they had */
	char *reason;		/* why they lost them */
	uint64_t resume_ts;	/* a trace appended: records to here are in */
	uint64_t again;		/* records not stored again, at or before it */
};

/* What a trace run does with a stream that holds results (stream.h). */
static enum stream_reuse reuse = STREAM_REFUSE;

void stream_set_reuse(enum stream_reuse r)
{
	reuse = r;
}

/* The data directory's disk budget: made when the first stream opens. */
static uint64_t budget_bytes;
static struct store_budget *budget;

void stream_set_budget(uint64_t bytes)
{
	budget_bytes = bytes;
}

/* Room kept beside meta.json, so that a full disk can still be told. */
#define META_RESERVE	(64U << 10)
#define META_MISSING_MAX	256	/* intervals listed; the count is whole */

/*
 * meta.json, whole (a new file renamed over it); when the disk has no
 * room for a new file, rewritten in place, in the room reserved beside
 * it. Either way room is reserved again for the next time.
 */
static int meta_store(int sdfd, const char *dir, struct json_object *meta)
{
	const char *txt = json_object_to_json_string_ext(meta, JSON_PRETTY);
	size_t len = strlen(txt);
	int err, fd;

	err = meta_writeat(sdfd, meta);
	fd = stream_fileat(sdfd, META_FILE, O_WRONLY, 0);
	if (fd < 0)
		return err ?: fd;
	if (err && len + 1 <= META_RESERVE) {
		if (pwrite(fd, txt, len, 0) == (ssize_t)len &&
		    pwrite(fd, "\n", 1, len) == 1 && !ftruncate(fd, len + 1) &&
		    !fsync(fd)) {
			pr_warn("stream %s: meta.json written in place, in the "
				"room kept for it", dir);
			err = 0;
		} else {
			pr_err("stream %s: meta.json cannot be written in place "
			       "either: %s", dir, strerror(errno));
		}
	}
	/* not every file system can: a full disk then says so above */
	fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, META_RESERVE);
	close(fd);
	return err;
}

static void past_free(struct stream_past *p)
{
	if (!p)
		return;
	json_object_put(p->missing);
	free(p->reason);
	free(p);
}

/*
 * What retention removed since ST last said it, in st->removed: the data
 * starts at the first record left. True when something was.
 */
static bool removed_sync(struct stream *st, const struct store_stats *ss)
{
	uint64_t to, from = st->first_ns;

	if (ss->removed_segments == st->removed_seen)
		return false;
	to = store_first_ts(st->store) ?: store_last_ts(st->store);
	/* a trace run learns where its data starts only at its end */
	if (!from || (ss->removed_from && ss->removed_from < from))
		from = ss->removed_from;
	store_removed_add(&st->removed, from, to,
			  ss->removed_segments - st->removed_seen,
			  ss->removed_bytes - st->removed_bytes_seen,
			  ss->removed_by);
	st->removed_seen = ss->removed_segments;
	st->removed_bytes_seen = ss->removed_bytes;
	if (to > st->first_ns)
		st->first_ns = to;
	return true;
}

/* Brings ST's counts up to what its store did; true: retention removed. */
static bool stream_sync(struct stream *st)
{
	struct store_stats ss;

	if (!st->store)
		return false;
	store_stats(st->store, &ss);
	st->records = (st->past ? st->past->records : 0) + ss.written;
	st->lost = (st->past ? st->past->lost : 0) + ss.lost;
	return removed_sync(st, &ss);
}

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

/* Why a stream lost records: this run's first reason, or an earlier one. */
static const char *lost_reason(const struct stream *st)
{
	struct store_stats ss;

	if (st->store) {
		store_stats(st->store, &ss);
		if (ss.lost_err)
			return strerror(-ss.lost_err);
	}
	return st->past && st->past->reason ? st->past->reason : "unknown";
}

/*
 * The mark of a stream with records that could not be written: why, how
 * many, and the intervals they covered ([start, end) in ns), earlier
 * runs' first.
 */
static struct json_object *incomplete_json(const struct stream *st,
					   uint64_t ivl)
{
	struct json_object *o = json_object_new_object(), *arr, *iv;
	struct store_stats ss = {};
	size_t i, n;

	arr = NULL;
	if (st->past && st->past->missing)
		json_object_deep_copy(st->past->missing, &arr, NULL);
	if (!arr)
		arr = json_object_new_array();
	if (st->store)
		store_stats(st->store, &ss);
	n = json_object_array_length(arr);
	for (i = 0; i < ss.ngaps && n + i < META_MISSING_MAX; i++) {
		iv = json_object_new_array();
		json_object_array_add(iv, json_object_new_uint64(ss.gaps[i].first_ts));
		json_object_array_add(iv, json_object_new_uint64(ss.gaps[i].last_ts + ivl));
		json_object_array_add(arr, iv);
	}
	json_add_str(o, "reason", lost_reason(st));
	json_add_u64(o, "records_lost", st->lost);
	/* every run of them counted, the first META_MISSING_MAX listed */
	json_add_u64(o, "missing_runs", (st->past ? st->past->runs : 0) +
		     ss.ngaps);
	json_object_object_add(o, "missing", arr);
	return o;
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
	json_add_u64(o, "storage_format", STORE_VERSION);
	if (st->lost)
		json_add_u64(o, "records_lost", st->lost);
	if (st->lost)
		json_object_object_add(o, "incomplete",
				       incomplete_json(st, m->interval_ns));
	if (st->overflow)
		json_object_object_add(o, "overflow",
				       json_object_get(st->overflow));
	if (rt->retain_ns)
		json_add_u64(o, "retain_ns", rt->retain_ns);
	if (st->removed)
		json_object_object_add(o, "removed",
				       json_object_get(st->removed));
	json_add_str(o, "state", running ? "running" : stopped ? "stopped" :
		     st->lost ? "incomplete" : st->overflow ? "approximate" :
		     "complete");
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

static void overflow_add(struct stream *st, uint64_t start, uint64_t ivl,
			 uint64_t lost, uint64_t sampled)
{
	struct json_object *o = st->overflow, *arr, *iv;

	if (!o) {
		o = st->overflow = json_object_new_object();
		json_add_u64(o, "intervals", 0);
		json_add_u64(o, "packets", 0);
		json_object_object_add(o, "listed", json_object_new_array());
	}
	st->ovf_start = start;
	st->ovf_end = start + ivl;
	st->ovf_packets = lost + sampled;
	st->ovf_sampled = sampled;
	json_add_u64(o, "intervals", json_u64(o, "intervals") + 1);
	json_add_u64(o, "packets", json_u64(o, "packets") + lost + sampled);
	/* of those, the ones sampling left out (the overload guard's) */
	if (sampled || json_object_object_get(o, "sampled"))
		json_add_u64(o, "sampled", json_u64(o, "sampled") + sampled);
	arr = json_object_object_get(o, "listed");
	if (!arr || json_object_array_length(arr) >= META_MISSING_MAX)
		return;
	/*
	 * [start, end, packets not counted, of them sampled out]: the
	 * interval's own figures, which 'como query' puts on its records
	 */
	iv = json_object_new_array();
	json_object_array_add(iv, json_object_new_uint64(start));
	json_object_array_add(iv, json_object_new_uint64(start + ivl));
	json_object_array_add(iv, json_object_new_uint64(lost + sampled));
	json_object_array_add(iv, json_object_new_uint64(sampled));
	json_object_array_add(arr, iv);
}

void stream_overflow(struct modrt *rt, uint64_t start, uint64_t ivl,
		     uint64_t lost, uint64_t sampled)
{
	struct stream *st;
	unsigned int i;

	for_each_stream(rt, i, st)
		overflow_add(st, start, ivl, lost, sampled);
}

bool stream_overflowed_at(const struct modrt *rt, uint64_t ts,
			  uint64_t *packets, uint64_t *sampled)
{
	const struct stream *st = &rt->st;
	struct json_object *arr, *iv;
	size_t i;

	if (!st->overflow)
		return false;
	if (ts >= st->ovf_start && ts < st->ovf_end) {
		*packets = st->ovf_packets;
		*sampled = st->ovf_sampled;
		return true;
	}
	/* the list is in time order: from its end, a record is recent */
	arr = json_object_object_get(st->overflow, "listed");
	for (i = json_object_array_length(arr); i--;) {
		iv = json_object_array_get_idx(arr, i);
		if (json_object_array_length(iv) < 4 ||
		    json_object_get_uint64(json_object_array_get_idx(iv, 0)) > ts)
			continue;
		if (json_object_get_uint64(json_object_array_get_idx(iv, 1)) <= ts)
			return false;
		*packets = json_object_get_uint64(json_object_array_get_idx(iv, 2));
		*sampled = json_object_get_uint64(json_object_array_get_idx(iv, 3));
		return true;
	}
	return false;
}

static int append_one(struct stream *st, uint64_t ts, const void *rec,
		      uint32_t len)
{
	int err;

	/* a trace appended again: what the stream holds is not stored twice */
	if (st->past && st->past->resume_ts && ts <= st->past->resume_ts) {
		st->past->again++;
		return 0;
	}
	err = store_append(st->store, ts, rec, len);
	if (err) {
		/* refused before any write: said once a stream, counted */
		if (!st->lost++)
			pr_err("stream %s: cannot store a record: %s", st->dir,
			       strerror(-err));
		if (st->past)
			st->past->lost++;
	}
	return err;
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

/*
 * A running stream's meta.json says at once what retention removed, for
 * the queries made while it runs.
 */
static void meta_removed(struct stream *st)
{
	int sdfd = store_dirfd(st->store);
	struct json_object *meta = meta_readat(sdfd);

	if (!meta)
		return;	/* said why */
	json_add_u64(meta, "first_ns", st->first_ns);
	json_object_object_add(meta, "removed", json_object_get(st->removed));
	meta_store(sdfd, st->dir, meta);
	json_object_put(meta);
}

/* A new segment of ST: the data directory back within its budget. */
static void budget_keep(struct stream *st)
{
	struct store_stats ss;

	store_stats(st->store, &ss);
	if (!budget || ss.segments_made == st->segs_seen)
		return;
	st->segs_seen = ss.segments_made;
	store_budget_keep(budget);
}

void stream_interval_end(struct modrt *rt)
{
	struct stream *st;
	unsigned int i;

	for_each_stream(rt, i, st) {
		if (!st->store)
			continue;
		store_interval_end(st->store);
		budget_keep(st);
		if (stream_sync(st))
			meta_removed(st);
	}
}

int stream_flush(struct modrt *rt)
{
	struct stream *st;
	unsigned int i;
	int err = 0, e;

	for_each_stream(rt, i, st) {
		e = st->store ? store_flush(st->store) : 0;
		stream_sync(st);
		err = err ?: e;
	}
	return err;
}

const char *stream_lost_reason(const struct stream *st)
{
	return lost_reason(st);
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

	if (json_u64(old, "storage_format") > STORE_VERSION) {
		pr_err("%s: written by a newer como (storage format %llu; this "
		       "one reads 1 to %u)", st->dir,
		       (unsigned long long)json_u64(old, "storage_format"),
		       STORE_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (!om || strcmp(om, m->desc->name) || !oa || strcmp(oa, m->args) ||
	    json_u64(old, "interval_ns") != m->interval_ns) {
		pr_err("%s already holds module %s with args '%s'; "
		       "use another data directory or instance name",
		       st->dir, om ?: "?", oa ?: "");
		return -EEXIST;
	}
	return 0;
}

/* What OLD says the stream held, carried on by this run. */
static int past_take(struct stream *st, struct json_object *old)
{
	struct json_object *inc = json_object_object_get(old, "incomplete");
	struct stream_past *p = calloc(1, sizeof(*p));
	const char *why = json_str(inc, "reason");

	if (!p)
		return -ENOMEM;
	st->first_ns = json_u64(old, "first_ns");
	st->last_ns = json_u64(old, "last_ns");
	p->records = st->records = json_u64(old, "records");
	p->lost = st->lost = json_u64(old, "records_lost");
	p->runs = json_u64(inc, "missing_runs");
	p->missing = json_object_get(json_object_object_get(inc, "missing"));
	p->reason = why ? strdup(why) : NULL;
	st->past = p;
	json_object_deep_copy(json_object_object_get(old, "overflow"),
			      &st->overflow, NULL);
	json_object_deep_copy(json_object_object_get(old, "removed"),
			      &st->removed, NULL);
	return 0;
}

/*
 * A trace run into a stream that holds results: refused, unless asked to
 * add to them (records at or before the last stored interval are not
 * stored again) or to replace them.
 */
static int reuse_old(struct stream *st, int sdfd, const char *kind,
		     struct json_object *old)
{
	const char *state = json_str(old, "state") ?: "";

	/* a stream that holds nothing (a run that failed at its start) */
	if (strcmp(kind, "trace") || reuse == STREAM_APPEND ||
	    (reuse == STREAM_REFUSE && !json_u64(old, "records") &&
	     !json_u64(old, "records_lost") && strcmp(state, "running")))
		return past_take(st, old);
	if (reuse == STREAM_REPLACE)
		return store_remove_segments(sdfd, st->dir);
	pr_err("%s already holds results of module %s (%llu records): give "
	       "--append to add this run's, or --replace to start over",
	       st->dir, json_str(old, "module") ?: "?",
	       (unsigned long long)json_u64(old, "records"));
	return -EEXIST;
}

/* The records a stream holds, read through. */
static uint64_t count_records(int sdfd, const char *dir)
{
	struct store_reader *r;
	const void *buf;
	uint64_t n = 0, ts;
	uint32_t len;

	if (store_reader_openat(&r, sdfd, dir))
		return 0;
	while (store_read(r, &ts, &buf, &len) == 1)
		n++;
	store_reader_close(r);
	return n;
}

/*
 * ST's store under RT's limits: its age, the data directory's budget
 * (kept at once: the directory may be over it already).
 */
static int stream_limits(struct modrt *rt, struct stream *st,
			 const char *datadir)
{
	struct store_stats ss;
	int err;

	store_set_retain(st->store, rt->retain_ns);
	if (!budget_bytes)
		return 0;
	if (!budget) {
		err = store_budget_open(&budget, datadir, budget_bytes);
		if (err)
			return err;
	}
	err = store_budget_add(budget, st->store);
	if (err)
		return err;
	store_stats(st->store, &ss);
	st->segs_seen = ss.segments_made;
	store_budget_keep(budget);
	return 0;
}

/* DATADIR/NAME for RT, opened in SDFD: its store, then its meta.json. */
static int open_in(struct modrt *rt, struct stream *st, int sdfd,
		   const char *datadir, const char *kind, const char *source)
{
	struct json_object *old, *meta;
	bool crashed;
	int err;

	old = meta_readat(sdfd);
	if (!old && errno != ENOENT)
		return -errno;	/* said why */
	crashed = old && !strcmp(json_str(old, "state") ?: "", "running");
	err = old ? same_kind(rt, st, old) : 0;
	if (!err && old)
		err = reuse_old(st, sdfd, kind, old);
	json_object_put(old);
	if (!err)
		err = store_openat(&st->store, sdfd, st->dir, rt->streamsize);
	if (err)
		return err;
	err = stream_limits(rt, st, datadir);
	if (err) {
		store_close(st->store);
		st->store = NULL;
		return err;
	}
	/* a run that died never said what it stored: count it */
	if (st->past && crashed)
		st->records = st->past->records = count_records(sdfd, st->dir);
	if (st->past && !strcmp(kind, "trace"))
		st->past->resume_ts = store_last_ts(st->store);
	meta = meta_build(rt, st, kind, source, true, 0, NULL);
	err = meta_store(sdfd, st->dir, meta);
	json_object_put(meta);
	/* a stream without its meta.json is not open: nothing finishes it */
	if (err) {
		store_budget_del(budget, st->store);
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
	err = open_in(rt, st, sdfd, datadir, kind, source);
	close(sdfd);
	return err;
}

static void close_one(struct stream *st)
{
	if (st->store) {
		store_budget_del(budget, st->store);
		store_close(st->store);
	}
	st->store = NULL;
	past_free(st->past);
	st->past = NULL;
	json_object_put(st->overflow);
	st->overflow = NULL;
	json_object_put(st->removed);
	st->removed = NULL;
	st->removed_seen = st->removed_bytes_seen = 0;
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
	uint64_t first;
	int err, ferr;

	/* a stream that never opened has nothing of this run's to say */
	if (!st->store)
		return 0;
	ferr = store_flush(st->store);
	store_retain(st->store);
	stream_sync(st);
	/* retention dropped the oldest segments: the data starts later */
	first = store_first_ts(st->store);
	if (first > st->first_ns)
		st->first_ns = first;
	if (ferr && !st->lost)
		pr_err("stream %s: cannot flush: %s", st->dir, strerror(-ferr));
	if (st->past && st->past->again)
		pr_warn("stream %s: %llu records at or before its last stored "
			"interval were not stored again", st->dir,
			(unsigned long long)st->past->again);
	meta = meta_build(rt, st, kind, source, false, packets, stopped);
	err = meta_store(store_dirfd(st->store), st->dir, meta);
	json_object_put(meta);
	if (err)
		pr_err("stream %s: its meta.json still says \"running\"",
		       st->dir);
	/* records it could not write are the summary's to tell */
	return err ?: st->lost ? 0 : ferr;
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
