/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol's attributes as user space checks them (libnl
 * policies), written once for comod's socket, comod's side of como.ko,
 * como and comoctl. The limits are the uapi header's, as in como.ko's own
 * policy (kernel/netlink.c); libnl checks types and lengths only, so a
 * range (a sampling rate, a tick) is checked where the value is used.
 */
#ifndef _COMO_CTL_POLICY_H
#define _COMO_CTL_POLICY_H

#include <linux/como.h>
#include <netlink/attr.h>

extern const struct nla_policy ctl_policy[COMO_A_MAX + 1];
extern const struct nla_policy ctl_mod_policy[COMO_MOD_A_MAX + 1];
extern const struct nla_policy ctl_cfg_policy[COMO_CFG_A_MAX + 1];
extern const struct nla_policy ctl_cap_policy[COMO_CAP_A_MAX + 1];
/* one COMO_A_OBJECT of a list (COMO_MOD_A_OBJECTS, COMO_CAP_A_OBJECTS) */
extern const struct nla_policy ctl_obj_policy[COMO_OBJ_A_MAX + 1];

#endif
