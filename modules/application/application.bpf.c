// SPDX-License-Identifier: BSD-3-Clause
/* application: packets and bytes per protocol and service port. */
#include "module.bpf.h"
#include "application.h"

COMO_TABLE(__u32, struct application_val, APP_ENTRIES);

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
	return como_count(state, &key, pkt);
}

COMO_UPDATE_LIGHT(application_update)
