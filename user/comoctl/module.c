// SPDX-License-Identifier: BSD-3-Clause
/*
 * comoctl module: list, show, set. One table of fields drives the list's
 * columns, show's lines and the JSON keys of both.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include "comoctl.h"
#include "jsonutil.h"

enum fkind { F_STR, F_U32, F_U64, F_RATE, F_DUR, F_TIME, F_BOOL, F_STATE };

static const struct field {
	int attr;
	const char *key;	/* JSON key and show's label */
	const char *head;	/* list's column, NULL: not in the list */
	int width;		/* printf's: negative aligns left */
	enum fkind kind;
} fields[] = {
	{ COMO_MOD_A_NAME, "name", "NAME", -16, F_STR },
	{ COMO_MOD_A_SLOT, "slot", "SLOT", 4, F_U32 },
	{ COMO_MOD_A_STATE, "state", "STATE", -8, F_STATE },
	{ COMO_MOD_A_SAMPLING, "sampling", "SAMPLING", 8, F_RATE },
	{ COMO_MOD_A_PRIORITY, "priority", "PRIO", 4, F_U32 },
	{ COMO_MOD_A_MIN_SAMPLING, "min_sampling", "MIN", 6, F_RATE },
	{ COMO_MOD_A_PKTS, "pkts", "PACKETS", 12, F_U64 },
	{ COMO_MOD_A_BYTES, "bytes", "BYTES", 14, F_U64 },
	{ COMO_MOD_A_EPOCH, "epoch", "EPOCH", 8, F_U64 },
	{ COMO_MOD_A_INTERVAL_NS, "interval_ns", "INTERVAL", 8, F_DUR },
	{ COMO_MOD_A_ENABLED, "enabled", NULL, 0, F_BOOL },
	{ COMO_MOD_A_SOURCE, "source", NULL, 0, F_STR },
	{ COMO_MOD_A_ARGS, "args", NULL, 0, F_STR },
	{ COMO_MOD_A_FILTER, "filter", NULL, 0, F_STR },
	{ COMO_MOD_A_UPDATES, "updates", NULL, 0, F_U64 },
	{ COMO_MOD_A_ERRORS, "errors", NULL, 0, F_U64 },
	{ COMO_MOD_A_RECORDS, "records", NULL, 0, F_U64 },
	{ COMO_MOD_A_EPOCH_START_NS, "epoch_start_ns", NULL, 0, F_TIME },
	{ COMO_MOD_A_CLOSED_EPOCH, "closed_epoch", NULL, 0, F_U64 },
	{ COMO_MOD_A_CLOSED_START_NS, "closed_start_ns", NULL, 0, F_TIME },
	{ COMO_MOD_A_CLOSED_END_NS, "closed_end_ns", NULL, 0, F_TIME },
	{ COMO_MOD_A_COST_NS, "cost_ns", NULL, 0, F_U64 },
	{ COMO_MOD_A_RUNS, "runs", NULL, 0, F_U64 },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static struct nla_policy mod_policy[COMO_MOD_A_MAX + 1] = {
	[COMO_MOD_A_NAME] = { .type = NLA_STRING },
	[COMO_MOD_A_SOURCE] = { .type = NLA_STRING },
	[COMO_MOD_A_ARGS] = { .type = NLA_STRING },
	[COMO_MOD_A_FILTER] = { .type = NLA_STRING },
	[COMO_MOD_A_SLOT] = { .type = NLA_U32 },
	[COMO_MOD_A_STATE] = { .type = NLA_U32 },
	[COMO_MOD_A_PRIORITY] = { .type = NLA_U32 },
	[COMO_MOD_A_MIN_SAMPLING] = { .type = NLA_U32 },
	[COMO_MOD_A_SAMPLING] = { .type = NLA_U32 },
	[COMO_MOD_A_ENABLED] = { .type = NLA_U8 },
	[COMO_MOD_A_EPOCH] = { .type = NLA_U64 },
	[COMO_MOD_A_PKTS] = { .type = NLA_U64 },
	[COMO_MOD_A_BYTES] = { .type = NLA_U64 },
	[COMO_MOD_A_UPDATES] = { .type = NLA_U64 },
	[COMO_MOD_A_ERRORS] = { .type = NLA_U64 },
	[COMO_MOD_A_RECORDS] = { .type = NLA_U64 },
	[COMO_MOD_A_INTERVAL_NS] = { .type = NLA_U64 },
	[COMO_MOD_A_EPOCH_START_NS] = { .type = NLA_U64 },
	[COMO_MOD_A_CLOSED_START_NS] = { .type = NLA_U64 },
	[COMO_MOD_A_CLOSED_END_NS] = { .type = NLA_U64 },
	[COMO_MOD_A_COST_NS] = { .type = NLA_U64 },
	[COMO_MOD_A_RUNS] = { .type = NLA_U64 },
	[COMO_MOD_A_CLOSED_EPOCH] = { .type = NLA_U64 },
};

/* disabled is what a person wants to see in the state column */
static const char *state_name(struct nlattr **m)
{
	if (m[COMO_MOD_A_ENABLED] && !nla_get_u8(m[COMO_MOD_A_ENABLED]))
		return "disabled";
	switch (m[COMO_MOD_A_STATE] ? nla_get_u32(m[COMO_MOD_A_STATE]) : 0) {
	case COMO_MOD_STATE_RUNNING: return "running";
	case COMO_MOD_STATE_STOPPED: return "stopped";
	default: return "unknown";
	}
}

static uint64_t field_u64(const struct field *f, struct nlattr *a)
{
	switch (f->kind) {
	case F_U32: case F_RATE: case F_STATE: return nla_get_u32(a);
	case F_BOOL: return nla_get_u8(a);
	default: return nla_get_u64(a);
	}
}

static void field_text(const struct field *f, struct nlattr **m, char *buf,
		       size_t size)
{
	struct nlattr *a = m[f->attr];

	if (!a) {
		snprintf(buf, size, "-");
		return;
	}
	switch (f->kind) {
	case F_STR: snprintf(buf, size, "%s", nla_get_string(a)); break;
	case F_STATE: snprintf(buf, size, "%s", state_name(m)); break;
	case F_RATE: snprintf(buf, size, "1/%u", nla_get_u32(a)); break;
	case F_DUR: fmt_duration(buf, size, nla_get_u64(a)); break;
	case F_TIME: fmt_time(buf, size, nla_get_u64(a)); break;
	case F_BOOL: snprintf(buf, size, "%s", nla_get_u8(a) ? "yes" : "no"); break;
	default:
		snprintf(buf, size, "%llu", (unsigned long long)field_u64(f, a));
	}
}

static void field_json(const struct field *f, struct nlattr **m,
		       struct json_object *o)
{
	struct nlattr *a = m[f->attr];

	if (!a)
		return;
	if (f->kind == F_STR)
		json_add_str(o, f->key, nla_get_string(a));
	else if (f->kind == F_STATE)
		json_add_str(o, f->key, state_name(m));
	else if (f->kind == F_BOOL)
		json_object_object_add(o, f->key,
				       json_object_new_boolean(nla_get_u8(a)));
	else
		json_add_u64(o, f->key, field_u64(f, a));
}

static struct json_object *module_json(struct nlattr **m)
{
	struct json_object *o = json_object_new_object();
	unsigned int i;

	for (i = 0; i < NFIELDS; i++)
		field_json(&fields[i], m, o);
	return o;
}

static void list_row(struct nlattr **m, bool head)
{
	char buf[256];
	unsigned int i;

	for (i = 0; i < NFIELDS; i++) {
		if (!fields[i].head)
			continue;
		if (head)
			snprintf(buf, sizeof(buf), "%s", fields[i].head);
		else
			field_text(&fields[i], m, buf, sizeof(buf));
		printf("%s%*s", i ? " " : "", fields[i].width, buf);
	}
	putchar('\n');
}

/*
 * Calls FN for each module of a GET_MODULES reply, however many messages
 * it came in (comod sends one, como.ko may send a dump); stops when FN
 * returns true.
 */
static void for_each_module(struct ctl_reply *r,
			    bool (*fn)(struct nlattr **m, void *arg), void *arg)
{
	struct nlattr *m[COMO_MOD_A_MAX + 1], *a;
	struct nlmsghdr *nlh = r->buf;
	struct genlmsghdr *gh;
	int len = r->len, rem;

	for (; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
		gh = nlmsg_data(nlh);
		nla_for_each_attr(a, genlmsg_attrdata(gh, 0),
				  genlmsg_attrlen(gh, 0), rem) {
			if (nla_type(a) != COMO_A_MODULE ||
			    nla_parse_nested(m, COMO_MOD_A_MAX, a, mod_policy) ||
			    !m[COMO_MOD_A_NAME])
				continue;
			if (fn(m, arg))
				return;
		}
	}
}

static int get_modules(struct comoctl *ctl, const char *what,
		       struct ctl_reply *r)
{
	struct nl_msg *req;
	int err = request_new(ctl, COMO_CMD_GET_MODULES, &req);

	return err ?: request(ctl, what, req, r);
}

static bool list_one(struct nlattr **m, void *arg)
{
	if (arg)
		json_object_array_add(arg, module_json(m));
	else
		list_row(m, false);
	return false;
}

static int list(struct comoctl *ctl)
{
	struct json_object *o, *arr = NULL;
	struct ctl_reply r;
	int err;

	err = get_modules(ctl, "module list", &r);
	if (err)
		return err;
	o = out_begin(ctl);
	if (ctl->json)
		arr = json_object_new_array();
	else
		list_row(NULL, true);
	for_each_module(&r, list_one, arr);
	if (arr)
		json_object_object_add(o, "modules", arr);
	out_end(ctl, o);
	ctl_reply_free(&r);
	return EXIT_OK;
}

struct show_arg {
	struct comoctl *ctl;
	const char *name;
	bool found;
};

static bool show_one(struct nlattr **m, void *arg)
{
	struct show_arg *s = arg;
	struct json_object *o;
	unsigned int i;
	char buf[4200];

	if (strcmp(nla_get_string(m[COMO_MOD_A_NAME]), s->name))
		return false;
	s->found = true;
	if (s->ctl->json) {
		o = module_json(m);
		json_add_str(o, "transport", ctl_transport_name(&s->ctl->conn));
	} else {
		o = out_begin(s->ctl);
		for (i = 0; i < NFIELDS; i++) {
			if (!m[fields[i].attr])
				continue;
			field_text(&fields[i], m, buf, sizeof(buf));
			out_u64(s->ctl, o, fields[i].key, 0, buf);
		}
	}
	out_end(s->ctl, o);
	return true;
}

static int show(struct comoctl *ctl, const char *name)
{
	struct show_arg s = { .ctl = ctl, .name = name };
	struct ctl_reply r;
	int err;

	err = get_modules(ctl, "module show", &r);
	if (err)
		return err;
	for_each_module(&r, show_one, &s);
	ctl_reply_free(&r);
	if (!s.found) {
		fprintf(stderr, "comoctl: module show: no module '%s' (ENOENT)\n",
			name);
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
