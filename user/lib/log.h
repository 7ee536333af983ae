/* SPDX-License-Identifier: BSD-3-Clause */
/* One log for every program: diagnostics on stderr, data never. */
#ifndef _COMO_LOG_H
#define _COMO_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum como_log_level {
	COMO_LOG_ERR,
	COMO_LOG_WARN,
	COMO_LOG_NOTICE,	/* shown by default: what a user should know */
	COMO_LOG_INFO,
	COMO_LOG_DEBUG,
};

void log_init(const char *prog, int verbosity);
void log_msg(enum como_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int log_verbosity(void);
/* VERBOSITY as log_init's from now on (a look that says nothing); the old */
int log_set_verbosity(int verbosity);
/* For replies to a control request: the last error, the verifier's reason. */
const char *log_last_error(void);
const char *log_verifier_reason(void);
void log_clear(void);
/*
 * SRC as a terminal may show it: control bytes, DEL, bytes that are not
 * valid UTF-8 and the Unicode characters that act rather than show
 * become \xNN, each byte; TEXT keeps newlines and tabs (a log of many
 * lines). Writes what fits of it into DST (SIZE bytes, NUL included:
 * whole characters and escapes only) and returns its whole length, as
 * snprintf does. Every pr_*() message goes through it.
 */
size_t log_escape(char *dst, size_t size, const char *src, bool text);

#define pr_err(...)	log_msg(COMO_LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	log_msg(COMO_LOG_WARN, __VA_ARGS__)
#define pr_notice(...)	log_msg(COMO_LOG_NOTICE, __VA_ARGS__)
#define pr_info(...)	log_msg(COMO_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	log_msg(COMO_LOG_DEBUG, __VA_ARGS__)

#endif
