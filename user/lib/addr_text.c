// SPDX-License-Identifier: BSD-3-Clause
/*
 * An address as text, by hand: a query of a day prints hundreds of
 * thousands of them, and glibc's inet_ntop() formats each group with
 * sprintf() (a fifth of such a query). The text is inet_ntop()'s, byte
 * for byte, its quirks too (tests/fuzz/fuzz_addr_text.c holds the two
 * to it).
 */
#include <arpa/inet.h>
#include <string.h>
#include "out.h"

#define ADDR_TEXT_MAX	INET6_ADDRSTRLEN	/* with its NUL */

/* A.B.C.D at BUF: its length */
static size_t v4_text(const __u8 *a, char *buf)
{
	size_t n = 0;
	unsigned int i, v;

	for (i = 0; i < 4; i++) {
		v = a[i];
		if (i)
			buf[n++] = '.';
		if (v >= 100)
			buf[n++] = '0' + v / 100;
		if (v >= 10)
			buf[n++] = '0' + v / 10 % 10;
		buf[n++] = '0' + v % 10;
	}
	buf[n] = '\0';
	return n;
}

static size_t hex_group(unsigned int w, char *buf)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = 0;
	int shift;

	for (shift = 12; shift > 0 && !(w >> shift); shift -= 4)
		;
	for (; shift >= 0; shift -= 4)
		buf[n++] = digits[w >> shift & 0xf];
	return n;
}

/*
 * RFC 5952 as inet_ntop() writes it: the longest run of two or more zero
 * groups (the first of equal ones) as "::", and the last 32 bits as
 * A.B.C.D after six zero groups or five and ffff.
 */
static void v6_text(const __u8 *a, char *buf)
{
	int best = -1, best_len = 0, cur = -1, cur_len = 0, i;
	unsigned int w[8];
	size_t n = 0;

	for (i = 0; i < 8; i++) {
		w[i] = a[2 * i] << 8 | a[2 * i + 1];
		if (!w[i]) {
			if (cur < 0)
				cur = i, cur_len = 0;
			if (++cur_len > best_len && cur_len >= 2)
				best = cur, best_len = cur_len;
		} else {
			cur = -1;
		}
	}
	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				buf[n++] = ':';
			continue;
		}
		if (i)
			buf[n++] = ':';
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
			v4_text(a + 12, buf + n);
			return;
		}
		n += hex_group(w[i], buf + n);
	}
	if (best >= 0 && best + best_len == 8)
		buf[n++] = ':';
	buf[n] = '\0';
}

void addr_format(const __u8 a[16], char *buf, size_t size)
{
	static const __u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = !memcmp(a, v4mapped, sizeof(v4mapped));

	if (size < ADDR_TEXT_MAX) {
		inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? a + 12 : a, buf, size);
		return;
	}
	if (v4)
		v4_text(a + 12, buf);
	else
		v6_text(a, buf);
}
