/* SPDX-License-Identifier: BSD-3-Clause */
/* como.ko's flush clock, as comod follows it (kclock.c). */
#ifndef _COMOD_KCLOCK_H
#define _COMOD_KCLOCK_H

#include "monitor.h"

/* Hands como.ko the capture as it is and registers the new modules. */
int kclock_hand_over(struct monitor *mon);
/* After a take-back: the modules como.ko runs, with their open epochs. */
int kclock_adopt(struct monitor *mon);
/* Drains, stores and acknowledges every epoch the clock closed. */
int kclock_drain(struct monitor *mon);
/* A module como.ko no longer runs goes to comod's clock. */
int kclock_lost(struct monitor *mon, struct modrt *rt);
/* Takes one module back to comod's own clock. */
int kclock_release(struct monitor *mon, struct modrt *rt);
/* Takes every module back and lets como.ko drop the capture. */
int kclock_stop(struct monitor *mon);

#endif
