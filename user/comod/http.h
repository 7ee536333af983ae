/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * comod's query server (http.c): CoMo's HTTP queries, a JSON API and
 * Prometheus' /metrics, on libmicrohttpd, in a process of its own so
 * that no request stalls or crashes capture. Each query runs in a
 * process of its own too (query.h), bounded in time and size.
 *
 * comod's side is small: http_start() before the capture is set up,
 * then its loop polls http_fd() and calls http_serve(), which answers
 * the server's asks for the monitor's figures (http_status_json()).
 */
#ifndef _COMOD_HTTP_H
#define _COMOD_HTTP_H

#include <stdint.h>
#include "comod.h"

struct json_object;
struct http;

/* what one answer may be, unless told otherwise */
#define HTTP_MAX_BYTES		(64ULL << 20)
#define HTTP_MAX_MS		30000
/* a connection that sends or takes nothing for this long is closed */
#define HTTP_IDLE_S		10
/*
 * a request must be whole (its line and headers) this long after its
 * connection, or after the answer before it: a client that trickles its
 * bytes, each in time for HTTP_IDLE_S, is closed all the same
 */
#define HTTP_REQUEST_S		10

struct http_opts {
	const char *listen;	/* ADDR:PORT, [ADDR6]:PORT or PORT (127.0.0.1) */
	const char *token_file;	/* the bearer token; needed beyond loopback */
	const char *datadir;
	uint64_t max_bytes;	/* 0: HTTP_MAX_BYTES */
	unsigned int max_ms;	/* 0: HTTP_MAX_MS */
	int verbose;		/* comod's -v: log each request */
};

/*
 * Listens, starts the server process and waits for it to answer; says
 * why in one line when it cannot (-EINVAL: a bad address or token file).
 */
int http_start(struct http **hp, const struct http_opts *o);
/* The fd to poll for POLLIN; -1 once the server is gone. */
int http_fd(const struct http *h);
/* Answers what the server asks of the monitor (MON NULL: no capture). */
void http_serve(struct http *h, struct monitor *mon);
void http_stop(struct http *h);

/* The monitor's figures, for the server (http_status.c). */
struct json_object *http_status_json(struct monitor *mon, const char *datadir);

#endif
