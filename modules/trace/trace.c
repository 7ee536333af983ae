// SPDX-License-Identifier: BSD-3-Clause
/*
 * trace: the packets of each interval, their first snap bytes, in
 * timestamp order; replay() gives them back for a pcap or a module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "trace.h"
#include "trace.skel.h"

/* time, wirelen, caplen, linktype, then caplen bytes (little-endian) */
#define TRACE_STORED_HDR	18

static const struct como_field trace_schema[] = {
	COMO_FIELD(struct trace_rec, time, COMO_FT_TIME),
	COMO_FIELD(struct trace_rec, wirelen, COMO_FT_U32),
	COMO_FIELD(struct trace_rec, caplen, COMO_FT_U32),
	COMO_FIELD(struct trace_rec, linktype, COMO_FT_U16),
	COMO_FIELD_STR(struct trace_rec, head),
	COMO_FIELD_END,
};

/* KEY=N into *V, which holds its default, if N is LO to HI. */
static int trace_arg(struct como_mod *m, const char *args, const char *key,
		     __u64 lo, __u64 hi, __u32 *v)
{
	__u64 n = *v;
	int err = como_arg_u64(args, key, &n);

	if (err == -EINVAL || n < lo || n > hi) {
		como_log(m, COMO_MSG_ERR, "%s must be %llu to %llu", key,
			 (unsigned long long)lo, (unsigned long long)hi);
		return -EINVAL;
	}
	*v = n;
	return 0;
}

/* The arguments are the capture side's constants (COMO_ARGS). */
static int trace_init(struct como_mod *m, const char *args)
{
	struct trace_args a = { .snap = TRACE_SNAP_DEFAULT, .max = TRACE_ROWS };

	if (trace_arg(m, args, "snap", 1, TRACE_SNAP_MAX, &a.snap) ||
	    trace_arg(m, args, "payload", 0, 1, &a.payload) ||
	    trace_arg(m, args, "max", 1, TRACE_ROWS, &a.max))
		return -EINVAL;
	return como_set_bpf_args(m, &a, sizeof(a));
}

/*
 * Timestamp order; equal times in the trace's order (a trace's batch, then
 * the order its CPU saw them in; live, the CPU's order).
 */
static int by_time(const void *a, const void *b)
{
	const struct trace_key *x = *(const struct trace_key *const *)a;
	const struct trace_key *y = *(const struct trace_key *const *)b;
	const struct trace_val *vx = (const void *)(x + 1);
	const struct trace_val *vy = (const void *)(y + 1);

	if (vx->ts != vy->ts)
		return vx->ts < vy->ts ? -1 : 1;
	if (x->batch != y->batch)
		return x->batch < y->batch ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int trace_export(struct como_mod *m, struct como_table *t)
{
	struct { struct trace_key k; struct trace_val v; } *rows;
	struct trace_rec r = { 0 };
	int err = 0;
	__u32 i;
	void **order;

	rows = malloc((size_t)t->nrows * sizeof(*rows) + 1);
	order = malloc((size_t)t->nrows * sizeof(*order) + 1);
	if (!rows || !order) {
		err = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < t->nrows; i++) {
		memcpy(&rows[i].k, como_row_key(t, i), sizeof(rows[i].k));
		memcpy(&rows[i].v, como_row_value(t, i), sizeof(rows[i].v));
		order[i] = &rows[i];
	}
	qsort(order, t->nrows, sizeof(*order), by_time);
	for (i = 0; i < t->nrows && !err; i++) {
		const struct trace_val *v = &((typeof(rows))order[i])->v;

		r.time = v->ts;
		r.wirelen = v->wirelen;
		r.caplen = v->caplen < TRACE_SNAP_MAX ? v->caplen : TRACE_SNAP_MAX;
		r.linktype = v->linktype;
		memcpy(r.bytes, v->bytes, r.caplen);
		err = como_emit(m, t->start_ns, &r);
	}
out_free:
	free(order);
	free(rows);
	return err;
}

/* Variable length: a header-only packet costs its headers, not the snap. */
static long trace_store(struct como_mod *m, const void *rec, void *buf,
			size_t size)
{
	const struct trace_rec *r = rec;
	__u8 *p = buf;

	(void)m;
	if (size < TRACE_STORED_HDR + r->caplen)
		return -ENOSPC;
	memcpy(p, &r->time, 8);
	memcpy(p + 8, &r->wirelen, 4);
	memcpy(p + 12, &r->caplen, 4);
	memcpy(p + 16, &r->linktype, 2);
	memcpy(p + TRACE_STORED_HDR, r->bytes, r->caplen);
	return TRACE_STORED_HDR + r->caplen;
}

static long trace_load(struct como_mod *m, const void *buf, size_t len,
		       void *rec)
{
	static const char hex[] = "0123456789abcdef";
	struct trace_rec *r = rec;
	const __u8 *p = buf;
	__u32 i;

	(void)m;
	if (len < TRACE_STORED_HDR)
		return -EBADMSG;
	memset(r, 0, sizeof(*r));
	memcpy(&r->time, p, 8);
	memcpy(&r->wirelen, p + 8, 4);
	memcpy(&r->caplen, p + 12, 4);
	memcpy(&r->linktype, p + 16, 2);
	if (r->caplen > TRACE_SNAP_MAX || r->caplen > r->wirelen ||
	    len != TRACE_STORED_HDR + r->caplen)
		return -EBADMSG;
	memcpy(r->bytes, p + TRACE_STORED_HDR, r->caplen);
	for (i = 0; i < r->caplen && i < TRACE_HEAD_BYTES; i++) {
		r->head[2 * i] = hex[r->bytes[i] >> 4];
		r->head[2 * i + 1] = hex[r->bytes[i] & 15];
	}
	return len;
}

/* One packet: its parsed fields are the dispatcher's to fill from the bytes. */
static int trace_replay(struct como_mod *m, __u64 ts, const void *rec,
			struct como_pkt *pkts, unsigned int max)
{
	const struct trace_rec *r = rec;
	int err;

	(void)ts;	/* the interval's: the packet has its own */
	if (!max)
		return -ENOSPC;
	memset(pkts, 0, sizeof(*pkts));
	pkts->ts = r->time;
	pkts->len = r->wirelen;
	pkts->caplen = r->caplen;
	pkts->linktype = r->linktype;
	pkts->count = 1;
	pkts->sampling = 1;
	err = como_replay_bytes(m, pkts, r->bytes, r->caplen);
	return err ?: 1;
}

COMO_MODULE(
	.name = "trace",
	.summary = "the packets' headers (snap bytes), replayed as a pcap",
	.args = "snap=N payload=0|1 max=N interval=DURATION",
	.needs = COMO_CAP_TS_NS | COMO_CAP_LEN | COMO_CAP_PACKETS,
	.max_sampling = 1,
	.bpf_elf = trace_bpf__elf_bytes,
	.record_size = sizeof(struct trace_rec),
	.schema = trace_schema,
	.init = trace_init,
	.export = trace_export,
	.store = trace_store,
	.load = trace_load,
	.replay = trace_replay,
);
