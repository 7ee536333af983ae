/*
 * gentrace - write a deterministic, realistic-looking pcap trace.
 *
 * como's tests and benchmarks need traffic that has the shape of a real
 * link (heavy-tailed host popularity, flow and packet sizes, a protocol
 * mix with the odd VLAN tag, IPv4 fragment, IPv6 extension header and ARP
 * frame) yet is reproducible byte for byte from a seed, so results can be
 * compared across runs and machines without shipping captures around.
 *
 * Nothing is sent anywhere: addresses come from private and documentation
 * ranges and only ever end up as bytes in the output file.
 *
 * This file is the command line: options, --help, the summary and
 * main().  The model and the packet writers are in the other files of
 * tools/gentrace/ (see gentrace.h).
 *
 * Build: cc -O2 -Wall -Wextra -o gentrace <all the .c files here> \
 *            $(pkg-config --cflags --libs libpcap) -lm
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "gentrace.h"

static const char *const kind_name[K_NKINDS] = {
	"tcp", "dns", "ntp", "quic", "syslog", "icmp", "arp",
};

static const char usage_text[] =
"NAME\n"
"    gentrace - write a deterministic, realistic pcap trace\n"
"\n"
"SYNOPSIS\n"
"    gentrace [-v] [-n PACKETS] [-f FLOWS] [-H HOSTS] [-d DURATION_S]\n"
"             [-s SEED] [-c SNAPLEN] [-S START_UNIX_S] -o FILE.pcap\n"
"    gentrace -h | --help\n"
"\n"
"DESCRIPTION\n"
"    Writes exactly PACKETS Ethernet frames to FILE.pcap, a nanosecond\n"
"    pcap file (magic a1b23c4d, link type EN10MB).  Timestamps never go\n"
"    backwards and spread over DURATION_S seconds from START_UNIX_S.\n"
"    The same options and SEED give a byte-identical file: the content\n"
"    depends on nothing else (no clock, no environment, no host byte\n"
"    order; only the C library's exp/log/pow, so keep the same libm to\n"
"    compare files across machines).  Nothing is sent on any network.\n"
"\n"
"OPTIONS\n"
"    -n, --packets=N    frames to write, 0..4000000000 (default 200000)\n"
"    -f, --flows=N      IP flows, 1..10000000 (default 4000); with fewer\n"
"                       packets than flows some flows stay empty\n"
"    -H, --hosts=N      host pool, 4..10000000 (default 3000); 4/5 IPv4,\n"
"                       1/5 IPv6\n"
"    -d, --duration=S   trace length in seconds, may be fractional\n"
"                       (default 60)\n"
"    -s, --seed=N       PRNG seed, 0..2^64-1 (default 1)\n"
"    -c, --snaplen=N    capture length, 1..262144 (default 128); frames\n"
"                       are stored truncated, the original length is kept\n"
"    -S, --start=S      Unix time of the trace start (default 1700000000)\n"
"    -o, --output=FILE  output file, '-' for standard output\n"
"    -v, --verbose      print a summary on standard error\n"
"    -h, --help         print this text\n"
"\n"
"TRAFFIC MODEL\n"
"    Hosts: IPv4 in 10.0.0.0/8 plus 192.0.2.0/24, 198.51.100.0/24 and\n"
"    203.0.113.0/24; IPv6 in 2001:db8::/32.  Clients and servers are\n"
"    drawn with Zipf popularity (exponents 0.3 and 0.95), so a few\n"
"    servers carry most of the bytes.  DNS and NTP go to 4 servers,\n"
"    syslog to 2.  A quarter of the hosts behave like Windows (TTL 128,\n"
"    ports 49152-65535, no TCP timestamps), the rest like Linux.\n"
"    Flows: 70% TCP (443, 80, 22, 8080, 993, 25, 853), 25% UDP (DNS,\n"
"    QUIC on 443, NTP, syslog), 5% ICMP/ICMPv6 echo; 80% IPv4, 20% IPv6.\n"
"    Flow sizes: DNS, NTP, pings and 30% of TCP flows (SYN only, refused,\n"
"    half-open, short) have protocol-given sizes; the rest share the\n"
"    remaining budget by Pareto weights, no flow above 5% of it.\n"
"    TCP: SYN/SYN-ACK/ACK with MSS, SACK, window scale and timestamp\n"
"    options, data with an ACK every two segments, FIN/ACK or RST close,\n"
"    consistent sequence and acknowledgement numbers.  Packet sizes are\n"
"    bimodal: pure ACKs and small requests, full-MSS segments up to\n"
"    1500-byte IP packets, log-uniform sizes in between.\n"
"    Payloads: DNS queries and answers, NTP, syslog, ping patterns, HTTP\n"
"    heads (short enough to be captured whole when the snap length\n"
"    allows) with Content-Length kept, the SSH banner and key exchange,\n"
"    SMTP greeting, TLS record headers, QUIC Initial long headers then\n"
"    short headers; everything else, like encrypted data, is\n"
"    pseudo-random.\n"
"    Flows interleave: each starts at a random time and its packets are\n"
"    spread over its lifetime.\n"
"    About 0.1% of frames are ARP, 3% carry an 802.1Q tag and 0.05% an\n"
"    802.1ad (0x88a8) plus 802.1Q tag, 3% of IPv6 packets have a\n"
"    hop-by-hop or destination options header, and a quarter of the\n"
"    Linux IPv4 ping flows send echoes too large for one frame, which\n"
"    are fragmented.\n"
"\n"
"CHECKSUMS AND TRUNCATION\n"
"    IPv4 header, TCP, UDP, ICMP and ICMPv6 checksums are all computed.\n"
"    Pseudo-random payload past the snap length is never generated and\n"
"    counts as zeros; protocol payloads are summed in full.  With -c\n"
"    1522 or more every frame is complete and every checksum verifies.\n"
"    Frames shorter than 60 bytes are zero-padded to 60 as on the wire;\n"
"    there is no FCS.\n"
"\n"
"EXIT STATUS\n"
"    0 on success, 1 on a runtime error (cannot open or write FILE, out\n"
"    of memory), 2 on a usage error (unknown option, bad value, missing\n"
"    -o).  Errors are one line on standard error; a partly written\n"
"    regular file is removed.\n"
"\n"
"EXAMPLES\n"
"    gentrace -o t.pcap\n"
"    gentrace -n 1000000 -f 20000 -H 10000 -d 300 -s 7 -c 1600 -o big.pcap\n"
"    gentrace -n 1000 -o - | tshark -r - -q -z io,phs\n";

static int bad_value(char opt, const char *arg)
{
	fprintf(stderr, PROG ": bad -%c value '%s'\n", opt, arg);
	return 2;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')	/* strtoull takes spaces and '-' */
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "packets", required_argument, NULL, 'n' },
		{ "flows", required_argument, NULL, 'f' },
		{ "hosts", required_argument, NULL, 'H' },
		{ "duration", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "snaplen", required_argument, NULL, 'c' },
		{ "start", required_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:f:H:d:s:c:S:o:vh", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, 0, MAX_PACKETS, &o->packets))
				return bad_value(c, optarg);
			break;
		case 'f':
			if (parse_u64(optarg, 1, MAX_FLOWS, &v))
				return bad_value(c, optarg);
			o->flows = v;
			break;
		case 'H':
			if (parse_u64(optarg, MIN_HOSTS, MAX_HOSTS, &v))
				return bad_value(c, optarg);
			o->hosts = v;
			break;
		case 'd':
			errno = 0;
			o->duration = strtod(optarg, &end);
			if ((*optarg < '0' || *optarg > '9') && *optarg != '.')
				return bad_value(c, optarg);
			if (errno || *end || !isfinite(o->duration) ||
			    o->duration * 1e9 < 1 ||
			    o->duration > (double)MAX_UNIX_S)
				return bad_value(c, optarg);
			break;
		case 's':
			if (parse_u64(optarg, 0, UINT64_MAX, &o->seed))
				return bad_value(c, optarg);
			break;
		case 'c':
			if (parse_u64(optarg, 1, MAX_SNAPLEN, &v))
				return bad_value(c, optarg);
			o->snaplen = v;
			break;
		case 'S':
			if (parse_u64(optarg, 0, MAX_UNIX_S, &o->start))
				return bad_value(c, optarg);
			break;
		case 'o':
			if (!*optarg)
				return bad_value(c, optarg);
			o->out = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			if (optopt)
				fprintf(stderr, PROG ": option -%c needs a value\n",
					optopt);
			else
				fprintf(stderr, PROG ": option %s needs a value\n",
					argv[optind - 1]);
			return 2;
		default:
			if (optopt)
				fprintf(stderr, PROG ": unknown option -%c\n",
					optopt);
			else
				fprintf(stderr, PROG ": unknown option %s\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	if (!o->out) {
		fprintf(stderr, PROG ": missing -o FILE (see --help)\n");
		return 2;
	}
	if ((double)o->start + ceil(o->duration) > (double)MAX_UNIX_S) {
		fprintf(stderr, PROG ": -S plus -d goes past 2106, which pcap cannot store\n");
		return 2;
	}
	return -1;
}

