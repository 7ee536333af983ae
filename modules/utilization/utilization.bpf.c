// SPDX-License-Identifier: BSD-3-Clause
/* utilization: packets and bytes per interval and per millisecond. */
#include "module.bpf.h"
#include "utilization.h"

COMO_TABLE(__u64, struct utilization_val, UTIL_BUCKETS + 1);

/* A packet into V, this CPU's value for its key: -ENOSPC when full. */
static __always_inline int count_add(struct utilization_val *v,
				     const struct como_pkt *pkt)
{
	if (!v)
		return -ENOSPC;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

static __always_inline int utilization_update(const struct como_pkt *pkt,
					      void *state)
{
	__u64 key = UTIL_TOTAL;
	int err;

	err = count_add(como_get(state, &key), pkt);
	if (err)
		return err;
	key = pkt->ts / UTIL_BUCKET_NS;
	return count_add(como_get(state, &key), pkt);
}

COMO_UPDATE_LIGHT(utilization_update)
