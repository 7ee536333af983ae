// SPDX-License-Identifier: BSD-3-Clause
/*
 * Export: the module's export(), action() and store() over a drained
 * table, each record then handed to the stream.
 *
 * The module's code runs in a worker process of its own, as CoMo ran
 * EXPORT apart from CAPTURE: comod forks it once the module is opened and
 * init()ed, so it holds the module's .so and state, and from then on
 * runs none of the module's code. They share one memory area (a memfd,
 * mapped before the fork): at the end of an epoch comod copies the table
 * into it and says "go" on a socket pair; the worker runs export(), which
 * emits records through action() and store() into the area, and says
 * "done". An epoch whose records do not fit crosses in chunks: "chunk",
 * comod sets them aside, "continue". comod stores an epoch's records
 * only once it is whole, so a stored epoch is always a whole one.
 *
 * A worker that dies, runs over its time (COMOD_EXPORT_TIMEOUT) or its
 * memory (COMOD_EXPORT_MEMORY, its address space beyond what it was
 * forked with) is killed and its module stopped: rt->stopped says why,
 * an event says so, its capture is disabled, and the drain goes on
 * emptying its halves, each epoch counted as lost. comod trusts nothing
 * the worker writes: every record is bounds-checked before it is stored.
 *
 * Part of comod: called by the drain and the module set; calls the
 * stream, events and the data path (to disable a stopped module), and
 * nothing above.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <linux/como.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "datapath.h"
#include "events.h"
#include "export.h"
#include "jsonutil.h"
#include "log.h"
#include "stream.h"
#include "units.h"

#define EXPORT_TIMEOUT_NS	(5 * NSEC_PER_SEC)
#define EXPORT_MEMORY		(1ULL << 30)
#define EXPORT_BUFFER		(4U << 20)
#define EXPORT_BUFFER_MIN	4096U
/* what store() may write for one record (the in-process export's limit) */
#define RECBUF_SIZE		65536U
/* the head of the shared area, then the table's keys, values, records */
#define SHM_HEAD		64U
/* a histogram of ns: four buckets to each power of two, 12.5% wide */
#define HIST_BUCKETS		256

/* One record in the shared area: its header, then LEN bytes, 8-aligned. */
struct export_rec {
	__u64 ts;
	__u32 len;
	__u32 pad;
};

static inline size_t rec_space(size_t len)
{
	return sizeof(struct export_rec) + ((len + 7) & ~(size_t)7);
}

/* The socket pair's messages, one a datagram. */
enum export_op {
	EXPORT_GO = 1,		/* comod: the table is in the area */
	EXPORT_CONTINUE,	/* comod: the chunk is taken */
	EXPORT_STOP,		/* comod: run fini() and end */
	EXPORT_READY,		/* worker: set up, waiting for a go */
	EXPORT_CHUNK,		/* worker: the area is full of records */
	EXPORT_DONE,		/* worker: export() returned */
};

struct export_msg {
	__u32 op;
	__s32 err;		/* DONE: what export() returned */
	__u32 nrows;		/* GO: the table's rows */
	__u32 used;		/* CHUNK, DONE: bytes of records there */
	__u64 epoch, start_ns, interval_ns;	/* GO */
	__u64 module_ns;	/* DONE: time in the module's code */
};

/* Which of the module's functions the worker is in, for the reason. */
enum export_cb { CB_NONE, CB_EXPORT, CB_ACTION, CB_STORE, CB_FINI };

static const char *const cb_names[] = {
	[CB_NONE] = "export's worker",
	[CB_EXPORT] = "export()",
	[CB_ACTION] = "action()",
	[CB_STORE] = "store()",
	[CB_FINI] = "fini()",
};

/* The head of the shared area: the worker writes it, comod reads it. */
struct export_shm {
	volatile __u32 cb;	/* enum export_cb */
};

