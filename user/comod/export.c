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
 * into its queue there and says "go" on a socket pair; the worker runs
 * export() over each queued table, which emits records through action()
 * and store() into the area, and says "done". Records that do not fit
 * cross in chunks: "chunk", comod sets them aside, "continue". comod
 * stores a go's records only once they are whole, so a stored epoch is
 * always a whole one.
 *
 * A live monitor says "go" for every epoch, so that its records are
 * queryable at once. A trace run queues epochs until the queue is full or
 * the run ends (export_flush): an epoch of a sparse trace holds a few
 * rows, and one round trip for thousands of them is what keeps a week of
 * 1-second intervals cheap.
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
#include "push.h"
#include "stream.h"
#include "units.h"

#define EXPORT_TIMEOUT_NS	(5 * NSEC_PER_SEC)
#define EXPORT_MEMORY		(1ULL << 30)
#define EXPORT_BUFFER		(4U << 20)
#define EXPORT_BUFFER_MIN	4096U
/* a trace run's queue of tables: at least this, at least one full table */
#define EXPORT_QUEUE		(1U << 20)
#define EXPORT_QUEUE_EPOCHS	64U
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
	EXPORT_FLUSH,		/* comod: run flush(), the run ends */
	EXPORT_READY,		/* worker: set up, waiting for a go */
	EXPORT_CHUNK,		/* worker: the area is full of records */
	EXPORT_DONE,		/* worker: export() returned */
};

struct export_msg {
	__u32 op;
	__s32 err;		/* DONE: what the first failed export() returned */
	__u32 ntables;		/* GO: tables queued; DONE: export()s failed */
	__u32 used;		/* CHUNK, DONE: bytes of records there */
	__u64 queued;		/* GO: bytes of the queue in use */
	__u64 failed_ns;	/* DONE: the first failed table's start */
	__u64 module_ns;	/* DONE: time in the module's code */
};

/* A table in the queue: this, its keys, its values, each 8-aligned. */
struct export_qtab {
	__u64 epoch, start_ns, interval_ns;
	__u32 nrows;
	__u32 lost;
};

static inline size_t qtab_space(const struct modrt *rt, __u32 nrows)
{
	return sizeof(struct export_qtab) +
	       (((size_t)nrows * rt->key_size + 7) & ~(size_t)7) +
	       (((size_t)nrows * rt->value_size + 7) & ~(size_t)7);
}

/* Which of the module's functions the worker is in, for the reason. */
enum export_cb { CB_NONE, CB_EXPORT, CB_ACTION, CB_STORE, CB_FINI, CB_FLUSH };

static const char *const cb_names[] = {
	[CB_NONE] = "export's worker",
	[CB_EXPORT] = "export()",
	[CB_ACTION] = "action()",
	[CB_STORE] = "store()",
	[CB_FINI] = "fini()",
	[CB_FLUSH] = "flush()",
};

/* The head of the shared area: the worker writes it, comod reads it. */
struct export_shm {
	volatile __u32 cb;	/* enum export_cb */
	volatile __u32 done;	/* tables of this go exported so far */
	volatile __u64 done_bytes; /* their records, chunks included */
};

struct export_worker {
	struct export_worker *next;	/* all: a new one unmaps the rest */
	pid_t pid;			/* 0 once it has ended */
	int sock;			/* each side's own end */
	char *shm;			/* MAP_SHARED: head, queue, records */
	size_t shm_size, queue_off, queue_size, out_off, out_size;
	/* comod's side: the tables queued and not yet gone */
	struct datapath *dp;
	size_t queued;
	__u32 nqueued;
	__u64 first_epoch;		/* of the queue, for a stop's reason */
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
	size_t chunked;			/* bytes of this go's chunks */
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
	size_t queue = qtab_space(rt, rt->rows_max);
	size_t page = sysconf(_SC_PAGESIZE);
	int fd;

