/*
 * rng.h - the PRNG: xoshiro256** seeded through splitmix64, never
 * rand()/time(), so the seed alone decides every byte of a trace.
 *
 * The draws made per packet and per byte are static inline here so they
 * stay inlined in the files that call them; seeding and the slower
 * distributions live in rng.c.
 */
#ifndef GENTRACE_RNG_H
#define GENTRACE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

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

uint64_t gt_mix64(uint64_t z);
void gt_rng_seed(struct rng *r, uint64_t seed);
double gt_rng_logu(struct rng *r, double lo, double hi);
double gt_rng_pareto(struct rng *r, double xm, double alpha);
void gt_rng_fill(struct rng *r, uint8_t *p, uint32_t n);

#endif /* GENTRACE_RNG_H */
