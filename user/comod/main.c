// SPDX-License-Identifier: BSD-3-Clause
/*
 * comod: the monitor. It reads a packet trace, or captures live on
 * interfaces until a signal, runs every module over the packets in the
 * kernel and stores their records under the data directory.
 *
 * Part of comod: the top. Options, then the run: its capture (start.c),
 * the source (trace.c, or a live loop.c), the streams finished, the
 * summary (summary.c).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "batchrun.h"
#include "ctl.h"
#include "datapath.h"
#include "dirfd.h"
#include "http.h"
#include "live.h"
#include "log.h"
#include "loop.h"
#include "push.h"
#include "start.h"
#include "stream.h"
#include "summary.h"
#include "trace.h"
#include "units.h"
#include "xdp_multi.h"

#define DEFAULT_DATADIR		"/var/lib/como"
/* parse_args: the usage was printed, exit with this */
#define EXIT_USAGE		2
static const char *const default_modules[] = { "counter", "protocol", "topdest" };

static void usage(FILE *f)
{
	fprintf(f,
"usage: comod (or como run) [-r FILE | -i IFACE[,IFACE...] [-s SOCKET] [-K]]\n"
"             [-c CONFIG] [-m MODULE[:ARG,...] [-F FILTER]]... [-d DIR]\n"
"             [--append | --replace] [--budget SIZE]\n"
"             [--send-to MODULE=HOST:PORT]...\n"
"             [--http ADDR:PORT [--http-token-file FILE]]\n"
"             [--cpus N] [--bpf-stats] [-j] [-q] [-v]\n"
"       comod -d DIR --http ADDR:PORT [--http-token-file FILE]   (serve DIR alone)\n"
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
"      --append         with -r: add to the results DIR holds for a module\n"
"                       (records at or before the last one stored are not\n"
"                       stored again, so a run cut short can be run again);\n"
"                       without --append or --replace such a run is refused\n"
"      --replace        with -r: remove what DIR holds for each module first\n"
"      --budget SIZE    DIR takes at most SIZE on disk (e.g. 10GB): past it the\n"
"                       oldest segments of all its streams go (or 'budget' in\n"
"                       CONFIG); a module's retain=AGE keeps its records AGE\n"
"      --http ADDR:PORT serve queries over HTTP (CoMo's /?module=NAME&time=-5m:0,\n"
"                       /api/v1/..., /metrics); PORT alone binds 127.0.0.1;\n"
"                       with a live run, or with no source: DIR's data alone\n"
"      --http-token-file FILE\n"
"                       the bearer token every request must carry (needed\n"
"                       beyond loopback); its first line\n"
"      --http-max-bytes SIZE\n"
"      --http-max-time DURATION\n"
"                       an answer past these is cut, and says so (default\n"
"                       64MB, 30s)\n"
"      --send-to MODULE=HOST:PORT\n"
"                       push each record MODULE stores, as a JSON line, over\n"
"                       TCP to HOST:PORT (or send-to in its config block, or\n"
"                       send-to=HOST:PORT among -m's arguments; send-queue=N,\n"
"                       send-drain=DURATION: see como.conf(5)); repeatable\n"
"      --cpus N         with -r: run the trace's batches on N CPUs, the first\n"
"                       N the affinity mask allows (default: all of them);\n"
"                       the results are the same on any number\n"
"      --bpf-stats      measure the in-kernel cost per packet (in the -j summary)\n"
"  -j, --json           print the run's summary as JSON on stdout\n"
"  -q, --quiet          no summary, progress or notices on stderr\n"
"  -v, --verbose        more messages; -vv adds libbpf and verifier logs\n"
"  -h, --help           this help\n");
}

/* The module specs of -m, each with the -F that follows it; --send-to. */
struct specs {
	char **spec;
	char **filter;
	int n;
	char **send_to;
	int nsend;
};

/* -m on the command line replaces the config's modules; none: defaults. */
static int modules_asked(struct como_config *cfg, const struct specs *sp,
			 struct opts *o)
{
	int i, err = 0;

	if (sp->n)
		config_clear_modules(cfg);
	for (i = 0; !err && i < sp->n; i++) {
		err = config_add_spec(cfg, sp->spec[i]);
		if (!err && sp->filter[i])
			cfg->mods[cfg->nmods - 1].filter = strdup(sp->filter[i]);
	}
	o->asked_modules = cfg->nmods > 0;
	for (i = 0; !err && !o->asked_modules && i < 3; i++)
		err = config_add_spec(cfg, default_modules[i]);
	for (i = 0; !err && i < sp->nsend; i++)
		err = config_send_to(cfg, sp->send_to[i]);
	return err;
}

