/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * comod's control socket (ctl.c): the como netlink messages, locally.
 * Requests go to the module set (monitor.c) and the guard, never back
 * up; a subscription hands the connection to events.c.
 */
#ifndef _COMOD_CTL_H
#define _COMOD_CTL_H

#include "comod.h"

#define COMO_DEFAULT_SOCKET	"/run/como/comod.sock"

struct ctl;

int ctl_open(struct ctl **cp, const char *path, struct monitor *mon);
int ctl_fd(const struct ctl *c);
/* Serves one connection: one request, one reply. */
void ctl_serve(struct ctl *c);
void ctl_close(struct ctl *c);
/* Answers one waiting client "busy" (ARG: the struct ctl). */
void ctl_refuse_busy(void *arg);

#endif
