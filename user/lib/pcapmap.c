// SPDX-License-Identifier: BSD-3-Clause
/*
 * A classic pcap file read in place (pcapmap.h). libpcap reads a file
 * through stdio: each byte is copied from the page cache into stdio's
 * buffer, then into libpcap's, before como copies it into a batch frame;
 * on a trace run the first two copies were a fifth of the CPU and most of
 * the reading thread's. Here the file is mapped and read where it lies.
 *
 * It reads exactly what libpcap reads and no more (the fuzz target holds
 * it to libpcap packet by packet); every header it is not sure of goes to
 * libpcap, which says what is wrong with it.
 *
 * A mapped file that another program truncates raises SIGBUS where the
 * reader touches the lost pages. The handler maps zeros there instead and
 * says so (pcapmap_lost()); the reader stops and names it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pcap/dlt.h>
#include "pcapmap.h"

#define PCAP_MAGIC_USEC	0xa1b2c3d4U
#define PCAP_MAGIC_NSEC	0xa1b23c4dU
#define PCAP_HDR_SIZE	24
#define PCAP_REC_SIZE	16
/* libpcap's largest sane capture of a packet for the link types below */
#define PCAP_MAX_SNAP	262144U
/* the link-layer type is the low 26 bits of the header's field */
#define LT_LINKTYPE(x)	((x) & 0x03FFFFFFU)

/* The file's link-layer type as libpcap names it (DLT_), for those como reads. */
static int linktype_dlt(uint32_t linktype)
{
	switch (LT_LINKTYPE(linktype)) {
	case 1:
		return DLT_EN10MB;
	case 101:
		return DLT_RAW;
	case 113:
		return DLT_LINUX_SLL;
	case 228:
		return DLT_IPV4;
	case 229:
		return DLT_IPV6;
	default:
		return -1;
	}
}

static uint16_t hdr_u16(const struct pcapmap *pm, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return pm->swapped ? __builtin_bswap16(v) : v;
}

int pcapmap_init(struct pcapmap *pm, const void *buf, size_t size)
{
	const uint8_t *b = buf;
	uint32_t magic;

	memset(pm, 0, sizeof(*pm));
	if (size < PCAP_HDR_SIZE)
		return -ENOTSUP;
	memcpy(&magic, b, 4);
	if (magic == __builtin_bswap32(PCAP_MAGIC_USEC) ||
	    magic == __builtin_bswap32(PCAP_MAGIC_NSEC)) {
		pm->swapped = true;
		magic = __builtin_bswap32(magic);
	}
	if (magic != PCAP_MAGIC_USEC && magic != PCAP_MAGIC_NSEC)
		return -ENOTSUP;
	pm->usec = magic == PCAP_MAGIC_USEC;
	/* 2.4 only: earlier versions may have caplen and len the other way */
	if (hdr_u16(pm, b + 4) != 2 || hdr_u16(pm, b + 6) != 4)
		return -ENOTSUP;
	pm->snaplen = pcapmap_u32(pm, b + 16);
	/* 0 or a huge one: libpcap puts its own in their place */
	if (!pm->snaplen || pm->snaplen > PCAP_MAX_SNAP)
		return -ENOTSUP;
	pm->dlt = linktype_dlt(pcapmap_u32(pm, b + 20));
	if (pm->dlt < 0)
		return -ENOTSUP;
	pm->base = b;
	pm->size = size;
	pm->off = PCAP_HDR_SIZE;
	return 0;
}

int pcapmap_next_slow(struct pcapmap *pm, struct pcap_pkthdr *h,
		      const uint8_t **data)
{
	const uint8_t *r = pm->base + pm->off;
	size_t left = pm->size - pm->off, keep;
	uint32_t caplen;

	if (!left)
		return PCAPMAP_END;
	if (left < PCAP_REC_SIZE) {
		snprintf(pm->err, sizeof(pm->err), "truncated dump file; "
			 "tried to read %d header bytes, only got %zu",
			 PCAP_REC_SIZE, left);
		return PCAPMAP_ERROR;
	}
	left -= PCAP_REC_SIZE;
	caplen = pcapmap_u32(pm, r + 8);
	if (caplen > PCAP_MAX_SNAP) {
		snprintf(pm->err, sizeof(pm->err), "invalid packet capture "
			 "length %u, bigger than snaplen of %u", caplen,
			 pm->snaplen);
		return PCAPMAP_ERROR;
	}
	/* past the file's snap length: libpcap keeps that much, skips the rest */
	keep = caplen > pm->snaplen ? pm->snaplen : caplen;
	if (caplen > left) {
		snprintf(pm->err, sizeof(pm->err), "truncated dump file; "
			 "tried to read %zu captured bytes, only got %zu",
			 keep < left ? (size_t)caplen : keep, left);
		return PCAPMAP_ERROR;
	}
	pcapmap_stamp(pm, h, r);
	h->caplen = keep;
	h->len = pcapmap_u32(pm, r + 12);
	*data = r + PCAP_REC_SIZE;
	pm->off += PCAP_REC_SIZE + (size_t)caplen;
	return PCAPMAP_PACKET;
}

/* The mapping SIGBUS may hit: one trace is read at a time. */
static const uint8_t *bus_base;
static size_t bus_size;
static volatile sig_atomic_t bus_lost;
static struct sigaction bus_old;

static void bus_handler(int sig, siginfo_t *si, void *uc)
{
	const uint8_t *a = si->si_addr;

	(void)uc;
	if (bus_base && a >= bus_base && a < bus_base + bus_size &&
	    mmap((void *)bus_base, bus_size, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
		bus_lost = 1;
		return;
	}
	/* not ours: the fault comes back and takes its default course */
	signal(sig, SIG_DFL);
}

bool pcapmap_lost(const struct pcapmap *pm)
{
	return pm->mapped && bus_lost;
}

int pcapmap_open(struct pcapmap *pm, int fd)
{
	struct sigaction sa = { .sa_sigaction = bus_handler,
				.sa_flags = SA_SIGINFO };
	uint8_t hdr[PCAP_HDR_SIZE];
	struct stat st;
	void *m;
	int err;

	memset(pm, 0, sizeof(*pm));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || bus_base ||
	    (uint64_t)st.st_size < PCAP_HDR_SIZE)
		return -ENOTSUP;
	/* the header first: a file we leave to libpcap is not mapped at all */
	if (pread(fd, hdr, sizeof(hdr), 0) != sizeof(hdr) ||
	    pcapmap_init(pm, hdr, sizeof(hdr)))
		return -ENOTSUP;
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	err = pcapmap_init(pm, m, st.st_size);
	if (err) {
		/* it changed between the two reads: libpcap reads it */
		munmap(m, st.st_size);
		return err;
	}
	madvise(m, st.st_size, MADV_SEQUENTIAL);
	pm->mapped = true;
	bus_base = m;
	bus_size = st.st_size;
	bus_lost = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &bus_old);
	return 0;
}

void pcapmap_close(struct pcapmap *pm)
{
	if (!pm->mapped)
		return;
	sigaction(SIGBUS, &bus_old, NULL);
	bus_base = NULL;
	munmap((void *)pm->base, pm->size);
	pm->mapped = false;
}
