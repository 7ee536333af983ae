// SPDX-License-Identifier: BSD-3-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"

static const char *log_prog = "como";
static int log_level = COMO_LOG_WARN;

/* libbpf speaks in whole verifier logs; they are shown only with -vv. */
static int libbpf_print(enum libbpf_print_level lvl, const char *fmt,
			va_list ap)
{
	int want = lvl == LIBBPF_WARN ? COMO_LOG_INFO : COMO_LOG_DEBUG;

	if (want > log_level)
		return 0;
	fprintf(stderr, "%s: ", log_prog);
	return vfprintf(stderr, fmt, ap);
}

void log_init(const char *prog, int verbosity)
{
	log_prog = prog;
	log_level = COMO_LOG_WARN + verbosity;
	libbpf_set_print(libbpf_print);
}

int log_verbosity(void)
{
	return log_level - COMO_LOG_WARN;
}

void log_msg(enum como_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if ((int)lvl > log_level)
		return;
	fprintf(stderr, "%s: ", log_prog);
	if (lvl == COMO_LOG_WARN)
		fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
