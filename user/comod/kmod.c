// SPDX-License-Identifier: BSD-3-Clause
/*
 * comod's side of como.ko (include/uapi/linux/como.h): the capture handed
 * over by fd and taken back by id, modules registered with the flush
 * clock, the clock's announcements; through the client every tool of
 * como uses (ctl_client.c).
 *
 * Part of comod: the transport below kclock.c, keep.c and start.c; calls
 * only the shared client (user/lib).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <linux/como.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include "comod.h"
#include "ctl_client.h"
#include "ctl_policy.h"
#include "ctl_requests.h"
#include "kmod.h"
#include "log.h"

struct kmod {
	struct ctl_conn conn;	/* requests */
	struct ctl_conn events;	/* the events group */
};

int kmod_open(struct kmod **kp)
{
	struct kmod *k = calloc(1, sizeof(*k));
	int err;

	if (!k)
		return -ENOMEM;
	k->conn.fd = k->events.fd = -1;
	err = ctl_connect(&k->conn, CTL_KERNEL, NULL);
	if (err) {
		free(k);
		return -ENOENT;	/* not loaded: not an error */
	}
	err = ctl_connect(&k->events, CTL_KERNEL, NULL);
	if (!err)
		err = ctl_subscribe(&k->events);
	if (!err)
		err = nl_socket_set_nonblocking(k->events.sk) ? -EIO : 0;
	if (err) {
		pr_err("como.ko: cannot follow its events: %s", k->events.why);
		kmod_close(k);
		return err;
	}
	*kp = k;
	return 0;
}

void kmod_close(struct kmod *k)
{
	if (!k)
		return;
	ctl_disconnect(&k->conn);
	ctl_disconnect(&k->events);
	free(k);
}

bool kmod_alive(struct kmod *k)
{
	return genl_ctrl_resolve(k->conn.sk, COMO_GENL_NAME) >= 0;
}

int kmod_event_fd(const struct kmod *k)
{
	return nl_socket_get_fd(k->events.sk);
}

/* An event says only "look now"; what to do is read from the modules. */
void kmod_events_discard(struct kmod *k)
{
	char buf[8192];

	while (recv(kmod_event_fd(k), buf, sizeof(buf), MSG_DONTWAIT) > 0 ||
	       errno == ENOBUFS)
		;
}

static struct nl_msg *request(struct kmod *k, __u8 cmd)
{
	return ctl_conn_request(&k->conn, cmd);
}

/* Sends REQ (freed here); *r, when asked for, holds the reply. */
static int call(struct kmod *k, struct nl_msg *req, const char *what,
		struct ctl_reply *r)
{
	struct ctl_reply none;
	int err;

	if (!req)
		return -ENOMEM;
	err = ctl_conn_call(&k->conn, req, r ?: &none);
	nlmsg_free(req);
	if (!r)
		ctl_reply_free(&none);
	if (err && err != -ENOENT)
		pr_err("como.ko: %s: %s", what, k->conn.why);
	return err;
}

static int put_objs(struct nl_msg *msg, int type, const struct kmod_obj *objs,
		    unsigned int n)
{
	struct nlattr *list = nla_nest_start(msg, type), *o;
	unsigned int i;

	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		o = nla_nest_start(msg, COMO_A_OBJECT);
		if (!o || nla_put_string(msg, COMO_OBJ_A_NAME, objs[i].name) ||
		    nla_put_u32(msg, COMO_OBJ_A_KIND, objs[i].kind) ||
		    nla_put_s32(msg, COMO_OBJ_A_FD, objs[i].fd))
			return -EMSGSIZE;
		nla_nest_end(msg, o);
	}
	nla_nest_end(msg, list);
	return 0;
}

int kmod_capture_set(struct kmod *k, const char *datadir, const char *desc,
		     const struct kmod_obj *objs, unsigned int n)
{
	struct nl_msg *req = request(k, COMO_CMD_SET_CAPTURE);
	struct nlattr *cap;

	if (!req)
		return -ENOMEM;
	cap = nla_nest_start(req, COMO_A_CAPTURE);
	if (!cap || nla_put_string(req, COMO_CAP_A_DATADIR, datadir) ||
	    nla_put_string(req, COMO_CAP_A_DESCRIPTION, desc) ||
	    put_objs(req, COMO_CAP_A_OBJECTS, objs, n)) {
		nlmsg_free(req);
		pr_err("como.ko: the capture's description is too large");
		return -EMSGSIZE;
	}
	nla_nest_end(req, cap);
	return call(k, req, "hand over the capture", NULL);
}

