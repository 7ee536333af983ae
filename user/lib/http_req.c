// SPDX-License-Identifier: BSD-3-Clause
/*
 * Request targets of the query server (http_req.h): the endpoint by its
 * exact path, then the query string a parameter at a time. Nothing here
 * touches the data directory: a module name is checked by the instance
 * name rule (no '/', no "..") before the server looks for its stream.
 */
#include <string.h>
#include "http_req.h"
#include "names.h"
#include "timewin.h"

static const struct {
	const char *path;
	enum http_endpoint ep;
} endpoints[] = {
	{ "/", HTTP_EP_COMO },
	{ "/api/v1/query", HTTP_EP_QUERY },
	{ "/api/v1/modules", HTTP_EP_MODULES },
	{ "/api/v1/status", HTTP_EP_STATUS },
	{ "/metrics", HTTP_EP_METRICS },
};

static int refuse(struct http_req *r, int status, const char *fmt,
		  const char *what)
{
	char shown[96];

	como_name_escape(shown, sizeof(shown), what);
	snprintf(r->why, sizeof(r->why), fmt, shown);
	return status;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * S's LEN bytes percent-decoded into DST (SIZE bytes with the NUL): 0,
 * -1 for a bad escape or a control byte, -2 when it does not fit.
 */
static int decode(const char *s, size_t len, char *dst, size_t size)
{
	size_t i, o = 0;
	int c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len || hexval(s[i + 1]) < 0 ||
			    hexval(s[i + 2]) < 0)
				return -1;
			c = hexval(s[i + 1]) << 4 | hexval(s[i + 2]);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (o + 1 >= size)
			return -2;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

enum param { P_MODULE, P_TIME, P_FORMAT, P_REPLAY, P_COUNT };

static const char *const param_names[P_COUNT] = {
	[P_MODULE] = "module", [P_TIME] = "time", [P_FORMAT] = "format",
	[P_REPLAY] = "replay",
};

/* One KEY=VALUE of the query string (LEN bytes at S). */
static int param(struct http_req *r, const char *s, size_t len, bool *seen)
{
	const char *eq = memchr(s, '=', len);
	char key[32], val[HTTP_WINDOW_MAX];
	size_t klen = eq ? (size_t)(eq - s) : len;
	unsigned int p;
	int err;

	if (decode(s, klen, key, sizeof(key)))
		return refuse(r, 400, "unknown parameter '%s' (module, time, "
			      "format, replay)", "...");
	for (p = 0; p < P_COUNT && strcmp(key, param_names[p]); p++)
		;
	if (p == P_COUNT)
		return refuse(r, 400, "unknown parameter '%s' (module, time, "
			      "format, replay)", key);
	if (seen[p])
		return refuse(r, 400, "parameter '%s' given twice", key);
	seen[p] = true;
	if (!eq)
		return refuse(r, 400, "parameter '%s' has no value", key);
	err = decode(eq + 1, len - klen - 1, val, sizeof(val));
	if (err == -1)
		return refuse(r, 400, "parameter '%s': a bad %%-escape or a "
			      "control character", key);
	if (err)
		return refuse(r, 400, "parameter '%s': too long", key);
	switch (p) {
	case P_MODULE:
		if (como_name_check(val, r->why, sizeof(r->why)))
			return 400;
		strcpy(r->module, val);
		return 0;
	case P_TIME: {
		struct timewin w;

		if (timewin_parse(val, &w))
			return refuse(r, 400, "bad time window '%s': expected "
				      "START:END, e.g. -5m:0, 1700000000:"
				      "1700000300 or 2023-11-14T22:13:20Z:",
				      val);
		strcpy(r->window, val);
		return 0;
	}
	case P_REPLAY:
		if (strcmp(val, "0") && strcmp(val, "1"))
			return refuse(r, 400, "parameter 'replay': '%s' is "
				      "neither 0 nor 1", val);
		r->replay = val[0] == '1';
		r->replay_set = true;
		return 0;
	default:
		if (r->ep == HTTP_EP_QUERY)
			return refuse(r, 400, "/api/v1/query answers JSON: "
				      "format '%s' is for /", val);
		r->pcap = !strcmp(val, "pcap");
		if (!r->pcap && out_format_parse(val, &r->fmt))
			return refuse(r, 400, "unknown format '%s' (plain, json, "
				      "csv, gnuplot, pcap)", val);
		return 0;
	}
}

int http_req_parse(const char *method, const char *target, struct http_req *r)
{
	bool seen[P_COUNT] = { 0 };
	const char *q, *s, *amp;
	size_t plen, i;
	int status;

	memset(r, 0, sizeof(*r));
	r->fmt = OUT_PLAIN;
	if (!method || (strcmp(method, "GET") && strcmp(method, "HEAD")))
		return refuse(r, 405, "method %s: this server answers GET and "
			      "HEAD only", method ?: "(none)");
	r->head = !strcmp(method, "HEAD");
	if (!target || !*target)
		return refuse(r, 400, "no request target%s", "");
	if (strlen(target) > HTTP_URL_MAX) {
		snprintf(r->why, sizeof(r->why), "request target over %d bytes",
			 HTTP_URL_MAX);
		return 414;
	}
	q = strchr(target, '?');
	plen = q ? (size_t)(q - target) : strlen(target);
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++)
		if (strlen(endpoints[i].path) == plen &&
		    !memcmp(endpoints[i].path, target, plen))
			break;
	if (i == sizeof(endpoints) / sizeof(endpoints[0])) {
		char path[HTTP_URL_MAX + 1];

		memcpy(path, target, plen);
		path[plen] = '\0';
		return refuse(r, 404, "no such endpoint '%s' (/, /api/v1/query, "
			      "/api/v1/modules, /api/v1/status, /metrics)", path);
	}
	r->ep = endpoints[i].ep;
	for (s = q ? q + 1 : NULL; s && *s; s = amp ? amp + 1 : NULL) {
		amp = strchr(s, '&');
		plen = amp ? (size_t)(amp - s) : strlen(s);
		if (!plen)
			continue;
		if (r->ep != HTTP_EP_COMO && r->ep != HTTP_EP_QUERY)
			return refuse(r, 400, "%s takes no parameters",
				      endpoints[i].path);
		status = param(r, s, plen, seen);
		if (status)
			return status;
	}
	if ((r->ep == HTTP_EP_COMO || r->ep == HTTP_EP_QUERY) && !r->module[0])
		return refuse(r, 400, "which module? give module=NAME (see "
			      "/api/v1/modules)%s", "");
	if (r->pcap && r->replay)
		return refuse(r, 400, "replay=1 answers with records: "
			      "format=pcap is for the trace module itself%s", "");
	return 0;
}
