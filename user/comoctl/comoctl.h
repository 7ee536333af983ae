/* SPDX-License-Identifier: BSD-3-Clause */
/* comoctl: what its object files share. */
#ifndef _COMOCTL_H
#define _COMOCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "ctl_client.h"

/* exit codes scripts can trust */
enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,	/* the request was refused or failed */
	EXIT_USAGE = 2,
	EXIT_NO_TRANSPORT = 3,
};

struct comoctl {
	struct ctl_conn conn;
	enum ctl_transport want;
	const char *socket;
	bool connected;
	bool json, pretty;
};

/*
 * The print layer: one call takes a JSON key and the text form together,
 * so text and JSON cannot drift apart. Text is "key value" lines after a
 * first line naming the transport; JSON one object with "transport".
 */
struct json_object *out_begin(struct comoctl *ctl);
void out_str(struct comoctl *ctl, struct json_object *o, const char *key,
	     const char *val);
void out_u64(struct comoctl *ctl, struct json_object *o, const char *key,
	     uint64_t val, const char *text);
void out_end(struct comoctl *ctl, struct json_object *o);
/* "1.5s", "100ms": durations as parse_duration_ns reads them */
void fmt_duration(char *buf, size_t size, uint64_t ns);
/* "1700000000.250000000": a wall clock time in ns */
void fmt_time(char *buf, size_t size, uint64_t ns);

/*
 * Both return an exit code. transport() connects on first use, so that a
 * usage error is reported as one whatever answers; request() sends one
 * request and on a refusal prints "comoctl: WHAT: why (ENAME)".
 */
int transport(struct comoctl *ctl);
int request(struct comoctl *ctl, const char *what, struct nl_msg *req,
	    struct ctl_reply *r);
/* A request that changes something: silent when done, but for -j. */
int change(struct comoctl *ctl, const char *what, struct nl_msg *req);
/* A request for CMD on the transport that answers; an exit code. */
int request_new(struct comoctl *ctl, uint8_t cmd, struct nl_msg **req);
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool parse_u32(const char *s, uint32_t *v);

int do_module(struct comoctl *ctl, int argc, char **argv);
int do_config(struct comoctl *ctl, int argc, char **argv);
int do_monitor(struct comoctl *ctl, int argc, char **argv);
int do_status(struct comoctl *ctl, int argc, char **argv);
int do_capture(struct comoctl *ctl, int argc, char **argv);

#endif
