// SPDX-License-Identifier: BSD-3-Clause
/*
 * A pcap or pcapng file read in place (pcapmap.h). libpcap reads a file
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
 * reader touches a lost page. The handler maps a page of zeros over that
 * page alone and says so (pcapmap_lost()); the reader stops and names it.
 * The pages before the cut stay as they are: the packets read from them,
 * gathered but not yet copied, are copied as they are in the file.
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

/*
 * pcapng. Blocks are walked as libpcap walks them, and a file is read
 * here only while it holds nothing but what libpcap reads one way: any
 * block it would refuse, a second section, a packet block other than an
 * enhanced one, an interface unlike the first or with stamps other than
 * micro- or nanoseconds, and this reader says PCAPMAP_UNSURE: libpcap
 * reads on (and says what is wrong, if anything is).
 */
#define NG_SHB		0x0A0D0D0AU
#define NG_IDB		1U
#define NG_EPB		6U
#define NG_BOM		0x1A2B3C4DU
#define NG_SHB_MAX	(1024U * 1024U)		/* libpcap's sanity bound */
#define NG_BLOCK_MAX	(16U * 1024U * 1024U)	/* and its largest block */
#define NG_OPT_TSRESOL	9
#define NG_OPT_TSOFFSET	14

struct ng_block {
	uint32_t type;
	const uint8_t *body;	/* past type and length */
	size_t len;		/* body bytes, before the trailer */
	size_t total;
};

/* 1: a block at pm->off; 0: the file ends there; PCAPMAP_UNSURE. */
static int ng_block_at(struct pcapmap *pm, struct ng_block *b)
{
	const uint8_t *p = pm->base + pm->off;
	size_t left = pm->size - pm->off;
	uint32_t tl;

	if (!left)
		return 0;
	if (left < 8)
		return PCAPMAP_UNSURE;
	b->type = pcapmap_u32(pm, p);
	tl = pcapmap_u32(pm, p + 4);
	if (tl < 12 || tl % 4 || tl > NG_BLOCK_MAX || tl > left ||
	    pcapmap_u32(pm, p + tl - 4) != tl)
		return PCAPMAP_UNSURE;
	b->body = p + 8;
	b->len = tl - 12;
	b->total = tl;
	return 1;
}

/*
 * An interface's stamps: 1 nanoseconds, 0 microseconds (the default), or
 * PCAPMAP_UNSURE for any other resolution, an offset, or options libpcap
 * would refuse.
 */
static int ng_idb_nsec(const struct pcapmap *pm, const uint8_t *o, size_t left)
{
	bool seen = false;
	int nsec = 0;
	uint16_t code, len;
	size_t padded;

	while (left) {
		if (left < 4)
			return PCAPMAP_UNSURE;
		code = hdr_u16(pm, o);
		len = hdr_u16(pm, o + 2);
		padded = ((size_t)len + 3) / 4 * 4;
		if (left - 4 < padded)
			return PCAPMAP_UNSURE;
		if (code == 0)
			return len ? PCAPMAP_UNSURE : nsec;
		if (code == NG_OPT_TSOFFSET)
			return PCAPMAP_UNSURE;
		if (code == NG_OPT_TSRESOL) {
			if (len != 1 || seen || (o[4] != 6 && o[4] != 9))
				return PCAPMAP_UNSURE;
			seen = true;
			nsec = o[4] == 9;
		}
		o += 4 + padded;
		left -= 4 + padded;
	}
	return nsec;
}

/* An interface block; the first sets the file's link type and snap length. */
static int ng_idb(struct pcapmap *pm, const struct ng_block *b)
{
	uint16_t lt;
	uint32_t snap;
	int nsec;

	if (b->len < 8 || pm->ng_ifs == PCAPMAP_NG_IFS)
		return PCAPMAP_UNSURE;
	lt = hdr_u16(pm, b->body);
	snap = pcapmap_u32(pm, b->body + 4);
	if (!snap)
		snap = PCAP_MAX_SNAP;
	if (snap > PCAP_MAX_SNAP || linktype_dlt(lt) < 0)
		return PCAPMAP_UNSURE;
	/* libpcap holds a later one's type to the first's DLT_ value */
	if (pm->ng_ifs && (lt != pm->ng_linktype || lt != pm->dlt ||
			   snap != pm->snaplen))
		return PCAPMAP_UNSURE;
	nsec = ng_idb_nsec(pm, b->body + 8, b->len - 8);
	if (nsec < 0)
		return nsec;
	if (!pm->ng_ifs) {
		pm->ng_linktype = lt;
		pm->dlt = linktype_dlt(lt);
		pm->snaplen = snap;
	}
	pm->ng_nsec[pm->ng_ifs++] = nsec;
	return 0;
}

