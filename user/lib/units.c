// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "units.h"

struct unit {
	const char *name;
	double mult;
};

static int parse_scaled(const char *s, const struct unit *units, double def,
			uint64_t *out)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -EINVAL;
	if (*end) {
		for (; units->name; units++)
			if (!strcasecmp(end, units->name))
				break;
		if (!units->name)
			return -EINVAL;
		def = units->mult;
	}
	v *= def;
	if (v < 0 || v >= 1.8e19)
		return -ERANGE;
	*out = (uint64_t)(v + 0.5);
	return 0;
}

int parse_duration_ns(const char *s, uint64_t *ns)
{
	static const struct unit units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
		{ "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 },
		{ "d", 86400e9 }, { NULL, 0 },
	};

	return parse_scaled(s, units, 1e9, ns);
}

int parse_size(const char *s, uint64_t *bytes)
{
	static const struct unit units[] = {
		{ "b", 1 }, { "k", 1024.0 }, { "kb", 1024.0 },
		{ "m", 1048576.0 }, { "mb", 1048576.0 },
		{ "g", 1073741824.0 }, { "gb", 1073741824.0 },
		{ "t", 1099511627776.0 }, { "tb", 1099511627776.0 },
		{ NULL, 0 },
	};

	return parse_scaled(s, units, 1, bytes);
}

int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}
