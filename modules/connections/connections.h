/* SPDX-License-Identifier: BSD-3-Clause */
/* connections: the types both sides share. */
#ifndef _CONNECTIONS_H
#define _CONNECTIONS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* TCP connections with packets in one interval and CPU, tracked */
#define CONN_TRACKED	131072
/* and the row of those that came once they were full: counted, untracked */
#define CONN_ENTRIES	(CONN_TRACKED + 1)

/* both directions are one key: the lower (address, port) end first */
struct connections_key {
	__u8 a[16];		/* network order */
	__u8 b[16];
	__u16 port_a;		/* host order */
	__u16 port_b;
	__u32 untracked;	/* 1: the row of the untracked, all else 0 */
};

struct connections_val {
	__u64 pkts;
	__u64 syns;		/* SYN without ACK: an opening */
	__u64 fins;
	__u64 rsts;
};

struct connections_rec {
	__u64 active;		/* open at some time in the interval */
	__u64 opened;		/* of those, opened in it */
	__u64 closed;		/* of those, closed in it (FIN or RST) */
	/*
	 * packets of connections the kernel could not track (its table was
	 * full): left out of the three above, which are then low by at most
	 * untracked_syns openings (active, opened) and untracked_ends ends
	 * (closed), in this interval
	 */
	__u64 untracked_pkts;
	__u64 untracked_syns;	/* SYNs without ACK among them */
	__u64 untracked_ends;	/* FIN or RST among them */
};

#endif /* _CONNECTIONS_H */
