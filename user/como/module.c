// SPDX-License-Identifier: BSD-3-Clause
/*
 * como module: avail (what can be loaded, from the module path); new (a
 * module's folder, scaffold.c); list, load and unload on a running
 * monitor, through its control socket.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include "como.h"
#include "ctl_requests.h"
#include "log.h"
#include "mod.h"

/* The module at PATH, when it opens: a row, an object of the JSON array. */
static void avail_one(struct como_out *o, const char *path)
{
	struct como_mod *m;

	if (mod_open(&m, NULL, path, NULL, NULL))
		return;
	out_object_begin(o, NULL);
	out_str(o, "name", "%-12s", m->desc->name);
	out_str(o, "path", NULL, path);
	out_str(o, "args", " %-32s", m->desc->args ?: "");
	out_str(o, "summary", " %s\n", m->desc->summary ?: "");
	out_object_end(o);
	mod_close(m);
}

static int avail(bool json)
{
	char dirs[8][4096], path[8192];
	int n = mod_path_dirs(dirs, 8), i;
	struct como_out o;
	struct dirent *de;
	size_t l;
	DIR *d;

	out_begin(&o, json ? OUT_JSON : OUT_PLAIN, stdout, NULL);
	o.pretty = true;
	out_text(&o, "%-12s %-32s %s\n", "module", "arguments", "summary");
	out_array_begin(&o, NULL);
	for (i = 0; i < n; i++) {
		d = opendir(dirs[i]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			l = strlen(de->d_name);
			if (l < 4 || strcmp(de->d_name + l - 3, ".so"))
				continue;
			snprintf(path, sizeof(path), "%.4000s/%.255s", dirs[i],
				 de->d_name);
			avail_one(&o, path);
		}
		closedir(d);
	}
	out_array_end(&o);
	out_end(&o);
	return 0;
}

/*
 * One module: a row of the table, an object of the JSON array. The state
 * is comod's: running, or stopped, and then a line under the row says why
 * and how many epochs it lost; the filter comes last as text, with the
 * source and arguments as JSON.
 */
static void list_one(struct como_out *o, const struct como_mod_info *m)
{
	out_object_begin(o, NULL);
	out_str(o, "name", "%-16s", m->name);
	out_str(o, "source", NULL, m->source ?: "");
	out_str(o, "args", NULL, m->args ?: "");
	out_str(o, "filter", NULL, m->filter ?: "");
	out_str(o, "state", " %-8s", m->state == COMO_MOD_STATE_STOPPED ?
		"stopped" : "running");
	out_u64(o, "slot", " %5llu", m->slot);
	out_u64(o, "pkts", " %12llu", m->pkts);
	out_u64(o, "bytes", " %14llu", m->bytes);
	out_u64(o, "records", " %10llu", m->records);
	out_u64(o, "errors", " %8llu", m->errors);
	out_str(o, NULL, "  %s\n", m->filter ?: "all");
	if (m->reason) {
		out_str(o, "reason", "                 stopped: %s", m->reason);
		out_u64(o, "lost_epochs", "; %llu epochs lost\n", m->lost_epochs);
	}
	out_object_end(o);
}

/* The modules of the running monitor, with their figures. */
static int list(const char *sock, bool json)
{
	struct ctl_modules mods;
	struct ctl_conn conn;
	struct como_out o;
	unsigned int i;
	int err;

	if (ctl_comod_connect(&conn, sock))
		return 1;
	err = ctl_get_modules(&conn, &mods);
	ctl_disconnect(&conn);
	if (err) {
		pr_err("%s", conn.why);
		return 1;
	}
	out_begin(&o, json ? OUT_JSON : OUT_PLAIN, stdout, NULL);
	o.pretty = true;
	out_text(&o, "%-16s %-8s %5s %12s %14s %10s %8s  %s\n", "module",
		 "state", "slot", "packets", "bytes", "records", "errors",
		 "filter");
	out_array_begin(&o, NULL);
	for (i = 0; i < mods.n; i++)
		list_one(&o, &mods.v[i]);
	out_array_end(&o);
	out_end(&o);
	ctl_modules_free(&mods);
	return 0;
}

/* A string of a request: the option that gave it, its uapi attribute. */
struct req_str {
	const char *opt;
	int type;
	size_t max;		/* the uapi's limit, its NUL included */
	const char *val;	/* NULL: not given */
};

/*
 * Puts the strings into REQ's nest, each checked against its limit first:
 * comod's policy would refuse it, and nla_put_string() refuses what does
 * not fit in the message, so a long one is never sent short or not at all.
 */
