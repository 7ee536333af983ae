// SPDX-License-Identifier: BSD-3-Clause
/*
 * The log every program writes through: one line per message, on stderr.
 * Messages carry text from outside (instance names, module arguments,
 * filters, paths, file contents) in their %s, so each message is escaped
 * as a whole before it is shown or kept for a control reply: a terminal or
 * the journal never sees a control byte from it, and it stays one line.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"

static const char *log_prog = "como";
static int log_level = COMO_LOG_NOTICE;
/* the last error, for a control reply; the verifier's last words */
static char last_error[512];
static char verifier_reason[512];

/*
 * The length of the UTF-8 character at S, of at most N bytes, when a
 * terminal shows it as text; 0 for anything else: a byte that starts no
 * character, an overlong form, a surrogate, beyond U+10FFFF, and the
 * characters that act rather than show: C1 controls (U+0080 to U+009F;
 * U+009B is a CSI to some terminals), the line and paragraph separators
 * and the bidirectional controls that reorder what follows them.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (s[0] == 0xc2 || s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++, lo = 0x80, hi = 0xbf)
		if (s[i] < lo || s[i] > hi)
			return 0;
	/* U+2028 to U+202E, U+2066 to U+2069 */
	if (s[0] == 0xe2 && ((s[1] == 0x80 && s[2] >= 0xa8 && s[2] <= 0xae) ||
			     (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)))
		return 0;
	return len;
}

/* How many bytes of S go out as they are; 0: escape the byte at S. */
static size_t shown_len(const unsigned char *s, size_t n, bool text)
{
	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	if (text && (s[0] == '\n' || s[0] == '\t'))
		return 1;
	return utf8_len(s, n);
}

size_t log_escape(char *dst, size_t size, const char *src, bool text)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t n = strlen(src), len = 0, done = 0, k, w;
	bool stop = false;
	char esc[4];

	while (n) {
		k = shown_len(s, n, text);
		w = k ?: sizeof(esc);
		if (!k) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[*s >> 4];
			esc[3] = hex[*s & 0xf];
		}
		/* whole characters and escapes only, when DST is short */
		if (!stop && len + w < size) {
			memcpy(dst + len, k ? (const char *)s : esc, w);
			done = len + w;
		} else {
			stop = true;
		}
		len += w;
		s += k ?: 1;
		n -= k ?: 1;
	}
	if (size)
		dst[done] = '\0';
	return len;
}

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

/*
 * PREFIX then MSG, escaped, as one write: TEXT keeps MSG's lines and tabs
 * (a verifier log), else MSG is one line. Without the memory for the
 * whole of it, its start.
 */
static void put_msg(const char *prefix, const char *msg, bool text)
{
	size_t len = log_escape(NULL, 0, msg, text);
	char stack[1024], *esc = malloc(len + 1);

	if (esc)
		log_escape(esc, len + 1, msg, text);
	else
		log_escape(stack, sizeof(stack), msg, text);
	fprintf(stderr, "%s: %s%s%s", log_prog, prefix, esc ?: stack,
		text ? "" : "\n");
	free(esc);
}

/*
 * libbpf speaks in whole verifier logs, shown only with -vv: each of
 * their lines escaped, the lines kept.
 */
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
	put_msg("", msg, true);
	return 0;
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
	char stack[1024], *msg = stack;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(stack, sizeof(stack), fmt, ap);
	va_end(ap);
	/* a long message (a filter quoted whole) is shown whole */
	if (n >= (int)sizeof(stack)) {
		msg = malloc(n + 1);
		if (msg) {
			va_start(ap, fmt);
			vsnprintf(msg, n + 1, fmt, ap);
			va_end(ap);
		} else {
			msg = stack;
		}
	}
	/* kept escaped: a control reply carries it to another terminal */
	if (lvl == COMO_LOG_ERR)
		log_escape(last_error, sizeof(last_error), msg, false);
	if ((int)lvl <= log_level)
		put_msg(lvl == COMO_LOG_WARN ? "warning: " : "", msg, false);
	if (msg != stack)
		free(msg);
}
