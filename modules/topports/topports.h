/* SPDX-License-Identifier: BSD-3-Clause */
/* topports: the types both sides share. */
#ifndef _TOPPORTS_H
#define _TOPPORTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* every port of TCP, UDP and SCTP fits: the map is never full */
#define TOPPORTS_ENTRIES	(3 * 65536)

struct topports_key {
	__u16 port;		/* destination port, host order */
	__u8 proto;		/* 6, 17 or 132 */
	__u8 pad;
};

struct topports_val {
	__u64 pkts;
	__u64 bytes;
};

/* ranked by: */
#define TOPPORTS_BY_BYTES	1
#define TOPPORTS_BY_PKTS	2

struct topports_rec {
	__u8 by;		/* TOPPORTS_BY_* */
	__u8 proto;
	__u16 port;
	__u32 rank;
	__u64 pkts;
	__u64 bytes;
};

#endif /* _TOPPORTS_H */
