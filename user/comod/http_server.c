// SPDX-License-Identifier: BSD-3-Clause
/*
 * The query server's process (http_server.h). libmicrohttpd runs it, a
 * thread for each connection (a slow client holds its own thread, no one
 * else's; one idle for HTTP_IDLE_S is closed, and one whose request is not
 * whole HTTP_REQUEST_S after it connected, or after its last answer, is
 * cut by the reaper: a trickle of bytes keeps no thread), of the default
 * stack size:
 * a query's processes, forked from it, run a module's code on that
 * stack, as large as 'como query' gives it. Each request is checked
 * (the bearer token, then http_req.c) before anything is read for it:
 *
 * - a query forks a worker, which runs query_run() (which runs the
 *   module's code in a process of its own) into a socket the connection
 *   streams from; bounded by max_bytes, max_ms and an address-space
 *   limit, it ends a cut answer as a whole one and says so. A query that
 *   fails before its first byte is answered 4xx or 5xx with its line.
 * - /api/v1/status, /metrics and the modules' live fields ask comod over
 *   the hook for the monitor's figures; the data directory's streams are
 *   read here, beneath the data directory (dirfd.h).
 *
 * Part of comod, though not of its process: started by http.c, it calls
 * only user/lib (http_req, query, dirfd, names, out, log).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include "dirfd.h"
#include "http.h"
#include "http_replay.h"
#include "http_req.h"
#include "http_server.h"
#include "jsonutil.h"
#include "log.h"
#include "names.h"
#include "query.h"
#include "replay.h"
#include "units.h"

#define CONN_MAX		512	/* connections at once */
#define CONN_PER_IP_MAX		256
#define CONN_MEMORY		(64 * 1024)	/* a request's headers */
/* what a query worker may allocate beyond what it was forked with */
#define WORKER_MEMORY		(512ULL << 20)
/* past max_ms, how long a worker has to end its answer before it is killed */
#define WORKER_GRACE_MS		10000
#define CODES_MAX		600
/* queries at once; another is told to come back (503) */
#define QUERIES_MAX		128
/* one answer of comod's serves every ask this close after it */
#define STATUS_FRESH_NS		100000000ULL

/* A connection, from its accept to its close, as the reaper sees it. */
struct conn {
	struct conn *prev, *next;
	int fd;
	bool busy;		/* a request came whole; its answer is on its way */
	bool cut;
	uint64_t since;		/* monotonic ns: waiting for a request from then */
};

struct srv {
	const struct http_srv_cfg *cfg;
	size_t token_len;
	int hook;
	int replay;		/* the replayer's socket */
	pthread_mutex_t ask_lock;
	uint32_t seq;
	char *status;		/* comod's last answer, and when it came */
	uint64_t status_ns;
	uint64_t start_ns;
	/* counted with __atomic: every connection's thread adds to them */
	unsigned long codes[CODES_MAX];
	unsigned long queries, queries_cut, queries_failed, queries_active;
	unsigned long slow_cut;
	/* every open connection; the reaper cuts those slow to ask */
	pthread_mutex_t conn_lock;
	struct conn conns;
};

/* a request, from its URI (uri_log) to its end (completed) */
struct reqctx {
	char *target;		/* NULL: over HTTP_URL_MAX */
};

/* What a query's worker tells the connection, in memory they share. */
struct job_shared {
	int started;		/* its first byte is on its way */
	int done;		/* it got to its end */
	int err;
	char error[256];
};

struct job {
	struct srv *srv;
	pid_t pid;
	int fd;
	struct job_shared *sh;
	uint64_t deadline;	/* monotonic ns: killed past it */
	char first[16384];	/* what the worker sent first */
	size_t first_len, first_off;
	bool eof, noted, cut;
	int wstatus;
	enum out_format fmt;
};

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static void count(unsigned long *c, long d)
{
	__atomic_add_fetch(c, d, __ATOMIC_RELAXED);
}

