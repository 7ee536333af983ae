// SPDX-License-Identifier: BSD-3-Clause
/*
 * The dispatcher: parse every packet once into struct como_pkt, then hand
 * the parsed batch to the module chain (como_progs, starting at
 * como_cfg.head). A trace arrives as a batch frame (include/como/batch.h)
 * through BPF_PROG_RUN; a live packet is a batch of one.
 *
 * The parser reads the first COMO_SNAP bytes in the per-CPU window map
 * rather than the packet itself: a trace's batch is written there by comod
 * (include/como/batch.h), a live packet is copied there, so that one parser
 * serves both paths, and the filter stages that follow read the same copy.
 */
#include "como.bpf.h"
#include <como/batch.h>

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8
#define ETH_P_QINQ1	0x9100
#define ETH_P_MPLS_UC	0x8847
#define ETH_P_MPLS_MC	0x8848

#define DLT_EN10MB	1
#define DLT_RAW		12
#define DLT_LINUX_SLL	113
#define DLT_IPV4	228
#define DLT_IPV6	229

#define MAX_VLAN	2
#define MAX_MPLS	8
#define MAX_IPV6_EXT	8

/*
 * One packet's window as the parser sees it: its batch record, then its
 * bytes. 'slack' (the next packet's window, or como_win's tail) lets every
 * fixed-size read after a bounds check on 'lim' stay inside the map value,
 * which is all the verifier asks.
 */
#define WIN_SLACK	COMO_WIN_SLACK	/* >= WIN_MASK + 40 - COMO_SNAP */

struct pkt_win {
	struct como_batch_rec rec;
	__u8 buf[COMO_SNAP];
	__u8 slack[WIN_SLACK];
};

/*
 * Every read of the window goes through these. The masks change nothing
 * (callers check offsets against 'lim' <= COMO_SNAP first) but give the
 * verifier a bound that survives clang's register shuffles.
 */
#define WIN_MASK	0xff

static __always_inline __u8 rd8(const __u8 *b, __u32 off)
{
	barrier_var(off);
	return b[off & WIN_MASK];
}

static __always_inline __u16 rd16(const __u8 *b, __u32 off)
{
	barrier_var(off);
	off &= WIN_MASK;
	return (__u16)b[off] << 8 | b[off + 1];
}

static __always_inline const __u8 *at(const __u8 *b, __u32 off)
{
	barrier_var(off);
	return b + (off & WIN_MASK);
}

/*
 * struct xdp_md is UAPI: its layout never changes. vmlinux.h marks every
 * struct for CO-RE relocation, and a single relocation makes libbpf read
 * and parse the kernel's whole BTF (5 MB, some 40 ms) at every start, so
 * the context is read through this copy, which has none.
 */
struct xdp_ctx {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
};

static __always_inline const struct xdp_ctx *xdp_ctx(const struct xdp_md *xdp)
{
	return (const struct xdp_ctx *)xdp;
}

/* Where no ethertype says it (raw IP, after MPLS), the version nibble does. */
static __always_inline __u16 version_ethertype(__u8 first)
{
	return first >> 4 == 4 ? ETH_P_IP : first >> 4 == 6 ? ETH_P_IPV6 : 0;
}

