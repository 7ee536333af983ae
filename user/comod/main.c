// SPDX-License-Identifier: BSD-3-Clause
/*
 * comod: the monitor. This version processes a packet trace: it loads the
 * dispatcher and the modules into the kernel, feeds the trace through them
 * and stores every module's records under the data directory.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "jsonutil.h"
#include "comod.h"
#include "ctl.h"
#include "filter.h"
#include "keep.h"
#include "guard.h"
#include "kclock.h"
#include "kmod.h"
#include "live.h"
#include "monitor.h"
#include "log.h"
#include "units.h"
#include "trace.h"
#include "xdp_multi.h"

#define DEFAULT_DATADIR		"/var/lib/como"
#define DLT_EN10MB_VALUE	1	/* live capture: Ethernet */
static const char *const default_modules[] = { "counter", "protocol", "topdest" };

struct opts {
	const char *conf;
	const char *trace;
	const char *ifaces;
	const char *socket;
	const char *datadir;
	bool bpf_stats;
	bool keep;
	bool asked_modules;	/* -m, or modules in the config */
	bool json;
	bool quiet;
	int verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: comod (or como run) [-r FILE | -i IFACE[,IFACE...] [-s SOCKET] [-K]]\n"
"             [-c CONFIG] [-m MODULE[:ARG,...] [-F FILTER]]... [-d DIR]\n"
"             [--bpf-stats] [-j] [-q] [-v]\n"
"\n"
"Process a pcap or pcapng trace, or the traffic of interfaces until SIGINT or\n"
"SIGTERM, with como's modules and store their results.\n"
"\n"
"  -r, --trace FILE     the trace to read (or 'sniffer pcap FILE' in CONFIG)\n"
"  -i, --interface LIST capture on these interfaces with XDP (native where the\n"
"                       driver has it, generic otherwise)\n"
"  -c, --config FILE    a CoMo-style configuration (see como.conf(5))\n"
"  -m, --module MODULE[:ARG,...]\n"
"                       run a module, e.g. topdest:k=20,interval=5s; repeatable;\n"
"                       replaces the config's modules; default: counter,\n"
"                       protocol and topdest\n"
"  -F, --filter EXPR    a tcpdump filter for the module of the -m before it\n"
"  -s, --socket PATH    the control socket of a live monitor, for como module\n"
"                       and como status (default " COMO_DEFAULT_SOCKET ")\n"
"  -K, --keep-state     with -i: on SIGINT/SIGTERM keep capturing in the kernel\n"
"                       (pinned in bpffs); the next start on DIR picks it up\n"
"  -d, --datadir DIR    where results are stored (default " DEFAULT_DATADIR ");\n"
"                       -r and -d override the config\n"
"      --bpf-stats      measure the in-kernel cost per packet (in the -j summary)\n"
"  -j, --json           print the run's summary as JSON on stdout\n"
"  -q, --quiet          no summary, progress or notices on stderr\n"
"  -v, --verbose        more messages; -vv adds libbpf and verifier logs\n"
"  -h, --help           this help\n");
}

