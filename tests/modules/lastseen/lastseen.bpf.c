// SPDX-License-Identifier: BSD-3-Clause
/*
 * lastseen: per destination, packets and the first and last packet's
 * time, across the whole run: the API tests' module (tests/api.t).
 */
#include "module.bpf.h"
#include "lastseen.h"

COMO_TABLE(struct lastseen_key, struct lastseen_val, 65536);

static __always_inline int lastseen_update(const struct como_pkt *pkt,
					   void *state)
{
	struct lastseen_val *v;

	if (!pkt->ip_ver)
		return 0;
	v = como_get(state, (const struct lastseen_key *)pkt->dst);
	if (!v)
		return -ENOSPC;
	if (!v->pkts || pkt->ts < v->first_ns)
		v->first_ns = pkt->ts;
	if (pkt->ts > v->last_ns)
		v->last_ns = pkt->ts;
	if (pkt->l4_proto == 6)
		v->flags |= 1;
	v->pkts += pkt->count;
	return 0;
}

COMO_UPDATE(lastseen_update)
