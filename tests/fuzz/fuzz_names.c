// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer: module instance names (user/lib/names.c, the rule of
 * include/como/name.h that como.ko applies too). An accepted name is one
 * path component within the length; the reason for a refusal, and any
 * escaped text, holds printable ASCII only and fits its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "names.h"

static void printable_or_abort(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		abort();	/* not terminated within its buffer */
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

static void accepted(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > COMO_NAME_LEN || strchr(s, '/') || !strcmp(s, ".") ||
	    !strcmp(s, "..") || s[0] == '.' || s[0] == '-')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256], small[32];
	unsigned int at;
	char *s = malloc(size + 1);
	int err;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err = como_name_check(s, why, sizeof(why));
	/* the kernel's checker is the same rule: both agree */
	if (!err != (como_name_fault(s, &at) == COMO_NAME_OK))
		abort();
	if (!err)
		accepted(s);
	else
		printable_or_abort(why, sizeof(why));
	/* escaping into a buffer sized by the input's first byte */
	como_name_escape(small, size ? 1 + data[0] % sizeof(small) : 1, s);
	printable_or_abort(small, sizeof(small));
	free(s);
	return 0;
}
