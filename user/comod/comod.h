/* SPDX-License-Identifier: BSD-3-Clause */
/* comod's parts and what they share. */
#ifndef _COMOD_H
#define _COMOD_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include <como/maps.h>
#include "config.h"
#include "mod.h"

struct dispatch_bpf;
struct kmod;
struct bpf_object;

/*
 * Kept capture state goes object by object to a keeper (bpffs pins, or
 * como.ko) and comes back by name; KIND is enum como_obj_kind.
 */
typedef int (*keep_put_fn)(void *arg, int fd, const char *name, __u32 kind);
typedef int (*keep_get_fn)(void *arg, const char *name);

/*
 * The dispatcher and the maps every module shares (datapath.c). Only
 * datapath.c and epoch.c include libbpf: its <linux/bpf.h> and libpcap's
 * <pcap/bpf.h> cannot meet in one file.
 */
enum datapath_map {
	DP_VEC, DP_WIN, DP_CFG, DP_CTL, DP_STATS, DP_PROGS,
	DP_MAPS
};

struct datapath {
	struct dispatch_bpf *skel;	/* NULL when picked up from pins */
	int fd[DP_MAPS];		/* the shared maps, by enum datapath_map */
	int prog_fd;
	int ncpus;
	bool live;		/* XDP on interfaces, not BPF_PROG_RUN */
	__s64 clock_offset_ns;	/* boot clock to wall clock, for live packets */
	volatile struct como_ctl *ctl;	/* the control map, mapped */
	struct kmod *kmod;	/* como.ko runs the clock; NULL: comod does */
};

/* One module instance, loaded in a slot of the chain. */
struct modrt {
	struct como_mod *mod;
	const struct como_modcfg *cfg;
	struct como_modcfg own_cfg;	/* for a module loaded at run time */
	unsigned int slot;
	struct bpf_object *obj;
	int prog_fd;
	int outer_fd;
	int half_fd[2];
	__u32 state_type;	/* enum bpf_map_type */
	__u32 key_size, value_size, max_entries;
	struct como_ctl ctl;
	bool registered;	/* with como.ko: its clock flips the epochs */
	bool taken_back;	/* from como.ko after a comod died */
	__u32 priority;		/* COMO_MOD_A_PRIORITY: higher is shed last */

	/* the open epoch */
	bool open;
	uint64_t epoch_start, epoch_end;

	/* drained rows, reused from epoch to epoch */
	void *keys, *values, *raw;
	__u32 rows_cap;

	/* the stored stream (stream.c) */
	char *dir;
	struct store *store;
	void *recbuf;
	uint64_t records, first_ns, last_ns, errors;
};

int datapath_open(struct datapath *dp);
/* The shared maps' names, which are also their pin names. */
extern const char *const datapath_map_names[DP_MAPS];
int datapath_add(struct datapath *dp, struct modrt *rt);
struct filter_stage;
/*
 * The chain: filter stages, then modules. A tail call never returns and
 * the kernel allows 33 in a row, so the chain holds at most this many.
 */
#define COMO_CHAIN_MAX		32
int datapath_link(struct datapath *dp, struct filter_stage *fs,
		  unsigned int nfs, struct modrt *mods, unsigned int n);
int datapath_ctl_map(struct datapath *dp);
int datapath_ctl_write(struct datapath *dp, struct modrt *rt);
int datapath_ctl_read(struct datapath *dp, struct modrt *rt);
/* One BPF_PROG_RUN of the dispatcher over a batch frame (batch.h). */
int datapath_run(struct datapath *dp, void *frame, __u32 meta_size,
		 __u32 size);
int datapath_stats(struct datapath *dp, __u32 key, struct como_stats *sum);
void datapath_unload(struct modrt *rt);
/* Empties a slot of the chain's program array. */
void datapath_unslot(struct datapath *dp, __u32 slot);
void datapath_close(struct datapath *dp);

/* epoch.c: flip a module's state to the other half, drain, export */
void epoch_open(struct modrt *rt, uint64_t ts);
int epoch_close(struct datapath *dp, struct modrt *rt);
int epoch_export(struct datapath *dp, struct modrt *rt, __u32 half,
		 __u64 epoch, __u64 start, __u64 end);
int epoch_discard(struct datapath *dp, struct modrt *rt, __u32 half);

/* stream.c: where a module's records go */
/* kind: "trace" (source is its path) or "live" (the interfaces) */
int stream_open(struct modrt *rt, const char *datadir, const char *kind,
		const char *source);
int stream_finish(struct modrt *rt, const char *kind, const char *source,
		  uint64_t packets, const char *stopped);
void stream_close(struct modrt *rt);

#endif
