// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <string.h>
#include <time.h>
#include "timewin.h"
#include "units.h"

/* N digits at S, as a number; -1 when they are not all digits. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/*
 * The length of an RFC 3339 date-time at S (YYYY-MM-DDTHH:MM:SS[.F]Z or
 * with +HH:MM), 0 when S does not start with one: its colons are not the
 * window's.
 */
static size_t rfc3339_len(const char *s)
{
	size_t n = 19;

	if (digits(s, 4) < 0 || s[4] != '-' || digits(s + 5, 2) < 0 ||
	    s[7] != '-' || digits(s + 8, 2) < 0 ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2) < 0 ||
	    s[13] != ':' || digits(s + 14, 2) < 0 || s[16] != ':' ||
	    digits(s + 17, 2) < 0)
		return 0;
	if (s[n] == '.') {
		for (n++; s[n] >= '0' && s[n] <= '9'; n++)
			;
		if (n == 20)
			return 0;
	}
	if (s[n] == 'Z' || s[n] == 'z')
		return n + 1;
	if ((s[n] == '+' || s[n] == '-') && digits(s + n + 1, 2) >= 0 &&
	    s[n + 3] == ':' && digits(s + n + 4, 2) >= 0)
		return n + 6;
	return 0;
}

/* An RFC 3339 date-time (rfc3339_len's) as ns since 1970. */
static int rfc3339_parse(const char *s, int64_t *v)
{
	struct tm tm = {
		.tm_year = digits(s, 4) - 1900, .tm_mon = digits(s + 5, 2) - 1,
		.tm_mday = digits(s + 8, 2), .tm_hour = digits(s + 11, 2),
		.tm_min = digits(s + 14, 2), .tm_sec = digits(s + 17, 2),
	};
	int mday = tm.tm_mday, mon = tm.tm_mon, off = 0, ndig = 0;
	int64_t frac = 0, secs;
	size_t n = 19;
	time_t t;

	if (tm.tm_mon < 0 || tm.tm_mon > 11 || mday < 1 || mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	if (s[n] == '.')
		for (n++; s[n] >= '0' && s[n] <= '9'; n++, ndig++)
			if (ndig < 9)
				frac = frac * 10 + (s[n] - '0');
	for (; ndig < 9; ndig++)
		frac *= 10;
	if (s[n] == '+' || s[n] == '-') {
		if (digits(s + n + 1, 2) > 23 || digits(s + n + 4, 2) > 59)
			return -EINVAL;
		off = (digits(s + n + 1, 2) * 60 + digits(s + n + 4, 2)) * 60;
		off = s[n] == '-' ? -off : off;
	}
	t = timegm(&tm);
	/* 31 February comes back as March: no such day */
	if (t == (time_t)-1 || tm.tm_mday != mday || tm.tm_mon != mon)
		return -EINVAL;
	secs = (int64_t)t - off;
	if (secs < 0 || secs > INT64_MAX / 1000000000 - 1)
		return -EINVAL;
	*v = secs * 1000000000 + frac;
	return 0;
}

/*
 * Seconds since 1970 with up to nine decimals, read as integers: a double
 * holds such a time to some 256 ns only, and a window ends on a stamp.
 */
static int seconds_parse(const char *s, uint64_t *ns)
{
	uint64_t secs = 0, frac = 0;
	int ndig = 0, nint = 0;

	for (; *s >= '0' && *s <= '9'; s++, nint++) {
		if (secs > (INT64_MAX / 1000000000 - 1) / 10)
			return -ERANGE;
		secs = secs * 10 + (*s - '0');
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, ndig++)
			if (ndig < 9)
				frac = frac * 10 + (*s - '0');
	if (*s || (!nint && !ndig))
		return -EINVAL;
	for (; ndig < 9; ndig++)
		frac *= 10;
	*ns = secs * 1000000000 + frac;
	return 0;
}

/* The bound at S: LEN bytes; empty is open (START: the first record). */
static int parse_bound(const char *s, size_t len, bool is_end, bool *rel,
		       int64_t *v)
{
	char buf[64];
	uint64_t ns;
	int sign = 0;

	if (len == 0) {
		*rel = false;
		*v = is_end ? INT64_MAX : 0;
		return 0;
	}
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (rfc3339_len(buf) == len) {
		*rel = false;
		return rfc3339_parse(buf, v);
	}
	if (buf[0] == '-' || buf[0] == '+')
		sign = buf[0] == '-' ? -1 : 1;
	if (sign || !strcmp(buf, "0")) {
		if (parse_duration_ns(buf + (sign != 0), &ns) || ns > INT64_MAX)
			return -EINVAL;
		*rel = true;
		*v = sign < 0 ? -(int64_t)ns : (int64_t)ns;
		return 0;
	}
	/* absolute: plain seconds, no unit */
	if (strspn(buf, "0123456789.") != len || seconds_parse(buf, &ns))
		return -EINVAL;
	*rel = false;
	*v = ns;
	return 0;
}

int timewin_parse(const char *s, struct timewin *w)
{
	size_t n = rfc3339_len(s);
	const char *colon = n ? s + n : strchr(s, ':');

	if (!colon || *colon != ':')
		return -EINVAL;
	n = rfc3339_len(colon + 1);
	if (n ? colon[1 + n] != '\0' : strchr(colon + 1, ':') != NULL)
		return -EINVAL;
	if (parse_bound(s, colon - s, false, &w->start_rel, &w->start) ||
	    parse_bound(colon + 1, strlen(colon + 1), true, &w->end_rel,
			&w->end))
		return -EINVAL;
	return 0;
}

static uint64_t resolve(bool rel, int64_t v, uint64_t ref)
{
	if (!rel)
		return v;
	if (v < 0 && (uint64_t)-v > ref)
		return 0;
	return ref + v;
}

int timewin_resolve(const struct timewin *w, uint64_t ref, uint64_t *start,
		    uint64_t *end)
{
	*start = resolve(w->start_rel, w->start, ref);
	*end = resolve(w->end_rel, w->end, ref);
	/* an open end is the last record's, whatever REF is */
	if (!w->end_rel && w->end == INT64_MAX)
		*end = UINT64_MAX;
	return *start > *end ? -ERANGE : 0;
}
