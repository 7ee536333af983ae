// SPDX-License-Identifier: BSD-3-Clause
/*
 * The client side of the control protocol (include/uapi/linux/como.h):
 * one message format, two transports. como.ko answers on its generic
 * netlink family; comod on its local socket, one request and one reply
 * per connection. A reply is read the same way from either.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/como.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include "ctl_client.h"
#include "ctl_policy.h"
#include "log.h"

#define CTL_MSG_MAX	65536

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

const char *ctl_socket_path(const char *opt)
{
	const char *env = getenv("COMO_SOCKET");

	return opt ?: env && *env ? env : "/run/como/comod.sock";
}

static struct nl_msg *genl_msg_new(int family, __u32 seq, __u8 cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(CTL_MSG_MAX);

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, seq, family, 0,
				NLM_F_REQUEST, cmd, COMO_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

struct nl_msg *ctl_request_new(__u8 cmd)
{
	return genl_msg_new(COMO_LOCAL_FAMILY, 1, cmd);
}

struct nl_msg *ctl_conn_request(const struct ctl_conn *c, __u8 cmd)
{
	/* the kernel's socket numbers its requests itself */
	return genl_msg_new(c->family, c->kind == CTL_KERNEL ? NL_AUTO_SEQ : 1,
			   cmd);
}

/*
 * The reply's NLMSGERR_ATTR_MSG, when the monitor said why. The kernel
 * echoes the request's payload before the attributes unless the ack is
 * capped; comod echoes only its header.
 */
static const char *ext_ack(struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = nlmsg_data(nlh);
	unsigned int off = sizeof(*e);
	struct nlattr *a;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + off)
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + off)
		return NULL;
	rem = nlh->nlmsg_len - NLMSG_HDRLEN - off;
	for (a = (struct nlattr *)((char *)e + off); nla_ok(a, rem);
	     a = nla_next(a, &rem))
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			return nla_get_string(a);
	return NULL;
}

static int comod_open(struct ctl_conn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		snprintf(c->why, sizeof(c->why), "socket path too long: %s",
			 c->path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, c->path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		snprintf(c->why, sizeof(c->why), "no monitor answers on %s: %s",
			 c->path, strerror(errno));
		close(fd);
		return err;
	}
	c->fd = fd;
	return 0;
}

