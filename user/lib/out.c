// SPDX-License-Identifier: BSD-3-Clause
/*
 * The print layer (out.h): a module's records in four formats, and the
 * documents the tools print (replies, lists) as text or JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include <stdlib.h>
#include "jsonutil.h"
#include "log.h"
#include "out.h"

int out_format_parse(const char *s, enum out_format *fmt)
{
	static const char *const names[] = {
		[OUT_PLAIN] = "plain", [OUT_JSON] = "json",
		[OUT_CSV] = "csv", [OUT_GNUPLOT] = "gnuplot",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*fmt = i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *proto_name(unsigned int p)
{
	switch (p) {
	case 1: return "icmp";
	case 2: return "igmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "icmpv6";
	case 88: return "eigrp";
	case 89: return "ospf";
	case 103: return "pim";
	case 132: return "sctp";
	}
	return NULL;
}

static uint64_t field_u64(const struct como_field *f, const void *rec)
{
	const char *p = (const char *)rec + f->offset;
	uint64_t v = 0;

	switch (f->type) {
	case COMO_FT_U8:
	case COMO_FT_PROTO:
		return *(const uint8_t *)p;
	case COMO_FT_U16:
		memcpy(&v, p, 2);
		return (uint16_t)v;
	case COMO_FT_U32:
		memcpy(&v, p, 4);
		return (uint32_t)v;
	case COMO_FT_U64:
		memcpy(&v, p, 8);
		return v;
	}
	return 0;
}

/* V in decimal at BUF (21 bytes at most, with its NUL): its length */
static size_t u64_text(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

/* "S.NNNNNNNNN", printed by hand: a query may print millions of them */
static void ts_seconds(uint64_t ts, char *buf, size_t size)
{
	uint64_t ns = ts % 1000000000;
	size_t n;
	int i;

	if (size < 32) {
		snprintf(buf, size, "%llu.%09llu",
			 (unsigned long long)(ts / 1000000000),
			 (unsigned long long)ns);
		return;
	}
	n = u64_text(buf, ts / 1000000000);
	buf[n++] = '.';
	for (i = 8; i >= 0; i--, ns /= 10)
		buf[n + i] = '0' + ns % 10;
	buf[n + 9] = '\0';
}

static void ts_human(uint64_t ts, char *buf, size_t size);

static double field_double(const struct como_field *f, const void *rec)
{
	double d;

	memcpy(&d, (const char *)rec + f->offset, sizeof(d));
	return d;
}

/*
 * A string field: up to its size or its first NUL, as a terminal may
 * show it (it may come from a packet). CSV quotes it when it must.
 */
static void field_str(const struct como_field *f, const void *rec,
		      enum out_format fmt, char *buf, size_t size)
{
	char raw[COMO_STR_MAX + 1], esc[4 * COMO_STR_MAX + 1], *q;
	size_t n = f->size < COMO_STR_MAX ? f->size : COMO_STR_MAX;
	size_t k = 0;

	memcpy(raw, (const char *)rec + f->offset, n);
	raw[n] = '\0';
	log_escape(esc, sizeof(esc), raw, false);
	if ((fmt != OUT_CSV || !strpbrk(esc, ",\"")) && fmt != OUT_GNUPLOT) {
		snprintf(buf, size, "%s", esc);
		return;
	}
	/* "...", a quote doubled (CSV) or escaped (gnuplot) */
	buf[k++] = '"';
	for (q = esc; *q && k + 3 < size; q++) {
		if (*q == '"')
			buf[k++] = fmt == OUT_CSV ? '"' : '\\';
		buf[k++] = *q;
	}
	buf[k++] = '"';
	buf[k] = '\0';
}

/* A field as text; plain prefers names to numbers, and readable times. */
static void field_text(const struct como_field *f, const void *rec,
		       enum out_format fmt, char *buf, size_t size)
{
	bool plain = fmt == OUT_PLAIN;
	const char *name;
	uint64_t v;

	switch (f->type) {
	case COMO_FT_ADDR:
		addr_format((const __u8 *)rec + f->offset, buf, size);
		return;
	case COMO_FT_STR:
		field_str(f, rec, fmt, buf, size);
		return;
	case COMO_FT_DOUBLE:
		snprintf(buf, size, plain ? "%.6g" : "%.17g",
			 field_double(f, rec));
		return;
	case COMO_FT_TIME:
	case COMO_FT_TIME_END:
		memcpy(&v, (const char *)rec + f->offset, 8);
		(plain ? ts_human : ts_seconds)(v, buf, size);
		return;
	case COMO_FT_DURATION:
		memcpy(&v, (const char *)rec + f->offset, 8);
		ts_seconds(v, buf, size);
		if (plain)
			snprintf(buf + strlen(buf), size - strlen(buf), "s");
		return;
	}
	if (plain && f->type == COMO_FT_PROTO &&
	    (name = proto_name(field_u64(f, rec)))) {
		snprintf(buf, size, "%s", name);
		return;
	}
	if (size > 20)
		u64_text(buf, field_u64(f, rec));
	else
		snprintf(buf, size, "%llu", (unsigned long long)field_u64(f, rec));
}

static void ts_human(uint64_t ts, char *buf, size_t size)
{
	time_t t = ts / 1000000000;
	uint64_t frac = ts % 1000000000;
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	if (frac && n < size)
		snprintf(buf + n, size - n, ".%03llu",
			 (unsigned long long)(frac / 1000000));
}

static int col_width(const struct como_field *f)
{
	switch (f->type) {
	case COMO_FT_ADDR:
		return 39;
	case COMO_FT_STR:
		return f->size < 40 ? (f->size > 8 ? f->size : 8) : 40;
	case COMO_FT_TIME:
	case COMO_FT_TIME_END:
		return 23;
	case COMO_FT_PROTO:
		return 8;
	case COMO_FT_U8:
	case COMO_FT_U16:
		return 6;
	}
	return 14;
}

/* The column of csv and gnuplot that says how approximate a row is. */
#define OUT_MARK_COLUMN		"packets_uncounted"

static void records_begin(struct como_out *o, enum out_format fmt, FILE *f,
			  const struct como_field *schema, bool marks)
{
	const struct como_field *fl;

	memset(o, 0, sizeof(*o));
	o->fmt = fmt;
	o->f = f;
	o->schema = schema;
	o->marks = marks;
	if (!schema)
		return;
	switch (fmt) {
	case OUT_JSON:
		fputc('[', f);
		break;
	case OUT_CSV:
		fputs("ts", f);
		for (fl = schema; fl->name; fl++)
			fprintf(f, ",%s", fl->name);
		/* last: a reader of the columns before reads them as before */
		fputs(marks ? "," OUT_MARK_COLUMN "\n" : "\n", f);
		break;
	case OUT_GNUPLOT:
		/* a script: the records as a data block, then their plot */
		fputs("# gnuplot -p FILE plots it (como query -f gnuplot)\n"
		      "$como << EOD\n# ts", f);
		for (fl = schema; fl->name; fl++)
			fprintf(f, " %s", fl->name);
		/* a column the plot does not draw: it draws the schema's */
		fputs(marks ? " " OUT_MARK_COLUMN "\n" : "\n", f);
		break;
	case OUT_PLAIN:
		fprintf(f, "%-23s", "time (UTC)");
		for (fl = schema; fl->name; fl++)
			fprintf(f, " %*s", fl->type == COMO_FT_ADDR ||
				fl->type == COMO_FT_STR ?
				-col_width(fl) : col_width(fl), fl->name);
		fputc('\n', f);
		break;
	}
}

void out_begin(struct como_out *o, enum out_format fmt, FILE *f,
	       const struct como_field *schema)
{
	records_begin(o, fmt, f, schema, false);
}

void out_begin_marked(struct como_out *o, enum out_format fmt, FILE *f,
		      const struct como_field *schema)
{
	records_begin(o, fmt, f, schema, true);
}

/*
 * S as a JSON string, as json-c writes it (JSON_PLAIN): one that needs no
 * escape is written as it is, the others through json-c.
 */
void out_json_string(FILE *f, const char *s)
{
	const unsigned char *p;
	struct json_object *o;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == '"' || *p == '\\')
			break;
	if (!*p) {
		putc_unlocked('"', f);
		fputs_unlocked(s, f);
		putc_unlocked('"', f);
		return;
	}
	o = json_object_new_string(s);
	fputs(json_object_to_json_string_ext(o, JSON_PLAIN), f);
	json_object_put(o);
}