static int ng_init(struct pcapmap *pm, const uint8_t *b, size_t size)
{
	struct ng_block blk;
	uint32_t bom, tl;
	uint16_t major, minor;
	int r;

	if (size < 28)
		return -ENOTSUP;
	memcpy(&bom, b + 8, 4);
	if (bom == __builtin_bswap32(NG_BOM))
		pm->swapped = true;
	else if (bom != NG_BOM)
		return -ENOTSUP;
	tl = pcapmap_u32(pm, b + 4);
	major = hdr_u16(pm, b + 12);
	minor = hdr_u16(pm, b + 14);
	/* libpcap takes the first section's length as it is, and no more */
	if (tl < 28 || tl > NG_SHB_MAX || tl > size || major != 1 ||
	    (minor != 0 && minor != 2))
		return -ENOTSUP;
	pm->ng = true;
	pm->base = b;
	pm->size = size;
	pm->off = tl;
	/* up to the first interface, whose link type the file's is */
	while ((r = ng_block_at(pm, &blk)) == 1) {
		if (blk.type == NG_IDB) {
			if (ng_idb(pm, &blk))
				break;
			pm->off += blk.total;
			return 0;
		}
		if (blk.type == 2 || blk.type == 3 || blk.type == NG_EPB ||
		    blk.type == NG_SHB)
			break;
		pm->off += blk.total;
	}
	pm->ng = false;
	pm->base = NULL;
	return -ENOTSUP;
}

int pcapmap_ng_next(struct pcapmap *pm, struct pcap_pkthdr *h,
		    const uint8_t **data)
{
	struct ng_block b;
	uint32_t ifid, caplen;
	uint64_t t, res;
	int r;

	for (;;) {
		r = ng_block_at(pm, &b);
		if (r <= 0)
			return r ?: PCAPMAP_END;
		if (b.type == NG_IDB) {
			r = ng_idb(pm, &b);
			if (r)
				return r;
		} else if (b.type == NG_EPB) {
			break;
		} else if (b.type == NG_SHB || b.type == 2 || b.type == 3) {
			return PCAPMAP_UNSURE;
		}
		pm->off += b.total;
	}
	if (b.len < 20)
		return PCAPMAP_UNSURE;
	ifid = pcapmap_u32(pm, b.body);
	caplen = pcapmap_u32(pm, b.body + 12);
	if (ifid >= pm->ng_ifs || caplen > pm->snaplen || caplen > b.len - 20)
		return PCAPMAP_UNSURE;
	t = (uint64_t)pcapmap_u32(pm, b.body + 4) << 32 |
	    pcapmap_u32(pm, b.body + 8);
	res = pm->ng_nsec[ifid] ? 1000000000ULL : 1000000ULL;
	h->ts.tv_sec = (time_t)(t / res);
	h->ts.tv_usec = (int)((t % res) * (1000000000ULL / res));
	h->caplen = caplen;
	h->len = pcapmap_u32(pm, b.body + 16);
	*data = b.body + 20;
	pm->off += b.total;
	pm->given++;
	return PCAPMAP_PACKET;
}

int pcapmap_init(struct pcapmap *pm, const void *buf, size_t size)
{
	const uint8_t *b = buf;
	uint32_t magic;

	memset(pm, 0, sizeof(*pm));
	if (size >= 4 && !memcmp(b, "\n\r\r\n", 4))
		return ng_init(pm, b, size);
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
	pm->given++;
	return PCAPMAP_PACKET;
}

/* The mapping SIGBUS may hit: one trace is read at a time. */
static const uint8_t *bus_base;
static size_t bus_size;
static uintptr_t bus_page_mask;
static volatile sig_atomic_t bus_lost;
static struct sigaction bus_old;

static void bus_handler(int sig, siginfo_t *si, void *uc)
{
	const uint8_t *a = si->si_addr;
	void *page = (void *)((uintptr_t)a & bus_page_mask);

	(void)uc;
	if (bus_base && a >= bus_base && a < bus_base + bus_size &&
	    mmap(page, ~bus_page_mask + 1, PROT_READ,
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
	/*
	 * the header first: a file we leave to libpcap is not mapped at all
	 * (a pcapng file's is as long as its first blocks: mapped to see)
	 */
	if (pread(fd, hdr, sizeof(hdr), 0) != sizeof(hdr) ||
	    (memcmp(hdr, "\n\r\r\n", 4) && pcapmap_init(pm, hdr, sizeof(hdr))))
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
	bus_page_mask = ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);
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
