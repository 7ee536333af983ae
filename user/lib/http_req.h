/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An HTTP request to comod's query server, as it arrives: the method and
 * the request target (path and query string), checked and decoded before
 * anything acts on it. The server (user/comod/http.c) answers what this
 * accepts and refuses the rest with the status and the line it gives.
 *
 *   /?module=NAME&time=START:END&format=plain|json|csv|gnuplot|pcap
 *     &replay=0|1       (default: on demand where it can)        (CoMo's)
 *   /api/v1/query?module=NAME&time=START:END                    (JSON)
 *   /api/v1/modules   /api/v1/status   /metrics                 (none)
 *
 * Values are percent-decoded; '+' stays '+' (CoMo's windows, "+30s", and
 * RFC 3339 offsets have no spaces to stand for). Each parameter once.
 */
#ifndef _COMO_HTTP_REQ_H
#define _COMO_HTTP_REQ_H

#include <stdbool.h>
#include <como/name.h>
#include "out.h"

/* a request target longer than this is refused (414) */
#define HTTP_URL_MAX		4096
#define HTTP_WINDOW_MAX		160

enum http_endpoint {
	HTTP_EP_COMO,		/* "/": CoMo's query form */
	HTTP_EP_QUERY,		/* /api/v1/query */
	HTTP_EP_MODULES,	/* /api/v1/modules */
	HTTP_EP_STATUS,		/* /api/v1/status */
	HTTP_EP_METRICS,	/* /metrics */
};

struct http_req {
	enum http_endpoint ep;
	bool head;			/* HEAD: the answer without its body */
	char module[COMO_NAME_LEN + 1];	/* "" when none was given */
	char window[HTTP_WINDOW_MAX];	/* "" for all the data */
	enum out_format fmt;
	bool pcap;			/* format=pcap: a replay()'s packets */
	bool replay;			/* replay=1: on demand (replay.h) */
	bool replay_set;		/* replay= given: else on demand where
					 * the data directory can (replay.h) */
	char why[320];			/* the refusal's one line */
};

/*
 * 0 when METHOD and TARGET make a request the server answers (R filled
 * in); otherwise the HTTP status that refuses it (400, 404, 405, 414)
 * with R->why saying why, what the client sent escaped.
 */
int http_req_parse(const char *method, const char *target, struct http_req *r);

#endif
