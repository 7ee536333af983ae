// SPDX-License-Identifier: BSD-3-Clause
/*
 * lastseen: keeps each destination across intervals and emits it once,
 * from flush() at the end of the run: packets, first and last time, the
 * span, the rate, whether it saw TCP. A last record, "intervals", counts
 * the intervals export() was told of, empty ones included
 * (COMO_MOD_EVERY_INTERVAL).
 * It exercises what counting modules do not: state across intervals,
 * flush(), folds, the string, time, duration and double fields, and
 * init()'s reason (max=0 is refused).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "lastseen.h"
#include "lastseen.skel.h"

struct lastseen_rec {
	__u8 addr[16];
	__u64 pkts;
	__u64 first;
	__u64 last;
	__u64 span;
	double rate;
	char what[12];
};

struct lastseen {
	struct lastseen_rec *recs;
	__u32 n, cap;
	__u64 calls, max;
};

static const struct como_field lastseen_schema[] = {
	COMO_FIELD(struct lastseen_rec, addr, COMO_FT_ADDR),
	COMO_FIELD(struct lastseen_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct lastseen_rec, first, COMO_FT_TIME),
	COMO_FIELD(struct lastseen_rec, last, COMO_FT_TIME),
	COMO_FIELD(struct lastseen_rec, span, COMO_FT_DURATION),
	COMO_FIELD(struct lastseen_rec, rate, COMO_FT_DOUBLE),
	COMO_FIELD_STR(struct lastseen_rec, what),
	COMO_FIELD_END,
};

static const struct como_fold lastseen_fold[] = {
	COMO_FOLD(struct lastseen_val, pkts, COMO_FOLD_SUM),
	COMO_FOLD(struct lastseen_val, first_ns, COMO_FOLD_MIN),
	COMO_FOLD(struct lastseen_val, last_ns, COMO_FOLD_MAX),
	COMO_FOLD(struct lastseen_val, flags, COMO_FOLD_OR),
	COMO_FOLD_END,
};

static int lastseen_init(struct como_mod *m, const char *args)
{
	struct lastseen *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->max = 1 << 20;
	if (como_arg_u64(args, "max", &s->max) == -EINVAL || !s->max) {
		como_log(m, COMO_MSG_ERR, "max must be a count of 1 or more");
		free(s);
		return -EINVAL;
	}
	como_set_priv(m, s);
	return 0;
}

static struct lastseen_rec *lastseen_find(struct lastseen *s, const __u8 *a)
{
	__u32 i;

	for (i = 0; i < s->n; i++)
		if (!memcmp(s->recs[i].addr, a, 16))
			return &s->recs[i];
	return NULL;
}

static int lastseen_export(struct como_mod *m, struct como_table *t)
{
	struct lastseen *s = como_priv(m);
	struct lastseen_rec *r;
	__u32 i;

	/* a run of empty intervals is one table that spans them */
	s->calls += t->interval_ns / 1000000000ULL ?: 1;
	for (i = 0; i < t->nrows; i++) {
		const struct lastseen_key *k = como_row_key(t, i);
		const struct lastseen_val *v = como_row_value(t, i);

		r = lastseen_find(s, k->addr);
		if (!r) {
			if (s->n == s->max)
				return -ENOSPC;
			if (s->n == s->cap) {
				s->cap = s->cap ? 2 * s->cap : 256;
				s->recs = realloc(s->recs, s->cap * sizeof(*r));
				if (!s->recs)
					return -ENOMEM;
			}
			r = &s->recs[s->n++];
			memset(r, 0, sizeof(*r));
			memcpy(r->addr, k->addr, 16);
			r->first = v->first_ns;
		}
		r->pkts += v->pkts;
		if (v->first_ns < r->first)
			r->first = v->first_ns;
		if (v->last_ns > r->last)
			r->last = v->last_ns;
		if (v->flags & 1)
			strcpy(r->what, "tcp");
	}
	return 0;
}

static int lastseen_flush(struct como_mod *m, __u64 now)
{
	struct lastseen *s = como_priv(m);
	struct lastseen_rec c = { .pkts = s->calls };
	__u32 i;
	int err;

	for (i = 0; i < s->n; i++) {
		struct lastseen_rec *r = &s->recs[i];

		r->span = r->last - r->first;
		r->rate = r->span ? r->pkts / (r->span / 1e9) : 0;
		if (!r->what[0])
			strcpy(r->what, "other");
		err = como_emit(m, r->last, r);
		if (err)
			return err;
	}
	strcpy(c.what, "intervals");
	return como_emit(m, now, &c);
}

COMO_MODULE(
	.name = "lastseen",
	.summary = "per destination, first and last packet over the run",
	.args = "max=N",
	.interval_ns = 1000000000ULL,
	.flags = COMO_MOD_EVERY_INTERVAL,
	.bpf_elf = lastseen_bpf__elf_bytes,
	.record_size = sizeof(struct lastseen_rec),
	.schema = lastseen_schema,
	.fold = lastseen_fold,
	.init = lastseen_init,
	.export = lastseen_export,
	.flush = lastseen_flush,
);
