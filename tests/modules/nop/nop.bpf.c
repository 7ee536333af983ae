// SPDX-License-Identifier: BSD-3-Clause
/*
 * nop: a module that does nothing with a packet: its cost in the kernel
 * is the dispatcher's and the chain's own (make bench's baseline).
 */
#include "module.bpf.h"

COMO_ARRAY(__u64, 1);

static __always_inline int nop_update(const struct como_pkt *pkt, void *state)
{
	return 0;
}

COMO_UPDATE_LIGHT(nop_update)
