// SPDX-License-Identifier: BSD-3-Clause
/*
 * trace-oracle: a pcap's packets, one line each: ts (ns), wire length,
 * captured length, the captured bytes in hex. With -h, the bytes are cut
 * where this oracle's own reading puts the end of the transport header
 * (Ethernet, 802.1Q/ad tags, IPv4, IPv6 without extension headers, TCP,
 * UDP, ICMP) and a packet it cannot read so far is printed with caplen
 * "?" and no bytes. For tests/mod-trace.t.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>

/* End of the transport header in B (N captured), or -1 when unknown. */
static long header_end(const unsigned char *b, unsigned int n)
{
	unsigned int off = 12, l4, proto, type;

	if (n < 14)
		return -1;
	type = b[12] << 8 | b[13];
	while ((type == 0x8100 || type == 0x88a8) && n >= off + 6) {
		off += 4;
		type = b[off] << 8 | b[off + 1];
	}
	off += 2;
	if (type == 0x0800 && n >= off + 20) {
		if ((b[off + 6] & 0x1f) || b[off + 7])
			return -1;	/* a fragment */
		l4 = off + (b[off] & 15) * 4;
		proto = b[off + 9];
	} else if (type == 0x86dd && n >= off + 40) {
		l4 = off + 40;
		proto = b[off + 6];
	} else {
		return -1;
	}
	if (proto == 6 && n >= l4 + 13)
		return l4 + (b[l4 + 12] >> 4) * 4;
	if (proto == 17 || proto == 1 || proto == 58)
		return l4 + 8;
	return -1;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	int headers = 0, c;
	struct pcap_pkthdr *h;
	const unsigned char *b;
	unsigned int i, n;
	long end;
	pcap_t *p;

	while ((c = getopt(argc, argv, "h")) != -1)
		headers = c == 'h';
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: trace-oracle [-h] FILE\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[optind],
			PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "trace-oracle: %s\n", err);
		return 1;
	}
	while (pcap_next_ex(p, &h, &b) == 1) {
		n = h->caplen;
		if (headers) {
			end = header_end(b, n);
			if (end < 0) {
				printf("%lld%09ld %u ?\n", (long long)h->ts.tv_sec,
				       (long)h->ts.tv_usec, h->len);
				continue;
			}
			if ((unsigned long)end < n)
				n = end;
		}
		printf("%lld%09ld %u %u ", (long long)h->ts.tv_sec,
		       (long)h->ts.tv_usec, h->len, n);
		for (i = 0; i < n; i++)
			printf("%02x", b[i]);
		printf("\n");
	}
	pcap_close(p);
	return 0;
}
