/*
 * emit.c - one frame per call: the protocol step's L4 segment wrapped in
 * Ethernet (with any 802.1Q/802.1ad tags) and IPv4 or IPv6, or an ARP
 * frame, checksummed, padded and handed to the pcap dumper.
 *
 * The framing is common to all protocols, so the steps only write L4
 * bytes and describe them in a struct seg.
 */
#include <stdint.h>
#include <string.h>

#include <pcap/pcap.h>

#include "bytes.h"
#include "gentrace.h"

static uint8_t *eth_hdr(uint8_t *b, const uint8_t *dst, const uint8_t *src,
			const struct flow *f, uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	b += 12;
	if (f->svid) {
		put16(b, ETH_P_8021AD);
		put16(b + 2, f->svid);
		b += 4;
	}
	if (f->vid) {
		put16(b, ETH_P_8021Q);
		put16(b + 2, f->vid);
		b += 4;
	}
	put16(b, type);
	return b + 2;
}

static void dump(struct gen *g, uint64_t t, uint32_t wire)
{
	struct pcap_pkthdr h;
	uint64_t ns = g->start_ns + t;

	h.ts.tv_sec = ns / 1000000000ULL;
	h.ts.tv_usec = ns % 1000000000ULL;	/* nanoseconds: nano dumper */
	h.len = wire;
	h.caplen = wire < g->snaplen ? wire : g->snaplen;
	pcap_dump((u_char *)g->dumper, &h, g->buf);
	g->st.pkts++;
	g->st.wire += h.len;
	g->st.cap += h.caplen;
}

static void arp_emit(struct gen *g, struct flow *f, uint64_t t)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct host *a = &g->h[0][f->cli], *b = &g->h[0][f->srv];
	int req = f->sent == 0;
	const struct host *snd = req ? a : b;
	uint8_t *p;

	memset(g->buf, 0, ETH_MIN_FRAME);
	p = eth_hdr(g->buf, req ? bcast : a->mac, snd->mac, f, ETH_P_ARP);
	put16(p, 1);
	put16(p + 2, ETH_P_IP);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, req ? 1 : 2);
	memcpy(p + 8, snd->mac, 6);
	memcpy(p + 14, snd->addr, 4);
	if (!req)
		memcpy(p + 18, a->mac, 6);
	memcpy(p + 24, req ? b->addr : a->addr, 4);
	dump(g, t, ETH_MIN_FRAME);
}

void gt_emit(struct gen *g, struct flow *f, uint64_t t)
{
	uint8_t *b = g->buf, *ip, *l4;
	struct seg s = { .csum_off = -1 };
	int v6 = !!(f->flags & FL_V6);
	const struct host *src, *dst;
	uint32_t l2, l3, room, ip_end, wire, cap;
	uint16_t c;

	g->st.kind[f->kind]++;
	if (f->kind == K_ARP) {
		arp_emit(g, f, t);
		return;
	}
	l2 = 14 + (f->svid ? 4 : 0) + (f->vid ? 4 : 0);
	l3 = v6 ? 40 + (f->ext ? 8 : 0) : 20;
	l4 = b + l2 + l3;
	room = g->snaplen > l2 + l3 ? g->snaplen - l2 - l3 : 0;

	switch (f->kind) {
	case K_TCP:
		gt_tcp_step(g, f, t, l4, room, &s);
		break;
	case K_ICMP:
		gt_icmp_step(g, f, t, l4, &s);
		break;
	default:
		gt_udp_step(g, f, t, l4, room, &s);
		break;
	}

	src = &g->h[v6][s.dir ? f->srv : f->cli];
	dst = &g->h[v6][s.dir ? f->cli : f->srv];
	ip = eth_hdr(b, dst->mac, src->mac, f, v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (v6) {
		put32(ip, 0x60000000 | f->label);
		put16(ip + 4, l3 - 40 + s.len);
		ip[6] = f->ext == EXT_HBH ? PROTO_HOPOPTS :
			f->ext == EXT_DST ? PROTO_DSTOPTS : s.proto;
		ip[7] = src->ttl;
		memcpy(ip + 8, src->addr, 16);
		memcpy(ip + 24, dst->addr, 16);
		if (f->ext) {
			/* 8 bytes: next header, length 0, PadN of four */
			ip[40] = s.proto;
			ip[41] = 0;
			ip[42] = 1;
			ip[43] = 4;
			memset(ip + 44, 0, 4);
			g->st.ext++;
		}
		g->st.v6++;
	} else {
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, 20 + s.len);
		put16(ip + 4, s.own_id ? s.ipid : f->ipid[s.dir]++);
		put16(ip + 6, s.own_id ? s.ipfrag : 0x4000);
		ip[8] = src->ttl;
		ip[9] = s.proto;
		put16(ip + 10, 0);
		memcpy(ip + 12, src->addr, 4);
		memcpy(ip + 16, dst->addr, 4);
		c = gt_csum_fold(gt_csum_add(0, ip, 20));
		memcpy(ip + 10, &c, 2);
		if (s.own_id && (s.ipfrag & 0x3fff))
			g->st.frag++;
		g->st.v4++;
	}
	if (s.csum_off >= 0) {
		/* bytes past the snap length are zeros by definition */
		uint64_t sum = gt_csum_pseudo(src->addr, dst->addr, v6,
					      s.proto, s.len);

		c = gt_csum_fold(gt_csum_add(sum, l4, s.valid));
		if (s.proto == PROTO_UDP && !c)
			c = 0xffff;
		memcpy(l4 + s.csum_off, &c, 2);
	}
	if (f->svid)
		g->st.qinq++;
	else if (f->vid)
		g->st.vlan++;

	ip_end = l2 + l3 + s.len;
	wire = ip_end < ETH_MIN_FRAME ? ETH_MIN_FRAME : ip_end;
	cap = wire < g->snaplen ? wire : g->snaplen;
	if (cap > ip_end)
		memset(b + ip_end, 0, cap - ip_end);
	dump(g, t, wire);
}
