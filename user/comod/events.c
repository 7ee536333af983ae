// SPDX-License-Identifier: BSD-3-Clause
/*
 * Events to the control socket's subscribers: a leaf that every part with
 * news may call (the drain, the guard, export), and that calls nothing of
 * comod's. A subscriber that cannot take an event at once is dropped, as
 * a slow reader of como.ko's group loses events: comod never waits on it.
 *
 * Part of comod: a leaf; called by the drain, the guard, export and the
 * control socket (subscriptions); calls only libnl.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/como.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include "events.h"
#include "log.h"

static int subscribers[EVENTS_SUBSCRIBERS_MAX];
static unsigned int nsubscribers;

/* Forgets subscribers that hung up, so that their places can be taken. */
static void prune(void)
{
	struct pollfd pfd = { .events = POLLRDHUP };
	const short gone = POLLHUP | POLLRDHUP | POLLERR;
	unsigned int i = 0;

	while (i < nsubscribers) {
		pfd.fd = subscribers[i];
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & gone)) {
			close(subscribers[i]);
			subscribers[i] = subscribers[--nsubscribers];
		} else {
			i++;
		}
	}
}

int events_subscribe(int fd)
{
	prune();
	if (nsubscribers == EVENTS_SUBSCRIBERS_MAX)
		return -EBUSY;
	subscribers[nsubscribers++] = fd;
	return 0;
}

void events_close(void)
{
	while (nsubscribers)
		close(subscribers[--nsubscribers]);
}

static void publish(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	unsigned int i = 0;

	while (i < nsubscribers) {
		if (send(subscribers[i], nlh, nlh->nlmsg_len,
			 MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			pr_info("event subscriber dropped: %s", strerror(errno));
			close(subscribers[i]);
			subscribers[i] = subscribers[--nsubscribers];
		} else {
			i++;
		}
	}
}

static struct nl_msg *event_new(__u8 cmd)
{
	struct nl_msg *msg;

	if (!nsubscribers)
		return NULL;
	msg = nlmsg_alloc();
	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, 0, COMO_LOCAL_FAMILY, 0, 0,
				cmd, COMO_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

void events_epoch_closed(const char *module, uint64_t epoch,
			 uint64_t start_ns, uint64_t end_ns)
{
	struct nl_msg *msg = event_new(COMO_CMD_EVENT_EPOCH_CLOSED);
	struct nlattr *nest;

	if (!msg)
		return;
	nest = nla_nest_start(msg, COMO_A_MODULE);
	if (!nest || nla_put_string(msg, COMO_MOD_A_NAME, module) ||
	    nla_put_u64(msg, COMO_MOD_A_EPOCH, epoch) ||
	    nla_put_u64(msg, COMO_MOD_A_CLOSED_START_NS, start_ns) ||
	    nla_put_u64(msg, COMO_MOD_A_CLOSED_END_NS, end_ns))
		goto out;
	nla_nest_end(msg, nest);
	publish(msg);
out:
	nlmsg_free(msg);
}

void events_module(__u8 cmd, const char *module, __u32 sampling,
		   uint64_t cost_ns, const char *why, __u32 load_pm)
{
	struct nl_msg *msg = event_new(cmd);
	struct nlattr *nest;

	if (!msg)
		return;
	nest = nla_nest_start(msg, COMO_A_MODULE);
	if (!nest || nla_put_string(msg, COMO_MOD_A_NAME, module) ||
	    nla_put_u64(msg, COMO_MOD_A_COST_NS, cost_ns) ||
	    (sampling && nla_put_u32(msg, COMO_MOD_A_SAMPLING, sampling)))
		goto out;
	nla_nest_end(msg, nest);
	if ((why && nla_put_string(msg, COMO_A_REASON, why)) ||
	    nla_put_u32(msg, COMO_A_LOAD_PM, load_pm))
		goto out;
	publish(msg);
out:
	nlmsg_free(msg);
}

void events_overload(bool begun, __u32 load_pm)
{
	struct nl_msg *msg = event_new(COMO_CMD_EVENT_OVERLOAD);

	if (!msg)
		return;
	if (!nla_put_u32(msg, COMO_A_OVERLOAD, begun) &&
	    !nla_put_u32(msg, COMO_A_LOAD_PM, load_pm))
		publish(msg);
	nlmsg_free(msg);
}
