/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packets written as a pcap (libpcap's savefile, ns timestamps) to a
 * stream: what 'como query -f pcap' makes of a module's replay(). The
 * file's link type is its first packet's; DLT_EN10MB for none.
 */
#ifndef _COMO_PCAPOUT_H
#define _COMO_PCAPOUT_H

#include <stdio.h>
#include <como/pkt.h>

struct pcap_out;

/* F belongs to it from here on: pcap_out_close() closes it. */
int pcap_out_open(struct pcap_out **pop, FILE *f);
/* 0, or -EXDEV for a packet of another link type (not written) */
int pcap_out_packet(struct pcap_out *po, const struct como_pkt *pkt,
		    const void *bytes, __u32 len);
/* Writes the file's header when no packet did; 0 or -EIO. */
int pcap_out_close(struct pcap_out *po);

#endif
