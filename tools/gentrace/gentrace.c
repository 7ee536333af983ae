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
 * Build: cc -O2 -Wall -Wextra -o gentrace gentrace.c \
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
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

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

#define NTP_UNIX_DELTA	2208988800ULL

/* ------------------------------------------------------------------ */
/* PRNG: xoshiro256** seeded through splitmix64, never rand()/time().   */

struct rng {
	uint64_t s[4];
};

/* splitmix64's finaliser is a bijection, which makes unique ids cheap */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++) {
		seed += 0x9e3779b97f4a7c15ULL;
		r->s[i] = mix64(seed);
	}
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_u64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* [0, 1) */
static inline double rng_unit(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

/* (0, 1]: safe to take the log of */
static inline double rng_unit_pos(struct rng *r)
{
	return (double)((rng_u64(r) >> 11) + 1) * 0x1.0p-53;
}

/* [0, n); the bias of the multiply-shift is far below anything visible */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_u64(r) >> 32) * n) >> 32);
}

/* [lo, hi] */
static inline uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* log-uniform in [lo, hi): scale-free sizes and gaps */
static double rng_logu(struct rng *r, double lo, double hi)
{
	return lo * exp(rng_unit(r) * log(hi / lo));
}

static double rng_pareto(struct rng *r, double xm, double alpha)
{
	return xm * pow(rng_unit_pos(r), -1.0 / alpha);
}

/* explicit byte order keeps the output the same on any host */
static inline void put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static void rng_fill(struct rng *r, uint8_t *p, uint32_t n)
{
	uint64_t v;

	for (; n >= 8; n -= 8, p += 8)
		put_le64(p, rng_u64(r));
	for (v = rng_u64(r); n; n--, v >>= 8)
		*p++ = v;
}

/* ------------------------------------------------------------------ */
/* Byte order and checksums.                                           */

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * The Internet checksum is byte-order independent (RFC 1071): summing
 * native words and storing the folded result natively gives the right
 * bytes, and 32-bit loads halve the work.  Every part summed must start
 * at an even offset of the checksummed data, which all callers honour.
 */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	uint32_t w;
	uint16_t h;

	for (; len >= 4; len -= 4, p += 4) {
		memcpy(&w, p, 4);
		sum += w;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };

		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint64_t csum_pseudo(const uint8_t *src, const uint8_t *dst, int v6,
			    uint8_t proto, uint32_t len)
{
	uint8_t ph[40];

	if (v6) {
		memcpy(ph, src, 16);
		memcpy(ph + 16, dst, 16);
		put32(ph + 32, len);
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = proto;
		return csum_add(0, ph, 40);
	}
	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, len);
	return csum_add(0, ph, 12);
}

/* ------------------------------------------------------------------ */
/* Model.                                                              */

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

static const char *const kind_name[K_NKINDS] = {
	"tcp", "dns", "ntp", "quic", "syslog", "icmp", "arp",
};

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

struct svc {
	uint16_t port;
	uint8_t app;
	uint8_t weight;
	uint8_t upload;		/* percent of flows where the client sends bulk */
};

static const struct svc tcp_svcs[] = {
	{ 443, APP_TLS, 58, 20 },
	{ 80, APP_HTTP, 15, 0 },
	{ 22, APP_SSH, 7, 40 },
	{ 8080, APP_HTTP, 5, 0 },
	{ 993, APP_TLS, 4, 10 },
	{ 25, APP_SMTP, 4, 100 },
	{ 853, APP_TLS, 2, 10 },
};

static const uint16_t vids[] = { 10, 20, 30, 100, 110, 200, 300, 1001 };
static const uint16_t svids[] = { 100, 200, 3000 };

static const char *const dns_label[] = {
	"www", "api", "cdn", "mail", "static", "img", "login", "update",
	"ntp", "ns1", "edge", "assets", "media", "chat", "git", "docs",
	"auth", "metrics", "video", "m",
};

static const char *const dns_zone[] = {
	"example.com", "example.net", "example.org", "shop.example",
	"news.example", "cloud.example", "corp.test", "mirror.test",
	"video.example", "bank.example",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Hosts.                                                              */

/* a bijection on 24 bits: odd multiplies and xor-shifts are invertible */
static uint32_t scramble24(uint32_t x)
{
	x &= 0xffffff;
	x = (x * 0x9e3779U) & 0xffffff;
	x ^= x >> 11;
	x = (x * 0x2c1b3dU) & 0xffffff;
	x ^= x >> 13;
	return x;
}

static void host_common(struct rng *r, struct host *h)
{
	uint64_t m = rng_u64(r);
	int i;

	/* locally administered unicast, so no vendor OUI is impersonated */
	h->mac[0] = 0x02;
	for (i = 1; i < 6; i++, m >>= 8)
		h->mac[i] = m;
	h->windows = rng_unit(r) < 0.25;
	if (h->windows)
		h->ttl = 128;
	else
		h->ttl = rng_unit(r) < 0.06 ? 255 : 64;
	h->ttl -= rng_below(r, 18);
}

static void hosts_v4(struct rng *r, struct host *h, uint32_t n)
{
	/* documentation ranges get a slice so traces show more than 10/8 */
	static const uint8_t doc[3][3] = {
		{ 192, 0, 2 }, { 198, 51, 100 }, { 203, 0, 113 },
	};
	uint32_t ndoc = n / 8 < 3 * 254 ? n / 8 : 3 * 254;
	uint32_t salt = rng_u64(r) & 0xffffff;
	uint32_t i, j = 0, v;

	for (i = 0; i < n; i++) {
		uint8_t *a = h[i].addr;

		memset(a, 0, 16);
		if (i < ndoc) {
			memcpy(a, doc[i % 3], 3);
			a[3] = 1 + i / 3;
		} else {
			/* distinct j give distinct v; skip .0 and .255 */
			do
				v = scramble24(j++ ^ salt);
			while ((v & 0xff) == 0 || (v & 0xff) == 0xff);
			a[0] = 10;
			a[1] = v >> 16;
			a[2] = v >> 8;
			a[3] = v;
		}
		host_common(r, &h[i]);
	}
}

static void hosts_v6(struct rng *r, struct host *h, uint32_t n)
{
	uint16_t site = rng_u64(r);
	uint64_t salt = rng_u64(r);
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t *a = h[i].addr;
		uint64_t iid = mix64(i ^ salt);	/* unique per host */

		put16(a, 0x2001);
		put16(a + 2, 0x0db8);
		put16(a + 4, site);
		put16(a + 6, rng_below(r, 16));
		put32(a + 8, iid >> 32);
		put32(a + 12, iid);
		host_common(r, &h[i]);
	}
}

static int zipf_init(struct zipf *z, struct rng *r, uint32_t n, double s)
{
	double acc = 0;
	uint32_t i, j, t;

	z->n = n;
	z->cdf = malloc(n * sizeof(*z->cdf));
	z->perm = malloc(n * sizeof(*z->perm));
	if (!z->cdf || !z->perm)
		return -1;
	for (i = 0; i < n; i++) {
		acc += pow(i + 1.0, -s);
		z->cdf[i] = acc;
		z->perm[i] = i;
	}
	for (i = n - 1; i > 0; i--) {
		j = rng_below(r, i + 1);
		t = z->perm[i];
		z->perm[i] = z->perm[j];
		z->perm[j] = t;
	}
	return 0;
}

