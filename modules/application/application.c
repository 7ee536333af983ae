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
#include "apptable.h"
#include "application.skel.h"

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

static const struct como_field application_schema[] = {
	COMO_FIELD(struct application_rec, class, COMO_FT_U16),
	COMO_FIELD(struct application_rec, pkts, COMO_FT_U64),
	COMO_FIELD(struct application_rec, bytes, COMO_FT_U64),
	COMO_FIELD_END,
};

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
	if (err == -EINVAL)
		como_log(m, COMO_MSG_ERR, "app= is empty or longer than %d bytes",
			 APP_SPEC_MAX - 1);
	if (err == -ENOENT) {
		err = arg_str(args, "file", path, sizeof(path));
		if (!err) {
			err = file_read(path, spec, APP_SPEC_MAX);
			if (err)
				como_log(m, COMO_MSG_ERR, "file=%s: %s", path,
					 strerror(-err));
		} else if (err == -ENOENT) {
			err = snprintf(spec, APP_SPEC_MAX, "%s", app_default) < 0;
		} else {
			como_log(m, COMO_MSG_ERR, "file= is empty or too long");
		}
	}
	if (!err) {
		err = table_parse(t, spec);
		if (err)
			como_log(m, COMO_MSG_ERR, "the application table is "
				 "not NAME:RULE[+RULE]...[;NAME:...] (e.g. "
				 "web:tcp/80+tcp/443;dns:udp/53)");
	}
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
