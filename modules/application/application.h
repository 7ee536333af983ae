/* SPDX-License-Identifier: BSD-3-Clause */
/* application: the types both sides share. */
#ifndef _APPLICATION_H
#define _APPLICATION_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * The kernel counts per protocol and service port; export() maps these
 * to the user's classes, so the table changes without touching the
 * kernel. Key: APP_PORTED | proto << 16 | service port for TCP, UDP and
 * SCTP with a readable header, proto << 16 for other IP packets, APP_NON_IP
 * for the rest. Every key fits: the map is never full.
 */
#define APP_PORTED	(1U << 24)
#define APP_NON_IP	(1U << 25)
#define APP_ENTRIES	(3 * 65536 + 256 + 1)

struct application_val {
	__u64 pkts;
	__u64 bytes;
};

#define APP_OTHER	0	/* the class of what no rule matches */

struct application_rec {
	__u16 class;		/* 1.. in the table's order, APP_OTHER */
	__u16 pad[3];
	__u64 pkts;
	__u64 bytes;
};

#endif /* _APPLICATION_H */
