// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer: a stream's time index (index and index.sum) of any content,
 * beside the real segment it was made for. The input changes the real
 * files: its first byte cuts that many entries' worth of bytes off the
 * index, the rest is XORed over index and index.sum end to end. Reading
 * never crashes, and a window of all time reads every record: the index
 * may say where to look, never hide what no window leaves out.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "store.h"
#include "store_index.h"

#define RECORDS		600

static char dir[] = "/tmp/como-fuzz-index.XXXXXX";
static unsigned char *files;	/* index, then index.sum, as made */
static size_t ilen, slen;

static size_t file_get(const char *name, unsigned char **p)
{
	char path[128];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*p = malloc(1 << 20);
	f = fopen(path, "r");
	if (!*p || !f)
		abort();
	n = fread(*p, 1, 1 << 20, f);
	fclose(f);
	return n;
}

static void file_put(const char *name, const unsigned char *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static void remove_dir(void)
{
	struct dirent *de;
	char path[128];
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] ||
					     de->d_name[1] == '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* A stream of RECORDS records in intervals of 3, stamped 1000 ns apart. */
static void stream_make(void)
{
	unsigned char rec[100], *p;
	struct store *s;
	int i;

	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	if (store_open(&s, dir, 1 << 30))
		abort();
	for (i = 0; i < RECORDS; i++) {
		memset(rec, i, sizeof(rec));
		store_append(s, 1000 + 1000ULL * i, rec, 20 + i % 80);
		if (i % 3 == 2)
			store_interval_end(s);
	}
	store_close(s);
	ilen = file_get(STORE_INDEX_FILE, &files);
	slen = file_get(STORE_INDEX_SUM_FILE, &p);
	if (ilen < 8 * sizeof(struct store_idx_ent) ||
	    slen < 2 * sizeof(struct store_idx_sum))
		abort();	/* too few entries to fuzz the summaries */
	files = realloc(files, ilen + slen);
	memcpy(files + ilen, p, slen);
	free(p);
}

static int window_read(uint64_t start, uint64_t end)
{
	struct store_reader *r;
	const void *buf;
	uint32_t len;
	uint64_t ts;
	int n = 0;

	if (store_reader_open(&r, dir))
		abort();
	store_reader_window(r, start, end, 1000);
	while (store_read(r, &ts, &buf, &len) == 1)
		n++;
	store_reader_close(r);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *f;
	size_t cut = 0, i;
	uint64_t from;

	log_init("fuzz", -4);
	if (!files)
		stream_make();
	f = malloc(ilen + slen);
	if (!f)
		abort();
	memcpy(f, files, ilen + slen);
	if (size) {
		cut = data[0] * sizeof(struct store_idx_ent);
		if (cut > ilen)
			cut = ilen;
	}
	for (i = 1; i < size; i++)
		f[(i - 1) % (ilen + slen)] ^= data[i];
	file_put(STORE_INDEX_FILE, f, ilen - cut);
	file_put(STORE_INDEX_SUM_FILE, f + ilen, slen);
	free(f);
	if (window_read(0, UINT64_MAX) != RECORDS)
		abort();
	/* any other window: whatever it reads, without a crash */
	from = 1000 + 1000ULL * (size % RECORDS);
	window_read(from, from + 5000);
	return 0;
}
