/* SPDX-License-Identifier: BSD-3-Clause */
/* Where a module's records go (stream.c). */
#ifndef _COMOD_STREAM_H
#define _COMOD_STREAM_H

#include "comod.h"

/* kind: "trace" (source is its path) or "live" (the interfaces) */
int stream_open(struct modrt *rt, const char *datadir, const char *kind,
		const char *source);
/* One stored record: LEN bytes that store() made, stamped TS. */
int stream_append(struct modrt *rt, uint64_t ts, const void *rec,
		  uint32_t len);
int stream_flush(struct modrt *rt);
/* How far the data goes: from TS, if nothing earlier; [FIRST, LAST]. */
void stream_started(struct modrt *rt, uint64_t ts);
void stream_covered(struct modrt *rt, uint64_t first, uint64_t last);
int stream_finish(struct modrt *rt, const char *kind, const char *source,
		  uint64_t packets, const char *stopped);
void stream_close(struct modrt *rt);

#endif
