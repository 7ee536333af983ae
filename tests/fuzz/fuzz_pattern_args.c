// SPDX-License-Identifier: BSD-3-Clause
/* libFuzzer: the pattern module's rules, parsed from its arguments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../modules/pattern/ruleparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pattern_set *s = calloc(1, sizeof(*s));
	char *args = malloc(size + 1), why[128];
	unsigned int i, b, first;

	if (!s || !args)
		goto out;
	memcpy(args, data, size);
	args[size] = '\0';
	why[0] = '\0';
	if (pattern_parse(args, s, why, sizeof(why))) {
		if (!why[0] || strchr(why, '\n'))
			abort();	/* a refusal says why, in one line */
		goto out;
	}
	if (!s->args.nrules || s->args.nrules > PATTERN_RULES)
		abort();
	for (i = 0; i < s->args.nrules; i++) {
		if (!s->args.rule[i].len || s->args.rule[i].len > PATTERN_LEN ||
		    s->args.rule[i].len < s->args.min_len ||
		    s->text[i][PATTERN_TEXT - 1])
			abort();
	}
	/* the first-byte table names every rule, at its first byte only */
	for (i = 0; i < s->args.nrules; i++) {
		first = 0;
		for (b = 0; b < 256; b++)
			first += s->args.first[b] >> i & 1;
		if (first != 1 || !(s->args.first[s->args.rule[i].bytes[0]] >> i & 1))
			abort();
	}
	for (b = 0; b < 256; b++)
		if (s->args.first[b] >> s->args.nrules)
			abort();
	/* each distinct first byte once in the words the capture side tests */
	for (b = 0; b < 256; b++) {
		first = 0;
		for (i = 0; i < s->args.nfirst; i++)
			first += s->args.first_word[i] == b * 0x0101010101010101ULL;
		if (first != !!s->args.first[b])
			abort();
	}
	/* a rule's mask covers its bytes, and no more */
	for (i = 0; i < s->args.nrules; i++)
		for (b = 0; b < PATTERN_LEN; b++)
			if (s->args.rule[i].mask[b] != (b < s->args.rule[i].len ? 0xff : 0))
				abort();
out:
	free(args);
	free(s);
	return 0;
}