/* What to read and where to store, from the options or the config. */
static int sources_chosen(struct opts *o, const struct como_config *cfg)
{
	if (o->trace && o->ifaces) {
		pr_err("a trace or interfaces, not both");
		return EXIT_USAGE;
	}
	if (!o->trace && !o->ifaces) {
		o->trace = cfg->trace;
		o->ifaces = cfg->ifaces;
	}
	if (!o->datadir)
		o->datadir = cfg->datadir ?: DEFAULT_DATADIR;
	/* a config's http line is for the runs it serves, not a trace's */
	if (!o->http && cfg->http && o->trace)
		pr_notice("the config's http line serves live runs and data "
			  "directories: not this trace run");
	else if (!o->http)
		o->http = cfg->http;
	if (!o->http_token && o->http)
		o->http_token = cfg->http_token_file;
	if (o->http && o->trace) {
		pr_err("--http serves a live monitor (-i) or a data directory "
		       "alone (no -r, no -i), not a trace run");
		return EXIT_USAGE;
	}
	if (o->cpus && !o->trace) {
		pr_err("--cpus is for a trace run (-r): a live capture runs "
		       "where the interfaces' packets arrive");
		return EXIT_USAGE;
	}
	if (o->http_token && !o->http) {
		pr_err("--http-token-file without --http");
		return EXIT_USAGE;
	}
	o->serve_only = o->http && !o->ifaces;
	if (!o->trace && !o->ifaces && !o->serve_only) {
		pr_err("nothing to read: give --trace FILE, -i IFACE, or a "
		       "'sniffer pcap FILE' or 'sniffer xdp IFACE' line in the config");
		return EXIT_USAGE;
	}
	return 0;
}

/* --http-max-bytes and --http-max-time, once --help had its chance */
static int http_bounds(struct opts *o, const char *bytes, const char *time)
{
	if (bytes && (parse_size(bytes, &o->http_max_bytes) ||
		      !o->http_max_bytes)) {
		fprintf(stderr, "comod: --http-max-bytes: a size, e.g. 64MB, "
			"not '%s'\n", bytes);
		return EXIT_USAGE;
	}
	if (time && (parse_duration_ns(time, &o->http_max_ns) ||
		     o->http_max_ns < 1000000 ||
		     o->http_max_ns > 3600 * NSEC_PER_SEC)) {
		fprintf(stderr, "comod: --http-max-time: a duration from 1ms "
			"to 1h, not '%s'\n", time);
		return EXIT_USAGE;
	}
	return 0;
}

/* --cpus N: 1 to the CPUs the affinity mask allows */
static int cpus_asked(struct opts *o, const char *arg)
{
	unsigned int allowed = batchrun_cpus_allowed();
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || !n) {
		fprintf(stderr, "comod: --cpus: a number of CPUs, 1 or more, "
			"not '%s'\n", arg);
		return EXIT_USAGE;
	}
	if (n > allowed) {
		fprintf(stderr, "comod: --cpus %lu: this process may run on %u "
			"CPU%s (see taskset)\n", n, allowed,
			allowed == 1 ? "" : "s");
		return EXIT_USAGE;
	}
	o->cpus = n;
	return 0;
}