static unsigned long get(const unsigned long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static enum MHD_Result reply(struct srv *s, struct MHD_Connection *con,
			     unsigned int code, const char *ctype,
			     const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (code == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"como\"");
	if (code < CODES_MAX)
		count(&s->codes[code], 1);
	ret = MHD_queue_response(con, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* A refusal or an error: its one line, and a newline. */
static enum MHD_Result reply_line(struct srv *s, struct MHD_Connection *con,
				  unsigned int code, const char *line)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);

	return reply(s, con, code, "text/plain; charset=utf-8", buf,
		     n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static enum MHD_Result reply_json(struct srv *s, struct MHD_Connection *con,
				  struct json_object *o)
{
	const char *t = json_object_to_json_string_ext(o, JSON_PLAIN);
	enum MHD_Result ret;
	char *body;
	size_t n = strlen(t);

	body = malloc(n + 1);
	if (!body) {
		json_object_put(o);
		return reply_line(s, con, 500, "out of memory");
	}
	memcpy(body, t, n);
	body[n] = '\n';
	json_object_put(o);
	ret = reply(s, con, 200, "application/json", body, n + 1);
	free(body);
	return ret;
}

/*
 * The monitor's figures, from comod; NULL when it does not answer. A
 * burst of scrapes costs comod's loop one answer per STATUS_FRESH_NS.
 */
static struct json_object *ask_comod(struct srv *s)
{
	struct pollfd p = { .fd = s->hook, .events = POLLIN };
	uint64_t end = mono_ns() + HTTP_ASK_MS * 1000000ULL, now;
	struct json_object *o = NULL;
	char *buf = NULL;
	uint32_t seq;
	ssize_t n;

	pthread_mutex_lock(&s->ask_lock);
	if (s->status && mono_ns() - s->status_ns < STATUS_FRESH_NS)
		goto out;
	buf = malloc(HTTP_STATUS_MAX + 1);
	seq = ++s->seq;
	if (!buf || send(s->hook, &seq, sizeof(seq), MSG_NOSIGNAL) != sizeof(seq))
		goto out;
	while ((now = mono_ns()) < end &&
	       poll(&p, 1, (end - now) / 1000000 + 1) > 0) {
		n = recv(s->hook, buf, HTTP_STATUS_MAX, 0);
		if (n <= 0)
			break;
		/* an answer to an ask that gave up waiting: not this one */
		if (n < (ssize_t)sizeof(seq) || memcmp(buf, &seq, sizeof(seq)))
			continue;
		buf[n] = '\0';
		free(s->status);
		s->status = strdup(buf + sizeof(seq));
		s->status_ns = mono_ns();
		break;
	}
out:
	/* each thread its own objects: json-c's are not shared safely */
	if (s->status && mono_ns() - s->status_ns < HTTP_ASK_MS * 1000000ULL)
		o = json_tokener_parse(s->status);
	pthread_mutex_unlock(&s->ask_lock);
	free(buf);
	return o;
}

/* ---- the data directory's streams ---- */

/* Bytes of the files in stream directory NAME (its segments, meta.json). */
static uint64_t stream_bytes(int dfd, const char *name)
{
	int sfd = stream_dir_open(dfd, name, false), fd;
	struct dirent *de;
	struct stat st;
	uint64_t sum = 0;
	DIR *d;

	if (sfd < 0)
		return 0;
	fd = dup(sfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	while (d && (de = readdir(d)))
		if (!fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode))
			sum += st.st_size;
	if (d)
		closedir(d);
	close(sfd);
	return sum;
}

/*
 * Every stream of the data directory, from its meta.json, with its bytes
 * on disk: an array. NULL when the data directory cannot be opened.
 */
static struct json_object *streams_json(struct srv *s)
{
	static const char *const keys[] = {
		"module", "args", "filter", "interval_ns", "source", "state",
		"stopped", "first_ns", "last_ns", "records", "records_lost",
	};
	struct json_object *arr, *meta, *o, *v;
	int dfd = datadir_open(s->cfg->datadir), fd;
	struct dirent *de;
	unsigned int i;
	DIR *d;

	if (dfd < 0)
		return NULL;
	fd = dup(dfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		close(dfd);
		return NULL;
	}
	arr = json_object_new_array();
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || como_name_check(de->d_name, NULL, 0))
			continue;
		meta = meta_read(dfd, de->d_name);
		if (!meta)
			continue;
		o = json_object_new_object();
		json_add_str(o, "name", de->d_name);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (json_object_object_get_ex(meta, keys[i], &v))
				json_object_object_add(o, keys[i],
						       json_object_get(v));
		json_add_u64(o, "storage_bytes", stream_bytes(dfd, de->d_name));
		json_object_array_add(arr, o);
		json_object_put(meta);
	}
	closedir(d);
	close(dfd);
	return arr;
}

static struct json_object *live_module(struct json_object *status,
				       const char *name)
{
	struct json_object *mods, *m;
	size_t i, n;

	if (!json_object_object_get_ex(status, "modules", &mods))
		return NULL;
	n = json_object_array_length(mods);
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(mods, i);
		if (!strcmp(json_str(m, "name") ?: "", name))
			return m;
	}
	return NULL;
}

static enum MHD_Result do_modules(struct srv *s, struct MHD_Connection *con)
{
	struct json_object *st = ask_comod(s), *arr = streams_json(s), *o, *m;
	size_t i, n;

	if (!arr) {
		json_object_put(st);
		return reply_line(s, con, 500, "the data directory cannot be read");
	}
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(arr, i);
		m = live_module(st, json_str(o, "name"));
		json_object_object_add(o, "running", json_object_new_boolean(!!m));
		if (m)
			json_object_object_add(o, "live", json_object_get(m));
	}
	o = json_object_new_object();
	json_object_object_add(o, "modules", arr);
	json_object_put(st);
	return reply_json(s, con, o);
}

static struct json_object *http_json(struct srv *s)
{
	struct json_object *o = json_object_new_object();

	json_add_u64(o, "queries", get(&s->queries));
	json_add_u64(o, "queries_cut", get(&s->queries_cut));
	json_add_u64(o, "queries_failed", get(&s->queries_failed));
	json_add_u64(o, "queries_active", get(&s->queries_active));
	json_add_u64(o, "slow_cut", get(&s->slow_cut));
	json_add_u64(o, "max_bytes", s->cfg->max_bytes);
	json_add_u64(o, "max_ms", s->cfg->max_ms);
	json_object_object_add(o, "token", json_object_new_boolean(s->token_len));
	return o;
}

