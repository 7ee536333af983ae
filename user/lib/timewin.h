/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Query windows as CoMo wrote them: START:END, each either relative
 * (-5m, 0, +30s: to the end of the data for a trace, to now when live),
 * absolute (Unix seconds, e.g. 1700000000 or 1700000000.5, or RFC 3339,
 * e.g. 2023-11-14T22:13:20Z or 2023-11-14T23:13:20.5+01:00), or left
 * empty: open-ended (":0" from the first record, "-1h:" to the last).
 */
#ifndef _COMO_TIMEWIN_H
#define _COMO_TIMEWIN_H

#include <stdbool.h>
#include <stdint.h>

struct timewin {
	bool start_rel, end_rel;
	int64_t start, end;	/* ns: offsets when relative */
};

int timewin_parse(const char *s, struct timewin *w);
/* Absolute bounds against REF; -ERANGE when the window is empty. */
int timewin_resolve(const struct timewin *w, uint64_t ref, uint64_t *start,
		    uint64_t *end);

#endif
