/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hash state helpers for a module's capture side (include after
 * module.bpf.h).
 *
 * Several CPUs run update() at once, so "find the entry for this key or
 * create it" is a race: two CPUs may both miss the lookup and both insert.
 * Inserting with BPF_NOEXIST lets only one insert win; the loser's insert
 * fails with -EEXIST and its second lookup finds the winner's entry. Either
 * way the caller gets the one entry of its CPU (a per-CPU hash) or the one
 * shared entry (a plain hash: add with __sync_fetch_and_add there).
 */
#ifndef _COMO_STATE_BPF_H
#define _COMO_STATE_BPF_H

#include "como.bpf.h"

/*
 * The value of KEY in the hash MAP, inserted as INIT (usually zeroes) when
 * absent. NULL only when the map is full: update() then returns -ENOSPC,
 * which the core counts in the module's errors.
 */
static __always_inline void *como_state_get(void *map, const void *key,
					    const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	/* -EEXIST means another CPU inserted it first: that one is used */
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/*
 * Add PKTS and BYTES to the entry of KEY in a hash whose value is a
 * struct como_count (packets, then bytes), for the many modules whose
 * value is just that. Returns 0, or -ENOSPC when the map is full.
 */
struct como_count {
	__u64 pkts;
	__u64 bytes;
};

static __always_inline int como_state_count(void *map, const void *key,
					    __u64 pkts, __u64 bytes)
{
	struct como_count zero = {};
	struct como_count *v = como_state_get(map, key, &zero);

	if (!v)
		return -ENOSPC;
	v->pkts += pkts;
	v->bytes += bytes;
	return 0;
}

#endif /* _COMO_STATE_BPF_H */
