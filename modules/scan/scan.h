/* SPDX-License-Identifier: BSD-3-Clause */
/* scan: the types both sides share. */
#ifndef _SCAN_H
#define _SCAN_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include <como/sketch.h>

/* (source, destination, port) per interval and CPU, counted exactly */
#define SCAN_EXACT	262144
/*
 * Past them, a source's destinations and ports set bits in two bitmaps of
 * its own, SCAN_BITS each, SCAN_WORDS rows of 64 bits: for SCAN_SOURCES
 * sources per interval and CPU.
 */
#define SCAN_BITS_LOG	9
#define SCAN_BITS	(1U << SCAN_BITS_LOG)
#define SCAN_WORDS	(SCAN_BITS / 64)
#define SCAN_SOURCES	4096
#define SCAN_ENTRIES	(SCAN_EXACT + 2 * SCAN_WORDS * SCAN_SOURCES)

/* 'ported' of a bitmap's row: its word number is in 'port' */
#define SCAN_DST_BITS	2
#define SCAN_PORT_BITS	3
/* and of the row, kept for it, that counts the packets no bitmap took */
#define SCAN_BITS_FULL	4

struct scan_key {
	__u8 src[16];		/* network order, IPv4-mapped */
	__u8 dst[16];		/* zero in a bitmap's row */
	__u16 port;		/* destination port, host order; 0 if !ported */
	__u8 proto;
	__u8 ported;		/* TCP, UDP or SCTP with its header read; or
				 * SCAN_DST_BITS, SCAN_PORT_BITS */
};

struct scan_val {
	__u64 pkts;		/* a bitmap's: the packets that set its bits */
	__u64 bits;
};

struct scan_rec {
	__u8 src[16];
	__u32 dsts;		/* distinct destination addresses; at least */
	__u32 ports;		/* distinct destination (protocol, port); at least */
	__u64 pkts;
	__u8 exact;		/* 1: counted exactly; 0: from its bitmaps too */
	__u8 pad[3];
	__u32 dsts_err;		/* the true count is at most this above;
				 * SCAN_ERR_UNKNOWN: bitmaps were full */
	__u32 ports_err;
	__u32 pad2;
};

#define SCAN_ERR_UNKNOWN	0xffffffffU

/* The bit of a destination address, and of a (protocol, port). */
static inline __u32 scan_dst_bit(const __u8 *dst)
{
	__u32 w[4];

	__builtin_memcpy(w, dst, sizeof(w));
	return como_sketch_col(w, 0, SCAN_BITS_LOG);
}

static inline __u32 scan_port_bit(__u8 proto, __u16 port)
{
	__u32 w[4] = { (__u32)proto << 16 | port, 0, 0, 0 };

	return como_sketch_col(w, 1, SCAN_BITS_LOG);
}

#endif /* _SCAN_H */
