// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "como" (include/uapi/linux/como.h). Every
 * attribute is checked by a strict policy before a handler sees it; a
 * refusal carries an extack message. GET_* and events are open to all,
 * every other command needs CAP_NET_ADMIN (GENL_ADMIN_PERM).
 */
#include <linux/bpf.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <como/name.h>
#include "como.h"

static struct genl_family como_family;

static const struct genl_multicast_group como_mcgrps[] = {
	[COMO_GRP_EVENTS] = { .name = COMO_MCGRP_EVENTS },
};

/*
 * ---- policies ----
 *
 * The limits are the uapi header's, which user space's policy
 * (user/lib/ctl_policy.c) is written from too. A string's .len leaves
 * out its NUL; the uapi's limits count it.
 */

static const struct nla_policy obj_policy[COMO_OBJ_A_MAX + 1] = {
	[COMO_OBJ_A_NAME] = { .type = NLA_NUL_STRING, .len = COMO_OBJ_NAME_MAX - 1 },
	[COMO_OBJ_A_KIND] = NLA_POLICY_RANGE(NLA_U32, COMO_OBJ_PROG, COMO_OBJ_LINK),
	[COMO_OBJ_A_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[COMO_OBJ_A_ID] = { .type = NLA_REJECT },
	/* the kernel checks it against the program itself */
	[COMO_OBJ_A_PROG_TYPE] = { .type = NLA_U32 },
};

static const struct nla_policy objs_policy[COMO_A_OBJECT + 1] = {
	[COMO_A_OBJECT] = NLA_POLICY_NESTED(obj_policy),
};

/* ranges wider than a policy's s16 */
static struct netlink_range_validation sampling_range = {
	.min = 1, .max = COMO_SAMPLING_MAX,
};

static struct netlink_range_validation interval_range = {
	.min = COMO_INTERVAL_MIN_NS, .max = COMO_INTERVAL_MAX_NS,
};

static struct netlink_range_validation tick_range = {
	.min = COMO_TICK_MIN_NS, .max = COMO_TICK_MAX_NS,
};

static struct netlink_range_validation budget_range = {
	.min = 0, .max = COMO_CPU_BUDGET_MAX_PM,
};

/* the uapi header spells PATH_MAX out, for user space */
static_assert(COMO_PATH_MAX == PATH_MAX);

static const struct nla_policy mod_policy[COMO_MOD_A_MAX + 1] = {
	[COMO_MOD_A_NAME] = { .type = NLA_NUL_STRING, .len = COMO_NAME_MAX - 1 },
	/* LOAD_MODULE's, so that its refusal says where to go */
	[COMO_MOD_A_SOURCE] = { .type = NLA_NUL_STRING, .len = COMO_PATH_MAX - 1 },
	[COMO_MOD_A_ARGS] = { .type = NLA_NUL_STRING, .len = COMO_ARGS_MAX - 1 },
	[COMO_MOD_A_FILTER] = { .type = NLA_NUL_STRING, .len = COMO_FILTER_MAX - 1 },
	[COMO_MOD_A_SLOT] = NLA_POLICY_MAX(NLA_U32, COMO_MAX_SLOTS - 1),
	[COMO_MOD_A_EPOCH] = { .type = NLA_U64 },
	[COMO_MOD_A_PRIORITY] = NLA_POLICY_MAX(NLA_U32, COMO_PRIORITY_MAX),
	[COMO_MOD_A_MIN_SAMPLING] = NLA_POLICY_FULL_RANGE(NLA_U32, &sampling_range),
	[COMO_MOD_A_SAMPLING] = NLA_POLICY_FULL_RANGE(NLA_U32, &sampling_range),
	[COMO_MOD_A_ENABLED] = NLA_POLICY_MAX(NLA_U8, 1),
	[COMO_MOD_A_INTERVAL_NS] = NLA_POLICY_FULL_RANGE(NLA_U64, &interval_range),
	[COMO_MOD_A_EPOCH_START_NS] = { .type = NLA_U64 },
	[COMO_MOD_A_OBJECTS] = NLA_POLICY_NESTED(objs_policy),
};

static const struct nla_policy cfg_policy[COMO_CFG_A_MAX + 1] = {
	[COMO_CFG_A_TICK_NS] = NLA_POLICY_FULL_RANGE(NLA_U64, &tick_range),
	[COMO_CFG_A_CPU_BUDGET_PM] = NLA_POLICY_FULL_RANGE(NLA_U32, &budget_range),
};

static const struct nla_policy cap_policy[COMO_CAP_A_MAX + 1] = {
	[COMO_CAP_A_DATADIR] = { .type = NLA_NUL_STRING, .len = COMO_PATH_MAX - 1 },
	[COMO_CAP_A_DESCRIPTION] = { .type = NLA_NUL_STRING, .len = COMO_DESC_MAX - 1 },
	[COMO_CAP_A_OBJECTS] = NLA_POLICY_NESTED(objs_policy),
};

/* Requests carry only these; what else a reply says is refused here. */
static const struct nla_policy como_policy[COMO_A_MAX + 1] = {
	[COMO_A_MODULE] = NLA_POLICY_NESTED(mod_policy),
	[COMO_A_CONFIG] = NLA_POLICY_NESTED(cfg_policy),
	[COMO_A_CAPTURE] = NLA_POLICY_NESTED(cap_policy),
};

/* ---- replies ---- */

static struct sk_buff *reply_new(struct genl_info *info, size_t size,
				 void **hdr)
{
	struct sk_buff *skb = genlmsg_new(size, GFP_KERNEL);

	if (!skb)
		return NULL;
	*hdr = genlmsg_put_reply(skb, info, &como_family, 0, info->genlhdr->cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static int put_objs(struct sk_buff *skb, int type, const struct como_objs *objs)
{
	struct nlattr *list, *o;
	unsigned int i;

	list = nla_nest_start(skb, type);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < objs->n; i++) {
		o = nla_nest_start(skb, COMO_A_OBJECT);
		if (!o || nla_put_string(skb, COMO_OBJ_A_NAME, objs->v[i].name) ||
		    nla_put_u32(skb, COMO_OBJ_A_KIND, objs->v[i].kind) ||
		    nla_put_u32(skb, COMO_OBJ_A_ID, como_obj_id(&objs->v[i])))
			return -EMSGSIZE;
		nla_nest_end(skb, o);
	}
	nla_nest_end(skb, list);
	return 0;
}

static int put_u64(struct sk_buff *skb, int type, u64 v, int pad)
{
	return nla_put_u64_64bit(skb, type, v, pad);
}

static int put_module(struct sk_buff *skb, const struct como_module *m,
		      bool objects)
{
	struct como_ctl *ctl = como_ctl_of(m->slot);
	u32 sampling = ctl ? READ_ONCE(ctl->sampling) ?: 1 : 1;
	bool enabled = ctl && READ_ONCE(ctl->enabled);
	struct como_stats st;
	struct nlattr *nest;
	int p = COMO_MOD_A_PAD;

	como_module_stats(m, &st);
	nest = nla_nest_start(skb, COMO_A_MODULE);
	if (!nest || nla_put_string(skb, COMO_MOD_A_NAME, m->name) ||
	    nla_put_u32(skb, COMO_MOD_A_SLOT, m->slot) ||
	    nla_put_u32(skb, COMO_MOD_A_STATE, enabled ? COMO_MOD_STATE_RUNNING :
			COMO_MOD_STATE_STOPPED) ||
	    nla_put_u32(skb, COMO_MOD_A_PRIORITY, m->priority) ||
	    nla_put_u32(skb, COMO_MOD_A_MIN_SAMPLING, m->min_sampling) ||
	    nla_put_u32(skb, COMO_MOD_A_SAMPLING, sampling) ||
	    nla_put_u8(skb, COMO_MOD_A_ENABLED, enabled) ||
	    put_u64(skb, COMO_MOD_A_INTERVAL_NS, m->interval_ns, p) ||
	    put_u64(skb, COMO_MOD_A_EPOCH, ctl ? READ_ONCE(ctl->epoch) : 0, p) ||
	    put_u64(skb, COMO_MOD_A_EPOCH_START_NS, m->epoch_start_ns, p) ||
	    put_u64(skb, COMO_MOD_A_PKTS, st.pkts, p) ||
	    put_u64(skb, COMO_MOD_A_BYTES, st.bytes, p) ||
	    put_u64(skb, COMO_MOD_A_UPDATES, st.updates, p) ||
	    put_u64(skb, COMO_MOD_A_ERRORS, st.errors, p) ||
	    put_u64(skb, COMO_MOD_A_COST_NS, st.run_ns, p))
		return -EMSGSIZE;
	if (m->closed &&
	    (put_u64(skb, COMO_MOD_A_CLOSED_EPOCH, m->closed_epoch, p) ||
	     put_u64(skb, COMO_MOD_A_CLOSED_START_NS, m->closed_start_ns, p) ||
	     put_u64(skb, COMO_MOD_A_CLOSED_END_NS, m->closed_end_ns, p)))
		return -EMSGSIZE;
	if (objects && put_objs(skb, COMO_MOD_A_OBJECTS, &m->objs))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_config(struct sk_buff *skb)
{
	struct nlattr *nest = nla_nest_start(skb, COMO_A_CONFIG);

	if (!nest ||
	    put_u64(skb, COMO_CFG_A_TICK_NS, como_cfg.tick_ns, COMO_CFG_A_PAD) ||
	    nla_put_u32(skb, COMO_CFG_A_CPU_BUDGET_PM, como_cfg.cpu_budget_pm))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* ---- requests ---- */

static struct nlattr **parse_nested(struct genl_info *info, int type,
				    int max, const struct nla_policy *pol,
				    struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, type))
		return NULL;
	if (nla_parse_nested(tb, max, info->attrs[type], pol, info->extack))
		return NULL;
	return tb;
}

/* A module request: its nest parsed and its NAME found. */
static struct como_module *module_of(struct genl_info *info, struct nlattr **tb)
{
	struct como_module *m;

	if (!parse_nested(info, COMO_A_MODULE, COMO_MOD_A_MAX, mod_policy, tb))
		return ERR_PTR(-EINVAL);
	if (!tb[COMO_MOD_A_NAME]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[COMO_A_MODULE],
				     COMO_MOD_A_NAME);
		NL_SET_ERR_MSG(info->extack, "the module's name is missing");
		return ERR_PTR(-EINVAL);
	}
	m = como_module_find(nla_data(tb[COMO_MOD_A_NAME]));
	if (!m) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[COMO_MOD_A_NAME],
				    "no module registered by that name");
		return ERR_PTR(-ENOENT);
	}
	return m;
}

