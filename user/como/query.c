// SPDX-License-Identifier: BSD-3-Clause
/*
 * como query: a module's records over a time window. This file reads the
 * arguments and sets the exit code; the query engine (user/lib/query.c)
 * does the rest and prints its own errors through log.h.
 */
#include <getopt.h>
#include <stdio.h>
#include "como.h"
#include "log.h"
#include "out.h"
#include "query.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: como query -m MODULE [-t START:END] [-f FORMAT] [-d DIR]\n"
"       como query -m MODULE [-t START:END] [-f FORMAT] --server URL [--token-file FILE]\n"
"\n"
"  -m, --module NAME    the module instance to read\n"
"  -t, --time WINDOW    e.g. -5m:0 (relative to the end of the data of a\n"
"                       trace, to now when live), 1700000000:1700000300\n"
"                       (Unix seconds), 2023-11-14T22:13:20Z:2023-11-14T22:18:20Z\n"
"                       (RFC 3339), -1h: or :0 (open); default: all the data\n"
"  -f, --format FMT     plain (default), json, csv or gnuplot\n"
"  -j, --json           the same as -f json\n"
"  -d, --datadir DIR    where results are stored (default " COMO_DEFAULT_DATADIR ")\n"
"  -S, --server URL     ask a running comod's HTTP server instead, e.g.\n"
"                       http://127.0.0.1:44444 (comod --http)\n"
"      --token-file FILE\n"
"                       the bearer token that server asks for, its first line\n"
"  -h, --help           this help\n");
}

int cmd_query(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "time", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "datadir", required_argument, NULL, 'd' },
		{ "server", required_argument, NULL, 'S' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct query_opts o = { .datadir = COMO_DEFAULT_DATADIR, .fmt = OUT_PLAIN };
	struct query_result res;
	const char *server = NULL, *token = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "m:t:f:jd:S:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.module = optarg; break;
		case 't': o.window = optarg; break;
		case 'd': o.datadir = optarg; break;
		case 'S': server = optarg; break;
		case 'T': token = optarg; break;
		case 'j': o.fmt = OUT_JSON; break;
		case 'f':
			if (out_format_parse(optarg, &o.fmt)) {
				pr_err("unknown format '%s' (plain, json, csv, "
				       "gnuplot)", optarg);
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
	if (server)
		return query_server(server, token, &o);
	/* an answer with a hole in it (said on stderr) is no success */
	if (query_run(&o, stdout, &res))
		return 1;
	return res.gaps || res.removed || res.approximate ||
	       res.damaged_records ? 1 : 0;
}