/* Walks L2 to the network header; returns its offset, or -1 if not IP. */
__noinline int parse_l2(struct como_pkt *p, const struct pkt_win *s,
			__u32 lim)
{
	const __u8 *b;
	__u32 off, i;
	__u16 et;

	if (!p || !s)
		return -1;
	b = s->buf;
	switch (p->linktype) {
	case DLT_EN10MB:
		if (lim < 14)
			return -1;
		et = rd16(b, 12);
		off = 14;
		break;
	case DLT_LINUX_SLL:
		if (lim < 16)
			return -1;
		et = rd16(b, 14);
		off = 16;
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (lim < 1)
			return -1;
		et = version_ethertype(rd8(b, 0));
		off = 0;
		goto l3;
	default:
		return -1;
	}

	for (i = 0; i < MAX_VLAN; i++) {
		if (et != ETH_P_8021Q && et != ETH_P_8021AD && et != ETH_P_QINQ1)
			break;
		if (off + 4 > lim)
			return -1;
		if (i == 0) {
			p->vlan = rd16(b, off) & 0xfff;
			p->flags |= COMO_PKT_VLAN;
		} else {
			p->vlan_inner = rd16(b, off) & 0xfff;
			p->flags |= COMO_PKT_QINQ;
		}
		et = rd16(b, off + 2);
		off += 4;
	}
	if (et == ETH_P_MPLS_UC || et == ETH_P_MPLS_MC) {
		p->flags |= COMO_PKT_MPLS;
		for (i = 0; i < MAX_MPLS; i++) {
			if (off + 4 > lim)
				return -1;
			off += 4;
			if (rd8(b, off - 2) & 1)	/* bottom of stack */
				break;
		}
		if (i == MAX_MPLS || off + 1 > lim)
			return -1;
		/* no ethertype after MPLS: the version nibble tells */
		et = version_ethertype(rd8(b, off));
	}
l3:
	p->l3_proto = et;
	if (et != ETH_P_IP && et != ETH_P_IPV6)
		return -1;
	return off;
}

static __always_inline void map_v4(__u8 *dst, const __u8 *src)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, src, 4);
}

/* Returns the L4 offset, or -1 when there is no L4 header to read. */
__noinline int parse_ipv4(struct como_pkt *p, const struct pkt_win *s,
			  __u32 off, __u32 lim)
{
	const __u8 *b;
	__u16 frag;
	__u32 ihl;

	if (!p || !s)
		return -1;
	b = s->buf;
	if (off > COMO_SNAP - 20 || off + 20 > lim || rd8(b, off) >> 4 != 4)
		return -2;
	ihl = (rd8(b, off) & 0xf) * 4;
	if (ihl < 20)
		return -2;
	p->ip_ver = 4;
	p->ttl = rd8(b, off + 8);
	p->l4_proto = rd8(b, off + 9);
	map_v4(p->src, at(b, off + 12));
	map_v4(p->dst, at(b, off + 16));
	frag = rd16(b, off + 6);
	if (frag & 0x3fff)
		p->flags |= COMO_PKT_FRAG;
	if (frag & 0x1fff) {
		p->flags |= COMO_PKT_FRAG_LATER;
		return -1;
	}
	return off + ihl;
}

__noinline int parse_ipv6(struct como_pkt *p, const struct pkt_win *s,
			  __u32 off, __u32 lim)
{
	const __u8 *b;
	__u32 l4 = off + 40, i;
	__u8 nxt;

	if (!p || !s)
		return -1;
	b = s->buf;
	if (off > COMO_SNAP - 40 || off + 40 > lim || rd8(b, off) >> 4 != 6)
		return -2;
	p->ip_ver = 6;
	nxt = rd8(b, off + 6);
	p->ttl = rd8(b, off + 7);
	__builtin_memcpy(p->src, at(b, off + 8), 16);
	__builtin_memcpy(p->dst, at(b, off + 24), 16);

	for (i = 0; i < MAX_IPV6_EXT; i++) {
		if (nxt != 0 && nxt != 43 && nxt != 60 && nxt != 44)
			break;
		if (l4 > COMO_SNAP - 8 || l4 + 8 > lim)
			break;
		p->flags |= COMO_PKT_IPV6_EXT;
		if (nxt == 44) {
			p->flags |= COMO_PKT_FRAG;
			if (rd16(b, l4 + 2) & 0xfff8)
				p->flags |= COMO_PKT_FRAG_LATER;
			nxt = rd8(b, l4);
			l4 += 8;
		} else {
			nxt = rd8(b, l4);
			l4 += (rd8(b, l4 + 1) + 1) * 8;
		}
	}
	p->l4_proto = nxt;
	if (i == MAX_IPV6_EXT && (nxt == 0 || nxt == 43 || nxt == 60 || nxt == 44))
		return -1;
	if (p->flags & COMO_PKT_FRAG_LATER)
		return -1;
	return l4;
}

