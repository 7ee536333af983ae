// SPDX-License-Identifier: BSD-3-Clause
/*
 * On-demand queries (replay.h), as a pipeline: the module and the trace
 * as stored (their meta.json), the spans of the window to replay, a pcap
 * of each span's packets (query.c, -f pcap of the trace), comod over it
 * into a private directory, then one answer over the stored and the
 * replayed parts (query.c again). Calls query.h, mod.h, dirfd.h,
 * timewin.h and log.h; runs comod as a child, as 'como run' does.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <pcap/pcap.h>
#include <como/name.h>
#include "dirfd.h"
#include "jsonutil.h"
#include "log.h"
#include "mod.h"
#include "names.h"
#include "replay.h"
#include "timewin.h"
#include "units.h"

/* spans replayed: before and after what the module stored */
#define REPLAY_SPANS	2

struct ondemand {
	const struct query_opts *o;
	char name[COMO_NAME_LEN + 1];	/* the instance: DATADIR/NAME */
	char source[COMO_NAME_LEN + 1];	/* the module it runs */
	char args[1024];		/* space-separated, as stored */
	const char *filter;		/* NULL: none */
	struct json_object *mod, *trace;	/* meta.json; mod NULL: none */
	uint64_t start, end, ivl;
	/* the module's stored intervals the answer takes: [s0, s1) */
	uint64_t s0, s1;
	char tmp[PATH_MAX];		/* the private directory; "": none */
	int tmp_fd;			/* it, locked while it is in use */
	char out[PATH_MAX + COMO_NAME_LEN + 2];	/* where comod stores it */
	char stored[PATH_MAX + COMO_NAME_LEN + 2];	/* DATADIR/NAME */
	struct query_part parts[QUERY_PARTS_MAX];
	unsigned int nparts;
	const struct replay_runner *runner;	/* NULL: replay_comod() */
};

static uint64_t align_down(uint64_t t, uint64_t ivl)
{
	return t - t % ivl;
}

/* The interval after the one T is in, or UINT64_MAX past the end of time. */
static uint64_t next_start(uint64_t t, uint64_t ivl)
{
	uint64_t a = align_down(t, ivl);

	return a > UINT64_MAX - ivl ? UINT64_MAX : a + ivl;
}

/* NAME[:ARG,...] into od; the arguments as comod stores them. */
static int od_spec(struct ondemand *od)
{
	const char *spec = od->o->module, *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	char why[256], *c;

	if (n > COMO_NAME_LEN) {
		pr_err("module name '%.*s...' is too long", COMO_NAME_LEN, spec);
		return -EINVAL;
	}
	memcpy(od->name, spec, n);
	od->name[n] = '\0';
	if (como_name_check(od->name, why, sizeof(why))) {
		pr_err("-m: %s", why);
		return -EINVAL;
	}
	if (colon && strlen(colon + 1) >= sizeof(od->args)) {
		pr_err("-m %s: arguments too long", od->name);
		return -EINVAL;
	}
	snprintf(od->args, sizeof(od->args), "%s", colon ? colon + 1 : "");
	for (c = od->args; *c; c++)
		if (*c == ',')
			*c = ' ';
	if (!strcmp(od->name, REPLAY_TRACE)) {
		pr_err("'%s' is the stored packets themselves: query it without "
		       "--replay", REPLAY_TRACE);
		return -EINVAL;
	}
	return 0;
}

/* The module's meta.json (when DATADIR holds it) and the trace's. */
static int od_meta(struct ondemand *od)
{
	const char *datadir = od->o->datadir, *args;
	int dfd = datadir_open(datadir), err = 0;

	if (dfd == -ENOENT) {	/* anything else, datadir_open() said */
		pr_err("data directory %s does not exist (give it with -d)",
		       datadir);
		return -ENOENT;
	}
	if (dfd < 0)
		return dfd;
	od->mod = meta_read(dfd, od->name);
	if (!od->mod && errno != ENOENT)
		err = -errno;
	od->trace = err ? NULL : meta_read(dfd, REPLAY_TRACE);
	if (!err && !od->trace) {
		err = errno == ENOENT ? -ENOENT : -errno;
		if (err == -ENOENT)
			pr_err("nothing to replay: %s holds no packets (no "
			       "'%s' stream; run the trace module)", datadir,
			       REPLAY_TRACE);
	}
	close(dfd);
	if (err || !od->mod)
		return err;
	/* the module as it ran: its code, arguments and filter */
	snprintf(od->source, sizeof(od->source), "%s",
		 json_str(od->mod, "module") ?: "");
	args = json_str(od->mod, "args") ?: "";
	if (od->args[0] && strcmp(od->args, args)) {
		pr_err("'%s' is stored with arguments '%s', not '%s': a replay "
		       "runs it as it ran", od->name, args, od->args);
		return -EINVAL;
	}
	snprintf(od->args, sizeof(od->args), "%s", args);
	od->filter = json_str(od->mod, "filter");
	if (od->filter && (!*od->filter || !strcmp(od->filter, "all")))
		od->filter = NULL;
	od->ivl = json_u64(od->mod, "interval_ns");
	if (!od->source[0] || strchr(od->source, '/') || !od->ivl) {
		pr_err("%s/%s/" META_FILE ": unreadable or damaged", datadir,
		       od->name);
		return -EBADMSG;
	}
	return 0;
}

