// SPDX-License-Identifier: BSD-3-Clause
/*
 * The trace source: the file is read in place (pcapmap.h) or by libpcap,
 * packets are gathered in batches (include/como/batch.h, datapath.h) and
 * each batch is written into a CPU's windows and run, one BPF_PROG_RUN of
 * the XDP dispatcher. User space only finds the packets and copies their
 * first bytes; parsing, filtering and every module's update() happen in
 * the kernel. A packet read in place is copied once, from the file's
 * pages to the window, by the thread that runs its batch.
 *
 * Epoch boundaries come from the trace's own clock: before a packet past
 * the next boundary the frame is run and the clock told the time, so a
 * frame never spans a boundary of any module and every packet lands in
 * the epoch its timestamp names (or, in a trace that is not in time
 * order, in the epoch open when it arrives: epochs are never reopened).
 *
 * With several CPUs the batches run on batchrun.c's runners, one a CPU,
 * while this thread gathers the next ones; at an epoch's end it waits
 * until every batch before it has run, then tells the clock, so an
 * epoch's drain sees all its packets and the crossings stay as they are
 * with one CPU. Each batch carries its number in the trace, which orders
 * the CPUs' rows when they are folded (drain.c).
 *
 * Part of comod: called by main.c; calls the clock, the batch runners and
 * the data path.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include <como/batch.h>
#include "batchrun.h"
#include "clock.h"
#include "datapath.h"
#include "log.h"
#include "pcapmap.h"
#include "trace.h"

/* batch numbers: 0 is a live packet's, and a row's mark is 1 + this */
#define BATCH_NUM_MAX	0xfffffffeU

struct feeder {
	struct datapath *dp;
	struct monitor *mon;
	struct batchrun *br;	/* the runners, or NULL: this thread runs */
	struct dp_batch *b;	/* the one being gathered */
	__u16 linktype;
	uint64_t next_flip;	/* earliest end of an open epoch, or of the
				 * epoch a module's packets crossed into */
	uint64_t first_start;	/* earliest start of an open epoch */
	uint64_t runs;
	/*
	 * A batch may go past a module's epoch into the next one (the
	 * module writes it to the other half: datapath_set_flip), but not
	 * past that: a boundary costs a run only every other time.
	 */
	struct crossing {
		bool crossed;
		uint64_t start, end;	/* the epoch crossed into */
	} cross[COMO_CHAIN_MAX];
};

static int supported_linktype(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_RAW || dlt == DLT_LINUX_SLL ||
	       dlt == DLT_IPV4 || dlt == DLT_IPV6;
}

/* The batch's link type and number: it is ready to run. */
static void batch_seal(struct feeder *fd)
{
	fd->b->linktype = fd->linktype;
	fd->b->num = fd->runs < BATCH_NUM_MAX ? fd->runs + 1 : BATCH_NUM_MAX;
}

/* A batch gathered: to a runner, which may run it while the next fills. */
static int feed_run(struct feeder *fd)
{
	int err;

	if (!fd->b->count)
		return 0;
	batch_seal(fd);
	if (fd->br) {
		err = batchrun_submit(fd->br, fd->b);
		fd->b = batchrun_batch(fd->br);
	} else {
		err = datapath_run(fd->dp, fd->b);
	}
	fd->b->count = 0;
	if (err)
		return err;
	fd->runs++;
	return 0;
}

/*
 * Every packet read so far has run: the clock may act. With runners, this
 * thread waits until they are idle and runs the last batch itself (no
 * runner writes a CPU's windows then, and a hand-over to a runner and
 * back costs two wake-ups: on a sparse trace, one an epoch).
 */
static int feed_sync(struct feeder *fd)
{
	int err;

	if (!fd->br)
		return feed_run(fd);
	err = batchrun_wait(fd->br);
	if (err || !fd->b->count)
		return err;
	batch_seal(fd);
	err = datapath_run(fd->dp, fd->b);
	fd->b->count = 0;
	if (!err)
		fd->runs++;
	return err;
}

/*
 * Classic pcap stores seconds as 32 bits that libpcap sign-extends: a
 * negative second is a date after 2038, not before 1970.
 */
static uint64_t pkt_time_ns(const struct pcap_pkthdr *h)
{
	int64_t sec = h->ts.tv_sec;

	if (sec < 0)
		sec += 1LL << 32;
	return (uint64_t)sec * 1000000000ULL + h->ts.tv_usec;
}