/*
 * 0, or EXIT_USAGE after saying why, or a negative errno (said too).
 * --help prints the usage and returns -ECANCELED: exit 0.
 */
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
		{ "cpus", required_argument, NULL, 'C' },
		{ "append", no_argument, NULL, 'A' },
		{ "replace", no_argument, NULL, 'R' },
		{ "budget", required_argument, NULL, 'b' },
		{ "send-to", required_argument, NULL, 'P' },
		{ "http", required_argument, NULL, 'H' },
		{ "http-token-file", required_argument, NULL, 'T' },
		{ "http-max-bytes", required_argument, NULL, 'B' },
		{ "http-max-time", required_argument, NULL, 'M' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *max_bytes = NULL, *max_time = NULL, *budget = NULL;
	const char *cpus = NULL;
	struct specs sp = {
		.spec = calloc(argc, sizeof(char *)),
		.filter = calloc(argc, sizeof(char *)),
		.send_to = calloc(argc, sizeof(char *)),
	};
	enum stream_reuse reuse = STREAM_REFUSE;
	int c, err = 0;

	while (!err && (c = getopt_long(argc, argv, "r:i:s:Kc:m:F:d:jqvh",
					lopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->trace = optarg; break;
		case 'i': o->ifaces = optarg; break;
		case 's': o->socket = optarg; break;
		case 'K': o->keep = true; break;
		case 'c': o->conf = optarg; break;
		case 'm': sp.spec[sp.n++] = optarg; break;
		case 'F':
			if (!sp.n || sp.filter[sp.n - 1]) {
				fprintf(stderr, "comod: -F follows the -m it "
					"filters, once\n");
				err = EXIT_USAGE;
				break;
			}
			sp.filter[sp.n - 1] = optarg;
			break;
		case 'd': o->datadir = optarg; break;
		case 'S': o->bpf_stats = true; break;
		case 'C': cpus = optarg; break;
		case 'A':
		case 'R':
			if (reuse != STREAM_REFUSE) {
				fprintf(stderr, "comod: --append or --replace, "
					"once\n");
				err = EXIT_USAGE;
				break;
			}
			reuse = c == 'A' ? STREAM_APPEND : STREAM_REPLACE;
			break;
		case 'b': budget = optarg; break;
		case 'P': sp.send_to[sp.nsend++] = optarg; break;
		case 'H': o->http = optarg; break;
		case 'T': o->http_token = optarg; break;
		case 'B': max_bytes = optarg; break;
		case 'M': max_time = optarg; break;
		case 'j': o->json = true; break;
		case 'q': o->quiet = true; break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); err = -ECANCELED; break;
		default: usage(stderr); err = EXIT_USAGE; break;
		}
	}
	if (!err)
		err = http_bounds(o, max_bytes, max_time);
	if (!err && budget && (parse_size(budget, &o->budget) || !o->budget)) {
		fprintf(stderr, "comod: --budget: a size, e.g. 10GB, not '%s'\n",
			budget);
		err = EXIT_USAGE;
	}
	if (!err && cpus)
		err = cpus_asked(o, cpus);
	if (!err && optind < argc) {
		fprintf(stderr, "comod: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		err = EXIT_USAGE;
	}
	stream_set_reuse(reuse);
	if (!err) {
		log_init("comod", o->quiet ? -1 : o->verbose);
		err = o->conf ? config_load(cfg, o->conf) : 0;
	}
	if (!err)
		err = modules_asked(cfg, &sp, o);
	free(sp.spec);
	free(sp.filter);
	free(sp.send_to);
	if (!err)
		stream_set_budget(o->budget ?: cfg->budget);
	return err ?: sources_chosen(o, cfg);
}

static int ensure_datadir(const char *dir)
{
	struct stat st;

	if (!stat(dir, &st))
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	/* 0750 whatever the umask (comod(8), FILES) */
	if (mkdir(dir, DIRFD_DIR_MODE) || chmod(dir, DIRFD_DIR_MODE))
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
	struct stat st;
	int fd, err;

	err = ensure_datadir(dir);
	if (err)
		goto err_say;
	snprintf(path, sizeof(path), "%.4000s/" DATADIR_LOCK_FILE, dir);
	/* a link planted in its place is refused, never followed */
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		  DIRFD_FILE_MODE);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
		errno = EINVAL;
	}
	if (fd < 0) {
		err = -errno;
		goto err_say;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		goto err_say;
	}
	return fd;

err_say:
	if (err == -EBUSY)
		pr_err("another comod uses data directory %s", dir);
	else
		pr_err("cannot use data directory %s: %s", dir, strerror(-err));
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

/* Reads the trace, or captures until a signal; *KEPT: left running. */
static int run_source(struct monitor *mon, const struct opts *o,
		      struct trace *trace, struct trace_result *res,
		      bool *kept, struct http *http)
{
	struct como_stats ds;
	unsigned int i;
	int err;

	*kept = false;
	if (trace) {
		err = trace_run(trace, mon,
				o->cpus ?: batchrun_cpus_allowed(),
				!o->quiet && isatty(STDERR_FILENO), &stop, res);
		for (i = 0; i < mon->n; i++)
			stream_covered(mon->mods[i], res->first_ns, res->last_ns);
		return err;
	}
	err = loop_live(mon, o->socket ?: COMO_DEFAULT_SOCKET, o->keep, &stop,
			kept, http);
	/* the totals are what the dispatcher saw */
	if (!datapath_stats(mon->dp, 0, &ds)) {
		res->packets = ds.pkts;
		res->bytes = ds.bytes;
	}
	return err;
}

