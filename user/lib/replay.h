/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * On-demand queries (CoMo white paper, IV): a module's records over a
 * window, where the parts of it the module did not run for are answered
 * by running the module over the packets the 'trace' module stored there.
 *
 * Each such part's packets are written as a pcap (the trace's -f pcap,
 * query.h) into a private temporary directory, comod runs the module over
 * it there as 'como run --trace' does (same module, arguments, filter and
 * interval), and the answer reads the module's stored records and the
 * replayed ones in time order (query_opts.parts); the directory is removed
 * after. A replayed record is what a live run over the same packets
 * stores. The answer says which parts were replayed: a line on stderr and,
 * in JSON, {"replayed":[{"from":NS,"to":NS,...}]} as its last element; a
 * part where the trace lost packets (its overflow) is approximate, one it
 * could not store is incomplete (both exit 1, as for stored intervals).
 *
 * Running comod loads BPF: the caller needs the privileges 'como run'
 * needs.
 */
#ifndef _COMO_REPLAY_H
#define _COMO_REPLAY_H

#include <stdbool.h>
#include <stdio.h>
#include "query.h"

/* the stream whose packets are replayed */
#define REPLAY_TRACE	"trace"
/* $TMPDIR/como-replay.XXXXXX: a replay's private directory */
#define REPLAY_TMP_PREFIX	"como-replay."

/* One run of comod over a span's pcap: comod -q -r PCAP -d DIR -m SPEC... */
struct replay_run {
	const char *pcap;	/* DIR/span-N.pcap */
	const char *dir;	/* the private directory it stores into */
	const char *spec;	/* SOURCE[:ARG,...] */
	const char *filter;	/* NULL: none */
	bool append;		/* a later span of the same answer */
};

/*
 * Who runs comod: NULL, this process (replay_comod()); comod's query
 * server, which may not load BPF, asks a process of comod's that may.
 * 0 when comod exited 0; otherwise its exit status, or a negative errno.
 */
struct replay_runner {
	int (*run)(void *ctx, const struct replay_run *r);
	void *ctx;
};

/* comod over R, from this process: comod beside it, else on $PATH. */
int replay_comod(const struct replay_run *r);

/*
 * Whether a query that did not ask (no --replay, no replay=) is answered
 * on demand all the same: DATADIR holds the module's stream and the
 * trace's, so the parts of the window the module did not run for can be
 * replayed. Asks nothing of the streams but that they are there.
 */
bool ondemand_possible(const struct query_opts *o);

/*
 * query_run() with replay: O->module is NAME or NAME:ARG,... (the
 * arguments for a module DATADIR does not hold; for one it holds, they
 * must be the stored ones). O->pcap is refused. 0 or a negative errno
 * after one line, as query_run().
 */
int query_ondemand(const struct query_opts *o, FILE *out,
		   struct query_result *res, const struct replay_runner *run);

#endif
