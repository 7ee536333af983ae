/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static queries (push.c, white paper section IV): each record a module
 * stores also goes, as one JSON line, over TCP to a receiver named by
 * send-to HOST:PORT. Capture and storage never wait for it: a thread of
 * its own sends from a bounded queue, whose oldest records go first when
 * it is full, each one counted.
 */
#ifndef _COMOD_PUSH_H
#define _COMOD_PUSH_H

#include <stdint.h>
#include "comod.h"

struct json_object;

/*
 * RT's records, stored under NAME (its own or one it also answers to),
 * go to TO (HOST:PORT), QUEUE of them held while the receiver is away;
 * the run's end waits DRAIN_NS for it. -EINVAL (said in one line) for a
 * receiver that cannot be resolved or a module that stores its own
 * format: what is sent is what the schema prints.
 */
int push_add(struct modrt *rt, const char *name, const char *to,
	     uint64_t queue, uint64_t drain_ns);
/* One record RT stored: LEN bytes that store() made, stamped TS. */
void push_record(struct modrt *rt, uint64_t ts, const void *buf,
		 uint32_t len);
/*
 * The run ends: each receiver gets what is queued, within its drain
 * time; what was not sent is said (a warning) and counted. The counts
 * stay for the summary until push_free.
 */
void push_finish(struct modrt *rt);
void push_free(struct modrt *rt);
/*
 * RT's receivers in O: "push": [{name, to, records, sent, dropped,
 * unsent, queued, connected, connects}], and their sums as push_sent,
 * push_dropped, push_unsent, push_queued (for /metrics). Nothing when
 * RT pushes nowhere.
 */
void push_json(struct modrt *rt, struct json_object *o);

#endif
