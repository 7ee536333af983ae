// SPDX-License-Identifier: BSD-3-Clause
/*
 * hh-oracle: exact per-source bytes and packets of every interval of a
 * trace, for tests/mod-heavyhitters.t, with a parser of its own written
 * from the packet record's spec (the first 240 bytes; Ethernet, Linux
 * cooked or raw IP; two VLAN tags; MPLS; an IPv4 or IPv6 header whole).
 *
 * Usage: hh-oracle [-d] -i INTERVAL_NS FILE (-d: per destination)
 *
 * CSV: ts,addr,bytes,pkts,total_bytes,total_pkts,prefix; prefix is 1 when
 * at one of the source's packets its bytes or packets so far, times 2^10,
 * reached the interval's so far.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SNAP		240
#define NS		1000000000ULL
#define PHI_SHIFT	10

struct src {
	uint8_t addr[16];
	uint64_t bytes, pkts;
	int used, prefix;
};

static struct src *tab;
static size_t cap = 1 << 21, nused, *order;
static uint64_t tbytes, tpkts;
static int by_dst;	/* the destination address instead of the source */

static unsigned int be16(const uint8_t *b, size_t off)
{
	return (unsigned int)b[off] << 8 | b[off + 1];
}

/*
 * The source (or with -d the destination) address of an IP packet,
 * IPv4-mapped; 0 when not IP.
 */
static int source(int dlt, const uint8_t *b, size_t caplen, uint8_t *a)
{
	size_t lim = caplen < SNAP ? caplen : SNAP, off = 14;
	unsigned int type, i;

	if (dlt == DLT_EN10MB) {
		if (lim < 14)
			return 0;
		type = be16(b, 12);
	} else if (dlt == DLT_LINUX_SLL) {
		if (lim < 16)
			return 0;
		type = be16(b, 14);
		off = 16;
	} else {
		off = 0;
		type = lim && b[0] >> 4 == 4 ? 0x800 : lim && b[0] >> 4 == 6 ? 0x86dd : 0;
	}
	for (i = 0; off && i < 2 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); i++) {
		if (off + 4 > lim)
			return 0;
		type = be16(b, off + 2);
		off += 4;
	}
	if (off && (type == 0x8847 || type == 0x8848)) {
		for (i = 0; i < 8; i++) {
			if (off + 4 > lim)
				return 0;
			off += 4;
			if (b[off - 2] & 1)
				break;
		}
		if (i == 8 || off + 1 > lim)
			return 0;
		type = b[off] >> 4 == 4 ? 0x800 : b[off] >> 4 == 6 ? 0x86dd : 0;
	}
	if (type == 0x800 && off + 20 <= lim && b[off] >> 4 == 4 && (b[off] & 15) >= 5) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, b + off + (by_dst ? 16 : 12), 4);
		return 1;
	}
	if (type == 0x86dd && off + 40 <= lim && b[off] >> 4 == 6) {
		memcpy(a, b + off + (by_dst ? 24 : 8), 16);
		return 1;
	}
	return 0;
}

static struct src *lookup(const uint8_t *a)
{
	size_t h = 14695981039346656037ULL, i;

	for (i = 0; i < 16; i++)
		h = (h ^ a[i]) * 1099511628211ULL;
	for (h %= cap; tab[h].used && memcmp(tab[h].addr, a, 16); h = (h + 1) % cap)
		;
	if (!tab[h].used) {
		if (++nused * 2 > cap) {
			fprintf(stderr, "hh-oracle: more than %zu sources\n", cap / 2);
			exit(1);
		}
		order[nused - 1] = h;
		tab[h].used = 1;
		memcpy(tab[h].addr, a, 16);
	}
	return &tab[h];
}

static void close_interval(uint64_t start)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < nused; i++) {
		struct src *s = &tab[order[i]];

		if (!memcmp(s->addr, mapped, 12))
			inet_ntop(AF_INET, s->addr + 12, buf, sizeof(buf));
		else
			inet_ntop(AF_INET6, s->addr, buf, sizeof(buf));
		printf("%" PRIu64 ".%09" PRIu64 ",%s,%" PRIu64 ",%" PRIu64 ",%"
		       PRIu64 ",%" PRIu64 ",%d\n", (uint64_t)(start / NS),
		       (uint64_t)(start % NS), buf,
		       s->bytes, s->pkts, tbytes, tpkts, s->prefix);
	}
	for (i = 0; i < nused; i++)
		memset(&tab[order[i]], 0, sizeof(*tab));
	nused = 0;
	tbytes = tpkts = 0;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const uint8_t *data;
	uint64_t ivl, epoch = 0, t, ts;
	int rc, open = 0, dlt;
	struct src *s;
	uint8_t a[16];
	pcap_t *pc;

	if (argc == 5 && !strcmp(argv[1], "-d")) {
		by_dst = 1;
		argc--;
		argv++;
	}
	if (argc != 4 || strcmp(argv[1], "-i") || !(ivl = strtoull(argv[2], NULL, 10))) {
		fprintf(stderr, "usage: hh-oracle [-d] -i INTERVAL_NS FILE\n");
		return 2;
	}
	pc = pcap_open_offline_with_tstamp_precision(argv[3], PCAP_TSTAMP_PRECISION_NANO, err);
	tab = calloc(cap, sizeof(*tab));
	order = calloc(cap / 2, sizeof(*order));
	if (!pc || !tab || !order) {
		fprintf(stderr, "hh-oracle: %s: %s\n", argv[3], pc ? "no memory" : err);
		return 1;
	}
	dlt = pcap_datalink(pc);
	printf("ts,addr,bytes,pkts,total_bytes,total_pkts,prefix\n");
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		int64_t sec = h->ts.tv_sec;

		/* classic pcap's seconds are unsigned 32-bit */
		if (sec < 0)
			sec += (int64_t)1 << 32;
		ts = (uint64_t)sec * NS + (uint64_t)h->ts.tv_usec;
		/* intervals only move forward: older packets join the open one */
		t = ts / ivl;
		if (!open || t > epoch) {
			if (open)
				close_interval(epoch * ivl);
			open = 1;
			epoch = t;
		}
		if (!source(dlt, data, h->caplen, a))
			continue;
		s = lookup(a);
		s->bytes += h->len;
		s->pkts++;
		tbytes += h->len;
		tpkts++;
		if (s->bytes << PHI_SHIFT >= tbytes || s->pkts << PHI_SHIFT >= tpkts)
			s->prefix = 1;
	}
	if (rc == -1) {
		fprintf(stderr, "hh-oracle: %s: %s\n", argv[3], pcap_geterr(pc));
		return 1;
	}
	if (open)
		close_interval(epoch * ivl);
	pcap_close(pc);
	return 0;
}
