/* SPDX-License-Identifier: BSD-3-Clause */
/* counter: the types both sides share. */
#ifndef _COUNTER_H
#define _COUNTER_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * One row, key 0, a CPU; comod adds the CPUs' rows up. The folded value
 * is the record export() stores as it is, so one type serves both.
 */
struct counter_val {
	__u64 pkts;		/* packets (a flow record's count) */
	__u64 bytes;		/* bytes on the wire */
};

#endif /* _COUNTER_H */
