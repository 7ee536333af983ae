/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The como control protocol: generic netlink messages. como.ko speaks them
 * as the generic netlink family "como"; comod speaks the same messages on
 * its local socket (SOCK_SEQPACKET, one request and one reply per
 * connection), so one client (como, comoctl) serves both transports.
 *
 * A request is a genlmsghdr with cmd and attributes; the reply is the
 * same command with attributes, or NLMSG_ERROR with a negative errno and,
 * as extended ack, NLMSGERR_ATTR_MSG saying why.
 */
#ifndef _UAPI_LINUX_COMO_H
#define _UAPI_LINUX_COMO_H

#define COMO_GENL_NAME		"como"
#define COMO_GENL_VERSION	1
/* the family id on comod's local socket, where nothing resolves names */
#define COMO_LOCAL_FAMILY	0x20

enum como_cmd {
	COMO_CMD_UNSPEC,
	COMO_CMD_GET_STATUS,		/* -> COMO_A_* of the monitor */
	COMO_CMD_GET_MODULES,		/* -> COMO_A_MODULE, one per module */
	COMO_CMD_LOAD_MODULE,		/* COMO_A_MODULE: SOURCE [NAME ARGS FILTER] */
	COMO_CMD_UNLOAD_MODULE,		/* COMO_A_MODULE: NAME */
	__COMO_CMD_MAX,
};
#define COMO_CMD_MAX (__COMO_CMD_MAX - 1)

enum como_attr {
	COMO_A_UNSPEC,
	COMO_A_PAD,
	COMO_A_MODULE,			/* nested, COMO_MOD_A_* */
	COMO_A_SOURCE_KIND,		/* string: "live", "trace" */
	COMO_A_SOURCE,			/* string: interfaces or trace path */
	COMO_A_DATADIR,			/* string */
	COMO_A_PKTS,			/* u64: seen by the dispatcher */
	COMO_A_BYTES,			/* u64 */
	COMO_A_UPTIME_NS,		/* u64 */
	__COMO_A_MAX,
};
#define COMO_A_MAX (__COMO_A_MAX - 1)

enum como_mod_attr {
	COMO_MOD_A_UNSPEC,
	COMO_MOD_A_PAD,
	COMO_MOD_A_NAME,		/* string: instance name */
	COMO_MOD_A_SOURCE,		/* string: module name or .so path */
	COMO_MOD_A_ARGS,		/* string: "k=10 interval=5s" */
	COMO_MOD_A_FILTER,		/* string: tcpdump expression */
	COMO_MOD_A_SLOT,		/* u32 */
	COMO_MOD_A_STATE,		/* u32: enum como_mod_state */
	COMO_MOD_A_EPOCH,		/* u64 */
	COMO_MOD_A_PKTS,		/* u64: matched its filter */
	COMO_MOD_A_BYTES,		/* u64 */
	COMO_MOD_A_UPDATES,		/* u64: handed to update() */
	COMO_MOD_A_ERRORS,		/* u64: update() failed */
	COMO_MOD_A_RECORDS,		/* u64: stored */
	__COMO_MOD_A_MAX,
};
#define COMO_MOD_A_MAX (__COMO_MOD_A_MAX - 1)

enum como_mod_state {
	COMO_MOD_STATE_UNSPEC,
	COMO_MOD_STATE_RUNNING,
	COMO_MOD_STATE_STOPPED,
};

#endif /* _UAPI_LINUX_COMO_H */
