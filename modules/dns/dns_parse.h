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
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "a name is read and written 8 bytes at a time, little-endian"
#endif
/* the 8 bytes at OFF < LEN: the window's slack holds those past it */
static __always_inline __u64 dns_word(const __u8 *b, __u32 off)
{
	barrier_var(off);
	return *(const __u64 *)(b + (off & 0xff));
}
static __always_inline void dns_put_word(char *name, __u32 at, __u64 w)
{
	barrier_var(at);
	*(__u64 *)(name + (at & (DNS_NAME_MAX - 1))) = w;
}
#else
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
/* B holds 256 bytes, LEN of them captured: como_pkt_byte()'s contract */
static inline int dns_byte(const __u8 *b, __u32 len, __u32 off)
{
	return off < len ? b[off & 0xff] : -1;
}
/* the kernel's 8-byte load and store, little-endian, byte by byte */
static inline __u64 dns_word(const __u8 *b, __u32 off)
{
	__u64 w = 0;
	int i;

	for (i = 7; i >= 0; i--)
		w = w << 8 | b[(off + i) & 0xff];
	return w;
}
static inline void dns_put_word(char *name, __u32 at, __u64 w)
{
	int i;

	for (i = 0; i < 8; i++, w >>= 8)
		name[(at & (DNS_NAME_MAX - 1)) + i] = w;
}
#endif

#define DNS_BYTES(c)	(0x0101010101010101ULL * (c))
/* a name has at most 64 labels (of 1 character) and the root */
#define DNS_LABELS_MAX	(DNS_NAME_MAX / 2 + 1)

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
	__u32 left;		/* unused */
	__s32 status;		/* DNS_*, or -1 while walking */
	__u32 pad;
};

struct dns_walk {
	const __u8 *b;
	struct dns_scan *s;
};

/* Bit 7 of each byte of W that is 0. */
static __always_inline __u64 dns_zero_bytes(__u64 w)
{
	return ~(((w & DNS_BYTES(0x7f)) + DNS_BYTES(0x7f)) | w | DNS_BYTES(0x7f));
}

/* W with its bytes 'A' to 'Z' in lower case. */
static __always_inline __u64 dns_lower(__u64 w)
{
	__u64 t = w & DNS_BYTES(0x7f);
	__u64 upper = (t + DNS_BYTES(0x80 - 'A')) & ~(t + DNS_BYTES(0x80 - 'Z' - 1)) &
		      ~w & DNS_BYTES(0x80);

	return w | upper >> 2;
}

/*
 * The label at s->pos (its length byte, then its characters, 8 at a
 * time), appended to the name: bpf_loop()'s callback, or a loop's body.
 */
static long dns_label_step(__u32 i, void *data)
{
	struct dns_scan *s = ((struct dns_walk *)data)->s;
	const __u8 *b = ((struct dns_walk *)data)->b;
	int c = dns_byte(b, s->len, s->pos);
	__u64 w, mask, bad = 0;
	__u32 n, k;

	if (c < 0) {
		s->status = DNS_CUT;
	} else if (!c) {
		if (!s->out)
			s->key.name[0] = '.';	/* the root */
		s->pos++;
		s->status = DNS_OK;
	} else if (c & 0xc0) {
		s->status = DNS_BAD;	/* a pointer, or a reserved label type */
	} else if (s->out + !!s->out + c > DNS_NAME_MAX - 1) {
		s->status = DNS_LONG;
	} else {
		if (s->out)
			s->key.name[s->out++ & (DNS_NAME_MAX - 1)] = '.';
		s->pos++;
		/* the label's characters captured: a word at a time */
		n = s->pos < s->len ? s->len - s->pos : 0;
		n = n < (__u32)c ? n : (__u32)c;
		for (k = 0; k < 64; k += 8) {
			if (k >= n)
				break;
			w = dns_word(b, s->pos + k);
			mask = n - k >= 8 ? ~0ULL : (1ULL << (n - k) * 8) - 1;
			/* a NUL ends the name when printed, a '.' splits a label */
			bad |= (dns_zero_bytes(w) | dns_zero_bytes(w ^ DNS_BYTES('.'))) &
			       mask;
			/* the bytes past the label are written 0 */
			dns_put_word(s->key.name, s->out + k, dns_lower(w) & mask);
		}
		if (bad)
			s->status = DNS_BAD;
		else if (n < (__u32)c)
			s->status = DNS_CUT;
		s->out += c;
		s->pos += c;
	}
	return s->status >= 0;
}

static __always_inline int dns_name(const __u8 *b, struct dns_scan *s)
{
	struct dns_walk w = { .b = b, .s = s };

	s->out = 0;
	s->status = -1;
#ifdef __bpf__
	bpf_loop(DNS_LABELS_MAX, dns_label_step, &w, 0);
#else
	__u32 i;

	for (i = 0; i < DNS_LABELS_MAX && !dns_label_step(i, &w); i++)
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
	int flags, hi, lo, bad;

	__builtin_memset(k, 0, sizeof(*k));
	/* the header's last byte captured, so are the others */
	if (dns_byte(b, s->len, off + DNS_HDR_LEN - 1) < 0) {
		k->malformed = DNS_CUT;
		return;
	}
	flags = dns_byte(b, s->len, off + 2) << 8 | dns_byte(b, s->len, off + 3);
	s->pos = off + DNS_HDR_LEN;
	/* qdcount */
	if (dns_byte(b, s->len, off + 4) | dns_byte(b, s->len, off + 5))
		bad = dns_name(b, s);
	else
		bad = DNS_BAD;
	hi = dns_byte(b, s->len, s->pos);
	lo = dns_byte(b, s->len, s->pos + 1);
	if (!bad && lo < 0)
		bad = DNS_CUT;
	/* after the name: its last word may have run over these */
	__builtin_memset(&k->qtype, 0, sizeof(*k) - sizeof(k->name));
	k->qr = flags >> 15;
	k->opcode = flags >> 11 & 0xf;
	k->rcode = flags & 0xf;
	k->malformed = bad;
	if (bad) {
		__builtin_memset(k->name, 0, sizeof(k->name));
		return;
	}
	k->qtype = hi << 8 | lo;
}

#endif /* _DNS_PARSE_H */
