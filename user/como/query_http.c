// SPDX-License-Identifier: BSD-3-Clause
/*
 * como query --server URL: the same query asked of a running comod's
 * HTTP server (comod(8), HTTP QUERIES), with libcurl. The answer goes to
 * stdout as it comes; a refusal is the server's one line, and an answer
 * the server says it cut ("# answer cut: ...") exits 1 as a local
 * query that was cut does.
 * libcurl is opened (lazylib.h) when a query goes to a server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
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

struct answer {
	long status;		/* 0 until the headers are in */
	CURL *c;
	char tail[512];		/* the last line seen, for "# answer cut" */
	size_t tail_len;
	char err[512];		/* a refusal's body */
	size_t err_len;
};

static void keep_tail(struct answer *a, const char *buf, size_t n)
{
	const char *nl;
	size_t k, room;

	while (n) {
		if (a->tail_len && a->tail[a->tail_len - 1] == '\n')
			a->tail_len = 0;
		nl = memchr(buf, '\n', n);
		k = nl ? (size_t)(nl - buf) + 1 : n;
		room = sizeof(a->tail) - 1 - a->tail_len;

		memcpy(a->tail + a->tail_len, buf, k < room ? k : room);
		a->tail_len += k < room ? k : room;
		buf += k;
		n -= k;
	}
	a->tail[a->tail_len] = '\0';
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
	} else if (!strncmp(a.tail, "# answer cut", 12)) {
		a.tail[strcspn(a.tail, "\n")] = '\0';
		pr_err("%s: %s", server, a.tail + 2);
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