/*
 * A record as a JSON object, written as it goes: a query of a day's
 * records writes hundreds of thousands of them, and an object of json-c's
 * for each cost more than the rest of the query. The bytes are json-c's.
 */
void out_record_fields(FILE *f, const struct como_field *schema,
		       uint64_t ts, const void *rec)
{
	const struct como_field *fl;
	struct json_object *d;
	char buf[64], sbuf[4 * COMO_STR_MAX + 8];

	ts_seconds(ts, buf, sizeof(buf));
	/* a record stream has one writer (a query's child): no lock wanted */
	fputs_unlocked("{\"ts\":", f);
	fputs_unlocked(buf, f);
	for (fl = schema; fl->name; fl++) {
		putc_unlocked(',', f);
		out_json_string(f, fl->name);
		putc_unlocked(':', f);
		if (fl->type == COMO_FT_ADDR || fl->type == COMO_FT_STR) {
			field_text(fl, rec, OUT_JSON, sbuf, sizeof(sbuf));
			out_json_string(f, sbuf);
		} else if (fl->type == COMO_FT_DOUBLE) {
			d = json_object_new_double(field_double(fl, rec));
			fputs(json_object_to_json_string_ext(d, JSON_PLAIN), f);
			json_object_put(d);
		} else if (fl->type == COMO_FT_TIME ||
			   fl->type == COMO_FT_TIME_END ||
			   fl->type == COMO_FT_DURATION) {
			field_text(fl, rec, OUT_JSON, buf, sizeof(buf));
			fputs_unlocked(buf, f);
		} else {
			u64_text(buf, field_u64(fl, rec));
			fputs_unlocked(buf, f);
		}
	}
}

