// SPDX-License-Identifier: BSD-3-Clause
/* libFuzzer: the application module's table of classes (app= or file=). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../modules/application/apptable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_table *t = calloc(1, sizeof(*t));
	char *s = malloc(size + 1);
	unsigned int i, c;
	__u32 key;

	if (!t || !s)
		goto out;
	memcpy(s, data, size);
	s[size] = '\0';
	if (table_parse(t, s))
		goto out;
	if (!t->nclasses || t->nclasses > APP_CLASSES || t->nrules > APP_RULES)
		abort();
	/* every key lands in a class of the table, or other */
	for (i = 0; i < 4096; i++) {
		key = (i & 1 ? APP_PORTED : 0) | (i >> 1 & 0xff) << 16 | i * 37;
		c = classify(t, i == 4095 ? APP_NON_IP : key);
		if (c > t->nclasses || (i == 4095 && c != APP_OTHER))
			abort();
	}
out:
	free(s);
	free(t);
	return 0;
}
