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
 *	end
 */
#ifndef _COMO_CONFIG_H
#define _COMO_CONFIG_H

#include <stdint.h>

#define COMO_DEFAULT_STREAMSIZE	(256ULL << 20)

struct como_modcfg {
	char *name;		/* instance name, names its stored stream */
	char *source;		/* module: a name on the module path, or a .so */
	char *filter;		/* NULL: every packet */
	char *args;		/* "k=10 interval=5s", may be NULL */
	uint64_t streamsize;	/* bytes of records kept on disk */
	uint64_t retain_ns;	/* how long records are kept; 0: no limit */
	uint32_t priority;
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
 * One module from the command line: NAME[:ARG[,ARG]...]; retain=AGE among
 * the arguments is the stream's, not the module's.
 */
int config_add_spec(struct como_config *cfg, const char *spec);
void config_clear_modules(struct como_config *cfg);
void config_free(struct como_config *cfg);

#endif