static enum MHD_Result do_status(struct srv *s, struct MHD_Connection *con)
{
	struct json_object *st = ask_comod(s), *arr = streams_json(s);
	uint64_t bytes = 0;
	size_t i;

	if (!st)
		return reply_line(s, con, 503, "comod did not answer in time");
	for (i = 0; arr && i < json_object_array_length(arr); i++)
		bytes += json_u64(json_object_array_get_idx(arr, i),
				  "storage_bytes");
	json_add_u64(st, "storage_bytes", bytes);
	json_add_u64(st, "streams", arr ? json_object_array_length(arr) : 0);
	json_object_object_add(st, "http", http_json(s));
	json_object_put(arr);
	return reply_json(s, con, st);
}

/* ---- /metrics: Prometheus' text format ---- */

struct prom {
	char *buf;
	size_t len;
	FILE *f;
};

static void prom_head(struct prom *p, const char *name, const char *type,
		      const char *help)
{
	fprintf(p->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* a label's value, as the text format escapes it */
static void prom_label(struct prom *p, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(p->f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", p->f);
		else
			fputc(*v, p->f);
	}
}

static void prom_value(struct prom *p, const char *name, const char *label,
		       const char *lval, double v)
{
	fputs(name, p->f);
	if (label) {
		fprintf(p->f, "{%s=\"", label);
		prom_label(p, lval);
		fputs("\"}", p->f);
	}
	fprintf(p->f, " %.17g\n", v);
}

static void prom_one(struct prom *p, const char *name, const char *type,
		     const char *help, double v)
{
	prom_head(p, name, type, help);
	prom_value(p, name, NULL, NULL, v);
}

static const struct {
	const char *name, *type, *key, *help;
	double scale;
} module_metrics[] = {
	{ "como_module_packets_total", "counter", "packets",
	  "Packets that reached the module's program.", 1 },
	{ "como_module_bytes_total", "counter", "bytes",
	  "Bytes of the packets that reached the module's program.", 1 },
	{ "como_module_updates_total", "counter", "updates",
	  "Packets handed to the module's update(), after sampling.", 1 },
	{ "como_module_update_errors_total", "counter", "errors",
	  "Packets update() could not count (e.g. its state map was full).", 1 },
	{ "como_module_sampled_out_packets_total", "counter", "sampled_out",
	  "Packets the module's sampling (the overload guard's) or a stop left out.", 1 },
	{ "como_module_uncounted_packets_total", "counter", "packets_uncounted",
	  "Packets of stored intervals the module could not count (a full table, "
	  "sampling): those intervals are marked approximate.", 1 },
	{ "como_module_cost_seconds_total", "counter", "run_ns",
	  "CPU time spent in the module's program.", 1e-9 },
	{ "como_module_sampling", "gauge", "sampling",
	  "The module takes 1 packet in this many (1: every packet).", 1 },
	{ "como_module_epoch", "gauge", "epoch",
	  "The number of the epoch the module is writing.", 1 },
	{ "como_module_records_total", "counter", "records",
	  "Records stored for this name.", 1 },
	{ "como_module_records_lost_total", "counter", "records_lost",
	  "Records that could not be written.", 1 },
	{ "como_module_epochs_lost_total", "counter", "epochs_lost",
	  "Epochs closed but not exported (the module was stopped).", 1 },
	{ "como_module_export_errors_total", "counter", "export_errors",
	  "Calls to the module's export() that failed.", 1 },
	{ "como_module_push_sent_total", "counter", "push_sent",
	  "Records sent whole to the module's send-to receivers.", 1 },
	{ "como_module_push_dropped_total", "counter", "push_dropped",
	  "Records dropped from a full send-to queue.", 1 },
	{ "como_module_push_unsent_total", "counter", "push_unsent",
	  "Records left in a send-to queue when it ended.", 1 },
	{ "como_module_push_queued", "gauge", "push_queued",
	  "Records waiting in the module's send-to queues.", 1 },
};

static void prom_modules(struct prom *p, struct json_object *mods)
{
	size_t i, j, n = mods ? json_object_array_length(mods) : 0;
	struct json_object *m, *v;

	for (j = 0; j < sizeof(module_metrics) / sizeof(module_metrics[0]); j++) {
		prom_head(p, module_metrics[j].name, module_metrics[j].type,
			  module_metrics[j].help);
		for (i = 0; i < n; i++) {
			m = json_object_array_get_idx(mods, i);
			prom_value(p, module_metrics[j].name, "module",
				   json_str(m, "name") ?: "",
				   json_u64(m, module_metrics[j].key) *
				   module_metrics[j].scale);
		}
	}
	prom_head(p, "como_module_running", "gauge",
		  "1 while the module runs, 0 once it was stopped.");
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(mods, i);
		prom_value(p, "como_module_running", "module",
			   json_str(m, "name") ?: "",
			   !strcmp(json_str(m, "state") ?: "", "running"));
	}
	prom_head(p, "como_module_enabled", "gauge",
		  "1 while the module takes packets.");
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(mods, i);
		prom_value(p, "como_module_enabled", "module",
			   json_str(m, "name") ?: "",
			   json_object_object_get_ex(m, "enabled", &v) &&
			   json_object_get_boolean(v));
	}
}

