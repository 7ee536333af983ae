/* SPDX-License-Identifier: BSD-3-Clause */
/* synflood: the types both sides share. */
#ifndef _SYNFLOOD_H
#define _SYNFLOOD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SYNFLOOD_ENTRIES	65536	/* hosts per interval */

struct synflood_key {
	__u8 addr[16];		/* network order, IPv4-mapped */
};

struct synflood_val {
	__u64 syns;		/* SYNs without ACK it received */
	__u64 synacks;		/* SYN-ACKs it sent */
};

struct synflood_rec {
	__u8 addr[16];
	__u64 syns;
	__u64 synacks;
};

#endif /* _SYNFLOOD_H */
