// SPDX-License-Identifier: BSD-3-Clause
/*
 * The query engine (query.h), in two halves. The caller's half finds the
 * stream, reads its meta.json and resolves the window, then forks; the
 * child's half opens the module, reads the segments and formats each
 * record in the window through the module's load() and print(); the
 * caller's half copies the child's output to OUT, watches how long each
 * call into the module takes, and reports how the child ended.
 *
 * Calls store.h, mod.h (and so the module), timewin.h, out.h and log.h;
 * nothing here calls back into a caller.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <como/batch.h>
#include "dirfd.h"
#include "jsonutil.h"
#include "log.h"
#include "mod.h"
#include "pcapout.h"
#include "query.h"
#include "store.h"
#include "timewin.h"

/* which of the module's code the child is running */
enum query_cb {
	QCB_NONE,
	QCB_DLOPEN,
	QCB_INIT,
	QCB_LOAD,
	QCB_PRINT,
	QCB_REPLAY,
	QCB_FINI,
};

static const char *const qcb_names[] = {
	[QCB_NONE] = NULL,
	[QCB_DLOPEN] = "dlopen()",
	[QCB_INIT] = "init()",
	[QCB_LOAD] = "load()",
	[QCB_PRINT] = "print()",
	[QCB_REPLAY] = "replay()",
	[QCB_FINI] = "fini()",
};

/*
 * What the child tells its caller, in memory the two share. Only the
 * child writes it; the caller reads seq and cb while the child runs, the
 * rest once the child is gone.
 */
struct query_shared {
	uint64_t seq;		/* bumped on entering and leaving a callback */
	int cb;			/* enum query_cb */
	int done;		/* the child got to its end: err is its answer */
	int cut;		/* enum query_cut: it stopped at a bound */
	int err;
	unsigned long nrec, nskipped;
	uint64_t bad_records, bad_bytes;	/* damaged, skipped */
	int span_approx;	/* records reached overflowed intervals past
				 * the window (COMO_FT_TIME_END) */
	char error[256];	/* the line of its error */
	/*
	 * The output of whole records that is not in the pipe yet, so that a
	 * crash loses none of it. stage_base bytes went to the pipe before
	 * stage[0]: the caller, who counts what it read, knows how much of
	 * the stage a write cut short by a kill did get through.
	 */
	uint64_t stage_base;
	size_t stage_len;
	char stage[1 << 16];
};

enum query_cut { QCUT_NONE, QCUT_BYTES, QCUT_TIME };

/* One query: what the caller's half resolves and the child inherits. */
struct query_ctx {
	const struct query_opts *o;
	char dir[4096];
	const char *source, *args;	/* the module, as stored */
	struct json_object *schema;	/* its records' fields, as stored */
	const char *stopped;	/* why the run did not finish; NULL: it did */
	bool orphaned;		/* a live stream whose comod was killed */
	/* records the run could not store (meta.json's "incomplete") */
	struct json_object *incomplete;
	struct json_object *missing;	/* those of its intervals in the window */
	struct json_object *overflow;	/* meta.json's: a full state's intervals */
	struct json_object *approx;	/* those in the window */
	/* the same, for the records' marks: by start, one per interval */
	struct query_mark *marks;
	size_t nmarks;
	struct out_mark span_mark;	/* a record's over several of them */
	bool *mark_used;		/* outside the window, by a record's span */
	/* where meta.json stops listing the intervals it counts; none: ~0 */
	uint64_t unlisted_from;
	bool mark_part;		/* the part being read is the stream's own */
	/* meta.json's "removed", when the window reaches into what went */
	struct json_object *removed;
	uint64_t start, end, ivl;
	uint64_t pfrom, pto;	/* the part being read: its interval starts */
	uint64_t deadline;	/* CLOCK_MONOTONIC ns; 0: none */
	struct query_shared *sh;
	int fd;			/* the child's end of the pipe */
	struct query_replay *rp;	/* -f pcap: the packets replayed */
};

/* -f pcap: a record's packets, as the module's replay() gives them back */
#define QUERY_REPLAY_MAX	64

struct query_replay {
	struct pcap_out *po;
	struct como_pkt pkts[QUERY_REPLAY_MAX];
	__u32 len[QUERY_REPLAY_MAX];	/* bytes given; 0: none */
	__u8 bytes[QUERY_REPLAY_MAX][COMO_SNAP];
	unsigned long other_link;	/* packets of another link type */
};

/* For an unknown module: say which ones the data directory does have. */
static void list_streams(int dfd, const char *datadir, const char *name)
{
	char have[1024] = "", path[512];
	struct dirent *de;
	struct stat st;
	size_t n = 0;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d && fd >= 0)
		close(fd);
	while (d && (de = readdir(d))) {
		snprintf(path, sizeof(path), "%.255s/" META_FILE, de->d_name);
		/* a stream's meta.json is a file of its own, never a link */
		if (de->d_name[0] == '.' ||
		    fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		n += snprintf(have + n, n < sizeof(have) ? sizeof(have) - n : 0,
			      "%s%s", n ? ", " : "", de->d_name);
	}
	if (d)
		closedir(d);
	pr_err("no results of module '%s' in %s (it has: %s)", name, datadir,
	       n ? have : "none");
}

/* The now a window is relative to: the end of a trace's data, or now. */
static uint64_t window_ref(struct json_object *meta)
{
	struct timespec now;

	if (!strcmp(json_str(meta, "source") ?: "", "trace"))
		return json_u64(meta, "last_ns");
	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec * 1000000000ULL + now.tv_nsec;
}

/*
 * Element I of an interval meta.json lists, [start, end, ...]; 0: none
 * (json-c asserts on what is not an array: a damaged file must not)
 */
static uint64_t iv_u64(struct json_object *iv, size_t i)
{
	if (!json_object_is_type(iv, json_type_array) ||
	    i >= json_object_array_length(iv))
		return 0;
	return json_object_get_uint64(json_object_array_get_idx(iv, i));
}

/*
 * Of ALL, meta.json's [start, end) pairs (the first of TOTAL), those the
 * window overlaps, in *OUT; an empty array when meta.json lists fewer
 * than there are (any window may touch one); NULL: none.
 */