/* Every stream says how the run ended; kept ones go on running. */
static int finish_streams(struct monitor *mon, const struct trace_result *res,
			  int err)
{
	const char *stopped = err ? "failed" : res->stopped[0] ? res->stopped : NULL;
	unsigned int i;

	for (i = 0; i < mon->n; i++)
		if (stream_finish(mon->mods[i], mon->kind, mon->source,
				  res->packets, stopped))
			err = err ?: -EIO;
	return err;
}

static int start_http(const struct opts *o, struct http **http)
{
	struct http_opts ho = {
		.listen = o->http, .token_file = o->http_token,
		.datadir = o->datadir, .max_bytes = o->http_max_bytes,
		.max_ms = o->http_max_ns / 1000000, .verbose = o->verbose,
	};

	*http = NULL;
	return o->http ? http_start(http, &ho) : 0;
}

/* comod -d DIR --http ...: the stored data alone, until a signal. */
static int serve_datadir(const struct opts *o)
{
	struct pollfd p = { .events = POLLIN };
	struct http *http;
	struct stat st;
	int err;

	errno = 0;
	if (stat(o->datadir, &st) || !S_ISDIR(st.st_mode)) {
		pr_err("data directory %s: %s", o->datadir,
		       errno ? strerror(errno) : "not a directory");
		return -ENOENT;
	}
	err = start_http(o, &http);
	while (!err && !stop) {
		p.fd = http_fd(http);
		if (p.fd < 0) {
			err = -EIO;	/* said why */
			break;
		}
		if (poll(&p, 1, 1000) > 0)
			http_serve(http, NULL);
	}
	http_stop(http);
	return err;
}

int main(int argc, char **argv)
{
	struct como_config cfg = {};
	struct datapath dp = {};
	struct trace_result res = {};
	struct trace *trace = NULL;
	struct summary sum = {};
	struct opts o = {};
	struct monitor mon;
	struct http *http = NULL;
	bool ran = false, kept = false;
	unsigned int i;
	int err, run_err;

	catch_signals();
	err = parse_args(argc, argv, &o, &cfg);
	if (err == -ECANCELED || err == EXIT_USAGE) {
		config_free(&cfg);
		return err == EXIT_USAGE ? 2 : 0;
	}
	if (!err && o.serve_only) {
		config_free(&cfg);
		return serve_datadir(&o) ? 1 : 0;
	}
	if (!err)
		err = xdp_multi_init();
	if (!err)
		err = lock_datadir(o.datadir);
	/* before the capture: the server's process holds none of it */
	if (err >= 0)
		err = start_http(&o, &http);
	if (err < 0)
		goto out;
	dp.live = o.ifaces != NULL;
	dp.clock_offset_ns = live_clock_offset(CLOCK_BOOTTIME);
	dp.coarse_offset_ns = live_clock_offset(CLOCK_MONOTONIC);
	mon = (struct monitor){
		.dp = &dp, .datadir = o.datadir, .kind = o.ifaces ? "live" : "trace",
		.source = o.ifaces ?: o.trace, .start_ns = wall_ns(),
	};
	err = start_capture(&mon, &cfg, o.asked_modules, o.trace, &trace);
	if (err)
		goto out_undo;
	summary_begin(&sum, &mon, o.bpf_stats);
	ran = true;
	err = run_source(&mon, &o, trace, &res, &kept, http);
	trace = NULL;
	summary_end(&sum, &mon);
	run_err = err;
	if (!kept)
		err = finish_streams(&mon, &res, err);
	/* what is stored is whole: the receivers get what they can of it */
	for (i = 0; i < mon.n; i++)
		push_finish(mon.mods[i]);
	/* a run that ran says what it did, whatever failed at its end */
	if (!run_err)
		err = summary_print(&sum, &mon, &res, &o) ?: err;

out_undo:
	/* failed before any packet: the streams are as they were */
	for (i = 0; !ran && i < mon.n; i++)
		if (mon.mods[i]->st.store)
			stream_finish(mon.mods[i], mon.kind, mon.source, 0, NULL);
	start_undo(&mon);
out:
	http_stop(http);
	if (trace)
		trace_close(trace);
	config_free(&cfg);
	return err ? 1 : 0;
}
