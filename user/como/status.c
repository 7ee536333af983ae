// SPDX-License-Identifier: BSD-3-Clause
/* como status: what a running monitor reads and has seen. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>
#include "jsonutil.h"
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include "como.h"
#include "ctl_client.h"

static const char *s_or(struct nlattr **tb, int t)
{
	return tb[t] ? nla_get_string(tb[t]) : "";
}

static unsigned long long u_or(struct nlattr **tb, int t)
{
	return tb[t] ? nla_get_u64(tb[t]) : 0;
}

int cmd_status(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct nlattr *tb[COMO_A_MAX + 1];
	const char *sock = NULL;
	struct nl_msg *req;
	struct json_object *j;
	void *keep = NULL;
	bool json = false;
	int c, err;

	while ((c = getopt_long(argc, argv, "js:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 's': sock = optarg; break;
		case 'h':
			printf("usage: como status [-j] [-s SOCKET]\n");
			return 0;
		default:
			fprintf(stderr, "usage: como status [-j] [-s SOCKET]\n");
			return 2;
		}
	}
	req = ctl_request_new(COMO_CMD_GET_STATUS);
	err = req ? ctl_call(ctl_socket_path(sock), req, tb, &keep) : -1;
	nlmsg_free(req);
	if (err)
		return 1;
	if (json) {
		j = json_object_new_object();
		json_add_str(j, "source", s_or(tb, COMO_A_SOURCE_KIND));
		json_add_str(j, "from", s_or(tb, COMO_A_SOURCE));
		json_add_str(j, "datadir", s_or(tb, COMO_A_DATADIR));
		json_add_u64(j, "pkts", u_or(tb, COMO_A_PKTS));
		json_add_u64(j, "bytes", u_or(tb, COMO_A_BYTES));
		json_object_object_add(j, "uptime_s", json_object_new_double(
			u_or(tb, COMO_A_UPTIME_NS) / 1e9));
		puts(json_object_to_json_string_ext(j, JSON_PLAIN));
		json_object_put(j);
	} else {
		printf("source   %s %s\ndatadir  %s\npackets  %llu\nbytes    %llu\n"
		       "uptime   %.1f s\n", s_or(tb, COMO_A_SOURCE_KIND),
		       s_or(tb, COMO_A_SOURCE), s_or(tb, COMO_A_DATADIR),
		       u_or(tb, COMO_A_PKTS), u_or(tb, COMO_A_BYTES),
		       u_or(tb, COMO_A_UPTIME_NS) / 1e9);
	}
	free(keep);
	return 0;
}
