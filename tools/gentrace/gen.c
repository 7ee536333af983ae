/*
 * gen.c - the generator's life cycle: build the hosts and flows from the
 * options, write packets by always taking the flow whose next packet is
 * due first, and free it all.
 *
 * The flows wait in a binary heap ordered by their next send time (ties
 * by index, to stay deterministic), which is what keeps timestamps from
 * ever going backwards while thousands of flows interleave.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gentrace.h"

static inline int flow_before(const struct flow *fl, uint32_t a, uint32_t b)
{
	return fl[a].next < fl[b].next ||
	       (fl[a].next == fl[b].next && a < b);
}

static void heap_down(struct gen *g, uint32_t i)
{
	uint32_t *h = g->heap, n = g->nheap, c, t;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && flow_before(g->flows, h[c + 1], h[c]))
			c++;
		if (!flow_before(g->flows, h[c], h[i]))
			break;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
		i = c;
	}
}

int gt_gen_setup(struct gen *g, const struct opts *o)
{
	uint32_t n6 = o->hosts / 5 < 2 ? 2 : o->hosts / 5;
	uint32_t n4 = o->hosts - n6;
	uint32_t narp_pkts = o->packets >= 100 ? o->packets / 1000 : 0;
	uint32_t narp = 0, i, k;
	int fam;

	gt_rng_seed(&g->rng, o->seed);
	g->snaplen = o->snaplen;
	g->start_ns = o->start * 1000000000ULL;
	g->dur_ns = (uint64_t)llround(o->duration * 1e9);
	g->nh[0] = n4;
	g->nh[1] = n6;
	g->h[0] = calloc(n4, sizeof(struct host));
	g->h[1] = calloc(n6, sizeof(struct host));
	if (!g->h[0] || !g->h[1])
		return -1;
	gt_hosts_v4(&g->rng, g->h[0], n4);
	gt_hosts_v6(&g->rng, g->h[1], n6);
	/* clients spread widely, servers concentrate: a top-N means something */
	for (fam = 0; fam < 2; fam++) {
		if (gt_zipf_init(&g->zc[fam], &g->rng, g->nh[fam], 0.3) ||
		    gt_zipf_init(&g->zs[fam], &g->rng, g->nh[fam], 0.95))
			return -1;
	}

	/* ARP: who-has plus reply, the odd one unanswered */
	for (k = narp_pkts; k; k -= k >= 2 ? 2 : 1)
		narp++;
	g->nflows = o->flows + narp;
	g->flows = calloc(g->nflows, sizeof(struct flow));
	g->heap = malloc(g->nflows * sizeof(uint32_t));
	if (!g->flows || !g->heap)
		return -1;
	for (i = 0; i < o->flows; i++)
		gt_flow_pick(g, &g->flows[i]);
	for (k = narp_pkts; i < g->nflows; i++) {
		struct flow *f = &g->flows[i];

		f->kind = K_ARP;
		f->flags = FL_FIXED;
		f->left = k >= 2 && rng_unit(&g->rng) < 0.9 ? 2 : 1;
		k -= f->left;
		f->cli = rng_below(&g->rng, n4);
		f->srv = gt_zipf_pick(&g->zs[0], &g->rng, 8);
		if (f->srv == f->cli)
			f->srv = (f->cli + 1) % n4;
	}
	/* an unanswered request may have freed a packet: give it back */
	for (i = o->flows; k && i < g->nflows; i++) {
		if (g->flows[i].left == 1) {
			g->flows[i].left = 2;
			k--;
		}
	}

	gt_flows_budget(g, o->packets);
	if (gt_flows_tag(g, o->flows, o->packets))
		return -1;
	for (i = 0; i < g->nflows; i++) {
		struct flow *f = &g->flows[i];

		gt_flow_times(g, f);
		if (f->left) {
			g->heap[g->nheap++] = i;
			g->st.flows++;
		}
	}
	for (i = g->nheap / 2; i-- > 0;)
		heap_down(g, i);
	return 0;
}

void gt_gen_free(struct gen *g)
{
	int fam;

	for (fam = 0; fam < 2; fam++) {
		free(g->h[fam]);
		free(g->zc[fam].cdf);
		free(g->zc[fam].perm);
		free(g->zs[fam].cdf);
		free(g->zs[fam].perm);
	}
	free(g->flows);
	free(g->heap);
}

/* when the flow's next packet goes out, given it just sent one at t */
static uint64_t flow_advance(struct gen *g, struct flow *f, uint64_t t)
{
	double span, u;
	uint64_t next;

	if (f->kind == K_ICMP && f->dg_off < f->dg_len) {
		/* the rest of a fragmented echo follows back to back */
		next = t + rng_range(&g->rng, 1000, 20000);
		return next < g->dur_ns ? next : g->dur_ns - 1;
	}
	if (f->end <= t)
		return t;
	/* the earliest of the remaining packets, uniform over (t, end] */
	span = (double)(f->end - t);
	u = rng_unit_pos(&g->rng);
	next = t + (uint64_t)(span * -expm1(log(u) / f->left));
	return next > f->end ? f->end : next;
}

int gt_gen_run(struct gen *g)
{
	FILE *fp = pcap_dump_file(g->dumper);

	while (g->nheap) {
		uint32_t i = g->heap[0];
		struct flow *f = &g->flows[i];
		uint64_t t = f->next;

		gt_emit(g, f, t);
		f->sent++;
		if (--f->left)
			f->next = flow_advance(g, f, t);
		else
			g->heap[0] = g->heap[--g->nheap];
		heap_down(g, 0);
		/* fail early on a full disk rather than after the last packet */
		if (!(g->st.pkts & 0xffff) && ferror(fp))
			return -1;
	}
	return 0;
}