static void prom_streams(struct prom *p, struct json_object *arr)
{
	size_t i, n = arr ? json_object_array_length(arr) : 0;
	struct json_object *o;
	uint64_t sum = 0;

	prom_head(p, "como_storage_bytes", "gauge",
		  "Bytes a stream takes in the data directory.");
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(arr, i);
		sum += json_u64(o, "storage_bytes");
		prom_value(p, "como_storage_bytes", "module",
			   json_str(o, "name") ?: "", json_u64(o, "storage_bytes"));
	}
	prom_one(p, "como_datadir_bytes", "gauge",
		 "Bytes the streams take in the data directory.", sum);
}

static void prom_http(struct prom *p, struct srv *s)
{
	char code[8];
	unsigned int c;

	prom_head(p, "como_http_requests_total", "counter",
		  "HTTP requests answered, by status code.");
	for (c = 100; c < CODES_MAX; c++) {
		if (!get(&s->codes[c]))
			continue;
		snprintf(code, sizeof(code), "%u", c);
		prom_value(p, "como_http_requests_total", "code", code,
			   get(&s->codes[c]));
	}
	prom_one(p, "como_http_queries_total", "counter",
		 "Queries begun.", get(&s->queries));
	prom_one(p, "como_http_queries_cut_total", "counter",
		 "Queries whose answer was cut at a bound.", get(&s->queries_cut));
	prom_one(p, "como_http_queries_failed_total", "counter",
		 "Queries that failed.", get(&s->queries_failed));
	prom_one(p, "como_http_queries_active", "gauge",
		 "Queries being answered.", get(&s->queries_active));
}

static enum MHD_Result do_metrics(struct srv *s, struct MHD_Connection *con)
{
	struct json_object *st = ask_comod(s), *arr = streams_json(s), *mods;
	struct prom p = { 0 };
	enum MHD_Result ret;
	bool live;

	if (!st) {
		json_object_put(arr);
		return reply_line(s, con, 503, "comod did not answer in time");
	}
	p.f = open_memstream(&p.buf, &p.len);
	if (!p.f) {
		json_object_put(st);
		json_object_put(arr);
		return reply_line(s, con, 500, "out of memory");
	}
	live = strcmp(json_str(st, "source_kind") ?: "", "none");
	prom_head(&p, "como_info", "gauge",
		  "What comod reads: its source's kind (live, trace or none).");
	prom_value(&p, "como_info", "source_kind",
		   json_str(st, "source_kind") ?: "none", 1);
	if (live) {
		prom_one(&p, "como_uptime_seconds", "gauge",
			 "Seconds since comod began the run.",
			 json_u64(st, "uptime_ns") / 1e9);
		prom_one(&p, "como_packets_total", "counter",
			 "Packets the dispatcher saw.", json_u64(st, "packets"));
		prom_one(&p, "como_bytes_total", "counter",
			 "Bytes of the packets the dispatcher saw.",
			 json_u64(st, "bytes"));
		prom_one(&p, "como_non_ip_packets_total", "counter",
			 "Packets that were not IP.", json_u64(st, "non_ip"));
		prom_one(&p, "como_truncated_packets_total", "counter",
			 "Packets cut short by the capture.",
			 json_u64(st, "truncated"));
		if (json_object_object_get_ex(st, "cpu_load_pm", NULL)) {
			prom_one(&p, "como_cpu_load_ratio", "gauge",
				 "The modules' CPU load over the guard's last tick, "
				 "in CPUs.", json_u64(st, "cpu_load_pm") / 1000.0);
			prom_one(&p, "como_cpu_budget_ratio", "gauge",
				 "The guard's CPU budget, in CPUs (0: none).",
				 json_u64(st, "cpu_budget_pm") / 1000.0);
		}
	}
	json_object_object_get_ex(st, "modules", &mods);
	prom_modules(&p, live ? mods : NULL);
	prom_streams(&p, arr);
	prom_http(&p, s);
	fclose(p.f);
	json_object_put(st);
	json_object_put(arr);
	ret = reply(s, con, 200, "text/plain; version=0.0.4; charset=utf-8",
		    p.buf, p.len);
	free(p.buf);
	return ret;
}

/* ---- queries ---- */

/* The worker's output: the JSON API's head before its first byte. */
struct wout {
	int fd;
	const char *head;
	struct job_shared *sh;
};

