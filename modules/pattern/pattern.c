// SPDX-License-Identifier: BSD-3-Clause
/*
 * pattern: per interval, for each rule, the TCP and UDP packets whose
 * payload holds its bytes (Snort's content), and how many packets were
 * searched and could not be searched to their payload's end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "ruleparse.h"
#include "pattern.skel.h"

static const struct como_field pattern_schema[] = {
	COMO_FIELD(struct pattern_rec, rule, COMO_FT_U32),
	COMO_FIELD_STR(struct pattern_rec, text),
	COMO_FIELD(struct pattern_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct pattern_rec, bytes, COMO_FT_U64),
	COMO_FIELD(struct pattern_rec, searched, COMO_FT_U64),
	COMO_FIELD(struct pattern_rec, partial, COMO_FT_U64),
	COMO_FIELD_END,
};

static int pattern_init(struct como_mod *m, const char *args)
{
	struct pattern_set *s = calloc(1, sizeof(*s));
	char why[128];
	int err;

	if (!s)
		return -ENOMEM;
	if (pattern_parse(args, s, why, sizeof(why))) {
		como_log(m, COMO_MSG_ERR, "%s", why);
		err = -EINVAL;
		goto err_free;
	}
	err = como_set_bpf_args(m, &s->args, sizeof(s->args));
	if (err)
		goto err_free;
	como_set_priv(m, s);
	return 0;

err_free:
	free(s);
	return err;
}

static int pattern_export(struct como_mod *m, struct como_table *t)
{
	const struct pattern_set *s = como_priv(m);
	const struct pattern_val *tot = NULL;
	struct pattern_val found[PATTERN_RULES] = {};
	struct pattern_rec rec;
	__u32 i, key;
	int err;

	for (i = 0; i < t->nrows; i++) {
		key = *(const __u32 *)como_row_key(t, i);
		if (key == PATTERN_TOTAL)
			tot = como_row_value(t, i);
		else if (key < PATTERN_RULES)
			found[key] = *(const struct pattern_val *)como_row_value(t, i);
	}
	if (!tot)
		return 0;	/* nothing searched */
	for (i = 0; i < s->args.nrules; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.rule = i + 1;
		memcpy(rec.text, s->text[i], sizeof(rec.text));
		rec.pkts = found[i].pkts;
		rec.bytes = found[i].bytes;
		rec.searched = tot->pkts;
		rec.partial = tot->cut - found[i].cut;
		err = como_emit(m, t->start_ns, &rec);
		if (err < 0)
			return err;
	}
	return 0;
}

static void pattern_fini(struct como_mod *m)
{
	free(como_priv(m));
}

COMO_MODULE(
	.name = "pattern",
	.summary = "packets whose payload holds given byte strings, per rule",
	.args = "rule=TEXT interval=DURATION",
	.interval_ns = 1000000000ULL,
	.needs = COMO_CAP_L4 | COMO_CAP_PAYLOAD,
	.bpf_elf = pattern_bpf__elf_bytes,
	.record_size = sizeof(struct pattern_rec),
	.schema = pattern_schema,
	.init = pattern_init,
	.export = pattern_export,
	.fini = pattern_fini,
	.store = como_schema_store,
	.load = como_schema_load,
);
