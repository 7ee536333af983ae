/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trace batch: how user space hands many packets to one BPF_PROG_RUN of
 * the XDP dispatcher. One run costs ~2 us whatever it carries, so a trace
 * is fed in frames of up to COMO_BATCH_MAX packets.
 *
 * The XDP metadata area carries struct como_batch_meta. The frame itself is
 * a sequence of records, each a struct como_batch_rec followed by the first
 * min(caplen, COMO_SNAP) bytes of the packet, padded to 8 bytes. The frame
 * ends with COMO_BATCH_TAIL zero bytes so that the dispatcher can always
 * copy a fixed-size window (the verifier wants constant sizes).
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
#define COMO_BATCH_TAIL		COMO_BATCH_WINDOW
/* BPF_PROG_RUN takes at most 73,152 bytes of XDP data on this kernel. */
#define COMO_BATCH_BYTES	(65536 - COMO_BATCH_TAIL)

struct como_batch_meta {
	__u32 magic;
	__u16 count;		/* records in the frame */
	__u16 linktype;		/* DLT_* of every record */
	__u16 source;
	__u16 pad;
	__u32 batch;		/* the frame's number in the trace: tables
				 * keep the order keys came in across CPUs */
};

struct como_batch_rec {
	__u64 ts;		/* ns since the Unix epoch */
	__u32 len;		/* wire length */
	__u32 caplen;		/* captured length; min(caplen, COMO_SNAP) follow */
};

static inline __u32 como_batch_rec_size(__u32 caplen)
{
	__u32 n = caplen < COMO_SNAP ? caplen : COMO_SNAP;

	return (COMO_BATCH_REC_HDR + n + 7) & ~7U;
}

#endif /* _COMO_BATCH_H */