static int kernel_open(struct ctl_conn *c)
{
	int one = 1, fd;

	c->sk = nl_socket_alloc();
	if (!c->sk)
		return -ENOMEM;
	if (genl_connect(c->sk) ||
	    (c->family = genl_ctrl_resolve(c->sk, COMO_GENL_NAME)) < 0) {
		snprintf(c->why, sizeof(c->why),
			 "como.ko is not loaded (no generic netlink family '%s')",
			 COMO_GENL_NAME);
		nl_socket_free(c->sk);
		c->sk = NULL;
		return -ENOENT;
	}
	/* refusals say why, after the request's header only */
	fd = nl_socket_get_fd(c->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

int ctl_connect(struct ctl_conn *c, enum ctl_transport want, const char *path)
{
	char kwhy[sizeof(c->why)];
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->path = path;
	if (want != CTL_COMOD) {
		err = kernel_open(c);
		if (!err) {
			c->kind = CTL_KERNEL;
			return 0;
		}
		if (want == CTL_KERNEL)
			return err;
		snprintf(kwhy, sizeof(kwhy), "%s", c->why);
	}
	err = comod_open(c);
	if (!err) {
		c->kind = CTL_COMOD;
		c->family = COMO_LOCAL_FAMILY;
		return 0;
	}
	if (want == CTL_ANY)
		snprintf(c->why, sizeof(c->why),
			 "neither como.ko nor comod answers (no generic netlink "
			 "family '%s'; %s: %s)", COMO_GENL_NAME, path,
			 strerror(-err));
	return err;
}

const char *ctl_transport_name(const struct ctl_conn *c)
{
	return c->kind == CTL_KERNEL ? "como.ko" : "comod";
}

int ctl_parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	return genlmsg_parse(nlh, 0, tb, COMO_A_MAX, ctl_policy) ? -EPROTO : 0;
}

void ctl_reply_free(struct ctl_reply *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = 0;
}

static int add_msg(struct ctl_reply *r, struct nlmsghdr *nlh)
{
	int size = NLMSG_ALIGN(nlh->nlmsg_len);
	void *p = realloc(r->buf, r->len + size);

	if (!p)
		return -ENOMEM;
	memcpy((char *)p + r->len, nlh, nlh->nlmsg_len);
	r->buf = p;
	r->len += size;
	return 0;
}

/* A refusal: its errno, and why in the monitor's words or strerror's. */
static int reply_refused(struct ctl_conn *c, struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = nlmsg_data(nlh);
	const char *why = ext_ack(nlh);
	int err = e->error < 0 ? e->error : -EPROTO;

	if (why && *why)
		snprintf(c->why, sizeof(c->why), "%s", why);
	else if (err == -EPERM && c->kind == CTL_KERNEL)
		snprintf(c->why, sizeof(c->why), "%s (needs CAP_NET_ADMIN)",
			 strerror(-err));
	else
		snprintf(c->why, sizeof(c->why), "%s", strerror(-err));
	return err;
}

/*
 * One datagram into *BUF, grown to its size first: a netlink message can
 * be larger than CTL_MSG_MAX (como.ko's GET_CAPTURE carries a description
 * of up to 65000 bytes and 256 objects), and recv() would cut it short
 * without a word. Both netlink and AF_UNIX sockets tell the whole length
 * of a peeked datagram with MSG_TRUNC.
 */
static ssize_t recv_whole(int fd, char **buf, size_t *size)
{
	ssize_t n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	char *p;

	if (n <= 0)
		return n;
	if ((size_t)n > *size) {
		p = realloc(*buf, n);
		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		*buf = p;
		*size = n;
	}
	return recv(fd, *buf, *size, 0);
}

/*
 * Reads one reply into R: comod sends a single message; the kernel ends
 * its reply with an ack (NLM_F_ACK is set on its requests) or, for a
 * dump, NLMSG_DONE.
 */
static int collect(struct ctl_conn *c, int fd, bool until_done,
		   struct ctl_reply *r)
{
	size_t size = CTL_MSG_MAX;
	char *buf = malloc(size);
	struct nlmsghdr *nlh;
	int err = 0, n;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = recv_whole(fd, &buf, &size);
		if (n <= 0) {
			err = n ? -errno : -ECONNRESET;
			snprintf(c->why, sizeof(c->why), "%s",
				 n ? strerror(errno) :
				 "the monitor closed the connection");
			goto out;
		}
		nlh = (struct nlmsghdr *)buf;
		if (!nlmsg_ok(nlh, n)) {
			err = -EPROTO;
			snprintf(c->why, sizeof(c->why),
				 "a short or malformed reply");
			goto out;
		}
		for (; nlmsg_ok(nlh, n); nlh = nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				if (((struct nlmsgerr *)nlmsg_data(nlh))->error)
					err = reply_refused(c, nlh);
				goto out;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				goto out;
			if (nlh->nlmsg_type == NLMSG_NOOP)
				continue;
			err = add_msg(r, nlh);
			if (err || !until_done)
				goto out;
		}
	}
out:
	free(buf);
	if (!err && r->len && ctl_parse(r->buf, r->tb)) {
		err = -EPROTO;
		snprintf(c->why, sizeof(c->why), "malformed reply attributes");
	}
	if (err)
		ctl_reply_free(r);
	return err;
}

