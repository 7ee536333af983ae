/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * como.ko's flush clock, as comod follows it (kclock.c): the clock of
 * every module registered with como.ko, behind the same drain as comod's.
 */
#ifndef _COMOD_KCLOCK_H
#define _COMOD_KCLOCK_H

#include "comod.h"

/* Registers the modules como.ko does not run yet; their epochs are open. */
int kclock_register(struct monitor *mon);
/* After a take-back: the modules como.ko runs, with their open epochs. */
int kclock_adopt(struct monitor *mon);
/* Drains, stores and acknowledges every epoch the clock closed. */
int kclock_drain(struct monitor *mon);
/* como.ko went away: every module goes to comod's clock. */
int kclock_gone(struct monitor *mon);
/* Takes one module back to comod's own clock. */
int kclock_release(struct monitor *mon, struct modrt *rt);
/* Takes every module back and lets como.ko drop the capture. */
int kclock_stop(struct monitor *mon);

#endif
