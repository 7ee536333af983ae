/*
 * udp.c - the next datagram of a DNS, NTP, syslog or QUIC flow.
 *
 * DNS and NTP alternate query and reply, syslog only flows one way.
 * QUIC has no payload writer of its own: its long and short headers
 * decide the datagram's size and direction, so they are written here.
 */
#include <stdint.h>

#include "bytes.h"
#include "gentrace.h"

void gt_udp_step(struct gen *g, struct flow *f, uint64_t t, uint8_t *p,
		 uint32_t room, struct seg *s)
{
	struct rng *r = &g->rng;
	uint32_t k = f->sent, plen, pre, cap;
	uint8_t *q = p + 8;
	int dir = 0;

	switch (f->kind) {
	case K_DNS:
		dir = k & 1;
		if (!dir)
			f->xch++;
		plen = pre = gt_dns_msg(q, f->aux + f->xch, dir);
		break;
	case K_NTP:
		dir = k & 1;
		plen = pre = gt_ntp_msg(g, f, dir, t, q);
		break;
	case K_SYSLOG:
		plen = pre = gt_syslog_msg(g, f, t, q);
		break;
	default: {
		/*
		 * QUIC: the client's Initial and the server's first Initial
		 * carry long headers naming both connection ids, so short
		 * headers (fixed bit, protected bits, 8-byte DCID) can be
		 * tied to the connection afterwards.
		 */
		uint64_t cid[2], odcid = gt_mix64(f->aux ^ 0x53);
		int bulk = !(f->flags & FL_UPLOAD);

		cid[0] = gt_mix64(f->aux ^ 0x51);
		cid[1] = gt_mix64(f->aux ^ 0x52);
		if (k == 0) {
			plen = 1200 + rng_below(r, 51);
		} else if (!(f->flags & FL_DATA1)) {
			dir = 1;
			plen = f->mss;
		} else {
			dir = rng_unit(r) < 0.7 ? bulk : !bulk;
			if (dir == bulk)
				plen = rng_unit(r) < 0.75 ? f->mss :
					gt_rng_logu(r, 30, f->mss);
			else
				plen = gt_rng_logu(r, 28, 90);
		}
		if (plen > f->mss)
			plen = f->mss;
		if (k == 0 || !(f->flags & FL_DATA1)) {
			q[0] = 0xc0 | (rng_u64(r) & 0x0f);	/* Initial */
			put32(q + 1, 1);			/* QUIC v1 */
			q[5] = 8;
			put_le64(q + 6, dir ? cid[0] : odcid);
			q[14] = 8;
			put_le64(q + 15, cid[dir]);
			q[23] = 0;				/* no token */
			put16(q + 24, 0x4000 | (plen - 26));
			pre = 26;
			if (dir)
				f->flags |= FL_DATA1;
		} else {
			q[0] = 0x40 | (rng_u64(r) & 0x3f);
			put_le64(q + 1, cid[!dir]);
			pre = 9;
		}
		break;
	}
	}
	cap = room > 8 ? room - 8 : 0;
	if (cap > plen)
		cap = plen;
	if (cap > pre)
		gt_rng_fill(r, q + pre, cap - pre);

	put16(p, dir ? f->sport : f->cport);
	put16(p + 2, dir ? f->cport : f->sport);
	put16(p + 4, 8 + plen);
	put16(p + 6, 0);
	s->dir = dir;
	s->proto = PROTO_UDP;
	s->len = 8 + plen;
	s->valid = 8 + (cap > pre ? cap : pre);
	s->csum_off = 6;
}
