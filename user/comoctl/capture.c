// SPDX-License-Identifier: BSD-3-Clause
/*
 * comoctl capture: show and release what como.ko holds of comod's capture
 * (GET_CAPTURE, DEL_CAPTURE). It matters when comod was killed and nobody
 * starts it again: the kernel still holds the dispatcher, the maps, the
 * modules and the XDP links, and only this says so or lets them go.
 * comod holds no capture of its own to hand out, so its socket refuses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include "comoctl.h"
#include "ctl_policy.h"
#include "ctl_requests.h"
#include "jsonutil.h"

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case COMO_OBJ_PROG: return "prog";
	case COMO_OBJ_MAP: return "map";
	case COMO_OBJ_LINK: return "link";
	default: return "?";
	}
}

/*
 * One request of the capture; comod's "unknown command" is put in the
 * words that tell an operator what to do about it.
 */
static int cap_request(struct comoctl *ctl, const char *what, uint8_t cmd,
		       struct ctl_reply *r)
{
	struct nl_msg *req;
	int err;

	err = request_new(ctl, cmd, &req);
	if (err)
		return err;
	if (ctl->conn.kind != CTL_COMOD)
		return request(ctl, what, req, r);
	err = ctl_conn_call(&ctl->conn, req, r);
	nlmsg_free(req);
	if (!err) {
		/* a comod that learnt the command: take its answer */
		return EXIT_OK;
	}
	if (err == -EOPNOTSUPP)
		fprintf(stderr, "comoctl: %s: only como.ko holds a capture; "
			"comod answered: %s (EOPNOTSUPP)\n", what,
			ctl->conn.why);
	else
		fprintf(stderr, "comoctl: %s: %s (%s)\n", what, ctl->conn.why,
			strerrorname_np(-err) ?: "?");
	return EXIT_REFUSED;
}

/* Calls FN for each object of a COMO_A_OBJECT list that has an id. */
static void for_each_obj(struct nlattr *list,
			 void (*fn)(const struct como_obj_info *ob, void *arg),
			 void *arg)
{
	struct como_obj_info ob;
	struct nlattr *a;
	int rem;

	if (!list)
		return;
	nla_for_each_nested(a, list, rem) {
		if (ctl_obj_parse(a, &ob) || !CTL_HAS(&ob, COMO_OBJ_A_ID))
			continue;
		fn(&ob, arg);
	}
}

struct tally {
	struct como_out *o;		/* prints, when set */
	unsigned int n, links;
};

/* One object: a row of the table in text, an element of "objects" in JSON. */
static void obj_one(const struct como_obj_info *ob, void *arg)
{
	struct tally *t = arg;

	t->n++;
	t->links += ob->kind == COMO_OBJ_LINK;
	if (!t->o)
		return;
	out_object_begin(t->o, NULL);
	out_str(t->o, "name", "  %-24s", ob->name);
	out_str(t->o, "kind", " %-5s", kind_name(ob->kind));
	out_u64(t->o, "id", " %llu\n", ob->id);
	out_object_end(t->o);
}

/*
 * The modules como.ko holds: those registered with it (GET_MODULES), one
 * message or one a module when the reply came as a dump.
 */