/* a host among the lim most popular */
static uint32_t zipf_pick(const struct zipf *z, struct rng *r, uint32_t lim)
{
	uint32_t lo = 0, hi, mid;
	double u;

	if (lim > z->n)
		lim = z->n;
	hi = lim - 1;
	u = rng_unit(r) * z->cdf[hi];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (z->cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return z->perm[lo];
}

/* ------------------------------------------------------------------ */
/* Flows.                                                              */

/*
 * Ports in the ephemeral ranges that dissectors claim by number
 * (Wireshark 4.0).  QUIC is only recognised heuristically, after the
 * port lookups, so a client on one of these would be misread; hosts
 * running those services would not hand them out either.
 */
static const uint16_t busy_ports[] = {
	34962, 34963, 34964, 34980, 37008, 41170, 44321, 44322, 44818,
	45564, 47000, 47808, 48049, 48898, 49999, 54328, 56000, 56001,
	56500, 56501, 57000, 57001, 57032, 57033, 57500, 57501, 57532,
	57533, 59000, 59001, 59032, 59033, 59500, 59501, 59532, 59533,
	60001,
};

static uint16_t eph_port(struct rng *r, const struct host *h)
{
	uint16_t port;
	uint32_t i;

again:
	/* Windows and Linux default ephemeral ranges */
	port = h->windows ? rng_range(r, 49152, 65535) :
			    rng_range(r, 32768, 60999);
	for (i = 0; i < NELEM(busy_ports); i++) {
		if (port == busy_ports[i])
			goto again;
	}
	return port;
}

static void flow_tcp(struct gen *g, struct flow *f, const struct host *c)
{
	struct rng *r = &g->rng;
	uint32_t total = 0, pick, i;
	int v6 = f->flags & FL_V6;
	double u;

	for (i = 0; i < NELEM(tcp_svcs); i++)
		total += tcp_svcs[i].weight;
	pick = rng_below(r, total);
	for (i = 0; pick >= tcp_svcs[i].weight; i++)
		pick -= tcp_svcs[i].weight;
	f->sport = tcp_svcs[i].port;
	f->app = tcp_svcs[i].app;
	if (rng_below(r, 100) < tcp_svcs[i].upload)
		f->flags |= FL_UPLOAD;
	if (rng_unit(r) < 0.4)
		f->flags |= FL_SRVCLOSE;

	if (!c->windows)
		f->flags |= FL_TSOPT;
	f->wscale = c->windows ? 8 : 7;
	if (rng_unit(r) < 0.85)
		f->mss = v6 ? 1440 : 1460;
	else
		f->mss = (v6 ? 1440 : 1460) - 20 * rng_range(r, 1, 6);
	f->win[0] = rng_range(r, 200, 4000);
	f->win[1] = rng_range(r, 200, 4000);
	f->seq[0] = rng_u64(r);
	f->seq[1] = rng_u64(r);
	f->tsbase[0] = rng_u64(r);
	f->tsbase[1] = rng_u64(r);

	/*
	 * Mice keep the size their story needs: a lone SYN (scan or drop),
	 * SYN answered by RST (closed port), a half-open scan, short
	 * exchanges.  The rest share the scaled budget, Pareto-weighted.
	 */
	u = rng_unit(r);
	if (u < 0.30) {
		f->flags |= FL_FIXED;
		u = rng_unit(r);
		if (u < 0.15) {
			f->left = 1;
		} else if (u < 0.30) {
			f->left = 2;
			f->flags |= FL_RST;
		} else if (u < 0.40) {
			f->left = 3;
			f->flags &= ~FL_SRVCLOSE;
			f->flags |= FL_RST;
		} else {
			f->left = rng_range(r, 4, 14);
			if (rng_unit(r) < 0.1)
				f->flags |= FL_RST;
		}
	} else {
		f->weight = rng_pareto(r, 4, 1.15);
		if (rng_unit(r) < 0.05)
			f->flags |= FL_RST;
	}
}

static void flow_pick(struct gen *g, struct flow *f)
{
	struct rng *r = &g->rng;
	double u = rng_unit(r);
	int v6 = rng_unit(r) < 0.2;
	uint32_t lim = UINT32_MAX, tries;
	const struct host *c;

	if (v6)
		f->flags |= FL_V6;
	if (u < 0.70) {
		f->kind = K_TCP;
	} else if (u < 0.95) {
		u = rng_unit(r);
		f->kind = u < 0.5 ? K_DNS : u < 0.8 ? K_QUIC :
			  u < 0.9 ? K_NTP : K_SYSLOG;
	} else {
		f->kind = K_ICMP;
	}

	/* a site uses few resolvers, time servers and log collectors */
	if (f->kind == K_DNS || f->kind == K_NTP)
		lim = 4;
	else if (f->kind == K_SYSLOG)
		lim = 2;

	f->cli = zipf_pick(&g->zc[v6], r, UINT32_MAX);
	for (tries = 0; tries < 16; tries++) {
		f->srv = zipf_pick(&g->zs[v6], r, lim);
		if (f->srv != f->cli)
			break;
	}
	if (f->srv == f->cli)
		f->srv = (f->cli + 1) % g->nh[v6];
	c = &g->h[v6][f->cli];
	f->cport = eph_port(r, c);
	f->label = rng_u64(r) & 0xfffff;
	f->ipid[0] = rng_u64(r);
	f->ipid[1] = rng_u64(r);
	f->aux = rng_u64(r);

	switch (f->kind) {
	case K_TCP:
		flow_tcp(g, f, c);
		break;
	case K_DNS:
		f->sport = 53;
		f->flags |= FL_FIXED;
		u = rng_unit(r);
		f->left = u < 0.05 ? 1 : u < 0.75 ? 2 : 4;
		break;
	case K_NTP:
		f->sport = 123;
		f->cport = rng_unit(r) < 0.3 ? 123 : f->cport;
		f->flags |= FL_FIXED;
		f->left = 2 * rng_range(r, 1, 4);
		break;
	case K_QUIC:
		f->sport = 443;
		f->mss = rng_unit(r) < 0.5 ? 1252 : 1350;
		if (rng_unit(r) < 0.1)
			f->flags |= FL_UPLOAD;
		f->weight = rng_pareto(r, 4, 1.3);
		break;
	case K_SYSLOG:
		f->sport = 514;
		f->weight = rng_pareto(r, 1, 1.5);
		break;
	case K_ICMP:
		f->flags |= FL_FIXED;
		f->left = 2 * (uint32_t)rng_logu(r, 1, 31);
		u = rng_unit(r);
		if (c->windows) {
			f->flags |= FL_WINPING;
			f->mss = 32;
		} else if (!v6 && u < 0.25) {
			/* ping -s with more than fits a frame */
			static const uint16_t big[] = { 1600, 2000, 3000, 4000 };

			f->mss = big[rng_below(r, NELEM(big))];
		} else {
			f->mss = u < 0.35 ? 1472 - 20 * v6 : 56;
		}
		break;
	default:
		break;
	}
}

static void flow_times(struct gen *g, struct flow *f)
{
	struct rng *r = &g->rng;
	uint64_t dur;
	double gap;

	switch (f->kind) {
	case K_TCP:
		gap = rng_logu(r, 20e-6, 0.2);
		break;
	case K_DNS:
		gap = rng_logu(r, 1e-4, 0.05);
		break;
	case K_NTP:
	case K_SYSLOG:
		gap = rng_logu(r, 0.01, 5);
		break;
	case K_QUIC:
		gap = rng_logu(r, 20e-6, 0.05);
		break;
	case K_ICMP:
		gap = 0.5 * rng_logu(r, 0.9, 1.1);	/* ping -i 1 */
		break;
	default:
		gap = rng_logu(r, 1e-4, 5e-3);
		break;
	}
	gap *= 1e9 * (f->left > 1 ? f->left : 0);
	dur = gap < (double)g->dur_ns ? (uint64_t)gap : g->dur_ns;
	if (dur >= g->dur_ns) {
		f->next = 0;
		f->end = g->dur_ns - 1;
	} else {
		f->next = (uint64_t)(rng_unit(r) * (double)(g->dur_ns - dur));
		f->end = f->next + dur;
		if (f->end >= g->dur_ns)
			f->end = g->dur_ns - 1;
	}
}

/*
 * Split the packet budget: protocol-sized flows (DNS, NTP, pings, TCP
 * mice, ARP) keep their size, the heavy-tailed rest share what is left
 * in proportion to their weights so the total is exactly -n.  A single
 * flow is held to 5% so one elephant cannot be the whole trace.
 */
static void flows_budget(struct gen *g, uint64_t budget)
{
	uint64_t fixed = 0, sum = 0, rest;
	uint32_t i, nscale = 0;
	double w = 0, cap;
	int all;

	for (i = 0; i < g->nflows; i++) {
		if (g->flows[i].flags & FL_FIXED)
			fixed += g->flows[i].left;
		else
			nscale++;
	}
	all = fixed > budget || !nscale;
	for (i = 0; i < g->nflows; i++) {
		struct flow *f = &g->flows[i];

		if (all && (f->flags & FL_FIXED)) {
			f->weight = f->left;
			f->flags &= ~FL_FIXED;
		}
		if (!(f->flags & FL_FIXED))
			w += f->weight;
	}
	if (!all && nscale >= 20) {
		cap = 0.05 * w;
		w = 0;
		for (i = 0; i < g->nflows; i++) {
			struct flow *f = &g->flows[i];

			if (f->flags & FL_FIXED)
				continue;
			if (f->weight > cap)
				f->weight = cap;
			w += f->weight;
		}
	}
	rest = all ? budget : budget - fixed;
	for (i = 0; i < g->nflows; i++) {
		struct flow *f = &g->flows[i];

		if (f->flags & FL_FIXED)
			continue;
		f->left = (uint32_t)floor(f->weight / w * (double)rest);
		sum += f->left;
	}
	/* rounding leaves less than one packet per flow to hand out */
	for (i = 0; sum < rest; i = (i + 1) % g->nflows) {
		if (!(g->flows[i].flags & FL_FIXED)) {
			g->flows[i].left++;
			sum++;
		}
	}
	while (sum > rest) {	/* float rounding the other way: trim */
		for (i = 0; i < g->nflows && sum > rest; i++) {
			if (!(g->flows[i].flags & FL_FIXED) &&
			    g->flows[i].left) {
				g->flows[i].left--;
				sum--;
			}
		}
	}
}

/*
 * Tag whole flows, smallest-first in a random order, until the packet
 * target is met: real VLANs and extension headers belong to flows, and
 * the targets keep the share stable whatever the elephants do.
 */
static int flows_tag(struct gen *g, uint32_t nip, uint64_t packets)
{
	struct rng *r = &g->rng;
	uint64_t qinq = 0, vlan = 0, ext = 0, v6pkts = 0;
	uint64_t qinq_max = packets / 2000;
	uint64_t vlan_max = packets * 3 / 100;
	uint64_t ext_max;
	uint32_t i, *perm;
	struct flow *f;

	perm = malloc(nip * sizeof(*perm));
	if (!perm)
		return -1;
	for (i = 0; i < nip; i++) {
		perm[i] = i;
		if (g->flows[i].flags & FL_V6)
			v6pkts += g->flows[i].left;
	}
	ext_max = v6pkts * 3 / 100;
	for (i = nip - 1; i > 0; i--) {
		uint32_t j = rng_below(r, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < nip; i++) {
		f = &g->flows[perm[i]];
		if (!f->left)
			continue;
		if (qinq + f->left <= qinq_max) {
			f->svid = svids[rng_below(r, NELEM(svids))];
			f->vid = vids[rng_below(r, NELEM(vids))];
			qinq += f->left;
		} else if (vlan + f->left <= vlan_max) {
			f->vid = vids[rng_below(r, NELEM(vids))];
			vlan += f->left;
		}
		if ((f->flags & FL_V6) && f->kind != K_ICMP &&
		    ext + f->left <= ext_max) {
			f->ext = rng_unit(r) < 0.5 ? EXT_HBH : EXT_DST;
			ext += f->left;
		}
	}
	free(perm);
	return 0;
}

static inline int flow_before(const struct flow *fl, uint32_t a, uint32_t b)
{
	return fl[a].next < fl[b].next ||
	       (fl[a].next == fl[b].next && a < b);
}

static void heap_down(struct gen *g, uint32_t i)
{
	uint32_t *h = g->heap, n = g->nheap, c, t;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && flow_before(g->flows, h[c + 1], h[c]))
			c++;
		if (!flow_before(g->flows, h[c], h[i]))
			break;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
		i = c;
	}
}

