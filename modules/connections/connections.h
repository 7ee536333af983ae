/* SPDX-License-Identifier: BSD-3-Clause */
/* connections: the types both sides share. */
#ifndef _CONNECTIONS_H
#define _CONNECTIONS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define CONN_ENTRIES	131072	/* TCP connections with packets in one interval */

/* both directions are one key: the lower (address, port) end first */
struct connections_key {
	__u8 a[16];		/* network order */
	__u8 b[16];
	__u16 port_a;		/* host order */
	__u16 port_b;
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
};

#endif /* _CONNECTIONS_H */
