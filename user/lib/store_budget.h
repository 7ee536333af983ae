/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A disk budget for a whole data directory (store_budget.c): when what
 * the directory holds, with room for the segments being written to grow
 * to their size, passes it, the oldest segments of all its streams go,
 * oldest first by the time of their first record, never a stream's last
 * segment (the one being written). What went is said in each stream's
 * meta.json, "removed": {"from", "to" (ns; the data now starts at "to"),
 * "segments", "bytes", "by"}, where a query reads it.
 *
 * Streams open in this process (store_budget_add()) lose their segments
 * through their store (store_drop_oldest()); their writer says it in
 * meta.json. The others' meta.json is rewritten here.
 */
#ifndef _COMO_STORE_BUDGET_H
#define _COMO_STORE_BUDGET_H

#include <stdint.h>

struct json_object;
struct store;
struct store_budget;

/* The budget of BYTES for DATADIR; says why it failed. */
int store_budget_open(struct store_budget **bp, const char *datadir,
		      uint64_t bytes);
/* S is written by this process from now on (its segments capped). */
int store_budget_add(struct store_budget *b, struct store *s);
void store_budget_del(struct store_budget *b, struct store *s);
/*
 * The directory back within its budget: 0, or -ENOSPC when the segments
 * that must stay are more than it (said once).
 */
int store_budget_keep(struct store_budget *b);
void store_budget_close(struct store_budget *b);
/* The bytes the data directory holds, as store_budget_keep() counted. */
uint64_t store_budget_used(const struct store_budget *b);

/*
 * meta.json's "removed" (*R, made when NULL, FROM its start) says that
 * SEGMENTS more, BYTES, went for BY and that the data now starts at TO.
 */
void store_removed_add(struct json_object **r, uint64_t from, uint64_t to,
		       uint64_t segments, uint64_t bytes, const char *by);

#endif