/*
 * A command that takes some of a module's attributes refuses the others,
 * rather than ignore them. The lowest rate a module accepts is its own
 * (its descriptor's), set when it registers.
 */
static const int set_module_attrs[] = {
	COMO_MOD_A_NAME, COMO_MOD_A_SAMPLING, COMO_MOD_A_PRIORITY,
	COMO_MOD_A_ENABLED,
};

static const int register_attrs[] = {
	COMO_MOD_A_NAME, COMO_MOD_A_SLOT, COMO_MOD_A_INTERVAL_NS,
	COMO_MOD_A_EPOCH_START_NS, COMO_MOD_A_PRIORITY,
	COMO_MOD_A_MIN_SAMPLING, COMO_MOD_A_SAMPLING, COMO_MOD_A_OBJECTS,
};

static const int drained_attrs[] = { COMO_MOD_A_NAME, COMO_MOD_A_EPOCH };

static int only_these(struct genl_info *info, struct nlattr **tb,
		      const int *ok, unsigned int n)
{
	unsigned int i, a;

	for (a = 1; a <= COMO_MOD_A_MAX; a++) {
		if (!tb[a])
			continue;
		for (i = 0; i < n && ok[i] != a; i++)
			;
		if (i == n) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[a],
					    "this command does not take that attribute");
			return -EINVAL;
		}
	}
	return 0;
}

