// SPDX-License-Identifier: BSD-3-Clause
/*
 * como query --server URL: the same query asked of a running comod's
 * HTTP server (comod(8), HTTP QUERIES), with libcurl. The answer goes to
 * stdout as it comes; a refusal is the server's one line, and an answer
 * the server says it cut ("# answer cut: ...") or not exact (its last
 * line, or a JSON answer's mark) exits 1 as a local query does.
 * libcurl is opened (lazylib.h) when a query goes to a server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include "como.h"
#include "lazylib.h"
#include "log.h"
#include "query.h"

static struct {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode cc);
	char *(*easy_escape)(CURL *c, const char *s, int len);
	void (*easy_cleanup)(CURL *c);
	void (*free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
} curl;

static int curl_open(void)
{
	static const struct lazy_sym syms[] = {
		LAZY_SYM(curl, global_init, "curl_"),
		LAZY_SYM(curl, global_cleanup, "curl_"),
		LAZY_SYM(curl, easy_init, "curl_"),
		LAZY_SYM(curl, easy_setopt, "curl_"),
		LAZY_SYM(curl, easy_perform, "curl_"),
		LAZY_SYM(curl, easy_getinfo, "curl_"),
		LAZY_SYM(curl, easy_strerror, "curl_"),
		LAZY_SYM(curl, easy_escape, "curl_"),
		LAZY_SYM(curl, easy_cleanup, "curl_"),
		LAZY_SYM(curl, free, "curl_"),
		LAZY_SYM(curl, slist_append, "curl_"),
		LAZY_SYM(curl, slist_free_all, "curl_"),
	};

	return lazy_open("libcurl.so.4", syms, sizeof(syms) / sizeof(syms[0]),
			 "--server");
}

static const char *const formats[] = {
	[OUT_PLAIN] = "plain", [OUT_JSON] = "json",
	[OUT_CSV] = "csv", [OUT_GNUPLOT] = "gnuplot",
};

/* what of an answer's end is kept: its mark (JSON's may list intervals) */
#define ANSWER_TAIL	(64U << 10)

struct answer {
	long status;		/* 0 until the headers are in */
	CURL *c;
	char tail[ANSWER_TAIL + 1];	/* the body's last bytes */
	size_t tail_len;
	char err[512];		/* a refusal's body */
	size_t err_len;
};

static void keep_tail(struct answer *a, const char *buf, size_t n)
{
	size_t keep;

	if (n >= ANSWER_TAIL) {
		memcpy(a->tail, buf + n - ANSWER_TAIL, ANSWER_TAIL);
		a->tail_len = ANSWER_TAIL;
	} else {
		keep = a->tail_len + n > ANSWER_TAIL ? ANSWER_TAIL - n :
						       a->tail_len;
		memmove(a->tail, a->tail + a->tail_len - keep, keep);
		memcpy(a->tail + keep, buf, n);
		a->tail_len = keep + n;
	}
	a->tail[a->tail_len] = '\0';
}

/*
 * The answer's last line in *last and the one before in *prev (their
 * newlines cut; NULL: the tail kept does not hold it whole).
 */
static void tail_lines(struct answer *a, char **last, char **prev)
{
	char *end = a->tail + a->tail_len, *p, **out[] = { last, prev };
	unsigned int k;

	*last = *prev = NULL;
	if (end > a->tail && end[-1] == '\n')
		*--end = '\0';
	for (k = 0; k < 2; k++) {
		p = end;
		while (p > a->tail && p[-1] != '\n')
			p--;
		if (p == a->tail && a->tail_len >= ANSWER_TAIL)
			return;	/* its start is not kept */
		*out[k] = p;
		if (p == a->tail)
			return;
		end = p - 1;
		*end = '\0';
	}
}

/*
 * A JSON answer's mark, the element before its closing bracket, says it
 * is not the whole, exact answer: what of it, in WHY.
 */
