// SPDX-License-Identifier: BSD-3-Clause
/* utilization: packets and bytes per interval and per millisecond. */
#include "module.bpf.h"
#include "utilization.h"

COMO_TABLE(__u64, struct utilization_val, UTIL_BUCKETS + 1);

/*
 * Both keys are nearly always where como_get_recent() looks first: the
 * total is the region's first key, the millisecond of a packet in time
 * order its last.
 */
static __always_inline int utilization_add(void *state, __u64 key,
					   const struct como_pkt *pkt)
{
	struct utilization_val *v = como_get_recent(state, &key);

	if (!v)
		return -ENOSPC;
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

static __always_inline int utilization_update(const struct como_pkt *pkt,
					      void *state)
{
	int err;

	err = utilization_add(state, UTIL_TOTAL, pkt);
	if (err)
		return err;
	return utilization_add(state, pkt->ts / UTIL_BUCKET_NS, pkt);
}

COMO_UPDATE_LIGHT(utilization_update)
