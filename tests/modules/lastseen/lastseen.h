/* SPDX-License-Identifier: BSD-3-Clause */
/* lastseen: the types both sides share. */
#ifndef _LASTSEEN_H
#define _LASTSEEN_H

struct lastseen_key {
	__u8 addr[16];
};

struct lastseen_val {
	__u64 pkts;
	__u64 first_ns;		/* folded: the least of the CPUs' */
	__u64 last_ns;		/* the greatest */
	__u32 flags;		/* or: 1 if a packet was TCP */
	__u32 pad;
};

#endif
