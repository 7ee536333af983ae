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
 *
 * Events on comod's socket: a request whose cmd is an event's
 * (COMO_CMD_EVENT_*, any of them) with NLM_F_REQUEST is a subscription.
 * comod acks it (NLMSG_ERROR, error 0) and keeps the connection: every
 * event from then on arrives on it as one message, the same message as on
 * como.ko's COMO_MCGRP_EVENTS group. A subscriber that cannot take an
 * event at once is dropped (its connection closed); comod serves a few
 * subscribers at a time and refuses more with -EBUSY.
 */
#ifndef _UAPI_LINUX_COMO_H
#define _UAPI_LINUX_COMO_H

#define COMO_GENL_NAME		"como"
#define COMO_GENL_VERSION	1
/* the family id on comod's local socket, where nothing resolves names */
#define COMO_LOCAL_FAMILY	0x20
/* the multicast group of events (COMO_CMD_EVENT_*) */
#define COMO_MCGRP_EVENTS	"events"

/*
 * Who may do what: GET_* and events are open to everyone; every other
 * command needs CAP_NET_ADMIN (como.ko: GENL_ADMIN_PERM).
 *
 * comod hands como.ko the objects of its capture (COMO_CMD_SET_CAPTURE:
 * the dispatcher, the shared maps, the XDP links, the filter stages) and
 * registers each module (COMO_CMD_REGISTER_MODULE: its program and state
 * maps). como.ko holds a reference to each, so the capture goes on when
 * comod dies, and a new comod takes them back by id (COMO_CMD_GET_CAPTURE
 * returns COMO_OBJ_A_ID for each). While a module is registered its epochs
 * are flipped by como.ko's flush clock: it writes como_ctl[slot].half and
 * .epoch, waits for an RCU grace period, and announces the closed epoch
 * (COMO_CMD_EVENT_EPOCH_CLOSED; also COMO_MOD_A_CLOSED_* in GET_MODULES).
 * A closed half is flipped back into use only after comod has drained it
 * and said so (COMO_CMD_EPOCH_DRAINED); until then the open epoch simply
 * lasts longer, so an absent comod stretches epochs and loses nothing.
 */

enum como_cmd {
	COMO_CMD_UNSPEC,
	COMO_CMD_GET_STATUS,		/* -> COMO_A_* of the monitor */
	COMO_CMD_GET_MODULES,		/* -> COMO_A_MODULE, one per module */
	COMO_CMD_LOAD_MODULE,		/* COMO_A_MODULE: SOURCE [NAME ARGS FILTER] */
	COMO_CMD_UNLOAD_MODULE,		/* COMO_A_MODULE: NAME */
	COMO_CMD_REGISTER_MODULE,	/* COMO_A_MODULE: NAME SLOT INTERVAL_NS
					 * OBJECTS [EPOCH_START_NS PRIORITY
					 * MIN_SAMPLING SAMPLING]; the epoch is
					 * como_ctl[SLOT]'s */
	COMO_CMD_UNREGISTER_MODULE,	/* COMO_A_MODULE: NAME -> the module as
					 * it was, CLOSED_* included */
	COMO_CMD_SET_MODULE,		/* COMO_A_MODULE: NAME and any of
					 * SAMPLING PRIORITY ENABLED */
	COMO_CMD_GET_CONFIG,		/* -> COMO_A_CONFIG */
	COMO_CMD_SET_CONFIG,		/* COMO_A_CONFIG: any of its attributes */
	COMO_CMD_SET_CAPTURE,		/* COMO_A_CAPTURE: DATADIR DESCRIPTION
					 * OBJECTS; replaces the one held */
	COMO_CMD_GET_CAPTURE,		/* -> COMO_A_CAPTURE, objects by id */
	COMO_CMD_DEL_CAPTURE,		/* releases the capture and modules */
	COMO_CMD_EPOCH_DRAINED,		/* COMO_A_MODULE: NAME EPOCH */
	/* events, multicast on COMO_MCGRP_EVENTS */
	COMO_CMD_EVENT_EPOCH_CLOSED,	/* COMO_A_MODULE: NAME EPOCH
					 * CLOSED_START_NS CLOSED_END_NS */
	COMO_CMD_EVENT_MODULE_SAMPLED,	/* COMO_A_MODULE: NAME SAMPLING COST */
	COMO_CMD_EVENT_MODULE_STOPPED,	/* COMO_A_MODULE: NAME (and why:
					 * COMO_A_REASON) */
	COMO_CMD_EVENT_OVERLOAD,	/* COMO_A_OVERLOAD 1 begun, 0 ended;
					 * COMO_A_LOAD_PM */
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
	COMO_A_CONFIG,			/* nested, COMO_CFG_A_* */
	COMO_A_CAPTURE,			/* nested, COMO_CAP_A_* */
	COMO_A_TRANSPORT,		/* string: "como.ko" or "comod" */
	COMO_A_OVERLOAD,		/* u32: 1 over the CPU budget, 0 not */
	COMO_A_LOAD_PM,			/* u32: CPU used by modules, 1/1000 of
					 * one CPU, over the last tick */
	COMO_A_REASON,			/* string */
	COMO_A_EPOCHS,			/* u64: epochs closed by the clock */
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
	COMO_MOD_A_PRIORITY,		/* u32: higher is shed last */
	COMO_MOD_A_MIN_SAMPLING,	/* u32: the lowest rate it accepts, as
					 * 1 in N: the largest N (1: never) */
	COMO_MOD_A_SAMPLING,		/* u32: 1 in N, now */
	COMO_MOD_A_ENABLED,		/* u8: 0 stops its update() */
	COMO_MOD_A_INTERVAL_NS,		/* u64: its flush interval */
	COMO_MOD_A_EPOCH_START_NS,	/* u64: wall clock, the open epoch */
	COMO_MOD_A_CLOSED_START_NS,	/* u64: a closed epoch not yet drained */
	COMO_MOD_A_CLOSED_END_NS,	/* u64 */
	COMO_MOD_A_OBJECTS,		/* nested: COMO_A_OBJECT... */
	COMO_MOD_A_COST_NS,		/* u64: ns of CPU in its program, all */
	COMO_MOD_A_RUNS,		/* u64: runs of its program, all */
	COMO_MOD_A_CLOSED_EPOCH,	/* u64: number of that closed epoch */
	COMO_MOD_A_REASON,		/* string: why it is stopped, with
					 * COMO_MOD_STATE_STOPPED */
	COMO_MOD_A_LOST_EPOCHS,		/* u64: closed and not stored, since
					 * it stopped */
	__COMO_MOD_A_MAX,
};
#define COMO_MOD_A_MAX (__COMO_MOD_A_MAX - 1)

