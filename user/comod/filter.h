/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Filters: tcpdump expressions compiled by libpcap to classic BPF, then
 * translated here to an eBPF stage of the chain that the kernel verifies
 * like every other program. A stage loops over the batch, runs the filter
 * on each packet's window (como_win) and sets, in como_pkt.match, the bits
 * of the modules that asked for that filter.
 *
 * Part of comod: called by whoever builds the chain (start.c, monitor.c);
 * calls libpcap (filter_pcap.c) and the kernel's verifier, nothing above.
 *
 * A filter sees the first COMO_SNAP bytes of a packet: a load beyond them
 * fails the filter, as a load beyond the captured bytes does in libpcap.
 */
#ifndef _COMOD_FILTER_H
#define _COMOD_FILTER_H

#include <linux/types.h>

struct datapath;

/* A classic BPF instruction, as libpcap and <linux/filter.h> lay it out. */
struct cbpf_insn {
	__u16 code;
	__u8 jt;
	__u8 jf;
	__u32 k;
};

struct filter_stage {
	char *expr;
	__u64 mask;		/* module slots that use this filter */
	unsigned int slot;	/* its own slot in the chain */
	int prog_fd;
};

/*
 * Compiles EXPR for link type DLT; on error prints libpcap's message,
 * naming WHO (the module), and returns -EINVAL.
 */
int filter_compile(const char *who, const char *expr, int dlt,
		   struct cbpf_insn **insns, unsigned int *n);
/*
 * While libpcap compiles (up to 10 s), BUSY(ARG) is called whenever FD is
 * readable, to tell a waiting client so; BUSY NULL: nobody.
 */
void filter_while_compiling(int fd, void (*busy)(void *), void *arg);
/* Translates a filter and loads it as the stage of slot fs->slot. */
int filter_load(struct datapath *dp, struct filter_stage *fs,
		const struct cbpf_insn *cb, unsigned int n);

struct modrt;
/* The slots modules and stages take, and the bits the stages set. */
__u64 slots_used(const struct filter_stage *fs, unsigned int nfs,
		 struct modrt *const *mods, unsigned int n);
/* The stages for every module that has a filter, loaded, deduplicated. */
int filters_build(struct datapath *dp, struct modrt *const *mods,
		  unsigned int n, int dlt, struct filter_stage **fs,
		  unsigned int *nfs);
/*
 * A module RT joins the running set MODS: the stage of its filter, made
 * anew to set its bit too where another module has that filter (the old
 * stage goes to *OLD, to be freed once the chain no longer runs it), or
 * a stage of its own.
 */
int filters_join(struct datapath *dp, struct filter_stage *fs,
		 unsigned int *nfs, struct modrt *const *mods, unsigned int n,
		 struct modrt *rt, int dlt, struct filter_stage *old);
void filters_free(struct filter_stage *fs, unsigned int n);
void filters_free_one(struct filter_stage *fs);

#endif
