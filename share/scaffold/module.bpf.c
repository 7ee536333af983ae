// SPDX-License-Identifier: BSD-3-Clause
/*
 * @NAME@, capture side: runs in the kernel for every packet that passes
 * the module's filter. It sees the packet as struct como_pkt (parsed
 * headers: see include/como/pkt.h) and updates the current interval's
 * state; it cannot sleep, loop without bound or call user space.
 */
#include "module.bpf.h"
#include "@NAME@.h"

COMO_TABLE(struct @NAME@_key, struct @NAME@_val, @NAME_UPPER@_MAX_KEYS);

static __always_inline int @NAME@_update(const struct como_pkt *pkt,
					 void *state)
{
	struct @NAME@_key key = {
		.ip_ver = pkt->ip_ver,
		.proto = pkt->ip_ver ? pkt->l4_proto : 0,
	};
	/* this CPU's value for the key, created zeroed on its first packet */
	struct @NAME@_val *v = como_get(state, &key);

	if (!v)
		return -ENOSPC;	/* full: counted in the errors */
	v->pkts += pkt->count;
	v->bytes += pkt->len;
	return 0;
}

COMO_UPDATE(@NAME@_update)