static int write_all(int fd, const char *buf, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

static ssize_t wout_write(void *cookie, const char *buf, size_t n)
{
	struct wout *w = cookie;

	if (!w->sh->started) {
		w->sh->started = 1;
		if (w->head && write_all(w->fd, w->head, strlen(w->head)))
			return -1;
	}
	return write_all(w->fd, buf, n) ? -1 : (ssize_t)n;
}

/*
 * A plain, CSV or gnuplot answer that is not the whole, exact answer ends
 * with a line that says why, as a local query says it on stderr.
 */
static void not_exact_line(FILE *f, const struct query_result *res)
{
	const char *sep = "";

	if (!res->partial && !res->orphaned && !res->gaps && !res->removed &&
	    !res->approximate && !res->damaged_records)
		return;
	fprintf(f, "# not exact:");
	if (res->orphaned) {
		fprintf(f, " partial (its comod ended without closing it: "
			"killed?)");
		sep = ",";
	} else if (res->partial) {
		fprintf(f, " partial (the run that stored these records did "
			"not finish)");
		sep = ",";
	}
	if (res->gaps && !res->damaged_records) {
		fprintf(f, "%s incomplete (intervals that could not be stored)",
			sep);
		sep = ",";
	}
	if (res->removed) {
		fprintf(f, "%s incomplete (data removed by retention)", sep);
		sep = ",";
	}
	if (res->damaged_records) {
		fprintf(f, "%s damaged (%llu records skipped)", sep,
			(unsigned long long)res->damaged_records);
		sep = ",";
	}
	if (res->approximate)
		fprintf(f, "%s approximate (packets not counted)", sep);
	fputc('\n', f);
}

static void json_tail(FILE *f, const struct query_result *res, int err)
{
	struct json_object *o = json_object_new_object();
	const char *t;

	json_add_u64(o, "count", res->nrec);
	json_add_u64(o, "skipped", res->nskipped);
	json_object_object_add(o, "partial", json_object_new_boolean(res->partial));
	json_object_object_add(o, "complete", json_object_new_boolean(
		!err && !res->cut && !res->incomplete));
	if (err || res->cut || res->incomplete)
		json_add_str(o, "cut", res->error[0] ? res->error : strerror(-err));
	/* the fields after "records", without the braces of their object */
	t = json_object_to_json_string_ext(o, JSON_PLAIN);
	/* a module that died mid-answer left its array open */
	fprintf(f, "%s,%.*s}\n", res->incomplete ? "]" : "",
		(int)strlen(t) - 2, t + 1);
	json_object_put(o);
}

/* The worker: one query into FD, then its end said; never returns. */
static void __attribute__((noreturn))
worker_main(struct srv *s, const struct http_req *r, int fd,
	    struct job_shared *sh)
{
	static const cookie_io_functions_t io = { .write = wout_write };
	struct query_opts o = {
		.datadir = s->cfg->datadir, .module = r->module,
		.window = r->window[0] ? r->window : NULL,
		.fmt = r->ep == HTTP_EP_QUERY ? OUT_JSON : r->fmt,
		.pcap = r->pcap,
		.max_bytes = s->cfg->max_bytes, .max_ms = s->cfg->max_ms,
		/* no one call into the module runs longer than the answer may */
		.timeout_ms = s->cfg->max_ms < QUERY_TIMEOUT_MS ? s->cfg->max_ms : 0,
	};
	/* comod's BPF runs a replay: the replayer, not this process */
	struct replay_runner run = { .run = http_replay_ask, .ctx = &s->replay };
	struct query_result res;
	struct wout w = { .fd = fd, .sh = sh };
	struct rlimit rl;
	unsigned long pages;
	FILE *f, *out;
	bool replay;
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* unasked, on demand where the directory holds the trace's packets */
	replay = r->replay || (!r->replay_set && r->module[0] &&
			       ondemand_possible(&o));
	/* a replay removes its directory even when the client went away */
	signal(SIGPIPE, replay ? SIG_IGN : SIG_DFL);
	if (dup2(fd, 3) == 3 && dup2(s->replay, 4) == 4) {
		w.fd = fd = 3;
		s->replay = 4;
		close_range(5, ~0U, 0);
	}
	f = fopen("/proc/self/statm", "r");
	if (f && fscanf(f, "%lu", &pages) == 1) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)pages * sysconf(_SC_PAGESIZE) +
					    WORKER_MEMORY;
		setrlimit(RLIMIT_AS, &rl);
	}
	if (f)
		fclose(f);
	/* a client's bad request is its answer, not comod's log */
	log_init("comod", s->cfg->verbose > 0 ? s->cfg->verbose : -4);
	if (r->ep == HTTP_EP_QUERY) {
		struct json_object *m = json_object_new_string(r->module);
		struct json_object *win = r->window[0] ?
			json_object_new_string(r->window) : NULL;
		char *h = NULL;

		/* {"module":...,"window":...,"records": then the array */
		if (asprintf(&h, "{\"module\":%s,\"window\":%s,\"records\":",
			     json_object_to_json_string_ext(m, JSON_PLAIN),
			     win ? json_object_to_json_string_ext(win, JSON_PLAIN)
				 : "null") < 0)
			_exit(1);
		json_object_put(m);
		json_object_put(win);
		w.head = h;
	}
	out = fopencookie(&w, "w", io);
	if (!out)
		_exit(1);
	setvbuf(out, NULL, _IOFBF, 1 << 16);
	err = replay ? query_ondemand(&o, out, &res, &run) :
		       query_run(&o, out, &res);
	fflush(out);
	if (!sh->started) {
		sh->err = err ?: -EIO;
		snprintf(sh->error, sizeof(sh->error), "%s", res.error[0] ?
			 res.error : strerror(-sh->err));
		sh->done = 1;
		_exit(0);
	}
	if (r->ep == HTTP_EP_QUERY)
		json_tail(out, &res, err);
	else if (r->pcap)
		;	/* a pcap cut short ends at a whole packet: no note in it */
	else if (res.cut)	/* its line says "answer cut" already */
		fprintf(out, "# %s\n", res.error);
	else if (err || res.incomplete)
		fprintf(out, "# answer cut: %s\n", res.error[0] ? res.error :
			strerror(-err));
	if (r->ep != HTTP_EP_QUERY && !r->pcap && r->fmt != OUT_JSON &&
	    res.replayed_spans[0])
		fprintf(out, "# replayed from the packets stored by 'trace': "
			"%s%s\n", res.replayed_spans,
			res.approximate ? " (approximate)" : "");
	/* last: what como query --server reads to exit as a local query */
	if (r->ep != HTTP_EP_QUERY && !r->pcap && r->fmt != OUT_JSON &&
	    !res.cut && !err && !res.incomplete)
		not_exact_line(out, &res);
	fflush(out);
	sh->err = err;
	if (res.cut || res.incomplete || err)
		snprintf(sh->error, sizeof(sh->error), "%s", res.error);
	sh->done = 1;
	_exit(0);
}

