// SPDX-License-Identifier: BSD-3-Clause
/*
 * std-oracle: an independent libpcap reading of what the standard modules
 * (topports, application, utilization, connections, synflood, scan)
 * report, per interval, as CSV like `como query -f csv` prints it.
 *
 * It has its own packet parser, written from the packet record's spec
 * (include/como/pkt.h, README "The packet record": the first 240 bytes,
 * Ethernet, Linux cooked, raw IP, two VLAN tags, MPLS, IPv4, IPv6 with up
 * to 8 extension headers, TCP/UDP/SCTP ports, ICMP type and code) and its
 * own tables; it shares no code with como.
 *
 * Usage: std-oracle -m MODULE -i INTERVAL_NS [-k K] [-a APPS] [-p PEAK_MS]
 *                   [-I IDLE_S] [-t MIN] [-D DSTS] [-P PORTS] [-E KEYS] FILE
 *
 * -E KEYS: the module's kernel map holds KEYS keys per interval; packets
 * with a key that does not fit are left out, and counted on stderr.
 *
 * Output is written once the whole file is read: a file libpcap cannot
 * read to its end gives no rows and exit 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SNAP		240
#define NS		1000000000ULL

#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif

struct pkt {
	uint64_t ts, len;
	int ip;			/* 4, 6 or 0 */
	int l4;			/* ports (or ICMP type/code) valid */
	uint8_t proto, flags;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("std-oracle: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---------------------------------------------------------------- parser */

static unsigned int be16(const uint8_t *b, size_t off)
{
	return (unsigned int)b[off] << 8 | b[off + 1];
}

static void v4mapped(uint8_t *to, const uint8_t *from)
{
	memset(to, 0, 10);
	to[10] = to[11] = 0xff;
	memcpy(to + 12, from, 4);
}

/* Returns where the transport header starts, or -1 if it cannot be read. */
static long l3_ipv4(const uint8_t *b, size_t off, size_t lim, struct pkt *p)
{
	size_t ihl;

	if (off + 20 > lim || b[off] >> 4 != 4)
		return -1;
	ihl = (b[off] & 15) * 4u;
	if (ihl < 20)
		return -1;
	p->ip = 4;
	p->proto = b[off + 9];
	v4mapped(p->src, b + off + 12);
	v4mapped(p->dst, b + off + 16);
	if (be16(b, off + 6) & 0x1fff)	/* a later fragment: no ports */
		return -1;
	return (long)(off + ihl);
}

static int ip6_ext(unsigned int h)
{
	return h == 0 || h == 43 || h == 44 || h == 60;
}

static long l3_ipv6(const uint8_t *b, size_t off, size_t lim, struct pkt *p)
{
	unsigned int next, n;
	size_t at = off + 40;
	int later = 0;

	if (off + 40 > lim || b[off] >> 4 != 6)
		return -1;
	p->ip = 6;
	memcpy(p->src, b + off + 8, 16);
	memcpy(p->dst, b + off + 24, 16);
	next = b[off + 6];
	for (n = 0; n < 8 && ip6_ext(next); n++) {
		if (at + 8 > lim)
			break;
		if (next == 44) {
			later |= (be16(b, at + 2) & 0xfff8) != 0;
			next = b[at];
			at += 8;
		} else {
			next = b[at];
			at += (b[at + 1] + 1) * 8u;
		}
	}
	p->proto = next;
	if (later || (n == 8 && ip6_ext(next)))
		return -1;
	return (long)at;
}

static void l4(const uint8_t *b, size_t at, size_t lim, struct pkt *p)
{
	if (at + 20 > SNAP)
		return;
	switch (p->proto) {
	case 6:
		if (at + 14 > lim)
			return;
		p->flags = b[at + 13];
		/* fall through */
	case 17:
	case 132:
		if (at + 4 > lim)
			return;
		p->sport = be16(b, at);
		p->dport = be16(b, at + 2);
		break;
	case 1:
	case 58:
		if (at + 2 > lim)
			return;
		p->dport = be16(b, at);
		break;
	default:
		return;
	}
	p->l4 = 1;
}

static void parse(int dlt, const uint8_t *b, size_t caplen, struct pkt *p)
{
	size_t lim = caplen < SNAP ? caplen : SNAP, off;
	unsigned int type, i;
	long at;

	switch (dlt) {
	case DLT_EN10MB:
		if (lim < 14)
			return;
		type = be16(b, 12);
		off = 14;
		break;
	case DLT_LINUX_SLL:
		if (lim < 16)
			return;
		type = be16(b, 14);
		off = 16;
		break;
	default:	/* raw IP */
		if (lim < 1)
			return;
		type = b[0] >> 4 == 4 ? 0x800 : b[0] >> 4 == 6 ? 0x86dd : 0;
		off = 0;
		goto l3;
	}
	for (i = 0; i < 2 && (type == 0x8100 || type == 0x88a8 ||
			      type == 0x9100); i++) {
		if (off + 4 > lim)
			return;
		type = be16(b, off + 2);
		off += 4;
	}
	if (type == 0x8847 || type == 0x8848) {
		for (i = 0;; i++) {
			if (i == 8 || off + 4 > lim)
				return;
			off += 4;
			if (b[off - 2] & 1)
				break;
		}
		if (off + 1 > lim)
			return;
		type = b[off] >> 4 == 4 ? 0x800 : b[off] >> 4 == 6 ? 0x86dd : 0;
	}
l3:
	if (type == 0x800)
		at = l3_ipv4(b, off, lim, p);
	else if (type == 0x86dd)
		at = l3_ipv6(b, off, lim, p);
	else
		return;
	if (at >= 0)
		l4(b, (size_t)at, lim, p);
}

/* ------------------------------------------------------------ a hash table */

#define KMAX	40

struct ent {
	int used;
	uint8_t key[KMAX];
	uint64_t v[4];
};

struct tab {
	struct ent *e;
	size_t cap, n, ksz;
};

static uint64_t hash(const uint8_t *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ *k++) * 1099511628211ULL;
	return h;
}