__noinline int parse_l4(struct como_pkt *p, const struct pkt_win *s,
			__u32 l4, __u32 lim)
{
	const __u8 *b;

	if (!p || !s)
		return -1;
	b = s->buf;

	if (l4 > COMO_SNAP - 20)
		goto trunc;
	switch (p->l4_proto) {
	case 6:		/* TCP */
		if (l4 + 14 > lim)
			goto trunc;
		p->tcp_flags = rd8(b, l4 + 13);
		p->l7_off = l4 + (rd8(b, l4 + 12) >> 4) * 4;
		if (p->l7_off < l4 + 20)
			p->l7_off = 0;	/* a data offset below 5 words */
		goto ports;
	case 17:	/* UDP */
		p->l7_off = l4 + 8;
		/* fall through */
ports:
	case 132:	/* SCTP */
		if (l4 + 4 > lim)
			goto trunc;
		p->sport = rd16(b, l4);
		p->dport = rd16(b, l4 + 2);
		break;
	case 1:		/* ICMP */
	case 58:	/* ICMPv6 */
		if (l4 + 2 > lim)
			goto trunc;
		p->dport = rd16(b, l4);
		break;
	default:
		return 0;
	}
	p->l4_off = l4;
	p->flags |= COMO_PKT_L4;
	return 0;
trunc:
	p->flags |= COMO_PKT_TRUNC;
	return 0;
}

/* TCP or UDP at L4, fixed offset: ports, flags, payload offset. */
static __always_inline void fast_l4(struct como_pkt *p, const __u8 *b,
				    __u32 l4)
{
	p->sport = (__u16)b[l4] << 8 | b[l4 + 1];
	p->dport = (__u16)b[l4 + 2] << 8 | b[l4 + 3];
	if (p->l4_proto == 6) {
		p->tcp_flags = b[l4 + 13];
		p->l7_off = l4 + (b[l4 + 12] >> 4) * 4;
		if (p->l7_off < l4 + 20)
			p->l7_off = 0;	/* a data offset below 5 words */
	} else {
		p->l7_off = l4 + 8;
	}
	p->l4_off = l4;
	p->flags |= COMO_PKT_L4;
}

/*
 * Most packets are untagged Ethernet, IPv4 without options or fragments
 * or IPv6 without extension headers, then TCP or UDP: read at constant
 * offsets, inline, with no call (a call's return costs more than the
 * parse where returns are mitigated). Anything else, or too short, goes
 * the general way. Returns 1 when it parsed the packet.
 */
static __always_inline int parse_fast(struct como_pkt *p,
				      const struct pkt_win *s, __u32 lim)
{
	const __u8 *b = s->buf;
	__u16 et;

	if (p->linktype != DLT_EN10MB || lim < 14 + 20 + 8)
		return 0;
	et = (__u16)b[12] << 8 | b[13];
	if (et == ETH_P_IP) {
		/* version 4, 20-byte header; not a fragment; TCP or UDP */
		if (b[14] != 0x45 || (b[20] & 0x3f) || b[21] ||
		    !(b[23] == 6 ? lim >= 34 + 20 : b[23] == 17))
			return 0;
		p->ip_ver = 4;
		p->ttl = b[22];
		p->l4_proto = b[23];
		map_v4(p->src, b + 26);
		map_v4(p->dst, b + 30);
		p->l3_proto = ETH_P_IP;
		p->l3_off = 14;
		fast_l4(p, b, 34);
		return 1;
	}
	if (et == ETH_P_IPV6) {
		if (b[14] >> 4 != 6 ||
		    !(b[20] == 6 ? lim >= 54 + 20 : b[20] == 17 && lim >= 54 + 8))
			return 0;
		p->ip_ver = 6;
		p->l4_proto = b[20];
		p->ttl = b[21];
		__builtin_memcpy(p->src, b + 22, 16);
		__builtin_memcpy(p->dst, b + 38, 16);
		p->l3_proto = ETH_P_IPV6;
		p->l3_off = 14;
		fast_l4(p, b, 54);
		return 1;
	}
	return 0;
}

