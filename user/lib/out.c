// SPDX-License-Identifier: BSD-3-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "jsonutil.h"
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

void addr_format(const __u8 a[16], char *buf, size_t size)
{
	static const __u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(a, v4mapped, sizeof(v4mapped)))
		inet_ntop(AF_INET, a + 12, buf, size);
	else
		inet_ntop(AF_INET6, a, buf, size);
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

/* A field as text; 'plain' prefers names to numbers. */
static void field_text(const struct como_field *f, const void *rec,
		       int plain, char *buf, size_t size)
{
	const char *name;

	if (f->type == COMO_FT_ADDR) {
		addr_format((const __u8 *)rec + f->offset, buf, size);
		return;
	}
	if (plain && f->type == COMO_FT_PROTO &&
	    (name = proto_name(field_u64(f, rec)))) {
		snprintf(buf, size, "%s", name);
		return;
	}
	snprintf(buf, size, "%llu", (unsigned long long)field_u64(f, rec));
}

static void ts_seconds(uint64_t ts, char *buf, size_t size)
{
	snprintf(buf, size, "%llu.%09llu", (unsigned long long)(ts / 1000000000),
		 (unsigned long long)(ts % 1000000000));
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
	case COMO_FT_PROTO:
		return 8;
	case COMO_FT_U8:
	case COMO_FT_U16:
		return 6;
	}
	return 14;
}

void out_begin(struct como_out *o, enum out_format fmt, FILE *f,
	       const struct como_field *schema)
{
	const struct como_field *fl;

	o->fmt = fmt;
	o->f = f;
	o->schema = schema;
	o->nrec = 0;
	switch (fmt) {
	case OUT_JSON:
		fputc('[', f);
		break;
	case OUT_CSV:
		fputs("ts", f);
		for (fl = schema; fl->name; fl++)
			fprintf(f, ",%s", fl->name);
		fputc('\n', f);
		break;
	case OUT_GNUPLOT:
		fputs("# ts", f);
		for (fl = schema; fl->name; fl++)
			fprintf(f, " %s", fl->name);
		fputc('\n', f);
		break;
	case OUT_PLAIN:
		fprintf(f, "%-23s", "time (UTC)");
		for (fl = schema; fl->name; fl++)
			fprintf(f, " %*s", fl->type == COMO_FT_ADDR ?
				-col_width(fl) : col_width(fl), fl->name);
		fputc('\n', f);
		break;
	}
}

static void record_json(struct como_out *o, uint64_t ts, const void *rec)
{
	const struct como_field *fl;
	struct json_object *obj = json_object_new_object();
	char buf[64];

	ts_seconds(ts, buf, sizeof(buf));
	json_object_object_add(obj, "ts",
			       json_object_new_double_s(ts / 1e9, buf));
	for (fl = o->schema; fl->name; fl++) {
		if (fl->type == COMO_FT_ADDR) {
			field_text(fl, rec, 0, buf, sizeof(buf));
			json_object_object_add(obj, fl->name,
					       json_object_new_string(buf));
		} else {
			json_object_object_add(obj, fl->name,
				json_object_new_uint64(field_u64(fl, rec)));
		}
	}
	fprintf(o->f, "%s\n%s", o->nrec ? "," : "",
		json_object_to_json_string_ext(obj, JSON_PLAIN));
	json_object_put(obj);
}

void out_record(struct como_out *o, uint64_t ts, const void *rec)
{
	const struct como_field *fl;
	char buf[64];

	switch (o->fmt) {
	case OUT_JSON:
		record_json(o, ts, rec);
		break;
	case OUT_CSV:
	case OUT_GNUPLOT:
		ts_seconds(ts, buf, sizeof(buf));
		fputs(buf, o->f);
		for (fl = o->schema; fl->name; fl++) {
			field_text(fl, rec, 0, buf, sizeof(buf));
			fprintf(o->f, o->fmt == OUT_CSV ? ",%s" : " %s", buf);
		}
		fputc('\n', o->f);
		break;
	case OUT_PLAIN:
		ts_human(ts, buf, sizeof(buf));
		fprintf(o->f, "%-23s", buf);
		for (fl = o->schema; fl->name; fl++) {
			field_text(fl, rec, 1, buf, sizeof(buf));
			fprintf(o->f, " %*s", fl->type == COMO_FT_ADDR ?
				-col_width(fl) : col_width(fl), buf);
		}
		fputc('\n', o->f);
		break;
	}
	o->nrec++;
}

void out_end(struct como_out *o)
{
	if (o->fmt == OUT_JSON)
		fputs(o->nrec ? "\n]\n" : "]\n", o->f);
}
