/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns's reading of a DNS message from a packet's captured bytes: the
 * header and the first question. It reads bytes from the wire, so it is
 * plain C that the capture side and the fuzz target (tests/fuzz/fuzz_dns.c)
 * compile alike: the fuzzer runs the code the kernel runs. Every byte is
 * read through dns_byte(), -1 past the LEN bytes captured.
 */
#ifndef _DNS_PARSE_H
#define _DNS_PARSE_H

#include "dns.h"

#define DNS_HDR_LEN	12
/* a name of DNS_NAME_MAX - 1 characters is that many bytes and two more */
#define DNS_WIRE_MAX	(DNS_NAME_MAX + 1)

#ifdef __bpf__
#define dns_byte como_pkt_byte
#else
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
/* B holds 256 bytes, LEN of them captured: como_pkt_byte()'s contract */
static inline int dns_byte(const __u8 *b, __u32 len, __u32 off)
{
	return off < len ? b[off & 0xff] : -1;
}
#endif

/*
 * A message being read: its key, and where the walk over the name is.
 * In the kernel it lives in a per-CPU map, not on the stack: the verifier
 * then sees the walk's numbers as unknown at each step of bpf_loop() and
 * checks the step once, not once for every value they take.
 */
struct dns_scan {
	struct dns_key key;
	__u32 len;		/* bytes captured, from the frame's start */
	__u32 pos;		/* the byte to read next */
	__u32 out;		/* characters of the name written */
	__u32 left;		/* bytes left of the current label */
	__s32 status;		/* DNS_*, or -1 while walking */
	__u32 pad;
};

struct dns_walk {
	const __u8 *b;
	struct dns_scan *s;
};

/* One label length or character: bpf_loop()'s callback, or a loop's body. */
static long dns_name_step(__u32 i, void *data)
{
	struct dns_scan *s = ((struct dns_walk *)data)->s;
	int c = dns_byte(((struct dns_walk *)data)->b, s->len, s->pos++);

	if (c < 0) {
		s->status = DNS_CUT;
	} else if (s->left) {
		s->left--;
		/* a NUL ends the name when printed, a '.' splits a label */
		if (!c || c == '.')
			s->status = DNS_BAD;
		s->key.name[s->out++ & (DNS_NAME_MAX - 1)] =
			c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
	} else if (!c) {
		if (!s->out)
			s->key.name[0] = '.';	/* the root */
		s->status = DNS_OK;
	} else if (c & 0xc0) {
		s->status = DNS_BAD;	/* a pointer, or a reserved label type */
	} else if (s->out + !!s->out + c > DNS_NAME_MAX - 1) {
		s->status = DNS_LONG;
	} else {
		if (s->out)
			s->key.name[s->out++ & (DNS_NAME_MAX - 1)] = '.';
		s->left = c;
	}
	return s->status >= 0 || i + 1 >= DNS_WIRE_MAX;
}

static __always_inline int dns_name(const __u8 *b, struct dns_scan *s)
{
	struct dns_walk w = { .b = b, .s = s };

	s->out = 0;
	s->left = 0;
	s->status = -1;
#ifdef __bpf__
	bpf_loop(DNS_WIRE_MAX, dns_name_step, &w, 0);
#else
	__u32 i;

	for (i = 0; !dns_name_step(i, &w); i++)
		;
#endif
	return s->status < 0 ? DNS_LONG : s->status;
}

/*
 * The message at OFF of the S->LEN bytes at B into S->key. A question
 * that cannot be read leaves the name empty and says why in malformed.
 */
static __always_inline void dns_parse(const __u8 *b, __u32 off,
				      struct dns_scan *s)
{
	struct dns_key *k = &s->key;
	int flags, hi, lo;

	__builtin_memset(k, 0, sizeof(*k));
	/* the header's last byte captured, so are the others */
	if (dns_byte(b, s->len, off + DNS_HDR_LEN - 1) < 0) {
		k->malformed = DNS_CUT;
		return;
	}
	flags = dns_byte(b, s->len, off + 2) << 8 | dns_byte(b, s->len, off + 3);
	k->qr = flags >> 15;
	k->opcode = flags >> 11 & 0xf;
	k->rcode = flags & 0xf;
	s->pos = off + DNS_HDR_LEN;
	/* qdcount */
	if (dns_byte(b, s->len, off + 4) | dns_byte(b, s->len, off + 5))
		k->malformed = dns_name(b, s);
	else
		k->malformed = DNS_BAD;
	hi = dns_byte(b, s->len, s->pos);
	lo = dns_byte(b, s->len, s->pos + 1);
	if (!k->malformed && lo < 0)
		k->malformed = DNS_CUT;
	if (k->malformed) {
		__builtin_memset(k->name, 0, sizeof(k->name));
		return;
	}
	k->qtype = hi << 8 | lo;
}

#endif /* _DNS_PARSE_H */
