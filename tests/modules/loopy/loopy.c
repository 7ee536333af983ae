// SPDX-License-Identifier: BSD-3-Clause
/*
 * loopy: counts like counter, and its export() never returns from its
 * AT-th call on (default 2): the isolation tests' module
 * (tests/isolation.t). Its records are those of the epochs before.
 */
#include <errno.h>
#include <stdlib.h>
#include <como/module.h>
#include "loopy.skel.h"

struct loopy_rec {
	__u64 pkts;
	__u64 bytes;
};

struct loopy {
	__u64 at;	/* the call that loops */
	__u64 calls;
};

static const struct como_field loopy_schema[] = {
	COMO_FIELD(struct loopy_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct loopy_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

static int loopy_init(struct como_mod *m, const char *args)
{
	struct loopy *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->at = 2;
	if (como_arg_u64(args, "at", &l->at) == -EINVAL || !l->at) {
		free(l);
		return -EINVAL;
	}
	como_set_priv(m, l);
	return 0;
}

static int loopy_export(struct como_mod *m, struct como_table *t)
{
	struct loopy *l = como_priv(m);

	/* an empty asm with a memory clobber: the loop is not optimised out */
	if (++l->calls >= l->at)
		for (;;)
			__asm__ volatile("" ::: "memory");
	return t->nrows ? como_emit(m, t->start_ns, como_row_value(t, 0)) : 0;
}

static void loopy_fini(struct como_mod *m)
{
	free(como_priv(m));
}

COMO_MODULE(
	.name = "loopy",
	.summary = "loops for ever in export() from its AT-th epoch, for the tests",
	.args = "at=N interval=DURATION",
	.needs = COMO_CAP_LEN,
	.max_sampling = 1,
	.bpf_elf = loopy_bpf__elf_bytes,
	.record_size = sizeof(struct loopy_rec),
	.schema = loopy_schema,
	.init = loopy_init,
	.export = loopy_export,
	.fini = loopy_fini,
	.store = como_schema_store,
	.load = como_schema_load,
);
