// SPDX-License-Identifier: BSD-3-Clause
/*
 * What a run says when it ends: packets, bytes, epochs, time, each
 * module's figures, on stderr and, with -j, as JSON on stdout; and
 * whether it read its whole trace.
 *
 * Part of comod: called by main.c; reads the data path's statistics.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "datapath.h"
#include "export.h"
#include "jsonutil.h"
#include "log.h"
#include "push.h"
#include "stream.h"
#include "summary.h"
#include "trace.h"

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void summary_begin(struct summary *s, struct monitor *mon, bool bpf_stats)
{
	(void)mon;
	s->stats_fd = -1;
	if (bpf_stats) {
		s->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (s->stats_fd < 0)
			pr_warn("cannot enable BPF run-time statistics: %s",
				strerror(errno));
	}
	s->cpu0 = cpu_seconds();
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
}

void summary_end(struct summary *s, struct monitor *mon)
{
	(void)mon;
	clock_gettime(CLOCK_MONOTONIC, &s->t1);
	s->cpu = cpu_seconds() - s->cpu0;
}

/*
 * Records a stream could not store, and why, beside what it did store;
 * and the packets its module's state could not take (or sampling left
 * out): those its records do not count, or count only in an estimate.
 */
static void lost_json(struct json_object *o, const struct stream *st)
{
	json_add_u64(o, "packets_uncounted",
		     st->overflow ? json_u64(st->overflow, "packets") : 0);
	json_add_u64(o, "records_lost", st->lost);
	if (st->lost)
		json_add_str(o, "lost_reason", stream_lost_reason(st));
}

/* Whether every stream of the run holds every record it was given. */
static bool streams_whole(const struct monitor *mon)
{
	unsigned int i, j;

	for (i = 0; i < mon->n; i++)
		for (j = 0; j <= mon->mods[i]->nalso; j++)
			if ((j ? mon->mods[i]->also[j - 1].st : mon->mods[i]->st).lost ||
			    (j ? mon->mods[i]->also[j - 1].st : mon->mods[i]->st).overflow)
				return false;
	return true;
}

/* Per module: what its capture side saw; a full state map is never silent. */
static struct json_object *module_summary(struct monitor *mon)
{
	struct json_object *arr = json_object_new_array(), *o;
	struct como_stats st;
	unsigned int i, j;

	for (i = 0; i < mon->n; i++) {
		struct modrt *rt = mon->mods[i];

		if (datapath_stats(mon->dp, rt->slot + 1, &st))
			memset(&st, 0, sizeof(st));
		if (st.errors)
			pr_warn("module %s: %llu packets not counted (its state "
				"map was full)", rt->mod->name,
				(unsigned long long)st.errors);
		o = json_object_new_object();
		json_add_str(o, "name", rt->mod->name);
		json_add_u64(o, "pkts", st.pkts);
		json_add_u64(o, "updates", st.updates);
		json_add_u64(o, "errors", st.errors);
		json_add_u64(o, "records", rt->st.records);
		lost_json(o, &rt->st);
		export_summary(rt, o);
		push_json(rt, o);
		json_object_array_add(arr, o);
		/* the other names it ran for: one capture, a stream each */
		for (j = 0; j < rt->nalso; j++) {
			o = json_object_new_object();
			json_add_str(o, "name", rt->also[j].name);
			json_add_str(o, "runs_as", rt->mod->name);
			json_add_u64(o, "pkts", st.pkts);
			json_add_u64(o, "updates", st.updates);
			json_add_u64(o, "errors", st.errors);
			json_add_u64(o, "records", rt->also[j].st.records);
			lost_json(o, &rt->also[j].st);
			json_object_array_add(arr, o);
		}
	}
	return arr;
}

/*
 * A module whose export was stopped (export.c) fails the run, whatever
 * the others did: it names the module, why, and the epochs it lost.
 */
static int modules_stopped(struct monitor *mon)
{
	unsigned int i, j;
	int err = 0;

	for (i = 0; i < mon->n; i++) {
		struct modrt *rt = mon->mods[i];

		for (j = 0; j <= rt->nalso; j++) {
			const struct stream *st = j ? &rt->also[j - 1].st : &rt->st;

			if (!st->lost)
				continue;
			pr_err("stream %s: %llu records could not be stored (%s); "
			       "its meta.json marks it incomplete, with the "
			       "intervals missing", st->dir,
			       (unsigned long long)st->lost,
			       stream_lost_reason(st));
			err = -EIO;
		}
		if (rt->st.overflow) {
			pr_err("module %s: %llu packets not counted in %llu "
			       "intervals (%s): those intervals' "
			       "results are approximate, and say so where they "
			       "are read", rt->mod->name, (unsigned long long)
			       json_u64(rt->st.overflow, "packets"),
			       (unsigned long long)
			       json_u64(rt->st.overflow, "intervals"),
			       json_u64(rt->st.overflow, "sampled") ?
			       "sampled or stopped by the overload guard, or its "
			       "state was full" : "its state was full");
			err = err ?: -EOVERFLOW;
		}
		if (!rt->stopped[0])
			continue;
		pr_err("module %s stopped: %s; %llu epochs lost", rt->mod->name,
		       rt->stopped, (unsigned long long)rt->lost_epochs);
		err = -ECHILD;
	}
	return err;
}

