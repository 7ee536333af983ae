/*
 * payload_udp.c - what UDP datagrams carry: DNS queries and answers,
 * NTP client and server messages, syslog lines; and the made-up DNS
 * names, which HTTP Host: headers use too.
 *
 * Each message is complete and consistent (a DNS answer repeats its
 * question, an NTP reply echoes the client's transmit time) so protocol
 * analysers accept them.  QUIC headers are written by udp.c.
 */
#define _DEFAULT_SOURCE

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "gentrace.h"

#define NTP_UNIX_DELTA	2208988800ULL

const char *const gt_dns_label[] = {
	"www", "api", "cdn", "mail", "static", "img", "login", "update",
	"ntp", "ns1", "edge", "assets", "media", "chat", "git", "docs",
	"auth", "metrics", "video", "m",
};

const char *const gt_dns_zone[] = {
	"example.com", "example.net", "example.org", "shop.example",
	"news.example", "cloud.example", "corp.test", "mirror.test",
	"video.example", "bank.example",
};

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
uint32_t gt_dns_msg(uint8_t *p, uint64_t seed, int resp)
{
	struct rng r;
	char name[96];
	uint16_t id, qtype, an = 0, i;
	uint32_t len, ttl;
	int edns, nx;
	double u;

	gt_rng_seed(&r, seed);
	id = rng_u64(&r);
	/* nested draw: low zone indices are far more popular */
	i = rng_below(&r, rng_below(&r, NELEM(gt_dns_zone)) + 1);
	if (rng_unit(&r) < 0.3)
		snprintf(name, sizeof(name), "%s%u.%s",
			 gt_dns_label[rng_below(&r, NELEM(gt_dns_label))],
			 rng_range(&r, 1, 20), gt_dns_zone[i]);
	else
		snprintf(name, sizeof(name), "%s.%s",
			 gt_dns_label[rng_below(&r, NELEM(gt_dns_label))],
			 gt_dns_zone[i]);
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

uint32_t gt_ntp_msg(struct gen *g, struct flow *f, int dir, uint64_t t,
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

uint32_t gt_syslog_msg(struct gen *g, struct flow *f, uint64_t t,
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
