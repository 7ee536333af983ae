// SPDX-License-Identifier: BSD-3-Clause
/*
 * flows: 5-tuple flow records with NetFlow's active and idle timeouts.
 *
 * The kernel counts each interval's flows; export() merges them into the
 * flows it keeps across intervals, and at the end of every interval
 * (COMO_MOD_EVERY_INTERVAL: empty ones too) emits those idle for the
 * idle timeout and those open for the active timeout, as NetFlow does,
 * to the interval: a timeout fires at the first interval end past it.
 * flush() emits what is still open when the run ends. At most max= flows
 * are kept: packets of a flow that does not fit are counted, and said in
 * the last record ("untracked").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "flows.h"
#include "flows.skel.h"

#define NS	1000000000ULL

struct flows_rec {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	__u16 vlan;
	__u8 proto;
	__u8 tcp_flags;
	__u64 pkts;
	__u64 bytes;
	__u64 first;
	__u64 last;
	char end[12];		/* idle, active, end, or untracked */
	/*
	 * when the flow was ended: the interval end at which its timeout
	 * fired, or the run's. Packets of it lost in a full interval lie
	 * before: the record is marked by every such interval up to here.
	 */
	__u64 closed;
};

struct flow {
	struct flows_key key;
	struct flows_val val;
	bool used;
};

struct flows {
	struct flow *tab;	/* open addressing, a power of two */
	__u64 cap, n, max;
	__u64 idle_ns, active_ns;
	__u64 deadline;		/* no flow times out before it */
	__u64 ivl;		/* the module's interval (an empty run of them
				 * comes as one table) */
	__u64 untracked_pkts, untracked_bytes;
};

static const struct como_field flows_schema[] = {
	COMO_FIELD(struct flows_rec, src, COMO_FT_ADDR),
	COMO_FIELD(struct flows_rec, dst, COMO_FT_ADDR),
	COMO_FIELD(struct flows_rec, sport, COMO_FT_U16),
	COMO_FIELD(struct flows_rec, dport, COMO_FT_U16),
	COMO_FIELD(struct flows_rec, proto, COMO_FT_PROTO),
	COMO_FIELD(struct flows_rec, vlan, COMO_FT_U16),
	COMO_FIELD(struct flows_rec, tcp_flags, COMO_FT_U8),
	COMO_FIELD(struct flows_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct flows_rec, bytes, COMO_FT_U64),
	COMO_FIELD(struct flows_rec, first, COMO_FT_TIME),
	COMO_FIELD(struct flows_rec, last, COMO_FT_TIME),
	COMO_FIELD_STR(struct flows_rec, end),
	COMO_FIELD(struct flows_rec, closed, COMO_FT_TIME_END),
	COMO_FIELD_END,
};

static const struct como_fold flows_fold[] = {
	COMO_FOLD(struct flows_val, pkts, COMO_FOLD_SUM),
	COMO_FOLD(struct flows_val, bytes, COMO_FOLD_SUM),
	COMO_FOLD(struct flows_val, first_ns, COMO_FOLD_MIN),
	COMO_FOLD(struct flows_val, last_ns, COMO_FOLD_MAX),
	COMO_FOLD(struct flows_val, tcp_flags, COMO_FOLD_OR),
	COMO_FOLD_END,
};