/* Takes a reference to every object of a list; all or none. */
static int objs_take(struct como_objs *objs, struct nlattr *list,
		     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[COMO_OBJ_A_MAX + 1], *a;
	struct como_obj *o;
	int rem, n = 0, err;

	nla_for_each_nested(a, list, rem)
		n++;
	if (!n || n > COMO_OBJS_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, list, "between 1 and "
				    __stringify(COMO_OBJS_MAX) " objects, please");
		return -EINVAL;
	}
	objs->v = kcalloc(n, sizeof(*objs->v), GFP_KERNEL);
	if (!objs->v)
		return -ENOMEM;
	objs->n = 0;
	nla_for_each_nested(a, list, rem) {
		err = nla_parse_nested(tb, COMO_OBJ_A_MAX, a, obj_policy, extack);
		if (err)
			goto err_release;
		err = -EINVAL;
		if (!tb[COMO_OBJ_A_NAME] || !tb[COMO_OBJ_A_KIND] || !tb[COMO_OBJ_A_FD]) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "an object needs a name, a kind and an fd");
			goto err_release;
		}
		if (como_objs_find(objs, nla_data(tb[COMO_OBJ_A_NAME]))) {
			NL_SET_ERR_MSG_ATTR(extack, a, "two objects by one name");
			goto err_release;
		}
		o = &objs->v[objs->n];
		strscpy(o->name, nla_data(tb[COMO_OBJ_A_NAME]), sizeof(o->name));
		err = como_obj_take(o, nla_get_u32(tb[COMO_OBJ_A_KIND]),
				    nla_get_s32(tb[COMO_OBJ_A_FD]),
				    tb[COMO_OBJ_A_PROG_TYPE] ?
				    nla_get_u32(tb[COMO_OBJ_A_PROG_TYPE]) :
				    BPF_PROG_TYPE_XDP);
		if (err) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "that fd is not a BPF object of that kind");
			goto err_release;
		}
		objs->n++;
	}
	return 0;

