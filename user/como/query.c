// SPDX-License-Identifier: BSD-3-Clause
/*
 * como query: a module's records over a time window. This file reads the
 * arguments and sets the exit code; the query engine (user/lib/query.c)
 * does the rest and prints its own errors through log.h.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "como.h"
#include "log.h"
#include "out.h"
#include "query.h"
#include "replay.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: como query -m MODULE [-t START:END] [-f FORMAT] [-o FILE] [-d DIR]\n"
"       como query -m MODULE [-t START:END] [-f FORMAT] --server URL [--token-file FILE]\n"
"\n"
"  -m, --module NAME[:ARG,...]\n"
"                       the module instance to read (ARGs: only with\n"
"                       --replay, for a module the directory does not hold)\n"
"  -t, --time WINDOW    e.g. -5m:0 (relative to the end of the data of a\n"
"                       trace, to now when live), 1700000000:1700000300\n"
"                       (Unix seconds), 2023-11-14T22:13:20Z:2023-11-14T22:18:20Z\n"
"                       (RFC 3339), -1h: or :0 (open); default: all the data\n"
"  -f, --format FMT     plain (default), json, csv or gnuplot; pcap: the\n"
"                       packets of a module that replays them (trace), those\n"
"                       of the window to the ns\n"
"  -o, --output FILE    write there instead of stdout (a pcap goes to\n"
"                       stdout only when it is not a terminal)\n"
"  -j, --json           the same as -f json\n"
"  -d, --datadir DIR    where results are stored (default " COMO_DEFAULT_DATADIR ")\n"
"  -R, --replay         on demand: where the module stored nothing in the\n"
"                       window and the trace module stored packets, run\n"
"                       the module over them (comod, as root) and answer\n"
"                       with those records too; says which parts. The\n"
"                       default (as root, or --server) when the directory\n"
"                       holds the module and the trace module\n"
"      --no-replay      only what the module stored\n"
"  -S, --server URL     ask a running comod's HTTP server instead, e.g.\n"
"                       http://127.0.0.1:44444 (comod --http)\n"
"      --token-file FILE\n"
"                       the bearer token that server asks for, its first line\n"
"  -h, --help           this help\n");
}

/* The answer, to FILE or stdout; the exit code. */
static int query_to(const struct query_opts *o, const char *file,
		    bool replay)
{
	struct query_result res;
	FILE *out = file ? fopen(file, "we") : stdout;
	int err;

	if (!out) {
		pr_err("cannot write %s: %s", file, strerror(errno));
		return 1;
	}
	/* a reader that goes away must not stop a replay before it cleans up */
	if (replay)
		signal(SIGPIPE, SIG_IGN);
	err = replay ? query_ondemand(o, out, &res, NULL) : query_run(o, out, &res);
	if (file && fclose(out) && !err) {
		pr_err("cannot write %s: %s", file, strerror(errno));
		return 1;
	}
	/* an answer with a hole in it (said on stderr) is no success */
	if (err || (replay && !file && (fflush(out) || ferror(out))))
		return 1;
	/* a live stream cut off where it was killed: its end is unknown */
	return res.gaps || res.removed || res.approximate || res.orphaned ||
	       res.damaged_records ? 1 : 0;
}

int cmd_query(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "time", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "datadir", required_argument, NULL, 'd' },
		{ "server", required_argument, NULL, 'S' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "replay", no_argument, NULL, 'R' },
		{ "no-replay", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct query_opts o = { .datadir = COMO_DEFAULT_DATADIR, .fmt = OUT_PLAIN };
	const char *server = NULL, *token = NULL, *output = NULL;
	int replay = -1;	/* unasked: on demand where it can (as root) */
	int c;

	while ((c = getopt_long(argc, argv, "m:t:f:o:jd:S:Rh", lopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.module = optarg; break;
		case 't': o.window = optarg; break;
		case 'd': o.datadir = optarg; break;
		case 'S': server = optarg; break;
		case 'T': token = optarg; break;
		case 'o': output = optarg; break;
		case 'R': replay = 1; break;
		case 'N': replay = 0; break;
		case 'j': o.fmt = OUT_JSON; break;
		case 'f':
			o.pcap = !strcmp(optarg, "pcap");
			if (!o.pcap && out_format_parse(optarg, &o.fmt)) {
				pr_err("unknown format '%s' (plain, json, csv, "
				       "gnuplot, pcap)", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!o.module || optind < argc) {
		if (!o.module)
			pr_err("which module? give -m NAME");
		else
			pr_err("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (token && !server) {
		pr_err("--token-file is for --server");
		return 2;
	}
	if (replay > 0 && o.pcap) {
		pr_err("--replay answers with records: -f pcap is for the "
		       "trace module itself");
		return 2;
	}
	if (replay <= 0 && strchr(o.module, ':')) {
		pr_err("-m %s: module arguments are for --replay", o.module);
		return 2;
	}
	if (server && (o.pcap || output)) {
		pr_err("%s is for a data directory, not --server",
		       o.pcap ? "-f pcap" : "-o");
		return 2;
	}
	if (server)
		return query_server(server, token, &o, replay);
	if (o.pcap && !output && isatty(STDOUT_FILENO)) {
		pr_err("a pcap is binary: give -o FILE or redirect stdout");
		return 2;
	}
	/* loading BPF needs root: as anyone else, what is stored */
	if (replay < 0)
		replay = !o.pcap && !geteuid() && ondemand_possible(&o);
	return query_to(&o, output, replay);
}
