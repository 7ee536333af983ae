/* SPDX-License-Identifier: BSD-3-Clause */
/* topports: the types both sides share. */
#ifndef _TOPPORTS_H
#define _TOPPORTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Every port of TCP, UDP and SCTP has a row of its own (an array: the
 * key is the row, nothing to hash or probe), so the table is never full:
 * the protocol's place among the three times 65536, plus the port.
 */
#define TOPPORTS_PORTS		65536
#define TOPPORTS_ENTRIES	(3 * TOPPORTS_PORTS)

/* 0, 1 or 2 for TCP, UDP and SCTP; -1 for any other protocol */
static inline int topports_proto_place(__u8 proto)
{
	return proto == 6 ? 0 : proto == 17 ? 1 : proto == 132 ? 2 : -1;
}

static inline __u8 topports_row_proto(__u32 row)
{
	__u32 place = row / TOPPORTS_PORTS;

	return place == 0 ? 6 : place == 1 ? 17 : 132;
}

static inline __u16 topports_row_port(__u32 row)
{
	return row % TOPPORTS_PORTS;
}

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
