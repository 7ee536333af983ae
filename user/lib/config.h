/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration, in CoMo's syntax:
 *
 *	sniffer pcap "trace.pcap"	(or: sniffer xdp "eth0,eth1")
 *	datadir "/var/lib/como"
 *	budget 10GB			(the data directory's disk budget)
 *	http "127.0.0.1:44444"		(http-token-file "/etc/como/token")
 *	module "top destinations"
 *	  source "topdest"
 *	  filter "all"
 *	  args "k=20 interval=300s"
 *	  streamsize 5GB
 *	  retain 7d			(or retain=7d among -m's arguments)
 *	  send-to "127.0.0.1:9000"	(each record pushed, as JSON: push.c)
 *	  send-queue 10000		(records it holds while away)
 *	  send-drain 5s			(how long the run's end waits for it)
 *	end
 */
#ifndef _COMO_CONFIG_H
#define _COMO_CONFIG_H

#include <stdint.h>

#define COMO_DEFAULT_STREAMSIZE	(256ULL << 20)
#define COMO_DEFAULT_SEND_QUEUE	10000ULL
#define COMO_DEFAULT_SEND_DRAIN	(5ULL * 1000000000)
#define COMO_SEND_QUEUE_MAX	(1ULL << 24)

struct como_modcfg {
	char *name;		/* instance name, names its stored stream */
	char *source;		/* module: a name on the module path, or a .so */
	char *filter;		/* NULL: every packet */
	char *args;		/* "k=10 interval=5s", may be NULL */
	uint64_t streamsize;	/* bytes of records kept on disk */
	uint64_t retain_ns;	/* how long records are kept; 0: no limit */
	uint32_t priority;
	char *send_to;		/* HOST:PORT its records are pushed to, or NULL */
	uint64_t send_queue;	/* records held for it; past that, the oldest go */
	uint64_t send_drain_ns;	/* the run's end waits this long for it */
	const char *origin;	/* "FILE:LINE" or "-m" for error messages */
};

struct como_config {
	char *trace;		/* sniffer pcap FILE */
	char *ifaces;		/* sniffer xdp IFACE[,IFACE...] (libpcap too) */
	char *datadir;
	uint64_t budget;	/* bytes the data directory may take; 0: any */
	char *http;		/* http ADDR:PORT: comod's query server */
	char *http_token_file;	/* the bearer token it asks for */
	struct como_modcfg *mods;
	unsigned int nmods;
};

int config_load(struct como_config *cfg, const char *path);
/*
 * One module from the command line: NAME[:ARG[,ARG]...]; retain=AGE,
 * send-to=HOST:PORT, send-queue=N and send-drain=DURATION among the
 * arguments are the stream's, not the module's.
 */
int config_add_spec(struct como_config *cfg, const char *spec);
/*
 * A module loaded into a running monitor (como module load NAME --args
 * ARGS): ARGS split as -m's, the module's into M->args, the stream's
 * (retain=, send-*) into M's fields. 0, or -EINVAL after one line
 * (nothing to free then); config_mod_free() after use.
 */
int config_mod_args(struct como_modcfg *m, const char *name, const char *args);
void config_mod_free(struct como_modcfg *m);
/* --send-to MODULE=HOST:PORT: a module already asked for. */
int config_send_to(struct como_config *cfg, const char *spec);
void config_clear_modules(struct como_config *cfg);
void config_free(struct como_config *cfg);

#endif
