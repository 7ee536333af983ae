/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The print layer: records of any schema in plain, json, csv or gnuplot.
 * One function per record whatever the format, so formats cannot drift.
 */
#ifndef _COMO_OUT_H
#define _COMO_OUT_H

#include <stdio.h>
#include <stdint.h>
#include <como/module.h>

enum out_format {
	OUT_PLAIN,
	OUT_JSON,
	OUT_CSV,
	OUT_GNUPLOT,
};

struct como_out {
	enum out_format fmt;
	FILE *f;
	const struct como_field *schema;
	unsigned long nrec;
};

int out_format_parse(const char *s, enum out_format *fmt);
void out_begin(struct como_out *o, enum out_format fmt, FILE *f,
	       const struct como_field *schema);
void out_record(struct como_out *o, uint64_t ts, const void *rec);
void out_end(struct como_out *o);

/* IPv4-mapped addresses print as IPv4. */
void addr_format(const __u8 addr[16], char *buf, size_t size);

#endif
