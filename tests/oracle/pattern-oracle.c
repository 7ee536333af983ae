// SPDX-License-Identifier: BSD-3-Clause
/*
 * pattern-oracle: an independent libpcap reading of what the pattern
 * module reports, per interval, as CSV like `como query -f csv` prints
 * it: for each rule, the TCP and UDP packets whose payload holds its
 * bytes (memmem over the transport payload), within what the module
 * sees of a frame: its first 240 bytes of the capture, up to where the
 * IP header says the packet ends.
 *
 * Its own packet parser, written from the packet record's spec (README,
 * include/como/pkt.h): Ethernet, Linux cooked, raw IP, two VLAN tags,
 * MPLS, IPv4, IPv6 with up to 8 extension headers, TCP and UDP. Rules
 * come as TEXT=HEX (TEXT as the rule was given, HEX its bytes).
 *
 * Usage: pattern-oracle -i INTERVAL_NS -r TEXT=HEX [-r TEXT=HEX...] FILE
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SNAP	240
#define NS	1000000000ULL
#define RULES	16

#ifndef DLT_IPV4
#define DLT_IPV4	228
#define DLT_IPV6	229
#endif

struct rule {
	char *text;
	unsigned char bytes[128];
	size_t len;
	uint64_t pkts, bytes_on_wire, cut;
};

static struct rule rules[RULES];
static unsigned int nrules;
static uint64_t searched, cut_total;

static void die(const char *msg)
{
	fprintf(stderr, "pattern-oracle: %s\n", msg);
	exit(1);
}

static unsigned int be16(const unsigned char *b, unsigned int off)
{
	return b[off] << 8 | b[off + 1];
}

/*
 * The payload's offset (0: not a TCP or UDP packet whose payload the
 * module searches) and where the IP packet ends (*IP_END, 0: unknown).
 */
static unsigned int payload_at(int dlt, const unsigned char *b,
			       unsigned int lim, unsigned int *ip_end)
{
	unsigned int off, et, i, l4, proto, v;

	*ip_end = 0;
	if (dlt == DLT_EN10MB) {
		if (lim < 14)
			return 0;
		et = be16(b, 12);
		off = 14;
	} else if (dlt == DLT_LINUX_SLL) {
		if (lim < 16)
			return 0;
		et = be16(b, 14);
		off = 16;
	} else if (dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6) {
		if (lim < 1)
			return 0;
		off = 0;
		goto version;
	} else {
		return 0;
	}
	for (i = 0; i < 2 && (et == 0x8100 || et == 0x88a8 || et == 0x9100); i++) {
		if (off + 4 > lim)
			return 0;
		et = be16(b, off + 2);
		off += 4;
	}
	if (et == 0x8847 || et == 0x8848) {
		for (i = 0; i < 8; i++) {
			if (off + 4 > lim)
				return 0;
			off += 4;
			if (b[off - 2] & 1)
				break;
		}
		if (i == 8 || off + 1 > lim)
			return 0;
version:
		v = b[off] >> 4;
		et = v == 4 ? 0x0800 : v == 6 ? 0x86dd : 0;
	}
	if (et == 0x0800) {
		if (off + 20 > lim || b[off] >> 4 != 4 || (b[off] & 15) < 5)
			return 0;
		if (be16(b, off + 6) & 0x1fff)
			return 0;	/* a later fragment */
		proto = b[off + 9];
		l4 = off + (b[off] & 15) * 4;
		*ip_end = off + be16(b, off + 2);
	} else if (et == 0x86dd) {
		if (off + 40 > lim || b[off] >> 4 != 6)
			return 0;
		proto = b[off + 6];
		l4 = off + 40;
		*ip_end = off + 40 + be16(b, off + 4);
		for (i = 0; i < 8; i++) {
			if (proto != 0 && proto != 43 && proto != 60 && proto != 44)
				break;
			if (l4 + 8 > lim)
				break;
			if (proto == 44 && (be16(b, l4 + 2) & 0xfff8))
				return 0;	/* a later fragment */
			proto = b[l4];
			l4 += proto == 44 ? 8 : (b[l4 + 1] + 1) * 8;
		}
		if (proto == 0 || proto == 43 || proto == 60 || proto == 44)
			return 0;
	} else {
		return 0;
	}
	if (l4 > SNAP - 20)
		return 0;
	if (proto == 17)
		return l4 + 8;
	if (proto != 6 || l4 + 14 > lim || (b[l4 + 12] >> 4) < 5)
		return 0;
	return l4 + (b[l4 + 12] >> 4) * 4;
}