/*
 * The interval of a module DATADIR does not hold, from its own init(),
 * run in a child as the query engine runs a module's code.
 */
static int od_interval(struct ondemand *od)
{
	struct como_mod *m = NULL;
	int fds[2], status = 0;
	char why[256] = "";
	uint64_t ivl = 0;
	ssize_t n;
	pid_t pid;

	snprintf(od->source, sizeof(od->source), "%s", od->name);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		/* its refusal is said once, by the caller, who keeps it */
		close(fds[0]);
		log_init("como", -4);
		if (!mod_open(&m, od->name, od->source, od->args, NULL) &&
		    !mod_init(m))
			ivl = m->interval_ns;
		snprintf(why, sizeof(why), "%s", ivl ? "" : log_last_error());
		_exit(write(fds[1], &ivl, sizeof(ivl)) == sizeof(ivl) &&
		      write(fds[1], why, strlen(why)) >= 0 ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], &ivl, sizeof(ivl)) != sizeof(ivl))
		ivl = 0;
	n = read(fds[0], why, sizeof(why) - 1);
	why[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!ivl || !WIFEXITED(status) || WEXITSTATUS(status)) {
		pr_err("%s", why[0] ? why : "module cannot be opened");
		return -EINVAL;
	}
	od->ivl = ivl;
	return 0;
}

/* The window against the end of the data (a trace's) or now. */
static int od_window(struct ondemand *od)
{
	struct json_object *ref = od->mod ?: od->trace;
	struct timewin w;
	uint64_t now;

	od->start = 0;
	od->end = UINT64_MAX;
	if (!od->o->window)
		return 0;
	if (timewin_parse(od->o->window, &w)) {
		pr_err("bad time window '%s': expected START:END, e.g. -5m:0 or "
		       "1700000000:1700000300", od->o->window);
		return -EINVAL;
	}
	now = !strcmp(json_str(ref, "source") ?: "", "trace") ?
	      json_u64(ref, "last_ns") : wall_ns();
	if (timewin_resolve(&w, now, &od->start, &od->end)) {
		pr_err("bad time window '%s': it ends before it starts",
		       od->o->window);
		return -EINVAL;
	}
	return 0;
}

/*
 * The trace stream holds packets stamped in [FROM, TO] (ns, both in): a
 * pcap of them has more than its file header.
 */
static bool od_trace_has(const struct ondemand *od, uint64_t from, uint64_t to)
{
	struct query_opts q = {
		.datadir = od->o->datadir, .module = REPLAY_TRACE,
		.pcap = true, .window_ns = true, .start_ns = from,
		.end_ns = to, .timeout_ms = od->o->timeout_ms,
		/* the first record with a packet in it is enough */
		.max_bytes = sizeof(struct pcap_file_header) + 1,
	};
	struct query_result res;
	char *buf = NULL;
	size_t len = 0;
	bool has;
	FILE *f;
	int lvl;

	if (from > to)
		return false;
	f = open_memstream(&buf, &len);
	if (!f)
		return false;
	/* what the trace's query would say, the replay's own query says */
	lvl = log_set_verbosity(-4);
	query_run(&q, f, &res);
	log_set_verbosity(lvl);
	has = !fclose(f) && len > sizeof(struct pcap_file_header);
	free(buf);
	return has;
}

/*
 * The module's stored intervals the answer takes, [od->s0, od->s1): all
 * but one it ran for in part (it started or stopped inside it) where the
 * trace holds packets of that interval it did not see; that one is
 * replayed whole.
 */