/*
 * A marked record's fields after the schema's. An exact one has none: a
 * reader that never met an approximate answer reads the same bytes.
 */
static void mark_json(struct como_out *o)
{
	const struct out_mark *mk = o->mark;

	if (!mk || mk->kind == OUT_MARK_EXACT)
		return;
	if (mk->kind == OUT_MARK_UNKNOWN) {
		fputs_unlocked(",\"approximate\":null", o->f);
		return;
	}
	fputs_unlocked(",\"approximate\":true", o->f);
	if (mk->kind != OUT_MARK_APPROX)
		return;
	fprintf(o->f, ",\"packets_uncounted\":%llu",
		(unsigned long long)mk->uncounted);
	if (mk->sampled_out)
		fprintf(o->f, ",\"sampled_out\":%llu",
			(unsigned long long)mk->sampled_out);
}

static void record_json(struct como_out *o, uint64_t ts, const void *rec)
{
	fputs_unlocked(o->nrec ? ",\n" : "\n", o->f);
	out_record_fields(o->f, o->schema, ts, rec);
	mark_json(o);
	putc_unlocked('}', o->f);
}

/*
 * csv's and gnuplot's last column: 0 on an exact row, the packets not
 * counted on an approximate one; not known: empty in csv, NaN in
 * gnuplot (whose columns cannot be empty).
 */
static void mark_column(struct como_out *o)
{
	const struct out_mark *mk = o->mark;

	if (!o->marks)
		return;
	fputc(o->fmt == OUT_CSV ? ',' : ' ', o->f);
	if (!mk || mk->kind == OUT_MARK_EXACT)
		fputc('0', o->f);
	else if (mk->kind == OUT_MARK_APPROX)
		fprintf(o->f, "%llu", (unsigned long long)mk->uncounted);
	else if (o->fmt == OUT_GNUPLOT)
		fputs("NaN", o->f);
}

/* plain: a mark after the row, that the legend below the rows explains */
static void mark_plain(struct como_out *o)
{
	const struct out_mark *mk = o->mark;

	if (!mk || mk->kind == OUT_MARK_EXACT)
		return;
	if (mk->kind == OUT_MARK_UNKNOWN)
		fputs("  ?", o->f);
	else if (mk->kind == OUT_MARK_APPROX_NOCOUNT)
		fputs("  ~", o->f);
	else if (mk->sampled_out)
		fprintf(o->f, "  ~ %llu not counted, %llu sampled out",
			(unsigned long long)mk->uncounted,
			(unsigned long long)mk->sampled_out);
	else
		fprintf(o->f, "  ~ %llu not counted",
			(unsigned long long)mk->uncounted);
}

/* Counts the rows marked, for plain's legend. */
static void mark_seen(struct como_out *o)
{
	if (!o->mark || o->mark->kind == OUT_MARK_EXACT)
		return;
	o->nmarked++;
	if (o->mark->kind == OUT_MARK_UNKNOWN)
		o->nunknown++;
}

