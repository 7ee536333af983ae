// SPDX-License-Identifier: BSD-3-Clause
/*
 * leaky: counts like counter, and its export() takes MB more megabytes
 * (default 64) at every call and never gives them back; once the memory
 * runs out it says so (-ENOMEM): the isolation tests' module
 * (tests/isolation.t).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "leaky.skel.h"

struct leaky_rec {
	__u64 pkts;
	__u64 bytes;
};

static const struct como_field leaky_schema[] = {
	COMO_FIELD(struct leaky_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct leaky_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

static int leaky_init(struct como_mod *m, const char *args)
{
	__u64 *mb = malloc(sizeof(*mb));

	if (!mb)
		return -ENOMEM;
	*mb = 64;
	if (como_arg_u64(args, "mb", mb) == -EINVAL || !*mb) {
		free(mb);
		return -EINVAL;
	}
	como_set_priv(m, mb);
	return 0;
}

static int leaky_export(struct como_mod *m, struct como_table *t)
{
	size_t size = *(__u64 *)como_priv(m) << 20;
	void *p = malloc(size);

	if (!p)
		return -ENOMEM;
	/* touched, so that it is memory and not just address space */
	memset(p, 0xa5, size);
	return t->nrows ? como_emit(m, t->start_ns, como_row_value(t, 0)) : 0;
}

COMO_MODULE(
	.name = "leaky",
	.summary = "leaks MB megabytes an epoch in export(), for the tests",
	.args = "mb=N interval=DURATION",
	.needs = COMO_CAP_LEN,
	.max_sampling = 1,
	.bpf_elf = leaky_bpf__elf_bytes,
	.record_size = sizeof(struct leaky_rec),
	.schema = leaky_schema,
	.init = leaky_init,
	.export = leaky_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
