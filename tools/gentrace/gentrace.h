/*
 * gentrace.h - what the gentrace files share: the traffic model (hosts,
 * flows, the segment a protocol step hands to the framing), the
 * generator state and the functions one file calls in another.
 *
 * Every stage reads and updates the same struct flow and struct gen, so
 * they are defined once here rather than spread over the files that use
 * them.  Functions shared between files carry a gt_ prefix.
 */
#ifndef GENTRACE_H
#define GENTRACE_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "rng.h"

#define PROG		"gentrace"

#define MAX_PACKETS	4000000000ULL	/* per-flow counters are 32 bits */
#define MAX_FLOWS	10000000U
#define MIN_HOSTS	4U		/* two per address family */
#define MAX_HOSTS	10000000U	/* the IPv4 pool must fit in 10/8 */
#define MAX_SNAPLEN	262144U		/* libpcap's own ceiling */
#define MAX_UNIX_S	4294967295ULL	/* pcap stores 32-bit seconds */

#define ETH_MIN_FRAME	60		/* without FCS, as captured */
#define LINK_MTU	1500
#define FRAG_DATA	1480		/* largest 8-aligned IPv4 payload */
#define BUF_SIZE	2048		/* > 22 L2 + 48 L3 + 1480 L4 */
#define DGRAM_MAX	8192		/* largest ICMP echo we fragment */

#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8
#define ETH_P_IPV6	0x86dd

#define PROTO_HOPOPTS	0
#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_DSTOPTS	60
#define PROTO_ICMPV6	58

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct host {
	uint8_t addr[16];	/* IPv4 hosts use the first four bytes */
	uint8_t mac[6];
	uint8_t ttl;		/* initial TTL minus hops to the monitor */
	uint8_t windows;	/* Windows-like stack: ports, TCP options */
};

/* popularity: rank r is drawn with weight 1/(r+1)^s, perm maps rank to host */
struct zipf {
	double *cdf;
	uint32_t *perm;
	uint32_t n;
};

enum kind { K_TCP, K_DNS, K_NTP, K_QUIC, K_SYSLOG, K_ICMP, K_ARP, K_NKINDS };
enum app { APP_TLS, APP_HTTP, APP_SSH, APP_SMTP };

#define FL_V6		0x0001
#define FL_TSOPT	0x0002	/* TCP timestamps negotiated */
#define FL_RST		0x0004	/* TCP flow ends with a reset */
#define FL_SRVCLOSE	0x0008	/* server closes (FIN or RST) first */
#define FL_UPLOAD	0x0010	/* client is the bulk sender */
#define FL_DATA0	0x0020	/* client has sent application data */
#define FL_DATA1	0x0040	/* server has sent application data */
#define FL_REPLY	0x0080	/* next ICMP message is an echo reply */
#define FL_FIXED	0x0100	/* packet count set by the protocol */
#define FL_WINPING	0x0200	/* Windows ping payload pattern */

#define EXT_NONE	0
#define EXT_HBH		1
#define EXT_DST		2

struct flow {
	uint64_t next;		/* ns after trace start of the next packet */
	uint64_t end;		/* ns after trace start the flow ends by */
	uint64_t aux;		/* DNS seed, NTP client xmit, echo send time */
	double weight;		/* share of the scaled packet budget */
	uint32_t left;		/* packets still to write */
	uint32_t sent;		/* packets written */
	uint32_t cli, srv;	/* indices in the family's host pool */
	uint32_t seq[2];	/* next TCP sequence number per direction */
	uint32_t tsbase[2];	/* TCP timestamp clock offset per direction */
	uint32_t tslast[2];	/* last TSval per direction, echoed as TSecr */
	uint32_t label;		/* IPv6 flow label, ICMP identifier */
	uint32_t body;		/* HTTP response body bytes still to send */
	uint16_t flags;
	uint16_t cport, sport;
	uint16_t mss;		/* TCP MSS, QUIC datagram or ping size */
	uint16_t win[2];
	uint16_t ipid[2];
	uint16_t xch;		/* DNS/NTP exchanges, ICMP sequence, SSH
				 * messages per direction (one byte each) */
	uint16_t vid, svid;	/* 802.1Q VID, 802.1ad S-VID; 0: untagged */
	uint16_t dg_size;	/* ICMP echo in flight: data bytes, */
	uint16_t dg_len;	/* message length, */
	uint16_t dg_off;	/* bytes already written, */
	uint16_t dg_id;		/* IPv4 id shared by its fragments */
	uint8_t dg_dir;
	uint8_t kind, app, ext;
	uint8_t since_ack;
	uint8_t wscale;
};