static void intervals_in_window(const struct query_ctx *c,
				struct json_object *all, uint64_t total,
				struct json_object **out)
{
	struct json_object *iv;
	uint64_t a, b;
	size_t i, n;

	if (!json_object_is_type(all, json_type_array))
		return;
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		iv = json_object_array_get_idx(all, i);
		a = iv_u64(iv, 0);
		b = iv_u64(iv, 1);
		if (a > c->end || b <= c->start)
			continue;
		if (!*out)
			*out = json_object_new_array();
		json_object_array_add(*out, json_object_get(iv));
	}
	if (!*out && total > n)
		*out = json_object_new_array();
}

/* An interval of meta.json's "overflow" list, as its records are marked. */
struct query_mark {
	uint64_t start, end;
	struct out_mark mark;
};

static int mark_cmp(const void *a, const void *b)
{
	const struct query_mark *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * meta.json's list of the intervals that overflowed, as an array to
 * search by a record's time (all of them: a record may span intervals
 * past the window, COMO_FT_TIME_END). An entry of a
 * meta.json written before they had their figures says only that it is
 * approximate; one interval listed twice (a stream taken up again) adds
 * up. Past the end of a list that is not whole, what is known ends.
 */
static int marks_build(struct query_ctx *c)
{
	struct json_object *all = json_object_object_get(c->overflow, "listed");
	size_t i, k, n = json_object_array_length(all);
	uint64_t last = 0;
	struct json_object *iv;
	struct query_mark *m;

	for (i = 0; i < n; i++)
		if (iv_u64(json_object_array_get_idx(all, i), 1) > last)
			last = iv_u64(json_object_array_get_idx(all, i), 1);
	/* the list stops at its bound: those after its last are not in it */
	if (json_u64(c->overflow, "intervals") > n)
		c->unlisted_from = last;
	if (!n)
		return 0;
	c->marks = calloc(n, sizeof(*c->marks));
	if (!c->marks)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		iv = json_object_array_get_idx(all, i);
		m = &c->marks[i];
		m->start = iv_u64(iv, 0);
		m->end = iv_u64(iv, 1);
		m->mark.kind = json_object_is_type(iv, json_type_array) &&
			       json_object_array_length(iv) >= 4 ?
			       OUT_MARK_APPROX : OUT_MARK_APPROX_NOCOUNT;
		m->mark.uncounted = iv_u64(iv, 2);
		m->mark.sampled_out = iv_u64(iv, 3);
	}
	qsort(c->marks, n, sizeof(*c->marks), mark_cmp);
	for (i = 1, k = 0; i < n; i++) {
		m = &c->marks[i];
		if (m->start != c->marks[k].start || m->end != c->marks[k].end) {
			c->marks[++k] = *m;
			continue;
		}
		if (m->mark.kind != OUT_MARK_APPROX)
			c->marks[k].mark.kind = OUT_MARK_APPROX_NOCOUNT;
		c->marks[k].mark.uncounted += m->mark.uncounted;
		c->marks[k].mark.sampled_out += m->mark.sampled_out;
	}
	c->nmarks = k + 1;
	return 0;
}

/*
 * The mark of a record of the interval that starts at TS and that stands
 * for what happened until END (TS but for a COMO_FT_TIME_END field); NULL:
 * exact. A record over several marked intervals carries them all: the
 * packets none of them counted, added up.
 */
static const struct out_mark *mark_of(struct query_ctx *c, uint64_t ts,
				      uint64_t end)
{
	static const struct out_mark unknown = { .kind = OUT_MARK_UNKNOWN };
	size_t lo = 0, hi = c->nmarks, mid, j;
	const struct out_mark *one = NULL;
	struct out_mark *sum = &c->span_mark;

	if (!c->mark_part)
		return NULL;
	if (end >= c->unlisted_from)
		return &unknown;
	/* the last interval that starts at TS or before */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->marks[mid].start <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	j = lo && ts < c->marks[lo - 1].end ? lo - 1 : lo;
	/* END is the end of what it stands for: an interval from it on is not */
	for (; j < c->nmarks && (c->marks[j].start <= ts ||
				 c->marks[j].start < end); j++) {
		const struct out_mark *mk = &c->marks[j].mark;

		/* outside the window: said once the records are read */
		if ((c->marks[j].end <= c->start || c->marks[j].start > c->end) &&
		    c->mark_used)
			c->mark_used[j] = true;
		if (!one) {
			one = mk;
			continue;
		}
		if (one != sum) {
			*sum = *one;
			one = sum;
		}
		if (mk->kind != OUT_MARK_APPROX)
			sum->kind = OUT_MARK_APPROX_NOCOUNT;
		sum->uncounted += mk->uncounted;
		sum->sampled_out += mk->sampled_out;
	}
	return one;
}

/* Whether a record of the window may reach a marked interval past it. */
static bool marks_after(const struct query_ctx *c)
{
	return c->nmarks && c->marks[c->nmarks - 1].end > c->end;
}

/*
 * The marked intervals outside the window that its records reached (a
 * record stamped before the window that overlaps it, or one that stands
 * for times after it), added to the window's (c->approx: the JSON mark,
 * the caller's verdict), and said.
 */
static void span_marks_say(struct query_ctx *c)
{
	struct json_object *iv;
	size_t j, n = 0;

	for (j = 0; c->mark_used && j < c->nmarks; j++) {
		if (!c->mark_used[j])
			continue;
		if (!c->approx)
			c->approx = json_object_new_array();
		iv = json_object_new_array();
		json_object_array_add(iv, json_object_new_uint64(c->marks[j].start));
		json_object_array_add(iv, json_object_new_uint64(c->marks[j].end));
		json_object_array_add(iv, json_object_new_uint64(c->marks[j].mark.uncounted));
		json_object_array_add(iv, json_object_new_uint64(c->marks[j].mark.sampled_out));
		json_object_array_add(c->approx, iv);
		n++;
	}
	if (!n)
		return;
	c->sh->span_approx = 1;
	pr_warn("'%s' is approximate: records of this window stand for times "
		"in %zu intervals outside it whose state was full", c->o->module,
		n);
}

