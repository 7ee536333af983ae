// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer, differential: every 16-byte address as addr_format() writes
 * it (user/lib/addr_text.c, by hand) and as glibc's inet_ntop() does
 * (what it replaced): the same text, or abort.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const __u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	char got[64], want[INET6_ADDRSTRLEN];
	__u8 a[16] = { 0 };

	/* short inputs fill the tail: zero runs and mapped prefixes come often */
	memcpy(a + 16 - (size < 16 ? size : 16), data, size < 16 ? size : 16);
	if (size > 16 && data[16] & 1)
		memcpy(a, v4mapped, sizeof(v4mapped));
	addr_format(a, got, sizeof(got));
	if (!memcmp(a, v4mapped, sizeof(v4mapped)))
		inet_ntop(AF_INET, a + 12, want, sizeof(want));
	else
		inet_ntop(AF_INET6, a, want, sizeof(want));
	if (strcmp(got, want))
		abort();
	return 0;
}
