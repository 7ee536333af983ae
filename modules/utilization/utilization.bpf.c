// SPDX-License-Identifier: BSD-3-Clause
/* utilization: packets and bytes per interval and per millisecond. */
#include "module.bpf.h"
#include "utilization.h"

COMO_TABLE(__u64, struct utilization_val, UTIL_BUCKETS + 1);

static __always_inline int utilization_update(const struct como_pkt *pkt,
					      void *state)
{
	__u64 key = UTIL_TOTAL;
	int err;

	err = como_count(state, &key, pkt);
	if (err)
		return err;
	key = pkt->ts / UTIL_BUCKET_NS;
	return como_count(state, &key, pkt);
}

COMO_UPDATE_LIGHT(utilization_update)
