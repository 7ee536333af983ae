// SPDX-License-Identifier: BSD-3-Clause
/*
 * como: the command line. OBJECT COMMAND, as iproute2 does it, with exact
 * matching of command names. Exit codes: 0 ok, 1 error, 2 usage.
 */
#include <stdio.h>
#include <string.h>
#include "como.h"
#include "log.h"

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "run", cmd_run, "process a trace or capture live (runs comod)" },
	{ "query", cmd_query, "print a module's stored results" },
	{ "module", cmd_module, "modules: avail, new, and list, load, unload on a live monitor" },
	{ "status", cmd_status, "what a live monitor reads and has seen" },
	{}
};

static void usage(FILE *f)
{
	const struct cmd *c;

	fprintf(f, "usage: como COMMAND [OPTIONS]\n\ncommands:\n");
	for (c = cmds; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->help);
	fprintf(f, "\n'como COMMAND --help' tells more. Examples:\n"
		"  como run --trace t.pcap -d data -m counter -m topdest:k=20\n"
		"  como query -d data -m topdest -t -5m:0 -f json\n"
		"  como run -i eth0 -d data -m counter &  como module load topdest\n");
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	char safe[1024];

	log_init("como", 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (c = cmds; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	log_escape(safe, sizeof(safe), argv[1], true);
	fprintf(stderr, "como: unknown command '%s'\n", safe);
	usage(stderr);
	return 2;
}
