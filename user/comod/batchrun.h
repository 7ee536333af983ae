/* SPDX-License-Identifier: BSD-3-Clause */
/* A trace's batch runners, one thread pinned to each CPU (batchrun.c). */
#ifndef _COMOD_BATCHRUN_H
#define _COMOD_BATCHRUN_H

#include <linux/types.h>

struct datapath;
struct dp_batch;
struct batchrun;

/*
 * Starts a runner on each of the first NCPUS CPUs that the affinity mask
 * allows, and batches for them; NULL on error (said).
 */
struct batchrun *batchrun_start(struct datapath *dp, unsigned int ncpus);
/* A free batch to fill; waits for one. */
struct dp_batch *batchrun_batch(struct batchrun *br);
/* Hands B to a runner. */
int batchrun_submit(struct batchrun *br, struct dp_batch *b);
/* Waits until every frame handed over has run: 0 or the first error. */
int batchrun_wait(struct batchrun *br);
/* Waits, then ends the runners; 0 or the first error. */
int batchrun_stop(struct batchrun *br);

/* The CPUs the affinity mask allows. */
unsigned int batchrun_cpus_allowed(void);

#endif
