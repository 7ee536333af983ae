// SPDX-License-Identifier: BSD-3-Clause
/*
 * como-oracle: an independent reading of the como accounting spec.
 *
 * It re-derives counter, protocol, topdest and totals from a pcap or
 * pcapng file with its own packet parser, so that como's output can be
 * diffed against it.  It deliberately shares no code with como: a bug
 * copied into both would otherwise go unnoticed.
 *
 * Usage: como-oracle -m counter|protocol|topdest|totals [-i SECONDS]
 *                    [-k K] FILE
 *
 * (-m packets, a per-packet dump, exists only to debug the oracle itself.)
 *
 * Build: cc -O2 -Wall -Wextra -o como-oracle como-oracle.c \
 *            $(pkg-config --cflags --libs libpcap)
 *
 * Output is buffered and written only once the whole file has been read,
 * so a truncated or corrupt capture never yields partial CSV that could
 * be mistaken for a complete answer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000ULL

/* como only ever looks at this many bytes of a frame. */
#define HDR_WINDOW	240

#define MAX_VLAN_TAGS	2
#define MAX_MPLS_LABELS	8
#define MAX_IP6_EXT	8

/* Linux cooked capture v1: 16-byte header, protocol at offset 14. */
#define SLL_HDR_LEN	16
#define SLL_PROTO_OFF	14

#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif

enum mode {
	MODE_COUNTER,
	MODE_PROTOCOL,
	MODE_TOPDEST,
	MODE_TOTALS,
	MODE_PACKETS,
};

/* What the parser learnt about one packet. */
struct pkt_info {
	int is_ip;
	int family;		/* AF_INET or AF_INET6 */
	uint8_t proto;
	uint8_t dst[16];	/* IPv4 stored as ::ffff:a.b.c.d */
};

struct dest_entry {
	uint8_t addr[16];
	int family;		/* family of the first packet seen for it */
	int used;
	uint64_t pkts;
	uint64_t bytes;
};

/*
 * Open-addressing table of destinations for one epoch.  A trace can
 * carry ~10k destinations per epoch, so a flat array scanned linearly
 * would be quadratic; the table is emptied (not freed) between epochs.
 */
struct dest_table {
	struct dest_entry *slots;
	size_t cap;		/* power of two */
	size_t count;
};

struct proto_count {
	uint64_t pkts;
	uint64_t bytes;
};

struct state {
	enum mode mode;
	uint64_t interval;	/* ns */
	unsigned long topk;
	FILE *out;		/* memory buffer, flushed at the very end */

	int epoch_open;
	uint64_t epoch;		/* index of the open epoch */
	uint64_t ep_pkts;
	uint64_t ep_bytes;
	struct proto_count protos[256];
	struct dest_table dests;

	uint64_t tot_pkts;
	uint64_t tot_bytes;
};

static const char *prog = "como-oracle";

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (!p)
		die("out of memory");
	return p;
}

static unsigned int rd16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* ---------------------------------------------------------------- parsing */

