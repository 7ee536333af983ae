// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <string.h>
#include "timewin.h"
#include "units.h"

static int parse_bound(const char *s, size_t len, bool *rel, int64_t *v)
{
	char buf[64];
	uint64_t ns;
	int sign = 0;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
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
	if (strspn(buf, "0123456789.") != len || parse_duration_ns(buf, &ns) ||
	    ns > INT64_MAX)
		return -EINVAL;
	*rel = false;
	*v = ns;
	return 0;
}

int timewin_parse(const char *s, struct timewin *w)
{
	const char *colon = strchr(s, ':');

	if (!colon || strchr(colon + 1, ':'))
		return -EINVAL;
	if (parse_bound(s, colon - s, &w->start_rel, &w->start) ||
	    parse_bound(colon + 1, strlen(colon + 1), &w->end_rel, &w->end))
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
	return *start > *end ? -ERANGE : 0;
}
