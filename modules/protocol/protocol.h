/* SPDX-License-Identifier: BSD-3-Clause */
/* protocol: the types both sides share. */
#ifndef _PROTOCOL_H
#define _PROTOCOL_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * An array keyed by the IP protocol number: every key fits, so the table
 * is never full. Frames that are not IP count in no row.
 */
#define PROTOCOL_ENTRIES	256

struct protocol_val {
	__u64 pkts;
	__u64 bytes;
};

/* one record per protocol with packets in the interval */
struct protocol_rec {
	__u8 proto;		/* IP protocol, after IPv6 extension headers */
	__u8 pad[7];
	__u64 pkts;
	__u64 bytes;
};

#endif /* _PROTOCOL_H */
