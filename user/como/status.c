// SPDX-License-Identifier: BSD-3-Clause
/*
 * como status: what a running monitor reads and has seen. The request and
 * its JSON are comoctl status's (ctl_requests.c); the text is como's own.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include "como.h"
#include "ctl_requests.h"
#include "log.h"

static const char *const status_text[CTL_ST_MAX] = {
	[CTL_ST_SOURCE_KIND] = "source   %s",
	[CTL_ST_SOURCE] = " %s\n",
	[CTL_ST_DATADIR] = "datadir  %s\n",
	[CTL_ST_PKTS] = "packets  %llu\n",
	[CTL_ST_BYTES] = "bytes    %llu\n",
	[CTL_ST_UPTIME_S] = "uptime   %.1f s\n",
};

int cmd_status(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *sock = NULL;
	struct ctl_status st;
	struct ctl_conn conn;
	struct como_out o;
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
	if (ctl_comod_connect(&conn, ctl_socket_path(sock)))
		return 1;
	err = ctl_get_status(&conn, &st);
	ctl_disconnect(&conn);
	if (err) {
		pr_err("%s", conn.why);
		return 1;
	}
	out_begin(&o, json ? OUT_JSON : OUT_PLAIN, stdout, NULL);
	ctl_status_print(&o, &st, status_text);
	out_end(&o);
	ctl_status_free(&st);
	return 0;
}