static __u64 key_hash(const struct flows_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	__u64 h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static struct flow *flow_slot(struct flows *f, const struct flows_key *k)
{
	__u64 i = key_hash(k) & (f->cap - 1);

	while (f->tab[i].used && memcmp(&f->tab[i].key, k, sizeof(*k)))
		i = (i + 1) & (f->cap - 1);
	return &f->tab[i];
}

static int flows_grow(struct flows *f)
{
	struct flow *old = f->tab;
	__u64 i, cap = f->cap;

	f->cap = cap ? 2 * cap : 1024;
	f->tab = calloc(f->cap, sizeof(*f->tab));
	if (!f->tab) {
		f->tab = old;
		f->cap = cap;
		return -ENOMEM;
	}
	for (i = 0; i < cap; i++)
		if (old[i].used)
			*flow_slot(f, &old[i].key) = old[i];
	free(old);
	return 0;
}

/* Removes the flow at S, keeping every other flow's probe unbroken. */
static void flow_remove(struct flows *f, struct flow *s)
{
	__u64 i = s - f->tab, j = i, h;

	f->tab[i].used = false;
	f->n--;
	for (;;) {
		j = (j + 1) & (f->cap - 1);
		if (!f->tab[j].used)
			return;
		h = key_hash(&f->tab[j].key) & (f->cap - 1);
		/* does j's home lie cyclically in (i, j]? then it stays */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		f->tab[i] = f->tab[j];
		f->tab[j].used = false;
		i = j;
	}
}

static int flows_init(struct como_mod *m, const char *args)
{
	struct flows *f = calloc(1, sizeof(*f));
	__u64 idle = 15, active = 1800;

	if (!f)
		return -ENOMEM;
	f->max = 1 << 20;
	if (como_arg_u64(args, "idle", &idle) == -EINVAL || !idle ||
	    como_arg_u64(args, "active", &active) == -EINVAL || !active ||
	    como_arg_u64(args, "max", &f->max) == -EINVAL || !f->max ||
	    f->max > 1ULL << 28) {
		como_log(m, COMO_MSG_ERR, "idle=S and active=S are seconds of "
			 "1 or more, max=N flows from 1 to 268435456");
		free(f);
		return -EINVAL;
	}
	f->idle_ns = idle * NS;
	f->active_ns = active * NS;
	como_set_priv(m, f);
	return 0;
}

static int flow_emit(struct como_mod *m, const struct flow *fl,
		     const char *end, __u64 closed)
{
	struct flows_rec r = {
		.sport = fl->key.sport, .dport = fl->key.dport,
		.vlan = fl->key.vlan, .proto = fl->key.proto,
		.tcp_flags = fl->val.tcp_flags, .pkts = fl->val.pkts,
		.bytes = fl->val.bytes, .first = fl->val.first_ns,
		.last = fl->val.last_ns, .closed = closed,
	};

	memcpy(r.src, fl->key.src, 16);
	memcpy(r.dst, fl->key.dst, 16);
	strncpy(r.end, end, sizeof(r.end) - 1);
	return como_emit(m, fl->val.first_ns, &r);
}

/* The end of the interval holding T: where a timeout at T fires. */
static __u64 fires_at(const struct flows *f, __u64 t)
{
	return (t / f->ivl + 1) * f->ivl - (t % f->ivl ? 0 : f->ivl);
}

/*
 * Whether FL has timed out at NOW, and which timeout did: the one that
 * fired at the earlier interval end (idle when both did at once), as if
 * every interval of an empty run had been told.
 */
static const char *timed_out(const struct flows *f, const struct flow *fl,
			     __u64 now, __u64 *at)
{
	__u64 idle = fires_at(f, fl->val.last_ns + f->idle_ns);
	__u64 active = fires_at(f, fl->val.first_ns + f->active_ns);

	*at = idle <= active ? idle : active;
	if (idle <= now && idle <= active)
		return "idle";
	if (active <= now)
		return "active";
	return NULL;
}

/* At NOW, an interval's end: what timed out goes. */
static int flows_expire(struct como_mod *m, struct flows *f, __u64 now)
{
	__u64 i, d, at, next = ~0ULL;
	struct flow *fl;
	const char *why;
	int err;

	if (now < f->deadline)
		return 0;
	for (i = 0; i < f->cap; i++) {
		fl = &f->tab[i];
		while (fl->used) {
			why = timed_out(f, fl, now, &at);
			if (!why) {
				d = fl->val.last_ns + f->idle_ns;
				if (fl->val.first_ns + f->active_ns < d)
					d = fl->val.first_ns + f->active_ns;
				if (d < next)
					next = d;
				break;
			}
			err = flow_emit(m, fl, why, at);
			if (err)
				return err;
			/* another flow may move into this slot */
			flow_remove(f, fl);
		}
	}
	f->deadline = next;
	return 0;
}

static int flows_export(struct como_mod *m, struct como_table *t)
{
	struct flows *f = como_priv(m);
	struct flow *fl;
	__u32 i;

	if (!f->ivl || (t->nrows && t->interval_ns < f->ivl))
		f->ivl = t->interval_ns;
	for (i = 0; i < t->nrows; i++) {
		const struct flows_key *k = como_row_key(t, i);
		const struct flows_val *v = como_row_value(t, i);

		if (f->n + 1 > f->cap / 2 && f->cap < 2 * f->max &&
		    flows_grow(f))
			return -ENOMEM;
		fl = flow_slot(f, k);
		if (!fl->used) {
			if (f->n == f->max) {
				f->untracked_pkts += v->pkts;
				f->untracked_bytes += v->bytes;
				continue;
			}
			memset(fl, 0, sizeof(*fl));
			fl->used = true;
			fl->key = *k;
			fl->val.first_ns = v->first_ns;
			f->n++;
			/* a new flow's timeouts may come before the others' */
			if (v->first_ns + f->active_ns < f->deadline)
				f->deadline = v->first_ns + f->active_ns;
			if (v->last_ns + f->idle_ns < f->deadline)
				f->deadline = v->last_ns + f->idle_ns;
		}
		fl->val.pkts += v->pkts;
		fl->val.bytes += v->bytes;
		if (v->first_ns < fl->val.first_ns)
			fl->val.first_ns = v->first_ns;
		if (v->last_ns > fl->val.last_ns)
			fl->val.last_ns = v->last_ns;
		fl->val.tcp_flags |= v->tcp_flags;
	}
	return flows_expire(m, f, t->start_ns + t->interval_ns);
}

static int flows_flush(struct como_mod *m, __u64 now)
{
	struct flows *f = como_priv(m);
	struct flow u = { .val = { .pkts = 0 } };
	__u64 i;
	int err;

	for (i = 0; i < f->cap; i++) {
		if (!f->tab[i].used)
			continue;
		err = flow_emit(m, &f->tab[i], "end", now);
		if (err)
			return err;
	}
	if (!f->untracked_pkts)
		return 0;
	como_log(m, COMO_MSG_WARN, "%llu packets of flows past max=%llu were "
		 "not tracked", (unsigned long long)f->untracked_pkts,
		 (unsigned long long)f->max);
	u.val.pkts = f->untracked_pkts;
	u.val.bytes = f->untracked_bytes;
	u.val.first_ns = u.val.last_ns = now;
	return flow_emit(m, &u, "untracked", now);
}

static void flows_fini(struct como_mod *m)
{
	struct flows *f = como_priv(m);

	if (f)
		free(f->tab);
	free(f);
}

COMO_MODULE(
	.name = "flows",
	.summary = "5-tuple flow records, NetFlow's active and idle timeouts",
	.args = "idle=S active=S max=N",
	.interval_ns = NS,
	.flags = COMO_MOD_EVERY_INTERVAL,
	.needs = COMO_CAP_TS_NS | COMO_CAP_LEN | COMO_CAP_L2 | COMO_CAP_L3 |
		 COMO_CAP_L4,
	.bpf_elf = flows_bpf__elf_bytes,
	.record_size = sizeof(struct flows_rec),
	.schema = flows_schema,
	.fold = flows_fold,
	.init = flows_init,
	.export = flows_export,
	.flush = flows_flush,
	.fini = flows_fini,
);
