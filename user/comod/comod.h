/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state comod's parts share, and which part owns each piece: only its
 * owner writes it, every other part reads it. The parts and their order
 * (each calls only parts below it; README "comod, one way through"):
 *
 *   main.c        options, the run from start to summary
 *   start.c       where the capture comes from: new, kept pins, como.ko
 *   loop.c        a live run's one poll loop: control socket, como.ko, timer
 *   ctl.c         the control socket: requests to the module set and guard
 *   monitor.c     the module set: load, unload, hand over to como.ko
 *   keep.c        the capture described, kept and taken back
 *   live.c        the live source: XDP on interfaces (xdp_multi.c)
 *   trace.c       the trace source: packets in batches, and their time
 *   guard.c       comod's overload guard
 *   clock.c       comod's epoch clock; kclock.c: como.ko's, followed
 *   drain.c       a closed half read, folded, handed on, emptied
 *   export.c      the module's export(), action(), store()
 *   stream.c      records to segment files and meta.json
 *   push.c        records, as JSON lines, to receivers (static queries)
 *   events.c      events to subscribers (a leaf: it calls no other part)
 *   datapath.c    the BPF objects: dispatcher, modules, chain, control map
 *   filter.c      tcpdump filters to eBPF stages; kmod.c como.ko's netlink
 */
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
struct live;
struct guard;
struct filter_stage;
struct export_worker;
struct stream_past;
struct push;

/*
 * Kept capture state goes object by object to a keeper (bpffs pins, or
 * como.ko) and comes back by name; KIND is enum como_obj_kind.
 */
typedef int (*keep_put_fn)(void *arg, int fd, const char *name, __u32 kind);
typedef int (*keep_get_fn)(void *arg, const char *name);

/* The dispatcher and the maps every module shares; owner datapath.c. */
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
	__s64 coarse_offset_ns;	/* monotonic clock to wall clock, likewise */
	volatile struct como_ctl *ctl;	/* the control map, mapped */
	struct como_win *win;		/* the CPUs' windows, mapped for a
					 * trace run; NULL until then */
	size_t win_len;
};

/*
 * The chain: filter stages, then modules. A tail call never returns and
 * the kernel allows 33 in a row, so the chain holds at most this many.
 */
#define COMO_CHAIN_MAX		32

/* A stored stream: DATADIR/NAME/, its records and how far they go. */
struct stream {
	char *dir;
	struct store *store;	/* NULL until opened */
	uint64_t records, first_ns, last_ns;
	uint64_t lost;		/* records that could not be written */
	struct stream_past *past;	/* stream.c's: what it held before */
	/*
	 * Intervals whose state overflowed: {"intervals", "packets" not
	 * counted, "sampled" of them, "listed": the first [start, end,
	 * packets, sampled]s}, earlier runs' too; NULL while there are none.
	 */
	struct json_object *overflow;
	/* the last of them, listed or not: [ovf_start, ovf_end) */
	uint64_t ovf_start, ovf_end, ovf_packets, ovf_sampled;
	/*
	 * What retention removed: meta.json's "removed" (store_budget.h),
	 * earlier runs' too; NULL while nothing was. removed_seen: the
	 * store's count of removed segments it says.
	 */
	struct json_object *removed;
	uint64_t removed_seen, removed_bytes_seen;
	uint64_t segs_seen;	/* the store's new segments, as of the last keep */
};

struct stream_name {
	char *name;
	struct stream st;
};

#define COMO_NAMES_MAX		8	/* names one module instance answers to */

/*
 * One module instance. It never moves once made (the module set holds
 * pointers), so nothing points into an array that shifts.
 */
struct modrt {
	/* the module set (monitor.c, start.c): what runs, as what */
	struct como_mod *mod;
	uint64_t streamsize;	/* bytes of records kept */
	uint64_t retain_ns;	/* records kept this long; 0: no limit */
	__u32 priority;		/* COMO_MOD_A_PRIORITY: higher is shed last */

	/* the data path (datapath.c): its slot, program and state halves */
	struct {
		unsigned int slot;
		struct bpf_object *obj;
		int prog_fd;
		int outer_fd;
		int half_fd[2];
		__u32 state_type;	/* enum bpf_map_type */
		__u32 key_size, value_size, max_entries;
		/* a COMO_TABLE: rows per CPU, mapped halves (drain.c maps) */
		bool table, table_direct;
		__u32 row_size, region_rows;	/* a CPU's region */
		__u32 rows_max;	/* a drained table's rows, CPUs' keys merged */
		void *rows[2];
		size_t rows_len;
	};

	/*
	 * Its clock: comod's (clock.c) or, while registered, como.ko's,
	 * which kclock.c follows. Only that clock writes the open epoch.
	 */
	struct {
		bool registered;	/* como.ko's clock runs it */
		bool taken_back;	/* from como.ko after a comod died */
		bool open;
		uint64_t epoch_start, epoch_end;
	};

	/* the drain (drain.c): rows read from a closed half, reused */
	struct {
		void *keys, *values, *raw;
		__u32 rows_cap;
		/* como_stats' sampled[] as the last drain of each half saw it */
		__u64 sampled_seen[2];
	};

	/* export (export.c): the module's callbacks, and how they fared */
	struct {
		struct export_worker *worker;
		uint64_t errors;	/* export() calls that failed */
		uint64_t lost_epochs;	/* closed, not exported: stopped */
		char stopped[256];	/* why export was stopped, or "" */
	};

	/*
	 * Its streams (stream.c): its own, named as the instance, and one
	 * for every other name that asked for the same module with the same
	 * filter and arguments, which it runs once (white paper, II.A).
	 */
	struct stream st;
	struct stream_name *also;
	unsigned int nalso;

	/* the receivers its records are pushed to (push.c), or NULL */
	struct push *push;
};

/*
 * The one slot allocator: modules take slots from 0 up, filter stages
 * from the top down, each the first not in USED (a module's slot, a
 * stage's, and every bit a stage sets: a stage keeps setting the bits it
 * was built with). -1 when none is free.
 */
static inline int slot_pick(__u64 used, bool top_down)
{
	int s;

	for (s = top_down ? COMO_MAX_SLOTS - 1 : 0;
	     s >= 0 && s < COMO_MAX_SLOTS; s += top_down ? -1 : 1)
		if (!(used & (1ULL << s)))
			return s;
	return -1;
}

static inline bool modrt_kernel_clock(const struct modrt *rt)
{
	return rt->registered;
}

/*
 * A run: what it reads, where it stores, and its modules. The module set
 * (mods, n, fs, nfs) is written by start.c when the run begins and by
 * monitor.c while it runs.
 */
struct monitor {
	struct datapath *dp;
	struct modrt *mods[COMO_CHAIN_MAX];
	unsigned int n;
	struct filter_stage *fs;	/* COMO_CHAIN_MAX of them */
	unsigned int nfs;
	const char *datadir;
	const char *kind;		/* "live" or "trace" */
	const char *source;
	uint64_t start_ns;
	int dlt;			/* the source's link type, for filters */
	struct live *live;		/* a live monitor's interfaces */
	struct kmod *kmod;		/* como.ko, when it runs the clock */
	struct guard *guard;		/* comod's own, live without como.ko */
};

#endif