static void next_flip_update(struct feeder *fd)
{
	struct monitor *mon = fd->mon;
	unsigned int i;

	fd->next_flip = clock_next(mon);
	for (i = 0; i < mon->n; i++)
		if (fd->cross[i].crossed && fd->cross[i].end < fd->next_flip)
			fd->next_flip = fd->cross[i].end;
	fd->first_start = UINT64_MAX;
	for (i = 0; i < mon->n; i++)
		if (mon->mods[i]->open &&
		    mon->mods[i]->epoch_start < fd->first_start)
			fd->first_start = mon->mods[i]->epoch_start;
}

/* The epochs the batch just run crossed into are the open ones now. */
static int crossings_close(struct feeder *fd, uint64_t *epochs)
{
	struct monitor *mon = fd->mon;
	unsigned int i;
	int err;

	for (i = 0; i < mon->n; i++) {
		if (!fd->cross[i].crossed)
			continue;
		fd->cross[i].crossed = false;
		err = clock_crossed(mon, mon->mods[i], fd->cross[i].start);
		if (err)
			return err;
		(*epochs)++;
	}
	return 0;
}

/* Runs what is batched, then tells the clock that it is TS. */
static int flip_due(struct feeder *fd, uint64_t ts, uint64_t *epochs)
{
	int err;

	err = feed_sync(fd);
	if (!err)
		err = crossings_close(fd, epochs);
	if (!err)
		err = clock_advance(fd->mon, ts, epochs);
	next_flip_update(fd);
	return err;
}

/*
 * TS is past an epoch's end: the batch takes it into the next epoch of
 * each such module, once; a second boundary of one of them runs it.
 */
static int boundary(struct feeder *fd, uint64_t ts, uint64_t *epochs)
{
	struct monitor *mon = fd->mon;
	unsigned int i;

	for (i = 0; i < mon->n; i++) {
		struct modrt *rt = mon->mods[i];
		struct crossing *c = &fd->cross[i];
		uint64_t ivl = rt->mod->interval_ns;

		if (modrt_kernel_clock(rt))
			continue;
		if (!rt->open || (c->crossed && ts >= c->end))
			return flip_due(fd, ts, epochs);
		if (!c->crossed && ts >= rt->epoch_end) {
			c->crossed = true;
			c->start = ts - ts % ivl;
			c->end = c->start + ivl;
		}
	}
	next_flip_update(fd);
	return 0;
}

/*
 * A trace on one CPU runs on the one comod starts it on: a table holds as
 * many keys as it says, whatever the scheduler does (each CPU has rows
 * of its own). On N CPUs each has its rows: a table that overflows on one
 * may hold up to N times its keys, and what it drops depends on which
 * CPU ran what (the run says it is approximate either way).
 */
static void pin_to_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		pr_debug("trace: cannot stay on CPU %d: %s", cpu,
			 strerror(errno));
}

static void progress(const char *path, struct trace_result *res,
		     struct timespec *t0)
{
	struct timespec now;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &now);
	s = now.tv_sec - t0->tv_sec + (now.tv_nsec - t0->tv_nsec) / 1e9;
	fprintf(stderr, "\rcomod: %s: %llu packets, %.2f Mpps",
		path, (unsigned long long)res->packets,
		s > 0 ? res->packets / s / 1e6 : 0.0);
	fflush(stderr);
}

/*
 * libpcap reads through stdio's default buffer, 4 KiB a read(2): a big
 * buffer of our own makes that a system call per MiB.
 */
#define TRACE_IOBUF	(1U << 20)

/*
 * A pcap or pcapng file is read where it lies (pcapmap.h); a pipe and any
 * header that reader leaves alone go through libpcap, and so does the
 * rest of a pcapng file from where that reader is not sure of it.
 */
struct trace {
	const char *path;
	struct pcapmap map;
	struct pcap_pkthdr hdr;	/* the mapped file's packet */
	bool in_place;		/* read from the mapping, not by libpcap */
	pcap_t *pc;
	char *iobuf;
	int dlt;
	char err[PCAP_ERRBUF_SIZE];	/* why libpcap could not take over */
};

static void trace_free(struct trace *t)
{
	if (t->pc)
		pcap_close(t->pc);
	pcapmap_close(&t->map);
	free(t->iobuf);
	free(t);
}

static pcap_t *trace_pcap_open(struct trace *t, const char *path,
			       char *errbuf);

/*
 * The in-place reader met something in a pcapng file that it leaves to
 * libpcap: libpcap reads the file from its start, past the packets given
 * already (the two read them alike), and on.
 */
