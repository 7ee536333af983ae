/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _COMO_CLI_CTL_H
#define _COMO_CLI_CTL_H

#include <linux/types.h>
#include <netlink/msg.h>

const char *ctl_socket_path(const char *opt);
struct nl_msg *ctl_request_new(__u8 cmd);
/*
 * Sends REQ, parses the reply into TB (COMO_A_*); *keep holds the reply
 * buffer TB points into, for the caller to free. Errors are printed.
 */
int ctl_call(const char *path, struct nl_msg *req, struct nlattr **tb,
	     void **keep);

#endif
