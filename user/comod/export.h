/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A module's user side at the end of an epoch (export.c): export() turns
 * the drained table into records, action() keeps or drops each, store()
 * serialises it, and the stream stores it. The module's code runs in a
 * worker process of its own, so that a module that crashes, loops or
 * leaks is stopped (rt->stopped says why) and the rest of comod goes on.
 */
#ifndef _COMOD_EXPORT_H
#define _COMOD_EXPORT_H

#include "comod.h"

struct json_object;

/*
 * Starts the module's worker: after mod_init(), datapath_add() (the
 * table's sizes) and stream_open(), before its first epoch closes. From
 * here on comod runs none of the module's code, fini() included: the
 * worker runs it at export_stop().
 */
int export_start(struct modrt *rt);
/*
 * Runs export() over T in the worker and stores the records, all of them
 * or, when the module fails, none (a trace run's T waits in a queue, see
 * export_flush). A failure is the module's, never the
 * caller's: an error export() returns is counted (rt->errors); a worker
 * that crashes, runs over its time or its memory is stopped, its capture
 * disabled in DP, and this and every later epoch of it counted in
 * rt->lost_epochs.
 */
void export_table(struct datapath *dp, struct modrt *rt, struct como_table *t);
/*
 * A trace run queues its epochs' tables and exports them in bulk: this
 * exports what is queued (the clock calls it as a run ends; export_stop
 * does too). A live monitor's epochs are exported as they close.
 */
void export_flush(struct modrt *rt);
/*
 * The stream is about to close (the run ends, the module is unloaded):
 * what is queued is exported, then the module's flush() emits what it
 * still holds, its records stored as an epoch's are. NOW: the end of the
 * last interval.
 */
void export_finish(struct datapath *dp, struct modrt *rt, __u64 now);
/* Runs fini() in the worker and ends it (after what is queued). */
void export_stop(struct modrt *rt);
/*
 * The module's export in the run's JSON summary (O: its object): the
 * epochs lost, why it stopped, and what an epoch cost, in ns.
 */
void export_summary(const struct modrt *rt, struct json_object *o);

#endif
