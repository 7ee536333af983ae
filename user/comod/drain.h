/* SPDX-License-Identifier: BSD-3-Clause */
/* The drain of a closed epoch (drain.c). */
#ifndef _COMOD_DRAIN_H
#define _COMOD_DRAIN_H

#include "comod.h"

/*
 * Reads HALF, which held EPOCH over [START, END), hands its rows to the
 * module's export, stores them, and only then empties the half.
 */
int drain_epoch(struct datapath *dp, struct modrt *rt, __u32 half,
		__u64 epoch, __u64 start, __u64 end);
/* Empties HALF without storing it: its rows are stored already. */
/*
 * The module's last epoch is drained: its stream will close. Exports
 * what is queued and runs its flush() (export_finish); NOW ends the run.
 */
void drain_end(struct datapath *dp, struct modrt *rt, __u64 now);
/*
 * Intervals from FROM to TO without an epoch (a trace's silence): for a
 * module that asked (COMO_MOD_EVERY_INTERVAL), one empty table that
 * spans them all (its interval_ns is TO - FROM).
 */
void drain_empty(struct datapath *dp, struct modrt *rt, __u64 from, __u64 to);
int drain_discard(struct datapath *dp, struct modrt *rt, __u32 half);
/* Frees the rows the drain reuses from epoch to epoch. */
void drain_free(struct modrt *rt);

#endif