/* Where a record's COMO_FT_TIME_END field lies, or -1: it has none. */
static int span_end_offset(const struct como_module *d)
{
	const struct como_field *f;

	for (f = d->schema; f && f->name; f++)
		if (f->type == COMO_FT_TIME_END)
			return f->offset;
	return -1;
}

/*
 * The intervals the run could not store that the window overlaps, in
 * c->missing; those whose state overflowed (packets not counted: their
 * results are approximate), in c->approx, and as c->marks.
 */
static int marks_in_window(struct query_ctx *c, struct json_object *meta)
{
	struct json_object *inc = json_object_object_get(meta, "incomplete");
	struct json_object *o = json_object_object_get(meta, "overflow");

	if (inc && json_object_is_type(json_object_object_get(inc, "missing"),
				       json_type_array)) {
		c->incomplete = inc;
		intervals_in_window(c, json_object_object_get(inc, "missing"),
				    json_u64(inc, "missing_runs"), &c->missing);
	}
	if (o && json_object_is_type(json_object_object_get(o, "listed"),
				     json_type_array)) {
		c->overflow = o;
		intervals_in_window(c, json_object_object_get(o, "listed"),
				    json_u64(o, "intervals"), &c->approx);
	}
	if (c->overflow && marks_build(c))
		return -ENOMEM;
	/* all the data, asked without a window, is what is left */
	o = json_object_object_get(meta, "removed");
	if ((c->o->window || c->o->window_ns) && o &&
	    json_u64(o, "from") <= c->end &&
	    json_u64(o, "to") > c->start)
		c->removed = o;
	return 0;
}

/*
 * A live stream says "running" while its comod writes it, and still does
 * when that comod was killed: the data directory's lock (held by the one
 * comod writing it, and gone with it, SIGKILL too) tells the two apart.
 */
static bool writer_is_gone(int dfd)
{
	bool gone;
	int fd;

	fd = openat(dfd, DATADIR_LOCK_FILE, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	/* shared: never in the way of a comod starting meanwhile for long */
	gone = !flock(fd, LOCK_SH | LOCK_NB);
	close(fd);	/* and the lock with it */
	return gone;
}

/* The caller's half: the stream, its meta.json (in *metap) and the window. */
static int stream_open(struct query_ctx *c, struct json_object **metap)
{
	const struct query_opts *o = c->o;
	const char *state, *source;
	struct json_object *meta;
	struct timewin w = { 0 };
	bool writer_gone;
	int dfd, err;

	c->start = o->window_ns ? o->start_ns : 0;
	c->end = o->window_ns ? o->end_ns : UINT64_MAX;
	if (!o->window_ns && o->window && timewin_parse(o->window, &w)) {
		pr_err("bad time window '%s': expected START:END, e.g. -5m:0 or "
		       "1700000000:1700000300", o->window);
		return -EINVAL;
	}
	if (snprintf(c->dir, sizeof(c->dir), "%s/%s", o->datadir,
		     o->module) >= (int)sizeof(c->dir)) {
		pr_err("path too long: %s/%s", o->datadir, o->module);
		return -ENAMETOOLONG;
	}
	dfd = datadir_open(o->datadir);
	if (dfd == -ENOENT) {	/* anything else, datadir_open() said */
		pr_err("data directory %s does not exist (give it with -d)",
		       o->datadir);
		return -ENOENT;
	}
	if (dfd < 0)
		return dfd;	/* said why */
	/* opened beneath the data directory: no link, FIFO or device */
	meta = strchr(o->module, '/') ? NULL : meta_read(dfd, o->module);
	err = meta ? 0 : strchr(o->module, '/') ? -ENOENT : -errno;
	if (err == -ENOENT)
		list_streams(dfd, o->datadir, o->module);
	writer_gone = !err && writer_is_gone(dfd);
	close(dfd);
	if (err)
		return err;
	if (!json_str(meta, "module") ||
	    !json_object_is_type(json_object_object_get(meta, "schema"),
				 json_type_array)) {
		pr_err("%s/" META_FILE ": unreadable or damaged", c->dir);
		json_object_put(meta);
		return -EBADMSG;
	}
	*metap = meta;
	if (!o->window_ns && o->window && timewin_resolve(&w, window_ref(meta), &c->start,
					 &c->end)) {
		pr_err("bad time window '%s': it ends before it starts",
		       o->window);
		return -EINVAL;
	}
	if (json_u64(meta, "storage_format") > STORE_VERSION) {
		pr_err("%s: written by a newer como (storage format %llu; this "
		       "one reads 1 to %u)", c->dir,
		       (unsigned long long)json_u64(meta, "storage_format"),
		       STORE_VERSION);
		return -EPROTONOSUPPORT;
	}
	c->ivl = json_u64(meta, "interval_ns");
	if (marks_in_window(c, meta)) {
		pr_err("query of '%s': out of memory", o->module);
		return -ENOMEM;
	}
	c->schema = json_object_object_get(meta, "schema");
	c->source = json_str(meta, "module");
	c->args = json_str(meta, "args");
	/* a live monitor that is running is not partial: it is live */
	state = json_str(meta, "state");
	source = json_str(meta, "source") ?: "";
	/* an approximate stream says so by its intervals, below */
	if (state && strcmp(state, "complete") && strcmp(state, "approximate") &&
	    (strcmp(state, "running") || !strcmp(source, "trace")))
		c->stopped = json_str(meta, "stopped") ?: state;
	else if (state && !strcmp(state, "running") && writer_gone) {
		c->stopped = "its comod ended without closing it: killed?";
		c->orphaned = true;
	}
	return 0;
}

/* The child's half. */

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* Past a bound of the whole answer: stop before the next record. */
static bool child_cut(struct query_ctx *c)
{
	struct query_shared *sh = c->sh;

	if (c->o->max_bytes && sh->stage_base + sh->stage_len >= c->o->max_bytes)
		sh->cut = QCUT_BYTES;
	else if (c->deadline && now_ns() >= c->deadline)
		sh->cut = QCUT_TIME;
	return sh->cut != QCUT_NONE;
}

static void cb_enter(struct query_shared *sh, enum query_cb cb)
{
	__atomic_store_n(&sh->cb, cb, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->seq, sh->seq + 1, __ATOMIC_RELEASE);
}

static void cb_leave(struct query_shared *sh)
{
	cb_enter(sh, QCB_NONE);
}

static int stage_flush(struct query_ctx *c)
{
	struct query_shared *sh = c->sh;
	size_t off = 0;
	ssize_t n;

	while (off < sh->stage_len) {
		n = write(c->fd, sh->stage + off, sh->stage_len - off);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0)
			off += n;
	}
	sh->stage_base += off;
	sh->stage_len = 0;
	return 0;
}