	if (queue < EXPORT_QUEUE)
		queue = EXPORT_QUEUE;
	w->queue_off = SHM_HEAD;
	w->queue_size = queue;
	w->out_off = (w->queue_off + queue + page - 1) & ~(page - 1);
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
		/*
		 * Past the deadline, what the worker already said still
		 * counts: comod itself may have been stopped (SIGSTOP) while
		 * it waited, which is no fault of the worker's.
		 */
		if (now >= deadline && poll(&p, 1, 0) <= 0)
			return -ETIMEDOUT;
		/* a signal (SIGINT, the guard's timer) only shortens a wait */
		if (now < deadline &&
		    poll(&p, 1, (deadline - now + 999999) / 1000000) <= 0)
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
	w->chunked += w->used;
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
	len = (m->desc->store ?: como_schema_store)(m, rec, w->recbuf,
						   w->recbuf_size);
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

/*
 * A go: export() over each queued table in turn, their records into the
 * area. The queue is comod's, but the worker reads it as untrusted too:
 * a table must fit what is left of it.
 */
static void worker_go(struct modrt *rt, struct export_worker *w,
		      const struct export_msg *go)
{
	struct export_shm *head = (struct export_shm *)w->shm;
	struct export_msg done = { .op = EXPORT_DONE };
	const char *q = w->shm + w->queue_off;
	struct como_mod *m = rt->mod;
	size_t off = 0, len = go->queued;
	struct export_qtab qt;
	uint64_t t0;
	__u32 i;
	int err;

	w->used = 0;
	w->chunked = 0;
	w->wait_ns = 0;
	head->done = 0;
	head->done_bytes = 0;
	t0 = mono_ns();
	for (i = 0; i < go->ntables; i++) {
		struct como_table t = {
			.key_size = rt->key_size,
			.value_size = rt->value_size,
		};

		if (len > w->queue_size || len - off < sizeof(qt))
			break;
		memcpy(&qt, q + off, sizeof(qt));
		if (qt.nrows > rt->rows_max ||
		    qtab_space(rt, qt.nrows) > len - off)
			break;
		t.epoch = qt.epoch;
		t.start_ns = qt.start_ns;
		t.interval_ns = qt.interval_ns;
		t.nrows = qt.nrows;
		t.lost = qt.lost;
		t.keys = (char *)q + off + sizeof(qt);
		t.values = (char *)t.keys +
			   (((size_t)qt.nrows * rt->key_size + 7) & ~(size_t)7);
		off += qtab_space(rt, qt.nrows);
		head->cb = CB_EXPORT;
		err = m->desc->export(m, &t);
		head->cb = CB_NONE;
		/* out of memory stops the module: this table is not done */
		if (err == -ENOMEM) {
			done.err = err;
			break;
		}
		/* a worker that dies later keeps this table's records */
		head->done_bytes = w->chunked + w->used;
		__atomic_store_n(&head->done, i + 1, __ATOMIC_RELEASE);
		if (err < 0 && !done.ntables++) {
			done.err = err;
			done.failed_ns = qt.start_ns;
		}
	}
	done.module_ns = mono_ns() - t0 - w->wait_ns;
	done.used = w->used;
	send(w->sock, &done, sizeof(done), MSG_NOSIGNAL);
}

/* The run ends: flush() emits what the module still holds (open flows). */
static void worker_flush(struct modrt *rt, struct export_worker *w,
			 const struct export_msg *msg)
{
	struct export_shm *head = (struct export_shm *)w->shm;
	struct export_msg done = { .op = EXPORT_DONE };
	struct como_mod *m = rt->mod;
	uint64_t t0 = mono_ns();
	int err = 0;

	w->used = 0;
	w->chunked = 0;
	w->wait_ns = 0;
	head->done = 0;
	head->done_bytes = 0;
	if (m->desc->flush) {
		head->cb = CB_FLUSH;
		err = m->desc->flush(m, msg->queued);
		head->cb = CB_NONE;
	}
	if (err < 0) {
		done.err = err;
		done.ntables = 1;
		done.failed_ns = msg->queued;
	}
	done.module_ns = mono_ns() - t0 - w->wait_ns;
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
	while (recv(sock, &msg, sizeof(msg), 0) == sizeof(msg)) {
		if (msg.op == EXPORT_GO)
			worker_go(rt, w, &msg);
		else if (msg.op == EXPORT_FLUSH)
			worker_flush(rt, w, &msg);
		else
			break;
	}
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
		else if (rt && rt->push)
			push_record(rt, r.ts, p + off + sizeof(r), r.len);
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
	rt->lost_epochs += w->nqueued;
	w->nqueued = 0;
	w->queued = 0;
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
			uint64_t end, uint64_t module_ns, __u32 n)
{
	uint64_t ns = end - t0, store = end - t1;

	if (module_ns > t1 - t0)	/* a worker's word is not trusted */
		module_ns = t1 - t0;
	w->ns += ns;
	w->store_ns += store;
	w->module_ns += module_ns;
	/* a go of N epochs: each costs its share */
	w->overhead[hist_bucket((ns - store - module_ns) / n)] += n;
	if (ns / n > w->max_ns)
		w->max_ns = ns / n;
	w->epochs += n;
}

/*
 * The worker's answer to a go, before its deadline: the deadline moves
 * on while it gets through the tables (each table has the worker's time
 * limit, a go of many has not their sum at once).
 */
static int go_wait(struct export_worker *w, struct export_msg *msg,
		   uint64_t t0)
{
	struct export_shm *head = (struct export_shm *)w->shm;
	uint64_t since = t0;
	__u32 seen = 0;
	int err;

	for (;;) {
		err = msg_recv(w, msg, since + w->timeout_ns);
		if (err != -ETIMEDOUT || head->done == seen)
			return err;
		seen = head->done;
		since = mono_ns();
	}
}

/*
 * A go failed after its first DONE tables: their records, the first
 * done_bytes the worker emitted (set-aside chunks, then the area), are
 * whole epochs and are stored, once checked; the rest are lost.
 */
static __u32 go_salvage(struct modrt *rt, __u32 n)
{
	struct export_worker *w = rt->worker;
	struct export_shm *head = (struct export_shm *)w->shm;
	__u32 done = __atomic_load_n(&head->done, __ATOMIC_ACQUIRE);
	uint64_t bytes = head->done_bytes;
	size_t in_pending, in_out;
	const char *out = w->shm + w->out_off;

	if (!done || done >= n)
		return 0;
	in_pending = bytes < w->npending ? bytes : w->npending;
	in_out = bytes - in_pending;
	if (in_out > w->out_size ||
	    records_walk(NULL, w->pending, in_pending, w->recbuf_size) ||
	    records_walk(NULL, out, in_out, w->recbuf_size))
		return 0;
	if (records_walk(rt, w->pending, in_pending, w->recbuf_size) ||
	    records_walk(rt, out, in_out, w->recbuf_size))
		rt->errors++;
	w->npending = 0;
	return done;
}

/*
 * Sends MSG (a go of the N tables queued, or a flush) and stores what
 * comes back: all of it, or, when the module fails, the tables done.
 */
static void worker_call(struct datapath *dp, struct modrt *rt,
			struct export_msg *msg, __u32 n)
{
	struct export_worker *w = rt->worker;
	uint64_t t0 = mono_ns(), t1;
	bool go = msg->op == EXPORT_GO;
	int err;