struct export_worker {
	struct export_worker *next;	/* all: a new one unmaps the rest */
	pid_t pid;			/* 0 once it has ended */
	int sock;			/* each side's own end */
	char *shm;			/* MAP_SHARED: head, table, records */
	size_t shm_size, keys_off, values_off, out_off, out_size;
	uint64_t timeout_ns, memory;
	int cpu;			/* where it last ran, with comod */
	/* comod's side: an epoch's chunks, set aside until it is whole */
	char *pending;
	size_t npending, pending_cap;
	/* what the epochs cost, in ns of CLOCK_MONOTONIC */
	uint64_t epochs, ns, module_ns, store_ns, max_ns;
	/* the isolation's share of each, for its median (a noisy machine) */
	__u32 overhead[HIST_BUCKETS];
	/* the worker's side */
	void *recbuf;
	size_t recbuf_size, used;
	uint64_t wait_ns;		/* for comod to take a chunk */
};

static struct export_worker *workers;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static unsigned int hist_bucket(uint64_t v)
{
	unsigned int b;

	if (v < 4)
		return v;
	b = 63 - __builtin_clzll(v);
	return b * 4 + ((v >> (b - 2)) & 3);
}

/* The middle of the bucket that holds the median; 0 when empty. */
static uint64_t hist_median(const __u32 *h, uint64_t n)
{
	uint64_t seen = 0, low;
	unsigned int i, b;

	for (i = 0; i < HIST_BUCKETS && n; i++) {
		seen += h[i];
		if (seen * 2 < n)
			continue;
		if (i < 4)
			return i;
		b = i / 4;
		low = (1ULL << b) + (i % 4) * (1ULL << (b - 2));
		return b >= 3 ? low + (1ULL << (b - 3)) : low;
	}
	return 0;
}

static const char *cb_name(const struct export_worker *w)
{
	__u32 cb = ((struct export_shm *)w->shm)->cb;

	return cb < sizeof(cb_names) / sizeof(cb_names[0]) ? cb_names[cb] :
	       cb_names[CB_NONE];
}

/* "5 s", "250 ms", "1 GiB": a limit as the reason states it. */
static void fmt_limit(char *buf, size_t size, uint64_t v, bool time)
{
	unsigned long long u = v;

	if (time && u % NSEC_PER_SEC == 0)
		snprintf(buf, size, "%llu s", u / NSEC_PER_SEC);
	else if (time)
		snprintf(buf, size, "%llu ms", u / 1000000);
	else if (v % (1ULL << 30) == 0)
		snprintf(buf, size, "%llu GiB", (unsigned long long)(v >> 30));
	else
		snprintf(buf, size, "%llu MiB", (unsigned long long)(v >> 20));
}

static int env_value(const char *name, bool time, uint64_t min, uint64_t *v)
{
	const char *s = getenv(name);

	if (!s || !*s)
		return 0;
	if ((time ? parse_duration_ns(s, v) : parse_size(s, v)) || *v < min) {
		pr_err("%s='%s': expected %s of at least %llu%s", name, s,
		       time ? "a duration" : "a size",
		       (unsigned long long)(time ? min / 1000000 : min),
		       time ? " ms" : " bytes");
		return -EINVAL;
	}
	return 0;
}

/* The limits and the records area, from the environment (comod(8)). */
static int export_limits(struct export_worker *w)
{
	uint64_t buf = EXPORT_BUFFER;
	int err;

	w->timeout_ns = EXPORT_TIMEOUT_NS;
	w->memory = EXPORT_MEMORY;
	err = env_value("COMOD_EXPORT_TIMEOUT", true, 1000000,
			&w->timeout_ns) ?:
	      env_value("COMOD_EXPORT_MEMORY", false, 1U << 20, &w->memory) ?:
	      env_value("COMOD_EXPORT_BUFFER", false, EXPORT_BUFFER_MIN, &buf);
	w->out_size = buf & ~(uint64_t)7;
	return err;
}

