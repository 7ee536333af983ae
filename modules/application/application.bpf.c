// SPDX-License-Identifier: BSD-3-Clause
/* application: packets and bytes per protocol and service port. */
#include "module.bpf.h"
#include "application.h"

COMO_TABLE(__u32, struct application_val, APP_ENTRIES);

/* A packet into V, this CPU's value for its key: -ENOSPC when full. */
static __always_inline int count_add(struct application_val *v,
				     const struct como_pkt *pkt)
{
	if (!v)
		return -ENOSPC;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

static __always_inline int application_update(const struct como_pkt *pkt,
					      void *state)
{
	__u32 proto = pkt->l4_proto, key = APP_NON_IP;

	if (pkt->ip_ver)
		key = proto << 16;
	/* the service port: the lower one, where servers listen */
	if (pkt->ip_ver && (pkt->flags & COMO_PKT_L4) &&
	    (proto == 6 || proto == 17 || proto == 132))
		key |= APP_PORTED |
		       (pkt->sport < pkt->dport ? pkt->sport : pkt->dport);
	return count_add(como_get(state, &key), pkt);
}

COMO_UPDATE_LIGHT(application_update)
