// SPDX-License-Identifier: BSD-3-Clause
/*
 * comoctl module: list, show, set. One table of fields drives the list's
 * columns, show's lines and the JSON keys of both.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include "comoctl.h"
#include "log.h"
#include "ctl_requests.h"

enum fkind { F_STR, F_U32, F_U64, F_RATE, F_DUR, F_TIME, F_BOOL, F_STATE };

static const struct field {
	int attr;
	const char *key;	/* JSON key and show's label */
	const char *head;	/* list's column, NULL: not in the list */
	int width;		/* printf's: negative aligns left */
	enum fkind kind;
	size_t off;		/* in struct como_mod_info */
} fields[] = {
#define F(attr, key, head, width, kind, member) \
	{ attr, key, head, width, kind, offsetof(struct como_mod_info, member) }
	F(COMO_MOD_A_NAME, "name", "NAME", -16, F_STR, name),
	F(COMO_MOD_A_SLOT, "slot", "SLOT", 4, F_U32, slot),
	F(COMO_MOD_A_STATE, "state", "STATE", -8, F_STATE, state),
	F(COMO_MOD_A_SAMPLING, "sampling", "SAMPLING", 8, F_RATE, sampling),
	F(COMO_MOD_A_PRIORITY, "priority", "PRIO", 4, F_U32, priority),
	F(COMO_MOD_A_MIN_SAMPLING, "min_sampling", "MIN", 6, F_RATE, min_sampling),
	F(COMO_MOD_A_PKTS, "pkts", "PACKETS", 12, F_U64, pkts),
	F(COMO_MOD_A_BYTES, "bytes", "BYTES", 14, F_U64, bytes),
	F(COMO_MOD_A_EPOCH, "epoch", "EPOCH", 8, F_U64, epoch),
	F(COMO_MOD_A_INTERVAL_NS, "interval_ns", "INTERVAL", 8, F_DUR, interval_ns),
	F(COMO_MOD_A_ENABLED, "enabled", NULL, 0, F_BOOL, enabled),
	F(COMO_MOD_A_SOURCE, "source", NULL, 0, F_STR, source),
	F(COMO_MOD_A_ARGS, "args", NULL, 0, F_STR, args),
	F(COMO_MOD_A_FILTER, "filter", NULL, 0, F_STR, filter),
	F(COMO_MOD_A_UPDATES, "updates", NULL, 0, F_U64, updates),
	F(COMO_MOD_A_ERRORS, "errors", NULL, 0, F_U64, errors),
	F(COMO_MOD_A_RECORDS, "records", NULL, 0, F_U64, records),
	F(COMO_MOD_A_EPOCH_START_NS, "epoch_start_ns", NULL, 0, F_TIME, epoch_start_ns),
	F(COMO_MOD_A_CLOSED_EPOCH, "closed_epoch", NULL, 0, F_U64, closed_epoch),
	F(COMO_MOD_A_CLOSED_START_NS, "closed_start_ns", NULL, 0, F_TIME, closed_start_ns),
	F(COMO_MOD_A_CLOSED_END_NS, "closed_end_ns", NULL, 0, F_TIME, closed_end_ns),
	F(COMO_MOD_A_COST_NS, "cost_ns", NULL, 0, F_U64, cost_ns),
	F(COMO_MOD_A_RUNS, "runs", NULL, 0, F_U64, runs),
	F(COMO_MOD_A_REASON, "reason", NULL, 0, F_STR, reason),
	F(COMO_MOD_A_LOST_EPOCHS, "lost_epochs", NULL, 0, F_U64, lost_epochs),
#undef F
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/*
 * disabled is what a person wants to see in the state column, unless it
 * was stopped (its capture is disabled then too): the reason says why
 */
static const char *state_name(const struct como_mod_info *m)
{
	/* como.ko says STOPPED of a disabled module too, but gives no reason */
	if (m->state == COMO_MOD_STATE_STOPPED && m->reason)
		return "stopped";
	if (CTL_HAS(m, COMO_MOD_A_ENABLED) && !m->enabled)
		return "disabled";
	switch (m->state) {
	case COMO_MOD_STATE_RUNNING: return "running";
	case COMO_MOD_STATE_STOPPED: return "stopped";
	default: return "unknown";
	}
}

static uint64_t field_u64(const struct field *f, const struct como_mod_info *m)
{
	const void *p = (const char *)m + f->off;

	switch (f->kind) {
	case F_U32: case F_RATE: case F_STATE: return *(const __u32 *)p;
	case F_BOOL: return *(const __u8 *)p;
	default: return *(const __u64 *)p;
	}
}

static const char *field_str(const struct field *f, const struct como_mod_info *m)
{
	return *(const char *const *)((const char *)m + f->off);
}

/* How a person reads the field, which M has. */
static void field_text(const struct field *f, const struct como_mod_info *m,
		       char *buf, size_t size)
{
	uint64_t v = f->kind == F_STR ? 0 : field_u64(f, m);

	switch (f->kind) {
	case F_STR: snprintf(buf, size, "%s", field_str(f, m)); break;
	case F_STATE: snprintf(buf, size, "%s", state_name(m)); break;
	case F_RATE: snprintf(buf, size, "1/%llu", (unsigned long long)v); break;
	case F_DUR: fmt_duration(buf, size, v); break;
	case F_TIME: fmt_time(buf, size, v); break;
	case F_BOOL: snprintf(buf, size, "%s", v ? "yes" : "no"); break;
	default: snprintf(buf, size, "%llu", (unsigned long long)v);
	}
}

/* One field: its JSON value under its key, its text by FMT (%s). */
static void field_print(struct como_out *o, const struct field *f,
			const struct como_mod_info *m, const char *fmt)
{
	char buf[COMO_FILTER_MAX + 64];

	if (!CTL_HAS(m, f->attr)) {
		out_str(o, NULL, fmt, "-");
		return;
	}
	field_text(f, m, buf, sizeof(buf));
	switch (f->kind) {
	case F_STR:
	case F_STATE:
		out_str(o, f->key, fmt, buf);
		break;
	case F_BOOL:
		out_bool(o, f->key, fmt, field_u64(f, m));
		break;
	default:
		out_u64_as(o, f->key, fmt, field_u64(f, m), buf);
	}
}

/* A list's column: its text format, NULL for a field the list leaves out. */
static const char *column_fmt(unsigned int i, char *buf, size_t size)
{
	if (!fields[i].head)
		return NULL;
	snprintf(buf, size, "%s%%%ds", i ? " " : "", fields[i].width);
	return buf;
}

/* A row of the list in text, every field of the module in JSON. */
static void list_one(struct como_out *o, const struct como_mod_info *m)
{
	char fmt[16];
	unsigned int i;

	out_object_begin(o, NULL);
	for (i = 0; i < NFIELDS; i++)
		field_print(o, &fields[i], m, column_fmt(i, fmt, sizeof(fmt)));
	out_text(o, "\n");
	out_object_end(o);
}

static int get_modules(struct comoctl *ctl, const char *what,
		       struct ctl_modules *mods)
{
	int err = transport(ctl);

	if (err)
		return err;
	err = ctl_get_modules(&ctl->conn, mods);
	return err ? refused(ctl, what, err) : EXIT_OK;
}

static int list(struct comoctl *ctl)
{
	struct ctl_modules mods;
	struct como_out o;
	unsigned int i;
	char fmt[16];
	int err;

	err = get_modules(ctl, "module list", &mods);
	if (err)
		return err;
	reply_begin(ctl, &o);
	for (i = 0; i < NFIELDS; i++)
		out_str(&o, NULL, column_fmt(i, fmt, sizeof(fmt)), fields[i].head);
	out_text(&o, "\n");
	out_array_begin(&o, "modules");
	for (i = 0; i < mods.n; i++)
		list_one(&o, &mods.v[i]);
	out_array_end(&o);
	out_end(&o);
	ctl_modules_free(&mods);
	return EXIT_OK;
}

/*
 * Every field the module has, one "label value" line each; a label in ns
 * loses its unit, which the text carries. JSON names the transport last.
 */
static void show_one(struct comoctl *ctl, const struct como_mod_info *m)
{
	char fmt[64], label[32];
	struct como_out o;
	unsigned int i;
	size_t n;

	out_begin(&o, ctl->json ? OUT_JSON : OUT_PLAIN, stdout, NULL);
	o.pretty = ctl->pretty;
	out_str(&o, NULL, "transport %s\n", ctl_transport_name(&ctl->conn));
	for (i = 0; i < NFIELDS; i++) {
		if (!CTL_HAS(m, fields[i].attr))
			continue;
		n = strlen(fields[i].key);
		if (n > 3 && !strcmp(fields[i].key + n - 3, "_ns"))
			n -= 3;
		snprintf(label, sizeof(label), "%.*s", (int)n, fields[i].key);
		field_print(&o, &fields[i], m, kv_fmt(fmt, sizeof(fmt), label));
	}
	out_str(&o, "transport", NULL, ctl_transport_name(&ctl->conn));
	out_end(&o);
}

static int show(struct comoctl *ctl, const char *name)
{
	struct ctl_modules mods;
	bool found = false;
	unsigned int i;
	int err;

	err = get_modules(ctl, "module show", &mods);
	if (err)
		return err;
	for (i = 0; i < mods.n && !found; i++) {
		found = !strcmp(mods.v[i].name, name);
		if (found)
			show_one(ctl, &mods.v[i]);
	}
	ctl_modules_free(&mods);
	if (!found) {
		char safe[4 * COMO_NAME_MAX];

		log_escape(safe, sizeof(safe), name, true);
		fprintf(stderr, "comoctl: module show: no module '%s' (ENOENT)\n",
			safe);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

/* NAME { sampling N | priority N | enable | disable }... into REQ's nest */
static int set_args(struct nl_msg *req, int argc, char **argv)
{
	uint32_t v;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "enable") || !strcmp(argv[i], "disable")) {
			nla_put_u8(req, COMO_MOD_A_ENABLED,
				   !strcmp(argv[i], "enable"));
			continue;
		}
		if (strcmp(argv[i], "sampling") && strcmp(argv[i], "priority"))
			return usage_error("module set: unknown setting '%s'",
					   argv[i]);
		if (i + 1 == argc || !parse_u32(argv[i + 1], &v))
			return usage_error("module set: %s takes a whole number",
					   argv[i]);
		nla_put_u32(req, !strcmp(argv[i], "sampling") ?
			    COMO_MOD_A_SAMPLING : COMO_MOD_A_PRIORITY, v);
		i++;
	}
	return EXIT_OK;
}

