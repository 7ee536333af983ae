// SPDX-License-Identifier: GPL-2.0
/*
 * Events on the family's multicast group: epochs closed, modules sampled
 * or stopped, overload begun or ended. A leaf: the clock and the guard
 * call it, netlink.c hands it the family once registered, and it calls
 * none of them (what it says comes in its arguments).
 */
#include <net/genetlink.h>
#include "como.h"

static const struct genl_family *como_family;

void como_events_init(const struct genl_family *family)
{
	como_family = family;
}

static struct sk_buff *event_new(u8 cmd, void **hdr)
{
	struct sk_buff *skb;

	if (!como_family)
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, como_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void event_send(struct sk_buff *skb, void *hdr, int err)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	/* no listener is fine: -ESRCH says only that */
	genlmsg_multicast_allns(como_family, skb, 0, COMO_GRP_EVENTS);
}

static void event_module(u8 cmd, const struct como_module *m, u32 sampling,
			 const char *why, u32 load_pm)
{
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;
	int p = COMO_MOD_A_PAD, err;

	skb = event_new(cmd, &hdr);
	if (!skb)
		return;
	nest = nla_nest_start(skb, COMO_A_MODULE);
	err = !nest || nla_put_string(skb, COMO_MOD_A_NAME, m->name) ||
	      nla_put_u32(skb, COMO_MOD_A_SLOT, m->slot) ||
	      nla_put_u64_64bit(skb, COMO_MOD_A_COST_NS, m->cost_ns, p);
	if (!err && cmd == COMO_CMD_EVENT_EPOCH_CLOSED)
		err = nla_put_u64_64bit(skb, COMO_MOD_A_EPOCH, m->closed_epoch, p) ||
		      nla_put_u64_64bit(skb, COMO_MOD_A_CLOSED_EPOCH, m->closed_epoch, p) ||
		      nla_put_u64_64bit(skb, COMO_MOD_A_CLOSED_START_NS, m->closed_start_ns, p) ||
		      nla_put_u64_64bit(skb, COMO_MOD_A_CLOSED_END_NS, m->closed_end_ns, p);
	if (!err && sampling)
		err = nla_put_u32(skb, COMO_MOD_A_SAMPLING, sampling);
	if (!err)
		nla_nest_end(skb, nest);
	if (!err && why)
		err = nla_put_string(skb, COMO_A_REASON, why);
	if (!err)
		err = nla_put_u32(skb, COMO_A_LOAD_PM, load_pm);
	event_send(skb, hdr, err ? -EMSGSIZE : 0);
}

void como_event_epoch_closed(const struct como_module *m, u32 load_pm)
{
	event_module(COMO_CMD_EVENT_EPOCH_CLOSED, m, 0, NULL, load_pm);
}

void como_event_sampled(const struct como_module *m, u32 sampling,
			u32 load_pm)
{
	event_module(COMO_CMD_EVENT_MODULE_SAMPLED, m, sampling, NULL, load_pm);
}

void como_event_stopped(const struct como_module *m, const char *why,
			u32 load_pm)
{
	event_module(COMO_CMD_EVENT_MODULE_STOPPED, m, 0, why, load_pm);
}

void como_event_overload(bool begun, u32 load_pm)
{
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = event_new(COMO_CMD_EVENT_OVERLOAD, &hdr);
	if (!skb)
		return;
	err = nla_put_u32(skb, COMO_A_OVERLOAD, begun) ||
	      nla_put_u32(skb, COMO_A_LOAD_PM, load_pm);
	event_send(skb, hdr, err ? -EMSGSIZE : 0);
}

