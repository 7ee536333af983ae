// SPDX-License-Identifier: BSD-3-Clause
/*
 * badprint: counter's records, read back by a user side that fails on
 * purpose, for the query engine's isolation (tests/query-isolation.t).
 * Capture and storage are counter's; on the record at=N of a query (3
 * unless told), print() segfaults, or with loop=1 never returns, or with
 * exit=1 calls exit(), or with hog=1 takes memory until there is no more
 * (then segfaults); with inload=1 load() segfaults instead.
 * Calls the print layer (out.h) and the core's services only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "out.h"
#include "badprint.skel.h"

struct badprint_rec {
	__u64 pkts;
	__u64 bytes;
};

static const struct como_field badprint_schema[] = {
	COMO_FIELD(struct badprint_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct badprint_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

struct badprint {
	__u64 at, loop, exit, inload, hog;
	__u64 nload, nprint;	/* calls so far */
};

static int badprint_init(struct como_mod *m, const char *args)
{
	struct badprint *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->at = 3;
	if (como_arg_u64(args, "at", &b->at) == -EINVAL ||
	    como_arg_u64(args, "loop", &b->loop) == -EINVAL ||
	    como_arg_u64(args, "exit", &b->exit) == -EINVAL ||
	    como_arg_u64(args, "inload", &b->inload) == -EINVAL ||
	    como_arg_u64(args, "hog", &b->hog) == -EINVAL || !b->at) {
		free(b);
		return -EINVAL;
	}
	como_set_priv(m, b);
	return 0;
}

static void badprint_fini(struct como_mod *m)
{
	free(como_priv(m));
}

/* A real fault: the compiler can neither see the NULL nor drop the store. */
static void badprint_crash(void)
{
	volatile int *volatile p = NULL;

	*p = 1;
}

static int badprint_export(struct como_mod *m, struct como_table *t)
{
	return t->nrows ? como_emit(m, t->start_ns, como_row_value(t, 0)) : 0;
}

static long badprint_load(struct como_mod *m, const void *buf, size_t len,
			  void *rec)
{
	struct badprint *b = como_priv(m);

	if (b->inload && ++b->nload == b->at)
		badprint_crash();
	return como_schema_load(m, buf, len, rec);
}

static int badprint_print(struct como_mod *m, __u64 ts, const void *rec,
			  struct como_out *out)
{
	struct badprint *b = como_priv(m);
	volatile int spin = 1;

	if (!b->inload && ++b->nprint == b->at) {
		if (b->exit)
			exit(3);
		while (b->loop && spin)
			;
		/* every page touched: what a limit on the address space stops */
		while (b->hog) {
			char *p = malloc(16 << 20);

			if (!p)
				break;
			memset(p, 1, 16 << 20);
		}
		badprint_crash();
	}
	out_record(out, ts, rec);
	return 0;
}

COMO_MODULE(
	.name = "badprint",
	.summary = "counter, with a print() or load() that fails, for the tests",
	.args = "at=N loop=0|1 exit=0|1 hog=0|1 inload=0|1 interval=DURATION",
	.needs = COMO_CAP_LEN,
	.max_sampling = 1,
	.bpf_elf = badprint_bpf__elf_bytes,
	.record_size = sizeof(struct badprint_rec),
	.schema = badprint_schema,
	.init = badprint_init,
	.export = badprint_export,
	.store = como_schema_store,
	.load = badprint_load,
	.print = badprint_print,
	.fini = badprint_fini,
);
