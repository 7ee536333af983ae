/* SPDX-License-Identifier: BSD-3-Clause */
/* Finding, opening and describing modules; shared by comod and como. */
#ifndef _COMO_MOD_H
#define _COMO_MOD_H

#include <stdbool.h>
#include <stdint.h>
#include <como/module.h>

struct como_mod {
	const struct como_module *desc;
	void *dl;
	char *name;		/* instance name */
	char *path;		/* the .so */
	char *args;
	char *filter;
	uint64_t interval_ns;
	void *priv;
	/* where como_emit() sends records */
	int (*sink)(struct como_mod *m, uint64_t ts, const void *rec);
	void *core;		/* the owner's per-instance data */
	/* its callbacks run in another process, fini() too (comod's export) */
	bool detached;
};

/* Opens module SOURCE (a name on the module path or a .so path). */
int mod_open(struct como_mod **mp, const char *name, const char *source,
	     const char *args, const char *filter);
/* Runs init() after checking the arguments against the module's list. */
int mod_init(struct como_mod *m);
void mod_close(struct como_mod *m);

/* The module path, for messages and 'como module list'. */
int mod_path_dirs(char dirs[][4096], int max);

/* Size of a record serialised by the schema. */
size_t schema_size(const struct como_field *schema);

#endif
