/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * application's table of classes: parsed from the user's argument or file
 * and applied to the kernel's keys. A header of its own so that its fuzz
 * target (tests/fuzz/fuzz_apptable.c) runs the very code the module does.
 */
#ifndef _APPTABLE_H
#define _APPTABLE_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "application.h"

#define APP_CLASSES	64
#define APP_RULES	256
#define APP_SPEC_MAX	8192

struct app_rule {
	__u16 class;
	__u8 proto;
	__u8 ported;		/* lo..hi apply; else the whole protocol */
	__u16 lo, hi;
};

struct app_table {
	unsigned int nrules, nclasses;
	struct app_rule rule[APP_RULES];
	__u64 sum[APP_CLASSES + 1][2];
};

static inline int proto_parse(const char *s, size_t n, __u8 *proto)
{
	static const struct { const char *name; __u8 num; } names[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "sctp", 132 }, { "icmp", 1 },
		{ "icmp6", 58 },
	};
	unsigned long v;
	unsigned int i;
	char *end;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == n && !strncmp(s, names[i].name, n)) {
			*proto = names[i].num;
			return 0;
		}
	}
	v = strtoul(s, &end, 10);
	if (!n || end != s + n || v > 255)
		return -EINVAL;
	*proto = v;
	return 0;
}

/* PROTO[/PORT[-PORT]] */
static inline int rule_parse(char *s, struct app_rule *r)
{
	char *slash = strchr(s, '/'), *end;
	unsigned long lo, hi;

	if (proto_parse(s, slash ? (size_t)(slash - s) : strlen(s), &r->proto))
		return -EINVAL;
	if (!slash)
		return 0;
	if (r->proto != 6 && r->proto != 17 && r->proto != 132)
		return -EINVAL;		/* only these have ports */
	lo = hi = strtoul(slash + 1, &end, 10);
	if (*end == '-')
		hi = strtoul(end + 1, &end, 10);
	if (end == slash + 1 || *end || lo > hi || hi > 65535)
		return -EINVAL;
	r->ported = 1;
	r->lo = lo;
	r->hi = hi;
	return 0;
}

/* NAME:RULE[+RULE]...[;NAME:...]; newlines separate classes too */
static inline int table_parse(struct app_table *t, char *spec)
{
	char *cls, *rule, *s1, *s2, *colon;

	for (cls = strtok_r(spec, ";\n", &s1); cls; cls = strtok_r(NULL, ";\n", &s1)) {
		colon = strchr(cls, ':');
		if (*cls == '#')
			continue;
		if (!colon || colon == cls || t->nclasses == APP_CLASSES)
			return -EINVAL;
		t->nclasses++;
		for (rule = strtok_r(colon + 1, "+", &s2); rule;
		     rule = strtok_r(NULL, "+", &s2)) {
			if (t->nrules == APP_RULES)
				return -EINVAL;
			t->rule[t->nrules].class = t->nclasses;
			if (rule_parse(rule, &t->rule[t->nrules++]))
				return -EINVAL;
		}
	}
	return t->nclasses ? 0 : -EINVAL;
}

/* The first rule of the table that names the protocol, and the port if any. */
static inline unsigned int classify(const struct app_table *t, __u32 key)
{
	unsigned int i, proto = key >> 16 & 0xff, port = key & 0xffff;
	const struct app_rule *r;

	if (key & APP_NON_IP)
		return APP_OTHER;
	for (i = 0; i < t->nrules; i++) {
		r = &t->rule[i];
		if (r->proto == proto && (!r->ported || ((key & APP_PORTED) &&
		    port >= r->lo && port <= r->hi)))
			return r->class;
	}
	return APP_OTHER;
}

#endif /* _APPTABLE_H */
