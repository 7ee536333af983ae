// SPDX-License-Identifier: BSD-3-Clause
/*
 * ctor: a module whose shared object runs code as soon as it is loaded,
 * before anyone can look at it: its constructor creates the file named
 * by $COMO_CTOR_MARKER. tests/security-modules.t shows that a module
 * refused for where it lies or who owns it never gets that far.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <como/module.h>
#include "ctor.skel.h"

struct ctor_rec {
	__u64 pkts;
};

static const struct como_field ctor_schema[] = {
	COMO_FIELD(struct ctor_rec, pkts, COMO_FT_U64),
	COMO_FIELD_END,
};

__attribute__((constructor)) static void ctor_mark(void)
{
	const char *marker = getenv("COMO_CTOR_MARKER");
	int fd;

	if (!marker)
		return;
	fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

static int ctor_export(struct como_mod *m, struct como_table *t)
{
	return t->nrows ? como_emit(m, t->start_ns, como_row_value(t, 0)) : 0;
}

COMO_MODULE(
	.name = "ctor",
	.summary = "marks that its constructor ran, for the tests",
	.bpf_elf = ctor_bpf__elf_bytes,
	.record_size = sizeof(struct ctor_rec),
	.schema = ctor_schema,
	.export = ctor_export,
	.store = como_schema_store,
	.load = como_schema_load,
);
