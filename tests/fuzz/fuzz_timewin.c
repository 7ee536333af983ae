// SPDX-License-Identifier: BSD-3-Clause
/* libFuzzer: time windows and module specs from the command line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "log.h"
#include "timewin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct como_config cfg = {};
	uint64_t start, end;
	struct timewin w;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	log_init("fuzz", -4);
	memcpy(s, data, size);
	s[size] = '\0';
	if (!timewin_parse(s, &w) &&
	    !timewin_resolve(&w, 1700000000000000000ULL, &start, &end) &&
	    start > end)
		abort();
	config_add_spec(&cfg, s);
	config_free(&cfg);
	free(s);
	return 0;
}