/* The objects of a reply's list, each by name, kind and id. */
static int get_objs(struct nlattr *list, struct kmod_obj **objs,
		    unsigned int *n)
{
	struct como_obj_info ob;
	struct kmod_obj *v;
	struct nlattr *a;
	unsigned int i = 0;
	int rem;

	nla_for_each_nested(a, list, rem)
		i++;
	v = calloc(i ?: 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	i = 0;
	nla_for_each_nested(a, list, rem) {
		if (ctl_obj_parse(a, &ob) || !CTL_HAS(&ob, COMO_OBJ_A_ID)) {
			free(v);
			return -EPROTO;
		}
		snprintf(v[i].name, sizeof(v[i].name), "%s", ob.name);
		v[i].kind = ob.kind;
		v[i].id = ob.id;
		v[i].fd = -1;
		i++;
	}
	*objs = v;
	*n = i;
	return 0;
}

int kmod_capture_get(struct kmod *k, char **datadir, char **desc,
		     struct kmod_obj **objs, unsigned int *n)
{
	struct nlattr *cap[COMO_CAP_A_MAX + 1];
	struct ctl_reply r;
	int err;

	err = call(k, request(k, COMO_CMD_GET_CAPTURE), "get the capture", &r);
	if (err)
		return err;
	err = -EPROTO;
	if (!r.tb[COMO_A_CAPTURE] ||
	    nla_parse_nested(cap, COMO_CAP_A_MAX, r.tb[COMO_A_CAPTURE],
			     ctl_cap_policy) ||
	    !cap[COMO_CAP_A_DATADIR] || !cap[COMO_CAP_A_DESCRIPTION] ||
	    !cap[COMO_CAP_A_OBJECTS])
		goto out;
	err = get_objs(cap[COMO_CAP_A_OBJECTS], objs, n);
	if (err)
		goto out;
	*datadir = strdup(nla_get_string(cap[COMO_CAP_A_DATADIR]));
	*desc = strdup(nla_get_string(cap[COMO_CAP_A_DESCRIPTION]));
	if (!*datadir || !*desc) {
		free(*datadir);
		free(*desc);
		free(*objs);
		err = -ENOMEM;
	}
out:
	if (err == -EPROTO)
		pr_err("como.ko: a capture reply comod cannot read");
	ctl_reply_free(&r);
	return err;
}

int kmod_capture_del(struct kmod *k)
{
	return call(k, request(k, COMO_CMD_DEL_CAPTURE), "release the capture",
		    NULL);
}

int kmod_obj_open(const struct kmod_obj *o)
{
	int fd;

	switch (o->kind) {
	case COMO_OBJ_PROG:
		fd = bpf_prog_get_fd_by_id(o->id);
		break;
	case COMO_OBJ_MAP:
		fd = bpf_map_get_fd_by_id(o->id);
		break;
	case COMO_OBJ_LINK:
		fd = bpf_link_get_fd_by_id(o->id);
		break;
	default:
		return -EINVAL;
	}
	return fd < 0 ? -errno : fd;
}

int kmod_register(struct kmod *k, const struct modrt *rt)
{
	struct kmod_obj objs[] = {
		{ .name = "prog", .kind = COMO_OBJ_PROG, .fd = rt->prog_fd },
		{ .name = "state", .kind = COMO_OBJ_MAP, .fd = rt->outer_fd },
		{ .name = "half0", .kind = COMO_OBJ_MAP, .fd = rt->half_fd[0] },
		{ .name = "half1", .kind = COMO_OBJ_MAP, .fd = rt->half_fd[1] },
	};
	struct nl_msg *req = request(k, COMO_CMD_REGISTER_MODULE);
	struct nlattr *m;
	char what[200];

	if (!req)
		return -ENOMEM;
	m = nla_nest_start(req, COMO_A_MODULE);
	if (!m || nla_put_string(req, COMO_MOD_A_NAME, rt->mod->name) ||
	    nla_put_u32(req, COMO_MOD_A_SLOT, rt->slot) ||
	    nla_put_u64(req, COMO_MOD_A_INTERVAL_NS, rt->mod->interval_ns) ||
	    nla_put_u64(req, COMO_MOD_A_EPOCH_START_NS, rt->epoch_start) ||
	    nla_put_u32(req, COMO_MOD_A_PRIORITY, rt->priority) ||
	    nla_put_u32(req, COMO_MOD_A_MIN_SAMPLING,
			rt->mod->desc->max_sampling ?: 1) ||
	    put_objs(req, COMO_MOD_A_OBJECTS, objs, 4)) {
		nlmsg_free(req);
		return -EMSGSIZE;
	}
	nla_nest_end(req, m);
	snprintf(what, sizeof(what), "register module %s", rt->mod->name);
	return call(k, req, what, NULL);
}

/* What como.ko says of a module's epochs: it always says these. */
static int get_epochs(const struct como_mod_info *m, struct kmod_epochs *e)
{
	memset(e, 0, sizeof(*e));
	if (!m->name || !CTL_HAS(m, COMO_MOD_A_EPOCH) ||
	    !CTL_HAS(m, COMO_MOD_A_EPOCH_START_NS))
		return -EPROTO;
	snprintf(e->name, sizeof(e->name), "%s", m->name);
	e->epoch = m->epoch;
	e->epoch_start_ns = m->epoch_start_ns;
	e->closed = CTL_HAS(m, COMO_MOD_A_CLOSED_EPOCH) &&
		    CTL_HAS(m, COMO_MOD_A_CLOSED_START_NS) &&
		    CTL_HAS(m, COMO_MOD_A_CLOSED_END_NS);
	if (e->closed) {
		e->closed_epoch = m->closed_epoch;
		e->closed_start_ns = m->closed_start_ns;
		e->closed_end_ns = m->closed_end_ns;
	}
	return 0;
}

static struct nl_msg *module_request(struct kmod *k, __u8 cmd, const char *name,
				     const __u64 *epoch)
{
	struct nl_msg *req = request(k, cmd);
	struct nlattr *m;

	if (!req)
		return NULL;
	m = nla_nest_start(req, COMO_A_MODULE);
	if (!m || nla_put_string(req, COMO_MOD_A_NAME, name) ||
	    (epoch && nla_put_u64(req, COMO_MOD_A_EPOCH, *epoch))) {
		nlmsg_free(req);
		return NULL;
	}
	nla_nest_end(req, m);
	return req;
}

int kmod_unregister(struct kmod *k, const char *name, struct kmod_epochs *last)
{
	struct como_mod_info m;
	struct ctl_reply r;
	char what[200];
	int err;

	snprintf(what, sizeof(what), "unregister module %s", name);
	err = call(k, module_request(k, COMO_CMD_UNREGISTER_MODULE, name, NULL),
		   what, &r);
	if (err)
		return err;
	err = ctl_mod_parse(r.tb[COMO_A_MODULE], &m) ?: get_epochs(&m, last);
	ctl_reply_free(&r);
	return err;
}

int kmod_modules(struct kmod *k, struct kmod_epochs **v, unsigned int *n)
{
	struct kmod_epochs *e = NULL;
	struct ctl_modules mods;
	struct ctl_reply r;
	unsigned int i;
	int err;

	*v = NULL;
	*n = 0;
	err = call(k, request(k, COMO_CMD_GET_MODULES), "list modules", &r);
	if (err)
		return err;
	if (!r.len) {
		ctl_reply_free(&r);
		return -EPROTO;
	}
	err = ctl_modules_parse(&r, &mods);
	if (err)
		return err;
	if (mods.n > COMO_MAX_SLOTS)
		mods.n = COMO_MAX_SLOTS;
	e = calloc(mods.n ?: 1, sizeof(*e));
	err = e ? 0 : -ENOMEM;
	for (i = 0; i < mods.n && !err; i++)
		err = get_epochs(&mods.v[i], &e[i]);
	ctl_modules_free(&mods);
	if (err) {
		free(e);
		return err;
	}
	*v = e;
	*n = i;
	return 0;
}

int kmod_drained(struct kmod *k, const char *name, __u64 epoch)
{
	char what[200];

	snprintf(what, sizeof(what), "module %s: epoch %llu drained", name,
		 (unsigned long long)epoch);
	return call(k, module_request(k, COMO_CMD_EPOCH_DRAINED, name, &epoch),
		    what, NULL);
}
