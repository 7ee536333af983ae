/* SPDX-License-Identifier: BSD-3-Clause */
/* Numbers as people write them in a config or on a command line. */
#ifndef _COMO_UNITS_H
#define _COMO_UNITS_H

#include <stdint.h>

#define NSEC_PER_SEC	1000000000ULL

/* "1.5s", "300ms", "5m", "2h", "1d"; a bare number is seconds. */
int parse_duration_ns(const char *s, uint64_t *ns);
/* "64MB", "5GB", "512k"; a bare number is bytes. */
int parse_size(const char *s, uint64_t *bytes);
int parse_u64(const char *s, uint64_t *v);
/* The wall clock (CLOCK_REALTIME) in ns since the Unix epoch. */
uint64_t wall_ns(void);

#endif
