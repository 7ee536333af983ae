/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events, as como.ko's multicast group sends them, to every subscriber of
 * comod's control socket (events.c). A leaf: the parts that have news call
 * it, it calls no other part of comod; the control socket hands it the
 * connections that subscribed. Nothing is built while nobody listens.
 */
#ifndef _COMOD_EVENTS_H
#define _COMOD_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

#define EVENTS_SUBSCRIBERS_MAX	16

/* Takes FD as a subscriber; -EBUSY when there are too many. */
int events_subscribe(int fd);
void events_close(void);

/* MODULE's EPOCH covered [START_NS, END_NS) of the wall clock. */
void events_epoch_closed(const char *module, uint64_t epoch,
			 uint64_t start_ns, uint64_t end_ns);
/* Sampled or stopped: CMD is COMO_CMD_EVENT_MODULE_*. */
void events_module(__u8 cmd, const char *module, __u32 sampling,
		   uint64_t cost_ns, const char *why, __u32 load_pm);
void events_overload(bool begun, __u32 load_pm);

#endif
