/*
 * icmp.c - ICMP and ICMPv6 echo requests and replies, fragmented when a
 * ping is larger than a frame.
 *
 * Each call rebuilds the whole echo message, since its checksum covers
 * the data of every fragment, then writes the next IPv4 fragment of it.
 */
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "gentrace.h"

/* the whole echo message, checksum included, into m */
static uint32_t icmp_msg(struct gen *g, struct flow *f, uint8_t *m)
{
	int v6 = !!(f->flags & FL_V6), reply = f->dg_dir;
	const struct host *src = &g->h[v6][reply ? f->srv : f->cli];
	const struct host *dst = &g->h[v6][reply ? f->cli : f->srv];
	uint32_t len = 8 + f->dg_size, i;
	uint8_t *d = m + 8;
	uint64_t sum, when;
	uint16_t c;

	m[0] = v6 ? (reply ? 129 : 128) : (reply ? 0 : 8);
	m[1] = 0;
	put16(m + 2, 0);
	put16(m + 4, f->label);
	put16(m + 6, f->xch);
	if (f->flags & FL_WINPING) {
		for (i = 0; i < f->dg_size; i++)
			d[i] = 'a' + i % 23;
	} else {
		/* iputils: a struct timeval, then the byte index as pattern */
		for (i = 0; i < f->dg_size; i++)
			d[i] = i;
		if (f->dg_size >= 16) {
			when = g->start_ns + f->aux;
			put_le64(d, when / 1000000000ULL);
			put_le64(d + 8, when % 1000000000ULL / 1000);
		}
	}
	sum = v6 ? gt_csum_pseudo(src->addr, dst->addr, 1, PROTO_ICMPV6,
				  len) : 0;
	c = gt_csum_fold(gt_csum_add(sum, m, len));
	memcpy(m + 2, &c, 2);
	return len;
}

void gt_icmp_step(struct gen *g, struct flow *f, uint64_t t, uint8_t *p,
		  struct seg *s)
{
	int v6 = !!(f->flags & FL_V6);
	uint32_t max = v6 ? LINK_MTU - 40 : FRAG_DATA, slice, nfrag;

	if (f->dg_off >= f->dg_len) {
		int reply = !!(f->flags & FL_REPLY);

		if (!reply) {
			f->dg_size = f->mss;
			nfrag = (8 + f->dg_size + max - 1) / max;
			/* no half-written echoes at the end of the budget */
			if (nfrag > 1 && 2 * nfrag > f->left)
				f->dg_size = 56;
			f->xch++;
			f->aux = t;
		}
		f->dg_dir = reply;
		f->dg_len = 8 + f->dg_size;
		f->dg_off = 0;
		f->dg_id = f->ipid[reply]++;
		f->flags ^= FL_REPLY;
	}
	/* the datagram is rebuilt per fragment: flows share the scratch */
	icmp_msg(g, f, g->dgram);
	slice = f->dg_len - f->dg_off;
	if (slice > max)
		slice = max;
	memcpy(p, g->dgram + f->dg_off, slice);

	s->dir = f->dg_dir;
	s->proto = v6 ? PROTO_ICMPV6 : PROTO_ICMP;
	s->len = slice;
	s->valid = slice;
	s->csum_off = -1;
	s->own_id = 1;
	s->ipid = f->dg_id;
	if (slice < f->dg_len)
		s->ipfrag = (f->dg_off / 8) |
			    (f->dg_off + slice < f->dg_len ? 0x2000 : 0);
	else
		s->ipfrag = f->flags & FL_WINPING ? 0 : 0x4000;
	f->dg_off += slice;
}
