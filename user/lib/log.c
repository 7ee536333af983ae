// SPDX-License-Identifier: BSD-3-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"

static const char *log_prog = "como";
static int log_level = COMO_LOG_NOTICE;
/* the last error, for a control reply; the verifier's last words */
static char last_error[512];
static char verifier_reason[512];

/*
 * A verifier log ends with the instruction it refused and why, then a
 * "processed N insns" line: keep the few lines before that one.
 */
static void keep_verifier_reason(const char *log)
{
	const char *end = strstr(log, "\nprocessed "), *p = end;
	size_t n = 0;
	int lines = 0;

	if (!end)
		return;
	/* back to the start of the third line before "processed" */
	while (p > log && lines < 3)
		if (*--p == '\n')
			lines++;
	if (*p == '\n')
		p++;
	for (; p < end && n < sizeof(verifier_reason) - 1; p++)
		verifier_reason[n++] = *p == '\n' ? ' ' : *p;
	verifier_reason[n] = '\0';
}

/* libbpf speaks in whole verifier logs; they are shown only with -vv. */
static int libbpf_print(enum libbpf_print_level lvl, const char *fmt,
			va_list ap)
{
	int want = lvl == LIBBPF_WARN ? COMO_LOG_INFO : COMO_LOG_DEBUG;
	static char msg[1 << 16];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (lvl == LIBBPF_WARN)
		keep_verifier_reason(msg);
	if (want > log_level)
		return 0;
	return fprintf(stderr, "%s: %s", log_prog, msg);
}

const char *log_last_error(void)
{
	return last_error;
}

const char *log_verifier_reason(void)
{
	return verifier_reason;
}

void log_clear(void)
{
	last_error[0] = '\0';
	verifier_reason[0] = '\0';
}

void log_init(const char *prog, int verbosity)
{
	log_prog = prog;
	log_level = COMO_LOG_NOTICE + verbosity;
	libbpf_set_print(libbpf_print);
}

int log_verbosity(void)
{
	return log_level - COMO_LOG_NOTICE;
}

void log_msg(enum como_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl == COMO_LOG_ERR) {
		va_start(ap, fmt);
		vsnprintf(last_error, sizeof(last_error), fmt, ap);
		va_end(ap);
	}
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
