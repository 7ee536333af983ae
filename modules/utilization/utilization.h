/* SPDX-License-Identifier: BSD-3-Clause */
/* utilization: the types both sides share. */
#ifndef _UTILIZATION_H
#define _UTILIZATION_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Per-CPU values are summed, so a maximum cannot be kept in the kernel:
 * it counts per millisecond (key: ts / UTIL_BUCKET_NS) and export() adds
 * the buckets up into sub-intervals and takes the largest. The interval's
 * totals have a key of their own, inserted first, so that they are exact
 * even when the buckets do not fit (an interval of more than
 * UTIL_BUCKETS ms with traffic in each).
 */
#define UTIL_BUCKET_NS	1000000ULL
#define UTIL_BUCKETS	65536
#define UTIL_TOTAL	(~0ULL)

struct utilization_val {
	__u64 pkts;
	__u64 bytes;
};

struct utilization_rec {
	__u64 pkts;
	__u64 bytes;
	__u64 bps;		/* bits per second over the interval */
	__u64 pps;		/* packets per second */
	__u64 peak_bps;		/* the largest over a sub-interval */
	__u64 peak_pps;
};

#endif /* _UTILIZATION_H */
