/*
 * tcp.c - the next segment of a TCP flow: which side sends, its flags,
 * sequence and acknowledgement numbers, window and options.
 *
 * A flow's life is a handshake, data with an ACK every two segments,
 * then a FIN or RST close, so connection trackers and dissectors see
 * consistent connections; the payload itself comes from payload_tcp.c.
 */
#include <stdint.h>

#include "bytes.h"
#include "gentrace.h"

static inline int ssh_kex_code(uint8_t c)
{
	return c == 20 || c == 21 || (c >= 30 && c < 40);
}

/*
 * Random bytes standing for encrypted or binary data must not read as
 * protocol structure to a dissector that lost track through truncation.
 * A body segment starting with CRLF ends an HTTP head.  A truncated
 * KEXINIT hides the SSH key exchange, after which every SSH packet, and
 * its MAC as if it were one more, is parsed as plaintext: a message code
 * of 20, 21 or 30-39 reads as key exchange, a padding length beyond the
 * packet runs off its end, a short "length" in the MAC starts a bogus
 * packet.  Adjusting a ciphertext byte keeps the data random-looking.
 */
static void tcp_tidy(const struct flow *f, uint8_t *p, uint32_t pre,
		     uint32_t cap)
{
	uint32_t len;
	uint8_t *mac;

	if (f->app == APP_HTTP && !pre && (p[0] == '\r' || p[0] == '\n'))
		p[0] ^= 0x80;
	if (f->app != APP_SSH || pre != 4 || cap <= 4)
		return;
	len = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	if (p[4] + 2U > len)
		p[4] %= len - 1;
	if (cap > 5 && ssh_kex_code(p[5]))
		p[5] ^= 0x80;
	mac = p + 4 + len;
	if (cap > 4 + len && !mac[0])
		mac[0] = 1;
	if (cap > 4 + len + 5 && ssh_kex_code(mac[5]))
		mac[5] ^= 0x80;
}