static struct ent *slot(struct ent *e, size_t cap, const uint8_t *k, size_t n)
{
	size_t i = hash(k, n) & (cap - 1);

	while (e[i].used && memcmp(e[i].key, k, n))
		i = (i + 1) & (cap - 1);
	return &e[i];
}

static struct ent *tab_get(struct tab *t, const void *key)
{
	struct ent *e;
	size_t i;

	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 4 : 1024;
		struct ent *ne = calloc(cap, sizeof(*ne));

		if (!ne)
			die("out of memory");
		for (i = 0; i < t->cap; i++)
			if (t->e[i].used)
				*slot(ne, cap, t->e[i].key, t->ksz) = t->e[i];
		free(t->e);
		t->e = ne;
		t->cap = cap;
	}
	e = slot(t->e, t->cap, key, t->ksz);
	if (!e->used) {
		e->used = 1;
		memcpy(e->key, key, t->ksz);
		t->n++;
	}
	return e;
}

static struct ent *tab_find(struct tab *t, const void *key)
{
	struct ent *e;

	if (!t->cap)
		return NULL;
	e = slot(t->e, t->cap, key, t->ksz);
	return e->used ? e : NULL;
}

/* the live entries, packed into a new array */
static struct ent *tab_list(struct tab *t)
{
	struct ent *v = calloc(t->n + 1, sizeof(*v));
	size_t i, n = 0;

	if (!v)
		die("out of memory");
	for (i = 0; i < t->cap; i++)
		if (t->e[i].used)
			v[n++] = t->e[i];
	return v;
}

static void tab_clear(struct tab *t)
{
	if (t->e)
		memset(t->e, 0, t->cap * sizeof(*t->e));
	t->n = 0;
}

/* ---------------------------------------------------------------- output */

static FILE *out;

static void ts(uint64_t t)
{
	fprintf(out, "%" PRIu64 ".%09" PRIu64, (uint64_t)(t / NS), (uint64_t)(t % NS));
}

static void addr(const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	char buf[INET6_ADDRSTRLEN];

	if (!memcmp(a, mapped, 12))
		inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
	fputs(buf, out);
}

/* ---------------------------------------------------------------- modules */

enum mode { TOPPORTS, APPLICATION, UTILIZATION, CONNECTIONS, SYNFLOOD, SCAN };

static enum mode mode;
static uint64_t ivl = NS, topk = 10, peak_ns = 100000000, idle_ns = 300 * NS;
static uint64_t min_syn = 20, min_dsts = 50, min_ports = 50;
static struct tab t1, t2, t3, t4, conns;
/* -E: the module's map holds this many keys per interval (0: no bound) */
static uint64_t bound, errors;

