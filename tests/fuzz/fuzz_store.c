// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer: a segment file of any content. Reading it and reopening it
 * for append (which repairs a torn tail) never crash; the repair cuts only
 * the tail it reports, and every record before it reads back after.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "log.h"
#include "store.h"

static char dir[] = "/tmp/como-fuzz-store.XXXXXX";
static bool made;

static void empty_dir(void)
{
	struct dirent *de;
	char path[128];
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}

/* every record, or (WINDOWED) those the time index leaves for all time */
static void read_all(int *n, bool windowed)
{
	struct store_reader *r;
	const void *buf;
	uint32_t len;
	uint64_t ts;

	*n = 0;
	if (store_reader_open(&r, dir))
		return;
	if (windowed)
		store_reader_window(r, 0, UINT64_MAX, 1);
	while (store_read(r, &ts, &buf, &len) == 1)
		(*n)++;
	store_reader_close(r);
}

/* libFuzzer ends with exit(): the stream's folder goes with it */
static void remove_dir(void)
{
	empty_dir();
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_stats st;
	char path[128];
	struct store *s;
	int before, after, windowed;
	FILE *f;

	log_init("fuzz", -4);
	/* once: the name mkdtemp() makes may itself end in 'X' */
	if (!made) {
		if (!mkdtemp(dir))
			abort();
		made = true;
		atexit(remove_dir);
	}
	snprintf(path, sizeof(path), "%s/00000000.seg", dir);
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);

	read_all(&before, false);
	if (!store_open(&s, dir, 1 << 20)) {
		store_stats(s, &st);
		store_append(s, 1, "x", 1);
		store_close(s);
		read_all(&after, false);
		read_all(&windowed, true);
		/* the index written with the new record hides nothing */
		if (windowed != after)
			abort();
		/*
		 * the repair keeps every readable record but those of an
		 * interval never finished (the torn tail it says it cut), and
		 * the record appended follows
		 */
		if (after != before - (int)st.cut_records + 1 ||
		    st.cut_records > st.found_records)
			abort();
	}
	/* every input starts from an empty stream */
	empty_dir();
	return 0;
}