void gt_tcp_step(struct gen *g, struct flow *f, uint64_t t, uint8_t *p,
		 uint32_t room, struct seg *s)
{
	struct rng *r = &g->rng;
	uint32_t k = f->sent, n = f->sent + f->left;
	int closer = !!(f->flags & FL_SRVCLOSE);
	int bulk = !(f->flags & FL_UPLOAD);
	int ts = !!(f->flags & FL_TSOPT);
	uint32_t maxpay = f->mss - 12 * ts - 8 * !!f->ext;
	uint32_t dhl = ts ? 32 : 20;	/* header length of data segments */
	uint32_t plen = 0, pre = 0, hl, seq, ack, cap, tsval;
	uint16_t win;
	uint8_t fl, *o;
	int dir;

	if (k == 0) {
		dir = 0;
		fl = TH_SYN;
	} else if ((f->flags & FL_RST) && k == n - 1) {
		dir = k == 1 ? 1 : closer;
		fl = TH_RST | TH_ACK;
	} else if (k == 1) {
		dir = 1;
		fl = TH_SYN | TH_ACK;
	} else if (k == 2) {
		dir = 0;
		fl = TH_ACK;
	} else if (!(f->flags & FL_RST) && n >= 7 && k >= n - 3) {
		uint32_t i = k - (n - 3);

		dir = i == 1 ? !closer : closer;
		fl = i == 2 ? TH_ACK : TH_FIN | TH_ACK;
	} else {
		/* SMTP and SSH servers speak first */
		int opener = f->app == APP_SMTP || f->app == APP_SSH;
		uint32_t c0 = ssh_count(f, 0), c1 = ssh_count(f, 1);

		fl = TH_ACK | TH_PSH;
		if (f->app == APP_SSH && (c0 < 4 || c1 < 4)) {
			/* key exchange in lock step, server banner first */
			dir = c0 < c1 ? 0 : c1 < c0 ? 1 : !c0;
			plen = 1;
		} else if (!(f->flags & (opener ? FL_DATA1 : FL_DATA0))) {
			dir = opener;
			plen = gt_rng_logu(r, 40, 900);
		} else if (!(f->flags & (opener ? FL_DATA0 : FL_DATA1))) {
			dir = !opener;
			plen = dir == bulk ? maxpay : gt_rng_logu(r, 20, 400);
		} else if (f->since_ack >= 2 || rng_unit(r) < 0.08) {
			dir = !bulk;
			f->since_ack = 0;
			if (rng_unit(r) < 0.1)
				plen = gt_rng_logu(r, 20, 400);
			else
				fl = TH_ACK;
		} else {
			dir = bulk;
			f->since_ack++;
			if (rng_unit(r) < 0.7) {
				plen = maxpay;
				if (rng_unit(r) > 0.1)
					fl = TH_ACK;
			} else {
				plen = gt_rng_logu(r, 1, maxpay);
			}
			/*
			 * A short HTTP body segment captured whole is parsed
			 * as header lines once truncation has hidden the
			 * body length; servers write bodies in large chunks
			 * anyway, so keep them longer than the capture.
			 */
			if (f->app == APP_HTTP && room >= dhl &&
			    plen <= room - dhl)
				plen = room - dhl + 1;
			if (plen > maxpay)
				plen = maxpay;
		}
	}

	if (fl & TH_SYN)
		hl = ts ? 40 : 32;
	else if (fl == (TH_RST | TH_ACK) && k == 1)
		hl = 20;
	else
		hl = dhl;

	cap = room > hl ? room - hl : 0;
	pre = gt_tcp_app(g, f, dir, t, p + hl, &plen, cap, maxpay);
	if (plen > maxpay)
		plen = maxpay;
	if (pre > plen)
		pre = plen;
	if (cap > plen)
		cap = plen;
	if (cap > pre)
		gt_rng_fill(r, p + hl + pre, cap - pre);
	if (cap > pre)
		tcp_tidy(f, p + hl, pre, cap);

	seq = f->seq[dir];
	ack = (fl & TH_ACK) ? f->seq[!dir] : 0;
	if (fl & TH_RST) {
		win = 0;
		if (k == 1)
			seq = 0;	/* refused: RST answers a SYN */
	} else if (fl == TH_SYN) {
		win = ts ? 64240 : 65535;
	} else if (fl & TH_SYN) {
		win = ts ? 65160 : 65535;
	} else {
		win = f->win[dir] - rng_below(r, f->win[dir] / 8 + 1);
	}
	put16(p, dir ? f->sport : f->cport);
	put16(p + 2, dir ? f->cport : f->sport);
	put32(p + 4, seq);
	put32(p + 8, ack);
	p[12] = (hl / 4) << 4;
	p[13] = fl;
	put16(p + 14, win);
	put16(p + 16, 0);
	put16(p + 18, 0);

	o = p + 20;
	tsval = f->tsbase[dir] + (uint32_t)(t / 1000000);
	if (fl & TH_SYN) {
		if (ts) {
			/* Linux: MSS, SACK_PERM, TS, NOP, WS */
			o[0] = 2; o[1] = 4; put16(o + 2, f->mss);
			o[4] = 4; o[5] = 2;
			o[6] = 8; o[7] = 10; put32(o + 8, tsval);
			put32(o + 12, fl & TH_ACK ? f->tslast[0] : 0);
			o[16] = 1;
			o[17] = 3; o[18] = 3; o[19] = f->wscale;
		} else {
			/* Windows: MSS, NOP, WS, NOP, NOP, SACK_PERM */
			o[0] = 2; o[1] = 4; put16(o + 2, f->mss);
			o[4] = 1;
			o[5] = 3; o[6] = 3; o[7] = f->wscale;
			o[8] = 1; o[9] = 1;
			o[10] = 4; o[11] = 2;
		}
	} else if (hl == 32) {
		o[0] = 1; o[1] = 1;
		o[2] = 8; o[3] = 10;
		put32(o + 4, tsval);
		put32(o + 8, f->tslast[!dir]);
	}
	f->tslast[dir] = tsval;
	f->seq[dir] += plen + !!(fl & TH_SYN) + !!(fl & TH_FIN);

	s->dir = dir;
	s->proto = PROTO_TCP;
	s->len = hl + plen;
	s->valid = hl + (cap > pre ? cap : pre);
	s->csum_off = 16;
}
