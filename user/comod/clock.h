/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * comod's epoch clock (clock.c), for every module como.ko does not run.
 * It is the only writer of such a module's open epoch: the sources only
 * say what time it is (the trace's clock, or the wall clock), the clock
 * closes what has ended and hands each closed epoch to the drain:
 * "module M, epoch E, half H, [start, end) closed".
 */
#ifndef _COMOD_CLOCK_H
#define _COMOD_CLOCK_H

#include "comod.h"

/* Opens RT's epoch that holds NOW (its interval's boundary before it). */
void clock_open(struct modrt *rt, uint64_t now);
/* Goes on with an epoch open since START (kept, or taken back). */
void clock_resume(struct modrt *rt, uint64_t start);
/*
 * When comod's clock must next be told the time: the earliest end of an
 * open epoch it runs, 0 when a module has none open yet, UINT64_MAX when
 * it runs none.
 */
uint64_t clock_next(const struct monitor *mon);
/*
 * It is NOW: closes every epoch of comod's clock that has ended and
 * opens NOW's; *CLOSED counts them. On a live monitor an epoch closed late
 * is labelled as long as it ran.
 */
/*
 * A trace's batch went past RT's open epoch: its packets from there on,
 * in [START, START + interval), are in the other half already. Closes
 * the open epoch and opens that one.
 */
int clock_crossed(struct monitor *mon, struct modrt *rt, uint64_t start);
int clock_advance(struct monitor *mon, uint64_t now, uint64_t *closed);
/* The last epoch of RT, at NOW (a stop, an unload, a trace's end). */
int clock_close(struct monitor *mon, struct modrt *rt, uint64_t now);

#endif
