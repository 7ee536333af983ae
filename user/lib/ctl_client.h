/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of the control protocol, for como and comoctl: the same
 * messages to como.ko (generic netlink) or to comod's local socket.
 */
#ifndef _COMO_CTL_CLIENT_H
#define _COMO_CTL_CLIENT_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/como.h>
#include <netlink/msg.h>

const char *ctl_socket_path(const char *opt);
struct nl_msg *ctl_request_new(__u8 cmd);
/*
 * Sends REQ to comod, parses the reply into TB (COMO_A_*); *keep holds the
 * reply buffer TB points into, for the caller to free. Errors are printed.
 */
int ctl_call(const char *path, struct nl_msg *req, struct nlattr **tb,
	     void **keep);

enum ctl_transport {
	CTL_ANY,	/* como.ko when its family resolves, else comod */
	CTL_KERNEL,
	CTL_COMOD,
};

/* A connection to whichever transport answers; nothing here prints. */
struct ctl_conn {
	enum ctl_transport kind;	/* CTL_KERNEL or CTL_COMOD, once open */
	struct nl_sock *sk;		/* como.ko */
	int family;			/* its id, or COMO_LOCAL_FAMILY */
	int fd;				/* comod: one connection per request */
	const char *path;
	char why[512];			/* why the last call failed */
	unsigned long lost;		/* times como.ko dropped events for us */
};

/* The messages of one reply, back to back, and the first one's attributes. */
struct ctl_reply {
	void *buf;
	int len;
	struct nlattr *tb[COMO_A_MAX + 1];
};

/* -ENOENT: the transport asked for (any, with CTL_ANY) is not there. */
int ctl_connect(struct ctl_conn *c, enum ctl_transport want, const char *path);
/* comod's socket, for como: a refusal is printed, with what to try. */
int ctl_comod_connect(struct ctl_conn *c, const char *path);
/* "como.ko" or "comod", as COMO_A_TRANSPORT names them */
const char *ctl_transport_name(const struct ctl_conn *c);
struct nl_msg *ctl_conn_request(const struct ctl_conn *c, __u8 cmd);
/*
 * One request, its whole reply. On a refusal returns the negative errno
 * and c->why says why, in the monitor's words when it gave them.
 */
int ctl_conn_call(struct ctl_conn *c, struct nl_msg *req, struct ctl_reply *r);
void ctl_reply_free(struct ctl_reply *r);
/* Parses the reply message at NLH into TB; -EPROTO when malformed. */
int ctl_parse(struct nlmsghdr *nlh, struct nlattr **tb);
/*
 * Events (COMO_CMD_EVENT_*): como.ko's multicast group, or comod's
 * subscription (see the uapi header). ctl_next_event waits TIMEOUT_MS (-1:
 * for ever) and returns 1 with one event in R, 0 on timeout or signal.
 */
int ctl_subscribe(struct ctl_conn *c);
int ctl_next_event(struct ctl_conn *c, int timeout_ms, struct ctl_reply *r);
void ctl_disconnect(struct ctl_conn *c);

/* Did the nest say ATTR? For the structures below, which all have .has. */
#define CTL_HAS(info, attr)	(!!((info)->has & (1ULL << (attr))))

/*
 * A module as a COMO_A_MODULE nest describes it, in a request, a reply or
 * an event: what every reader takes from it, read in one place. The
 * strings point into the message; what the nest did not say is 0 or NULL
 * and its bit in .has is clear.
 */
struct como_mod_info {
	__u64 has;			/* 1 << COMO_MOD_A_* */
	const char *name, *source, *args, *filter;
	__u32 slot, state, priority, min_sampling, sampling;
	__u8 enabled;
	__u64 epoch, pkts, bytes, updates, errors, records;
	__u64 interval_ns, epoch_start_ns;
	__u64 closed_epoch, closed_start_ns, closed_end_ns;
	__u64 cost_ns, runs;
	const char *reason;		/* why it is stopped */
	__u64 lost_epochs;
	struct nlattr *objects;		/* a list of COMO_A_OBJECT */
};

/* -EPROTO when the nest is malformed (ctl_mod_policy refuses it). */
int ctl_mod_parse(struct nlattr *nest, struct como_mod_info *m);

/* One COMO_A_OBJECT of a list: handed over by fd, handed back by id. */
struct como_obj_info {
	__u64 has;			/* 1 << COMO_OBJ_A_* */
	const char *name;
	__u32 kind;			/* enum como_obj_kind */
	__u32 id;
	int fd;				/* -1 when not said */
	__u32 prog_type;
};

/* -EPROTO when malformed or without its name and kind. */
int ctl_obj_parse(struct nlattr *obj, struct como_obj_info *o);

#endif
