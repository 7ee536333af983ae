// SPDX-License-Identifier: BSD-3-Clause
/*
 * como query: a module's records over a time window, through the module's
 * own load() and the print layer. The window is relative to the end of the
 * data for a trace, to now for a live run.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "jsonutil.h"
#include "como.h"
#include "log.h"
#include "mod.h"
#include "out.h"
#include "store.h"
#include "timewin.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: como query -m MODULE [-t START:END] [-f FORMAT] [-d DIR]\n"
"\n"
"  -m, --module NAME    the module instance to read\n"
"  -t, --time WINDOW    e.g. -5m:0 (relative to the end of the data of a\n"
"                       trace, to now when live) or 1700000000:1700000300\n"
"                       (Unix seconds); default: all the data\n"
"  -f, --format FMT     plain (default), json, csv or gnuplot\n"
"  -j, --json           the same as -f json\n"
"  -d, --datadir DIR    where results are stored (default " COMO_DEFAULT_DATADIR ")\n"
"  -h, --help           this help\n");
}

/* For an unknown module: say which ones the data directory does have. */
static void list_streams(const char *datadir, const char *name)
{
	char have[1024] = "", path[4096];
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(datadir);

	while (d && (de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s/meta.json", datadir, de->d_name);
		if (de->d_name[0] == '.' || access(path, R_OK))
			continue;
		n += snprintf(have + n, n < sizeof(have) ? sizeof(have) - n : 0,
			      "%s%s", n ? ", " : "", de->d_name);
	}
	if (d)
		closedir(d);
	pr_err("no results of module '%s' in %s (it has: %s)", name, datadir,
	       n ? have : "none");
}

static int query(const char *datadir, const char *name, const char *window,
		 enum out_format fmt)
{
	uint64_t start = 0, end = UINT64_MAX, ts, ivl, ref;
	struct store_reader *r = NULL;
	struct json_object *meta;
	char dir[4096], path[4096];
	struct como_mod *m = NULL;
	struct timewin w;
	struct como_out out;
	const void *buf;
	const char *state;
	struct stat st;
	uint32_t len;
	void *rec = NULL;
	int err;

	if (window && timewin_parse(window, &w)) {
		pr_err("bad time window '%s': expected START:END, e.g. -5m:0 or "
		       "1700000000:1700000300", window);
		return -EINVAL;
	}
	if (stat(datadir, &st) || !S_ISDIR(st.st_mode)) {
		pr_err("data directory %s does not exist (give it with -d)",
		       datadir);
		return -ENOENT;
	}
	if (snprintf(dir, sizeof(dir), "%s/%s", datadir, name) >= (int)sizeof(dir) ||
	    snprintf(path, sizeof(path), "%s/meta.json", dir) >= (int)sizeof(path)) {
		pr_err("path too long: %s/%s", datadir, name);
		return -ENAMETOOLONG;
	}
	if (strchr(name, '/') || access(path, R_OK)) {
		list_streams(datadir, name);
		return -ENOENT;
	}
	meta = json_object_from_file(path);
	if (!meta || !json_str(meta, "path")) {
		pr_err("%s: unreadable or damaged", path);
		return -EBADMSG;
	}
	ivl = json_u64(meta, "interval_ns");
	state = json_str(meta, "state");
	ref = json_u64(meta, "last_ns");
	if (strcmp(json_str(meta, "source") ?: "", "trace")) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		ref = now.tv_sec * 1000000000ULL + now.tv_nsec;
	}
	if (window && timewin_resolve(&w, ref, &start, &end)) {
		pr_err("bad time window '%s': it ends before it starts", window);
		err = -EINVAL;
		goto out;
	}
	/* the module's own load() reads its records; find it as stored */
	err = mod_open(&m, name, json_str(meta, "path"), json_str(meta, "args"), NULL);
	if (err == -ENOENT)
		err = mod_open(&m, name, json_str(meta, "module"), json_str(meta, "args"),
			       NULL);
	if (!err)
		err = mod_init(m);
	if (err)
		goto out;
	/* a live monitor that is running is not partial: it is live */
	if (state && strcmp(state, "complete") &&
	    (strcmp(state, "running") || !strcmp(json_str(meta, "source") ?: "", "trace")))
		pr_warn("the run that wrote '%s' did not finish (%s): results "
			"are partial", name,
			json_str(meta, "stopped") ?: state);
	rec = calloc(1, m->desc->record_size);
	err = rec ? store_reader_open(&r, dir) : -ENOMEM;
	if (err)
		goto out;
	out_begin(&out, fmt, stdout, m->desc->schema);
	while ((err = store_read(r, &ts, &buf, &len)) == 1) {
		/* an interval counts when it overlaps the window */
		if (ts > end || ts + ivl <= start)
			continue;
		if (m->desc->load(m, buf, len, rec) < 0) {
			pr_warn("%s: a record of %u bytes that load() refuses, "
				"skipped", dir, len);
			continue;
		}
		if (m->desc->print)
			m->desc->print(m, ts, rec, &out);
		else
			out_record(&out, ts, rec);
	}
	out_end(&out);
	if (err < 0)
		pr_err("%s: %s", dir, strerror(-err));
out:
	store_reader_close(r);
	free(rec);
	mod_close(m);
	json_object_put(meta);
	return err < 0 ? err : 0;
}

int cmd_query(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "time", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "datadir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *datadir = COMO_DEFAULT_DATADIR, *name = NULL, *window = NULL;
	enum out_format fmt = OUT_PLAIN;
	int c;

	while ((c = getopt_long(argc, argv, "m:t:f:jd:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'm': name = optarg; break;
		case 't': window = optarg; break;
		case 'd': datadir = optarg; break;
		case 'j': fmt = OUT_JSON; break;
		case 'f':
			if (out_format_parse(optarg, &fmt)) {
				pr_err("unknown format '%s' (plain, json, csv, "
				       "gnuplot)", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!name || optind < argc) {
		if (!name)
			pr_err("which module? give -m NAME");
		else
			pr_err("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	return query(datadir, name, window, fmt) ? 1 : 0;
}
