/* SPDX-License-Identifier: BSD-3-Clause */
/* dns: the types both sides share. */
#ifndef _DNS_H
#define _DNS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* keys (name, type, direction, code) with packets in one interval, per CPU */
#define DNS_NAMES	16384
/*
 * and one row per (direction, opcode, rcode) for the packets of keys that
 * came once the names were full: counted together, with no name or type
 * (malformed DNS_OTHERS), so that an interval's totals stay whole
 */
#define DNS_OTHER_ROWS	(2 * 16 * 16)
#define DNS_ENTRIES	(DNS_NAMES + DNS_OTHER_ROWS)
/* bytes of a name as text, its NUL included: 127 characters at most */
#define DNS_NAME_MAX	128

/* why a question was not read: the record's 'malformed' */
#define DNS_OK		0
#define DNS_CUT		1	/* the header or the question was not captured */
#define DNS_BAD		2	/* no question, a pointer, a bad label or byte */
#define DNS_LONG	3	/* a name longer than DNS_NAME_MAX - 1 */
#define DNS_OTHERS	4	/* the keys that did not fit, together */

struct dns_key {
	char name[DNS_NAME_MAX];	/* lower case, labels joined by '.' */
	__u16 qtype;
	__u8 qr;		/* 0 query, 1 response */
	__u8 opcode;
	__u8 rcode;
	__u8 malformed;		/* DNS_* */
	__u8 pad[2];
};

struct dns_val {
	__u64 pkts;
};

struct dns_rec {
	char name[DNS_NAME_MAX];
	__u16 qtype;
	__u8 qr;
	__u8 opcode;
	__u8 rcode;
	__u8 malformed;
	__u8 pad[2];
	__u64 pkts;
};

#endif /* _DNS_H */