/* COMO_A_CONFIG */
enum como_cfg_attr {
	COMO_CFG_A_UNSPEC,
	COMO_CFG_A_PAD,
	COMO_CFG_A_TICK_NS,		/* u64: how often the clock looks at
					 * epochs and the guard at costs */
	COMO_CFG_A_CPU_BUDGET_PM,	/* u32: modules' CPU budget, 1/1000 of
					 * one CPU; 0 means no budget */
	__COMO_CFG_A_MAX,
};
#define COMO_CFG_A_MAX (__COMO_CFG_A_MAX - 1)

/* COMO_A_CAPTURE */
enum como_cap_attr {
	COMO_CAP_A_UNSPEC,
	COMO_CAP_A_DATADIR,		/* string: whose capture this is */
	COMO_CAP_A_DESCRIPTION,		/* string: comod's own (JSON), opaque */
	COMO_CAP_A_OBJECTS,		/* nested: COMO_A_OBJECT... */
	__COMO_CAP_A_MAX,
};
#define COMO_CAP_A_MAX (__COMO_CAP_A_MAX - 1)

/* COMO_MOD_A_OBJECTS and COMO_CAP_A_OBJECTS hold COMO_A_OBJECT nests */
#define COMO_A_OBJECT		1
enum como_obj_attr {
	COMO_OBJ_A_UNSPEC,
	COMO_OBJ_A_NAME,		/* string, unique in its list */
	COMO_OBJ_A_KIND,		/* u32: enum como_obj_kind */
	COMO_OBJ_A_FD,			/* s32: in requests */
	COMO_OBJ_A_ID,			/* u32: in replies */
	COMO_OBJ_A_PROG_TYPE,		/* u32: enum bpf_prog_type, for PROG */
	__COMO_OBJ_A_MAX,
};
#define COMO_OBJ_A_MAX (__COMO_OBJ_A_MAX - 1)

/*
 * The limits of the attributes, the same on both transports: como.ko's
 * policy (kernel/netlink.c) and user space's (user/lib/ctl_policy.c) are
 * written from these, and a value beyond them is refused. A string's limit
 * is the size of the buffer that holds it, its NUL included.
 */
#define COMO_NAME_MAX		128	/* COMO_MOD_A_NAME */
#define COMO_PATH_MAX		4096	/* MOD_A_SOURCE, CAP_A_DATADIR: PATH_MAX */
#define COMO_ARGS_MAX		1024	/* COMO_MOD_A_ARGS */
#define COMO_FILTER_MAX		4096	/* COMO_MOD_A_FILTER */
#define COMO_DESC_MAX		65001	/* COMO_CAP_A_DESCRIPTION; a netlink
					 * attribute holds at most 65531 bytes */
#define COMO_OBJ_NAME_MAX	64	/* COMO_OBJ_A_NAME */
#define COMO_OBJS_MAX		256	/* COMO_A_OBJECTs in one list */
#define COMO_PRIORITY_MAX	1000	/* COMO_MOD_A_PRIORITY */
/* COMO_MOD_A_SAMPLING and MIN_SAMPLING: 1 in N, for N in [1, this] */
#define COMO_SAMPLING_MAX	(1U << 20)
/* COMO_MOD_A_INTERVAL_NS: from 1 ms to one day */
#define COMO_INTERVAL_MIN_NS	1000000ULL
#define COMO_INTERVAL_MAX_NS	86400000000000ULL
/* COMO_CFG_A_TICK_NS: from 1 ms to 10 s */
#define COMO_TICK_MIN_NS	1000000ULL
#define COMO_TICK_MAX_NS	10000000000ULL
/* COMO_CFG_A_CPU_BUDGET_PM: 1024 CPUs' worth at most */
#define COMO_CPU_BUDGET_MAX_PM	(1000U * 1024)

enum como_obj_kind {
	COMO_OBJ_PROG = 1,
	COMO_OBJ_MAP,
	COMO_OBJ_LINK,
};

/*
 * Objects como.ko looks for by name in a capture: the control map whose
 * como_ctl[slot] it writes (required), and the per-CPU statistics whose
 * como_stats[1 + slot].run_ns the overload guard weighs.
 */
#define COMO_OBJ_CTL		"como_ctl"
#define COMO_OBJ_STATS		"como_stats"

enum como_mod_state {
	COMO_MOD_STATE_UNSPEC,
	COMO_MOD_STATE_RUNNING,
	COMO_MOD_STATE_STOPPED,
};

#endif /* _UAPI_LINUX_COMO_H */