static bool json_not_exact(const char *line, char *why, size_t size)
{
	static const char *const keys[] = { "partial", "incomplete",
					     "approximate" };
	struct json_object *o, *v, *rep;
	size_t i, n = 0;

	o = line && *line == '{' ? json_tokener_parse(line) : NULL;
	why[0] = '\0';
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return false;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_object_get_ex(o, keys[i], NULL))
			n += snprintf(why + n, n < size ? size - n : 0, "%s%s",
				      n ? ", " : "", keys[i]);
	/* a replayed part from a trace that lost packets */
	if (json_object_object_get_ex(o, "replayed", &rep) &&
	    json_object_is_type(rep, json_type_array))
		for (i = 0; i < json_object_array_length(rep); i++) {
			v = json_object_array_get_idx(rep, i);
			if (json_object_get_boolean(json_object_object_get(v,
							"approximate")) ||
			    json_object_get_boolean(json_object_object_get(v,
							"incomplete"))) {
				n += snprintf(why + n, n < size ? size - n : 0,
					      "%sreplayed part not exact",
					      n ? ", " : "");
				break;
			}
		}
	json_object_put(o);
	return n > 0;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n, k;

	if (!a->status)
		curl.easy_getinfo(a->c, CURLINFO_RESPONSE_CODE, &a->status);
	if (a->status >= 200 && a->status < 300) {
		keep_tail(a, buf, len);
		return fwrite(buf, 1, len, stdout) == len ? len : 0;
	}
	k = sizeof(a->err) - 1 - a->err_len;
	k = k < len ? k : len;
	memcpy(a->err + a->err_len, buf, k);
	a->err_len += k;
	a->err[a->err_len] = '\0';
	return len;
}

/* The token file's first line; NULL after saying why. */
static char *token_read(const char *path)
{
	char buf[300];
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		pr_err("token file %s: %s", path, f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

int query_server(const char *server, const char *token_file,
		 const struct query_opts *o, int replay)
{
	struct curl_slist *hdr = NULL;
	struct answer a = { 0 };
	char *url = NULL, *mod = NULL, *win = NULL, *tok = NULL, *auth = NULL;
	char *last, *prev, why[128];
	CURLcode cc;
	int ret = 1;

	if (curl_open())
		return 1;
	if (token_file && !(tok = token_read(token_file)))
		return 1;
	if (curl.global_init(CURL_GLOBAL_DEFAULT) || !(a.c = curl.easy_init()))
		goto out;
	mod = curl.easy_escape(a.c, o->module, 0);
	win = o->window ? curl.easy_escape(a.c, o->window, 0) : NULL;
	if (!mod || (o->window && !win) ||
	    asprintf(&url, "%s%s?module=%s&format=%s%s%s%s", server,
		     server[strlen(server) - 1] == '/' ? "" : "/", mod,
		     formats[o->fmt], win ? "&time=" : "", win ?: "",
		     replay > 0 ? "&replay=1" : !replay ? "&replay=0" : "") < 0) {
		url = NULL;
		goto out;
	}
	if (tok) {
		if (asprintf(&auth, "Authorization: Bearer %s", tok) < 0) {
			auth = NULL;
			goto out;
		}
		hdr = curl.slist_append(NULL, auth);
		curl.easy_setopt(a.c, CURLOPT_HTTPHEADER, hdr);
	}
	curl.easy_setopt(a.c, CURLOPT_URL, url);
	/* the server's address only: no redirect takes the token elsewhere */
	curl.easy_setopt(a.c, CURLOPT_FOLLOWLOCATION, 0L);
	curl.easy_setopt(a.c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl.easy_setopt(a.c, CURLOPT_WRITEFUNCTION, on_body);
	curl.easy_setopt(a.c, CURLOPT_WRITEDATA, &a);
	curl.easy_setopt(a.c, CURLOPT_CONNECTTIMEOUT, 10L);
	cc = curl.easy_perform(a.c);
	if (!a.status)
		curl.easy_getinfo(a.c, CURLINFO_RESPONSE_CODE, &a.status);
	fflush(stdout);
	if (cc != CURLE_OK) {
		pr_err("%s: %s", server, curl.easy_strerror(cc));
	} else if (a.status < 200 || a.status >= 300) {
		a.err[strcspn(a.err, "\n")] = '\0';
		pr_err("%s: %ld: %s", server, a.status, a.err[0] ? a.err :
		       "no reason given");
	} else if (tail_lines(&a, &last, &prev), last &&
		   !strncmp(last, "# answer cut", 12)) {
		pr_err("%s: %s", server, last + 2);
	} else if (last && !strncmp(last, "# not exact:", 12)) {
		/* exits as a local query of the same answer does */
		pr_warn("%s: %s", server, last + 2);
	} else if (o->fmt == OUT_JSON && last && !strcmp(last, "]") &&
		   json_not_exact(prev, why, sizeof(why))) {
		pr_warn("%s: not exact: %s (see the answer's last element)",
			server, why);
	} else {
		ret = 0;
	}
out:
	if (ret && !url && a.c)
		pr_err("%s: out of memory", server);
	curl.slist_free_all(hdr);
	curl.free(mod);
	curl.free(win);
	free(url);
	free(auth);
	if (tok)
		explicit_bzero(tok, strlen(tok));
	free(tok);
	if (a.c)
		curl.easy_cleanup(a.c);
	curl.global_cleanup();
	return ret;
}
