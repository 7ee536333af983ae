/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _COMO_CLI_H
#define _COMO_CLI_H

#define COMO_DEFAULT_DATADIR	"/var/lib/como"

int cmd_run(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_module(int argc, char **argv);
int cmd_status(int argc, char **argv);
/* como module new NAME [DIR] (scaffold.c): 0, or 1 after saying why */
int scaffold_new(const char *name, const char *dir);

#include <stdbool.h>

struct query_opts;
/*
 * como query --server URL: 0, or 1 after saying why (query_http.c);
 * REPLAY 1 asks for an on-demand answer (replay=1), 0 for what is stored
 * (replay=0), -1 leaves it to the server (on demand where it can)
 */
int query_server(const char *server, const char *token_file,
		 const struct query_opts *o, int replay);

#endif