int ctl_conn_call(struct ctl_conn *c, struct nl_msg *req, struct ctl_reply *r)
{
	struct nlmsghdr *nlh = nlmsg_hdr(req);
	int err;

	memset(r, 0, sizeof(*r));
	c->why[0] = '\0';
	if (c->kind == CTL_KERNEL) {
		err = nl_send_auto(c->sk, req);
		if (err < 0) {
			snprintf(c->why, sizeof(c->why), "cannot send: %s",
				 nl_geterror(err));
			return -EIO;
		}
		return collect(c, nl_socket_get_fd(c->sk), true, r);
	}
	/* comod answers one request per connection */
	if (c->fd < 0) {
		err = comod_open(c);
		if (err)
			return err;
	}
	if (send(c->fd, nlh, nlh->nlmsg_len, MSG_NOSIGNAL) < 0) {
		err = -errno;
		snprintf(c->why, sizeof(c->why), "control request to %s: %s",
			 c->path, strerror(errno));
	} else {
		err = collect(c, c->fd, false, r);
	}
	close(c->fd);
	c->fd = -1;
	return err;
}

int ctl_subscribe(struct ctl_conn *c)
{
	struct nlmsghdr *nlh;
	struct nl_msg *req;
	struct ctl_reply r = {};
	int err, grp;

	if (c->kind == CTL_KERNEL) {
		grp = genl_ctrl_resolve_grp(c->sk, COMO_GENL_NAME,
					    COMO_MCGRP_EVENTS);
		if (grp < 0 || nl_socket_add_membership(c->sk, grp)) {
			snprintf(c->why, sizeof(c->why),
				 "cannot join como.ko's multicast group '%s'",
				 COMO_MCGRP_EVENTS);
			return -ENOENT;
		}
		return 0;
	}
	/* comod: an event command as a request keeps the connection open */
	if (c->fd < 0 && (err = comod_open(c)))
		return err;
	req = ctl_conn_request(c, COMO_CMD_EVENT_EPOCH_CLOSED);
	if (!req)
		return -ENOMEM;
	nlh = nlmsg_hdr(req);
	if (send(c->fd, nlh, nlh->nlmsg_len, MSG_NOSIGNAL) < 0) {
		err = -errno;
		snprintf(c->why, sizeof(c->why), "control request to %s: %s",
			 c->path, strerror(errno));
	} else {
		err = collect(c, c->fd, false, &r);
	}
	nlmsg_free(req);
	ctl_reply_free(&r);
	return err;
}

int ctl_next_event(struct ctl_conn *c, int timeout_ms, struct ctl_reply *r)
{
	struct pollfd pfd = { .events = POLLIN };
	int n;

	memset(r, 0, sizeof(*r));
	pfd.fd = c->kind == CTL_KERNEL ? nl_socket_get_fd(c->sk) : c->fd;
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0 && errno != EINTR) {
		snprintf(c->why, sizeof(c->why), "%s", strerror(errno));
		return -errno;
	}
	if (n <= 0)
		return 0;
	n = collect(c, pfd.fd, false, r);
	/* the kernel dropped events a slow reader did not take: say so, go on */
	if (n == -ENOBUFS && c->kind == CTL_KERNEL) {
		c->lost++;
		return 0;
	}
	return n ?: r->len ? 1 : 0;
}

void ctl_disconnect(struct ctl_conn *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	if (c->fd >= 0)
		close(c->fd);
	c->sk = NULL;
	c->fd = -1;
}

int ctl_comod_connect(struct ctl_conn *c, const char *path)
{
	int err = ctl_connect(c, CTL_COMOD, path);

	if (err)
		pr_err("%s (is comod running live? -s or $COMO_SOCKET name "
		       "another socket)", c->why);
	return err;
}

int ctl_call(const char *path, struct nl_msg *req, struct nlattr **tb,
	     void **keep)
{
	struct ctl_reply r;
	struct ctl_conn c;
	int err;

	err = ctl_comod_connect(&c, path);
	if (err)
		return err;
	err = ctl_conn_call(&c, req, &r);
	ctl_disconnect(&c);
	if (!err && !r.len) {
		err = -EPROTO;
		snprintf(c.why, sizeof(c.why), "an empty reply");
	}
	if (err) {
		pr_err("%s", c.why);
		return err;
	}
	memcpy(tb, r.tb, sizeof(r.tb));
	*keep = r.buf;	/* tb points into it */
	return 0;
}

/* .has holds a bit for every attribute of a nest */
_Static_assert(COMO_MOD_A_MAX < 64 && COMO_OBJ_A_MAX < 64,
	       "an attribute beyond .has");

