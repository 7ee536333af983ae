// SPDX-License-Identifier: BSD-3-Clause
/* comoctl config: the flush clock's tick and the modules' CPU budget. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include "comoctl.h"
#include "ctl_policy.h"
#include "units.h"

static void fmt_budget(char *buf, size_t size, uint32_t pm)
{
	if (!pm)
		snprintf(buf, size, "none");
	else if (pm % 10)
		snprintf(buf, size, "%u.%u%%", pm / 10, pm % 10);
	else
		snprintf(buf, size, "%u%%", pm / 10);
}

/* "20%", "0.5%" in thousandths of one CPU; "0" or "none": no budget */
static int parse_budget(const char *s, uint32_t *pm)
{
	double pct;
	char *end;

	if (!strcmp(s, "none") || !strcmp(s, "0")) {
		*pm = 0;
		return 0;
	}
	errno = 0;
	pct = strtod(s, &end);
	if (errno || end == s || strcmp(end, "%") || pct < 0 ||
	    pct * 10 > UINT32_MAX)
		return -EINVAL;
	/* in steps of a tenth of a percent, what the attribute can carry */
	if (fabs(pct * 10 - round(pct * 10)) > 1e-9)
		return -EINVAL;
	*pm = (uint32_t)round(pct * 10);
	return 0;
}

static int get(struct comoctl *ctl)
{
	struct nlattr *cfg[COMO_CFG_A_MAX + 1] = {};
	struct ctl_reply r;
	struct nl_msg *req;
	struct como_out o;
	char buf[64];
	uint64_t v;
	int err;

	err = request_new(ctl, COMO_CMD_GET_CONFIG, &req) ?:
	      request(ctl, "config get", req, &r);
	if (err)
		return err;
	if (!r.tb[COMO_A_CONFIG] ||
	    nla_parse_nested(cfg, COMO_CFG_A_MAX, r.tb[COMO_A_CONFIG],
			     ctl_cfg_policy)) {
		fprintf(stderr, "comoctl: config get: no configuration in the reply (EPROTO)\n");
		ctl_reply_free(&r);
		return EXIT_REFUSED;
	}
	reply_begin(ctl, &o);
	if (cfg[COMO_CFG_A_TICK_NS]) {
		v = nla_get_u64(cfg[COMO_CFG_A_TICK_NS]);
		fmt_duration(buf, sizeof(buf), v);
		out_u64_as(&o, "tick_ns", "tick           %s\n", v, buf);
	}
	if (cfg[COMO_CFG_A_CPU_BUDGET_PM]) {
		v = nla_get_u32(cfg[COMO_CFG_A_CPU_BUDGET_PM]);
		fmt_budget(buf, sizeof(buf), v);
		out_u64_as(&o, "cpu_budget_pm", "cpu-budget     %s\n", v, buf);
	}
	out_end(&o);
	ctl_reply_free(&r);
	return EXIT_OK;
}

static int set(struct comoctl *ctl, const char *key, const char *val)
{
	struct nlattr *nest;
	struct nl_msg *req;
	uint64_t tick = 0;
	uint32_t pm = 0;
	int err;

	if (!strcmp(key, "tick")) {
		if (parse_duration_ns(val, &tick) || !tick)
			return usage_error("config set tick: '%s' is not a duration "
					   "(100ms, 1s)", val);
	} else if (!strcmp(key, "cpu-budget")) {
		if (parse_budget(val, &pm))
			return usage_error("config set cpu-budget: '%s' is not a "
					   "percentage of one CPU in steps of 0.1%% "
					   "(20%%, 0.5%%) or none", val);
	} else {
		return usage_error("config set: unknown key '%s' (tick, cpu-budget)",
				   key);
	}
	err = request_new(ctl, COMO_CMD_SET_CONFIG, &req);
	if (err)
		return err;
	nest = nla_nest_start(req, COMO_A_CONFIG);
	if (tick)
		nla_put_u64(req, COMO_CFG_A_TICK_NS, tick);
	else
		nla_put_u32(req, COMO_CFG_A_CPU_BUDGET_PM, pm);
	nla_nest_end(req, nest);
	return change(ctl, "config set", req);
}

int do_config(struct comoctl *ctl, int argc, char **argv)
{
	const char *verb = argc ? argv[0] : "";

	if (!strcmp(verb, "get") && argc == 1)
		return get(ctl);
	if (!strcmp(verb, "set") && argc == 3)
		return set(ctl, argv[1], argv[2]);
	if (!strcmp(verb, "get") || !strcmp(verb, "set"))
		return usage_error("config %s: wrong arguments", verb);
	return usage_error("config: unknown command '%s' (get, set)", verb);
}