static void job_reap(struct job *j, bool kill_it)
{
	if (j->pid <= 0)
		return;
	if (kill_it)
		kill(j->pid, SIGKILL);
	while (waitpid(j->pid, &j->wstatus, 0) < 0 && errno == EINTR)
		;
	j->pid = 0;
}

static void job_free(void *cls)
{
	struct job *j = cls;

	job_reap(j, true);
	if (j->fd >= 0)
		close(j->fd);
	/* begun, and not to its end as a whole: the worker said so, or we */
	if (j->sh && j->sh->started &&
	    (j->cut || !j->sh->done || j->sh->err || j->sh->error[0]))
		count(&j->srv->queries_cut, 1);
	count(&j->srv->queries_active, -1);
	if (j->sh)
		munmap(j->sh, sizeof(*j->sh));
	free(j);
}

/* What the worker sent, or -1 at its end; waits up to the deadline. */
static ssize_t job_read(struct job *j, char *buf, size_t max)
{
	struct pollfd p = { .fd = j->fd, .events = POLLIN };
	uint64_t now;
	ssize_t n;

	for (;;) {
		now = mono_ns();
		if (now >= j->deadline) {
			job_reap(j, true);
			j->cut = true;
			return -1;
		}
		if (poll(&p, 1, (j->deadline - now) / 1000000 + 1) <= 0)
			continue;
		n = read(j->fd, buf, max);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		return n;
	}
}

/* The answer's end when the worker did not get to say it itself. */
static ssize_t job_note(struct job *j, char *buf, size_t max)
{
	const char *why = j->cut ? "it ran past its time and was killed" :
			  "its process ended before the answer did";
	int n;

	j->noted = true;
	if (j->sh->done)
		return 0;
	count(&j->srv->queries_failed, 1);
	j->cut = true;
	n = snprintf(buf, max, "\n# answer cut: %s\n", why);
	return n < (int)max ? n : (ssize_t)max;
}

static ssize_t job_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct job *j = cls;
	ssize_t n;

	(void)pos;
	if (j->first_off < j->first_len) {
		n = j->first_len - j->first_off;
		if ((size_t)n > max)
			n = max;
		memcpy(buf, j->first + j->first_off, n);
		j->first_off += n;
		return n;
	}
	if (!j->eof) {
		n = job_read(j, buf, max);
		if (n > 0)
			return n;
		j->eof = true;
		job_reap(j, false);
	}
	if (!j->noted) {
		n = job_note(j, buf, max);
		if (n > 0)
			return n;
	}
	return MHD_CONTENT_READER_END_OF_STREAM;
}

static unsigned int query_status(int err)
{
	switch (err) {
	case -ENOENT:
		return 404;
	case -EINVAL:
	case -ERANGE:
	case -EOPNOTSUPP:	/* format=pcap of a module without replay() */
		return 400;
	default:
		return 500;
	}
}

static const char *content_type(const struct http_req *r)
{
	if (r->pcap)
		return "application/vnd.tcpdump.pcap";
	if (r->ep == HTTP_EP_QUERY || r->fmt == OUT_JSON)
		return "application/json";
	if (r->fmt == OUT_CSV)
		return "text/csv; charset=utf-8";
	return "text/plain; charset=utf-8";
}