static int gen_setup(struct gen *g, const struct opts *o)
{
	uint32_t n6 = o->hosts / 5 < 2 ? 2 : o->hosts / 5;
	uint32_t n4 = o->hosts - n6;
	uint32_t narp_pkts = o->packets >= 100 ? o->packets / 1000 : 0;
	uint32_t narp = 0, i, k;
	int fam;

	rng_seed(&g->rng, o->seed);
	g->snaplen = o->snaplen;
	g->start_ns = o->start * 1000000000ULL;
	g->dur_ns = (uint64_t)llround(o->duration * 1e9);
	g->nh[0] = n4;
	g->nh[1] = n6;
	g->h[0] = calloc(n4, sizeof(struct host));
	g->h[1] = calloc(n6, sizeof(struct host));
	if (!g->h[0] || !g->h[1])
		return -1;
	hosts_v4(&g->rng, g->h[0], n4);
	hosts_v6(&g->rng, g->h[1], n6);
	/* clients spread widely, servers concentrate: a top-N means something */
	for (fam = 0; fam < 2; fam++) {
		if (zipf_init(&g->zc[fam], &g->rng, g->nh[fam], 0.3) ||
		    zipf_init(&g->zs[fam], &g->rng, g->nh[fam], 0.95))
			return -1;
	}

	/* ARP: who-has plus reply, the odd one unanswered */
	for (k = narp_pkts; k; k -= k >= 2 ? 2 : 1)
		narp++;
	g->nflows = o->flows + narp;
	g->flows = calloc(g->nflows, sizeof(struct flow));
	g->heap = malloc(g->nflows * sizeof(uint32_t));
	if (!g->flows || !g->heap)
		return -1;
	for (i = 0; i < o->flows; i++)
		flow_pick(g, &g->flows[i]);
	for (k = narp_pkts; i < g->nflows; i++) {
		struct flow *f = &g->flows[i];

		f->kind = K_ARP;
		f->flags = FL_FIXED;
		f->left = k >= 2 && rng_unit(&g->rng) < 0.9 ? 2 : 1;
		k -= f->left;
		f->cli = rng_below(&g->rng, n4);
		f->srv = zipf_pick(&g->zs[0], &g->rng, 8);
		if (f->srv == f->cli)
			f->srv = (f->cli + 1) % n4;
	}
	/* an unanswered request may have freed a packet: give it back */
	for (i = o->flows; k && i < g->nflows; i++) {
		if (g->flows[i].left == 1) {
			g->flows[i].left = 2;
			k--;
		}
	}

	flows_budget(g, o->packets);
	if (flows_tag(g, o->flows, o->packets))
		return -1;
	for (i = 0; i < g->nflows; i++) {
		struct flow *f = &g->flows[i];

		flow_times(g, f);
		if (f->left) {
			g->heap[g->nheap++] = i;
			g->st.flows++;
		}
	}
	for (i = g->nheap / 2; i-- > 0;)
		heap_down(g, i);
	return 0;
}

