// SPDX-License-Identifier: BSD-3-Clause
/*
 * The control socket: include/uapi/linux/como.h's messages on a local
 * SOCK_SEQPACKET socket, one request and one reply per connection. Every
 * attribute is checked by a policy before a handler sees it; a refusal is
 * NLMSG_ERROR with the errno and a message saying why (extended ack).
 *
 * A request whose command is an event's (COMO_CMD_EVENT_*) subscribes: the
 * reply is an ack, and the connection stays open to carry every event
 * after it, as como.ko's multicast group does (events.c sends them).
 *
 * Part of comod: the top of a live run, called by loop.c; calls the
 * module set (monitor.c), the guard, events.c and the data path's
 * statistics, never back up.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include "ctl.h"
#include "ctl_policy.h"
#include "datapath.h"
#include "events.h"
#include "guard.h"
#include "log.h"
#include "monitor.h"

#define CTL_MSG_MAX	65536
/*
 * Without a guard (a trace run) comod has no tick of its own: epochs
 * close on the trace's clock.
 */
#define CTL_TICK_NS	1000000ULL

struct ctl {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct monitor *mon;
};

/* the attributes as every user-space program checks them (ctl_policy.c) */
static const struct nla_policy *const policy = ctl_policy;
static const struct nla_policy *const mod_policy = ctl_mod_policy;
static const struct nla_policy *const cfg_policy = ctl_cfg_policy;

int ctl_open(struct ctl **cp, const char *path, struct monitor *mon)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl *c;
	char *dir, *slash;
	int err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_err("control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->mon = mon;
	strcpy(c->path, path);
	strcpy(sa.sun_path, path);
	dir = strdup(path);
	slash = dir ? strrchr(dir, '/') : NULL;
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	free(dir);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto err_errno;
	/* a socket nobody answers on is a dead comod's: take it over */
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		pr_err("another comod answers on %s", path);
		close(c->fd);
		free(c);
		return -EADDRINUSE;
	}
	unlink(path);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0600) || listen(c->fd, 8))
		goto err_errno;
	*cp = c;
	return 0;

err_errno:
	err = -errno;
	pr_err("cannot open control socket %s: %s", path, strerror(errno));
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return err;
}

int ctl_fd(const struct ctl *c)
{
	return c->fd;
}

void ctl_close(struct ctl *c)
{
	if (!c)
		return;
	events_close();
	close(c->fd);
	unlink(c->path);
	free(c);
}

static void send_msg(int fd, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (send(fd, nlh, nlh->nlmsg_len, MSG_NOSIGNAL) < 0)
		pr_warn("control reply: %s", strerror(errno));
}

static void send_error(int fd, const struct nlmsghdr *req, int err,
		       const char *why)
{
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_ERROR, NLM_F_ACK_TLVS);
	struct nlmsgerr e = { .error = err, .msg = *req };

	if (!msg)
		return;
	e.msg.nlmsg_len = sizeof(*req);
	nlmsg_append(msg, &e, sizeof(e), NLMSG_ALIGNTO);
	if (why && *why)
		nla_put_string(msg, NLMSGERR_ATTR_MSG, why);
	send_msg(fd, msg);
	nlmsg_free(msg);
}

