/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * struct como_pkt: the one packet record every module's capture side sees,
 * whatever the source. Shared by BPF and user space, so fixed-width types
 * only and no padding the compiler could place differently.
 *
 * Addresses are 16 bytes in network order; an IPv4 address is stored
 * IPv4-mapped (::ffff:a.b.c.d) so that one key type serves both families.
 */
#ifndef _COMO_PKT_H
#define _COMO_PKT_H

/* BPF programs get the types from vmlinux.h */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* flags */
#define COMO_PKT_VLAN		(1U << 0)	/* at least one 802.1Q/ad tag */
#define COMO_PKT_QINQ		(1U << 1)	/* two tags */
#define COMO_PKT_MPLS		(1U << 2)	/* an MPLS label stack was skipped */
#define COMO_PKT_FRAG		(1U << 3)	/* an IP fragment */
#define COMO_PKT_FRAG_LATER	(1U << 4)	/* fragment offset != 0: no L4 header */
#define COMO_PKT_L4		(1U << 5)	/* sport/dport/tcp_flags are valid */
#define COMO_PKT_TRUNC		(1U << 6)	/* headers cut by caplen or the window */
#define COMO_PKT_IPV6_EXT	(1U << 7)	/* IPv6 extension headers were skipped */

/*
 * Numbers (lengths, ports, VLAN ids, the ethertype, offsets) are in host
 * byte order: the dispatcher reads them big-endian from the headers;
 * addresses are bytes in network order (IPv4 as ::ffff:a.b.c.d).
 */
struct como_pkt {
	__u64 ts;		/* ns since the Unix epoch */
	__u64 match;		/* bit N set: passes the filter of module slot N */
	__u32 len;		/* length on the wire */
	__u32 caplen;		/* bytes the source captured */
	__u32 count;		/* packets this record stands for (flow sources) */
	__u32 sampling;		/* the record stands for 1 in 'sampling' */
	__u8 src[16];
	__u8 dst[16];
	__u16 linktype;		/* DLT_* of the source */
	__u16 l3_proto;		/* ethertype of the network header, 0 if none */
	__u16 l3_off;		/* offsets from the start of the frame */
	__u16 l4_off;
	__u16 sport;		/* ICMP: 0 */
	__u16 dport;		/* ICMP: type << 8 | code, as NetFlow does */
	__u16 vlan;		/* outer VLAN id, 0 if untagged */
	__u16 vlan_inner;
	__u8 ip_ver;		/* 4, 6, or 0 for a non-IP frame */
	__u8 l4_proto;		/* upper-layer protocol after IPv6 extensions */
	__u8 tcp_flags;
	__u8 ttl;		/* TTL or hop limit */
	__u16 flags;		/* COMO_PKT_* */
	__u16 source;		/* which source (interface, trace) it came from */
	__u16 l7_off;		/* TCP/UDP payload's offset in the frame, 0 if
				 * none (it may lie past what was captured) */
	__u16 index;		/* in the batch: como_pkt_bytes() finds it */
	__u32 pad;
};

/* What a source fills in: a module declares the capabilities it needs. */
#define COMO_CAP_TS_NS		(1ULL << 0)	/* per-packet ns timestamps */
#define COMO_CAP_LEN		(1ULL << 1)	/* wire length */
#define COMO_CAP_L3		(1ULL << 2)	/* addresses, protocol */
#define COMO_CAP_L4		(1ULL << 3)	/* ports, TCP flags */
#define COMO_CAP_L2		(1ULL << 4)	/* VLAN, link type */
#define COMO_CAP_PAYLOAD	(1ULL << 5)	/* header bytes beyond L4 */
#define COMO_CAP_PACKETS	(1ULL << 6)	/* one record per packet (count == 1) */

#endif /* _COMO_PKT_H */
