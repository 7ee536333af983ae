/* SPDX-License-Identifier: BSD-3-Clause */
/* One log for every program: diagnostics on stderr, data never. */
#ifndef _COMO_LOG_H
#define _COMO_LOG_H

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
/* For replies to a control request: the last error, the verifier's reason. */
const char *log_last_error(void);
const char *log_verifier_reason(void);
void log_clear(void);

#define pr_err(...)	log_msg(COMO_LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	log_msg(COMO_LOG_WARN, __VA_ARGS__)
#define pr_notice(...)	log_msg(COMO_LOG_NOTICE, __VA_ARGS__)
#define pr_info(...)	log_msg(COMO_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	log_msg(COMO_LOG_DEBUG, __VA_ARGS__)

#endif