err_release:
	como_objs_release(objs);
	return err;
}

static int como_get_status(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err = -EMSGSIZE;

	msg = reply_new(info, NLMSG_GOODSIZE, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&como_lock);
	if (nla_put_string(msg, COMO_A_TRANSPORT, "como.ko") ||
	    (como_cap && nla_put_string(msg, COMO_A_DATADIR, como_cap->datadir)) ||
	    nla_put_u32(msg, COMO_A_OVERLOAD, como_overload) ||
	    nla_put_u32(msg, COMO_A_LOAD_PM, como_load_pm) ||
	    put_u64(msg, COMO_A_EPOCHS, como_epochs_closed, COMO_A_PAD) ||
	    put_config(msg))
		goto err_unlock;
	mutex_unlock(&como_lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_unlock:
	mutex_unlock(&como_lock);
	nlmsg_free(msg);
	return err;
}

/* What put_module() writes for every module, at most. */
static size_t modules_size(void)
{
	struct como_module *m;
	size_t size = 256;

	list_for_each_entry(m, &como_modules, node)
		size += 512 + m->objs.n * (COMO_OBJ_NAME_MAX + 32);
	return size;
}

/* One module by COMO_MOD_A_NAME, or all of them, with their objects. */
static int como_get_modules(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COMO_MOD_A_MAX + 1];
	struct como_module *m, *only = NULL;
	struct sk_buff *msg;
	void *hdr;
	int err = 0;

	mutex_lock(&como_lock);
	msg = reply_new(info, modules_size(), &hdr);
	if (!msg) {
		mutex_unlock(&como_lock);
		return -ENOMEM;
	}
	if (info->attrs[COMO_A_MODULE]) {
		only = module_of(info, tb);
		if (IS_ERR(only)) {
			err = PTR_ERR(only);
			goto err_unlock;
		}
	}
	list_for_each_entry(m, &como_modules, node) {
		if (only && m != only)
			continue;
		err = put_module(msg, m, true);
		if (err)
			goto err_unlock;
	}
	mutex_unlock(&como_lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_unlock:
	mutex_unlock(&como_lock);
	nlmsg_free(msg);
	return err;
}

/* The same, one message a module, for NLM_F_DUMP requests. */
static int como_dump_modules(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long idx = 0;
	struct como_module *m;
	void *hdr;

	mutex_lock(&como_lock);
	list_for_each_entry(m, &como_modules, node) {
		if (idx < cb->args[0]) {
			idx++;
			continue;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &como_family, NLM_F_MULTI,
				  COMO_CMD_GET_MODULES);
		if (!hdr)
			break;
		if (put_module(skb, m, true)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = ++idx;
	}
	mutex_unlock(&como_lock);
	/* a module that does not fit an empty message would end the dump */
	return skb->len ?: (idx < como_nmodules ? -EMSGSIZE : 0);
}

static int como_register_module(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COMO_MOD_A_MAX + 1], *nest = info->attrs[COMO_A_MODULE];
	struct netlink_ext_ack *extack = info->extack;
	static const int required[] = {
		COMO_MOD_A_NAME, COMO_MOD_A_SLOT, COMO_MOD_A_INTERVAL_NS,
		COMO_MOD_A_OBJECTS,
	};
	struct como_module *m, *other;
	struct como_stats st;
	unsigned int i, at;
	u64 now;
	int err;

	if (!parse_nested(info, COMO_A_MODULE, COMO_MOD_A_MAX, mod_policy, tb))
		return -EINVAL;
	err = only_these(info, tb, register_attrs, ARRAY_SIZE(register_attrs));
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(required); i++) {
		if (!tb[required[i]]) {
			NL_SET_ERR_ATTR_MISS(extack, nest, required[i]);
			NL_SET_ERR_MSG(extack, "a module needs a name, a slot, an "
				       "interval and its objects");
			return -EINVAL;
		}
	}
	/*
	 * The registry's names are the data directory's: whoever registers,
	 * they follow the one rule (include/como/name.h) comod follows.
	 */
	if (como_name_fault(nla_data(tb[COMO_MOD_A_NAME]), &at) != COMO_NAME_OK) {
		NL_SET_ERR_MSG_ATTR(extack, tb[COMO_MOD_A_NAME],
				    "not an instance name: " COMO_NAME_RULE);
		return -EINVAL;
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	strscpy(m->name, nla_data(tb[COMO_MOD_A_NAME]), sizeof(m->name));
	m->slot = nla_get_u32(tb[COMO_MOD_A_SLOT]);
	m->interval_ns = nla_get_u64(tb[COMO_MOD_A_INTERVAL_NS]);
	m->priority = tb[COMO_MOD_A_PRIORITY] ?
		      nla_get_u32(tb[COMO_MOD_A_PRIORITY]) : 0;
	m->min_sampling = tb[COMO_MOD_A_MIN_SAMPLING] ?
			  nla_get_u32(tb[COMO_MOD_A_MIN_SAMPLING]) : 1;
	m->sampling = tb[COMO_MOD_A_SAMPLING] ?
		      nla_get_u32(tb[COMO_MOD_A_SAMPLING]) : 0;
	if (m->sampling > m->min_sampling) {
		NL_SET_ERR_MSG_ATTR(extack, tb[COMO_MOD_A_SAMPLING],
				    "the module accepts no lower sampling rate");
		err = -ERANGE;
		goto err_free;
	}
	now = ktime_get_real_ns();
	m->epoch_start_ns = tb[COMO_MOD_A_EPOCH_START_NS] ?
			    nla_get_u64(tb[COMO_MOD_A_EPOCH_START_NS]) :
			    now - now % m->interval_ns;
	if (m->epoch_start_ns > now) {
		NL_SET_ERR_MSG_ATTR(extack, tb[COMO_MOD_A_EPOCH_START_NS],
				    "the open epoch cannot start in the future");
		err = -EINVAL;
		goto err_free;
	}
	err = objs_take(&m->objs, tb[COMO_MOD_A_OBJECTS], extack);
	if (err)
		goto err_free;

	mutex_lock(&como_lock);
	err = -ENOENT;
	if (!como_cap) {
		NL_SET_ERR_MSG(extack, "no capture is held: SET_CAPTURE first");
		goto err_unlock;
	}
	err = -EINVAL;
	if (m->slot >= como_cap->ctl->max_entries) {
		NL_SET_ERR_MSG_ATTR(extack, tb[COMO_MOD_A_SLOT],
				    "the slot is beyond the control map");
		goto err_unlock;
	}
	err = -EEXIST;
	list_for_each_entry(other, &como_modules, node) {
		if (!strcmp(other->name, m->name)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[COMO_MOD_A_NAME],
					    "a module by that name is registered");
			goto err_unlock;
		}
		if (other->slot == m->slot) {
			NL_SET_ERR_MSG_ATTR(extack, tb[COMO_MOD_A_SLOT],
					    "a registered module has that slot");
			goto err_unlock;
		}
	}
	/* the guard weighs what it costs from now on */
	if (!como_module_stats(m, &st))
		m->run_ns_seen = st.run_ns;
	if (m->sampling) {
		WRITE_ONCE(como_ctl_of(m->slot)->sampling, m->sampling);
		como_ctl_sampled_mark(como_ctl_of(m->slot));
	}
	list_add_tail(&m->node, &como_modules);
	como_nmodules++;
	mutex_unlock(&como_lock);
	return 0;

err_unlock:
	mutex_unlock(&como_lock);
	como_objs_release(&m->objs);
err_free:
	kfree(m);
	return err;
}