/*
 * The module's kernel map, bounded: a packet whose key is new to an
 * interval whose map is full is not counted (the module's error).
 */
static int fits(const void *key, size_t ksz)
{
	t4.ksz = ksz;
	if (!bound || tab_find(&t4, key))
		return 1;
	if (t4.n >= bound) {
		errors++;
		return 0;
	}
	tab_get(&t4, key);
	return 1;
}


/* application: the user's table, NAME:RULE[+RULE]...[;NAME:...] */
struct rule {
	unsigned int cls, proto, ported, lo, hi;
};

static struct rule rules[1024];
static unsigned int nrules, nclasses;
static uint64_t app[258][2];

static const char *default_apps =
	"web:tcp/80+tcp/443+tcp/8080+udp/443;"
	"dns:udp/53+tcp/53+udp/5353;"
	"mail:tcp/25+tcp/110+tcp/143+tcp/465+tcp/587+tcp/993+tcp/995;"
	"ssh:tcp/22;"
	"file:tcp/20-21+tcp/139+tcp/445+udp/69+udp/137-138;"
	"p2p:tcp/6346-6347+udp/6346-6347+tcp/6881-6889+udp/6881-6889;"
	"ntp:udp/123;"
	"icmp:icmp+icmp6";

static unsigned int proto_num(const char *s, size_t n)
{
	static const char *const names[] = { "tcp", "udp", "sctp", "icmp",
					     "icmp6" };
	static const unsigned int nums[] = { 6, 17, 132, 1, 58 };
	unsigned int i, v = 0;

	for (i = 0; i < 5; i++)
		if (strlen(names[i]) == n && !strncmp(s, names[i], n))
			return nums[i];
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			die("bad protocol '%.*s'", (int)n, s);
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (!n || v > 255)
		die("bad protocol '%.*s'", (int)n, s);
	return v;
}

static void apps_parse(const char *spec)
{
	char *s = strdup(spec), *cls, *r, *save1, *save2, *colon, *slash;

	for (cls = strtok_r(s, ";", &save1); cls; cls = strtok_r(NULL, ";", &save1)) {
		colon = strchr(cls, ':');
		if (!colon)
			die("bad class '%s'", cls);
		nclasses++;
		for (r = strtok_r(colon + 1, "+", &save2); r;
		     r = strtok_r(NULL, "+", &save2)) {
			struct rule *u = &rules[nrules++];

			slash = strchr(r, '/');
			u->cls = nclasses;
			u->proto = proto_num(r, slash ? (size_t)(slash - r) : strlen(r));
			if (slash) {
				u->ported = 1;
				if (sscanf(slash + 1, "%u-%u", &u->lo, &u->hi) != 2)
					u->hi = u->lo = (unsigned int)atoi(slash + 1);
			}
		}
	}
	free(s);
}

static unsigned int app_class(const struct pkt *p)
{
	int ported = p->l4 && (p->proto == 6 || p->proto == 17 || p->proto == 132);
	unsigned int port = p->sport < p->dport ? p->sport : p->dport, i;

	if (!p->ip)
		return 0;
	for (i = 0; i < nrules; i++) {
		if (rules[i].proto != p->proto)
			continue;
		if (!rules[i].ported ||
		    (ported && port >= rules[i].lo && port <= rules[i].hi))
			return rules[i].cls;
	}
	return 0;
}

/* utilization */
static uint64_t u_pkts, u_bytes, *sub_pkts, *sub_bytes, nsub;

static int cmp_bytes(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->v[1] != y->v[1])
		return x->v[1] < y->v[1] ? 1 : -1;
	return memcmp(x->key, y->key, 3);	/* proto, then port (big end) */
}

static int cmp_pkts(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->v[0] != y->v[0])
		return x->v[0] < y->v[0] ? 1 : -1;
	return memcmp(x->key, y->key, 3);
}

static int cmp_flood(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	uint64_t ex = x->v[0] - x->v[1], ey = y->v[0] - y->v[1];

	if (ex != ey)
		return ex < ey ? 1 : -1;
	return memcmp(x->key, y->key, 16);
}

static int cmp_scan(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->v[0] != y->v[0])
		return x->v[0] < y->v[0] ? 1 : -1;
	if (x->v[1] != y->v[1])
		return x->v[1] < y->v[1] ? 1 : -1;
	return memcmp(x->key, y->key, 16);
}

