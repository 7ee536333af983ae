// SPDX-License-Identifier: BSD-3-Clause
/*
 * The attributes of include/uapi/linux/como.h as user space checks them:
 * one policy per nest, for requests and replies alike, used by comod's
 * socket (ctl.c), comod's side of como.ko (kmod.c), the client
 * (ctl_client.c), como and comoctl. libnl's NLA_STRING is a string with
 * its NUL, and its maxlen counts the NUL, as the uapi's limits do.
 */
#include <linux/como.h>
#include <netlink/attr.h>
#include "ctl_policy.h"

#define STR(max)	{ .type = NLA_STRING, .maxlen = (max) }
#define U8		{ .type = NLA_U8 }
#define U32		{ .type = NLA_U32 }
#define U64		{ .type = NLA_U64 }
#define NESTED		{ .type = NLA_NESTED }

const struct nla_policy ctl_policy[COMO_A_MAX + 1] = {
	[COMO_A_MODULE] = NESTED,
	[COMO_A_SOURCE_KIND] = STR(0),
	[COMO_A_SOURCE] = STR(0),		/* interfaces: no limit */
	[COMO_A_DATADIR] = STR(COMO_PATH_MAX),
	[COMO_A_PKTS] = U64,
	[COMO_A_BYTES] = U64,
	[COMO_A_UPTIME_NS] = U64,
	[COMO_A_CONFIG] = NESTED,
	[COMO_A_CAPTURE] = NESTED,
	[COMO_A_TRANSPORT] = STR(0),
	[COMO_A_OVERLOAD] = U32,
	[COMO_A_LOAD_PM] = U32,
	[COMO_A_REASON] = STR(0),
	[COMO_A_EPOCHS] = U64,
};

const struct nla_policy ctl_mod_policy[COMO_MOD_A_MAX + 1] = {
	[COMO_MOD_A_NAME] = STR(COMO_NAME_MAX),
	[COMO_MOD_A_SOURCE] = STR(COMO_PATH_MAX),
	[COMO_MOD_A_ARGS] = STR(COMO_ARGS_MAX),
	[COMO_MOD_A_FILTER] = STR(COMO_FILTER_MAX),
	[COMO_MOD_A_SLOT] = U32,
	[COMO_MOD_A_STATE] = U32,
	[COMO_MOD_A_EPOCH] = U64,
	[COMO_MOD_A_PKTS] = U64,
	[COMO_MOD_A_BYTES] = U64,
	[COMO_MOD_A_UPDATES] = U64,
	[COMO_MOD_A_ERRORS] = U64,
	[COMO_MOD_A_RECORDS] = U64,
	[COMO_MOD_A_PRIORITY] = U32,
	[COMO_MOD_A_MIN_SAMPLING] = U32,
	[COMO_MOD_A_SAMPLING] = U32,
	[COMO_MOD_A_ENABLED] = U8,
	[COMO_MOD_A_INTERVAL_NS] = U64,
	[COMO_MOD_A_EPOCH_START_NS] = U64,
	[COMO_MOD_A_CLOSED_START_NS] = U64,
	[COMO_MOD_A_CLOSED_END_NS] = U64,
	[COMO_MOD_A_OBJECTS] = NESTED,
	[COMO_MOD_A_COST_NS] = U64,
	[COMO_MOD_A_RUNS] = U64,
	[COMO_MOD_A_CLOSED_EPOCH] = U64,
	[COMO_MOD_A_REASON] = STR(0),
	[COMO_MOD_A_LOST_EPOCHS] = U64,
};

const struct nla_policy ctl_cfg_policy[COMO_CFG_A_MAX + 1] = {
	[COMO_CFG_A_TICK_NS] = U64,
	[COMO_CFG_A_CPU_BUDGET_PM] = U32,
};

const struct nla_policy ctl_cap_policy[COMO_CAP_A_MAX + 1] = {
	[COMO_CAP_A_DATADIR] = STR(COMO_PATH_MAX),
	[COMO_CAP_A_DESCRIPTION] = STR(COMO_DESC_MAX),
	[COMO_CAP_A_OBJECTS] = NESTED,
};

/* one COMO_A_OBJECT of a list (COMO_MOD_A_OBJECTS, COMO_CAP_A_OBJECTS) */
const struct nla_policy ctl_obj_policy[COMO_OBJ_A_MAX + 1] = {
	[COMO_OBJ_A_NAME] = STR(COMO_OBJ_NAME_MAX),
	[COMO_OBJ_A_KIND] = U32,
	/* libnl knows no minimal length of its own for a signed type */
	[COMO_OBJ_A_FD] = { .type = NLA_S32, .minlen = sizeof(__s32) },
	[COMO_OBJ_A_ID] = U32,
	[COMO_OBJ_A_PROG_TYPE] = U32,
};
