/*
 * payload_tcp.c - what TCP segments carry: HTTP/1.1 heads and bodies,
 * the SSH banner and key exchange then encrypted packets, the SMTP
 * greeting, TLS record headers.
 *
 * Real protocol text where a dissector looks (and only as much as the
 * snap length lets it see whole), random bytes for the rest, so traces
 * dissect cleanly in Wireshark instead of showing malformed packets.
 */
#define _DEFAULT_SOURCE

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "gentrace.h"

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
				   gt_dns_label[f->aux % NELEM(gt_dns_label)],
				   gt_dns_zone[(f->aux >> 8) % NELEM(gt_dns_zone)]);
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
		gt_rng_fill(r, q + 1, 16);			/* cookie */
		n += 17;
		for (i = 0; i < 10; i++)
			n += put_str(p + n, kexinit[i], strlen(kexinit[i]));
		p[n++] = 0;				/* no guessed kex */
		put32(p + n, 0);
		n += 4;
	} else if (m == 2 && !dir) {
		q[0] = 30;				/* ECDH init */
		put32(q + 1, 32);
		gt_rng_fill(r, q + 5, 32);
		n += 37;
	} else if (m == 2) {
		uint8_t blob[96];
		uint32_t b;

		q[0] = 31;				/* ECDH reply */
		n++;
		b = put_str(blob, "ssh-ed25519", 11);
		put32(blob + b, 32);
		gt_rng_fill(r, blob + b + 4, 32);
		n += put_str(p + n, blob, b + 36);	/* host key */
		put32(p + n, 32);
		gt_rng_fill(r, p + n + 4, 32);		/* server key */
		n += 36;
		b = put_str(blob, "ssh-ed25519", 11);
		put32(blob + b, 64);
		gt_rng_fill(r, blob + b + 4, 64);
		n += put_str(p + n, blob, b + 68);	/* signature */
	} else {
		q[0] = 21;				/* NEWKEYS */
		n++;
	}
	/* pad to the 8-byte block with at least 4 bytes */
	pad = 8 - n % 8;
	if (pad < 4)
		pad += 8;
	gt_rng_fill(r, p + n, pad);
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
uint32_t gt_tcp_app(struct gen *g, struct flow *f, int dir, uint64_t t,
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
		body = gt_rng_logu(&g->rng, 200, 2e7);
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