static int is_vlan_tpid(unsigned int t)
{
	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

static void parse_ipv4(const uint8_t *ip, size_t len, struct pkt_info *pi)
{
	/* IHL is only sanity-checked, never bounds-checked: the spec keeps
	 * the fixed header as the only thing that must be captured. */
	if (len < 20 || (ip[0] >> 4) != 4 || (ip[0] & 0x0f) < 5)
		return;
	pi->is_ip = 1;
	pi->family = AF_INET;
	pi->proto = ip[9];
	memset(pi->dst, 0, 10);
	pi->dst[10] = 0xff;
	pi->dst[11] = 0xff;
	memcpy(pi->dst + 12, ip + 16, 4);
}

static int is_ip6_ext(unsigned int nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 44;
}

static void parse_ipv6(const uint8_t *ip, size_t len, struct pkt_info *pi)
{
	unsigned int cur;
	size_t off = 40;
	int i;

	if (len < 40 || (ip[0] >> 4) != 6)
		return;
	pi->is_ip = 1;
	pi->family = AF_INET6;
	memcpy(pi->dst, ip + 24, 16);

	/*
	 * Walk the extension headers to the upper-layer protocol.  Only the
	 * first 8 bytes of each header must be in the window (that is where
	 * its next-header and length live); when they are not, or the chain
	 * is longer than we follow, the best we know is the type of the
	 * header we stopped at.
	 */
	cur = ip[6];
	for (i = 0; i < MAX_IP6_EXT && is_ip6_ext(cur); i++) {
		const uint8_t *h;

		if (off + 8 > len)
			break;
		h = ip + off;
		/* The fragment header has a reserved byte, not a length. */
		off += cur == 44 ? 8 : ((size_t)h[1] + 1) * 8;
		cur = h[0];
	}
	pi->proto = (uint8_t)cur;
}

/*
 * Follow the network-layer type found at @off (an ethertype field) through
 * VLAN tags and MPLS labels to IPv4/IPv6.  Anything unexpected makes the
 * packet non-IP rather than guessing.
 */
static void parse_ethertype(const uint8_t *p, size_t cap, size_t off,
			    struct pkt_info *pi)
{
	unsigned int type;
	int tags = 0;
	int labels;

	if (off + 2 > cap)
		return;
	type = rd16(p + off);
	off += 2;

	while (is_vlan_tpid(type)) {
		if (tags == MAX_VLAN_TAGS)
			return;
		if (off + 4 > cap)
			return;
		type = rd16(p + off + 2);
		off += 4;
		tags++;
	}

	if (type == 0x8847 || type == 0x8848) {
		for (labels = 0;; labels++) {
			int bos;

			/* A stack deeper than this is not worth following. */
			if (labels == MAX_MPLS_LABELS || off + 4 > cap)
				return;
			bos = p[off + 2] & 1;
			off += 4;
			if (bos)
				break;
		}
		/* MPLS carries no payload type: the IP version nibble is
		 * the only hint, and a pseudowire control word starts 0. */
		if (off + 1 > cap)
			return;
		switch (p[off] >> 4) {
		case 4:
			parse_ipv4(p + off, cap - off, pi);
			break;
		case 6:
			parse_ipv6(p + off, cap - off, pi);
			break;
		}
		return;
	}

	if (type == 0x0800)
		parse_ipv4(p + off, cap - off, pi);
	else if (type == 0x86dd)
		parse_ipv6(p + off, cap - off, pi);
}

static void parse_raw(const uint8_t *p, size_t cap, struct pkt_info *pi)
{
	if (cap < 1)
		return;
	switch (p[0] >> 4) {
	case 4:
		parse_ipv4(p, cap, pi);
		break;
	case 6:
		parse_ipv6(p, cap, pi);
		break;
	}
}

static void parse_packet(int dlt, const uint8_t *p, size_t caplen,
			 struct pkt_info *pi)
{
	size_t cap = caplen < HDR_WINDOW ? caplen : HDR_WINDOW;

	memset(pi, 0, sizeof(*pi));
	switch (dlt) {
	case DLT_EN10MB:
		parse_ethertype(p, cap, 12, pi);
		break;
	case DLT_LINUX_SLL:
		/* The 16-byte header must be there even though only its
		 * protocol field is read. */
		if (cap < SLL_HDR_LEN)
			return;
		parse_ethertype(p, cap, SLL_PROTO_OFF, pi);
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		parse_raw(p, cap, pi);
		break;
	}
}

/* ------------------------------------------------------ destination table */

/* FNV-1a: simple, and good enough on addresses for an oracle. */
static uint64_t addr_hash(const uint8_t *a)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int i;

	for (i = 0; i < 16; i++) {
		h ^= a[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static struct dest_entry *dest_slot(struct dest_entry *slots, size_t cap,
				    const uint8_t *addr)
{
	size_t i = addr_hash(addr) & (cap - 1);

	while (slots[i].used && memcmp(slots[i].addr, addr, 16))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void dest_grow(struct dest_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024;
	struct dest_entry *ns = xcalloc(ncap, sizeof(*ns));
	size_t i;

	for (i = 0; i < t->cap; i++)
		if (t->slots[i].used)
			*dest_slot(ns, ncap, t->slots[i].addr) = t->slots[i];
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
}

static void dest_add(struct dest_table *t, const struct pkt_info *pi,
		     uint64_t bytes)
{
	struct dest_entry *e;

	/* Keep the load factor under 1/2 so probe chains stay short. */
	if ((t->count + 1) * 2 > t->cap)
		dest_grow(t);
	e = dest_slot(t->slots, t->cap, pi->dst);
	if (!e->used) {
		e->used = 1;
		memcpy(e->addr, pi->dst, 16);
		e->family = pi->family;
		t->count++;
	}
	e->pkts++;
	e->bytes += bytes;
}

static void dest_clear(struct dest_table *t)
{
	if (t->slots)
		memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->count = 0;
}

static int dest_cmp(const void *a, const void *b)
{
	const struct dest_entry *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

/* ---------------------------------------------------------------- epochs */

static void print_ts(FILE *f, uint64_t ns)
{
	fprintf(f, "%llu.%09llu", (unsigned long long)(ns / NSEC_PER_SEC),
		(unsigned long long)(ns % NSEC_PER_SEC));
}

/* Print in the packet's own family: the 16-byte key is only for sorting. */
static void addr_str(int family, const uint8_t *a, char *buf, size_t len)
{
	if (!inet_ntop(family, family == AF_INET ? a + 12 : a, buf, len))
		die("inet_ntop: %s", strerror(errno));
}

static void print_topdest(struct state *s, uint64_t ts)
{
	struct dest_table *t = &s->dests;
	struct dest_entry *v;
	size_t i, n = 0;

	if (!t->count)
		return;
	/* Pack the live entries to the front of a copy and sort that:
	 * sorting the table in place would break its probe order. */
	v = xcalloc(t->count, sizeof(*v));
	for (i = 0; i < t->cap; i++)
		if (t->slots[i].used)
			v[n++] = t->slots[i];
	qsort(v, n, sizeof(*v), dest_cmp);

	for (i = 0; i < n && i < s->topk; i++) {
		char buf[INET6_ADDRSTRLEN];

		addr_str(v[i].family, v[i].addr, buf, sizeof(buf));
		print_ts(s->out, ts);
		fprintf(s->out, ",%zu,%s,%" PRIu64 ",%" PRIu64 "\n", i + 1, buf,
			v[i].pkts, v[i].bytes);
	}
	free(v);
}

static void epoch_close(struct state *s)
{
	uint64_t ts = s->epoch * s->interval;
	unsigned int p;

	if (!s->epoch_open)
		return;

	switch (s->mode) {
	case MODE_COUNTER:
		print_ts(s->out, ts);
		fprintf(s->out, ",%" PRIu64 ",%" PRIu64 "\n", s->ep_pkts,
			s->ep_bytes);
		break;
	case MODE_PROTOCOL:
		for (p = 0; p < 256; p++) {
			if (!s->protos[p].pkts)
				continue;
			print_ts(s->out, ts);
			fprintf(s->out, ",%u,%" PRIu64 ",%" PRIu64 "\n", p,
				s->protos[p].pkts, s->protos[p].bytes);
		}
		break;
	case MODE_TOPDEST:
		print_topdest(s, ts);
		break;
	case MODE_TOTALS:
	case MODE_PACKETS:
		break;
	}

	s->epoch_open = 0;
	s->ep_pkts = 0;
	s->ep_bytes = 0;
	memset(s->protos, 0, sizeof(s->protos));
	dest_clear(&s->dests);
}

static void account(struct state *s, uint64_t ts, uint64_t wirelen,
		    const struct pkt_info *pi)
{
	uint64_t e = ts / s->interval;

	/*
	 * Epochs only move forward: a packet older than the open epoch (a
	 * trace that is not time-ordered) is charged to the open epoch
	 * instead of reopening one that was already reported.
	 */
	if (!s->epoch_open || e > s->epoch) {
		epoch_close(s);
		s->epoch_open = 1;
		s->epoch = e;
	}

	s->tot_pkts++;
	s->tot_bytes += wirelen;
	s->ep_pkts++;
	s->ep_bytes += wirelen;
	if (!pi->is_ip)
		return;
	s->protos[pi->proto].pkts++;
	s->protos[pi->proto].bytes += wirelen;
	if (s->mode == MODE_TOPDEST)
		dest_add(&s->dests, pi, wirelen);
}

/*
 * A packet's time in ns since the epoch.  With nano precision tv_usec
 * holds nanoseconds.
 */
static uint64_t packet_ns(pcap_t *pc, const struct pcap_pkthdr *hdr,
			  const char *file, uint64_t n)
{
	int64_t sec = hdr->ts.tv_sec;
	int64_t frac = hdr->ts.tv_usec;

	/*
	 * Classic pcap stores seconds as an unsigned 32-bit field but
	 * libpcap 1.10 hands them over sign-extended, so times from 2038 on
	 * arrive negative; undo that (tshark reads the field as unsigned
	 * too).  pcapng has 64-bit times and reports version 1.
	 */
	if (pcap_major_version(pc) == 2 && sec < 0)
		sec += (int64_t)1 << 32;

	/*
	 * A fraction of 1 s or more (or negative) is a malformed record,
	 * not a time: refuse it rather than guess which epoch it is in.
	 */
	if (frac < 0 || (uint64_t)frac >= NSEC_PER_SEC)
		die("%s: packet %" PRIu64 ": invalid timestamp fraction %"
		    PRId64 " ns", file, n, frac);
	if (sec < 0 || (uint64_t)sec > UINT64_MAX / NSEC_PER_SEC - 1)
		die("%s: packet %" PRIu64 ": timestamp out of range", file, n);
	return (uint64_t)sec * NSEC_PER_SEC + (uint64_t)frac;
}

/*
 * -m packets: one row per packet with what the parser decided, so that a
 * disagreement with another dissector can be pinned to a frame number.
 * Not part of como's spec; proto and addr are empty for non-IP packets.
 */
static void print_packet(struct state *s, uint64_t ts, uint64_t wirelen,
			 const struct pkt_info *pi)
{
	char buf[INET6_ADDRSTRLEN] = "";

	if (pi->is_ip)
		addr_str(pi->family, pi->dst, buf, sizeof(buf));
	fprintf(s->out, "%" PRIu64 ",", s->tot_pkts + 1);
	print_ts(s->out, ts);
	if (pi->is_ip)
		fprintf(s->out, ",%" PRIu64 ",%u,%s\n", wirelen, pi->proto,
			buf);
	else
		fprintf(s->out, ",%" PRIu64 ",,\n", wirelen);
}

/* ------------------------------------------------------------------ main */

/*
 * Parse a decimal number of seconds into ns exactly.  Going through a
 * double would turn e.g. 0.1 into 99999999 ns on some inputs and shift
 * every epoch boundary.
 */
static int parse_interval(const char *str, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0;
	const char *c = str;
	int digits = 0, fdigits = 0;

	for (; *c >= '0' && *c <= '9'; c++, digits++) {
		if (sec > (UINT64_MAX / NSEC_PER_SEC - 9) / 10)
			return -1;
		sec = sec * 10 + (uint64_t)(*c - '0');
	}
	if (*c == '.') {
		for (c++; *c >= '0' && *c <= '9'; c++, fdigits++) {
			if (fdigits == 9)
				return -1;	/* finer than 1 ns */
			frac = frac * 10 + (uint64_t)(*c - '0');
		}
	}
	if (*c || digits + fdigits == 0)
		return -1;
	for (; fdigits < 9; fdigits++)
		frac *= 10;
	*ns = sec * NSEC_PER_SEC + frac;
	return *ns ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: %s -m counter|protocol|topdest|totals "
		"[-i SECONDS] [-k K] FILE\n", prog);
	exit(1);
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct state s;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	char *outbuf = NULL;
	size_t outlen = 0;
	const char *mode = NULL;
	pcap_t *pc;
	int opt, dlt, rc;

	memset(&s, 0, sizeof(s));
	s.interval = NSEC_PER_SEC;
	s.topk = 10;

	while ((opt = getopt(argc, argv, "m:i:k:")) != -1) {
		switch (opt) {
		case 'm':
			mode = optarg;
			break;
		case 'i':
			if (parse_interval(optarg, &s.interval))
				die("invalid interval '%s'", optarg);
			break;
		case 'k': {
			char *end;

			errno = 0;
			s.topk = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || !s.topk ||
			    optarg[0] == '-')
				die("invalid k '%s'", optarg);
			break;
		}
		default:
			usage();
		}
	}
	if (!mode || optind != argc - 1)
		usage();
	if (!strcmp(mode, "counter"))
		s.mode = MODE_COUNTER;
	else if (!strcmp(mode, "protocol"))
		s.mode = MODE_PROTOCOL;
	else if (!strcmp(mode, "topdest"))
		s.mode = MODE_TOPDEST;
	else if (!strcmp(mode, "totals"))
		s.mode = MODE_TOTALS;
	else if (!strcmp(mode, "packets"))
		s.mode = MODE_PACKETS;
	else
		die("unknown mode '%s'", mode);

	pc = pcap_open_offline_with_tstamp_precision(argv[optind],
						     PCAP_TSTAMP_PRECISION_NANO,
						     errbuf);
	if (!pc)
		die("%s", errbuf);
	dlt = pcap_datalink(pc);
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_LINUX_SLL:
		break;
	default: {
		const char *name = pcap_datalink_val_to_name(dlt);

		die("unsupported link type %d (%s)", dlt,
		    name ? name : "unknown");
	}
	}

	s.out = open_memstream(&outbuf, &outlen);
	if (!s.out)
		die("open_memstream: %s", strerror(errno));
	switch (s.mode) {
	case MODE_COUNTER:
		fputs("ts,pkts,bytes\n", s.out);
		break;
	case MODE_PROTOCOL:
		fputs("ts,proto,pkts,bytes\n", s.out);
		break;
	case MODE_TOPDEST:
		fputs("ts,rank,addr,pkts,bytes\n", s.out);
		break;
	case MODE_TOTALS:
		fputs("pkts,bytes\n", s.out);
		break;
	case MODE_PACKETS:
		fputs("n,ts,len,proto,addr\n", s.out);
		break;
	}

	while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
		struct pkt_info pi;
		uint64_t ts;

		ts = packet_ns(pc, hdr, argv[optind], s.tot_pkts + 1);
		parse_packet(dlt, data, hdr->caplen, &pi);
		if (s.mode == MODE_PACKETS)
			print_packet(&s, ts, hdr->len, &pi);
		account(&s, ts, hdr->len, &pi);
	}
	if (rc == -1)
		die("%s: %s", argv[optind], pcap_geterr(pc));
	epoch_close(&s);
	pcap_close(pc);

	if (s.mode == MODE_TOTALS)
		fprintf(s.out, "%" PRIu64 ",%" PRIu64 "\n", s.tot_pkts,
			s.tot_bytes);
	if (fclose(s.out))
		die("writing output: %s", strerror(errno));
	if (fwrite(outbuf, 1, outlen, stdout) != outlen || fflush(stdout))
		die("writing output: %s", strerror(errno));
	free(outbuf);
	free(s.dests.slots);
	return 0;
}
