// SPDX-License-Identifier: BSD-3-Clause
/*
 * A name from outside is shown escaped: a config or a request could
 * carry terminal escapes that would act on whoever reads the log.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "names.h"

char *como_name_escape(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char c;

	if (!size)
		return dst;
	for (; src && (c = *src); src++) {
		size_t need = c >= 0x20 && c < 0x7f ? 1 : 4;

		/* room for this, and for "..." should more follow */
		if (o + need + (src[1] ? 3 : 0) >= size) {
			if (o + 3 < size) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			dst[o++] = c;
			continue;
		}
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	dst[o] = '\0';
	return dst;
}

int como_name_check(const char *name, char *why, size_t len)
{
	enum como_name_fault f;
	char shown[96];
	unsigned int at;

	f = como_name_fault(name, &at);
	if (f == COMO_NAME_OK)
		return 0;
	como_name_escape(shown, sizeof(shown), name);
	if (f == COMO_NAME_CHAR)
		snprintf(why, len, "bad instance name '%s': its character %u "
			 "is not one of A-Z a-z 0-9 . _ - or space (a name is "
			 COMO_NAME_RULE ")", shown, at + 1);
	else
		snprintf(why, len, "bad instance name '%s': it %s (a name is "
			 COMO_NAME_RULE ")", shown, como_name_fault_str(f));
	return -EINVAL;
}