static struct nl_msg *reply_new(const struct nlmsghdr *req, __u8 cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(CTL_MSG_MAX);

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, req->nlmsg_seq,
				COMO_LOCAL_FAMILY, 0, 0, cmd, COMO_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/*
 * The lowest rate a module accepts, as 1 in N; a descriptor silent on it
 * is never sampled.
 */
static __u32 min_sampling(const struct modrt *rt)
{
	return rt->mod->desc->max_sampling ?: 1;
}

/*
 * Module RT as it answers to its WHICH-th name: 0 its own, 1 the first of
 * its others. Every name of one instance shows the same capture.
 */
static int put_module(struct nl_msg *msg, struct monitor *mon,
		      struct modrt *rt, unsigned int which)
{
	const struct stream *sto = which ? &rt->also[which - 1].st : &rt->st;
	struct nlattr *nest = nla_nest_start(msg, COMO_A_MODULE);
	struct como_ctl ctl = datapath_ctl(mon->dp, rt);
	struct como_stats st = {};

	if (!nest)
		return -EMSGSIZE;
	datapath_stats(mon->dp, rt->slot + 1, &st);
	nla_put_string(msg, COMO_MOD_A_NAME, which ? rt->also[which - 1].name :
		       rt->mod->name);
	nla_put_string(msg, COMO_MOD_A_SOURCE, rt->mod->path);
	nla_put_string(msg, COMO_MOD_A_ARGS, rt->mod->args);
	if (rt->mod->filter)
		nla_put_string(msg, COMO_MOD_A_FILTER, rt->mod->filter);
	nla_put_u32(msg, COMO_MOD_A_SLOT, rt->slot);
	/* export stopped it: the capture goes on without it, and says why */
	nla_put_u32(msg, COMO_MOD_A_STATE, rt->stopped[0] ?
		    COMO_MOD_STATE_STOPPED : COMO_MOD_STATE_RUNNING);
	if (rt->stopped[0]) {
		nla_put_string(msg, COMO_MOD_A_REASON, rt->stopped);
		nla_put_u64(msg, COMO_MOD_A_LOST_EPOCHS, rt->lost_epochs);
	}
	nla_put_u64(msg, COMO_MOD_A_EPOCH, ctl.epoch);
	if (rt->open)
		nla_put_u64(msg, COMO_MOD_A_EPOCH_START_NS, rt->epoch_start);
	nla_put_u64(msg, COMO_MOD_A_INTERVAL_NS, rt->mod->interval_ns);
	nla_put_u32(msg, COMO_MOD_A_SAMPLING, ctl.sampling ?: 1);
	nla_put_u8(msg, COMO_MOD_A_ENABLED, !!ctl.enabled);
	nla_put_u32(msg, COMO_MOD_A_PRIORITY, rt->priority);
	nla_put_u32(msg, COMO_MOD_A_MIN_SAMPLING, min_sampling(rt));
	nla_put_u64(msg, COMO_MOD_A_PKTS, st.pkts);
	nla_put_u64(msg, COMO_MOD_A_BYTES, st.bytes);
	nla_put_u64(msg, COMO_MOD_A_UPDATES, st.updates);
	nla_put_u64(msg, COMO_MOD_A_ERRORS, st.errors);
	if (nla_put_u64(msg, COMO_MOD_A_RECORDS, sto->records))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int do_status(struct ctl *c, struct nl_msg *msg)
{
	struct monitor *mon = c->mon;
	struct como_stats st = {};
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	datapath_stats(mon->dp, 0, &st);
	nla_put_string(msg, COMO_A_TRANSPORT, "comod");
	nla_put_string(msg, COMO_A_SOURCE_KIND, mon->kind);
	nla_put_string(msg, COMO_A_SOURCE, mon->source);
	nla_put_string(msg, COMO_A_DATADIR, mon->datadir);
	nla_put_u64(msg, COMO_A_PKTS, st.pkts);
	nla_put_u64(msg, COMO_A_BYTES, st.bytes);
	return nla_put_u64(msg, COMO_A_UPTIME_NS, ts.tv_sec * 1000000000ULL +
			   ts.tv_nsec - mon->start_ns) ? -EMSGSIZE : 0;
}

static int do_modules(struct ctl *c, struct nl_msg *msg)
{
	unsigned int i, j;
	int err = 0;

	for (i = 0; i < c->mon->n && !err; i++)
		for (j = 0; j <= c->mon->mods[i]->nalso && !err; j++)
			err = put_module(msg, c->mon, c->mon->mods[i], j);
	return err;
}

static const char *str(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_string(tb[type]) : NULL;
}

static int do_load(struct ctl *c, struct nlattr **mod)
{
	if (!mod[COMO_MOD_A_SOURCE]) {
		pr_err("load: which module? (COMO_MOD_A_SOURCE is missing)");
		return -EINVAL;
	}
	return monitor_load(c->mon, str(mod, COMO_MOD_A_SOURCE),
			    str(mod, COMO_MOD_A_NAME), str(mod, COMO_MOD_A_ARGS),
			    str(mod, COMO_MOD_A_FILTER));
}

static int do_unload(struct ctl *c, struct nlattr **mod)
{
	if (!mod[COMO_MOD_A_NAME]) {
		pr_err("unload: which module? (COMO_MOD_A_NAME is missing)");
		return -EINVAL;
	}
	return monitor_unload(c->mon, str(mod, COMO_MOD_A_NAME));
}

/* Checks what SET_MODULE asks of RT before anything changes. */
static int set_module_check(struct modrt *rt, struct nlattr **mod)
{
	const char *name = rt->mod->name;
	__u32 n;

	if (!mod[COMO_MOD_A_SAMPLING] && !mod[COMO_MOD_A_PRIORITY] &&
	    !mod[COMO_MOD_A_ENABLED]) {
		pr_err("module '%s': nothing to set (sampling, priority or enabled)",
		       name);
		return -EINVAL;
	}
	if (mod[COMO_MOD_A_SAMPLING]) {
		n = nla_get_u32(mod[COMO_MOD_A_SAMPLING]);
		if (n < 1 || n > min_sampling(rt)) {
			pr_err("module '%s' accepts sampling 1 in 1 to 1 in %u, not 1 in %u",
			       name, min_sampling(rt), n);
			return -ERANGE;
		}
	}
	if (mod[COMO_MOD_A_ENABLED] &&
	    nla_get_u8(mod[COMO_MOD_A_ENABLED]) > 1) {
		pr_err("module '%s': enabled is 0 or 1", name);
		return -ERANGE;
	}
	return 0;
}

/* Sampling and enabled reach the data path in one write of como_ctl. */
static int do_set_module(struct ctl *c, struct nlattr **mod,
			 struct nl_msg *reply)
{
	const char *name = str(mod, COMO_MOD_A_NAME);
	struct modrt *rt;
	struct como_ctl ctl;
	int err;

	if (!name) {
		pr_err("set: which module? (COMO_MOD_A_NAME is missing)");
		return -EINVAL;
	}
	rt = monitor_find(c->mon, name);
	if (!rt) {
		pr_err("no module '%s'", name);
		return -ENOENT;
	}
	if (modrt_kernel_clock(rt)) {
		pr_err("como.ko runs module '%s': set it there (comoctl -T kernel)",
		       name);
		return -EBUSY;
	}
	err = set_module_check(rt, mod);
	if (err)
		return err;
	if (rt->stopped[0] && mod[COMO_MOD_A_ENABLED] &&
	    nla_get_u8(mod[COMO_MOD_A_ENABLED])) {
		pr_err("module '%s' was stopped (%s): unload it and load it "
		       "again", name, rt->stopped);
		return -EPERM;
	}
	ctl = datapath_ctl(c->mon->dp, rt);
	if (mod[COMO_MOD_A_SAMPLING])
		ctl.sampling = nla_get_u32(mod[COMO_MOD_A_SAMPLING]);
	if (mod[COMO_MOD_A_ENABLED])
		ctl.enabled = nla_get_u8(mod[COMO_MOD_A_ENABLED]);
	datapath_set_sampling(c->mon->dp, rt, ctl.sampling, ctl.enabled);
	if (mod[COMO_MOD_A_PRIORITY])
		rt->priority = nla_get_u32(mod[COMO_MOD_A_PRIORITY]);
	return put_module(reply, c->mon, rt, 0);
}

static int do_get_config(struct ctl *c, struct nl_msg *msg)
{
	struct nlattr *nest = nla_nest_start(msg, COMO_A_CONFIG);
	const struct guard *g = c->mon->guard;

	if (!nest ||
	    nla_put_u64(msg, COMO_CFG_A_TICK_NS, g ? g->tick_ns : CTL_TICK_NS) ||
	    nla_put_u32(msg, COMO_CFG_A_CPU_BUDGET_PM, g ? g->budget_pm : 0))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* The guard's tick and budget; the same bounds as como.ko's policy. */
static int do_set_config(struct ctl *c, struct nlattr **cfg)
{
	struct guard *g = c->mon->guard;
	__u64 tick;
	__u32 budget;

	if (c->mon->kmod) {
		pr_err("como.ko runs the overload guard: set it there "
		       "(comoctl -T kernel)");
		return -EOPNOTSUPP;
	}
	if (!g) {
		pr_err("this comod runs no overload guard (a trace run)");
		return -EOPNOTSUPP;
	}
	if (cfg[COMO_CFG_A_TICK_NS]) {
		tick = nla_get_u64(cfg[COMO_CFG_A_TICK_NS]);
		if (tick < COMO_TICK_MIN_NS || tick > COMO_TICK_MAX_NS) {
			pr_err("tick: between 1 ms and 10 s, please");
			return -ERANGE;
		}
		g->tick_ns = tick;
	}
	if (cfg[COMO_CFG_A_CPU_BUDGET_PM]) {
		budget = nla_get_u32(cfg[COMO_CFG_A_CPU_BUDGET_PM]);
		if (budget > COMO_CPU_BUDGET_MAX_PM) {
			pr_err("cpu-budget: at most 1024 CPUs' worth");
			return -ERANGE;
		}
		g->budget_pm = budget;
		/* the next tick only takes the costs in: it has no last one */
		g->last_ns = 0;
	}
	return 0;
}

static bool is_event(__u8 cmd)
{
	return cmd >= COMO_CMD_EVENT_EPOCH_CLOSED &&
	       cmd <= COMO_CMD_EVENT_OVERLOAD;
}

/* Returns true when FD is kept as a subscriber. */
static bool subscribe(int fd, const struct nlmsghdr *nlh)
{
	if (events_subscribe(fd)) {
		send_error(fd, nlh, -EBUSY, "too many event subscribers");
		return false;
	}
	send_error(fd, nlh, 0, NULL);
	return true;
}

/* The strings with a limit, by nest, as a refusal names them. */
static const char *const top_names[COMO_A_MAX + 1] = {
	[COMO_A_DATADIR] = "data directory (COMO_A_DATADIR)",
};
static const char *const mod_names[COMO_MOD_A_MAX + 1] = {
	[COMO_MOD_A_NAME] = "module name (COMO_MOD_A_NAME)",
	[COMO_MOD_A_SOURCE] = "module source (COMO_MOD_A_SOURCE)",
	[COMO_MOD_A_ARGS] = "module arguments (COMO_MOD_A_ARGS)",
	[COMO_MOD_A_FILTER] = "module filter (COMO_MOD_A_FILTER)",
};

/*
 * Whether the string attribute A is what POL refused: longer than its
 * limit (which counts the NUL, as the uapi's do) or without its NUL. Says
 * so in WHY, as the client's own check would.
 */
static int string_refusal(const struct nlattr *a, const struct nla_policy *pol,
			  const char *const *names, int max, char *why,
			  size_t size)
{
	int type = nla_type(a), len = nla_len(a);
	const char *what, *data = nla_data(a);

	if (type > max || pol[type].type != NLA_STRING)
		return 0;
	what = names[type] ?: "a string";
	if (len < 1 || data[len - 1]) {
		snprintf(why, size, "%s: not a NUL-terminated string", what);
		return -EINVAL;
	}
	if (pol[type].maxlen && len > pol[type].maxlen) {
		snprintf(why, size, "%s: %zu characters, at most %u", what,
			 strnlen(data, len), pol[type].maxlen - 1);
		return -ERANGE;
	}
	return 0;
}

/*
 * Why the policies refused NLH, for the reply: a string beyond its limit
 * is named, with the limit; anything else is malformed. Returns the errno.
 */
static int refusal(const struct nlmsghdr *nlh, char *why, size_t size)
{
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *a, *m;
	int rem, mrem, err;

	nla_for_each_attr(a, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0),
			  rem) {
		err = string_refusal(a, policy, top_names, COMO_A_MAX, why,
				     size);
		if (err)
			return err;
		if (nla_type(a) != COMO_A_MODULE)
			continue;
		nla_for_each_nested(m, a, mrem) {
			err = string_refusal(m, mod_policy, mod_names,
					     COMO_MOD_A_MAX, why, size);
			if (err)
				return err;
		}
	}
	snprintf(why, size, "malformed attributes");
	return -EINVAL;
}

/* Returns true when FD stays open, as an event subscriber. */
static bool handle(struct ctl *c, int fd, struct nlmsghdr *nlh)
{
	struct nlattr *tb[COMO_A_MAX + 1], *mod[COMO_MOD_A_MAX + 1] = {};
	struct nlattr *cfg[COMO_CFG_A_MAX + 1] = {};
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nl_msg *reply;
	char why[1024];
	int err;

	log_clear();
	if (nlh->nlmsg_type != COMO_LOCAL_FAMILY ||
	    !genlmsg_valid_hdr(nlh, 0)) {
		send_error(fd, nlh, -EPROTO, "not a como request");
		return false;
	}
	err = genlmsg_parse(nlh, 0, tb, COMO_A_MAX, policy);
	if (!err && tb[COMO_A_MODULE])
		err = nla_parse_nested(mod, COMO_MOD_A_MAX, tb[COMO_A_MODULE],
				       mod_policy);
	if (!err && tb[COMO_A_CONFIG])
		err = nla_parse_nested(cfg, COMO_CFG_A_MAX, tb[COMO_A_CONFIG],
				       cfg_policy);
	if (err) {
		err = refusal(nlh, why, sizeof(why));
		send_error(fd, nlh, err, why);
		return false;
	}
	if (is_event(gh->cmd))
		return subscribe(fd, nlh);
	reply = reply_new(nlh, gh->cmd);
	if (!reply) {
		send_error(fd, nlh, -ENOMEM, NULL);
		return false;
	}
	switch (gh->cmd) {
	case COMO_CMD_GET_STATUS:
		err = do_status(c, reply);
		break;
	case COMO_CMD_GET_MODULES:
		err = do_modules(c, reply);
		break;
	case COMO_CMD_LOAD_MODULE:
		err = do_load(c, mod);
		break;
	case COMO_CMD_UNLOAD_MODULE:
		err = do_unload(c, mod);
		break;
	case COMO_CMD_SET_MODULE:
		err = do_set_module(c, mod, reply);
		break;
	case COMO_CMD_GET_CONFIG:
		err = do_get_config(c, reply);
		break;
	case COMO_CMD_SET_CONFIG:
		err = do_set_config(c, cfg);
		break;
	default:
		pr_err("unknown command %u", gh->cmd);
		err = -EOPNOTSUPP;
	}
	if (err) {
		snprintf(why, sizeof(why), "%s", log_last_error());
		send_error(fd, nlh, err, why);
	} else {
		send_msg(fd, reply);
	}
	nlmsg_free(reply);
	return false;
}

void ctl_refuse_busy(void *arg)
{
	struct ctl *c = arg;
	struct timeval tv = { .tv_usec = 200000 };
	struct nlmsghdr nlh = {};
	int fd;

	fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* the header is enough to answer it: the rest is dropped with it */
	if (recv(fd, &nlh, sizeof(nlh), MSG_TRUNC) >= (ssize_t)NLMSG_HDRLEN)
		send_error(fd, &nlh, -EBUSY, "comod is compiling a module's "
			   "filter: ask again in a moment");
	close(fd);
}

void ctl_serve(struct ctl *c)
{
	static char buf[CTL_MSG_MAX];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct timeval tv = { .tv_sec = 2 };
	char why[64];
	ssize_t n;
	int fd;

	fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* a client that says nothing does not stall the monitor */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* MSG_TRUNC: the whole length, so a longer request is refused whole */
	n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	if (n > (ssize_t)sizeof(buf)) {
		snprintf(why, sizeof(why), "a request of %zd bytes, at most %zu",
			 n, sizeof(buf));
		send_error(fd, nlh, -EMSGSIZE, why);
	} else if (n >= (ssize_t)NLMSG_HDRLEN && nlmsg_ok(nlh, n) &&
		   handle(c, fd, nlh)) {
		return;
	}
	close(fd);
}
