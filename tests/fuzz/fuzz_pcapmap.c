// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer, differential: a file read in place by pcapmap
 * (user/lib/pcapmap.c) and by libpcap (what it stands in for): where
 * pcapmap takes a file, libpcap takes it too with the same link type, and
 * the two give the same packets (stamps, lengths, bytes) and end the same
 * way, cleanly or with an error, after the same packet; or abort.
 *
 * The first input byte picks how the file is made: with its high bit set
 * the input is the whole file (headers of every kind); with 0x40 a pcapng
 * file is written from it (a section, an interface of one of the link
 * types, stamp resolutions and byte orders, then blocks of the kinds the
 * rest of the input picks: packets, interfaces, others, raw bytes); else
 * one of the classic headers pcapmap reads, with the next 4 bytes as its
 * snap length, goes before the rest: so that the records, not the magic,
 * are what the fuzzer works on. A pcapng file pcapmap leaves to libpcap
 * part way (PCAPMAP_UNSURE) is compared up to there.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "pcapmap.h"

static const uint32_t linktypes[] = { 1, 101, 113, 228, 229 };

struct ngw {
	uint8_t *f;
	size_t len;
	bool swap;
};

static void ng_u32(struct ngw *w, uint32_t v)
{
	if (w->swap)
		v = __builtin_bswap32(v);
	memcpy(w->f + w->len, &v, 4);
	w->len += 4;
}

static void ng_u16(struct ngw *w, uint16_t v)
{
	if (w->swap)
		v = __builtin_bswap16(v);
	memcpy(w->f + w->len, &v, 2);
	w->len += 2;
}

static void ng_bytes(struct ngw *w, const uint8_t *b, size_t n)
{
	memcpy(w->f + w->len, b, n);
	memset(w->f + w->len + n, 0, (4 - n % 4) % 4);
	w->len += (n + 3) / 4 * 4;
}

/* an interface: link type LT, SNAP, and RES as its if_tsresol (0: none) */
static void ng_idb(struct ngw *w, uint16_t lt, uint32_t snap, int res)
{
	ng_u32(w, 1);
	ng_u32(w, res ? 28 : 20);
	ng_u16(w, lt);
	ng_u16(w, 0);
	ng_u32(w, snap);
	if (res) {
		uint8_t v[4] = { (uint8_t)res };

		ng_u16(w, 9);
		ng_u16(w, 1);
		memcpy(w->f + w->len, v, 4);
		w->len += 4;
	}
	ng_u32(w, res ? 28 : 20);
}

static size_t ng_make(const uint8_t *data, size_t size, uint8_t sel,
		      uint8_t **out)
{
	static const int resols[4] = { 0, 6, 9, 3 };
	struct ngw w = { .f = malloc(128 + size * 32), .swap = sel & 1 };
	uint16_t lt = (uint16_t)linktypes[(sel >> 3) % 5];
	uint32_t snap = 0, n, t;
	int res = resols[(sel >> 1) & 3];
	uint8_t kind;

	if (size >= 4) {
		memcpy(&snap, data, 4);
		data += 4, size -= 4;
		if (snap & 0x80000000U)
			snap &= 0xffff;
	}
	/* the section: byte-order magic, version 1.0, no length, no options */
	ng_u32(&w, 0x0A0D0D0A);
	ng_u32(&w, 28);
	ng_u32(&w, 0x1A2B3C4D);
	ng_u16(&w, 1);
	ng_u16(&w, 0);
	ng_u32(&w, 0xffffffff);
	ng_u32(&w, 0xffffffff);
	ng_u32(&w, 28);
	ng_idb(&w, lt, snap, res);
	while (size) {
		kind = *data++, size--;
		switch (kind & 3) {
		case 0:		/* a packet: interface, caplen, stamp, bytes */
			if (size < 10)
				return *out = w.f, w.len;
			n = data[1] < size - 10 ? data[1] : size - 10;
			ng_u32(&w, 6);
			ng_u32(&w, 32 + (n + 3) / 4 * 4);
			ng_u32(&w, data[0] % 3);
			memcpy(&t, data + 2, 4);
			ng_u32(&w, t & 0xff);
			memcpy(&t, data + 6, 4);
			ng_u32(&w, t);
			ng_u32(&w, n);
			ng_u32(&w, n + (kind >> 2));
			ng_bytes(&w, data + 10, n);
			ng_u32(&w, 32 + (n + 3) / 4 * 4);
			data += 10 + n, size -= 10 + n;
			break;
		case 1:		/* another interface */
			ng_idb(&w, kind & 4 ? lt : (uint16_t)linktypes[kind % 5],
			       kind & 8 ? snap : kind, resols[(kind >> 4) & 3]);
			break;
		case 2:		/* a block no packet is in: skipped */
			ng_u32(&w, 5);
			ng_u32(&w, 16);
			ng_u32(&w, kind);
			ng_u32(&w, 16);
			break;
		default:	/* raw bytes: anything at all */
			n = (kind >> 2) < size ? (kind >> 2) : size;
			memcpy(w.f + w.len, data, n);
			w.len += n;
			data += n, size -= n;
			break;
		}
	}
	*out = w.f;
	return w.len;
}

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
	if (sel & 0x40)
		return ng_make(data, size, sel, out);
	snap = 0;
	if (size >= 4) {
		memcpy(&snap, data, 4);
		data += 4, size -= 4;
	}
	magic = sel & 1 ? 0xa1b23c4d : 0xa1b2c3d4;
	swap = sel & 2;
	lt = linktypes[(sel >> 2) % 5];
	/* snap lengths that matter: small, 65535, the largest, none */
	if (sel & 0x20)
		snap = (sel & 0x10) ? 262144 : 65535;
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
		mr = pcapmap_next(&pm, &mh, &md);
		/* libpcap would read on from here: nothing more to hold */
		if (mr == PCAPMAP_UNSURE && pm.ng)
			break;
		lr = pcap_next_ex(pc, &lh, &ld);
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
