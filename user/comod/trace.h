/* SPDX-License-Identifier: BSD-3-Clause */
/* The trace source (trace.c). */
#ifndef _COMOD_TRACE_H
#define _COMOD_TRACE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "comod.h"

struct trace_result {
	uint64_t packets;
	uint64_t bytes;
	uint64_t epochs;
	uint64_t late;		/* packets older than their module's open epoch */
	uint64_t first_ns, last_ns;
	unsigned int cpus;	/* that ran the batches */
	char stopped[512];	/* why the trace was not read to its end */
};

struct trace;

/* Opens a pcap/pcapng file and checks that como can read its link type. */
int trace_open(struct trace **tp, const char *path);
/*
 * Feeds it through the dispatcher and the modules, its batches run on
 * NCPUS CPUs (those the affinity mask allows first), then closes it.
 */
int trace_run(struct trace *t, struct monitor *mon, unsigned int ncpus,
	      bool progress, volatile sig_atomic_t *stop,
	      struct trace_result *res);
void trace_close(struct trace *t);
int trace_linktype(const struct trace *t);

#endif
