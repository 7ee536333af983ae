/*
 * flows.c - what each flow is, decided once at setup: protocol, address
 * family, endpoints and ports, TCP parameters, its number of packets
 * (its share of the -n budget), VLAN tags and IPv6 extension headers,
 * and when it starts and ends.
 *
 * Everything is drawn in a fixed order from the one PRNG, so reordering
 * draws here changes every trace; gen.c calls these and schedules the
 * result.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "gentrace.h"

struct svc {
	uint16_t port;
	uint8_t app;
	uint8_t weight;
	uint8_t upload;		/* percent of flows where the client sends bulk */
};

static const struct svc tcp_svcs[] = {
	{ 443, APP_TLS, 58, 20 },
	{ 80, APP_HTTP, 15, 0 },
	{ 22, APP_SSH, 7, 40 },
	{ 8080, APP_HTTP, 5, 0 },
	{ 993, APP_TLS, 4, 10 },
	{ 25, APP_SMTP, 4, 100 },
	{ 853, APP_TLS, 2, 10 },
};

static const uint16_t vids[] = { 10, 20, 30, 100, 110, 200, 300, 1001 };
static const uint16_t svids[] = { 100, 200, 3000 };

/*
 * Ports in the ephemeral ranges that dissectors claim by number
 * (Wireshark 4.0).  QUIC is only recognised heuristically, after the
 * port lookups, so a client on one of these would be misread; hosts
 * running those services would not hand them out either.
 */
static const uint16_t busy_ports[] = {
	34962, 34963, 34964, 34980, 37008, 41170, 44321, 44322, 44818,
	45564, 47000, 47808, 48049, 48898, 49999, 54328, 56000, 56001,
	56500, 56501, 57000, 57001, 57032, 57033, 57500, 57501, 57532,
	57533, 59000, 59001, 59032, 59033, 59500, 59501, 59532, 59533,
	60001,
};

static uint16_t eph_port(struct rng *r, const struct host *h)
{
	uint16_t port;
	uint32_t i;

again:
	/* Windows and Linux default ephemeral ranges */
	port = h->windows ? rng_range(r, 49152, 65535) :
			    rng_range(r, 32768, 60999);
	for (i = 0; i < NELEM(busy_ports); i++) {
		if (port == busy_ports[i])
			goto again;
	}
	return port;
}

static void flow_tcp(struct gen *g, struct flow *f, const struct host *c)
{
	struct rng *r = &g->rng;
	uint32_t total = 0, pick, i;
	int v6 = f->flags & FL_V6;
	double u;

	for (i = 0; i < NELEM(tcp_svcs); i++)
		total += tcp_svcs[i].weight;
	pick = rng_below(r, total);
	for (i = 0; pick >= tcp_svcs[i].weight; i++)
		pick -= tcp_svcs[i].weight;
	f->sport = tcp_svcs[i].port;
	f->app = tcp_svcs[i].app;
	if (rng_below(r, 100) < tcp_svcs[i].upload)
		f->flags |= FL_UPLOAD;
	if (rng_unit(r) < 0.4)
		f->flags |= FL_SRVCLOSE;

	if (!c->windows)
		f->flags |= FL_TSOPT;
	f->wscale = c->windows ? 8 : 7;
	if (rng_unit(r) < 0.85)
		f->mss = v6 ? 1440 : 1460;
	else
		f->mss = (v6 ? 1440 : 1460) - 20 * rng_range(r, 1, 6);
	f->win[0] = rng_range(r, 200, 4000);
	f->win[1] = rng_range(r, 200, 4000);
	f->seq[0] = rng_u64(r);
	f->seq[1] = rng_u64(r);
	f->tsbase[0] = rng_u64(r);
	f->tsbase[1] = rng_u64(r);

	/*
	 * Mice keep the size their story needs: a lone SYN (scan or drop),
	 * SYN answered by RST (closed port), a half-open scan, short
	 * exchanges.  The rest share the scaled budget, Pareto-weighted.
	 */
	u = rng_unit(r);
	if (u < 0.30) {
		f->flags |= FL_FIXED;
		u = rng_unit(r);
		if (u < 0.15) {
			f->left = 1;
		} else if (u < 0.30) {
			f->left = 2;
			f->flags |= FL_RST;
		} else if (u < 0.40) {
			f->left = 3;
			f->flags &= ~FL_SRVCLOSE;
			f->flags |= FL_RST;
		} else {
			f->left = rng_range(r, 4, 14);
			if (rng_unit(r) < 0.1)
				f->flags |= FL_RST;
		}
	} else {
		f->weight = gt_rng_pareto(r, 4, 1.15);
		if (rng_unit(r) < 0.05)
			f->flags |= FL_RST;
	}
}

