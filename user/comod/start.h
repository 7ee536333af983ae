/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a run's capture comes from (start.c): made anew from the modules
 * asked for, or, live, the one a comod before this one left running
 * (pinned by -K, or held by como.ko).
 */
#ifndef _COMOD_START_H
#define _COMOD_START_H

#include <stdbool.h>
#include "comod.h"

struct trace;

/*
 * Fills MON: its data path, modules, filter stages and (live) interfaces;
 * for a trace, *TRACE is the opened trace. ASKED: the modules were asked
 * for (-m or the config), not the defaults.
 */
int start_capture(struct monitor *mon, const struct como_config *cfg,
		  bool asked, const char *trace_path, struct trace **trace);
/* Undoes it all: streams closed, objects unloaded. */
void start_undo(struct monitor *mon);

#endif
