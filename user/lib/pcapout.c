// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcapout.h over libpcap: a dead pcap_t of the first packet's link type
 * at ns precision, and its dumper on the caller's stream.
 */
#include <errno.h>
#include <stdlib.h>
#include <pcap/pcap.h>
#include "pcapout.h"

struct pcap_out {
	FILE *f;
	pcap_t *p;
	pcap_dumper_t *d;
	int linktype;
};

int pcap_out_open(struct pcap_out **pop, FILE *f)
{
	struct pcap_out *po = calloc(1, sizeof(*po));

	if (!po)
		return -ENOMEM;
	po->f = f;
	*pop = po;
	return 0;
}

/* The header, once the link type is known: written at the first packet. */
static int pcap_out_start(struct pcap_out *po, int linktype)
{
	po->p = pcap_open_dead_with_tstamp_precision(linktype, 262144,
						     PCAP_TSTAMP_PRECISION_NANO);
	if (!po->p)
		return -ENOMEM;
	po->d = pcap_dump_fopen(po->p, po->f);
	if (!po->d) {
		pcap_close(po->p);
		po->p = NULL;
		return -EIO;
	}
	po->linktype = linktype;
	return 0;
}

int pcap_out_packet(struct pcap_out *po, const struct como_pkt *pkt,
		    const void *bytes, __u32 len)
{
	struct pcap_pkthdr h = {
		/* a ns savefile keeps ns in tv_usec */
		.ts = { .tv_sec = pkt->ts / 1000000000ULL,
			.tv_usec = pkt->ts % 1000000000ULL },
		.caplen = len,
		.len = pkt->len > len ? pkt->len : len,
	};
	int err;

	if (!po->d && (err = pcap_out_start(po, pkt->linktype)))
		return err;
	if (pkt->linktype != po->linktype)
		return -EXDEV;
	pcap_dump((u_char *)po->d, &h, bytes);
	return 0;
}

int pcap_out_close(struct pcap_out *po)
{
	int err = 0;

	if (!po->d)
		err = pcap_out_start(po, DLT_EN10MB);
	if (po->d) {
		err = pcap_dump_flush(po->d) ? -EIO : err;
		pcap_dump_close(po->d);	/* and the stream */
	} else {
		fclose(po->f);
	}
	if (po->p)
		pcap_close(po->p);
	free(po);
	return err;
}
