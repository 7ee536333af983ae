/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * @NAME@: the types both sides of the module share. @NAME@.bpf.c (the
 * capture side, run by the kernel for every packet) writes the state;
 * @NAME@.c (the user side, run by comod when an interval closes) reads it
 * and emits records. One definition, so the two cannot disagree.
 *
 * Fixed-width types only and no padding left to the compiler: the kernel
 * and user space must see the same bytes. Include this after
 * module.bpf.h or <como/module.h>, which give __u8 ... __u64.
 */
#ifndef _@NAME_UPPER@_H
#define _@NAME_UPPER@_H

/* the state's key: one entry per IP version and protocol seen */
struct @NAME@_key {
	__u8 ip_ver;		/* 4, 6, or 0 for a frame that is not IP */
	__u8 proto;		/* IP protocol number, 0 when not IP */
	__u8 pad[2];		/* zero: keys are compared byte by byte */
};

/*
 * The state's value. Each CPU counts in its own copy (COMO_TABLE)
 * and comod adds the copies up when the interval closes, so the fields
 * are __u64 counters.
 */
struct @NAME@_val {
	__u64 pkts;		/* packets */
	__u64 bytes;		/* bytes on the wire */
};

/* What is stored, one record per key per interval (see @NAME@_schema). */
struct @NAME@_rec {
	__u8 ip_ver;
	__u8 proto;
	__u8 pad[6];
	__u64 pkts;
	__u64 bytes;
};

/* at most this many keys in one interval; more are counted as errors */
#define @NAME_UPPER@_MAX_KEYS	1024

#endif /* _@NAME_UPPER@_H */
