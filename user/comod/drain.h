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
/* Exports the epochs a trace run has queued (export_flush). */
void drain_flush(struct modrt *rt);
int drain_discard(struct datapath *dp, struct modrt *rt, __u32 half);
/* Frees the rows the drain reuses from epoch to epoch. */
void drain_free(struct modrt *rt);

#endif