/* The child's output stream writes here, a record's output at a time. */
static ssize_t stage_write(void *cookie, const char *buf, size_t size)
{
	struct query_ctx *c = cookie;
	struct query_shared *sh = c->sh;
	size_t done = 0, n;

	while (done < size) {
		n = sizeof(sh->stage) - sh->stage_len;
		if (n > size - done)
			n = size - done;
		memcpy(sh->stage + sh->stage_len, buf + done, n);
		sh->stage_len += n;
		done += n;
		if (sh->stage_len == sizeof(sh->stage) && stage_flush(c))
			return -1;
	}
	return size;
}

/*
 * Damaged records the reader skipped, between FROM and TO: they count
 * against the answer when that time overlaps the window.
 */
static void damage_seen(struct query_ctx *c, struct store_reader *r,
			uint64_t from, uint64_t to)
{
	uint64_t n, bytes;

	store_reader_take_damage(r, &n, &bytes);
	if (!n || from > c->end || to <= c->start)
		return;
	c->sh->bad_records += n;
	c->sh->bad_bytes += bytes;
}

/* como_replay_bytes() in the query: the bytes of one of its packets */
static int replay_keep_bytes(struct como_mod *m, const struct como_pkt *pkt,
		       const void *bytes, __u32 len)
{
	struct query_replay *rp = m->core;
	ptrdiff_t i = pkt - rp->pkts;

	if (i < 0 || i >= QUERY_REPLAY_MAX)
		return -EINVAL;
	memcpy(rp->bytes[i], bytes, len);
	rp->len[i] = len;
	return 0;
}

/* A record's packets into the pcap: those of the window, to the ns. */
static int replay_record(struct query_ctx *c, struct como_mod *m, uint64_t ts,
			 const void *rec)
{
	struct query_replay *rp = c->rp;
	int i, n, err = 0;

	memset(rp->len, 0, sizeof(rp->len));
	cb_enter(c->sh, QCB_REPLAY);
	n = m->desc->replay(m, ts, rec, rp->pkts, QUERY_REPLAY_MAX);
	cb_leave(c->sh);
	if (n < 0 || n > QUERY_REPLAY_MAX) {
		pr_warn("%s: a record that replay() refuses, skipped", c->dir);
		c->sh->nskipped++;
		return 0;
	}
	for (i = 0; i < n && !err; i++) {
		/* both ends are in the window, as for records */
		if (rp->pkts[i].ts < c->start || rp->pkts[i].ts > c->end)
			continue;
		err = pcap_out_packet(rp->po, &rp->pkts[i], rp->bytes[i],
				      rp->len[i]);
		if (err == -EXDEV) {
			rp->other_link++;
			err = 0;
		}
	}
	return err;
}

static int child_records(struct query_ctx *c, struct como_mod *m,
			 struct store_reader *r, struct como_out *out, void *rec)
{
	struct query_shared *sh = c->sh;
	int span_off = span_end_offset(m->desc);
	uint64_t ts, prev_ts = 0;
	const void *buf;
	uint32_t len;
	long n;
	int err = 0;

	while (!child_cut(c) && (err = store_read(r, &ts, &buf, &len)) == 1) {
		/* damage lies between the record before and this one */
		damage_seen(c, r, prev_ts, ts + c->ivl);
		prev_ts = ts;
		/* an interval counts when it overlaps the window */
		if (ts > c->end || ts + c->ivl <= c->start ||
		    ts < c->pfrom || ts >= c->pto)
			continue;
		cb_enter(sh, QCB_LOAD);
		n = (m->desc->load ?: como_schema_load)(m, buf, len, rec);
		cb_leave(sh);
		if (n < 0) {
			pr_warn("%s: a record of %u bytes that load() refuses, "
				"skipped", c->dir, len);
			sh->nskipped++;
			continue;
		}
		/* the core marks the record, whichever code prints it */
		if (c->marks || c->unlisted_from != UINT64_MAX) {
			uint64_t end = ts;

			if (span_off >= 0)
				memcpy(&end, (const char *)rec + span_off,
				       sizeof(end));
			out->mark = mark_of(c, ts, end > ts ? end : ts);
		} else {
			out->mark = NULL;
		}
		if (c->rp) {
			err = replay_record(c, m, ts, rec);
			if (err)
				break;
		} else if (m->desc->print) {
			cb_enter(sh, QCB_PRINT);
			m->desc->print(m, ts, rec, out);
			cb_leave(sh);
		} else {
			out_record(out, ts, rec);
		}
		/* into the stage: from here on a crash does not lose it */
		fflush(out->f);
		sh->nrec++;
	}
	damage_seen(c, r, prev_ts, UINT64_MAX);
	return err;
}

/* The records of each part in turn (one part: the stream, all of it). */
static int child_parts(struct query_ctx *c, struct como_mod *m,
		       struct store_reader **rs, struct como_out *out,
		       void *rec)
{
	const struct query_part *p = c->o->parts;
	unsigned int i, n = c->o->nparts ?: 1;
	int err = 0;

	for (i = 0; i < n && err >= 0 && !c->sh->cut; i++) {
		c->pfrom = p ? p[i].from : 0;
		c->pto = p ? p[i].to : UINT64_MAX;
		/* meta.json speaks of its own records, not of a replay's */
		c->mark_part = !p || !p[i].replayed;
		err = child_records(c, m, rs[i], out, rec);
	}
	return err;
}

/* On-demand: the parts of the answer replayed, [from, to) each; NULL: none. */
static struct json_object *replayed_json(const struct query_opts *o)
{
	struct json_object *a = NULL, *p;
	unsigned int i;