static void gen_free(struct gen *g)
{
	int fam;

	for (fam = 0; fam < 2; fam++) {
		free(g->h[fam]);
		free(g->zc[fam].cdf);
		free(g->zc[fam].perm);
		free(g->zs[fam].cdf);
		free(g->zs[fam].perm);
	}
	free(g->flows);
	free(g->heap);
}

/* ------------------------------------------------------------------ */
/* Application payloads.                                               */

static void fmt_http_date(char *s, size_t n, uint64_t ns)
{
	static const char *const wd[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char *const mon[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	time_t sec = ns / 1000000000ULL;
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(s, n, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[tm.tm_wday],
		 tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

/* append a header line if it leaves room for what must still follow */
static void http_add(char *buf, uint32_t *n, const char *line,
		     uint32_t reserve, uint32_t room)
{
	uint32_t len = strlen(line);

	if (*n + len + reserve <= room) {
		memcpy(buf + *n, line, len);
		*n += len;
	}
}

/*
 * An HTTP/1.1 request or response head.  Optional header lines are only
 * added while the head still fits the captured bytes: a dissector that
 * cannot see where a head ends takes the next segment for more header
 * lines, which is how truncated real traces get "malformed" HTTP.
 */
static uint32_t http_msg(struct gen *g, struct flow *f, int dir, uint64_t t,
			 uint8_t *p, uint32_t body, uint32_t room)
{
	static const char *const path[] = {
		"/", "/index.html", "/api/v1/items?id=%u", "/static/app.%x.js",
		"/images/%u.jpg", "/download/file%u.bin", "/feed/%u.json",
	};
	static const char *const ua[] = {
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n",
		"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36\r\n",
		"User-Agent: curl/7.88.1\r\n",
		"User-Agent: Debian APT-HTTP/1.3 (2.6.1)\r\n",
	};
	struct rng *r = &g->rng;
	char *buf = (char *)p, line[160], url[48], date[40];
	uint32_t n, hostlen;

	if (dir == 0) {
		snprintf(url, sizeof(url), path[rng_below(r, NELEM(path))],
			 (unsigned int)(rng_u64(r) & 0xffffff));
		hostlen = snprintf(line, sizeof(line), "Host: %s.%s\r\n",
				   dns_label[f->aux % NELEM(dns_label)],
				   dns_zone[(f->aux >> 8) % NELEM(dns_zone)]);
		n = snprintf(buf, 128, "GET %s HTTP/1.1\r\n", url);
		if (n + hostlen + 2 > room)
			n = snprintf(buf, 128, "GET / HTTP/1.1\r\n");
		memcpy(buf + n, line, hostlen);
		n += hostlen;
		http_add(buf, &n, ua[(f->aux >> 16) % NELEM(ua)], 2, room);
		http_add(buf, &n, "Accept: */*\r\n", 2, room);
		http_add(buf, &n, "Accept-Encoding: gzip, deflate\r\n", 2, room);
		http_add(buf, &n, "Connection: keep-alive\r\n", 2, room);
	} else {
		uint32_t cl = snprintf(line, sizeof(line),
				       "Content-Length: %u\r\n", body);

		n = snprintf(buf, 128, "HTTP/1.1 200 OK\r\n");
		http_add(buf, &n, "Server: nginx/1.22.1\r\n", cl + 2, room);
		fmt_http_date(date, sizeof(date), g->start_ns + t);
		snprintf(line, sizeof(line), "Date: %s\r\n", date);
		http_add(buf, &n, line, cl + 2, room);
		http_add(buf, &n, "Content-Type: application/octet-stream\r\n",
			 cl + 2, room);
		snprintf(line, sizeof(line), "Content-Length: %u\r\n", body);
		memcpy(buf + n, line, cl);
		n += cl;
	}
	memcpy(buf + n, "\r\n", 2);
	return n + 2;
}

static uint32_t put_str(uint8_t *p, const void *s, uint32_t len)
{
	put32(p, len);
	memcpy(p + 4, s, len);
	return 4 + len;
}

static inline uint32_t ssh_count(const struct flow *f, int dir)
{
	return (f->xch >> (8 * dir)) & 0xff;
}

/*
 * SSH messages in the order OpenSSH sends them: banner, KEXINIT,
 * ECDH init/reply, NEWKEYS (returns their length), then encrypted
 * packets (returns 0).  Dissectors only accept encrypted packets after
 * they have seen the key exchange.  The proposals put AES-GCM first: its
 * packet length is sent in clear, so it can be made consistent, where a
 * dissector would "decrypt" a ChaCha20 length to garbage and read past
 * the segment.
 */
static uint32_t ssh_msg(struct gen *g, struct flow *f, int dir, uint8_t *p)
{
	static const char *const ssh_cli[] = {
		"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
		"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n",
		"SSH-2.0-PuTTY_Release_0.79\r\n",
	};
	static const char *const ssh_srv[] = {
		"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
		"SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3\r\n",
	};
	static const char *const kexinit[10] = {
		"curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,diffie-hellman-group16-sha512,diffie-hellman-group14-sha256",
		"ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
		"aes128-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com",
		"aes128-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com",
		"hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,umac-64-etm@openssh.com,hmac-sha2-256",
		"hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,umac-64-etm@openssh.com,hmac-sha2-256",
		"none,zlib@openssh.com",
		"none,zlib@openssh.com",
		"",
		"",
	};
	struct rng *r = &g->rng;
	uint32_t m = ssh_count(f, dir), n = 5, pad, i;
	uint8_t *q = p + 5;

	if (m < 0xff)
		f->xch += 1U << (8 * dir);
	if (m == 0) {
		const char *b = dir ? ssh_srv[f->aux % NELEM(ssh_srv)] :
				      ssh_cli[f->aux % NELEM(ssh_cli)];

		memcpy(p, b, strlen(b));
		return strlen(b);
	}
	if (m > 3)
		return 0;
	if (m == 1) {
		q[0] = 20;				/* KEXINIT */
		rng_fill(r, q + 1, 16);			/* cookie */
		n += 17;
		for (i = 0; i < 10; i++)
			n += put_str(p + n, kexinit[i], strlen(kexinit[i]));
		p[n++] = 0;				/* no guessed kex */
		put32(p + n, 0);
		n += 4;
	} else if (m == 2 && !dir) {
		q[0] = 30;				/* ECDH init */
		put32(q + 1, 32);
		rng_fill(r, q + 5, 32);
		n += 37;
	} else if (m == 2) {
		uint8_t blob[96];
		uint32_t b;

		q[0] = 31;				/* ECDH reply */
		n++;
		b = put_str(blob, "ssh-ed25519", 11);
		put32(blob + b, 32);
		rng_fill(r, blob + b + 4, 32);
		n += put_str(p + n, blob, b + 36);	/* host key */
		put32(p + n, 32);
		rng_fill(r, p + n + 4, 32);		/* server key */
		n += 36;
		b = put_str(blob, "ssh-ed25519", 11);
		put32(blob + b, 64);
		rng_fill(r, blob + b + 4, 64);
		n += put_str(p + n, blob, b + 68);	/* signature */
	} else {
		q[0] = 21;				/* NEWKEYS */
		n++;
	}
	/* pad to the 8-byte block with at least 4 bytes */
	pad = 8 - n % 8;
	if (pad < 4)
		pad += 8;
	rng_fill(r, p + n, pad);
	put32(p, n + pad - 4);
	p[4] = pad;
	return n + pad;
}

/*
 * The next piece of an HTTP response body, at most what Content-Length
 * has left.  While frames are truncated, a dissector cannot follow the
 * body and parses a short segment captured whole as a new head, so the
 * tail of a body is never left that short.  Returns 0: body bytes are
 * random.
 */
static uint32_t http_body(struct flow *f, uint32_t *plen, uint32_t room,
			  uint32_t maxpay)
{
	if (*plen >= f->body)
		*plen = f->body;
	else if (room < maxpay && f->body - *plen <= room)
		*plen = f->body <= maxpay ? f->body : f->body - room - 1;
	f->body -= *plen;
	return 0;
}

/*
 * Write the start of a TCP payload.  HTTP heads, the SSH key exchange
 * and the SMTP greeting are real protocol text, TLS segments carry a
 * record header, bulk bytes are left to random data.  May change *plen
 * to fit a message.  Returns the bytes written.
 */
static uint32_t tcp_app(struct gen *g, struct flow *f, int dir, uint64_t t,
			uint8_t *p, uint32_t *plen, uint32_t room,
			uint32_t maxpay)
{
	uint16_t first = dir ? FL_DATA1 : FL_DATA0;
	int is_first = !(f->flags & first);
	int bulk = !(f->flags & FL_UPLOAD);
	uint32_t n, body, part;

	if (!*plen)
		return 0;
	f->flags |= first;
	switch (f->app) {
	case APP_HTTP:
		if (dir != bulk) {
			/* requests are whole messages */
			n = http_msg(g, f, dir, t, p, 0, room);
			*plen = n;
			return n;
		}
		if (!is_first && f->body)
			return http_body(f, plen, room, maxpay);
		/* a new response: its head, then as much body as fits */
		body = rng_logu(&g->rng, 200, 2e7);
		n = http_msg(g, f, dir, t, p, body, room);
		if (*plen < n)
			*plen = n;
		if (room < maxpay && body > *plen - n &&
		    body - (*plen - n) <= room + 1) {
			body += room + 2;
			n = http_msg(g, f, dir, t, p, body, room);
			if (*plen < n)
				*plen = n;
		}
		part = body < *plen - n ? body : *plen - n;
		*plen = n + part;
		f->body = body - part;
		return n;
	case APP_SSH:
		n = ssh_msg(g, f, dir, p);
		if (n) {
			*plen = n;
			return n;
		}
		/* aes-ctr with etm: clear length, 16-byte blocks, 32-byte MAC */
		n = *plen > 52 ? (*plen - 36) & ~15U : 16;
		put32(p, n);
		*plen = 36 + n;
		return 4;
	case APP_SMTP:
		if (!is_first)
			return 0;
		n = snprintf((char *)p, 128, dir ?
			     "220 mx%u.example.net ESMTP Postfix (Debian/GNU)\r\n" :
			     "EHLO client%u.example.org\r\n",
			     (unsigned int)(f->aux % 100));
		*plen = n;
		return n;
	default:
		if (*plen < 22)
			*plen = 22;	/* header, one byte, AEAD tag */
		p[0] = 0x17;			/* application data */
		p[1] = 0x03;
		p[2] = 0x03;
		put16(p + 3, *plen - 5);
		return 5;
	}
}

static uint32_t dns_name(uint8_t *p, const char *name)
{
	uint8_t *start = p, *lenp = p++;

	for (; *name; name++) {
		if (*name == '.') {
			*lenp = p - lenp - 1;
			lenp = p++;
		} else {
			*p++ = *name;
		}
	}
	*lenp = p - lenp - 1;
	*p++ = 0;
	return p - start;
}

/*
 * A query or its response.  Both are drawn from the same seed, so the
 * response repeats the question without keeping it in the flow.
 */
static uint32_t dns_msg(uint8_t *p, uint64_t seed, int resp)
{
	struct rng r;
	char name[96];
	uint16_t id, qtype, an = 0, i;
	uint32_t len, ttl;
	int edns, nx;
	double u;

	rng_seed(&r, seed);
	id = rng_u64(&r);
	/* nested draw: low zone indices are far more popular */
	i = rng_below(&r, rng_below(&r, NELEM(dns_zone)) + 1);
	if (rng_unit(&r) < 0.3)
		snprintf(name, sizeof(name), "%s%u.%s",
			 dns_label[rng_below(&r, NELEM(dns_label))],
			 rng_range(&r, 1, 20), dns_zone[i]);
	else
		snprintf(name, sizeof(name), "%s.%s",
			 dns_label[rng_below(&r, NELEM(dns_label))],
			 dns_zone[i]);
	u = rng_unit(&r);
	qtype = u < 0.55 ? 1 : u < 0.85 ? 28 : u < 0.93 ? 65 : u < 0.97 ? 15 : 16;
	edns = rng_unit(&r) < 0.7;
	nx = rng_unit(&r) < 0.04;
	if ((qtype == 1 || qtype == 28) && !nx)
		an = 1 + rng_below(&r, 4);
	ttl = rng_range(&r, 30, 3600);

	put16(p, id);
	put16(p + 2, resp ? (nx ? 0x8183 : 0x8180) : 0x0100);
	put16(p + 4, 1);
	put16(p + 6, resp ? an : 0);
	put16(p + 8, 0);
	put16(p + 10, edns);
	len = 12 + dns_name(p + 12, name);
	put16(p + len, qtype);
	put16(p + len + 2, 1);
	len += 4;
	for (i = 0; resp && i < an; i++) {
		uint8_t *a = p + len;

		a[0] = 0xc0;		/* pointer to the question name */
		a[1] = 12;
		put16(a + 2, qtype);
		put16(a + 4, 1);
		put32(a + 6, ttl);
		if (qtype == 1) {
			static const uint8_t doc[3][3] = {
				{ 192, 0, 2 }, { 198, 51, 100 }, { 203, 0, 113 },
			};

			put16(a + 10, 4);
			memcpy(a + 12, doc[rng_below(&r, 3)], 3);
			a[15] = rng_range(&r, 1, 254);
			len += 16;
		} else {
			put16(a + 10, 16);
			memset(a + 12, 0, 16);
			put16(a + 12, 0x2001);
			put16(a + 14, 0x0db8);
			put16(a + 16, rng_u64(&r));
			put16(a + 26, rng_range(&r, 1, 0xffff));
			len += 28;
		}
	}
	if (edns) {
		p[len] = 0;		/* root */
		put16(p + len + 1, 41);	/* OPT */
		put16(p + len + 3, 1232);
		put32(p + len + 5, 0);
		put16(p + len + 9, 0);
		len += 11;
	}
	return len;
}

static void ntp_ts(uint8_t *p, uint64_t ns)
{
	uint64_t frac = ((ns % 1000000000ULL) << 32) / 1000000000ULL;

	put32(p, (uint32_t)(ns / 1000000000ULL + NTP_UNIX_DELTA));
	put32(p + 4, (uint32_t)frac);
}

static uint32_t ntp_msg(struct gen *g, struct flow *f, int dir, uint64_t t,
			uint8_t *p)
{
	uint64_t now = g->start_ns + t;
	uint64_t rx = now - (now < 40000 ? now : 40000);

	memset(p, 0, 48);
	if (!dir) {
		p[0] = 0x23;		/* v4, client */
		p[2] = 6;
		p[3] = 0xe9;
		ntp_ts(p + 40, now);
		f->aux = now;
		return 48;
	}
	p[0] = 0x24;			/* v4, server */
	p[1] = 2;
	p[2] = 6;
	p[3] = 0xe8;
	put32(p + 4, rng_range(&g->rng, 0x10, 0x400));
	put32(p + 8, rng_range(&g->rng, 0x10, 0x800));
	p[12] = 203;			/* upstream, in TEST-NET-3 */
	p[13] = 0;
	p[14] = 113;
	p[15] = 1 + (f->srv & 0x7f);
	ntp_ts(p + 16, rx - (rx < 300000000000ULL ? rx : 300000000000ULL));
	ntp_ts(p + 24, f->aux);
	ntp_ts(p + 32, rx);
	ntp_ts(p + 40, now);
	return 48;
}

static uint32_t syslog_msg(struct gen *g, struct flow *f, uint64_t t,
			   uint8_t *p)
{
	static const char *const mon[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	static const struct {
		uint8_t pri;
		const char *app;
		const char *fmt;
	} tmpl[] = {
		{ 86, "sshd", "Connection closed by authenticating user root port %u [preauth]" },
		{ 86, "sshd", "pam_unix(sshd:session): session opened for user deploy(uid=%u) by (uid=0)" },
		{ 30, "systemd", "Started session-%u.scope - Session of User deploy." },
		{ 78, "CRON", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1) [%u]" },
		{ 22, "postfix/smtpd", "connect from unknown[192.0.2.%u]" },
		{ 4, "kernel", "nf_conntrack: nf_conntrack: table full, dropping packet, count %u" },
		{ 131, "nginx", "upstream timed out (110: Connection timed out) while reading response header, request %u" },
		{ 30, "dhcpd", "DHCPACK on 10.20.0.%u to 02:00:5e:00:53:01 via eth1" },
	};
	struct rng *r = &g->rng;
	time_t sec = (g->start_ns + t) / 1000000000ULL;
	uint32_t k = rng_below(r, NELEM(tmpl));
	struct tm tm;
	int n;

	gmtime_r(&sec, &tm);
	n = snprintf((char *)p, 512, "<%u>%s %2d %02d:%02d:%02d host%u %s[%u]: ",
		     tmpl[k].pri, mon[tm.tm_mon], tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, f->cli, tmpl[k].app,
		     (unsigned int)(f->aux % 60000 + 300));
	n += snprintf((char *)p + n, 512 - n, tmpl[k].fmt, rng_range(r, 1, 254));
	return n;
}

/* ------------------------------------------------------------------ */
/* Protocol steps: decide and write the next L4 segment of a flow.     */

static inline int ssh_kex_code(uint8_t c)
{
	return c == 20 || c == 21 || (c >= 30 && c < 40);
}

/*
 * Random bytes standing for encrypted or binary data must not read as
 * protocol structure to a dissector that lost track through truncation.
 * A body segment starting with CRLF ends an HTTP head.  A truncated
 * KEXINIT hides the SSH key exchange, after which every SSH packet, and
 * its MAC as if it were one more, is parsed as plaintext: a message code
 * of 20, 21 or 30-39 reads as key exchange, a padding length beyond the
 * packet runs off its end, a short "length" in the MAC starts a bogus
 * packet.  Adjusting a ciphertext byte keeps the data random-looking.
 */
static void tcp_tidy(const struct flow *f, uint8_t *p, uint32_t pre,
		     uint32_t cap)
{
	uint32_t len;
	uint8_t *mac;

	if (f->app == APP_HTTP && !pre && (p[0] == '\r' || p[0] == '\n'))
		p[0] ^= 0x80;
	if (f->app != APP_SSH || pre != 4 || cap <= 4)
		return;
	len = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	if (p[4] + 2U > len)
		p[4] %= len - 1;
	if (cap > 5 && ssh_kex_code(p[5]))
		p[5] ^= 0x80;
	mac = p + 4 + len;
	if (cap > 4 + len && !mac[0])
		mac[0] = 1;
	if (cap > 4 + len + 5 && ssh_kex_code(mac[5]))
		mac[5] ^= 0x80;
}

static void tcp_step(struct gen *g, struct flow *f, uint64_t t, uint8_t *p,
		     uint32_t room, struct seg *s)
{
	struct rng *r = &g->rng;
	uint32_t k = f->sent, n = f->sent + f->left;
	int closer = !!(f->flags & FL_SRVCLOSE);
	int bulk = !(f->flags & FL_UPLOAD);
	int ts = !!(f->flags & FL_TSOPT);
	uint32_t maxpay = f->mss - 12 * ts - 8 * !!f->ext;
	uint32_t dhl = ts ? 32 : 20;	/* header length of data segments */
	uint32_t plen = 0, pre = 0, hl, seq, ack, cap, tsval;
	uint16_t win;
	uint8_t fl, *o;
	int dir;

	if (k == 0) {
		dir = 0;
		fl = TH_SYN;
	} else if ((f->flags & FL_RST) && k == n - 1) {
		dir = k == 1 ? 1 : closer;
		fl = TH_RST | TH_ACK;
	} else if (k == 1) {
		dir = 1;
		fl = TH_SYN | TH_ACK;
	} else if (k == 2) {
		dir = 0;
		fl = TH_ACK;
	} else if (!(f->flags & FL_RST) && n >= 7 && k >= n - 3) {
		uint32_t i = k - (n - 3);

		dir = i == 1 ? !closer : closer;
		fl = i == 2 ? TH_ACK : TH_FIN | TH_ACK;
	} else {
		/* SMTP and SSH servers speak first */
		int opener = f->app == APP_SMTP || f->app == APP_SSH;
		uint32_t c0 = ssh_count(f, 0), c1 = ssh_count(f, 1);

		fl = TH_ACK | TH_PSH;
		if (f->app == APP_SSH && (c0 < 4 || c1 < 4)) {
			/* key exchange in lock step, server banner first */
			dir = c0 < c1 ? 0 : c1 < c0 ? 1 : !c0;
			plen = 1;
		} else if (!(f->flags & (opener ? FL_DATA1 : FL_DATA0))) {
			dir = opener;
			plen = rng_logu(r, 40, 900);
		} else if (!(f->flags & (opener ? FL_DATA0 : FL_DATA1))) {
			dir = !opener;
			plen = dir == bulk ? maxpay : rng_logu(r, 20, 400);
		} else if (f->since_ack >= 2 || rng_unit(r) < 0.08) {
			dir = !bulk;
			f->since_ack = 0;
			if (rng_unit(r) < 0.1)
				plen = rng_logu(r, 20, 400);
			else
				fl = TH_ACK;
		} else {
			dir = bulk;
			f->since_ack++;
			if (rng_unit(r) < 0.7) {
				plen = maxpay;
				if (rng_unit(r) > 0.1)
					fl = TH_ACK;
			} else {
				plen = rng_logu(r, 1, maxpay);
			}
			/*
			 * A short HTTP body segment captured whole is parsed
			 * as header lines once truncation has hidden the
			 * body length; servers write bodies in large chunks
			 * anyway, so keep them longer than the capture.
			 */
			if (f->app == APP_HTTP && room >= dhl &&
			    plen <= room - dhl)
				plen = room - dhl + 1;
			if (plen > maxpay)
				plen = maxpay;
		}
	}

	if (fl & TH_SYN)
		hl = ts ? 40 : 32;
	else if (fl == (TH_RST | TH_ACK) && k == 1)
		hl = 20;
	else
		hl = dhl;

	cap = room > hl ? room - hl : 0;
	pre = tcp_app(g, f, dir, t, p + hl, &plen, cap, maxpay);
	if (plen > maxpay)
		plen = maxpay;
	if (pre > plen)
		pre = plen;
	if (cap > plen)
		cap = plen;
	if (cap > pre)
		rng_fill(r, p + hl + pre, cap - pre);
	if (cap > pre)
		tcp_tidy(f, p + hl, pre, cap);

	seq = f->seq[dir];
	ack = (fl & TH_ACK) ? f->seq[!dir] : 0;
	if (fl & TH_RST) {
		win = 0;
		if (k == 1)
			seq = 0;	/* refused: RST answers a SYN */
	} else if (fl == TH_SYN) {
		win = ts ? 64240 : 65535;
	} else if (fl & TH_SYN) {
		win = ts ? 65160 : 65535;
	} else {
		win = f->win[dir] - rng_below(r, f->win[dir] / 8 + 1);
	}
	put16(p, dir ? f->sport : f->cport);
	put16(p + 2, dir ? f->cport : f->sport);
	put32(p + 4, seq);
	put32(p + 8, ack);
	p[12] = (hl / 4) << 4;
	p[13] = fl;
	put16(p + 14, win);
	put16(p + 16, 0);
	put16(p + 18, 0);

	o = p + 20;
	tsval = f->tsbase[dir] + (uint32_t)(t / 1000000);
	if (fl & TH_SYN) {
		if (ts) {
			/* Linux: MSS, SACK_PERM, TS, NOP, WS */
			o[0] = 2; o[1] = 4; put16(o + 2, f->mss);
			o[4] = 4; o[5] = 2;
			o[6] = 8; o[7] = 10; put32(o + 8, tsval);
			put32(o + 12, fl & TH_ACK ? f->tslast[0] : 0);
			o[16] = 1;
			o[17] = 3; o[18] = 3; o[19] = f->wscale;
		} else {
			/* Windows: MSS, NOP, WS, NOP, NOP, SACK_PERM */
			o[0] = 2; o[1] = 4; put16(o + 2, f->mss);
			o[4] = 1;
			o[5] = 3; o[6] = 3; o[7] = f->wscale;
			o[8] = 1; o[9] = 1;
			o[10] = 4; o[11] = 2;
		}
	} else if (hl == 32) {
		o[0] = 1; o[1] = 1;
		o[2] = 8; o[3] = 10;
		put32(o + 4, tsval);
		put32(o + 8, f->tslast[!dir]);
	}
	f->tslast[dir] = tsval;
	f->seq[dir] += plen + !!(fl & TH_SYN) + !!(fl & TH_FIN);

	s->dir = dir;
	s->proto = PROTO_TCP;
	s->len = hl + plen;
	s->valid = hl + (cap > pre ? cap : pre);
	s->csum_off = 16;
}

static void udp_step(struct gen *g, struct flow *f, uint64_t t, uint8_t *p,
		     uint32_t room, struct seg *s)
{
	struct rng *r = &g->rng;
	uint32_t k = f->sent, plen, pre, cap;
	uint8_t *q = p + 8;
	int dir = 0;

	switch (f->kind) {
	case K_DNS:
		dir = k & 1;
		if (!dir)
			f->xch++;
		plen = pre = dns_msg(q, f->aux + f->xch, dir);
		break;
	case K_NTP:
		dir = k & 1;
		plen = pre = ntp_msg(g, f, dir, t, q);
		break;
	case K_SYSLOG:
		plen = pre = syslog_msg(g, f, t, q);
		break;
	default: {
		/*
		 * QUIC: the client's Initial and the server's first Initial
		 * carry long headers naming both connection ids, so short
		 * headers (fixed bit, protected bits, 8-byte DCID) can be
		 * tied to the connection afterwards.
		 */
		uint64_t cid[2], odcid = mix64(f->aux ^ 0x53);
		int bulk = !(f->flags & FL_UPLOAD);

		cid[0] = mix64(f->aux ^ 0x51);
		cid[1] = mix64(f->aux ^ 0x52);
		if (k == 0) {
			plen = 1200 + rng_below(r, 51);
		} else if (!(f->flags & FL_DATA1)) {
			dir = 1;
			plen = f->mss;
		} else {
			dir = rng_unit(r) < 0.7 ? bulk : !bulk;
			if (dir == bulk)
				plen = rng_unit(r) < 0.75 ? f->mss :
					rng_logu(r, 30, f->mss);
			else
				plen = rng_logu(r, 28, 90);
		}
		if (plen > f->mss)
			plen = f->mss;
		if (k == 0 || !(f->flags & FL_DATA1)) {
			q[0] = 0xc0 | (rng_u64(r) & 0x0f);	/* Initial */
			put32(q + 1, 1);			/* QUIC v1 */
			q[5] = 8;
			put_le64(q + 6, dir ? cid[0] : odcid);
			q[14] = 8;
			put_le64(q + 15, cid[dir]);
			q[23] = 0;				/* no token */
			put16(q + 24, 0x4000 | (plen - 26));
			pre = 26;
			if (dir)
				f->flags |= FL_DATA1;
		} else {
			q[0] = 0x40 | (rng_u64(r) & 0x3f);
			put_le64(q + 1, cid[!dir]);
			pre = 9;
		}
		break;
	}
	}
	cap = room > 8 ? room - 8 : 0;
	if (cap > plen)
		cap = plen;
	if (cap > pre)
		rng_fill(r, q + pre, cap - pre);

	put16(p, dir ? f->sport : f->cport);
	put16(p + 2, dir ? f->cport : f->sport);
	put16(p + 4, 8 + plen);
	put16(p + 6, 0);
	s->dir = dir;
	s->proto = PROTO_UDP;
	s->len = 8 + plen;
	s->valid = 8 + (cap > pre ? cap : pre);
	s->csum_off = 6;
}

/* the whole echo message, checksum included, into m */
static uint32_t icmp_msg(struct gen *g, struct flow *f, uint8_t *m)
{
	int v6 = !!(f->flags & FL_V6), reply = f->dg_dir;
	const struct host *src = &g->h[v6][reply ? f->srv : f->cli];
	const struct host *dst = &g->h[v6][reply ? f->cli : f->srv];
	uint32_t len = 8 + f->dg_size, i;
	uint8_t *d = m + 8;
	uint64_t sum, when;
	uint16_t c;

	m[0] = v6 ? (reply ? 129 : 128) : (reply ? 0 : 8);
	m[1] = 0;
	put16(m + 2, 0);
	put16(m + 4, f->label);
	put16(m + 6, f->xch);
	if (f->flags & FL_WINPING) {
		for (i = 0; i < f->dg_size; i++)
			d[i] = 'a' + i % 23;
	} else {
		/* iputils: a struct timeval, then the byte index as pattern */
		for (i = 0; i < f->dg_size; i++)
			d[i] = i;
		if (f->dg_size >= 16) {
			when = g->start_ns + f->aux;
			put_le64(d, when / 1000000000ULL);
			put_le64(d + 8, when % 1000000000ULL / 1000);
		}
	}
	sum = v6 ? csum_pseudo(src->addr, dst->addr, 1, PROTO_ICMPV6, len) : 0;
	c = csum_fold(csum_add(sum, m, len));
	memcpy(m + 2, &c, 2);
	return len;
}

static void icmp_step(struct gen *g, struct flow *f, uint64_t t, uint8_t *p,
		      struct seg *s)
{
	int v6 = !!(f->flags & FL_V6);
	uint32_t max = v6 ? LINK_MTU - 40 : FRAG_DATA, slice, nfrag;

	if (f->dg_off >= f->dg_len) {
		int reply = !!(f->flags & FL_REPLY);

		if (!reply) {
			f->dg_size = f->mss;
			nfrag = (8 + f->dg_size + max - 1) / max;
			/* no half-written echoes at the end of the budget */
			if (nfrag > 1 && 2 * nfrag > f->left)
				f->dg_size = 56;
			f->xch++;
			f->aux = t;
		}
		f->dg_dir = reply;
		f->dg_len = 8 + f->dg_size;
		f->dg_off = 0;
		f->dg_id = f->ipid[reply]++;
		f->flags ^= FL_REPLY;
	}
	/* the datagram is rebuilt per fragment: flows share the scratch */
	icmp_msg(g, f, g->dgram);
	slice = f->dg_len - f->dg_off;
	if (slice > max)
		slice = max;
	memcpy(p, g->dgram + f->dg_off, slice);

	s->dir = f->dg_dir;
	s->proto = v6 ? PROTO_ICMPV6 : PROTO_ICMP;
	s->len = slice;
	s->valid = slice;
	s->csum_off = -1;
	s->own_id = 1;
	s->ipid = f->dg_id;
	if (slice < f->dg_len)
		s->ipfrag = (f->dg_off / 8) |
			    (f->dg_off + slice < f->dg_len ? 0x2000 : 0);
	else
		s->ipfrag = f->flags & FL_WINPING ? 0 : 0x4000;
	f->dg_off += slice;
}

/* ------------------------------------------------------------------ */
/* Framing and output.                                                 */

static uint8_t *eth_hdr(uint8_t *b, const uint8_t *dst, const uint8_t *src,
			const struct flow *f, uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	b += 12;
	if (f->svid) {
		put16(b, ETH_P_8021AD);
		put16(b + 2, f->svid);
		b += 4;
	}
	if (f->vid) {
		put16(b, ETH_P_8021Q);
		put16(b + 2, f->vid);
		b += 4;
	}
	put16(b, type);
	return b + 2;
}

static void dump(struct gen *g, uint64_t t, uint32_t wire)
{
	struct pcap_pkthdr h;
	uint64_t ns = g->start_ns + t;

	h.ts.tv_sec = ns / 1000000000ULL;
	h.ts.tv_usec = ns % 1000000000ULL;	/* nanoseconds: nano dumper */
	h.len = wire;
	h.caplen = wire < g->snaplen ? wire : g->snaplen;
	pcap_dump((u_char *)g->dumper, &h, g->buf);
	g->st.pkts++;
	g->st.wire += h.len;
	g->st.cap += h.caplen;
}

static void arp_emit(struct gen *g, struct flow *f, uint64_t t)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct host *a = &g->h[0][f->cli], *b = &g->h[0][f->srv];
	int req = f->sent == 0;
	const struct host *snd = req ? a : b;
	uint8_t *p;

	memset(g->buf, 0, ETH_MIN_FRAME);
	p = eth_hdr(g->buf, req ? bcast : a->mac, snd->mac, f, ETH_P_ARP);
	put16(p, 1);
	put16(p + 2, ETH_P_IP);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, req ? 1 : 2);
	memcpy(p + 8, snd->mac, 6);
	memcpy(p + 14, snd->addr, 4);
	if (!req)
		memcpy(p + 18, a->mac, 6);
	memcpy(p + 24, req ? b->addr : a->addr, 4);
	dump(g, t, ETH_MIN_FRAME);
}

static void emit(struct gen *g, struct flow *f, uint64_t t)
{
	uint8_t *b = g->buf, *ip, *l4;
	struct seg s = { .csum_off = -1 };
	int v6 = !!(f->flags & FL_V6);
	const struct host *src, *dst;
	uint32_t l2, l3, room, ip_end, wire, cap;
	uint16_t c;

	g->st.kind[f->kind]++;
	if (f->kind == K_ARP) {
		arp_emit(g, f, t);
		return;
	}
	l2 = 14 + (f->svid ? 4 : 0) + (f->vid ? 4 : 0);
	l3 = v6 ? 40 + (f->ext ? 8 : 0) : 20;
	l4 = b + l2 + l3;
	room = g->snaplen > l2 + l3 ? g->snaplen - l2 - l3 : 0;

	switch (f->kind) {
	case K_TCP:
		tcp_step(g, f, t, l4, room, &s);
		break;
	case K_ICMP:
		icmp_step(g, f, t, l4, &s);
		break;
	default:
		udp_step(g, f, t, l4, room, &s);
		break;
	}

	src = &g->h[v6][s.dir ? f->srv : f->cli];
	dst = &g->h[v6][s.dir ? f->cli : f->srv];
	ip = eth_hdr(b, dst->mac, src->mac, f, v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (v6) {
		put32(ip, 0x60000000 | f->label);
		put16(ip + 4, l3 - 40 + s.len);
		ip[6] = f->ext == EXT_HBH ? PROTO_HOPOPTS :
			f->ext == EXT_DST ? PROTO_DSTOPTS : s.proto;
		ip[7] = src->ttl;
		memcpy(ip + 8, src->addr, 16);
		memcpy(ip + 24, dst->addr, 16);
		if (f->ext) {
			/* 8 bytes: next header, length 0, PadN of four */
			ip[40] = s.proto;
			ip[41] = 0;
			ip[42] = 1;
			ip[43] = 4;
			memset(ip + 44, 0, 4);
			g->st.ext++;
		}
		g->st.v6++;
	} else {
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, 20 + s.len);
		put16(ip + 4, s.own_id ? s.ipid : f->ipid[s.dir]++);
		put16(ip + 6, s.own_id ? s.ipfrag : 0x4000);
		ip[8] = src->ttl;
		ip[9] = s.proto;
		put16(ip + 10, 0);
		memcpy(ip + 12, src->addr, 4);
		memcpy(ip + 16, dst->addr, 4);
		c = csum_fold(csum_add(0, ip, 20));
		memcpy(ip + 10, &c, 2);
		if (s.own_id && (s.ipfrag & 0x3fff))
			g->st.frag++;
		g->st.v4++;
	}
	if (s.csum_off >= 0) {
		/* bytes past the snap length are zeros by definition */
		uint64_t sum = csum_pseudo(src->addr, dst->addr, v6, s.proto,
					   s.len);

		c = csum_fold(csum_add(sum, l4, s.valid));
		if (s.proto == PROTO_UDP && !c)
			c = 0xffff;
		memcpy(l4 + s.csum_off, &c, 2);
	}
	if (f->svid)
		g->st.qinq++;
	else if (f->vid)
		g->st.vlan++;

	ip_end = l2 + l3 + s.len;
	wire = ip_end < ETH_MIN_FRAME ? ETH_MIN_FRAME : ip_end;
	cap = wire < g->snaplen ? wire : g->snaplen;
	if (cap > ip_end)
		memset(b + ip_end, 0, cap - ip_end);
	dump(g, t, wire);
}

/* when the flow's next packet goes out, given it just sent one at t */
static uint64_t flow_advance(struct gen *g, struct flow *f, uint64_t t)
{
	double span, u;
	uint64_t next;

	if (f->kind == K_ICMP && f->dg_off < f->dg_len) {
		/* the rest of a fragmented echo follows back to back */
		next = t + rng_range(&g->rng, 1000, 20000);
		return next < g->dur_ns ? next : g->dur_ns - 1;
	}
	if (f->end <= t)
		return t;
	/* the earliest of the remaining packets, uniform over (t, end] */
	span = (double)(f->end - t);
	u = rng_unit_pos(&g->rng);
	next = t + (uint64_t)(span * -expm1(log(u) / f->left));
	return next > f->end ? f->end : next;
}

static int gen_run(struct gen *g)
{
	FILE *fp = pcap_dump_file(g->dumper);

	while (g->nheap) {
		uint32_t i = g->heap[0];
		struct flow *f = &g->flows[i];
		uint64_t t = f->next;

		emit(g, f, t);
		f->sent++;
		if (--f->left)
			f->next = flow_advance(g, f, t);
		else
			g->heap[0] = g->heap[--g->nheap];
		heap_down(g, 0);
		/* fail early on a full disk rather than after the last packet */
		if (!(g->st.pkts & 0xffff) && ferror(fp))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Command line.                                                       */

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
	if (!g || gen_setup(g, &o)) {
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
	if (gen_run(g) || pcap_dump_flush(g->dumper) || ferror(fp)) {
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
		gen_free(g);
	free(g);
	return rc;
}
