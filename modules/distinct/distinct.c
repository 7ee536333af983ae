// SPDX-License-Identifier: BSD-3-Clause
/*
 * distinct: distinct source and destination addresses per interval,
 * estimated with HyperLogLog (Flajolet et al., 2007) from the kernel's
 * registers.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "distinct.h"
#include "distinct.skel.h"

#define DISTINCT_P_MIN	6	/* below 64 registers the error is larger */
#define DISTINCT_P_DEF	12

struct distinct_regs {
	__u8 src[DISTINCT_REGS];
	__u8 dst[DISTINCT_REGS];
};

static const struct como_field distinct_schema[] = {
	COMO_FIELD(struct distinct_rec, srcs, COMO_FT_U64),
	COMO_FIELD(struct distinct_rec, dsts, COMO_FT_U64),
	COMO_FIELD(struct distinct_rec, rse, COMO_FT_DOUBLE),
	COMO_FIELD(struct distinct_rec, pkts, COMO_FT_U64),
	COMO_FIELD_END,
};

#define REG_MAX(i) COMO_FOLD(union distinct_val, reg[i], COMO_FOLD_MAX)
static const struct como_fold distinct_fold[] = {
	REG_MAX(0), REG_MAX(1), REG_MAX(2), REG_MAX(3),
	REG_MAX(4), REG_MAX(5), REG_MAX(6), REG_MAX(7),
	REG_MAX(8), REG_MAX(9), REG_MAX(10), REG_MAX(11),
	REG_MAX(12), REG_MAX(13), REG_MAX(14), REG_MAX(15),
	COMO_FOLD_END,
};

static int distinct_init(struct como_mod *m, const char *args)
{
	__u64 p = DISTINCT_P_DEF;
	struct distinct_args a;

	if (como_arg_u64(args, "p", &p) == -EINVAL || p < DISTINCT_P_MIN ||
	    p > DISTINCT_PMAX) {
		como_log(m, COMO_MSG_ERR, "p must be %d to %d", DISTINCT_P_MIN,
			 DISTINCT_PMAX);
		return -EINVAL;
	}
	a = (struct distinct_args){ .p = p };
	como_set_priv(m, (void *)(unsigned long)p);
	return como_set_bpf_args(m, &a, sizeof(a));
}

/*
 * HyperLogLog's estimate over 2^P registers: linear counting in its
 * small range (below 2.5 2^P addresses), where the raw estimate is
 * biased. A 64-bit hash needs no large-range correction.
 */
static __u64 hll_estimate(const __u8 *reg, unsigned int p)
{
	double m = 1U << p, sum = 0, alpha, e;
	unsigned int j, zeros = 0;

	for (j = 0; j < (1U << p); j++) {
		zeros += !reg[j];
		sum += ldexp(1.0, -reg[j]);
	}
	if (zeros) {
		e = m * log(m / zeros);
		if (e <= 2.5 * m)
			return llround(e);
	}
	alpha = p == 6 ? 0.709 : 0.7213 / (1 + 1.079 / m);
	e = alpha * m * m / sum;
	return llround(e);
}

static int distinct_export(struct como_mod *m, struct como_table *t)
{
	unsigned int p = (unsigned long)como_priv(m);
	struct distinct_rec rec = { .rse = 1.04 / sqrt(1U << p) };
	struct distinct_regs *r;
	const union distinct_val *v;
	__u32 i, key;
	int err;

	if (!t->nrows)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < t->nrows; i++) {
		key = *(const __u32 *)como_row_key(t, i);
		v = como_row_value(t, i);
		if (key >= DISTINCT_PKTS_ROW)
			rec.pkts += v->pkts;
		else if (key >= DISTINCT_DST_ROW)
			memcpy(&r->dst[(key - DISTINCT_DST_ROW) * DISTINCT_ROW_REGS],
			       v->reg, DISTINCT_ROW_REGS);
		else
			memcpy(&r->src[key * DISTINCT_ROW_REGS], v->reg,
			       DISTINCT_ROW_REGS);
	}
	rec.srcs = hll_estimate(r->src, p);
	rec.dsts = hll_estimate(r->dst, p);
	free(r);
	err = como_emit(m, t->start_ns, &rec);
	return err;
}

COMO_MODULE(
	.name = "distinct",
	.summary = "distinct source and destination addresses per interval (HyperLogLog)",
	.args = "p=N interval=DURATION",
	.needs = COMO_CAP_L3,
	.max_sampling = 1,
	.bpf_elf = distinct_bpf__elf_bytes,
	.record_size = sizeof(struct distinct_rec),
	.schema = distinct_schema,
	.fold = distinct_fold,
	.init = distinct_init,
	.export = distinct_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