static enum MHD_Result do_query(struct srv *s, struct MHD_Connection *con,
				const struct http_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	struct job *j = calloc(1, sizeof(*j));
	int sv[2] = { -1, -1 };
	ssize_t n;

	if (!j)
		return reply_line(s, con, 500, "out of memory");
	j->srv = s;
	j->fd = -1;
	j->fmt = r->fmt;
	count(&s->queries, 1);
	if (__atomic_add_fetch(&s->queries_active, 1, __ATOMIC_RELAXED) >
	    QUERIES_MAX) {
		char line[80];

		count(&s->queries_active, -1);
		count(&s->queries_failed, 1);
		free(j);
		snprintf(line, sizeof(line), "%d queries are being answered: "
			 "ask again later", QUERIES_MAX);
		return reply_line(s, con, 503, line);
	}
	j->sh = mmap(NULL, sizeof(*j->sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j->sh == MAP_FAILED) {
		j->sh = NULL;
		goto err_busy;
	}
	/* a socket: any other child of comod closes those it inherits */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		goto err_busy;
	j->deadline = mono_ns() + (s->cfg->max_ms + WORKER_GRACE_MS) * 1000000ULL;
	j->pid = fork();
	if (j->pid < 0)
		goto err_busy;
	if (j->pid == 0) {
		close(sv[0]);
		worker_main(s, r, sv[1], j->sh);
	}
	close(sv[1]);
	j->fd = sv[0];
	/* its first bytes, or its end with nothing said: which status */
	n = job_read(j, j->first, sizeof(j->first));
	if (n <= 0) {
		unsigned int code;
		char line[300];

		job_reap(j, n < 0 && j->cut);
		code = j->sh->done ? query_status(j->sh->err) : 500;
		snprintf(line, sizeof(line), "%s", j->sh->done ? j->sh->error :
			 "the query's process ended before it answered");
		count(&s->queries_failed, 1);
		j->sh->started = 0;
		job_free(j);
		return reply_line(s, con, code, line);
	}
	j->first_len = n;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
						 job_reader, j, job_free);
	if (!resp) {
		job_free(j);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type(r));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	count(&s->codes[200], 1);
	ret = MHD_queue_response(con, 200, resp);
	MHD_destroy_response(resp);
	return ret;

err_busy:
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	j->fd = -1;
	job_free(j);
	count(&s->queries_failed, 1);
	return reply_line(s, con, 503, "no resources for another query now");
}

/* ---- requests ---- */

static bool token_ok(const struct srv *s, struct MHD_Connection *con)
{
	const char *h = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	unsigned char diff;
	size_t i, n;

	if (!s->token_len)
		return true;
	if (!h || strncasecmp(h, "Bearer ", 7))
		return false;
	h += 7;
	while (*h == ' ')
		h++;
	n = strlen(h);
	/* as long whatever it holds: the time says nothing of the token */
	diff = n != s->token_len;
	for (i = 0; i < s->token_len; i++)
		diff |= s->cfg->token[i] ^ (i < n ? h[i] : 0);
	return !diff;
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct reqctx *rc = calloc(1, sizeof(*rc));

	(void)cls;
	(void)con;
	if (rc && strlen(uri) <= HTTP_URL_MAX)
		rc->target = strdup(uri);
	return rc;
}

static struct conn *conn_of(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* A request came whole (BUSY), or its answer ended: its clock starts. */
static void conn_busy(struct srv *s, struct MHD_Connection *con, bool busy)
{
	struct conn *c = conn_of(con);

	if (!c)
		return;
	pthread_mutex_lock(&s->conn_lock);
	c->busy = busy;
	c->since = mono_ns();
	pthread_mutex_unlock(&s->conn_lock);
}

static void notify_conn(void *cls, struct MHD_Connection *con,
			void **socket_context,
			enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *ci;
	struct srv *s = cls;
	struct conn *c;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
		c = ci ? calloc(1, sizeof(*c)) : NULL;
		*socket_context = c;
		if (!c)
			return;
		c->fd = ci->connect_fd;
		c->since = mono_ns();
		pthread_mutex_lock(&s->conn_lock);
		c->next = s->conns.next;
		c->prev = &s->conns;
		c->next->prev = c;
		s->conns.next = c;
		pthread_mutex_unlock(&s->conn_lock);
		return;
	}
	/* before libmicrohttpd closes the socket: the reaper lets go of it */
	c = *socket_context;
	if (!c)
		return;
	pthread_mutex_lock(&s->conn_lock);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	pthread_mutex_unlock(&s->conn_lock);
	free(c);
	*socket_context = NULL;
}

/*
 * Once a second: a connection that has not sent a whole request within
 * HTTP_REQUEST_S is shut down, and its thread, seeing its end, closes it.
 */
static void *reaper(void *arg)
{
	const struct timespec second = { .tv_sec = 1 };
	struct srv *s = arg;
	struct conn *c;
	uint64_t now;

	for (;;) {
		nanosleep(&second, NULL);
		now = mono_ns();
		pthread_mutex_lock(&s->conn_lock);
		for (c = s->conns.next; c != &s->conns; c = c->next) {
			if (c->busy || c->cut ||
			    now - c->since < HTTP_REQUEST_S * 1000000000ULL)
				continue;
			shutdown(c->fd, SHUT_RDWR);
			c->cut = true;
			count(&s->slow_cut, 1);
			if (s->cfg->verbose > 0)
				pr_info("http: a request not whole after %d s: "
					"its connection is cut", HTTP_REQUEST_S);
		}
		pthread_mutex_unlock(&s->conn_lock);
	}
	return NULL;
}

