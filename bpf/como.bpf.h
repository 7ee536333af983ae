/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the dispatcher and every module's capture side share: the maps and
 * the loop that feeds a module its packets.
 *
 * A module's program is entered by a tail call with the parsed batch in
 * como_vec. It writes the half of its state the control map names, then
 * tail-calls the next module. A tail call never returns, which is why each
 * module loops over the whole batch itself (see README, "Data path").
 */
#ifndef _COMO_BPF_H
#define _COMO_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <como/maps.h>

/* vmlinux.h has no errno values; update() returns these. */
#define ENOENT	2
#define E2BIG	7
#define ENOMEM	12
#define EEXIST	17
#define ENOSPC	28

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);		/* comod sets it to the CPU count */
	__type(key, __u32);
	__type(value, struct como_vec);
} como_vec SEC(".maps");

/* mmapable: comod writes a trace's batch in place */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);		/* comod sets it to the CPU count */
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct como_win);
} como_win SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct como_cfg);
} como_cfg SEC(".maps");

/* mmapable: comod writes single fields, como.ko's clock others */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COMO_MAX_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct como_ctl);
} como_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COMO_MAX_SLOTS + 1);
	__type(key, __u32);
	__type(value, struct como_stats);
} como_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, COMO_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} como_progs SEC(".maps");

static __always_inline struct como_vec *como_vec_this_cpu(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&como_vec, &cpu);
}

static __always_inline struct como_win *como_win_this_cpu(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&como_win, &cpu);
}

#endif /* _COMO_BPF_H */
