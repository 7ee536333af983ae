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
/*
 * the last error, for a control reply; the verifier's last words: each
 * thread's own (modules load on several at once, requests are answered
 * on several)
 */
static __thread char last_error[512];
static __thread char verifier_reason[512];

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

/* Is the line at P, of LEN bytes, an instruction: "156: (71) r1 = ..." */
static bool insn_line(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] >= '0' && p[i] <= '9')
		i++;
	return i && i + 2 < len && p[i] == ':' && p[i + 1] == ' ' &&
	       p[i + 2] == '(';
}

/* The line before the one that starts at END (just past its '\n'). */
static const char *line_before(const char *log, const char *end,
			       size_t *len)
{
	const char *p = end - 1;	/* its '\n' */

	while (p > log && p[-1] != '\n')
		p--;
	*len = end - 1 - p;
	return p;
}

/*
 * Appends to BUF (of SIZE, holding *N) the source line of a verifier
 * comment, "; v[i] += 1; @ file.bpf.c:18" (BTF line info; older kernels
 * give the text alone), as ", at file.bpf.c:18 `v[i] += 1;`". 0 when it
 * carries nothing: line 0 or no text. The kernel gives the file's base
 * name.
 */
static int put_source(char *buf, size_t size, size_t *n, const char *p,
		      size_t len)
{
	const char *at = NULL, *q, *file = NULL;
	size_t text, flen = 0;

	p += 2;
	len -= 2;
	for (q = p; q + 2 < p + len; q++)
		if (q[0] == ' ' && q[1] == '@' && q[2] == ' ')
			at = q;
	text = at ? (size_t)(at - p) : len;
	if (at) {
		file = at + 3;
		flen = p + len - file;
		/* line 0: code the compiler made for no line of the source */
		if (flen >= 2 && !memcmp(file + flen - 2, ":0", 2))
			return 0;
	}
	while (text && p[text - 1] == ' ')
		text--;
	while (text && *p == ' ') {
		p++;
		text--;
	}
	if (!text)
		return 0;
	if (file)
		*n += snprintf(buf + *n, size - *n, ", at %.*s `%.*s`",
			       (int)flen, file, (int)text, p);
	else
		*n += snprintf(buf + *n, size - *n, ", at `%.*s`", (int)text, p);
	if (*n >= size)
		*n = size - 1;
	return 1;
}

/*
 * A verifier log ends with the instruction it refused, why, then a
 * "processed N insns" line; before the instructions of each source line
 * it writes that line as a comment (BTF line info). Keeps why, the last
 * source line before it and the instruction, as one line:
 * "R0 unbounded memory access, ..., at x.bpf.c:18 `v[i] += 1;` (insn 156:
 * r1 = *(u8 *)(r0 +0))".
 */
static void keep_verifier_reason(const char *log)
{
	const char *end = strstr(log, "\nprocessed "), *p, *insn = NULL;
	size_t n = 0, len, insn_len = 0, size = sizeof(verifier_reason);
	const char *why[3];
	size_t why_len[3];
	int nwhy = 0, i;
	bool src = false;

	if (!end)
		return;
	end++;
	/* why: the lines just before "processed" that are not code */
	while (end > log && nwhy < 3) {
		p = line_before(log, end, &len);
		if (!len || insn_line(p, len) || p[0] == ';')
			break;
		why[nwhy] = p;
		why_len[nwhy++] = len;
		end = p;
	}
	for (i = nwhy - 1; i >= 0; i--)
		n += snprintf(verifier_reason + n, size - n, "%s%.*s",
			      i == nwhy - 1 ? "" : "; ", (int)why_len[i],
			      why[i]);
	if (n >= size)
		n = size - 1;
	/* then, going back: the instruction, the source line above it */
	while (end > log && !src) {
		p = line_before(log, end, &len);
		if (memmem(p, len, "-- BEGIN PROG LOAD LOG --", 25))
			break;
		if (!insn && insn_line(p, len)) {
			insn = p;
			insn_len = len;
		} else if (len > 2 && p[0] == ';' && p[1] == ' ') {
			src = put_source(verifier_reason, size, &n, p, len);
		}
		end = p;
	}
	if (insn) {
		/* the registers' state after it is the log's, not the reason */
		const char *state = memmem(insn, insn_len, " ; ", 3);

		len = state ? (size_t)(state - insn) : insn_len;
		while (len && insn[len - 1] == ' ')
			len--;
		n += snprintf(verifier_reason + n, size - n, " (insn %.*s)",
			      (int)len, insn);
	}
	if (n >= size)
		n = size - 1;
	for (i = 0; verifier_reason[i]; i++)
		if (verifier_reason[i] == '\n' || verifier_reason[i] == '\t')
			verifier_reason[i] = ' ';
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
	static __thread char stack[1 << 16];
	char *msg = stack;
	va_list again;
	int n;

	/* a verifier log is longer, and its end says why: all of it */
	va_copy(again, ap);
	n = vsnprintf(stack, sizeof(stack), fmt, ap);
	if (n >= (int)sizeof(stack)) {
		msg = malloc(n + 1);
		if (msg)
			vsnprintf(msg, n + 1, fmt, again);
		else
			msg = stack;
	}
	va_end(again);
	if (lvl == LIBBPF_WARN)
		keep_verifier_reason(msg);
	if (want <= log_level)
		put_msg("", msg, true);
	if (msg != stack)
		free(msg);
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

int log_set_verbosity(int verbosity)
{
	int old = log_verbosity();

	log_level = COMO_LOG_NOTICE + verbosity;
	return old;
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
