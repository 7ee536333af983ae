/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The loader and the BPF objects (datapath.c): the dispatcher, each
 * module's program and state halves, the chain of tail calls, and the
 * control map, whose fields each have one writer: the chain's order
 * (datapath_link), a module's half and epoch (its clock: datapath_flip),
 * its sampling and enabled (the guard, or a control request:
 * datapath_set_sampling; export sets enabled to 0 when it stops a module
 * whose user side failed). Only datapath.c and drain.c include libbpf
 * here besides the sources: its <linux/bpf.h> and libpcap's <pcap/bpf.h>
 * cannot meet in one file. Calls nothing else of comod's.
 */
#ifndef _COMOD_DATAPATH_H
#define _COMOD_DATAPATH_H

#include <como/batch.h>
#include "comod.h"

int datapath_open(struct datapath *dp);
/* The shared maps' names, which are also their pin names. */
extern const char *const datapath_map_names[DP_MAPS];
int datapath_add(struct datapath *dp, struct modrt *rt);
/* A kept module's state layout, read again from its definition. */
int datapath_state_layout(struct datapath *dp, struct modrt *rt);
int datapath_link(struct datapath *dp, struct filter_stage *fs,
		  unsigned int nfs, struct modrt *const *mods, unsigned int n);
int datapath_ctl_map(struct datapath *dp);
/* A module's control entry as the data path reads it now. */
struct como_ctl datapath_ctl(const struct datapath *dp, const struct modrt *rt);
/* Its clock: write the other half from now on; *HALF, *EPOCH the closed. */
void datapath_flip(struct datapath *dp, const struct modrt *rt, __u32 *half,
		   __u64 *epoch);
/* Resets a new module's entry: half 0, epoch 0, every packet, enabled. */
void datapath_ctl_reset(struct datapath *dp, const struct modrt *rt);
bool datapath_sampled_take(struct datapath *dp, const struct modrt *rt,
			   __u32 half);
/* A trace's batch may hold the next epoch: its packets from NS on. */
void datapath_set_flip(struct datapath *dp, const struct modrt *rt, __u64 ns);
void datapath_set_sampling(struct datapath *dp, const struct modrt *rt,
			   __u32 sampling, __u32 enabled);
/* Returns once no program can still write HALF (an RCU grace period). */
int datapath_grace_period(const struct modrt *rt, __u32 half);
/*
 * A trace's batch as comod holds it until it runs (include/como/batch.h):
 * each packet's record and where its first min(caplen, COMO_SNAP) bytes
 * are (the mapped trace, or STAGE for a reader whose buffer does not
 * last).
 */
struct dp_batch {
	__u32 count;
	__u32 num;		/* its number in the trace, from 1 */
	__u16 linktype;
	struct dp_pkt {
		__u64 ts;
		__u32 len, caplen;
		const __u8 *data;
	} pkt[COMO_BATCH_MAX];
	__u8 *stage;		/* COMO_BATCH_MAX times COMO_SNAP bytes */
};

struct dp_batch *datapath_batch_new(void);
void datapath_batch_free(struct dp_batch *b);
/* Maps the CPUs' windows, where a trace's batches are written. */
int datapath_win_map(struct datapath *dp);
/*
 * One BPF_PROG_RUN of the dispatcher over B: its packets are written in
 * this CPU's windows first (the calling thread stays on one CPU, or the
 * run is refused and tried again where it is).
 */
int datapath_run(struct datapath *dp, const struct dp_batch *b);
int datapath_stats(struct datapath *dp, __u32 key, struct como_stats *sum);
/* The packets the dispatcher saw on each CPU (dp->ncpus of them). */
int datapath_cpu_packets(struct datapath *dp, __u64 *pkts);
void datapath_unload(struct modrt *rt);
/* Empties a slot of the chain's program array. */
void datapath_unslot(struct datapath *dp, __u32 slot);
void datapath_close(struct datapath *dp);

#endif
