/* SPDX-License-Identifier: BSD-3-Clause */
/* The live source: XDP on interfaces (live.c). */
#ifndef _COMOD_LIVE_H
#define _COMOD_LIVE_H

#include <stdbool.h>
#include <time.h>
#include "comod.h"

/* Attaches the dispatcher to every interface of a comma-separated list. */
int live_attach(struct live **lp, struct datapath *dp, const char *ifaces);
/* Joined libxdp's dispatcher on some interface: no link there to keep. */
bool live_shared(const struct live *l);
/* Kept state: hand over the XDP links; take them back; close, attached. */
int live_keep(struct live *l, keep_put_fn put, void *arg);
int live_adopt(struct live **lp, struct datapath *dp, const char *ifaces,
	       keep_get_fn get, void *arg);
void live_release(struct live *l);
/* Detaches from every interface; safe to call twice. */
void live_detach(struct live *l);
void live_free(struct live *l);
/* The wall clock minus CLOCK, one the dispatcher stamps packets with. */
__s64 live_clock_offset(clockid_t clock);

#endif