/* The shared area: room for a full table and for the records. */
static int shm_create(struct export_worker *w, const struct modrt *rt)
{
	size_t keys = (size_t)rt->max_entries * rt->key_size;
	size_t values = (size_t)rt->max_entries * rt->value_size;
	size_t page = sysconf(_SC_PAGESIZE);
	int fd;

	w->keys_off = SHM_HEAD;
	w->values_off = (w->keys_off + keys + 63) & ~(size_t)63;
	w->out_off = (w->values_off + values + page - 1) & ~(page - 1);
	w->shm_size = w->out_off + w->out_size;
	w->recbuf_size = (w->out_size - sizeof(struct export_rec)) & ~(size_t)7;
	if (w->recbuf_size > RECBUF_SIZE)
		w->recbuf_size = RECBUF_SIZE;
	fd = memfd_create("como-export", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, w->shm_size)) {
		close(fd);
		return -errno;
	}
	w->shm = mmap(NULL, w->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	close(fd);
	if (w->shm == MAP_FAILED) {
		w->shm = NULL;
		return -errno;
	}
	return 0;
}

static int msg_send(struct export_worker *w, const struct export_msg *msg)
{
	ssize_t n = send(w->sock, msg, sizeof(*msg), MSG_NOSIGNAL);

	return n == sizeof(*msg) ? 0 : -EPIPE;
}

/*
 * The worker's answer before DEADLINE: 0, -ETIMEDOUT, -EPIPE when it is
 * gone, -EPROTO when it sends what it never should.
 */
