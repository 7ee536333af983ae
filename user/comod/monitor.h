/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A running monitor's modules, changed while it runs: load a module into
 * the chain, unload one, without touching the others' state or epochs.
 */
#ifndef _COMOD_MONITOR_H
#define _COMOD_MONITOR_H

#include <stdint.h>
#include "comod.h"
#include "filter.h"

struct live;
struct guard;

struct monitor {
	struct datapath *dp;
	struct modrt *mods;		/* COMO_CHAIN_MAX of them */
	unsigned int n;
	struct filter_stage *fs;	/* COMO_CHAIN_MAX of them */
	unsigned int nfs;
	const char *datadir;
	const char *kind;		/* "live" or "trace" */
	const char *source;
	uint64_t start_ns;
	struct live *live;		/* a live monitor's interfaces */
	struct guard *guard;		/* comod's own, live without como.ko */
};

int monitor_load(struct monitor *mon, const char *source, const char *name,
		 const char *args, const char *filter);
int monitor_unload(struct monitor *mon, const char *name);

#endif