static void summary(const struct gen *g, const struct opts *o)
{
	const struct stats *st = &g->st;
	int k;

	fprintf(stderr, PROG ": wrote %" PRIu64 " packets to %s: %" PRIu64
		" bytes on the wire, %" PRIu64 " captured (snaplen %u)\n",
		st->pkts, o->out, st->wire, st->cap, o->snaplen);
	fprintf(stderr, PROG ": %" PRIu64 " non-empty flows over %u IPv4 and "
		"%u IPv6 hosts, %.9g s from %" PRIu64 ", seed %" PRIu64 "\n",
		st->flows, g->nh[0], g->nh[1], o->duration, o->start, o->seed);
	fprintf(stderr, PROG ": packets:");
	for (k = 0; k < K_NKINDS; k++)
		fprintf(stderr, " %s %" PRIu64, kind_name[k], st->kind[k]);
	fprintf(stderr, "\n");
	fprintf(stderr, PROG ": ipv4 %" PRIu64 " (fragments %" PRIu64
		"), ipv6 %" PRIu64 " (extension header %" PRIu64 "), 802.1q %"
		PRIu64 ", qinq %" PRIu64 "\n", st->v4, st->frag, st->v6,
		st->ext, st->vlan, st->qinq);
}

int main(int argc, char **argv)
{
	struct opts o = {
		.packets = 200000,
		.flows = 4000,
		.hosts = 3000,
		.duration = 60,
		.seed = 1,
		.snaplen = 128,
		.start = 1700000000,
	};
	struct gen *g;
	struct stat sb;
	pcap_t *pd;
	FILE *fp;
	int to_stdout, regular, rc;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;

	rc = 1;
	g = calloc(1, sizeof(*g));
	if (!g || gt_gen_setup(g, &o)) {
		fprintf(stderr, PROG ": out of memory\n");
		goto err_gen;
	}

	to_stdout = !strcmp(o.out, "-");
	fp = to_stdout ? stdout : fopen(o.out, "wb");
	if (!fp) {
		fprintf(stderr, PROG ": cannot open %s: %s\n", o.out,
			strerror(errno));
		goto err_gen;
	}
	/* only a regular file of our own may be removed after a failure */
	regular = !to_stdout && !fstat(fileno(fp), &sb) && S_ISREG(sb.st_mode);
	/* stdio's default buffer costs a syscall every few packets */
	setvbuf(fp, NULL, _IOFBF, 1 << 20);

	pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, o.snaplen,
						  PCAP_TSTAMP_PRECISION_NANO);
	if (!pd) {
		fprintf(stderr, PROG ": cannot set up libpcap\n");
		goto err_file;
	}
	g->dumper = pcap_dump_fopen(pd, fp);
	if (!g->dumper) {
		fprintf(stderr, PROG ": cannot open %s: %s\n", o.out,
			pcap_geterr(pd));
		goto err_pcap;
	}

	errno = 0;
	if (gt_gen_run(g) || pcap_dump_flush(g->dumper) || ferror(fp)) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", o.out,
			errno ? strerror(errno) : "I/O error");
		goto err_dump;
	}
	rc = 0;
	if (o.verbose)
		summary(g, &o);

err_dump:
	pcap_dump_close(g->dumper);	/* closes fp */
	fp = NULL;
	if (rc && regular)
		unlink(o.out);		/* a truncated trace is a trap */
err_pcap:
	pcap_close(pd);
err_file:
	if (fp && !to_stdout)
		fclose(fp);
err_gen:
	if (g)
		gt_gen_free(g);
	free(g);
	return rc;
}