static int set(struct comoctl *ctl, int argc, char **argv)
{
	struct nl_msg *req = nlmsg_alloc();
	struct nlattr *nest;
	int err;

	/* check the words before asking for a transport: usage comes first */
	if (!req)
		return EXIT_REFUSED;
	err = set_args(req, argc - 1, argv + 1);
	nlmsg_free(req);
	if (err)
		return err;
	err = request_new(ctl, COMO_CMD_SET_MODULE, &req);
	if (err)
		return err;
	nest = nla_nest_start(req, COMO_A_MODULE);
	nla_put_string(req, COMO_MOD_A_NAME, argv[0]);
	set_args(req, argc - 1, argv + 1);
	nla_nest_end(req, nest);
	return change(ctl, "module set", req);
}

int do_module(struct comoctl *ctl, int argc, char **argv)
{
	const char *verb = argc ? argv[0] : "";

	if (!strcmp(verb, "list") && argc == 1)
		return list(ctl);
	if (!strcmp(verb, "show") && argc == 2)
		return show(ctl, argv[1]);
	if (!strcmp(verb, "set") && argc >= 3)
		return set(ctl, argc - 1, argv + 1);
	if (!strcmp(verb, "list") || !strcmp(verb, "show") ||
	    !strcmp(verb, "set"))
		return usage_error("module %s: wrong arguments", verb);
	return usage_error("module: unknown command '%s' (list, show, set)",
			   verb);
}