	for (i = 0; i < o->nparts; i++) {
		if (!o->parts[i].replayed)
			continue;
		if (!a)
			a = json_object_new_array();
		p = json_object_new_object();
		json_add_u64(p, "from", o->parts[i].from);
		json_add_u64(p, "to", o->parts[i].to);
		json_object_object_add(p, "approximate", json_object_new_boolean(
			o->parts[i].approximate));
		if (o->parts[i].approximate)
			json_add_u64(p, "packets_not_counted",
				     o->parts[i].packets_lost);
		json_object_object_add(p, "incomplete", json_object_new_boolean(
			o->parts[i].incomplete));
		json_object_array_add(a, p);
	}
	return a;
}

/*
 * The last element of a JSON answer that is not whole, or replayed in part: why, the intervals
 * of the window that were never stored, the damaged records skipped.
 */
/*
 * The run that wrote the stream did not finish (one that only lost
 * records says so by its missing intervals).
 */
static bool stopped_partial(const struct query_ctx *c)
{
	return c->stopped && strcmp(c->stopped, "incomplete");
}

static void mark_json(struct query_ctx *c, struct como_out *out)
{
	struct json_object *o = json_object_new_object(), *inc;

	inc = json_object_new_object();
	if (c->missing) {
		json_add_str(inc, "reason", json_str(c->incomplete, "reason") ?:
			     "unknown");
		json_add_u64(inc, "records_lost",
			     json_u64(c->incomplete, "records_lost"));
		json_object_object_add(inc, "missing",
				       json_object_get(c->missing));
	}
	if (c->sh->bad_records) {
		json_add_u64(inc, "damaged_records", c->sh->bad_records);
		json_add_u64(inc, "damaged_bytes", c->sh->bad_bytes);
	}
	if (c->removed) {
		json_object_object_add(inc, "removed",
				       json_object_get(c->removed));
		json_add_u64(inc, "data_from", json_u64(c->removed, "to"));
	}
	if (c->missing || c->sh->bad_records || c->removed)
		json_object_object_add(o, "incomplete", inc);
	else
		json_object_put(inc);
	if (c->approx) {
		inc = json_object_new_object();
		json_add_u64(inc, "packets_not_counted",
			     json_u64(c->overflow, "packets"));
		json_object_object_add(inc, "intervals",
				       json_object_get(c->approx));
		json_object_object_add(o, "approximate", inc);
	}
	inc = replayed_json(c->o);
	if (inc)
		json_object_object_add(o, "replayed", inc);
	if (stopped_partial(c)) {
		inc = json_object_new_object();
		json_add_str(inc, "reason", c->stopped);
		json_object_object_add(o, "partial", inc);
	}
	if (!json_object_object_length(o)) {
		json_object_put(o);
		return;
	}
	fprintf(out->f, "%s\n%s", out->nrec ? "," : "",
		json_object_to_json_string_ext(o, JSON_PLAIN));
	out->nrec++;
	json_object_put(o);
}

static int child_format(struct query_ctx *c, struct como_mod *m,
			struct store_reader **r)
{
	static const cookie_io_functions_t io = { .write = stage_write };
	struct como_out out;
	void *rec;
	FILE *f;
	int err;

	rec = calloc(1, m->desc->record_size);
	f = rec ? fopencookie(c, "w", io) : NULL;
	if (!f) {
		free(rec);
		return -ENOMEM;
	}
	/* flushed after each record: one record's output stays whole */
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	/* a record that spans intervals may reach one marked past the window */
	if (span_end_offset(m->desc) >= 0 && marks_after(c))
		c->mark_used = calloc(c->nmarks, sizeof(*c->mark_used));
	if (c->approx || c->mark_used)
		out_begin_marked(&out, c->o->fmt, f, m->desc->schema);
	else
		out_begin(&out, c->o->fmt, f, m->desc->schema);
	fflush(f);
	err = child_parts(c, m, r, &out, rec);
	span_marks_say(c);
	if (c->o->fmt == OUT_JSON && (c->missing || c->approx ||
	    c->sh->bad_records || c->removed || c->o->nparts ||
	    stopped_partial(c))) {
		mark_json(c, &out);
		fflush(f);
	}
	out_end(&out);
	fclose(f);
	stage_flush(c);
	free(rec);
	/* the reader said why it stopped */
	return err;
}

/*
 * -f pcap: the packets the module's replay() makes of the window's
 * records, through the same stage as any output.
 */
static int child_pcap(struct query_ctx *c, struct como_mod *m,
		      struct store_reader **r)
{
	static const cookie_io_functions_t io = { .write = stage_write };
	struct como_out out = { .fmt = c->o->fmt };
	void *rec;
	int err;

	if (!m->desc->replay) {
		pr_err("module '%s' has no replay(): its records are not "
		       "packets, no pcap of them", c->o->module);
		return -EOPNOTSUPP;
	}
	rec = calloc(1, m->desc->record_size);
	c->rp = calloc(1, sizeof(*c->rp));
	out.f = rec && c->rp ? fopencookie(c, "w", io) : NULL;
	err = out.f ? pcap_out_open(&c->rp->po, out.f) : -ENOMEM;
	if (err) {
		if (out.f)
			fclose(out.f);
		goto out_free;
	}
	setvbuf(out.f, NULL, _IOFBF, 1 << 16);
	m->core = c->rp;
	m->replay_sink = replay_keep_bytes;
	err = child_parts(c, m, r, &out, rec);
	if (pcap_out_close(c->rp->po) && !err)
		err = -EIO;
	stage_flush(c);
	if (c->rp->other_link)
		pr_warn("'%s': %lu packets of another link type than the "
			"first left out of the pcap", c->o->module,
			c->rp->other_link);
out_free:
	free(c->rp);
	c->rp = NULL;
	free(rec);
	return err;
}

/*
 * The stored schema as a module without code: its records are the fields
 * one after the other (como_schema_store's layout), read by
 * como_schema_load and printed by the schema. Nothing is loaded.
 */
#define COMO_SCHEMA_MAX		64	/* fields a stored schema may have */

