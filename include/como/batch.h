/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trace batch: how user space hands many packets to one BPF_PROG_RUN of
 * the XDP dispatcher. One run costs ~2 us whatever it carries, so a trace
 * is fed in batches of up to COMO_BATCH_MAX packets.
 *
 * The packets are not in the run's data: comod writes them where the
 * dispatcher reads a packet's window anyway, this CPU's como_win (a
 * mmapable array, include/como/maps.h), packet i in window i: a struct
 * como_batch_rec, then the first min(caplen, COMO_SNAP) bytes. The run's
 * data is struct como_batch_meta, in the XDP metadata area, and a few
 * bytes: the kernel copies nothing else, and the dispatcher neither.
 * The meta says which CPU's windows were written: a run on another CPU
 * is refused (XDP_ABORTED) and comod writes them again where it runs.
 *
 * A frame without this metadata is one live packet (XDP on an interface).
 */
#ifndef _COMO_BATCH_H
#define _COMO_BATCH_H

/* BPF programs get the types from vmlinux.h */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define COMO_BATCH_MAGIC	0x436f4d6fU	/* "CoMo" */
#define COMO_BATCH_MAX		512		/* packets in one run */
#define COMO_SNAP		240		/* header bytes the parser sees */
#define COMO_BATCH_REC_HDR	16
#define COMO_BATCH_WINDOW	(COMO_BATCH_REC_HDR + COMO_SNAP)
/* the run's data: the meta, then bytes XDP wants there (an Ethernet header) */
#define COMO_BATCH_DATA		64

struct como_batch_meta {
	__u32 magic;
	__u16 count;		/* packets, in como_win[cpu] */
	__u16 linktype;		/* DLT_* of every packet */
	__u16 source;
	__u16 cpu;		/* whose windows hold them */
	__u32 batch;		/* the batch's number in the trace: tables
				 * keep the order keys came in across CPUs */
};

struct como_batch_rec {
	__u64 ts;		/* ns since the Unix epoch */
	__u32 len;		/* wire length */
	__u32 caplen;		/* captured length; min(caplen, COMO_SNAP) follow */
};

#endif /* _COMO_BATCH_H */
