// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer, differential: a file read in place by pcapmap
 * (user/lib/pcapmap.c) and by libpcap (what it stands in for): where
 * pcapmap takes a file, libpcap takes it too with the same link type, and
 * the two give the same packets (stamps, lengths, bytes) and end the same
 * way, cleanly or with an error, after the same packet; or abort.
 *
 * The first input byte picks how the file starts: with its high bit set
 * the input is the whole file (headers of every kind); else one of the
 * headers pcapmap reads (either stamp precision, byte order and each link
 * type) with the next 4 bytes as its snap length goes before the rest,
 * so that the records, not the magic, are what the fuzzer works on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "pcapmap.h"

static const uint32_t linktypes[] = { 1, 101, 113, 228, 229 };

static size_t file_make(const uint8_t *data, size_t size, uint8_t **out)
{
	uint32_t magic, snap, lt, v;
	uint16_t ver[2] = { 2, 4 };
	uint8_t *f, sel;
	bool swap;

	if (data[0] & 0x80) {
		*out = malloc(size - 1 ?: 1);
		memcpy(*out, data + 1, size - 1);
		return size - 1;
	}
	sel = data[0];
	data++, size--;
	snap = 0;
	if (size >= 4) {
		memcpy(&snap, data, 4);
		data += 4, size -= 4;
	}
	magic = sel & 1 ? 0xa1b23c4d : 0xa1b2c3d4;
	swap = sel & 2;
	lt = linktypes[(sel >> 2) % 5];
	/* snap lengths that matter: small, 65535, the largest, none */
	if (sel & 0x40)
		snap = (sel & 0x20) ? 262144 : 65535;
	f = malloc(24 + size);
	if (swap) {
		magic = __builtin_bswap32(magic);
		ver[0] = __builtin_bswap16(ver[0]);
		ver[1] = __builtin_bswap16(ver[1]);
		snap = __builtin_bswap32(snap);
		lt = __builtin_bswap32(lt);
	}
	memcpy(f, &magic, 4);
	memcpy(f + 4, ver, 4);
	v = 0;
	memcpy(f + 8, &v, 4);
	memcpy(f + 12, &v, 4);
	memcpy(f + 16, &snap, 4);
	memcpy(f + 20, &lt, 4);
	memcpy(f + 24, data, size);
	*out = f;
	return 24 + size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *lh, mh;
	const uint8_t *md;
	const u_char *ld;
	struct pcapmap pm;
	uint8_t *file;
	size_t len;
	pcap_t *pc;
	FILE *fp;
	int lr, mr;

	if (!size)
		return 0;
	len = file_make(data, size, &file);
	if (pcapmap_init(&pm, file, len)) {
		free(file);
		return 0;
	}
	fp = fmemopen(file, len, "rb");
	if (!fp)
		abort();
	pc = pcap_fopen_offline_with_tstamp_precision(fp,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	/* pcapmap took it: libpcap must, with the same link type */
	if (!pc || pcap_datalink(pc) != pm.dlt)
		abort();
	do {
		lr = pcap_next_ex(pc, &lh, &ld);
		mr = pcapmap_next(&pm, &mh, &md);
		if (lr != mr)
			abort();
		if (lr != 1)
			break;
		if (lh->ts.tv_sec != mh.ts.tv_sec ||
		    lh->ts.tv_usec != mh.ts.tv_usec ||
		    lh->caplen != mh.caplen || lh->len != mh.len ||
		    memcmp(ld, md, mh.caplen))
			abort();
	} while (1);
	pcap_close(pc);
	free(file);
	return 0;
}