void out_record(struct como_out *o, uint64_t ts, const void *rec)
{
	const struct como_field *fl;
	char buf[4 * COMO_STR_MAX + 8];

	switch (o->fmt) {
	case OUT_JSON:
		record_json(o, ts, rec);
		break;
	case OUT_CSV:
	case OUT_GNUPLOT:
		ts_seconds(ts, buf, sizeof(buf));
		fputs(buf, o->f);
		for (fl = o->schema; fl->name; fl++) {
			field_text(fl, rec, o->fmt, buf, sizeof(buf));
			fprintf(o->f, o->fmt == OUT_CSV ? ",%s" : " %s", buf);
		}
		mark_column(o);
		fputc('\n', o->f);
		break;
	case OUT_PLAIN:
		ts_human(ts, buf, sizeof(buf));
		fprintf(o->f, "%-23s", buf);
		for (fl = o->schema; fl->name; fl++) {
			field_text(fl, rec, OUT_PLAIN, buf, sizeof(buf));
			fprintf(o->f, " %*s", fl->type == COMO_FT_ADDR ||
				fl->type == COMO_FT_STR ?
				-col_width(fl) : col_width(fl), buf);
		}
		mark_plain(o);
		fputc('\n', o->f);
		break;
	}
	mark_seen(o);
	o->nrec++;
}

/* A field gnuplot can draw as a series: a number. */
static bool plottable(const struct como_field *fl)
{
	switch (fl->type) {
	case COMO_FT_U8:
	case COMO_FT_U16:
	case COMO_FT_U32:
	case COMO_FT_U64:
	case COMO_FT_DURATION:
	case COMO_FT_DOUBLE:
		return true;
	default:
		return false;
	}
}

/* The end of the data block, and a line for each numeric field over time. */
static void gnuplot_plot(struct como_out *o)
{
	const struct como_field *fl;
	int col = 2, n = 0;

	fputs("EOD\n", o->f);
	if (!o->nrec) {
		fputs("# no records: nothing to plot\n", o->f);
		return;
	}
	fputs("set xdata time\nset timefmt \"%s\"\n"
	      "set format x \"%m-%d\\n%H:%M:%S\"\nset xlabel \"time (UTC)\"\n"
	      "set key outside right\n", o->f);
	for (fl = o->schema; fl->name; fl++, col++) {
		if (!plottable(fl))
			continue;
		fprintf(o->f, "%s $como using 1:%d with linespoints title \"%s\"",
			n++ ? ", \\\n    " : "plot", col, fl->name);
	}
	fputs(n ? "\n" : "# no numeric field to plot\n", o->f);
}

/* plain: what the marks of the rows above mean, once */
static void plain_legend(struct como_out *o)
{
	if (o->nmarked > o->nunknown)
		fputs("~ N not counted: the interval's state was full or "
		      "sampled and N of its packets were not counted: its "
		      "figures and ranking are approximate\n", o->f);
	if (o->nunknown)
		fputs("? the interval may be approximate: meta.json counts "
		      "more approximate intervals than it lists\n", o->f);
}

void out_end(struct como_out *o)
{
	if (o->schema) {
		if (o->fmt == OUT_JSON)
			fputs(o->nrec ? "\n]\n" : "]\n", o->f);
		else if (o->fmt == OUT_GNUPLOT)
			gnuplot_plot(o);
		else if (o->fmt == OUT_PLAIN)
			plain_legend(o);
		return;
	}
	if (!o->open[0])
		return;
	fprintf(o->f, "%s\n", json_object_to_json_string_ext(o->open[0],
		o->pretty ? JSON_PRETTY : JSON_PLAIN));
	json_object_put(o->open[0]);
	o->open[0] = NULL;
	o->depth = 0;
}

/* ---- documents ---- */

bool out_is_json(const struct como_out *o)
{
	return o->fmt == OUT_JSON;
}

/*
 * Puts V into the object or array open last, under KEY in an object, and
 * takes it over; the first value of a document opens its root object.
 * False when V has no place: the caller still owns it.
 */