/*
 * The reply is the module as it was last: a closed epoch not yet drained
 * is comod's to drain now that the clock no longer runs the module.
 */
static int como_unregister_module(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COMO_MOD_A_MAX + 1];
	struct como_module *m;
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = reply_new(info, 2048, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&como_lock);
	m = module_of(info, tb);
	if (IS_ERR(m)) {
		err = PTR_ERR(m);
		goto err_unlock;
	}
	err = put_module(msg, m, false);
	if (err)
		goto err_unlock;
	list_del(&m->node);
	como_nmodules--;
	mutex_unlock(&como_lock);
	como_module_free(m);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_unlock:
	mutex_unlock(&como_lock);
	nlmsg_free(msg);
	return err;
}

static int como_set_module(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COMO_MOD_A_MAX + 1];
	struct como_module *m;
	struct como_ctl *ctl;
	int err = 0;

	mutex_lock(&como_lock);
	m = module_of(info, tb);
	if (IS_ERR(m)) {
		err = PTR_ERR(m);
		goto out;
	}
	ctl = como_ctl_of(m->slot);
	if (!ctl) {
		NL_SET_ERR_MSG(info->extack, "the module has no control slot");
		err = -ENOENT;
		goto out;
	}
	err = only_these(info, tb, set_module_attrs, ARRAY_SIZE(set_module_attrs));
	if (err)
		goto out;
	/* a module's results hold only down to the rate it accepts */
	if (tb[COMO_MOD_A_SAMPLING] &&
	    nla_get_u32(tb[COMO_MOD_A_SAMPLING]) > m->min_sampling) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[COMO_MOD_A_SAMPLING],
				    "the module accepts no lower sampling rate");
		err = -ERANGE;
		goto out;
	}
	if (tb[COMO_MOD_A_SAMPLING])
		WRITE_ONCE(ctl->sampling, nla_get_u32(tb[COMO_MOD_A_SAMPLING]));
	if (tb[COMO_MOD_A_PRIORITY])
		m->priority = nla_get_u32(tb[COMO_MOD_A_PRIORITY]);
	if (tb[COMO_MOD_A_ENABLED]) {
		WRITE_ONCE(ctl->enabled, nla_get_u8(tb[COMO_MOD_A_ENABLED]));
		m->stopped_by_guard = false;
	}
	if (tb[COMO_MOD_A_SAMPLING] || tb[COMO_MOD_A_ENABLED])
		como_ctl_sampled_mark(ctl);
