/* SPDX-License-Identifier: BSD-3-Clause */
/* flows: the types both sides share. */
#ifndef _FLOWS_H
#define _FLOWS_H

#define FLOWS_ENTRIES	65536	/* flows with packets in one interval, per CPU */

/* A flow: the 5-tuple and the outer VLAN, as NetFlow keys it. */
struct flows_key {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;	/* host order; ICMP: 0 */
	__u16 dport;	/* host order; ICMP: type << 8 | code */
	__u16 vlan;
	__u8 proto;
	__u8 pad;	/* zero: keys are compared byte by byte */
};

/* Its packets in one interval, on one CPU (folded across CPUs: fold). */
struct flows_val {
	__u64 pkts;
	__u64 bytes;
	__u64 first_ns;
	__u64 last_ns;
	__u32 tcp_flags;	/* or of every packet's */
	__u32 pad;
};

#endif
