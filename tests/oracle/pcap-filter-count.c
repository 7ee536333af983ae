// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcap-filter-count FILE EXPR...: for each tcpdump expression, the packets
 * and wire bytes of FILE that libpcap's own pcap_offline_filter() accepts.
 * The oracle of tests/filter.t: como's in-kernel translation of the same
 * expressions must agree with it packet for packet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program *prog;
	unsigned long long *pkts, *bytes;
	struct pcap_pkthdr *h;
	const u_char *data;
	int i, n = argc - 2, rc;
	pcap_t *pc;

	if (argc < 3) {
		fprintf(stderr, "usage: pcap-filter-count FILE EXPR...\n");
		return 2;
	}
	pc = pcap_open_offline(argv[1], errbuf);
	if (!pc) {
		fprintf(stderr, "pcap-filter-count: %s\n", errbuf);
		return 1;
	}
	prog = calloc(n, sizeof(*prog));
	pkts = calloc(n, sizeof(*pkts));
	bytes = calloc(n, sizeof(*bytes));
	if (!prog || !pkts || !bytes)
		return 1;
	for (i = 0; i < n; i++) {
		if (pcap_compile(pc, &prog[i], argv[i + 2], 1,
				 PCAP_NETMASK_UNKNOWN)) {
			fprintf(stderr, "pcap-filter-count: %s: %s\n", argv[i + 2],
				pcap_geterr(pc));
			return 1;
		}
	}
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		for (i = 0; i < n; i++) {
			if (pcap_offline_filter(&prog[i], h, data)) {
				pkts[i]++;
				bytes[i] += h->len;
			}
		}
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "pcap-filter-count: %s\n", pcap_geterr(pc));
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("%llu,%llu\n", pkts[i], bytes[i]);
	return 0;
}