struct schema_mod {
	struct como_module desc;
	struct como_field fields[COMO_SCHEMA_MAX + 1];
	char names[COMO_SCHEMA_MAX][64];
};

static int schema_field(struct schema_mod *sm, unsigned int i,
			struct json_object *f, __u16 *off)
{
	static const __u16 size[] = {
		[COMO_FT_U8] = 1, [COMO_FT_U16] = 2, [COMO_FT_U32] = 4,
		[COMO_FT_U64] = 8, [COMO_FT_ADDR] = 16, [COMO_FT_PROTO] = 1,
		[COMO_FT_STR] = 0, [COMO_FT_TIME] = 8, [COMO_FT_DURATION] = 8,
		[COMO_FT_DOUBLE] = 8, [COMO_FT_TIME_END] = 8,
	};
	const char *name = json_str(f, "name");
	int type = json_object_get_int(json_object_object_get(f, "type"));
	int n;

	if (!name || !*name || strlen(name) >= sizeof(sm->names[0]) ||
	    type < COMO_FT_U8 || type > COMO_FT_TIME_END)
		return -EBADMSG;
	n = size[type];
	if (type == COMO_FT_STR) {
		n = json_object_get_int(json_object_object_get(f, "size"));
		if (n < 1 || n > COMO_STR_MAX)
			return -EBADMSG;
	}
	strcpy(sm->names[i], name);
	sm->fields[i] = (struct como_field){ sm->names[i], type, *off, n };
	*off += n;
	return 0;
}

static int schema_module(struct query_ctx *c, struct como_mod **mp)
{
	size_t i, n = json_object_array_length(c->schema);
	struct schema_mod *sm;
	struct como_mod *m;
	__u16 off = 0;

	if (!n || n > COMO_SCHEMA_MAX) {
		pr_err("%s/meta.json: a schema of %zu fields", c->dir, n);
		return -EBADMSG;
	}
	sm = calloc(1, sizeof(*sm));
	m = calloc(1, sizeof(*m));
	if (!sm || !m)
		goto err_free;
	for (i = 0; i < n; i++)
		if (schema_field(sm, i, json_object_array_get_idx(c->schema, i),
				 &off)) {
			pr_err("%s/meta.json: field %zu of the schema is damaged",
			       c->dir, i + 1);
			free(sm);
			free(m);
			return -EBADMSG;
		}
	sm->desc = (struct como_module){
		.abi = COMO_MODULE_ABI, .name = "schema", .record_size = off,
		.schema = sm->fields, .load = como_schema_load,
	};
	m->desc = &sm->desc;
	m->name = strdup(c->o->module);
	m->args = strdup("");
	m->priv = sm;	/* freed with it: schema_module_free */
	*mp = m;
	return 0;

err_free:
	free(sm);
	free(m);
	return -ENOMEM;
}

static void schema_module_free(struct como_mod *m)
{
	free(m->priv);
	free(m->name);
	free(m->args);
	free(m);
}

/* The installed module's records are the stored ones: same fields. */
static bool schema_same(const struct query_ctx *c, const struct como_mod *m)
{
	size_t i, n = json_object_array_length(c->schema);
	const struct como_field *f = m->desc->schema;

	for (i = 0; i < n; i++, f++) {
		struct json_object *o = json_object_array_get_idx(c->schema, i);

		if (!f->name || strcmp(f->name, json_str(o, "name") ?: "") ||
		    f->type != json_object_get_int(json_object_object_get(o,
									  "type")))
			return false;
	}
	return !f->name;
}

/*
 * The module by the name meta.json gives, on the installed module path
 * only (a path stored there is never opened), when it stores what the
 * stream holds; NULL: read by the schema, no code loaded.
 */
static struct como_mod *installed_module(struct query_ctx *c)
{
	char dirs[8][4096], path[4096 + 256];
	struct como_mod *m = NULL;
	int err, i, n;

	if (!c->source || !*c->source || strchr(c->source, '/') ||
	    strlen(c->source) > 200)
		return NULL;
	/* not installed is no error: the schema reads the records */
	n = mod_path_dirs(dirs, 8);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s.so", dirs[i], c->source);
		if (!access(path, F_OK))
			break;
	}
	if (i == n)
		return NULL;
	cb_enter(c->sh, QCB_DLOPEN);
	err = mod_open(&m, c->o->module, c->source, c->args, NULL);
	cb_leave(c->sh);
	if (!err && !schema_same(c, m)) {
		mod_close(m);
		m = NULL;
	}
	if (m) {
		cb_enter(c->sh, QCB_INIT);
		err = mod_init(m);
		cb_leave(c->sh);
		if (err) {
			mod_close(m);
			m = NULL;
		}
	}
	return m;
}

/* Part I's stream, read from what the time index says overlaps the window. */
static int part_open(struct query_ctx *c, unsigned int i,
		     struct store_reader **rp)
{
	const struct query_part *p = c->o->nparts ? &c->o->parts[i] : NULL;
	uint64_t start = c->start, end = c->end;
	int err;

	err = store_reader_open(rp, p ? p->dir : c->dir);
	if (p && p->from > start)
		start = p->from;
	if (p && p->to - 1 < end)
		end = p->to - 1;
	if (!err && (c->o->window || c->o->window_ns || p))
		err = store_reader_window(*rp, start, end, c->ivl);
	return err;
}

/* On-demand: which parts of the window were replayed, and how well. */
static void replayed_say(const struct query_opts *o)
{
	const struct query_part *p;
	unsigned int i;

	for (i = 0; i < o->nparts; i++) {
		p = &o->parts[i];
		if (!p->replayed)
			continue;
		pr_warn("'%s': %llu.%09llu to %llu.%09llu replayed from the "
			"packets stored by 'trace'%s", o->module,
			(unsigned long long)(p->from / 1000000000ULL),
			(unsigned long long)(p->from % 1000000000ULL),
			(unsigned long long)(p->to / 1000000000ULL),
			(unsigned long long)(p->to % 1000000000ULL),
			p->approximate ? ": approximate, the trace lost packets"
			: p->incomplete ? ": incomplete, the trace could not "
			"store all its intervals" : "");
	}
}

