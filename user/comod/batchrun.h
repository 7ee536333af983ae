/* SPDX-License-Identifier: BSD-3-Clause */
/* A trace's batch runners, one thread pinned to each CPU (batchrun.c). */
#ifndef _COMOD_BATCHRUN_H
#define _COMOD_BATCHRUN_H

#include <linux/types.h>

struct datapath;
struct batchrun;

/*
 * Starts a runner on each of the first NCPUS CPUs that the affinity mask
 * allows, and frames of SIZE bytes for them; NULL on error (said).
 */
struct batchrun *batchrun_start(struct datapath *dp, unsigned int ncpus,
				__u32 size);
/* A free frame to fill; waits for one. */
__u8 *batchrun_frame(struct batchrun *br);
/* Hands FRAME (LEN bytes of it, META_SIZE of metadata) to a runner. */
int batchrun_submit(struct batchrun *br, __u8 *frame, __u32 meta_size,
		    __u32 len);
/* Waits until every frame handed over has run: 0 or the first error. */
int batchrun_wait(struct batchrun *br);
/* Waits, then ends the runners; 0 or the first error. */
int batchrun_stop(struct batchrun *br);

/* The CPUs the affinity mask allows. */
unsigned int batchrun_cpus_allowed(void);

#endif
