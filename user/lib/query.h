/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The query engine: one module instance's stored records (its stream,
 * DATADIR/NAME: meta.json and segment files) over a time window, read back
 * by the module's own load() and formatted by its print() or by the print
 * layer, written to a FILE. 'como query' calls it, and the HTTP server
 * calls it once a request: it keeps no globals, never exits, writes data
 * only to OUT and diagnostics only through log.h (one line for an error,
 * also kept in res->error for a reply).
 *
 * The module's code (dlopen(), init(), load(), print(), fini()) runs in
 * a child process forked for the query, as CoMo started a QUERY process
 * for each request (PAM 2006): its output reaches OUT through a pipe,
 * whole records at a time. A module that crashes, exits or loops (one of its calls runs
 * longer than timeout_ms) costs the query, never the caller: what it
 * wrote for the records before stays written (not the record it failed
 * on), one line names the module and the callback, and query_run()
 * returns -ECANCELED or -ETIMEDOUT with res->incomplete set.
 *
 * The caller must let query_run() reap its own child: no SIGCHLD set to
 * SIG_IGN, no waitpid(-1) elsewhere while a query runs.
 */
#ifndef _COMO_QUERY_H
#define _COMO_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "out.h"

/* how long one call into a module (init(), load(), print()...) may run */
#define QUERY_TIMEOUT_MS	10000
/* streams one answer reads in turn (query_opts.parts) */
#define QUERY_PARTS_MAX		4

/*
 * A span of the answer read from a stream of its own: [FROM, TO) of the
 * records' interval starts, from DIR (a stream directory). On-demand
 * queries (replay.h) answer from the module's stream and from the
 * module's run over the trace's packets, a part each.
 */
struct query_part {
	const char *dir;
	uint64_t from, to;
	bool replayed;		/* records of a run over the trace's packets */
	/*
	 * The packets replayed were not all the packets: the trace's state
	 * overflowed (approximate: lost packets, counted) or it could not
	 * store some intervals (incomplete).
	 */
	bool approximate, incomplete;
	uint64_t packets_lost;
};

struct query_opts {
	const char *datadir;	/* where the streams are */
	const char *module;	/* the instance: its stream is DATADIR/MODULE */
	/*
	 * START:END as timewin.h reads it (-5m:0, 1700000000:1700000300),
	 * relative to the end of the data of a trace, to now when live;
	 * NULL for all the data
	 */
	const char *window;
	enum out_format fmt;
	/*
	 * Not records but packets: a pcap of what the module's replay()
	 * makes of them, those of the window to the ns (fmt unused).
	 */
	bool pcap;
	/*
	 * How long one call into the module may run before its process is
	 * killed, counted while the caller waits on it (not while OUT is slow
	 * to take what it wrote); 0: QUERY_TIMEOUT_MS.
	 */
	unsigned int timeout_ms;
	/*
	 * Bounds on the whole answer (0: none): past MAX_BYTES of output or
	 * MAX_MS since the query began, it stops before the next record,
	 * ends its output as a whole one (a JSON array closed) and says it
	 * was cut (res->cut, res->error).
	 */
	uint64_t max_bytes;
	unsigned int max_ms;
	/* the window in ns since 1970, [start_ns, end_ns], instead of window */
	bool window_ns;
	uint64_t start_ns, end_ns;
	/*
	 * The answer's records, in time order, from these spans of streams
	 * (each read with the module of DATADIR/MODULE); NULL: that stream's
	 * own, all of it.
	 */
	const struct query_part *parts;
	unsigned int nparts;
};

struct query_result {
	unsigned long nrec;	/* records written to OUT */
	unsigned long nskipped;	/* records load() refused (each warned of) */
	bool partial;		/* the run that stored them did not finish */
	bool orphaned;		/* ... and was killed while it ran live */
	/*
	 * Not the whole answer: the window overlaps intervals the run could
	 * not store (meta.json "incomplete"), or damaged records were
	 * skipped. Each is said on stderr and, in JSON, as the answer's last
	 * element, {"incomplete": {...}}; 'como query' exits 1.
	 */
	bool gaps;
	bool approximate;	/* intervals whose state overflowed */
	bool replayed;		/* parts of it were replayed (query_opts.parts) */
	/* those parts, "FROM:TO" in Unix seconds each, ", " between */
	char replayed_spans[128];
	/*
	 * The window starts before the data retention left (meta.json's
	 * "removed"): said, in JSON as "incomplete": {"removed"...}; exit 1.
	 */
	bool removed;
	uint64_t damaged_records, damaged_bytes;
	/* the module failed: OUT holds the records before, then stops */
	bool incomplete;
	/* stopped at a bound of query_opts: OUT holds the records before */
	bool cut;
	const char *callback;	/* the one that failed, e.g. "print()" */
	int signal;		/* it crashed with; 0: none, or killed for time */
	char error[256];	/* the error's line as logged; "" on success */
};

/*
 * 0, or a negative errno after logging one line: -EINVAL (a bad window),
 * -ENOENT (no such data directory, stream or module), -EBADMSG (damaged
 * meta.json), a storage error, -ECANCELED (the module crashed or exited)
 * or -ETIMEDOUT (a call into it ran past the limit and it was killed).
 * (store_reader_open()'s errors say nothing, as 'como query' never did:
 * res->error then holds strerror().) RES may be NULL.
 */
int query_run(const struct query_opts *o, FILE *out, struct query_result *res);

#endif
