/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The module set of a running monitor (monitor.c): load a module into the
 * chain, unload one, without touching the others' state or epochs; and
 * what como.ko is told of it all.
 */
#ifndef _COMOD_MONITOR_H
#define _COMOD_MONITOR_H

#include "comod.h"

/* The instance that answers to NAME, by its own name or another. */
struct modrt *monitor_find(struct monitor *mon, const char *name);
/* A module instance running M's module with M's filter and arguments. */
struct modrt *monitor_same(struct monitor *mon, const struct como_mod *m);
int monitor_load(struct monitor *mon, const char *source, const char *name,
		 const char *args, const char *filter);
int monitor_unload(struct monitor *mon, const char *name);
/*
 * Hands como.ko the capture as it now is and registers the modules it
 * does not run yet; their epochs must be open.
 */
int monitor_hand_over(struct monitor *mon);

#endif
