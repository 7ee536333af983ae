/* SPDX-License-Identifier: BSD-3-Clause */
/* What a run says when it ends (summary.c). */
#ifndef _COMOD_SUMMARY_H
#define _COMOD_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "comod.h"

struct trace_result;

/* comod's options */
struct opts {
	const char *conf;
	const char *trace;
	const char *ifaces;
	const char *socket;
	const char *datadir;
	const char *http;		/* --http ADDR:PORT */
	const char *http_token;		/* --http-token-file FILE */
	uint64_t budget;	/* --budget: the data directory's; 0: the config's */
	uint64_t http_max_bytes;	/* --http-max-bytes; 0: the default */
	uint64_t http_max_ns;		/* --http-max-time; 0: the default */
	unsigned int cpus;		/* --cpus: a trace's; 0: all allowed */
	bool serve_only;		/* --http and no source: the data alone */
	bool bpf_stats;
	bool keep;
	bool asked_modules;	/* -m, or modules in the config */
	bool json;
	bool quiet;
	int verbose;
};

struct summary {
	int stats_fd;		/* BPF run-time statistics, or -1 */
	struct timespec t0, t1;
	double cpu0, cpu;
};

/* Before the first packet; BPF_STATS: measure the in-kernel cost. */
void summary_begin(struct summary *s, struct monitor *mon, bool bpf_stats);
void summary_end(struct summary *s, struct monitor *mon);
/*
 * Prints the summary (stderr; -j: JSON on stdout). An error when the run
 * did not read its whole trace, or lost packets on the way.
 */
int summary_print(struct summary *s, struct monitor *mon,
		  const struct trace_result *res, const struct opts *o);

#endif
