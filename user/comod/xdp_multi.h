/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _COMOD_XDP_MULTI_H
#define _COMOD_XDP_MULTI_H

#include <linux/types.h>
#include "comod.h"

struct xdp_multi;

/*
 * Before any BPF object opens: como's XDP programs load without an
 * expected attach type, as a copy of the dispatcher in libxdp's must.
 */
int xdp_multi_init(void);
/*
 * Joins libxdp's dispatcher on IFINDEX, which has one already, with a copy
 * of como's dispatcher sharing DP's maps; *XDP_FLAGS gets its mode. Where
 * it cannot, says why in one line and leaves the interface as it was.
 */
int xdp_multi_join(struct xdp_multi **mp, struct datapath *dp,
		   const char *ifname, int ifindex, __u32 *xdp_flags);
/* Takes como's copy out of the dispatcher; the other programs stay. */
void xdp_multi_leave(struct xdp_multi *m);

#endif