static int child_query(struct query_ctx *c)
{
	const char *name = c->o->module;
	struct store_reader *r[QUERY_PARTS_MAX] = { NULL };
	struct como_mod *m, *sm = NULL;
	unsigned int i;
	int err = 0;

	m = installed_module(c);
	if (!m)
		err = schema_module(c, &sm);
	if (err)
		return err;
	/* a stream that lost records says so below, when the window needs it */
	if (stopped_partial(c))
		pr_warn("the run that wrote '%s' did not finish (%s): results "
			"are partial", name, c->stopped);
	if (c->missing)
		pr_warn("'%s' is incomplete: %llu records could not be stored "
			"(%s); %zu of the missing intervals are in this window",
			name, (unsigned long long)json_u64(c->incomplete,
							   "records_lost"),
			json_str(c->incomplete, "reason") ?: "unknown",
			json_object_array_length(c->missing));
	if (c->removed)
		pr_warn("'%s': the data before %llu.%09llu was removed by "
			"retention (%s): this window starts before it", name,
			(unsigned long long)(json_u64(c->removed, "to") /
					     1000000000ULL),
			(unsigned long long)(json_u64(c->removed, "to") %
					     1000000000ULL),
			json_str(c->removed, "by") ?: "?");
	if (c->approx && json_u64(c->overflow, "sampled"))
		pr_warn("'%s' is approximate: %llu packets were not counted in "
			"%llu intervals, %llu of them left out by sampling or "
			"while it was disabled (the overload guard); %zu of "
			"those intervals are in this window", name, (unsigned long long)
			json_u64(c->overflow, "packets"), (unsigned long long)
			json_u64(c->overflow, "intervals"), (unsigned long long)
			json_u64(c->overflow, "sampled"),
			json_object_array_length(c->approx));
	else if (c->approx)
		pr_warn("'%s' is approximate: its state was full and %llu packets "
			"were not counted in %llu intervals; %zu of them are in "
			"this window", name, (unsigned long long)
			json_u64(c->overflow, "packets"), (unsigned long long)
			json_u64(c->overflow, "intervals"),
			json_object_array_length(c->approx));
	replayed_say(c->o);
	for (i = 0; !err && i < (c->o->nparts ?: 1); i++)
		err = part_open(c, i, &r[i]);
	if (!err)
		err = c->o->pcap ? child_pcap(c, m ?: sm, r) :
				   child_format(c, m ?: sm, r);
	if (!err && c->sh->bad_records)
		pr_warn("'%s': %llu damaged records (%llu bytes) skipped; "
			"results are incomplete", name,
			(unsigned long long)c->sh->bad_records,
			(unsigned long long)c->sh->bad_bytes);
	for (i = 0; i < QUERY_PARTS_MAX; i++)
		store_reader_close(r[i]);
	if (m) {
		cb_enter(c->sh, QCB_FINI);
		mod_close(m);
		cb_leave(c->sh);
	} else {
		schema_module_free(sm);
	}
	return err < 0 ? err : 0;
}

/*
 * A module that calls exit() in the child ends it here, first of the exit
 * handlers: the caller's own (which may remove its socket, say) and the
 * flushing of the caller's stdio buffers, copied by fork(), never run.
 */
static void child_on_exit(int status, void *arg)
{
	(void)arg;
	_exit(status);
}

/*
 * The child starts clean of its caller: default signal actions (a crash
 * is a crash, not the caller's handler), none of the caller's exit
 * handlers, no descriptors but stdio and its pipe, and it dies with its
 * caller.
 */
static void child_setup(struct query_ctx *c, pid_t parent)
{
	sigset_t all;
	int s;

	for (s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	on_exit(child_on_exit, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	if (c->fd > 3 && dup2(c->fd, 3) == 3)
		c->fd = 3;
	if (c->fd >= 3)
		close_range(c->fd + 1, ~0U, 0);
	log_clear();
}

static void __attribute__((noreturn)) child_main(struct query_ctx *c,
						 pid_t parent)
{
	struct query_shared *sh = c->sh;

	child_setup(c, parent);
	sh->err = child_query(c);
	if (sh->err)
		snprintf(sh->error, sizeof(sh->error), "%s", log_last_error());
	sh->done = 1;
	_exit(0);
}

/* The caller's half: the child's output to OUT, while it makes progress. */

/* 1: more to come, 0: the end, <0: an error */
static int pump_once(int fd, FILE *out, uint64_t *nread)
{
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n > 0) {
		fwrite(buf, 1, n, out);
		*nread += n;
	}
	return n > 0;
}

/*
 * Copies until the child closes the pipe. The clock runs only while we
 * wait for the child inside one call into the module (not while OUT is
 * slow to take what it wrote); past the limit the child is killed.
 */
static int pump(struct query_ctx *c, pid_t pid, int fd, FILE *out,
		uint64_t *nread, int *timed_out)
{
	uint64_t limit = (c->o->timeout_ms ?: QUERY_TIMEOUT_MS) * 1000000ULL;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t seq = 0, waited = 0, t0, s, wait;
	int n, err;

	for (;;) {
		/* look ten times a limit: a loop is killed within 1.1 limits */
		wait = limit - waited < limit / 10 ? limit - waited : limit / 10;
		t0 = now_ns();
		n = poll(&p, 1, wait / 1000000 + 1);
		waited += now_ns() - t0;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && (err = pump_once(fd, out, nread)) <= 0)
			return err;
		s = __atomic_load_n(&c->sh->seq, __ATOMIC_ACQUIRE);
		if (s != seq ||
		    __atomic_load_n(&c->sh->cb, __ATOMIC_RELAXED) == QCB_NONE) {
			seq = s;
			waited = 0;
		} else if (waited >= limit) {
			kill(pid, SIGKILL);
			*timed_out = 1;
			while ((err = pump_once(fd, out, nread)) > 0)
				;
			return err;
		}
	}
}

/* What the child staged and did not get into the pipe before it died. */
static void stage_rescue(struct query_shared *sh, FILE *out, uint64_t nread)
{
	uint64_t skip;

	if (nread < sh->stage_base)
		return;
	skip = nread - sh->stage_base;
	if (skip < sh->stage_len)
		fwrite(sh->stage + skip, 1, sh->stage_len - skip, out);
}