static int msg_recv(struct export_worker *w, struct export_msg *msg,
		    uint64_t deadline)
{
	struct pollfd p = { .fd = w->sock, .events = POLLIN };
	uint64_t now;
	ssize_t n;

	for (;;) {
		now = mono_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		/* a signal (SIGINT, the guard's timer) only shortens a wait */
		if (poll(&p, 1, (deadline - now + 999999) / 1000000) <= 0)
			continue;
		n = recv(w->sock, msg, sizeof(*msg), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -EPIPE;
		if (n != sizeof(*msg) || msg->op < EXPORT_READY ||
		    msg->op > EXPORT_DONE)
			return -EPROTO;
		return 0;
	}
}

/* The worker's side ------------------------------------------------------ */

/* Hands comod a full area and waits until it has taken the records. */
static int worker_chunk(struct export_worker *w)
{
	struct export_msg msg = { .op = EXPORT_CHUNK, .used = w->used };
	uint64_t t0 = mono_ns();

	if (send(w->sock, &msg, sizeof(msg), MSG_NOSIGNAL) != sizeof(msg) ||
	    recv(w->sock, &msg, sizeof(msg), 0) != sizeof(msg) ||
	    msg.op != EXPORT_CONTINUE)
		return -EPIPE;
	w->used = 0;
	w->wait_ns += mono_ns() - t0;
	return 0;
}

/* Where como_emit() sends a record in the worker: action(), store(), area. */
static int worker_sink(struct como_mod *m, uint64_t ts, const void *rec)
{
	struct export_worker *w = m->core;
	struct export_shm *head = (struct export_shm *)w->shm;
	struct export_rec *r;
	long len;
	int err;

	if (m->desc->action) {
		head->cb = CB_ACTION;
		err = m->desc->action(m, ts, rec);
		head->cb = CB_EXPORT;
		if (err <= 0)
			return 0;
	}
	head->cb = CB_STORE;
	len = m->desc->store(m, rec, w->recbuf, w->recbuf_size);
	head->cb = CB_EXPORT;
	if (len < 0)
		return len;
	if ((size_t)len > w->recbuf_size)
		return -EOVERFLOW;
	if (w->used + rec_space(len) > w->out_size) {
		err = worker_chunk(w);
		if (err)
			return err;
	}
	r = (struct export_rec *)(w->shm + w->out_off + w->used);
	r->ts = ts;
	r->len = len;
	memcpy(r + 1, w->recbuf, len);
	w->used += rec_space(len);
	return 0;
}

static void worker_epoch(struct modrt *rt, struct export_worker *w,
			 const struct export_msg *go)
{
	struct export_shm *head = (struct export_shm *)w->shm;
	struct como_mod *m = rt->mod;
	struct como_table t = {
		.epoch = go->epoch,
		.start_ns = go->start_ns,
		.interval_ns = go->interval_ns,
		.key_size = rt->key_size,
		.value_size = rt->value_size,
		.nrows = go->nrows,
		.keys = w->shm + w->keys_off,
		.values = w->shm + w->values_off,
	};
	struct export_msg done = { .op = EXPORT_DONE };
	uint64_t t0;
	int err;

	w->used = 0;
	w->wait_ns = 0;
	t0 = mono_ns();
	head->cb = CB_EXPORT;
	err = m->desc->export(m, &t);
	head->cb = CB_NONE;
	done.module_ns = mono_ns() - t0 - w->wait_ns;
	done.err = err < 0 ? err : 0;
	done.used = w->used;
	send(w->sock, &done, sizeof(done), MSG_NOSIGNAL);
}

/*
 * What the worker inherited of comod's is closed: BPF objects (an XDP
 * link held here would outlive a comod killed with SIGKILL), comod's
 * sockets (the control socket, subscribers, netlink), its event fds, and
 * the files of the data directory (its lock, the segments). What the
 * module opened itself in init() stays, as do stdio and KEEP.
 */
static void worker_close_fds(const struct modrt *rt, int keep)
{
	char path[64], link[4096], datadir[4096], *slash;
	size_t dlen = 0;
	struct dirent *de;
	ssize_t n;
	DIR *d;
	int fd;

	if (rt->st.dir && realpath(rt->st.dir, datadir) &&
	    (slash = strrchr(datadir, '/'))) {
		slash[1] = '\0';
		dlen = strlen(datadir);
	}
	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (de->d_name[0] == '.' || fd <= 2 || fd == keep ||
		    fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (!strncmp(link, "anon_inode:", 11) ||
		    !strncmp(link, "socket:", 7) ||
		    (dlen && !strncmp(link, datadir, dlen)))
			close(fd);
	}
	closedir(d);
}

/* What the worker leaves behind of comod, and the limits it runs under. */
static void worker_isolate(struct modrt *rt, struct export_worker *w,
			   int sock, pid_t parent)
{
	struct export_worker *o;
	struct rlimit rl;
	char name[16];
	unsigned long pages;
	FILE *f;

	/* it never outlives comod, even one killed with SIGKILL */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	/* ^C reaches the whole process group; comod says when to stop */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	snprintf(name, sizeof(name), "como:%s", rt->mod->name);
	prctl(PR_SET_NAME, name);
	/* the other modules' workers are not this one's business */
	for (o = workers; o; o = o->next)
		if (o != w)
			munmap(o->shm, o->shm_size);
	worker_close_fds(rt, sock);
	/* the limit is on what it allocates beyond what it was forked with */
	f = fopen("/proc/self/statm", "r");
	if (f && fscanf(f, "%lu", &pages) == 1) {
		rl.rlim_cur = (rlim_t)pages * sysconf(_SC_PAGESIZE) + w->memory;
		rl.rlim_max = rl.rlim_cur;
		setrlimit(RLIMIT_AS, &rl);
	}
	if (f)
		fclose(f);
}

static void __attribute__((noreturn))
worker_main(struct modrt *rt, struct export_worker *w, int sock, pid_t parent)
{
	struct export_msg msg = { .op = EXPORT_READY };
	struct export_shm *head;
	struct como_mod *m = rt->mod;

	worker_isolate(rt, w, sock, parent);
	head = (struct export_shm *)w->shm;
	w->sock = sock;
	w->recbuf = malloc(w->recbuf_size);
	if (!w->recbuf)
		_exit(1);
	m->core = w;
	m->sink = worker_sink;
	if (send(sock, &msg, sizeof(msg), MSG_NOSIGNAL) != sizeof(msg))
		_exit(1);
	while (recv(sock, &msg, sizeof(msg), 0) == sizeof(msg) &&
	       msg.op == EXPORT_GO && msg.nrows <= rt->max_entries)
		worker_epoch(rt, w, &msg);
	if (m->desc->fini) {
		head->cb = CB_FINI;
		m->desc->fini(m);
	}
	_exit(0);
}

/* comod's side ----------------------------------------------------------- */

/*
 * Ends the worker and returns its wait status. One whose socket closed is
 * dying already and is given a moment to say how; any other is killed.
 */
static int worker_end(struct export_worker *w, bool gone)
{
	struct export_worker **p;
	int status = 0, i;
	pid_t r = 0;

	for (i = 0; gone && i < 100 && !r; i++) {
		r = waitpid(w->pid, &status, WNOHANG);
		if (!r)
			usleep(1000);
	}
	if (r == 0) {
		kill(w->pid, SIGKILL);
		while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	w->pid = 0;
	close(w->sock);
	w->sock = -1;
	munmap(w->shm, w->shm_size);
	w->shm = NULL;
	for (p = &workers; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	return status;
}

/*
 * Walks the USED bytes of records at P, as the worker wrote them, and
 * stores them when RT is given. Each header is read once and checked
 * against what is left: the worker can write anything there.
 */
static int records_walk(struct modrt *rt, const char *p, size_t used,
			size_t recmax)
{
	struct export_rec r;
	size_t off = 0;
	int err = 0;

	while (off < used) {
		if (used - off < sizeof(r))
			return -EBADMSG;
		memcpy(&r, p + off, sizeof(r));
		if (r.len > recmax || rec_space(r.len) > used - off)
			return -EBADMSG;
		/* a stream that cannot take it counts it; the others go on */
		if (rt && stream_append(rt, r.ts, p + off + sizeof(r), r.len))
			err = -EIO;
		off += rec_space(r.len);
	}
	return err;
}

/* A chunk of USED bytes set aside until the epoch is whole. */
static int chunk_keep(struct export_worker *w, __u32 used)
{
	const char *out = w->shm + w->out_off;
	size_t cap = w->pending_cap ?: w->out_size;
	char *p;

	if (used > w->out_size || records_walk(NULL, out, used, w->recbuf_size))
		return -EBADMSG;
	/* the records of one epoch count towards the worker's memory */
	if (w->npending + used > w->memory)
		return -EFBIG;
	while (cap < w->npending + used)
		cap *= 2;
	if (cap > w->pending_cap) {
		p = realloc(w->pending, cap);
		if (!p)
			return -EFBIG;
		w->pending = p;
		w->pending_cap = cap;
	}
	memcpy(w->pending + w->npending, out, used);
	w->npending += used;
	return 0;
}

/* Why the module stopped, in rt->stopped, from how its worker ended. */
static void stop_reason(struct modrt *rt, const char *cb, int err, int status,
			__u64 epoch)
{
	struct export_worker *w = rt->worker;
	char what[96], lim[32];

	switch (err) {
	case -ETIMEDOUT:
		fmt_limit(lim, sizeof(lim), w->timeout_ns, true);
		snprintf(what, sizeof(what), "ran over %s", lim);
		break;
	case -ENOMEM:
	case -EFBIG:
		fmt_limit(lim, sizeof(lim), w->memory, false);
		snprintf(what, sizeof(what), "%s (limit %s)", err == -ENOMEM ?
			 "ran out of memory" : "emitted records over its memory",
			 lim);
		break;
	case -EPIPE:
		if (WIFSIGNALED(status))
			snprintf(what, sizeof(what), "crashed (SIG%s)",
				 sigabbrev_np(WTERMSIG(status)) ?: "?");
		else
			snprintf(what, sizeof(what), "exited (status %d)",
				 WEXITSTATUS(status));
		break;
	default:
		snprintf(what, sizeof(what), "wrote malformed records (%s)",
			 strerror(-err));
	}
	snprintf(rt->stopped, sizeof(rt->stopped), "%s %s at epoch %llu", cb,
		 what, (unsigned long long)epoch);
}

/*
 * The module failed with ERR at EPOCH: its worker is ended, its capture
 * disabled, the epoch lost, and it is said everywhere: log, event, and
 * (from rt->stopped) 'como module list', meta.json and the summary.
 */
static void export_fail(struct datapath *dp, struct modrt *rt, int err,
			__u64 epoch, uint64_t ns)
{
	struct export_worker *w = rt->worker;
	const char *cb = cb_name(w);
	struct como_ctl ctl;
	int status;

	/* ENOMEM is the reply's: the name is export()'s, not the worker's */
	if (err == -ENOMEM || err == -EFBIG)
		cb = cb_names[CB_EXPORT];
	status = worker_end(w, err == -EPIPE);
	stop_reason(rt, cb, err, status, epoch);
	free(w->pending);
	w->pending = NULL;
	w->npending = w->pending_cap = 0;
	rt->lost_epochs++;
	ctl = datapath_ctl(dp, rt);
	datapath_set_sampling(dp, rt, ctl.sampling, 0);
	pr_warn("module %s stopped: %s; its capture is disabled and its "
		"epochs from now on are lost", rt->mod->name, rt->stopped);
	events_module(COMO_CMD_EVENT_MODULE_STOPPED, rt->mod->name, 0, ns,
		      rt->stopped, 0);
}

/*
 * comod waits while the worker runs: on comod's CPU it runs at once,
 * where on another it may wait for that CPU's task (milliseconds, on a
 * busy machine), and it finds the table in that CPU's cache.
 */
static void worker_follow(struct export_worker *w)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0 || cpu == w->cpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (!sched_setaffinity(w->pid, sizeof(set), &set))
		w->cpu = cpu;
}

/* The epoch's records, set-aside chunks first, then the area's USED. */
static void epoch_store(struct modrt *rt, __u32 used)
{
	struct export_worker *w = rt->worker;
	int err;

	err = records_walk(rt, w->pending, w->npending, w->recbuf_size);
	err = records_walk(rt, w->shm + w->out_off, used, w->recbuf_size) ?: err;
	w->npending = 0;
	stream_interval_end(rt);
	/* checked whole before (records_walk(NULL)): only a stream failed */
	if (err)
		rt->errors++;
}

/*
 * An epoch from T0 to END, its records stored from T1: the module's time
 * is the worker's own measure; the rest but storing is the isolation's.
 */
static void export_cost(struct export_worker *w, uint64_t t0, uint64_t t1,
			uint64_t end, uint64_t module_ns)
{
	uint64_t ns = end - t0, store = end - t1;

	if (module_ns > t1 - t0)	/* a worker's word is not trusted */
		module_ns = t1 - t0;
	w->ns += ns;
	w->store_ns += store;
	w->module_ns += module_ns;
	w->overhead[hist_bucket(ns - store - module_ns)]++;
	if (ns > w->max_ns)
		w->max_ns = ns;
	w->epochs++;
}

void export_table(struct datapath *dp, struct modrt *rt, struct como_table *t)
{
	struct export_worker *w = rt->worker;
	struct export_msg msg = {
		.op = EXPORT_GO, .nrows = t->nrows, .epoch = t->epoch,
		.start_ns = t->start_ns, .interval_ns = t->interval_ns,
	};
	uint64_t t0 = mono_ns(), t1;
	int err;

	if (!w || !w->pid) {
		rt->lost_epochs++;
		return;
	}
	worker_follow(w);
	memcpy(w->shm + w->keys_off, t->keys, (size_t)t->nrows * t->key_size);
	memcpy(w->shm + w->values_off, t->values,
	       (size_t)t->nrows * t->value_size);
	err = msg_send(w, &msg);
	while (!err) {
		err = msg_recv(w, &msg, t0 + w->timeout_ns);
		if (err || msg.op == EXPORT_DONE)
			break;
		err = msg.op == EXPORT_CHUNK ? chunk_keep(w, msg.used) :
		      -EPROTO;
		msg.op = EXPORT_CONTINUE;
		err = err ?: msg_send(w, &msg);
	}
	if (!err && msg.err == -ENOMEM)
		err = -ENOMEM;
	if (!err && (msg.used > w->out_size ||
		     records_walk(NULL, w->shm + w->out_off, msg.used,
				  w->recbuf_size)))
		err = -EBADMSG;
	if (err) {
		export_fail(dp, rt, err, t->epoch, mono_ns() - t0);
		return;
	}
	t1 = mono_ns();
	epoch_store(rt, msg.used);
	export_cost(w, t0, t1, mono_ns(), msg.module_ns);
	if (msg.err < 0) {
		rt->errors++;
		pr_warn("module %s: export() failed for the interval at %llu: %s",
			rt->mod->name, (unsigned long long)t->start_ns,
			strerror(-msg.err));
	}
}

int export_start(struct modrt *rt)
{
	struct export_worker *w = calloc(1, sizeof(*w));
	struct export_msg msg;
	pid_t parent = getpid();
	int sv[2], err;

	if (!w)
		return -ENOMEM;
	err = export_limits(w);
	if (!err)
		err = shm_create(w, rt);
	if (err)
		goto err_free;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		err = -errno;
		goto err_unmap;
	}
	/* what stdio holds would be written twice */
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0) {
		err = -errno;
		goto err_close;
	}
	if (w->pid == 0) {
		close(sv[0]);
		worker_main(rt, w, sv[1], parent);
	}
	close(sv[1]);
	w->sock = sv[0];
	w->cpu = -1;
	w->next = workers;
	workers = w;
	/* set up before its first epoch, whose cost is then the epoch's own */
	err = msg_recv(w, &msg, mono_ns() + w->timeout_ns);
	if (!err && msg.op != EXPORT_READY)
		err = -EPROTO;
	if (err) {
		worker_end(w, err == -EPIPE);
		goto err_free;
	}
	rt->worker = w;
	rt->mod->sink = NULL;
	/* its fini() is the worker's, with the state it built */
	rt->mod->detached = true;
	pr_debug("module %s: export runs in process %d", rt->mod->name, w->pid);
	return 0;

err_close:
	close(sv[0]);
	close(sv[1]);
err_unmap:
	munmap(w->shm, w->shm_size);
err_free:
	free(w);
	pr_err("module %s: cannot start its export worker: %s", rt->mod->name,
	       strerror(-err));
	return err;
}

