/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pattern's rules, parsed from the instance's arguments: rule=TEXT, once
 * per rule, TEXT as Snort's content takes it: bytes as they are, hex
 * between bars (|0d0a|), and a backslash before a bar or a backslash to
 * mean that character. Arguments are split at spaces and commas, so
 * those are written |20| and |2c|. A header of its own so that its fuzz
 * target (tests/fuzz/fuzz_pattern_args.c) runs the very code the module
 * does.
 */
#ifndef _PATTERN_RULEPARSE_H
#define _PATTERN_RULEPARSE_H

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include "pattern.h"

struct pattern_set {
	struct pattern_args args;
	char text[PATTERN_RULES][PATTERN_TEXT];
};

static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Rule N's TEXT (LEN characters) into R; a reason in WHY if it is bad. */
static inline int rule_parse(unsigned int n, const char *text, size_t len,
			     struct pattern_rule *r, char *why, size_t whylen)
{
	const char *p = text, *end = text + len;
	int hi, lo, c;

	r->len = 0;
	while (p < end) {
		if (*p == '|') {
			const char *bar = memchr(p + 1, '|', end - p - 1);

			if (!bar) {
				snprintf(why, whylen, "rule %u: unterminated |hex| "
					 "escape", n);
				return -1;
			}
			if (bar == p + 1) {
				snprintf(why, whylen, "rule %u: empty |hex| escape", n);
				return -1;
			}
			for (p++; p < bar; p += 2) {
				if (bar - p < 2) {
					snprintf(why, whylen, "rule %u: odd number of "
						 "hex digits in |hex|", n);
					return -1;
				}
				hi = hex_digit(p[0]);
				lo = hex_digit(p[1]);
				if (hi < 0 || lo < 0) {
					c = (unsigned char)(hi < 0 ? p[0] : p[1]);
					snprintf(why, whylen, isprint(c) ?
						 "rule %u: '%c' is not a hex digit "
						 "in |hex|" : "rule %u: byte 0x%02x "
						 "is not a hex digit in |hex|", n, c);
					return -1;
				}
				if (r->len == PATTERN_LEN)
					goto too_long;
				r->bytes[r->len++] = hi << 4 | lo;
			}
			p = bar + 1;
			continue;
		}
		if (*p == '\\') {
			if (p + 1 == end || (p[1] != '|' && p[1] != '\\')) {
				snprintf(why, whylen, "rule %u: a backslash escapes "
					 "only '|' or '\\'", n);
				return -1;
			}
			p++;
		}
		if (r->len == PATTERN_LEN)
			goto too_long;
		r->bytes[r->len++] = *p++;
	}
	if (!r->len) {
		snprintf(why, whylen, "rule %u: empty", n);
		return -1;
	}
	return 0;
too_long:
	snprintf(why, whylen, "rule %u: longer than %u bytes", n, PATTERN_LEN);
	return -1;
}

/*
 * Every rule=TEXT of ARGS ("rule=GET|20| rule=|0d0a| interval=1s": other
 * keys are not ours) into S, with what the capture side filters on: the
 * first-byte table, and each distinct first byte repeated over a word for
 * its 8-bytes-at-a-time test. 0, or -1 and a one-line reason in WHY.
 */
static inline int pattern_parse(const char *args, struct pattern_set *s,
				char *why, size_t whylen)
{
	struct pattern_args *a = &s->args;
	struct pattern_rule *r;
	const char *p = args;
	size_t tlen;

	memset(s, 0, sizeof(*s));
	a->min_len = PATTERN_LEN;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		tlen = strcspn(p, " ");
		if (tlen < 5 || strncmp(p, "rule=", 5)) {
			p += tlen;
			continue;
		}
		if (a->nrules == PATTERN_RULES) {
			snprintf(why, whylen, "more than %u rules", PATTERN_RULES);
			return -1;
		}
		if (tlen - 5 >= PATTERN_TEXT) {
			snprintf(why, whylen, "rule %u: longer than %u characters",
				 a->nrules + 1, PATTERN_TEXT - 1);
			return -1;
		}
		if (rule_parse(a->nrules + 1, p + 5, tlen - 5,
			       &a->rule[a->nrules], why, whylen))
			return -1;
		memcpy(s->text[a->nrules], p + 5, tlen - 5);
		r = &a->rule[a->nrules];
		memset(r->mask, 0xff, r->len);
		if (!a->first[r->bytes[0]])
			a->first_word[a->nfirst++] = r->bytes[0] *
						     0x0101010101010101ULL;
		a->first[r->bytes[0]] |= 1U << a->nrules;
		if (r->len < a->min_len)
			a->min_len = r->len;
		a->nrules++;
		p += tlen;
	}
	if (!a->nrules) {
		snprintf(why, whylen, "no rule given (rule=TEXT, e.g. "
			 "rule=GET|20|/)");
		return -1;
	}
	return 0;
}

#endif /* _PATTERN_RULEPARSE_H */
