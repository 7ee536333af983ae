// SPDX-License-Identifier: BSD-3-Clause
/*
 * utilization: bits and packets per second per interval, with the peak
 * over a finer sub-interval (CoMo's high watermark).
 */
#include <errno.h>
#include <stdlib.h>
#include <como/module.h>
#include "utilization.h"
#include "utilization.skel.h"

#define NSEC_PER_SEC	1000000000ULL
#define UTIL_SUBS_MAX	(1U << 20)

static const struct como_field utilization_schema[] = {
	COMO_FIELD(struct utilization_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct utilization_rec, bytes, COMO_FT_U64),
	COMO_FIELD(struct utilization_rec, bps, COMO_FT_U64),
	COMO_FIELD(struct utilization_rec, pps, COMO_FT_U64),
	COMO_FIELD(struct utilization_rec, peak_bps, COMO_FT_U64),
	COMO_FIELD(struct utilization_rec, peak_pps, COMO_FT_U64),
	COMO_FIELD_END,
};

static int utilization_init(struct como_mod *m, const char *args)
{
	__u64 ms = 100;

	if (como_arg_u64(args, "peak", &ms) == -EINVAL || !ms ||
	    ms > 86400000) {
		como_log(m, COMO_MSG_ERR, "peak=MS is the sub-interval in whole "
			 "milliseconds, 1 to 86400000");
		return -EINVAL;
	}
	como_set_priv(m, (void *)(unsigned long)(ms * UTIL_BUCKET_NS));
	return 0;
}

/* N per LEN ns, in units per second, rounded down */
static __u64 per_sec(__u64 n, __u64 len)
{
	return (unsigned __int128)n * NSEC_PER_SEC / len;
}

static void peaks(struct utilization_rec *r, const struct utilization_val *sub,
		  __u64 nsub, __u64 sublen, __u64 ivl)
{
	__u64 j, len, bps, pps;

	for (j = 0; j < nsub; j++) {
		/* the last sub-interval may be cut short by the interval's end */
		len = ivl - j * sublen < sublen ? ivl - j * sublen : sublen;
		bps = per_sec(sub[j].bytes * 8, len);
		pps = per_sec(sub[j].pkts, len);
		if (bps > r->peak_bps)
			r->peak_bps = bps;
		if (pps > r->peak_pps)
			r->peak_pps = pps;
	}
}

static int utilization_export(struct como_mod *m, struct como_table *t)
{
	__u64 sublen = (unsigned long)como_priv(m), nsub, j, at;
	struct utilization_rec r = {};
	struct utilization_val *sub;
	const struct utilization_val *v;
	__u32 i;
	int err;

	/* a sub-interval of 1 day in 1 ms would be 86 million: keep 1M */
	nsub = (t->interval_ns + sublen - 1) / sublen;
	if (nsub > UTIL_SUBS_MAX) {
		sublen = (t->interval_ns / UTIL_SUBS_MAX + UTIL_BUCKET_NS) /
			 UTIL_BUCKET_NS * UTIL_BUCKET_NS;
		nsub = (t->interval_ns + sublen - 1) / sublen;
	}
	sub = calloc(nsub, sizeof(*sub));
	if (!sub)
		return -ENOMEM;
	for (i = 0; i < t->nrows; i++) {
		at = *(__u64 *)como_row_key(t, i);
		v = como_row_value(t, i);
		if (at == UTIL_TOTAL) {
			r.pkts = v->pkts;
			r.bytes = v->bytes;
			continue;
		}
		/* an older packet (trace out of order) is in the first */
		at *= UTIL_BUCKET_NS;
		j = at < t->start_ns ? 0 : (at - t->start_ns) / sublen;
		if (j >= nsub)
			j = nsub - 1;
		sub[j].pkts += v->pkts;
		sub[j].bytes += v->bytes;
	}
	err = 0;
	if (r.pkts) {
		r.bps = per_sec(r.bytes * 8, t->interval_ns);
		r.pps = per_sec(r.pkts, t->interval_ns);
		peaks(&r, sub, nsub, sublen, t->interval_ns);
		err = como_emit(m, t->start_ns, &r);
	}
	free(sub);
	return err;
}

COMO_MODULE(
	.name = "utilization",
	.summary = "bits and packets per second per interval, with the peak",
	.args = "peak=MS interval=DURATION",
	.needs = COMO_CAP_TS_NS | COMO_CAP_LEN,
	.max_sampling = 1,
	.bpf_elf = utilization_bpf__elf_bytes,
	.record_size = sizeof(struct utilization_rec),
	.schema = utilization_schema,
	.init = utilization_init,
	.export = utilization_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
