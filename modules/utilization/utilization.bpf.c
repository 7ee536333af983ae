// SPDX-License-Identifier: BSD-3-Clause
/* utilization: packets and bytes per interval and per millisecond. */
#include "module.bpf.h"
#include "utilization.h"

COMO_TABLE(__u64, struct utilization_val, UTIL_BUCKETS + 1);

/* V (found in the table, or NULL when it is full) counts the packet */
static __always_inline int utilization_add(struct utilization_val *v,
					   const struct como_pkt *pkt)
{
	if (!v)
		return -ENOSPC;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

/*
 * Neither key is hashed as a rule: the total is the region's first key,
 * the millisecond of a packet in time order its last.
 */
static __always_inline int utilization_update(const struct como_pkt *pkt,
					      void *state)
{
	__u64 key = UTIL_TOTAL;
	int err;

	err = utilization_add(como_get_first(state, &key), pkt);
	if (err)
		return err;
	key = pkt->ts / UTIL_BUCKET_NS;
	return utilization_add(como_get_recent(state, &key), pkt);
}

COMO_UPDATE_LIGHT(utilization_update)