static int trace_to_libpcap(struct trace *t)
{
	uint64_t given = t->map.given, n;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc = 1;

	/* mapped still: the batches not run yet point into it */
	t->in_place = false;
	t->pc = trace_pcap_open(t, t->path, errbuf);
	if (!t->pc) {
		snprintf(t->err, sizeof(t->err), "%s", errbuf);
		return PCAP_ERROR;
	}
	pr_debug("trace %s: read by libpcap from packet %llu on", t->path,
		 (unsigned long long)given + 1);
	for (n = 0; n < given && (rc = pcap_next_ex(t->pc, &h, &d)) == 1; n++)
		;
	if (n < given || pcap_datalink(t->pc) != t->dlt) {
		snprintf(t->err, sizeof(t->err), "libpcap reads the file "
			 "otherwise (%llu packets, link type %d, where %llu and "
			 "%d were read)", (unsigned long long)n,
			 pcap_datalink(t->pc), (unsigned long long)given,
			 t->dlt);
		return PCAP_ERROR;
	}
	return 0;
}

static inline int trace_next(struct trace *t, struct pcap_pkthdr **h,
			     const u_char **data)
{
	int rc;

	if (t->in_place) {
		*h = &t->hdr;
		rc = pcapmap_next(&t->map, &t->hdr, data);
		if (rc != PCAPMAP_UNSURE)
			return rc;
		rc = trace_to_libpcap(t);
		if (rc)
			return rc;
	}
	return pcap_next_ex(t->pc, h, data);
}

static const char *trace_error(struct trace *t)
{
	if (t->err[0])
		return t->err;
	return t->in_place ? t->map.err : pcap_geterr(t->pc);
}

/* 0: T reads the file in place; nonzero: libpcap is to read it */
static int trace_map(struct trace *t, const char *path)
{
	int fd, err;

	if (!strcmp(path, "-"))
		return -ENOTSUP;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = pcapmap_open(&t->map, fd);
	close(fd);
	if (err && err != -ENOTSUP)
		pr_debug("trace %s: not mapped (%s), read by libpcap", path,
			 strerror(-err));
	if (!err) {
		t->dlt = t->map.dlt;
		t->in_place = true;
	}
	return err;
}

static pcap_t *trace_pcap_open(struct trace *t, const char *path,
			       char *errbuf)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	pcap_t *pc;

	if (!f) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		return NULL;
	}
	t->iobuf = malloc(TRACE_IOBUF);
	if (t->iobuf)
		setvbuf(f, t->iobuf, _IOFBF, TRACE_IOBUF);
	pc = pcap_fopen_offline_with_tstamp_precision(f,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc && f != stdin)
		fclose(f);
	return pc;
}

int trace_open(struct trace **tp, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct trace *t;
	int dlt;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->path = path;
	if (trace_map(t, path)) {
		t->pc = trace_pcap_open(t, path, errbuf);
		if (!t->pc) {
			pr_err("cannot read trace %s: %s", path, errbuf);
			free(t->iobuf);
			free(t);
			return -EINVAL;
		}
		t->dlt = pcap_datalink(t->pc);
	}
	dlt = t->dlt;
	if (!supported_linktype(dlt)) {
		pr_err("trace %s: unsupported link type %d (%s); como reads "
		       "Ethernet, raw IP and Linux cooked captures", path, dlt,
		       pcap_datalink_val_to_name(dlt) ?: "unknown");
		trace_free(t);
		return -EPROTONOSUPPORT;
	}
	*tp = t;
	return 0;
}

/*
 * A module whose update() depends on the order one CPU sees the packets
 * in (COMO_MOD_ONE_CPU) keeps the trace on one CPU: its results would
 * depend on how the batches were spread.
 */
static unsigned int cpus_usable(const struct monitor *mon, unsigned int ncpus)
{
	unsigned int i;

	for (i = 0; i < mon->n && ncpus > 1; i++) {
		if (!(mon->mods[i]->mod->desc->flags & COMO_MOD_ONE_CPU))
			continue;
		pr_notice("module %s counts by what one CPU saw so far: the "
			  "trace runs on one CPU", mon->mods[i]->mod->name);
		ncpus = 1;
	}
	return ncpus;
}

/* The batches, and who runs them: this thread on one CPU, runners on more. */
static int feeder_start(struct feeder *fd, unsigned int ncpus)
{
	int err = datapath_win_map(fd->dp);

	if (err)
		return err;
	if (ncpus > 1) {
		fd->br = batchrun_start(fd->dp, ncpus);
		if (!fd->br)
			return -ENOMEM;
		fd->b = batchrun_batch(fd->br);
		return 0;
	}
	pin_to_cpu();
	fd->b = datapath_batch_new();
	return fd->b ? 0 : -ENOMEM;
}

