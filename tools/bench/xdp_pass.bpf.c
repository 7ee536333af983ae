// SPDX-License-Identifier: BSD-3-Clause
/*
 * The least an XDP program can do: pass every frame. live.sh attaches it
 * (mode xdppass) to measure what XDP itself costs a veth sender, apart
 * from what como's programs add: attaching any XDP program puts the veth
 * peer in NAPI mode, whose cost falls on the sender's softirq.
 */
#include <linux/bpf.h>

__attribute__((section("xdp"), used))
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] __attribute__((section("license"), used)) = "Dual BSD/GPL";