static int put_strings(struct nl_msg *req, const struct req_str *s,
		       unsigned int n)
{
	unsigned int i;
	size_t len;

	for (i = 0; i < n; i++) {
		if (!s[i].val)
			continue;
		len = strlen(s[i].val);
		if (len >= s[i].max) {
			pr_err("%s: %zu characters, at most %zu", s[i].opt, len,
			       s[i].max - 1);
			return -E2BIG;
		}
		if (nla_put_string(req, s[i].type, s[i].val)) {
			pr_err("%s: %zu characters do not fit in one control "
			       "message", s[i].opt, len);
			return -EMSGSIZE;
		}
	}
	return 0;
}

/* load SOURCE [--name N] [--args A] [--filter F]; unload NAME */
static int change(const char *sock, __u8 cmd, const char *source,
		  const char *name, const char *args, const char *filter)
{
	const struct req_str strs[] = {
		{ "module", COMO_MOD_A_SOURCE, COMO_PATH_MAX, source },
		/* unload's NAME is its argument, load's the --name option */
		{ source ? "--name" : "name", COMO_MOD_A_NAME, COMO_NAME_MAX,
		  name },
		{ "--args", COMO_MOD_A_ARGS, COMO_ARGS_MAX, args },
		{ "--filter", COMO_MOD_A_FILTER, COMO_FILTER_MAX, filter },
	};
	struct nl_msg *req = ctl_request_new(cmd);
	struct nlattr *tb[COMO_A_MAX + 1], *nest;
	void *keep = NULL;
	int err;

	if (!req) {
		pr_err("%s", strerror(ENOMEM));
		return 1;
	}
	nest = nla_nest_start(req, COMO_A_MODULE);
	if (!nest) {
		pr_err("%s", strerror(EMSGSIZE));
		goto err_free;
	}
	if (put_strings(req, strs, sizeof(strs) / sizeof(strs[0])))
		goto err_free;
	nla_nest_end(req, nest);
	err = ctl_call(sock, req, tb, &keep);
	nlmsg_free(req);
	free(keep);
	return err ? 1 : 0;

err_free:
	nlmsg_free(req);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: como module list [-j] [-s SOCKET]\n"
"       como module load NAME|PATH [--name N] [--args ARGS] [--filter EXPR]\n"
"                        [-s SOCKET]\n"
"       como module unload NAME [-s SOCKET]\n"
"       como module avail [-j]\n"
"       como module new NAME [DIR]\n"
"\n"
"list, load and unload talk to a running live monitor (comod -i) on its\n"
"control socket (default /run/como/comod.sock, or $COMO_SOCKET); loading or\n"
"unloading one module leaves every other module's state and epochs as they\n"
"are. avail lists the modules installed on the module path. new writes a\n"
"module's folder (default ./NAME) that builds, loads and passes its own\n"
"test: NAME.h, NAME.bpf.c, NAME.c, Makefile, test.t, README.md.\n");
}

static bool is_verb(const char *verb)
{
	static const char *const verbs[] = {
		"avail", "list", "load", "unload", "new", NULL
	};
	unsigned int i;

	for (i = 0; verbs[i]; i++)
		if (!strcmp(verb, verbs[i]))
			return true;
	return false;
}

int cmd_module(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "args", required_argument, NULL, 'a' },
		{ "filter", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *sock = NULL, *name = NULL, *args = NULL, *filter = NULL;
	const char *verb = argc > 1 ? argv[1] : "";
	bool json = false;
	int c;

	if (*verb && strcmp(verb, "-h") && strcmp(verb, "--help") &&
	    !is_verb(verb)) {
		pr_err("module: unknown command '%s' (see 'como module --help')",
		       verb);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "js:n:a:f:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 's': sock = optarg; break;
		case 'n': name = optarg; break;
		case 'a': args = optarg; break;
		case 'f': filter = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	sock = ctl_socket_path(sock);
	if (!strcmp(verb, "-h") || !strcmp(verb, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(verb, "avail") && optind == argc)
		return avail(json);
	if (!strcmp(verb, "list") && optind == argc)
		return list(sock, json);
	if (!strcmp(verb, "load") && optind == argc - 1)
		return change(sock, COMO_CMD_LOAD_MODULE, argv[optind], name,
			      args, filter);
	if (!strcmp(verb, "unload") && optind == argc - 1)
		return change(sock, COMO_CMD_UNLOAD_MODULE, NULL, argv[optind],
			      NULL, NULL);
	if (!strcmp(verb, "new") && (optind == argc - 1 || optind == argc - 2))
		return scaffold_new(argv[optind],
				    optind == argc - 2 ? argv[optind + 1] : NULL);
	usage(stderr);
	return 2;
}
