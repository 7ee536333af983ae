// SPDX-License-Identifier: BSD-3-Clause
/*
 * GET_STATUS and GET_MODULES, for como and comoctl alike: one request on
 * whichever transport the caller connected, its reply read once into a
 * structure (ctl_requests.h). The status is also printed here, so that
 * its JSON keys are written once; each tool brings the text it lays out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include "ctl_requests.h"
#include "out.h"

/* One request for CMD, its whole reply in R; c->why says why not. */
static int request(struct ctl_conn *c, __u8 cmd, struct ctl_reply *r)
{
	struct nl_msg *req = ctl_conn_request(c, cmd);
	int err;

	memset(r, 0, sizeof(*r));
	if (!req) {
		snprintf(c->why, sizeof(c->why), "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	err = ctl_conn_call(c, req, r);
	nlmsg_free(req);
	return err;
}

int ctl_get_status(struct ctl_conn *c, struct ctl_status *st)
{
	struct nlattr **tb = st->r.tb;
	int err, i;

	memset(st, 0, sizeof(*st));
	err = request(c, COMO_CMD_GET_STATUS, &st->r);
	if (err)
		return err;
	if (!st->r.len) {
		snprintf(c->why, sizeof(c->why), "an empty reply");
		return -EPROTO;
	}
	for (i = 1; i <= COMO_A_MAX; i++)
		if (tb[i])
			st->has |= 1ULL << i;
	st->transport = tb[COMO_A_TRANSPORT] ?
			nla_get_string(tb[COMO_A_TRANSPORT]) : NULL;
	st->source_kind = tb[COMO_A_SOURCE_KIND] ?
			  nla_get_string(tb[COMO_A_SOURCE_KIND]) : NULL;
	st->source = tb[COMO_A_SOURCE] ? nla_get_string(tb[COMO_A_SOURCE]) : NULL;
	st->datadir = tb[COMO_A_DATADIR] ?
		      nla_get_string(tb[COMO_A_DATADIR]) : NULL;
	st->pkts = tb[COMO_A_PKTS] ? nla_get_u64(tb[COMO_A_PKTS]) : 0;
	st->bytes = tb[COMO_A_BYTES] ? nla_get_u64(tb[COMO_A_BYTES]) : 0;
	st->uptime_ns = tb[COMO_A_UPTIME_NS] ?
			nla_get_u64(tb[COMO_A_UPTIME_NS]) : 0;
	st->epochs = tb[COMO_A_EPOCHS] ? nla_get_u64(tb[COMO_A_EPOCHS]) : 0;
	st->overload = tb[COMO_A_OVERLOAD] ? nla_get_u32(tb[COMO_A_OVERLOAD]) : 0;
	st->load_pm = tb[COMO_A_LOAD_PM] ? nla_get_u32(tb[COMO_A_LOAD_PM]) : 0;
	return 0;
}

void ctl_status_free(struct ctl_status *st)
{
	ctl_reply_free(&st->r);
}

/*
 * Both keys of the uptime stay: uptime_ns (comoctl's, the attribute's
 * unit) and uptime_s (como's, in seconds); each tool printed only one.
 */
static void print_uptime(struct como_out *o, const struct ctl_status *st,
			 const char *const text[CTL_ST_MAX])
{
	char buf[64];

	/* a person reads the uptime to the millisecond */
	fmt_duration(buf, sizeof(buf), st->uptime_ns - st->uptime_ns % 1000000);
	out_u64_as(o, "uptime_ns", text[CTL_ST_UPTIME], st->uptime_ns, buf);
	out_float(o, "uptime_s", text[CTL_ST_UPTIME_S], st->uptime_ns / 1e9);
}

void ctl_status_print(struct como_out *o, const struct ctl_status *st,
		      const char *const text[CTL_ST_MAX])
{
	char buf[64];

	if (CTL_HAS(st, COMO_A_SOURCE_KIND))
		out_str(o, "source", text[CTL_ST_SOURCE_KIND], st->source_kind);
	if (CTL_HAS(st, COMO_A_SOURCE))
		out_str(o, "from", text[CTL_ST_SOURCE], st->source);
	if (CTL_HAS(st, COMO_A_DATADIR))
		out_str(o, "datadir", text[CTL_ST_DATADIR], st->datadir);
	if (CTL_HAS(st, COMO_A_PKTS))
		out_u64(o, "pkts", text[CTL_ST_PKTS], st->pkts);
	if (CTL_HAS(st, COMO_A_BYTES))
		out_u64(o, "bytes", text[CTL_ST_BYTES], st->bytes);
	if (CTL_HAS(st, COMO_A_UPTIME_NS))
		print_uptime(o, st, text);
	if (CTL_HAS(st, COMO_A_EPOCHS))
		out_u64(o, "epochs", text[CTL_ST_EPOCHS], st->epochs);
	/* the overload guard's, from como.ko */
	if (CTL_HAS(st, COMO_A_OVERLOAD))
		out_u64_as(o, "overload", text[CTL_ST_OVERLOAD], st->overload,
			   st->overload ? "yes" : "no");
	if (CTL_HAS(st, COMO_A_LOAD_PM)) {
		snprintf(buf, sizeof(buf), "%.1f%%", st->load_pm / 10.0);
		out_u64_as(o, "load_pm", text[CTL_ST_LOAD], st->load_pm, buf);
	}
}

/* Calls FN for each COMO_A_MODULE of the messages of R; stops at an error. */
static int each_module(struct ctl_reply *r,
		       int (*fn)(struct nlattr *a, void *arg), void *arg)
{
	struct nlmsghdr *nlh = r->buf;
	struct genlmsghdr *gh;
	struct nlattr *a;
	int len = r->len, rem, err;

	for (; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
		gh = nlmsg_data(nlh);
		nla_for_each_attr(a, genlmsg_attrdata(gh, 0),
				  genlmsg_attrlen(gh, 0), rem) {
			if (nla_type(a) != COMO_A_MODULE)
				continue;
			err = fn(a, arg);
			if (err)
				return err;
		}
	}
	return 0;
}

static int count_one(struct nlattr *a, void *arg)
{
	(void)a;
	(*(unsigned int *)arg)++;
	return 0;
}

static int parse_one(struct nlattr *a, void *arg)
{
	struct ctl_modules *mods = arg;
	struct como_mod_info *m = &mods->v[mods->n];
	int err = ctl_mod_parse(a, m);

	/* a module without a name is none anyone can ask for */
	if (!err && m->name)
		mods->n++;
	return err;
}

int ctl_modules_parse(struct ctl_reply *r, struct ctl_modules *mods)
{
	unsigned int n = 0;
	int err;

	memset(mods, 0, sizeof(*mods));
	mods->r = *r;
	memset(r, 0, sizeof(*r));
	each_module(&mods->r, count_one, &n);
	mods->v = calloc(n ?: 1, sizeof(*mods->v));
	if (!mods->v) {
		ctl_modules_free(mods);
		return -ENOMEM;
	}
	err = each_module(&mods->r, parse_one, mods);
	if (err)
		ctl_modules_free(mods);
	return err;
}

int ctl_get_modules(struct ctl_conn *c, struct ctl_modules *mods)
{
	struct ctl_reply r;
	int err;

	memset(mods, 0, sizeof(*mods));
	err = request(c, COMO_CMD_GET_MODULES, &r);
	if (err)
		return err;
	err = ctl_modules_parse(&r, mods);
	if (err)
		snprintf(c->why, sizeof(c->why), "%s",
			 err == -EPROTO ? "a malformed module in the reply" :
			 strerror(-err));
	return err;
}

void ctl_modules_free(struct ctl_modules *mods)
{
	free(mods->v);
	mods->v = NULL;
	mods->n = 0;
	ctl_reply_free(&mods->r);
}
