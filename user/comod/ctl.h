/* SPDX-License-Identifier: BSD-3-Clause */
/* comod's control socket: the como netlink messages, locally. */
#ifndef _COMOD_CTL_H
#define _COMOD_CTL_H

#include "monitor.h"

#define COMO_DEFAULT_SOCKET	"/run/como/comod.sock"

struct ctl;

int ctl_open(struct ctl **cp, const char *path, struct monitor *mon);
int ctl_fd(const struct ctl *c);
/* Serves one connection: one request, one reply. */
void ctl_serve(struct ctl *c);
void ctl_close(struct ctl *c);

#endif
