// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer: the query server's requests (user/lib/http_req.c) and the
 * window grammar under them. The input is "METHOD TARGET". What is
 * accepted names a module by the name rule and a window timewin reads;
 * what is refused has a 4xx and one printable line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http_req.h"
#include "log.h"
#include "names.h"
#include "timewin.h"

static void check_line(const char *why)
{
	const unsigned char *p;

	if (!why[0])
		abort();
	for (p = (const unsigned char *)why; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *sp;
	struct http_req r;
	struct timewin w;
	uint64_t start, end;
	int code;

	if (!s)
		return 0;
	log_init("fuzz", -4);
	memcpy(s, data, size);
	s[size] = '\0';
	sp = strchr(s, ' ');
	if (sp)
		*sp = '\0';
	code = http_req_parse(s, sp ? sp + 1 : "/", &r);
	if (code) {
		if (code != 400 && code != 404 && code != 405 && code != 414)
			abort();
		check_line(r.why);
	} else {
		if (r.ep > HTTP_EP_METRICS || r.fmt > OUT_GNUPLOT)
			abort();
		if ((r.ep == HTTP_EP_COMO || r.ep == HTTP_EP_QUERY) &&
		    como_name_check(r.module, NULL, 0))
			abort();
		if (r.window[0] && (timewin_parse(r.window, &w) ||
				    (!timewin_resolve(&w, 1700000000000000000ULL,
						      &start, &end) &&
				     start > end)))
			abort();
	}
	/* the window grammar alone, on the whole input */
	memcpy(s, data, size);
	if (!timewin_parse(s, &w) &&
	    !timewin_resolve(&w, 1700000000000000000ULL, &start, &end) &&
	    start > end)
		abort();
	free(s);
	return 0;
}