static int parse_args(int argc, char **argv, struct opts *o,
		      struct como_config *cfg)
{
	static const struct option lopts[] = {
		{ "trace", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "socket", required_argument, NULL, 's' },
		{ "keep-state", no_argument, NULL, 'K' },
		{ "config", required_argument, NULL, 'c' },
		{ "module", required_argument, NULL, 'm' },
		{ "filter", required_argument, NULL, 'F' },
		{ "datadir", required_argument, NULL, 'd' },
		{ "bpf-stats", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	char **specs = calloc(argc, sizeof(*specs));
	char **filters = calloc(argc, sizeof(*filters));
	int c, nspecs = 0, i, err;

	while ((c = getopt_long(argc, argv, "r:i:s:Kc:m:F:d:jqvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->trace = optarg; break;
		case 'i': o->ifaces = optarg; break;
		case 's': o->socket = optarg; break;
		case 'K': o->keep = true; break;
		case 'c': o->conf = optarg; break;
		case 'm': specs[nspecs++] = optarg; break;
		case 'F':
			if (!nspecs || filters[nspecs - 1]) {
				fprintf(stderr, "comod: -F follows the -m it "
					"filters, once\n");
				exit(2);
			}
			filters[nspecs - 1] = optarg;
			break;
		case 'd': o->datadir = optarg; break;
		case 'S': o->bpf_stats = true; break;
		case 'j': o->json = true; break;
		case 'q': o->quiet = true; break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "comod: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		exit(2);
	}
	log_init("comod", o->quiet ? -1 : o->verbose);
	err = o->conf ? config_load(cfg, o->conf) : 0;
	/* -m on the command line replaces the config's modules */
	if (!err && nspecs)
		config_clear_modules(cfg);
	for (i = 0; !err && i < nspecs; i++) {
		err = config_add_spec(cfg, specs[i]);
		if (!err && filters[i])
			cfg->mods[cfg->nmods - 1].filter = strdup(filters[i]);
	}
	o->asked_modules = cfg->nmods > 0;
	if (!err && !cfg->nmods)
		for (i = 0; !err && i < 3; i++)
			err = config_add_spec(cfg, default_modules[i]);
	free(specs);
	free(filters);
	if (err)
		return err;
	if (o->trace && o->ifaces) {
		pr_err("a trace or interfaces, not both");
		exit(2);
	}
	if (!o->trace && !o->ifaces) {
		o->trace = cfg->trace;
		o->ifaces = cfg->ifaces;
	}
	if (!o->datadir)
		o->datadir = cfg->datadir ?: DEFAULT_DATADIR;
	if (!o->trace && !o->ifaces) {
		pr_err("nothing to read: give --trace FILE, -i IFACE, or a "
		       "'sniffer pcap FILE' or 'sniffer xdp IFACE' line in the config");
		exit(2);
	}
	return 0;
}

static int open_modules(struct como_config *cfg, struct modrt *mods)
{
	unsigned int i, j;
	int err;

	if (cfg->nmods > COMO_CHAIN_MAX) {
		pr_err("%u modules: at most %d run together (the kernel allows "
		       "33 tail calls in a row)", cfg->nmods, COMO_CHAIN_MAX);
		return -E2BIG;
	}
	for (i = 0; i < cfg->nmods; i++) {
		const struct como_modcfg *mc = &cfg->mods[i];

		for (j = 0; j < i; j++) {
			if (!strcmp(cfg->mods[j].name, mc->name)) {
				pr_err("%s: module instance '%s' given twice; "
				       "name the second one differently",
				       mc->origin, mc->name);
				return -EINVAL;
			}
		}
		mods[i].cfg = mc;
		mods[i].slot = i;
		mods[i].half_fd[0] = mods[i].half_fd[1] = -1;
		err = mod_open(&mods[i].mod, mc->name, mc->source, mc->args,
			       mc->filter);
		if (!err)
			err = mod_init(mods[i].mod);
		if (err)
			return err;
	}
	return 0;
}

static int ensure_datadir(const char *dir)
{
	struct stat st;

	if (!stat(dir, &st))
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	if (mkdir(dir, 0755))
		return -errno;
	return 0;
}

/*
 * One comod a data directory: a second one would drain the same state
 * and append to the same streams. The lock goes with the process, even
 * with SIGKILL; its fd stays open until exit.
 */
static int lock_datadir(const char *dir)
{
	char path[4096];
	int fd, err;

	snprintf(path, sizeof(path), "%.4000s/.comod.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * A live capture kept running for this data directory (comod -K, or
 * como.ko after a comod died) goes on writing its streams: a trace's
 * records would land amid them, out of time order.
 */
static bool datadir_kept(const char *dir)
{
	struct kmod *k;
	bool kept = keep_present(dir);

	if (!kept && !kmod_open(&k)) {
		kept = keep_held(k, dir) == 1;
		kmod_close(k);
	}
	if (kept)
		pr_err("%s belongs to a live capture kept running: start comod "
		       "live on it to take it back, or use another data "
		       "directory", dir);
	return kept;
}

/* A kept capture runs the modules it ran: say so when others were asked. */
static void modules_kept_notice(const struct opts *o)
{
	if (o->asked_modules)
		pr_warn("the kept capture goes on with the modules it ran; the "
			"modules asked for here are not loaded (como module "
			"load adds one)");
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Per module: what its capture side saw; a full state map is never silent. */
static struct json_object *module_summary(struct datapath *dp,
					  struct modrt *mods, unsigned int n)
{
	struct json_object *arr = json_object_new_array(), *o;
	struct como_stats st;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (datapath_stats(dp, mods[i].slot + 1, &st))
			memset(&st, 0, sizeof(st));
		if (st.errors)
			pr_warn("module %s: %llu packets not counted (its state "
				"map was full)", mods[i].mod->name,
				(unsigned long long)st.errors);
		o = json_object_new_object();
		json_add_str(o, "name", mods[i].mod->name);
		json_add_u64(o, "pkts", st.pkts);
		json_add_u64(o, "updates", st.updates);
		json_add_u64(o, "errors", st.errors);
		json_add_u64(o, "records", mods[i].records);
		json_object_array_add(arr, o);
	}
	return arr;
}

static void print_summary(const struct opts *o, const char *source,
			  const struct trace_result *r,
			  const struct como_stats *ds, struct json_object *mods,
			  double wall, double cpu, __u64 run_ns, __u64 run_cnt)
{
	double pps = wall > 0 ? r->packets / wall : 0;

	if (!o->quiet)
		fprintf(stderr, "comod: %s: %llu packets, %llu bytes, %llu epochs "
			"in %.2f s (%.2f Mpps)%s%s\n", source,
			(unsigned long long)r->packets,
			(unsigned long long)r->bytes,
			(unsigned long long)r->epochs, wall, pps / 1e6,
			r->stopped[0] ? "; " : "", r->stopped);
	if (o->json) {
		struct json_object *j = json_object_new_object(), *b;

		json_object_object_add(j, o->ifaces ? "interfaces" : "trace",
				       json_object_new_string(source));
		json_add_str(j, "datadir", o->datadir);
		json_add_u64(j, "packets", r->packets);
		json_add_u64(j, "bytes", r->bytes);
		json_add_u64(j, "non_ip", ds->non_ip);
		json_add_u64(j, "truncated", ds->trunc);
		json_add_u64(j, "epochs", r->epochs);
		json_add_u64(j, "late", r->late);
		json_object_object_add(j, "elapsed_s", json_object_new_double(wall));
		json_object_object_add(j, "cpu_s", json_object_new_double(cpu));
		json_object_object_add(j, "pps", json_object_new_double(pps));
		json_object_object_add(j, "complete",
				       json_object_new_boolean(!r->stopped[0]));
		if (r->stopped[0])
			json_add_str(j, "stopped", r->stopped);
		if (o->bpf_stats) {
			b = json_object_new_object();
			json_add_u64(b, "run_cnt", run_cnt);
			json_add_u64(b, "run_time_ns", run_ns);
			json_object_object_add(b, "ns_per_pkt", json_object_new_double(
				r->packets ? (double)run_ns / r->packets : 0));
			json_object_object_add(j, "bpf", b);
		}
		json_object_object_add(j, "modules", json_object_get(mods));
		puts(json_object_to_json_string_ext(j, JSON_PLAIN));
		json_object_put(j);
	}
}

/* Loads the dispatcher and the modules, opens the streams, links the chain. */
static int setup_chain(struct datapath *dp, struct modrt *mods, unsigned int n,
		       const struct opts *o, const char *kind, const char *source,
		       int dlt, struct filter_stage **stages, unsigned int *nstages)
{
	unsigned int i;
	int err;

	err = datapath_open(dp);
	for (i = 0; !err && i < n; i++)
		err = datapath_add(dp, &mods[i]);
	for (i = 0; !err && i < n; i++)
		err = stream_open(&mods[i], o->datadir, kind, source);
	if (!err)
		err = filters_build(dp, mods, n, dlt, stages, nstages);
	if (err)
		return err;
	err = datapath_link(dp, *stages, *nstages, mods, n);
	if (err)
		pr_err("cannot link the modules to the dispatcher: %s",
		       strerror(-err));
	return err;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGINT and SIGTERM end a run cleanly; no SA_RESTART, so sleeps end too. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Live capture until a signal, answering on the control socket; modules
 * may come and go meanwhile (mon->n changes). The totals are what the
 * dispatcher saw.
 */
static int run_live(struct monitor *mon, const char *ifaces,
		    const char *socket, struct live *live, bool keep,
		    bool *kept, struct trace_result *res)
{
	struct guard guard = { .tick_ns = GUARD_TICK_NS };
	struct ctl *ctl = NULL;
	struct como_stats ds;
	int err;

	err = ctl_open(&ctl, socket, mon);
	if (!err && !live)
		err = live_attach(&live, mon->dp, ifaces);
	if (err) {
		ctl_close(ctl);
		live_release(live);
		return err;
	}
	mon->live = live;
	if (mon->dp->kmod && live_shared(live)) {
		/* libxdp holds como's program there, not a link como.ko could */
		pr_notice("an interface is shared through libxdp: comod runs "
			  "the epoch clock, not como.ko");
		kmod_close(mon->dp->kmod);
		mon->dp->kmod = NULL;
	}
	/* comod weighs the modules' cost itself whenever como.ko does not */
	mon->guard = &guard;
	guard.last_ns = wall_ns();
	if (mon->dp->kmod && kclock_hand_over(mon)) {
		/* what it took is given back; comod's clock does the rest */
		kclock_stop(mon);
		kmod_close(mon->dp->kmod);
		mon->dp->kmod = NULL;
		pr_warn("como.ko refused the capture: comod runs the epoch clock");
	} else if (mon->dp->kmod) {
		pr_notice("como.ko holds the capture and runs the epoch clock");
	}
	if (!err)
		err = live_run(live, mon, ctl, &stop);
	/* with como.ko the capture is in the kernel's hands already */
	*kept = !err && keep &&
		(mon->dp->kmod || !keep_save(mon, live, ifaces));
	if (*kept && mon->dp->kmod)
		pr_notice("como.ko keeps the capture; the next start on %s takes "
			  "it back", mon->datadir);
	if (*kept) {
		live_release(live);
	} else {
		err = live_stop(live, mon) ?: err;
		live_free(live);
	}
	ctl_close(ctl);
	mon->guard = NULL;
	if (!datapath_stats(mon->dp, 0, &ds)) {
		res->packets = ds.pkts;
		res->bytes = ds.bytes;
	}
	return err;
}

int main(int argc, char **argv)
{
	struct como_config cfg = {};
	struct datapath dp = {};
	struct trace_result res = {};
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	struct como_stats ds = {};
	struct timespec t0, t1;
	struct opts o = {};
	struct trace *trace = NULL;
	struct filter_stage *stages = NULL;
	unsigned int nstages = 0, nmods;
	bool ran = false, kept = false, held = false;
	struct live *live = NULL;
	struct monitor mon;
	struct json_object *msum;
	const char *kind, *source;
	struct modrt *mods;
	unsigned int i;
	int err, stats_fd = -1;
	double cpu0;

	catch_signals();
	err = parse_args(argc, argv, &o, &cfg);
	if (!err)
		err = xdp_multi_init();
	if (err)
		return 1;
	kind = o.ifaces ? "live" : "trace";
	source = o.ifaces ?: o.trace;
	/* room for the modules a live monitor may load later */
	mods = calloc(COMO_CHAIN_MAX, sizeof(*mods));
	if (!mods)
		return 1;
	nmods = cfg.nmods;
	err = ensure_datadir(o.datadir);
	if (!err)
		err = lock_datadir(o.datadir);
	if (err == -EBUSY) {
		pr_err("another comod uses data directory %s", o.datadir);
		goto out;
	}
	if (err < 0) {
		pr_err("cannot use data directory %s: %s", o.datadir,
		       strerror(-err));
		goto out;
	}
	err = 0;
	dp.live = o.ifaces != NULL;
	dp.clock_offset_ns = live_clock_offset();
	mon = (struct monitor){
		.dp = &dp, .mods = mods, .datadir = o.datadir, .kind = kind,
		.source = source, .start_ns = wall_ns(),
	};
	if (o.ifaces) {
		err = kmod_open(&dp.kmod);
		if (err == -ENOENT)
			pr_info("como.ko is not loaded: comod runs the epoch "
				"clock");
		else if (err)
			goto out;
		err = dp.kmod ? keep_held(dp.kmod, o.datadir) : 0;
		if (err == -EBUSY) {
			/* one capture per como.ko: another comod's */
			pr_warn("como.ko holds another data directory's capture: "
				"this comod runs its own clock and guard");
			kmod_close(dp.kmod);
			dp.kmod = NULL;
			err = 0;
		}
		if (err < 0)
			goto out;
		held = err;
		err = 0;
	}
	if (o.trace && datadir_kept(o.datadir)) {
		err = -EBUSY;
		goto out;
	}
	if (held) {
		/* a comod before this one died: como.ko kept its capture */
		stages = calloc(COMO_CHAIN_MAX, sizeof(*stages));
		mon.fs = stages;
		err = stages ? keep_take_back(dp.kmod, &mon, &live, o.ifaces) :
			       -ENOMEM;
		nmods = mon.n;
		nstages = mon.nfs;
		if (!err)
			err = kclock_adopt(&mon);
		if (err)
			goto out_unload;
		modules_kept_notice(&o);
	} else if (o.ifaces && keep_present(o.datadir)) {
		/* the last comod kept its capture running: go on with it */
		stages = calloc(COMO_CHAIN_MAX, sizeof(*stages));
		mon.fs = stages;
		err = stages ? keep_restore(&mon, &live, o.ifaces) : -ENOMEM;
		nmods = mon.n;
		nstages = mon.nfs;
		if (err)
			goto out_unload;
		modules_kept_notice(&o);
	} else {
		err = open_modules(&cfg, mods);
		if (!err && o.trace)
			err = trace_open(&trace, o.trace);
		if (err)
			goto out;
		err = setup_chain(&dp, mods, nmods, &o, kind, source,
				  trace ? trace_linktype(trace) : DLT_EN10MB_VALUE,
				  &stages, &nstages);
		if (err)
			goto out_unload;
		mon.n = nmods;
		mon.fs = stages;
		mon.nfs = nstages;
	}
	if (o.bpf_stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			pr_warn("cannot enable BPF run-time statistics: %s",
				strerror(errno));
	}

	ran = true;
	cpu0 = cpu_seconds();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (o.ifaces) {
		err = run_live(&mon, o.ifaces, o.socket ?: COMO_DEFAULT_SOCKET,
			       live, o.keep, &kept, &res);
		live = NULL;
		nmods = mon.n;
		nstages = mon.nfs;
	} else {
		err = trace_run(trace, &dp, mods, nmods,
				!o.quiet && isatty(STDERR_FILENO), &stop, &res);
		trace = NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (i = 0; i < nmods; i++) {
		if (o.trace && (!mods[i].first_ns || res.first_ns < mods[i].first_ns))
			mods[i].first_ns = res.first_ns;
		if (o.trace && res.last_ns > mods[i].last_ns)
			mods[i].last_ns = res.last_ns;
		/* kept: the kernel goes on writing; the streams stay running */
		if (kept)
			continue;
		if (stream_finish(&mods[i], kind, source, res.packets,
				  err ? "failed" : res.stopped[0] ? res.stopped : NULL))
			err = err ?: -EIO;
	}
	if (err)
		goto out_unload;
	datapath_stats(&dp, 0, &ds);
	/* every packet read from a trace must have been seen by the dispatcher */
	if (o.trace && ds.pkts != res.packets) {
		pr_err("%s: read %llu packets but the dispatcher saw %llu",
		       o.trace, (unsigned long long)res.packets,
		       (unsigned long long)ds.pkts);
		err = -EIO;
		goto out_unload;
	}
	if (stats_fd >= 0)
		bpf_obj_get_info_by_fd(dp.prog_fd, &info, &info_len);
	msum = module_summary(&dp, mods, nmods);
	print_summary(&o, source, &res, &ds, msum,
		      t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		      cpu_seconds() - cpu0, info.run_time_ns, info.run_cnt);
	json_object_put(msum);
	if (res.stopped[0]) {
		pr_err("trace %s %s; the %llu packets before it are stored",
		       o.trace, res.stopped, (unsigned long long)res.packets);
		err = -EIO;
	}

out_unload:
	for (i = 0; i < nmods; i++) {
		if (!mods[i].store)
			continue;
		/* failed before any packet: the streams are as they were */
		if (!ran)
			stream_finish(&mods[i], kind, source, 0, NULL);
		stream_close(&mods[i]);
	}
	if (stages)
		filters_free(stages, nstages);
	for (i = 0; i < nmods; i++)
		datapath_unload(&mods[i]);
	datapath_close(&dp);
out:
	kmod_close(dp.kmod);
	if (trace)
		trace_close(trace);
	for (i = 0; i < nmods; i++)
		mod_close(mods[i].mod);
	free(mods);
	config_free(&cfg);
	return err ? 1 : 0;
}
