/* SPDX-License-Identifier: BSD-3-Clause */
/* scan: the types both sides share. */
#ifndef _SCAN_H
#define _SCAN_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SCAN_ENTRIES	262144	/* (source, destination, port) per interval */

struct scan_key {
	__u8 src[16];		/* network order, IPv4-mapped */
	__u8 dst[16];
	__u16 port;		/* destination port, host order; 0 if !ported */
	__u8 proto;
	__u8 ported;		/* TCP, UDP or SCTP with its header read */
};

struct scan_val {
	__u64 pkts;
};

struct scan_rec {
	__u8 src[16];
	__u32 dsts;		/* distinct destination addresses */
	__u32 ports;		/* distinct destination (protocol, port) */
	__u64 pkts;
};

#endif /* _SCAN_H */
