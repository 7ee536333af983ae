// SPDX-License-Identifier: BSD-3-Clause
/* topports: the top k destination ports by bytes and by packets. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "topports.h"
#include "topports.skel.h"

static const struct como_field topports_schema[] = {
	COMO_FIELD(struct topports_rec, by, COMO_FT_U8),
	COMO_FIELD(struct topports_rec, rank, COMO_FT_U32),
	COMO_FIELD(struct topports_rec, proto, COMO_FT_PROTO),
	COMO_FIELD(struct topports_rec, port, COMO_FT_U16),
	COMO_FIELD(struct topports_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct topports_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

static int topports_init(struct como_mod *m, const char *args)
{
	__u64 k = 10;

	if (como_arg_u64(args, "k", &k) == -EINVAL || k == 0 || k > 65536) {
		como_log(m, COMO_MSG_ERR, "k=N is the number of ports kept, "
			 "1 to 65536");
		return -EINVAL;
	}
	como_set_priv(m, (void *)(unsigned long)k);
	return 0;
}

/* Equal counts fall back to protocol, then port, so that ranks are stable. */
static int topports_tie(const struct topports_rec *x,
			const struct topports_rec *y)
{
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int by_bytes(const void *a, const void *b)
{
	const struct topports_rec *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return topports_tie(x, y);
}

static int by_pkts(const void *a, const void *b)
{
	const struct topports_rec *x = a, *y = b;

	if (x->pkts != y->pkts)
		return x->pkts < y->pkts ? 1 : -1;
	return topports_tie(x, y);
}

static int topports_emit(struct como_mod *m, struct como_table *t,
			 struct topports_rec *r, __u8 by)
{
	__u32 i, k = (unsigned long)como_priv(m);
	int err = 0;

	qsort(r, t->nrows, sizeof(*r), by == TOPPORTS_BY_BYTES ? by_bytes : by_pkts);
	for (i = 0; i < t->nrows && i < k && !err; i++) {
		r[i].by = by;
		r[i].rank = i + 1;
		err = como_emit(m, t->start_ns, &r[i]);
	}
	return err;
}

static int topports_export(struct como_mod *m, struct como_table *t)
{
	struct topports_rec *r = calloc(t->nrows + 1, sizeof(*r));
	__u32 row;
	const struct topports_val *v;
	int err;
	__u32 i;

	if (!r)
		return -ENOMEM;
	for (i = 0; i < t->nrows; i++) {
		row = *(const __u32 *)como_row_key(t, i);
		v = como_row_value(t, i);
		r[i].proto = topports_row_proto(row);
		r[i].port = topports_row_port(row);
		r[i].pkts = v->pkts;
		r[i].bytes = v->bytes;
	}
	err = topports_emit(m, t, r, TOPPORTS_BY_BYTES);
	if (!err)
		err = topports_emit(m, t, r, TOPPORTS_BY_PKTS);
	free(r);
	return err;
}

COMO_MODULE(
	.name = "topports",
	.summary = "top k destination ports by bytes and by packets per interval",
	.args = "k=N interval=DURATION",
	.needs = COMO_CAP_LEN | COMO_CAP_L3 | COMO_CAP_L4,
	.max_sampling = 100,
	.bpf_elf = topports_bpf__elf_bytes,
	.record_size = sizeof(struct topports_rec),
	.schema = topports_schema,
	.init = topports_init,
	.export = topports_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