/*
 * Fills everything in p past ts/len/caplen/linktype from the window. The
 * stages are global functions: the verifier checks each once on its own
 * instead of every combination of VLAN, MPLS and IPv6 extension paths.
 */
static __always_inline void parse_pkt(struct como_pkt *p, const struct pkt_win *s)
{
	__u32 lim = p->caplen < COMO_SNAP ? p->caplen : COMO_SNAP;
	int off, l4;

	if (parse_fast(p, s, lim))
		return;

	off = parse_l2(p, s, lim);
	if (off < 0)
		return;
	p->l3_off = off;
	if (p->l3_proto == ETH_P_IP)
		l4 = parse_ipv4(p, s, off, lim);
	else
		l4 = parse_ipv6(p, s, off, lim);
	if (l4 == -2)
		p->flags |= COMO_PKT_TRUNC;
	if (l4 >= 0)
		parse_l4(p, s, l4, lim);
}

static __always_inline void pkt_init(struct como_pkt *p, __u64 ts, __u32 len,
				     __u32 caplen, __u16 linktype, __u16 source,
				     __u64 match)
{
	__builtin_memset(p, 0, sizeof(*p));
	p->ts = ts;
	p->len = len;
	p->caplen = caplen;
	p->linktype = linktype;
	p->source = source;
	p->match = match;
	p->count = 1;
	p->sampling = 1;
}

struct batch_ctx {
	struct xdp_md *xdp;
	struct como_vec *vec;
	struct como_win *win;
	__u64 match;
	__u64 bytes;
	__u64 non_ip;
	__u64 trunc;
	__u16 linktype;
	__u16 source;
	__u32 n;
};

/* Packet I of a trace's batch, which comod wrote in window I. */
static long parse_one(__u32 i, void *data)
{
	struct batch_ctx *bc = data;
	struct pkt_win *s;
	struct como_pkt *p;

	if (i >= COMO_BATCH_MAX)
		return 1;
	/* the verifier must see the mask, so hide from clang that i < MAX */
	barrier_var(i);
	i &= COMO_BATCH_MAX - 1;
	s = (struct pkt_win *)bc->win->pkt[i];
	p = &bc->vec->pkt[i];
	pkt_init(p, s->rec.ts, s->rec.len, s->rec.caplen, bc->linktype,
		 bc->source, bc->match);
	p->index = i;
	parse_pkt(p, s);
	bc->bytes += p->len;
	bc->non_ip += p->ip_ver == 0;
	bc->trunc += (p->flags & COMO_PKT_TRUNC) != 0;
	bc->n = i + 1;
	return 0;
}

/*
 * A live frame is linear (the dispatcher does not take XDP fragments), so
 * its window is copied with direct packet access, a word at a time: a
 * fraction of bpf_xdp_load_bytes()'s cost for a batch of one. The last
 * word is the frame's last 8 bytes, stored where they belong, so no byte
 * past the frame is read. A runt under 8 bytes (no IP packet, but counted
 * all the same) takes the helper.
 */