static void od_stored(struct ondemand *od)
{
	uint64_t ivl = od->ivl, first = json_u64(od->mod, "first_ns"),
		 last = json_u64(od->mod, "last_ns");

	od->s0 = align_down(first, ivl);
	od->s1 = next_start(last, ivl);
	if (first > od->s0 && od_trace_has(od, od->s0, first - 1))
		od->s0 += ivl;
	/* a running module's last interval is still to come */
	if (strcmp(json_str(od->mod, "state") ?: "", "running") &&
	    od->s1 != UINT64_MAX && od_trace_has(od, last + 1, od->s1 - 1))
		od->s1 -= ivl;
}

/*
 * The spans of the module's intervals to replay: those the window
 * overlaps where the trace has packets and the answer takes no stored
 * interval, [from, to) each; their number.
 */
static unsigned int od_spans(struct ondemand *od,
			     uint64_t span[REPLAY_SPANS][2])
{
	uint64_t ivl = od->ivl, a, b, s0, s1;
	unsigned int n = 0;

	a = align_down(od->start, ivl);
	b = od->end == UINT64_MAX ? UINT64_MAX : next_start(od->end, ivl);
	if (align_down(json_u64(od->trace, "first_ns"), ivl) > a)
		a = align_down(json_u64(od->trace, "first_ns"), ivl);
	if (next_start(json_u64(od->trace, "last_ns"), ivl) < b)
		b = next_start(json_u64(od->trace, "last_ns"), ivl);
	if (a >= b)
		return 0;
	if (od->mod)
		od_stored(od);
	s0 = od->s0;
	s1 = od->s1;
	if (!od->mod || s0 >= s1) {
		/* nothing stored is taken: the whole window is replayed */
		span[n][0] = a;
		span[n++][1] = b;
		return n;
	}
	if (a < s0) {
		span[n][0] = a;
		span[n++][1] = b < s0 ? b : s0;
	}
	if (b > s1) {
		span[n][0] = a > s1 ? a : s1;
		span[n++][1] = b;
	}
	return n;
}

