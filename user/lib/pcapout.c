// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcapout.h over libpcap: a dead pcap_t of the first packet's link type
 * at ns precision, and its dumper on the caller's stream. libpcap is
 * opened (lazylib.h) when a pcap is asked for: como needs it for nothing
 * else.
 */
#include <errno.h>
#include <stdlib.h>
#include <pcap/pcap.h>
#include "lazylib.h"
#include "pcapout.h"

static struct {
	pcap_t *(*open_dead_with_tstamp_precision)(int linktype, int snaplen,
						   unsigned int precision);
	pcap_dumper_t *(*dump_fopen)(pcap_t *p, FILE *f);
	void (*dump)(u_char *user, const struct pcap_pkthdr *h,
		     const u_char *bytes);
	int (*dump_flush)(pcap_dumper_t *d);
	void (*dump_close)(pcap_dumper_t *d);
	void (*close)(pcap_t *p);
} pcap;

struct pcap_out {
	FILE *f;
	pcap_t *p;
	pcap_dumper_t *d;
	int linktype;
};

int pcap_out_open(struct pcap_out **pop, FILE *f)
{
	static const struct lazy_sym syms[] = {
		LAZY_SYM(pcap, open_dead_with_tstamp_precision, "pcap_"),
		LAZY_SYM(pcap, dump_fopen, "pcap_"),
		LAZY_SYM(pcap, dump, "pcap_"),
		LAZY_SYM(pcap, dump_flush, "pcap_"),
		LAZY_SYM(pcap, dump_close, "pcap_"),
		LAZY_SYM(pcap, close, "pcap_"),
	};
	struct pcap_out *po;
	int err;

	err = lazy_open("libpcap.so.0.8", syms, sizeof(syms) / sizeof(syms[0]),
			"a pcap");
	if (err)
		return err;
	po = calloc(1, sizeof(*po));
	if (!po)
		return -ENOMEM;
	po->f = f;
	*pop = po;
	return 0;
}

/* The header, once the link type is known: written at the first packet. */
static int pcap_out_start(struct pcap_out *po, int linktype)
{
	po->p = pcap.open_dead_with_tstamp_precision(linktype, 262144,
						     PCAP_TSTAMP_PRECISION_NANO);
	if (!po->p)
		return -ENOMEM;
	po->d = pcap.dump_fopen(po->p, po->f);
	if (!po->d) {
		pcap.close(po->p);
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
	pcap.dump((u_char *)po->d, &h, bytes);
	return 0;
}

int pcap_out_close(struct pcap_out *po)
{
	int err = 0;

	if (!po->d)
		err = pcap_out_start(po, DLT_EN10MB);
	if (po->d) {
		err = pcap.dump_flush(po->d) ? -EIO : err;
		pcap.dump_close(po->d);	/* and the stream */
	} else {
		fclose(po->f);
	}
	if (po->p)
		pcap.close(po->p);
	free(po);
	return err;
}
