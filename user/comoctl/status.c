// SPDX-License-Identifier: BSD-3-Clause
/* comoctl status: what the monitor reads and has seen (GET_STATUS). */
#include <stdio.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include "comoctl.h"

static const struct {
	int attr;
	const char *key;
	bool str;
} status_fields[] = {
	{ COMO_A_SOURCE_KIND, "source", true },
	{ COMO_A_SOURCE, "from", true },
	{ COMO_A_DATADIR, "datadir", true },
	{ COMO_A_PKTS, "pkts", false },
	{ COMO_A_BYTES, "bytes", false },
	{ COMO_A_UPTIME_NS, "uptime_ns", false },
	{ COMO_A_EPOCHS, "epochs", false },
};

int do_status(struct comoctl *ctl, int argc, char **argv)
{
	struct json_object *o;
	struct ctl_reply r;
	struct nl_msg *req;
	struct nlattr *a;
	unsigned int i;
	char buf[64];
	int err;

	(void)argv;
	if (argc)
		return usage_error("status takes no arguments");
	err = request_new(ctl, COMO_CMD_GET_STATUS, &req) ?:
	      request(ctl, "status", req, &r);
	if (err)
		return err;
	o = out_begin(ctl);
	for (i = 0; i < sizeof(status_fields) / sizeof(status_fields[0]); i++) {
		a = r.tb[status_fields[i].attr];
		if (!a)
			continue;
		if (status_fields[i].str) {
			out_str(ctl, o, status_fields[i].key, nla_get_string(a));
			continue;
		}
		if (status_fields[i].attr == COMO_A_UPTIME_NS)
			fmt_duration(buf, sizeof(buf), nla_get_u64(a) -
				     nla_get_u64(a) % 1000000ULL);
		out_u64(ctl, o, status_fields[i].key, nla_get_u64(a),
			status_fields[i].attr == COMO_A_UPTIME_NS ? buf : NULL);
	}
	/* the overload guard's, from como.ko */
	if (r.tb[COMO_A_OVERLOAD])
		out_u64(ctl, o, "overload", nla_get_u32(r.tb[COMO_A_OVERLOAD]),
			nla_get_u32(r.tb[COMO_A_OVERLOAD]) ? "yes" : "no");
	if (r.tb[COMO_A_LOAD_PM]) {
		snprintf(buf, sizeof(buf), "%.1f%%",
			 nla_get_u32(r.tb[COMO_A_LOAD_PM]) / 10.0);
		out_u64(ctl, o, "load_pm", nla_get_u32(r.tb[COMO_A_LOAD_PM]),
			buf);
	}
	out_end(ctl, o);
	ctl_reply_free(&r);
	return EXIT_OK;
}
