/* SPDX-License-Identifier: BSD-3-Clause */
/* comoctl: what its object files share. */
#ifndef _COMOCTL_H
#define _COMOCTL_H

#include <stdbool.h>
#include <stdint.h>
#include "ctl_client.h"
#include "out.h"

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
 * The output of a reply, through the print layer (out.h): text begins with
 * a line naming the transport that answered, JSON carries a "transport"
 * key. Ended by out_end.
 */
void reply_begin(struct comoctl *ctl, struct como_out *o);
/* The text format of a "label value" line, the value as %s. */
const char *kv_fmt(char *buf, size_t size, const char *label);

/*
 * Both return an exit code. transport() connects on first use, so that a
 * usage error is reported as one whatever answers; request() sends one
 * request and on a refusal prints "comoctl: WHAT: why (ENAME)".
 */
int transport(struct comoctl *ctl);
int request(struct comoctl *ctl, const char *what, struct nl_msg *req,
	    struct ctl_reply *r);
/* After a refused request: "comoctl: WHAT: why (ENAME)", EXIT_REFUSED. */
int refused(struct comoctl *ctl, const char *what, int err);
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
