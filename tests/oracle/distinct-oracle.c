// SPDX-License-Identifier: BSD-3-Clause
/*
 * distinct-oracle: the exact number of distinct source and destination
 * addresses per interval, and the IP packets, read from a trace with
 * libpcap, for tests/mod-distinct.t to hold como's estimates against.
 *
 * Its parser is its own, from the packet record's spec (README, "The
 * packet record"; include/como/pkt.h): the first 240 bytes of a frame;
 * Ethernet, Linux cooked or raw IP; up to two VLAN tags; an MPLS label
 * stack; an IPv4 header (20 bytes or more, version 4) or an IPv6 header
 * (40 bytes). IPv4 and IPv6 addresses are one space (IPv4-mapped).
 * Intervals only move forward: a packet older than the open interval
 * joins it, as como's epochs do.
 *
 * Usage: distinct-oracle -i INTERVAL_NS FILE
 * Prints: start (s, 9 decimals),packets,sources,destinations
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SNAP	240
#define NS	1000000000ULL

struct addrs {
	uint8_t (*a)[16];
	size_t n, cap;
};

static struct addrs srcs, dsts;
static uint64_t pkts;

static void die(const char *what)
{
	fprintf(stderr, "distinct-oracle: %s\n", what);
	exit(1);
}

static void push(struct addrs *s, const uint8_t *addr)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		s->a = realloc(s->a, s->cap * 16);
		if (!s->a)
			die("out of memory");
	}
	memcpy(s->a[s->n++], addr, 16);
}

static int cmp16(const void *x, const void *y)
{
	return memcmp(x, y, 16);
}

static size_t unique(struct addrs *s)
{
	size_t i, u = 0;

	qsort(s->a, s->n, 16, cmp16);
	for (i = 0; i < s->n; i++)
		u += !i || memcmp(s->a[i - 1], s->a[i], 16);
	s->n = 0;
	return u;
}

static void close_interval(uint64_t start)
{
	size_t s = unique(&srcs), d = unique(&dsts);

	if (pkts)
		printf("%" PRIu64 ".%09" PRIu64 ",%" PRIu64 ",%zu,%zu\n",
		       (uint64_t)(start / NS), (uint64_t)(start % NS), pkts, s, d);
	pkts = 0;
}

/* The offset of the IP header and its version (4 or 6), or 0. */
static int find_ip(int dlt, const uint8_t *b, size_t lim, size_t *off)
{
	unsigned int type, i, bos;

	if (dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL) {
		*off = dlt == DLT_EN10MB ? 14 : 16;
		if (lim < *off)
			return 0;
		type = b[*off - 2] << 8 | b[*off - 1];
		for (i = 0; i < 2 && (type == 0x8100 || type == 0x88a8 ||
				      type == 0x9100); i++) {
			if (*off + 4 > lim)
				return 0;
			type = b[*off + 2] << 8 | b[*off + 3];
			*off += 4;
		}
		if (type == 0x0800)
			return 4;
		if (type == 0x86dd)
			return 6;
		if (type != 0x8847 && type != 0x8848)
			return 0;
		/* MPLS: labels to the bottom of the stack, then IP by its nibble */
		for (i = 0, bos = 0; i < 8 && !bos && *off + 4 <= lim; i++) {
			bos = b[*off + 2] & 1;
			*off += 4;
		}
		if (!bos || *off >= lim)
			return 0;
	} else {
		*off = 0;
		if (!lim)
			return 0;
	}
	return b[*off] >> 4 == 4 ? 4 : b[*off] >> 4 == 6 ? 6 : 0;
}

static void add(int dlt, const uint8_t *b, size_t caplen)
{
	size_t lim = caplen < SNAP ? caplen : SNAP, off;
	uint8_t src[16] = { [10] = 0xff, [11] = 0xff }, dst[16];
	int v = find_ip(dlt, b, lim, &off);

	memcpy(dst, src, 16);
	if (v == 4 && off + 20 <= lim && b[off] >> 4 == 4 && (b[off] & 15) >= 5) {
		memcpy(src + 12, b + off + 12, 4);
		memcpy(dst + 12, b + off + 16, 4);
	} else if (v == 6 && off + 40 <= lim && b[off] >> 4 == 6) {
		memcpy(src, b + off + 8, 16);
		memcpy(dst, b + off + 24, 16);
	} else {
		return;
	}
	push(&srcs, src);
	push(&dsts, dst);
	pkts++;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	uint64_t ivl = 0, t, epoch = 0;
	struct pcap_pkthdr *h;
	const uint8_t *data;
	int c, rc, dlt, open = 0;
	pcap_t *pc;

	while ((c = getopt(argc, argv, "i:")) != -1) {
		if (c != 'i')
			die("usage: distinct-oracle -i INTERVAL_NS FILE");
		ivl = strtoull(optarg, NULL, 10);
	}
	if (!ivl || optind != argc - 1)
		die("usage: distinct-oracle -i INTERVAL_NS FILE");
	pc = pcap_open_offline_with_tstamp_precision(argv[optind],
						     PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc)
		die(err);
	dlt = pcap_datalink(pc);
	if (dlt != DLT_EN10MB && dlt != DLT_LINUX_SLL && dlt != DLT_RAW &&
	    dlt != 228 && dlt != 229)
		die("unsupported link type");
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		int64_t sec = h->ts.tv_sec;

		/* classic pcap's seconds are unsigned 32-bit */
		if (pcap_major_version(pc) == 2 && sec < 0)
			sec += (int64_t)1 << 32;
		t = ((uint64_t)sec * NS + (uint64_t)h->ts.tv_usec) / ivl;
		if (!open || t > epoch) {
			if (open)
				close_interval(epoch * ivl);
			open = 1;
			epoch = t;
		}
		add(dlt, data, h->caplen);
	}
	if (rc == -1)
		die(pcap_geterr(pc));
	if (open)
		close_interval(epoch * ivl);
	pcap_close(pc);
	return 0;
}