void export_stop(struct modrt *rt)
{
	struct export_worker *w = rt->worker;
	struct export_msg msg = { .op = EXPORT_STOP };
	char lim[32];
	int err, status;

	if (!w)
		return;
	if (w->pid) {
		/* fini() runs under the same time limit as export() */
		err = msg_send(w, &msg) ?:
		      msg_recv(w, &msg, mono_ns() + w->timeout_ns);
		if (err != -EPIPE)
			err = err ?: -EPROTO;
		status = worker_end(w, err == -EPIPE);
		fmt_limit(lim, sizeof(lim), w->timeout_ns, true);
		if (err == -ETIMEDOUT)
			pr_warn("module %s: fini() ran over %s: killed",
				rt->mod->name, lim);
		else if (WIFSIGNALED(status))
			pr_warn("module %s: fini() crashed (SIG%s)",
				rt->mod->name,
				sigabbrev_np(WTERMSIG(status)) ?: "?");
	}
	free(w->pending);
	free(w);
	rt->worker = NULL;
}

void export_summary(const struct modrt *rt, struct json_object *o)
{
	const struct export_worker *w = rt->worker;
	struct json_object *e;
	uint64_t n;

	json_add_u64(o, "lost_epochs", rt->lost_epochs);
	if (rt->stopped[0])
		json_add_str(o, "stopped", rt->stopped);
	if (!w)
		return;
	n = w->epochs ?: 1;
	e = json_object_new_object();
	json_add_u64(e, "epochs", w->epochs);
	json_add_u64(e, "ns_per_epoch", w->ns / n);
	json_add_u64(e, "module_ns_per_epoch", w->module_ns / n);
	json_add_u64(e, "store_ns_per_epoch", w->store_ns / n);
	/* what isolation costs: the copy in, the round trip, the checks */
	json_add_u64(e, "overhead_ns_per_epoch",
		     (w->ns - w->module_ns - w->store_ns) / n);
	json_add_u64(e, "overhead_ns_median",
		     hist_median(w->overhead, w->epochs));
	json_add_u64(e, "max_ns", w->max_ns);
	json_object_object_add(o, "export", e);
}
