/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The print layer, for every program: what it prints goes through here,
 * in one of two shapes.
 * - Records of a module's schema (out_record), in plain, json, csv or
 *   gnuplot: one function per record whatever the format.
 * - A document (out_begin with no schema): a reply, a status, a list. As
 *   in iproute2, one call takes the JSON key and the text format together
 *   (a NULL key: text only; a NULL format: JSON only), so text and JSON
 *   cannot drift apart. Text is printed as it comes; JSON is built, then
 *   printed whole by out_end.
 */
#ifndef _COMO_OUT_H
#define _COMO_OUT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <como/module.h>

struct json_object;

enum out_format {
	OUT_PLAIN,
	OUT_JSON,
	OUT_CSV,
	OUT_GNUPLOT,
};

#define OUT_DEPTH_MAX	8

/*
 * What the stream's meta.json says of a record's interval, printed with
 * the record by every format: its state was full or sampled (approximate:
 * UNCOUNTED packets of it were not counted, SAMPLED_OUT of them left out
 * by sampling), or meta.json counts more such intervals than it lists and
 * this one is past the list (unknown).
 */
enum out_mark_kind {
	OUT_MARK_EXACT,
	OUT_MARK_APPROX,	/* counted: uncounted and sampled_out hold */
	OUT_MARK_APPROX_NOCOUNT,	/* approximate, by how much not said */
	OUT_MARK_UNKNOWN,
};

struct out_mark {
	enum out_mark_kind kind;
	uint64_t uncounted, sampled_out;
};

struct como_out {
	enum out_format fmt;
	FILE *f;
	const struct como_field *schema;	/* NULL: a document */
	unsigned long nrec;
	/*
	 * Records: the answer has intervals marked (out_begin_marked), and
	 * the mark of the record printed next (NULL: exact), which the
	 * query sets before the module's print() or out_record(); how many
	 * rows carried one, and of them how many were unknown.
	 */
	bool marks;
	const struct out_mark *mark;
	unsigned long nmarked, nunknown;
	bool pretty;			/* a JSON document indented: set it
					 * after out_begin */
	/* a JSON document: its root, then the objects and arrays open in it */
	struct json_object *open[OUT_DEPTH_MAX];
	unsigned int depth;
	unsigned int lost;		/* opened with no place to go */
};

int out_format_parse(const char *s, enum out_format *fmt);
void out_begin(struct como_out *o, enum out_format fmt, FILE *f,
	       const struct como_field *schema);
/*
 * Records whose intervals may be marked: csv and gnuplot gain a last
 * column, packets_uncounted; json and plain mark the rows of o->mark.
 */
void out_begin_marked(struct como_out *o, enum out_format fmt, FILE *f,
		      const struct como_field *schema);
void out_record(struct como_out *o, uint64_t ts, const void *rec);
void out_end(struct como_out *o);
/*
 * One record as the json format prints it, its "ts" then the schema's
 * fields, without the closing brace: whoever sends it elsewhere (a push)
 * adds its own fields, then closes it.
 */
void out_record_fields(FILE *f, const struct como_field *schema,
		       uint64_t ts, const void *rec);
/* S as a JSON string, the bytes json-c would write (JSON_PLAIN) */
void out_json_string(FILE *f, const char *s);

/* A document's values: FMT takes the argument named, KEY the value. */
bool out_is_json(const struct como_out *o);
void out_str(struct como_out *o, const char *key, const char *fmt,
	     const char *val);
/* FMT: %llu */
void out_u64(struct como_out *o, const char *key, const char *fmt,
	     uint64_t val);
/* a number in JSON that text shows as TEXT (a duration, a rate); FMT: %s */
void out_u64_as(struct como_out *o, const char *key, const char *fmt,
		uint64_t val, const char *text);
/* true or false in JSON; FMT: %s, "yes" or "no" */
void out_bool(struct como_out *o, const char *key, const char *fmt, bool val);
/* FMT: a double's (%.1f) */
void out_float(struct como_out *o, const char *key, const char *fmt,
	       double val);
/* Text only, a whole line or a table's heading. */
void out_text(struct como_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* JSON only: a json-c object, which the document takes over. */
void out_json(struct como_out *o, const char *key, struct json_object *val);
/*
 * Objects and arrays, in JSON only: KEY names one in an object, NULL is
 * an array's element or, first of all, the document itself.
 */
void out_object_begin(struct como_out *o, const char *key);
void out_object_end(struct como_out *o);
void out_array_begin(struct como_out *o, const char *key);
void out_array_end(struct como_out *o);

/* IPv4-mapped addresses print as IPv4. */
void addr_format(const __u8 addr[16], char *buf, size_t size);
/* "1s", "1500ms": durations as parse_duration_ns reads them */
void fmt_duration(char *buf, size_t size, uint64_t ns);
/* "1700000000.250000000": a wall clock time in ns */
void fmt_time(char *buf, size_t size, uint64_t ns);

#endif
