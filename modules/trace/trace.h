/* SPDX-License-Identifier: BSD-3-Clause */
/* trace: the types both sides share. */
#ifndef _TRACE_H
#define _TRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* packets a CPU can keep per interval: the bound of max= */
#define TRACE_ROWS		32768
#define TRACE_SNAP_DEFAULT	96
#define TRACE_SNAP_MAX		240	/* the window a module sees, COMO_SNAP */

/* the capture side's constants (COMO_ARGS), from init()'s arguments */
struct trace_args {
	__u32 snap;		/* bytes kept, at most TRACE_SNAP_MAX */
	__u32 payload;		/* 1: past the transport header too */
	__u32 max;		/* packets a CPU keeps per interval */
	__u32 pad;
};

/*
 * A CPU's packets in the order they came: unique, so never folded. A
 * trace's batch runs on one CPU, so (batch, seq) is the trace's order.
 */
struct trace_key {
	__u32 seq;
	__u32 cpu;
	__u32 batch;		/* the trace batch it came in; 0 live */
	__u32 pad;
};

struct trace_val {
	__u64 ts;		/* ns since the Unix epoch */
	__u32 wirelen;
	__u32 caplen;		/* bytes kept: min(captured, snap, L4 end) */
	__u16 linktype;		/* DLT_* */
	__u16 pad[3];
	__u8 bytes[TRACE_SNAP_MAX];
};

/*
 * A record. Stored as time, wirelen, caplen, linktype and the caplen bytes
 * (store()); head, the first bytes in hex for printing, is made by load().
 */
#define TRACE_HEAD_BYTES	64
struct trace_rec {
	__u64 time;		/* the packet's; the record's ts is its interval */
	__u32 wirelen;
	__u32 caplen;
	__u16 linktype;
	char head[2 * TRACE_HEAD_BYTES + 1];
	__u8 bytes[TRACE_SNAP_MAX];
};

#endif /* _TRACE_H */
