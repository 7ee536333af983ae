// SPDX-License-Identifier: BSD-3-Clause
/* como module list: what can be loaded, from the module path. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "como.h"
#include "log.h"
#include "mod.h"

static int list(bool json)
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
				json_object_object_add(o, "name",
					json_object_new_string(m->desc->name));
				json_object_object_add(o, "path",
					json_object_new_string(path));
				json_object_object_add(o, "args",
					json_object_new_string(m->desc->args ?: ""));
				json_object_object_add(o, "summary",
					json_object_new_string(m->desc->summary ?: ""));
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
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return 0;
}

int cmd_module(int argc, char **argv)
{
	bool json = argc > 2 && (!strcmp(argv[2], "-j") ||
				 !strcmp(argv[2], "--json"));

	if (argc >= 2 && !strcmp(argv[1], "list") && (argc == 2 || json))
		return list(json);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: como module list [-j]\n"
		       "Loading and unloading modules on a running monitor "
		       "comes with live capture.\n");
		return 0;
	}
	fprintf(stderr, "usage: como module list [-j]\n");
	return 2;
}