static void close_topports(uint64_t start)
{
	struct ent *v = tab_list(&t1);
	int by;
	size_t i;

	for (by = 1; by <= 2; by++) {
		qsort(v, t1.n, sizeof(*v), by == 1 ? cmp_bytes : cmp_pkts);
		for (i = 0; i < t1.n && i < topk; i++) {
			ts(start);
			fprintf(out, ",%d,%zu,%u,%u,%" PRIu64 ",%" PRIu64 "\n",
				by, i + 1, v[i].key[0], be16(v[i].key, 1),
				v[i].v[0], v[i].v[1]);
		}
	}
	free(v);
}

static uint64_t rate(uint64_t n, uint64_t ns)
{
	return (uint64_t)((unsigned __int128)n * NS / ns);
}

static void close_utilization(uint64_t start)
{
	uint64_t j, len, pb = 0, pp = 0;

	for (j = 0; j < nsub; j++) {
		len = ivl - j * peak_ns < peak_ns ? ivl - j * peak_ns : peak_ns;
		if (rate(sub_bytes[j] * 8, len) > pb)
			pb = rate(sub_bytes[j] * 8, len);
		if (rate(sub_pkts[j], len) > pp)
			pp = rate(sub_pkts[j], len);
	}
	ts(start);
	fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%" PRIu64 "\n", u_pkts, u_bytes, rate(u_bytes * 8, ivl),
		rate(u_pkts, ivl), pb, pp);
	u_pkts = u_bytes = 0;
	memset(sub_pkts, 0, nsub * sizeof(*sub_pkts));
	memset(sub_bytes, 0, nsub * sizeof(*sub_bytes));
}

/* packets, SYNs, FINs and RSTs of the connections past the bound (-E) */
static uint64_t u_conns[3];

/* conns: v[0] open, v[1] start of the last interval it had a packet in */
static void close_connections(uint64_t start)
{
	uint64_t active = 0, opened = 0, closed = 0;
	struct ent *c;
	size_t i;

	for (i = 0; i < conns.cap; i++) {
		c = &conns.e[i];
		if (c->used && c->v[0] && start - c->v[1] > idle_ns)
			c->v[0] = 0;
	}
	for (i = 0; i < t1.cap; i++) {
		struct ent *r = &t1.e[i];
		int was;

		if (!r->used)
			continue;
		c = tab_find(&conns, r->key);
		was = c && c->v[0];
		if (!was && !r->v[0])
			continue;
		active++;
		opened += !was;
		c = tab_get(&conns, r->key);
		c->v[1] = start;
		c->v[0] = !(r->v[1] || r->v[2]);
		closed += !c->v[0];
	}
	for (i = 0; i < conns.cap; i++) {
		c = &conns.e[i];
		active += c->used && c->v[0] && c->v[1] != start;
	}
	if (active || u_conns[0]) {
		ts(start);
		fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 "\n", active, opened, closed,
			u_conns[0], u_conns[1], u_conns[2]);
	}
	memset(u_conns, 0, sizeof(u_conns));
}

static void close_synflood(uint64_t start)
{
	struct ent *v = tab_list(&t1);
	size_t i;

	qsort(v, t1.n, sizeof(*v), cmp_flood);
	for (i = 0; i < t1.n; i++) {
		if (v[i].v[0] < v[i].v[1] + min_syn)
			continue;
		ts(start);
		fputc(',', out);
		addr(v[i].key);
		/* exact, with no error and no sketch's threshold */
		fprintf(out, ",%" PRIu64 ",%" PRIu64 ",1,0,0,0\n", v[i].v[0],
			v[i].v[1]);
	}
	free(v);
}

static void close_scan(uint64_t start)
{
	struct ent *v = tab_list(&t3);
	size_t i;

	qsort(v, t3.n, sizeof(*v), cmp_scan);
	for (i = 0; i < t3.n; i++) {
		if (v[i].v[0] < min_dsts && v[i].v[1] < min_ports)
			continue;
		ts(start);
		fputc(',', out);
		addr(v[i].key);
		/* exact, with no error */
		fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",1,0,0\n",
			v[i].v[0], v[i].v[1], v[i].v[2]);
	}
	free(v);
}