out:
	mutex_unlock(&como_lock);
	return err;
}

static int como_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = reply_new(info, NLMSG_GOODSIZE, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&como_lock);
	err = put_config(msg) ||
	      nla_put_string(msg, COMO_A_TRANSPORT, "como.ko") ? -EMSGSIZE : 0;
	mutex_unlock(&como_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int como_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COMO_CFG_A_MAX + 1];
	bool kick = false;

	if (!parse_nested(info, COMO_A_CONFIG, COMO_CFG_A_MAX, cfg_policy, tb))
		return -EINVAL;
	mutex_lock(&como_lock);
	if (tb[COMO_CFG_A_TICK_NS]) {
		WRITE_ONCE(como_cfg.tick_ns, nla_get_u64(tb[COMO_CFG_A_TICK_NS]));
		kick = true;
	}
	if (tb[COMO_CFG_A_CPU_BUDGET_PM])
		WRITE_ONCE(como_cfg.cpu_budget_pm,
			   nla_get_u32(tb[COMO_CFG_A_CPU_BUDGET_PM]));
	mutex_unlock(&como_lock);
	if (kick)
		como_clock_kick();
	return 0;
}

static bool map_is(const struct bpf_map *map, u32 type, u32 value_size)
{
	return map->map_type == type && map->value_size == value_size &&
	       map->key_size == sizeof(u32);
}

