// SPDX-License-Identifier: BSD-3-Clause
/*
 * A trace's batch runners: one thread pinned to each CPU a trace run may
 * use, each writing the batches the reader hands over into its CPU's
 * windows and running them (BPF_PROG_RUN of the dispatcher), so that the
 * copying of the packets and the kernel's share of a trace, most of it,
 * are spread over the CPUs while the reader gathers the next batches.
 *
 * Results do not depend on which CPU runs which batch: a module's state is
 * per CPU (each CPU its own rows, como_vec and como_win), and the drain
 * folds the CPUs' rows in the order the batches' numbers say. A runner runs
 * its batches in the order they were handed over, and two runners never
 * share a CPU, so no two runs write one CPU's vector at once.
 *
 * Part of comod: called by trace.c; calls the data path.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batchrun.h"
#include "datapath.h"
#include "log.h"

/* batches a runner may have queued, besides the one it runs */
#define FRAMES_EACH	2

struct job {
	struct dp_batch *batch;
};

struct batchrun {
	struct datapath *dp;
	pthread_mutex_t lock;
	pthread_cond_t work;	/* a job queued, or the end */
	pthread_cond_t done;	/* a job ran: a batch is free */
	unsigned int nthreads;
	pthread_t *threads;
	struct dp_batch **frames;	/* every batch, to free them */
	unsigned int nframes;
	struct dp_batch **idle;		/* the batches free to fill */
	unsigned int nidle;
	struct job *queue;	/* a ring of nframes */
	unsigned int qhead, qlen;
	unsigned int busy;	/* jobs handed over that have not run yet */
	int err;		/* the first run that failed */
	bool stop;
};

unsigned int batchrun_cpus_allowed(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set) ?: 1;
}

static void *runner(void *arg)
{
	struct batchrun *br = arg;
	struct job j;
	int err;

	pthread_mutex_lock(&br->lock);
	for (;;) {
		while (!br->qlen && !br->stop)
			pthread_cond_wait(&br->work, &br->lock);
		if (!br->qlen)
			break;
		j = br->queue[br->qhead];
		br->qhead = (br->qhead + 1) % br->nframes;
		br->qlen--;
		pthread_mutex_unlock(&br->lock);

		err = datapath_run(br->dp, j.batch);

		pthread_mutex_lock(&br->lock);
		if (err && !br->err)
			br->err = err;
		br->idle[br->nidle++] = j.batch;
		br->busy--;
		pthread_cond_broadcast(&br->done);
	}
	pthread_mutex_unlock(&br->lock);
	return NULL;
}

static void batchrun_free(struct batchrun *br)
{
	unsigned int i;

	for (i = 0; i < br->nframes; i++)
		datapath_batch_free(br->frames[i]);
	free(br->frames);
	free(br->idle);
	free(br->queue);
	free(br->threads);
	pthread_cond_destroy(&br->work);
	pthread_cond_destroy(&br->done);
	pthread_mutex_destroy(&br->lock);
	free(br);
}

/* A runner that starts on CPU and stays there. */
static int runner_start(struct batchrun *br, unsigned int n, int cpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_attr_init(&attr);
	if (err)
		return -err;
	err = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (!err)
		err = pthread_create(&br->threads[n], &attr, runner, br);
	pthread_attr_destroy(&attr);
	/* what top -H and perf name it */
	if (!err) {
		char name[16];

		snprintf(name, sizeof(name), "comod-cpu%d", cpu);
		pthread_setname_np(br->threads[n], name);
	}
	if (err)
		pr_err("trace: cannot start a batch runner on CPU %d: %s", cpu,
		       strerror(err));
	return -err;
}

struct batchrun *batchrun_start(struct datapath *dp, unsigned int ncpus)
{
	struct batchrun *br = calloc(1, sizeof(*br));
	unsigned int i, n = 0;
	cpu_set_t set;
	int cpu;

	if (!br)
		return NULL;
	br->dp = dp;
	pthread_mutex_init(&br->lock, NULL);
	pthread_cond_init(&br->work, NULL);
	pthread_cond_init(&br->done, NULL);
	/* one frame is filled while each runner has FRAMES_EACH */
	br->nframes = ncpus * FRAMES_EACH + 1;
	br->frames = calloc(br->nframes, sizeof(*br->frames));
	br->idle = calloc(br->nframes, sizeof(*br->idle));
	br->queue = calloc(br->nframes, sizeof(*br->queue));
	br->threads = calloc(ncpus, sizeof(*br->threads));
	if (!br->frames || !br->idle || !br->queue || !br->threads)
		goto err_free;
	for (i = 0; i < br->nframes; i++) {
		br->frames[i] = datapath_batch_new();
		if (!br->frames[i])
			goto err_free;
		br->idle[br->nidle++] = br->frames[i];
	}
	if (sched_getaffinity(0, sizeof(set), &set))
		goto err_free;
	for (cpu = 0; cpu < CPU_SETSIZE && n < ncpus; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (runner_start(br, n, cpu))
			goto err_stop;
		br->nthreads = ++n;
	}
	return br;

err_stop:
	batchrun_stop(br);
	return NULL;
err_free:
	pr_err("trace: cannot set up the batch runners: %s", strerror(ENOMEM));
	batchrun_free(br);
	return NULL;
}

struct dp_batch *batchrun_batch(struct batchrun *br)
{
	struct dp_batch *f;

	pthread_mutex_lock(&br->lock);
	while (!br->nidle)
		pthread_cond_wait(&br->done, &br->lock);
	f = br->idle[--br->nidle];
	pthread_mutex_unlock(&br->lock);
	return f;
}

int batchrun_submit(struct batchrun *br, struct dp_batch *b)
{
	int err;

	pthread_mutex_lock(&br->lock);
	err = br->err;
	if (err) {
		br->idle[br->nidle++] = b;
	} else {
		br->queue[(br->qhead + br->qlen) % br->nframes] = (struct job){
			.batch = b,
		};
		br->qlen++;
		br->busy++;
		pthread_cond_signal(&br->work);
	}
	pthread_mutex_unlock(&br->lock);
	return err;
}

int batchrun_wait(struct batchrun *br)
{
	int err;

	pthread_mutex_lock(&br->lock);
	while (br->busy)
		pthread_cond_wait(&br->done, &br->lock);
	err = br->err;
	pthread_mutex_unlock(&br->lock);
	return err;
}

int batchrun_stop(struct batchrun *br)
{
	unsigned int i;
	int err;

	if (!br)
		return 0;
	err = batchrun_wait(br);
	pthread_mutex_lock(&br->lock);
	br->stop = true;
	pthread_cond_broadcast(&br->work);
	pthread_mutex_unlock(&br->lock);
	for (i = 0; i < br->nthreads; i++)
		pthread_join(br->threads[i], NULL);
	batchrun_free(br);
	return err;
}
