/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The query server's process (http_server.c), started by http.c: what it
 * is given, and the few words it and comod say on the hook, a
 * SOCK_SEQPACKET pair: the server asks with a u32 sequence number, comod
 * answers with the same number then http_status_json()'s text.
 */
#ifndef _COMOD_HTTP_SERVER_H
#define _COMOD_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#define HTTP_TOKEN_MAX		256
/* the most comod's answer may be, and how long the server waits for it */
#define HTTP_STATUS_MAX		(1U << 20)
#define HTTP_ASK_MS		3000
/* the server's first word: "ok", or an error's line */
#define HTTP_READY		"ok"

struct http_srv_cfg {
	const char *datadir;
	char token[HTTP_TOKEN_MAX + 1];	/* "": none asked for */
	uint64_t max_bytes;
	unsigned int max_ms;
	int verbose;
	bool ipv6;
};

/*
 * Serves on LISTEN_FD until HOOK_FD's other end closes; asks the replayer
 * on REPLAY_FD (http_replay.h) for replay=1. Never returns.
 */
void __attribute__((noreturn)) http_server_main(const struct http_srv_cfg *cfg,
						int listen_fd, int hook_fd,
						int replay_fd);

#endif
