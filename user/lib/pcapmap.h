/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pcap or pcapng file read in place (pcapmap.c): the file is mapped and
 * each packet is handed out where it lies, with no copy into stdio's
 * buffer and none into libpcap's. It takes only what it reads exactly as
 * libpcap does (tests/fuzz/fuzz_pcapmap.c holds the two to the same
 * packets). Classic pcap: version 2.4, micro- or nanosecond stamps in
 * either byte order, the link types como parses, a snap length libpcap
 * keeps as it is. pcapng: one section, interfaces of one such link type
 * and snap length with micro- or nanosecond stamps, enhanced packet
 * blocks. Anything else (a pipe, an old or odd header) is left to
 * libpcap: pcapmap_open() says -ENOTSUP; and where a pcapng file holds
 * something this reader is not sure of, pcapmap_next() says
 * PCAPMAP_UNSURE: libpcap reads on from the packet after the last one
 * given (pm->given).
 */
#ifndef _COMO_PCAPMAP_H
#define _COMO_PCAPMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>

/* as libpcap's pcap_next_ex() says them */
#define PCAPMAP_PACKET	1
#define PCAPMAP_END	PCAP_ERROR_BREAK
#define PCAPMAP_ERROR	PCAP_ERROR
/* pcapng only: libpcap is to read the rest (it has its own word for it) */
#define PCAPMAP_UNSURE	(-100)
/* a pcapng file's interfaces this reader keeps */
#define PCAPMAP_NG_IFS	64

struct pcapmap {
	const uint8_t *base;
	size_t size;
	size_t off;		/* the next record's header */
	bool mapped;		/* base is our mapping of a file */
	bool swapped;		/* written in the other byte order */
	bool usec;		/* microsecond stamps, scaled to ns */
	bool ng;		/* pcapng */
	uint32_t snaplen;
	int dlt;
	uint64_t given;		/* packets handed out */
	/* pcapng: the first interface's link type as the file says it */
	uint16_t ng_linktype;
	uint32_t ng_ifs;
	bool ng_nsec[PCAPMAP_NG_IFS];	/* else microseconds */
	char err[PCAP_ERRBUF_SIZE];
};

/*
 * Takes BUF (SIZE bytes, a whole file) if it is a pcap file this reader
 * reads as libpcap would: 0, or -ENOTSUP. BUF is not copied.
 */
int pcapmap_init(struct pcapmap *pm, const void *buf, size_t size);
/*
 * Maps the regular file FD and takes it as pcapmap_init() does; FD may be
 * closed after. -ENOTSUP: not one for this reader (nothing is mapped);
 * another negative errno: it could not be mapped.
 */
int pcapmap_open(struct pcapmap *pm, int fd);
void pcapmap_close(struct pcapmap *pm);

/* The rare cases of pcapmap_next(): a record past the snap length, an error. */
int pcapmap_next_slow(struct pcapmap *pm, struct pcap_pkthdr *h,
		      const uint8_t **data);
/* pcapmap_next() of a pcapng file */
int pcapmap_ng_next(struct pcapmap *pm, struct pcap_pkthdr *h,
		    const uint8_t **data);

/*
 * True once the mapped file shrank under the reader (another program
 * truncated it): the page it touched past the cut reads as zeros.
 */
bool pcapmap_lost(const struct pcapmap *pm);

static inline uint32_t pcapmap_u32(const struct pcapmap *pm, const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return pm->swapped ? __builtin_bswap32(v) : v;
}

/*
 * The stamp as libpcap gives it: its fields are signed 32 bits in a file
 * of this machine's byte order, unsigned when it swaps them.
 */
static inline void pcapmap_stamp(const struct pcapmap *pm,
				 struct pcap_pkthdr *h, const uint8_t *r)
{
	uint32_t sec = pcapmap_u32(pm, r), frac = pcapmap_u32(pm, r + 4);

	h->ts.tv_sec = pm->swapped ? (time_t)sec : (time_t)(int32_t)sec;
	h->ts.tv_usec = pm->swapped ? (suseconds_t)frac
				    : (suseconds_t)(int32_t)frac;
	if (pm->usec)
		h->ts.tv_usec *= 1000;
}

/*
 * The next packet, as pcap_next_ex() returns it from a file opened with
 * nanosecond precision: PCAPMAP_PACKET, PCAPMAP_END at the file's end,
 * PCAPMAP_ERROR with pm->err saying why, or (pcapng) PCAPMAP_UNSURE.
 */
static inline int pcapmap_next(struct pcapmap *pm, struct pcap_pkthdr *h,
			       const uint8_t **data)
{
	const uint8_t *r = pm->base + pm->off;
	size_t left = pm->size - pm->off;
	uint32_t caplen;

	if (pm->ng)
		return pcapmap_ng_next(pm, h, data);
	if (left < 16)
		return pcapmap_next_slow(pm, h, data);
	caplen = pcapmap_u32(pm, r + 8);
	if (caplen > pm->snaplen || caplen > left - 16)
		return pcapmap_next_slow(pm, h, data);
	pcapmap_stamp(pm, h, r);
	h->caplen = caplen;
	h->len = pcapmap_u32(pm, r + 12);
	*data = r + 16;
	pm->off += 16 + (size_t)caplen;
	pm->given++;
	return PCAPMAP_PACKET;
}

#endif
