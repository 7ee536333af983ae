// SPDX-License-Identifier: BSD-3-Clause
/*
 * crashy: counts like counter, and its export() dereferences NULL on its
 * AT-th call (default 3): the isolation tests' module (tests/isolation.t).
 * Its records are those of the epochs before.
 */
#include <errno.h>
#include <stdlib.h>
#include <como/module.h>
#include "crashy.skel.h"

struct crashy_rec {
	__u64 pkts;
	__u64 bytes;
};

struct crashy {
	__u64 at;	/* the call that crashes */
	__u64 calls;
};

static const struct como_field crashy_schema[] = {
	COMO_FIELD(struct crashy_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct crashy_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

static int crashy_init(struct como_mod *m, const char *args)
{
	struct crashy *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->at = 3;
	if (como_arg_u64(args, "at", &c->at) == -EINVAL || !c->at) {
		free(c);
		return -EINVAL;
	}
	como_set_priv(m, c);
	return 0;
}

/* NULL, which the compiler cannot know: the store is made, and faults */
static __u64 *volatile nowhere;

static int crashy_export(struct como_mod *m, struct como_table *t)
{
	struct crashy *c = como_priv(m);

	if (++c->calls == c->at)
		*nowhere = c->calls;
	return t->nrows ? como_emit(m, t->start_ns, como_row_value(t, 0)) : 0;
}

static void crashy_fini(struct como_mod *m)
{
	free(como_priv(m));
}

COMO_MODULE(
	.name = "crashy",
	.summary = "crashes in export() on its AT-th epoch, for the tests",
	.args = "at=N interval=DURATION",
	.needs = COMO_CAP_LEN,
	.max_sampling = 1,
	.bpf_elf = crashy_bpf__elf_bytes,
	.record_size = sizeof(struct crashy_rec),
	.schema = crashy_schema,
	.init = crashy_init,
	.export = crashy_export,
	.fini = crashy_fini,
	.store = como_schema_store,
	.load = como_schema_load,
);
