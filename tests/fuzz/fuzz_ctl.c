// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer: a request on comod's control socket, parsed as comod parses
 * it (user/comod/ctl.c handle(): the genetlink header, the shared policies
 * of user/lib/ctl_policy.c, the module and config nests) and as its module
 * nest is read (ctl_mod_parse, ctl_obj_parse of user/lib/ctl_client.c).
 * Besides never crashing, leaking or reading out of bounds: whatever the
 * policies let through obeys them, every string NUL-terminated within its
 * attribute and shorter than its limit, every integer as long as its type,
 * so a handler may use them as they are.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include "ctl_client.h"
#include "ctl_policy.h"
#include "log.h"

/* like comod's receive buffer (ctl.c: CTL_MSG_MAX) */
#define MSG_MAX		65536

static void check(int cond)
{
	if (!cond)
		abort();
}

/* A string from a parsed nest, as a handler would take it. */
static void check_string(const char *s, size_t max)
{
	if (s)
		check(!max || strlen(s) < max);
}

/* Each attribute of TB as its policy POL says, for MAX attributes. */
static void check_nest(struct nlattr **tb, const struct nla_policy *pol,
		       int max)
{
	const char *s;
	int i, len;

	for (i = 1; i <= max; i++) {
		if (!tb[i])
			continue;
		len = nla_len(tb[i]);
		switch (pol[i].type) {
		case NLA_STRING:
			s = nla_get_string(tb[i]);
			check(len >= 1 && !s[len - 1]);
			check(!pol[i].maxlen || len <= pol[i].maxlen);
			check_string(s, pol[i].maxlen);
			break;
		case NLA_U8:
			check(len >= 1);
			break;
		case NLA_U32:
		case NLA_S32:
			check(len >= 4);
			break;
		case NLA_U64:
			check(len >= 8);
			break;
		default:
			break;
		}
	}
}

/* A list of COMO_A_OBJECT (COMO_MOD_A_OBJECTS, COMO_CAP_A_OBJECTS). */
static void check_objects(struct nlattr *list)
{
	struct nlattr *tb[COMO_OBJ_A_MAX + 1], *obj;
	struct como_obj_info o;
	int rem;

	if (!list)
		return;
	nla_for_each_nested(obj, list, rem) {
		if (!nla_parse_nested(tb, COMO_OBJ_A_MAX, obj, ctl_obj_policy))
			check_nest(tb, ctl_obj_policy, COMO_OBJ_A_MAX);
		if (ctl_obj_parse(obj, &o))
			continue;
		check(o.name && strlen(o.name) < COMO_OBJ_NAME_MAX);
	}
}

/* COMO_A_MODULE as comod's handlers and ctl_mod_parse read it. */
static void check_module(struct nlattr *nest)
{
	struct nlattr *mod[COMO_MOD_A_MAX + 1] = {};
	struct como_mod_info m;

	if (nla_parse_nested(mod, COMO_MOD_A_MAX, nest, ctl_mod_policy)) {
		check(ctl_mod_parse(nest, &m) == -EPROTO);
		return;
	}
	check_nest(mod, ctl_mod_policy, COMO_MOD_A_MAX);
	check(!ctl_mod_parse(nest, &m));
	check_string(m.name, COMO_NAME_MAX);
	check_string(m.source, COMO_PATH_MAX);
	check_string(m.args, COMO_ARGS_MAX);
	check_string(m.filter, COMO_FILTER_MAX);
	check(!m.name == !mod[COMO_MOD_A_NAME]);
	check(!m.filter == !mod[COMO_MOD_A_FILTER]);
	check_objects(m.objects);
}

static void check_capture(struct nlattr *nest)
{
	struct nlattr *cap[COMO_CAP_A_MAX + 1] = {};

	if (nla_parse_nested(cap, COMO_CAP_A_MAX, nest, ctl_cap_policy))
		return;
	check_nest(cap, ctl_cap_policy, COMO_CAP_A_MAX);
	check_objects(cap[COMO_CAP_A_OBJECTS]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlattr *tb[COMO_A_MAX + 1], *cfg[COMO_CFG_A_MAX + 1];
	struct nlmsghdr *nlh;

	log_init("fuzz", -4);
	if (size < NLMSG_HDRLEN || size > MSG_MAX)
		return 0;
	/* aligned, and exactly as long as the datagram comod received */
	nlh = malloc(size);
	if (!nlh)
		return 0;
	memcpy(nlh, data, size);
	/* comod's gate: ctl_serve() and the start of handle() */
	if (!nlmsg_ok(nlh, size) || nlh->nlmsg_type != COMO_LOCAL_FAMILY ||
	    !genlmsg_valid_hdr(nlh, 0))
		goto out;
	if (genlmsg_parse(nlh, 0, tb, COMO_A_MAX, ctl_policy))
		goto out;
	check_nest(tb, ctl_policy, COMO_A_MAX);
	if (tb[COMO_A_MODULE])
		check_module(tb[COMO_A_MODULE]);
	if (tb[COMO_A_CONFIG] &&
	    !nla_parse_nested(cfg, COMO_CFG_A_MAX, tb[COMO_A_CONFIG],
			      ctl_cfg_policy))
		check_nest(cfg, ctl_cfg_policy, COMO_CFG_A_MAX);
	if (tb[COMO_A_CAPTURE])
		check_capture(tb[COMO_A_CAPTURE]);
out:
	free(nlh);
	return 0;
}