static const char *str_of(struct nlattr *a)
{
	return a ? nla_get_string(a) : NULL;
}

static __u64 u64_of(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static __u32 u32_of(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

static __u64 has_of(struct nlattr **tb, int max)
{
	__u64 has = 0;
	int i;

	for (i = 1; i <= max; i++)
		if (tb[i])
			has |= 1ULL << i;
	return has;
}

int ctl_mod_parse(struct nlattr *nest, struct como_mod_info *m)
{
	struct nlattr *tb[COMO_MOD_A_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (!nest || nla_parse_nested(tb, COMO_MOD_A_MAX, nest, ctl_mod_policy))
		return -EPROTO;
	m->has = has_of(tb, COMO_MOD_A_MAX);
	m->name = str_of(tb[COMO_MOD_A_NAME]);
	m->source = str_of(tb[COMO_MOD_A_SOURCE]);
	m->args = str_of(tb[COMO_MOD_A_ARGS]);
	m->filter = str_of(tb[COMO_MOD_A_FILTER]);
	m->slot = u32_of(tb[COMO_MOD_A_SLOT]);
	m->state = u32_of(tb[COMO_MOD_A_STATE]);
	m->priority = u32_of(tb[COMO_MOD_A_PRIORITY]);
	m->min_sampling = u32_of(tb[COMO_MOD_A_MIN_SAMPLING]);
	m->sampling = u32_of(tb[COMO_MOD_A_SAMPLING]);
	m->enabled = tb[COMO_MOD_A_ENABLED] ?
		     nla_get_u8(tb[COMO_MOD_A_ENABLED]) : 0;
	m->epoch = u64_of(tb[COMO_MOD_A_EPOCH]);
	m->pkts = u64_of(tb[COMO_MOD_A_PKTS]);
	m->bytes = u64_of(tb[COMO_MOD_A_BYTES]);
	m->updates = u64_of(tb[COMO_MOD_A_UPDATES]);
	m->errors = u64_of(tb[COMO_MOD_A_ERRORS]);
	m->records = u64_of(tb[COMO_MOD_A_RECORDS]);
	m->interval_ns = u64_of(tb[COMO_MOD_A_INTERVAL_NS]);
	m->epoch_start_ns = u64_of(tb[COMO_MOD_A_EPOCH_START_NS]);
	m->closed_epoch = u64_of(tb[COMO_MOD_A_CLOSED_EPOCH]);
	m->closed_start_ns = u64_of(tb[COMO_MOD_A_CLOSED_START_NS]);
	m->closed_end_ns = u64_of(tb[COMO_MOD_A_CLOSED_END_NS]);
	m->cost_ns = u64_of(tb[COMO_MOD_A_COST_NS]);
	m->runs = u64_of(tb[COMO_MOD_A_RUNS]);
	m->reason = str_of(tb[COMO_MOD_A_REASON]);
	m->lost_epochs = u64_of(tb[COMO_MOD_A_LOST_EPOCHS]);
	m->objects = tb[COMO_MOD_A_OBJECTS];
	return 0;
}

int ctl_obj_parse(struct nlattr *obj, struct como_obj_info *o)
{
	struct nlattr *tb[COMO_OBJ_A_MAX + 1];

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (nla_type(obj) != COMO_A_OBJECT ||
	    nla_parse_nested(tb, COMO_OBJ_A_MAX, obj, ctl_obj_policy) ||
	    !tb[COMO_OBJ_A_NAME] || !tb[COMO_OBJ_A_KIND])
		return -EPROTO;
	o->has = has_of(tb, COMO_OBJ_A_MAX);
	o->name = nla_get_string(tb[COMO_OBJ_A_NAME]);
	o->kind = nla_get_u32(tb[COMO_OBJ_A_KIND]);
	o->id = u32_of(tb[COMO_OBJ_A_ID]);
	if (tb[COMO_OBJ_A_FD])
		o->fd = nla_get_s32(tb[COMO_OBJ_A_FD]);
	o->prog_type = u32_of(tb[COMO_OBJ_A_PROG_TYPE]);
	return 0;
}