static void close_epoch(uint64_t start)
{
	unsigned int c;

	switch (mode) {
	case TOPPORTS:
		close_topports(start);
		break;
	case APPLICATION:
		for (c = 0; c <= nclasses; c++) {
			if (!app[c][0])
				continue;
			ts(start);
			fprintf(out, ",%u,%" PRIu64 ",%" PRIu64 "\n", c,
				app[c][0], app[c][1]);
		}
		memset(app, 0, sizeof(app));
		break;
	case UTILIZATION:
		close_utilization(start);
		break;
	case CONNECTIONS:
		close_connections(start);
		break;
	case SYNFLOOD:
		close_synflood(start);
		break;
	case SCAN:
		close_scan(start);
		break;
	}
	tab_clear(&t1);
	tab_clear(&t2);
	tab_clear(&t3);
	tab_clear(&t4);
}

static void add(const struct pkt *p, uint64_t start)
{
	uint8_t k[KMAX] = { 0 };
	int ported = p->l4 && (p->proto == 6 || p->proto == 17 || p->proto == 132);
	int tcp = p->l4 && p->proto == 6, first;
	struct ent *e;
	uint64_t j;

	switch (mode) {
	case TOPPORTS:
		if (!ported)
			return;
		k[0] = p->proto;
		k[1] = p->dport >> 8;
		k[2] = p->dport & 0xff;
		e = tab_get(&t1, k);
		e->v[0]++;
		e->v[1] += p->len;
		break;
	case APPLICATION:
		j = app_class(p);
		app[j][0]++;
		app[j][1] += p->len;
		break;
	case UTILIZATION:
		u_pkts++;
		u_bytes += p->len;
		j = p->ts < start ? 0 : (p->ts - start) / peak_ns;
		if (j >= nsub)
			j = nsub - 1;
		sub_pkts[j]++;
		sub_bytes[j] += p->len;
		break;
	case CONNECTIONS: {
		const uint8_t *a = p->src, *b = p->dst;
		unsigned int pa = p->sport, pb = p->dport;
		int c = memcmp(a, b, 16);

		if (!tcp)
			return;
		if (c > 0 || (c == 0 && pa > pb)) {
			a = p->dst;
			b = p->src;
			pa = p->dport;
			pb = p->sport;
		}
		memcpy(k, a, 16);
		memcpy(k + 16, b, 16);
		k[32] = pa >> 8;
		k[33] = pa & 0xff;
		k[34] = pb >> 8;
		k[35] = pb & 0xff;
		if (!fits(k, 36)) {
			/* the module's untracked row */
			u_conns[0]++;
			u_conns[1] += (p->flags & 0x12) == 0x02;
			u_conns[2] += (p->flags & 0x01) != 0;
			u_conns[2] += (p->flags & 0x04) != 0;
			return;
		}
		e = tab_get(&t1, k);
		e->v[0] += (p->flags & 0x12) == 0x02;	/* SYN, not SYN-ACK */
		e->v[1] += (p->flags & 0x01) != 0;	/* FIN */
		e->v[2] += (p->flags & 0x04) != 0;	/* RST */
		break;
	}
	case SYNFLOOD:
		if (!tcp)
			return;
		if ((p->flags & 0x12) == 0x02 && fits(p->dst, 16))
			tab_get(&t1, p->dst)->v[0]++;
		else if ((p->flags & 0x12) == 0x12 && fits(p->src, 16))
			tab_get(&t1, p->src)->v[1]++;
		break;
	case SCAN:
		if (!p->ip)
			return;
		/* the module's key: source, destination, protocol, port */
		memcpy(k, p->src, 16);
		memcpy(k + 16, p->dst, 16);
		k[32] = p->proto;
		k[33] = ported;
		k[34] = ported ? p->dport >> 8 : 0;
		k[35] = ported ? p->dport & 0xff : 0;
		if (!fits(k, 36))
			return;
		memset(k + 16, 0, sizeof(k) - 16);
		e = tab_get(&t3, k);		/* per source */
		e->v[2]++;
		memcpy(k + 16, p->dst, 16);
		first = !tab_find(&t1, k);
		tab_get(&t1, k);		/* source, destination */
		tab_find(&t3, p->src)->v[0] += first;
		if (!ported)
			return;
		memset(k + 16, 0, 16);
		k[16] = p->proto;
		k[17] = p->dport >> 8;
		k[18] = p->dport & 0xff;
		first = !tab_find(&t2, k);
		tab_get(&t2, k);		/* source, port */
		tab_find(&t3, p->src)->v[1] += first;
		break;
	}
}

