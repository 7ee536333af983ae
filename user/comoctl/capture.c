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

static struct nla_policy obj_policy[COMO_OBJ_A_MAX + 1] = {
	[COMO_OBJ_A_NAME] = { .type = NLA_STRING },
	[COMO_OBJ_A_KIND] = { .type = NLA_U32 },
	[COMO_OBJ_A_ID] = { .type = NLA_U32 },
};

/* Calls FN for each object of a COMO_A_OBJECT list that names one. */
static void for_each_obj(struct nlattr *list,
			 void (*fn)(struct nlattr **ob, void *arg), void *arg)
{
	struct nlattr *ob[COMO_OBJ_A_MAX + 1], *a;
	int rem;

	if (!list)
		return;
	nla_for_each_nested(a, list, rem) {
		if (nla_parse_nested(ob, COMO_OBJ_A_MAX, a, obj_policy) ||
		    !ob[COMO_OBJ_A_NAME] || !ob[COMO_OBJ_A_KIND] ||
		    !ob[COMO_OBJ_A_ID])
			continue;
		fn(ob, arg);
	}
}

struct tally {
	struct comoctl *ctl;
	struct json_object *arr;	/* JSON: the objects */
	unsigned int n, links;
	bool rows;			/* text: print the table's rows */
};

static void obj_one(struct nlattr **ob, void *arg)
{
	struct tally *t = arg;
	uint32_t kind = nla_get_u32(ob[COMO_OBJ_A_KIND]);
	struct json_object *o;

	t->n++;
	t->links += kind == COMO_OBJ_LINK;
	if (t->arr) {
		o = json_object_new_object();
		json_add_str(o, "name", nla_get_string(ob[COMO_OBJ_A_NAME]));
		json_add_str(o, "kind", kind_name(kind));
		json_add_u64(o, "id", nla_get_u32(ob[COMO_OBJ_A_ID]));
		json_object_array_add(t->arr, o);
	} else if (t->rows) {
		printf("  %-24s %-5s %u\n", nla_get_string(ob[COMO_OBJ_A_NAME]),
		       kind_name(kind), nla_get_u32(ob[COMO_OBJ_A_ID]));
	}
}

/* What a line of text or a JSON array says of the modules held. */
struct held {
	struct json_object *arr;
	char *text;
	size_t size, len;
};

static void held_one(struct held *h, struct nlattr **m)
{
	const char *name = nla_get_string(m[COMO_MOD_A_NAME]);
	struct tally t = {};
	struct json_object *o;

	if (!h->arr) {
		if (h->len < h->size)
			h->len += snprintf(h->text + h->len, h->size - h->len,
					   "%s%s", h->len ? " " : "", name);
		return;
	}
	for_each_obj(m[COMO_MOD_A_OBJECTS], obj_one, &t);
	o = json_object_new_object();
	json_add_str(o, "name", name);
	if (m[COMO_MOD_A_SLOT])
		json_add_u64(o, "slot", nla_get_u32(m[COMO_MOD_A_SLOT]));
	json_add_u64(o, "objects", t.n);
	json_object_array_add(h->arr, o);
}

/*
 * The modules como.ko holds: those registered with it (GET_MODULES), each
 * with its own objects; into ARR (JSON) or one line of TEXT.
 */
static int held_modules(struct comoctl *ctl, struct json_object *arr,
			char *text, size_t size)
{
	static struct nla_policy mp[COMO_MOD_A_MAX + 1] = {
		[COMO_MOD_A_NAME] = { .type = NLA_STRING },
		[COMO_MOD_A_SLOT] = { .type = NLA_U32 },
		[COMO_MOD_A_OBJECTS] = { .type = NLA_NESTED },
	};
	struct held h = { .arr = arr, .text = text, .size = size };
	struct nlattr *m[COMO_MOD_A_MAX + 1], *a;
	struct ctl_reply r;
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;
	int rem, n, err;

	err = cap_request(ctl, "capture show", COMO_CMD_GET_MODULES, &r);
	if (err)
		return err;
	text[0] = '\0';
	nlh = r.buf;
	/* one message, or one a module when the reply came as a dump */
	for (n = r.len; nlmsg_ok(nlh, n); nlh = nlmsg_next(nlh, &n)) {
		gh = nlmsg_data(nlh);
		nla_for_each_attr(a, genlmsg_attrdata(gh, 0),
				  genlmsg_attrlen(gh, 0), rem) {
			if (nla_type(a) == COMO_A_MODULE &&
			    !nla_parse_nested(m, COMO_MOD_A_MAX, a, mp) &&
			    m[COMO_MOD_A_NAME])
				held_one(&h, m);
		}
	}
	ctl_reply_free(&r);
	return EXIT_OK;
}

static int show(struct comoctl *ctl)
{
	static struct nla_policy cp[COMO_CAP_A_MAX + 1] = {
		[COMO_CAP_A_DATADIR] = { .type = NLA_STRING },
		[COMO_CAP_A_DESCRIPTION] = { .type = NLA_STRING },
		[COMO_CAP_A_OBJECTS] = { .type = NLA_NESTED },
	};
	struct nlattr *cap[COMO_CAP_A_MAX + 1] = {}, *a;
	struct json_object *o, *desc = NULL, *mods = NULL;
	struct tally t = { .ctl = ctl };
	struct ctl_reply r;
	const char *ifaces = NULL;
	char names[1024];
	int err;

	err = cap_request(ctl, "capture show", COMO_CMD_GET_CAPTURE, &r);
	if (err)
		return err;
	if (!r.tb[COMO_A_CAPTURE] ||
	    nla_parse_nested(cap, COMO_CAP_A_MAX, r.tb[COMO_A_CAPTURE], cp) ||
	    !cap[COMO_CAP_A_DATADIR]) {
		fprintf(stderr, "comoctl: capture show: no capture in the "
			"reply (EPROTO)\n");
		ctl_reply_free(&r);
		return EXIT_REFUSED;
	}
	if (ctl->json)
		mods = json_object_new_array();
	err = held_modules(ctl, mods, names, sizeof(names));
	if (err) {
		json_object_put(mods);
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

	o = out_begin(ctl);
	out_str(ctl, o, "datadir", nla_get_string(cap[COMO_CAP_A_DATADIR]));
	if (ifaces)
		out_str(ctl, o, "interfaces", ifaces);
	if (ctl->json)
		json_object_object_add(o, "modules", mods);
	else
		out_str(ctl, o, "modules", names[0] ? names : "-");
	out_u64(ctl, o, "xdp_links", t.links, NULL);
	if (ctl->json) {
		t.arr = json_object_new_array();
		t.n = t.links = 0;
		for_each_obj(cap[COMO_CAP_A_OBJECTS], obj_one, &t);
		json_object_object_add(o, "objects", t.arr);
		if (desc)
			json_object_object_add(o, "description", desc);
		desc = NULL;
	} else {
		out_u64(ctl, o, "objects", t.n, NULL);
		t.rows = true;
		for_each_obj(cap[COMO_CAP_A_OBJECTS], obj_one, &t);
	}
	out_end(ctl, o);
	json_object_put(desc);
	ctl_reply_free(&r);
	return EXIT_OK;
}

static int release(struct comoctl *ctl)
{
	struct ctl_reply r;
	int err;

	err = cap_request(ctl, "capture release", COMO_CMD_DEL_CAPTURE, &r);
	if (err)
		return err;
	ctl_reply_free(&r);
	if (ctl->json)
		out_end(ctl, out_begin(ctl));
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
