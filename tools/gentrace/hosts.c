/*
 * hosts.c - the host pools and how popular each host is.
 *
 * IPv4 hosts sit in 10/8 plus the documentation ranges, IPv6 hosts in
 * 2001:db8::/32, each with a MAC, a TTL and a Windows or Linux stack.
 * Zipf tables then pick clients and servers, so that, as on a real link,
 * a few servers carry most of the traffic.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "gentrace.h"

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

void gt_hosts_v4(struct rng *r, struct host *h, uint32_t n)
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

void gt_hosts_v6(struct rng *r, struct host *h, uint32_t n)
{
	uint16_t site = rng_u64(r);
	uint64_t salt = rng_u64(r);
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t *a = h[i].addr;
		uint64_t iid = gt_mix64(i ^ salt);	/* unique per host */

		put16(a, 0x2001);
		put16(a + 2, 0x0db8);
		put16(a + 4, site);
		put16(a + 6, rng_below(r, 16));
		put32(a + 8, iid >> 32);
		put32(a + 12, iid);
		host_common(r, &h[i]);
	}
}

int gt_zipf_init(struct zipf *z, struct rng *r, uint32_t n, double s)
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
uint32_t gt_zipf_pick(const struct zipf *z, struct rng *r, uint32_t lim)
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