static void limit_text(unsigned int ms, char *buf, size_t size)
{
	if (ms % 1000)
		snprintf(buf, size, "%u ms", ms);
	else
		snprintf(buf, size, "%u s", ms / 1000);
}

/* The line just logged, for a caller that replies with it. */
static void keep_error(struct query_result *res)
{
	snprintf(res->error, sizeof(res->error), "%s", log_last_error());
}

/* How the child ended, in one line when the module failed. */
static int child_verdict(struct query_ctx *c, int status, int timed_out,
			 struct query_result *res)
{
	struct query_shared *sh = c->sh;
	const char *cb = sh->cb > 0 && sh->cb <= QCB_FINI ? qcb_names[sh->cb]
							  : NULL;
	const char *what = cb ?: "the query, outside the module's callbacks,";
	const char *sig, *recs = sh->nrec == 1 ? "record" : "records";
	char buf[32];

	if (!timed_out && !WIFSIGNALED(status) && sh->done) {
		if (sh->err && sh->error[0])
			snprintf(res->error, sizeof(res->error), "%s",
				 sh->error);
		if (!sh->err && sh->cut) {
			res->cut = true;
			if (sh->cut == QCUT_BYTES)
				snprintf(buf, sizeof(buf), "%llu bytes",
					 (unsigned long long)c->o->max_bytes);
			else
				limit_text(c->o->max_ms, buf, sizeof(buf));
			snprintf(res->error, sizeof(res->error), "answer cut "
				 "after %lu %s: it reached its limit of %s",
				 sh->nrec, recs, buf);
		}
		return sh->err;
	}
	res->incomplete = true;
	res->callback = cb;
	if (timed_out) {
		limit_text(c->o->timeout_ms ?: QUERY_TIMEOUT_MS, buf,
			   sizeof(buf));
		pr_err("module %s: %s ran over %s and was killed, after %lu "
		       "%s; results are incomplete", c->o->module, what, buf,
		       sh->nrec, recs);
		keep_error(res);
		return -ETIMEDOUT;
	}
	if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
		sig = sigabbrev_np(res->signal);
		if (sig)
			snprintf(buf, sizeof(buf), "SIG%s", sig);
		else
			snprintf(buf, sizeof(buf), "signal %d", res->signal);
		pr_err("module %s: %s crashed (%s) after %lu %s; results are "
		       "incomplete", c->o->module, what, buf, sh->nrec, recs);
	} else {
		pr_err("module %s: %s exited (status %d) after %lu %s; results "
		       "are incomplete", c->o->module, what,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1, sh->nrec,
		       recs);
	}
	keep_error(res);
	return -ECANCELED;
}

static int child_wait(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static int query_fork(struct query_ctx *c, FILE *out,
		      struct query_result *res)
{
	pid_t parent = getpid(), pid;
	int fds[2], status, timed_out = 0, err;
	uint64_t nread = 0;

	if (pipe2(fds, O_CLOEXEC)) {
		err = -errno;
		pr_err("query of '%s': no pipe: %s", c->o->module,
		       strerror(-err));
		keep_error(res);
		return err;
	}
	/* OUT's buffer, copied into the child, is not the child's to write */
	fflush(out);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		pr_err("query of '%s': cannot fork: %s", c->o->module,
		       strerror(-err));
		keep_error(res);
		goto out_close;
	}
	if (pid == 0) {
		close(fds[0]);
		c->fd = fds[1];
		child_main(c, parent);
	}
	close(fds[1]);
	fds[1] = -1;
	err = pump(c, pid, fds[0], out, &nread, &timed_out);
	if (err < 0) {
		pr_err("query of '%s': reading its output: %s", c->o->module,
		       strerror(-err));
		keep_error(res);
		kill(pid, SIGKILL);
	}
	status = child_wait(pid);
	stage_rescue(c->sh, out, nread);
	fflush(out);
	res->nrec = c->sh->nrec;
	res->nskipped = c->sh->nskipped;
	res->damaged_records = c->sh->bad_records;
	res->damaged_bytes = c->sh->bad_bytes;
	res->gaps = c->missing != NULL;
	res->removed = c->removed != NULL;
	res->approximate = c->approx != NULL || c->sh->span_approx;
	for (unsigned int i = 0; i < c->o->nparts; i++) {
		const struct query_part *p = &c->o->parts[i];
		size_t n = strlen(res->replayed_spans);

		if (p->replayed)
			snprintf(res->replayed_spans + n,
				 sizeof(res->replayed_spans) - n,
				 "%s%llu.%09llu:%llu.%09llu", n ? ", " : "",
				 (unsigned long long)(p->from / 1000000000ULL),
				 (unsigned long long)(p->from % 1000000000ULL),
				 (unsigned long long)(p->to / 1000000000ULL),
				 (unsigned long long)(p->to % 1000000000ULL));
		res->replayed |= c->o->parts[i].replayed;
		res->approximate |= c->o->parts[i].approximate;
		res->gaps |= c->o->parts[i].incomplete;
	}
	if (err >= 0)
		err = child_verdict(c, status, timed_out, res);
out_close:
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return err;
}

int query_run(const struct query_opts *o, FILE *out, struct query_result *res)
{
	struct query_result dummy;
	struct json_object *meta = NULL;
	struct query_ctx c = { .o = o, .fd = -1, .unlisted_from = UINT64_MAX };
	int err;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	err = stream_open(&c, &meta);
	if (err) {
		keep_error(res);
		goto out;
	}
	res->partial = c.stopped != NULL;
	res->orphaned = c.orphaned;
	if (o->max_ms)
		c.deadline = now_ns() + o->max_ms * 1000000ULL;
	c.sh = mmap(NULL, sizeof(*c.sh), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c.sh == MAP_FAILED) {
		err = -ENOMEM;
		goto out;
	}
	err = query_fork(&c, out, res);
	munmap(c.sh, sizeof(*c.sh));
out:
	json_object_put(c.missing);
	json_object_put(c.approx);
	free(c.marks);
	if (err && !res->error[0])
		snprintf(res->error, sizeof(res->error), "%s", strerror(-err));
	json_object_put(meta);
	return err;
}