/*
 * The control map's values are written in place, word by word: a plain
 * array in host memory (one offloaded to a device has no lookup), mapped
 * by comod, with nothing in its values the kernel manages itself.
 */
static bool ctl_map_ok(const struct bpf_map *map)
{
	return map_is(map, BPF_MAP_TYPE_ARRAY, sizeof(struct como_ctl)) &&
	       map->ops->map_lookup_elem && map->ops->map_mmap &&
	       (map->map_flags & BPF_F_MMAPABLE) &&
	       !map_value_has_spin_lock(map) && !map_value_has_timer(map) &&
	       !map_value_has_kptrs(map);
}

static int como_set_capture(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COMO_CAP_A_MAX + 1], *nest = info->attrs[COMO_A_CAPTURE];
	struct netlink_ext_ack *extack = info->extack;
	struct como_capture *cap, *old;
	struct como_obj *o;
	int err;

	if (!parse_nested(info, COMO_A_CAPTURE, COMO_CAP_A_MAX, cap_policy, tb))
		return -EINVAL;
	if (!tb[COMO_CAP_A_DATADIR] || !tb[COMO_CAP_A_OBJECTS]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, tb[COMO_CAP_A_DATADIR] ?
				     COMO_CAP_A_OBJECTS : COMO_CAP_A_DATADIR);
		NL_SET_ERR_MSG(extack, "a capture needs its data directory and "
			       "its objects");
		return -EINVAL;
	}
	cap = kzalloc(sizeof(*cap), GFP_KERNEL);
	if (!cap)
		return -ENOMEM;
	cap->datadir = nla_strdup(tb[COMO_CAP_A_DATADIR], GFP_KERNEL);
	cap->description = tb[COMO_CAP_A_DESCRIPTION] ?
			   nla_strdup(tb[COMO_CAP_A_DESCRIPTION], GFP_KERNEL) :
			   kstrdup("", GFP_KERNEL);
	err = -ENOMEM;
	if (!cap->datadir || !cap->description)
		goto err_free;
	err = objs_take(&cap->objs, tb[COMO_CAP_A_OBJECTS], extack);
	if (err)
		goto err_free;
	err = -EINVAL;
	o = como_objs_find(&cap->objs, COMO_OBJ_CTL);
	if (!o || o->kind != COMO_OBJ_MAP || !ctl_map_ok(o->map)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[COMO_CAP_A_OBJECTS],
				    "no control map (" COMO_OBJ_CTL ": a mmapable array of como_ctl)");
		goto err_free;
	}
	cap->ctl = o->map;
	o = como_objs_find(&cap->objs, COMO_OBJ_STATS);
	if (o) {
		if (o->kind != COMO_OBJ_MAP ||
		    !map_is(o->map, BPF_MAP_TYPE_PERCPU_ARRAY,
			    sizeof(struct como_stats))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[COMO_CAP_A_OBJECTS],
					    COMO_OBJ_STATS " is not a per-CPU array "
					    "of como_stats");
			goto err_free;
		}
		cap->stats = o->map;
	}

	mutex_lock(&como_lock);
	old = como_cap;
	if (old && como_nmodules && old->ctl != cap->ctl) {
		mutex_unlock(&como_lock);
		NL_SET_ERR_MSG(extack, "modules are registered against another "
			       "control map: unregister them first");
		err = -EBUSY;
		goto err_free;
	}
	como_cap = cap;
	mutex_unlock(&como_lock);
	como_capture_free(old);
	return 0;

err_free:
	como_capture_free(cap);
	return err;
}