/* The trace's packets of [FROM, TO) as the pcap PATH; how they were kept. */
static int od_pcap(struct ondemand *od, const char *path, uint64_t from,
		   uint64_t to, struct query_part *p)
{
	struct query_opts q = {
		.datadir = od->o->datadir, .module = REPLAY_TRACE,
		.pcap = true, .window_ns = true, .start_ns = from,
		.end_ns = to, .timeout_ms = od->o->timeout_ms,
	};
	struct query_result res;
	struct json_object *ovf;
	FILE *f = fopen(path, "we");
	int err;

	if (!f) {
		pr_err("cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	err = query_run(&q, f, &res);
	if (fclose(f) && !err) {
		pr_err("cannot write %s: %s", path, strerror(errno));
		err = -EIO;
	}
	if (err)
		return err;
	ovf = json_object_object_get(od->trace, "overflow");
	p->approximate = res.approximate;
	p->packets_lost = res.approximate ? json_u64(ovf, "packets") : 0;
	p->incomplete = res.gaps || res.removed || res.damaged_records ||
			res.partial;
	return 0;
}

/* comod's path: beside this program (como or comod), else on $PATH. */
static void comod_path(char *exe, size_t size)
{
	ssize_t len = readlink("/proc/self/exe", exe, size - 7);
	char *slash;

	if (len > 0) {
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			strcpy(slash + 1, "comod");
			if (!access(exe, X_OK))
				return;
		}
	}
	snprintf(exe, size, "comod");
}

int replay_comod(const struct replay_run *r)
{
	char exe[PATH_MAX];
	const char *argv[16];
	int n = 0, status = 0, nul;
	pid_t pid;

	comod_path(exe, sizeof(exe));
	argv[n++] = "comod";
	argv[n++] = "-q";
	argv[n++] = "-r";
	argv[n++] = r->pcap;
	argv[n++] = "-d";
	argv[n++] = r->dir;
	argv[n++] = "-m";
	argv[n++] = r->spec;
	if (r->filter) {
		argv[n++] = "-F";
		argv[n++] = r->filter;
	}
	if (r->append)
		argv[n++] = "--append";
	argv[n] = NULL;
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* stdout is the answer's: comod's is not */
		nul = open("/dev/null", O_WRONLY);
		if (nul < 0 || dup2(nul, STDOUT_FILENO) < 0)
			_exit(127);
		close_range(3, ~0U, 0);
		if (strchr(exe, '/'))
			execv(exe, (char **)argv);
		else
			execvp(exe, (char **)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* comod over PCAP with the module, into od->tmp; APPEND for a later span. */
static int od_comod(struct ondemand *od, const char *pcap, bool append)
{
	char spec[COMO_NAME_LEN + 2 + sizeof(od->args)], *c;
	struct replay_run r = {
		.pcap = pcap, .dir = od->tmp, .spec = spec,
		.filter = od->filter, .append = append,
	};
	int st;

	snprintf(spec, sizeof(spec), "%s%s%s", od->source,
		 od->args[0] ? ":" : "", od->args);
	for (c = spec; *c; c++)
		if (*c == ' ')
			*c = ',';
	st = od->runner ? od->runner->run(od->runner->ctx, &r) :
			  replay_comod(&r);
	if (!st)
		return 0;
	/* comod said why, on stderr */
	if (st < 0)
		pr_err("replaying '%s' over the stored packets: %s", od->name,
		       strerror(-st));
	else
		pr_err("replaying '%s' over the stored packets: comod exited "
		       "with %d", od->name, st);
	return -ECANCELED;
}

/*
 * What the replay's own run says of its records: its state overflowed
 * (counted once, on the first part replayed) or it could not store some.
 */
static int od_replayed_meta(struct ondemand *od)
{
	int dfd = datadir_open(od->tmp);
	struct json_object *meta, *ovf;
	bool counted = false;
	unsigned int i;

	if (dfd < 0)
		return dfd;
	meta = meta_read(dfd, od->source);
	close(dfd);
	if (!meta)
		return -errno;
	ovf = json_object_object_get(meta, "overflow");
	for (i = 0; i < od->nparts; i++) {
		if (!od->parts[i].replayed)
			continue;
		if (ovf) {
			od->parts[i].approximate = true;
			if (!counted)
				od->parts[i].packets_lost += json_u64(ovf,
								      "packets");
			counted = true;
		}
		if (json_object_object_get(meta, "incomplete"))
			od->parts[i].incomplete = true;
	}
	json_object_put(meta);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) ? -1 : 0;
}

/*
 * The private directories of replays whose process is gone (killed
 * outright: nothing removed them) go: each is locked while in use, and
 * one younger than a minute may not be locked yet.
 */
static void od_tmp_sweep(const char *tmpdir)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(tmpdir);
	int fd;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, REPLAY_TMP_PREFIX,
			    strlen(REPLAY_TMP_PREFIX)) ||
		    strlen(de->d_name) != strlen(REPLAY_TMP_PREFIX) + 6)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && st.st_uid == geteuid() &&
		    st.st_mtime < time(NULL) - 60 &&
		    !flock(fd, LOCK_EX | LOCK_NB)) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir,
				 de->d_name);
			nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		}
		close(fd);
	}
	if (d)
		closedir(d);
}

