// SPDX-License-Identifier: BSD-3-Clause
/*
 * connections: active TCP connections per interval, from SYN, FIN and RST.
 * The kernel counts each connection's flags per interval; export() keeps
 * the connections that are open from one interval to the next.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "connections.h"
#include "connections.skel.h"

#define NSEC_PER_SEC	1000000000ULL
#define CONN_OPEN_MAX	(1U << 20)	/* open connections remembered */

struct conn {
	struct connections_key key;
	__u8 used, open;
	__u64 last;		/* start of the last interval it had packets */
};

struct conn_table {
	struct conn *c;
	__u32 cap, used, open;
	__u64 idle_ns;
};

static const struct como_field connections_schema[] = {
	COMO_FIELD(struct connections_rec, active, COMO_FT_U64),
	COMO_FIELD(struct connections_rec, opened, COMO_FT_U64),
	COMO_FIELD(struct connections_rec, closed, COMO_FT_U64),
	COMO_FIELD(struct connections_rec, untracked_pkts, COMO_FT_U64),
	COMO_FIELD(struct connections_rec, untracked_syns, COMO_FT_U64),
	COMO_FIELD(struct connections_rec, untracked_ends, COMO_FT_U64),
	COMO_FIELD_END,
};

static __u64 key_hash(const struct connections_key *k)
{
	const __u8 *p = (const __u8 *)k;
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static struct conn *conn_slot(struct conn *c, __u32 cap,
			      const struct connections_key *k)
{
	__u32 i = key_hash(k) & (cap - 1);

	while (c[i].used && memcmp(&c[i].key, k, sizeof(*k)))
		i = (i + 1) & (cap - 1);
	return &c[i];
}

/* A table of the open connections only, with room for EXTRA more. */
static int conn_rebuild(struct conn_table *t, __u32 extra)
{
	__u32 cap = 1024, i;
	struct conn *c;

	while (cap < 2 * (t->open + extra + 1))
		cap *= 2;
	c = calloc(cap, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++)
		if (t->c[i].open)
			*conn_slot(c, cap, &t->c[i].key) = t->c[i];
	free(t->c);
	t->c = c;
	t->cap = cap;
	t->used = t->open;
	return 0;
}

static int connections_init(struct como_mod *m, const char *args)
{
	struct conn_table *t;
	__u64 idle = 300;

	if (como_arg_u64(args, "idle", &idle) == -EINVAL || !idle ||
	    idle > 86400 * 365) {
		como_log(m, COMO_MSG_ERR, "idle=S is whole seconds, 1 to "
			 "31536000 (a year)");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->idle_ns = idle * NSEC_PER_SEC;
	if (conn_rebuild(t, 0)) {
		free(t);
		return -ENOMEM;
	}
	como_set_priv(m, t);
	return 0;
}

/* Connections without a packet for longer than idle are over. */
static void conn_expire(struct conn_table *t, __u64 now)
{
	__u32 i;

	for (i = 0; i < t->cap; i++) {
		if (t->c[i].open && now - t->c[i].last > t->idle_ns) {
			t->c[i].open = 0;
			t->open--;
		}
	}
}

/*
 * One connection's interval: active if it was open before or opens now;
 * open after it unless a FIN or RST was seen. Returns 1 if active.
 */
static int conn_step(struct conn_table *t, const struct connections_key *k,
		     const struct connections_val *v, __u64 now,
		     struct connections_rec *r)
{
	struct conn *c = conn_slot(t->c, t->cap, k);
	int was = c->used && c->open;

	if (!was && !v->syns)
		return 0;
	r->opened += !was;
	if (!c->used) {
		if (t->open >= CONN_OPEN_MAX)
			return 1;	/* counted, not remembered */
		c->used = 1;
		c->key = *k;
		t->used++;
	}
	t->open += !was;
	c->open = !(v->fins || v->rsts);
	c->last = now;
	t->open -= !c->open;
	r->closed += !c->open;
	return 1;
}

static int connections_export(struct como_mod *m, struct como_table *t)
{
	struct conn_table *tab = como_priv(m);
	struct connections_rec r = {};
	__u32 i;
	int err;

	conn_expire(tab, t->start_ns);
	/* keep the table at most half full, however many rows come */
	if (2 * (tab->used + t->nrows) > tab->cap) {
		err = conn_rebuild(tab, t->nrows);
		if (err)
			return err;
	}
	for (i = 0; i < t->nrows; i++) {
		const struct connections_key *k = como_row_key(t, i);
		const struct connections_val *v = como_row_value(t, i);

		if (k->untracked) {
			r.untracked_pkts += v->pkts;
			r.untracked_syns += v->syns;
			r.untracked_ends += v->fins + v->rsts;
			continue;
		}
		r.active += conn_step(tab, k, v, t->start_ns, &r);
	}
	for (i = 0; i < tab->cap; i++)
		r.active += tab->c[i].open && tab->c[i].last != t->start_ns;
	return r.active || r.untracked_pkts ? como_emit(m, t->start_ns, &r) : 0;
}

static void connections_fini(struct como_mod *m)
{
	struct conn_table *t = como_priv(m);

	if (t)
		free(t->c);
	free(t);
}

COMO_MODULE(
	.name = "connections",
	.summary = "active TCP connections per interval, from SYN, FIN and RST",
	.args = "idle=SECONDS interval=DURATION",
	.needs = COMO_CAP_L3 | COMO_CAP_L4,
	.max_sampling = 100,
	.bpf_elf = connections_bpf__elf_bytes,
	.record_size = sizeof(struct connections_rec),
	.schema = connections_schema,
	.init = connections_init,
	.export = connections_export,
	.store = como_schema_store,
	.load = como_schema_load,
	.fini = connections_fini,
);