static bool place(struct como_out *o, const char *key, struct json_object *v)
{
	struct json_object *in;

	if (o->lost || (!o->depth && o->open[0]))
		return false;
	if (!o->depth) {
		o->open[0] = json_object_new_object();
		o->depth = 1;
	}
	in = o->open[o->depth - 1];
	if (json_object_is_type(in, json_type_array))
		json_object_array_add(in, v);
	else if (key)
		json_object_object_add(in, key, v);
	else
		return false;
	return true;
}

static void json_put(struct como_out *o, const char *key,
		     struct json_object *v)
{
	if (!place(o, key, v))
		json_object_put(v);
}

/* Text is printed when there is a format; JSON built when there is a key. */
static bool text(const struct como_out *o, const char *fmt)
{
	return !out_is_json(o) && fmt;
}

static bool json(const struct como_out *o, const char *key)
{
	return out_is_json(o) && key;
}

void out_str(struct como_out *o, const char *key, const char *fmt,
	     const char *val)
{
	if (text(o, fmt))
		fprintf(o->f, fmt, val);
	else if (json(o, key))
		json_put(o, key, json_object_new_string(val));
}

void out_u64(struct como_out *o, const char *key, const char *fmt,
	     uint64_t val)
{
	if (text(o, fmt))
		fprintf(o->f, fmt, (unsigned long long)val);
	else if (json(o, key))
		json_put(o, key, json_object_new_uint64(val));
}

void out_u64_as(struct como_out *o, const char *key, const char *fmt,
		uint64_t val, const char *txt)
{
	if (text(o, fmt))
		fprintf(o->f, fmt, txt);
	else if (json(o, key))
		json_put(o, key, json_object_new_uint64(val));
}

void out_bool(struct como_out *o, const char *key, const char *fmt, bool val)
{
	if (text(o, fmt))
		fprintf(o->f, fmt, val ? "yes" : "no");
	else if (json(o, key))
		json_put(o, key, json_object_new_boolean(val));
}

void out_float(struct como_out *o, const char *key, const char *fmt,
	       double val)
{
	if (text(o, fmt))
		fprintf(o->f, fmt, val);
	else if (json(o, key))
		json_put(o, key, json_object_new_double(val));
}

void out_text(struct como_out *o, const char *fmt, ...)
{
	va_list ap;

	if (out_is_json(o))
		return;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
}

void out_json(struct como_out *o, const char *key, struct json_object *val)
{
	if (out_is_json(o))
		json_put(o, key, val);
	else
		json_object_put(val);
}

/*
 * A new object or array, where values go until its end: the document
 * itself when it comes first without a key. One that has no place (too
 * deep, no key in an object) is counted, so that its end still matches.
 */
static void open_one(struct como_out *o, const char *key,
		     struct json_object *v)
{
	if (!out_is_json(o)) {
		json_object_put(v);
		return;
	}
	if (!o->lost && !o->depth && !o->open[0] && !key) {
		o->open[0] = v;
		o->depth = 1;
		return;
	}
	if (o->depth == OUT_DEPTH_MAX || !place(o, key, v)) {
		json_object_put(v);
		o->lost++;
		return;
	}
	/* its container holds it; open[] only points at it */
	o->open[o->depth++] = v;
}

void out_object_begin(struct como_out *o, const char *key)
{
	open_one(o, key, json_object_new_object());
}

void out_array_begin(struct como_out *o, const char *key)
{
	open_one(o, key, json_object_new_array());
}

/* The root stays in open[0] until out_end prints it. */
void out_object_end(struct como_out *o)
{
	if (!out_is_json(o))
		return;
	if (o->lost)
		o->lost--;
	else if (o->depth)
		o->depth--;
}

void out_array_end(struct como_out *o)
{
	out_object_end(o);
}

void fmt_duration(char *buf, size_t size, uint64_t ns)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "d", 86400000000000ULL }, { "h", 3600000000000ULL },
		{ "m", 60000000000ULL }, { "s", 1000000000ULL },
		{ "ms", 1000000ULL }, { "us", 1000ULL },
	};
	unsigned int i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ns && ns % units[i].ns == 0) {
			snprintf(buf, size, "%llu%s",
				 (unsigned long long)(ns / units[i].ns),
				 units[i].unit);
			return;
		}
	snprintf(buf, size, "%lluns", (unsigned long long)ns);
}

void fmt_time(char *buf, size_t size, uint64_t ns)
{
	snprintf(buf, size, "%llu.%09llu",
		 (unsigned long long)(ns / 1000000000ULL),
		 (unsigned long long)(ns % 1000000000ULL));
}
