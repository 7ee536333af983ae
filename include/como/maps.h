/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys and values of the maps the dispatcher, the modules and comod share.
 * The dispatcher object owns them; comod hands their fds to every module
 * object before it loads (bpf_map__reuse_fd), so all programs see one set.
 */
#ifndef _COMO_MAPS_H
#define _COMO_MAPS_H

#include "pkt.h"
#include "batch.h"

#define COMO_MAX_SLOTS		64	/* one bit each in como_pkt.match */
#define COMO_SLOT_END		COMO_MAX_SLOTS

/* como_vec: per CPU, the parsed batch that each module loops over */
struct como_vec {
	__u32 n;
	/*
	 * The batch's cost is measured: the weight of what each program
	 * adds to its run_ns, 0 for not at all. A trace's batches are all
	 * measured (1); a live packet 1 in COMO_TIMED_LIVE (weight
	 * COMO_TIMED_LIVE), since reading the clock costs more than
	 * a counting module does.
	 */
	__u32 timed;
	__u64 clock_ns;	/* when the last program before this one ended */
	__u32 batch;	/* struct como_batch_meta's; 0 for a live packet */
	__u32 state_half;	/* the module's half for this packet (BPF only) */
	struct como_pkt pkt[COMO_BATCH_MAX];
};

/*
 * como_win: per CPU, the header window of every packet of the batch (its
 * batch record header, then COMO_SNAP bytes), which the parser, the filter
 * stages (tcpdump's filters) and a module's como_pkt_bytes() read. Live,
 * the dispatcher copies a packet in; on a trace comod writes the batch
 * there (it is mmapable) before it runs it.
 */
#define COMO_WIN_STRIDE		COMO_BATCH_WINDOW
#define COMO_WIN_SLACK		64

struct como_win {
	__u8 pkt[COMO_BATCH_MAX][COMO_WIN_STRIDE];
	__u8 slack[COMO_WIN_SLACK];
};

#define COMO_TIMED_LIVE		16

/* como_cfg[0]: the dispatcher's settings */
struct como_cfg {
	__u32 head;		/* first module slot, COMO_SLOT_END if none */
	__u32 flags;		/* COMO_CFG_* */
	__u64 match_all;	/* slots without a filter */
	__s64 clock_offset_ns;	/* boot clock to wall clock, for live packets */
	__s64 coarse_offset_ns;	/* the coarse monotonic clock to wall clock */
};

/*
 * No module in the chain declares COMO_CAP_TS_NS: a live packet is
 * stamped with the clock's last tick (1 to 4 ms old), a read that costs
 * far less than the ns clock's in a virtual machine.
 */
#define COMO_CFG_TS_COARSE	(1U << 0)

/* como_ctl[slot]: one loaded module, read by its program on every run */
struct como_ctl {
	__u32 next;		/* slot to tail-call next, COMO_SLOT_END to stop */
	__u32 half;		/* which half of the double-buffered state to write */
	__u32 sampling;		/* 1 in N; 0 or 1 takes every packet */
	__u32 enabled;
	__u64 epoch;		/* epoch number being written */
	__u64 flip_ns;		/* a trace's packets from here on go to the
				 * other half (the next epoch, already open
				 * in the batch); ~0 live */
	__u32 sampled_any[2];	/* by state half: sampling or a stop may have
				 * left packets of it out, so the drain is
				 * to read their count in como_stats (a
				 * system call: most epochs need none). Set
				 * by whoever writes sampling or enabled,
				 * after it; the drain clears it, then keeps
				 * it while the module is still sampled. No
				 * BPF program touches it: a branch there on
				 * what was left out costs the verifier a
				 * third more of a module's instructions */
};

/* como_stats: per CPU, key 0 is the dispatcher, key 1 + slot a module */
struct como_stats {
	__u64 pkts;		/* packets seen */
	__u64 bytes;
	__u64 updates;		/* packets handed to update() */
	__u64 errors;		/* update() failed, e.g. a state map was full */
	__u64 non_ip;		/* dispatcher only */
	__u64 trunc;		/* dispatcher only */
	__u64 run_ns;		/* modules: time in the program, what the
				 * overload guard weighs */
	__u64 sampled[2];	/* modules: packets sampling left out, by the
				 * state half (epoch) they fell in */
};

#endif /* _COMO_MAPS_H */
