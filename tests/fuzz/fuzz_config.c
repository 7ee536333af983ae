// SPDX-License-Identifier: BSD-3-Clause
/* libFuzzer: the config parser never crashes, leaks or reads out of bounds. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>
#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct como_config cfg = {};
	char path[64];
	int fd;

	log_init("fuzz", -4);
	fd = memfd_create("conf", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	config_load(&cfg, path);
	config_free(&cfg);
	close(fd);
	return 0;
}
