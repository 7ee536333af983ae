/* SPDX-License-Identifier: BSD-3-Clause */
/* comod's control socket: the como netlink messages, locally. */
#ifndef _COMOD_CTL_H
#define _COMOD_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "monitor.h"

#define COMO_DEFAULT_SOCKET	"/run/como/comod.sock"

struct ctl;

int ctl_open(struct ctl **cp, const char *path, struct monitor *mon);
int ctl_fd(const struct ctl *c);
/* Serves one connection: one request, one reply. */
void ctl_serve(struct ctl *c);
void ctl_close(struct ctl *c);
/*
 * Events for every subscriber; they need no struct ctl, and do nothing
 * while nobody subscribes. Epoch closed: MODULE's EPOCH covered
 * [START_NS, END_NS) of the wall clock. Module: sampled or stopped
 * (COMO_CMD_EVENT_MODULE_*). Overload: begun or ended.
 */
void ctl_notify_epoch_closed(const char *module, uint64_t epoch,
			     uint64_t start_ns, uint64_t end_ns);
void ctl_notify_module(__u8 cmd, const char *module, __u32 sampling,
		       uint64_t cost_ns, const char *why, __u32 load_pm);
void ctl_notify_overload(bool begun, __u32 load_pm);

#endif
