/*
 * rng.c - seeding the PRNG and the distributions drawn from it: the
 * splitmix64 finaliser, log-uniform and Pareto draws, random fill.
 *
 * These give the trace its heavy tails (flow weights, sizes, gaps), so
 * they are kept together where their parameters can be read at once.
 */
#include <math.h>
#include <stdint.h>

#include "bytes.h"
#include "rng.h"

/* splitmix64's finaliser is a bijection, which makes unique ids cheap */
uint64_t gt_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void gt_rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++) {
		seed += 0x9e3779b97f4a7c15ULL;
		r->s[i] = gt_mix64(seed);
	}
}

/* log-uniform in [lo, hi): scale-free sizes and gaps */
double gt_rng_logu(struct rng *r, double lo, double hi)
{
	return lo * exp(rng_unit(r) * log(hi / lo));
}

double gt_rng_pareto(struct rng *r, double xm, double alpha)
{
	return xm * pow(rng_unit_pos(r), -1.0 / alpha);
}

void gt_rng_fill(struct rng *r, uint8_t *p, uint32_t n)
{
	uint64_t v;

	for (; n >= 8; n -= 8, p += 8)
		put_le64(p, rng_u64(r));
	for (v = rng_u64(r); n; n--, v >>= 8)
		*p++ = v;
}