/* SSH messages sent so far in direction dir, for payload_tcp.c and tcp.c */
static inline uint32_t ssh_count(const struct flow *f, int dir)
{
	return (f->xch >> (8 * dir)) & 0xff;
}

/* what a protocol step hands to the common IP/Ethernet framing */
struct seg {
	uint32_t len;		/* L4 bytes on the wire */
	uint32_t valid;		/* leading L4 bytes present in the buffer */
	int csum_off;		/* L4 checksum field, -1: already filled */
	uint16_t ipfrag;	/* IPv4 flags and fragment offset */
	uint16_t ipid;
	uint8_t own_id;		/* ipid/ipfrag set by the step */
	uint8_t dir;		/* 0: client to server */
	uint8_t proto;
};

struct stats {
	uint64_t pkts, wire, cap;
	uint64_t kind[K_NKINDS];
	uint64_t v4, v6, vlan, qinq, frag, ext;
	uint64_t flows;
};

struct opts {
	uint64_t packets;
	uint64_t seed;
	uint64_t start;
	double duration;
	uint32_t flows;
	uint32_t hosts;
	uint32_t snaplen;
	const char *out;
	int verbose;
};

struct gen {
	struct rng rng;
	struct host *h[2];	/* [0] IPv4, [1] IPv6 */
	uint32_t nh[2];
	struct zipf zc[2];	/* client popularity per family */
	struct zipf zs[2];	/* server popularity per family */
	struct flow *flows;
	uint32_t nflows;
	uint32_t *heap;
	uint32_t nheap;
	uint64_t start_ns;
	uint64_t dur_ns;
	uint32_t snaplen;
	pcap_dumper_t *dumper;
	struct stats st;
	uint8_t buf[BUF_SIZE];
	uint8_t dgram[DGRAM_MAX + 8];
};

/* csum.c */
uint64_t gt_csum_add(uint64_t sum, const uint8_t *p, size_t len);
uint16_t gt_csum_fold(uint64_t sum);
uint64_t gt_csum_pseudo(const uint8_t *src, const uint8_t *dst, int v6,
			uint8_t proto, uint32_t len);

/* hosts.c */
void gt_hosts_v4(struct rng *r, struct host *h, uint32_t n);
void gt_hosts_v6(struct rng *r, struct host *h, uint32_t n);
int gt_zipf_init(struct zipf *z, struct rng *r, uint32_t n, double s);
uint32_t gt_zipf_pick(const struct zipf *z, struct rng *r, uint32_t lim);

/* flows.c */
void gt_flow_pick(struct gen *g, struct flow *f);
void gt_flow_times(struct gen *g, struct flow *f);
void gt_flows_budget(struct gen *g, uint64_t budget);
int gt_flows_tag(struct gen *g, uint32_t nip, uint64_t packets);

/* gen.c */
int gt_gen_setup(struct gen *g, const struct opts *o);
void gt_gen_free(struct gen *g);
int gt_gen_run(struct gen *g);

/* payload_tcp.c */
uint32_t gt_tcp_app(struct gen *g, struct flow *f, int dir, uint64_t t,
		    uint8_t *p, uint32_t *plen, uint32_t room, uint32_t maxpay);

/* payload_udp.c; the sizes are checked against the definitions */
extern const char *const gt_dns_label[20];
extern const char *const gt_dns_zone[10];
uint32_t gt_dns_msg(uint8_t *p, uint64_t seed, int resp);
uint32_t gt_ntp_msg(struct gen *g, struct flow *f, int dir, uint64_t t,
		    uint8_t *p);
uint32_t gt_syslog_msg(struct gen *g, struct flow *f, uint64_t t, uint8_t *p);

/* tcp.c, udp.c, icmp.c: write a flow's next L4 segment into p */
void gt_tcp_step(struct gen *g, struct flow *f, uint64_t t, uint8_t *p,
		 uint32_t room, struct seg *s);
void gt_udp_step(struct gen *g, struct flow *f, uint64_t t, uint8_t *p,
		 uint32_t room, struct seg *s);
void gt_icmp_step(struct gen *g, struct flow *f, uint64_t t, uint8_t *p,
		  struct seg *s);

/* emit.c */
void gt_emit(struct gen *g, struct flow *f, uint64_t t);

#endif /* GENTRACE_H */
