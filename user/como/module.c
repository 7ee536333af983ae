// SPDX-License-Identifier: BSD-3-Clause
/*
 * como module: avail (what can be loaded, from the module path); list,
 * load and unload on a running monitor, through its control socket.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "jsonutil.h"
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include "como.h"
#include "ctl_client.h"
#include "log.h"
#include "mod.h"

static int avail(bool json)
{
	struct json_object *arr = json_object_new_array(), *o;
	char dirs[8][4096], path[8192];
	int n = mod_path_dirs(dirs, 8), i;
	struct como_mod *m;
	struct dirent *de;
	DIR *d;

	if (!json)
		printf("%-12s %-32s %s\n", "module", "arguments", "summary");
	for (i = 0; i < n; i++) {
		d = opendir(dirs[i]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);

			if (l < 4 || strcmp(de->d_name + l - 3, ".so"))
				continue;
			snprintf(path, sizeof(path), "%.4000s/%.255s", dirs[i], de->d_name);
			if (mod_open(&m, NULL, path, NULL, NULL))
				continue;
			if (json) {
				o = json_object_new_object();
				json_add_str(o, "name", m->desc->name);
				json_add_str(o, "path", path);
				json_add_str(o, "args", m->desc->args ?: "");
				json_add_str(o, "summary", m->desc->summary ?: "");
				json_object_array_add(arr, o);
			} else {
				printf("%-12s %-32s %s\n", m->desc->name,
				       m->desc->args ?: "", m->desc->summary ?: "");
			}
			mod_close(m);
		}
		closedir(d);
	}
	if (json)
		puts(json_object_to_json_string_ext(arr, JSON_PRETTY));
	json_object_put(arr);
	return 0;
}

static const char *mstr(struct nlattr **m, int type)
{
	return m[type] ? nla_get_string(m[type]) : "";
}

static __u64 mu64(struct nlattr **m, int type)
{
	return m[type] ? nla_get_u64(m[type]) : 0;
}

/* The modules of the running monitor, with their figures. */
static int list(const char *sock, bool json)
{
	static struct nla_policy mp[COMO_MOD_A_MAX + 1] = {
		[COMO_MOD_A_NAME] = { .type = NLA_STRING },
	};
	struct nl_msg *req = ctl_request_new(COMO_CMD_GET_MODULES);
	struct nlattr *tb[COMO_A_MAX + 1], *m[COMO_MOD_A_MAX + 1], *a;
	struct json_object *arr = json_object_new_array(), *o;
	struct genlmsghdr *gh;
	void *keep = NULL;
	int err, rem;

	err = req ? ctl_call(sock, req, tb, &keep) : -ENOMEM;
	nlmsg_free(req);
	if (err) {
		json_object_put(arr);
		return 1;
	}
	gh = nlmsg_data((struct nlmsghdr *)keep);
	if (!json)
		printf("%-16s %-8s %5s %12s %14s %10s %8s  %s\n", "module",
		       "state", "slot", "packets", "bytes", "records",
		       "errors", "filter");
	nla_for_each_attr(a, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0),
			  rem) {
		if (nla_type(a) != COMO_A_MODULE ||
		    nla_parse_nested(m, COMO_MOD_A_MAX, a, mp))
			continue;
		if (json) {
			o = json_object_new_object();
			json_add_str(o, "name", mstr(m, COMO_MOD_A_NAME));
			json_add_str(o, "source", mstr(m, COMO_MOD_A_SOURCE));
			json_add_str(o, "args", mstr(m, COMO_MOD_A_ARGS));
			json_add_str(o, "filter", mstr(m, COMO_MOD_A_FILTER));
			json_add_str(o, "state", "running");
			json_object_object_add(o, "slot", json_object_new_int(
				m[COMO_MOD_A_SLOT] ? nla_get_u32(m[COMO_MOD_A_SLOT]) : 0));
			json_add_u64(o, "pkts", mu64(m, COMO_MOD_A_PKTS));
			json_add_u64(o, "bytes", mu64(m, COMO_MOD_A_BYTES));
			json_add_u64(o, "records", mu64(m, COMO_MOD_A_RECORDS));
			json_add_u64(o, "errors", mu64(m, COMO_MOD_A_ERRORS));
			json_object_array_add(arr, o);
		} else {
			printf("%-16s %-8s %5u %12llu %14llu %10llu %8llu  %s\n",
			       mstr(m, COMO_MOD_A_NAME), "running",
			       m[COMO_MOD_A_SLOT] ? nla_get_u32(m[COMO_MOD_A_SLOT]) : 0,
			       (unsigned long long)mu64(m, COMO_MOD_A_PKTS),
			       (unsigned long long)mu64(m, COMO_MOD_A_BYTES),
			       (unsigned long long)mu64(m, COMO_MOD_A_RECORDS),
			       (unsigned long long)mu64(m, COMO_MOD_A_ERRORS),
			       m[COMO_MOD_A_FILTER] ? mstr(m, COMO_MOD_A_FILTER) : "all");
		}
	}
	if (json)
		puts(json_object_to_json_string_ext(arr, JSON_PRETTY));
	json_object_put(arr);
	free(keep);
	return 0;
}

/* load SOURCE [--name N] [--args A] [--filter F]; unload NAME */
static int change(const char *sock, __u8 cmd, const char *source,
		  const char *name, const char *args, const char *filter)
{
	struct nl_msg *req = ctl_request_new(cmd);
	struct nlattr *tb[COMO_A_MAX + 1], *nest;
	void *keep = NULL;
	int err;

	if (!req)
		return 1;
	nest = nla_nest_start(req, COMO_A_MODULE);
	if (source)
		nla_put_string(req, COMO_MOD_A_SOURCE, source);
	if (name)
		nla_put_string(req, COMO_MOD_A_NAME, name);
	if (args)
		nla_put_string(req, COMO_MOD_A_ARGS, args);
	if (filter)
		nla_put_string(req, COMO_MOD_A_FILTER, filter);
	nla_nest_end(req, nest);
	err = ctl_call(sock, req, tb, &keep);
	nlmsg_free(req);
	free(keep);
	return err ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: como module list [-j] [-s SOCKET]\n"
"       como module load NAME|PATH [--name N] [--args ARGS] [--filter EXPR]\n"
"                        [-s SOCKET]\n"
"       como module unload NAME [-s SOCKET]\n"
"       como module avail [-j]\n"
"\n"
"list, load and unload talk to a running live monitor (comod -i) on its\n"
"control socket (default /run/como/comod.sock, or $COMO_SOCKET); loading or\n"
"unloading one module leaves every other module's state and epochs as they\n"
"are. avail lists the modules installed on the module path.\n");
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
	usage(stderr);
	return 2;
}