static int como_get_capture(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	size_t size;
	void *hdr;
	int err = -EMSGSIZE;

	mutex_lock(&como_lock);
	if (!como_cap) {
		mutex_unlock(&como_lock);
		NL_SET_ERR_MSG(info->extack, "no capture is held");
		return -ENOENT;
	}
	size = strlen(como_cap->description) + strlen(como_cap->datadir) +
	       como_cap->objs.n * (COMO_OBJ_NAME_MAX + 32) + 256;
	msg = reply_new(info, size, &hdr);
	if (!msg) {
		mutex_unlock(&como_lock);
		return -ENOMEM;
	}
	nest = nla_nest_start(msg, COMO_A_CAPTURE);
	if (!nest || nla_put_string(msg, COMO_CAP_A_DATADIR, como_cap->datadir) ||
	    nla_put_string(msg, COMO_CAP_A_DESCRIPTION, como_cap->description) ||
	    put_objs(msg, COMO_CAP_A_OBJECTS, &como_cap->objs))
		goto err_unlock;
	nla_nest_end(msg, nest);
	mutex_unlock(&como_lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_unlock:
	mutex_unlock(&como_lock);
	nlmsg_free(msg);
	return err;
}

static int como_del_capture(struct sk_buff *skb, struct genl_info *info)
{
	mutex_lock(&como_lock);
	if (!como_cap) {
		mutex_unlock(&como_lock);
		NL_SET_ERR_MSG(info->extack, "no capture is held");
		return -ENOENT;
	}
	como_registry_clear();
	mutex_unlock(&como_lock);
	return 0;
}

static int como_epoch_drained(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[COMO_MOD_A_MAX + 1];
	struct como_module *m;
	int err = 0;

	mutex_lock(&como_lock);
	m = module_of(info, tb);
	if (IS_ERR(m)) {
		err = PTR_ERR(m);
		goto out;
	}
	err = only_these(info, tb, drained_attrs, ARRAY_SIZE(drained_attrs));
	if (err)
		goto out;
	if (!tb[COMO_MOD_A_EPOCH]) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[COMO_A_MODULE],
				     COMO_MOD_A_EPOCH);
		NL_SET_ERR_MSG(info->extack, "which epoch was drained?");
		err = -EINVAL;
		goto out;
	}
	if (!m->closed || m->closed_epoch != nla_get_u64(tb[COMO_MOD_A_EPOCH])) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[COMO_MOD_A_EPOCH],
				    "that epoch is not the one waiting to be drained");
		err = -ESTALE;
		goto out;
	}
	m->closed = false;
	m->announced = false;
out:
	mutex_unlock(&como_lock);
	return err;
}

/* Loading is comod's: it has the module's code and its user side. */
static int como_not_here(struct sk_buff *skb, struct genl_info *info)
{
	NL_SET_ERR_MSG(info->extack, "como.ko does not load modules: ask comod "
		       "(como module load)");
	return -EOPNOTSUPP;
}

static const struct genl_small_ops como_ops[] = {
	{ .cmd = COMO_CMD_GET_STATUS, .doit = como_get_status },
	{ .cmd = COMO_CMD_GET_MODULES, .doit = como_get_modules,
	  .dumpit = como_dump_modules },
	{ .cmd = COMO_CMD_GET_CONFIG, .doit = como_get_config },
	{ .cmd = COMO_CMD_GET_CAPTURE, .doit = como_get_capture },
	{ .cmd = COMO_CMD_LOAD_MODULE, .doit = como_not_here,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = COMO_CMD_UNLOAD_MODULE, .doit = como_not_here,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = COMO_CMD_REGISTER_MODULE, .doit = como_register_module,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = COMO_CMD_UNREGISTER_MODULE, .doit = como_unregister_module,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = COMO_CMD_SET_MODULE, .doit = como_set_module,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = COMO_CMD_SET_CONFIG, .doit = como_set_config,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = COMO_CMD_SET_CAPTURE, .doit = como_set_capture,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = COMO_CMD_DEL_CAPTURE, .doit = como_del_capture,
	  .flags = GENL_ADMIN_PERM },
	{ .cmd = COMO_CMD_EPOCH_DRAINED, .doit = como_epoch_drained,
	  .flags = GENL_ADMIN_PERM },
};

static struct genl_family como_family __ro_after_init = {
	.name = COMO_GENL_NAME,
	.version = COMO_GENL_VERSION,
	.maxattr = COMO_A_MAX,
	.policy = como_policy,
	/* comod may run in a network namespace; writes need init's admin */
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = como_ops,
	.n_small_ops = ARRAY_SIZE(como_ops),
	.mcgrps = como_mcgrps,
	.n_mcgrps = ARRAY_SIZE(como_mcgrps),
};

int como_genl_register(void)
{
	int err = genl_register_family(&como_family);

	/* events go out on the family's group from now on */
	if (!err)
		como_events_init(&como_family);
	return err;
}

void como_genl_unregister(void)
{
	como_events_init(NULL);
	genl_unregister_family(&como_family);
}