static int held_get(struct comoctl *ctl, struct ctl_modules *mods)
{
	struct ctl_reply r;
	int err;

	err = cap_request(ctl, "capture show", COMO_CMD_GET_MODULES, &r);
	if (err)
		return err;
	if (ctl_modules_parse(&r, mods)) {
		fprintf(stderr, "comoctl: capture show: a malformed module in "
			"the reply (EPROTO)\n");
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

/* Each with its own objects in JSON; their names on one line as text. */
static void held_print(struct como_out *o, const struct ctl_modules *mods)
{
	char names[1024] = "", fmt[32];
	struct tally t;
	unsigned int i;
	size_t len = 0;

	out_array_begin(o, "modules");
	for (i = 0; i < mods->n; i++) {
		if (len < sizeof(names))
			len += snprintf(names + len, sizeof(names) - len, "%s%s",
					len ? " " : "", mods->v[i].name);
		t = (struct tally){};
		for_each_obj(mods->v[i].objects, obj_one, &t);
		out_object_begin(o, NULL);
		out_str(o, "name", NULL, mods->v[i].name);
		if (CTL_HAS(&mods->v[i], COMO_MOD_A_SLOT))
			out_u64(o, "slot", NULL, mods->v[i].slot);
		out_u64(o, "objects", NULL, t.n);
		out_object_end(o);
	}
	out_array_end(o);
	out_str(o, NULL, kv_fmt(fmt, sizeof(fmt), "modules"), len ? names : "-");
}

static int show(struct comoctl *ctl)
{
	struct nlattr *cap[COMO_CAP_A_MAX + 1] = {}, *a;
	struct json_object *desc = NULL;
	struct ctl_modules mods;
	struct tally t = {};
	struct ctl_reply r;
	const char *ifaces = NULL;
	struct como_out o;
	char fmt[32];
	int err;

	err = cap_request(ctl, "capture show", COMO_CMD_GET_CAPTURE, &r);
	if (err)
		return err;
	if (!r.tb[COMO_A_CAPTURE] ||
	    nla_parse_nested(cap, COMO_CAP_A_MAX, r.tb[COMO_A_CAPTURE],
			     ctl_cap_policy) ||
	    !cap[COMO_CAP_A_DATADIR]) {
		fprintf(stderr, "comoctl: capture show: no capture in the "
			"reply (EPROTO)\n");
		ctl_reply_free(&r);
		return EXIT_REFUSED;
	}
	err = held_get(ctl, &mods);
	if (err) {
		ctl_reply_free(&r);
		return err;
	}
	/* comod's own description: opaque to the kernel, JSON to comod */
	a = cap[COMO_CAP_A_DESCRIPTION];
	if (a)
		desc = json_tokener_parse(nla_get_string(a));
	if (desc && json_object_is_type(desc, json_type_object))
		ifaces = json_str(desc, "interfaces");
	/* a first pass counts: the text's header lines come before the rows */
	for_each_obj(cap[COMO_CAP_A_OBJECTS], obj_one, &t);

	reply_begin(ctl, &o);
	out_str(&o, "datadir", kv_fmt(fmt, sizeof(fmt), "datadir"),
		nla_get_string(cap[COMO_CAP_A_DATADIR]));
	if (ifaces)
		out_str(&o, "interfaces", kv_fmt(fmt, sizeof(fmt), "interfaces"),
			ifaces);
	held_print(&o, &mods);
	out_u64(&o, "xdp_links", "xdp_links      %llu\n", t.links);
	out_u64(&o, NULL, "objects        %llu\n", t.n);
	t = (struct tally){ .o = &o };
	out_array_begin(&o, "objects");
	for_each_obj(cap[COMO_CAP_A_OBJECTS], obj_one, &t);
	out_array_end(&o);
	if (desc)
		out_json(&o, "description", json_object_get(desc));
	out_end(&o);
	json_object_put(desc);
	ctl_modules_free(&mods);
	ctl_reply_free(&r);
	return EXIT_OK;
}

static int release(struct comoctl *ctl)
{
	struct como_out o;
	struct ctl_reply r;
	int err;

	err = cap_request(ctl, "capture release", COMO_CMD_DEL_CAPTURE, &r);
	if (err)
		return err;
	ctl_reply_free(&r);
	if (ctl->json) {
		reply_begin(ctl, &o);
		out_end(&o);
	}
	return EXIT_OK;
}

int do_capture(struct comoctl *ctl, int argc, char **argv)
{
	const char *verb = argc ? argv[0] : "";

	if (!strcmp(verb, "show") && argc == 1)
		return show(ctl);
	if (!strcmp(verb, "release") && argc == 1)
		return release(ctl);
	if (!strcmp(verb, "show") || !strcmp(verb, "release"))
		return usage_error("capture %s takes no arguments", verb);
	return usage_error("capture: unknown command '%s' (show, release)",
			   verb);
}