void gt_flow_pick(struct gen *g, struct flow *f)
{
	struct rng *r = &g->rng;
	double u = rng_unit(r);
	int v6 = rng_unit(r) < 0.2;
	uint32_t lim = UINT32_MAX, tries;
	const struct host *c;

	if (v6)
		f->flags |= FL_V6;
	if (u < 0.70) {
		f->kind = K_TCP;
	} else if (u < 0.95) {
		u = rng_unit(r);
		f->kind = u < 0.5 ? K_DNS : u < 0.8 ? K_QUIC :
			  u < 0.9 ? K_NTP : K_SYSLOG;
	} else {
		f->kind = K_ICMP;
	}

	/* a site uses few resolvers, time servers and log collectors */
	if (f->kind == K_DNS || f->kind == K_NTP)
		lim = 4;
	else if (f->kind == K_SYSLOG)
		lim = 2;

	f->cli = gt_zipf_pick(&g->zc[v6], r, UINT32_MAX);
	for (tries = 0; tries < 16; tries++) {
		f->srv = gt_zipf_pick(&g->zs[v6], r, lim);
		if (f->srv != f->cli)
			break;
	}
	if (f->srv == f->cli)
		f->srv = (f->cli + 1) % g->nh[v6];
	c = &g->h[v6][f->cli];
	f->cport = eph_port(r, c);
	f->label = rng_u64(r) & 0xfffff;
	f->ipid[0] = rng_u64(r);
	f->ipid[1] = rng_u64(r);
	f->aux = rng_u64(r);

	switch (f->kind) {
	case K_TCP:
		flow_tcp(g, f, c);
		break;
	case K_DNS:
		f->sport = 53;
		f->flags |= FL_FIXED;
		u = rng_unit(r);
		f->left = u < 0.05 ? 1 : u < 0.75 ? 2 : 4;
		break;
	case K_NTP:
		f->sport = 123;
		f->cport = rng_unit(r) < 0.3 ? 123 : f->cport;
		f->flags |= FL_FIXED;
		f->left = 2 * rng_range(r, 1, 4);
		break;
	case K_QUIC:
		f->sport = 443;
		f->mss = rng_unit(r) < 0.5 ? 1252 : 1350;
		if (rng_unit(r) < 0.1)
			f->flags |= FL_UPLOAD;
		f->weight = gt_rng_pareto(r, 4, 1.3);
		break;
	case K_SYSLOG:
		f->sport = 514;
		f->weight = gt_rng_pareto(r, 1, 1.5);
		break;
	case K_ICMP:
		f->flags |= FL_FIXED;
		f->left = 2 * (uint32_t)gt_rng_logu(r, 1, 31);
		u = rng_unit(r);
		if (c->windows) {
			f->flags |= FL_WINPING;
			f->mss = 32;
		} else if (!v6 && u < 0.25) {
			/* ping -s with more than fits a frame */
			static const uint16_t big[] = { 1600, 2000, 3000, 4000 };

			f->mss = big[rng_below(r, NELEM(big))];
		} else {
			f->mss = u < 0.35 ? 1472 - 20 * v6 : 56;
		}
		break;
	default:
		break;
	}
}

void gt_flow_times(struct gen *g, struct flow *f)
{
	struct rng *r = &g->rng;
	uint64_t dur;
	double gap;

	switch (f->kind) {
	case K_TCP:
		gap = gt_rng_logu(r, 20e-6, 0.2);
		break;
	case K_DNS:
		gap = gt_rng_logu(r, 1e-4, 0.05);
		break;
	case K_NTP:
	case K_SYSLOG:
		gap = gt_rng_logu(r, 0.01, 5);
		break;
	case K_QUIC:
		gap = gt_rng_logu(r, 20e-6, 0.05);
		break;
	case K_ICMP:
		gap = 0.5 * gt_rng_logu(r, 0.9, 1.1);	/* ping -i 1 */
		break;
	default:
		gap = gt_rng_logu(r, 1e-4, 5e-3);
		break;
	}
	gap *= 1e9 * (f->left > 1 ? f->left : 0);
	dur = gap < (double)g->dur_ns ? (uint64_t)gap : g->dur_ns;
	if (dur >= g->dur_ns) {
		f->next = 0;
		f->end = g->dur_ns - 1;
	} else {
		f->next = (uint64_t)(rng_unit(r) * (double)(g->dur_ns - dur));
		f->end = f->next + dur;
		if (f->end >= g->dur_ns)
			f->end = g->dur_ns - 1;
	}
}

