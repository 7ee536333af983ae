/*
 * bytes.h - stores in an explicit byte order.
 *
 * Multi-byte fields are written through these rather than by native
 * stores, so a seed gives the same file whatever the host's byte order
 * (checksums are the one exception, and csum.c says why).
 */
#ifndef GENTRACE_BYTES_H
#define GENTRACE_BYTES_H

#include <stdint.h>

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

/* explicit byte order keeps the output the same on any host */
static inline void put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

#endif /* GENTRACE_BYTES_H */