	worker_follow(w);
	err = msg_send(w, msg);
	while (!err) {
		err = go_wait(w, msg, t0);
		if (err || msg->op == EXPORT_DONE)
			break;
		err = msg->op == EXPORT_CHUNK ? chunk_keep(w, msg->used) :
		      -EPROTO;
		msg->op = EXPORT_CONTINUE;
		err = err ?: msg_send(w, msg);
	}
	if (!err && msg->err == -ENOMEM)
		err = -ENOMEM;
	if (!err && (msg->used > w->out_size ||
		     records_walk(NULL, w->shm + w->out_off, msg->used,
				  w->recbuf_size)))
		err = -EBADMSG;
	if (err) {
		__u32 done = go ? go_salvage(rt, n) : 0;

		/* the epoch it was in, for the reason; the rest are lost */
		w->nqueued = n - done;
		export_fail(dp, rt, err, w->first_epoch + done,
			    mono_ns() - t0);
		return;
	}
	w->nqueued = 0;
	w->queued = 0;
	t1 = mono_ns();
	epoch_store(rt, msg->used);
	if (go)
		export_cost(w, t0, t1, mono_ns(), msg->module_ns, n);
	if (msg->ntables) {
		rt->errors += msg->ntables;
		pr_warn("module %s: %s failed for the interval at %llu%s: %s",
			rt->mod->name, go ? "export()" : "flush()",
			(unsigned long long)msg->failed_ns,
			msg->ntables > 1 ? " and others" : "",
			strerror(msg->err < 0 && msg->err > -4096 ? -msg->err : EIO));
	}
}

static void queue_go(struct datapath *dp, struct modrt *rt)
{
	struct export_worker *w = rt->worker;
	struct export_msg msg = {
		.op = EXPORT_GO, .ntables = w->nqueued, .queued = w->queued,
	};

	if (w->nqueued)
		worker_call(dp, rt, &msg, w->nqueued);
}

void export_flush(struct modrt *rt)
{
	struct export_worker *w = rt->worker;

	if (w && w->pid && w->nqueued)
		queue_go(w->dp, rt);
}

void export_finish(struct datapath *dp, struct modrt *rt, __u64 now)
{
	struct export_worker *w = rt->worker;
	struct export_msg msg = { .op = EXPORT_FLUSH, .queued = now };

	if (!w || !w->pid)
		return;
	w->dp = dp;
	export_flush(rt);
	if (w->pid && rt->mod->desc->flush)
		worker_call(dp, rt, &msg, 0);
}

void export_table(struct datapath *dp, struct modrt *rt, struct como_table *t)
{
	struct export_worker *w = rt->worker;
	size_t space = qtab_space(rt, t->nrows);
	struct export_qtab qt = {
		.epoch = t->epoch, .start_ns = t->start_ns,
		.interval_ns = t->interval_ns, .nrows = t->nrows,
		.lost = t->lost,
	};
	char *p;

	if (!w || !w->pid || t->nrows > rt->rows_max) {
		rt->lost_epochs++;
		return;
	}
	w->dp = dp;
	if (w->queued + space > w->queue_size ||
	    w->nqueued == EXPORT_QUEUE_EPOCHS) {
		queue_go(dp, rt);
		if (!w->pid) {
			rt->lost_epochs++;
			return;
		}
	}
	if (!w->nqueued)
		w->first_epoch = t->epoch;
	p = w->shm + w->queue_off + w->queued;
	memcpy(p, &qt, sizeof(qt));
	p += sizeof(qt);
	memcpy(p, t->keys, (size_t)t->nrows * t->key_size);
	p += ((size_t)t->nrows * t->key_size + 7) & ~(size_t)7;
	memcpy(p, t->values, (size_t)t->nrows * t->value_size);
	w->queued += space;
	w->nqueued++;
	if (dp->live)
		queue_go(dp, rt);
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
	export_flush(rt);
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
