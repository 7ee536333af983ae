// SPDX-License-Identifier: BSD-3-Clause
/*
 * comoctl status: what the monitor reads and has seen (GET_STATUS), the
 * request and its JSON shared with como status (ctl_requests.c); the text
 * here is "label value" lines.
 */
#include <stdio.h>
#include "comoctl.h"
#include "ctl_requests.h"

static const char *const status_text[CTL_ST_MAX] = {
	[CTL_ST_SOURCE_KIND] = "source         %s\n",
	[CTL_ST_SOURCE] = "from           %s\n",
	[CTL_ST_DATADIR] = "datadir        %s\n",
	[CTL_ST_PKTS] = "pkts           %llu\n",
	[CTL_ST_BYTES] = "bytes          %llu\n",
	[CTL_ST_UPTIME] = "uptime         %s\n",
	[CTL_ST_EPOCHS] = "epochs         %llu\n",
	[CTL_ST_OVERLOAD] = "overload       %s\n",
	[CTL_ST_LOAD] = "load_pm        %s\n",
};

int do_status(struct comoctl *ctl, int argc, char **argv)
{
	struct ctl_status st;
	struct como_out o;
	int err;

	(void)argv;
	if (argc)
		return usage_error("status takes no arguments");
	err = transport(ctl);
	if (err)
		return err;
	err = ctl_get_status(&ctl->conn, &st);
	if (err)
		return refused(ctl, "status", err);
	reply_begin(ctl, &o);
	ctl_status_print(&o, &st, status_text);
	out_end(&o);
	ctl_status_free(&st);
	return EXIT_OK;
}