/* Waits for what still runs; ERR, or the first error of a run. */
static int feeder_stop(struct feeder *fd, int err)
{
	int rerr;

	if (!fd->br) {
		datapath_batch_free(fd->b);
		return err;
	}
	rerr = batchrun_stop(fd->br);
	fd->br = NULL;
	return err ?: rerr;
}

int trace_run(struct trace *t, struct monitor *mon, unsigned int ncpus,
	      bool show_progress, volatile sig_atomic_t *stop,
	      struct trace_result *res)
{
	struct feeder fd = { .dp = mon->dp, .mon = mon, .next_flip = 0,
			     .linktype = t->dlt };
	const char *path = t->path;
	struct pcap_pkthdr *h;
	struct timespec t0;
	const u_char *data;
	unsigned int i;
	int rc, err = 0;

	memset(res, 0, sizeof(*res));
	ncpus = cpus_usable(mon, ncpus);
	res->cpus = ncpus > 1 ? ncpus : 1;
	err = feeder_start(&fd, ncpus);
	if (err) {
		trace_free(t);
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);

	while ((rc = trace_next(t, &h, &data)) == 1) {
		uint64_t ts = pkt_time_ns(h);
		__u32 n = h->caplen < COMO_SNAP ? h->caplen : COMO_SNAP;
		struct dp_pkt *p;

		/*
		 * libpcap passes these through (a fraction of 2^31 or more
		 * comes out negative); a record that says so is corrupt
		 */
		if (h->ts.tv_usec < 0 || h->ts.tv_usec >= 1000000000) {
			snprintf(res->stopped, sizeof(res->stopped),
				 "stopped at packet %llu: corrupt record "
				 "(timestamp fraction of a second or more)",
				 (unsigned long long)res->packets + 1);
			break;
		}

		if (ts >= fd.next_flip) {
			err = boundary(&fd, ts, &res->epochs);
			if (err)
				break;
		}
		if (fd.b->count == COMO_BATCH_MAX) {
			err = feed_run(&fd);
			if (err)
				break;
		}
		p = &fd.b->pkt[fd.b->count];
		p->ts = ts;
		p->len = h->len;
		p->caplen = h->caplen;
		if (t->in_place) {
			/*
			 * its bytes stay where they are until a runner copies
			 * them; the last is read here, where a file cut short
			 * under us is seen (below)
			 */
			p->data = data;
			if (n)
				(void)*(volatile const u_char *)(data + n - 1);
		} else {
			/* libpcap's buffer is the next packet's soon */
			p->data = fd.b->stage + fd.b->count * COMO_SNAP;
			memcpy((__u8 *)p->data, data, n);
		}
		if (pcapmap_lost(&t->map)) {
			snprintf(res->stopped, sizeof(res->stopped),
				 "stopped after packet %llu: the file shrank "
				 "while it was read (another program "
				 "truncated it)",
				 (unsigned long long)res->packets);
			break;
		}
		fd.b->count++;

		if (!res->packets || ts < res->first_ns)
			res->first_ns = ts;
		if (ts > res->last_ns)
			res->last_ns = ts;
		/* out of time order: rare, so looked at only when it happens */
		if (ts < fd.first_start)
			for (i = 0; i < mon->n; i++)
				res->late += ts < mon->mods[i]->epoch_start;
		res->packets++;
		res->bytes += h->len;
		if (!(res->packets & 0xffff)) {
			if (show_progress && !(res->packets & 0xfffff))
				progress(path, res, &t0);
			if (*stop) {
				snprintf(res->stopped, sizeof(res->stopped),
					 "interrupted after packet %llu",
					 (unsigned long long)res->packets);
				break;
			}
		}
	}
	if (!err && rc == PCAP_ERROR && !res->stopped[0]) {
		snprintf(res->stopped, sizeof(res->stopped),
			 "stopped after packet %llu: %s",
			 (unsigned long long)res->packets, trace_error(t));
	}
	/* what was read is kept: run it and close the last epochs */
	if (!err)
		err = feed_sync(&fd);
	err = feeder_stop(&fd, err);
	if (!err)
		err = crossings_close(&fd, &res->epochs);
	for (i = 0; i < mon->n && !err; i++) {
		res->epochs += mon->mods[i]->open;
		err = clock_close(mon, mon->mods[i], res->last_ns);
	}
	if (show_progress && res->packets >= 0x100000)
		fputc('\n', stderr);
	trace_free(t);
	return err;
}

void trace_close(struct trace *t)
{
	trace_free(t);
}

int trace_linktype(const struct trace *t)
{
	return t->dlt;
}
