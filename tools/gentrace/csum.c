/*
 * csum.c - the Internet checksum and the TCP/UDP/ICMPv6 pseudo-header.
 *
 * The IPv4 header, the TCP/UDP framing and the ICMP echo builder all
 * sum with this one implementation.
 */
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "gentrace.h"

/*
 * The Internet checksum is byte-order independent (RFC 1071): summing
 * native words and storing the folded result natively gives the right
 * bytes, and 32-bit loads halve the work.  Every part summed must start
 * at an even offset of the checksummed data, which all callers honour.
 */
uint64_t gt_csum_add(uint64_t sum, const uint8_t *p, size_t len)
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

uint16_t gt_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint64_t gt_csum_pseudo(const uint8_t *src, const uint8_t *dst, int v6,
			uint8_t proto, uint32_t len)
{
	uint8_t ph[40];

	if (v6) {
		memcpy(ph, src, 16);
		memcpy(ph + 16, dst, 16);
		put32(ph + 32, len);
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = proto;
		return gt_csum_add(0, ph, 40);
	}
	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, len);
	return gt_csum_add(0, ph, 12);
}