/* od->tmp made, and locked for as long as this process needs it. */
static int od_tmp_make(struct ondemand *od)
{
	const char *tmpdir = getenv("TMPDIR") ?: "/tmp";
	int err;

	od_tmp_sweep(tmpdir);
	snprintf(od->tmp, sizeof(od->tmp), "%s/" REPLAY_TMP_PREFIX "XXXXXX",
		 tmpdir);
	if (!mkdtemp(od->tmp)) {
		err = -errno;
		pr_err("cannot make a directory for the replay (%s): %s",
		       od->tmp, strerror(-err));
		od->tmp[0] = '\0';
		return err;
	}
	od->tmp_fd = open(od->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (od->tmp_fd >= 0)
		flock(od->tmp_fd, LOCK_EX);
	return 0;
}

/* Span I's packets as a pcap, and comod over it: part P of the answer. */
static int od_span(struct ondemand *od, uint64_t span[][2], unsigned int i,
		   struct query_part *p)
{
	char pcap[PATH_MAX + 32];
	int err;

	*p = (struct query_part){ .dir = od->out, .from = span[i][0],
				  .to = span[i][1], .replayed = true };
	snprintf(pcap, sizeof(pcap), "%s/span-%u.pcap", od->tmp, i);
	err = od_pcap(od, pcap, p->from, p->to, p);
	return err ?: od_comod(od, pcap, i > 0);
}

/*
 * The parts of the answer in time order: the span before the stored
 * intervals taken, those (up to the next span), the span after.
 */
static int od_replay(struct ondemand *od, uint64_t span[][2], unsigned int n)
{
	struct query_part stored = { .dir = od->stored, .to = UINT64_MAX };
	/* in od->parts, or none taken */
	bool stored_in = !od->mod || od->s0 >= od->s1;
	unsigned int i;
	int err = 0;

	snprintf(od->out, sizeof(od->out), "%s/%s", od->tmp, od->source);
	snprintf(od->stored, sizeof(od->stored), "%s/%s", od->o->datadir,
		 od->name);
	for (i = 0; i < n && !err; i++) {
		if (!stored_in && span[i][0] >= od->s1) {
			stored.to = span[i][0];
			od->parts[od->nparts++] = stored;
			stored_in = true;
		}
		if (span[i][1] <= od->s0)
			stored.from = span[i][1];
		err = od_span(od, span, i, &od->parts[od->nparts++]);
	}
	if (!err && !stored_in)
		od->parts[od->nparts++] = stored;
	return err || !n ? err : od_replayed_meta(od);
}

/* The answer: the parts in order, the module read as DATADIR stores it. */
static int od_answer(struct ondemand *od, FILE *out, struct query_result *res)
{
	struct query_opts q = *od->o;

	q.module = od->mod ? od->name : od->source;
	q.datadir = od->mod ? od->o->datadir : od->tmp;
	if (od->o->window) {
		q.window_ns = true;
		q.start_ns = od->start;
		q.end_ns = od->end;
	}
	q.parts = od->parts;
	q.nparts = od->nparts;
	return query_run(&q, out, res);
}

/*
 * NAME's stream has a meta.json, a regular file: looked at, never read,
 * so that it says nothing (the query that reads it says what is wrong).
 */
static bool stream_there(int dfd, const char *name)
{
	char path[COMO_NAME_LEN + sizeof("/" META_FILE)];
	struct stat st;

	snprintf(path, sizeof(path), "%s/" META_FILE, name);
	return !fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) &&
	       S_ISREG(st.st_mode);
}

bool ondemand_possible(const struct query_opts *o)
{
	char why[256];
	bool yes;
	int dfd;

	if (o->pcap || strchr(o->module, ':') || !strcmp(o->module, REPLAY_TRACE) ||
	    como_name_check(o->module, why, sizeof(why)))
		return false;
	/* not datadir_open(): the query says what is wrong with it */
	dfd = open(o->datadir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (dfd < 0)
		return false;
	yes = stream_there(dfd, REPLAY_TRACE) && stream_there(dfd, o->module);
	close(dfd);
	return yes;
}

int query_ondemand(const struct query_opts *o, FILE *out,
		   struct query_result *res, const struct replay_runner *run)
{
	struct ondemand od = { .o = o, .runner = run, .tmp_fd = -1 };
	uint64_t span[REPLAY_SPANS][2];
	struct query_result dummy;
	unsigned int n;
	int err;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (o->pcap) {
		pr_err("a replay answers with records: -f pcap is for the "
		       "'%s' module itself", REPLAY_TRACE);
		err = -EINVAL;
		goto out;
	}
	err = od_spec(&od);
	if (!err)
		err = od_meta(&od);
	if (!err && !od.mod)
		err = od_interval(&od);
	if (!err)
		err = od_window(&od);
	if (err)
		goto out;
	n = od_spans(&od, span);
	if (!n && !od.mod) {
		pr_err("no results of module '%s' in %s, and no packets of "
		       "'%s' in this window to replay", od.name, o->datadir,
		       REPLAY_TRACE);
		err = -ENOENT;
		goto out;
	}
	if (n) {
		err = od_tmp_make(&od);
		if (err)
			goto out;
	}
	err = od_replay(&od, span, n);
	/* a span without packets left no stream: nothing was replayed */
	if (err == -ENOENT && od.mod) {
		od.nparts = 0;
		err = 0;
	}
	if (!err)
		err = od_answer(&od, out, res);
	else if (err == -ENOENT)
		pr_err("no records of module '%s' from the packets replayed",
		       od.name);
out:
	if (od.tmp[0])
		nftw(od.tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (od.tmp_fd >= 0)
		close(od.tmp_fd);
	json_object_put(od.mod);
	json_object_put(od.trace);
	if (err && !res->error[0])
		snprintf(res->error, sizeof(res->error), "%s", log_last_error());
	return err;
}
