// SPDX-License-Identifier: BSD-3-Clause
/* counter: packets and bytes per interval. */
#include "module.bpf.h"
#include "counter.h"

COMO_ARRAY(struct counter_val, 1);

static __always_inline int counter_update(const struct como_pkt *pkt,
					  void *state)
{
	__u32 zero = 0;
	struct counter_val *v = como_get(state, &zero);

	if (!v)
		return -ENOSPC;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

COMO_UPDATE_LIGHT(counter_update)
