/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a module's records go (stream.c): DATADIR/NAME/ for the instance,
 * and for every other name it answers to.
 */
#ifndef _COMOD_STREAM_H
#define _COMOD_STREAM_H

#include "comod.h"

/*
 * A trace run into a stream that holds results: refused (the default),
 * added to (records at or before the last stored interval are not stored
 * again: a run cut short can be run again), or started over.
 */
enum stream_reuse {
	STREAM_REFUSE,
	STREAM_APPEND,
	STREAM_REPLACE,
};

void stream_set_reuse(enum stream_reuse r);
/*
 * A disk budget for the data directory of every stream opened from now
 * on (store_budget.h); 0: none. Kept whenever a stream starts a segment.
 */
void stream_set_budget(uint64_t bytes);

/* NAME asked for what RT runs: its records go to DATADIR/NAME too. */
int stream_add_name(struct modrt *rt, const char *name);
/*
 * Opens every stream of RT not open yet. kind: "trace" (source is its
 * path) or "live" (the interfaces). A name whose stream cannot be opened
 * is dropped.
 */
int stream_open(struct modrt *rt, const char *datadir, const char *kind,
		const char *source);
/* One stored record: LEN bytes that store() made, stamped TS. */
int stream_append(struct modrt *rt, uint64_t ts, const void *rec,
		  uint32_t len);
/* The records appended since the last call are one interval's, whole. */
/*
 * The interval at START, IVL long, lost LOST packets to a full state and
 * SAMPLED to sampling: every stream of RT says so in its meta.json, which
 * como query reads.
 */
void stream_overflow(struct modrt *rt, uint64_t start, uint64_t ivl,
		     uint64_t lost, uint64_t sampled);
/*
 * The record of RT stamped TS is of an interval whose state overflowed
 * (its stream's list, or the last one): its packets not counted, and of
 * them sampled out.
 */
bool stream_overflowed_at(const struct modrt *rt, uint64_t ts,
			  uint64_t *packets, uint64_t *sampled);
void stream_interval_end(struct modrt *rt);
int stream_flush(struct modrt *rt);
/* Why ST lost records (strerror), when st->lost says it did. */
const char *stream_lost_reason(const struct stream *st);
/* How far the data goes: from TS, if nothing earlier; [FIRST, LAST]. */
void stream_started(struct modrt *rt, uint64_t ts);
void stream_covered(struct modrt *rt, uint64_t first, uint64_t last);
/* The timestamp of the instance's last stored record; 0: none. */
uint64_t stream_last_ts(const struct modrt *rt);
int stream_finish(struct modrt *rt, const char *kind, const char *source,
		  uint64_t packets, const char *stopped);
/*
 * Finishes and closes the stream of NAME, one of RT's names, while RT goes
 * on under the others (-ENOENT: RT has no other name).
 */
int stream_finish_name(struct modrt *rt, const char *name, const char *kind,
		       const char *source);
void stream_close(struct modrt *rt);

#endif
