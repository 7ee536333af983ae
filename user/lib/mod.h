/* SPDX-License-Identifier: BSD-3-Clause */
/* Finding, opening and describing modules; shared by comod and como. */
#ifndef _COMO_MOD_H
#define _COMO_MOD_H

#include <stdbool.h>
#include <stdint.h>
#include <como/module.h>

struct mod_so;

struct como_mod {
	const struct como_module *desc;
	void *dl;
	struct mod_so *so;	/* the file dl was loaded from (mod.c) */
	char *name;		/* instance name */
	char *path;		/* the .so */
	char *args;
	char *filter;
	uint64_t interval_ns;
	void *priv;
	/* where como_emit() sends records */
	int (*sink)(struct como_mod *m, uint64_t ts, const void *rec);
	/* where como_replay_bytes() sends a replayed packet's bytes */
	int (*replay_sink)(struct como_mod *m, const struct como_pkt *pkt,
			   const void *bytes, __u32 len);
	void *core;		/* the owner's per-instance data */
	/* its callbacks run in another process, fini() too (comod's export) */
	bool detached;
	/* como_log()'s last error during init(): why init() refused */
	bool in_init;
	char why[256];
	/* como_set_bpf_args(): the capture side's COMO_ARGS, before load */
	void *bpf_args;
	size_t bpf_args_size;
};

/*
 * Opens module SOURCE (a name on the module path or a .so path in one of
 * its directories), refused before dlopen() unless the file and every
 * directory above it belong to root (or us) and no one else can write
 * them.
 */
int mod_open(struct como_mod **mp, const char *name, const char *source,
	     const char *args, const char *filter);
/* Runs init() after checking the arguments against the module's list. */
int mod_init(struct como_mod *m);
void mod_close(struct como_mod *m);

/* The module path, for messages and 'como module list'. */
int mod_path_dirs(char dirs[][4096], int max);
/* Adds DIR (absolute) to the module path, after $COMO_MODULE_PATH. */
int mod_path_add(const char *dir);

/* Size of a record serialised by the schema. */
size_t schema_size(const struct como_field *schema);

#endif