static void completed(void *cls, struct MHD_Connection *con, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct reqctx *rc = *req_cls;

	(void)toe;
	conn_busy(cls, con, false);
	if (rc)
		free(rc->target);
	free(rc);
	*req_cls = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct srv *s = cls;
	struct reqctx *rc = *req_cls;
	struct http_req r;
	int code;

	(void)url;
	(void)version;
	(void)upload;
	/* a body is nobody's business here: taken and dropped */
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (!rc)
		return reply_line(s, con, 500, "out of memory");
	conn_busy(s, con, true);
	if (!token_ok(s, con))
		return reply_line(s, con, 401, "a bearer token is required "
				  "(Authorization: Bearer TOKEN), and this is "
				  "not it");
	if (!rc->target) {
		char line[64];

		snprintf(line, sizeof(line), "request target over %d bytes",
			 HTTP_URL_MAX);
		return reply_line(s, con, 414, line);
	}
	code = http_req_parse(method, rc->target, &r);
	if (s->cfg->verbose > 0)
		pr_info("http: %s %s: %s", method, rc->target,
			code ? r.why : "answered");
	if (code)
		return reply_line(s, con, code, r.why);
	switch (r.ep) {
	case HTTP_EP_COMO:
	case HTTP_EP_QUERY:
		return do_query(s, con, &r);
	case HTTP_EP_MODULES:
		return do_modules(s, con);
	case HTTP_EP_STATUS:
		return do_status(s, con);
	case HTTP_EP_METRICS:
		return do_metrics(s, con);
	}
	return reply_line(s, con, 500, "no such endpoint");
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	pr_info("http: %s", buf);
}

/*
 * The server needs no capability of comod's but reading the data
 * directory: the others (BPF, network and system administration...) are
 * dropped for good, and nothing it runs can gain any.
 */
static void drop_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	int c;

	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (c != CAP_DAC_READ_SEARCH && c != CAP_DAC_OVERRIDE)
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	if (!syscall(SYS_capget, &h, d)) {
		__u32 keep = 1U << CAP_DAC_READ_SEARCH | 1U << CAP_DAC_OVERRIDE;

		d[0].effective &= keep;
		d[0].permitted &= keep;
		d[0].inheritable = 0;
		d[1].effective = d[1].permitted = d[1].inheritable = 0;
		syscall(SYS_capset, &h, d);
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/*
 * A server restarted while comod runs was forked with comod's shared
 * mappings (BPF maps, export areas): none of them is the server's.
 */
static void drop_shared_mappings(void)
{
	unsigned long lo, hi;
	char perms[8], line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
		    perms[3] == 's')
			munmap((void *)lo, hi - lo);
	if (f)
		fclose(f);
}

static void say(int hook, const char *msg)
{
	send(hook, msg, strlen(msg), MSG_NOSIGNAL);
}

void http_server_main(const struct http_srv_cfg *cfg, int listen_fd, int hook,
		      int replay_fd)
{
	struct MHD_Daemon *d;
	struct srv s = {
		.cfg = cfg, .token_len = strlen(cfg->token),
		.start_ns = mono_ns(),
	};
	struct pollfd p;
	pthread_t rt;
	sigset_t set;
	/* above the numbers the sockets are given, so that none is lost */
	int rfd = fcntl(replay_fd, F_DUPFD_CLOEXEC, 16);

	/* it never outlives comod; ^C is comod's to act on, not its own */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "comod-http");
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	/* nothing of comod's but the sockets: no map, link or lock */
	if (dup2(listen_fd, 3) != 3 || dup2(hook, 4) != 4 ||
	    rfd < 0 || dup2(rfd, 5) != 5)
		_exit(1);
	close_range(6, ~0U, 0);
	drop_shared_mappings();
	drop_capabilities();
	s.hook = 4;
	s.replay = 5;
	pthread_mutex_init(&s.ask_lock, NULL);
	pthread_mutex_init(&s.conn_lock, NULL);
	s.conns.next = s.conns.prev = &s.conns;
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			     MHD_USE_ERROR_LOG | (cfg->ipv6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, on_request, &s,
			     MHD_OPTION_LISTEN_SOCKET, 3,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_S,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_MAX,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     (unsigned int)CONN_PER_IP_MAX,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
			     MHD_OPTION_URI_LOG_CALLBACK, uri_log, &s,
			     MHD_OPTION_NOTIFY_COMPLETED, completed, &s,
			     MHD_OPTION_NOTIFY_CONNECTION, notify_conn, &s,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s,
			     MHD_OPTION_END);
	if (!d) {
		say(4, "libmicrohttpd would not start on the socket");
		_exit(1);
	}
	if (pthread_create(&rt, NULL, reaper, &s)) {
		say(4, "no thread for the HTTP server's reaper");
		_exit(1);
	}
	say(4, HTTP_READY);
	/* until comod closes its end (or dies: then PDEATHSIG) */
	p = (struct pollfd){ .fd = 4, .events = 0 };
	while (!(poll(&p, 1, -1) > 0 && (p.revents & (POLLHUP | POLLERR))))
		;
	_exit(0);
}