static void add(int dlt, const struct pcap_pkthdr *h, const unsigned char *b)
{
	unsigned int lim = h->caplen < SNAP ? h->caplen : SNAP;
	unsigned int ip_end, at, end, i;
	int cut;

	at = payload_at(dlt, b, lim, &ip_end);
	if (!at)
		return;
	if (!ip_end)
		ip_end = h->len;
	end = ip_end < lim ? ip_end : lim;
	cut = ip_end > lim;
	searched++;
	cut_total += cut;
	for (i = 0; i < nrules; i++) {
		if (end <= at || !memmem(b + at, end - at, rules[i].bytes, rules[i].len))
			continue;
		rules[i].pkts++;
		rules[i].bytes_on_wire += h->len;
		rules[i].cut += cut;
	}
}

static void close_epoch(uint64_t start)
{
	unsigned int i;

	for (i = 0; searched && i < nrules; i++)
		printf("%" PRIu64 ".%09" PRIu64 ",%u,%s,%" PRIu64 ",%" PRIu64
		       ",%" PRIu64 ",%" PRIu64 "\n", (uint64_t)(start / NS), (uint64_t)(start % NS), i + 1,
		       rules[i].text, rules[i].pkts, rules[i].bytes_on_wire,
		       searched, cut_total - rules[i].cut);
	for (i = 0; i < nrules; i++)
		rules[i].pkts = rules[i].bytes_on_wire = rules[i].cut = 0;
	searched = cut_total = 0;
}

static void add_rule(char *arg)
{
	char *eq = strrchr(arg, '=');
	struct rule *r = &rules[nrules];
	unsigned int v;
	char *h;

	if (!eq || nrules == RULES || strlen(eq + 1) % 2 || !eq[1] ||
	    strlen(eq + 1) / 2 > sizeof(r->bytes))
		die("bad -r TEXT=HEX");
	*eq = '\0';
	r->text = arg;
	for (h = eq + 1; *h; h += 2) {
		if (sscanf(h, "%2x", &v) != 1)
			die("bad hex in -r");
		r->bytes[r->len++] = v;
	}
	nrules++;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	uint64_t ivl = 0, epoch = 0, t, ts;
	const unsigned char *data;
	struct pcap_pkthdr *h;
	int c, rc, open = 0, dlt;
	pcap_t *pc;

	while ((c = getopt(argc, argv, "i:r:")) != -1) {
		if (c == 'i')
			ivl = strtoull(optarg, NULL, 10);
		else if (c == 'r')
			add_rule(optarg);
		else
			die("usage: pattern-oracle -i NS -r TEXT=HEX... FILE");
	}
	if (!ivl || !nrules || optind != argc - 1)
		die("usage: pattern-oracle -i NS -r TEXT=HEX... FILE");
	pc = pcap_open_offline_with_tstamp_precision(argv[optind],
						     PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc)
		die(err);
	dlt = pcap_datalink(pc);
	printf("ts,rule,text,pkts,bytes,searched,partial\n");
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		int64_t sec = h->ts.tv_sec;

		if (pcap_major_version(pc) == 2 && sec < 0)
			sec += (int64_t)1 << 32;
		ts = (uint64_t)sec * NS + (uint64_t)h->ts.tv_usec;
		/* epochs only move forward: older packets join the open one */
		t = ts / ivl;
		if (!open || t > epoch) {
			if (open)
				close_epoch(epoch * ivl);
			open = 1;
			epoch = t;
		}
		add(dlt, h, data);
	}
	if (rc == -1)
		die(pcap_geterr(pc));
	if (open)
		close_epoch(epoch * ivl);
	pcap_close(pc);
	return 0;
}