static const char *const headers[] = {
	[TOPPORTS] = "ts,by,rank,proto,port,pkts,bytes",
	[APPLICATION] = "ts,class,pkts,bytes",
	[UTILIZATION] = "ts,pkts,bytes,bps,pps,peak_bps,peak_pps",
	[CONNECTIONS] = "ts,active,opened,closed,untracked_pkts,untracked_syns,untracked_ends",
	[SYNFLOOD] = "ts,addr,syns,synacks,exact,syns_err,synacks_err,threshold",
	[SCAN] = "ts,src,dsts,ports,pkts,exact,dsts_err,ports_err",
};

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		die("bad number '%s'", s);
	return v;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "topports", "application",
		"utilization", "connections", "synflood", "scan" };
	char err[PCAP_ERRBUF_SIZE], *buf = NULL;
	const char *m = NULL, *apps = default_apps;
	uint64_t epoch = 0, t;
	struct pcap_pkthdr *h;
	const u_char *data;
	int opt, dlt, rc, open = 0;
	size_t len = 0, i;
	pcap_t *pc;

	while ((opt = getopt(argc, argv, "m:i:k:a:p:I:t:D:P:E:")) != -1) {
		switch (opt) {
		case 'm': m = optarg; break;
		case 'i': ivl = num(optarg); break;
		case 'k': topk = num(optarg); break;
		case 'a': apps = optarg; break;
		case 'p': peak_ns = num(optarg) * 1000000; break;
		case 'I': idle_ns = num(optarg) * NS; break;
		case 't': min_syn = num(optarg); break;
		case 'D': min_dsts = num(optarg); break;
		case 'P': min_ports = num(optarg); break;
		case 'E': bound = num(optarg); break;
		default: die("unknown option");
		}
	}
	for (i = 0; m && i < 6; i++)
		if (!strcmp(m, names[i]))
			break;
	if (!m || i == 6 || optind != argc - 1 || !ivl || !peak_ns)
		die("usage: std-oracle -m MODULE -i NS [options] FILE");
	mode = (enum mode)i;
	apps_parse(apps);
	t1.ksz = t2.ksz = conns.ksz = 36;
	t3.ksz = 16;
	if (mode == TOPPORTS)
		t1.ksz = 3;
	if (mode == SYNFLOOD)
		t1.ksz = 16;
	if (mode == SCAN)
		t1.ksz = 32;
	nsub = (ivl + peak_ns - 1) / peak_ns;
	sub_pkts = calloc(nsub, sizeof(*sub_pkts));
	sub_bytes = calloc(nsub, sizeof(*sub_bytes));
	if (!sub_pkts || !sub_bytes)
		die("out of memory");

	pc = pcap_open_offline_with_tstamp_precision(argv[optind],
				PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc)
		die("%s", err);
	dlt = pcap_datalink(pc);
	if (dlt != DLT_EN10MB && dlt != DLT_LINUX_SLL && dlt != DLT_RAW &&
	    dlt != DLT_IPV4 && dlt != DLT_IPV6)
		die("unsupported link type %d", dlt);
	out = open_memstream(&buf, &len);
	if (!out)
		die("open_memstream: %s", strerror(errno));
	fprintf(out, "%s\n", headers[mode]);
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		struct pkt p = { 0 };
		int64_t sec = h->ts.tv_sec;

		/* classic pcap's seconds are unsigned 32-bit */
		if (pcap_major_version(pc) == 2 && sec < 0)
			sec += (int64_t)1 << 32;
		if (sec < 0 || h->ts.tv_usec < 0 || h->ts.tv_usec >= (long)NS)
			die("bad timestamp");
		p.ts = (uint64_t)sec * NS + (uint64_t)h->ts.tv_usec;
		p.len = h->len;
		parse(dlt, data, h->caplen, &p);
		/* epochs only move forward: older packets join the open one */
		t = p.ts / ivl;
		if (!open || t > epoch) {
			if (open)
				close_epoch(epoch * ivl);
			open = 1;
			epoch = t;
		}
		add(&p, epoch * ivl);
	}
	if (rc == -1)
		die("%s: %s", argv[optind], pcap_geterr(pc));
	if (open)
		close_epoch(epoch * ivl);
	pcap_close(pc);
	fclose(out);
	fwrite(buf, 1, len, stdout);
	if (bound)
		fprintf(stderr, "errors %" PRIu64 "\n", errors);
	free(buf);
	return 0;
}
