// SPDX-License-Identifier: BSD-3-Clause
/*
 * application: packets and bytes per application class, from a table of
 * protocols and ports the user can change (CoMo's application breakdown).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <como/module.h>
#include "application.h"
#include "application.skel.h"

#define APP_CLASSES	64
#define APP_RULES	256
#define APP_SPEC_MAX	8192

/* CoMo's classes, by their well-known ports */
static const char app_default[] =
	"web:tcp/80+tcp/443+tcp/8080+udp/443;"
	"dns:udp/53+tcp/53+udp/5353;"
	"mail:tcp/25+tcp/110+tcp/143+tcp/465+tcp/587+tcp/993+tcp/995;"
	"ssh:tcp/22;"
	"file:tcp/20-21+tcp/139+tcp/445+udp/69+udp/137-138;"
	"p2p:tcp/6346-6347+udp/6346-6347+tcp/6881-6889+udp/6881-6889;"
	"ntp:udp/123;"
	"icmp:icmp+icmp6";

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

static const struct como_field application_schema[] = {
	COMO_FIELD(struct application_rec, class, COMO_FT_U16),
	COMO_FIELD(struct application_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct application_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

static int proto_parse(const char *s, size_t n, __u8 *proto)
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
static int rule_parse(char *s, struct app_rule *r)
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
static int table_parse(struct app_table *t, char *spec)
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

/* The value of KEY= in ARGS, into BUF; -ENOENT if absent. */
static int arg_str(const char *args, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key), n;
	const char *p;

	for (p = args; p && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) || p[klen] != '=')
			continue;
		n = strcspn(p + klen + 1, " ");
		if (!n || n >= size)
			return -EINVAL;
		memcpy(buf, p + klen + 1, n);
		buf[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

static int file_read(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	n = !feof(f) || ferror(f);
	fclose(f);
	return n ? -EFBIG : 0;
}

static int application_init(struct como_mod *m, const char *args)
{
	struct app_table *t = calloc(1, sizeof(*t));
	char *spec = malloc(APP_SPEC_MAX), path[4096];
	int err = -ENOMEM;

	if (!t || !spec)
		goto err_free;
	err = arg_str(args, "app", spec, APP_SPEC_MAX);
	if (err == -ENOENT) {
		err = arg_str(args, "file", path, sizeof(path));
		if (!err)
			err = file_read(path, spec, APP_SPEC_MAX);
		else if (err == -ENOENT)
			err = snprintf(spec, APP_SPEC_MAX, "%s", app_default) < 0;
	}
	if (!err)
		err = table_parse(t, spec);
	if (err)
		goto err_free;
	free(spec);
	como_set_priv(m, t);
	return 0;

err_free:
	free(spec);
	free(t);
	return err;
}

/* The first rule of the table that names the protocol, and the port if any. */
static unsigned int classify(const struct app_table *t, __u32 key)
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

static int application_export(struct como_mod *m, struct como_table *t)
{
	struct app_table *tab = como_priv(m);
	const struct application_val *v;
	struct application_rec r = {};
	unsigned int c;
	int err;
	__u32 i;

	memset(tab->sum, 0, sizeof(tab->sum));
	for (i = 0; i < t->nrows; i++) {
		c = classify(tab, *(__u32 *)como_row_key(t, i));
		v = como_row_value(t, i);
		tab->sum[c][0] += v->pkts;
		tab->sum[c][1] += v->bytes;
	}
	for (c = 0; c <= tab->nclasses; c++) {
		if (!tab->sum[c][0])
			continue;
		r.class = c;
		r.pkts = tab->sum[c][0];
		r.bytes = tab->sum[c][1];
		err = como_emit(m, t->start_ns, &r);
		if (err)
			return err;
	}
	return 0;
}

static void application_fini(struct como_mod *m)
{
	free(como_priv(m));
}

COMO_MODULE(
	.name = "application",
	.summary = "packets and bytes per application class (ports and protocols)",
	.args = "app=CLASSES file=PATH interval=DURATION",
	.needs = COMO_CAP_LEN | COMO_CAP_L3 | COMO_CAP_L4,
	.max_sampling = 100,
	.bpf_elf = application_bpf__elf_bytes,
	.record_size = sizeof(struct application_rec),
	.schema = application_schema,
	.init = application_init,
	.export = application_export,
	.store = como_schema_store,
	.load = como_schema_load,
	.fini = application_fini,
);