/* Where a trace's packets ran: the dispatcher's count on each CPU. */
static struct json_object *cpu_packets(struct datapath *dp)
{
	__u64 *pkts = calloc(dp->ncpus, sizeof(*pkts));
	struct json_object *a = json_object_new_array();
	int i;

	if (pkts && !datapath_cpu_packets(dp, pkts))
		for (i = 0; i < dp->ncpus; i++)
			json_object_array_add(a, json_object_new_uint64(pkts[i]));
	free(pkts);
	return a;
}

static void print_json(const struct opts *o, struct datapath *dp,
		       const struct trace_result *r,
		       const struct como_stats *ds, struct json_object *mods,
		       double wall, double cpu, const struct bpf_prog_info *info,
		       bool whole)
{
	struct json_object *j = json_object_new_object(), *b;
	double pps = wall > 0 ? r->packets / wall : 0;

	json_object_object_add(j, o->ifaces ? "interfaces" : "trace",
			       json_object_new_string(o->ifaces ?: o->trace));
	json_add_str(j, "datadir", o->datadir);
	json_add_u64(j, "packets", r->packets);
	json_add_u64(j, "bytes", r->bytes);
	json_add_u64(j, "non_ip", ds->non_ip);
	json_add_u64(j, "truncated", ds->trunc);
	json_add_u64(j, "epochs", r->epochs);
	json_add_u64(j, "late", r->late);
	if (!o->ifaces) {
		json_add_u64(j, "cpus", r->cpus);
		json_object_object_add(j, "cpu_packets", cpu_packets(dp));
	}
	json_object_object_add(j, "elapsed_s", json_object_new_double(wall));
	json_object_object_add(j, "cpu_s", json_object_new_double(cpu));
	json_object_object_add(j, "pps", json_object_new_double(pps));
	json_object_object_add(j, "complete",
			       json_object_new_boolean(!r->stopped[0] && whole));
	if (r->stopped[0])
		json_add_str(j, "stopped", r->stopped);
	if (o->bpf_stats) {
		b = json_object_new_object();
		json_add_u64(b, "run_cnt", info->run_cnt);
		json_add_u64(b, "run_time_ns", info->run_time_ns);
		json_object_object_add(b, "ns_per_pkt", json_object_new_double(
			r->packets ? (double)info->run_time_ns / r->packets : 0));
		json_object_object_add(j, "bpf", b);
	}
	json_object_object_add(j, "modules", json_object_get(mods));
	puts(json_object_to_json_string_ext(j, JSON_PLAIN));
	json_object_put(j);
}

int summary_print(struct summary *s, struct monitor *mon,
		  const struct trace_result *r, const struct opts *o)
{
	double wall = s->t1.tv_sec - s->t0.tv_sec +
		      (s->t1.tv_nsec - s->t0.tv_nsec) / 1e9;
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	struct json_object *mods;
	struct como_stats ds = {};
	int err;

	datapath_stats(mon->dp, 0, &ds);
	/* every packet read from a trace must have been seen by the dispatcher */
	if (o->trace && ds.pkts != r->packets) {
		pr_err("%s: read %llu packets but the dispatcher saw %llu",
		       o->trace, (unsigned long long)r->packets,
		       (unsigned long long)ds.pkts);
		return -EIO;
	}
	if (s->stats_fd >= 0)
		bpf_obj_get_info_by_fd(mon->dp->prog_fd, &info, &info_len);
	mods = module_summary(mon);
	if (!o->quiet)
		fprintf(stderr, "comod: %s: %llu packets, %llu bytes, %llu epochs "
			"in %.2f s (%.2f Mpps)%s%s\n", o->ifaces ?: o->trace,
			(unsigned long long)r->packets,
			(unsigned long long)r->bytes,
			(unsigned long long)r->epochs, wall,
			wall > 0 ? r->packets / wall / 1e6 : 0.0,
			r->stopped[0] ? "; " : "", r->stopped);
	if (o->json)
		print_json(o, mon->dp, r, &ds, mods, wall, s->cpu, &info,
			   streams_whole(mon));
	json_object_put(mods);
	err = modules_stopped(mon);
	if (r->stopped[0]) {
		pr_err("trace %s %s; the %llu packets before it are stored",
		       o->trace, r->stopped, (unsigned long long)r->packets);
		return -EIO;
	}
	return err;
}
