// SPDX-License-Identifier: BSD-3-Clause
/*
 * libpcap's half of the filters: tcpdump syntax to classic BPF. A file of
 * its own because <pcap/bpf.h> and <linux/bpf.h> cannot meet in one.
 *
 * Part of comod: called by filter.c; calls libpcap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "filter.h"
#include "log.h"

/* What a filter returns for a match: any non-zero value will do. */
#define FILTER_SNAPLEN	262144

int filter_compile(const char *who, const char *expr, int dlt,
		   struct cbpf_insn **insns, unsigned int *n)
{
	struct bpf_program prog;
	pcap_t *pc;
	int err = 0;

	pc = pcap_open_dead(dlt, FILTER_SNAPLEN);
	if (!pc)
		return -ENOMEM;
	if (pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		pr_err("module %s: filter \"%s\": %s", who, expr, pcap_geterr(pc));
		pcap_close(pc);
		return -EINVAL;
	}
	*n = prog.bf_len;
	*insns = calloc(prog.bf_len, sizeof(**insns));
	if (*insns)
		memcpy(*insns, prog.bf_insns, prog.bf_len * sizeof(**insns));
	else
		err = -ENOMEM;
	pcap_freecode(&prog);
	pcap_close(pc);
	return err;
}
