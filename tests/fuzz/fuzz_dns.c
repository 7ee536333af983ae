// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer: the dns module's reading of a DNS message
 * (modules/dns/dns_parse.h, the code its capture side runs in the
 * kernel). The first input byte is where the message starts in the
 * frame, the rest is the frame, captured as the kernel's window is (at
 * most COMO_SNAP bytes of a 256-byte buffer). Whatever the bytes, a
 * question read has a name that its wire form accounts for, byte for
 * byte, and one not read leaves the name empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../modules/dns/dns_parse.h"

#define SNAP	240	/* COMO_SNAP */

static const char zero[DNS_NAME_MAX];

/* NAME as the labels from B + POS spell it, read apart from the parser */
static void wire_or_abort(const __u8 *b, __u32 pos, const char *name)
{
	char text[256 + 64];
	__u32 n = 0, i;
	__u8 c;

	while (b[pos]) {
		if (b[pos] > 63 || n > 200)
			abort();
		if (n)
			text[n++] = '.';
		for (i = 0; i < b[pos]; i++) {
			c = b[pos + 1 + i];
			text[n++] = c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
		}
		pos += 1 + b[pos];
	}
	if (!n)
		text[n++] = '.';
	text[n] = '\0';
	if (strcmp(text, name))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u8 frame[256] = { 0 };
	struct dns_scan s;
	struct dns_key *k = &s.key;
	__u32 off, n;

	if (size < 1)
		return 0;
	off = data[0];
	n = size - 1 < SNAP ? size - 1 : SNAP;
	memcpy(frame, data + 1, n);
	memset(&s, 0xa5, sizeof(s));	/* what the kernel's map held before */
	s.len = n;
	dns_parse(frame, off, &s);

	if (k->malformed > DNS_LONG || k->name[DNS_NAME_MAX - 1] ||
	    k->pad[0] || k->pad[1])
		abort();
	if (off + DNS_HDR_LEN > n) {
		if (k->malformed != DNS_CUT || k->qr || k->opcode || k->rcode)
			abort();
	} else if (k->qr != frame[off + 2] >> 7 ||
		   k->opcode != (frame[off + 2] >> 3 & 0xf) ||
		   k->rcode != (frame[off + 3] & 0xf)) {
		abort();
	}
	if (k->malformed) {
		if (k->qtype || memcmp(k->name, zero, sizeof(zero)))
			abort();
		return 0;
	}
	/* a question read lies whole within what was captured */
	if (s.pos + 2 > n || k->qtype != (frame[s.pos] << 8 | frame[s.pos + 1]))
		abort();
	/* the root is one zero byte; other names a length byte more a label */
	if ((strcmp(k->name, ".") ? strlen(k->name) + 2 : 1) !=
	    s.pos - off - DNS_HDR_LEN)
		abort();
	wire_or_abort(frame, off + DNS_HDR_LEN, k->name);
	return 0;
}
