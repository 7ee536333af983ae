/* SPDX-License-Identifier: BSD-3-Clause */
/* A live run (loop.c): from the first packet to the last epoch stored. */
#ifndef _COMOD_LOOP_H
#define _COMOD_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include "comod.h"

struct http;

/*
 * Captures on mon->live until *STOP, answering on the control socket at
 * SOCKET (and HTTP's asks, when it serves); then stops, or with KEEP
 * keeps the capture running for the next comod (*KEPT says which it
 * did).
 */
int loop_live(struct monitor *mon, const char *socket, bool keep,
	      volatile sig_atomic_t *stop, bool *kept, struct http *http);

#endif