/*
 * Split the packet budget: protocol-sized flows (DNS, NTP, pings, TCP
 * mice, ARP) keep their size, the heavy-tailed rest share what is left
 * in proportion to their weights so the total is exactly -n.  A single
 * flow is held to 5% so one elephant cannot be the whole trace.
 */
void gt_flows_budget(struct gen *g, uint64_t budget)
{
	uint64_t fixed = 0, sum = 0, rest;
	uint32_t i, nscale = 0;
	double w = 0, cap;
	int all;

	for (i = 0; i < g->nflows; i++) {
		if (g->flows[i].flags & FL_FIXED)
			fixed += g->flows[i].left;
		else
			nscale++;
	}
	all = fixed > budget || !nscale;
	for (i = 0; i < g->nflows; i++) {
		struct flow *f = &g->flows[i];

		if (all && (f->flags & FL_FIXED)) {
			f->weight = f->left;
			f->flags &= ~FL_FIXED;
		}
		if (!(f->flags & FL_FIXED))
			w += f->weight;
	}
	if (!all && nscale >= 20) {
		cap = 0.05 * w;
		w = 0;
		for (i = 0; i < g->nflows; i++) {
			struct flow *f = &g->flows[i];

			if (f->flags & FL_FIXED)
				continue;
			if (f->weight > cap)
				f->weight = cap;
			w += f->weight;
		}
	}
	rest = all ? budget : budget - fixed;
	for (i = 0; i < g->nflows; i++) {
		struct flow *f = &g->flows[i];

		if (f->flags & FL_FIXED)
			continue;
		f->left = (uint32_t)floor(f->weight / w * (double)rest);
		sum += f->left;
	}
	/* rounding leaves less than one packet per flow to hand out */
	for (i = 0; sum < rest; i = (i + 1) % g->nflows) {
		if (!(g->flows[i].flags & FL_FIXED)) {
			g->flows[i].left++;
			sum++;
		}
	}
	while (sum > rest) {	/* float rounding the other way: trim */
		for (i = 0; i < g->nflows && sum > rest; i++) {
			if (!(g->flows[i].flags & FL_FIXED) &&
			    g->flows[i].left) {
				g->flows[i].left--;
				sum--;
			}
		}
	}
}

/*
 * Tag whole flows, smallest-first in a random order, until the packet
 * target is met: real VLANs and extension headers belong to flows, and
 * the targets keep the share stable whatever the elephants do.
 */
int gt_flows_tag(struct gen *g, uint32_t nip, uint64_t packets)
{
	struct rng *r = &g->rng;
	uint64_t qinq = 0, vlan = 0, ext = 0, v6pkts = 0;
	uint64_t qinq_max = packets / 2000;
	uint64_t vlan_max = packets * 3 / 100;
	uint64_t ext_max;
	uint32_t i, *perm;
	struct flow *f;

	perm = malloc(nip * sizeof(*perm));
	if (!perm)
		return -1;
	for (i = 0; i < nip; i++) {
		perm[i] = i;
		if (g->flows[i].flags & FL_V6)
			v6pkts += g->flows[i].left;
	}
	ext_max = v6pkts * 3 / 100;
	for (i = nip - 1; i > 0; i--) {
		uint32_t j = rng_below(r, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < nip; i++) {
		f = &g->flows[perm[i]];
		if (!f->left)
			continue;
		if (qinq + f->left <= qinq_max) {
			f->svid = svids[rng_below(r, NELEM(svids))];
			f->vid = vids[rng_below(r, NELEM(vids))];
			qinq += f->left;
		} else if (vlan + f->left <= vlan_max) {
			f->vid = vids[rng_below(r, NELEM(vids))];
			vlan += f->left;
		}
		if ((f->flags & FL_V6) && f->kind != K_ICMP &&
		    ext + f->left <= ext_max) {
			f->ext = rng_unit(r) < 0.5 ? EXT_HBH : EXT_DST;
			ext += f->left;
		}
	}
	free(perm);
	return 0;
}
