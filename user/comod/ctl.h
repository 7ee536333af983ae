/* SPDX-License-Identifier: BSD-3-Clause */
/* comod's control socket: the como netlink messages, locally. */
#ifndef _COMOD_CTL_H
#define _COMOD_CTL_H

#include <stdint.h>
#include "monitor.h"

#define COMO_DEFAULT_SOCKET	"/run/como/comod.sock"

struct ctl;

int ctl_open(struct ctl **cp, const char *path, struct monitor *mon);
int ctl_fd(const struct ctl *c);
/* Serves one connection: one request, one reply. */
void ctl_serve(struct ctl *c);
void ctl_close(struct ctl *c);
/*
 * Tells every event subscriber that MODULE closed EPOCH, which covered
 * [START_NS, END_NS) of the wall clock (COMO_CMD_EVENT_EPOCH_CLOSED).
 * Needs no struct ctl: nothing to do while nobody subscribes.
 */
void ctl_notify_epoch_closed(const char *module, uint64_t epoch,
			     uint64_t start_ns, uint64_t end_ns);

#endif