static __always_inline int copy_live(struct xdp_md *xdp, __u8 *buf, __u32 n)
{
	const __u8 *data = (const __u8 *)(long)xdp_ctx(xdp)->data;
	const __u8 *end = (const __u8 *)(long)xdp_ctx(xdp)->data_end;
	__u32 i, last;

	if (data + 8 > end) {
		/* 1..8 without a branch: 6.1's verifier learns nothing from n != 0 */
		n = ((n - 1) & 7) + 1;
		return bpf_xdp_load_bytes(xdp, 0, buf, n);
	}
#pragma unroll
	for (i = 0; i < COMO_SNAP / 8; i++) {
		if (data + (i + 1) * 8 > end || (i + 1) * 8 > n)
			break;
		((__u64 *)buf)[i] = *(const __u64 *)(data + i * 8);
	}
	if (i * 8 < n) {
		last = n - 8;
		barrier_var(last);
		last &= WIN_MASK;
		if (data + last + 8 > end)
			return -1;
		__builtin_memcpy(buf + last, data + last, 8);
	}
	return 0;
}

/* A live packet: the batch is this one frame. */
static __always_inline int parse_live(struct batch_ctx *bc, struct como_cfg *cfg)
{
	__u32 len = xdp_ctx(bc->xdp)->data_end - xdp_ctx(bc->xdp)->data, n;
	struct pkt_win *s = (struct pkt_win *)bc->win->pkt[0];
	struct como_pkt *p = &bc->vec->pkt[0];

	n = len < COMO_SNAP ? len : COMO_SNAP;
	if (copy_live(bc->xdp, s->buf, n))
		return -1;
	if (cfg->flags & COMO_CFG_TS_COARSE)
		s->rec.ts = bpf_ktime_get_coarse_ns() + cfg->coarse_offset_ns;
	else
		s->rec.ts = bpf_ktime_get_boot_ns() + cfg->clock_offset_ns;
	s->rec.len = len;
	s->rec.caplen = len;
	pkt_init(p, s->rec.ts, len, len, DLT_EN10MB, xdp_ctx(bc->xdp)->ingress_ifindex,
		 bc->match);
	parse_pkt(p, s);
	bc->bytes = len;
	bc->non_ip = p->ip_ver == 0;
	bc->trunc = (p->flags & COMO_PKT_TRUNC) != 0;
	bc->n = 1;
	return 0;
}

SEC("xdp")
int como_dispatch(struct xdp_md *ctx)
{
	void *meta = (void *)(long)xdp_ctx(ctx)->data_meta;
	void *data = (void *)(long)xdp_ctx(ctx)->data;
	struct como_batch_meta *bm = meta;
	struct batch_ctx bc = { .xdp = ctx };
	struct como_stats *st;
	struct como_cfg *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&como_cfg, &zero);
	bc.vec = como_vec_this_cpu();
	bc.win = como_win_this_cpu();
	if (!cfg || !bc.vec || !bc.win)
		return XDP_PASS;
	bc.match = cfg->match_all;
	bc.vec->batch = 0;

	if ((void *)(bm + 1) <= data && bm->magic == COMO_BATCH_MAGIC) {
		/* the windows comod wrote are another CPU's: it writes again */
		if (bm->cpu != bpf_get_smp_processor_id())
			return XDP_ABORTED;
		bc.linktype = bm->linktype;
		bc.source = bm->source;
		bc.vec->batch = bm->batch;
		bpf_loop(bm->count, parse_one, &bc, 0);
	} else if (parse_live(&bc, cfg)) {
		return XDP_PASS;
	}
	bc.vec->n = bc.n;

	bc.vec->timed = bc.n > 1;
	st = bpf_map_lookup_elem(&como_stats, &zero);
	if (st) {
		if (bc.n == 1 && !(st->pkts & (COMO_TIMED_LIVE - 1)))
			bc.vec->timed = COMO_TIMED_LIVE;
		st->pkts += bc.n;
		st->bytes += bc.bytes;
		st->non_ip += bc.non_ip;
		st->trunc += bc.trunc;
	}
	/* each module's time starts where the program before it ended */
	if (bc.vec->timed)
		bc.vec->clock_ns = bpf_ktime_get_ns();
	bpf_tail_call(ctx, &como_progs, cfg->head);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
